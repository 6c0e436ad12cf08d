"""What a bad day or a careless hand must not do to the published warehouse (issue 10): a deleted lock file,
a replaced build file, a shrinking warehouse, a killed run's workers, a document that never ends, a full disk,
a read-only folder, a reader holding the file, a kill right after the swap.

Runs that must die or wait are subprocesses driven by BUDGET_ETL_PAUSE_AT (budget_etl.ops.faults), with a
stand-in for dbt (FAKE_RUN), so that nothing depends on timing and nothing here runs dbt.
"""
# ruff: noqa: F811  (the fixture fake_dbt comes from test_nightly)

from __future__ import annotations

import json
import logging
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest
from click.testing import CliRunner

import budget_etl.transform
from budget_etl.cli import main
from budget_etl.ops import faults, nightly, pipeline
from budget_etl.ops.nightly import Layout
from test_nightly import SEED_TEXT, fake_dbt, query, runs, variant, wait_for, write  # noqa: F401

FAKE_RUN = """
import sys, duckdb
import budget_etl.transform as transform
from budget_etl.ops import nightly
from budget_etl.transform import BuildResult

def build(path, *, select=None, work_dir=None, unit_tests=True):  # dbt's stand-in, as the fake_dbt fixture
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists marts")
        con.execute("create or replace table marts.mart_office_year as "
                    "select document_id, fiscal_year from raw.documents")
    return BuildResult(passed=1, success=True)

transform.build = build
nightly.configure_logging(json_lines=True)
sys.exit(nightly.nightly(sys.argv[2:], sys.argv[1]))
"""


