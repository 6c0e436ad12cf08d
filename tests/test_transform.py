"""The dbt project on the real Xiguan 2020 warehouse: mart values against the gold figures, the analyst
contract (enforced contracts, Chinese/English comments on every column) and the warning path for slips.

dbt runs are slow, so each warehouse is built once per module.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from decimal import Decimal

import duckdb
import pytest
import yaml

from budget_etl.ops.pipeline import ingest
from budget_etl.paths import dbt_project_dir
from budget_etl.transform import build, docs

from conftest import ROOT, SEED

pytestmark = pytest.mark.slow

D = Decimal

# The marts analysts write SQL against, and the columns each must have (more are allowed).
CONTRACT = {
    "dim_office": ["office_id", "office_name", "unit_code", "district", "city", "province", "adcode", "admin_level",
                   "office_type", "office_type_zh", "canonical_name"],
    "dim_office_name": ["office_id", "fiscal_year", "office_name", "document_count"],
    "fct_source_line": ["document_id", "office_id", "fiscal_year", "line_number", "page", "line_text"],
    "dim_document": ["document_id", "office_id", "fiscal_year", "doc_kind", "source_path", "sha256",
                     "loaded_at", "is_synthetic", "scope"],
    "fct_revenue": ["document_id", "office_id", "fiscal_year", "doc_kind", "revenue_source", "amount_yuan"],
    "fct_expenditure": ["document_id", "office_id", "fiscal_year", "doc_kind", "expenditure_class", "expenditure_type",
                        "amount_yuan"],
    "fct_expenditure_by_function": ["document_id", "office_id", "fiscal_year", "fund_scope", "function_code",
                                    "level", "name_zh", "total_yuan", "basic_yuan", "project_yuan", "class_code",
                                    "class_name_zh", "section_code", "section_name_zh", "item_code",
                                    "item_name_zh", "is_listed_code"],
    "fct_expenditure_by_economic": ["document_id", "office_id", "fiscal_year", "fund_scope", "scheme",
                                    "economic_code", "name_zh", "amount_yuan", "class_code", "class_name_zh",
                                    "item_code", "item_name_zh", "is_listed_code"],
    "fct_operating_expense": ["document_id", "office_id", "fiscal_year", "doc_kind", "item_name_zh", "item_code",
                              "amount_yuan"],
    "fct_three_public_cost": ["document_id", "office_id", "fiscal_year", "doc_kind", "category", "amount_yuan",
                              "change_yuan", "prior_year_amount_yuan", "change_reason_zh"],
    "fct_project": ["document_id", "office_id", "fiscal_year", "project_code", "project_name_zh",
                    "budget_yuan", "fiscal_funds_yuan", "other_funds_yuan", "spend_plan_share_m03",
                    "spend_plan_share_m06", "spend_plan_share_m10", "spend_plan_share_m12"],
    "fct_project_indicator": ["document_id", "project_code", "level1_zh", "level2_zh", "level3_zh",
                              "description_zh", "target_raw", "target_operator", "target_value",
                              "target_unit", "basis_zh"],
    "fct_asset": ["document_id", "office_id", "as_of_date", "asset_class_zh", "unit_zh", "quantity",
                  "value_yuan"],
    "fct_section": ["document_id", "office_id", "fiscal_year", "doc_kind", "section_key", "status", "title_zh",
                    "note_zh"],
    "fct_procurement": ["document_id", "office_id", "fiscal_year", "item_no", "project_name_zh", "item_name_zh",
                        "catalog_no", "unit_zh", "quantity", "unit_price_yuan", "amount_yuan"],
    "fct_duty": ["document_id", "office_id", "fiscal_year", "duty_no", "duty_name_zh", "responsibility_zh",
                 "duty_targets_zh", "performance_goal_zh", "performance_indicators_zh", "performance_standard_zh",
                 "grade_excellent_rate", "grade_good_rate", "grade_fair_rate", "grade_poor_rate"],
    "fct_glossary_term": ["document_id", "office_id", "fiscal_year", "term_no", "term_zh", "definition_zh"],
    "fct_stated_count": ["document_id", "office_id", "fiscal_year", "doc_kind", "scope", "metric", "count",
                         "threshold_yuan", "label_zh", "src_file", "src_page", "src_line"],
    "fct_stated_total": ["document_id", "office_id", "fiscal_year", "doc_kind", "scope", "metric", "measure",
                         "is_main_measure", "amount_yuan", "label_zh", "src_file", "src_page", "src_line"],
    "fct_table_figure": ["document_id", "office_id", "fiscal_year", "doc_kind", "scope", "table_kind", "fund_scope",
                         "row_key", "column_key", "amount_yuan", "measure", "is_main_measure", "label_zh",
                         "src_file", "src_page", "src_line"],
    "mart_office_year": ["office_id", "fiscal_year", "doc_kind", "total_revenue_yuan",
                         "total_expenditure_yuan", "basic_yuan", "personnel_yuan", "public_operating_yuan",
                         "project_yuan", "operating_expense_yuan", "three_public_yuan", "project_count",
                         "indicator_count", "fixed_assets_yuan", "personnel_share_of_basic",
                         "project_share_of_total", "three_public_per_10k_yuan"],
    "mart_yoy": ["office_id", "fiscal_year", "metric", "amount_yuan", "prior_amount_yuan", "change_yuan",
                 "change_rate", "prior_source", "stated_matches_prior_document"],
    "mart_office_comparison": ["office_id", "fiscal_year", "metric", "amount_yuan", "peer_group_type",
                               "peer_group", "peer_office_type", "peer_count", "rank_in_peer",
                               "share_of_peer_total",
                               "peer_median_yuan", "ratio_to_peer_median"],
    "mart_budget_execution": ["office_id", "fiscal_year", "metric", "budget_yuan", "final_yuan", "difference_yuan",
                              "execution_rate", "budget_source", "budget_sources_differ", "final_document_id"],
    "dq_check_results": ["document_id", "check_name", "severity", "expected", "actual", "difference",
                         "status", "rule_id", "rule_title_zh"],
    "dq_findings": ["document_id", "office_id", "fiscal_year", "doc_kind", "file_name", "rule_id", "check_name",
                    "rule_title_zh", "severity", "expected", "actual", "difference", "detail", "suggestion_zh"],
}
MONEY_COLUMNS = {
    "amount_yuan", "total_revenue_yuan", "total_expenditure_yuan", "basic_yuan", "personnel_yuan",
    "public_operating_yuan", "project_yuan", "operating_expense_yuan", "three_public_yuan",
    "fixed_assets_yuan", "budget_yuan", "fiscal_funds_yuan", "other_funds_yuan", "value_yuan",
    "change_yuan", "prior_amount_yuan", "prior_year_amount_yuan", "peer_median_yuan", "unit_price_yuan",
    "total_yuan", "final_yuan", "difference_yuan", "budget_document_yuan", "printed_budget_yuan",
    "adjusted_budget_yuan", "performance_funds_yuan", "equipment_threshold_yuan", "threshold_yuan",
}


def rows(warehouse, sql: str) -> list[dict]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@pytest.fixture(scope="module")
def xiguan(tmp_path_factory):
    """The real pipeline's warehouse of the Xiguan 2020 budget, built by dbt."""
    warehouse = tmp_path_factory.mktemp("transform") / "budget.duckdb"
    summary = ingest([SEED], warehouse, progress=False)
    assert summary.loaded == 1
    return warehouse, build(warehouse)


