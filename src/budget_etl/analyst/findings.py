"""`budget-etl check`: the rulebook on a batch of documents before they are published, for the finance staff
who send findings back to each unit.

The documents go through the same ingest as the warehouse (reading, pairing of two-file documents, time
limits, quarantine, validation) into a throw-away DuckDB file; nothing is published. Out of it come one page
per document (its findings with the figures compared, where each was read and a suggestion; its passed rules
folded away), an index of the batch with the refused files and their reasons, and the same findings as CSV
(UTF-8 with BOM, for Excel) and JSON. A finding a reviewer has accepted (the acknowledgements file, keyed by
document and check) is counted but not listed.
"""

from __future__ import annotations

import csv
import json
import tempfile
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import jinja2

from budget_etl import __version__
from budget_etl.analyst.export import guard_csv_text
from budget_etl.catalog import vocab
from budget_etl.facts import source_of
from budget_etl.validate.rulebook import rule_of

PAGES = "documents"  # folder of the per-document pages, beside index.html
CSV_COLUMNS = ("file_name", "office_name", "fiscal_year", "doc_kind", "rule_id", "check_name", "rule_title_zh",
               "severity", "expected", "actual", "difference", "place", "detail", "suggestion_zh", "document_id")


@dataclass
class Finding:
    rule_id: str
    check_name: str
    rule_title_zh: str
    severity: str
    expected: Decimal | None
    actual: Decimal | None
    difference: Decimal | None
    place: str  # file, page, table cell or line, in words
    detail: str
    suggestion_zh: str


@dataclass
class CheckedDocument:
    document_id: str
    file_name: str
    source_path: str
    office_name: str
    fiscal_year: int
    doc_kind: str
    template: str | None
    currency_unit: str | None
    findings: list[Finding] = field(default_factory=list)
    acknowledged: int = 0
    passed: list[str] = field(default_factory=list)  # titles of the rules that passed
    other: Counter = field(default_factory=Counter)  # not_applicable / insufficient_data

    @property
    def page(self) -> str:
        return f"{PAGES}/{self.document_id[:16]}.html"


@dataclass
class Refused:
    source_path: str
    reason_code: str
    reason: str


@dataclass
class CheckReport:
    documents: list[CheckedDocument]
    refused: list[Refused]
    out: Path

    @property
    def findings(self) -> int:
        return sum(len(d.findings) for d in self.documents)

    def describe(self) -> str:
        return (f"{len(self.documents)} document(s) checked, {self.findings} finding(s), "
                f"{sum(d.acknowledged for d in self.documents)} acknowledged, {len(self.refused)} file(s) refused; "
                f"index: {self.out / 'index.html'}")


def read_acknowledgements(path: Path | None) -> set[tuple[str, str]]:
    """(document_id, check_name) of each finding a reviewer accepted; no file: none."""
    if path is None or not path.is_file():
        return set()
    with path.open(encoding="utf-8-sig", newline="") as f:
        return {(row["document_id"].strip(), row["check_name"].strip()) for row in csv.DictReader(f)
                if row.get("document_id") and row.get("check_name")}


def check(paths: list[Path], out: Path, *, manifest: Path | None = None, acknowledgements: Path | None = None,
          progress: bool = True) -> CheckReport:
    """Check the documents of ``paths`` (files and folders) and write the findings into ``out``."""
    from budget_etl.ops.pipeline import ingest

    with tempfile.TemporaryDirectory(prefix="budget-etl-check-") as tmp:
        warehouse = Path(tmp) / "check.duckdb"
        ingest(paths, warehouse, manifest=manifest, progress=progress)
        with duckdb.connect(str(warehouse), read_only=True) as con:
            documents = _rows(con, "select document_id, file_name, source_path, office_name, fiscal_year, "
                                   "doc_kind, template, currency_unit from raw.documents order by source_path")
            results = _rows(con, "select * from raw.validation_results order by document_id, check_name")
            refused = [Refused(**r) for r in _rows(
                con, "select source_path, reason_code, reason from raw.quarantine order by source_path")]
    accepted = read_acknowledgements(acknowledgements)
    checked = {d["document_id"]: CheckedDocument(**d) for d in documents}
    for result in results:
        document = checked[result["document_id"]]
        rule = rule_of(result["check_name"])
        if result["status"] == "pass":
            document.passed.append(rule.zh)
        elif result["status"] != "fail":
            document.other[result["status"]] += 1
        elif (document.document_id, result["check_name"]) in accepted:
            document.acknowledged += 1
        else:
            document.findings.append(Finding(
                rule.id, result["check_name"], rule.zh, result["severity"], result["expected"], result["actual"],
                result["difference"], source_of(result).describe(), result["detail"] or "", rule.suggestion_zh))
    report = CheckReport(list(checked.values()), refused, out)
    _write(report)
    return report


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _yuan(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def _write(report: CheckReport) -> None:
    (report.out / PAGES).mkdir(parents=True, exist_ok=True)
    env = jinja2.Environment(loader=jinja2.PackageLoader("budget_etl.analyst", "templates"),
                             autoescape=jinja2.select_autoescape(["html", "j2"]), undefined=jinja2.StrictUndefined)
    env.filters["yuan"] = _yuan
    context = {"report": report, "version": __version__, "kinds": vocab.DOC_KINDS.terms,
               "severities": vocab.SEVERITIES.terms,
               "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}
    (report.out / "index.html").write_text(env.get_template("findings_index.html.j2").render(context),
                                           encoding="utf-8")
    page = env.get_template("findings_document.html.j2")
    for document in report.documents:
        (report.out / document.page).write_text(page.render({**context, "document": document}), encoding="utf-8")
    rows = [{**{k: v for k, v in vars(d).items() if k in CSV_COLUMNS}, **asdict(f)}
            for d in report.documents for f in d.findings]
    with (report.out / "findings.csv").open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, CSV_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows({k: guard_csv_text("" if v is None else str(v)) for k, v in row.items()} for row in rows)
    (report.out / "findings.json").write_text(json.dumps({
        "documents": [{**{k: v for k, v in vars(d).items() if k not in ("findings", "passed", "other")},
                       "findings": [asdict(f) for f in d.findings], "passed": len(d.passed)}
                      for d in report.documents],
        "refused": [asdict(r) for r in report.refused],
    }, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
