"""Finding a disclosure's sections by the keywords of their titles, whatever their order or numbering.

A top-level heading is a short paragraph in one ordinal style (一、 / （一） / 1、 / 1. / （1） / 第一部分)
whose title names a section. Documents reuse the same style for lists inside sections (duties numbered
1、 2、 …, 第一部分 inside the performance section) and list items may contain a keyword (a duty named
"政府采购管理"), so the top-level headings are chosen as a whole: the headings of one style whose ordinals
rise through the document, naming as many different sections as possible. Every other paragraph, keyword
or not, belongs to the section it stands in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from budget_etl.readers.blocks import Block, Paragraph, Table

# Section key -> pattern its title matches. The first key that matches wins, so the broad overview words
# (收入预算, 支出预算) come last: "“三公”经费支出预算情况" is the 三公 section.
SECTION_TITLES: dict[str, re.Pattern] = {
    "duties": re.compile(r"部门职责|机构设置|主要职能"),
    "operating_expense": re.compile(r"机关运行经费"),
    "three_public": re.compile(r"三公"),
    "procurement": re.compile(r"政府采购"),
    "assets": re.compile(r"国有资产|固定资产"),
    "performance": re.compile(r"绩效"),
    "glossary": re.compile(r"名词解释"),
    "other_matters": re.compile(r"其他需要说明"),
    "overview": re.compile(r"预算安排的?总体情况|预算总体情况|收支总体情况|收支总预算|收入预算|支出预算"),
}

_CN_DIGITS = "一二三四五六七八九"
_CN_VALUE = {digit: value for value, digit in enumerate(_CN_DIGITS, 1)}
_CN_NUM = f"[{_CN_DIGITS}十]+"
# Ordinal styles a heading may use; each names its ordinal ``n``.
ORDINAL_STYLES: dict[str, re.Pattern] = {
    "cn": re.compile(rf"^(?P<n>{_CN_NUM})\s*[、.．]\s*(?P<title>.+)$"),
    "cn_paren": re.compile(rf"^[（(](?P<n>{_CN_NUM})[）)]\s*(?P<title>.+)$"),
    "part": re.compile(rf"^第(?P<n>{_CN_NUM})部分\s*[:：]?\s*(?P<title>.+)$"),
    "arabic": re.compile(r"^(?P<n>\d{1,2})\s*[、.．]\s*(?P<title>.+)$"),
    "arabic_paren": re.compile(r"^[（(](?P<n>\d{1,2})[）)]\s*(?P<title>.+)$"),
}
_MAX_TITLE = 40


@dataclass
class Section:
    key: str
    title: str
    heading: Paragraph
    blocks: list[Block] = field(default_factory=list)

    def paragraphs(self) -> list[Paragraph]:
        return [b for b in self.blocks if isinstance(b, Paragraph)]

    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]


@dataclass
class _Candidate:
    position: int  # index in the document's blocks
    ordinal: int
    key: str
    paragraph: Paragraph


def ordinal(text: str) -> int:
    """'12' or '十二' as 12; KeyError for something that is no numeral (十十)."""
    if text.isdigit():
        return int(text)
    if "十" not in text:
        return _CN_VALUE[text]
    tens, _, units = text.partition("十")
    return (_CN_VALUE[tens] if tens else 1) * 10 + (_CN_VALUE[units] if units else 0)


def _candidate(position: int, paragraph: Paragraph, style: re.Pattern) -> _Candidate | None:
    match = style.match(paragraph.text)
    if not match or len(paragraph.text) > _MAX_TITLE:
        return None
    title = match["title"].rstrip("：: ")
    if title.endswith("表"):  # a table's title (…绩效目标表), not a section heading
        return None
    if re.search(r"[:：].", title):  # a glossary term with its definition (6、“三公”经费：指…)
        return None
    key = next((k for k, pattern in SECTION_TITLES.items() if pattern.search(title)), None)
    if key is None:
        return None
    try:
        return _Candidate(position, ordinal(match["n"]), key, paragraph)
    except KeyError:  # 十十 and the like: not a numeral
        return None


def _chain(candidates: list[_Candidate]) -> list[_Candidate]:
    """The top-level headings: ordinals rising in document order, one heading per key, as many keys as
    possible; then as few skipped ordinals as possible. On a tie the later heading wins: a list item that
    repeats a section's number and keyword (duty 6、政府采购管理 before 6、政府采购预算情况) comes before the
    section it would steal from, since the duties are listed ahead of the other sections."""
    best: list[tuple[tuple[int, int], list[_Candidate]]] = []  # per candidate: (score, chain ending there)
    for i, c in enumerate(candidates):
        score, chain = (1, 1 - c.ordinal), [c]  # a chain that starts after 一 has skipped ordinals too
        for j in range(i):
            (count, gaps), before = best[j]
            if before[-1].ordinal < c.ordinal and c.key not in {b.key for b in before}:
                option = (count + 1, gaps - (c.ordinal - before[-1].ordinal - 1))
                if option >= score:
                    score, chain = option, [*before, c]
        best.append((score, chain))
    return max(reversed(best), key=lambda b: b[0], default=((0, 0), []))[1]


def split_sections(blocks: list[Block]) -> dict[str, Section]:
    """Top-level sections by key. Blocks before the first heading are not in any section."""
    best: list[_Candidate] = []
    for style in ORDINAL_STYLES.values():
        candidates = [
            c
            for position, block in enumerate(blocks)
            if isinstance(block, Paragraph) and (c := _candidate(position, block, style))
        ]
        chain = _chain(candidates)
        if len(chain) > len(best):  # the style whose headings name the most sections
            best = chain
    sections: dict[str, Section] = {}
    starts = {c.position: c for c in best}
    current: Section | None = None
    for position, block in enumerate(blocks):
        if position in starts:
            c = starts[position]
            current = sections[c.key] = Section(key=c.key, title=c.paragraph.text, heading=c.paragraph)
        elif current is not None:
            current.blocks.append(block)
    return sections
