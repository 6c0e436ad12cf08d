"""Readers: file bytes to a ReadDocument of blocks, whatever the format."""

from __future__ import annotations

from pathlib import Path

from budget_etl.readers.blocks import Cell, Paragraph, ReadDocument, Table, UnreadableDocument
from budget_etl.readers.text import read_text_bytes

__all__ = ["Cell", "Paragraph", "ReadDocument", "Table", "UnreadableDocument", "read_bytes", "read_path"]

SUPPORTED_SUFFIXES = (".txt",)


def read_bytes(data: bytes, file_name: str) -> ReadDocument:
    """Decode a document by its file name's suffix; raises UnreadableDocument with a specific reason."""
    suffix = Path(file_name).suffix.lower()
    if suffix == ".txt":
        return read_text_bytes(data)
    raise UnreadableDocument(
        "unsupported_format",
        f"{file_name}: {suffix or 'no suffix'} files are not supported "
        f"(supported: {', '.join(SUPPORTED_SUFFIXES)}).",
    )


def read_path(path: Path) -> ReadDocument:
    return read_bytes(Path(path).read_bytes(), Path(path).name)
