"""Readers: file bytes to a ReadDocument of blocks, whatever the format."""

from __future__ import annotations

from pathlib import Path

from budget_etl.readers.blocks import Cell, Paragraph, ReadDocument, Table, UnreadableDocument
from budget_etl.readers.docx import read_doc_bytes, read_docx_bytes
from budget_etl.readers.pdf import read_pdf_bytes
from budget_etl.readers.text import read_text_bytes

__all__ = ["Cell", "Paragraph", "ReadDocument", "Table", "UnreadableDocument", "read_bytes", "read_path"]

SUPPORTED_SUFFIXES = (".txt", ".docx", ".doc", ".pdf")


def read_bytes(data: bytes, file_name: str) -> ReadDocument:
    """Decode a document by its file name's suffix; raises UnreadableDocument with a specific reason."""
    suffix = Path(file_name).suffix.lower()
    if suffix == ".txt":
        return read_text_bytes(data)
    if suffix == ".docx":
        return read_docx_bytes(data)
    if suffix == ".doc":  # converted with LibreOffice when it is installed, else UnreadableDocument
        return read_doc_bytes(data)
    if suffix == ".pdf":
        return read_pdf_bytes(data)
    raise UnreadableDocument(
        "unsupported_format",
        f"{file_name}: {suffix or 'no suffix'} files are not supported "
        f"(supported: {', '.join(SUPPORTED_SUFFIXES)}).",
    )


def read_path(path: Path) -> ReadDocument:
    return read_bytes(Path(path).read_bytes(), Path(path).name)
