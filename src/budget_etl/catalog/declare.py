"""How a table and its columns are declared: the vocabulary of the catalog itself.

A staging table is a dataclass whose fields carry their column's metadata (``col``, ``money``, ``pct``,
``embed``), decorated with ``table`` (description, key, grain). ``columns_of`` turns such a class into its
columns: the SQL type follows the Python annotation (``X | None`` is a nullable column), an ``embed`` field
(``Source``, ``DocumentInfo``) is flattened into its own fields under a prefix. Everything else (DDL, Arrow
schemas, pandera schemas, dbt sources and staging models) is derived from these ``Column`` objects.

This module imports nothing of the package, so that ``facts.py`` can use it.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

COLUMN = "budget_etl.column"  # key of a field's metadata holding its ColumnMeta
EMBED = "budget_etl.embed"  # key of a field's metadata holding the prefix of an embedded record
TABLE = "__budget_etl_table__"  # attribute of a decorated class holding its TableMeta

_SQL_TYPES = {str: "VARCHAR", int: "INTEGER", bool: "BOOLEAN", date: "DATE", datetime: "TIMESTAMP",
              Decimal: "DECIMAL(18,2)"}


@dataclass(frozen=True)
class Vocabulary:
    """A closed set of codes a column may hold, each with its Chinese name."""

    name: str
    zh: str
    en: str
    terms: Mapping[str, str]  # code -> Chinese name

    @property
    def values(self) -> list[str]:
        return list(self.terms)

    def __getitem__(self, code: str) -> str:
        """The code itself, if the vocabulary has it: extractors name codes through this, so that a typo or
        a code the catalog lacks fails at import, not in the warehouse."""
        if code not in self.terms:
            raise KeyError(f"{code!r} is not in vocabulary {self.name} ({', '.join(self.terms)})")
        return code

    def __contains__(self, code: object) -> bool:
        return code in self.terms


@dataclass(frozen=True)
class ColumnMeta:
    """What a field declares about its column besides its name and Python type."""

    zh: str
    en: str
    vocab: Vocabulary | None = None
    sql_type: str | None = None  # when the annotation is not enough: BIGINT, DECIMAL(5,2) ...
    checks: Mapping[str, Any] = dataclasses.field(default_factory=dict)  # pandera built-in checks
    staged: bool = True  # passed through by the dbt staging model (the document's full text is not)
    set_on_load: bool = False  # set by the warehouse when it loads the row, not by the extractor
    # the value of the rows a warehouse made before the column existed holds (None: they stay NULL)
    backfill: Any = None


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str  # DuckDB type
    nullable: bool
    zh: str
    en: str
    vocab: Vocabulary | None = None
    checks: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    staged: bool = True
    set_on_load: bool = False
    backfill: Any = None

    @property
    def description(self) -> str:
        return f"{self.zh} / {self.en}"


@dataclass(frozen=True)
class TableMeta:
    zh: str
    en: str
    grain: str  # what one row is
    key: tuple[str, ...]  # columns that identify a row (not enforced unless primary_key)
    primary_key: bool = False  # declare the key as the DuckDB primary key (upserts rely on it)
    staging_model: str | None = None  # name of the dbt staging model, if it is not stg_budget__<table>
    loaded_at_field: str | None = None  # for dbt source freshness
    staged: bool = True  # has a dbt staging model
    view: str | None = None  # a view over the raw tables: the file in catalog/views/ that defines it


def col(zh: str, en: str, *, vocab: Vocabulary | None = None, sql_type: str | None = None, staged: bool = True,
        set_on_load: bool = False, default: Any = dataclasses.MISSING, backfill: Any = None, **checks: Any) -> Any:
    """A dataclass field that is a column. ``checks`` are pandera built-in checks (ge, in_range,
    str_matches, str_length ...); the type check and the vocabulary's isin come with the type and vocab.
    ``backfill``: what the rows of an older warehouse, loaded before the column existed, hold."""
    meta = ColumnMeta(zh, en, vocab, sql_type, checks, staged, set_on_load, backfill)
    return dataclasses.field(default=default, metadata={COLUMN: meta})


def money(zh: str, en: str, *, signed: bool = False, **kwargs: Any) -> Any:
    """An amount in yuan, DECIMAL(18,2); never negative unless ``signed`` (a change)."""
    checks = {} if signed else {"ge": 0}
    return col(zh, en, sql_type="DECIMAL(18,2)", **checks, **kwargs)


def pct(zh: str, en: str, **kwargs: Any) -> Any:
    """A percentage 0-100, DECIMAL(5,2)."""
    return col(zh, en, sql_type="DECIMAL(5,2)", in_range={"min_value": 0, "max_value": 100}, **kwargs)


def embed(prefix: str = "") -> Any:
    """A field holding another declared record whose fields become columns, under ``prefix``."""
    return dataclasses.field(metadata={EMBED: prefix})


def table(*, zh: str, en: str, grain: str, key: tuple[str, ...], primary_key: bool = False,
          staging_model: str | None = None, loaded_at_field: str | None = None, staged: bool = True,
          view: str | None = None):
    """Class decorator: the class is the row of a staging table (or of a ``view`` over them)."""
    meta = TableMeta(zh, en, grain, key, primary_key, staging_model, loaded_at_field, staged, view)

    def decorate(cls):
        setattr(cls, TABLE, meta)
        return cls

    return decorate


def table_meta(cls) -> TableMeta:
    return getattr(cls, TABLE)


def _unwrap(annotation) -> tuple[type, bool]:
    """(the type, whether None is allowed) of ``X`` or ``X | None``."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) != 1:
            raise TypeError(f"a column holds one type, not {annotation}")
        return args[0], True
    return annotation, False


def columns_of(cls, prefix: str = "") -> list[Column]:
    """The columns of a declared record class, in field order, embedded records flattened in place."""
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        kind, nullable = _unwrap(hints[f.name])
        if EMBED in f.metadata:
            out += columns_of(kind, prefix + f.metadata[EMBED])
            continue
        meta: ColumnMeta | None = f.metadata.get(COLUMN)
        if meta is None:
            raise TypeError(f"{cls.__name__}.{f.name} has no column metadata (declare it with col())")
        sql_type = meta.sql_type or _SQL_TYPES[kind]
        out.append(Column(prefix + f.name, sql_type, nullable, meta.zh, meta.en, meta.vocab, meta.checks,
                          meta.staged, meta.set_on_load, meta.backfill))
    return out


def flattener(cls):
    """A function turning a record of ``cls`` into a flat row dict (embedded records under their prefix).
    Built once per class: ingest flattens every fact of every document."""
    hints = typing.get_type_hints(cls)
    plan = []
    for f in dataclasses.fields(cls):
        if EMBED in f.metadata:
            plan.append((f.name, f.metadata[EMBED], flattener(_unwrap(hints[f.name])[0])))
        else:
            plan.append((f.name, None, None))

    def flat(record) -> dict:
        row = {}
        for name, prefix, inner in plan:
            value = getattr(record, name)
            if inner is None:
                row[name] = value
            else:
                row.update((prefix + k, v) for k, v in inner(value).items())
        return row

    return flat
