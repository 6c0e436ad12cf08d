"""Office identity across names and years: office_id is the md5 of the office's canonical name (the seed
office_aliases, else the printed name compared in Simplified characters); `budget-etl offices --suggest` lists
the candidate aliases for a person to accept. The real Jiangsu NPC office of ../shared (skipped without it)."""

from __future__ import annotations

import csv
import hashlib
import shutil
from pathlib import Path

import duckdb
import opencc
import pytest
from click.testing import CliRunner

from budget_etl.analyst import offices
from budget_etl.analyst.report import find_office
from budget_etl.cli import main
from budget_etl.extract import extract
from budget_etl.extract.identity import DocumentIdentity, PrintedName, document_info, printed_office_names
from budget_etl.ops.pipeline import ingest
from budget_etl.paths import aliases_file
from budget_etl.readers import read_bytes
from budget_etl.readers.normalize import name_key
from national_gold import PDF_DIR

ROOT = Path(__file__).resolve().parents[1]


def _office_id(name: str) -> str:
    return "ofc_" + hashlib.md5(name.encode()).hexdigest()[:16]


# --- names compared in Simplified ----------------------------------------------------------------------------


def test_a_traditional_name_is_compared_as_its_simplified_office():
    assert name_key("江蘇省人大常委會辦公廳") == name_key("江苏省人大常委会办公厅") == "江苏省人大常委会办公厅"
    assert name_key("山海关区 西关街道办事处") == "山海关区西关街道办事处"  # whitespace never counts
    traditional = DocumentIdentity("秦皇島市山海關區西關街道辦事處2020年部門預算", "budget", 2020,
                                   "秦皇島市山海關區西關街道辦事處", "department", None, 1, None)
    info = document_info(traditional, read_bytes(b"x\n", "x.txt"))
    assert info.office_name == "秦皇島市山海關區西關街道辦事處"  # stored as printed
    assert info.office_name_simplified == "秦皇岛市山海关区西关街道办事处"  # the key office_id is computed from
    assert (info.adcode, info.district, info.admin_level) == ("130303", "山海关区", "township")  # placed alike


def test_the_names_a_document_prints_for_itself():
    text = "\n".join(["江苏省人大常委会办公厅", "第二部分 省人大办公厅 2017 年度部门预算表",
                      "部门： 江苏省人大常委会办公厅 单位：万元", "单位：万元", "本部门2017年部门预算",
                      "一、2017年度部门预算收入", "江苏省人大常委会办公厅2017年度收入、支出预算总计13649.07万元，与上年相比…"])
    assert printed_office_names(text, ["江苏省人大常委会2019年度部门预算公开.pdf", "x_2019_ys.pdf"]) == [
        PrintedName("省人大办公厅", "line 2"), PrintedName("江苏省人大常委会办公厅", "line 3"),
        PrintedName("江苏省人大常委会", "file name 江苏省人大常委会2019年度部门预算公开.pdf")]


# --- the real Jiangsu NPC office -----------------------------------------------------------------------------

JIANGSU = {  # the files as the province published them (their names print the office too)
    "jiangsu_sheng_npc-office_2017_ys.pdf": "江苏省人大办公厅2017年度预算公开.pdf",
    "jiangsu_sheng_npc-office_2019_ys-narrative.pdf": "江苏省人大常委会2019年度部门预算公开.pdf",
    "jiangsu_sheng_npc-office_2019_ys-tables.pdf": "江苏省人大常委会办公厅2019年部门预算公开表.pdf",
}


