"""Parsing a large corpus on a Dask cluster, the facts staged in a Parquet lake (issue 18; docs/distributed.md).

``budget-etl ingest/run/nightly --executor dask`` has the workers hash the run's files (``DaskExecutor.hashed``:
the driver reads no document) and splits the documents to parse into tasks of ``TASK_FILES``. A Dask worker
reads its files (paths on a file system the workers share, or objects by fsspec URL, ``sources``), parses and
validates them as the local process pool does (``pipeline._prepare``), in a child process it forks so that the
per-document time limit holds (``isolated``), and writes the tables as Parquet parts into the lake; it returns
only the names of its parts and its refusals. The driver reads each task's parts back and loads them through
the same path as a local run (``warehouse.load_tables``): provenance, reloading and quarantine behave as
today, and the driver never holds more than one load chunk.

The lake (a folder, or an fsspec URL): ``<lake>/<raw table>/fiscal_year=<year>/province=<province>/<digest>.parquet``,
one part per table for the documents of a task of one year and province, in the raw table's Arrow schema
(money stays decimal(18,2)). A part is named by the sha256 of its documents' ids, written to a temporary
name and then renamed (in object storage: copied, an object appearing whole): a retried task writes the same
parts again, and ``documents`` is written last, so its part says the others are complete. A document whose
part is in the lake (same bytes, path and parser version) is loaded from there without being parsed again: a
re-run after a failed load parses nothing twice and duplicates no part.

Dask was chosen over Ray by measurement on this machine (docs/distributed.md): both parse at the same speed
(parsing dominates), a local Dask cluster starts in ~2 s against ~5-8 s and holds ~140 MB against ~510 MB
idle, and Dask is a 24 MB pure-Python install against Ray's 240 MB.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import logging
import os
import pickle
import re
import signal
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from budget_etl import PARSER_VERSION
from budget_etl.load.warehouse import QuarantineEntry
from budget_etl.ops import sources
from budget_etl.ops.sources import RemoteFile

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 10  # seconds to reach a scheduler before the run fails
TASK_RETRIES = 2  # a task that raises (e.g. the lake briefly unwritable) runs again; a dead worker's, always
NO_PROVINCE = "__HIVE_DEFAULT_PARTITION__"  # the partition of documents without a province (Hive's name)
# a province as a folder name: the value comes from a document, so nothing that could leave the folder
_FOLDER_NAME = re.compile(r"[^./\\=%\x00-\x1f][^/\\=%\x00-\x1f]{0,63}")
LAST_TABLE = "documents"  # written last: its part in the lake says the document's other parts are there
HASH_TASK_FILES = 500  # files hashed by one task (reading is far faster than parsing)

# PDFium is not thread-safe: a worker started with several threads still parses one slice at a time
_ONE_AT_A_TIME = threading.Lock()

_current: contextvars.ContextVar[DaskExecutor | None] = contextvars.ContextVar("executor", default=None)


class SchedulerUnreachable(OSError):
    """The Dask scheduler named by --scheduler cannot be reached (an OSError: the run fails, publishes nothing
    and says why, as for a disk that cannot be written)."""


@dataclass
class TaskResult:
    """What a task sends back to the driver: its files, the parts it wrote (or found) and its refusals."""

    files: int
    parts: list[list[str]]  # per group of documents: its parts (``documents`` last)
    refused: list[QuarantineEntry] = field(default_factory=list)


def current() -> DaskExecutor | None:
    """The distributed executor of this run (set by ``use``), or None: the local process pool."""
    return _current.get()


@contextlib.contextmanager
def use(executor: DaskExecutor | None) -> Iterator[DaskExecutor | None]:
    """Run the ingests of the block on ``executor`` (None: the local pool), and close it after the block."""
    token = _current.set(executor)
    try:
        yield executor
    finally:
        _current.reset(token)
        if executor is not None:
            executor.close()


def partition(year: int | None, province: str | None) -> str:
    """The partition folder of a year and province; a province that is no plain folder name (it comes from
    the document) goes to the default partition, its value still in the rows."""
    province = province if province and _FOLDER_NAME.fullmatch(province) else NO_PROVINCE
    return f"fiscal_year={year if year is not None else NO_PROVINCE}/province={province}"


def _filesystem(where: str | Path):
    """(fsspec filesystem, its path, whether it is the local one) of a lake folder or URL, or of a part."""
    from fsspec.core import url_to_fs
    from fsspec.implementations.local import LocalFileSystem

    fs, path = url_to_fs(str(where))
    return fs, path, isinstance(fs, LocalFileSystem)


def write_parts(lake: str | Path, tables: dict[str, pa.Table]) -> list[list[str]]:
    """Write a task's staging tables into the lake (a folder, or an fsspec URL such as s3://bucket/lake), a
    part per table for each (fiscal_year, province) of its documents, named by the digest of their ids;
    returns the parts of each group (paths, or URLs), ``documents`` last."""
    fs, root, local = _filesystem(lake)
    documents = tables[LAST_TABLE]
    groups: dict[tuple, list[str]] = {}
    for document_id, year, province in zip(*(documents[c].to_pylist() for c in
                                             ("document_id", "fiscal_year", "province")), strict=True):
        groups.setdefault((year, province), []).append(document_id)
    written = []
    for (year, province), ids in groups.items():
        digest = hashlib.sha256("\n".join(sorted(ids)).encode("ascii")).hexdigest()[:32]
        wanted = pa.array(ids, pa.string())
        parts = []
        for name in sorted(tables, key=lambda t: t == LAST_TABLE):
            data = tables[name]
            folder = f"{root}/{name}/{partition(year, province)}"
            part, temporary = f"{folder}/{digest}.parquet", f"{folder}/.{digest}.parquet.{uuid.uuid4().hex}"
            fs.makedirs(folder, exist_ok=True)
            with fs.open(temporary, "wb") as out:
                pq.write_table(data.filter(pc.is_in(data["document_id"], value_set=wanted)), out)
            # a part is whole or absent, and a retry rewrites the same: a rename here; in object storage a
            # server-side copy (an object appears whole) and the temporary's deletion
            if local:
                os.replace(temporary, part)
            else:
                fs.mv(temporary, part)
            parts.append(part if local else fs.unstrip_protocol(part))
        written.append(parts)
    return written


def read_parts(groups: list[list[str]], ids: set[str] | None = None) -> dict[str, pa.Table]:
    """The staging tables of a task from its parts in the lake (each table in its own schema); only the
    documents ``ids`` when given (a part may hold documents another run loads)."""
    tables: dict[str, list[pa.Table]] = {}
    for parts in groups:
        for part in parts:
            data = _read_part(part)
            if ids is not None:
                data = data.filter(pc.is_in(data["document_id"], value_set=pa.array(sorted(ids), pa.string())))
            tables.setdefault(PurePosixPath(part).parents[2].name, []).append(data)
    return {name: pa.concat_tables(data) for name, data in tables.items()}


def _read_part(part: str, columns: list[str] | None = None) -> pa.Table:
    if not sources.is_url(part):
        return pq.read_table(part, columns=columns, partitioning=None)
    fs, path, _ = _filesystem(part)
    with fs.open(path, "rb") as data:
        return pq.read_table(data, columns=columns, partitioning=None)


def run_task(todo: list, schemas: dict, time_limit: float | None, lake: str, isolate: bool = True) -> TaskResult:
    """On a worker: parse, validate and lay out a slice of documents and write them into the lake. With a
    time limit, in a child process of the worker (``isolated``): Dask runs tasks in threads, and the limit
    (SIGALRM, ``pipeline._time_limit``) holds only in a process's main thread. ``isolate`` False: in the
    worker's thread, without a limit (the workers of a local cluster of threads share the driver's process)."""
    with _ONE_AT_A_TIME:
        if time_limit and isolate and hasattr(os, "fork"):
            return isolated(_run_task, todo, schemas, time_limit, lake)
        return _run_task(todo, schemas, time_limit, lake)


def _run_task(todo: list, schemas: dict, time_limit: float | None, lake: str) -> TaskResult:
    from budget_etl.ops import pipeline

    prepared = pipeline._prepare(todo, schemas, time_limit)
    parts = write_parts(lake, prepared.tables) if prepared.tables else []
    return TaskResult(prepared.files, parts, prepared.refused)


def isolated(function, *args):
    """``function(*args)`` in a child process forked for it, where the calling thread is the main thread (so
    that a per-document time limit holds, as in the local process pool); its result (or exception) comes back
    pickled through a pipe. A child killed by a signal (a document that crashes PDFium, an out-of-memory kill)
    takes this worker with it, so that Dask handles it as a lost worker: the task runs again elsewhere, then a
    document at a time, and the document that kills its process on its own is quarantined as
    ``worker_crashed`` (``DaskExecutor._result``)."""
    from budget_etl.ops import pipeline

    parent = os.getpid()
    read, write = os.pipe()
    child = os.fork()
    if child == 0:
        code = 0
        try:
            os.close(read)
            pipeline._die_with(parent)  # a worker killed mid-task leaves no child behind
            payload = pickle.dumps((True, function(*args)), protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException as exc:  # whatever it is (a timeout too), the worker raises it
            code = 1
            try:
                payload = pickle.dumps((False, exc))
            except Exception:  # an exception that cannot be pickled: its text
                payload = pickle.dumps((False, RuntimeError(f"{type(exc).__name__}: {exc}")))
        with contextlib.suppress(BaseException), os.fdopen(write, "wb") as out:
            out.write(payload)
        os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        payload = pipe.read()
    _, status = os.waitpid(child, 0)
    if os.WIFSIGNALED(status):
        log.error("the process parsing a task was killed (signal %d): this worker goes with it",
                  os.WTERMSIG(status))
        os.kill(os.getpid(), signal.SIGKILL)
    if not payload:
        raise RuntimeError(f"the process parsing a task ended with code {os.waitstatus_to_exitcode(status)} "
                           "and no result")
    ok, value = pickle.loads(payload)
    if not ok:
        raise value
    return value


def hash_files(files: list) -> list[tuple[int, int | None, str, int] | None]:
    """On a worker: (size, st_mtime_ns, sha256, when hashing started in ns) of each file (a local path or a
    ``sources.RemoteFile``; streamed, none held); None for a file that cannot be read (the driver then
    refuses it with its reason). An object's size and time are its listing's: if it changed since, the next
    listing differs and it is hashed again."""
    from budget_etl.ops import pipeline

    hashed = []
    for file in files:
        try:
            started_ns, stat = time.time_ns(), file.stat()
            sha = sources.sha256(file) if isinstance(file, RemoteFile) else pipeline.hash_file(file)
            hashed.append((stat.st_size, stat.st_mtime_ns, sha, started_ns))
        except OSError:
            hashed.append(None)
    return hashed


def lake_index(lake: str | Path) -> dict[tuple[str, str], tuple[tuple[str, ...], bool]]:
    """(document_id, source_path) -> (the parts of its group, is_synthetic) for the documents in the lake
    read by this parser version (from the ``documents`` parts, which are written last). One listing of the
    lake, then a read of each ``documents`` part's few columns."""
    fs, root, local = _filesystem(lake)
    if not fs.isdir(root):
        return {}
    # (table, where) of every part, where = fiscal_year=.../province=.../<digest>.parquet; no temporaries
    listed = [PurePosixPath(p).relative_to(root).parts for p in fs.find(root)]
    stored = {(parts[0], "/".join(parts[1:])) for parts in listed
              if len(parts) == 4 and parts[3].endswith(".parquet") and not parts[3].startswith(".")}
    tables = sorted({table for table, _ in stored}, key=lambda t: t == LAST_TABLE)
    index = {}
    for where in sorted(where for table, where in stored if table == LAST_TABLE):
        named = [f"{root}/{t}/{where}" for t in tables if (t, where) in stored]
        group = tuple(named if local else map(fs.unstrip_protocol, named))
        for row in _read_part(group[-1], ["document_id", "source_path", "parser_version", "is_synthetic"]
                              ).to_pylist():
            if row["parser_version"] == PARSER_VERSION:
                index[(row["document_id"], row["source_path"])] = (group, bool(row["is_synthetic"]))
    return index


