"""Loading extracted, validated facts into the DuckDB staging schema ``raw``."""
