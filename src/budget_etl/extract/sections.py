"""Finding a disclosure's sections by the keywords of their titles, whatever their order or numbering."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from budget_etl.readers.blocks import Block, Paragraph, Table

# Section key -> pattern its title matches. Order matters only for titles that match two keys.
SECTION_TITLES: dict[str, re.Pattern] = {
    "duties": re.compile(r"部门职责|机构设置|主要职能"),
    "overview": re.compile(r"预算安排的?总体情况|收支预算总体情况|预算总体情况|收支总体情况"),
    "operating_expense": re.compile(r"机关运行经费"),
    "three_public": re.compile(r"三公"),
    "performance": re.compile(r"绩效"),
    "procurement": re.compile(r"政府采购"),
    "assets": re.compile(r"国有资产|固定资产"),
    "glossary": re.compile(r"名词解释"),
    "other_matters": re.compile(r"其他需要说明"),
}

_CN_NUM = "一二三四五六七八九十"
# Ordinal styles a heading may use; the style the document uses for its top-level headings wins.
ORDINAL_STYLES: dict[str, re.Pattern] = {
    "cn": re.compile(rf"^[{_CN_NUM}]+\s*[、.．]\s*(?P<title>.+)$"),
    "cn_paren": re.compile(rf"^[（(][{_CN_NUM}]+[）)]\s*(?P<title>.+)$"),
    "part": re.compile(rf"^第[{_CN_NUM}]+部分\s*(?P<title>.+)$"),
    "arabic": re.compile(r"^\d{1,2}\s*[、.．]\s*(?P<title>.+)$"),
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


def _heading_key(paragraph: Paragraph, style: re.Pattern) -> tuple[str, str] | None:
    match = style.match(paragraph.text)
    if not match or len(paragraph.text) > _MAX_TITLE:
        return None
    title = match["title"].rstrip("：: ")
    if title.endswith("表"):  # a table's title (…绩效目标表), not a section heading
        return None
    for key, pattern in SECTION_TITLES.items():
        if pattern.search(title):
            return key, paragraph.text
    return None


def split_sections(blocks: list[Block]) -> dict[str, Section]:
    """Top-level sections by key. Blocks before the first heading are not in any section."""
    best: dict[str, Section] = {}
    for style in ORDINAL_STYLES.values():
        sections = _split_with_style(blocks, style)
        if len(sections) > len(best):
            best = sections
    return best


def _split_with_style(blocks: list[Block], style: re.Pattern) -> dict[str, Section]:
    sections: dict[str, Section] = {}
    current: Section | None = None
    for block in blocks:
        found = _heading_key(block, style) if isinstance(block, Paragraph) else None
        # A key seen before is a sub-heading of its own section (第二部分 预算项目绩效目标), not a new one.
        if found and found[0] not in sections:
            current = Section(key=found[0], title=found[1], heading=block)
            sections[found[0]] = current
        elif current is not None:
            current.blocks.append(block)
    return sections
