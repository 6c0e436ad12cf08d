"""Rules of the text (rulebook.py declares them): a stated change's direction and its rate against its figures, a
stated share against its amount and whole, a 决算's relation of final to budget figures, years in the headings,
empty-table notes against their tables, and format slips (doubled punctuation, doubled words, percentages with
more than 2 decimals, a 收入支出总计 of zero). They read the
document's normalised text (both forms: the notes form and the national table set, whose tables the PDF reader
renders as tab-indented cell lines), one row per rule and document, passes included. A blank is never a zero:
a figure the sentence does not give is not compared.

Every regex here is linear: bounded gaps, possessive number runs (extract/numbers.py)."""

from __future__ import annotations

import bisect
import re
from decimal import Decimal

from budget_etl.catalog import vocab
from budget_etl.catalog.identities import ROUNDING_YUAN
from budget_etl.extract.empty import DECLARED_EMPTY
from budget_etl.extract.numbers import AMOUNT, NUMBER, UNIT_SCALE, NumberFormatError, amount, to_decimal
from budget_etl.facts import FACT_TABLES, ExtractedDocument, Source
from budget_etl.validate.rulebook import rule_of

_SHOWN = 5  # findings a failed row names in its detail
HUNDRED = Decimal(100)

# --- change.direction -------------------------------------------------------------------------------------

_UP, _DOWN, _FLAT, _ROUGHLY_FLAT = "up", "down", "flat", "roughly_flat"
_DIRECTION = {"增加": _UP, "增长": _UP, "上升": _UP, "提高": _UP, "减少": _DOWN, "下降": _DOWN, "降低": _DOWN,
              "持平": _FLAT, "基本持平": _ROUGHLY_FLAT}
_DIR_WORDS = "基本持平|持平|增加|增长|上升|提高|减少|下降|降低"
# 基本持平 ("about the same") tolerates a change of less than 1% of last year's amount: the usage of official
# statistics, where a rate that rounds to 0.x% is written 基本持平; 持平 tolerates only the rounding of the figures.
ROUGHLY_FLAT_SHARE = Decimal("0.01")
# The comparison a change is stated against: 比上年 / 较上年度 / 与上年相比 / 比2025年年初预算数 30385.62万元 /
# 较2019年预算: the marker, up to 12 words naming last year's figure, maybe that figure, then the direction and
# maybe the amount of the change.
_CHANGE = re.compile(
    rf"(?:与|较|比|同)\s*(?:上一?年度?|\d{{4}}\s*年)[^\d，,。；;:：%]{{0,12}}?"
    rf"(?:(?P<prior>{AMOUNT.replace('?P<number>', '?P<pn>').replace('?P<unit>', '?P<pu>')}))?"
    rf"\s*(?:相比|比较)?[，,]?\s*(?P<dir>{_DIR_WORDS})了?(?P<open>[（(](?:{_DIR_WORDS})[）)])?"
    rf"[，,]?\s*(?:{AMOUNT})?(?:[，,]\s*(?P<dir2>{_DIR_WORDS})\s*{NUMBER}\s*%)?")
_AMOUNT_RE = re.compile(AMOUNT)


# The comparison a stated change or rate opens with (_CHANGE, _RATE), within a line: a line without one holds
# neither, and is not read clause by clause.
_COMPARED = re.compile(r"(?:与|较|比|同)[^\S\n]*(?:上一?年度?|\d{4}[^\S\n]*年)")
_CLAUSE_END = re.compile(r"[。；;]")


def _lines_with(pattern: re.Pattern, text: str):
    """(line number, line) of each line of the text in which ``pattern`` (which never spans lines) matches, in
    order: the regex engine finds them in one pass, instead of a Python call for every line of the text."""
    number, counted, position = 1, 0, 0
    while (m := pattern.search(text, position)) is not None:
        start = text.rfind("\n", 0, m.start()) + 1
        end = text.find("\n", m.end())
        end = len(text) if end < 0 else end
        number += text.count("\n", counted, start)
        counted = start
        yield number, text[start:end]
        position = end + 1
        if position > len(text):
            return


def _clauses(text: str):
    """(line number, clause) of every clause of the lines that hold a comparison (_COMPARED): sentences split at
    。；; within their line."""
    for number, line in _lines_with(_COMPARED, text):
        for clause in _CLAUSE_END.split(line):
            if clause.strip():
                yield number, clause


def _tolerance(*units: str) -> Decimal:
    """The rounding of figures printed in these units: half of 0.01 unit each."""
    return sum((ROUNDING_YUAN.get(u, Decimal(0)) for u in units), Decimal(0))


def _change_direction(text: str):
    checked, failed = 0, []
    for line, clause in _clauses(text):
        for m in _CHANGE.finditer(clause):
            if m["open"]:  # 增加（减少）: a template's choice left open, no direction stated
                continue
            try:
                result = _judge_change(clause, m)
            except NumberFormatError:
                continue
            if result is None:
                continue
            checked += 1
            if result[0]:
                failed.append((line, m[0], *result[1:]))
    if not checked:
        return "not_applicable", "no stated change gives its figures (last year's amount or the change)", None, {}
    if not failed:
        return "pass", f"{checked} stated change(s): each direction matches its figures", None, {}
    line, _, _, expected, actual = failed[0]
    shown = "; ".join(f"line {n}: {w!r}: {y}" for n, w, y, _, _ in failed[:_SHOWN])
    more = f"; and {len(failed) - _SHOWN} more" if len(failed) > _SHOWN else ""
    return "fail", f"{len(failed)} of {checked} stated change(s) contradict their figures: {shown}{more}", \
        Source(line=line), {"expected": expected, "actual": actual,
                            "difference": None if expected is None or actual is None else actual - expected}


