"""Validation of one document before it is loaded: pandera schemas per staging frame, then the document's
own accounting identities (declared in ``catalog/identities.py``). Every check gives rows for raw.validation_results, passes included.

The schemas come from the catalog (``schemas.py``): frames are object-dtype and validated without coercion,
since pandera would round Decimals silently.

Kind and severity are the rule's (``rulebook.py``: every check declared once), whatever the outcome: a
schema check is an ``error``, an identity a ``warning`` (official documents contain slips). Schema failures that make the typed load impossible (wrong type, missing value,
missing column, a number that does not fit its column, no document identity) are ``blocking``: the
pipeline quarantines the document with reason_code ``schema_violation`` instead of loading it.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

import pandas as pd
import pandera.pandas as pa

from budget_etl.catalog import vocab
from budget_etl.catalog.identities import IDENTITIES, ROUNDING_YUAN, Figure, FirstOf, Identity
from budget_etl.catalog.tables import CheckResult
from budget_etl.catalog.vocab import PROJECT_CODE  # noqa: F401 (re-exported for callers)
from budget_etl.facts import ExtractedDocument, Source, fact_rows, flat_record, source_of
from budget_etl.readers.normalize import to_simplified
from budget_etl.validate.completeness import completeness_checks
from budget_etl.validate.disclosure import disclosure_checks
from budget_etl.validate.rulebook import rule_of
from budget_etl.validate.schemas import SCHEMAS
from budget_etl.validate.table_rules import table_checks
from budget_etl.validate.text_rules import text_checks

log = logging.getLogger(__name__)

MAX_DIFFERENCE = Decimal(10) ** 16  # DECIMAL(18,2) bound for expected / actual / difference


# The economic classes 人员经费 is made of: 工资福利支出 and 对个人和家庭的补助 (公用经费: the others).
PERSONNEL_CLASSES = ("301", "303")

# Checks whose failure means the row cannot be typed into its staging table.
_BLOCKING_CHECKS = ("is_", "not_nullable", "column_in_dataframe", "column_in_schema", "dtype")
# A document without these cannot be placed in the warehouse at all.
_IDENTITY_COLUMNS = {"doc_kind", "fiscal_year", "office_name"}


@dataclass
class Validation:
    rows: list[dict]  # raw.validation_results rows
    blocking: list[str]  # schema failures that make the typed load impossible

    @property
    def failures(self) -> int:
        return sum(r["status"] == "fail" for r in self.rows)

    def reason(self, limit: int = 5) -> str:
        """The blocking failures as one quarantine reason."""
        more = len(self.blocking) - limit
        return "; ".join(self.blocking[:limit]) + (f"; and {more} more" if more > 0 else "")


def validate_document(facts: ExtractedDocument, document: dict) -> Validation:
    """Schema checks of every staging frame, then (if the frames are typed) the accounting identities."""
    return validate_documents([(facts, document)])[0]


def validate_documents(batch: list[tuple[ExtractedDocument, dict]],
                       rows_of: list[dict[str, list[dict]]] | None = None) -> list[Validation]:
    """validate_document for many documents at once: each staging frame of the whole batch is checked by
    pandera in one call (per-call overhead dominates for single documents), then failures are split back
    to the documents they belong to. Returns one Validation per document, in order. ``rows_of``: each
    document's ``facts.fact_rows``, when the caller has made them already."""
    ids = [document["document_id"] for _, document in batch]
    frames: dict[str, list[dict]] = {table: [] for table in SCHEMAS}
    for number, (facts, document) in enumerate(batch):
        frames["documents"].append(document)
        fact_tables = rows_of[number] if rows_of is not None else fact_rows(facts, document["document_id"])
        for table, rows in fact_tables.items():
            frames[table] += rows
    rows: dict[str, list[dict]] = {i: [] for i in ids}
    blocking: dict[str, list[str]] = {i: [] for i in ids}
    for table, schema in SCHEMAS.items():
        failures = _schema_failures(table, schema, frames[table], ids)
        counts = Counter(r["document_id"] for r in frames[table])
        for document_id in ids:
            failed = failures.get(document_id)
            if failed:
                rows[document_id] += failed[0]
                blocking[document_id] += failed[1]
            else:
                rows[document_id].append(_row(document_id, f"schema.{table}", "pass",
                                              detail=f"{counts[document_id]} rows"))
    for facts, document in batch:
        document_id = document["document_id"]
        rows[document_id] += decoding_check(document)
        text = to_simplified(document.get("normalized_text") or "")  # the rules' words are Simplified
        if not blocking[document_id]:  # identities need typed values
            rows[document_id] += identity_checks(facts, document_id)
            rows[document_id] += disclosure_checks(facts, text, document_id, _row)
            rows[document_id] += table_checks(facts, partial(_compare, document_id, unit=facts.info.currency_unit))
            rows[document_id] += text_checks(facts, text, document_id, _row)
        rows[document_id] += completeness_checks(facts, text, document_id)
    return [Validation(rows[i], blocking[i]) for i in ids]


