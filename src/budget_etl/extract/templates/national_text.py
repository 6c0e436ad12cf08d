"""The narrative of the national table set: figures a disclosure states only in its sentences, and tables it
declares empty.

* Figures in a sentence (``TEXT_FIGURES``, ``THREE_PUBLIC_TEXT``, ``REVENUE_TEXT``): a label, a closed set of
  filler words, the amount with its unit (机关运行经费预算为229.43万元, 公务用车购置费0万元, 涉及项目预算资金598.46万
  元). A table's figure always wins; where both exist the text's is kept beside it as ``<metric>_text`` and
  checked against it (``identity.text_vs_table.<metric>``).
* Counts (``COUNT_FIGURES``): 编报绩效目标的项目共4个, 共有车辆7辆, 单价100万元（含）以上设备（不含车辆）0台（套）:
  ``StatedCount`` rows, never money.
* Declared-empty tables (注：本部门2025年无政府性基金预算财政拨款安排的预算，故本表为空表): the document states that
  the amount is nil, so it is an explicit 0 whose source is the declaring sentence. Only a declaration about
  the table's own subject counts (a 国有资本 table that says 无政府性基金 zeroes nothing), and only where no
  figure of that subject was read.

In a 决算 a sentence says which figure it gives: 年初预算 / 预算 (budget), 调整预算 (adjusted_budget), 决算
(final); a sentence without such a word gives the document's main figure. A budget's sentences about 决算
figures are not read. A sentence naming another year than the document's before its amount (2024年政府采购预算
…) gives nothing; holdings (截至2025年底共有车辆17辆) may be dated at the end of the year before.

Every pattern is linear-time: the filler is possessive, the labels are bounded alternatives.
"""

from __future__ import annotations

import re
from decimal import Decimal

from budget_etl.extract.numbers import AMOUNT, yuan
from budget_etl.facts import (
    ExtractedDocument,
    RevenueLine,
    Source,
    StatedCount,
    StatedTotal,
    ThreePublicCost,
)
from budget_etl.readers.blocks import Paragraph, ReadDocument, Table

# --- vocabulary (data) ----------------------------------------------------------------------------------

# StatedTotal metric -> the label that introduces its figure in a sentence. The table's figure wins.
TEXT_FIGURES: list[tuple[str, str]] = [
    ("operating_expense_total", r"机关运行经费(?:[（(]公用经费[）)])?"),
    # a 决算's 政府采购金额（以合同签订为准）为…: a short note in brackets may follow the label
    ("procurement_total", r"政府采购(?:预算)?(?:项目)?(?:支出)?(?:金额|总额)?(?:[（(][^（）()]{1,12}[）)])?"),
    ("three_public_total", r"[“\"]?三公[”\"]?经费"),
]

# 三公 category -> its label in a sentence. The combined vehicle item comes before its parts: its label
# contains neither part's (公务用车购置及运行费 is no 公务用车购置费 followed by filler).
THREE_PUBLIC_TEXT: list[tuple[str, str]] = [
    ("vehicle_purchase_and_operation", r"公务(?:用)?车(?:辆)?购置(?:及|和)运行(?:维护)?费(?:用)?"),
    ("overseas_travel", r"因公出国[（(]境[）)](?:费用?|经费)"),
    ("vehicle_purchase", r"公务(?:用)?车(?:辆)?购置(?:费用?)?"),
    ("vehicle_operation", r"公务(?:用)?车(?:用车)?运行(?:维护)?费(?:用)?"),
    ("official_reception", r"公务接待费(?:用)?"),
]
THREE_PUBLIC_NAMES = {"overseas_travel": "因公出国（境）费", "vehicle_purchase": "公务用车购置费",
                      "vehicle_operation": "公务用车运行维护费", "official_reception": "公务接待费",
                      "vehicle_purchase_and_operation": "公务用车购置及运行维护费"}

# A 三公 item the text declares nil (2018年无公务用车购置预算安排; 因公出国（境）经费未安排): an explicit 0.
_NIL_BEFORE = r"(?:无|没有)"
_NIL_AFTER = r"(?:预算|经费)?(?:安排|支出)"

# Revenue source -> its label in a sentence (2.政府性基金预算拨款收入0万元): a stated zero where the 收支总表
# leaves the row blank.
REVENUE_TEXT: list[tuple[str, str]] = [
    ("government_fund", r"政府性基金(?:预算)?(?:财政)?(?:拨款)?收入"),
]

