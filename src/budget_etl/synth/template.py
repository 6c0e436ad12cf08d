"""Lays a ``Doc`` out as the real template does: a list of items that both renderers write.

Items: ``("p", text, tc)`` a paragraph (``tc``: a Word TC field code that follows the text, or None),
``("blank",)`` an empty line of the txt file (docx has no empty paragraphs), ``("table", rows)`` a table whose
rows are lists of cells, a cell holding ``\\n`` between its lines. Wording, order, indentation and blank
lines follow ``ingest/documents/xiguan_2020_budget.txt``; formatting quirks are applied at ``QUIRK_RATES``
and recorded in ``doc.quirks``.
"""

from __future__ import annotations

import random
from decimal import Decimal

from budget_etl.synth.model import MARKER, Doc
from budget_etl.synth.pools import SEGMENTS

# Known rates of the real document's formatting quirks.
QUIRK_RATES = {
    "space_in_amount": 0.02,  # per prose amount with fen: 787. 50
    "thousands_separator": 0.03,  # per prose amount of 10,000 or more: 1,040,000.00
    "fullwidth_digits": 0.02,  # per prose amount: ３５６６８９４.１９
    "stray_comma_before_change": 0.3,  # per non-zero 三公 item change: 与上年增加，41.5元
    "tc_field_codes": 0.7,  # per document: TC field codes after every project table title
}
_CN = "零一二三四五六七八九"
_FULLWIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")


def cn_number(k: int) -> str:
    """1..99 in Chinese numerals: 十二, 十五, 二十一."""
    tens, ones = divmod(k, 10)
    return (("" if tens == 1 else _CN[tens]) + "十" if tens else "") + (_CN[ones] if ones or not tens else "")


class Layout:
    def __init__(self, doc: Doc, rng: random.Random, rates: dict[str, float] | None = None):
        self.doc, self.rng, self.rates = doc, rng, {**QUIRK_RATES, **(rates or {})}
        self.items: list[tuple] = []

    def p(self, text: str, tc: str | None = None) -> None:
        self.items.append(("p", text, tc))

    def blank(self, count: int = 1) -> None:
        self.items.extend([("blank",)] * count)

    def table(self, rows: list[list[str]]) -> None:
        self.items.append(("table", rows))

    def quirk(self, kind: str, text: str) -> None:
        self.doc.quirks.append({"kind": kind, "text": text})

    def amount(self, value: Decimal) -> str:
        """A prose amount as offices write it: 12290, 12290.00, 9014.10, 41.5; now and then a quirk."""
        r, rates = self.rng, self.rates
        text = f"{value:.2f}"
        if value == value.to_integral() and r.random() < 0.5:
            text = f"{value:.0f}"
        elif value != value.to_integral() and text.endswith("0") and r.random() < 0.1:
            text = text[:-1]
        whole, _, fen = text.partition(".")
        if value >= 10000 and r.random() < rates["thousands_separator"]:
            text = f"{int(whole):,}" + (f".{fen}" if fen else "")
            self.quirk("thousands_separator", text)
        elif len(fen) == 2 and r.random() < rates["space_in_amount"]:
            text = f"{whole}. {fen}"
            self.quirk("space_in_amount", text)
        elif r.random() < rates["fullwidth_digits"]:
            text = text.translate(_FULLWIDTH)
            self.quirk("fullwidth_digits", text)
        return text

    def colon(self) -> str:
        return self.rng.choice([":", ":", "："])


def lay_out(doc: Doc, rng: random.Random, rates: dict[str, float] | None = None) -> list[tuple]:
    lay = Layout(doc, rng, rates)
    o, year = doc.office, doc.year
    lay.p(doc.title)
    lay.blank()
    lay.p(MARKER)
    lay.blank()
    lay.p(f"    按照《中华人民共和国预算法》、《地方预决算公开操作规程》和《{o.province}省级预算公开办法》"
          f"规定，现将{o.name}部门{year}年部门预算公开如下：")
    lay.blank()
    _duties_section(lay)
    _overview(lay)
    _operating_and_three_public(lay)
    _performance(lay)
    _procurement(lay)
    _assets(lay)
    _glossary(lay)
    return lay.items


def _duty_intro(lay: Layout) -> str:
    count = cn_number(len(lay.doc.duties))
    return f"本年度{lay.doc.office.name}部门职责共分{count}项，下面就这{count}项职责分别说明："


def _indent(lay: Layout) -> str:
    return "    " if lay.rng.random() < 0.15 else ""


def _duties_section(lay: Layout) -> None:
    lay.p("    一、部门职责及机构设置情况")
    lay.blank()
    lay.p("部门职责：")
    lay.blank()
    lay.p(_duty_intro(lay))
    lay.blank()
    for i, d in enumerate(lay.doc.duties, 1):
        for text in (f"{i}、{d.name}", f"{_indent(lay)}主要职责是{d.responsibility}",
                     f"职责目标{lay.colon()}{d.targets}"):
            lay.p(text)
            lay.blank()
    lay.p("机构设置：")
    lay.blank()
    lay.p("部门机构设置情况")


