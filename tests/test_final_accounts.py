"""Final accounts (决算): the notes_final template reads generated 决算 (txt and docx) as their gold, every
figure by measure; a 决算 prints the budget of its year; a blank template is refused and the batch loads; and
the marts measure budget execution (slow: dbt)."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budget_etl.extract import ExtractionError, extract
from budget_etl.extract.numbers import AMOUNT_RE
from budget_etl.facts import ExtractedDocument
from budget_etl.ops.pipeline import ingest
from budget_etl.readers import read_bytes
from budget_etl.synth import generate_corpus
from budget_etl.transform import build
from budget_etl.validate import identity_checks
from readback import read_document

from goldcheck import gold_differences

_MEASURES = {"final": "final", "budget": "budget", "adjusted_budget": "adjusted_budget"}
_EXPENDITURE = {"personnel": "personnel", "public_operating": "public_operating", "project": "project"}
_TOTALS = {"basic": "basic_total", "total": "expenditure_total"}


def corpus(root: Path, fmt: str = "txt", offices: int = 2, years=range(2021, 2023), seed: int = 3) -> list[dict]:
    manifest = generate_corpus(root, offices=offices, years=years, fmt=fmt, seed=seed, slip_rate=0.0,
                               finals=True)
    return yaml.safe_load(manifest.read_text(encoding="utf-8"))["documents"]


def gold_of(root: Path, entry: dict) -> dict:
    return json.loads((root / entry["gold"]).read_text(encoding="utf-8"))


def parse(path: Path) -> ExtractedDocument:
    return extract(read_bytes(path.read_bytes(), path.name), is_synthetic=True)


def figures(doc: ExtractedDocument) -> dict[tuple, Decimal]:
    """Every money fact of a 决算 keyed as the gold names it: (part, item, measure) -> yuan."""
    out: dict[tuple, Decimal] = {}
    for t in doc.stated_totals:
        out["total", t.metric, t.measure] = t.amount_yuan
    for r in doc.revenue:
        out["revenue", r.revenue_source, r.measure] = r.amount_yuan
    for e in doc.expenditure:
        out["expenditure", e.expenditure_type, e.measure] = e.amount_yuan
    for c in doc.three_public_costs:
        out["three_public", c.category, c.measure] = c.amount_yuan
    for i in doc.operating_expenses:
        out["operating_expense_item", i.item_name_zh, i.measure] = i.amount_yuan
    return out


def gold_figures(gold: dict) -> dict[tuple, Decimal]:
    out: dict[tuple, Decimal] = {}

    def put(key: tuple, fig: dict) -> None:
        for measure in _MEASURES:
            if measure in fig:
                out[(*key, measure)] = Decimal(fig[measure])

    for source, fig in gold["revenue"].items():
        put(("total", "revenue_total") if source == "total" else ("revenue", source), fig)
    for item, fig in gold["expenditure"].items():
        put(("total", _TOTALS[item]) if item in _TOTALS else ("expenditure", _EXPENDITURE[item]), fig)
    put(("total", "operating_expense_total"), gold["operating_expense_total"])
    put(("total", "three_public_total"), gold["three_public"]["total"])
    for item in gold["three_public"]["items"]:
        put(("three_public", item["category_key"]), item)
    for name, amount in gold["operating_expense_items"]:
        out["operating_expense_item", name, "final"] = Decimal(amount)
    return out


@pytest.mark.parametrize("fmt", ["txt", "docx"])
def test_generated_final_accounts_read_as_their_gold(tmp_path, fmt):
    entries = [e for e in corpus(tmp_path, fmt) if e["doc_kind"] == "final_accounts"]
    assert len(entries) == 4
    for entry in entries:
        doc, gold = parse(tmp_path / entry["path"]), gold_of(tmp_path, entry)
        assert (doc.info.doc_kind, doc.info.fiscal_year, doc.info.office_name) == (
            "final_accounts", gold["document"]["fiscal_year"], gold["document"]["office_name"])
        assert figures(doc) == gold_figures(gold), entry["path"]
        # the reason for a 三公 category's difference from its budget stands on the 决算数
        reasons = {c.category: c.change_reason_zh for c in doc.three_public_costs if c.measure == "final"}
        assert reasons == {i["category_key"]: i["reason"] for i in gold["three_public"]["items"]}
        # the 决算's own figures add up, its budget figures are not mixed in
        failed = [r for r in identity_checks(doc) if r["status"] == "fail"]
        assert not failed, failed


def test_a_final_prints_the_budget_of_its_year(tmp_path):
    entries = corpus(tmp_path)
    golds = {(e["office"], e["fiscal_year"], e["doc_kind"]): gold_of(tmp_path, e) for e in entries}
    for (office, year, kind), final in golds.items():
        if kind != "final_accounts":
            continue
        budget = golds[office, year, "budget"]
        assert {k: v["budget"] for k, v in final["expenditure"].items()} == budget["expenditure"]
        assert {k: v["budget"] for k, v in final["revenue"].items()} == budget["revenue"]
        assert final["three_public"]["total"]["budget"] == budget["three_public"]["total"]
        assert [i["budget"] for i in final["three_public"]["items"]] == [
            i["amount"] for i in budget["three_public"]["items"]]
        assert final["operating_expense_total"]["budget"] == budget["operating_expense_total"]


def test_budget_facts_are_the_budgets_own_figures(tmp_path):
    entry = next(e for e in corpus(tmp_path) if e["doc_kind"] == "budget")
    doc = parse(tmp_path / entry["path"])
    assert {t.measure for t in doc.stated_totals + doc.revenue + doc.expenditure + doc.three_public_costs
            + doc.operating_expenses} == {"budget"}


def blank_copy(text: str) -> str:
    """The form without its figures, as a blank template prints it: placeholders for every amount."""
    return AMOUNT_RE.sub(lambda m: "XXX" + m["unit"], text)


def test_a_blank_final_template_is_refused_and_the_rest_of_the_batch_loads(tmp_path):
    entries = corpus(tmp_path / "docs", offices=1, years=[2022])
    final = next(tmp_path / "docs" / e["path"] for e in entries if e["doc_kind"] == "final_accounts")
    blank = final.with_name("blank_2022_final.txt")
    blank.write_text(blank_copy(final.read_text(encoding="utf-8")), encoding="utf-8")
    assert "决算数为XXX元" in blank.read_text(encoding="utf-8")
    with pytest.raises(ExtractionError) as caught:
        parse(blank)
    assert caught.value.reason_code == "template_without_amounts"

    summary = ingest([tmp_path / "docs"], tmp_path / "wh.duckdb", progress=False)
    assert summary.loaded == 2  # the budget and the final of 2022
    assert [(Path(q.source_path).name, q.reason_code) for q in summary.quarantined] == [
        ("blank_2022_final.txt", "template_without_amounts")]
    with duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from raw.stated_totals where document_id not in "
                           "(select document_id from raw.documents)").fetchall()[0][0] == 0
        assert sorted(con.execute("select doc_kind from raw.documents").fetchall()) == [
            ("budget",), ("final_accounts",)]


def test_a_blank_budget_table_is_refused_too():
    """Generic: labels and classification codes in a table, no amount anywhere."""
    text = ("某某街道办事处2024年度部门决算\n\n一、收入支出决算总体情况\n\n二、“三公”经费支出决算情况\n\n"
            "\t项目\t决算数\n\t205 教育支出\t\n\t20502 普通教育\t\n\t合计\tXXX万元\n")
    with pytest.raises(ExtractionError) as caught:
        extract(read_bytes(text.encode("utf-8"), "blank.txt"))
    assert caught.value.reason_code == "template_without_amounts"


def test_a_threshold_in_a_blank_template_is_no_amount():
    """单价100万元（含）以上的设备 is a rule's threshold (the Shanghai blank 决算 template prints it), not a figure."""
    text = ("某某街道办事处2024年度部门决算\n\n一、收支总体情况\n\n二、国有资产占用情况\n\n"
            "共有车辆XX辆；单价100万元（含）以上设备XX台（套），单价50万元以上通用设备XX台。\n")
    with pytest.raises(ExtractionError) as caught:
        extract(read_bytes(text.encode("utf-8"), "blank.txt"))
    assert caught.value.reason_code == "template_without_amounts"


