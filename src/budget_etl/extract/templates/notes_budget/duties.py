"""Duties (section 一, listed again with their performance goals and grades in 五): merged by number."""

from __future__ import annotations

import re
from decimal import Decimal

from budget_etl.extract.sections import Section
from budget_etl.facts import Duty, Source

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


def read_duties(sections: dict[str, Section]) -> list[Duty]:
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
                    Source(line=p.line, page=p.page),
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
