"""The distributed executor (budget_etl.ops.distributed): a local Dask cluster of 2 workers parses a small
synthetic corpus (txt, docx, PDFs) into the Parquet lake, and the warehouse loaded from it equals the one the
local process pool builds, row for row; a worker killed mid-task loses and duplicates nothing; a scheduler
that cannot be reached is a clear error and nothing is loaded or published."""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from budget_etl.cli import main
from budget_etl.ops import distributed, hashes, pipeline
from budget_etl.ops.distributed import DaskExecutor
from budget_etl.synth import generate_corpus
from test_pdf_reader import ENCRYPTED, make_pdf

# columns that say when or in which batch a row was loaded: they differ between any two runs
RUN_COLUMNS = {"batch_id", "loaded_at", "published_at", "quarantined_at", "started_at", "finished_at"}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """3 offices x 2 years of txt, 1 office x 2 years of docx, a PDF without a title naming an office
    (quarantined as no_document_identity), an encrypted PDF and a text that is no disclosure."""
    root = tmp_path_factory.mktemp("corpus")
    generate_corpus(root / "txt", offices=3, years=[2022, 2023])
    generate_corpus(root / "docx", offices=1, years=[2022, 2023], fmt="docx", seed=1)
    (root / "pdf").mkdir()
    (root / "pdf" / "scan.pdf").write_bytes(make_pdf([[(20, 380, "Annual report 2023"), (20, 360, "Total 1,234")]]))
    (root / "pdf" / "locked.pdf").write_bytes(ENCRYPTED)
    (root / "notes.txt").write_text("会议纪要：无预算数字。\n", encoding="utf-8")
    return root


def contents(path: Path, schema: str = "raw", tables: tuple[str, ...] = ()) -> dict[str, list[tuple]]:
    """The rows of every table of ``schema`` (or of ``tables``), sorted, without the columns that say when or
    in which batch they came."""
    with duckdb.connect(str(path), read_only=True) as con:
        tables = tables or tuple(r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = ? "
            "and table_type = 'BASE TABLE'", [schema]).fetchall())
        out = {}
        for table in sorted(tables):
            columns = [r[0] for r in con.execute(
                "select column_name from information_schema.columns where table_schema = ? "
                "and table_name = ? order by ordinal_position", [schema, table]).fetchall()]
            kept = ", ".join(f'"{c}"' for c in columns if c not in RUN_COLUMNS)  # names from the catalog
            out[table] = sorted(con.execute(f'select {kept} from "{schema}"."{table}"').fetchall(), key=repr)
        return out