def _overview(lay: Layout) -> None:
    doc, a = lay.doc, lay.amount
    year, name = doc.year, doc.office.name
    rev = doc.revenue
    lay.p("     二、部门预算安排的总体情况")
    lay.blank()
    lay.p("    按照预算管理有关规定，目前我区部门预算的编制实行综合预算制度，即全部收入和支出都反映在预算中。"
          f"{name}机关及所属事业单位的收支包含在部门预算中。")
    lay.blank()
    lay.p("    1、收入说明")
    lay.p(f"反映本部门当年全部收入。{year}年预算收入为{a(rev['total'])}元，其中：一般公共预算收入"
          f"{a(rev['general_public_budget'])}元，基金预算收入{a(rev['government_fund'])}元，财政专户核拨收入"
          f"{a(rev['fiscal_special_account'])}元，其他来源收入{a(rev['other'])}元。")
    lay.blank()
    lay.p("    2、支出说明")
    works = "、".join(f"{_segment_name(s)}工作" for s in doc.segments)
    lay.p("   收支预算总表支出栏、基本支出表、项目支出表按经济分类和支出功能分类科目编制，"
          f"反映{name}年度部门预算中支出预算的总体情况。{year}年预算支出为{a(doc.total)}元，其中：基本支出{a(doc.basic)}元，主要是人员经费"
          f"{a(doc.personnel)}元和日常公用经费{a(doc.public_operating)}元；项目支出{a(doc.project_total)}元，主要为"
          f"{works}，例如{_segment_name(doc.example_segment)}项目安排{a(doc.example_amount)}元。")
    lay.blank()
    lay.p("    3、比上年增减情况")
    lay.blank()
    total = _change(lay, doc.change_total, f"较{year - 1}年预算", "与上年")
    basic = _change(lay, doc.change_basic, "基本支出", "基本支出与上年")
    project = _change(lay, doc.change_project, "项目支出", "项目支出与上年")
    basic_reason = f"，{doc.basic_reason}" if doc.change_basic else ""
    project_reason = f"，{doc.project_reason}" if doc.change_project and doc.project_reason else ""
    lay.p(f"    {year}年预算支出安排{a(doc.total)}元，{total}，其中："
          f"{basic}{basic_reason}；{project}{project_reason}。")
    lay.blank()


def _segment_name(segment: str) -> str:
    return SEGMENTS[segment]


def _change(lay: Layout, change: Decimal, label: str, flat_label: str) -> str:
    if not change:
        return f"{flat_label}持平"
    return f"{label}{'增加' if change > 0 else '减少'}{lay.amount(abs(change))}元"


def _operating_and_three_public(lay: Layout) -> None:
    doc, a = lay.doc, lay.amount
    lay.p("    三、机关运行经费安排情况")
    lay.blank()
    items = "、".join(f"{name}{a(amount)}元" for name, amount in doc.op_items)
    lay.p(f"机关运行经费共计安排{a(doc.op_total)}元，主要用于{items}等日常运行支出。  ")
    lay.p("四、财政拨款“三公”经费预算情况及增减变化原因")
    lay.blank()
    if doc.tp_change:
        word = "增加" if doc.tp_change > 0 else "减少"
        head = f"与上年{word}，较上年{word}{a(abs(doc.tp_change))}元"
    else:
        head = "与上年持平"
    clauses = []
    for t in doc.tp_items:
        if t.change:
            comma = ""
            if lay.rng.random() < lay.rates["stray_comma_before_change"]:
                comma = "，"
            change = f"与上年{'增加' if t.change > 0 else '减少'}{comma}{a(abs(t.change))}元"
            if comma:
                lay.quirk("stray_comma_before_change", change)
        else:
            change = "与上年持平"
        clauses.append(f"{t.category}{a(t.amount)}元，{change}，主要是{t.reason}")
    lay.p(f"{doc.year}年，我部门财政拨款“三公”经费预算安排{a(doc.tp_total)}元，{head}。其中：{'；'.join(clauses)}。")
    lay.blank()


def _grading(d) -> str:
    grades = zip(d.grading, "优良中差", strict=True)
    if d.standard_names_label:
        return "；".join(f"达到{d.standard_label}{pct}%的为{g}" for pct, g in grades) + "。"
    return "；".join(f"各项指标完成率达{pct}%的为{g}" for pct, g in grades) + "。"