@pytest.fixture(scope="module")
def with_slips(xiguan, tmp_path_factory):
    """The same warehouse with three slips a real document could contain: an operating expense item that
    does not add up, an item name the seed does not know, and a function and an economic class code
    (synthetic: 类 299 and 300 do not exist) the national code lists (seeds) do not have."""
    warehouse = tmp_path_factory.mktemp("slips") / "budget.duckdb"
    shutil.copyfile(xiguan[0], warehouse)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update raw.operating_expenses set amount_yuan = amount_yuan + 1 where item_no = 1")
        con.execute("update raw.operating_expenses set item_name_zh = '某某专项费' where item_no = 2")
        con.execute("""insert into raw.function_expenditure (document_id, function_code, level, name_zh, total_yuan,
                       fund_scope) select document_id, '2999901', 'item', '某某支出', 1.00, 'general_public_budget'
                       from raw.documents""")
        con.execute("""insert into raw.economic_expenditure (document_id, economic_code, scheme, name_zh, amount_yuan,
                       fund_scope) select document_id, '30097', 'department', '某某费', 1.00, 'general_public_budget'
                       from raw.documents""")
    return warehouse, build(warehouse)


def test_build_has_no_errors_and_no_warnings_on_xiguan(xiguan):
    _, result = xiguan
    assert result.errored == 0 and result.skipped == 0, result.describe()
    assert result.warned == 0, result.describe()  # Xiguan's arithmetic holds
    assert result.ok and result.passed > 100


