"""Options shared by the commands of `budget-etl` (cli.py and analyst_cli.py)."""

from __future__ import annotations

from pathlib import Path

import click

from budget_etl.paths import DEFAULT_WAREHOUSE

warehouse_option = click.option(
    "--warehouse",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="BUDGET_ETL_WAREHOUSE",
    default=DEFAULT_WAREHOUSE,
    show_default=True,
    help="The DuckDB warehouse file (environment: BUDGET_ETL_WAREHOUSE).",
)


class PathOrUrl(click.ParamType):
    """A local file or folder, or the URL of objects in storage (s3://bucket/prefix, gs://..., file:///...;
    read by the Dask workers through fsspec, docs/distributed.md): a URL stays a string."""

    name = "path_or_url"

    def __init__(self, exists: bool = True):
        self.path = click.Path(exists=exists, path_type=Path)

    def convert(self, value, param, ctx):
        from budget_etl.ops.sources import is_url

        return value if is_url(value) else self.path.convert(value, param, ctx)


def executor_options(command):
    """--executor, --scheduler, --workers and --lake: where documents are parsed (see docs/distributed.md)."""
    for option in reversed([
        click.option("--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True,
                     help="Parse in local worker processes, or on a Dask cluster through a Parquet lake."),
        click.option("--scheduler", metavar="ADDRESS", default=None,
                     help="The Dask scheduler (e.g. tcp://10.0.0.5:8786); default: a local cluster of --workers."),
        click.option("--workers", type=click.IntRange(min=1), default=2, show_default=True,
                     help="Worker processes of the local Dask cluster started when no --scheduler is given."),
        click.option("--lake", type=PathOrUrl(exists=False), default=None,
                     help="The Parquet lake the Dask workers write (a folder they all reach, or an fsspec URL "
                          "such as s3://bucket/lake); default: beside the warehouse, its name ending in .lake."),
    ]):
        command = option(command)
    return command


def make_executor(executor: str, scheduler: str | None, workers: int, lake: Path | str | None,
                  warehouse: Path):
    """The DaskExecutor of --executor dask (None for local: today's process pool)."""
    if executor == "local":
        if scheduler is not None or lake is not None:
            raise click.UsageError("--scheduler and --lake need --executor dask")
        return None
    from budget_etl.ops.distributed import DaskExecutor

    return DaskExecutor(lake or Path(warehouse).with_suffix(".lake"), scheduler, workers)