# Words that may stand between a label and its amount. 年初预算 / 调整预算 / 预算 / 决算 also say which figure
# it is (MEASURE_WORDS); a year among them must be the document's.
_YEAR = r"(?:19|20)\d{2}年(?:度)?"
_FILLER = (rf"(?:{_YEAR}|年初预算|调整预算|预算安排|预算|决算|总额|总金额|总计|合计|为|是|共有|共计|共|安排|本年|"
           r"支出|财政拨款|拨款|数|[:：\s])*+")
MEASURE_WORDS: list[tuple[str, str]] = [
    (r"年初预算", "budget"),
    (r"调整预算", "adjusted_budget"),
    (r"决算", "final"),
    (r"预算", "budget"),
]
# A second figure of the same label right after the first: 年初预算为0.95万元，支出决算为0.00万元.
_NEXT_MEASURE = re.compile(rf"[，,](?:支出)?(?P<word>年初预算|调整预算|预算|决算)数?(?:为|是)?{AMOUNT}")

# The funds of the projects with performance targets: the sentence must speak of performance targets.
PERFORMANCE_CONTEXT = re.compile(r"绩效目标|绩效管理")
PERFORMANCE_FUNDS = re.compile(
    rf"涉及(?:当年)?(?:项目)?(?P<word>预算|财政性)?(?:资金|金额)(?:合计|总额)?(?:为|共)?{AMOUNT}"
)

# Count metric -> patterns stating it (the count in group ``n``; equipment: its threshold in ``threshold``),
# and whether the count is a holding dated at a year's end (截至2024年12月31日), which may name the year before.
_UNIT_SET = r"(?:[（(]套[）)]|/套)?"
COUNT_FIGURES: list[tuple[str, re.Pattern, bool]] = [
    ("performance_projects", re.compile(r"编报绩效目标的(?:(?:19|20)\d{2}年度?)?项目(?:共|数)?(?:为)?(?P<n>\d{1,6})个"),
     False),
    ("performance_projects", re.compile(r"(?<!\d)(?P<n>\d{1,6})个项目(?:实行|纳入|编报|设置)?绩效目标"), False),
    # all the vehicles: 共有车辆 or 车辆 opening a clause or list item, never a kind (执法执勤车辆5辆)
    ("vehicles", re.compile(r"(?:共有|实有|现有|^|(?<=[，,：:]))车辆(?:共)?(?P<n>\d{1,6})(?:辆|台)"), True),
    ("equipment_over_threshold", re.compile(
        r"单(?:价|位价值)(?P<threshold>\d{1,6}(?:\.\d{1,2})?)万元?(?:[（(]含[）)])?以上的?(?:通用)?设备"
        rf"(?:[（(]不含车辆[）)])?(?P<n>\d{{1,6}})台{_UNIT_SET}"), True),
]
# A holding is stated before any purchase in its paragraph: 2026年预算安排购置车辆0辆 is a plan, not a holding.
_PURCHASE = re.compile(r"购置|购买|采购|新增")

# Subjects a declaration may name; a declaration counts for a table when it names the table's own subject
# or none at all (此表为空).
DECLARATION_SUBJECTS: dict[str, str] = {
    "government_fund": r"政府性基金",
    "state_capital": r"国有资本",
    "three_public": r"三公",
    "operating_expense": r"机关运行经费",
    "procurement": r"政府采购",
}
# A sentence of the narrative that declares the office has no government-fund money at all (本部门无政府性基金
# 预算收支；…2024年度无政府性基金预算财政拨款收入和支出；本单位2026年度没有使用政府性基金预算拨款安排的支出).
# The subject (本部门/本单位, or the year) is required: "无政府性基金预算财政拨款收入支出的，仍保留该表格式" is an
# instruction of a template, not a declaration.
# A sentence about a table (故本表为空表) is that table's note, read with its table only: the note under a
# 国有资本 table that says 无政府性基金 declares nothing about the fund.
TABLE_NOTE = re.compile(r"[本此该]表")
FUND_DECLARATION = re.compile(
    rf"(?:本(?:部门|单位)(?:{_YEAR})?|{_YEAR})(?:无|没有)(?:使用)?政府性基金预算?(?:财政)?(?:拨款)?(?:相关)?(?:安排的)?"
    r"(?:收支|收入|支出|预算|拨款)(?!的，)"
)

_ORDINAL = r"(?:[（(][一二三四五六七八九十\d]{1,3}[）)]|[一二三四五六七八九十\d]{1,3}[、.．])"
_HEADING = re.compile(rf"^{_ORDINAL}[^\d，,:：]{{1,20}}$")  # a clause that is only a heading: （一）因公出国（境）费用


def _key(text: str) -> str:
    return re.sub(r"\s+", "", text)


