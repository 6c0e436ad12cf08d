"""docs/data_dictionary.md is generated from the dbt yml and kept in sync; it covers every mart column."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from budget_etl.analyst import dictionary
from budget_etl.cli import main
from budget_etl.paths import project_root

from analyst_support import rows


def test_the_committed_dictionary_is_in_sync_with_the_dbt_yml():
    committed = (project_root() / dictionary.DICTIONARY).read_text(encoding="utf-8")
    assert committed == dictionary.render(), "docs/data_dictionary.md is stale: run `budget-etl dictionary`"


def test_descriptions_split_into_chinese_and_english():
    assert dictionary.split_description("金额（元） / Amount in yuan") == ("金额（元）", "Amount in yuan")
    assert dictionary.split_description(
        "文件类型：budget 部门预算 / final_accounts 部门决算 / Kind of disclosure - budget or final_accounts"
    ) == ("文件类型：budget 部门预算 / final_accounts 部门决算", "Kind of disclosure - budget or final_accounts")
    assert dictionary.split_description("严重程度：error / warning / info / Severity") == (
        "严重程度：error / warning / info", "Severity")
    assert dictionary.split_description("文件字节的 sha256 / sha256 of the file's bytes")[1] == \
        "sha256 of the file's bytes"
    with pytest.raises(ValueError):
        dictionary.split_description("English only")
    for model in dictionary.load():
        assert dictionary.split_description(model.description)
        labels = dictionary.zh_labels({c.name: c.description for c in model.columns})
        assert len(set(labels.values())) == len(labels), model.name
        assert all("（" not in label or label.count("（") == label.count("）") for label in labels.values())


def test_chinese_column_names():
    assert dictionary.zh_label("单位编码（如 611002），文件未载明时为空 / Budget unit code") == "单位编码"
    assert dictionary.zh_label("文件自述比上年增减（元，增加为正） / Change") == "文件自述比上年增减（元）"
    assert dictionary.zh_label("部门键（dim_office） / Office key (dim_office)") == "部门键"
    [mart_yoy] = [m for m in dictionary.load() if m.name == "mart_yoy"]
    labels = dictionary.zh_labels({c.name: c.description for c in mart_yoy.columns})
    assert (labels["change_yuan"], labels["change_rate"], labels["prior_source"], labels["prior_source_zh"]) == (
        "增减额（元）", "增减率", "上年数来源代码", "上年数来源")
    [fct_project] = [m for m in dictionary.load() if m.name == "fct_project"]
    labels = dictionary.zh_labels({c.name: c.description for c in fct_project.columns})
    assert (labels["src_line"], labels["src_row"]) == ("出处：规范化文本的行号（从1起）", "出处：表格行")


@pytest.mark.slow
def test_the_dictionary_covers_every_column_of_the_built_marts(bundled_warehouse):
    warehouse = bundled_warehouse
    built = rows(warehouse, """select table_name, column_name, data_type from duckdb_columns()
                               where schema_name = 'marts' order by table_name, column_index""")
    documented = {(m.name, c.name): c.data_type for m in dictionary.load() for c in m.columns}
    assert {(r["table_name"], r["column_name"]) for r in built} == set(documented)
    text = (project_root() / dictionary.DICTIONARY).read_text(encoding="utf-8")
    for r in built:
        assert f"| `{r['column_name']}`" in text.split(f"## {r['table_name']}\n")[1].split("\n## ")[0]
        assert documented[(r["table_name"], r["column_name"])].upper().replace(" ", "") == r["data_type"]


def test_dictionary_cli_writes_and_checks(tmp_path):
    runner = CliRunner()
    out = tmp_path / "dd.md"
    stale = runner.invoke(main, ["dictionary", "--check", "--out", str(out)])
    assert stale.exit_code == 1 and "out of date" in stale.output
    written = runner.invoke(main, ["dictionary", "--out", str(out)])
    assert written.exit_code == 0 and out.read_text(encoding="utf-8") == dictionary.render()
    assert runner.invoke(main, ["dictionary", "--check", "--out", str(out)]).exit_code == 0
