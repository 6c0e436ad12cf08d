"""Extraction: blocks to an ExtractedDocument. The identity is read first, then the registry picks the
template (one package or module per template family, in ``templates/``) that reads the facts."""

from __future__ import annotations

from budget_etl.extract.empty import is_blank_template
from budget_etl.extract.errors import ExtractionError
from budget_etl.extract.identity import read_identity
from budget_etl.extract.numbers import NumberFormatError
from budget_etl.extract.registry import choose
from budget_etl.facts import ExtractedDocument
from budget_etl.readers.blocks import ReadDocument
from budget_etl.readers.normalize import as_simplified

__all__ = ["ExtractionError", "extract"]


def extract(doc: ReadDocument, *, is_synthetic: bool = False) -> ExtractedDocument:
    """Facts of a read document; raises ExtractionError with a specific reason when it cannot. A document in
    Traditional characters is read in Simplified ones (the templates' keywords), its stored text as printed."""
    doc = as_simplified(doc)
    if not doc.paragraphs():
        raise ExtractionError("no_text", "The document has no paragraphs of text to extract from.")
    identity = read_identity(doc)  # first, whatever the template: a text that is no disclosure stops here
    if is_blank_template(doc):
        raise ExtractionError(
            "template_without_amounts",
            "The document has the sections or tables of a disclosure but no amount at all (a blank template): "
            "it is not loaded, so that its empty figures are never read as zeros.")
    template = choose(doc, identity.kind)
    if identity.fiscal_year is None:
        raise ExtractionError("no_document_identity", f"The title {identity.title!r} names no year.")
    try:
        out = template.extract(doc, is_synthetic=is_synthetic)
    except NumberFormatError as exc:  # a cell the template says holds an amount does not
        raise ExtractionError("unreadable_amount", str(exc)) from exc
    out.fill_main_measure()
    out.info.template = template.name
    return out
