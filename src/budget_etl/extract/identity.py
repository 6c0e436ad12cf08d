"""The identity of a disclosure, read the same way for every template: title, year, kind, office, scope.

Identity is read before any template is chosen, so that a text that is no disclosure at all is refused as
``no_document_identity`` whichever templates exist, and the kind (预算 / 决算) picks the templates that may
read it.

A title names the year and the kind, the office before the year ("…办事处部门2020年部门预算…") or after it
("2024年度…办事处部门决算"); it may be split over two lines (the office on the first), or have no year
("…部门预算公开说明", the year then comes from the first sentence naming it). 决算 inside 预决算 (the
《地方预决算公开操作规程》 every budget cites) is no kind word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from budget_etl.extract.divisions import locate
from budget_etl.extract.errors import ExtractionError
from budget_etl.extract.sections import ORDINAL_STYLES
from budget_etl.facts import DocumentInfo, Source
from budget_etl.readers.blocks import Paragraph, ReadDocument
from budget_etl.readers.normalize import name_key, to_simplified

BUDGET = "budget"
FINAL_ACCOUNTS = "final_accounts"
DEPARTMENT = "department"  # 部门预算/决算: the department with all its units
UNIT = "unit"  # 单位预算/决算: one unit

_TITLE = r"^(?P<before>.*?)(?P<year>(?:19|20)\d{2})\s*年度?(?P<after>[^，。；,;]*?)(?P<kind>%s)"
_TITLE_RE = re.compile(_TITLE % r"预算|(?<!预)决算")
_BUDGET_TITLE_RE = re.compile(_TITLE % "预算")
_FINAL_ACCOUNTS_RE = re.compile(r"(?<!预)决算")
_KIND_RE = re.compile(r"预算|(?<!预)决算")
_SCOPE_RE = re.compile(r"(?P<scope>部门|单位)(?:收支)?(?:预算|(?<!预)决算)")
_MAX_TITLE_LINE = 60
_OFFICE_LINE_RE = re.compile(r"^\s*(?:预算主管部门|预算单位|部门名称|单位名称)\s*[:：]\s*(?P<office>\S{2,40})\s*$")
_HEAD_PARAGRAPHS = 6
# The district and city as the names print them, for a division the national list lacks (extract/divisions.py)
_DISTRICT_RE = re.compile(r"^(?P<district>\S{1,6}?(?:区|县|旗|市))")
_CITY_RE = re.compile(r"^(?:\S{2,4}?省)?(?P<city>\S{1,6}?(?:市|州|盟|地区))")
_TITLE_REACH = 300
# A line that is all title: [附件：]<office><year>年度[部门|单位]预算|决算[报表|公开|情况说明…]
_OFFICE_TITLE_RE = re.compile(
    r"^(?:附件\s*\d*\s*[:：]\s*)?(?P<office>[^\s，。；、（）()：:\d]{2,30}?)\s*(?P<year>(?:19|20)\d{2})\s*年度?"
    r"\s*(?:部门|单位)?(?:收支)?(?P<kind>预算|决算)(?:报表|公开|信息公开|情况说明|公开说明)?$")
_UNIT_ROW_RE = re.compile(r"^(?P<code>\d{6})\s*(?P<name>\S+)$")
_PROVINCE_RE = re.compile(r"(?P<province>[^\s《》、，。省]{2,3}?(?:省|自治区))")
_SYNTHETIC_MARK = "合成样例数据"


@dataclass(frozen=True)
class DocumentIdentity:
    title: str
    kind: str  # budget | final_accounts
    fiscal_year: int | None  # None only for a 决算 titled without a year (refused either way)
    office_name: str
    scope: str | None  # department (部门) | unit (单位) | None when the title says neither
    province: str | None
    line: int | None  # where the title stands
    page: int | None


def read_identity(doc: ReadDocument) -> DocumentIdentity:
    """The identity from the title block; ExtractionError ``no_document_identity`` when there is none."""
    # The title block: the short lines before the first heading or running text. Only these decide the
    # kind, so a budget that cites a 决算 in its text is still a budget.
    head = doc.paragraphs()[:_HEAD_PARAGRAPHS]
    block = []
    for p in head:
        if len(p.text) > _MAX_TITLE_LINE or any(style.match(p.text) for style in ORDINAL_STYLES.values()):
            break
        block.append(p)
    title_at, match = _first_title(block, _TITLE_RE)
    if title_at is None and block:
        # a title wrapped over short lines of a cover ("2026 年度" / "福州市仓山生态环境局" / "单位预算",
        # "…办公厅2018年度部门" / "预算公开"): the lines read as one
        joined = _TITLE_RE.search("".join(p.text for p in block))
        if joined:
            block = [Paragraph("".join(p.text for p in block), block[0].line, block[0].page)]
            title_at, match, head = 0, joined, block
    above = [p.text for p in block[:title_at]]  # the lines above the title, or the whole block without one
    kind_text = "".join(above) + (block[title_at].text if title_at is not None else "")
    yearless = None
    if title_at is None:  # no title line: the first sentence naming the year (现将…2020年部门预算公开如下)
        # a yearless title line ("…部门预算公开说明") makes it a budget: that sentence's 预算
        yearless = next((p for p in block if _KIND_RE.search(p.text)), None)
        title_at, match = _first_title(head, _BUDGET_TITLE_RE if yearless else _TITLE_RE)
        if match and not yearless:
            kind_text = match["kind"]  # its kind word, not any 决算 the sentence also cites
    kind = FINAL_ACCOUNTS if _FINAL_ACCOUNTS_RE.search(kind_text) else BUDGET
    province = next((m["province"] for p in head for m in [_PROVINCE_RE.search(p.text)] if m), None)
    if title_at is None:
        if kind == FINAL_ACCOUNTS and yearless:  # a 决算 without a year: its kind is enough to refuse it
            return DocumentIdentity(yearless.text, kind, None, _office(_KIND_RE.split(yearless.text)[0]),
                                    _scope(yearless.text), province, yearless.line, yearless.page)
        raise ExtractionError(
            "no_document_identity",
            "No title naming the office, the year and 预算/决算 in the first paragraphs: "
            "this does not look like a budget disclosure.",
        )
    title = yearless or head[title_at]
    title_text = title.text
    # The office: before the kind word of a yearless title line, else next to the year in the title, else
    # alone on the line above it (a title on two lines).
    if yearless:
        office = _office(_KIND_RE.split(title.text)[0])
    else:
        office = _office(match["before"]) or _office(match["after"])
        if not office and above:
            office, title_text = _office(above[-1]), above[-1] + title.text
    # a title naming only the district ("上海市普陀区2025年区级部门预算") with the office on a labelled line
    # under it ("预算主管部门：上海市普陀区财政局", "预算单位：…")
    labelled = next((m for p in head for m in [_OFFICE_LINE_RE.match(p.text)] if m), None)
    if labelled:
        office = labelled["office"]
    if not office:  # a title naming only a part (第一部分2026年度部门预算情况说明): a line of the document that
        # is a title of its own may name the office before the same year (附件：北京市审计局2026年度部门预算报表)
        office = next((name for p in doc.paragraphs()
                       for m in [_OFFICE_TITLE_RE.match(p.text)] if m and int(m["year"]) == int(match["year"])
                       and (FINAL_ACCOUNTS if "决算" in m["kind"] else BUDGET) == kind
                       for name in [_office(m["office"])] if name), "")
    if not office:
        raise ExtractionError(
            "no_document_identity",
            f"The title {title_text!r} names no office, and no line near it does (预算单位：…): the office is "
            "never guessed.")
    return DocumentIdentity(title_text, kind, int(match["year"]), office, _scope(kind_text or title_text),
                            province, title.line, title.page)


def document_info(identity: DocumentIdentity, doc: ReadDocument, *, is_synthetic: bool = False) -> DocumentInfo:
    """The DocumentInfo record of an identity; the template fills in what it reads later (currency unit,
    overall goal, new assets)."""
    unit_code = unit_full_name = None
    for table in doc.tables():  # the unit row that opens a table: "611002 秦皇岛市山海关区西关街道办事处"
        unit = _UNIT_ROW_RE.match(table.rows[0][0].text) if table.rows and table.rows[0] else None
        if unit:
            unit_code, unit_full_name = unit["code"], unit["name"]
            break
    # names are compared in Simplified characters (a Traditional spelling is placed like its Simplified one)
    division = locate(name_key(identity.office_name), unit_full_name and name_key(unit_full_name),
                      province=identity.province and to_simplified(identity.province))
    # a name the national list lacks (a new or fictional division): the district and city as printed
    district = None if division else _DISTRICT_RE.match(identity.office_name)
    city = None if division else _CITY_RE.match(unit_full_name or "")
    return DocumentInfo(
        title=identity.title,
        doc_kind=identity.kind,
        fiscal_year=identity.fiscal_year,
        office_name=identity.office_name,
        unit_code=unit_code,
        unit_full_name=unit_full_name,
        district=division.district if division else district and district["district"],
        city=division.city if division else city and city["city"],
        province=division.province if division else identity.province,
        currency_unit="元",  # the template sets it once the amounts are read
        overall_goal_zh=None,
        new_assets_budgeted=None,
        is_synthetic=is_synthetic or _SYNTHETIC_MARK in doc.text[:2000],
        src=Source(line=identity.line, page=identity.page),
        adcode=division.adcode if division else None,
        admin_level=division.level if division else None,
        office_name_simplified=name_key(identity.office_name),
    )


def _first_title(paragraphs: list[Paragraph], pattern: re.Pattern) -> tuple[int | None, re.Match | None]:
    """The first paragraph whose opening names the year and the kind. Only its first _TITLE_REACH characters
    are searched: a title or the sentence standing for it states them early, and the pattern would go over
    a long paragraph once for each year it names (quadratic)."""
    return next(((i, m) for i, p in enumerate(paragraphs) if (m := pattern.search(p.text[:_TITLE_REACH]))),
                (None, None))


# What stands before an office's name in a heading, never part of it: 第一部分, 附件2, 一、, （一）.
_NOT_OFFICE = re.compile(r"^(?:第[一二三四五六七八九十\d]+部分|附件\s*\d*|[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)])\s*[:：]?")


def _office(text: str) -> str:
    text = _NOT_OFFICE.sub("", text.strip(" ：:（("))
    return re.sub(r"^(?:部门|单位)+|(?:部门|单位)+$", "", text.strip(" ：:（(")).strip()


def _scope(text: str) -> str | None:
    m = _SCOPE_RE.search(text)
    return None if m is None else DEPARTMENT if m["scope"] == "部门" else UNIT


# The names a document prints for itself besides its title's: a table's labelled line ("部门：江苏省人大常委会办公厅
# 单位：万元"), a heading naming the office before the year and the kind ("第二部分 省人大办公厅 2017 年度部门预算表"),
# and a file's name ("江苏省人大办公厅2017年度预算公开.pdf"). `budget-etl offices --suggest` offers them as aliases.
_LABELLED_NAME_RE = re.compile(r"^(?:部门|部门名称|单位名称|预算单位|预算主管部门|编制单位)\s*[:：]\s*(?P<name>[^\s:：，。；\d]{3,30})")
_HEADING_NAME_RE = re.compile(
    r"^(?P<name>[^\s，。；、（）()：:\d]{3,30}?)\s*(?:19|20)\d{2}\s*(?:年度?)?\s*(?:部门|单位)?(?:收支)?(?:预算|(?<!预)决算)")
_MAX_HEADING = 40
# how an office's name ends; anything else a pattern catches is not taken for a name
_OFFICE_END_RE = re.compile(r"(?:厅|局|委|会|办|室|处|院|中心|街道|镇|乡|部|所|站|队|署|府|馆|社|校|团|宫|园|台|司)$")
_NOT_A_NAME_RE = re.compile(r"^(?:本|该|全|各|所属|下属)|合计|单位[:：]")


@dataclass(frozen=True)
class PrintedName:
    name: str
    where: str  # "line 12" or "file name x.pdf"


def printed_office_names(text: str, file_names: list[str] = ()) -> list[PrintedName]:
    """The office names a document prints for itself in its text and its files' names, as printed (the
    title's is in DocumentInfo.office_name). A name is never completed from elsewhere here."""
    found = []
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.strip()
        labelled = _LABELLED_NAME_RE.match(line)
        heading = None if labelled or len(line) > _MAX_HEADING else _HEADING_NAME_RE.match(_NOT_OFFICE.sub("", line)
                                                                                           .strip())
        for m in (labelled, heading):
            if m and _is_office_name(m["name"]):
                found.append(PrintedName(m["name"], f"line {number}"))
    for file_name in file_names:
        m = _HEADING_NAME_RE.match(_NOT_OFFICE.sub("", file_name.rsplit(".", 1)[0]).strip())
        if m and _is_office_name(m["name"]):
            found.append(PrintedName(m["name"], f"file name {file_name}"))
    return found


def _is_office_name(name: str) -> bool:
    return bool(_OFFICE_END_RE.search(name)) and not _NOT_A_NAME_RE.search(name)
