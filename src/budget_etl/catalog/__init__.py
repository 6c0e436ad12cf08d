"""The catalog: every staging table, column, vocabulary and accounting identity, declared once (see
declare.py for how, tables.py for the list, identities.py for the identities)."""
