"""Versions of a disclosure: ordered by the document's own edition words (更正, 修订, 修正), then by arrival,
never by hash; a file put back in place of a newer one is published again and served again; supersessions,
deleted sources and skipped files are logged and in the run's summary."""

from __future__ import annotations

import hashlib
import logging
import os
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from budget_etl.load import warehouse
from budget_etl.ops import nightly, pipeline

from conftest import SEED

SEED_TEXT = SEED.read_text(encoding="utf-8")
SEED_REVENUE = Decimal("3566894.19")
VERSIONS_SQL = """
    select regexp_extract(v.source_path, '[^/]+$'), v.version_number, v.is_latest_version, v.version_reason,
           r.amount_yuan
    from raw.document_versions v join raw.revenue r using (document_id)
    where r.revenue_source = 'general_public_budget' and v.fiscal_year = ?
    order by v.version_number"""


def variant(revenue: Decimal = SEED_REVENUE, office: str = "西关") -> str:
    """The seed with another revenue (stated total and its one line, so identities hold) or office."""
    old = f"预算收入为{SEED_REVENUE}元，其中：一般公共预算收入{SEED_REVENUE}元"
    assert old in SEED_TEXT
    text = SEED_TEXT.replace(old, f"预算收入为{revenue}元，其中：一般公共预算收入{revenue}元")
    return text.replace("西关", office)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def versions(wh: Path, year: int = 2020) -> list[tuple]:
    with duckdb.connect(str(wh), read_only=True) as con:
        return con.execute(VERSIONS_SQL, [year]).fetchall()


def test_a_file_put_back_is_published_again_and_served_again(tmp_path, caplog):
    docs, wh = tmp_path / "in", tmp_path / "w.duckdb"
    old, new = variant(), variant(Decimal("3567000.00"))
    write(docs, "xiguan_2020.txt", old)
    assert pipeline.ingest([docs], wh, progress=False).loaded == 1
    write(docs, "xiguan_2020.txt", new)  # republished with a new figure
    second = pipeline.ingest([docs], wh, progress=False)
    path = (docs / "xiguan_2020.txt").as_posix()
    assert second.loaded == 1 and second.versions == [
        f"{path} ({sha(new)[:12]}) is served (later_arrival), superseding {path} ({sha(old)[:12]})"]
    assert versions(wh) == [("xiguan_2020.txt", 1, False, "superseded_by_later_arrival", SEED_REVENUE),
                            ("xiguan_2020.txt", 2, True, "later_arrival", Decimal("3567000.00"))]

    write(docs, "xiguan_2020.txt", old)  # the older file put back in place of the newer one
    with duckdb.connect(str(wh), read_only=True) as con:
        known = warehouse.known_files(con)
    inputs = pipeline.collect([docs])
    assert pipeline.pending_files(inputs, known) == [docs / "xiguan_2020.txt"]  # the nightly run goes on
    with caplog.at_level(logging.INFO, logger="budget_etl.ops.pipeline"):
        third = pipeline.ingest([docs], wh, progress=False)
    assert (third.loaded, third.unchanged, third.put_back) == (0, 0, [path])
    assert f"put back {path}: published again" in third.describe()
    assert any(f"put back {path}" in r.getMessage() for r in caplog.records)
    assert versions(wh) == [("xiguan_2020.txt", 1, False, "superseded_by_republished", Decimal("3567000.00")),
                            ("xiguan_2020.txt", 2, True, "republished", SEED_REVENUE)]
    assert third.versions == [f"{path} ({sha(old)[:12]}) is served (republished), superseding {path} ({sha(new)[:12]})"]

    fourth = pipeline.ingest([docs], wh, progress=False)  # nothing changed since: unchanged
    assert (fourth.loaded, fourth.unchanged, fourth.put_back) == (0, 1, [])
    assert versions(wh)[-1][2:] == (True, "republished", SEED_REVENUE)


def _older_beats_corrected_by_hash() -> tuple[str, str, Decimal]:
    """An original, its corrected edition and the corrected revenue, such that ordering by sha256 (as
    before) would serve the original."""
    for cents in range(1, 100):
        revenue = SEED_REVENUE + Decimal(cents) / 100
        original, corrected = variant(), variant(revenue)
        if sha(original) > sha(corrected):
            return original, corrected, revenue
    raise AssertionError("no pair found")


