"""A document published as two files (narrative + tables) is one document: paired by their names or by the
manifest, read as one, its facts each naming their file; its id is made of its files' sha256s. A synthetic
pair made here for the pipeline; the real pairs of ../shared against their gold (skipped without it)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from budget_etl.extract import ExtractionError, extract
from budget_etl.facts import FACT_TABLES
from budget_etl.ops import pipeline
from budget_etl.ops.manifest import ManifestError
from budget_etl.ops.manifest import read as read_manifest
from budget_etl.readers import read_path
from national_gold import PDF_DIR, compare, extracted_facts, gold_by_file
from test_national_tables import BASIC, EXPENDITURE, FUNCTION, SUMMARY, THREE_PUBLIC

NARRATIVE = "\n".join([
    "江苏省某某厅", "2018 年度部门预算", "目 录", "第一部分 部门概况", "第二部分 2018 年度部门预算表",
    "一、收支预算总表", "二、收入预算总表", "三、支出预算总表", "四、财政拨款收支预算总表",
    "2018年机关运行经费预算 120.00 万元。"]) + "\n"
TABLES = [
    ("公开01表：收支预算总表", SUMMARY), ("公开03表：支出预算总表", EXPENDITURE),
    ("公开07表：一般公共预算支出预算表", FUNCTION), ("公开08表：一般公共预算基本支出预算表", BASIC),
    ("公开09表：一般公共预算“三公”经费、会议费、培训费支出预算表", THREE_PUBLIC),
]


def _tables_text(tables=TABLES) -> str:
    """Tables as Word saves them as text: one cell a line after a tab, rows apart by a blank line."""
    def table(rows):
        return "\n\n".join("\n".join("\t" + cell for cell in row) for row in rows)

    return "\n".join(f"{title}\n单位：万元\n{table(rows)}\n" for title, rows in tables)


def _pair(folder: Path, narrative: str = "x_2018-narrative.txt", tables: str = "x_2018-tables.txt"
          ) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / narrative).write_text(NARRATIVE, encoding="utf-8")
    (folder / tables).write_text(_tables_text(), encoding="utf-8")
    return folder / narrative, folder / tables


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _rows(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


# --- pairing ------------------------------------------------------------------------------------------------


def test_files_named_alike_but_for_their_part_are_paired(tmp_path):
    a, b = Path("d/x_2018-narrative.pdf"), Path("d/x_2018-tables.pdf")
    zh_a, zh_b = Path("d/某厅2019年部门预算说明.pdf"), Path("d/某厅2019年部门预算报表.pdf")
    assert pipeline.pair_by_name([b, a, zh_b, zh_a]) == {a: (a, b), zh_a: (zh_a, zh_b)}
    # another folder, a third file of the same stem, or a narrative alone: nothing is paired
    assert pipeline.pair_by_name([a, Path("e/x_2018-tables.pdf")]) == {}
    assert pipeline.pair_by_name([a, b, Path("d/x_2018_tables.pdf")]) == {}
    assert pipeline.pair_by_name([a, Path("d/y_2018-tables.pdf")]) == {}


def test_each_half_alone_is_refused_and_together_they_are_one_document(tmp_path):
    narrative, tables = _pair(tmp_path)
    for path, reason in ((narrative, "tables_in_another_file"), (tables, "no_document_identity")):
        with pytest.raises(ExtractionError) as err:
            extract(read_path(path))
        assert err.value.reason_code == reason
    files = (narrative, tables)
    doc = pipeline.read_files(files, [f.read_bytes() for f in files])
    assert doc.files == [(narrative.name, 1), (tables.name, 11)]  # the narrative's 10 lines come first
    assert doc.text.split("\n")[9:11] == ["2018年机关运行经费预算 120.00 万元。", "公开01表：收支预算总表"]
    out = pipeline.with_files(extract(doc), doc)
    assert out.info.fiscal_year == 2018 and out.info.office_name == "江苏省某某厅"
    placed = {t.metric: (t.amount_yuan, t.src.file, t.src.table) for t in out.stated_totals}
    assert placed["revenue_total"] == (10_000_000, tables.name, 1)
    assert placed["operating_expense_total"] == (1_200_000, narrative.name, None)  # from the narrative's text


def test_ingest_pairs_by_name_and_every_fact_names_its_file(tmp_path):
    narrative, tables = _pair(tmp_path / "docs")
    warehouse = tmp_path / "w.duckdb"
    summary = pipeline.ingest([tmp_path / "docs"], warehouse, progress=False)
    assert (summary.files_seen, summary.loaded, summary.quarantined, summary.unchanged) == (2, 1, [], 0)
    document_id = hashlib.sha256((_sha(narrative) + _sha(tables)).encode()).hexdigest()
    assert _rows(warehouse, "select document_id, sha256, source_path, file_name, size_bytes from raw.documents") == [
        (document_id, document_id, narrative.as_posix(), narrative.name,
         narrative.stat().st_size + tables.stat().st_size)]
    assert _rows(warehouse, "select document_id, file_order, file_name, sha256, size_bytes from raw.document_files "
                 "order by file_order") == [
        (document_id, 1, narrative.name, _sha(narrative), narrative.stat().st_size),
        (document_id, 2, tables.name, _sha(tables), tables.stat().st_size)]
    files = _rows(warehouse, "select src_file, count(*) from raw.stated_totals group by src_file order by 1")
    assert files == [(narrative.name, 1), (tables.name, 9)]
    placed = _rows(warehouse, "select src_file, src_table from raw.stated_totals where metric = 'revenue_total'")
    assert placed == [(tables.name, 1)]
    for table in FACT_TABLES:  # every fact with a place names its file; one without a line has none to name
        assert _rows(warehouse, f"select count(*) from raw.{table} where (src_line is null) <> (src_file is null)"
                     ) == [(0,)], table
    assert _rows(warehouse, "select count(*) > 0, count(*) = count(src_file) from raw.expenditure") == [(True, True)]


def test_a_document_in_one_file_names_no_file(tmp_path, seed_bytes):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "seed.txt").write_bytes(seed_bytes)
    warehouse = tmp_path / "w.duckdb"
    pipeline.ingest([tmp_path / "docs"], warehouse, progress=False)
    assert _rows(warehouse, "select count(*), count(src_file) from raw.stated_totals")[0][1] == 0
    sha = hashlib.sha256(seed_bytes).hexdigest()
    assert _rows(warehouse, "select document_id from raw.documents") == [(sha,)]  # as before: its bytes' sha256
    assert _rows(warehouse, "select document_id, file_order, sha256 from raw.document_files") == [(sha, 1, sha)]


def test_reloading_the_pair_changes_nothing_and_a_changed_tables_file_is_a_new_version(tmp_path):
    narrative, tables = _pair(tmp_path / "docs")
    warehouse = tmp_path / "w.duckdb"
    pipeline.ingest([tmp_path / "docs"], warehouse, progress=False)
    tables_of = "select * from raw.documents, raw.document_files, raw.stated_totals order by all"
    before = _rows(warehouse, tables_of)
    again = pipeline.ingest([tmp_path / "docs"], warehouse, progress=False)
    assert (again.loaded, again.unchanged, again.quarantined, again.deleted) == (0, 1, [], [])
    assert _rows(warehouse, tables_of) == before
    first_id = _rows(warehouse, "select document_id from raw.documents")[0][0]

    tables.write_text(_tables_text() + "注：本表数据为预算数。\n", encoding="utf-8")  # republished, edited
    changed = pipeline.ingest([tmp_path / "docs"], warehouse, progress=False)
    assert (changed.loaded, changed.quarantined) == (1, [])
    versions = _rows(warehouse, "select document_id, office_key, fiscal_year, doc_kind, version_number, "
                     "is_latest_version from raw.document_versions order by version_number")
    assert [v[1:4] for v in versions] == [("江苏省某某厅", 2018, "budget")] * 2  # the same document
    assert versions[0][0] == first_id and versions[0][5] is False and versions[1][5] is True
    assert versions[1][0] == hashlib.sha256((_sha(narrative) + _sha(tables)).encode()).hexdigest()


def test_halves_named_otherwise_are_paired_by_their_refusals(tmp_path):
    # no part word in the names: the narrative refused as tables_in_another_file and the tables refused as
    # no_document_identity, in one folder, sharing the start of their names
    narrative, tables = _pair(tmp_path / "docs", "某厅2018年部门预算.txt", "某厅2018年部门预算附件.txt")
    lone = NARRATIVE.replace("某某厅", "另一厅")
    (tmp_path / "docs" / "other.txt").write_text(lone, encoding="utf-8")  # a lone narrative stays refused
    warehouse = tmp_path / "w.duckdb"
    summary = pipeline.ingest([tmp_path / "docs"], warehouse, progress=False)
    assert (summary.loaded, summary.unchanged) == (1, 0)
    assert [(q.source_path, q.reason_code) for q in summary.quarantined] == [
        ((tmp_path / "docs" / "other.txt").as_posix(), "tables_in_another_file")]
    document_id = hashlib.sha256((_sha(narrative) + _sha(tables)).encode()).hexdigest()
    assert _rows(warehouse, "select document_id, file_name from raw.documents") == [(document_id, narrative.name)]
    assert _rows(warehouse, "select file_name from raw.document_files order by file_order") == [
        (narrative.name,), (tables.name,)]
    assert _rows(warehouse, "select source_path from raw.quarantine") == [((tmp_path / "docs" / "other.txt").as_posix(),)]

    # known again without reading it: the nightly finds nothing new, ingest nothing to load
    with duckdb.connect(str(warehouse)) as con:
        from budget_etl.load.warehouse import known_files

        known = known_files(con)
    assert pipeline.pending_files(pipeline.collect([tmp_path / "docs"]), known) == []
    again = pipeline.ingest([tmp_path / "docs"], warehouse, progress=False, skip_quarantined=True)
    assert (again.loaded, again.unchanged, again.quarantined) == (0, 2, [])

    tables.write_text(_tables_text() + "注：本表数据为预算数。\n", encoding="utf-8")
    changed = pipeline.ingest([tmp_path / "docs"], warehouse, progress=False, skip_quarantined=True)
    assert (changed.loaded, changed.quarantined) == (1, [])
    assert _rows(warehouse, "select count(*), count(distinct (office_key, fiscal_year, doc_kind)) "
                 "from raw.document_versions") == [(2, 1)]


def test_a_half_that_arrives_in_a_later_nightly_run_is_paired_with_the_one_waiting(tmp_path):
    folder = tmp_path / "docs"
    narrative, tables = _pair(folder, "某厅2018年部门预算.txt", "某厅2018年部门预算附件.txt")
    held_back = tables.read_bytes()
    tables.unlink()
    warehouse = tmp_path / "w.duckdb"
    first = pipeline.ingest([folder], warehouse, progress=False, skip_quarantined=True)
    assert [(Path(q.source_path).name, q.reason_code) for q in first.quarantined] == [
        (narrative.name, "tables_in_another_file")]

    tables.write_bytes(held_back)  # the tables file is published the next day
    second = pipeline.ingest([folder], warehouse, progress=False, skip_quarantined=True)
    assert (second.loaded, second.unchanged, second.quarantined) == (1, 0, [])
    assert _rows(warehouse, "select file_name from raw.document_files order by file_order") == [
        (narrative.name,), (tables.name,)]
    third = pipeline.ingest([folder], warehouse, progress=False, skip_quarantined=True)
    assert (third.loaded, third.unchanged, third.quarantined) == (0, 1, [])  # one document, unchanged


def test_unrelated_halves_are_not_paired():
    def refused(path, reason):
        return pipeline.QuarantineEntry(path, reason, "", "0" * 64, 1)

    n, t = refused("d/2018预算.pdf", "tables_in_another_file"), refused("d/2018预算表.pdf", "no_document_identity")
    assert pipeline.pair_refused([n, t]) == [(n, t)]
    assert pipeline.pair_refused([n, refused("d/annex.pdf", "no_document_identity")]) == []  # no name in common
    assert pipeline.pair_refused([n, refused("e/2018预算表.pdf", "no_document_identity")]) == []  # another folder
    # two tables files as like the narrative: which one cannot be told
    assert pipeline.pair_refused([n, t, refused("d/2018预算附.pdf", "no_document_identity")]) == []


def test_the_manifest_pairs_files_whatever_their_names(tmp_path):
    narrative, tables = _pair(tmp_path, "text.txt", "annex.txt")
    (tmp_path / "sources.yml").write_text(
        "documents:\n  - files: [text.txt, annex.txt]\n    is_synthetic: true\n", encoding="utf-8")
    [entry] = read_manifest(tmp_path / "sources.yml")
    assert (entry.path, entry.files, entry.is_synthetic) == (narrative, (narrative, tables), True)
    warehouse = tmp_path / "w.duckdb"
    summary = pipeline.ingest([], warehouse, manifest=tmp_path / "sources.yml", progress=False)
    assert (summary.loaded, summary.quarantined) == (1, [])
    assert _rows(warehouse, "select file_name, is_synthetic from raw.documents") == [("text.txt", True)]
    assert _rows(warehouse, "select file_name from raw.document_files order by file_order") == [
        ("text.txt",), ("annex.txt",)]
    # without the manifest the two are not paired: each half is refused with its own reason
    alone = pipeline.ingest([tmp_path / "text.txt", tmp_path / "annex.txt"], tmp_path / "v.duckdb", progress=False)
    assert sorted(q.reason_code for q in alone.quarantined) == ["no_document_identity", "tables_in_another_file"]


def test_a_listed_file_that_is_not_there_is_missing(tmp_path):
    _pair(tmp_path, "text.txt", "annex.txt")
    (tmp_path / "sources.yml").write_text("documents:\n  - files: [text.txt, gone.txt]\n", encoding="utf-8")
    inputs = pipeline.collect([], tmp_path / "sources.yml")
    assert inputs.missing == [(tmp_path / "gone.txt").as_posix()] and inputs.files == []


@pytest.mark.parametrize(("entry", "says"), [
    ("- files: [a.pdf]", "documents entry 1: files: lists 1 file(s), expected a list of two or more"),
    ("- files: a.pdf", "documents entry 1: files: is a string, expected a list of two or more"),
    ("- files: [a.pdf, a.pdf]", "documents entry 1: files: names a file twice"),
    ("- files: [a.pdf, 3]", "documents entry 1: files: holds something other than a file path"),
    ("- {path: a.pdf, files: [a.pdf, b.pdf]}", "documents entry 1 has both path: and files:"),
    ("- {files: [a.pdf, b.pdf], is_synthetic: maybe}", "documents entry 1 (a.pdf): is_synthetic is 'maybe'"),
])
def test_a_bad_files_entry_is_a_clear_error(tmp_path, entry, says):
    (tmp_path / "sources.yml").write_text(f"documents:\n  {entry}\n", encoding="utf-8")
    with pytest.raises(ManifestError) as err:
        read_manifest(tmp_path / "sources.yml")
    assert says in str(err.value)


# --- the real pairs ------------------------------------------------------------------------------------------

GOLD = gold_by_file() if PDF_DIR.is_dir() else {}
REAL_PAIRS = {  # narrative, tables -> gold facts read right (measured): a floor
    ("jiangsu_sheng_npc-office_2019_ys-narrative.pdf", "jiangsu_sheng_npc-office_2019_ys-tables.pdf"): 20,
    # Beijing's cover title is an image; its office is read from 附件：北京市审计局2026年度部门预算报表
    ("beijing_shi_shenjiju_2026_ys-narrative.pdf", "beijing_shi_shenjiju_2026_ys-tables.pdf"): 19,
}


@pytest.mark.skipif(not GOLD, reason="../shared/gold/real not present")
@pytest.mark.parametrize("files", sorted(REAL_PAIRS))
def test_real_pair_is_one_document_never_wrong(files):
    gold = GOLD[files[0]]
    assert gold["files"] == list(files)
    paths = tuple(PDF_DIR / name for name in files)
    assert pipeline.pair_by_name(paths) == {paths[0]: paths}  # the rule finds them
    doc = pipeline.read_files(paths, [p.read_bytes() for p in paths])
    out = pipeline.with_files(extract(doc), doc)
    result = compare(gold, extracted_facts(out))
    assert result["wrong"] == [], result
    assert len(result["right"]) >= REAL_PAIRS[files], result
    assert out.info.fiscal_year == gold["fiscal_year"] and out.info.doc_kind == "budget"
    printed = [gold["department"], *gold.get("department_as_printed", [])]  # 江苏省人大常委会办公厅 too
    assert out.info.office_name in [name.split(" (")[0] for name in printed]  # "<name> (where it is printed)"
    placed = [t.src for t in out.stated_totals]
    assert {s.file for s in placed} <= set(files)
    revenue = next(t for t in out.stated_totals if t.metric == "revenue_total")
    assert revenue.src.file == files[1] and revenue.src.page is not None  # the table's page, in its file
