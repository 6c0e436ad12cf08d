"""Validation: pandera schemas per staging frame and the document's accounting identities."""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from decimal import Decimal

import pytest

from budget_etl import validate
from budget_etl.facts import FACT_TABLES, Source
from budget_etl.load import warehouse
from budget_etl.readers.blocks import ReadDocument

from conftest import GOLD

# the rules of the national table set: not_applicable on the notes form
TABLE_RULES = ("identity.revenue_balance", "identity.expenditure_balance", "chain.revenue_summary",
               "chain.expenditure_summary", "chain.basic_expenditure", "chain.fiscal_expenditure",
               "chain.fiscal_revenue", "completeness.empty_fund_tables", "identity.row_total_parts")


def _run(doc, data: bytes = b"gold", text: str = "text") -> validate.Validation:
    read_doc = ReadDocument(blocks=[], text=text, encoding="utf-8", source_format="txt")
    row = warehouse.document_row(doc, read_doc, data=data, source_path="ingest/documents/x.txt")
    return validate.validate_document(doc, row)


def _only(result: validate.Validation, check_name: str) -> dict:
    rows = [r for r in result.rows if r["check_name"] == check_name]
    assert len(rows) == 1, rows
    return rows[0]


def test_gold_document_passes_every_check(gold_doc, seed_bytes):
    result = _run(gold_doc, text=seed_bytes.decode("utf-8"))
    assert result.blocking == []
    # every check passes; the table rules cannot apply to the notes form (no national tables), nor text.share,
    # change.rate and text.zero_total (the seed states no share, no rate and no 收入支出总计): one
    # not_applicable row each
    not_passed = {r["check_name"]: r["status"] for r in result.rows if r["status"] != "pass"}
    assert not_passed == dict.fromkeys((*TABLE_RULES, "text.share", "change.rate", "text.zero_total"),
                                       "not_applicable")
    assert {(r["check_kind"], r["severity"]) for r in result.rows} == {
        ("schema", "error"), ("identity", "warning"), ("completeness", "warning"), ("wording", "warning"),
        ("wording", "info"), ("change", "warning")}
    # 18 frames (one per fact table, stated_counts and table_figures among them) + 7 identities + one funding
    # row per project (9) + assets + 5 core subjects (completeness) + the template leftovers and the 三公 change
    # reasons (a budget: no execution rule) + the 9 text rules of a budget + the 9 table rules (not_applicable)
    assert len(result.rows) == 18 + 7 + 9 + 1 + 5 + 2 + 9 + 9
    assert _only(result, "schema.operating_expenses")["detail"] == "18 rows"
    revenue = _only(result, "identity.revenue_total")
    assert (revenue["expected"], revenue["actual"], revenue["difference"]) == (
        Decimal("3566894.19"), Decimal("3566894.19"), Decimal("0"))
    assert revenue["src_line"] == 91  # the Source of the stated total
    change = _only(result, "identity.three_public_change")
    assert (change["expected"], change["actual"]) == (Decimal("-958.50"), Decimal("-958.50"))
    # two asset classes have no value: they are left out, the rest adds up to the stated total
    assets = _only(result, "identity.asset_total")
    assert (assets["status"], assets["actual"]) == ("pass", Decimal("671148.20"))


def test_broken_identity_is_a_warning_with_exact_numbers(gold_doc, caplog):
    item = next(o for o in gold_doc.operating_expenses if o.item_name_zh == "党组织活动经费")
    item.amount_yuan = Decimal("787.05")  # a misread of 787.50
    with caplog.at_level(logging.WARNING, logger="budget_etl.validate"):
        result = _run(gold_doc)
    row = _only(result, "identity.operating_expense_total")
    assert row["status"] == "fail" and row["severity"] == "warning" and row["check_kind"] == "identity"
    assert row["expected"] == Decimal("147275.91")
    assert row["actual"] == Decimal("147275.46")
    assert row["difference"] == Decimal("-0.45")
    assert row["src_line"] == 102
    assert result.blocking == [] and result.failures == 1
    assert "identity.operating_expense_total fails" in caplog.text


def test_project_funding_counts_empty_other_funds_as_zero_only_in_the_sum(gold_doc):
    first, second = gold_doc.projects[0], gold_doc.projects[1]
    first.fiscal_funds_yuan = Decimal("3000.00")  # budget 4000.00, other funds empty
    second.fiscal_funds_yuan, second.other_funds_yuan = Decimal("6000.00"), Decimal("2000.00")
    result = _run(gold_doc)
    rows = [r for r in result.rows if r["check_name"] == "identity.project_funding"]
    assert [r["status"] for r in rows] == ["fail"] + ["pass"] * 8
    assert (rows[0]["expected"], rows[0]["actual"], rows[0]["difference"]) == (
        Decimal("4000.00"), Decimal("3000.00"), Decimal("-1000.00"))
    assert "611-1501-YBN-7FFL" in rows[0]["detail"]
    assert (rows[0]["src_table"], rows[0]["src_row"]) == (1, 3)
    assert first.other_funds_yuan is None