# --- sentences ----------------------------------------------------------------------------------------------


class Clause:
    """A clause of the narrative (text between 。 ； ;) without spaces, with the paragraph it stands in."""

    def __init__(self, heading: str, body: str, paragraph: Paragraph, before: str):
        self.text = heading + body  # a heading-only clause before it is part of it (its label)
        self.body = body
        self.paragraph = paragraph
        self.before = before  # the paragraph's text before this clause

    @property
    def src(self) -> Source:
        return Source(line=self.paragraph.line, page=self.paragraph.page)


def clauses(doc: ReadDocument) -> list[Clause]:
    """The clauses of every paragraph; a clause that is only a heading (（一）因公出国（境）费用。2026年预算数
    173.52万元) is joined to the clause after it, also across paragraphs."""
    out: list[Clause] = []
    heading = ""
    for p in doc.paragraphs():
        text = _key(p.text)
        start = 0
        for part in re.split(r"(?<=[。；;])", text):
            if not part:
                continue
            body = part.rstrip("。；;")
            if _HEADING.match(body) and len(body) <= 24:
                heading = body
            else:
                out.append(Clause(heading, body, p, text[:start]))
                heading = ""
            start += len(part)
    return out


def _measure(words: str | None) -> str | None:
    """The figure a sentence's words name (None: the document's main figure)."""
    if not words:
        return None
    found = [(m.start(), measure) for pattern, measure in MEASURE_WORDS for m in re.finditer(pattern, words)]
    # the last word before the amount names it; 年初预算 wins over the 预算 inside it
    return max(found, key=lambda f: (f[0], f[1] != "budget"))[1] if found else None


def _other_year(text: str, year: int, allowed: set[int] | None = None) -> bool:
    years = {int(y) for y in re.findall(r"((?:19|20)\d{2})年", text)}
    return bool(years - (allowed or {year}))


def _figures(clause: Clause, label: str, out: ExtractedDocument) -> list[tuple[Decimal, str | None, str]]:
    """(yuan, measure, words) of the first statement of ``label`` in a clause: one figure, or two of different
    measures (年初预算为…，支出决算为…). Nothing when the clause names another year before the amount, or a
    figure this kind of document does not hold (a budget's 决算)."""
    m = re.search(rf"(?:{label})(?P<filler>{_FILLER}){AMOUNT}", clause.text)
    if not m or _other_year(clause.text[: m.start("number")], out.info.fiscal_year):
        return []
    found = [(yuan(m["number"], m["unit"]), _measure(m["filler"]), m[0])]
    following = _NEXT_MEASURE.match(clause.text, m.end())
    if following:
        found.append((yuan(following["number"], following["unit"]), _measure(following["word"]),
                      m[0] + following[0]))
    return [(amount, measure, words) for amount, measure, words in _main_or_own(found, out)]


def _nil(clause: Clause, label: str, out: ExtractedDocument) -> list[tuple[Decimal, str | None, str]]:
    """A zero for a label the clause declares nil (无公务用车购置预算安排, 因公出国（境）经费未安排, 公务用车购置为0:
    zero in any unit), of this year."""
    m = re.search(rf"{_NIL_BEFORE}(?:{label}){_NIL_AFTER}|(?:{label})(?:未安排|(?:预算)?为0(?![\d.]))", clause.text)
    if not m or _other_year(clause.text[: m.end()], out.info.fiscal_year):
        return []
    return [(Decimal(0), None, m[0])]


def _main_or_own(found, out: ExtractedDocument):
    """A budget holds its own figures only; a 决算 every measure. The main measure is left None (the template's
    convention: fill_main_measure sets it)."""
    for amount, measure, words in found:
        if out.info.doc_kind == "budget" and measure not in (None, "budget"):
            continue
        yield amount, (None if measure == _main(out) else measure), words


def _main(out: ExtractedDocument) -> str:
    return "budget" if out.info.doc_kind == "budget" else "final"


def _same_measure(out: ExtractedDocument, record, measure: str | None) -> bool:
    """Whether a record is of ``measure`` (None, as a template leaves it: the document's main figure)."""
    return (record.measure or _main(out)) == (measure or _main(out))


# --- the readings -------------------------------------------------------------------------------------------


def read_narrative(doc: ReadDocument, by_kind: dict, out: ExtractedDocument) -> None:
    """Every narrative reading, after the tables have been read (their figures win)."""
    parts = clauses(doc)
    text_figures(parts, out)
    performance_funds(parts, out)
    three_public_items(parts, out)
    revenue_figures(parts, out)
    stated_counts(parts, out)
    declared_empty(doc, by_kind, parts, out)