@pytest.mark.skipif(not PDF_DIR.is_dir(), reason="../shared/real not present")
def test_the_jiangsu_npc_office_under_two_names_is_one_office_and_suggested(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for shared, published in JIANGSU.items():
        shutil.copyfile(PDF_DIR / shared, docs / published)
    warehouse = tmp_path / "wh.duckdb"
    summary = ingest([docs], warehouse, progress=False)
    assert (summary.loaded, summary.quarantined) == (2, [])  # the 2019 narrative and tables are one document
    aliases = tmp_path / "office_aliases.csv"
    shutil.copyfile(aliases_file(), aliases)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        # today's title names: one office in both years, whatever else the documents print
        assert con.execute("select distinct office_name, office_name_simplified from raw.documents").fetchall() == [
            ("江苏省人大常委会办公厅", "江苏省人大常委会办公厅")]
        candidates = offices.suggest(con, offices.read_aliases(aliases))
    by_name = {c.printed_name: c for c in candidates}
    assert set(by_name) == {"江苏省人大办公厅", "江苏省人大常委会"}
    short = by_name["江苏省人大办公厅"]  # 省人大办公厅 in the 2017 headings, 江苏省人大办公厅 in its file's name
    assert (short.canonical_name, short.reason) == ("江苏省人大常委会办公厅", "same_document")
    assert "江苏省人大常委会办公厅 (title) and 省人大办公厅 (→ 江苏省人大办公厅) (line 17)" in short.evidence
    assert f"江苏省人大常委会办公厅 (title) and 江苏省人大办公厅 (file name {JIANGSU[next(iter(JIANGSU))]})" \
        in short.evidence
    assert short.documents == ("2017 budget 江苏省人大办公厅2017年度预算公开.pdf",)
    pair = by_name["江苏省人大常委会"]  # the narrative file's name, the tables file's 部门： line and title
    assert pair.documents == ("2019 budget 江苏省人大常委会2019年度部门预算公开.pdf + "
                              "江苏省人大常委会办公厅2019年部门预算公开表.pdf",)

    # accepting it (the command line, into the seed file given) leaves nothing more to suggest about it
    number = candidates.index(short) + 1
    result = CliRunner().invoke(main, ["offices", "--suggest", "--warehouse", str(warehouse), "--aliases",
                                       str(aliases), "--accept", str(number), "--by", "张三"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(aliases.open(encoding="utf-8")))
    assert [(r["printed_name"], r["canonical_name"], r["accepted_by"]) for r in rows] == [
        ("江苏省人大办公厅", "江苏省人大常委会办公厅", "张三")]
    assert rows[0]["reason"].startswith("same_document: ")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert [c.printed_name for c in offices.suggest(con, offices.read_aliases(aliases))] == ["江苏省人大常委会"]


def _documents(rows: list[tuple]) -> duckdb.DuckDBPyConnection:
    """The columns of raw.documents that suggest reads, a row per (id, name, year, unit code, adcode, province)."""
    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute("create table raw.document_files (document_id varchar, file_order int, file_name varchar)")
    con.execute("""create table raw.documents (document_id varchar, office_name varchar, fiscal_year int,
                   unit_code varchar, adcode varchar, province varchar, district varchar)""")
    con.executemany("insert into raw.documents values (?, ?, ?, ?, ?, ?, null)", rows)
    con.execute("""create or replace table raw.documents as select *, 'budget' as doc_kind, null as city,
                   document_id || '.txt' as file_name, office_name as normalized_text, now() as loaded_at
                   from raw.documents""")
    return con


def test_candidates_by_unit_code_and_by_a_name_inside_another_in_one_division():
    con = _documents([
        ("a", "上海市普陀区万里街道办事处", 2023, None, "310107", "上海市"),
        ("b", "普陀区万里街道", 2024, None, "310107", "上海市"),  # inside the other, same division: renamed
        ("c", "普陀区万里街道", 2024, None, "330903", "浙江省"),  # the same words in another division: not
        ("d", "某某区审计局", 2022, "611002", None, "河北省"),
        ("e", "某某区审计服务中心", 2023, "611002", None, "河北省"),  # the same unit code in one province
        ("f", "另一区审计局", 2023, "611002", None, "福建省"),  # the same code elsewhere: another office
        ("g", "普陀区萬里街道", 2022, None, "310107", "上海市"),  # Traditional: already the office of b
    ])
    candidates = offices.suggest(con)
    assert [(c.printed_name, c.canonical_name, c.reason, c.documents) for c in candidates] == [
        ("某某区审计局", "某某区审计服务中心", "same_unit_code", ("2022 budget d.txt", "2023 budget e.txt")),
        ("上海市普陀区万里街道办事处", "普陀区万里街道", "name_contained", ("2024 budget b.txt", "2023 budget a.txt")),
    ]
    # once accepted, neither is suggested again
    accepted = [offices.alias_of(c, "张三") for c in candidates]
    assert offices.suggest(con, accepted) == []


def test_accepting_refuses_an_alias_that_would_chain(tmp_path):
    seed = tmp_path / "office_aliases.csv"
    seed.write_text("printed_name,canonical_name,accepted_by,accepted_on,reason\n甲办,乙办,张三,2026-01-01,renamed\n",
                    encoding="utf-8")
    with pytest.raises(ValueError, match="would chain"):
        offices.accept([offices.Alias("乙办", "丙办", "李四", "2026-01-02", "renamed")], seed)
    with pytest.raises(ValueError, match="already an alias of 乙办"):
        offices.accept([offices.Alias("甲办", "丙办", "李四", "2026-01-02", "renamed")], seed)
    offices.accept([offices.Alias("丁办", "乙办", "李四", "2026-01-02", "renamed")], seed)
    assert [a.printed_name for a in offices.read_aliases(seed)] == ["甲办", "丁办"]


def test_the_repository_seed_is_written_as_compared():
    """The seed has the columns accept writes; its names are Simplified without whitespace (as compared)."""
    with aliases_file().open(encoding="utf-8") as f:
        assert tuple(next(csv.reader(f))) == offices.ALIAS_COLUMNS
    for alias in offices.read_aliases(aliases_file()):
        assert name_key(alias.printed_name) == alias.printed_name and alias.accepted_by and alias.reason
        assert name_key(alias.canonical_name) == alias.canonical_name


# --- a renamed office keeps its office_id once the alias is accepted ------------------------------------------


@pytest.mark.slow
def test_a_renamed_office_keeps_one_office_id_once_its_alias_is_accepted(tmp_path, monkeypatch):
    from budget_etl.synth import generate_corpus
    from budget_etl.transform import build

    generate_corpus(tmp_path / "docs", offices=2, years=[2021, 2022], seed=5)
    files = sorted((tmp_path / "docs").glob("*/*_2022_budget.txt"))
    renamed = files[0]
    text = renamed.read_text(encoding="utf-8")
    old_name = extract(read_bytes(renamed.read_bytes(), renamed.name)).info.office_name  # as its title prints it
    new_name = old_name.replace("街道办事处", "街道")
    assert new_name != old_name
    renamed.write_text(text.replace(old_name, new_name), encoding="utf-8")
    warehouse = tmp_path / "wh.duckdb"
    summary = ingest([tmp_path / "docs"], warehouse, progress=False)
    assert (summary.loaded, summary.quarantined) == (4, [])
    # the build of a copy of the dbt project, whose seed the test may edit
    for part in ("dbt_project", "models"):
        shutil.copytree(ROOT / part, tmp_path / "repo" / part, ignore=shutil.ignore_patterns("target", "logs"))
    monkeypatch.setenv("BUDGET_ETL_HOME", str(tmp_path / "repo"))
    seed = aliases_file()
    assert seed.is_relative_to(tmp_path) and offices.read_aliases(seed) == []

    def offices_named() -> list[tuple]:
        assert (result := build(warehouse)).ok, result.describe()
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return con.execute("""
                select o.office_id, o.canonical_name,
                       (select list(distinct n.office_name order by n.office_name) from marts.dim_office_name n
                        where n.office_id = o.office_id) as names,
                       list(y.fiscal_year order by y.fiscal_year) as years
                from marts.dim_office o join marts.mart_office_year y using (office_id)
                where o.office_id in (select office_id from marts.dim_office_name where office_name in ($old, $new))
                group by all order by 1""",
                               {"old": old_name, "new": new_name}).fetchall()

    assert offices_named() == sorted([(_office_id(old_name), old_name, [old_name], [2021]),
                                      (_office_id(new_name), new_name, [new_name], [2022])])
    with duckdb.connect(str(warehouse), read_only=True) as con:
        candidates = offices.suggest(con, offices.read_aliases(seed))
    assert [(c.printed_name, c.canonical_name, c.reason) for c in candidates] == [
        (old_name, new_name, "same_unit_code")]  # a fictional division has no adcode: no name_contained
    offices.accept([offices.alias_of(candidates[0], "张三")], seed)

    assert offices_named() == [(_office_id(new_name), new_name, sorted([old_name, new_name]), [2021, 2022])]
    with duckdb.connect(str(warehouse), read_only=True) as con:  # the year on year change crosses the rename
        assert con.execute("select count(*) from marts.mart_yoy where office_id = ? and fiscal_year = 2022 "
                           "and prior_amount_yuan is not null", [_office_id(new_name)]).fetchone()[0] > 0
        # the report finds it by its former name and by a Traditional spelling of its name
        traditional = opencc.OpenCC("s2t").convert(new_name)
        assert traditional != new_name
        assert {find_office(con, name)["office_id"] for name in (old_name, traditional)} == {_office_id(new_name)}
