"""Every way a disclosure writes a number is read exactly or refused with a reason, never dropped or flipped:
each test edits the seed the way a real document writes one number form and checks the facts (or the
refusal) that come out. A run of digits of any length is read in linear time."""

from __future__ import annotations

import copy
import os
import signal
from contextlib import contextmanager
from decimal import Decimal as D

import pytest

from budget_etl.extract import ExtractionError, extract
from budget_etl.readers import read_bytes

from conftest import SEED
from goldcheck import assert_matches_gold


@pytest.fixture(scope="module")
def seed() -> str:
    return SEED.read_text(encoding="utf-8")


def parse(text: str):
    return extract(read_bytes(text.encode("utf-8"), "variant.txt"))


def edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, (old, text.count(old))
    return text.replace(old, new)


def refusal(text: str) -> str:
    with pytest.raises(ExtractionError) as caught:
        parse(text)
    assert caught.value.reason_code == "unreadable_amount"
    return str(caught.value)


def operating(doc) -> dict:
    return {e.item_name_zh: e.amount_yuan for e in doc.operating_expenses}


def changes(doc) -> dict:
    return {c.metric: c.change_yuan for c in doc.stated_changes}


def vehicle_operation(doc):
    return next(c for c in doc.three_public_costs if c.category == "vehicle_operation")


# --- forms read exactly ------------------------------------------------------------------------------


def test_scientific_notation_in_a_listing_is_the_item_not_an_item_named_e(seed, gold):
    doc = parse(edit(seed, "邮电费8760元", "邮电费8.76e3元"))
    assert operating(doc)["邮电费"] == D(8760) and "e" not in operating(doc)
    assert_matches_gold(doc, gold)


def test_scientific_notation_total_keeps_the_revenue_lines(seed, gold):
    doc = parse(edit(seed, "2020年预算收入为3566894.19元", "2020年预算收入为3.56689419e6元"))
    assert doc.total("revenue_total") == D("3566894.19")
    first = doc.revenue[0]
    assert (first.revenue_source, first.amount_yuan) == ("general_public_budget", D("3566894.19"))
    assert_matches_gold(doc, gold)


def test_thousand_yuan_is_scaled_exactly(seed, gold):
    doc = parse(edit(seed, "邮电费8760元", "邮电费8.76千元"))
    assert operating(doc)["邮电费"] == D(8760)
    expected = copy.deepcopy(gold)
    expected["document"]["currency_unit"] = "千元"  # its largest unit: rounding to 5 yuan is possible
    assert_matches_gold(doc, expected)


def test_total_in_hundred_million_yuan_keeps_the_revenue_lines(seed, gold):
    doc = parse(edit(seed, "2020年预算收入为3566894.19元", "2020年预算收入为0.0356689419亿元"))
    assert doc.total("revenue_total") == D("3566894.19")
    assert len(doc.revenue) == 4 and doc.info.currency_unit == "亿元"
    expected = copy.deepcopy(gold)
    expected["document"]["currency_unit"] = "亿元"
    assert_matches_gold(doc, expected)


def test_unicode_minus_signs_are_kept(seed):
    for minus in ("\u2212", "\uff0d"):  # MINUS SIGN, FULLWIDTH HYPHEN-MINUS
        doc = parse(edit(seed, "与上年减少1000元", f"与上年减少{minus}1000元"))
        assert vehicle_operation(doc).change_yuan == D(-1000)
        assert vehicle_operation(doc).prior_year_yuan == D(11000)


def test_a_decrease_stated_with_a_minus_stays_a_decrease(seed):
    doc = parse(edit(seed, "较上年减少958.50元", "较上年减少-958.50元"))
    assert changes(doc)["three_public_total"] == D("-958.50")


# --- forms refused, with the text quoted ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "quoted", "why"),
    [
        ("办公及印刷费12290元", "办公及印刷费1,2290元", "'1,2290'", "no thousands separator"),
        ("办公及印刷费12290元", "办公及印刷费12 290元", "'12 290'", "separated by a space"),
        ("福利费9014.10元", "福利费9014,10元", "'9014,10'", "no thousands separator"),
    ],
)
def test_separators_in_odd_places_refuse_the_document(seed, old, new, quoted, why):
    message = refusal(edit(seed, old, new))
    assert quoted in message and why in message


def test_an_increase_stated_with_a_minus_is_refused(seed):
    message = refusal(edit(seed, "与上年增加，41.5元", "与上年增加-41.5元"))
    assert "增加-41.5元" in message


def test_an_unreadable_amount_no_extractor_reads_still_refuses(seed):
    """An amount in a money section outside any item an extractor looks for is still read, or refused."""
    text = edit(seed, "主要是公务用车保险费减少", "主要是公务用车保险费减少1,0000元")  # a reason, no item
    assert "'1,0000'" in refusal(text)


# --- long runs of digits ---------------------------------------------------------------------------------

RUN = "7" * 200_000


@contextmanager
def hang_guard(seconds: int):
    """Fails the test if the block has not finished after ``seconds`` (far beyond its need): a hang, not a
    measurement. Reading was quadratic in a run's length: 200,000 digits took some half an hour."""

    def hang(signum, frame):
        raise TimeoutError(f"still parsing after {seconds} s: a regular expression backtracks")

    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.skipif(os.name != "posix", reason="SIGALRM")
def test_long_digit_runs_everywhere_are_read_in_linear_time(seed):
    text = seed
    for before, after in (
        ("2020年预算收入为", "3566894.19元"),  # overview: the totals, revenue sources, changes
        ("主要用于", "办公及印刷费12290元"),  # the listing of items
        ("与上年增加，41.5元", "，主要是定额增加"),  # 三公 items and their changes
        ("截至上年末，", "我单位固定资产总额"),  # assets
        ("绩效标准：", "达到党建基础建设标准90%"),  # duties: performance grades
    ):
        text = edit(text, before + after, f"{before}编号{RUN}，{after}")
    with hang_guard(120):
        doc = parse(text)
    assert doc.total("expenditure_total") == D("3566894.19")
    assert operating(doc)["邮电费"] == D(8760) and len(doc.operating_expenses) == 18
    assert vehicle_operation(doc).change_yuan == D(-1000)
    assert doc.duties[0].grade_excellent_pct == D(90)


@pytest.mark.skipif(os.name != "posix", reason="SIGALRM")
def test_a_long_run_of_digits_as_an_amount_is_refused(seed):
    with hang_guard(120):
        message = refusal(edit(seed, "邮电费8760元", f"邮电费{RUN}元"))
    assert "more digits than any amount" in message and len(message) < 200


@pytest.mark.skipif(os.name != "posix", reason="SIGALRM")
def test_a_long_run_of_text_in_a_listing_is_read_in_linear_time(seed):
    """The items of 机关运行经费 are names before amounts: a long name-like run with no amount after it was
    gone over once per character."""
    text = edit(seed, "不可预见费450元", "不可预见费450元" + "费" * 200_000)
    with hang_guard(120):
        doc = parse(text)
    assert len(doc.operating_expenses) == 18 and operating(doc)["不可预见费"] == D(450)


@pytest.mark.skipif(os.name != "posix", reason="SIGALRM")
def test_a_first_paragraph_naming_the_year_again_and_again_is_read_in_linear_time():
    """The title is looked for in the opening of the first paragraphs: a long one naming a year thousands of
    times (and no 预算) was gone over once per year it names."""
    text = "2020年" * 80_000 + "\n正文。\n"
    with hang_guard(120), pytest.raises(ExtractionError) as caught:
        parse(text)
    assert caught.value.reason_code == "no_document_identity"
