"""Ingest: discovery, quarantine with reasons, cheap skips of loaded files, one batch per run."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest

import budget_etl
import budget_etl.extract
import budget_etl.readers
from budget_etl.extract import ExtractionError
from budget_etl.facts import FACT_TABLES
from budget_etl.load import warehouse
from budget_etl.ops import pipeline
from budget_etl.readers import ReadDocument, UnreadableDocument

from conftest import SEED, gold_facts

RAW_TABLES = ["documents", *FACT_TABLES, "validation_results", "document_lines", "quarantine", "load_batches"]
SEED_SHA256 = "d41d1c30c189a9c1b737ef39a19dcbf15da11899f7cfeb5c7164ef9709edeec4"  # ingest/sources.yml


def counts(path) -> dict[str, int]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {t: con.execute(f"select count(*) from raw.{t}").fetchall()[0][0] for t in RAW_TABLES}


def query(path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture
def fake_parsing(monkeypatch):
    """Reader and extractor stand-ins driven by the file's text: 'good' gives the gold facts, 'float' gives
    facts with a float amount, 'broken' breaks an identity, 'nodoc' / 'crash' raise."""

    def read_bytes(data: bytes, file_name: str) -> ReadDocument:
        if not data:
            raise UnreadableDocument("empty_file", "The file is empty.")
        return ReadDocument(blocks=[], text=data.decode(), encoding="utf-8", source_format="txt")

    def extract(doc: ReadDocument, *, is_synthetic: bool = False):
        kind = doc.text.split()[0]
        if kind == "nodoc":
            raise ExtractionError("not_a_disclosure", "No budget title in the first paragraphs.")
        if kind == "crash":
            raise RuntimeError("table 3 has no rows")
        facts = gold_facts()
        facts.info.is_synthetic = is_synthetic
        if kind == "float":
            facts.operating_expenses[7].amount_yuan = 787.5
        if kind == "broken":
            facts.revenue[0].amount_yuan = Decimal("3566849.19")  # two digits swapped
        return facts

    monkeypatch.setattr(budget_etl.readers, "read_bytes", read_bytes)
    monkeypatch.setattr(budget_etl.extract, "extract", extract)


def write(folder, name: str, text: str):
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_discover_walks_folders_and_skips_hidden_and_metadata(tmp_path):
    docs = tmp_path / "in"
    for name in ["a.txt", "sub/b.docx", "sub/deeper/c.PDF", "d.doc", "notes.csv", "gold.json", "sources.yml",
                 ".hidden.txt", ".cache/e.txt", "sub/~$b.docx"]:
        write(docs, name, "x")
    extra = write(tmp_path, "loose.bin", "x")
    found = pipeline.discover([docs, extra, docs / "a.txt", tmp_path / "in" / "sources.yml"])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "in/a.txt", "in/d.doc", "in/sub/b.docx", "in/sub/deeper/c.PDF", "loose.bin"]
    with pytest.raises(FileNotFoundError, match="nope"):
        pipeline.discover([tmp_path / "nope"])


def test_one_bad_document_never_stops_the_batch(tmp_path, fake_parsing):
    docs = tmp_path / "in"
    write(docs, "good.txt", "good 1")
    write(docs, "nodoc.txt", "nodoc")
    write(docs, "crash.txt", "crash")
    write(docs, "float.txt", "float")
    write(docs, "empty.txt", "")
    wh = tmp_path / "wh" / "w.duckdb"
    summary = pipeline.ingest([docs], wh, progress=False)

    assert (summary.files_seen, summary.loaded, summary.unchanged, summary.warnings) == (5, 1, 0, 0)
    assert summary.exit_code == 1
    reasons = {q.source_path.rsplit("/", 1)[1]: (q.reason_code, q.reason) for q in summary.quarantined}
    assert reasons == {
        "nodoc.txt": ("not_a_disclosure", "No budget title in the first paragraphs."),
        "crash.txt": ("internal_error", "RuntimeError: table 3 has no rows"),
        "float.txt": ("schema_violation",
                      "operating_expenses.amount_yuan=787.5 fails is_decimal(precision=18, scale=2) (row 8)"),
        "empty.txt": ("empty_file", "The file is empty."),
    }
    assert counts(wh)["documents"] == 1 and counts(wh)["operating_expenses"] == 18
    assert sorted(query(wh, "select regexp_extract(source_path, '[^/]+$'), reason_code, size_bytes, "
                            "length(sha256) from raw.quarantine")) == [
        ("crash.txt", "internal_error", 5, 64), ("empty.txt", "empty_file", 0, 64),
        ("float.txt", "schema_violation", 5, 64), ("nodoc.txt", "not_a_disclosure", 5, 64)]
    assert query(wh, "select batch_id, files_seen, documents_loaded, documents_quarantined "
                     "from raw.load_batches") == [(summary.batch_id, 5, 1, 4)]
    assert "4 quarantined" in summary.describe() and "crash.txt: internal_error" in summary.describe()


def test_document_with_a_broken_identity_loads_and_counts_as_warning(tmp_path, fake_parsing):
    wh = tmp_path / "w.duckdb"
    summary = pipeline.ingest([write(tmp_path, "broken.txt", "broken")], wh, progress=False)
    assert (summary.loaded, summary.warnings, summary.exit_code) == (1, 1, 0)
    assert query(wh, "select check_name, severity, expected, actual, difference from raw.validation_results "
                     "where status = 'fail'") == [
        ("identity.revenue_total", "warning", Decimal("3566894.19"), Decimal("3566849.19"),
         Decimal("-45.00"))]


def test_loaded_files_are_skipped_before_parsing(tmp_path, fake_parsing, monkeypatch):
    docs = tmp_path / "in"
    write(docs, "good.txt", "good 1")
    write(docs, "copy.txt", "good 1")  # same bytes: loaded once
    write(docs, "nodoc.txt", "nodoc")
    wh = tmp_path / "w.duckdb"
    first = pipeline.ingest([docs], wh, progress=False)
    assert (first.loaded, first.unchanged, len(first.quarantined)) == (1, 1, 1)
    before = counts(wh)

    parsed = []
    original = budget_etl.readers.read_bytes
    monkeypatch.setattr(budget_etl.readers, "read_bytes", lambda data, name: parsed.append(name) or original(
        data, name))
    second = pipeline.ingest([docs], wh, progress=False)
    assert parsed == ["nodoc.txt"]  # only the file that is not in the warehouse is read again
    assert (second.loaded, second.unchanged, len(second.quarantined), second.exit_code) == (0, 2, 1, 1)
    assert counts(wh) == {**before, "load_batches": before["load_batches"] + 1}


def test_synthetic_flag_from_mapping_and_manifest(tmp_path, fake_parsing):
    docs = tmp_path / "in"
    real = write(docs, "documents/real.txt", "good real")
    write(docs, "documents/fake.txt", "good fake")
    write(docs, "sources.yml", "documents:\n  - path: documents/real.txt\n    is_synthetic: false\n"
                               "  - path: documents/fake.txt\n    is_synthetic: true\n")
    wh = tmp_path / "w.duckdb"
    pipeline.ingest([docs], wh, progress=False)
    assert query(wh, "select file_name, is_synthetic from raw.documents order by 1") == [
        ("fake.txt", True), ("real.txt", False)]
    other = tmp_path / "w2.duckdb"
    pipeline.ingest([real], other, progress=False, synthetic={str(real): True})
    assert query(other, "select is_synthetic from raw.documents") == [(True,)]


def test_progress_bar_goes_to_stderr_only_for_several_files(tmp_path, fake_parsing, capsys):
    one = write(tmp_path, "a.txt", "good a")
    pipeline.ingest([one], tmp_path / "w.duckdb")
    assert "ingest" not in capsys.readouterr().err
    write(tmp_path / "many", "b.txt", "good b")
    write(tmp_path / "many", "c.txt", "good c")
    pipeline.ingest([tmp_path / "many"], tmp_path / "w.duckdb")
    captured = capsys.readouterr()
    assert "ingest: 100%" in captured.err and "2/2" in captured.err and captured.out == ""
    pipeline.ingest([tmp_path / "many"], tmp_path / "w.duckdb", progress=False)
    assert "ingest" not in capsys.readouterr().err


# ---- the real reader and extractor --------------------------------------------------------------------


def test_parse_file_reads_and_extracts_the_seed():
    read_doc, facts = pipeline.parse_file(SEED)
    assert (read_doc.source_format, read_doc.encoding) == ("txt", "utf-8")
    assert (facts.info.office_name, facts.info.fiscal_year, facts.info.doc_kind) == (
        "山海关区西关街道办事处", 2020, "budget")


def test_real_seed_loads_beside_garbage_empty_and_truncated_files(tmp_path):
    seed = SEED.read_bytes()
    docs = tmp_path / "in"
    docs.mkdir()
    (docs / "xiguan_2020_budget.txt").write_bytes(seed)
    (docs / "empty.txt").write_bytes(b"")
    (docs / "garbage.txt").write_bytes(bytes(range(256)) * 20)
    cut = seed.index("部门".encode()) + 1  # inside a three-byte character
    (docs / "truncated.txt").write_bytes(seed[:cut])
    (docs / "gold.json").write_text("{}")
    wh = tmp_path / "w.duckdb"

    summary = pipeline.ingest([docs], wh, progress=False)
    assert (summary.files_seen, summary.loaded, summary.unchanged) == (4, 1, 0)
    assert summary.exit_code == 1
    reasons = {q.source_path.rsplit("/", 1)[1]: q.reason_code for q in summary.quarantined}
    assert reasons == {
        "empty.txt": "empty_file", "garbage.txt": "binary_file", "truncated.txt": "truncated_file"}
    assert all(q.reason for q in summary.quarantined)

    assert query(wh, "select document_id, office_name, fiscal_year, source_format from raw.documents") == [
        (SEED_SHA256, "山海关区西关街道办事处", 2020, "txt")]
    # the seed's own identities all hold, exactly
    assert query(wh, "select count(*) from raw.validation_results where status = 'fail'") == [(0,)]
    assert query(wh, "select expected, actual from raw.validation_results "
                     "where check_name = 'identity.expenditure_total'") == [
        (Decimal("3566894.19"), Decimal("3566894.19"))]
    assert query(wh, "select amount_yuan from raw.operating_expenses "
                     "where item_name_zh = '党组织活动经费'") == [(Decimal("787.50"),)]

    before = counts(wh)
    again = pipeline.ingest([docs], wh, progress=False)
    assert (again.loaded, again.unchanged, len(again.quarantined), again.exit_code) == (0, 1, 3, 1)
    assert counts(wh) == {**before, "load_batches": before["load_batches"] + 1}  # no duplicate quarantine


def test_the_bundled_manifest_lists_xiguan_and_includes_the_demo_corpus():
    from budget_etl.ops.pipeline import collect
    from budget_etl.paths import bundled_sample

    inputs = collect(manifest=bundled_sample() / "sources.yml")
    assert len(inputs.files) == 33 and inputs.missing == []
    real = [p.name for p, _ in inputs.files if not inputs.synthetic[p.resolve()]]
    assert real == ["xiguan_2020_budget.txt"]


def test_documents_read_by_another_parser_version_are_read_again_in_place(tmp_path):
    # a fix to a reader, an extractor or a rule reaches the documents already loaded: the next run reads them
    # again and replaces their rows, keeping their first load (batch, time, path) and adding no publication
    docs = tmp_path / "in"
    docs.mkdir()
    (docs / "xiguan_2020_budget.txt").write_bytes(SEED.read_bytes())
    wh = tmp_path / "w.duckdb"
    pipeline.ingest([docs], wh, progress=False)
    first_load = query(wh, "select batch_id, loaded_at, source_path from raw.documents")
    before = counts(wh)
    with duckdb.connect(str(wh)) as con:  # what an older parser left: another version, a figure it misread
        con.execute("update raw.documents set parser_version = '0.0.9+old'")
        con.execute("update raw.operating_expenses set amount_yuan = 1 where item_name_zh = '党组织活动经费'")
        con.execute("delete from raw.validation_results where check_name = 'identity.expenditure_total'")
        con.execute("update raw.document_lines set line_text = 'misread' where line_number = 105")

    with duckdb.connect(str(wh), read_only=True) as con:  # what the nightly asks before it builds anything
        assert pipeline.pending_files(pipeline.collect([docs], None), warehouse.known_files(con)) == [
            docs / "xiguan_2020_budget.txt"]
    again = pipeline.ingest([docs], wh, progress=False)
    assert (again.loaded, again.reread, again.unchanged) == (0, 1, 0)
    assert "1 read again by this parser version" in again.describe()
    assert query(wh, "select amount_yuan from raw.operating_expenses where item_name_zh = '党组织活动经费'") == [
        (Decimal("787.50"),)]
    assert query(wh, "select status from raw.validation_results where check_name = 'identity.expenditure_total'") \
        == [("pass",)]
    assert query(wh, "select parser_version from raw.documents") == [(budget_etl.PARSER_VERSION,)]
    assert query(wh, "select batch_id, loaded_at, source_path from raw.documents") == first_load
    assert counts(wh) == {**before, "load_batches": before["load_batches"] + 1}  # replaced, not duplicated
    # one set of the lines the rows cite, the text's own again: line 105 is the 公务用车运行维护费 sentence
    assert query(wh, "select count(*), count(distinct line_number) from raw.document_lines") \
        == [(before["document_lines"],) * 2] and before["document_lines"] > 50
    [(line, text_line)] = query(wh, "select l.line_text, string_split(d.normalized_text, chr(10))[105] "
                                    "from raw.document_lines l join raw.documents d using (document_id) "
                                    "where l.line_number = 105")
    assert line == text_line and "公务用车运行维护费10000元" in line

    third = pipeline.ingest([docs], wh, progress=False)  # read by this version now: nothing to do
    assert (third.loaded, third.reread, third.unchanged) == (0, 0, 1)