def test_empty_part_gives_insufficient_data_and_absent_total_not_applicable(gold_doc):
    gold_doc.three_public_costs[3].change_yuan = None  # 公务接待费 +41.5 left empty
    gold_doc.stated_totals = [t for t in gold_doc.stated_totals if t.metric != "asset_total"]
    gold_doc.revenue = []
    result = _run(gold_doc)

    change = _only(result, "identity.three_public_change")
    assert change["status"] == "insufficient_data" and change["severity"] == "warning"
    assert (change["expected"], change["actual"]) == (Decimal("-958.50"), Decimal("-1000"))
    assert "1 of 4 parts empty" in change["detail"]

    assets = _only(result, "identity.asset_total")
    assert assets["status"] == "not_applicable"
    assert (assets["expected"], assets["actual"], assets["difference"]) == (None, Decimal("671148.20"), None)
    assert "no stated asset_total" in assets["detail"]

    revenue = _only(result, "identity.revenue_total")
    assert revenue["status"] == "not_applicable" and "no revenue lines" in revenue["detail"]
    assert revenue["expected"] == Decimal("3566894.19") and revenue["actual"] is None
    assert result.failures == 0


def test_project_expenditure_and_expenditure_total_identities(gold_doc):
    gold_doc.projects.pop()  # 综合事务经费 100000.00 missing
    result = _run(gold_doc)
    row = _only(result, "identity.project_expenditure")
    assert (row["status"], row["expected"], row["actual"], row["difference"]) == (
        "fail", Decimal("1928480.00"), Decimal("1828480.00"), Decimal("-100000.00"))
    assert _only(result, "identity.expenditure_total")["status"] == "pass"

    gold_doc.expenditure = [e for e in gold_doc.expenditure if e.expenditure_type != "project"]
    result = _run(gold_doc)
    assert _only(result, "identity.expenditure_total")["status"] == "not_applicable"
    assert _only(result, "identity.project_expenditure")["status"] == "not_applicable"


def test_project_code_pattern_fits_every_gold_code():
    codes = [p["code"] for p in json.loads(GOLD.read_text(encoding="utf-8"))["projects"]]
    assert len(codes) == 9
    assert all(re.match(validate.PROJECT_CODE, c) for c in codes)
    for bad in ["611-1501-YBN-7FF", "611-1501-ybn-7FFL", "6111-501-YBN-7FFL", "611-1501-YBN-7FFL\n"]:
        assert not re.match(validate.PROJECT_CODE, bad)


