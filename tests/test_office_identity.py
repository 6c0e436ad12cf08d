"""Office identity across names and years: office_id is the md5 of the office's canonical name (the seed
office_aliases, else the printed name compared in Simplified characters); `budget-etl offices --suggest` lists
the candidate aliases for a person to accept. The real Jiangsu NPC office of ../shared (skipped without it)."""

from __future__ import annotations

import csv
import hashlib
import shutil

import duckdb
import pytest
from click.testing import CliRunner

from budget_etl.analyst import offices
from budget_etl.cli import main
from budget_etl.extract.identity import DocumentIdentity, PrintedName, document_info, printed_office_names
from budget_etl.ops.pipeline import ingest
from budget_etl.paths import ALIASES_DIR_VAR, ALIASES_FILE, dbt_project_dir
from budget_etl.readers import read_bytes
from budget_etl.readers.normalize import name_key
from national_gold import PDF_DIR


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
    aliases = tmp_path / ALIASES_FILE
    shutil.copyfile(dbt_project_dir() / "aliases" / ALIASES_FILE, aliases)
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


def test_accepting_refuses_an_alias_that_would_chain(tmp_path):
    seed = tmp_path / ALIASES_FILE
    seed.write_text("printed_name,canonical_name,accepted_by,accepted_on,reason\n甲办,乙办,张三,2026-01-01,renamed\n",
                    encoding="utf-8")
    with pytest.raises(ValueError, match="would chain"):
        offices.accept([offices.Alias("乙办", "丙办", "李四", "2026-01-02", "renamed")], seed)
    with pytest.raises(ValueError, match="already an alias of 乙办"):
        offices.accept([offices.Alias("甲办", "丙办", "李四", "2026-01-02", "renamed")], seed)
    offices.accept([offices.Alias("丁办", "乙办", "李四", "2026-01-02", "renamed")], seed)
    assert [a.printed_name for a in offices.read_aliases(seed)] == ["甲办", "丁办"]


def test_the_repository_seed_is_written_as_compared():
    """Names in the seed are Simplified without whitespace: the form the build compares."""
    for alias in offices.read_aliases(dbt_project_dir() / "aliases" / ALIASES_FILE):
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
    old = read_bytes(renamed.read_bytes(), renamed.name)  # the office's name as its title prints it
    from budget_etl.extract import extract
    old_name = extract(old).info.office_name
    new_name = old_name.replace("街道办事处", "街道")
    assert new_name != old_name
    renamed.write_text(text.replace(old_name, new_name), encoding="utf-8")
    warehouse = tmp_path / "wh.duckdb"
    summary = ingest([tmp_path / "docs"], warehouse, progress=False)
    assert (summary.loaded, summary.quarantined) == (4, [])
    folder = tmp_path / "aliases"
    folder.mkdir()
    seed = folder / ALIASES_FILE
    seed.write_text(",".join(offices.ALIAS_COLUMNS) + "\n", encoding="utf-8")
    monkeypatch.setenv(ALIASES_DIR_VAR, str(folder))

    def offices_named() -> list[tuple]:
        assert (result := build(warehouse)).ok, result.describe()
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return con.execute("""
                select o.office_id, o.printed_names, o.canonical_name, list(y.fiscal_year order by y.fiscal_year)
                from marts.dim_office o join marts.mart_office_year y using (office_id)
                where list_has_any(o.printed_names, [$old, $new]) group by all order by 1""",
                               {"old": old_name, "new": new_name}).fetchall()

    assert offices_named() == sorted([(_office_id(old_name), [old_name], old_name, [2021]),
                                      (_office_id(new_name), [new_name], new_name, [2022])])
    with duckdb.connect(str(warehouse), read_only=True) as con:
        candidates = offices.suggest(con, offices.read_aliases(seed))
    assert [(c.printed_name, c.canonical_name, c.reason) for c in candidates] == [
        (old_name, new_name, "name_contained" if new_name in old_name else "same_unit_code")]
    offices.accept([offices.alias_of(candidates[0], "张三")], seed)

    assert offices_named() == [(_office_id(new_name), sorted([old_name, new_name]), new_name, [2021, 2022])]
    with duckdb.connect(str(warehouse), read_only=True) as con:  # the year on year change crosses the rename
        assert con.execute("select count(*) from marts.mart_yoy where office_id = ? and fiscal_year = 2022 "
                           "and prior_amount_yuan is not null", [_office_id(new_name)]).fetchone()[0] > 0
