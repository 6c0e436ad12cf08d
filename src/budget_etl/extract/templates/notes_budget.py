"""The "部门预算公开说明" template: narrative sections 一 … 九 with a performance-target table per project.

This is the template of the Xiguan 2020 disclosure. Sections are found by their title keywords
(``sections.py``); within a section, values are found by the labels next to them, never by position
alone, so that reordered or renumbered documents of the same family still read.

Variants of the family this module reads (each has a test in ``tests/test_extract_variants.py``):

* amounts in 元 or 万元, per amount in prose and per table (``单位：万元`` / ``（万元）``), a cell's own unit
  winning over its table's; stored amounts are always exact yuan;
* a section that is absent is ``missing``; one that says it has nothing (此表为空, 无此项内容，空表列示,
  本部门无“三公”经费预算 …) is ``declared_empty``; neither yields any fact, never zeros;
* 三公 items under their several names. 公务用车购置及运行费 is one combined item: when the document also
  gives both of its parts, the parts are kept (the four categories stay comparable) and the combined
  item's stated change goes to ``stated_changes`` as metric ``vehicle_purchase_and_operation``; when it
  does not, the combined item is kept with category ``vehicle_purchase_and_operation``;
* a change on last year written 比上年增加 / 较上年减少 / 同比增长 / 与上年持平; a direction without an amount is
  no change figure at all (None), never zero;
* revenue sources 事业收入, 上级补助收入 and 上年结转 besides the four of the seed.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from budget_etl.catalog import vocab
from budget_etl.extract.errors import ExtractionError
from budget_etl.extract.numbers import AMOUNT, AMOUNT_RE, cell_amount, cell_number, parse_target, yuan
from budget_etl.extract.registry import MIN_SCORE, Detection
from budget_etl.extract.sections import ORDINAL_STYLES, Section, split_sections
from budget_etl.facts import (
    Asset,
    DocumentInfo,
    Duty,
    ExpenditureLine,
    ExtractedDocument,
    GlossaryTerm,
    OperatingExpense,
    ProcurementItem,
    Project,
    ProjectIndicator,
    RevenueLine,
    Source,
    StatedChange,
    StatedTotal,
    ThreePublicCost,
)
from budget_etl.facts import Section as SectionRecord
from budget_etl.readers.blocks import Block, Cell, Paragraph, ReadDocument, Table

# A title names the year and the kind, the office before the year ("…办事处部门2020年部门预算…") or after
# it ("2024年度…办事处部门决算"). 决算 inside 预决算 (the 《地方预决算公开操作规程》 every budget cites) is
# no kind word.
_TITLE = r"^(?P<before>.*?)(?P<year>(?:19|20)\d{2})\s*年度?(?P<after>[^，。；,;]*?)(?P<kind>%s)"
_TITLE_RE = re.compile(_TITLE % r"预算|(?<!预)决算")
_BUDGET_TITLE_RE = re.compile(_TITLE % "预算")
_FINAL_ACCOUNTS_RE = re.compile(r"(?<!预)决算")
_KIND_RE = re.compile(r"预算|(?<!预)决算")
_MAX_TITLE_LINE = 60
_UNIT_ROW_RE = re.compile(r"^(?P<code>\d{6})\s*(?P<name>\S+)$")
_TABLE_UNIT_RE = re.compile(r"单位[:：]\s*(?P<a>万元|元)|[（(](?P<b>万元|元)[）)]")
_DISTRICT_RE = re.compile(r"^(?P<district>\S{1,6}?(?:区|县|旗|市))")
_CITY_RE = re.compile(r"^(?:\S{2,4}?省)?(?P<city>\S{1,6}?(?:市|州|盟|地区))")
_PROVINCE_RE = re.compile(r"(?P<province>[^\s《》、，。省]{2,3}?(?:省|自治区))")
_SYNTHETIC_MARK = "合成样例数据"

REVENUE_SOURCES = [  # (pattern of the label, revenue_source from the catalog)
    (r"一般公共预算(?:财政)?(?:拨款)?收入|一般公共预算(?:财政)?拨款", vocab.REVENUE_SOURCES["general_public_budget"]),
    (r"(?:政府性)?基金预算(?:财政)?(?:拨款)?收入|(?:政府性)?基金预算(?:财政)?拨款", vocab.REVENUE_SOURCES["government_fund"]),
    (r"财政专户(?:核拨|管理资金)?收入|财政专户(?:核拨|管理资金)", vocab.REVENUE_SOURCES["fiscal_special_account"]),
    (r"事业收入", vocab.REVENUE_SOURCES["public_institution_income"]),
    (r"上级补助收入", vocab.REVENUE_SOURCES["higher_level_subsidy"]),
    (r"上年结转(?:结余)?(?:收入|资金)?", vocab.REVENUE_SOURCES["prior_year_carryover"]),
    (r"其他(?:来源)?收入", vocab.REVENUE_SOURCES["other"]),
]

# The combined item comes before its parts so that 公务用车购置及运行费 is never read as a part.
THREE_PUBLIC_CATEGORIES = [  # (pattern of the item name, category from the catalog)
    (r"因公出国[（(]境[）)](?:费用?|经费)", vocab.THREE_PUBLIC_CATEGORIES["overseas_travel"]),
    (r"公务用车购置及运行(?:维护)?(?:费用?|经费)", vocab.THREE_PUBLIC_CATEGORIES["vehicle_purchase_and_operation"]),
    (r"公务用车购置(?:费用?|经费)", vocab.THREE_PUBLIC_CATEGORIES["vehicle_purchase"]),
    (r"公务用车运行(?:维护)?(?:费用?|经费)", vocab.THREE_PUBLIC_CATEGORIES["vehicle_operation"]),
    (r"公务接待(?:费用?|经费)", vocab.THREE_PUBLIC_CATEGORIES["official_reception"]),
]
_COMBINED_VEHICLE = "vehicle_purchase_and_operation"
_VEHICLE_PARTS = {"vehicle_purchase", "vehicle_operation"}

# "the document says this part is empty": only read as such when the section yields no fact, since a
# sentence like "主要是本部门无因公出国（境）计划" may stand next to real figures.
_DECLARED_EMPTY = re.compile(
    r"无此项内容|空表列示|此表为空|本表为空|本表无数据|不涉及"
    r"|本(?:部门|单位)[^，,。；;]{0,8}?(?:无|没有|未安排)(?!新增)"
    r"|无(?:政府采购|[“\"]?三公|项目支出|预算项目)"
)

_SIGN = {"增加": 1, "增长": 1, "上升": 1, "减少": -1, "下降": -1, "降低": -1}
# "compared with last year": 比上年, 较上年度, 较2019年预算, 与上年相比, 同比.
_PRIOR = r"(?:(?:与|较|比)\s*(?:上一?年|\d{4}\s*年)度?(?:预算)?数?(?:相比|比较)?|同比)"
_CHANGE = rf"(?P<dir>增加|增长|上升|减少|下降|降低|持平)了?[，,]?\s*(?:{AMOUNT})?"


def extract_notes(doc: ReadDocument, *, is_synthetic: bool = False) -> ExtractedDocument:
    paragraphs = doc.paragraphs()
    sections = split_sections(doc.blocks)
    out = ExtractedDocument(info=_document_info(doc, paragraphs, is_synthetic))
    captions = _captions(doc.blocks)
    unit = _prose_unit(sections.get("overview"))
    if "overview" in sections:
        _overview(sections["overview"], out)
    if "operating_expense" in sections:
        _operating_expenses(sections["operating_expense"], out)
    if "three_public" in sections:
        _three_public(sections["three_public"], out)
    out.duties = _duties(sections)
    if "performance" in sections:
        _overall_goal(sections["performance"], out)
    for table in doc.tables():  # project tables say what they are (项目编码), wherever they stand
        if _find(table, "项目编码"):
            _project_table(table, captions.get(table.index), _table_unit(table, captions, unit), out)
    if "procurement" in sections:
        _procurement(sections["procurement"], captions, unit, out)
    if "assets" in sections:
        _assets(sections["assets"], captions, unit, out)
    if "glossary" in sections:
        _glossary(sections["glossary"], out)
    out.sections = _section_records(sections, out)
    out.info.currency_unit = _currency_unit(sections, doc.tables(), captions, unit)
    if out.total("revenue_total") is None and out.total("expenditure_total") is None:
        raise ExtractionError(
            "incomplete_document",
            "Neither the revenue nor the expenditure total was found: the document is truncated, or its "
            "overview section (预算安排的总体情况) is missing.",
        )
    return out


# --- identity -----------------------------------------------------------------------------------------


def _document_info(doc: ReadDocument, paragraphs: list[Paragraph], is_synthetic: bool) -> DocumentInfo:
    # The title block: the short lines before the first heading or running text (the title may be split
    # over two lines, the office on the first). Only these decide the kind, so a budget that cites a
    # 决算 in its text is still a budget, and a 决算 titled without a year is still refused.
    head = paragraphs[:6]
    block = []
    for p in head:
        if len(p.text) > _MAX_TITLE_LINE or any(style.match(p.text) for style in ORDINAL_STYLES.values()):
            break
        block.append(p)
    title_at, match = _first_title(block, _TITLE_RE)
    above = [p.text for p in block[:title_at]]  # the lines above the title, or the whole block without one
    kind_text = "".join(above) + (block[title_at].text if title_at is not None else "")
    yearless = None
    if title_at is None:  # no title line: the first sentence naming the year (现将…2020年部门预算公开如下)
        # a yearless title line ("…部门预算公开说明") makes it a budget (决算 is refused below): that sentence's 预算
        yearless = next((p for p in block if _KIND_RE.search(p.text)), None)
        title_at, match = _first_title(head, _BUDGET_TITLE_RE if yearless else _TITLE_RE)
        if match and not yearless:
            kind_text = match["kind"]  # its kind word, not any 决算 the sentence also cites
    if _FINAL_ACCOUNTS_RE.search(kind_text):
        raise ExtractionError(
            "final_accounts_not_supported",
            f"{kind_text!r} names a final-accounts (决算) disclosure; only budgets (预算) are "
            "extracted so far, and a 决算 must never be loaded as a budget.",
        )
    if title_at is None:
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
    unit_code = unit_full_name = None
    for table in doc.tables():
        unit = _UNIT_ROW_RE.match(table.rows[0][0].text) if table.rows and table.rows[0] else None
        if unit:
            unit_code, unit_full_name = unit["code"], unit["name"]
            break
    district = _DISTRICT_RE.match(office)
    city = _CITY_RE.match(unit_full_name or "")
    province = next((m for p in head for m in [_PROVINCE_RE.search(p.text)] if m), None)
    return DocumentInfo(
        title=title_text,
        doc_kind="budget",
        fiscal_year=int(match["year"]),
        office_name=office,
        unit_code=unit_code,
        unit_full_name=unit_full_name,
        district=district["district"] if district else None,
        city=city["city"] if city else None,
        province=province["province"] if province else None,
        currency_unit="元",  # set once the amounts are read (_currency_unit)
        overall_goal_zh=None,
        new_assets_budgeted=None,
        is_synthetic=is_synthetic or _SYNTHETIC_MARK in doc.text[:2000],
        src=Source(line=title.line),
    )


def _first_title(paragraphs: list[Paragraph], pattern: re.Pattern) -> tuple[int | None, re.Match | None]:
    return next(((i, m) for i, p in enumerate(paragraphs) if (m := pattern.search(p.text))), (None, None))


def _office(text: str) -> str:
    return re.sub(r"^(?:部门|单位)+|(?:部门|单位)+$", "", text.strip(" ：:（(")).strip()


# --- units --------------------------------------------------------------------------------------------


def _captions(blocks: list[Block]) -> dict[int, Paragraph]:
    """Table index -> the paragraph right above the table (its title, or a line "单位：万元")."""
    captions, previous = {}, None
    for block in blocks:
        if isinstance(block, Table) and previous is not None:
            captions[block.index] = previous
        previous = block if isinstance(block, Paragraph) else None
    return captions


def _declared_unit(table: Table, captions: dict[int, Paragraph]) -> str | None:
    """The unit a table states in its first rows (单位：万元, 价值（金额单位：元）) or in the line above it."""
    texts = [c.text for row in table.rows[:3] for c in row]
    if table.index in captions:
        texts.append(captions[table.index].text)
    for text in texts:
        m = _TABLE_UNIT_RE.search(text)
        if m:
            return m["a"] or m["b"]
    return None


def _table_unit(table: Table, captions: dict[int, Paragraph], default: str) -> str:
    """A table's unit: its own statement, else the unit of the document's prose."""
    return _declared_unit(table, captions) or default


def _prose_unit(overview: Section | None) -> str:
    """The unit the headline amounts (section 二) are written in: what unmarked tables are taken to use."""
    for p in overview.paragraphs() if overview else []:
        m = AMOUNT_RE.search(p.text)
        if m:
            return m["unit"]
    return "元"


def _currency_unit(
    sections: dict[str, Section], tables: list[Table], captions: dict[int, Paragraph], prose_unit: str
) -> str:
    """万元 when the document states any of its figures in 万元 (prose amounts or a table's unit), else 元.

    A mixed document is 万元: amounts rounded to 0.01 万元 then sit next to each other in its identities,
    and validation allows for that rounding by this field."""
    units = {prose_unit, *(_declared_unit(t, captions) for t in tables)}
    for key in ("overview", "operating_expense", "three_public", "assets"):
        for p in sections[key].paragraphs() if key in sections else []:
            units.update(m["unit"] for m in AMOUNT_RE.finditer(p.text))
    return "万元" if "万元" in units else "元"


# --- section records ------------------------------------------------------------------------------------

SECTION_KEYS = [vocab.SECTION_KEYS[key] for key in (  # the catalog's codes, in this template's order
    "duties",
    "overview",
    "operating_expense",
    "three_public",
    "performance",
    "projects",  # the project performance tables (part of 绩效 in the seed; no heading of their own)
    "procurement",
    "assets",
    "glossary",
)]


def _section_records(sections: dict[str, Section], out: ExtractedDocument) -> list[SectionRecord]:
    """present / declared_empty / missing per section: an absent section is never read as zeros."""
    has_facts = {
        "duties": bool(out.duties),
        "overview": bool(
            out.revenue or out.expenditure or out.total("revenue_total") or out.total("expenditure_total")
        ),
        "operating_expense": out.total("operating_expense_total") is not None or bool(out.operating_expenses),
        "three_public": out.total("three_public_total") is not None or bool(out.three_public_costs),
        "performance": True,
        "projects": bool(out.projects),
        "procurement": bool(out.procurement_items),
        "assets": bool(out.assets) or out.total("asset_total") is not None,
        "glossary": bool(out.glossary),
    }
    records = []
    for key in SECTION_KEYS:
        section = sections.get(key)
        if key == "projects":
            section, title = sections.get("performance"), None
            note = _project_empty_note(section) if section and not out.projects else None
            status = "present" if out.projects else "declared_empty" if note else "missing"
        else:
            title = section.title if section else None
            note = _empty_note(section) if section and not has_facts[key] else None
            status = "missing" if section is None else "declared_empty" if note else "present"
        where = note or (section.heading if section and status == "present" else None)
        src = Source(line=where.line) if where else Source()
        if key == "projects" and out.projects:
            src = Source(line=out.projects[0].src.line, table=out.projects[0].src.table)
        records.append(SectionRecord(key, title, status, note.text if note else None, src))
    return records


def _empty_note(section: Section) -> Paragraph | None:
    """The sentence (or table cell) by which a section says it has nothing to show."""
    texts = [section.heading, *section.paragraphs()] + [
        Paragraph(c.text, c.line) for t in section.tables() for row in t.rows for c in row if c.text
    ]
    return next((p for p in texts if _DECLARED_EMPTY.search(p.text)), None)


def _project_empty_note(performance: Section) -> Paragraph | None:
    """A note after the projects' sub-heading (第二部分 预算项目绩效目标) that there are no projects."""
    paragraphs = performance.paragraphs()
    start = next((i for i, p in enumerate(paragraphs) if re.search(r"项目.{0,6}绩效", p.text)), None)
    if start is None:
        return None
    return next((p for p in paragraphs[start:] if _DECLARED_EMPTY.search(p.text)), None)


# --- section 二: revenue, expenditure, changes on last year ---------------------------------------------

# Headline totals. The look-behind keeps a part's label from reading as the total: 一般公共预算收入 (共),
# 基金预算收入 (金), 项目支出预算 (目), 基本支出预算 (本), 人员/公用支出预算 (员/用). 收支总预算 states both
# totals at once.
_REVENUE_TOTAL = r"(?<![共金目本])(?:预算收入|收入预算)|收支总预算"
_EXPENDITURE_TOTAL = r"(?<![共金目本员用])(?:预算支出|支出预算)|收支总预算"


def _amount_after(label: str, text: str) -> re.Match | None:
    """The first amount written right after a label (allowing 为/合计/安排/共计/总额/数 between)."""
    return re.search(rf"(?:{label})\s*(?:预算|为|是|合计|共计|安排|总额|总计|数)*\s*[:：]?\s*{AMOUNT}", text)


def _overview(section: Section, out: ExtractedDocument) -> None:
    # The first statement of each total wins: the changes paragraph (二.3) repeats the expenditure total.
    for p in section.paragraphs():
        src = Source(line=p.line)
        total = _amount_after(_REVENUE_TOTAL, p.text)
        if total:
            if out.total("revenue_total") is None:
                out.stated_totals.append(StatedTotal("revenue_total", "预算收入", _yuan(total), src))
            if not out.revenue:
                _revenue_sources(p.text[total.end() :], src, out)
        total = _amount_after(_EXPENDITURE_TOTAL, p.text)
        if total:
            if out.total("expenditure_total") is None:
                out.stated_totals.append(StatedTotal("expenditure_total", "预算支出", _yuan(total), src))
            if not out.expenditure:
                _expenditure_parts(p, src, out)
        if re.search(_PRIOR, p.text):
            _stated_changes(p, src, out)


def _revenue_sources(text: str, src: Source, out: ExtractedDocument) -> None:
    for pattern, source in REVENUE_SOURCES:
        m = re.search(rf"(?P<label>{pattern})\s*(?:预算)?(?:为|安排)?\s*{AMOUNT}", text)
        if m:
            out.revenue.append(RevenueLine(source, m["label"], _yuan(m), src))


def _expenditure_parts(p: Paragraph, src: Source, out: ExtractedDocument) -> None:
    basic = _amount_after(r"基本支出", p.text)
    if basic and out.total("basic_total") is None:
        out.stated_totals.append(StatedTotal("basic_total", "基本支出", _yuan(basic), src))
    for label, cls, kind in (
        (r"人员经费|人员支出", "basic", "personnel"),
        (r"日常公用经费|公用经费|公用支出", "basic", "public_operating"),
        (r"项目支出", "project", "project"),
    ):
        m = re.search(rf"(?P<label>{label})\s*(?:预算)?(?:为|安排)?\s*{AMOUNT}", p.text)
        if m:
            out.expenditure.append(ExpenditureLine(cls, kind, m["label"], _yuan(m), src))
    example = re.search(rf"例如(?P<label>\S+?)安排\s*{AMOUNT}", p.text)
    if example:
        out.stated_totals.append(StatedTotal("project_example", example["label"], _yuan(example), src))


def _stated_changes(p: Paragraph, src: Source, out: ExtractedDocument) -> None:
    current = {
        "expenditure_total": out.total("expenditure_total"),
        "basic": out.total("basic_total"),
        "project": next((e.amount_yuan for e in out.expenditure if e.expenditure_type == "project"), None),
    }
    labels = {
        # the total's change is the 比上年 not said of a part (基本支出比上年增加… is the basic change)
        "expenditure_total": rf"(?<!基本支出)(?<!项目支出)(?<!人员经费)(?<!公用经费){_PRIOR}",
        "basic": rf"基本支出\s*(?:{_PRIOR})?",
        "project": rf"项目支出\s*(?:{_PRIOR})?",
    }
    for sentence in re.split(r"[。；;]", p.text):
        if "收入" in sentence and "支出" not in sentence:  # a change of the revenue, not of the spending
            continue
        for metric, label in labels.items():
            change = _change_after(label, sentence)
            if change is not None and metric not in {c.metric for c in out.stated_changes}:
                out.stated_changes.append(
                    StatedChange(metric, change, current[metric], _minus(current[metric], change), src)
                )


def _change_after(label: str, text: str) -> Decimal | None:
    """A change stated as '<label>增加/减少 N元' or '持平'; positive for an increase.

    "与上年减少，较上年减少958.50元" names the direction twice: the first mention with an amount wins. A
    direction that never comes with an amount ("比上年增加，主要是…") gives None: the change is unknown.
    """
    for m in re.finditer(rf"{label}\s*{_CHANGE}", text):
        if m["dir"] == "持平":
            return Decimal(0)
        if m["number"] is not None:
            return _SIGN[m["dir"]] * _yuan(m)
    return None


def _minus(current: Decimal | None, change: Decimal | None) -> Decimal | None:
    return None if current is None or change is None else current - change


# --- section 三: 机关运行经费 ---------------------------------------------------------------------------


def _operating_expenses(section: Section, out: ExtractedDocument) -> None:
    for p in section.paragraphs():
        total = _amount_after(r"机关运行经费", p.text)
        if not total:
            continue
        src = Source(line=p.line)
        out.stated_totals.append(StatedTotal("operating_expense_total", "机关运行经费", _yuan(total), src))
        listing = p.text[total.end() :]
        listing = listing.split("主要用于", 1)[-1]
        for number, m in enumerate(re.finditer(rf"(?P<name>[^、，,。；;:：\d\s]+?)\s*{AMOUNT}", listing), 1):
            out.operating_expenses.append(OperatingExpense(number, m["name"], _yuan(m), src))
        return


# --- section 四: 三公 -------------------------------------------------------------------------------------

_TP_TOTAL = re.compile(
    rf"三公[”\"]?\s*经费(?:财政拨款)?(?:预算)?(?:数|安排|合计|共计|总额|总计)*\s*(?:为|是)?\s*[:：]?\s*{AMOUNT}"
)
_TP_ITEM = re.compile(
    rf"(?P<name>{'|'.join(p for p, _ in THREE_PUBLIC_CATEGORIES)})\s*(?:预算)?数?(?:为|安排)?\s*[:：]?\s*{AMOUNT}"
)
_TP_PARTS = re.compile(r"[（(]其中[^）)]*[）)]")  # "（其中：公务用车购置费0元，公务用车运行费10000元）"
_REASON = re.compile(r"(?:主要原因是|主要原因为|原因是|原因为|主要是|主要为|主要由于)\s*(?P<reason>.+)$")


def _three_public(section: Section, out: ExtractedDocument) -> None:
    items: list[ThreePublicCost] = []
    combined_change: StatedChange | None = None
    for p in section.paragraphs():
        src = Source(line=p.line)
        text = p.text
        total = _TP_TOTAL.search(text) if out.total("three_public_total") is None else None
        if total:
            amount = _yuan(total)
            out.stated_totals.append(StatedTotal("three_public_total", "“三公”经费", amount, src))
            text = text[total.end() :]
            first = _TP_ITEM.search(text)
            change = _change_after(_PRIOR, text[: first.start() if first else len(text)])
            if change is not None:
                out.stated_changes.append(
                    StatedChange("three_public_total", change, amount, amount - change, src)
                )
        for clause in re.split(r"[；;。]", text):
            # parts named in parentheses only give amounts: the clause's change is the enclosing item's
            for parts in _TP_PARTS.findall(clause):
                items += [_three_public_item(m, "", src) for m in _TP_ITEM.finditer(parts)]
            clause = _TP_PARTS.sub("", clause)
            mentions = list(_TP_ITEM.finditer(clause))
            ends = [m.start() for m in mentions[1:]] + [len(clause)]  # each item's text runs to the next
            items += [
                _three_public_item(m, clause[m.end() : end], src)
                for m, end in zip(mentions, ends, strict=False)
            ]
    # 公务用车购置及运行费 and its parts: keep both parts (and the combined change as a stated change), or
    # else the combined item alone, so that the items never count the vehicles twice.
    categories = {i.category for i in items}
    if _COMBINED_VEHICLE in categories:
        combined = next(i for i in items if i.category == _COMBINED_VEHICLE)
        if categories >= _VEHICLE_PARTS:
            items.remove(combined)
            if combined.change_yuan is not None:
                combined_change = StatedChange(
                    _COMBINED_VEHICLE,
                    combined.change_yuan,
                    combined.amount_yuan,
                    combined.prior_year_yuan,
                    combined.src,
                )
        else:
            items = [i for i in items if i.category not in _VEHICLE_PARTS]
    seen: set[str] = set()
    for item in items:  # one row per category: the first place the document states it
        if item.category not in seen:
            seen.add(item.category)
            out.three_public_costs.append(item)
    if combined_change:
        out.stated_changes.append(combined_change)


def _three_public_item(m: re.Match, rest: str, src: Source) -> ThreePublicCost:
    category = next(c for pattern, c in THREE_PUBLIC_CATEGORIES if re.fullmatch(pattern, m["name"]))
    change = _change_after(_PRIOR, rest)
    reason = _REASON.search(rest)
    amount = _yuan(m)
    return ThreePublicCost(
        category=category,
        category_zh=m["name"],
        amount_yuan=amount,
        change_yuan=change,
        prior_year_yuan=_minus(amount, change),
        change_reason_zh=reason["reason"].strip("，,。 ") if reason else None,
        src=src,
    )


# --- duties (一 and 五) ---------------------------------------------------------------------------------

_DUTY_HEADING = re.compile(r"^(?P<no>\d{1,2})\s*[、.．]\s*(?P<name>[^:：]{1,40})$")
_DUTY_FIELDS = {  # label at the start of a paragraph -> Duty field
    "主要职责": "responsibility_zh",
    "职责目标": "duty_targets_zh",
    "绩效目标": "performance_goal_zh",
    "绩效指标": "performance_indicators_zh",
    "绩效标准": "performance_standard_zh",
}
_FIELD_RE = re.compile(rf"^(?P<label>{'|'.join(_DUTY_FIELDS)})(?:是|为)?\s*[:：]?\s*(?P<text>.*)$")
_GRADE_RE = re.compile(r"(?P<pct>\d+(?:\.\d+)?)\s*%\s*(?:以上)?的?为\s*(?P<grade>优|良|中|差)")
_GRADE_FIELDS = {
    "优": "grade_excellent_pct",
    "良": "grade_good_pct",
    "中": "grade_fair_pct",
    "差": "grade_poor_pct",
}


def _duties(sections: dict[str, Section]) -> list[Duty]:
    """Duties are listed in 一 and again, with their performance goals, in 五; merged by number."""
    duties: dict[int, Duty] = {}
    for key in ("duties", "performance"):
        if key not in sections:
            continue
        paragraphs = sections[key].paragraphs()
        for i, p in enumerate(paragraphs):
            heading = _DUTY_HEADING.match(p.text)
            following = paragraphs[i + 1].text if i + 1 < len(paragraphs) else ""
            if not heading or not following.startswith("主要职责"):
                continue
            no = int(heading["no"])
            duty = duties.setdefault(
                no,
                Duty(
                    no,
                    heading["name"].strip(),
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    Source(line=p.line),
                ),
            )
            for q in paragraphs[i + 1 :]:
                field = _FIELD_RE.match(q.text)
                if not field:
                    break
                name = _DUTY_FIELDS[field["label"]]
                if getattr(duty, name) is None:
                    setattr(duty, name, field["text"].strip() or None)
            for m in _GRADE_RE.finditer(duty.performance_standard_zh or ""):
                setattr(duty, _GRADE_FIELDS[m["grade"]], Decimal(m["pct"]))
    return [duties[n] for n in sorted(duties)]


# --- section 五: overall goal and one performance table per project ------------------------------------


def _overall_goal(section: Section, out: ExtractedDocument) -> None:
    paragraphs = section.paragraphs()
    for i, p in enumerate(paragraphs):
        if re.search(r"总体绩效目标", p.text) and i + 1 < len(paragraphs):
            inline = re.split(r"总体绩效目标[:：]?", p.text, maxsplit=1)[1].strip()
            out.info.overall_goal_zh = inline or paragraphs[i + 1].text
            return


def _find(table: Table, label: str) -> Cell | None:
    return next((c for row in table.rows for c in row if c.text.replace(" ", "") == label), None)


def _right_of(table: Table, label_re: str) -> Cell | None:
    label = re.compile(label_re)
    for row in table.rows:
        for i, cell in enumerate(row[:-1]):
            if label.fullmatch(cell.text.replace(" ", "")):
                return row[i + 1]
    return None


def _cell_src(table: Table, cell: Cell) -> Source:
    return Source(line=cell.line, table=table.index, row=cell.row, col=cell.col)


def _project_table(table: Table, title: Paragraph | None, unit: str, out: ExtractedDocument) -> None:
    code = _right_of(table, "项目编码")
    name = _right_of(table, "项目名称")
    budget = _right_of(table, "预算数")
    fiscal = _right_of(table, r"(?:其中[:：])?财政资金")
    other = _right_of(table, "其他资金")
    rows = table.rows
    purpose = None
    for r, row in enumerate(rows):
        if any(c.text == "预算数" for c in row) and r + 1 < len(rows):
            texts = [c.text for c in rows[r + 1] if c.text]
            purpose = texts[-1] if texts and not _is_label_row(rows[r + 1]) else None
    plan = _spend_plan(table)
    goals = _right_of(table, "绩效目标")
    number = re.match(r"^(\d+)", title.text) if title else None
    project = Project(
        project_no=int(number[1]) if number else len(out.projects) + 1,
        project_code=code.text if code else "",
        project_name_zh=name.text if name else "",
        budget_yuan=cell_amount(budget.text, unit) if budget else None,
        fiscal_funds_yuan=cell_amount(fiscal.text, unit) if fiscal else None,
        other_funds_yuan=cell_amount(other.text, unit) if other else None,
        purpose_zh=purpose,
        spend_plan_pct_m03=plan.get("03"),
        spend_plan_pct_m06=plan.get("06"),
        spend_plan_pct_m10=plan.get("10"),
        spend_plan_pct_m12=plan.get("12"),
        goals_zh=goals.text if goals else None,
        src=_cell_src(table, code) if code else Source(line=table.line, table=table.index),
    )
    out.projects.append(project)
    out.project_indicators.extend(_indicators(table, project.project_code))


def _is_label_row(row: list[Cell]) -> bool:
    return any(c.text in ("资金支出计划（%）", "绩效目标", "一级指标") for c in row)


def _spend_plan(table: Table) -> dict[str, Decimal | None]:
    """Cumulative spend by month end: the header row names the months, the next row holds the values."""
    for r, row in enumerate(table.rows[:-1]):
        months = {c.col: re.match(r"^(\d{1,2})月底?$", c.text) for c in row}
        months = {col: m[1].zfill(2) for col, m in months.items() if m}
        if months:
            values = {c.col: c.text for c in table.rows[r + 1]}
            return {month: cell_number(values.get(col, "")) for col, month in months.items()}
    return {}


def _indicators(table: Table, project_code: str) -> list[ProjectIndicator]:
    """The grid under 一级指标 | 二级指标 | 三级指标 | 描述 | 指标值 | 依据. The level-1 (产出/效果/效益/满意度
    指标), level-2 and level-3 cells may be merged down: a reader gives the merged text on the first row and
    "" below (txt, this docx reader) or repeats it on every row (other docx readers); both read the same."""
    rows = table.rows
    header = next((r for r, row in enumerate(rows) if row and row[0].text == "一级指标"), None)
    if header is None:
        return []
    indicators = []
    level1 = level2 = level3 = ""
    for row in rows[header + 1 :]:
        cells = [c.text for c in row]
        if len(cells) < 6:
            continue
        l1, l2, l3, description, target, basis = cells[-6:]
        if not (l3 or description or target or basis):  # no indicator on this row
            continue
        level1 = l1 or level1
        level2 = l2 or level2
        level3 = l3 or level3
        operator, value, unit = parse_target(target)
        indicators.append(
            ProjectIndicator(
                project_code=project_code,
                indicator_no=len(indicators) + 1,
                level1_zh=level1,
                level2_zh=level2,
                level3_zh=level3,
                description_zh=description or None,
                target_raw=target or None,
                target_operator=operator,
                target_value=value,
                target_unit=unit,
                basis_zh=basis or None,
                src=_cell_src(table, row[-6]),
            )
        )
    return indicators


# --- 六 procurement, 七 assets, 八 glossary ---------------------------------------------------------------


def _procurement(
    section: Section, captions: dict[int, Paragraph], prose_unit: str, out: ExtractedDocument
) -> None:
    for table in section.tables():
        header = max(
            (r for r, row in enumerate(table.rows) if any(c.text == "合计" for c in row)), default=None
        )
        if header is None:
            continue
        unit = _table_unit(table, captions, prose_unit)
        for row in table.rows[header + 1 :]:
            texts = [c.text for c in row]
            if not any(texts) or _DECLARED_EMPTY.search(" ".join(texts)):
                continue
            texts += [""] * (8 - len(texts))
            out.procurement_items.append(
                ProcurementItem(
                    item_no=len(out.procurement_items) + 1,
                    project_name_zh=texts[0] or None,
                    item_name_zh=texts[2] or None,
                    catalog_no=texts[3] or None,
                    unit_zh=texts[4] or None,
                    quantity=cell_number(texts[5]),
                    unit_price_yuan=cell_amount(texts[6], unit),
                    amount_yuan=cell_amount(texts[7], unit),
                    src=_cell_src(table, row[0]),
                )
            )


_ASSET_ROW = re.compile(r"^(?P<no>\d+)\s*[、.．]\s*(?P<cls>[^（(]+?)\s*(?:[（(](?P<unit>[^）)]+)[）)])?$")
_DATE_RE = re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日")


def _assets(
    section: Section, captions: dict[int, Paragraph], prose_unit: str, out: ExtractedDocument
) -> None:
    for p in section.paragraphs():
        if re.search(r"无新增(?:固定)?资产", p.text):
            out.info.new_assets_budgeted = False
        elif re.search(r"新增(?:固定)?资产预算", p.text):
            out.info.new_assets_budgeted = True
    for table in section.tables():
        as_of = None
        for row in table.rows:
            for cell in row:
                if "截止" in cell.text or "截至" in cell.text:
                    d = _DATE_RE.search(cell.text)
                    as_of = date(int(d["y"]), int(d["m"]), int(d["d"])) if d else None
        unit = _table_unit(table, captions, prose_unit)
        for row in table.rows:
            label = row[0].text.replace(" ", "")
            if len(row) < 3:
                continue
            if label == "资产总额" and row[-1].text:
                out.stated_totals.append(
                    StatedTotal(
                        "asset_total", "资产总额", cell_amount(row[-1].text, unit), _cell_src(table, row[-1])
                    )
                )
                continue
            m = _ASSET_ROW.match(row[0].text)
            if not m or set(m["cls"]) <= set("…. "):  # "4、……………" is a placeholder row
                continue
            out.assets.append(
                Asset(
                    item_no=int(m["no"]),
                    asset_class_zh=m["cls"].strip(),
                    unit_zh=m["unit"],
                    quantity=cell_number(row[1].text),
                    value_yuan=cell_amount(row[2].text, unit),
                    as_of_date=as_of,
                    src=_cell_src(table, row[0]),
                )
            )


_TERM_RE = re.compile(r"^(?P<no>\d{1,2})\s*[、.．]\s*(?P<term>[^:：]{1,30})[:：]\s*(?P<definition>.+)$")


def _glossary(section: Section, out: ExtractedDocument) -> None:
    for p in section.paragraphs():
        m = _TERM_RE.match(p.text)
        if m:
            out.glossary.append(
                GlossaryTerm(int(m["no"]), m["term"].strip(), m["definition"].strip(), Source(line=p.line))
            )


def _yuan(m: re.Match) -> Decimal:
    return yuan(m["number"], m["unit"])


__all__ = ["AMOUNT_RE", "extract_notes"]


# --- the template plug-in -------------------------------------------------------------------------------


class NotesBudget:
    """The 部门预算公开说明 notes form: narrative sections (overview, 机关运行经费, 三公, 绩效 …) in prose."""

    name = "notes_budget"
    doc_kinds = ("budget",)

    def detect(self, doc: ReadDocument) -> Detection:
        keys = sorted(split_sections(doc.blocks))
        # Until the document identity is shared by every template, this template is the fallback that
        # refuses documents it cannot identify with their own reason codes: it always claims MIN_SCORE.
        score = MIN_SCORE + (1 - MIN_SCORE) * min(1.0, len(keys) / 6)
        return Detection(score, (f"section headings: {', '.join(keys)}" if keys else "no section headings",))

    def extract(self, doc: ReadDocument, *, is_synthetic: bool = False) -> ExtractedDocument:
        return extract_notes(doc, is_synthetic=is_synthetic)


TEMPLATE = NotesBudget()