def _judge_change(clause: str, m: re.Match):
    """(failed, why, change from the figures, change as stated) of one stated change; None when the sentence
    gives nothing to compare the direction with."""
    direction = _DIRECTION[m["dir"]]
    before = list(_AMOUNT_RE.finditer(clause, 0, m.start()))
    current = amount(before[-1]) if before else None
    prior = None if m["pn"] is None else to_decimal(m["pn"]) * UNIT_SCALE[m["pu"]]
    change = None if m["number"] is None else abs(amount(m))
    units = [u for u in (before[-1]["unit"] if before else None, m["pu"], m["unit"]) if u]
    tolerance = _tolerance(*units[:2]) if current is not None and prior is not None else _tolerance(*units[-1:])
    figures = current - prior if current is not None and prior is not None else None
    if figures is None and change is None:
        return None
    sign = {_UP: 1, _DOWN: -1}.get(direction, 0)
    stated = None if change is None else sign * change
    if m["dir2"] and _DIRECTION[m["dir2"]] in (_UP, _DOWN) and direction in (_UP, _DOWN) \
            and _DIRECTION[m["dir2"]] != direction:
        return True, f"{m['dir']} and {m['dir2']} in one statement", figures, stated
    if change is not None and direction in (_UP, _DOWN) and change == 0:
        return True, f"{m['dir']} by zero: the figures say 持平", Decimal(0), Decimal(0)
    if direction in (_FLAT, _ROUGHLY_FLAT) and change is not None and change > _tolerance(m["unit"]):
        return True, f"{m['dir']} yet a change of {change:f} yuan is stated", Decimal(0), change
    if figures is None:
        return False, "", None, stated
    allowed = tolerance
    if direction == _ROUGHLY_FLAT:
        allowed = max(tolerance, ROUGHLY_FLAT_SHARE * abs(prior))
    if direction in (_FLAT, _ROUGHLY_FLAT):
        if abs(figures) > allowed:
            return True, f"{m['dir']} yet the figures differ by {figures:f} yuan (allowed {allowed:f})", figures, \
                Decimal(0)
        return False, "", figures, Decimal(0)
    if sign * figures <= tolerance:
        return True, f"{m['dir']} yet this year's {current:f} against last year's {prior:f} yuan", figures, stated
    if change is not None and abs(abs(figures) - change) > tolerance + _tolerance(m["unit"]):
        return True, f"a change of {change:f} yuan stated, the figures give {figures:f}", figures, stated
    return False, "", figures, stated


# --- text.share -------------------------------------------------------------------------------------------

# 基本支出2336.91万元，占79.49% / 占本年支出预算76.76% / 占“三公”经费的8.75% / 占本年支出合计的100%
_SHARE = re.compile(
    rf"{AMOUNT}[，,]?\s*占(?P<whole>[^\d，,。；;%]{{0,16}}?)的?\s*(?P<pct>{NUMBER})\s*[%％]")
# Wholes a share may name: the words naming it after 占, the words stating its amount in the text, and the
# document's stated totals (its tables') that are that whole when the text does not state it.
_WHOLES = (
    (re.compile(r"三公"), re.compile(rf"三公[”\"]?经费(?:预算|决算)?(?:支出)?(?:合计|总额)?为?\s*{AMOUNT}"),
     ("three_public_total",)),
    (re.compile(r"^本年支出(?:合计|预算)?$|^支出(?:合计|总计)$"),
     re.compile(rf"本年支出(?:预算)?合计\s*为?\s*{AMOUNT}"), ("expenditure_this_year", "expenditure_total")),
    (re.compile(r"^本年收入(?:合计|预算)?$|^收入(?:合计|总计)$"),
     re.compile(rf"本年收入(?:预算)?合计\s*为?\s*{AMOUNT}"), ("revenue_this_year", "revenue_total")),
)
# The amount a list of shares divides: 收入预算总计X万元，其中：… / 支出2940.05万元，主要用于以下方面：…
_OF_WHICH = re.compile(rf"{AMOUNT}[，,]?\s*(?:[（(][^）)]{{0,20}}[）)])?\s*(?:其中|主要用于(?:以下方面)?)\s*[:：]")
_LIST_REACH = 300  # characters from 其中 to a share it governs, within one sentence


_NEWLINE = re.compile("\n")


