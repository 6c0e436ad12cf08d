"""The "部门预算公开说明" template: narrative sections 一 … 九 with a performance-target table per project.

This is the template of the Xiguan 2020 disclosure. Sections are found by their title keywords
(``sections.py``); within a section, values are found by the labels next to them, never by position
alone, so that reordered or renumbered documents of the same family still read.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from budget_etl.extract.errors import ExtractionError
from budget_etl.extract.sections import Section, split_sections
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
from budget_etl.numbers import AMOUNT, AMOUNT_RE, cell_amount, cell_number, parse_target, yuan
from budget_etl.readers.blocks import Cell, Paragraph, ReadDocument, Table

_TITLE_RE = re.compile(
    r"^(?P<office>.+?)(?:部门)?(?P<year>\d{4})\s*年度?(?:部门)?(?:单位)?(?P<kind>预算|决算)"
)
_UNIT_ROW_RE = re.compile(r"^(?P<code>\d{6})\s*(?P<name>\S+)$")
_TABLE_UNIT_RE = re.compile(r"单位[:：]\s*(万元|元)")
_DISTRICT_RE = re.compile(r"^(?P<district>\S{1,6}?(?:区|县|旗|市))")
_CITY_RE = re.compile(r"^(?:\S{2,4}?省)?(?P<city>\S{1,6}?(?:市|州|盟|地区))")
_PROVINCE_RE = re.compile(r"(?P<province>[^\s《》、，。省]{2,3}?(?:省|自治区))")
_SYNTHETIC_MARK = "合成样例数据"

REVENUE_SOURCES = [  # (pattern of the label, revenue_source)
    (r"一般公共预算(?:拨款)?收入|一般公共预算拨款", "general_public_budget"),
    (r"(?:政府性)?基金预算(?:拨款)?收入|基金预算拨款", "government_fund"),
    (r"财政专户(?:核拨|管理资金)?收入|财政专户核拨", "fiscal_special_account"),
    (r"其他(?:来源)?收入", "other"),
]

THREE_PUBLIC_CATEGORIES = [  # (pattern of the item name, category)
    (r"因公出国[（(]境[）)](?:费|经费)", "overseas_travel"),
    (r"公务用车购置费", "vehicle_purchase"),
    (r"公务用车运行(?:维护)?费", "vehicle_operation"),
    (r"公务接待费", "official_reception"),
]

_SIGN = {"增加": Decimal(1), "增长": Decimal(1), "减少": Decimal(-1), "下降": Decimal(-1)}


def extract_notes(doc: ReadDocument, *, is_synthetic: bool = False) -> ExtractedDocument:
    paragraphs = doc.paragraphs()
    sections = split_sections(doc.blocks)
    info = _document_info(doc, paragraphs, sections, is_synthetic)
    out = ExtractedDocument(info=info)
    for key in (
        "duties",
        "overview",
        "operating_expense",
        "three_public",
        "performance",
        "procurement",
        "assets",
        "glossary",
    ):
        section = sections.get(key)
        out.sections.append(
            SectionRecord(
                section_key=key,
                title_zh=section.title if section else None,
                status="present" if section else "missing",
                note_zh=None,
                src=Source(line=section.heading.line) if section else Source(),
            )
        )
    if "overview" in sections:
        _overview(sections["overview"], out)
    if "operating_expense" in sections:
        _operating_expenses(sections["operating_expense"], out)
    if "three_public" in sections:
        _three_public(sections["three_public"], out)
    out.duties = _duties(sections)
    if "performance" in sections:
        _performance(sections["performance"], out)
    if "procurement" in sections:
        _procurement(sections["procurement"], out)
    if "assets" in sections:
        _assets(sections["assets"], out)
    if "glossary" in sections:
        _glossary(sections["glossary"], out)
    if out.total("revenue_total") is None and out.total("expenditure_total") is None:
        raise ExtractionError(
            "incomplete_document",
            "Neither the revenue nor the expenditure total was found: the document is truncated, or its "
            "overview section (预算安排的总体情况) is missing.",
        )
    return out


# --- identity -----------------------------------------------------------------------------------------


def _document_info(
    doc: ReadDocument, paragraphs: list[Paragraph], sections: dict[str, Section], is_synthetic: bool
) -> DocumentInfo:
    head = paragraphs[:5]
    title = next((p for p in head if _TITLE_RE.search(p.text)), None)
    if title is None:
        raise ExtractionError(
            "no_document_identity",
            "No title naming the office, the year and 预算/决算 in the first paragraphs: "
            "this does not look like a budget disclosure.",
        )
    match = _TITLE_RE.search(title.text)
    if match["kind"] == "决算":
        raise ExtractionError(
            "final_accounts_not_supported",
            f"{title.text!r} is a final-accounts (决算) disclosure; only budgets (预算) are "
            "extracted so far, and a 决算 must never be loaded as a budget.",
        )
    office = match["office"].strip()
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
        title=title.text,
        doc_kind="budget",
        fiscal_year=int(match["year"]),
        office_name=office,
        unit_code=unit_code,
        unit_full_name=unit_full_name,
        district=district["district"] if district else None,
        city=city["city"] if city else None,
        province=province["province"] if province else None,
        currency_unit="万元" if re.search(r"单位[:：]\s*万元|金额单位[:：]\s*万元", doc.text) else "元",
        overall_goal_zh=None,
        new_assets_budgeted=None,
        is_synthetic=is_synthetic or _SYNTHETIC_MARK in doc.text[:2000],
        src=Source(line=title.line),
    )


# --- section 二: revenue, expenditure, changes on last year ---------------------------------------------


def _amount_after(label: str, text: str) -> re.Match | None:
    """The first amount written right after a label (allowing 为/合计/安排/共计 between)."""
    return re.search(rf"(?:{label})\s*(?:预算|为|合计|共计|安排|总额)*\s*{AMOUNT}", text)


def _overview(section: Section, out: ExtractedDocument) -> None:
    for p in section.paragraphs():
        src = Source(line=p.line)
        total = _amount_after(r"预算收入", p.text)
        if total and "较" not in p.text[: total.start()]:
            out.stated_totals.append(StatedTotal("revenue_total", "预算收入", _yuan(total), src))
            rest = p.text[total.end() :]
            for pattern, source in REVENUE_SOURCES:
                m = re.search(rf"(?P<label>{pattern})\s*(?:为)?\s*{AMOUNT}", rest)
                if m:
                    out.revenue.append(RevenueLine(source, m["label"], _yuan(m), src))
        total = _amount_after(r"预算支出", p.text)
        if total and not re.search(r"较|比上年", p.text):
            out.stated_totals.append(StatedTotal("expenditure_total", "预算支出", _yuan(total), src))
            _expenditure_parts(p, src, out)
        if re.search(r"较\s*\d{4}\s*年|较上年|比上年", p.text):
            _stated_changes(p, src, out)


def _expenditure_parts(p: Paragraph, src: Source, out: ExtractedDocument) -> None:
    basic = _amount_after(r"基本支出", p.text)
    if basic:
        out.stated_totals.append(StatedTotal("basic_total", "基本支出", _yuan(basic), src))
    for label, cls, kind in (
        (r"人员经费|人员支出", "basic", "personnel"),
        (r"日常公用经费|公用经费|公用支出", "basic", "public_operating"),
        (r"项目支出", "project", "project"),
    ):
        m = re.search(rf"(?P<label>{label})\s*(?:为|安排)?\s*{AMOUNT}", p.text)
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
    patterns = {
        "expenditure_total": r"(?:较\s*\d{4}\s*年(?:预算)?|较上年|比上年)",
        "basic": r"基本支出",
        "project": r"项目支出",
    }
    for metric, label in patterns.items():
        change = _change_after(label, p.text)
        if change is not None:
            out.stated_changes.append(
                StatedChange(metric, change, current[metric], _minus(current[metric], change), src)
            )


_CHANGE = rf"(?P<dir>增加|增长|减少|下降|持平)[，,]?\s*(?:{AMOUNT})?"


def _change_after(label: str, text: str) -> Decimal | None:
    """A change stated as '<label>增加/减少 N元' or '持平'; positive for an increase.

    "与上年减少，较上年减少958.50元" names the direction twice: the first mention with an amount wins.
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


