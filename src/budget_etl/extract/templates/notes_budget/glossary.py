"""Section 八 (名词解释): numbered terms with their definitions."""

from __future__ import annotations

import re

from budget_etl.extract.sections import Section
from budget_etl.facts import ExtractedDocument, GlossaryTerm, Source

_TERM_RE = re.compile(r"^(?P<no>\d{1,2})\s*[、.．]\s*(?P<term>[^:：]{1,30})[:：]\s*(?P<definition>.+)$")


def read_glossary(section: Section, out: ExtractedDocument) -> None:
    for p in section.paragraphs():
        m = _TERM_RE.match(p.text)
        if m:
            out.glossary.append(
                GlossaryTerm(int(m["no"]), m["term"].strip(), m["definition"].strip(), Source(line=p.line, page=p.page))
            )
