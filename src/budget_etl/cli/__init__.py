"""The command line: ``budget-etl`` (the ETL commands in ``etl``, the analyst commands in ``analyst``)."""

from budget_etl.cli.etl import main

__all__ = ["main"]