def test_the_corrected_edition_wins_whatever_the_hashes_and_the_order_of_arrival(tmp_path, caplog):
    original, corrected, revenue = _older_beats_corrected_by_hash()
    docs, wh = tmp_path / "in", tmp_path / "w.duckdb"
    write(docs, "a_xiguan_2020_更正版.txt", corrected)  # sorts, so arrives, first
    write(docs, "b_xiguan_2020.txt", original)
    with caplog.at_level(logging.INFO, logger="budget_etl.ops.pipeline"):
        summary = pipeline.ingest([docs], wh, progress=False)  # both in one first load
    assert summary.loaded == 2
    assert versions(wh) == [("b_xiguan_2020.txt", 1, False, "superseded_by_edition", SEED_REVENUE),
                            ("a_xiguan_2020_更正版.txt", 2, True, "edition", revenue)]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [f"{docs.as_posix()}/b_xiguan_2020.txt ({sha(original)[:12]}) is not served "
                        f"(superseded_by_edition): {docs.as_posix()}/a_xiguan_2020_更正版.txt ({sha(corrected)[:12]}) is"]

    # a later plain file does not displace the corrected edition either
    write(docs, "c_xiguan_2020.txt", variant(Decimal("1.00")))
    pipeline.ingest([docs], wh, progress=False)
    assert [v[:4] for v in versions(wh)] == [
        ("b_xiguan_2020.txt", 1, False, "superseded_by_later_arrival"),
        ("c_xiguan_2020.txt", 2, False, "superseded_by_edition"),
        ("a_xiguan_2020_更正版.txt", 3, True, "edition")]


def test_same_edition_in_one_load_is_ordered_by_arrival_not_hash(tmp_path):
    first, second, _ = _older_beats_corrected_by_hash()  # sha(first) > sha(second)
    docs, wh = tmp_path / "in", tmp_path / "w.duckdb"
    manifest = write(docs, "sources.yml", "documents:\n  - path: v2.txt\n  - path: v1.txt\n")
    write(docs, "v2.txt", first)
    write(docs, "v1.txt", second)
    pipeline.ingest([], wh, manifest=manifest, progress=False)
    assert [v[0] for v in versions(wh)] == ["v2.txt", "v1.txt"]  # the manifest's order: v1.txt arrived last


def test_deleted_sources_are_logged_and_stay_served(tmp_path, caplog):
    docs, wh = tmp_path / "in", tmp_path / "w.duckdb"
    write(docs, "xiguan.txt", variant())
    write(docs, "dongguan.txt", variant(office="东关"))
    write(docs, "nanguan.txt", variant(office="南关"))
    assert pipeline.ingest([docs], wh, progress=False).loaded == 3
    (docs / "dongguan.txt").unlink()
    (docs / "nanguan.txt").rename(docs / "nanguan_2020.txt")  # moved, not deleted
    with caplog.at_level(logging.WARNING, logger="budget_etl.ops.pipeline"):
        summary = pipeline.ingest([docs], wh, progress=False)
    gone = (docs / "dongguan.txt").as_posix()
    assert summary.deleted == [gone] and summary.exit_code == 0
    assert f"deleted {gone}: loaded before, gone now; its figures stay served" in summary.describe()
    assert [r.getMessage() for r in caplog.records] == [
        f"deleted {gone}: loaded before, gone now; its figures stay served"]
    with duckdb.connect(str(wh), read_only=True) as con:
        assert con.execute("select count(*) from raw.document_versions where is_latest_version").fetchall() == [
            (3,)]
    # a manifest that no longer lists a document: deleted from the sources too
    manifest = write(docs, "sources.yml", "documents:\n  - path: xiguan.txt\n")
    assert pipeline.ingest([], wh, manifest=manifest, progress=False).deleted == [
        gone, (docs / "nanguan.txt").as_posix()]  # the manifest lists neither: named by their last path


