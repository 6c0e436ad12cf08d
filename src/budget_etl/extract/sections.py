"""Finding a disclosure's sections by the keywords of their titles, whatever their order or numbering.

A top-level heading is a short paragraph whose title names a section, usually after an ordinal (一、 /
（一） / 1、 / 1. / （1） / 第一部分). Ordinals are no guide to where a section stands: offices reorder their
sections and keep their old numbers, repeat an ordinal or drop one. They only help to tell a heading from a
list item of the same style naming a keyword: documents reuse the heading style for lists inside sections
(duties numbered 1、 2、 …, 第一部分 inside the performance section), and a list item may contain a keyword (a
duty named "政府采购管理"). So:

* the headings come from the ordinal style whose paragraphs name the most different sections;
* where several paragraphs of that style name the same section, the one that disturbs the order of the
  other headings' ordinals least is the heading (the later one on a tie): 第二部分 预算项目绩效目标 inside
  第五部分 is out of place among 第四部分 … 第六部分, a duty 6、政府采购管理 listed before 二 … 五 is too;
* a section that style does not name may still be headed in another style, or with no ordinal at all, when
  its title reads as a section title (…情况, …信息, …说明, …事项, …解释).

Every other paragraph, keyword or not, belongs to the section it stands in.
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
# What every style's ordinal opens with: a paragraph that does not is no heading of any style.
_ORDINAL_OPENING = re.compile(rf"[{_CN_DIGITS}十（(第\d]")


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
    ordinal: int | None  # None for a heading without ordinal, or one that is no numeral (一一、)
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


_TERM_DEFINED = re.compile(r"[:：].")


def section_key(title: str, titles: dict[str, re.Pattern] = SECTION_TITLES) -> str | None:
    """The section a heading's title names, or None (a table's title, a glossary term, no keyword)."""
    title = title.rstrip("：: ")
    if title.endswith("表"):  # a table's title (…绩效目标表), not a section heading
        return None
    if _TERM_DEFINED.search(title):  # a glossary term with its definition (6、“三公”经费：指…)
        return None
    return next((k for k, pattern in titles.items() if pattern.search(title)), None)


def _candidate(position: int, paragraph: Paragraph, style: re.Pattern, titles) -> _Candidate | None:
    if len(paragraph.text) > _MAX_TITLE:  # no heading: tested before the pattern, the cheaper test
        return None
    match = style.match(paragraph.text)
    if not match:
        return None
    key = section_key(match["title"], titles)
    if key is None:
        return None
    try:
        number = ordinal(match["n"])
    except KeyError:  # 一一 and the like: a heading whose ordinal is mistyped
        number = None
    return _Candidate(position, number, key, paragraph)


# A title that reads as a section's, for a heading in another style than the others or with no ordinal.
_SECTION_TITLE_END = re.compile(r"(?:情况|信息|说明|事项|解释)(?:及[^，。；]{1,12})?$")


def _reads_as_section_title(text: str) -> bool:
    return _SECTION_TITLE_END.search(_strip_ordinal(text).rstrip("：: ")) is not None


def _stray_heading(position: int, paragraph: Paragraph, titles) -> _Candidate | None:
    if len(paragraph.text) > _MAX_TITLE or not _reads_as_section_title(paragraph.text):
        return None
    key = section_key(_strip_ordinal(paragraph.text), titles)
    return _Candidate(position, None, key, paragraph) if key else None


def _strip_ordinal(text: str) -> str:
    if not _ORDINAL_OPENING.match(text):
        return text
    for style in ORDINAL_STYLES.values():
        match = style.match(text)
        if match:
            return match["title"]
    return text


def _inversions(chosen: _Candidate, others: list[_Candidate]) -> int:
    """How many other headings ``chosen`` stands out of ordinal order with."""
    if chosen.ordinal is None:
        return 0
    return sum(
        1
        for o in others
        if o.ordinal is not None
        and (o.position < chosen.position) != (o.ordinal < chosen.ordinal)
        and o.ordinal != chosen.ordinal
    )


def _choose(candidates: list[_Candidate]) -> list[_Candidate]:
    """One heading per key: the candidate least out of ordinal order with the others' headings (the later on
    a tie), settled key by key until no choice changes."""
    by_key: dict[str, list[_Candidate]] = {}
    for c in candidates:
        by_key.setdefault(c.key, []).append(c)
    chosen = {key: options[-1] for key, options in by_key.items()}
    for _ in range(len(candidates)):
        changed = False
        for key, options in by_key.items():
            others = [c for k, c in chosen.items() if k != key]
            best = min(reversed(options), key=lambda c: _inversions(c, others))
            if best is not chosen[key]:
                chosen[key], changed = best, True
        if not changed:
            break
    return sorted(chosen.values(), key=lambda c: c.position)


# The last split: a document's blocks are split three times (is it empty, which template, extract), and the
# split costs a pass of every heading style over every paragraph. Keyed by the blocks themselves, not an id.
_last_split: tuple[tuple[Block, ...], dict[str, re.Pattern], dict[str, Section]] | None = None


def split_sections(blocks: list[Block], titles: dict[str, re.Pattern] = SECTION_TITLES) -> dict[str, Section]:
    """Top-level sections by key. Blocks before the first heading are not in any section."""
    global _last_split
    key = tuple(blocks)
    if (_last_split is not None and _last_split[1] is titles and len(_last_split[0]) == len(key)
            and all(a is b for a, b in zip(_last_split[0], key, strict=True))):  # the same blocks, not equal ones
        return dict(_last_split[2])
    sections = _split_sections(blocks, titles)
    _last_split = (key, titles, sections)
    return dict(sections)


def _split_sections(blocks: list[Block], titles: dict[str, re.Pattern]) -> dict[str, Section]:
    best: list[_Candidate] = []
    # the paragraphs that may be headings of some style (short, opening as an ordinal does), found once
    openings = [(position, block) for position, block in enumerate(blocks)
                if isinstance(block, Paragraph) and len(block.text) <= _MAX_TITLE and _ORDINAL_OPENING.match(block.text)]
    for style in ORDINAL_STYLES.values():
        candidates = [c for position, block in openings if (c := _candidate(position, block, style, titles))]
        if len({c.key for c in candidates}) > len({c.key for c in best}):  # the style naming most sections
            best = candidates
    headings = _choose(best)
    # Sections headed in another style or with no ordinal: they fill a section the style does not name,
    # or replace a heading of the style whose title does not read as a section's (（一）总体绩效目标 is a
    # sub-item of 绩效预算信息, when that heading has lost its ordinal).
    first = headings[0].position if headings else 0
    taken = {c.position for c in headings}
    strays: dict[str, _Candidate] = {}
    for position, block in enumerate(blocks):
        if position > first and position not in taken and isinstance(block, Paragraph):
            stray = _stray_heading(position, block, titles)
            if stray:
                strays.setdefault(stray.key, stray)
    chosen = {c.key: c for c in headings}
    for key, stray in strays.items():
        if key not in chosen or not _reads_as_section_title(chosen[key].paragraph.text):
            chosen[key] = stray
    headings = list(chosen.values())
    sections: dict[str, Section] = {}
    starts = {c.position: c for c in headings}
    current: Section | None = None
    for position, block in enumerate(blocks):
        if position in starts:
            c = starts[position]
            current = sections[c.key] = Section(key=c.key, title=c.paragraph.text, heading=c.paragraph)
        elif current is not None:
            current.blocks.append(block)
    return sections
