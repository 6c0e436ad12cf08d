"""The dbt files the catalog generates: the sources and staging models of ``models/staging/`` and the
identity tests ``dbt_project/tests/assert_identity_*.sql``.

``budget-etl catalog --write`` writes them; ``drift()`` lists the generated files that differ from what the
catalog makes (tests/test_catalog.py fails on any), so a column, a vocabulary code or an identity is changed
in the catalog and nowhere else.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from budget_etl.catalog.declare import Column
from budget_etl.catalog.identities import IDENTITIES, ROUNDING_YUAN, Figure, FirstOf, Identity
from budget_etl.catalog.tables import TABLES, Table

SOURCE = "budget"
STAGING_DIR = Path("models/staging")
STAGING_YML = STAGING_DIR / "_staging.yml"
IDENTITY_TESTS_DIR = Path("dbt_project/tests")
RULES_SEED = Path("dbt_project/seeds/rules.csv")  # the rulebook (budget_etl.validate.rulebook)
CODE_LABELS_SEED = Path("dbt_project/seeds/code_labels.csv")  # Chinese names of the vocabularies' codes
GENERATED = "Generated from the catalog (src/budget_etl/catalog) by `budget-etl catalog --write`: do not edit."
# Source tests warn: validation has already recorded the offending rows (schema.* check rows), and the
# document was loaded on purpose so that the rest of its facts are not lost.
def _warn() -> dict:
    return {"severity": "warn"}  # a new dict each time: yaml would write anchors for a shared one


def _description(zh: str, en: str) -> str:
    return f"{zh} / {en}"


def _column_tests(table: Table, column: Column) -> list:
    tests: list = []
    if table.meta.key == (column.name,) and not table.meta.primary_key:  # DuckDB enforces a primary key
        tests += ["unique", "not_null"]
    if column.vocab is not None:
        tests.append({"accepted_values": {"arguments": {"values": column.vocab.values}, "config": _warn()}})
    return tests


def _source_table(table: Table) -> dict:
    meta = table.meta
    entry: dict = {"name": table.name,
                   "description": _description(meta.zh, f"{meta.en} (grain: {meta.grain})")}
    if meta.loaded_at_field:
        entry["config"] = {"loaded_at_field": meta.loaded_at_field,
                           "freshness": {"warn_after": {"count": 30, "period": "day"}}}
    if len(meta.key) > 1:
        entry["data_tests"] = [{"unique_combination_of_columns": {
            "arguments": {"combination_of_columns": list(meta.key)}, "config": _warn()}}]
    columns = []
    for column in table.columns:
        item: dict = {"name": column.name, "data_type": column.sql_type.lower(), "description": column.description}
        tests = _column_tests(table, column)
        if tests:
            item["data_tests"] = tests
        columns.append(item)
    entry["columns"] = columns
    return entry


def _staging_model(table: Table) -> dict:
    return {
        "name": table.staging_model,
        "description": _description(table.meta.zh, f"{table.meta.en}, as loaded (raw.{table.name})"),
        "columns": [{"name": c.name, "description": c.description} for c in table.columns if c.staged],
    }


class _Dumper(yaml.SafeDumper):
    """Lists of plain values on one line ([unique, not_null], accepted values), the rest in block style."""


def _list(dumper: yaml.SafeDumper, items: list) -> yaml.Node:
    flow = all(isinstance(item, str | int) for item in items)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", items, flow_style=flow)


_Dumper.add_representer(list, _list)


def staged_tables() -> list[Table]:
    return [t for t in TABLES.values() if t.meta.staged]


def staging_yml() -> str:
    document = {
        "sources": [{
            "name": SOURCE,
            "description": _description("入库步骤写入的原始表（schema raw，由 src/budget_etl/catalog 定义）",
                                        "Staging tables loaded by the ingest step (schema raw, declared in "
                                        "src/budget_etl/catalog)"),
            "schema": "raw",
            "tables": [_source_table(t) for t in TABLES.values()],
        }],
        "models": [_staging_model(t) for t in staged_tables()],
    }
    body = yaml.dump(document, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=200)
    return f"# {GENERATED}\n\n{body}"


def staging_sql(table: Table) -> str:
    columns = ",\n".join(f"        {c.name}" for c in table.columns if c.staged)
    return (
        f"-- {GENERATED}\n"
        f"-- {table.meta.zh} / {table.meta.en}: {table.meta.grain}.\n"
        "with\n\n"
        "source as (\n"
        f"    select * from {{{{ source('{SOURCE}', '{table.name}') }}}}\n"
        "),\n\n"
        "renamed as (\n"
        "    select\n"
        f"{columns}\n"
        "    from source\n"
        ")\n\n"
        "select * from renamed\n"
    )


# ---- identity tests ------------------------------------------------------------------------------------


def _quote(code: str) -> str:
    return "'" + code.replace("'", "''") + "'"


def _in(column: str, codes: tuple[str | None, ...]) -> str:
    """``column in (codes)``; a code None accepts an empty cell."""
    test = f"{column} in ({', '.join(_quote(c) for c in codes if c is not None)})"
    return f"({test} or {column} is null)" if None in codes else test


def _where(figure: Figure) -> str:
    tests = [_in(column, codes) for column, codes in figure.where.items()]
    if any(c.name == "measure" for c in TABLES[figure.table].columns):
        tests.append("{{ is_main_measure('measure', 'document_id') }}")  # a 决算's 决算数, not its 预算数
    return f"\n    where {' and '.join(tests)}" if tests else ""


def _ref(figure: Figure) -> str:
    return f"{{{{ ref('{TABLES[figure.table].staging_model}') }}}}"


def _value(figure: Figure) -> str:
    return f"coalesce({figure.column}, 0)" if figure.empty_is_zero else figure.column


def _sum_per_document(figure: Figure, extra: str = "") -> str:
    return (f"select document_id,{extra} sum({figure.column}) as value\n    from {_ref(figure)}{_where(figure)}\n"
            "    group by document_id")


def _part_rows(part: Figure | FirstOf, number: int, keys: list[str]) -> str:
    """A CTE body: the rows (keys, part, value) of one part."""
    select = ", ".join(keys)
    if isinstance(part, Figure):
        return f"select {select}, {number} as part, {_value(part)} as value\n    from {_ref(part)}{_where(part)}"
    candidates = "\n        union all\n        ".join(
        _sum_per_document(f, f" {priority} as priority,").replace("\n    ", "\n        ")
        for priority, f in enumerate(part.figures, start=1))
    return (f"select document_id, {number} as part, arg_min(value, priority) as value\n"
            f"    from (\n        {candidates}\n    ) as candidates\n"
            "    where value is not null\n    group by document_id")


def identity_sql(identity: Identity) -> str:
    keys = ["document_id"] + ([identity.per_row] if identity.per_row else [])
    select = ", ".join(keys)
    total = identity.total
    if identity.per_row:
        stated = (f"select {select}, {total.column} as expected\n    from {_ref(total)}\n"
                  f"    where {total.column} is not null")
    elif isinstance(total, FirstOf):  # the first of its figures the document states
        candidates = "\n        union all\n        ".join(
            _sum_per_document(f, f" {priority} as priority,").replace("\n    ", "\n        ")
            for priority, f in enumerate(total.figures, start=1))
        stated = (f"select document_id, arg_min(value, priority) as expected\n"
                  f"    from (\n        {candidates}\n    ) as candidates\n"
                  "    where value is not null\n    group by document_id")
    else:
        stated = (f"select document_id, sum({total.column}) as expected\n    from {_ref(total)}{_where(total)}\n"
                  "    group by document_id")
    ctes = [("stated", stated)]
    ctes += [(f"part_{n}", _part_rows(p, n, keys)) for n, p in enumerate(identity.parts, start=1)]
    union = "\n        union all\n        ".join(f"select * from part_{n}" for n in range(1, len(identity.parts) + 1))
    # every part must be there (a document without project lines is not tested), as in validation; an
    # optional part (rows only some documents have) is added where it is there
    required = [n for n, p in enumerate(identity.parts, start=1) if not getattr(p, "optional", False)]
    having = "" if identity.per_row else (
        f"\n    having count(distinct part) filter (where part in ({', '.join(map(str, required))})) = {len(required)}")
    ctes.append(("parts", f"select {select}, sum(value) as actual, count(*) as n_parts, "
                          f"count(*) - count(value) as n_empty\n    from (\n        {union}\n    ) as all_parts\n"
                          f"    group by {select}{having}"))
    body = ",\n\n".join(f"{name} as (\n    {sql}\n)" for name, sql in ctes)
    rounding = ", ".join(f"{_quote(unit)}: {value}" for unit, value in ROUNDING_YUAN.items())
    return (
        f"-- {GENERATED}\n"
        f"-- {identity.zh} / {identity.en}.\n"
        "{{ config(severity='warn') }}\n\n"
        f"with\n\n{body}\n\n"
        f"{{{{ identity_failures('stated', 'parts', keys={keys!r}, rounding={{{rounding}}}, "
        f"signed_parts={str(identity.signed_parts).lower()}) }}}}\n"
    )


# ---- files ---------------------------------------------------------------------------------------------


def generated_files() -> dict[Path, str]:
    """Path (relative to the repository) -> content, for every file the catalog generates."""
    files = {STAGING_YML: staging_yml()}
    files.update({STAGING_DIR / f"{t.staging_model}.sql": staging_sql(t) for t in staged_tables()})
    files.update({IDENTITY_TESTS_DIR / f"assert_identity_{i.name}.sql": identity_sql(i) for i in IDENTITIES})
    from budget_etl.validate.rulebook import seed_csv  # the rulebook builds on the catalog, not the reverse

    files[RULES_SEED] = seed_csv()
    files[CODE_LABELS_SEED] = code_labels_csv()
    return files


def code_labels_csv() -> str:
    """The seed ``code_labels``: one row per column that holds a vocabulary's codes and per code, with the
    code's Chinese name (catalog.tables.enum_labels, the same names Chinese exports show)."""
    import csv
    import io

    from budget_etl.catalog.tables import enum_labels

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["column_name", "code", "label_zh"])
    for column, terms in sorted(enum_labels().items()):
        writer.writerows([column, code, zh] for code, zh in terms.items())
    return out.getvalue()


def _stale(root: Path, files: dict[Path, str]) -> list[Path]:
    """Files that look generated (by their place and name) but that the catalog no longer makes."""
    candidates = [*(root / STAGING_DIR).glob("stg_budget__*.sql"),
                  *(root / IDENTITY_TESTS_DIR).glob("assert_identity_*.sql")]
    return sorted(p.relative_to(root) for p in candidates if p.relative_to(root) not in files)


def drift(root: Path) -> list[str]:
    """What differs between the repository at ``root`` and what the catalog generates; empty when in sync."""
    files = generated_files()
    problems = []
    for path, content in files.items():
        target = root / path
        if not target.exists():
            problems.append(f"{path}: missing")
        elif target.read_text(encoding="utf-8") != content:
            problems.append(f"{path}: differs from the catalog")
    problems += [f"{path}: not generated by the catalog" for path in _stale(root, files)]
    return problems


def write(root: Path) -> list[Path]:
    """Write every generated file, remove the stale ones; returns the paths changed."""
    files = generated_files()
    changed = []
    for path, content in files.items():
        target = root / path
        if not target.exists() or target.read_text(encoding="utf-8") != content:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
            changed.append(path)
    for path in _stale(root, files):
        (root / path).unlink()
        changed.append(path)
    return changed