def decoding_check(document: dict) -> list[dict]:
    """Replacement characters (U+FFFD) in the text are bytes its reader could not decode (a stray byte in
    UTF-8 text): the document loads, and a failed row, a warning, says how many and where the first stands.
    A text without any gives no row (it is no check of the facts, whose passes are all recorded)."""
    text = document.get("normalized_text") or ""
    lost = text.count("\ufffd")
    if not lost:
        return []
    line = text.count("\n", 0, text.index("\ufffd")) + 1
    return [_row(document["document_id"], "schema.documents.undecodable_bytes", "fail",
                 detail=f"{lost} undecodable byte sequence(s) replaced by U+FFFD; the first on line {line}",
                 src=Source(line=line))]


def _row(document_id, check_name, status, *, expected=None, actual=None, difference=None, detail=None,
         src: Source | None = None) -> dict:
    """A raw.validation_results row; its kind and severity are its rule's (``rulebook.rule_of``)."""
    rule = rule_of(check_name)
    return flat_record(CheckResult(document_id, check_name, rule.kind, rule.severity, status, expected, actual,
                                   difference, detail, src or Source()))


def _schema_failures(table: str, schema: pa.DataFrameSchema, records: list[dict], ids: list[str]) -> dict[str, tuple[list, list]]:
    """document_id -> (failure rows, blocking failures) of one staging frame; documents that pass are absent.
    Row numbers in the details count within the document's own rows of the table."""
    if not records:  # an empty frame with the schema's columns: nothing can fail, pandera is not called
        return {}
    columns = list(records[0])
    frame = pd.DataFrame(records, columns=columns, dtype=object)
    check_name = f"schema.{table}"
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        failures = err.failure_cases
    else:
        return {}

    row_in_document = frame.groupby("document_id", sort=False).cumcount() if len(frame) else frame.index
    out: dict[str, tuple[list, list]] = {}
    seen = set()
    for case in failures.itertuples(index=False):
        index = None if pd.isna(case.index) else int(case.index)
        if case.schema_context != "DataFrameSchema":  # a column check: the failing value
            detail = f"{table}.{case.column}={case.failure_case!r} fails {case.check}"
        elif index is None:  # a missing or unexpected column: failure_case is its name
            detail = f"{table}.{case.failure_case} fails {case.check}"
        elif (case.check, index) in seen:  # a row-wise check reports every column of the row: keep one
            continue
        else:
            seen.add((case.check, index))
            detail = f"{table} fails {case.check}"
        src = None
        if index is not None:
            r = frame.loc[index]
            detail += f" (row {int(row_in_document[index]) + 1})"
            if "src_line" in frame:
                src = source_of(r)
        is_blocking = str(case.check).startswith(_BLOCKING_CHECKS) or (
            table == "documents" and case.column in _IDENTITY_COLUMNS
        )
        # a failure of the frame as a whole (a missing column) belongs to every document in it
        owners = ids if index is None else [frame.loc[index, "document_id"]]
        for document_id in owners:
            failed, blocked = out.setdefault(document_id, ([], []))
            failed.append(_row(document_id, check_name, "fail", detail=detail, src=src))
            if is_blocking:
                blocked.append(detail)
    return out


# ---- accounting identities -------------------------------------------------------------------------


