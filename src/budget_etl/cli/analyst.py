"""The analyst's commands of `budget-etl`: sql, export, report, offices, dictionary, site (registered in cli/etl.py).

They only read the warehouse: every one opens it read-only. `sql` runs the user's SQL in a sandbox that
reads and writes no other file unless given --allow-write DIR.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import click

from budget_etl.cli.options import warehouse_option


def _open(warehouse: Path, opener=None):
    import duckdb

    from budget_etl.analyst.access import WarehouseMissing, connect

    try:
        return (opener or connect)(warehouse)
    except (WarehouseMissing, duckdb.Error, OSError) as exc:
        raise click.ClickException(str(exc)) from exc


@click.command()
@click.argument("query", required=False)
@warehouse_option
@click.option("-f", "--file", "sql_file", type=click.File(encoding="utf-8"), help="Read the SQL from a file.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True, help="table: a readable box table (amounts with thousands separators; says which "
                   "columns did not fit); csv and json: every row and column, plain numbers, for other tools.")
@click.option("--max-rows", type=click.IntRange(1), default=50, show_default=True,
              help="Rows shown by the table format (the middle ones are elided).")
@click.option("--allow-write", "write_to", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Let the SQL read and write files in DIR (only there), e.g. COPY ... TO 'DIR/x.parquet'.")
def sql(query: str | None, warehouse: Path, sql_file, fmt: str, max_rows: int, write_to: Path | None) -> None:
    """Run SQL on the warehouse (read-only) and print the result.

    QUERY is the SQL, or `-` to read it from standard input. For example:

      budget-etl sql "select * from marts.mart_office_year order by fiscal_year"

    The SQL reads the warehouse and nothing else: COPY ... TO, EXPORT DATABASE, ATTACH, read_csv or
    read_text of a file, URLs and extensions are refused, and SET cannot change that. --allow-write DIR
    lets it read and write files in DIR.

    Queries for common questions are in docs/cookbook.md; the tables and columns in
    docs/data_dictionary.md.
    """
    import duckdb

    from budget_etl.analyst.query import SANDBOX_HINT, open_sandboxed, render, run

    if sql_file is not None:
        text = sql_file.read()
    elif query == "-" or (query is None and not sys.stdin.isatty()):
        text = sys.stdin.read()
    elif query:
        text = query
    else:
        text = ""
    if not text.strip():
        raise click.UsageError("give a query, `-` for standard input, or --file")
    con = _open(warehouse, lambda path: open_sandboxed(path, write_to=write_to))
    try:
        relation = run(con, text)
        if relation is not None:
            width = shutil.get_terminal_size((160, 40)).columns
            click.echo(render(relation, fmt, max_rows=max_rows, max_width=width))
    except duckdb.Error as exc:
        message = str(exc).strip()
        if isinstance(exc, duckdb.PermissionException) or "configuration has been locked" in message:
            message += f" ({SANDBOX_HINT})"
        raise click.ClickException(message) from exc
    finally:
        con.close()


@click.command()
@warehouse_option
@click.option("--format", "fmt", type=click.Choice(["parquet", "csv", "xlsx", "sqlite"]), required=True,
              help="parquet: a folder per table, a file per fiscal_year; csv: UTF-8 with a BOM; xlsx: one "
                   "workbook per table; sqlite: one budget.sqlite with a Datasette metadata.json.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder to write to (created if needed).")
@click.option("--table", "tables", multiple=True, metavar="NAME",
              help="A mart to export (repeatable); default: every mart.")
@click.option("--headers", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="Column headers: the column names, or Chinese names (either way a code column such as "
                   "doc_kind has its Chinese names beside it, in doc_kind_zh).")
@click.option("--bom/--no-bom", default=True, show_default=True,
              help="csv: begin with a UTF-8 byte-order mark, which Excel needs to read Chinese.")
def export(warehouse: Path, fmt: str, out: Path, tables: tuple[str, ...], headers: str, bom: bool) -> None:
    """Export marts to Parquet, CSV or Excel files, one per table, or to one SQLite file for Datasette."""
    from budget_etl.analyst.export import ExportError
    from budget_etl.analyst.export import export as run_export
    from budget_etl.analyst.sqlite_export import export_sqlite

    if fmt == "sqlite" and headers == "zh":
        raise click.UsageError("--headers zh is for csv, xlsx and parquet: the sqlite file keeps the column names and "
                               "its metadata.json gives their Chinese descriptions")
    con = _open(warehouse)
    try:
        written = export_sqlite(con, out, tables) if fmt == "sqlite" else \
            run_export(con, out, fmt, tables, language=headers, bom=bom)
    except ExportError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        con.close()
    for path in written:
        click.echo(f"wrote {path}")


@click.command()
@warehouse_option
@click.option("--office", required=True, metavar="ID", help="office_id (marts.dim_office), any name it prints (a former one too), unit code, or part of a name "
                   "(西关); several matches are listed.")
@click.option("--year", type=int, required=True, help="Fiscal year.")
@click.option("--kind", "doc_kind", type=click.Choice(["budget", "final_accounts"]), default=None,
              help="Kind of disclosure (default: the budget if there is one).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, metavar="FILE.html")
def report(warehouse: Path, office: str, year: int, doc_kind: str | None, out: Path) -> None:
    """Write one office's report for one year as a self-contained HTML page.

    Key figures with the change on last year, charts of the spending make-up, of the 三公 costs against
    last year and against the most local peer group and of the projects, the office's rank, share and median
    in every peer group it is in (district, city, province, its office type), the document's data-quality
    checks, and its text, each figure linked to the line it was read from.
    """
    from budget_etl.analyst.charts import CJKFontMissing
    from budget_etl.analyst.report import ReportError, write_report

    con = _open(warehouse)
    try:
        path = write_report(con, office, year, out, doc_kind)
    except (ReportError, CJKFontMissing) as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        con.close()
    click.echo(f"report written: {path}")


@click.command()
@warehouse_option
@click.option("--suggest", is_flag=True, help="List candidate aliases (numbered) with their reason and documents.")
@click.option("--csv", "as_csv", is_flag=True, help="With --suggest: print them as rows of the seed, to paste.")
@click.option("--accept", "numbers", type=int, multiple=True, metavar="N",
              help="With --suggest: append candidate N (repeatable) to the seed office_aliases.")
@click.option("--by", "accepted_by", default="", metavar="NAME", help="Who accepts them (the seed's accepted_by).")
@click.option("--aliases", "aliases_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The seed file (default: dbt_project/seeds/office_aliases.csv).")
def offices(warehouse: Path, suggest: bool, as_csv: bool, numbers: tuple[int, ...], accepted_by: str,
            aliases_path: Path | None) -> None:
    """Office identity: the accepted aliases (printed name -> canonical office name), or with --suggest the
    candidates for a person to accept: names one document prints for itself (its title, its tables' 部门：
    line, its headings, its files' names), the same unit code, one name inside another in one division.

    An accepted alias gives both names one office_id at the next build (`budget-etl run`); names are
    compared in Simplified characters, so a Traditional spelling needs none.
    """
    from budget_etl.analyst import offices as identity
    from budget_etl.paths import aliases_file

    path = aliases_path or aliases_file()
    aliases = identity.read_aliases(path)
    if not suggest:
        if numbers or as_csv:
            raise click.UsageError("--csv and --accept go with --suggest")
        for a in aliases:
            click.echo(f"{a.printed_name} -> {a.canonical_name}  ({a.accepted_by} {a.accepted_on}: {a.reason})")
        click.echo(f"{len(aliases)} accepted aliases in {path}")
        return
    con = _open(warehouse)
    try:
        candidates = identity.suggest(con, aliases)
    finally:
        con.close()
    if numbers or as_csv:
        if not accepted_by:
            raise click.UsageError("--by NAME: who accepts them")
        wrong = [n for n in numbers if not 1 <= n <= len(candidates)]
        if wrong:
            raise click.UsageError(f"no candidate {wrong[0]}: there are {len(candidates)}")
        chosen = [identity.alias_of(candidates[n - 1], accepted_by) for n in numbers] if numbers else \
            [identity.alias_of(c, accepted_by) for c in candidates]
        if as_csv:
            click.echo(identity.csv_rows(chosen), nl=False)
            return
        try:
            identity.accept(chosen, path)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"accepted {len(chosen)} aliases into {path}; rebuild (budget-etl run) to apply them")
        return
    for number, c in enumerate(candidates, start=1):
        click.echo(f"{number}. {c.printed_name} -> {c.canonical_name}  [{c.reason}: {identity.REASONS[c.reason]}]")
        for evidence in c.evidence:
            click.echo(f"     {evidence}")
        for label in c.documents:
            click.echo(f"     {label}")
    click.echo(f"{len(candidates)} candidates; accept with --accept N --by NAME, or print them with --csv --by NAME")


@click.command()
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write it  [default: docs/data_dictionary.md in the checkout]")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if the file is out of date.")
def dictionary(out: Path | None, check: bool) -> None:
    """Write the data dictionary of the marts (Chinese and English) from the dbt yml."""
    from budget_etl.analyst.dictionary import DICTIONARY, render, write
    from budget_etl.paths import project_root

    if check:
        path = out or project_root() / DICTIONARY
        current = path.read_text(encoding="utf-8") if path.is_file() else ""
        if current != render():
            raise click.ClickException(f"{path} is out of date: run `budget-etl dictionary`")
        click.echo(f"{path} is up to date")
        return
    click.echo(f"data dictionary written: {write(out)}")


@click.command()
@warehouse_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, metavar="DIR",
              help="Folder to write the site to (created if needed).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def site(warehouse: Path, out: Path, quiet: bool) -> None:
    """Write a static, offline site of every office: an index (filter by province, city, office type and year,
    search by name), the report of every office and year, a page per peer group, and every mart as CSV.

    Every link is relative: open DIR/index.html from disk or serve DIR from any web server.
    """
    from budget_etl.analyst.charts import CJKFontMissing
    from budget_etl.analyst.export import ExportError
    from budget_etl.analyst.report import ReportError
    from budget_etl.analyst.site import SiteError, build_site

    con = _open(warehouse)
    try:
        index = build_site(con, out, progress=not quiet)
    except (SiteError, ReportError, ExportError, CJKFontMissing) as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        con.close()
    click.echo(f"site written: {index}")


COMMANDS = (sql, export, report, offices, dictionary, site)