def _three_public(section: Section, out: ExtractedDocument) -> None:
    for p in section.paragraphs():
        total = re.search(rf"三公”?\s*经费(?:预算)?(?:安排|合计|共计|总额)?(?:为)?\s*{AMOUNT}", p.text)
        if not total:
            continue
        src = Source(line=p.line)
        head, _, items = p.text[total.end() :].partition("其中")
        amount = _yuan(total)
        out.stated_totals.append(StatedTotal("three_public_total", "“三公”经费", amount, src))
        change = _change_after(r"(?:与|较|比)上年", head)
        if change is not None:
            out.stated_changes.append(
                StatedChange("three_public_total", change, amount, amount - change, src)
            )
        for clause in re.split(r"[；;。]", items.lstrip("：:")):
            item = _three_public_item(clause.strip(), src)
            if item:
                out.three_public_costs.append(item)
        return


def _three_public_item(clause: str, src: Source) -> ThreePublicCost | None:
    m = re.match(rf"(?P<name>[^\d，,]+?)\s*{AMOUNT}", clause)
    if not m:
        return None
    category = next((c for pattern, c in THREE_PUBLIC_CATEGORIES if re.fullmatch(pattern, m["name"])), None)
    if category is None:
        return None
    rest = clause[m.end() :]
    change = _change_after(r"(?:与|较|比)上年", rest)
    reason = re.search(r"主要(?:是|原因是|为|由于)\s*(?P<reason>.+)$", rest)
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


