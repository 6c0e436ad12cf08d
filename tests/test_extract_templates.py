"""Templates are chosen by their scores after the identity is read; sections are found by their titles whatever
their ordinals; a core subject without facts fails a completeness check; a file cut short is never served.

Each test edits the real seed text and checks exact facts or reason codes."""

from __future__ import annotations

import re
from decimal import Decimal

import duckdb
import pytest
from click.testing import CliRunner

from budget_etl.cli import main
from budget_etl.extract import ExtractionError, extract
from budget_etl.extract.changes import PRIOR, change_after, prior_year
from budget_etl.extract.empty import empty_note, says_empty
from budget_etl.extract.identity import read_identity
from budget_etl.extract.registry import explain
from budget_etl.extract.sections import split_sections
from budget_etl.extract.units import captions, currency_unit, declared_unit, prose_unit
from budget_etl.ops.pipeline import ingest
from budget_etl.readers import read_bytes
from budget_etl.readers.blocks import Paragraph
from budget_etl.validate.completeness import completeness_checks

from conftest import SEED
from goldcheck import assert_matches_gold

D = Decimal
CN = "零一二三四五六七八九十"
_TOP = re.compile(r"^[ \t]*([一二三四五六七八九])、(.+)\n", re.M)
GOLD_THREE_PUBLIC = {
    "overseas_travel": (D("0"), D("0")),
    "vehicle_purchase": (D("0"), D("0")),
    "vehicle_operation": (D("10000"), D("-1000")),
    "official_reception": (D("493.50"), D("41.50")),
}


@pytest.fixture(scope="module")
def seed() -> str:
    return SEED.read_text(encoding="utf-8")


def read(text: str):
    return read_bytes(text.encode("utf-8"), "variant.txt")


def parse(text: str):
    return extract(read(text))


def edit(text: str, old: str, new: str, count: int = 1) -> str:
    assert text.count(old) == count, (old, text.count(old))
    return text.replace(old, new)


def headed(text: str, headings: list[tuple[int, str]]) -> str:
    """The seed's nine top-level sections in a new order, each under the heading given (seed position,
    heading prefix): ordinals may be out of sequence, repeated or absent."""
    found = list(_TOP.finditer(text))
    bodies = [
        (m[2], text[m.end() : nxt.start() if nxt else len(text)])
        for m, nxt in zip(found, [*found[1:], None], strict=True)
    ]
    assert len(bodies) == 9
    return text[: found[0].start()] + "".join(f"{prefix}{bodies[i][0]}\n{bodies[i][1]}" for i, prefix in headings)


def three_public(doc) -> dict:
    return {c.category: (c.amount_yuan, c.change_yuan) for c in doc.three_public_costs}


# --- sections never depend on ordinals -------------------------------------------------------------------


def test_three_public_stated_before_operating_expenses_keeps_its_numbers(seed, gold):
    """The issue's case: （一）…（九） with （四）财政拨款“三公”经费 before （三）机关运行经费."""
    order = [0, 1, 3, 2, 4, 5, 6, 7, 8]
    doc = parse(headed(seed, [(i, f"（{CN[i + 1]}）") for i in order]))
    assert three_public(doc) == GOLD_THREE_PUBLIC
    assert doc.total("three_public_total") == D("10493.50")
    assert_matches_gold(doc, gold)
    assert {s.section_key: s.title_zh for s in doc.sections}["three_public"].startswith("（四）财政拨款")


