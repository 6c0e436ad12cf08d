"""Analyst tools: read-only access, SQL, exports, reports, charts and the data dictionary."""
