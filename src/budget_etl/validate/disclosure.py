"""Rules of the disclosure beyond its arithmetic (rulebook.py declares them): template leftovers in the text,
a reason for every large change of a 三公 item, and a reason for every 三公 item of a 决算 over its budget. One row per
rule and document, passes included; a rule for another kind of document gives no row."""

from __future__ import annotations

import re
from decimal import Decimal

from budget_etl.catalog import vocab
from budget_etl.facts import ExtractedDocument, Source, ThreePublicCost
from budget_etl.validate.rulebook import rule_of

# Placeholders a drafting template leaves where a name or figure belongs: XX / ××× (not inside a Latin word or
# a code such as 622-1601-YBN-2XXX),
# {单位} / ｛单位｝, 待填写 / 待补充 / 请填写, 【单位名称】.
# Written as its first character, then the rest of the placeholder that character opens (each alternative
# looks behind at it): the same matches as the plain alternatives, XX / ×× / {…} / 待填写 / 待补充 / 请填写 /
# 此处填写 / 【单位名称】, but a pattern that opens with a character class is found by the regex engine's fast
# scan instead of trying each alternative at every position of the text.
TEMPLATE_LEFTOVER = re.compile(
    r"[XＸ×✕╳{｛待请此【\[（(]"
    r"(?:(?<=[XＸ])(?<![A-Za-z0-9].)[XＸ]++(?![A-Za-z0-9])|(?<=[×✕╳])[×✕╳]++|(?<=[{｛])[^{}｛｝\n]{1,20}[}｝]"
    r"|(?<=待)(?:填写|补充)|(?<=请)填写|(?<=此)处填写|(?<=[【\[（(])单位名称[】\]）)])")
LARGE_CHANGE = Decimal("0.10")  # a change of a tenth or more of last year's amount needs its reason
_SHOWN = 5  # places a failed row names in its detail


def disclosure_checks(facts: ExtractedDocument, text: str, document_id: str, row) -> list[dict]:
    """The rows of the disclosure rules that apply to the document's kind. ``row`` makes a result row
    (``validate._row``: kind and severity from the rulebook)."""
    checks = {
        "wording.template_leftover": lambda: _template_leftovers(text),
        "change.reason_stated": lambda: _change_reasons(facts),
        "execution.three_public_within_budget": lambda: _three_public_within_budget(facts),
    }
    rows = []
    for name, check in checks.items():
        if facts.info.doc_kind not in rule_of(name).applies_to:
            continue
        status, detail, src, values = check()
        rows.append(row(document_id, name, status, detail=detail, src=src, **values))
    return rows


def _template_leftovers(text: str):
    if not text.strip():
        return "not_applicable", "the document has no text of its own", None, {}
    found = list(TEMPLATE_LEFTOVER.finditer(text))
    if not found:
        return "pass", "no placeholder found", None, {}
    lines = [text.count("\n", 0, m.start()) + 1 for m in found]
    shown = "; ".join(f"line {line}: {m[0]!r}" for line, m in zip(lines[:_SHOWN], found, strict=False))
    more = f"; and {len(found) - _SHOWN} more" if len(found) > _SHOWN else ""
    return ("fail", f"{len(found)} placeholder(s) left from the template: {shown}{more}",
            Source(line=lines[0]), {})


def _main(facts: ExtractedDocument) -> list[ThreePublicCost]:
    main = vocab.MAIN_MEASURES[facts.info.doc_kind]
    return [c for c in facts.three_public_costs if c.measure in (main, None)]


def _change_reasons(facts: ExtractedDocument):
    changed = [c for c in _main(facts) if c.change_yuan is not None]
    if not changed:
        return "not_applicable", "no 三公 item states its change on last year", None, {}
    unexplained = []
    for item in changed:
        prior = item.prior_year_yuan if item.prior_year_yuan is not None else item.amount_yuan - item.change_yuan
        large = item.change_yuan != 0 and (prior == 0 or abs(item.change_yuan) >= LARGE_CHANGE * prior)
        if large and not (item.change_reason_zh or "").strip():
            unexplained.append((item, prior))
    if not unexplained:
        return "pass", f"{len(changed)} stated change(s); each of 10% or more has its reason", None, {}
    detail = "; ".join(f"{c.category_zh} {c.change_yuan:+f} yuan on {p:f} without a reason" for c, p in unexplained)
    first = unexplained[0][0]
    return "fail", f"{len(unexplained)} change(s) of 10% or more without a reason: {detail}", first.src, {
        "expected": first.amount_yuan - first.change_yuan if first.prior_year_yuan is None else first.prior_year_yuan,
        "actual": first.amount_yuan, "difference": first.change_yuan}


def _three_public_within_budget(facts: ExtractedDocument):
    by_measure: dict[str, dict[str, ThreePublicCost]] = {}
    for cost in facts.three_public_costs:
        by_measure.setdefault(cost.measure or "final", {})[cost.category] = cost
    final, budget = by_measure.get("final", {}), by_measure.get("budget", {})
    both = [category for category in final if category in budget]
    if not both:
        return "not_applicable", "no 三公 item with both its budget and its final figure", None, {}
    over = [(final[c], budget[c]) for c in both if final[c].amount_yuan > budget[c].amount_yuan]
    unexplained = [(f, b) for f, b in over if not (f.change_reason_zh or "").strip()]
    if not unexplained:
        explained = "".join(f"; {f.category_zh} over budget: {f.change_reason_zh}" for f, _ in over)
        return "pass", f"{len(both)} 三公 item(s) within their budget or over it with a reason{explained}", None, {}
    detail = "; ".join(f"{f.category_zh} 决算 {f.amount_yuan:f} > 预算 {b.amount_yuan:f} yuan"
                       for f, b in unexplained)
    f, b = unexplained[0]
    return "fail", f"{len(unexplained)} 三公 item(s) over budget without a reason: {detail}", f.src, {
        "expected": b.amount_yuan, "actual": f.amount_yuan, "difference": f.amount_yuan - b.amount_yuan}
