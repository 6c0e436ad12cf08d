"""Transform: run the repository's dbt project (``dbt_project/`` + ``models/``) on a warehouse.

``build`` runs ``dbt build`` (seeds, models, data tests and unit tests) through dbt's programmatic runner; a
publishing run leaves the unit tests out (``unit_tests=False``): they test the models' SQL on fixed inputs, so
they belong with the code's tests (``make test``, ``budget-etl build``), not with every load of new data, as
dbt's documentation advises;
``docs`` writes the docs site as one self-contained HTML file. The warehouse path reaches dbt through the
environment variable ``BUDGET_ETL_WAREHOUSE`` read by ``dbt_project/profiles.yml``; dbt's ``target/`` and
``logs/`` stay in ``dbt_project/`` (gitignored) whatever the working directory, or in ``work_dir`` when one is
given (the nightly run keeps its own, so that other dbt runs cannot disturb it and partial parsing works).
Whatever dbt writes to the console (and its logging's own errors) is kept off stdout and stderr: the caller
reports the result, and dbt's log file has the details.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from budget_etl.paths import (
    ACKNOWLEDGEMENTS_DIR_VAR,
    ACKNOWLEDGEMENTS_FILE,
    acknowledgements_file,
    dbt_project_dir,
)

log = logging.getLogger(__name__)

WAREHOUSE_ENV = "BUDGET_ETL_WAREHOUSE"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")  # dbt's console colours

# dbt result statuses, by how they count.
_PASSED = {"success", "pass"}
_WARNED = {"warn"}
_ERRORED = {"error", "fail", "runtime error"}
_SKIPPED = {"skipped"}


class TransformError(RuntimeError):
    """dbt could not run at all (bad project, unreadable warehouse, ...), as opposed to failing nodes."""


@dataclass(frozen=True)
class NodeResult:
    """One dbt node that did not simply pass."""

    unique_id: str  # e.g. test.budget_etl.assert_identity_revenue_total
    resource_type: str  # model | test | unit_test | seed
    status: str  # warn | error | fail | skipped
    message: str | None
    failures: int | None  # rows returned by a failing / warning test

    def describe(self) -> str:
        rows = f" ({self.failures} rows)" if self.failures else ""
        return f"{self.status.upper()} {self.unique_id}{rows}: {self.message or ''}".rstrip(": ")


@dataclass
class BuildResult:
    """Counts of one ``dbt build`` and the nodes that warned, failed or were skipped."""

    passed: int = 0
    warned: int = 0
    errored: int = 0
    skipped: int = 0
    failing: list[NodeResult] = field(default_factory=list)  # errors and failed tests
    warnings: list[NodeResult] = field(default_factory=list)  # tests of severity warn that found rows
    elapsed_seconds: float = 0.0
    success: bool = False  # dbt's own verdict
    nodes: Counter = field(default_factory=Counter)  # nodes run, by resource type (model, test, unit_test, seed)

    @property
    def ok(self) -> bool:
        """No node errored or was skipped; warnings (an accounting identity a document breaks) are fine."""
        return self.success and self.errored == 0 and self.skipped == 0

    def describe(self) -> str:
        lines = [
            f"dbt build: {self.passed} passed, {self.warned} warned, {self.errored} errors, "
            f"{self.skipped} skipped in {self.elapsed_seconds:.1f}s"
        ]
        lines += [f"  {node.describe()}" for node in self.failing + self.warnings]
        return "\n".join(lines)


@contextlib.contextmanager
def _environment(**values: str) -> Iterator[None]:
    """Set environment variables for the duration of a dbt invocation (dbt reads os.environ)."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


@contextlib.contextmanager
def _console_kept(log_file: Path) -> Iterator[None]:
    """Keep what dbt prints off the console: a dbt that cannot write its log file (a full disk) has Python's
    logging print a traceback for every log line, 1,222 lines for one build, which breaks ``--log-json``.
    What was printed is summed up in one log line."""
    captured = io.StringIO()
    raise_exceptions, logging.raiseExceptions = logging.raiseExceptions, False  # no traceback per failed line
    try:
        with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
            yield
    finally:
        logging.raiseExceptions = raise_exceptions
        if lines := [line for line in _ANSI.sub("", captured.getvalue()).splitlines() if line.strip()]:
            log.warning("dbt printed %d lines (kept off the console; details in %s), the first: %s", len(lines),
                        log_file, " ".join(" ".join(lines[:2]).split())[:300])


