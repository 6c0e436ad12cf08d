"""Extractors: blocks to an ExtractedDocument, one module per template family."""

from __future__ import annotations

from budget_etl.facts import ExtractedDocument
from budget_etl.readers.blocks import ReadDocument


class ExtractionError(Exception):
    """The document cannot be extracted; ``reason_code`` goes to raw.quarantine."""

    def __init__(self, reason_code: str, message: str):
        super().__init__(message)
        self.reason_code = reason_code


def extract(doc: ReadDocument, *, is_synthetic: bool = False) -> ExtractedDocument:
    raise NotImplementedError  # implemented in this session