def test_office_year_matches_gold(xiguan):
    warehouse, _ = xiguan
    [row] = rows(warehouse, "select * from marts.mart_office_year")
    assert {k: row[k] for k in [
        "fiscal_year", "doc_kind", "total_revenue_yuan", "total_expenditure_yuan", "basic_yuan",
        "personnel_yuan", "public_operating_yuan", "project_yuan", "operating_expense_yuan",
        "three_public_yuan", "project_count", "indicator_count", "fixed_assets_yuan",
    ]} == {
        "fiscal_year": 2020, "doc_kind": "budget",
        "total_revenue_yuan": D("3566894.19"), "total_expenditure_yuan": D("3566894.19"),
        "basic_yuan": D("1638414.19"), "personnel_yuan": D("1491138.28"),
        "public_operating_yuan": D("147275.91"), "project_yuan": D("1928480.00"),
        "operating_expense_yuan": D("147275.91"), "three_public_yuan": D("10493.50"),
        "project_count": 9, "indicator_count": 36, "fixed_assets_yuan": D("671148.20"),
    }
    assert row["personnel_share_of_basic"] == D("0.910111")  # 1491138.28 / 1638414.19
    assert row["project_share_of_total"] == D("0.540661")  # 1928480.00 / 3566894.19
    assert row["three_public_per_10k_yuan"] == D("29.4192")  # 10493.50 * 10000 / 3566894.19


def test_yoy_matches_the_stated_changes(xiguan):
    warehouse, _ = xiguan
    yoy = {r["metric"]: r for r in rows(warehouse, "select * from marts.mart_yoy")}
    expected = {
        "total_expenditure": ("3566894.19", "3293668.57", "273225.62"),
        "basic": ("1638414.19", "1417798.57", "220615.62"),
        "project": ("1928480.00", "1875870.00", "52610.00"),
        "three_public": ("10493.50", "11452.00", "-958.50"),
        "overseas_travel": ("0.00", "0.00", "0.00"),
        "vehicle_purchase": ("0.00", "0.00", "0.00"),
        "vehicle_operation": ("10000.00", "11000.00", "-1000.00"),
        "official_reception": ("493.50", "452.00", "41.50"),
    }
    assert {m: (r["amount_yuan"], r["prior_amount_yuan"], r["change_yuan"]) for m, r in yoy.items()} == {
        m: tuple(map(D, v)) for m, v in expected.items()
    }
    # one document, no 2019 document: every prior is the stated one
    assert {r["prior_source"] for r in yoy.values()} == {"stated"}
    assert all(r["stated_matches_prior_document"] is None for r in yoy.values())
    assert yoy["three_public"]["change_rate"] == D("-0.083697")  # a fraction: -958.50 / 11452.00
    assert yoy["overseas_travel"]["change_rate"] is None  # zero prior year: null, never infinity


def test_facts_match_gold(xiguan, gold):
    warehouse, _ = xiguan
    items = rows(warehouse, "select * from marts.fct_operating_expense order by item_no")
    assert [(r["item_name_zh"], r["amount_yuan"]) for r in items] == [
        (name, D(value)) for name, value in gold["operating_expense_items"]
    ]
    codes = [r["item_code"] for r in items]
    assert "other" not in codes and len(set(codes)) == 18
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", c) for c in codes)
    assert codes[:2] == ["office_printing", "postal_telecom"]

    projects = rows(warehouse, "select * from marts.fct_project order by project_no")
    assert [(p["project_code"], p["budget_yuan"], p["other_funds_yuan"]) for p in projects] == [
        (p["code"], D(p["budget"]), None) for p in gold["projects"]
    ]
    three_public = {r["category"]: r for r in rows(warehouse, "select * from marts.fct_three_public_cost")}
    assert three_public["vehicle_operation"]["prior_year_amount_yuan"] == D("11000.00")
    assert three_public["official_reception"]["change_reason_zh"] == "定额增加"

    [office] = rows(warehouse, "select * from marts.dim_office")
    assert re.fullmatch(r"ofc_[0-9a-f]{16}", office["office_id"])
    assert (office["office_name"], office["unit_code"], office["district"], office["city"], office["province"],
            office["adcode"], office["admin_level"], office["office_type"]) == (
        "山海关区西关街道办事处", "611002", "山海关区", "秦皇岛市", "河北省", "130303", "township", "street_office")

    [checks] = rows(warehouse, """
        select count(*) as n, count(*) filter (where status = 'pass') as passed,
            count(*) filter (where status = 'not_applicable' and (check_name like 'chain.%'
                or check_name in ('identity.revenue_balance', 'identity.expenditure_balance',
                                  'completeness.empty_fund_tables', 'identity.row_total_parts'))) as table_rules
        from marts.dq_check_results""")
    [raw] = rows(warehouse, "select count(*) as n from raw.validation_results")
    # every check passes but the 9 table rules, which cannot apply to the notes form (no national tables), and
    # text.share, change.rate and text.zero_total (Xiguan states no share, no rate and no 收入支出总计)
    assert checks["n"] == raw["n"] > 0 and checks["passed"] + checks["table_rules"] + 3 == checks["n"]
    assert checks["table_rules"] == 9
    assert rows(warehouse, "select check_name, status from marts.dq_check_results where status <> 'pass' "
                           "and check_name not like 'chain.%' and check_name not like 'identity.%_balance' "
                           "and check_name not in ('completeness.empty_fund_tables', 'identity.row_total_parts') "
                           "order by check_name") == [
        {"check_name": name, "status": "not_applicable"} for name in ("change.rate", "text.share", "text.zero_total")]


