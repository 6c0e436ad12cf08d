"""Readers: file bytes to a ReadDocument of blocks, whatever the format."""

from __future__ import annotations

from pathlib import Path

from budget_etl.readers.blocks import Cell, Paragraph, ReadDocument, Table, UnreadableDocument

__all__ = ["Cell", "Paragraph", "ReadDocument", "Table", "UnreadableDocument", "read_bytes", "read_path"]


def read_bytes(data: bytes, file_name: str) -> ReadDocument:
    """Decode a document by its file name's suffix; raises UnreadableDocument with a specific reason."""
    raise NotImplementedError  # implemented in this session


def read_path(path: Path) -> ReadDocument:
    return read_bytes(Path(path).read_bytes(), Path(path).name)