def _text_share(facts: ExtractedDocument, text: str):
    checked, failed, unknown = 0, [], 0
    stated_wholes: dict[re.Pattern, list[re.Match]] = {}  # each whole's statements, the text read once
    shares = list(_SHARE.finditer(text)) if "占" in text else []  # a share names 占: no 占, no search
    newlines = [m.start() for m in _NEWLINE.finditer(text)] if shares else []

    def line_of(position: int) -> int:
        return bisect.bisect_left(newlines, position) + 1

    for m in shares:
        try:
            whole = _whole(facts, text, m, stated_wholes, line_of)
            part, stated = amount(m), to_decimal(m["pct"])
        except NumberFormatError:
            whole = None
        if whole is None or whole[0] <= whole[1]:  # the words do not tell the whole, or it is nothing
            unknown += 1
            continue
        whole_yuan, half, where = whole
        checked += 1
        half_part = _tolerance(m["unit"])
        decimals = -stated.as_tuple().exponent if "." in m["pct"] else 0
        # half of the last printed digit, plus one of it: a list of shares is printed to add up to 100%, its
        # rounding difference (尾差) put on one item
        half_pct = Decimal(15) * Decimal(10) ** (-decimals - 1)
        low = max(part - half_part, Decimal(0)) / (whole_yuan + half) * HUNDRED - half_pct
        high = (part + half_part) / (whole_yuan - half) * HUNDRED + half_pct
        if not low <= stated <= high:
            line = line_of(m.start())
            failed.append((line, m[0], whole_yuan, where, part / whole_yuan * HUNDRED, stated))
    left_out = f"; {unknown} share(s) whose whole the words do not tell left out" if unknown else ""
    if not checked:
        return "not_applicable", f"no stated share with its amount and its whole{left_out}", None, {}
    if not failed:
        return "pass", f"{checked} stated share(s) equal their amount over its whole, within the rounding of " \
                       f"the printed figures{left_out}", None, {}
    shown = "; ".join(f"line {n}: {w!r}: over {t:f} yuan ({where}) it is {c:.2f}%"
                      for n, w, t, where, c, _ in failed[:_SHOWN])
    more = f"; and {len(failed) - _SHOWN} more" if len(failed) > _SHOWN else ""
    line, _, _, _, computed, stated = failed[0]
    computed = computed.quantize(Decimal("0.01"))
    return "fail", f"{len(failed)} of {checked} stated share(s) differ from amount / whole: {shown}{more}", \
        Source(line=line), {"expected": computed, "actual": stated, "difference": stated - computed}


def _whole(facts: ExtractedDocument, text: str, m: re.Match,
           stated_wholes: dict[re.Pattern, list[re.Match]], line_of) -> tuple[Decimal, Decimal, str] | None:
    """(the whole's amount in yuan, its rounding, where it was read) a share is of, from the words: the whole
    named after 占 (its amount as the text last stated it before, else the document's stated total of that
    name), else the amount a 其中 / 主要用于 list of its sentence divides. None when the words do not tell."""
    named = re.sub(r"^比", "", m["whole"].strip(" “”\""))  # 占比79.49%: a share of the list's whole
    if named:
        for names, stated, metrics in _WHOLES:
            if names.search(named):
                if stated not in stated_wholes:
                    stated_wholes[stated] = list(stated.finditer(text))
                found = [w for w in stated_wholes[stated] if w.end() <= m.start()]
                if found:
                    return amount(found[-1]), _tolerance(found[-1]["unit"]), f"line {line_of(found[-1].start())}"
                main = vocab.MAIN_MEASURES[facts.info.doc_kind]
                for metric in metrics:
                    total = next((t for t in facts.stated_totals if t.metric == metric
                                  and t.measure in (main, None)), None)
                    if total is not None:
                        return total.amount_yuan, _tolerance(facts.info.currency_unit), \
                            f"stated {metric}, {total.src.describe()}"
                return None
        return None
    reach = max(m.start() - _LIST_REACH, 0)
    start = max(text.rfind("。", reach, m.start()) + 1, reach)
    of_which = list(_OF_WHICH.finditer(text, start, m.start()))
    if not of_which:
        return None
    return amount(of_which[-1]), _tolerance(of_which[-1]["unit"]), f"line {line_of(of_which[-1].start())}"


# --- wording.stray_year ----------------------------------------------------------------------------------

_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*(?=年(?!\d{1,2}\s*月))")
_NUMBERED = re.compile(r"^(?:[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[）)]|第[一二三四五六七八九十]{1,3}部分)")
# A heading that compares two years: 2024年与2023年对比, 较上年增减, 上年结转.
# A heading about last year's execution or results (2024年工作完成情况 in a 2025 budget) names it too.
_SENTENCE_MARK = re.compile(r"[。；;，,：:]")
_COMPARES = re.compile(r"上年|对比|比较|相比|增减|变动|较|结转|执行|完成|回顾|总结")


def _headings(text: str):
    """(line, text) of the headings: numbered section headings (一、 / （一） / 第一部分) and table titles (lines
    ending in 表), short and without a sentence's punctuation; not table cells."""
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.strip()
        if not line or raw.startswith("\t") or len(line) > 50 or _SENTENCE_MARK.search(line):
            continue
        if _NUMBERED.match(line) or _TITLE.search(line):
            yield number, line


def _stray_years(facts: ExtractedDocument, text: str):
    year = facts.info.fiscal_year
    named = [(facts.info.src.line or 1, facts.info.title), *_headings(text)]
    checked, stray = 0, []
    for line, heading in named:
        years = {int(y) for y in _YEAR.findall(heading)}
        if not years:
            continue
        checked += 1
        others = years - {year}
        if others == {year - 1} and (year in years or _COMPARES.search(heading)):
            continue  # a comparison with last year
        if others:
            stray.append((line, heading, sorted(others)))
    if not checked:
        return "not_applicable", "neither the title nor a heading names a year", None, {}
    if not stray:
        return "pass", f"{checked} title and heading(s) name the fiscal year {year}", None, {}
    shown = "; ".join(f"line {n}: {h!r} names {', '.join(map(str, ys))}" for n, h, ys in stray[:_SHOWN])
    more = f"; and {len(stray) - _SHOWN} more" if len(stray) > _SHOWN else ""
    return "fail", f"{len(stray)} heading(s) name a year other than the fiscal year {year}: {shown}{more}", \
        Source(line=stray[0][0]), {"expected": Decimal(year), "actual": Decimal(stray[0][2][0]),
                                   "difference": Decimal(stray[0][2][0] - year)}