@pytest.mark.parametrize(
    "headings",
    [
        # out of sequence: every section keeps the seed's number, in a shuffled order
        [(0, "一、"), (1, "二、"), (3, "四、"), (7, "八、"), (2, "三、"), (4, "五、"), (6, "七、"), (5, "六、"),
         (8, "九、")],
        # repeated: 三公 and 机关运行经费 both numbered 三, and a mistyped 一一、
        [(0, "一一、"), (1, "二、"), (2, "三、"), (3, "三、"), (4, "五、"), (5, "六、"), (6, "七、"), (7, "八、"),
         (8, "九、")],
        # missing: the 三公 and assets headings have no ordinal at all
        [(0, "一、"), (1, "二、"), (2, "三、"), (3, ""), (4, "四、"), (5, "五、"), (6, ""), (7, "六、"),
         (8, "七、")],
        # all three at once, in the parenthesised style the performance section also uses for its sub-items
        [(0, "（一）"), (3, "（四）"), (1, "（二）"), (2, "（二）"), (4, ""), (5, "（六）"), (7, "（九）"),
         (6, "（七）"), (8, "（八）")],
    ],
    ids=["out_of_sequence", "repeated", "missing", "all_at_once"],
)
def test_sections_are_found_by_title_whatever_their_ordinals(seed, gold, headings):
    doc = parse(headed(seed, headings))
    assert three_public(doc) == GOLD_THREE_PUBLIC
    assert_matches_gold(doc, gold)
    status = {s.section_key: s.status for s in doc.sections}
    assert status == {
        "duties": "present", "overview": "present", "operating_expense": "present", "three_public": "present",
        "performance": "present", "projects": "present", "procurement": "declared_empty", "assets": "present",
        "glossary": "present",
    }
    assert doc.info.overall_goal_zh.startswith("2020年西关街道工委及办事处将继续牢固树立政治意识")


def test_a_stray_title_line_inside_a_section_does_not_start_one(seed):
    """部门机构设置情况 (a line inside 一) reads like a section title; duties are found, so it stays inside."""
    sections = split_sections(read(seed).blocks)
    assert sections["duties"].title.endswith("部门职责及机构设置情况")
    assert any(p.text == "部门机构设置情况" for p in sections["duties"].paragraphs())


# --- completeness ------------------------------------------------------------------------------------------

_THREE_PUBLIC_PARAGRAPH = re.compile(r"^2020年，我部门财政拨款“三公”经费预算安排.*\n", re.M)


def test_three_public_paragraph_removed_fails_completeness(seed):
    text, removed = _THREE_PUBLIC_PARAGRAPH.subn("", seed)
    assert removed == 1
    read_doc = read(text)
    doc = extract(read_doc)
    assert doc.three_public_costs == [] and doc.total("three_public_total") is None
    rows = {r["check_name"]: r for r in completeness_checks(doc, read_doc.text, "d")}
    assert {name: r["status"] for name, r in rows.items()} == {
        "completeness.revenue_total": "pass", "completeness.expenditure_total": "pass",
        "completeness.project_expenditure": "pass", "completeness.operating_expense": "pass",
        "completeness.three_public": "fail",
    }
    failed = rows["completeness.three_public"]
    assert (failed["severity"], failed["check_kind"]) == ("warning", "completeness")
    assert "its section yields no fact" in failed["detail"]


def test_cli_summary_never_says_all_good_without_three_public(seed, tmp_path):
    text = _THREE_PUBLIC_PARAGRAPH.sub("", seed)
    path = tmp_path / "no_three_public.txt"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["parse", str(path)])
    assert result.exit_code == 1, result.output
    assert "completeness: 1 core subject(s) without facts: three_public" in result.output
    assert "warning: completeness.three_public:" in result.output

    warehouse = tmp_path / "wh.duckdb"
    result = CliRunner().invoke(main, ["ingest", str(path), "--warehouse", str(warehouse), "--quiet"])
    assert "1 loaded" in result.output
    assert "(1 completeness: core subjects without facts)" in result.output
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute(
            "select check_name, status, severity from raw.validation_results where check_kind = 'completeness' "
            "and status = 'fail'").fetchall() == [("completeness.three_public", "fail", "warning")]


def test_text_stating_an_amount_for_a_section_not_found_says_where(seed):
    """The 三公 heading replaced by a line no reader would call a heading: the amounts are in the text,
    the completeness row points at them."""
    text = edit(seed, "四、财政拨款“三公”经费预算情况及增减变化原因\n", "另外：\n")
    read_doc = read(text)
    doc = extract(read_doc)
    [row] = [r for r in completeness_checks(doc, read_doc.text) if r["check_name"] == "completeness.three_public"]
    assert row["status"] == "fail"
    assert row["src_line"] == 105  # the paragraph stating 10493.50元
    assert "its section is missing" in row["detail"] and "10493.50元" in row["detail"]


