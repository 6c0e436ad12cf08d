"""Template plug-ins: each template scores how well it fits a document; the best one reads it.

A template is any object with a ``name``, the ``doc_kinds`` it reads, ``detect(doc) -> Detection`` and
``extract(doc, is_synthetic=...) -> ExtractedDocument``. Registering one is adding it to ``TEMPLATES``.
The document's identity (``identity.read_identity``) is read first, for every document: only the templates
whose ``doc_kinds`` hold its kind are candidates (none: ``<kind>_not_supported``, e.g.
``final_accounts_not_supported``). A document that no candidate claims (every score below ``MIN_SCORE``)
is refused as ``unknown_template``, with every candidate's score and reasons in the message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from budget_etl.extract.errors import ExtractionError
from budget_etl.facts import ExtractedDocument
from budget_etl.readers.blocks import ReadDocument

MIN_SCORE = 0.3


@dataclass(frozen=True)
class Detection:
    score: float  # 0 (not this template) to 1 (certainly this one)
    reasons: tuple[str, ...]  # what was seen, for `budget-etl parse --explain` and quarantine reasons


class Template(Protocol):
    name: str
    doc_kinds: tuple[str, ...]  # budget | final_accounts

    def detect(self, doc: ReadDocument) -> Detection: ...

    def extract(self, doc: ReadDocument, *, is_synthetic: bool = False) -> ExtractedDocument: ...


def _templates() -> list[Template]:
    from budget_etl.extract.templates import national_tables, notes_budget, notes_final

    # the table set first: a national document also has the narrative headings the notes form scores
    return [national_tables.TEMPLATE, notes_budget.TEMPLATE, notes_final.TEMPLATE]


def detections(doc: ReadDocument, kind: str | None = None) -> list[tuple[Template, Detection]]:
    """Every template (of ``kind``, when given) with its detection, best first (on a tie, the one registered
    first)."""
    scored = [(t, t.detect(doc)) for t in _templates() if kind is None or kind in t.doc_kinds]
    return sorted(scored, key=lambda pair: -pair[1].score)


def describe(scored: list[tuple[Template, Detection]]) -> str:
    return "; ".join(f"{t.name} {d.score:.2f} ({', '.join(d.reasons) or 'nothing seen'})" for t, d in scored)


_KIND_ZH = {"budget": "预算", "final_accounts": "决算"}


def choose(doc: ReadDocument, kind: str) -> Template:
    """The template that reads ``doc`` of this kind; ExtractionError ``<kind>_not_supported`` when no
    template reads the kind, ``unknown_template`` when none of those claims it."""
    scored = detections(doc, kind)
    if not scored:
        raise ExtractionError(
            f"{kind}_not_supported",
            f"The title names a {kind} ({_KIND_ZH.get(kind, kind)}) disclosure and no template reads that "
            "kind yet: it must never be loaded as another kind.")
    if scored[0][1].score < MIN_SCORE:
        raise ExtractionError(
            "unknown_template", f"No template recognises this document (scores: {describe(scored)}).")
    return scored[0][0]


def explain(doc: ReadDocument) -> list[str]:
    """How a document is identified and which template reads it, line by line (``budget-etl parse
    --explain``); never raises: a document that would be refused says why."""
    from budget_etl.extract.identity import read_identity

    try:
        identity = read_identity(doc)
    except ExtractionError as exc:
        return [f"identity: none [{exc.reason_code}]: {exc}"]
    lines = [f"identity: {identity.title!r}, {identity.kind}, year {identity.fiscal_year}, office "
             f"{identity.office_name!r}, scope {identity.scope or '?'} (line {identity.line})"]
    scored = detections(doc)
    for template, detection in scored:
        fits = identity.kind in template.doc_kinds
        lines.append(f"candidate {template.name}: score {detection.score:.2f} (threshold {MIN_SCORE})"
                     f"{'' if fits else f', does not read {identity.kind}'}: {'; '.join(detection.reasons)}")
    try:
        lines.append(f"read by: {choose(doc, identity.kind).name}")
    except ExtractionError as exc:
        lines.append(f"read by: none [{exc.reason_code}]")
    return lines