def identity_checks(facts: ExtractedDocument, document_id: str = "") -> list[dict]:
    """One row per identity of the catalog (``catalog/identities.py``; a per-row identity: one per row), in
    exact Decimal arithmetic. ``expected`` is what the document states (with its Source), ``actual`` the sum
    of the parts; the tolerance is the rounding of the figures a document in 万元 (or another unit above 元)
    prints."""
    compare = partial(_compare, document_id, unit=facts.info.currency_unit)
    rows = [row for identity in IDENTITIES for row in _identity_rows(identity, facts, compare)]
    return rows + _cross_checks(facts, compare)


def _cross_checks(facts: ExtractedDocument, compare) -> list[dict]:
    """The national table set's cross-checks, whose parts depend on what each document's tables hold: 收入总计
    = 支出总计 of a 收支总表, the function-class rows against their 合计 and their parents, and each figure
    the text states beside its table's."""
    rows = []
    stated = {t.metric: t for t in facts.stated_totals}
    revenue_total, expenditure_total = stated.get("revenue_total"), stated.get("expenditure_total")
    if revenue_total and expenditure_total and revenue_total.src.table and expenditure_total.src.table:
        # 收入总计 = 支出总计 of a 收支总表 (the notes form states them apart in prose)
        rows.append(compare(
            "identity.revenue_equals_expenditure", revenue_total.amount_yuan, [expenditure_total.amount_yuan],
            what=f"收入总计 ({_where(revenue_total)}) vs 支出总计 ({_where(expenditure_total)})",
            src=revenue_total.src,
        ))
    rows += _function_checks(facts, compare) + _economic_checks(facts, compare)
    # a figure the text states beside the table's (<metric>_text; a 三公 item: beside the table's item of that
    # category), of the same measure: one row per pair
    main = vocab.MAIN_MEASURES[facts.info.doc_kind]
    tables = {(t.metric, t.measure or main): t for t in reversed(facts.stated_totals)}
    tables |= {(c.category, c.measure or main): c for c in reversed(facts.three_public_costs)}
    for text in (t for t in facts.stated_totals if t.metric.endswith("_text")):
        metric = text.metric.removesuffix("_text")
        table = tables.get((metric, text.measure or main))
        if table is not None:
            rows.append(compare(
                f"identity.text_vs_table.{metric}", table.amount_yuan, [text.amount_yuan],
                what=f"table ({_where(table)}) vs text ({_where(text)})", src=table.src,
            ))
    return rows


def _where(record) -> str:
    """A stated figure's place for a check's detail: its page (PDF) or line."""
    if record is None:
        return "not stated"
    src = record.src
    return f"p{src.page}" if src.page is not None else src.describe()


def _function_checks(facts: ExtractedDocument, compare) -> list[dict]:
    """Per fund scope of the by-function rows: the shallowest rows add up to the table's 合计 (its stated
    total ``function_total_<scope>``), and every class (类) or section (款) to its children."""
    stated = {t.metric: t for t in facts.stated_totals}
    rows = []
    for scope in sorted({f.fund_scope for f in facts.function_expenditure}):
        table = [(f.function_code, f.name_zh, f.total_yuan, f) for f in facts.function_expenditure
                 if f.fund_scope == scope]
        total = stated.get(f"function_total_{scope}")
        rows += _hierarchy_checks(f"identity.function_total.{scope}", f"identity.function_parents.{scope}",
                                  table, (total.amount_yuan, total, "合计") if total else None, compare,
                                  "function rows")
    return rows