# --- wording.empty_note ----------------------------------------------------------------------------------

# What a table or a note is about, by its words: a note naming one subject under a table of another is a note
# copied from another table.
SUBJECTS = {
    "政府性基金": re.compile(r"政府性基金"),
    "国有资本经营": re.compile(r"国有资本经营"),
    "“三公”经费": re.compile(r"三公|因公出国|公务用车|公务接待"),
    "政府采购": re.compile(r"政府采购"),
    "机关运行经费": re.compile(r"机关运行经费"),
    "财政专户": re.compile(r"财政专户"),
}
_SECTION_SUBJECTS = {"three_public": "“三公”经费", "procurement": "政府采购", "operating_expense": "机关运行经费"}
# the facts that would fill a section of the notes form
_SECTION_FACTS = {"three_public": "three_public_costs", "procurement": "procurement_items",
                  "operating_expense": "operating_expenses", "assets": "assets", "projects": "projects"}
_NOTHING_ELSE = re.compile(r"无其他|其他需要说明")  # 本单位无其他需要说明的…: nothing more to say, no empty table
_TITLE = re.compile(r"表(?:[（(]续[）)])?$")
_HEADER = re.compile(r"^(?:编制(?:部门|单位)|单位[:：]|金额单位|公开\d*表)")
_FIGURE = re.compile(r"(?<![\d.,])(?:\d{1,3}(?:,\d{3})+|\d+)\.\d+(?![\d.,])|(?<![\d.,])\d{1,3}(?:,\d{3})+(?![\d.,])")


# Words every wording of DECLARED_EMPTY holds one of (无此项内容, 空表列示, 此表为空, 不涉及, 本部门没有 …)
_EMPTY_WORD = re.compile("无|空表列示|为空|不涉及|没有|未安排")


def _subjects(words: str) -> set[str]:
    return {name for name, pattern in SUBJECTS.items() if pattern.search(words)}


def _empty_notes(facts: ExtractedDocument, text: str):
    lines = text.split("\n")
    checked, failed, seen = 0, [], set()
    for number, raw in _lines_with(_EMPTY_WORD, text):  # a note that DECLARED_EMPTY finds holds one of them
        index = number - 1
        note = raw.strip()
        if not DECLARED_EMPTY.search(note) or len(note) > 80 or _NOTHING_ELSE.search(note):
            continue
        owner = _table_of(lines, index)
        if owner is None:
            continue
        title_line, title, figures = owner
        seen.add(index + 1)
        checked += 1
        named, own = _subjects(note), _subjects(title)
        if named and not named & own:
            failed.append((index + 1, note, f"the note names {'/'.join(sorted(named))}, its table {title!r} "
                                            f"(line {title_line})"))
        elif figures:
            failed.append((index + 1, note, f"its table {title!r} (line {title_line}) holds figures: "
                                            f"{', '.join(figures[:3])}"))
    # the notes form: a section declared empty (its note under its heading or its blank table)
    for section in facts.sections:
        if section.status != "declared_empty" or section.src.table is not None or not section.src.line:
            continue
        index = next((i for i in range(section.src.line - 1, min(section.src.line + 60, len(lines)))
                      if DECLARED_EMPTY.search(lines[i])), section.src.line - 1)
        if index + 1 in seen or index >= len(lines):
            continue
        checked += 1
        named = _subjects(lines[index])
        own = {_SECTION_SUBJECTS[section.section_key]} if section.section_key in _SECTION_SUBJECTS else set()
        held = [r for r in getattr(facts, _SECTION_FACTS.get(section.section_key, ""), [])
                if any(getattr(r, money, None) for money in ("amount_yuan", "value_yuan", "budget_yuan"))]
        if named and own and not named & own:
            failed.append((index + 1, lines[index].strip(), f"the note names {'/'.join(sorted(named))}, its "
                                                            f"section {section.title_zh!r}"))
        elif held:
            failed.append((index + 1, lines[index].strip(), f"its section {section.title_zh!r} holds "
                                                            f"{len(held)} item(s) with figures"))
    if not checked:
        return "not_applicable", "no empty-table note", None, {}
    if not failed:
        return "pass", f"{checked} empty-table note(s), each under its own empty table", None, {}
    shown = "; ".join(f"line {n}: {t!r}: {why}" for n, t, why in failed[:_SHOWN])
    return "fail", f"{len(failed)} of {checked} empty-table note(s) do not fit their table: {shown}", \
        Source(line=failed[0][0]), {}


