"""Extractors: blocks to an ExtractedDocument, one module per template family."""

from __future__ import annotations

from budget_etl.extract.errors import ExtractionError
from budget_etl.extract.numbers import NumberFormatError
from budget_etl.extract.registry import choose
from budget_etl.facts import ExtractedDocument
from budget_etl.readers.blocks import ReadDocument

__all__ = ["ExtractionError", "extract"]


def extract(doc: ReadDocument, *, is_synthetic: bool = False) -> ExtractedDocument:
    """Facts of a read document; raises ExtractionError with a specific reason when it cannot."""
    if not doc.paragraphs():
        raise ExtractionError("no_text", "The document has no paragraphs of text to extract from.")
    try:
        return choose(doc).extract(doc, is_synthetic=is_synthetic)
    except NumberFormatError as exc:  # a cell the template says holds an amount does not
        raise ExtractionError("unreadable_amount", str(exc)) from exc