def _performance(section: Section, out: ExtractedDocument) -> None:
    paragraphs = section.paragraphs()
    for i, p in enumerate(paragraphs):
        if re.search(r"总体绩效目标", p.text) and i + 1 < len(paragraphs):
            inline = re.split(r"总体绩效目标[:：]?", p.text, maxsplit=1)[1].strip()
            out.info.overall_goal_zh = inline or paragraphs[i + 1].text
            break
    titles = {}
    previous = None
    for block in section.blocks:
        if isinstance(block, Table):
            titles[block.index] = previous
        previous = block if isinstance(block, Paragraph) else None
    for table in section.tables():
        if _find(table, "项目编码"):
            _project_table(table, titles.get(table.index), out)


def _find(table: Table, label: str) -> Cell | None:
    return next((c for row in table.rows for c in row if c.text.replace(" ", "") == label), None)


def _right_of(table: Table, label_re: str) -> Cell | None:
    for row in table.rows:
        for i, cell in enumerate(row[:-1]):
            if re.fullmatch(label_re, cell.text.replace(" ", "")):
                return row[i + 1]
    return None


def _cell_src(table: Table, cell: Cell) -> Source:
    return Source(line=cell.line, table=table.index, row=cell.row, col=cell.col)


def _project_table(table: Table, title: Paragraph | None, out: ExtractedDocument) -> None:
    unit_cell = next((c for c in table.rows[0] if _TABLE_UNIT_RE.search(c.text)), None)
    unit = _TABLE_UNIT_RE.search(unit_cell.text)[1] if unit_cell else "元"
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
    rows = table.rows
    header = next((r for r, row in enumerate(rows) if row and row[0].text == "一级指标"), None)
    if header is None:
        return []
    indicators = []
    level1 = level2 = ""
    for row in rows[header + 1 :]:
        cells = [c.text for c in row]
        if len(cells) < 6 or not any(cells):
            continue
        l1, l2, l3, description, target, basis = cells[-6:]
        level1 = l1 or level1  # merged cells are empty below their first row
        level2 = l2 or level2
        operator, value, unit = parse_target(target)
        indicators.append(
            ProjectIndicator(
                project_code=project_code,
                indicator_no=len(indicators) + 1,
                level1_zh=level1,
                level2_zh=level2,
                level3_zh=l3,
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

_EMPTY_DECLARED = re.compile(r"无此项内容|空表列示|此表为空|本表无数据|无政府采购")


def _procurement(section: Section, out: ExtractedDocument) -> None:
    record = next(s for s in out.sections if s.section_key == "procurement")
    empty_note = next((p for p in section.paragraphs() if _EMPTY_DECLARED.search(p.text)), None)
    for table in section.tables():
        header = max(
            (r for r, row in enumerate(table.rows) if any(c.text == "合计" for c in row)), default=None
        )
        if header is None:
            continue
        for row in table.rows[header + 1 :]:
            texts = [c.text for c in row]
            if not any(texts):
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
                    unit_price_yuan=cell_amount(texts[6]),
                    amount_yuan=cell_amount(texts[7]),
                    src=_cell_src(table, row[0]),
                )
            )
    if empty_note and not out.procurement_items:
        record.status, record.note_zh, record.src = (
            "declared_empty",
            empty_note.text,
            Source(line=empty_note.line),
        )


_ASSET_ROW = re.compile(r"^(?P<no>\d+)\s*[、.．]\s*(?P<cls>[^（(]+?)\s*(?:[（(](?P<unit>[^）)]+)[）)])?$")
_DATE_RE = re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日")


def _assets(section: Section, out: ExtractedDocument) -> None:
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
        unit = "万元" if any("万元" in c.text for row in table.rows for c in row) else "元"
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