@pytest.fixture(scope="module")
def local_warehouse(corpus, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("local") / "w.duckdb"
    pipeline.ingest([corpus], path, progress=False)
    return path


def ingest_on_dask(corpus: Path, warehouse: Path, lake: Path) -> tuple[pipeline.IngestSummary, bool]:
    executor = DaskExecutor(lake, workers=2)
    with distributed.use(executor):
        summary = pipeline.ingest([corpus], warehouse, progress=False)
        started = executor._client is not None
    return summary, started


def test_distributed_warehouse_equals_local_row_for_row(corpus, local_warehouse, tmp_path):
    lake = tmp_path / "lake"
    summary, started = ingest_on_dask(corpus, tmp_path / "w.duckdb", lake)
    assert started
    assert (summary.loaded, sorted(q.reason_code for q in summary.quarantined)) == (
        8, ["encrypted_pdf", "no_document_identity", "no_document_identity"])
    local, dask = contents(local_warehouse), contents(tmp_path / "w.duckdb")
    assert {t: len(rows) for t, rows in dask.items()} == {t: len(rows) for t, rows in local.items()}
    assert len(dask["documents"]) == 8 and len(dask["expenditure"]) == 24
    for table in local:
        assert dask[table] == local[table], table

    # the lake: parts by year and province, money still decimal(18,2), each document once
    parts = sorted((lake / "documents").glob("fiscal_year=*/province=*/*.parquet"))
    assert {p.parent.parent.name for p in parts} == {"fiscal_year=2022", "fiscal_year=2023"}
    ids = [i for p in parts for i in pq.read_table(p, partitioning=None)["document_id"].to_pylist()]
    assert len(ids) == len(set(ids)) == 8
    money = pq.read_table(next((lake / "expenditure").rglob("*.parquet")), partitioning=None)
    assert str(money.schema.field("amount_yuan").type) == "decimal128(18, 2)"
    assert isinstance(money["amount_yuan"][0].as_py(), Decimal)

    # a re-run on a new warehouse loads the 8 documents from the lake (only the 3 refused files are read
    # again): no part is written again, none added
    before = {p: p.stat().st_mtime_ns for p in lake.rglob("*.parquet")}
    again, _ = ingest_on_dask(corpus, tmp_path / "again.duckdb", lake)
    assert again.loaded == 8 and len(again.quarantined) == 3
    assert {p: p.stat().st_mtime_ns for p in lake.rglob("*.parquet")} == before
    assert contents(tmp_path / "again.duckdb") == local


def test_the_driver_reads_no_document(corpus, local_warehouse, tmp_path, monkeypatch):
    """The workers hash the files as well as parse them: the driver process opens no document, neither on a
    first run nor on a re-run that finds the documents in the lake. The hashes go into the run's record
    (hashes.FileHashes), so that the next run hashes only what changed, on the workers too."""
    opened: list[str] = []
    real_open, real_read_bytes = open, Path.read_bytes

    def counted_open(file, *args, **kwargs):
        if Path(file).suffix in pipeline.DOCUMENT_SUFFIXES:
            opened.append(str(file))
        return real_open(file, *args, **kwargs)

    def counted_read_bytes(self):
        if self.suffix in pipeline.DOCUMENT_SUFFIXES:
            opened.append(str(self))
        return real_read_bytes(self)

    monkeypatch.setattr(pipeline, "open", counted_open, raising=False)  # hash_file's open
    monkeypatch.setattr(Path, "read_bytes", counted_read_bytes)
    monkeypatch.setattr(hashes, "RACY_SECONDS", 0)  # the corpus was written seconds ago
    lake, record = tmp_path / "lake", tmp_path / "hashes.json"
    documents = len(pipeline.discover([corpus]))
    for run, hashed in (("first", documents), ("again", 0)):
        files = hashes.FileHashes(record)
        with distributed.use(DaskExecutor(lake, workers=2)):
            summary = pipeline.ingest([corpus], tmp_path / f"{run}.duckdb", progress=False, digest=files.sha256)
        files.save()
        assert (summary.loaded, len(summary.quarantined)) == (8, 3), run
        assert files.hashed == hashed, run  # by the workers: the driver opened none
        assert contents(tmp_path / f"{run}.duckdb") == contents(local_warehouse), run
    assert documents == 11 and opened == []
    assert hashes.FileHashes(record).recorded(corpus / "notes.txt") == pipeline.hash_file(corpus / "notes.txt")


def test_a_worker_killed_mid_task_loses_and_duplicates_nothing(corpus, local_warehouse, tmp_path, monkeypatch):
    """The worker parsing one document is killed (SIGKILL) while it holds it: Dask runs its task again on a
    worker and the warehouse is the same as a local run's."""
    victim = sorted((corpus / "txt").rglob("*.txt"))[-1].name
    monkeypatch.setenv("BUDGET_ETL_PAUSE_AT", f"parse:{victim}")
    monkeypatch.setenv("BUDGET_ETL_PAUSE_DIR", str(tmp_path))
    marker = tmp_path / f"paused.parse:{victim}"
    killed: list[int] = []

    def killer() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if marker.exists() and (text := marker.read_text().strip()):
                pid = int(text)
                if not killed:
                    os.kill(pid, signal.SIGKILL)  # the first worker to hold the document dies
                    killed.append(pid)
                elif pid != killed[0]:
                    marker.unlink()  # the task's second run, on a live worker: let it go on
                    return
            time.sleep(0.05)

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    summary, _ = ingest_on_dask(corpus, tmp_path / "w.duckdb", tmp_path / "lake")
    thread.join(timeout=5)
    assert len(killed) == 1
    assert summary.loaded == 8 and len(summary.quarantined) == 3
    assert contents(tmp_path / "w.duckdb") == contents(local_warehouse)


@pytest.mark.slow
def test_run_on_dask_publishes_the_same_marts(corpus, tmp_path):
    """`budget-etl run --executor dask` (ingest, dbt build, publish) against the local run: the same marts."""
    marts = ("mart_office_year", "fct_expenditure", "fct_table_figure", "dq_check_results", "dim_document")
    for name, options in (("local", []), ("dask", ["--executor", "dask", "--workers", "2"])):
        result = CliRunner().invoke(main, ["run", str(corpus), "--quiet", "--warehouse",
                                           str(tmp_path / f"{name}.duckdb"), *options])
        assert result.exit_code == 1, result.output  # published; 3 files quarantined
    local, dask = (contents(tmp_path / f"{name}.duckdb", "marts", marts) for name in ("local", "dask"))
    assert len(local["mart_office_year"]) == 8 and len(local["dim_document"]) == 8
    assert dask == local


def test_a_document_that_kills_every_worker_reading_it_is_quarantined(corpus, local_warehouse, tmp_path,
                                                                      monkeypatch):
    """Each worker that reaches one document dies (as on a PDF that crashes PDFium): Dask gives up on its task
    (no retry of a dead worker's task here, to stay fast), the task runs again a document at a time, that
    document is quarantined as worker_crashed and every other one loads as in a local run."""
    import dask

    victim = sorted((corpus / "txt").rglob("*.txt"))[0]
    monkeypatch.setenv("BUDGET_ETL_PAUSE_AT", f"parse:{victim.name}")
    monkeypatch.setenv("BUDGET_ETL_PAUSE_DIR", str(tmp_path))
    marker = tmp_path / f"paused.parse:{victim.name}"
    killed: list[int] = []
    done = threading.Event()

    def killer() -> None:
        while not done.is_set():
            if marker.exists() and (text := marker.read_text().strip()) and int(text) not in killed:
                killed.append(int(text))
                os.kill(int(text), signal.SIGKILL)
            time.sleep(0.05)

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        summary, _ = ingest_on_dask(corpus, tmp_path / "w.duckdb", tmp_path / "lake")
    done.set()
    crashed = [q for q in summary.quarantined if q.reason_code == "worker_crashed"]
    assert [(q.source_path, q.sha256) for q in crashed] == [(victim.as_posix(), pipeline.hash_file(victim))]
    assert len(killed) >= 2  # its task, then the document alone
    assert summary.loaded == 7 and len(summary.quarantined) == 4
    local, dask_rows = contents(local_warehouse), contents(tmp_path / "w.duckdb")
    assert len(dask_rows["documents"]) == 7
    for table in ("documents", "expenditure", "projects", "validation_results"):
        assert set(dask_rows[table]) < set(local[table]), table  # the others' rows, as a local run has them


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_scheduler_loads_and_publishes_nothing(corpus, tmp_path, monkeypatch):
    monkeypatch.setattr(distributed, "CONNECT_TIMEOUT", 2)
    address = f"tcp://127.0.0.1:{closed_port()}"
    result = CliRunner().invoke(main, ["ingest", str(corpus), "--warehouse", str(tmp_path / "w.duckdb"),
                                       "--executor", "dask", "--scheduler", address])
    assert result.exit_code == 2
    assert f"cannot reach the Dask scheduler at {address} within 2 s" in result.output
    assert not (tmp_path / "w.duckdb").exists()

    result = CliRunner().invoke(main, ["run", str(corpus), "--quiet", "--warehouse", str(tmp_path / "p.duckdb"),
                                       "--executor", "dask", "--scheduler", address])
    assert result.exit_code == 2
    assert not (tmp_path / "p.duckdb").exists()  # nothing published
    last = json.loads((tmp_path / "p.duckdb.runs.jsonl").read_text(encoding="utf-8").splitlines()[-1])
    assert (last["status"], last["exit_code"], last["published"]) == ("failed", 2, False)
    assert last["message"].startswith(f"SchedulerUnreachable: cannot reach the Dask scheduler at {address} within 2 s")


def test_scheduler_and_lake_need_the_dask_executor(tmp_path):
    result = CliRunner().invoke(main, ["ingest", str(tmp_path), "--scheduler", "tcp://127.0.0.1:8786"])
    assert result.exit_code == 2 and "--scheduler and --lake need --executor dask" in result.output


def test_a_province_from_a_document_never_leaves_its_partition_folder():
    assert distributed.partition(2023, "河北省") == "fiscal_year=2023/province=河北省"
    for province in ("../../etc", "a/b", ".hidden", "x=y", None, "", "省" * 70):
        assert distributed.partition(2023, province) == "fiscal_year=2023/province=__HIVE_DEFAULT_PARTITION__"


# ---- documents in object storage (fsspec URLs) ---------------------------------------------------------


def rebased(rows: dict[str, list[tuple]], old: str, new: str) -> dict[str, list[tuple]]:
    """The rows with ``old`` written ``new`` in every text value (a path as a URL), sorted again."""
    return {table: sorted((tuple(v.replace(old, new) if isinstance(v, str) else v for v in row) for row in data),
                          key=repr) for table, data in rows.items()}


@pytest.fixture
def bucket(corpus):
    """The corpus in an in-memory object store (fsspec's memory://, which the threads of a local Dask
    cluster of this process share), as a bucket of its own."""
    import fsspec

    fs = fsspec.filesystem("memory")
    root = f"/budget-{uuid.uuid4().hex[:8]}"
    for file in corpus.rglob("*"):
        if file.is_file():
            fs.pipe(f"{root}/docs/{file.relative_to(corpus).as_posix()}", file.read_bytes())
    yield f"memory://{root}/docs"
    fs.rm(root, recursive=True)


def test_documents_in_object_storage_load_as_local_ones(corpus, local_warehouse, bucket, tmp_path, monkeypatch):
    """The driver lists the bucket (names, sizes, times: no bytes), the workers hash and read the objects
    through fsspec: the warehouse is the local one, each source_path the object's URL. The record of hashes
    keeps each object's by its URL, size and time: a second run hashes none."""
    monkeypatch.setattr(hashes, "RACY_SECONDS", 0)  # the objects were written an instant ago
    lake, record = tmp_path / "lake", tmp_path / "hashes.json"
    for run, hashed in (("first", 11), ("again", 0)):  # again: every document from the lake
        files = hashes.FileHashes(record)
        with distributed.use(DaskExecutor(lake, workers=2, processes=False)):
            summary = pipeline.ingest([bucket], tmp_path / f"{run}.duckdb", progress=False, digest=files.sha256)
        files.save()
        assert files.hashed == hashed, run
        assert (summary.loaded, sorted(q.reason_code for q in summary.quarantined)) == (
            8, ["encrypted_pdf", "no_document_identity", "no_document_identity"]), run
        rows = contents(tmp_path / f"{run}.duckdb")
        assert rows == rebased(contents(local_warehouse), corpus.as_posix(), bucket), run
    with duckdb.connect(str(tmp_path / "first.duckdb"), read_only=True) as con:
        paths = [r[0] for r in con.execute("select source_path from raw.documents order by 1").fetchall()]
    assert len(paths) == 8 and all(p.startswith(f"{bucket}/") for p in paths)


def test_a_lake_in_object_storage(corpus, local_warehouse, tmp_path):
    """The lake as an fsspec URL: the workers write their parts there (a temporary object, then a copy to
    its name: an object appears whole), the driver reads them back; a re-run writes no part again."""
    import fsspec

    fs, lake = fsspec.filesystem("memory"), f"/lake-{uuid.uuid4().hex[:8]}"
    try:
        listings = []
        for run in ("first", "again"):
            with distributed.use(DaskExecutor(f"memory://{lake}", workers=2, processes=False)):
                summary = pipeline.ingest([corpus], tmp_path / f"{run}.duckdb", progress=False)
            assert (summary.loaded, len(summary.quarantined)) == (8, 3), run
            assert contents(tmp_path / f"{run}.duckdb") == contents(local_warehouse), run
            listings.append({p: fs.info(p)["created"] for p in fs.find(lake)})
        assert listings[1] == listings[0]  # the same parts, none written again
        parts = [p for p in listings[0] if p.startswith(f"{lake}/documents/")]
        assert {p.split("/")[3] for p in parts} == {"fiscal_year=2022", "fiscal_year=2023"}
        assert all(p.endswith(".parquet") and not p.split("/")[-1].startswith(".") for p in listings[0])
        ids = [i for p in parts for i in pq.read_table(fs.open(p, "rb"))["document_id"].to_pylist()]
        assert len(ids) == len(set(ids)) == 8
    finally:
        fs.rm(lake, recursive=True)


def test_a_file_url_is_its_local_path(corpus, local_warehouse, tmp_path):
    summary = pipeline.ingest([corpus.as_uri()], tmp_path / "w.duckdb", progress=False)
    assert summary.loaded == 8 and len(summary.quarantined) == 3
    assert contents(tmp_path / "w.duckdb") == contents(local_warehouse)


@pytest.mark.parametrize("url, why", [
    ("nosuch://bucket/docs", "cannot list nosuch://bucket/docs: Protocol not known: nosuch"),
    ("memory://no-such-bucket/docs", "cannot list memory://no-such-bucket/docs: no such bucket, prefix or object"),
])
def test_a_url_that_cannot_be_listed_loads_and_publishes_nothing(tmp_path, url, why):
    result = CliRunner().invoke(main, ["ingest", url, "--warehouse", str(tmp_path / "w.duckdb"),
                                       "--executor", "dask", "--workers", "1"])
    assert result.exit_code == 2
    assert f"error: {why}" in result.output
    assert not (tmp_path / "w.duckdb").exists()

    result = CliRunner().invoke(main, ["run", url, "--quiet", "--warehouse", str(tmp_path / "p.duckdb"),
                                       "--executor", "dask", "--workers", "1"])
    assert result.exit_code == 2
    assert not (tmp_path / "p.duckdb").exists()  # nothing published
    last = json.loads((tmp_path / "p.duckdb.runs.jsonl").read_text(encoding="utf-8").splitlines()[-1])
    assert (last["status"], last["exit_code"], last["published"]) == ("failed", 2, False)
    assert last["message"] == f"SourceError: {why}"


def test_the_local_executor_refuses_a_url(tmp_path):
    result = CliRunner().invoke(main, ["ingest", "memory://bucket/docs", "--warehouse", str(tmp_path / "w.duckdb")])
    assert result.exit_code == 2
    assert "memory://bucket/docs: documents in object storage are read by the Dask workers: add --executor dask" \
        in result.output
    assert not (tmp_path / "w.duckdb").exists()


def test_a_document_over_the_time_limit_on_a_worker_is_quarantined_as_timeout(corpus, local_warehouse, tmp_path,
                                                                              monkeypatch):
    """One document never ends (it waits at a pause point): on the worker it is stopped after the limit and
    quarantined as ``timeout`` with its sha256, in a process that is neither the driver nor a Dask worker's
    thread; every other document loads as in a local run."""
    victim = sorted((corpus / "txt").rglob("*.txt"))[0]
    monkeypatch.setenv("BUDGET_ETL_PAUSE_AT", f"parse:{victim.name}")
    monkeypatch.setenv("BUDGET_ETL_PAUSE_DIR", str(tmp_path))
    marker = tmp_path / f"paused.parse:{victim.name}"
    # were the limit not enforced, the document would go on after 120 s and load: the test fails, not hangs
    release = threading.Timer(120, lambda: marker.exists() and marker.unlink())
    release.start()
    executor = DaskExecutor(tmp_path / "lake", workers=2)
    with distributed.use(executor):
        summary = pipeline.ingest([corpus], tmp_path / "w.duckdb", progress=False, time_limit=3)
        workers = set(executor._client.run(os.getpid).values())
    [timeout] = [q for q in summary.quarantined if q.reason_code == "timeout"]
    assert (timeout.source_path, timeout.sha256) == (victim.as_posix(), pipeline.hash_file(victim))
    assert "longer than the limit of 3 s per document" in timeout.reason
    release.cancel()
    paused = int(marker.read_text())
    assert paused != os.getpid() and paused not in workers  # a child of a worker, stopped by its own alarm
    assert summary.loaded == 7 and len(summary.quarantined) == 4
    local, dask_rows = contents(local_warehouse), contents(tmp_path / "w.duckdb")
    assert len(dask_rows["documents"]) == 7
    for table in ("documents", "expenditure", "projects", "validation_results"):
        assert set(dask_rows[table]) < set(local[table]), table