def _table_of(lines: list[str], index: int) -> tuple[int, str, list[str]] | None:
    """(line, title, non-zero figures) of the table a note belongs to: the title above it when only the table's
    cells, its header lines and blank lines stand between them. None for a note in running text."""
    figures = []
    for back in range(index - 1, max(index - 400, -1), -1):
        raw = lines[back]
        line = raw.strip()
        if DECLARED_EMPTY.search(line) and back < index - 1:  # the note of the table before: no title between
            return None
        if not line or raw.startswith("\t"):
            figures += [f for f in reversed(_FIGURE.findall(line)) if to_decimal(f) != 0]
            continue
        if _TITLE.search(line) and len(line) <= 60:
            return back + 1, line, figures[::-1]  # in the order printed
        if _HEADER.match(line) or len(line) <= 12:
            continue
        return None
    return None


# --- change.rate ------------------------------------------------------------------------------------------

# A stated rate of change after its comparison: 比2025年年初预算数30385.62万元增加2466.43万元，增长8.12% /
# 与上年相比，财政拨款支出增加844.15万元，增长6.59% / 比上年减少1.00万元，下降5.88% / 较上年90万元增长11.11%.
_RATE_DIRS = "增幅|降幅|增长率|下降率|增长|增加|上升|提高|下降|减少|降低"
_RATE = re.compile(
    rf"(?:与|较|比|同)\s*(?:上一?年度?|\d{{4}}\s*年)[^\d，,。；;:：%]{{0,20}}?"
    rf"(?:(?P<prior>{AMOUNT.replace('?P<number>', '?P<pn>').replace('?P<unit>', '?P<pu>')}))?"
    rf"\s*(?:相比|比较)?[，,]?[^\d，,。；;:：%（(]{{0,12}}?"
    rf"(?:(?:{_DIR_WORDS})了?\s*(?:{AMOUNT})?[，,]\s*)?"
    rf"(?:{_RATE_DIRS})(?:为|达|是)?了?\s*(?P<rate>{NUMBER})\s*[%％]")
_SENTENCE_START = re.compile(r"^[\s，,]*$")
_AFTER_CLAUSE_END = re.compile(r"(?<=[。；;])")


def _change_rate(text: str):
    checked, failed, from_zero = 0, [], 0
    for number, line in _lines_with(_COMPARED, text):  # _RATE opens with a comparison
        start = 0
        for clause in _AFTER_CLAUSE_END.split(line):
            for m in _RATE.finditer(clause):
                try:
                    judged = _judge_rate(line[:start], clause, m)
                except NumberFormatError:
                    continue
                if judged is None:
                    continue
                if judged == "from_zero":
                    from_zero += 1
                    continue
                checked += 1
                low, high, computed, stated, change, prior = judged
                if not low <= stated <= high:
                    failed.append((number, m[0], computed, stated, change, prior))
            start += len(clause)
    left_out = f"; {from_zero} rate(s) of a change from zero left out" if from_zero else ""
    if not checked:
        return "not_applicable", f"no stated rate of change with two of its figures{left_out}", None, {}
    if not failed:
        return "pass", f"{checked} stated rate(s) of change equal change / last year's amount, within the rounding " \
                       f"of the printed figures{left_out}", None, {}
    shown = "; ".join(f"line {n}: {w!r}: {c:f} / {p:f} yuan is {r:.2f}%" for n, w, r, _, c, p in failed[:_SHOWN])
    more = f"; and {len(failed) - _SHOWN} more" if len(failed) > _SHOWN else ""
    line, _, computed, stated, _, _ = failed[0]
    computed = computed.quantize(Decimal("0.01"))
    return "fail", f"{len(failed)} of {checked} stated rate(s) of change differ from the figures: {shown}{more}", \
        Source(line=line), {"expected": computed, "actual": stated, "difference": stated - computed}


def _judge_rate(before_clause: str, clause: str, m: re.Match):
    """(low, high, computed, stated, change, prior) of a stated rate, the bounds in percent with the rounding of
    the printed figures; "from_zero" when last year's amount is nothing; None when the statement gives fewer
    than two of this year's amount, last year's and the change. This year's amount is the last one before the
    comparison, in its sentence, or (a sentence that opens with 与上年相比) in the sentences of its paragraph
    before it."""
    head = clause[:m.start()]
    before = list(_AMOUNT_RE.finditer(head))
    if not before and _SENTENCE_START.match(head):
        before = list(_AMOUNT_RE.finditer(before_clause))
    prior = None if m["pn"] is None else (to_decimal(m["pn"]) * UNIT_SCALE[m["pu"]], _tolerance(m["pu"]))
    year = re.match(r"(?:与|较|比|同)\s*(\d{4})\s*年", m[0])
    if prior is None and year:  # 2023年当年预算执行数为60.13万元，2024年预算安排25.77万元，比2023年…减少57.14%
        named = list(re.finditer(rf"{year[1]}\s*年度?[^\d，,。；;:：]{{0,12}}?为?\s*{AMOUNT}", head))
        if named:
            prior = (amount(named[-1]), _tolerance(named[-1]["unit"]))
            before = [b for b in before if b.start() != named[-1].start("number")]
    current = (amount(before[-1]), _tolerance(before[-1]["unit"])) if before else None
    change = None if m["number"] is None else (abs(amount(m)), _tolerance(m["unit"]))
    if prior is None and current is not None and change is not None:
        # the direction word decides the sign: 增加 from this year's back to last year's
        down = re.search(r"减少|下降|降低", m[0][:m.start("number") - m.start()])
        prior = (current[0] + change[0] if down else current[0] - change[0], current[1] + change[1])
    if change is None and current is not None and prior is not None:
        change = (abs(current[0] - prior[0]), current[1] + prior[1])
    if prior is None or change is None:
        return None
    if prior[0] <= prior[1]:
        return "from_zero"
    stated = to_decimal(m["rate"])
    decimals = -stated.as_tuple().exponent if "." in m["rate"] else 0
    digit = Decimal(10) ** -decimals
    # the rate rounded at its last printed digit, or cut off there (some offices cut: 2.3153% printed 2.31%)
    low = max(change[0] - change[1], Decimal(0)) / (prior[0] + prior[1]) * HUNDRED - digit
    high = (change[0] + change[1]) / (prior[0] - prior[1]) * HUNDRED + digit / 2
    return low, high, change[0] / prior[0] * HUNDRED, stated, change[0], prior[0]


