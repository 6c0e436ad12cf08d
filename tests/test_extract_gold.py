"""The parser reproduces every hand-read fact of the Xiguan 2020 disclosure, in every encoding."""

from __future__ import annotations

import codecs
from decimal import Decimal

import pytest

from budget_etl.extract import extract
from budget_etl.readers import read_bytes

from conftest import GOLD, SEED, SHARED
from goldcheck import assert_matches_gold, gold_differences


def parse(data: bytes):
    return extract(read_bytes(data, "doc.txt"))


def test_seed_matches_every_gold_fact(seed_bytes, gold):
    assert_matches_gold(parse(seed_bytes), gold)


def test_gold_comparison_can_fail(seed_bytes, gold):
    """The comparison itself notices a wrong value (guards against a check that cannot fail)."""
    doc = parse(seed_bytes)
    doc.operating_expenses[7].amount_yuan = Decimal("787.05")
    doc.projects[3].spend_plan_pct_m06 = Decimal("61")
    diffs = gold_differences(doc, gold)
    assert any(d.startswith("operating_expense_items") for d in diffs)
    assert any("611-1501-JBN-E5X3.spend_plan_pct" in d for d in diffs)


def test_headline_values(seed_bytes):
    doc = parse(seed_bytes)
    assert doc.info.fiscal_year == 2020 and doc.info.doc_kind == "budget"
    assert doc.total("revenue_total") == Decimal("3566894.19")
    assert [o.amount_yuan for o in doc.operating_expenses][7] == Decimal("787.50")  # written "787. 50"
    reception = next(c for c in doc.three_public_costs if c.category == "official_reception")
    assert (reception.change_yuan, reception.prior_year_yuan) == (Decimal("41.5"), Decimal("452.00"))
    assert len(doc.project_indicators) == 36 and len(doc.duties) == 12


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda t: t.encode("gb18030"), id="gb18030"),
        pytest.param(lambda t: t.encode("gbk"), id="gbk"),
        pytest.param(lambda t: t.encode("utf-16"), id="utf-16-bom"),
        pytest.param(lambda t: t.encode("utf-16-le"), id="utf-16-le-no-bom"),
        pytest.param(lambda t: codecs.BOM_UTF8 + t.encode("utf-8"), id="utf-8-bom"),
        pytest.param(lambda t: t.replace("\n", "\r\n").encode("utf-8"), id="crlf"),
        pytest.param(lambda t: t.replace("\n", "\r\n").encode("gb18030"), id="gb18030-crlf"),
    ],
)
def test_every_encoding_gives_the_same_facts(seed_bytes, gold, encode):
    text = seed_bytes.decode("utf-8")
    assert_matches_gold(parse(encode(text)), gold)


def test_full_width_digits_and_nbsp_read_like_ascii(seed_bytes, gold):
    text = seed_bytes.decode("utf-8")
    to_full = str.maketrans("0123456789.", "０１２３４５６７８９．")
    text = text.replace("12290元", "12290元".translate(to_full)).replace("邮电费", "邮电费\u00a0")
    assert_matches_gold(parse(text.encode("utf-8")), gold)


def test_provenance_points_at_the_source_line(seed_bytes):
    doc = parse(seed_bytes)
    lines = seed_bytes.decode("utf-8").split("\n")
    item = doc.operating_expenses[7]
    assert "787. 50元" in lines[item.src.line - 1]
    project = doc.projects[3]
    assert (project.src.table, project.src.row, project.src.col) == (4, 2, 2)
    assert lines[project.src.line - 1].strip() == "611-1501-JBN-E5X3"
    vehicle = next(a for a in doc.assets if a.asset_class_zh == "车辆")
    assert lines[vehicle.src.line - 1].strip() == "2、车辆（台、辆）"


@pytest.mark.shared
def test_bundled_seed_is_the_shared_seed():
    """The repo's copy of the seed and gold equal ../shared (skipped when ../shared is absent)."""
    if not SHARED.exists():
        pytest.skip("../shared is not present")
    assert SEED.read_bytes() == (SHARED / "seeds" / "xiguan_2020_budget.txt").read_bytes()
    assert GOLD.read_bytes() == (SHARED / "gold" / "xiguan_2020_budget.json").read_bytes()
