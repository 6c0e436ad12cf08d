"""Changes on last year as disclosures write them: 比上年增加 / 较上年减少 / 较2019年预算增加 / 与上年相比下降 /
同比增长 / 与上年持平. A direction without an amount is no change figure at all (None), never zero."""

from __future__ import annotations

import re
from decimal import Decimal

from budget_etl.extract.numbers import AMOUNT, NumberFormatError, amount

_SIGN = {"增加": 1, "增长": 1, "上升": 1, "减少": -1, "下降": -1, "降低": -1}
# "compared with last year": 比上年, 较上年度, 较2019年预算, 与上年相比, 同比.
PRIOR = r"(?:(?:与|较|比)\s*(?:上一?年|\d{4}\s*年)度?(?:预算)?数?(?:相比|比较)?|同比)"
CHANGE = rf"(?P<dir>增加|增长|上升|减少|下降|降低|持平)了?[，,]?\s*(?:{AMOUNT})?"


def change_after(label: str, text: str) -> Decimal | None:
    """A change in yuan stated as '<label>增加/减少 N元' or '持平'; positive for an increase.

    "与上年减少，较上年减少958.50元" names the direction twice: the first mention with an amount wins. A
    direction that never comes with an amount ("比上年增加，主要是…") gives None: the change is unknown. A minus
    sign on a decrease (减少-115.16元) only repeats it; on an increase it contradicts it, and the document is
    refused.
    """
    for m in re.finditer(rf"{label}\s*{CHANGE}", text):
        if m["dir"] == "持平":
            return Decimal(0)
        if m["number"] is not None:
            stated = amount(m)
            if stated < 0 and _SIGN[m["dir"]] > 0:  # 增加-115.16: an increase or a decrease?
                raise NumberFormatError(f"{m[0]!r}: {m['dir']} with a minus sign: the direction is unclear")
            return _SIGN[m["dir"]] * abs(stated)  # 减少-115.16: the minus repeats the direction
    return None


def prior_year(current: Decimal | None, change: Decimal | None) -> Decimal | None:
    """Last year's amount from this year's and its change; None when either is unknown."""
    return None if current is None or change is None else current - change
