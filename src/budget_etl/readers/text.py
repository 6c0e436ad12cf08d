"""Plain-text disclosures: decode any Chinese encoding, then rebuild the tables Word flattened.

Encodings: UTF-8 (a few stray undecodable bytes are replaced by U+FFFD, which validation flags), UTF-16,
GB18030 (and so GBK and GB2312), and Big5 (documents re-published on Taiwanese and Hong Kong sites). Text in
traditional characters stays as printed; extraction and validation read it in simplified ones
(``normalize.as_simplified``), the one spelling of each keyword they know.

Word's "save as text" writes a table one cell per line, each cell line starting with a tab, an empty
cell as a line holding only the tab, rows separated by blank lines; a cell that holds several lines
continues on lines without the leading tab. Everything else is a paragraph, one per non-blank line.
"""

from __future__ import annotations

import codecs
import contextlib
import re

from charset_normalizer import from_bytes

from budget_etl.readers.blocks import Block, Cell, Paragraph, ReadDocument, Table, UnreadableDocument
from budget_etl.readers.normalize import clean, normalize_text

_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]


def decode(data: bytes) -> tuple[str, str]:
    """Bytes to text and the name of the encoding used; raises UnreadableDocument when it is not text."""
    if not data.strip():
        raise UnreadableDocument("empty_file", "The file is empty (no text at all).")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _strict(data, encoding), encoding
    if b"\x00" in data:
        return _decode_utf16_without_bom(data)
    # GB18030 is a superset of GBK and GB2312; try UTF-8 first because valid UTF-8 is rarely anything else.
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and exc.start >= len(data) - 3:
            raise UnreadableDocument(
                "truncated_file", "The file ends in the middle of a UTF-8 character: it was cut short."
            ) from exc
    text = _utf8_with_stray_bytes(data)
    if text is not None:
        return text, "utf-8"
    decoded = {}
    for encoding in _DOUBLE_BYTE_ENCODINGS:
        with contextlib.suppress(UnicodeDecodeError):
            decoded[encoding] = data.decode(encoding)
    if decoded:  # GB18030 reads almost any bytes: the fitting decoding is the one without odd characters
        encoding = min(decoded, key=lambda e: len(_ODD.findall(decoded[e])))
        return decoded[encoding], encoding
    best = from_bytes(data).best()
    if best is None:
        raise UnreadableDocument(
            "unreadable_encoding", "The bytes are not UTF-8, UTF-16 or GB18030 and no encoding fits them."
        )
    return str(best), best.encoding


# Tried in this order, the first wins a tie: GB18030 (mainland documents), then Big5 with the Hong Kong
# additions (a superset of Big5).
_DOUBLE_BYTE_ENCODINGS = ("gb18030", "big5hkscs")
# Characters a Chinese disclosure does not hold, but a wrong double-byte decoding makes plenty of: Big5 read
# as GB18030 is a quarter private-use characters, and kana (the katakana middle dot ・ aside).
_ODD = re.compile("[\ue000-\uf8ff\u3040-\u30fa]")
# Valid multi-byte characters per undecodable byte, at least, for UTF-8 with stray bytes: GB18030 or Big5
# text read as UTF-8 has several bad bytes for each character that happens to be valid.
_STRAY_BYTE_RATIO = 100


def _utf8_with_stray_bytes(data: bytes) -> str | None:
    """UTF-8 text in which a few bytes are not UTF-8 (a bad copy, a stray byte): read with each bad
    sequence replaced by U+FFFD, which validation reports; None when the bytes are not mostly UTF-8."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - data.count("\ufffd".encode())  # U+FFFD written in the file is no error
    wide = len(text) - len(text.encode("ascii", errors="ignore")) - bad  # valid non-ASCII characters
    return text if wide >= _STRAY_BYTE_RATIO * bad else None


def _decode_utf16_without_bom(data: bytes) -> tuple[str, str]:
    """UTF-16 text without a BOM has its NULs (the high bytes of ASCII characters) at one parity only;
    anything else holding NUL bytes is binary."""
    sample = data[:8000]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    # A CJK character may have a zero low byte (一 is U+4E00), so "one parity" means "far more at one".
    encoding = "utf-16-le" if odd > 4 * even else "utf-16-be" if even > 4 * odd else None
    if encoding and len(data) % 2 == 0:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            text = ""
        if _is_readable_text(text) and _has_chinese(text):
            return text, encoding
    raise UnreadableDocument("binary_file", "The file holds NUL bytes and is not UTF-16 text: it is binary.")


def _strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise UnreadableDocument(
            "unreadable_encoding", f"The file announces {encoding} but is not valid {encoding}: {exc.reason}"
        ) from exc


# control characters other than \t \n \f \r, and the replacement character
_UNREADABLE = re.compile("[\x00-\x08\x0b\x0e-\x1f\ufffd]")


def _is_readable_text(text: str) -> bool:
    """Reject decodings that are mostly control characters or replacement characters."""
    if not text.strip():
        return False
    bad = len(_UNREADABLE.findall(text))
    return bad / len(text) < 0.01


def _has_chinese(text: str) -> bool:
    """At least a fifth of the visible characters are CJK: a guessed decoding that is not gibberish."""
    visible = [ch for ch in text if not ch.isspace()]
    cjk = sum(1 for ch in visible if "\u4e00" <= ch <= "\u9fff" or "\u3000" <= ch <= "\u303f")
    return bool(visible) and cjk / len(visible) > 0.2


def parse_blocks(text: str) -> list[Block]:
    """Normalised text to paragraphs and tables, keeping 1-based line numbers."""
    blocks: list[Block] = []
    tables = 0  # tables in blocks so far
    table: Table | None = None
    row: list[Cell] = []
    # The cell being read holds its first line's text; a cell continued on lines of its own (``more``) is
    # given the text of all its lines when it ends.
    cell: Cell | None = None
    first = ""
    more: list[str] = []
    prev_blank = False

    def end_cell() -> None:  # only for a cell with lines in ``more``
        cell.text = "\n".join(c for c in (clean(x) for x in (first, *more)) if c)
        more.clear()

    def end_table() -> None:
        nonlocal table, tables
        if more:
            end_cell()
        if row and table is not None:
            table.rows.append(list(row))
        row.clear()
        if table is not None and table.rows:
            blocks.append(table)
            tables += 1
        table = None

    for number, line in enumerate(text.split("\n"), start=1):
        if line.startswith("\t"):
            if more:
                end_cell()
            if table is None:
                table = Table(index=tables + 1)
            elif prev_blank and row:  # a blank line ends the row
                table.rows.append(list(row))
                row.clear()
            first = line[1:]
            cell = Cell(clean(first), number, len(table.rows) + 1, len(row) + 1)  # text, line, row, col
            row.append(cell)
            prev_blank = False
        elif not line.strip():
            if more:
                end_cell()
            prev_blank = True
        elif table is not None and not prev_blank and row:
            more.append(line)  # a cell continued on a line of its own
        else:
            end_table()
            blocks.append(Paragraph(clean(line), number))  # text, line
            prev_blank = False
    end_table()
    return blocks


def read_text_bytes(data: bytes) -> ReadDocument:
    raw, encoding = decode(data)
    text = normalize_text(raw)
    if not _is_readable_text(text):
        raise UnreadableDocument(
            "unreadable_encoding", f"Decoded as {encoding}, the file is mostly control characters: not text."
        )
    return ReadDocument(blocks=parse_blocks(text), text=text, encoding=encoding, source_format="txt")
