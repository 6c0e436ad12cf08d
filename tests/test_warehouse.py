"""The DuckDB load: bulk, exact Decimals, one transaction per batch, idempotent on the file's sha256."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest

from budget_etl import PARSER_VERSION, validate
from budget_etl.facts import FACT_TABLES, flat_record
from budget_etl.load import warehouse
from budget_etl.load.warehouse import QuarantineEntry, StagedDocument
from budget_etl.readers.blocks import Cell, Paragraph, ReadDocument, Table

RAW_TABLES = ["documents", *FACT_TABLES, "validation_results", "document_lines", "quarantine", "load_batches"]


def staged(doc, data: bytes = b"xiguan bytes", path: str = "ingest/documents/xiguan_2020_budget.txt"):
    read_doc = ReadDocument(blocks=[], text="第一行\n第二行", encoding="utf-8", source_format="txt")
    row = warehouse.document_row(doc, read_doc, data=data, source_path=path)
    result = validate.validate_document(doc, row)
    assert result.blocking == []
    return StagedDocument(row, doc, result.rows)


def counts(con) -> dict[str, int]:
    return {t: con.execute(f"select count(*) from raw.{t}").fetchone()[0] for t in RAW_TABLES}


def one(con, sql: str) -> tuple:
    rows = con.execute(sql).fetchall()
    assert len(rows) == 1, rows
    return rows[0]


@pytest.fixture
def con(tmp_path):
    con = warehouse.connect(tmp_path / "nested" / "dir" / "warehouse.duckdb")
    yield con
    con.close()


def test_connect_creates_the_file_and_every_staging_table(tmp_path):
    path = tmp_path / "a" / "b" / "w.duckdb"
    warehouse.connect(path).close()
    con = warehouse.connect(path)  # applying the DDL twice is harmless
    assert path.exists()
    assert counts(con) == dict.fromkeys(RAW_TABLES, 0)
    con.close()


def test_staging_tables_match_the_fact_records_column_for_column(con):
    schemas = warehouse.raw_schemas(con)
    for table, (cls, _attr) in FACT_TABLES.items():
        src = ["src_line", "src_table", "src_row", "src_col", "src_page", "src_file"]  # flattened in place
        fields = [name for f in dataclasses.fields(cls) for name in (src if f.name == "src" else [f.name])]
        assert schemas[table].names == ["document_id", *fields]


def test_a_warehouse_made_before_a_column_was_added_gains_it(tmp_path):
    import duckdb

    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as old:  # raw.revenue as an older version made it: no src_page / src_file
        old.execute("create schema raw; create table raw.revenue (document_id varchar not null, "
                    "revenue_source varchar not null, label_zh varchar not null, amount_yuan decimal(18,2) not null, "
                    "src_line integer, src_table integer, src_row integer, src_col integer)")
        old.execute("insert into raw.revenue values ('d', 'other', '其他收入', 1.50, 9, null, null, null)")
    con = warehouse.connect(path)
    assert warehouse.raw_schemas(con)["revenue"].names[-3:] == ["src_page", "src_file", "measure"]
    # the rows already there: no page or file; the measure of a fact loaded before measures: a budget's
    assert con.execute("select amount_yuan, src_line, src_page, src_file, measure from raw.revenue").fetchall() == [
        (Decimal("1.50"), 9, None, None, "budget")]
    con.close()


def test_a_warehouse_made_before_document_lines_gains_the_lines_its_rows_cite(tmp_path, gold_doc):
    path = tmp_path / "old.duckdb"
    with warehouse.connect(path) as con:
        warehouse.load_batch(con, [staged(gold_doc)])
        made = con.execute("select * from raw.document_lines order by line_number").fetchall()
        con.execute("drop table raw.document_lines")  # as an older version left it
    with warehouse.connect(path) as con:
        assert con.execute("select * from raw.document_lines order by line_number").fetchall() == made
        assert made == [(made[0][0], 1, None, "第一行")]
    with warehouse.connect(path) as con:  # once
        assert counts(con)["document_lines"] == 1


def test_provenance_keeps_the_page_and_the_file(con, gold_doc):
    gold_doc.projects[0].src = dataclasses.replace(gold_doc.projects[0].src, page=7, file="附表.pdf")
    warehouse.load_batch(con, [staged(gold_doc)])
    assert one(con, "select src_table, src_row, src_col, src_page, src_file from raw.projects "
                    "where project_no = 1") == (1, 3, 2, 7, "附表.pdf")


def test_load_keeps_every_row_and_every_decimal_exact(con, gold_doc):
    item = staged(gold_doc)
    result = warehouse.load_batch(con, [item], batch_id="b1", files_seen=1)
    assert (result.loaded, result.unchanged, result.quarantined, result.warnings) == (
        [item.document_id], [], 0, 0)
    assert counts(con) == {
        "documents": 1, "sections": 7, "stated_totals": 6, "stated_counts": 0, "revenue": 4, "expenditure": 3,
        "stated_changes": 4, "operating_expenses": 18, "three_public_costs": 4, "duties": 12, "projects": 9,
        "project_indicators": 1, "procurement_items": 0, "assets": 4, "glossary": 2,
        "function_expenditure": 0, "economic_expenditure": 0,  # the notes form has no classified tables
        "table_figures": 0,  # nor national tables
        "document_lines": 1,  # 第一行 is the one line of the text the facts cite (the text has two)
        "validation_results": 60, "quarantine": 0, "load_batches": 1,  # + 2 disclosure, 9 text, 1 + 9 table rules
    }
    amounts = dict(con.execute("select item_name_zh, amount_yuan from raw.operating_expenses").fetchall())
    assert amounts["党组织活动经费"] == Decimal("787.50")
    assert amounts["福利费"] == Decimal("9014.10")
    assert str(amounts["福利费"]) == "9014.10"
    assert one(con, "select amount_yuan from raw.stated_totals where metric = 'revenue_total'") == (
        Decimal("3566894.19"),)
    assert one(con, "select sum(amount_yuan) from raw.operating_expenses") == (Decimal("147275.91"),)
    assert one(con, "select change_yuan, prior_year_yuan from raw.three_public_costs "
                    "where category = 'official_reception'") == (Decimal("41.50"), Decimal("452.00"))
    # an empty cell stays NULL, never 0
    assert one(con, "select budget_yuan, other_funds_yuan, spend_plan_pct_m03 from raw.projects "
                    "where project_no = 1") == (Decimal("4000.00"), None, Decimal("25.00"))
    assert one(con, "select quantity, value_yuan, as_of_date from raw.assets where item_no = 1") == (
        None, None, date(2019, 12, 31))
    assert one(con, "select document_id, batch_id, parser_version, fiscal_year, office_name, "
                    "normalized_text, size_bytes, src_line from raw.documents") == (
        warehouse.sha256_hex(b"xiguan bytes"), "b1", PARSER_VERSION, 2020, "山海关区西关街道办事处",
        "第一行\n第二行", 12, 1)
    assert one(con, "select expected, actual, difference, src_line from raw.validation_results "
                    "where check_name = 'identity.three_public_change'") == (
        Decimal("-958.50"), Decimal("-958.50"), Decimal("0.00"), 105)
    assert one(con, "select files_seen, documents_loaded, documents_unchanged, warnings from raw.load_batches"
               ) == (1, 1, 0, 0)


def test_facts_come_back_as_they_went_in(con, gold_doc):
    warehouse.load_batch(con, [staged(gold_doc)])
    cursor = con.execute("select * exclude (document_id) from raw.projects order by project_no")
    names = [d[0] for d in cursor.description]
    loaded = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    assert loaded == [flat_record(p) for p in gold_doc.projects]


def test_reloading_the_same_document_changes_no_data_table(con, gold_doc):
    warehouse.load_batch(con, [staged(gold_doc)], batch_id="first")
    before = counts(con)
    result = warehouse.load_batch(con, [staged(gold_doc)], batch_id="second")
    after = counts(con)
    assert result.loaded == [] and len(result.unchanged) == 1
    # the batch log records the run; nothing else moves
    assert after == {**before, "load_batches": before["load_batches"] + 1}
    assert con.execute(
        "select documents_loaded, documents_unchanged from raw.load_batches where batch_id = 'second'"
    ).fetchone() == (0, 1)
    assert con.execute("select batch_id from raw.documents").fetchall() == [("first",)]


def test_same_bytes_twice_in_one_batch_load_once(con, gold_doc):
    result = warehouse.load_batch(con, [staged(gold_doc), staged(gold_doc, path="copy/of/it.txt")])
    assert len(result.loaded) == 1 and len(result.unchanged) == 1
    assert counts(con)["documents"] == 1 and counts(con)["projects"] == 9


def test_document_with_a_broken_identity_loads_with_warning_rows(con, gold_doc):
    gold_doc.three_public_costs[2].amount_yuan = Decimal("1000")  # 10000 misread
    result = warehouse.load_batch(con, [staged(gold_doc)])
    assert result.warnings == 1 and len(result.loaded) == 1
    assert con.execute(
        "select severity, status, expected, actual, difference, src_line from raw.validation_results "
        "where status not in ('pass', 'not_applicable')"  # the table and text rules have little to read here
    ).fetchall() == [("warning", "fail", Decimal("10493.50"), Decimal("1493.50"), Decimal("-9000.00"), 105)]
    # the table rules cannot apply to the notes form: not_applicable, never a failure
    assert con.execute("select distinct status from raw.validation_results where check_name like 'chain.%' "
                       "or check_name like 'identity.%_balance'").fetchall() == [("not_applicable",)]
    assert con.execute("select warnings from raw.load_batches").fetchone() == (1,)


def test_quarantine_keeps_one_row_per_file_and_reason(con):
    bad = QuarantineEntry("in/bad.txt", "empty_file", "the file is empty", warehouse.sha256_hex(b""), 0)
    warehouse.load_batch(con, [], [bad, bad], batch_id="one")
    result = warehouse.load_batch(con, [], [bad], batch_id="two")
    assert result.quarantined == 0
    other = QuarantineEntry("in/bad.txt", "not_a_disclosure", "no budget heading", bad.sha256, 0)
    unread = QuarantineEntry("in/locked.txt", "unreadable_file", "permission denied")  # no sha256
    assert warehouse.load_batch(con, [], [other, unread], batch_id="three").quarantined == 2
    assert warehouse.load_batch(con, [], [unread], batch_id="four").quarantined == 0
    assert con.execute(
        "select source_path, reason_code, batch_id from raw.quarantine order by batch_id, reason_code"
    ).fetchall() == [("in/bad.txt", "empty_file", "one"), ("in/bad.txt", "not_a_disclosure", "three"),
                     ("in/locked.txt", "unreadable_file", "three")]
    assert con.execute("select documents_quarantined from raw.load_batches order by batch_id").fetchall() == [
        (1,), (1,), (2,), (1,)]  # the same entry twice in a batch is one file


def test_a_failure_inside_the_batch_rolls_everything_back(con, gold_doc):
    good = staged(gold_doc)
    broken = staged(_other_document(gold_doc), data=b"other bytes")
    broken.facts.glossary[0].term_no = "not a number"  # past validation: only the load can fail now
    bad = QuarantineEntry("in/bad.txt", "empty_file", "the file is empty")
    with pytest.raises(Exception, match="not a number"):
        warehouse.load_batch(con, [good, broken], [bad])
    assert counts(con) == dict.fromkeys(RAW_TABLES, 0)
    # the connection is usable again
    warehouse.load_batch(con, [good])
    assert counts(con)["documents"] == 1


def test_unknown_columns_are_refused_not_dropped(con, gold_doc):
    item = staged(gold_doc)
    item.document["surprise"] = 1
    with pytest.raises(ValueError, match=r"raw.documents has no column\(s\) \['surprise'\]"):
        warehouse.load_batch(con, [item])
    assert counts(con)["documents"] == 0


def _other_document(doc):
    from conftest import gold_facts

    other = gold_facts()
    other.info.fiscal_year = doc.info.fiscal_year + 1
    return other


def test_the_lines_rows_cite_are_rows_with_their_text_and_page(con, gold_doc):
    # numbered as the facts' src_line: the parts of DuckDB's string_split of normalized_text
    gold_doc.revenue[0].src = dataclasses.replace(gold_doc.revenue[0].src, line=3)
    gold_doc.projects[0].src = dataclasses.replace(gold_doc.projects[0].src, line=1)
    cells = [[Cell("公务用车运行维护费", 3, 1, 1, page=2), Cell("10000", 3, 1, 2, page=2)]]
    text = "第一行\n\n公务用车运行维护费 10000\n" + "\n" * 2000  # long enough for every line the facts cite
    read_doc = ReadDocument([Paragraph("第一行", 1, page=1), Table(1, cells)], text, "pdf", "pdf")
    row = warehouse.document_row(gold_doc, read_doc, data=b"pdf bytes", source_path="x.pdf")
    doc = StagedDocument(row, gold_doc, validate.validate_document(gold_doc, row).rows,
                         pages=warehouse.line_pages(read_doc))
    warehouse.load_batch(con, [doc])
    lines = con.execute("select line_number, page, line_text from raw.document_lines order by line_number"
                        ).fetchall()
    assert lines[:2] == [(1, 1, "第一行"), (3, 2, "公务用车运行维护费 10000")]
    assert {text for _, _, text in lines[2:]} == {""}  # the gold document's own lines are blank here
    cited = " union ".join(f"select src_line from raw.{t} where src_line is not null"
                           for t in ["documents", *FACT_TABLES, "validation_results"])
    assert [n for n, _, _ in lines] == [r[0] for r in con.execute(f"select * from ({cited}) order by 1").fetchall()]
    assert len(lines) > 10