def test_seed_passes_every_completeness_check(seed):
    read_doc = read(seed)
    assert {r["status"] for r in completeness_checks(extract(read_doc), read_doc.text)} == {"pass"}


def test_declared_empty_three_public_is_not_applicable(seed):
    text = _THREE_PUBLIC_PARAGRAPH.sub("本部门无“三公”经费预算。\n", seed)
    read_doc = read(text)
    [row] = [r for r in completeness_checks(extract(read_doc), read_doc.text)
             if r["check_name"] == "completeness.three_public"]
    assert row["status"] == "not_applicable" and "本部门无“三公”经费预算" in row["detail"]


# --- truncated files ---------------------------------------------------------------------------------------

CUTS = {  # where the copy stops -> the reason it is refused
    "inside_a_project_table": ("\t产出指标", "truncated_file"),
    "inside_the_three_public_sentence": ("公务用车运行维护费10000元，与上年减少", "truncated_file"),
    "inside_the_duties_before_any_total": ("主要职责是抓好精神文明", "incomplete_document"),
    "inside_the_procurement_table": ("\t政府采购项目来源", "truncated_file"),
    "inside_the_asset_table": ("\t价值（金额单位：元）", "truncated_file"),
}


@pytest.mark.parametrize("cut", CUTS)
def test_a_file_cut_short_is_refused(seed, cut):
    marker, reason = CUTS[cut]
    text = seed[: seed.index(marker) + len(marker)]
    with pytest.raises(ExtractionError) as caught:
        parse(text)
    assert caught.value.reason_code == reason


