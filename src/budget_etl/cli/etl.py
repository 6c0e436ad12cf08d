"""The `budget-etl` command line: parse, ingest, build, run, check, nightly, rollback, docs, synth, catalog."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import click

from budget_etl import __version__
from budget_etl.cli.options import PathOrUrl, executor_options, make_executor, warehouse_option
from budget_etl.paths import bundled_sample


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="budget-etl")
def main() -> None:
    """Turn Chinese public budget disclosures (部门预算公开) into a DuckDB warehouse.

    Typical use: `budget-etl run` (ingest the bundled sample, validate, build the marts), then query
    schema `marts` of the warehouse with any SQL tool.
    """


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print every extracted fact as JSON (decimals as strings).")
@click.option("--explain", is_flag=True,
              help="Print the document's identity, each template's score with its reasons, and which one reads it.")
def parse(file: Path, as_json: bool, explain: bool) -> None:
    """Extract one document and print what was found, without touching the warehouse.

    Exit code 1 when the document cannot be extracted, or when a core subject (收支 totals, 项目支出,
    机关运行经费, 三公) yields no facts without the document saying it has none.
    """
    from budget_etl.extract import ExtractionError
    from budget_etl.extract.registry import explain as explain_template
    from budget_etl.facts import FACT_TABLES, to_jsonable
    from budget_etl.readers import UnreadableDocument, read_bytes
    from budget_etl.validate import identity_checks
    from budget_etl.validate.completeness import completeness_checks

    try:
        read_doc = read_bytes(file.read_bytes(), file.name)
        if explain:
            for line in explain_template(read_doc):
                click.echo(line, err=as_json)  # with --json, stdout stays pure JSON
        from budget_etl.extract import extract

        doc = extract(read_doc)
    except (UnreadableDocument, ExtractionError) as exc:
        raise click.ClickException(f"{file}: cannot be extracted [{exc.reason_code}]: {exc}") from exc
    if as_json:
        click.echo(json.dumps(to_jsonable(doc), ensure_ascii=False, indent=2))
        return
    info = doc.info
    click.echo(f"{info.title}\n  office {info.office_name} ({info.unit_code or 'no unit code'}), "
               f"{info.fiscal_year}, {info.doc_kind}, {info.district or '?'} / {info.city or '?'} / "
               f"{info.province or '?'}")
    pages = {b.page for b in read_doc.blocks if getattr(b, "page", None)} | {
        c.page for t in read_doc.tables() for row in t.rows for c in row if c.page}
    facts = sum(len(getattr(doc, attribute)) for _, attribute in FACT_TABLES.values())
    click.echo(f"  template {info.template}, amounts stated in {info.currency_unit} (largest unit), "
               f"{read_doc.source_format}" + (f", {len(pages)} pages read" if pages else "") + f", {facts} facts")
    for table, (_, attribute) in FACT_TABLES.items():
        click.echo(f"  {table:<20} {len(getattr(doc, attribute)):>4} rows")
    failed = [c for c in identity_checks(doc) if c["status"] == "fail"]
    for check in failed:
        click.echo(f"  warning: {check['check_name']}: expected {check['expected']}, "
                   f"found {check['actual']} ({check['detail']})")
    click.echo(f"  identities: {'all hold' if not failed else f'{len(failed)} do not hold'}")
    incomplete = [c for c in completeness_checks(doc, read_doc.text) if c["status"] == "fail"]
    for check in incomplete:
        click.echo(f"  warning: {check['check_name']}: {check['detail']}")
    click.echo("  completeness: " + ("every core subject read or declared empty" if not incomplete else
               f"{len(incomplete)} core subject(s) without facts: "
               + ", ".join(c["check_name"].removeprefix("completeness.") for c in incomplete)))
    if incomplete:
        sys.exit(1)


class CannotWrite(click.ClickException):
    """The warehouse cannot be written in place (exit code 2: nothing was done)."""

    exit_code = 2


@contextlib.contextmanager
def _in_place(warehouse: Path, what: str) -> Iterator[None]:
    """Hold the lock while writing the warehouse in place; a file that cannot be written (a reader has it open,
    a full disk, a read-only folder) is one line of error and exit code 2, not a traceback."""
    import duckdb

    from budget_etl.ops.nightly import LockHeld, lock
    from budget_etl.transform import TransformError

    try:
        with lock(warehouse, what):
            yield
    except LockHeld as exc:
        raise CannotWrite(str(exc)) from exc
    except (OSError, duckdb.Error, TransformError) as exc:
        reason = " ".join(str(exc).split())
        hint = (" (another process has it open: `ingest` and `build` write in place and need the file to "
                "themselves; readers belong on a published warehouse, see `nightly`)") if "lock" in reason else ""
        raise CannotWrite(f"cannot {what} {warehouse}: {type(exc).__name__}: {reason}{hint}") from exc


@main.command()
@click.argument("paths", nargs=-1, required=True, type=PathOrUrl())
@warehouse_option
@click.option("--quiet", is_flag=True, help="No progress bar.")
@executor_options
def ingest(paths: tuple[Path, ...], warehouse: Path, quiet: bool, executor: str, scheduler: str | None,
           workers: int, lake: Path | None) -> None:
    """Read, extract, validate and load documents (files or folders) into the warehouse's staging tables.

    With --executor dask, PATHS may also be URLs of object storage (s3://bucket/prefix, gs://..., read
    through fsspec; see docs/distributed.md). Files already loaded (same sha256) are skipped. Files that
    cannot be read or extracted go to raw.quarantine with their reason; the rest of the batch still loads.
    Exit code 1 when any file was quarantined, 2 when the warehouse cannot be written (e.g. another process
    has it open), the Dask scheduler cannot be reached or a URL cannot be listed (nothing is loaded then).
    """
    from budget_etl.ops import distributed
    from budget_etl.ops.pipeline import ingest as run_ingest
    from budget_etl.ops.sources import SourceError

    with distributed.use(make_executor(executor, scheduler, workers, lake, warehouse)) as cluster:
        if cluster is not None and cluster.scheduler is not None:
            try:
                cluster.start()  # before the warehouse is opened: an unreachable scheduler loads nothing
            except distributed.SchedulerUnreachable as exc:
                click.echo(f"error: {exc}", err=True)
                sys.exit(2)
        with _in_place(warehouse, "ingest into"):
            try:
                summary = run_ingest(list(paths), warehouse, progress=not quiet)
            except SourceError as exc:  # listed before the warehouse is opened: nothing loaded
                click.echo(f"error: {exc}", err=True)
                sys.exit(2)
    click.echo(summary.describe())
    sys.exit(summary.exit_code)


@main.command()
@warehouse_option
def build(warehouse: Path) -> None:
    """Run `dbt build` (models and tests) on the warehouse: staging views, facts, dimensions and marts.

    Exit code 2 when dbt failed or the warehouse cannot be written (e.g. another process has it open)."""
    import duckdb

    from budget_etl.transform import build as run_build

    with _in_place(warehouse, "build"):
        if warehouse.is_file():
            duckdb.connect(str(warehouse)).close()  # can it be written? dbt would fail later and less clearly
        result = run_build(warehouse)
    click.echo(result.describe())
    sys.exit(0 if result.ok else 2)


log_json_option = click.option(
    "--log-json", is_flag=True, envvar="BUDGET_ETL_LOG_JSON",
    help="Log one JSON object per line on stderr (environment: BUDGET_ETL_LOG_JSON=1).",
)
allow_shrink_option = click.option(
    "--allow-shrink", is_flag=True,
    help="Publish even when the new warehouse has fewer documents or facts than the published one.",
)
time_limit_option = click.option(
    "--document-time-limit", "time_limit", type=click.FloatRange(min=0, min_open=True), default=None,
    help="Seconds to read and extract one document before it is quarantined as `timeout` (default: 120).",
)


@main.command()
@click.argument("paths", nargs=-1, type=PathOrUrl())
@warehouse_option
@click.option("--quiet", is_flag=True, help="No progress bar.")
@log_json_option
@allow_shrink_option
@time_limit_option
@executor_options
def run(paths: tuple[Path, ...], warehouse: Path, quiet: bool, log_json: bool, allow_shrink: bool,
        time_limit: float | None, executor: str, scheduler: str | None, workers: int, lake: Path | None) -> None:
    """Ingest + validate + build, then publish the warehouse atomically. Without PATHs, runs on the
    bundled sample in ingest/.

    The same run as `nightly`, except that it always rebuilds and retries quarantined files. Exit code 0
    when all went well, 1 when documents were quarantined (the others are published), 2 when the run failed
    and nothing was published.
    """
    from budget_etl.ops.distributed import use
    from budget_etl.ops.nightly import configure_logging, nightly
    from budget_etl.ops.pipeline import DOCUMENT_TIME_LIMIT

    configure_logging(json_lines=log_json)
    with use(make_executor(executor, scheduler, workers, lake, warehouse)):
        code = nightly(list(paths) or [bundled_sample()], warehouse, force=True, progress=not quiet,
                       command="run", allow_shrink=allow_shrink, time_limit=time_limit or DOCUMENT_TIME_LIMIT)
    if code < 2:  # published: close with what analysts now find in it
        from budget_etl.load.warehouse import fact_row_counts

        counts = fact_row_counts(warehouse)
        click.echo("rows: " + ", ".join(f"{table} {n}" for table, n in counts.items()))
        incomplete = _incomplete_documents(warehouse)
        if incomplete:
            click.echo(f"completeness: {incomplete} document(s) with a core subject (三公, 项目支出, 机关运行经费, "
                       "收支 totals) without facts; see marts.dq_check_results where check_kind = 'completeness'")
        click.echo(f"warehouse: {warehouse} (open it read-only; e.g. select * from marts.mart_office_year)")
    sys.exit(code)


def _incomplete_documents(warehouse: Path) -> int:
    """Published documents (latest versions) with a failing completeness check."""
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select count(distinct document_id) from marts.dq_check_results "
            "where check_kind = 'completeness' and status = 'fail' and is_latest_version").fetchone()[0]


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for index.html, one page per document (documents/), findings.csv and findings.json.")
@click.option("--manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A sources.yml listing the documents (paths relative to it).")
@click.option("--acknowledgements", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="CSV of accepted findings (document_id, check_name, reviewer, reason_zh, acknowledged_on)  "
                   "[default: dbt_project/acknowledgements/finding_acknowledgements.csv]")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def check(paths: tuple[Path, ...], out: Path, manifest: Path | None, acknowledgements: Path | None,
          quiet: bool) -> None:
    """Check documents against the rulebook without publishing a warehouse: one findings page per document
    with the figures compared, where each was read and a suggestion, an index of the batch, and CSV and JSON.

    Exit code 0 when no finding and no refused file, 1 when there are findings or refused files.
    """
    from budget_etl.analyst.findings import check as run_check
    from budget_etl.paths import acknowledgements_file

    report = run_check(list(paths), out, manifest=manifest, progress=not quiet,
                       acknowledgements=acknowledgements or acknowledgements_file())
    click.echo(report.describe())
    sys.exit(1 if report.findings or report.refused else 0)


store_option = click.option(
    "--store", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Folder of the fetched documents (content-addressed by sha256); default .fetched/ beside the manifest.")


@main.command(name="nightly")
@click.argument("paths", nargs=-1, type=PathOrUrl(exists=False))
@click.option("--manifest", type=click.Path(dir_okay=False, path_type=Path),
              help="A sources.yml listing the documents (paths relative to it).")
@click.option("--fetch", "fetch_first", is_flag=True,
              help="First fetch the manifest's url: entries into the store (see `budget-etl fetch`).")
@store_option
@warehouse_option
@log_json_option
@allow_shrink_option
@time_limit_option
@click.option("--verify", is_flag=True,
              help="Hash every file again, even those whose size and modification time are as when last hashed.")
@executor_options
def nightly_command(paths: tuple[Path, ...], manifest: Path | None, fetch_first: bool, store: Path | None,
                    warehouse: Path, log_json: bool, allow_shrink: bool, time_limit: float | None,
                    verify: bool, executor: str, scheduler: str | None, workers: int, lake: Path | None) -> None:
    """Load what is new or changed (by sha256) in PATHs / the manifest, rebuild and publish atomically.

    A file whose size and modification time are as when it was last hashed is not hashed again (--verify:
    every file is).

    Without PATHs or --manifest, reads the bundled sample in ingest/. Nothing new: ends at once, the
    published warehouse untouched. One run at a time (a second one exits at once). Exit code 0 all good,
    1 published but documents were quarantined or missing, 2 the run failed and nothing was published.
    See docs/operations.md.
    """
    from budget_etl.ops.nightly import configure_logging, nightly
    from budget_etl.ops.pipeline import DOCUMENT_TIME_LIMIT

    configure_logging(json_lines=log_json)
    sources = list(paths) or ([] if manifest else [bundled_sample()])
    if fetch_first and manifest is None:
        raise click.UsageError("--fetch needs --manifest (the sources.yml whose url: entries are fetched)")
    from budget_etl.ops.distributed import use

    with use(make_executor(executor, scheduler, workers, lake, warehouse)):
        code = nightly(sources, warehouse, manifest=manifest, allow_shrink=allow_shrink,
                       time_limit=time_limit or DOCUMENT_TIME_LIMIT, fetch=fetch_first, store=store,
                       verify=verify)
    sys.exit(code)


@main.command(name="fetch")
@click.option("--manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
              help="The sources.yml whose url: entries are fetched.")
@store_option
@click.option("--timeout", type=float, default=None, help="Seconds to wait for a connection or for bytes.")
@log_json_option
def fetch_command(manifest: Path, store: Path | None, timeout: float | None, log_json: bool) -> None:
    """Download the manifest's url: entries into the content-addressed store, politely.

    Conditional requests (nothing unchanged is transferred again), one request per host per second, retries
    with backoff on 429/5xx/timeouts, a size limit; the content is sniffed (an HTML page under a .pdf URL is
    refused as html_not_document). Every request is a line of STORE/fetch_log.jsonl. Exit code 0 all
    fetched or unchanged, 1 some URLs brought no document. See docs/operations.md.
    """
    from dataclasses import replace

    from budget_etl.ops.fetch import Politeness, fetch
    from budget_etl.ops.nightly import configure_logging

    configure_logging(json_lines=log_json)
    politeness = Politeness() if timeout is None else replace(Politeness(), timeout=timeout)
    summary = fetch(manifest, store, politeness)
    click.echo(summary.describe())
    sys.exit(1 if summary.failed else 0)


@main.command()
@warehouse_option
@log_json_option
def rollback(warehouse: Path, log_json: bool) -> None:
    """Serve the previous published warehouse again (PATH.prev, kept by every publish), atomically.

    The rolled-back warehouse becomes PATH.prev: a second rollback undoes the first. Logged in the run log.
    Exit code 0 done, 2 nothing to roll back to (or a run holds the lock). See docs/operations.md.
    """
    from budget_etl.ops.nightly import configure_logging
    from budget_etl.ops.nightly import rollback as run_rollback

    configure_logging(json_lines=log_json)
    sys.exit(run_rollback(warehouse))


@main.command()
@warehouse_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("build/docs"),
              show_default=True, help="Folder to write the docs site to.")
def docs(warehouse: Path, out: Path) -> None:
    """Write the dbt docs site (one self-contained HTML file, openable offline)."""
    from budget_etl.transform import docs as write_docs

    index = write_docs(warehouse, out)
    click.echo(f"docs written: {index}")


def _year_range(text: str, option: str) -> tuple[int, int]:
    """2019-2023 -> (2019, 2023); 2023 -> (2023, 2023)."""
    try:
        first, _, last = text.partition("-")
        return int(first), int(last or first)
    except ValueError as exc:
        raise click.BadParameter("expected a year or a range like 2019-2023", param_hint=option) from exc


@main.command()
@click.option("--offices", type=click.IntRange(1, 100000), default=8, show_default=True)
@click.option("--years", default="2019-2023", show_default=True, help="A range like 2019-2023.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--format", "fmt", type=click.Choice(["txt", "docx"]), default="txt", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--finals", "final_years", default=None, metavar="YEARS",
              help="Also write each office's final accounts (决算) of these years (2023, or a range like "
                   "2022-2023), consistent with its budget of the same year.")
def synth(offices: int, years: str, out: Path, fmt: str, seed: int, final_years: str | None) -> None:
    """Write a synthetic corpus (fictional offices, marked as synthetic) with a gold JSON per document."""
    from budget_etl.synth import generate_corpus

    first, last = _year_range(years, "--years")
    finals = range(0)
    if final_years:
        final_first, final_last = _year_range(final_years, "--finals")
        finals = range(final_first, final_last + 1)
    manifest = generate_corpus(out, offices=offices, years=range(first, last + 1), fmt=fmt, seed=seed,
                               finals=finals)
    click.echo(f"wrote {offices} offices x {last - first + 1} years as {fmt} to {out} (manifest {manifest})")


@main.command(name="catalog")
@click.option("--write", is_flag=True, help="Write the dbt files made from the catalog (models/staging/, "
              "dbt_project/tests/assert_identity_*.sql).")
@click.option("--ddl", is_flag=True, help="Print the DuckDB DDL of schema raw instead.")
def catalog_command(write: bool, ddl: bool) -> None:
    """Check (or --write) the dbt files generated from the fact catalog; exits 1 when they have drifted."""
    from budget_etl.catalog import dbt
    from budget_etl.catalog.ddl import ddl as make_ddl
    from budget_etl.paths import project_root

    if ddl:
        click.echo(make_ddl())
        return
    if write:
        changed = dbt.write(project_root())
        click.echo("\n".join(f"wrote {path}" for path in changed) or "every generated file is up to date")
        return
    problems = dbt.drift(project_root())
    if problems:
        raise click.ClickException("the dbt files differ from the catalog (run `budget-etl catalog --write`):\n"
                                   + "\n".join(problems))
    click.echo("every generated file matches the catalog")


from budget_etl.cli.analyst import COMMANDS as _ANALYST_COMMANDS  # noqa: E402  (sql, export, report, offices, dictionary, site)

for _command in _ANALYST_COMMANDS:
    main.add_command(_command)


if __name__ == "__main__":
    main()