def fake_run(wh: Path, *docs: Path, pause: str = "", markers: Path | None = None) -> subprocess.Popen:
    """A nightly run (dbt stubbed) in a subprocess, pausing at ``pause`` with its markers in ``markers``."""
    env = {**os.environ, faults.PAUSE_ENV: pause, faults.PAUSE_DIR_ENV: str(markers or "")}
    return subprocess.Popen([sys.executable, "-c", FAKE_RUN, str(wh), *map(str, docs)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def paused(proc: subprocess.Popen, marker: Path) -> int:
    """Wait until the run pauses at ``marker``; the pid of the process that wrote it."""
    wait_for(lambda: marker.exists() or proc.poll() is not None, f"the run to write {marker.name}")
    assert proc.poll() is None, proc.communicate()
    wait_for(lambda: marker.read_text().strip(), f"{marker.name} to name its process")
    return int(marker.read_text())


def documents(wh: Path) -> set[str]:
    return {name for (name,) in query(wh, "select file_name from raw.documents")}


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]  # every line is JSON, or this fails


def alive(pid: int) -> bool:
    """A process that exists and is not a zombie (an orphan's zombie may never be reaped in a container)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in "ZX"
    except (FileNotFoundError, ProcessLookupError):
        return False


# ---- finding 1: the lock, the build file, shrinking, roll-back ---------------------------------------


def test_a_deleted_lock_file_is_noticed_and_lets_no_run_publish_over_another(tmp_path, fake_dbt):
    wh, markers = tmp_path / "wh" / "budget.duckdb", tmp_path / "markers"
    markers.mkdir()
    first, a_docs, b_docs = tmp_path / "first", tmp_path / "a", tmp_path / "b"
    write(first, "xiguan.txt", SEED_TEXT)
    write(a_docs, "dongguan.txt", variant("东关"))
    write(b_docs, "nanguan.txt", variant("南关"))
    assert nightly.nightly([first], wh) == 0

    a = fake_run(wh, first, a_docs, pause="after_copy", markers=markers)
    paused(a, markers / "paused.after_copy")
    Layout(wh.absolute()).lock.unlink()  # "it stays behind after every run": someone tidies up
    assert nightly.nightly([first, b_docs], wh) == 0  # a second run takes a new lock, builds and publishes
    assert documents(wh) == {"xiguan.txt", "nanguan.txt"}
    after_b = wh.stat().st_ino

    (markers / "paused.after_copy").unlink()  # the first run goes on, having lost its lock
    _, err = a.communicate(timeout=120)
    assert a.returncode == 2, err
    [error] = [line for line in json_lines(err) if line["level"] == "ERROR"]
    assert "was removed or replaced while this run held it" in error["message"]
    assert wh.stat().st_ino == after_b and documents(wh) == {"xiguan.txt", "nanguan.txt"}  # B's, untouched
    failed = next(r for r in runs(wh) if r["pid"] == a.pid)
    assert (failed["status"], failed["exit_code"]) == ("failed", 2)
    assert "LockLost" in failed["message"]


def test_a_replaced_build_file_is_never_published(tmp_path, fake_dbt):
    wh, markers, docs = tmp_path / "budget.duckdb", tmp_path / "markers", tmp_path / "in"
    markers.mkdir()
    write(docs, "xiguan.txt", SEED_TEXT)
    assert nightly.nightly([docs], wh) == 0
    inode = wh.stat().st_ino
    write(docs, "dongguan.txt", variant("东关"))

    run = fake_run(wh, docs, pause="after_ingest", markers=markers)
    paused(run, markers / "paused.after_ingest")
    build = Layout(wh.absolute()).build
    impostor = build.with_name("impostor.duckdb")
    impostor.write_bytes(build.read_bytes())  # the same content, but not the file the run created
    os.replace(impostor, build)
    (markers / "paused.after_ingest").unlink()
    _, err = run.communicate(timeout=120)
    assert run.returncode == 2, err
    assert "is not the one this run created" in err
    assert wh.stat().st_ino == inode and documents(wh) == {"xiguan.txt"}
    assert build.exists()  # not this run's to delete either


def test_the_lock_is_checked_after_locking_and_a_stale_one_is_explained(tmp_path, fake_dbt):
    wh, docs = tmp_path / "budget.duckdb", tmp_path / "in"
    write(docs, "xiguan.txt", SEED_TEXT)
    lock_file = Layout(wh.absolute()).lock
    with nightly.lock(wh, "a test") as held:
        held.verify()
        lock_file.unlink()
        with pytest.raises(nightly.LockLost, match="was removed or replaced"):
            held.verify()
        with nightly.lock(wh, "another"):  # the danger: a new file, a new lock
            pass
    assert lock_file.read_text() == ""  # released: names no one

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    pid = int(dead.stdout)  # a process that has ended
    lock_file.write_text(f"pid {pid} on {os.uname().nodename} (nightly run x) since 2026-01-01T00:00:00Z\n")
    result = CliRunner().invoke(main, ["nightly", str(docs), "--warehouse", str(wh)])
    assert result.exit_code == 0, result.output
    assert f"taking over the lock {lock_file} left by an earlier run (pid {pid} on " in result.output
    assert f"pid {pid} is not running" in result.output


def test_a_warehouse_with_fewer_documents_or_facts_is_not_published_unless_allowed(tmp_path, fake_dbt,
                                                                                   monkeypatch):
    wh, docs = tmp_path / "budget.duckdb", tmp_path / "in"
    write(docs, "xiguan.txt", SEED_TEXT)
    write(docs, "dongguan.txt", variant("东关"))
    assert nightly.nightly([docs], wh) == 0
    facts = query(wh, "select count(*) from raw.revenue")[0][0]
    assert facts == 8
    inode = wh.stat().st_ino
    write(docs, "nanguan.txt", variant("南关"))

    build = budget_etl.transform.build

    def losing_build(path, **kwargs):  # a build that loses what was published (a bug, a bad copy)
        with duckdb.connect(str(path)) as con:
            con.execute("delete from raw.revenue where document_id in (select document_id from raw.documents "
                        "where file_name in ('xiguan.txt', 'dongguan.txt'))")
            con.execute("delete from raw.documents where file_name in ('xiguan.txt', 'dongguan.txt')")
        return build(path, **kwargs)

    monkeypatch.setattr(budget_etl.transform, "build", losing_build)
    assert nightly.nightly([docs], wh) == 2
    assert wh.stat().st_ino == inode and documents(wh) == {"xiguan.txt", "dongguan.txt"}
    refused = runs(wh)[-1]
    assert (refused["status"], refused["published"]) == ("failed", False)
    assert "fewer documents (1 < 2), revenue facts (4 < 8) than" in refused["message"]  # 4 lines each
    assert "--allow-shrink" in refused["message"]

    assert nightly.nightly([docs], wh, force=True, allow_shrink=True) == 0
    assert documents(wh) == {"nanguan.txt"}


def test_the_previous_warehouse_is_kept_and_rollback_swaps_it_back(tmp_path, fake_dbt):
    wh, docs = tmp_path / "budget.duckdb", tmp_path / "in"
    prev = tmp_path / "budget.duckdb.prev"
    result = CliRunner().invoke(main, ["rollback", "--warehouse", str(wh)])
    assert result.exit_code == 2
    assert "nothing to roll back to" in result.output

    write(docs, "xiguan.txt", SEED_TEXT)
    assert nightly.nightly([docs], wh) == 0
    assert not prev.exists()  # nothing was replaced
    write(docs, "dongguan.txt", variant("东关"))
    assert nightly.nightly([docs], wh) == 0
    assert documents(prev) == {"xiguan.txt"} and documents(wh) == {"xiguan.txt", "dongguan.txt"}

    result = CliRunner().invoke(main, ["rollback", "--warehouse", str(wh)])
    assert result.exit_code == 0, result.output
    assert documents(wh) == {"xiguan.txt"} and documents(prev) == {"xiguan.txt", "dongguan.txt"}
    last = runs(wh)[-1]
    assert (last["command"], last["status"], last["exit_code"]) == ("rollback", "rolled_back", 0)
    assert CliRunner().invoke(main, ["rollback", "--warehouse", str(wh)]).exit_code == 0  # undone
    assert documents(wh) == {"xiguan.txt", "dongguan.txt"} and documents(prev) == {"xiguan.txt"}

    with nightly.lock(wh, "a test"):
        assert nightly.rollback(wh) == 2  # not while a run holds the lock
    assert runs(wh)[-1]["status"] == "refused"


# ---- finding 2: workers die with their parent --------------------------------------------------------


def test_a_killed_run_leaves_no_worker_behind_and_the_next_run_gets_the_lock(tmp_path, fake_dbt):
    wh, markers, docs = tmp_path / "budget.duckdb", tmp_path / "markers", tmp_path / "in"
    markers.mkdir()
    for i in range(pipeline.PARALLEL_FROM):  # enough to parse in worker processes
        write(docs, f"junk_{i:02}.txt", f"not a disclosure, number {i}\n")
    run = fake_run(wh, docs, pause="parse:junk_03.txt", markers=markers)
    marker = markers / "paused.parse:junk_03.txt"
    worker = paused(run, marker)
    assert worker != run.pid  # a worker process is reading junk_03.txt
    lock_file = str(Layout(wh.absolute()).lock)
    assert lock_file not in {os.readlink(fd) for fd in Path(f"/proc/{worker}/fd").iterdir()}  # not its lock
    try:
        run.send_signal(signal.SIGKILL)
        run.wait()
        wait_for(lambda: not alive(worker), "the worker to die with its parent", timeout=60)
    finally:
        marker.unlink(missing_ok=True)  # lets a surviving worker go on and end
    write(docs, "xiguan.txt", SEED_TEXT)
    assert nightly.nightly([docs], wh) == 1  # the lock is free: published, the junk quarantined
    assert documents(wh) == {"xiguan.txt"}


# ---- finding 3: a time limit per document -------------------------------------------------------------


@pytest.mark.parametrize("in_workers", [False, True])
def test_a_document_that_takes_too_long_is_quarantined_as_timeout(tmp_path, fake_dbt, monkeypatch, in_workers):
    wh, markers, docs = tmp_path / "budget.duckdb", tmp_path / "markers", tmp_path / "in"
    markers.mkdir()
    write(docs, "xiguan.txt", SEED_TEXT)
    write(docs, "endless.txt", variant("东关"))
    monkeypatch.setenv(faults.PAUSE_ENV, "parse:endless.txt")  # reading it never ends
    monkeypatch.setenv(faults.PAUSE_DIR_ENV, str(markers))
    if in_workers:
        monkeypatch.setattr(pipeline, "PARALLEL_FROM", 2)
        monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert nightly.nightly([docs], wh, time_limit=5) == 1  # published, one quarantined
    assert documents(wh) == {"xiguan.txt"}
    [(path, reason_code, reason, sha)] = query(wh, "select source_path, reason_code, reason, sha256 "
                                                   "from raw.quarantine")
    assert (Path(path).name, reason_code) == ("endless.txt", "timeout")
    assert "longer than the limit of 5 s per document" in reason
    assert sha == pipeline.hash_file(docs / "endless.txt")  # known: the next nightly does not retry it
    worker = int((markers / "paused.parse:endless.txt").read_text())
    assert (worker != os.getpid()) is in_workers
    assert runs(wh)[-1]["documents_quarantined"] == 1


# ---- finding 8: exit codes, one line of error, both logs ----------------------------------------------


def errors_of(output: str) -> list[str]:
    assert "Traceback" not in output
    return [line for line in output.splitlines() if " ERROR " in line]


def test_a_lock_that_cannot_be_created_is_one_line_and_exit_2(tmp_path, fake_dbt):
    wh, docs = tmp_path / "budget.duckdb", tmp_path / "in"
    write(docs, "xiguan.txt", SEED_TEXT)
    Layout(wh.absolute()).lock.mkdir()  # as a read-only folder would: the lock file cannot be opened
    result = CliRunner().invoke(main, ["nightly", str(docs), "--warehouse", str(wh)])
    assert result.exit_code == 2, result.output
    [error] = errors_of(result.output)
    assert "the run could not start, nothing was published: IsADirectoryError" in error
    [run] = runs(wh)  # the run log could be written: it says so
    assert (run["status"], run["exit_code"]) == ("failed", 2) and "IsADirectoryError" in run["message"]
    assert not wh.exists() and fake_dbt.calls == []


def test_a_run_log_that_cannot_be_written_is_one_line_and_exit_2(tmp_path, fake_dbt):
    wh, docs = tmp_path / "budget.duckdb", tmp_path / "in"
    write(docs, "xiguan.txt", SEED_TEXT)
    Layout(wh.absolute()).run_log.mkdir()
    result = CliRunner().invoke(main, ["nightly", str(docs), "--warehouse", str(wh)])
    assert result.exit_code == 2, result.output
    [error] = errors_of(result.output)
    assert "the run could not start" in error and "cannot be written" in error
    assert not wh.exists() and fake_dbt.calls == []  # a run that cannot log does not run


def test_a_full_disk_mid_run_is_one_json_line_of_error_and_exit_2(tmp_path, fake_dbt):
    wh, markers, docs = tmp_path / "budget.duckdb", tmp_path / "markers", tmp_path / "in"
    markers.mkdir()
    write(docs, "xiguan.txt", SEED_TEXT)
    assert nightly.nightly([docs], wh) == 0
    inode = wh.stat().st_ino
    write(docs, "dongguan.txt", variant("东关"))

    run = fake_run(wh, docs, pause="after_copy", markers=markers)
    paused(run, markers / "paused.after_copy")
    resource.prlimit(run.pid, resource.RLIMIT_FSIZE, (1, 1))  # from now on no file of the run may grow
    (markers / "paused.after_copy").unlink()
    _, err = run.communicate(timeout=120)
    assert run.returncode == 2, err
    lines = json_lines(err)  # --log-json stays JSON
    [error] = [line for line in lines if line["level"] == "ERROR"]
    assert "the run failed, nothing was published: " in error["message"]
    assert "File too large" in error["message"]
    assert "cannot be written" in error["message"]  # the run log could not grow either: said on that line
    assert "exception" not in error
    assert wh.stat().st_ino == inode and documents(wh) == {"xiguan.txt"}

    assert nightly.nightly([docs], wh) == 0  # space again: the next run loads it, the log says what happened
    assert [r["status"] for r in runs(wh)] == ["published", "died", "published"]
    assert documents(wh) == {"xiguan.txt", "dongguan.txt"}


def test_a_run_that_fails_on_the_disk_has_both_log_entries(tmp_path, fake_dbt, monkeypatch):
    wh, docs = tmp_path / "budget.duckdb", tmp_path / "in"
    write(docs, "xiguan.txt", SEED_TEXT)
    assert nightly.nightly([docs], wh) == 0
    write(docs, "dongguan.txt", variant("东关"))
    fake = budget_etl.transform.build

    def full(path, **kwargs):
        raise duckdb.IOException('IO Error: Could not write file "next.duckdb": No space left on device')

    monkeypatch.setattr(budget_etl.transform, "build", full)
    result = CliRunner().invoke(main, ["nightly", str(docs), "--warehouse", str(wh), "--log-json"])
    assert result.exit_code == 2, result.output
    [error] = [line for line in json_lines(result.output) if line["level"] == "ERROR"]
    assert error["message"] == ("the run failed, nothing was published: IOException: IO Error: Could not write "
                                'file "next.duckdb": No space left on device')
    assert "exception" not in error  # no traceback
    assert runs(wh)[-1]["message"].endswith("No space left on device")

    monkeypatch.setattr(budget_etl.transform, "build", fake)  # space again
    assert nightly.nightly([docs], wh) == 0  # the next publish carries the failed run in ops.run_log
    assert [r[0] for r in query(wh, "select status from ops.run_log order by started_at")] == [
        "published", "failed", "published"]


class _FullDiskHandler(logging.Handler):
    def emit(self, record):
        try:
            raise OSError(28, "No space left on device")
        except OSError:
            self.handleError(record)


def test_dbt_logging_that_cannot_write_never_floods_the_console(tmp_path, monkeypatch, capfd):
    wh = tmp_path / "budget.duckdb"
    duckdb.connect(str(wh)).close()

    class DbtOnAFullDisk:  # what dbt does when its log file cannot be written: each line fails
        def invoke(self, args):
            logger = logging.getLogger("test.dbt")
            logger.addHandler(_FullDiskHandler())
            try:
                for i in range(100):
                    logger.warning("node %d", i)
            finally:
                logger.handlers.clear()
            print("Encountered an error: [Errno 28] No space left on device")
            return SimpleNamespace(success=False, exception=None, result=SimpleNamespace(results=[]))

    monkeypatch.setattr("dbt.cli.main.dbtRunner", DbtOnAFullDisk)
    result = budget_etl.transform.build(wh, work_dir=tmp_path / "dbt")
    assert not result.ok
    out, err = capfd.readouterr()
    assert out == ""
    assert "Traceback" not in err and "Logging error" not in err
    assert len(err.splitlines()) <= 1  # at most the one summary line


READER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print("open", flush=True)
sys.stdin.read()  # holds the file until the test closes stdin
"""


def test_ingest_and_build_beside_a_reader_are_one_line_and_exit_2(tmp_path, fake_dbt):
    wh, docs = tmp_path / "budget.duckdb", tmp_path / "in"
    write(docs, "xiguan.txt", SEED_TEXT)
    assert nightly.nightly([docs], wh) == 0
    write(docs, "dongguan.txt", variant("东关"))
    reader = subprocess.Popen([sys.executable, "-c", READER, str(wh)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline() == "open\n"
        for args, what in [(["ingest", str(docs)], "ingest into"), (["build"], "build")]:
            result = CliRunner().invoke(main, [*args, "--warehouse", str(wh)])
            assert result.exit_code == 2, result.output
            assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
            [line] = result.output.splitlines()
            assert line.startswith(f"Error: cannot {what} {wh}: IOException: ")
            assert "another process has it open" in line
    finally:
        reader.communicate("")
    assert documents(wh) == {"xiguan.txt"}


# ---- finding 9: a kill right after the swap ---------------------------------------------------------


def test_a_run_killed_right_after_its_swap_is_published_in_both_logs(tmp_path, fake_dbt):
    wh, markers, docs = tmp_path / "budget.duckdb", tmp_path / "markers", tmp_path / "in"
    markers.mkdir()
    write(docs, "xiguan.txt", SEED_TEXT)
    run = fake_run(wh, docs, pause=nightly.AFTER_PUBLISH, markers=markers)
    paused(run, markers / f"paused.{nightly.AFTER_PUBLISH}")
    run.send_signal(signal.SIGKILL)
    run.wait()
    [(run_id, status, exit_code)] = query(wh, "select run_id, status, exit_code from ops.run_log")
    assert (status, exit_code) == ("published", 0)  # the swap happened
    assert [(r["run_id"], r["status"]) for r in runs(wh)] == [(run_id, "died")]  # its end never written

    assert nightly.nightly([docs], wh) == 0  # the next run (nothing new) reconciles the two logs
    killed, unchanged = runs(wh)
    assert (killed["run_id"], killed["status"], killed["exit_code"], killed["published"]) == (
        run_id, "published", 0, True)
    assert "killed after publishing" in killed["message"]
    assert unchanged["status"] == "unchanged"
    assert query(wh, "select status from ops.run_log where run_id = ?", [run_id]) == [("published",)]


@pytest.mark.slow
def test_a_disk_filling_during_dbt_build_is_one_json_line_of_error_not_dbt_tracebacks(tmp_path):
    wh, markers, docs = tmp_path / "budget.duckdb", tmp_path / "markers", tmp_path / "in"
    markers.mkdir()
    write(docs, "xiguan.txt", SEED_TEXT)
    env = {**os.environ, faults.PAUSE_ENV: "after_ingest", faults.PAUSE_DIR_ENV: str(markers)}
    run = subprocess.Popen([sys.executable, "-m", "budget_etl.cli", "nightly", str(docs), "--warehouse", str(wh),
                            "--log-json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    paused(run, markers / "paused.after_ingest")
    resource.prlimit(run.pid, resource.RLIMIT_FSIZE, (1, 1))  # the disk is full for dbt and its log
    (markers / "paused.after_ingest").unlink()
    out, err = run.communicate(timeout=600)
    assert run.returncode == 2, err
    assert out == ""
    lines = json_lines(err)  # no dbt output, no logging tracebacks: every line is a JSON log line
    assert len(lines) < 10
    [error] = [line for line in lines if line["level"] == "ERROR"]
    assert error["message"].startswith("the run failed, nothing was published: TransformError: dbt build "
                                       "could not run: [Errno 27] File too large")
    assert "exception" not in error
    assert not wh.exists()