def test_every_mart_has_its_contract_and_bilingual_comments(xiguan):
    warehouse, _ = xiguan
    manifest = json.loads((dbt_project_dir() / "target" / "manifest.json").read_text(encoding="utf-8"))
    marts = {n["name"]: n for n in manifest["nodes"].values()
             if n["resource_type"] == "model" and n["schema"] == "marts"}
    assert set(marts) == set(CONTRACT)
    for name, node in marts.items():
        assert node["config"]["contract"]["enforced"], name
        assert all(c.get("data_type") for c in node["columns"].values()), name

    tables = {r["table_name"]: r["comment"] for r in rows(
        warehouse, "select table_name, comment from duckdb_tables() where schema_name = 'marts'")}
    assert set(tables) == set(CONTRACT)
    columns = rows(warehouse, """
        select table_name, column_name, data_type, comment from duckdb_columns()
        where schema_name = 'marts' order by table_name, column_index""")
    for name, required in CONTRACT.items():
        have = [c["column_name"] for c in columns if c["table_name"] == name]
        assert [c for c in have if c in required] == required, name  # all there, in the contract's order
        if "src_line" in have:  # a mart of facts traces each to its file and place, all of it
            assert [c for c in have if c.startswith("src_")] == [
                "src_file", "src_page", "src_line", "src_table", "src_row", "src_col"], name
    bilingual = re.compile(r"[\u4e00-\u9fff].* / .*[A-Za-z]", re.S)
    for comment in [*tables.values(), *(c["comment"] for c in columns)]:
        assert comment and bilingual.search(comment), comment
    money = {(c["table_name"], c["column_name"]): c["data_type"] for c in columns
             if c["column_name"] in MONEY_COLUMNS}
    assert money and set(money.values()) == {"DECIMAL(18,2)"}


def test_slips_warn_and_never_error(with_slips):
    warehouse, result = with_slips
    assert result.errored == 0 and result.skipped == 0, result.describe()
    assert result.ok
    warned = {node.unique_id.split(".")[2] for node in result.warnings}
    assert "assert_identity_operating_expense_total" in warned
    assert "fct_operating_expense_item_code_mapped" in warned
    [row] = rows(warehouse, "select item_code from marts.fct_operating_expense where item_no = 2")
    assert row["item_code"] == "other"


def test_unlisted_class_codes_are_kept_and_warned(with_slips):
    warehouse, result = with_slips
    warned = {n.unique_id.split(".")[2]: n.failures for n in result.warnings}
    assert warned["fct_expenditure_by_function_code_is_listed"] == 1
    assert warned["fct_expenditure_by_economic_code_is_listed"] == 1
    [row] = rows(warehouse, """select function_code, class_code, class_name_zh, section_code, item_code, item_name_zh,
                                      is_listed_code, total_yuan from marts.fct_expenditure_by_function""")
    assert row == {"function_code": "2999901", "class_code": "299", "class_name_zh": None, "section_code": "29999",
                   "item_code": "2999901", "item_name_zh": None, "is_listed_code": False,
                   "total_yuan": Decimal("1.00")}
    [economic] = rows(warehouse, """select economic_code, class_code, class_name_zh, item_code, is_listed_code
                                    from marts.fct_expenditure_by_economic""")
    assert economic == {"economic_code": "30097", "class_code": "300", "class_name_zh": None, "item_code": "30097",
                        "is_listed_code": False}