def rate(final: Decimal, budget: Decimal) -> Decimal | None:
    """final / budget to 4 places, half away from zero, as DuckDB rounds; None for a zero budget."""
    return None if budget == 0 else (final / budget).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


@pytest.mark.slow
def test_budget_execution_of_a_corpus_with_budgets_and_finals(tmp_path):
    entries = corpus(tmp_path / "docs", offices=3, years=range(2021, 2023), seed=5)
    warehouse = tmp_path / "wh.duckdb"
    summary = ingest([tmp_path / "docs"], warehouse, progress=False)
    assert (summary.loaded, summary.quarantined) == (12, [])
    result = build(warehouse)
    assert result.ok, result.describe()

    expected = {}
    for e in entries:
        if e["doc_kind"] != "final_accounts":
            continue
        g = gold_of(tmp_path / "docs", e)
        figs = {"total_expenditure": g["expenditure"]["total"], "basic": g["expenditure"]["basic"],
                "personnel": g["expenditure"]["personnel"], "public_operating": g["expenditure"]["public_operating"],
                "project": g["expenditure"]["project"], "operating_expense": g["operating_expense_total"],
                "three_public": g["three_public"]["total"], "total_revenue": g["revenue"]["total"],
                **{i["category_key"]: i for i in g["three_public"]["items"]}}
        for metric, fig in figs.items():
            final, budget = Decimal(fig["final"]), Decimal(fig["budget"])
            expected[e["office"], e["fiscal_year"], metric] = (budget, final, final - budget, rate(final, budget))

    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select o.office_name, e.fiscal_year, e.metric, e.budget_yuan, e.final_yuan, e.difference_yuan, "
            "e.execution_rate, e.budget_source, e.budget_sources_differ, e.adjusted_budget_yuan "
            "from marts.mart_budget_execution e join marts.dim_office o using (office_id)").fetchall()
        office_year = con.execute(
            "select doc_kind, count(*), sum(total_expenditure_yuan) from marts.mart_office_year "
            "group by doc_kind order by doc_kind").fetchall()
        yoy_kinds = con.execute("select distinct y.doc_kind, d.doc_kind from marts.mart_yoy y "
                                "join marts.dim_document d on d.document_id = y.prior_document_id").fetchall()
    got = {(r[0], r[1], r[2]): (r[3], r[4], r[5], r[6]) for r in rows}
    assert got == expected
    # every budget figure is in both the budget document and the 决算, and they agree
    assert {(r[7], r[8]) for r in rows} == {("both", False)}
    # the adjusted budget is printed for the expenditure total only
    assert {r[2] for r in rows if r[9] is not None} == {"total_expenditure"}
    # a zero budget (no 因公出国 planned) gives a null rate, never infinity
    zero = [k for k, v in got.items() if v[0] == 0]
    assert zero and all(got[k][3] is None for k in zero)
    # the marts' amount columns of a 决算 are its 决算数; a budget and a final never mix
    finals_total = sum(v[1] for k, v in expected.items() if k[2] == "total_expenditure")
    assert office_year[1] == ("final_accounts", 6, finals_total)
    assert set(yoy_kinds) <= {("budget", "budget"), ("final_accounts", "final_accounts")}
    assert ("final_accounts", "final_accounts") in set(yoy_kinds)


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), offices=st.integers(1, 3), first_year=st.integers(2018, 2022),
       span=st.integers(1, 2), fmt=st.sampled_from(["txt", "docx"]))
def test_any_corpus_with_finals_loads_as_its_gold(tmp_path_factory, seed, offices, first_year, span, fmt):
    """Through the pipeline: every 决算's facts read back from the warehouse by measure, every budget's as
    before (tests/test_corpus_roundtrip.py), and no check fails."""
    root = tmp_path_factory.mktemp("corpus")
    manifest = generate_corpus(root / "docs", offices=offices, years=range(first_year, first_year + span),
                               fmt=fmt, seed=seed, slip_rate=0.0, finals=True)
    entries = yaml.safe_load(manifest.read_text(encoding="utf-8"))["documents"]
    summary = ingest([root / "docs"], root / "wh.duckdb", progress=False)
    assert (summary.loaded, summary.quarantined) == (len(entries), [])
    with duckdb.connect(str(root / "wh.duckdb"), read_only=True) as con:
        for e in entries:
            doc, gold = read_document(con, e["sha256"]), gold_of(root / "docs", e)
            if e["doc_kind"] == "final_accounts":
                assert figures(doc) == gold_figures(gold), e["path"]
            else:
                assert gold_differences(doc, gold) == [], e["path"]
        assert con.execute("select count(*) from raw.validation_results where status = 'fail'").fetchone() == (0,)
