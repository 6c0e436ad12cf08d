"""Template plug-ins: each template scores how well it fits a document; the best one reads it.

A template is any object with a ``name``, the ``doc_kinds`` it reads, ``detect(doc) -> Detection`` and
``extract(doc, is_synthetic=...) -> ExtractedDocument``. Registering one is adding it to ``TEMPLATES``.
A document that no template claims (every score below ``MIN_SCORE``) is refused as ``unknown_template``,
with every candidate's score and reasons in the message.
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
    from budget_etl.extract.templates import national_tables, notes_budget

    # the table set first: a national document also has the narrative headings the notes form scores
    return [national_tables.TEMPLATE, notes_budget.TEMPLATE]


def detections(doc: ReadDocument) -> list[tuple[Template, Detection]]:
    """Every template with its detection, best first (on a tie, the one registered first)."""
    scored = [(template, template.detect(doc)) for template in _templates()]
    return sorted(scored, key=lambda pair: -pair[1].score)


def describe(scored: list[tuple[Template, Detection]]) -> str:
    return "; ".join(f"{t.name} {d.score:.2f} ({', '.join(d.reasons) or 'nothing seen'})" for t, d in scored)


def choose(doc: ReadDocument) -> Template:
    """The template that reads ``doc``; ExtractionError ``unknown_template`` when none claims it."""
    scored = detections(doc)
    if not scored or scored[0][1].score < MIN_SCORE:
        raise ExtractionError(
            "unknown_template", f"No template recognises this document (scores: {describe(scored)}).")
    return scored[0][0]