# --- execution.final_vs_budget_wording -------------------------------------------------------------------

# 年初预算为2993.92万元（，全年预算为321.02万元），支出决算为2940.05万元，完成年初预算的98.20%。
# 决算数小于预算数的主要原因：… / 决算数与预算数基本持平。
_BUDGET = re.compile(rf"(?P<which>年初|全年|调整后?)预算数?为?\s*{AMOUNT}")
_FINAL = re.compile(rf"决算数?为?\s*{AMOUNT}")
_COMPLETION = re.compile(rf"完成(?P<which>年初|全年)?预算数?的\s*(?P<pct>{NUMBER})\s*[%％]")
_RELATION = re.compile(
    r"决算数?(?:(?P<gt>大于|高于|超过)|(?P<lt>小于|低于)|(?P<eq>等于))(?P<which>年初|全年)?预算数?"
    r"|决算数?与(?P<which2>年初|全年)?预算数?(?P<roughly>基本)?(?P<flat>持平|一致|相等)")
_FINAL_WORD = re.compile("决算")
_OF_WHICH_ITEMS = re.compile(r"其中[:：]")
_REASON = re.compile(r"原因[:：是为]?\s*[^\s。；;，,]{2}")
_WHICH = {"调整": "全年", "调整后": "全年"}


def _final_vs_budget(text: str):
    checked, failed, left_out = 0, [], 0
    for number, line in _lines_with(_FINAL_WORD, text):  # a statement needs its _FINAL figure
        line = _OF_WHICH_ITEMS.split(line)[0]  # the items under 其中 give their final figures only
        finals = list(_FINAL.finditer(line))
        for i, final in enumerate(finals):
            start = finals[i - 1].end() if i else 0
            end = finals[i + 1].start() if i + 1 < len(finals) else len(line)
            budgets = {_WHICH.get(b["which"], b["which"]): b for b in _BUDGET.finditer(line, start, final.start())}
            if not budgets:
                continue
            after = line[final.end():end]
            nxt = _BUDGET.search(after)
            after = after[:nxt.start()] if nxt else after
            try:
                result = _judge_final(amount(final), final["unit"], budgets, after)
            except NumberFormatError:
                continue
            if result is None:
                continue
            if result[0] == "zero":
                left_out += 1
                continue
            checked += 1
            if result[0]:
                failed.append((number, line[budgets[next(iter(budgets))].start():final.end()], *result[1:]))
    note = f"; {left_out} completion rate(s) of a zero budget left out" if left_out else ""
    if not checked:
        return "not_applicable", f"no 决算 statement gives its budget and final figures with a relation or a " \
                                 f"completion rate{note}", None, {}
    if not failed:
        return "pass", f"{checked} statement(s) of final against budget: each relation and completion rate " \
                       f"matches the figures{note}", None, {}
    shown = "; ".join(f"line {n}: {w!r}: {why}" for n, w, why, _, _ in failed[:_SHOWN])
    more = f"; and {len(failed) - _SHOWN} more" if len(failed) > _SHOWN else ""
    line, _, _, expected, actual = failed[0]
    return "fail", f"{len(failed)} of {checked} statement(s) of final against budget contradict their figures: " \
                   f"{shown}{more}", Source(line=line), \
        {"expected": expected, "actual": actual,
         "difference": None if expected is None or actual is None else actual - expected}


