"""What every reader produces: a document as an ordered list of paragraphs and tables.

Readers (txt now, docx and PDF later) differ in how they find paragraphs and cells; extractors see only
these blocks, so one extractor serves every format of a template.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Paragraph:
    text: str  # normalised, stripped
    line: int  # 1-based line of ReadDocument.text (for docx, its txt-form rendering)
    page: int | None = None  # 1-based page, for formats that have pages (PDF)


@dataclass(slots=True)
class Cell:
    text: str  # normalised, stripped; "" for an empty cell (never read as zero)
    line: int | None  # first source line of the cell, when the format has lines
    row: int  # 1-based
    col: int  # 1-based
    page: int | None = None  # 1-based page, for formats that have pages (PDF)


@dataclass(slots=True)
class Table:
    index: int  # 1-based, in document order
    rows: list[list[Cell]] = field(default_factory=list)

    @property
    def line(self) -> int | None:
        """First source line of the table."""
        return next((c.line for r in self.rows for c in r if c.line is not None), None)

    def texts(self) -> list[list[str]]:
        return [[c.text for c in row] for row in self.rows]


Block = Paragraph | Table


@dataclass(slots=True)
class ReadDocument:
    """A decoded, normalised document ready for extraction."""

    blocks: list[Block]
    text: str  # the normalised text, stored in raw.documents for provenance look-ups
    encoding: str  # the encoding the bytes were decoded from (utf-8, gb18030, utf-16, docx, ...)
    source_format: str  # txt | docx | pdf
    # a document published as several files: (file name, first line of its text in ``text``) in order;
    # empty for a document in one file
    files: list[tuple[str, int]] = field(default_factory=list)

    def file_at(self, line: int | None) -> str | None:
        """The file that holds a line of ``text`` (None for a document in one file, or no line)."""
        if not self.files or line is None:
            return None
        return next(name for name, first in reversed(self.files) if first <= line)

    def paragraphs(self) -> list[Paragraph]:
        return [b for b in self.blocks if isinstance(b, Paragraph)]

    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]


class UnreadableDocument(Exception):
    """The bytes cannot be turned into a document; ``reason_code`` says why, for the quarantine table."""

    def __init__(self, reason_code: str, message: str):
        super().__init__(message)
        self.reason_code = reason_code