def test_a_cut_copy_is_quarantined_and_the_complete_version_served(seed, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a_complete.txt").write_text(seed, encoding="utf-8")
    marker = CUTS["inside_a_project_table"][0]
    (folder / "b_cut.txt").write_text(seed[: seed.index(marker) + len(marker)], encoding="utf-8")
    warehouse = tmp_path / "wh.duckdb"
    summary = ingest([folder], warehouse, progress=False)
    assert summary.loaded == 1
    assert [(q.source_path.rsplit("/", 1)[-1], q.reason_code) for q in summary.quarantined] == [
        ("b_cut.txt", "truncated_file")]
    assert "inside table" in summary.quarantined[0].reason
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select file_name from raw.documents").fetchall() == [("a_complete.txt",)]


def test_a_document_ending_with_a_date_line_is_not_cut(seed):
    assert parse(seed + "\n山海关区西关街道办事处\n2020年1月20日\n").total("revenue_total") == D("3566894.19")


# --- identity first, then the template by its score --------------------------------------------------------


def test_a_budget_no_template_claims_is_unknown_template_with_the_scores():
    text = "某某街道办事处2021年部门预算\n\n表一 收支总表\n\n\t项目\t金额\n\t收入合计\t100.00\n"
    with pytest.raises(ExtractionError) as caught:
        parse(text)
    assert caught.value.reason_code == "unknown_template"
    assert "notes_budget 0.00 (0 paragraphs of running text" in str(caught.value)


def test_no_identity_is_refused_before_any_template(seed):
    text = edit(seed, "山海关区西关街道办事处部门2020年部门预算公开说明\n", "工作简报\n")
    text = edit(text, "现将山海关区西关街道办事处部门2020年部门预算公开如下", "现将有关情况说明如下")
    with pytest.raises(ExtractionError) as caught:
        parse(text)
    assert caught.value.reason_code == "no_document_identity"


def test_explain_names_the_scores_and_the_template(seed, tmp_path):
    lines = explain(read(seed))
    assert lines[0] == ("identity: '山海关区西关街道办事处部门2020年部门预算公开说明', budget, year 2020, "
                        "office '山海关区西关街道办事处', scope department (line 1)")
    assert lines[1].startswith("candidate notes_budget: score 1.00 (threshold 0.3): ")
    assert "9 of 9 notes-form section headings" in lines[1]
    assert lines[-1] == "read by: notes_budget"
    result = CliRunner().invoke(main, ["parse", "--explain", str(SEED)])
    assert result.exit_code == 0
    assert result.output.splitlines()[:len(lines)] == lines
    assert "completeness: every core subject read or declared empty" in result.output


def test_explain_of_a_budget_titled_as_a_final_account_says_no_template_reads_it(seed):
    """notes_final reads a 决算 by its 决算数; a budget's body under a 决算 title has none."""
    text = edit(seed, "山海关区西关街道办事处部门2020年部门预算公开说明\n", "山海关区西关街道办事处2020年度单位决算\n")
    lines = explain(read(text))
    assert "final_accounts" in lines[0] and "scope unit" in lines[0]
    assert "candidate notes_final: score 0.00" in "\n".join(lines)
    assert lines[-1] == "read by: none [unknown_template]"


# --- the shared pieces ---------------------------------------------------------------------------------------


def test_identity_of_the_seed(seed):
    identity = read_identity(read(seed))
    assert (identity.title, identity.kind, identity.fiscal_year, identity.office_name, identity.scope,
            identity.province, identity.line) == (
        "山海关区西关街道办事处部门2020年部门预算公开说明", "budget", 2020, "山海关区西关街道办事处",
        "department", "河北省", 1)


def test_units_per_table_and_prose(seed):
    read_doc = read(seed)
    table_captions = captions(read_doc.blocks)
    units = {t.index: declared_unit(t, table_captions) for t in read_doc.tables()}
    assert units[1] == "元"  # 单位：元 in the first project table
    assert prose_unit([Paragraph("支出156.5万元，其中…", 1)]) == "万元"
    assert prose_unit([Paragraph("无金额", 1)]) == "元"
    assert currency_unit(["元", None, "万元"]) == "万元" and currency_unit(["元", None]) == "元"


def test_change_phrases_and_empty_sentences():
    label = rf"经费\s*{PRIOR}"
    assert change_after(label, "经费较上年减少958.50元") == D("-958.50")
    assert change_after(label, "经费比上年增加1.2万元") == D("12000.0")
    assert change_after(label, "经费与上年持平") == D("0")
    assert change_after(label, "经费同比增长，主要是…") is None  # a direction without an amount
    assert prior_year(D("100"), D("-20")) == D("120") and prior_year(None, D("1")) is None
    for sentence in ("无此项内容，空表列示。", "此表为空。", "本单位无政府采购预算，故本表无数据。", "本部门无“三公”经费。"):
        assert says_empty(sentence), sentence
    assert not says_empty("2020年政府采购预算5000元。")
    note = empty_note([Paragraph("政府采购预算情况", 1), Paragraph("此表为空。", 2)])
    assert note is not None and note.line == 2


def test_a_title_naming_only_a_part_of_the_document_gives_no_office():
    """第一部分 is no office: such a title without a line naming the office is refused, never guessed."""
    text = "第一部分2026年度部门预算情况说明\n一、部门情况说明\n本部门2026年收入预算100.00万元。\n"
    with pytest.raises(ExtractionError) as caught:
        read_identity(read(text))
    assert caught.value.reason_code == "no_document_identity" and "names no office" in str(caught.value)


def test_an_office_named_only_by_another_title_line_of_the_document_is_read_from_it():
    """Beijing's narrative: its cover title is an image, its first text title names only a part; the
    attachment's title line names the office before the same year and kind."""
    text = ("第一部分2026年度部门预算情况说明\n一、部门情况说明\n（一）因公出国（境）费用2026年预算0万元。\n"
            "附件：北京市审计局2026年度部门预算报表\n")
    identity = read_identity(read(text))
    assert (identity.office_name, identity.fiscal_year, identity.kind) == ("北京市审计局", 2026, "budget")
    other_year = text.replace("附件：北京市审计局2026年度", "附件：北京市审计局2025年度")
    with pytest.raises(ExtractionError) as caught:  # another year's title names no office of this document
        read_identity(read(other_year))
    assert caught.value.reason_code == "no_document_identity"
