"""budget-etl: a DuckDB warehouse of Chinese public budget disclosures."""

__version__ = "0.1.0"
PARSER_VERSION = "1"

from budget_etl.analyst.access import connect, engine  # noqa: E402  (Python access: budget_etl.connect())

__all__ = ["PARSER_VERSION", "__version__", "connect", "engine"]