def _performance(lay: Layout) -> None:
    doc = lay.doc
    lay.p("五、绩效预算信息")
    lay.blank()
    lay.p("    第一部分 部门整体绩效目标")
    lay.blank()
    lay.p("（一）总体绩效目标：")
    lay.p(f"    {doc.overall_goal}")
    lay.blank()
    lay.p("（二）分项绩效目标：")
    lay.p(_duty_intro(lay))
    lay.blank()
    for i, d in enumerate(doc.duties, 1):
        targets, goal = f"职责目标{lay.colon()}{d.targets}", f"绩效目标{lay.colon()}{d.goal}"
        middle = [goal, targets] if d.goal_first else [targets, goal]
        for text in (f"{i}、{d.name}", f"{_indent(lay)}主要职责是{d.responsibility}", *middle,
                     f"绩效指标{lay.colon()}{d.indicators}", f"绩效标准：{_grading(d)}"):
            lay.p(text)
            lay.blank()
    lay.p("（三）工作保障措施：")
    for title, text in doc.measures:
        lay.p(title)
        lay.blank()
        lay.p(text)
        lay.blank()
    lay.p("第二部分  预算项目绩效目标")
    lay.blank()
    tc = lay.rng.random() < lay.rates["tc_field_codes"]
    if tc:
        lay.quirk("tc_field_codes", "TC … \\f C \\l 1 after every project table title")
    o = doc.office
    for k, p in enumerate(doc.projects, 1):
        title = f"{k}、{p.name}绩效目标表"
        lay.p(title, tc=f"TC {title} \\f C \\l 1" if tc else None)
        plan = [f"{pct}.00" for pct in p.spend_plan]
        rows = [
            [f"{o.unit_code}{o.unit_full_name}", "单位：元"],
            ["项目编码", p.code, "项目名称", p.name],
            ["预算规模及资金用途", "预算数", f"{p.budget:.2f}", "其中：财政资金", f"{p.fiscal:.2f}",
             "其他资金", "" if p.other is None else f"{p.other:.2f}"],
            ["", p.purpose],
            ["资金支出计划（%）", "3月底", "6月底", "10月底", "12月底"],
            ["", *plan],
            ["绩效目标", "\n".join(f"{i}、{g}" for i, g in enumerate(p.goals, 1))],
            None,  # the indicator rows follow after an extra blank line in txt, in the same table
            ["一级指标", "二级指标", "三级指标", "绩效指标描述", "指标值", "指标值确定依据"],
        ]
        previous = (None, None)
        for ind in p.indicators:
            level1 = "" if ind.level1 == previous[0] else ind.level1
            level2 = "" if (ind.level1, ind.level2) == previous else ind.level2
            previous = (ind.level1, ind.level2)
            rows.append([level1, level2, ind.level3, ind.description, ind.target_raw, ind.basis])
        lay.table(rows)


def _procurement(lay: Layout) -> None:
    doc = lay.doc
    lay.p("六、政府采购预算情况")
    lay.blank()
    lay.p(f"{doc.year}年，我部门安排政府采购预算具体内容见下表。")
    lay.blank()
    lay.p("   部门政府采购预算")
    lay.blank()
    rows = [
        ["", "单位：元"],
        ["政府采购项目来源", "采购物品名称", "政府采购目录序号", "数量  单位", "数量", "单价",
         "政府采购金额"],
        ["项目名称", "预算资金", "", "", "", "", "", "总计", "当年部门预算安排资金", "其他渠道资金"],
        [""] * 8 + ["合计", "一般公共预算拨款", "基金预算拨款", "财政专户核拨", "其他来源收入", ""],
    ]
    for r in doc.procurement:
        amount = f"{r.amount:.2f}"
        rows.append([r.project_name, "", r.item, r.catalog_no, r.unit, str(r.quantity), f"{r.unit_price:.2f}",
                     amount, amount, amount, "", "", "", ""])
    if not doc.procurement:
        rows += [[""] * 14] * 3
    lay.table(rows)
    if not doc.procurement:
        lay.p("无此项内容，空表列示。")


def _assets(lay: Layout) -> None:
    doc = lay.doc
    lay.p("七、国有资产信息")
    lay.blank()
    lay.p(f"截至上年末，我单位固定资产总额{lay.amount(doc.assets_total)}元，本年度无新增固定资产预算。具体情况如下：")
    lay.blank()
    rows = [
        ["部门固定资产占用情况表"],
        [f"编制部门：{doc.office.street}街道办事处", f"截止时间：{doc.year - 1}年12月31日  "],
        ["项   目", "数量", "价值（金额单位：元）"],
        ["资产总额", "", f"{doc.assets_total:.2f}"],
    ]
    for no, a in zip((1, 2, 3, 5), doc.assets, strict=True):
        if no == 5:
            rows.append(["4、……………", "", ""])
        label = f"{no}、{a.label}" + (f"（{a.unit}）" if a.unit else "")
        quantity = "" if a.quantity is None else f"{a.quantity:f}"
        rows.append([label, quantity, "" if a.value is None else f"{a.value:.2f}"])
    lay.table(rows)


def _glossary(lay: Layout) -> None:
    lay.p("八、名词解释")
    lay.blank()
    for i, (term, definition) in enumerate(lay.doc.glossary, 1):
        lay.p(f"{'    ' if i < 7 else ''}{i}、{term}：{definition}")
        lay.blank()
    lay.p("    九、其他需要说明的事项")
    lay.p("无其他需要说明的事项。")
