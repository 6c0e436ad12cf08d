"""budget-etl: a DuckDB warehouse of Chinese public budget disclosures."""

__version__ = "0.1.0"
PARSER_VERSION = "1"