def _judge_final(final: Decimal, unit: str, budgets: dict[str, re.Match], after: str):
    """(failed, why, expected, actual) of one statement; ("zero",) for a completion rate of a budget of zero
    (and nothing else to hold); None when it states neither a relation nor a completion rate."""
    relation, completion = _RELATION.search(after), _COMPLETION.search(after)
    if relation is None and completion is None:
        return None
    if completion is not None:
        which = completion["which"]
        named = [budgets[which]] if which in budgets else list(budgets.values()) if which is None else []
        usable = [b for b in named if amount(b) > _tolerance(b["unit"])]
        if named and not usable and relation is None:
            return ("zero",)
        stated = to_decimal(completion["pct"])
        decimals = -stated.as_tuple().exponent if "." in completion["pct"] else 0
        half_pct = Decimal(5) * Decimal(10) ** (-decimals - 1)
        fits = []
        for b in usable:
            budget, h_b, h_f = amount(b), _tolerance(b["unit"]), _tolerance(unit)
            low = max(final - h_f, Decimal(0)) / (budget + h_b) * HUNDRED - half_pct
            high = (final + h_f) / (budget - h_b) * HUNDRED + half_pct
            fits.append((low <= stated <= high, final / budget * HUNDRED))
        if fits and not any(ok for ok, _ in fits):
            computed = fits[0][1].quantize(Decimal("0.01"))
            return True, f"完成{which or ''}预算的{completion['pct']}% stated, {final:f} / " \
                         f"{amount(usable[0]):f} yuan is {computed}%", computed, stated
    if relation is None:
        return False, "", None, None
    which = relation["which"] or relation["which2"]
    named = [budgets[which]] if which in budgets else list(budgets.values()) if which is None else []
    if not named:
        return False, "", None, None
    word = relation[0]
    outcomes = []
    for b in named:
        budget = amount(b)
        tolerance = _tolerance(unit, b["unit"])
        difference = final - budget
        # 大于 / 小于: the printed figures differ that way (rounding keeps their order); 持平: within rounding
        if relation["gt"]:
            ok = difference > 0
        elif relation["lt"]:
            ok = difference < 0
        elif relation["roughly"]:
            ok = abs(difference) <= max(tolerance, ROUGHLY_FLAT_SHARE * budget)
        else:
            ok = abs(difference) <= tolerance
        outcomes.append((ok, budget))
    if not any(ok for ok, _ in outcomes):
        budget = outcomes[0][1]
        return True, f"{word} yet the final {final:f} against the budget {budget:f} yuan", budget, final
    if (relation["gt"] or relation["lt"]) and not _REASON.search(after[relation.end():]):
        return True, f"{word} with no reason stated", None, None
    return False, "", None, None


# --- wording.punctuation, wording.doubled_word, wording.percent_decimals ----------------------------------

_MARKS = "，。！？；：、"
# two marks side by side (，， / 。。 / ，。), not part of a longer run (。。。 or …… is an ellipsis, a TOC leader).
# The mark comes first and the one before it is looked at after it (the same test as a look-behind before it):
# a pattern that opens with a character class is searched for by the regex engine's fast scan.
_DOUBLED_MARKS = re.compile(rf"[{_MARKS}](?<![{_MARKS}]{{2}})[ \t\u3000]{{0,2}}[{_MARKS}](?![ \t\u3000]{{0,2}}[{_MARKS}])")
_LEADER = re.compile(r"……|\.\.\.\.|···|．．．")  # written out: literals are found by the fast scan
# Words a slip of the keyboard doubles (CMM-002's and their kin). A declared list: doubling is no slip in
# general (2025年年初, 目的的).
DOUBLED_WORDS = ("预算", "决算", "财政拨款", "经费", "万元", "支出", "收入", "资金")
_DOUBLED_WORD = re.compile("|".join(w + w for w in DOUBLED_WORDS))  # literals: found by the fast scan
_ANY_WORD = re.compile("|".join(DOUBLED_WORDS))
# a performance target's bound (可用率≥99.999%) is no computed share: read, never a finding
_PERCENT = re.compile(rf"(?P<bound>[≥≤＞＜><]=?|不低于|不少于|不高于|不超过|达到|高于|低于)?\s*(?P<number>{NUMBER})\s*[%％]")


def _line_findings(text: str, found, name: str, plural: str, empty: str, ok: str):
    """The row of a rule that looks for slips in the text's lines: ``found(text)`` gives (checked, slips), the
    slips as (line number, the slip with a little of its line)."""
    checked, slips = found(text)
    if not checked:
        return "not_applicable", empty, None, {}
    if not slips:
        return "pass", f"{checked} {plural}: {ok}", None, {}
    shown = "; ".join(f"line {n}: {s!r}" for n, s in slips[:_SHOWN])
    more = f"; and {len(slips) - _SHOWN} more" if len(slips) > _SHOWN else ""
    return "fail", f"{len(slips)} {name}: {shown}{more}", Source(line=slips[0][0]), {}


def _slips(text: str, pattern: re.Pattern, before: int, after: int, skip_line=None) -> list[tuple[int, str]]:
    """Each match of ``pattern`` (which never spans lines) with its line number and a little of its line.
    One pass over the whole text: a Python call per line cost more than the rules themselves."""
    slips = []
    for m in pattern.finditer(text):
        start = text.rfind("\n", 0, m.start()) + 1
        end = text.find("\n", m.end())
        line = text[start:] if end < 0 else text[start:end]
        if skip_line is None or not skip_line(line):
            slips.append((text.count("\n", 0, start) + 1,
                          line[max(m.start() - start - before, 0):m.end() - start + after].strip()))
    return slips


def _punctuation(text: str):
    """Marks outside a table of contents' leader lines; doubled or adjacent marks."""
    leaders = "".join(line for _, line in _lines_with(_LEADER, text))
    marks = sum(text.count(c) - leaders.count(c) for c in _MARKS)
    return marks, _slips(text, _DOUBLED_MARKS, 12, 4, skip_line=_LEADER.search)


def _doubled_words(text: str):
    return len(_ANY_WORD.findall(text)), _slips(text, _DOUBLED_WORD, 8, 8)


_PERCENT_SIGN = re.compile("[%％]")


def _percents(text: str):
    """Percentages with more than 2 decimals, read line by line (a bound and its number stay on one line); only
    the lines with a percent sign are read."""
    checked, slips = 0, []
    for number, line in _lines_with(_PERCENT_SIGN, text):
        found = list(_PERCENT.finditer(line))
        checked += len(found)
        slips += [(number, f["number"] + "%") for f in found if not f["bound"] and "." in f["number"]
                  and len(f["number"].rpartition(".")[2].strip()) > 2]
    return checked, slips