def _text_or_table(out: ExtractedDocument, metric: str, found: StatedTotal) -> None:
    """The text's figure fills in where the tables gave none; else it is kept beside the table's as
    ``<metric>_text`` for the text-vs-table check."""
    if out.total(metric, found.measure or _main(out)) is None:
        out.stated_totals.append(found)
    else:
        found.metric = f"{metric}_text"
        out.stated_totals.append(found)


def text_figures(parts: list[Clause], out: ExtractedDocument) -> None:
    """TEXT_FIGURES: the first sentence stating each of this year's figures (per measure). A sentence naming
    another year before the amount (2025年机关运行经费…) or a part (政府采购货物预算) does not match."""
    found: dict[tuple[str, str | None], StatedTotal] = {}
    for clause in parts:
        for metric, label in TEXT_FIGURES:
            for amount, measure, words in _figures(clause, label, out):
                found.setdefault((metric, measure), StatedTotal(metric, words, amount, clause.src, measure))
    for record in found.values():
        _text_or_table(out, record.metric, record)


def performance_funds(parts: list[Clause], out: ExtractedDocument) -> None:
    """涉及项目预算资金598.46万元 in a sentence about performance targets: the funds of the projects that have
    them (the budget of those projects: in a 决算 too, measure budget)."""
    for clause in parts:
        m = PERFORMANCE_FUNDS.search(clause.text)
        if not m or not PERFORMANCE_CONTEXT.search(clause.text):
            continue
        if _other_year(clause.text[: m.start("number")], out.info.fiscal_year):
            continue
        measure = None if out.info.doc_kind == "budget" else "budget"
        _text_or_table(out, "performance_funds",
                       StatedTotal("performance_funds", m[0], yuan(m["number"], m["unit"]), clause.src, measure))
        return


def three_public_items(parts: list[Clause], out: ExtractedDocument) -> None:
    """Each 三公 item the text states. Where the table gave the item, the text's is kept as
    ``<category>_text`` for the check; where the table left it blank, the text's is the item (``_may_add_items``
    says when). The combined vehicle item is added only where no part of it is known, so that the items never
    count a figure twice."""
    found: dict[tuple[str, str | None], ThreePublicCost] = {}
    words: dict[tuple[str, str | None], str] = {}
    for clause in parts:
        for category, label in THREE_PUBLIC_TEXT:
            for amount, measure, said in _figures(clause, label, out) or _nil(clause, label, out):
                if (category, measure) not in found:
                    words[category, measure] = said
                    found[category, measure] = ThreePublicCost(
                        category, THREE_PUBLIC_NAMES[category], amount, None, None, None, clause.src, measure)
    for (category, measure), item in found.items():
        in_table = [c for c in out.three_public_costs if c.category == category and _same_measure(out, c, measure)]
        if in_table:
            out.stated_totals.append(StatedTotal(f"{category}_text", words[category, measure], item.amount_yuan,
                                                 item.src, measure))
            continue
        if not _may_add_items(out, found, measure):
            continue
        if category == "vehicle_purchase_and_operation":
            parts_known = [c for c in out.three_public_costs if _same_measure(out, c, measure)
                           and c.category in ("vehicle_purchase", "vehicle_operation")]
            if parts_known or any(k[0] in ("vehicle_purchase", "vehicle_operation") and k[1] == measure for k in found):
                continue
        elif category in ("vehicle_purchase", "vehicle_operation") and any(
                c.category == "vehicle_purchase_and_operation" and _same_measure(out, c, measure)
                for c in out.three_public_costs):
            continue  # the table gave the combined item: a part from the text would count it twice
        out.three_public_costs.append(item)


def _may_add_items(out: ExtractedDocument, found: dict, measure: str | None) -> bool:
    """Items may join the 三公 facts only where the marts never sum them into a wrong total: beside a stated
    三公 total (table or text), or when with the table's they name every category (then their sum is the
    total)."""
    if out.total("three_public_total", measure or _main(out)) is not None:
        return True
    known = {c.category for c in out.three_public_costs if _same_measure(out, c, measure)}
    known |= {category for category, of in found if of == measure}
    vehicles = {"vehicle_purchase", "vehicle_operation"} <= known or "vehicle_purchase_and_operation" in known
    return vehicles and {"overseas_travel", "official_reception"} <= known