def _economic_checks(facts: ExtractedDocument, compare) -> list[dict]:
    """Per fund scope of the rows by economic class (a basic-expenditure table): the classes (类: 301, 302 …)
    add up to the 合计 their own table states, and each class to its sections (款: 30101 …)."""
    main = vocab.MAIN_MEASURES[facts.info.doc_kind]
    rows = []
    for scope in sorted({e.fund_scope for e in facts.economic_expenditure}):
        records = [e for e in facts.economic_expenditure if e.fund_scope == scope]
        table = [(e.economic_code, e.name_zh, e.amount_yuan, e) for e in records]
        # the 合计 of the same table (a document prints several tables of one scope: never another's total);
        # a 决算's table ends with 人员经费合计 and 公用经费合计 instead, which make it up together
        places = {(e.src.file, e.src.table) for e in records}
        figures = {f.row_key: f for f in facts.table_figures
                   if f.table_kind == "basic_by_economic" and f.column_key == "total"
                   and (f.measure or main) == main and (f.src.file, f.src.table) in places}
        feet = [figures.get("personnel"), figures.get("public_operating")]
        total = ((figures["total"].amount_yuan, figures["total"], "合计") if "total" in figures
                 else (feet[0].amount_yuan + feet[1].amount_yuan, feet[0], "人员经费合计 + 公用经费合计")
                 if all(feet) else None)
        rows += _hierarchy_checks(f"identity.economic_total.{scope}", f"identity.economic_parents.{scope}",
                                  table, total, compare, "economic-class rows")
        # 人员经费 as the table states it (a 决算's 人员经费合计 row, or a budget's 人员经费 column of 合计) is
        # 工资福利支出 (301) + 对个人和家庭的补助 (303), the national definition
        personnel = figures.get("personnel") or next(
            (f for f in facts.table_figures if f.table_kind == "basic_by_economic" and f.row_key == "total"
             and f.column_key == "personnel" and (f.measure or main) == main
             and (f.src.file, f.src.table) in places), None)
        classes = [e for e in records if e.economic_code in PERSONNEL_CLASSES]
        rows.append(compare(
            f"identity.economic_personnel.{scope}", personnel.amount_yuan if personnel else None,
            [e.amount_yuan for e in classes],
            what=f"人员经费 ({_where(personnel)}) vs {' + '.join(e.economic_code for e in classes) or '301 + 303'}",
            absent=None if personnel and classes else "no 人员经费 figure" if not personnel else "no class 301 or 303",
            src=personnel.src if personnel else None))
    return rows


def _hierarchy_checks(total_check: str, parents_check: str, table: list[tuple], total, compare,
                      what: str) -> list[dict]:
    """A classification table of (code, name, amount, record) rows, codes nested by two digits (类 3, 款 5,
    项 7): its shallowest rows add up to its stated ``total`` (amount, the record stating it, its label), and every
    parent to its children; one row for the total, one naming every parent that fails."""
    top = min(len(code) for code, *_ in table)
    amount, record, label = total or (None, None, "合计")
    total_row = compare(
        total_check, amount, [a for code, _, a, _ in table if len(code) == top],
        what=f"{label} ({_where(record)}) vs sum of the {len(table)} {what}' top level",
        absent=None if total else "no stated 合计", src=record.src if record else None,
    )
    failed, checked = [], 0
    for code, name, amount, record in table:
        children = [a for c, _, a, _ in table if len(c) == len(code) + 2 and c.startswith(code)]
        if not children:
            continue
        checked += 1
        result = compare(parents_check, amount, children, what="", src=record.src)
        if result["status"] == "fail":
            failed.append((code, name, amount, record, result["actual"]))
    if failed:
        code, _, amount, record, actual = failed[0]
        detail = "; ".join(f"{c} {n} {a} ({_where(r)}) vs its rows {s}" for c, n, a, r, s in failed)
        row = compare(parents_check, amount, [actual],
                      what=f"{len(failed)} of {checked} parents differ from their rows: {detail}", src=record.src)
    else:
        row = compare(parents_check, Decimal(0) if checked else None, [Decimal(0)],
                      what=f"{checked} parents equal the sum of their rows",
                      absent=None if checked else "no parent with rows under it")
        row["expected"] = row["actual"] = row["difference"] = None
    return [total_row, row]


def _matching(facts: ExtractedDocument, figure: Figure) -> list:
    """The rows of a figure: those its filter accepts, of the document's main measure (a 决算's 决算数: the
    budget figures it prints beside them are not parts of its totals)."""
    main = vocab.MAIN_MEASURES[facts.info.doc_kind]
    return [r for r in getattr(facts, figure.table)
            if all(getattr(r, column) in codes for column, codes in figure.where.items())
            and getattr(r, "measure", main) in (main, None)]


