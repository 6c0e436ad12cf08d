"""Readers: file bytes to a ReadDocument of blocks, whatever the format."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from budget_etl.readers.blocks import Cell, Paragraph, ReadDocument, Table, UnreadableDocument
from budget_etl.readers.text import read_text_bytes

# The Word and PDF readers are imported when a file of theirs is read: their libraries (pdfplumber, lxml, ...)
# take a good part of a second to import, which a run that reads no such file (or none at all) need not pay.

__all__ = ["Cell", "Paragraph", "ReadDocument", "Table", "UnreadableDocument", "concatenate", "read_bytes",
           "read_path"]

SUPPORTED_SUFFIXES = (".txt", ".docx", ".doc", ".pdf")


def read_bytes(data: bytes, file_name: str) -> ReadDocument:
    """Decode a document by its file name's suffix; raises UnreadableDocument with a specific reason."""
    suffix = Path(file_name).suffix.lower()
    if suffix == ".txt":
        return read_text_bytes(data)
    if suffix == ".docx":
        from budget_etl.readers.docx import read_docx_bytes

        return read_docx_bytes(data)
    if suffix == ".doc":  # converted with LibreOffice when it is installed, else UnreadableDocument
        from budget_etl.readers.docx import read_doc_bytes

        return read_doc_bytes(data)
    if suffix == ".pdf":
        from budget_etl.readers.pdf import read_pdf_bytes

        return read_pdf_bytes(data)
    raise UnreadableDocument(
        "unsupported_format",
        f"{file_name}: {suffix or 'no suffix'} files are not supported "
        f"(supported: {', '.join(SUPPORTED_SUFFIXES)}).",
    )


def read_path(path: Path) -> ReadDocument:
    return read_bytes(Path(path).read_bytes(), Path(path).name)


def concatenate(parts: list[tuple[str, ReadDocument]]) -> ReadDocument:
    """One document published as several files (narrative first, then tables): the files' blocks in order,
    their texts joined with lines renumbered (each block's line shifted to match), tables numbered on, and
    ``files`` saying where each file's lines start. Pages stay those of each file."""
    blocks: list = []
    texts: list[str] = []
    files: list[tuple[str, int]] = []
    offset = tables = 0
    for name, doc in parts:
        files.append((name, offset + 1))
        for block in doc.blocks:
            if isinstance(block, Table):
                tables += 1
                rows = [[dataclasses.replace(c, line=None if c.line is None else c.line + offset) for c in row]
                        for row in block.rows]
                blocks.append(Table(index=tables, rows=rows))
            else:
                blocks.append(dataclasses.replace(block, line=block.line + offset))
        text = doc.text.rstrip("\n")  # trailing empty lines hold no block; the next file starts right after
        texts.append(text)
        offset += len(text.split("\n"))
    first = parts[0][1]  # the format and encoding of the first file name the document's (one vocabulary)
    return ReadDocument(blocks=blocks, text="\n".join(texts), encoding=first.encoding,
                        source_format=first.source_format, files=files)