def _invoke(command: Sequence[str], warehouse_path: str | Path, work_dir: str | Path | None = None):
    """Run one dbt command on the warehouse; returns dbt's ``dbtRunnerResult``."""
    from dbt.cli.main import dbtRunner  # imported here: dbt is slow to import

    warehouse = Path(warehouse_path).resolve()
    if not warehouse.is_file():
        raise FileNotFoundError(f"no warehouse at {warehouse}: run `budget-etl ingest` first")
    project = dbt_project_dir().resolve()
    work = Path(work_dir).resolve() if work_dir else project
    args = [
        *command,
        "--project-dir", str(project),
        "--profiles-dir", str(project),
        "--target-path", str(work / "target"),
        "--log-path", str(work / "logs"),
        "--quiet",  # dbt's own log goes to logs/dbt.log; the caller prints a summary
    ]
    work.mkdir(parents=True, exist_ok=True)
    try:
        acknowledgements = _acknowledgements_copy(project, work)
    except OSError as exc:  # a full disk, a read-only work folder
        raise TransformError(f"dbt {command[0]} could not run: {exc}") from exc
    with (_environment(**{WAREHOUSE_ENV: str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
                          ACKNOWLEDGEMENTS_DIR_VAR: acknowledgements}),
          _console_kept(work / "logs" / "dbt.log")):
        try:
            return dbtRunner().invoke(args)
        finally:
            _release_warehouse()


def _acknowledgements_copy(project: Path, work: Path) -> str:
    """The reviewers' acknowledgements (paths.acknowledgements_file) copied under ``work``'s target folder, and
    named relative to the project as dbt's seed-paths need: dbt writes each seed it loads under its target
    path joined with the seed path, and an absolute seed path would have it overwrite the reviewers' own file."""
    source = acknowledgements_file()
    if not source.is_file():
        raise TransformError(f"no acknowledgements file at {source} (see {ACKNOWLEDGEMENTS_DIR_VAR} in "
                             "docs/rulebook.md): create it with the header of dbt_project/acknowledgements/")
    folder = work / "target" / "acknowledgements"  # one name: dbt's partial parsing keeps its cache
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, folder / ACKNOWLEDGEMENTS_FILE)
    return os.path.relpath(folder, project)


def _release_warehouse() -> None:
    """Close the DuckDB database dbt-duckdb keeps open in this process after a run, so that the caller
    (or another process) can open the warehouse file again."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        env, DuckDBConnectionManager._ENV = DuckDBConnectionManager._ENV, None
        if env is not None:
            env.close()


def build(
    warehouse_path: str | Path,
    *,
    select: str | Sequence[str] | None = None,
    work_dir: str | Path | None = None,
    unit_tests: bool = True,
) -> BuildResult:
    """Run ``dbt build`` on the warehouse (optionally only ``select``, dbt selection syntax); dbt's target/
    and logs/ go to ``work_dir`` when given, else to dbt_project/; ``unit_tests``: run the unit tests too
    (see the module's docstring).

    Raises TransformError when dbt cannot run at all; failing nodes are reported in the result instead.
    """
    command = ["build"]
    if select:
        command += ["--select", *([select] if isinstance(select, str) else select)]
    if not unit_tests:
        command += ["--exclude-resource-type", "unit_test"]
    started = time.perf_counter()
    outcome = _invoke(command, warehouse_path, work_dir)
    result = BuildResult(elapsed_seconds=time.perf_counter() - started, success=outcome.success)
    if outcome.exception is not None or outcome.result is None:
        raise TransformError(f"dbt build could not run: {outcome.exception}") from outcome.exception
    for run in outcome.result.results:
        status = str(run.status).lower()
        node = NodeResult(run.node.unique_id, str(run.node.resource_type), status, run.message,
                          run.failures)
        result.nodes[node.resource_type] += 1
        if status in _PASSED:
            result.passed += 1
        elif status in _WARNED:
            result.warned += 1
            result.warnings.append(node)
        elif status in _SKIPPED:
            result.skipped += 1
            result.failing.append(node)
        else:  # error, fail, runtime error, anything unknown
            result.errored += 1
            result.failing.append(node)
    return result


def docs(warehouse_path: str | Path, out_dir: str | Path) -> Path:
    """Write the dbt docs site as one self-contained HTML file (``out_dir/index.html``, openable offline).

    The catalog is read from the warehouse, so build first for column types and comments. dbt opens its
    database for writing, so it works on a copy: the warehouse may be a published one with readers.
    """
    warehouse = Path(warehouse_path)
    if not warehouse.is_file():
        raise FileNotFoundError(f"no warehouse at {warehouse.resolve()}: run `budget-etl run` first")
    with tempfile.TemporaryDirectory(prefix="budget-etl-docs-") as tmp:
        copy = Path(tmp) / warehouse.name  # same name: dbt names the database after the file
        shutil.copyfile(warehouse, copy)
        wal = warehouse.with_name(warehouse.name + ".wal")
        if wal.exists():
            shutil.copyfile(wal, copy.with_name(copy.name + ".wal"))
        # dbt's target/ and logs/ go to the temporary folder: the command writes only into out_dir
        outcome = _invoke(["docs", "generate", "--static"], copy, work_dir=Path(tmp) / "dbt")
        if not outcome.success:
            raise TransformError(f"dbt docs generate failed: {outcome.exception}")
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        return Path(shutil.copyfile(Path(tmp) / "dbt" / "target" / "static_index.html", out / "index.html"))