def _value(record, figure: Figure) -> Decimal | None:
    value = getattr(record, figure.column)
    return Decimal(0) if value is None and figure.empty_is_zero else value


def _identity_rows(identity: Identity, facts: ExtractedDocument, compare) -> list[dict]:
    name, signed = f"identity.{identity.name}", identity.signed_parts
    if identity.per_row:
        records = getattr(facts, identity.total.table)
        if not records:
            return [compare(name, None, [], what=identity.what, absent=f"no {identity.total.table}")]
        return [
            compare(name, _value(r, identity.total), [_value(r, part) for part in identity.parts],
                    what=identity.row_what.format(**vars(r)), src=r.src, signed_parts=signed,
                    absent=None if _value(r, identity.total) is not None else f"no {identity.total.label}")
            for r in records
        ]
    # the total: its figure's rows (of a FirstOf, those of the first figure the document states)
    candidates = identity.total.figures if isinstance(identity.total, FirstOf) else (identity.total,)
    total, totals = next(((f, rows) for f in candidates if (rows := _matching(facts, f))), (candidates[0], []))
    absent = None if totals else f"no {identity.total.label}"
    parts: list[Decimal | None] = []
    for part in identity.parts:
        if isinstance(part, FirstOf):  # one part: the first of its figures that has a value
            sums = (_sum_or_none([_value(r, f) for r in _matching(facts, f)]) for f in part.figures)
            value = next((v for v in sums if v is not None), None)
            absent = absent or (None if value is not None else f"no {part.label}")
            parts.append(value)
        else:  # each row one part
            rows = _matching(facts, part)
            absent = absent or (None if rows or part.optional else f"no {part.label}")
            parts += [_value(r, part) for r in rows]
    expected = _sum_or_none([_value(r, total) for r in totals])
    return [compare(name, expected, parts, what=identity.what, absent=absent,
                    src=totals[0].src if totals else None, signed_parts=signed)]


def _sum_or_none(values: list[Decimal | None]) -> Decimal | None:
    known = [v for v in values if v is not None]
    return sum(known, Decimal(0)) if known else None


def _compare(document_id, name, expected, parts, *, what, absent=None, src=None, unit="元",
             signed_parts=False) -> dict:
    """Compare a stated total with the sum of its parts. A part that is None is an empty cell: it is left
    out of the sum, and if the rest falls short the result is insufficient_data rather than fail (the empty
    cells may hold the difference). Amounts are never negative, so known parts that already exceed the
    total fail whatever the empty cells hold; ``signed_parts`` (changes) turns that inference off."""
    actual = _sum_or_none(parts)
    empty = sum(p is None for p in parts)
    tolerance = ROUNDING_YUAN.get(unit, Decimal(0)) * (len(parts) + 1)  # each part and the total printed rounded
    if absent:
        status, detail = "not_applicable", f"{what}: {absent}"
    elif actual is None:
        status, detail = "insufficient_data", f"{what}: every part is empty"
    elif actual == expected:
        status, detail = "pass", what
    elif abs(actual - expected) <= tolerance:
        status, detail = "pass", f"{what}, within {tolerance:f} yuan of {unit} rounding"
    elif empty and (signed_parts or actual < expected):
        status, detail = "insufficient_data", f"{what}: {empty} of {len(parts)} parts empty"
    elif empty:
        status, detail = "fail", f"{what}: the known parts alone exceed the total ({empty} empty)"
    else:
        status, detail = "fail", what
    # keep numbers that do not fit DECIMAL(18,2) out of the row rather than failing the load
    expected, actual = (v if v is not None and abs(v) < MAX_DIFFERENCE else None for v in (expected, actual))
    difference = actual - expected if actual is not None and expected is not None else None
    if difference is not None and abs(difference) >= MAX_DIFFERENCE:
        difference = None
    if status == "fail":
        log.warning("%s fails for document %s: %s; expected %s, actual %s, difference %s",
                    name, document_id[:12], what, expected, actual, difference)
    return _row(document_id, name, status, expected=expected, actual=actual,
                difference=difference, detail=detail, src=src)
