"""Nightly loads: incremental by sha256, superseding versions, atomic publish beside readers, the lock, the run
log, exit codes, and faults (SIGKILL at each pause point, concurrent runs, hostile input files).

Tests that run dbt or the command in subprocesses are marked slow; the kill and concurrency tests drive the
run through BUDGET_ETL_PAUSE_AT (see budget_etl.ops.nightly) so that nothing depends on timing.
"""

from __future__ import annotations

import codecs
import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

import budget_etl.ops.hashes
import budget_etl.ops.pipeline
import budget_etl.transform
from budget_etl import PARSER_VERSION
from budget_etl.cli import main
from budget_etl.ops import nightly
from budget_etl.ops.nightly import Layout
from budget_etl.transform import BuildResult

from conftest import ROOT, SEED

SEED_TEXT = SEED.read_text(encoding="utf-8")
SEED_REVENUE = Decimal("3566894.19")
DOCX = ROOT / "tests" / "data" / "xiguan_2020_budget.docx"
META = "西关'; DROP TABLE raw.documents; --$(touch {canary})`touch {canary}`|&;<>\"\\"
STATE_SQL = """
    select (select count(*) from marts.mart_office_year), (select sum(total_revenue_yuan) from marts.mart_office_year),
           (select count(*) from marts.fct_revenue), (select count(*) from raw.documents)
"""


def variant(office: str = "西关", year: int = 2020, revenue: Decimal = SEED_REVENUE) -> str:
    """The seed as another office, year or revenue (stated total and its one line, so identities hold)."""
    text = SEED_TEXT.replace("西关", office).replace("2020年", f"{year}年")
    old = f"预算收入为{SEED_REVENUE}元，其中：一般公共预算收入{SEED_REVENUE}元"
    assert old in text
    return text.replace(old, f"预算收入为{revenue}元，其中：一般公共预算收入{revenue}元")


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def query(path: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, params).fetchall()


def state(path: Path) -> tuple:
    """(office-years, their revenue, revenue facts, raw documents) of the published warehouse."""
    return query(path, STATE_SQL)[0]


def runs(path: Path) -> list[dict]:
    return nightly.read_runs(Layout(path.absolute()))


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "budget_etl.cli", *args]


