"""Text normalisation shared by every reader, so that extractors see one spelling of each thing."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from functools import cache

import opencc

from budget_etl.readers.blocks import Paragraph, ReadDocument

# Full-width ASCII (digits, Latin letters, ％ ＋ － ． ，...) to half-width, but keep the Chinese punctuation
# the templates use as separators (，：；（）、) so that keyword patterns can rely on them.
_KEEP_FULLWIDTH = set("，：；（）！？")
_FULLWIDTH = {
    cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F) if chr(cp) not in _KEEP_FULLWIDTH
}
_SPACES = {0x00A0: " ", 0x3000: " ", 0x2002: " ", 0x2003: " ", 0x2009: " ", 0x200B: "", 0xFEFF: ""}


def _runs_of(table: dict) -> re.Pattern:
    """Runs of the characters a translate table maps: str.translate looks every character of a long Chinese
    text up in the table; applying it to these runs only gives the same text some 50 times faster."""
    return re.compile("[" + "".join(re.escape(chr(cp)) for cp in sorted(table)) + "]+")


_FULLWIDTH_RUNS = _runs_of(_FULLWIDTH)
_SPACES_RUNS = _runs_of(_SPACES)
_INNER_SPACES = re.compile(r"[ \t]+")

# Word table-of-contents field codes left in headings: "TC 1、车辆保险费绩效目标表 \f C \l 1".
_TC_FIELD = re.compile(r"\s*TC\s+.*?\\f\s+\w+\s+\\l\s+\d+\s*")


def normalize_text(text: str) -> str:
    """Line endings to LF, full-width ASCII to half-width, odd spaces to plain spaces, field codes out.

    Leaves line structure and tabs alone: the txt reader needs both to rebuild tables.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _FULLWIDTH_RUNS.sub(lambda run: run[0].translate(_FULLWIDTH), text)
    text = _SPACES_RUNS.sub(lambda run: run[0].translate(_SPACES), text)
    text = unicodedata.normalize("NFC", text)
    if "TC" not in text:  # no field code anywhere (the pattern needs the letters TC)
        return text
    return "\n".join(_TC_FIELD.sub("", line) if "TC" in line else line for line in text.split("\n"))


def clean(text: str) -> str:
    """A paragraph or cell as extractors want it: stripped, inner runs of spaces kept as one."""
    if "  " not in text and "\t" not in text:  # no run to shorten: the common case, the same result
        return text.strip()
    return _INNER_SPACES.sub(" ", text).strip()


@cache
def _traditional_to_simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional characters to Simplified ones (OpenCC t2s); Simplified text comes back unchanged."""
    return _traditional_to_simplified().convert(text)


# Share of the Chinese characters t2s changes above which a text is taken to be in Traditional characters: a
# Traditional disclosure changes some 20-30 % of them (預算, 單位, 經費 …), a Simplified one only the rare
# traditional character of a name.
TRADITIONAL_SHARE = 0.05
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _mostly_traditional(text: str, simplified: str) -> bool:
    if text == simplified:  # nothing changed (a Simplified text, the common case): no character to count
        return False
    changed = sum(a != b for a, b in zip(text, simplified, strict=False))
    return changed > TRADITIONAL_SHARE * len(_CJK.findall(text))


def as_simplified(doc: ReadDocument) -> ReadDocument:
    """A document in Traditional characters (a mirror site's re-publication) as the extractors read it: every
    paragraph, cell and the text in Simplified ones. The document itself keeps its printed text (stored in
    raw.documents); lines and cells stay where they were, since t2s keeps every line break."""
    text = to_simplified(doc.text)
    if not _mostly_traditional(doc.text, text):
        return doc  # a Simplified text keeps a rare character of a name (蘋) as printed
    blocks = [replace(b, text=to_simplified(b.text)) if isinstance(b, Paragraph) else
              replace(b, rows=[[replace(c, text=to_simplified(c.text)) for c in row] for row in b.rows])
              for b in doc.blocks]
    return replace(doc, blocks=blocks, text=text)


def name_key(name: str) -> str:
    """A name as it is compared (an office's, a division's, an alias's): in Simplified characters, without
    whitespace. The stored name stays as printed; only the comparison uses this, so that 江蘇省人大常委會辦公廳
    (a mirror site's spelling) is the office 江苏省人大常委会办公厅. (Simplified names keep the key they had
    before: office_id, the md5 of this key, does not change for them.)"""
    return re.sub(r"\s+", "", to_simplified(name))