def test_schema_failures_that_still_load_are_error_rows(gold_doc):
    gold_doc.projects[2].project_code = "611-1401-JBN-V4D"
    gold_doc.projects[0].spend_plan_pct_m06 = Decimal("20")  # below m03 = 25
    gold_doc.projects[1].spend_plan_pct_m12 = Decimal("90")
    gold_doc.duties[0].grade_excellent_pct = Decimal("150")
    gold_doc.revenue[3].revenue_source = "grants"
    gold_doc.info.unit_code = "61100"
    gold_doc.operating_expenses[0].amount_yuan = Decimal("-12290")
    result = _run(gold_doc)
    assert result.blocking == []
    failed = [r for r in result.rows if r["status"] == "fail" and r["check_kind"] == "schema"]
    assert all(r["severity"] == "error" for r in failed)
    details = {r["check_name"]: [] for r in failed}
    for r in failed:
        details[r["check_name"]].append(r["detail"])
    assert sorted(details["schema.projects"]) == [
        "projects fails spend_plan_cumulative_to_100 (row 1)",  # one row per project, not per column
        "projects fails spend_plan_cumulative_to_100 (row 2)",
        "projects.project_code='611-1401-JBN-V4D' fails "
        f"str_matches('{validate.PROJECT_CODE}') (row 3)",
    ]
    assert details["schema.duties"] == [
        "duties.grade_excellent_pct=Decimal('150') fails in_range(0, 100) (row 1)"]
    assert "revenue.revenue_source='grants' fails isin" in details["schema.revenue"][0]
    assert details["schema.documents"][0].startswith("documents.unit_code='61100' fails str_matches")
    assert details["schema.operating_expenses"] == [
        "operating_expenses.amount_yuan=Decimal('-12290') fails greater_than_or_equal_to(0) (row 1)"]
    code_row = next(r for r in failed if "project_code" in r["detail"])
    assert (code_row["src_table"], code_row["src_row"], code_row["src_col"]) == (3, 3, 2)
    # passing frames still have their pass row
    assert _only(result, "schema.glossary")["status"] == "pass"


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (lambda d: setattr(d.operating_expenses[7], "amount_yuan", 787.5),
         "operating_expenses.amount_yuan=787.5 fails is_decimal(precision=18, scale=2) (row 8)"),
        (lambda d: setattr(d.operating_expenses[7], "amount_yuan", Decimal("787.505")),
         "operating_expenses.amount_yuan=Decimal('787.505') fails is_decimal(precision=18, scale=2) (row 8)"),
        (lambda d: setattr(d.stated_totals[0], "amount_yuan", Decimal("1E+16")),
         "stated_totals.amount_yuan=Decimal('1E+16') fails is_decimal(precision=18, scale=2) (row 1)"),
        (lambda d: setattr(d.projects[0], "spend_plan_pct_m03", Decimal("1000")),
         "projects.spend_plan_pct_m03=Decimal('1000') fails is_decimal(precision=5, scale=2) (row 1)"),
        (lambda d: setattr(d.glossary[0], "term_zh", None),
         "glossary.term_zh=None fails not_nullable (row 1)"),
        (lambda d: setattr(d.duties[0], "duty_no", "1"), "duties.duty_no='1' fails is_int(bits=32) (row 1)"),
        (lambda d: setattr(d.duties[0], "src", Source(line=2**31)),
         "duties.src_line=2147483648 fails is_int(bits=32) (row 1)"),
        (lambda d: setattr(d.info, "office_name", ""), "documents.office_name='' fails str_length"),
        (lambda d: setattr(d.info, "fiscal_year", 1899), "documents.fiscal_year=1899 fails in_range(1990, "),
        (lambda d: setattr(d.info, "doc_kind", None), "documents.doc_kind=None fails not_nullable (row 1)"),
    ],
)
def test_schema_failures_that_prevent_a_typed_load_block(gold_doc, breakage, message):
    breakage(gold_doc)
    result = _run(gold_doc)
    assert any(b.startswith(message) for b in result.blocking), result.blocking
    assert message.split(" fails")[0] in result.reason()
    # identities are not computed on untyped values
    assert not any(r["check_kind"] == "identity" for r in result.rows)


def test_reason_lists_the_first_failures_and_counts_the_rest(gold_doc):
    for item in gold_doc.operating_expenses:
        item.amount_yuan = str(item.amount_yuan)
    result = _run(gold_doc)
    assert len(result.blocking) == 18
    assert result.reason().endswith("; and 13 more")
    assert result.reason().startswith("operating_expenses.amount_yuan='12290' fails is_decimal")


def test_schemas_cover_every_staging_table_column_for_column(tmp_path):
    con = warehouse.connect(tmp_path / "w.duckdb")
    schemas = warehouse.raw_schemas(con)
    assert set(validate.SCHEMAS) == {"documents", *FACT_TABLES}
    for table, model in validate.SCHEMAS.items():
        expected = set(schemas[table].names) - ({"batch_id", "loaded_at"} if table == "documents" else set())
        assert set(model.columns) == expected, table


def test_identity_values_too_large_for_the_column_are_left_out():
    row = validate._compare("a" * 64, "identity.revenue_total", Decimal("1"), [Decimal("9" * 16), Decimal("9" * 16)],
                             what="x", src=Source(line=3))
    assert (row["status"], row["expected"], row["actual"], row["difference"]) == (
        "fail", Decimal(1), None, None)


def test_wan_yuan_documents_allow_the_rounding_of_their_printed_figures(gold_doc):
    # a document in 万元 prints 0.01 万元 = 100 yuan steps: 50 yuan per part and for the total is rounding
    gold_doc.info.currency_unit = "万元"
    gold_doc.revenue[0].amount_yuan += Decimal("100")  # 4 lines + total: up to 250 yuan
    gold_doc.operating_expenses[0].amount_yuan += Decimal("1000")  # 18 items + total: up to 950 yuan
    result = _run(gold_doc)
    revenue = _only(result, "identity.revenue_total")
    assert (revenue["status"], revenue["difference"]) == ("pass", Decimal("100.00"))
    assert revenue["detail"] == "sum of revenue lines, within 250 yuan of 万元 rounding"
    operating = _only(result, "identity.operating_expense_total")
    assert (operating["status"], operating["difference"]) == ("fail", Decimal("1000.00"))

    gold_doc.info.currency_unit = "元"  # the same 100 yuan in a document in 元 is a real difference
    assert _only(_run(gold_doc), "identity.revenue_total")["status"] == "fail"