@dataclass
class DaskExecutor:
    """Parse on a Dask cluster: the scheduler at ``scheduler`` (e.g. tcp://10.0.0.5:8786), or a local cluster
    of ``workers`` processes started for the run; the parts go to ``lake`` (a folder every worker can write)."""

    lake: Path | str  # a folder, or an fsspec URL (s3://bucket/lake)
    scheduler: str | None = None
    workers: int = 2
    processes: bool = True  # the local cluster's workers: processes; threads of this process share memory://
    _client: object = field(default=None, repr=False)
    _cluster: object = field(default=None, repr=False)
    # the run's digest (see ``hashed``): the sha256 of the files the workers hashed, else the driver's
    digest: Callable[[Path], str] | None = field(default=None, repr=False)

    def start(self):
        """The Dask client, connected on first use (a nightly run with nothing new starts no cluster)."""
        if self._client is not None:
            return self._client
        from distributed import Client, LocalCluster

        if self.scheduler is None:
            # one thread per worker process: parsing is CPU-bound Python
            self._cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=self.processes,
                                         dashboard_address=None)
            self._client = Client(self._cluster)
        else:
            try:
                self._client = Client(self.scheduler, timeout=CONNECT_TIMEOUT)
            except (OSError, TimeoutError, ValueError) as exc:
                raise SchedulerUnreachable(
                    f"cannot reach the Dask scheduler at {self.scheduler} within {CONNECT_TIMEOUT} s "
                    f"({type(exc).__name__}: {' '.join(str(exc).split())}): nothing was parsed") from exc
        log.info("parsing on Dask: %s", self._client.dashboard_link if self.scheduler is None else self.scheduler)
        return self._client

    def close(self) -> None:
        for part in (self._client, self._cluster):
            if part is not None:
                with contextlib.suppress(Exception):  # closing a cluster whose worker died may complain
                    part.close()
        self._client = self._cluster = None

    def hashed(self, inputs, digest: Callable[[Path], str]) -> Callable[[Path], str]:
        """``digest`` (``pipeline.hash_file``, or ``hashes.FileHashes.sha256`` which knows unchanged files)
        for the files of ``inputs`` (``pipeline.Inputs``), the files it would read hashed on the workers
        first, in tasks of HASH_TASK_FILES: the driver reads no document. A file the workers could not hash,
        or that changed since, falls back to ``digest`` (and is refused there if it cannot be read). Files
        that are refused unread (outside their folder, too large) are left to ``pipeline.precheck``."""
        from budget_etl.ops import pipeline
        from budget_etl.ops.hashes import FileHashes

        record = getattr(digest, "__self__", None)  # the FileHashes whose sha256 is the digest, if it is one
        record = record if isinstance(record, FileHashes) else None
        known: dict[str, tuple[int, int | None, str, int]] = {}  # file's key -> what a worker saw
        wanted, hashed = [], 0
        for path, root in inputs.files:
            with contextlib.suppress(OSError):  # cannot be opened: refused by ``identify`` with its reason
                stat = path.stat()
                if stat.st_size > pipeline.MAX_FILE_BYTES or (record is not None and record.recorded(path, stat)):
                    continue
                if pipeline.in_folder(path, root):
                    wanted.append(path)
        if wanted:
            client = self.start()
            chunks = [wanted[start:start + HASH_TASK_FILES] for start in range(0, len(wanted), HASH_TASK_FILES)]
            futures = client.map(hash_files, chunks, pure=False, retries=TASK_RETRIES)
            for chunk, future in zip(chunks, futures, strict=True):
                for path, seen in zip(chunk, future.result(), strict=True):
                    if seen is None:
                        continue
                    if record is not None:
                        record.learn(path, *seen)  # kept there, for this run and the next
                    else:
                        known[sources.key(path)] = seen
                    hashed += 1
            log.info("%d of %d files hashed on the workers", hashed, len(inputs.files))

        def sha256(path: Path) -> str:
            seen = known.get(sources.key(path))
            if seen is not None:
                stat = path.stat()
                if (stat.st_size, stat.st_mtime_ns) == seen[:2]:
                    return seen[2]
            if isinstance(path, RemoteFile):  # the driver reads no object (nor could it open one)
                if record is not None and (sha := record.recorded(path, path.stat())) is not None:
                    return sha
                raise OSError(f"{path.url}: the workers could not read it")
            return digest(path)

        self.digest = sha256
        return sha256

    def prepared(self, todo: list, schemas: dict, time_limit: float | None, task_files: int) -> Iterator:
        """``pipeline._prepared`` on the cluster: the Prepared slices of ``todo`` in input order (the order
        of a batch is the order documents arrive in), read back from the lake. A document already in the lake
        (same bytes, path and parser version) is read from there, not parsed again."""
        from budget_etl.ops import pipeline

        index = lake_index(self.lake)
        documents = []  # (files, is_synthetic, document_id, its parts in the lake or ())
        for files, flag in todo:
            # its sha256 as ``hashed`` found it: the driver reads no file here
            document_id = pipeline.identify(files, None, self.digest or pipeline.hash_file)[0] if index else None
            parts, synthetic = index.get((document_id, files[0].as_posix()), ((), False))
            # read as this run would read it (a file now said synthetic was perhaps not before)
            documents.append((files, flag, document_id, parts if synthetic or not flag else ()))
        client = self.start() if any(not parts for *_, parts in documents) else None
        threads = max(1, sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values())
                      ) if client is not None else 1
        size = max(1, min(task_files, -(-len(todo) // threads)))  # every worker gets work, even for few files
        pending: deque = deque()
        for start in range(0, len(documents), size):
            task = documents[start:start + size]
            new = [(files, flag) for files, flag, _, parts in task if not parts]
            pending.append((task, new and self._submit(new, schemas, time_limit)))
            if len(pending) >= 2 * threads:
                yield self._loaded(*pending.popleft())
        while pending:
            yield self._loaded(*pending.popleft())

    def _submit(self, new: list, schemas: dict, time_limit: float | None):
        # the schemas go with each task (a few KB), not scattered once: scattered data dies with the workers
        # that hold it, and a task must survive any of them dying
        future = self._client.submit(run_task, new, schemas, time_limit, str(self.lake), self.processes,
                                     pure=False, retries=TASK_RETRIES)
        return new, future, schemas, time_limit

    def _result(self, new: list, future, schemas: dict, time_limit: float | None) -> TaskResult:
        """A task's result; a task that killed its workers (Dask gives up after
        ``distributed.scheduler.allowed-failures``) runs again a document at a time, and the document that
        kills a worker on its own is quarantined as ``worker_crashed`` (e.g. a PDF that crashes PDFium)."""
        from distributed import KilledWorker

        from budget_etl.ops import pipeline

        try:
            return future.result()
        except KilledWorker:
            if len(new) > 1:
                log.warning("a task of %d documents killed its workers: each is read alone", len(new))
                results = [self._result(*self._submit([document], schemas, time_limit)) for document in new]
                return TaskResult(len(new), [p for r in results for p in r.parts], [q for r in results for q in r.refused])
        files = new[0][0]
        sha, refused = pipeline.identify(files, None, self.digest or pipeline.hash_file)
        size = sum(f.stat().st_size for f in files) if refused is None else None
        return TaskResult(1, [], [QuarantineEntry(
            files[0].as_posix(), "worker_crashed", "reading this document killed the Dask worker reading it, each "
            "time it was tried: not loaded.", sha, size)])

    def _loaded(self, task: list, submitted):
        """The Prepared slice of a task: the parts its run wrote and those of its documents already in the lake,
        its rows in the order of its documents."""
        from budget_etl.ops import pipeline

        result = self._result(*submitted) if submitted else TaskResult(0, [])
        stored: dict[tuple[str, ...], set[str]] = {}
        for _, _, document_id, parts in task:
            if parts:
                stored.setdefault(parts, set()).add(document_id)
        if stored:
            log.info("%d document(s) read from the lake, not parsed again", sum(map(len, stored.values())))
        pieces = [read_parts(result.parts)] + [read_parts([list(parts)], ids) for parts, ids in stored.items()]
        tables = {}
        if not any(pieces):
            return pipeline.Prepared(len(task), tables, result.refused)
        # the documents in the order of the task, by the path each was read from
        position = {files[0].as_posix(): i for i, (files, *_) in enumerate(task)}
        documents = pa.concat_tables([piece["documents"] for piece in pieces if piece])
        placed = sorted(zip(documents["document_id"].to_pylist(), documents["source_path"].to_pylist(), strict=True),
                        key=lambda row: position[row[1]])
        order = pa.array([document_id for document_id, _ in placed], pa.string())
        for name in pieces[0] or pieces[-1]:
            data = pa.concat_tables([piece[name] for piece in pieces if piece])
            position_in_task = pc.index_in(data["document_id"], value_set=order)
            tables[name] = data.take(pc.sort_indices(position_in_task))  # stable: each document's rows keep their order
        return pipeline.Prepared(len(task), tables, result.refused)