# --- text.zero_total --------------------------------------------------------------------------------------

# The document's own 收入支出总计 (not the 财政拨款 / 政府性基金 one: a unit may have no appropriation at all):
# 收入支出总计0万元 / 收支预算总计0.00万元 / 收入、支出预算总计为0元.
_ALL_FUNDS_TOTAL = re.compile(rf"收入?[、和]?支出?(?:预算|决算)?总[计额]\s*(?:为|是)?\s*{AMOUNT}")
_TOTAL_WORD = re.compile("总[计额]")
_FUND_BEFORE = re.compile(r"(?:拨款|基金|国有资本经营|专户|一般公共)(?:预算)?$")


def _zero_total(facts: ExtractedDocument, text: str):
    stated = []
    for number, line in _lines_with(_TOTAL_WORD, text):  # _ALL_FUNDS_TOTAL needs 总计 or 总额
        for m in _ALL_FUNDS_TOTAL.finditer(line):
            if _FUND_BEFORE.search(line, 0, m.start()):
                continue
            try:
                stated.append((number, m[0], amount(m)))
            except NumberFormatError:
                continue
    if not stated:
        return "not_applicable", "the text states no 收入支出总计 of the document's own", None, {}
    zeros = [s for s in stated if s[2] == 0]
    figures = _largest_figure(facts)
    if not zeros or figures is None:
        return "pass", f"{len(stated)} stated 收入支出总计: " + \
            ("none is zero" if not zeros else "zero, and the document holds no figure"), None, {}
    shown = "; ".join(f"line {n}: {w!r}" for n, w, _ in zeros[:_SHOWN])
    value, where = figures
    return "fail", f"{len(zeros)} 收入支出总计 stated as zero while the document holds figures (such as " \
                   f"{value:f} yuan, {where}): {shown}", Source(line=zeros[0][0]), \
        {"expected": value, "actual": Decimal(0), "difference": -value}


def _largest_figure(facts: ExtractedDocument) -> tuple[Decimal, str] | None:
    """The document's largest stated total above zero, else its largest amount of any fact (and where it was
    read); None when it holds no figure above zero."""
    totals = [t for t in facts.stated_totals if t.amount_yuan and t.amount_yuan > 0]
    if totals:
        top = max(totals, key=lambda t: t.amount_yuan)
        return top.amount_yuan, f"stated {top.metric}, {top.src.describe()}"
    amounts = [(getattr(r, money), r) for _, attr in FACT_TABLES.values() for r in getattr(facts, attr)
               for money in ("amount_yuan", "value_yuan", "budget_yuan") if getattr(r, money, None)]
    if not amounts:
        return None
    value, record = max(amounts, key=lambda a: a[0])
    return value, record.src.describe() if getattr(record, "src", None) is not None else ""


# --- the rows ---------------------------------------------------------------------------------------------


def text_checks(facts: ExtractedDocument, text: str, document_id: str, row) -> list[dict]:
    """The rows of the text rules that apply to the document's kind. ``row`` makes a result row
    (``validate._row``: kind and severity from the rulebook)."""
    checks = {
        "change.direction": lambda: _change_direction(text),
        "text.share": lambda: _text_share(facts, text),
        "wording.stray_year": lambda: _stray_years(facts, text),
        "wording.empty_note": lambda: _empty_notes(facts, text),
        "change.rate": lambda: _change_rate(text),
        "execution.final_vs_budget_wording": lambda: _final_vs_budget(text),
        "wording.punctuation": lambda: _line_findings(
            text, _punctuation, "doubled or adjacent punctuation mark(s)", "punctuation mark(s)",
            "the text has no punctuation marks", "none doubled, no two adjacent"),
        "wording.doubled_word": lambda: _line_findings(
            text, _doubled_words, "doubled word(s)", "use(s) of the words a slip may double",
            f"the text uses none of the words {'/'.join(DOUBLED_WORDS)}", "none doubled"),
        "wording.percent_decimals": lambda: _line_findings(
            text, _percents, "percentage(s) printed with more than 2 decimals", "percentage(s)",
            "the text prints no percentage", "none with more than 2 decimals"),
        "text.zero_total": lambda: _zero_total(facts, text),
    }
    rows = []
    has_text = bool(text.strip())
    for name, check in checks.items():
        if facts.info.doc_kind not in rule_of(name).applies_to:
            continue
        if not has_text:
            status, detail, src, values = "not_applicable", "the document has no text of its own", None, {}
        else:
            status, detail, src, values = check()
        if src is not None and src.line is not None:
            src = Source(line=src.line, page=_page_of(facts, src.line))
        rows.append(row(document_id, name, status, detail=detail, src=src, **values))
    return rows


def _page_of(facts: ExtractedDocument, line: int) -> int | None:
    """The page of a line of the text, when facts read on that page stand before and after it (a PDF's text
    has no page marks of its own); None when the line falls between pages, or the format has none."""
    places = sorted({(r.src.line, r.src.page) for _, attr in FACT_TABLES.values() for r in getattr(facts, attr)
                     if r.src.line is not None and r.src.page is not None})
    before = [page for at, page in places if at <= line]
    after = [page for at, page in places if at >= line]
    return before[-1] if before and after and before[-1] == after[0] else None