def revenue_figures(parts: list[Clause], out: ExtractedDocument) -> None:
    """REVENUE_TEXT: a revenue source the text states (2.政府性基金预算拨款收入0万元), where the tables gave
    none, and only beside a stated 收入总计: the revenue lines never stand in for a total they do not make."""
    if out.total("revenue_total", _main(out)) is None:
        return
    for source, label in REVENUE_TEXT:
        if any(r.revenue_source == source for r in out.revenue):
            continue
        figures = [(f, clause) for clause in parts for f in _figures(clause, label, out) if f[1] is None]
        if figures:
            (amount, _measure, words), clause = figures[0]
            out.revenue.append(RevenueLine(source, words, amount, clause.src))


def stated_counts(parts: list[Clause], out: ExtractedDocument) -> None:
    """COUNT_FIGURES: the first statement of each count. A holding (车辆, 设备) is read where no purchase is
    spoken of before it in its paragraph, dated this year or the year before; a project count in a sentence
    naming this year only."""
    year = out.info.fiscal_year
    done: set[str] = set()
    for clause in parts:
        for metric, pattern, holding in COUNT_FIGURES:
            if metric in done:
                continue
            m = pattern.search(clause.body)  # a count has no heading for label (资产购置情况说明 is none)
            if not m:
                continue
            before = clause.body[: m.start()]
            if holding and (_PURCHASE.search(clause.before + before)
                            or _other_year(clause.before + before, year, {year - 1, year})):
                continue
            if not holding and _other_year(before, year):
                continue
            threshold = yuan(m["threshold"], "万元") if "threshold" in pattern.groupindex else None
            out.stated_counts.append(StatedCount(metric, int(m["n"]), m[0], threshold, clause.src))
            done.add(metric)


# --- tables declared empty ----------------------------------------------------------------------------------


def _declaration(doc: ReadDocument, table: Table, note: str) -> tuple[str, Source] | None:
    """The sentence holding a table's empty note and where it stands: a cell of the table, or one of the two
    paragraphs under it."""
    for row in table.rows:
        for cell in row:
            if note in _key(cell.text):
                return _key(cell.text), Source(line=cell.line, table=table.index, row=cell.row, col=cell.col,
                                               page=cell.page)
    blocks = doc.blocks
    at = next(i for i, b in enumerate(blocks) if b is table)
    for after in blocks[at + 1: at + 3]:
        if not isinstance(after, Paragraph):
            break
        if note in _key(after.text):
            return _key(after.text), Source(line=after.line, page=after.page)
    return None


def _about(sentence: str, subject: str) -> bool:
    """A declaration counts for a subject when it names it, or names no subject at all."""
    named = {key for key, pattern in DECLARATION_SUBJECTS.items() if re.search(pattern, sentence)}
    return subject in named or not named


def _empty_table(doc: ReadDocument, by_kind: dict, kind: str) -> tuple[str, Source] | None:
    """The declaration of the first table of ``kind`` (national_tables.Titled), when it declares itself empty."""
    tables = by_kind.get(kind, [])
    if not tables or not tables[0].declared_empty:
        return None
    found = _declaration(doc, tables[0].table, tables[0].empty_note)
    return found if found and _about(found[0], kind) else None


def declared_empty(doc: ReadDocument, by_kind: dict, parts: list[Clause], out: ExtractedDocument) -> None:
    """A table (or the narrative) that declares its subject nil gives that subject's figures as explicit
    zeros, sourced at the declaration, where nothing else was read for it: the government-fund appropriation
    (政府性基金预算支出表 为空表; 本部门无政府性基金预算收支) and the 三公 items and total (本年度没有财政拨款“三公”经费
    支出，故本表无数据)."""
    zero = Decimal(0)
    # a revenue line only beside a stated 收入总计 (revenue_figures says why)
    if (out.total("revenue_total", _main(out)) is not None
            and not any(r.revenue_source == "government_fund" for r in out.revenue)):
        found = _empty_table(doc, by_kind, "government_fund")
        if found is None:
            found = next(((c.body, c.src) for c in parts if FUND_DECLARATION.search(c.body)
                          and not TABLE_NOTE.search(c.body) and not _other_year(c.body, out.info.fiscal_year)), None)
        if found is not None:
            out.revenue.append(RevenueLine("government_fund", found[0][:200], zero, found[1]))
    if out.total("three_public_total") is None and not out.three_public_costs:
        found = _empty_table(doc, by_kind, "three_public")
        if found is not None:
            sentence, src = found
            out.stated_totals.append(StatedTotal("three_public_total", sentence[:200], zero, src))
            for category in ("overseas_travel", "vehicle_purchase", "vehicle_operation", "official_reception"):
                out.three_public_costs.append(ThreePublicCost(category, THREE_PUBLIC_NAMES[category], zero, None, None,
                                                              None, src))