def test_acknowledgements_elsewhere_are_read_and_never_written(xiguan, tmp_path, monkeypatch):
    # a reviewers' folder named by an absolute path: dbt loads the seed from a copy (it writes each seed it
    # loads under target/ joined with the seed path, which was the reviewers' own file)
    warehouse = tmp_path / "budget.duckdb"
    shutil.copyfile(xiguan[0], warehouse)
    folder = tmp_path / "reviewers"
    folder.mkdir()
    accepted = folder / "finding_acknowledgements.csv"
    content = ("document_id,check_name,reviewer,reason_zh,acknowledged_on\n"
               f"{'d' * 64},identity.revenue_total,王审核,已核实：印刷错误已更正,2026-11-30\n").encode()
    accepted.write_bytes(content)
    monkeypatch.setenv("BUDGET_ETL_ACKNOWLEDGEMENTS_DIR", str(folder))
    result = build(warehouse, select="finding_acknowledgements", work_dir=tmp_path / "dbt")
    assert result.ok and result.passed >= 1
    assert accepted.read_bytes() == content  # untouched
    assert rows(warehouse, "select reviewer, reason_zh from staging.finding_acknowledgements") == [
        {"reviewer": "王审核", "reason_zh": "已核实：印刷错误已更正"}]


def _dbt_outputs_in_checkout() -> dict[str, int]:
    """Every file dbt may write in the checkout (dbt_project/target, dbt_project/logs) and its mtime."""
    project = dbt_project_dir()
    return {str(path): path.stat().st_mtime_ns for folder in ("target", "logs")
            for path in (project / folder).rglob("*") if path.is_file()}


def test_docs_writes_one_static_page(xiguan, tmp_path):
    warehouse, _ = xiguan
    before = _dbt_outputs_in_checkout()
    page = docs(warehouse, tmp_path / "docs")
    assert page == tmp_path / "docs" / "index.html"
    assert _dbt_outputs_in_checkout() == before  # docs writes only into --out
    assert [p.name for p in (tmp_path / "docs").iterdir()] == ["index.html"]
    html = page.read_text(encoding="utf-8")
    # the manifest and catalog are inlined as JSON, Chinese as \u escapes
    assert "mart_office_year" in html and json.dumps("部门年度汇总")[1:-1] in html
    assert "DECIMAL(18,2)" in html  # the catalog (column types read from the warehouse) is there too


@pytest.fixture(scope="module")
def slipped(tmp_path_factory):
    """Two documents whose identities break in several ways, loaded with their validation rows, and the
    staging models and identity tests built: the dbt identity tests (generated from catalog/identities.py)
    must find what the Python checks find."""
    from budget_etl import validate
    from budget_etl.load import warehouse as wh
    from budget_etl.readers.blocks import ReadDocument

    from conftest import gold_facts

    in_yuan = gold_facts()  # stated in 元: exact to the fen
    in_yuan.revenue[0].amount_yuan += D("0.01")
    in_yuan.operating_expenses[0].amount_yuan += 1
    in_yuan.projects[1].fiscal_funds_yuan += 1  # one project's funds no longer add up to its budget
    in_yuan.three_public_costs[0].change_yuan += 1
    personnel = next(e for e in in_yuan.expenditure if e.expenditure_type == "personnel")
    personnel.amount_yuan += 1  # basic_total fails; expenditure_total keeps the stated basic total
    in_wan_yuan = gold_facts()  # stated in 万元: 50 yuan of rounding per printed figure
    in_wan_yuan.info.currency_unit = "万元"
    in_wan_yuan.info.fiscal_year += 1
    in_wan_yuan.revenue[0].amount_yuan += 100  # 4 lines + total: within 250
    in_wan_yuan.operating_expenses[0].amount_yuan += 1000  # 18 items + total: beyond 950
    path = tmp_path_factory.mktemp("identities") / "budget.duckdb"
    read_doc = ReadDocument(blocks=[], text="text", encoding="utf-8", source_format="txt")
    staged, python_failures = [], {}
    for facts, data in ((in_yuan, b"in yuan"), (in_wan_yuan, b"in wan yuan")):
        row = wh.document_row(facts, read_doc, data=data, source_path=f"{data.decode()}.txt")
        result = validate.validate_document(facts, row)
        assert result.blocking == []
        staged.append(wh.StagedDocument(row, facts, result.rows))
        for check in result.rows:
            if check["check_kind"] == "identity" and check["status"] == "fail":
                name = check["check_name"].removeprefix("identity.")
                python_failures[name] = python_failures.get(name, 0) + 1
    con = wh.connect(path)
    wh.load_batch(con, staged)
    con.close()
    return python_failures, build(path, select=["staging", "assert_identity_*"])