def test_skipped_files_and_linked_folders_are_counted_and_logged(tmp_path, caplog):
    docs, outside = tmp_path / "in", tmp_path / "outside"
    write(docs, "xiguan.txt", variant())
    write(docs, ".hidden.txt", "x")
    write(docs, ".cache/old.txt", "x")
    write(docs, "~$draft.docx", "x")
    write(outside, "elsewhere.txt", "x")
    os.symlink(outside, docs / "linked", target_is_directory=True)
    with caplog.at_level(logging.DEBUG, logger="budget_etl.ops.pipeline"):
        summary = pipeline.ingest([docs], tmp_path / "w.duckdb", progress=False)
    assert summary.loaded == 1
    assert summary.skipped == {"hidden": 2, "office_lock_file": 1, "linked_folder": 1}
    assert "skipped 2 hidden, 1 linked folder, 1 office lock file" in summary.describe()
    messages = [r.getMessage() for r in caplog.records]
    assert "skipped 4 files and folders: 2 hidden, 1 linked folder, 1 office lock file" in messages
    assert f"skipped {docs / 'linked'}: linked_folder" in messages
    assert f"skipped {docs / '.cache' / 'old.txt'}: hidden" in messages


@pytest.mark.slow
def test_the_marts_serve_the_version_put_back_and_say_why(tmp_path):
    docs, wh = tmp_path / "in", tmp_path / "budget.duckdb"
    write(docs, "xiguan_2020.txt", variant())
    assert nightly.nightly([docs], wh) == 0
    write(docs, "xiguan_2020.txt", variant(Decimal("3567000.00")))
    assert nightly.nightly([docs], wh) == 0
    write(docs, "xiguan_2020.txt", variant())  # put back
    assert nightly.nightly([docs], wh) == 0
    run = nightly.read_runs(nightly.Layout(wh.absolute()))[-1]
    assert (run["status"], run["documents_put_back"], run["documents_unchanged"]) == ("published", 1, 0)
    with duckdb.connect(str(wh), read_only=True) as con:
        assert con.execute("select total_revenue_yuan from marts.mart_office_year").fetchall() == [
            (SEED_REVENUE,)]
        assert con.execute("select version_number, is_latest_version, version_reason, sha256 = ? "
                           "from marts.dim_document order by version_number", [sha(variant())]).fetchall() == [
            (1, False, "superseded_by_republished", False), (2, True, "republished", True)]


@pytest.mark.slow
def test_a_nightly_with_nothing_new_still_logs_deleted_sources(tmp_path, caplog):
    docs, wh = tmp_path / "in", tmp_path / "budget.duckdb"
    write(docs, "xiguan.txt", variant())
    write(docs, "dongguan.txt", variant(office="东关"))
    assert nightly.nightly([docs], wh) == 0
    (docs / "dongguan.txt").unlink()
    with caplog.at_level(logging.WARNING, logger="budget_etl.ops.nightly"):
        assert nightly.nightly([docs], wh) == 0
    run = nightly.read_runs(nightly.Layout(wh.absolute()))[-1]
    assert (run["status"], run["documents_deleted"]) == ("unchanged", 1)
    gone = (docs / "dongguan.txt").as_posix()
    assert f"deleted {gone}: loaded before, gone now; its figures stay served" in [
        r.getMessage() for r in caplog.records]


def test_a_department_and_a_unit_edition_are_not_versions_of_each_other(tmp_path):
    docs, wh = tmp_path / "in", tmp_path / "w.duckdb"
    write(docs, "unit.txt", variant())
    write(docs, "department.txt", variant(Decimal("3567000.00")))
    summary = pipeline.ingest([docs], wh, progress=False)
    assert summary.loaded == 2
    with duckdb.connect(str(wh)) as con:  # as the national template would have read their titles
        con.execute("update raw.documents set scope = case when file_name = 'unit.txt' then 'unit' "
                    "else 'department' end")
        assert warehouse.batch_versions(con, summary.batch_id) == []  # no supersession to log
        assert con.execute("select regexp_extract(source_path, '[^/]+$'), scope, version_number, "
                           "is_latest_version, version_reason from raw.document_versions "
                           "order by scope").fetchall() == [
            ("department.txt", "department", 1, True, "only_version"),
            ("unit.txt", "unit", 1, True, "only_version")]