def start(*args: str, pause: str | None = None) -> subprocess.Popen:
    env = {**os.environ, nightly.PAUSE_ENV: pause or ""}
    return subprocess.Popen(command(*args), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(predicate, what: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def fake_dbt(monkeypatch):
    """dbt build stand-in for tests of the run's mechanics: one mart from raw.documents, or a failure."""
    calls = []

    def build(path, *, select=None, work_dir=None, unit_tests=True):
        calls.append(Path(path))
        fake_dbt.unit_tests.append(unit_tests)
        if fake_dbt.fail:
            return BuildResult(passed=3, errored=1, success=False)
        with duckdb.connect(str(path)) as con:
            con.execute("create schema if not exists marts")
            con.execute("create or replace table marts.mart_office_year as "
                        "select document_id, fiscal_year from raw.documents")
        return BuildResult(passed=1, success=True)

    fake_dbt.fail = False
    fake_dbt.calls = calls
    fake_dbt.unit_tests = []  # whether each build ran dbt's unit tests
    monkeypatch.setattr(budget_etl.transform, "build", build)
    return fake_dbt


# ---- the run's mechanics (dbt stubbed) ----------------------------------------------------------------


def test_nothing_changed_ends_without_copying_or_building(tmp_path, fake_dbt):
    docs, wh = tmp_path / "in", tmp_path / "wh" / "budget.duckdb"
    write(docs, "xiguan.txt", SEED_TEXT)
    write(docs, "empty.txt", "")
    assert nightly.nightly([docs], wh) == 1  # published, one file quarantined
    before = wh.stat()
    assert len(fake_dbt.calls) == 1
    assert fake_dbt.unit_tests == [False]  # they test the models' code, not the data: make test runs them

    assert nightly.nightly([docs], wh) == 0  # the empty file is known: not a change
    assert len(fake_dbt.calls) == 1  # no build
    after = wh.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)  # not republished
    assert not Layout(wh.absolute()).build.exists()
    first, second = runs(wh)
    assert (first["status"], first["documents_new"], first["documents_quarantined"], first["exit_code"]) == (
        "published", 1, 1, 1)
    assert (second["status"], second["documents_seen"], second["documents_unchanged"], second["published"],
            second["exit_code"]) == ("unchanged", 2, 2, False, 0)
    # the published warehouse's own run log ends with the run that published it
    assert query(wh, "select status, documents_new from ops.run_log") == [("published", 1)]

    write(docs, "dongguan.txt", variant("东关"))
    assert nightly.nightly([docs], wh) == 0  # the empty file is not retried: quarantined before, unchanged
    assert len(fake_dbt.calls) == 2
    assert query(wh, "select status, documents_new, documents_unchanged, documents_quarantined "
                     "from ops.run_log order by started_at") == [
        ("published", 1, 0, 1), ("unchanged", 0, 2, 0), ("published", 1, 2, 0)]


def test_a_file_refused_by_another_parser_version_is_read_again(tmp_path, fake_dbt):
    # a newer parser may read what an older one refused: the next nightly tries it again, once
    docs, wh = tmp_path / "in", tmp_path / "wh" / "budget.duckdb"
    write(docs, "xiguan.txt", SEED_TEXT)
    write(docs, "empty.txt", "")
    assert nightly.nightly([docs], wh) == 1
    assert query(wh, "select reason_code, parser_version from raw.quarantine") == [("empty_file", PARSER_VERSION)]
    with duckdb.connect(str(wh)) as con:  # as an older parser left it (a row from before the column: null)
        con.execute("update raw.quarantine set parser_version = null")

    assert nightly.nightly([docs], wh) == 1  # read again, refused again: a row of this version is added
    assert len(fake_dbt.calls) == 2
    assert query(wh, "select reason_code, parser_version from raw.quarantine order by quarantined_at") == [
        ("empty_file", None), ("empty_file", PARSER_VERSION)]
    assert runs(wh)[-1]["documents_quarantined"] == 1

    assert nightly.nightly([docs], wh) == 0  # this version has refused it: not read a third time
    assert len(fake_dbt.calls) == 2 and runs(wh)[-1]["status"] == "unchanged"


def test_failed_build_publishes_nothing_and_exits_2(tmp_path, fake_dbt):
    docs, wh = tmp_path / "in", tmp_path / "budget.duckdb"
    write(docs, "xiguan.txt", SEED_TEXT)
    assert nightly.nightly([docs], wh) == 0
    before = (wh.stat().st_ino, query(wh, "select count(*) from raw.documents"))

    write(docs, "dongguan.txt", variant("东关"))
    fake_dbt.fail = True
    assert nightly.nightly([docs], wh) == 2
    assert (wh.stat().st_ino, query(wh, "select count(*) from raw.documents")) == before
    failed = runs(wh)[-1]
    assert (failed["status"], failed["published"], failed["dbt_errored"], failed["exit_code"]) == (
        "failed", False, 1, 2)
    assert failed["message"].startswith("dbt build failed")
    assert not Layout(wh.absolute()).build.exists()  # the private copy is gone

    fake_dbt.fail = False  # the next run loads what the failed one could not publish
    assert nightly.nightly([docs], wh) == 0
    assert query(wh, "select count(*) from raw.documents") == [(2,)]
    assert [r[0] for r in query(wh, "select status from ops.run_log order by started_at")] == [
        "published", "failed", "published"]


def test_missing_input_fails_cleanly(tmp_path, fake_dbt):
    wh = tmp_path / "budget.duckdb"
    assert nightly.nightly([tmp_path / "nope"], wh) == 2
    assert not wh.exists()
    [run] = runs(wh)
    assert (run["status"], run["exit_code"]) == ("failed", 2)
    assert "no such file or folder" in run["message"]


def test_manifest_lists_the_documents_and_reports_missing_ones(tmp_path, fake_dbt):
    folder, wh = tmp_path / "src", tmp_path / "budget.duckdb"
    write(folder, "docs/a.txt", variant("东关"))
    write(folder, "docs/b.txt", variant("南关"))  # not listed: not loaded
    write(folder, "sources.yml", "documents:\n  - path: docs/a.txt\n    is_synthetic: true\n"
                                 "  - path: docs/gone.txt\n    is_synthetic: false\n")
    assert nightly.nightly([], wh, manifest=folder / "sources.yml") == 1  # loaded, but one is missing
    assert query(wh, "select file_name, is_synthetic from raw.documents") == [("a.txt", True)]
    assert runs(wh)[-1]["documents_missing"] == 1
    assert nightly.nightly([], wh, manifest=folder / "sources.yml") == 1  # unchanged, still missing
    assert len(fake_dbt.calls) == 1


def test_a_stale_wal_beside_the_published_file_is_absorbed(tmp_path, fake_dbt):
    """An in-place writer (budget-etl ingest on the published path) that died leaves PATH.wal; DuckDB refuses
    a WAL that does not match its file, so the run takes its commits into the copy and removes it."""
    docs, wh = tmp_path / "in", tmp_path / "budget.duckdb"
    write(docs, "xiguan.txt", SEED_TEXT)
    assert nightly.nightly([docs], wh) == 0
    subprocess.run([sys.executable, "-c", f"""
import duckdb, os
con = duckdb.connect({str(wh)!r})
con.execute("create table main.note as select 'written in place' as what")
os._exit(0)  # dies without a checkpoint
"""], check=True)
    assert (tmp_path / "budget.duckdb.wal").exists()

    write(docs, "dongguan.txt", variant("东关"))
    assert nightly.nightly([docs], wh) == 0
    assert not (tmp_path / "budget.duckdb.wal").exists()
    assert query(wh, "select what from main.note") == [("written in place",)]
    assert query(wh, "select count(*) from raw.documents") == [(2,)]


def test_lock_refuses_a_second_run_and_in_place_commands(tmp_path, fake_dbt):
    docs, wh = tmp_path / "in", tmp_path / "budget.duckdb"
    write(docs, "xiguan.txt", SEED_TEXT)
    with nightly.lock(wh, "a test"):
        holder = (tmp_path / "budget.duckdb.lock").read_text()
        assert f"pid {os.getpid()}" in holder and "(a test)" in holder
        assert nightly.nightly([docs], wh) == 2
        result = CliRunner().invoke(main, ["ingest", str(docs), "--warehouse", str(wh)])
        assert result.exit_code == 2
        assert f"another budget-etl run holds {tmp_path / 'budget.duckdb.lock'}: pid {os.getpid()}" in (
            result.output)
    assert not wh.exists() and fake_dbt.calls == []
    [refused] = runs(wh)
    assert (refused["status"], refused["exit_code"]) == ("refused", 2)
    assert nightly.nightly([docs], wh) == 0  # released with the context


def test_run_log_marks_runs_that_died(tmp_path):
    layout = Layout(tmp_path / "budget.duckdb")
    for run_id, status in [("a", "running"), ("a", "published"), ("b", "running"), ("c", "running")]:
        nightly.append_run(layout, nightly.RunRecord(run_id, "nightly", "w", f"2026-01-01T00:00:0{ord(run_id)-97}.0Z",
                                                     status=status))
    with open(layout.run_log, "a") as f:
        f.write('{"run_id": "d", "status": "runn')  # cut short by a crash
    assert [(r["run_id"], r["status"]) for r in nightly.read_runs(layout, current="c")] == [
        ("a", "published"), ("b", "died"), ("c", "running")]


def test_log_lines_are_readable_or_json(tmp_path, fake_dbt):
    docs, wh = tmp_path / "in", tmp_path / "budget.duckdb"
    write(docs, "xiguan.txt", SEED_TEXT)
    result = CliRunner().invoke(main, ["nightly", str(docs), "--warehouse", str(wh), "--log-json"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    run_id = runs(wh)[0]["run_id"]
    assert {line["run_id"] for line in lines} == {run_id}
    assert lines[-1]["level"] == "INFO" and "published: 1 documents seen" in lines[-1]["message"]

    result = CliRunner().invoke(main, ["nightly", str(docs), "--warehouse", str(wh)])
    assert result.exit_code == 0
    assert "INFO run=" in result.output and "nothing new or changed in 1 documents" in result.output


# ---- which files are hashed: size and mtime, --verify -----------------------------------------------

SETTLED_NS = 1_700_000_000 * 10**9  # an mtime long past: a record of it is trusted (see budget_etl.ops.hashes)


@pytest.fixture
def hash_calls(monkeypatch):
    """The files read and hashed (budget_etl.ops.pipeline.hash_file), in order."""
    calls: list[str] = []
    real = budget_etl.ops.pipeline.hash_file

    def counted(path):
        calls.append(Path(path).name)
        return real(path)

    monkeypatch.setattr(budget_etl.ops.pipeline, "hash_file", counted)
    return calls


def settled(path: Path, mtime_ns: int = SETTLED_NS) -> None:
    os.utime(path, ns=(mtime_ns, mtime_ns))


def test_files_unchanged_in_size_and_mtime_are_not_hashed_again(tmp_path, fake_dbt, hash_calls):
    docs, wh = tmp_path / "in", tmp_path / "budget.duckdb"
    for name, office in [("xiguan.txt", "西关"), ("dongguan.txt", "东关")]:
        settled(write(docs, name, variant(office)))
    assert nightly.nightly([docs], wh) == 0
    assert sorted(set(hash_calls)) == ["dongguan.txt", "xiguan.txt"]
    assert json.loads(Layout(wh.absolute()).hashes.read_text())["files"][str((docs / "xiguan.txt").absolute())][
        :2] == [(docs / "xiguan.txt").stat().st_size, SETTLED_NS]

    hash_calls.clear()
    assert nightly.nightly([docs], wh) == 0
    assert hash_calls == []  # same size, same mtime: neither file is read
    assert runs(wh)[-1]["status"] == "unchanged"

    settled(docs / "xiguan.txt", SETTLED_NS + 10**9)  # touched: same bytes, a new mtime
    assert nightly.nightly([docs], wh) == 0
    assert hash_calls == ["xiguan.txt"]  # hashed again, found unchanged: nothing rebuilt
    assert runs(wh)[-1]["status"] == "unchanged" and len(fake_dbt.calls) == 1

    hash_calls.clear()
    assert nightly.nightly([docs], wh) == 0
    assert hash_calls == []  # the new mtime was recorded

    write(docs, "dongguan.txt", variant("东关", revenue=Decimal("3566894.18")))  # new bytes, written just now
    hash_calls.clear()
    assert nightly.nightly([docs], wh) == 0
    assert hash_calls == ["dongguan.txt"]  # once: the ingest takes the hash this run made
    assert runs(wh)[-1]["documents_changed"] == 1 and len(fake_dbt.calls) == 2


def test_verify_hashes_every_file_and_catches_a_change_that_kept_size_and_mtime(tmp_path, fake_dbt, hash_calls):
    docs, wh = tmp_path / "in", tmp_path / "budget.duckdb"
    settled(write(docs, "xiguan.txt", variant(revenue=Decimal("3566894.19"))))
    settled(write(docs, "dongguan.txt", variant("东关")))
    assert nightly.nightly([docs], wh) == 0

    # new bytes of the same size, the mtime put back: only reading the file can tell
    settled(write(docs, "xiguan.txt", variant(revenue=Decimal("3566894.18"))))
    hash_calls.clear()
    assert nightly.nightly([docs], wh) == 0
    assert hash_calls == [] and runs(wh)[-1]["status"] == "unchanged"  # the price of not reading

    assert nightly.nightly([docs], wh, verify=True) == 0
    assert sorted(set(hash_calls)) == ["dongguan.txt", "xiguan.txt"]
    assert runs(wh)[-1]["documents_changed"] == 1
    assert query(wh, "select count(*) from raw.documents") == [(3,)]
    assert query(wh, "select list(distinct amount_yuan order by amount_yuan) from raw.revenue "
                     "where amount_yuan between 3566894 and 3566895") == [
        ([Decimal("3566894.18"), Decimal("3566894.19")],)]

    result = CliRunner().invoke(main, ["nightly", str(docs), "--warehouse", str(wh), "--verify"])
    assert result.exit_code == 0, result.output
    assert "hashed 2 files" in result.output and "nothing new or changed in 2 documents" in result.output


def test_a_file_modified_as_it_was_hashed_is_hashed_again(tmp_path, fake_dbt, hash_calls, monkeypatch):
    """A file written in the instant it is hashed may change again without its mtime moving: its record is
    not trusted, however often the run comes back, until the mtime is old enough."""
    # "the same instant" is a day wide here, so that a slow run (a loaded machine) cannot make it settled
    monkeypatch.setattr(budget_etl.ops.hashes, "RACY_SECONDS", 86400.0)
    docs, wh = tmp_path / "in", tmp_path / "budget.duckdb"
    write(docs, "xiguan.txt", SEED_TEXT)  # mtime: now
    assert nightly.nightly([docs], wh) == 0
    hash_calls.clear()
    assert nightly.nightly([docs], wh) == 0
    assert hash_calls == ["xiguan.txt"]
    settled(docs / "xiguan.txt")
    assert nightly.nightly([docs], wh) == 0
    hash_calls.clear()
    assert nightly.nightly([docs], wh) == 0
    assert hash_calls == []


# ---- with dbt ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_changed_document_supersedes_and_facts_come_from_the_latest(tmp_path):
    docs, wh = tmp_path / "in", tmp_path / "budget.duckdb"
    write(docs, "xiguan_2020.txt", SEED_TEXT)
    write(docs, "dongguan_2020.txt", variant("东关"))
    assert nightly.nightly([docs], wh) == 0
    old_id = query(wh, "select document_id from raw.documents where file_name = 'xiguan_2020.txt'")[0][0]

    write(docs, "xiguan_2020.txt", variant(revenue=Decimal("3567000.00")))  # republished with a new figure
    write(docs, "xiguan_2021.txt", variant(year=2021))
    assert nightly.nightly([docs], wh) == 0
    last = runs(wh)[-1]
    assert (last["documents_new"], last["documents_changed"], last["documents_unchanged"]) == (1, 1, 1)
    history = query(wh, """
        select d.fiscal_year, d.version_number, d.is_latest_version, d.superseded_by, d.document_id
        from marts.dim_document d join marts.dim_office o using (office_id)
        where o.office_name = '山海关区西关街道办事处' order by 1, 2""")
    assert [(y, v, latest) for y, v, latest, _, _ in history] == [(2020, 1, False), (2020, 2, True),
                                                                   (2021, 1, True)]
    new_id = history[1][4]
    assert history[0][3] == new_id and history[0][4] == old_id  # v1 superseded by v2
    assert query(wh, "select count(*) from raw.documents") == [(4,)]  # every version is kept
    # facts and marts: the latest version only
    for table in ["fct_revenue", "fct_expenditure", "fct_project", "fct_operating_expense", "fct_asset"]:
        assert query(wh, f"select count(*) from marts.{table} where document_id = ?", [old_id]) == [(0,)], table
    assert query(wh, "select count(*), sum(amount_yuan) from marts.fct_revenue where document_id = ?",
                 [new_id]) == [(4, Decimal("3567000.00"))]
    assert query(wh, """
        select m.fiscal_year, m.total_revenue_yuan, m.document_id = ? from marts.mart_office_year m
        join marts.dim_office o using (office_id) where o.office_name = '山海关区西关街道办事处'
        order by 1""", [new_id]) == [(2020, Decimal("3567000.00"), True), (2021, SEED_REVENUE, False)]
    assert query(wh, "select document_count from marts.dim_office "
                     "where office_name = '山海关区西关街道办事处'") == [(2,)]
    assert query(wh, "select count(*) from marts.dq_check_results where not is_latest_version") == [
        query(wh, "select count(*) from raw.validation_results where document_id = ?", [old_id])[0]]


@pytest.mark.slow
def test_sigkill_at_every_point_keeps_the_published_warehouse_and_the_next_run_recovers(tmp_path):
    docs, wh = tmp_path / "in", tmp_path / "wh" / "budget.duckdb"
    write(docs, "xiguan_2020.txt", SEED_TEXT)
    write(docs, "dongguan_2020.txt", variant("东关"))
    assert nightly.nightly([docs], wh) == 0
    published = state(wh)
    assert published == (2, 2 * SEED_REVENUE, 8, 2)
    inode = wh.stat().st_ino

    write(docs, "xiguan_2020.txt", variant(revenue=Decimal("3567000.00")))  # changed
    write(docs, "nanguan_2020.txt", variant("南关"))
    write(docs, "beiguan_2020.txt", variant("北关"))
    write(docs, "xiguan_2021.txt", variant(year=2021))
    layout = Layout(wh.absolute())
    for point in nightly.PAUSE_POINTS:
        proc = start("nightly", str(docs), "--warehouse", str(wh), pause=point)
        marker = layout.build_dir / f"paused.{point}"
        wait_for(lambda: marker.exists() or proc.poll() is not None, f"the run to pause at {point}")  # noqa: B023
        assert proc.poll() is None, proc.communicate()
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert state(wh) == published, point
        assert wh.stat().st_ino == inode, point  # never touched
        assert layout.build.exists(), point  # the dead run's copy is still there...

    # and once more in the middle of dbt build: let the run go on from after_ingest, kill it once dbt logs
    dbt_log = layout.build_dir / "dbt" / "logs" / "dbt.log"
    logged = dbt_log.stat().st_mtime_ns
    proc = start("nightly", str(docs), "--warehouse", str(wh), pause="after_ingest")
    wait_for((layout.build_dir / "paused.after_ingest").exists, "the run to pause at after_ingest")
    (layout.build_dir / "paused.after_ingest").unlink()
    wait_for(lambda: dbt_log.exists() and dbt_log.stat().st_mtime_ns > logged, "dbt to start")
    proc.send_signal(signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL
    assert state(wh) == published and wh.stat().st_ino == inode
    assert [r["status"] for r in runs(wh)] == ["published"] + ["died"] * 5  # ...and in the log

    result = subprocess.run(command("nightly", str(docs), "--warehouse", str(wh)), capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    assert not layout.build.exists() and not list(layout.build_dir.glob("paused.*"))
    assert state(wh) == (5, 4 * SEED_REVENUE + Decimal("3567000.00"), 20, 6)
    assert query(wh, "select count(*) - count(distinct document_id) from raw.documents") == [(0,)]
    assert query(wh, "select count(*) from raw.load_batches") == [(2,)]  # the killed batches left nothing
    assert query(wh, "select status, documents_new, documents_changed from ops.run_log "
                     "order by started_at") == [
        ("published", 2, 0), *[("died", 0, 0)] * 5, ("published", 3, 1)]


READER = """
import json, os, sys, time, duckdb
path, out, stop, persistent = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
sql = sys.argv[5]
con = duckdb.connect(path, read_only=True) if persistent else None
with open(out, "a") as f:
    while True:
        try:
            c = con or duckdb.connect(path, read_only=True)
            row = c.execute(sql).fetchall()[0]
            if not persistent:
                c.close()
            f.write(json.dumps([str(v) for v in row]) + "\\n")
        except Exception as exc:
            f.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"}) + "\\n")
        f.flush()
        if os.path.exists(stop):
            break
        time.sleep(0.05)
"""


@pytest.mark.slow
def test_readers_see_only_complete_snapshots_and_never_a_lock_error(tmp_path):
    docs, wh = tmp_path / "in", tmp_path / "budget.duckdb"
    write(docs, "xiguan_2020.txt", SEED_TEXT)
    assert nightly.nightly([docs], wh) == 0
    old = [str(v) for v in state(wh)]
    write(docs, "xiguan_2020.txt", variant(revenue=Decimal("3567000.00")))
    write(docs, "dongguan_2020.txt", variant("东关"))
    new = ["2", str(SEED_REVENUE + Decimal("3567000.00")), "8", "3"]

    stop = tmp_path / "stop"
    outs = [tmp_path / f"reader{i}.jsonl" for i in range(3)]
    readers = [subprocess.Popen([sys.executable, "-c", READER, str(wh), str(out), str(stop), str(int(i == 2)),
                                 STATE_SQL]) for i, out in enumerate(outs)]

    def lines(out: Path) -> list:
        return [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []

    wait_for(lambda: all(lines(out) for out in outs), "the readers to start")
    run = start("nightly", str(docs), "--warehouse", str(wh), pause="before_publish")
    marker = Layout(wh.absolute()).build_dir / "paused.before_publish"
    wait_for(lambda: marker.exists() or run.poll() is not None, "the run to reach before_publish")
    counts = [len(lines(out)) for out in outs]
    wait_for(lambda: all(len(lines(o)) > n for o, n in zip(outs, counts, strict=True)), "reads during the run")
    marker.unlink()  # publish now, with the readers reading
    assert run.wait(timeout=120) == 0, run.communicate()
    wait_for(lambda: all(new in lines(out) for out in outs[:2]), "the readers to see the new warehouse")
    stop.touch()
    for reader in readers:
        assert reader.wait(timeout=60) == 0

    for i, out in enumerate(outs):
        seen = lines(out)
        assert [s for s in seen if isinstance(s, dict)] == []  # no errors, no lock conflicts
        assert {tuple(s) for s in seen} == ({tuple(old)} if i == 2 else {tuple(old), tuple(new)}), i
        if i < 2:  # a reconnecting reader moves from the old snapshot to the new one, never back
            first_new = seen.index(new)
            assert set(map(tuple, seen[first_new:])) == {tuple(new)}


@pytest.mark.slow
def test_two_runs_at_once_one_runs_the_other_refuses(tmp_path):
    docs, wh = tmp_path / "in", tmp_path / "budget.duckdb"
    write(docs, "xiguan_2020.txt", SEED_TEXT)
    procs = [start("nightly", str(docs), "--warehouse", str(wh), pause="after_copy") for _ in range(2)]
    wait_for(lambda: any(p.poll() is not None for p in procs), "one of the runs to give up")
    refused = next(p for p in procs if p.poll() is not None)
    running = next(p for p in procs if p is not refused)
    _, err = refused.communicate()
    assert refused.returncode == 2
    assert f"another budget-etl run holds {wh}.lock: pid {running.pid} on " in err

    marker = Layout(wh.absolute()).build_dir / "paused.after_copy"
    wait_for(marker.exists, "the other run to pause")
    assert marker.read_text().strip() == str(running.pid)
    marker.unlink()
    assert running.wait(timeout=120) == 0, running.communicate()
    assert sorted((r["status"], r["pid"]) for r in runs(wh)) == [
        ("published", running.pid), ("refused", refused.pid)]
    assert state(wh) == (1, SEED_REVENUE, 4, 1)


def _zip(entries: dict[str, bytes], big: tuple[str, int] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
        if big:  # streamed: the bomb is never in memory here either
            with zf.open(big[0], "w", force_zip64=True) as f:
                for _ in range(big[1] >> 22):
                    f.write(b"\0" * (1 << 22))
    return buf.getvalue()


def _corrupt_docx() -> bytes:
    """The Xiguan docx with bytes of word/document.xml's compressed stream flipped."""
    data = bytearray(DOCX.read_bytes())
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("word/document.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 100
    data[start:start + 300] = bytes(b ^ 0x5A for b in data[start:start + 300])
    return bytes(data)


RSS = """
import resource, subprocess, sys
result = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=600)
sys.stderr.write(result.stderr)
print(result.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


@pytest.mark.slow
def test_hostile_files_are_quarantined_with_their_reasons_and_memory_stays_bounded(tmp_path):
    docs, outside, wh = tmp_path / "in", tmp_path / "outside", tmp_path / "budget.duckdb"
    canary = tmp_path / "pwned"
    secret = write(outside, "secret.txt", "TOP-SECRET-CANARY " + variant("机密"))
    os.mkfifo(outside / "fifo")  # reading it would block the run forever
    write(outside, "elsewhere/nanguan.txt", variant("南关"))
    write(docs, "good.txt", SEED_TEXT)
    meta_office = "山海关区" + META.format(canary=canary) + "街道办事处"
    write(docs, "meta.txt", variant(META.format(canary=canary)))
    write(docs, "empty.txt", b"")
    write(docs, "binary.txt", bytes(range(256)) * 64)
    write(docs, "wrong_encoding.txt", codecs.BOM_UTF8 + variant("东关").encode("gbk"))
    with open(docs / "huge.txt", "wb") as f:  # ~50 MB of real text
        f.write(SEED_TEXT.encode() * (50 * 2**20 // len(SEED_TEXT.encode())))
    write(docs, "truncated.docx", DOCX.read_bytes()[:5000])
    write(docs, "corrupt.docx", _corrupt_docx())
    write(docs, "bomb.docx", _zip({"[Content_Types].xml": b"<Types/>"}, big=("word/document.xml", 1 << 30)))
    xxe = (f'<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY x SYSTEM "file://{outside / "fifo"}">]>'
           '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
           '<w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>')
    write(docs, "xxe.docx", _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": xxe.encode()}))
    (docs / "link.txt").symlink_to(secret)
    (docs / "pipe.txt").symlink_to(outside / "fifo")
    (docs / "linked_folder").symlink_to(outside / "elsewhere", target_is_directory=True)

    def nightly_rss() -> tuple[int, int, str]:
        result = subprocess.run([sys.executable, "-c", RSS, *command("nightly", str(docs), "--warehouse",
                                                                     str(wh))],
                                capture_output=True, text=True, timeout=900)
        code, rss_kb = map(int, result.stdout.split())
        return code, rss_kb * 1024, result.stderr

    code, peak, log = nightly_rss()
    assert code == 1, log  # quarantined files, the good ones published
    reasons = dict(query(wh, "select regexp_extract(source_path, '[^/]+$'), reason_code from raw.quarantine"))
    assert reasons == {
        "empty.txt": "empty_file", "binary.txt": "binary_file", "wrong_encoding.txt": "unreadable_encoding",
        "huge.txt": "file_too_large", "truncated.docx": "not_a_docx", "corrupt.docx": "docx_corrupt",
        "bomb.docx": "docx_zip_bomb", "xxe.docx": "docx_unsafe_xml", "link.txt": "outside_input_folder",
    }
    assert all(f"quarantined {docs / name}: {reason}: " in log for name, reason in reasons.items())
    assert query(wh, "select size_bytes > 50e6, sha256 is not null from raw.quarantine "
                     "where reason_code = 'file_too_large'") == [(True, True)]
    assert set(query(wh, "select office_name from raw.documents")) == {("山海关区西关街道办事处",), (meta_office,)}
    assert query(wh, "select count(*) from marts.mart_office_year") == [(2,)]
    assert query(wh, "select count(*) from marts.dim_office where office_name = ?", [meta_office]) == [(1,)]
    assert not canary.exists()  # text is data: no shell, no SQL ran
    # nothing from outside the folder got in
    assert query(wh, "select count(*) from raw.documents where normalized_text like '%CANARY%' "
                     "or office_name like '%南关%' or office_name like '%机密%'") == [(0,)]
    assert query(wh, "select count(*) from raw.quarantine where reason like '%CANARY%'") == [(0,)]
    # a 50 MB file and a 1 GB bomb later, the run stayed far below what reading them would take
    assert peak < 480 * 2**20, peak  # measured: ~325 MiB; without the size limit ~1 GB
    run = runs(wh)[-1]
    assert (run["documents_seen"], run["documents_new"], run["documents_quarantined"]) == (11, 2, 9)

    code, _, log = nightly_rss()  # every hostile file is known by now: nothing to do
    assert code == 0, log
    assert runs(wh)[-1]["status"] == "unchanged"