def test_missing_and_unexpected_columns_block_by_name(gold_doc):
    read_doc = ReadDocument(blocks=[], text="text", encoding="utf-8", source_format="txt")
    row = warehouse.document_row(gold_doc, read_doc, data=b"x", source_path="x.txt")
    row["surprise"] = 1
    del row["encoding"]
    result = validate.validate_document(gold_doc, row)
    assert sorted(result.blocking) == [
        "documents.encoding fails column_in_dataframe", "documents.surprise fails column_in_schema"]


def test_text_that_cannot_be_stored_as_utf8_blocks(gold_doc):
    gold_doc.glossary[1].term_zh = "基本\udcff支出"  # an undecodable byte kept as a lone surrogate
    result = _run(gold_doc)
    assert len(result.blocking) == 1
    assert result.blocking[0].startswith("glossary.term_zh=") and result.blocking[0].endswith("fails is_text")


def test_known_parts_exceeding_the_total_fail_despite_empty_cells(gold_doc):
    """Two asset classes are empty; the others already sum to more than the stated total: a slip."""
    asset_total = next(t for t in gold_doc.stated_totals if t.metric == "asset_total")
    asset_total.amount_yuan = Decimal("671148.19")
    row = _only(_run(gold_doc), "identity.asset_total")
    assert (row["status"], row["expected"], row["actual"], row["difference"]) == (
        "fail", Decimal("671148.19"), Decimal("671148.20"), Decimal("0.01"))
    asset_total.amount_yuan = Decimal("671148.21")  # short of the total: the empty classes may hold it
    assert _only(_run(gold_doc), "identity.asset_total")["status"] == "insufficient_data"


def test_a_batch_is_validated_at_once_and_failures_stay_with_their_document():
    from conftest import gold_facts

    read_doc = ReadDocument(blocks=[], text="text", encoding="utf-8", source_format="txt")
    good, bad = gold_facts(), gold_facts()
    bad.projects[2].project_code = "611-1401-jbn-V4DF"
    batch = [(doc, warehouse.document_row(doc, read_doc, data=data, source_path=f"{data.decode()}.txt"))
             for doc, data in ((good, b"good"), (bad, b"bad"))]
    good_result, bad_result = validate.validate_documents(batch)
    # no failure; the table rules and the text rules that have nothing to read in the text "text" cannot apply
    assert {r["check_name"] for r in good_result.rows if r["status"] != "pass"} == {
        *TABLE_RULES, "change.direction", "text.share", "wording.empty_note", "change.rate", "wording.punctuation",
        "wording.doubled_word", "wording.percent_decimals", "text.zero_total"}
    assert {r["status"] for r in good_result.rows} == {"pass", "not_applicable"}
    assert {r["document_id"] for r in bad_result.rows} == {batch[1][1]["document_id"]}
    (failure,) = [r for r in bad_result.rows if r["status"] == "fail"]
    assert failure["check_name"] == "schema.projects"
    assert failure["detail"].startswith("projects.project_code='611-1401-jbn-V4DF' fails str_matches")
    assert failure["detail"].endswith("(row 3)")
    assert failure["src_line"] == bad.projects[2].src.line
    # the same rows as validating each document alone
    assert bad_result.rows == validate.validate_document(bad, batch[1][1]).rows


def test_basic_parts_of_a_narrower_fund_scope_are_no_parts_of_an_all_funds_total(gold_doc):
    # the national table set: 人员经费 and 公用经费 from a 财政拨款 basic table, 基本支出 from the 支出总表 (all funds)
    for line in gold_doc.expenditure:
        if line.expenditure_type in ("personnel", "public_operating"):
            line.fund_scope = "fiscal_appropriation"
            line.amount_yuan -= Decimal("1000")  # other funds hold the rest
    row = _only(_run(gold_doc), "identity.basic_total")
    assert (row["status"], row["detail"]) == (
        "not_applicable", "personnel + public_operating expenditure: no personnel line of all funds")
    for line in gold_doc.expenditure:
        line.fund_scope = "all_funds"
    assert _only(_run(gold_doc), "identity.basic_total")["status"] == "fail"


def test_this_years_expenditure_is_the_total_of_basic_and_project_when_stated(gold_doc):
    # a 收支总表's 支出总计 also holds the year-end carry-over; 本年支出合计 is what basic + project make
    total = next(t for t in gold_doc.stated_totals if t.metric == "expenditure_total")
    this_year = dataclasses.replace(total, metric="expenditure_this_year")
    total.amount_yuan += Decimal("553400")  # 年末结转和结余
    gold_doc.stated_totals.append(this_year)
    row = _only(_run(gold_doc), "identity.expenditure_total")
    assert (row["status"], row["expected"]) == ("pass", this_year.amount_yuan)

