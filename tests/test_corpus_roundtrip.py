"""Generated corpora go through the whole pipeline and come out as their gold facts.

Every gold fact of every generated document is read back from the warehouse's staging tables and compared
exactly; every planted slip shows up as a failed check (an identity in dq_check_results, a wrong stated
change in mart_yoy) and nothing else fails.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budget_etl.ops.pipeline import ingest
from budget_etl.synth import generate_corpus
from budget_etl.transform import build
from readback import read_document

from goldcheck import gold_differences


def corpus_golds(manifest: Path) -> dict[str, dict]:
    """document_id (sha256) -> gold JSON, from a generated corpus's sources.yml."""
    entries = yaml.safe_load(manifest.read_text(encoding="utf-8"))["documents"]
    return {e["sha256"]: json.loads((manifest.parent / e["gold"]).read_text(encoding="utf-8")) for e in entries}


def expected_identity_failures(golds: dict[str, dict]) -> set[tuple[str, str]]:
    """(document_id, check_name) of every identity a planted slip breaks."""
    expected = set()
    for document_id, gold in golds.items():
        for slip in gold["planted_slips"]:
            for check in [slip["check"], *slip["also_breaks"]]:
                if check.startswith("identity."):
                    expected.add((document_id, check))
    return expected


def assert_staging_matches_gold(con: duckdb.DuckDBPyConnection, golds: dict[str, dict]) -> None:
    problems = {}
    for document_id, gold in golds.items():
        diffs = gold_differences(read_document(con, document_id), gold)
        if diffs:
            problems[gold["document"]["office_name"], gold["document"]["fiscal_year"]] = diffs
    assert not problems, problems


def failed_checks(con: duckdb.DuckDBPyConnection, table: str) -> set[tuple[str, str]]:
    return set(con.execute(f"select document_id, check_name from {table} where status = 'fail'").fetchall())


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 10_000),
    offices=st.integers(1, 4),
    first_year=st.integers(2018, 2022),
    span=st.integers(1, 3),
    fmt=st.sampled_from(["txt", "docx"]),
    slip_rate=st.sampled_from([0.0, 0.2, 0.5]),
)
def test_any_generated_corpus_loads_as_its_gold(tmp_path_factory, seed, offices, first_year, span, fmt, slip_rate):
    root = tmp_path_factory.mktemp("corpus")
    manifest = generate_corpus(root / "docs", offices=offices, years=range(first_year, first_year + span),
                               fmt=fmt, seed=seed, slip_rate=slip_rate)
    golds = corpus_golds(manifest)
    summary = ingest([root / "docs"], root / "wh.duckdb", progress=False)
    assert (summary.loaded, summary.quarantined) == (len(golds), [])
    with duckdb.connect(str(root / "wh.duckdb"), read_only=True) as con:
        assert_staging_matches_gold(con, golds)
        assert failed_checks(con, "raw.validation_results") == expected_identity_failures(golds)
        assert con.execute("select bool_and(is_synthetic) from raw.documents").fetchone()[0] is True


@pytest.mark.slow
@pytest.mark.parametrize(("fmt", "seed"), [("txt", 11), ("docx", 12)])
def test_two_hundred_documents_reach_the_marts(tmp_path, fmt, seed):
    manifest = generate_corpus(tmp_path / "docs", offices=50, years=range(2019, 2023), fmt=fmt, seed=seed,
                               slip_rate=0.05)
    golds = corpus_golds(manifest)
    assert len(golds) == 200
    warehouse = tmp_path / "wh.duckdb"
    summary = ingest([tmp_path / "docs"], warehouse, progress=False)
    assert (summary.loaded, summary.quarantined) == (200, [])
    result = build(warehouse)
    assert result.ok, result.describe()

    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert_staging_matches_gold(con, golds)
        planted = expected_identity_failures(golds)
        assert planted, "the corpus should carry planted identity slips"
        assert failed_checks(con, "marts.dq_check_results") == planted

        # the marts carry each document's headline figures
        marts = {r[0]: r[1:] for r in con.execute(
            "select document_id, total_revenue_yuan, total_expenditure_yuan, three_public_yuan, project_count "
            "from marts.mart_office_year").fetchall()}
        for document_id, gold in golds.items():
            assert marts[document_id] == (
                Decimal(gold["revenue"]["total"]), Decimal(gold["expenditure"]["total"]),
                Decimal(gold["three_public"]["total"]), len(gold["projects"])), document_id

        # a wrong stated change disagrees with last year's document, and only there
        disagreements = set(con.execute(
            "select d.document_id, y.metric from marts.mart_yoy y join marts.dim_document d "
            "on d.office_id = y.office_id and d.fiscal_year = y.fiscal_year and d.doc_kind = y.doc_kind "
            "where y.stated_matches_prior_document = false").fetchall())
    metric_of = {"continuity.expenditure_total": "total_expenditure", "continuity.basic": "basic",
                 "continuity.project": "project", "continuity.three_public_total": "three_public"}
    wrong_changes = {
        (document_id, metric_of.get(s["check"], s["check"].rsplit(".", 1)[-1]))
        for document_id, gold in golds.items() for s in gold["planted_slips"] if s["check"].startswith("continuity.")
    }
    assert disagreements == wrong_changes