def test_dbt_identity_tests_find_what_validation_finds(slipped):
    python_failures, result = slipped
    assert result.errored == 0 and result.skipped == 0, result.describe()
    assert python_failures == {"revenue_total": 1, "operating_expense_total": 2, "project_funding": 1,
                               "three_public_change": 1, "basic_total": 1}
    warned = {node.unique_id.split(".")[2].removeprefix("assert_identity_"): node.failures
              for node in result.warnings}
    assert warned == python_failures


def test_unit_tests_run_with_the_code_and_are_left_out_of_a_publishing_build(xiguan, tmp_path):
    # every unit test of the project ran in the full build; a build with unit_tests=False (what nightly and
    # run publish with) runs the same models and data tests and none of them
    declared = [test for path in ROOT.glob("models/**/*.yml")
                for test in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("unit_tests", [])]
    assert len(declared) >= 10 and xiguan[1].nodes["unit_test"] == len(declared)
    warehouse = tmp_path / "budget.duckdb"
    shutil.copyfile(xiguan[0], warehouse)
    of_yoy = sum(test["model"] == "mart_yoy" for test in declared)
    with_them = build(warehouse, select="mart_yoy", work_dir=tmp_path / "dbt")
    without = build(warehouse, select="mart_yoy", work_dir=tmp_path / "dbt", unit_tests=False)
    assert with_them.ok and without.ok and of_yoy == 2
    assert with_them.nodes["unit_test"] == of_yoy and without.nodes["unit_test"] == 0
    assert without.nodes == with_them.nodes - Counter(unit_test=of_yoy)


def test_a_broken_invariant_fails_its_model_and_names_the_column(xiguan, tmp_path):
    # the marts' invariants are enforced constraints (models/marts/_marts.yml), not data tests: a row that breaks
    # one fails its model's build, which fails the build (nothing is published), and the error names the column
    warehouse = tmp_path / "budget.duckdb"
    shutil.copyfile(xiguan[0], warehouse)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("alter table raw.revenue alter column revenue_source drop not null")  # a loader's bug
        con.execute("update raw.revenue set revenue_source = null where revenue_source = 'general_public_budget'")
        con.execute("update raw.sections set status = 'lost' where section_key = 'duties'")
        con.execute("update raw.expenditure set expenditure_type = 'personnel' where expenditure_class = 'project'")
    result = build(warehouse, select=["fct_revenue+", "fct_section+", "fct_expenditure+"], work_dir=tmp_path / "dbt",
                   unit_tests=False)
    assert not result.ok
    failed = {node.unique_id.removeprefix("model.budget_etl."): node.message for node in result.failing
              if node.status == "error"}
    assert set(failed) == {"fct_revenue", "fct_section", "fct_expenditure"}, result.describe()
    assert re.search(r"NOT NULL constraint failed: fct_revenue\S*\.revenue_source", failed["fct_revenue"])
    assert "CHECK constraint failed" in failed["fct_section"]
    assert "status IN ('present', 'declared_empty', 'missing')" in failed["fct_section"]
    assert "(expenditure_class = 'project') = (expenditure_type = 'project')" in failed["fct_expenditure"]
    assert result.skipped > 0  # what reads them is not built on them


def test_a_code_without_a_chinese_name_is_reported_with_its_label_column(xiguan, tmp_path):
    # names_every_code is declared once per mart with all its label columns; its rows say which column and code
    warehouse = tmp_path / "budget.duckdb"
    shutil.copyfile(xiguan[0], warehouse)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("delete from staging.code_labels where column_name = 'status' and code = 'present'")
        [(present,)] = con.execute("select count(*) from raw.sections where status = 'present'").fetchall()
    result = build(warehouse, select="fct_section", work_dir=tmp_path / "dbt", unit_tests=False)
    [failing] = result.failing
    assert failing.unique_id.startswith("test.budget_etl.names_every_code_fct_section_")
    assert present > 0 and failing.failures == present
    [compiled] = (tmp_path / "dbt" / "target" / "compiled").rglob("names_every_code_fct_section_*.sql")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        reported = con.execute(compiled.read_text(encoding="utf-8")).fetchall()
    assert reported == [("status_zh", "present")] * present
