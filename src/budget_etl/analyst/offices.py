"""Office identity: the accepted aliases and the candidates a person reviews (`budget-etl offices`).

office_id is the md5 of an office's canonical name (dbt: models/intermediate/int_documents__offices.sql). The
seed office_aliases (dbt_project/seeds/office_aliases.csv) maps a printed name to the canonical name of the office it belongs to; a name without an alias is its own canonical
name. Names are compared in Simplified characters without whitespace (readers/normalize.py name_key), so a
Traditional spelling needs no alias.

``suggest`` reads the warehouse (read-only) and lists candidate aliases, each with its reason and documents:

- ``same_document``: one document prints another name for itself (a table's 部门： line, a heading naming the
  office before the year, the name of one of its files: the narrative and tables files of one disclosure);
- ``same_unit_code``: documents of the same province print the same 单位编码 under two names;
- ``name_contained``: one office's name holds another's, and both are placed in the same division (adcode).

A candidate is never applied by itself: a person accepts it into the seed (``accept``), and the next build
gives both names one office_id.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import astuple, dataclass, fields
from datetime import date
from pathlib import Path

import duckdb

from budget_etl.extract.identity import printed_office_names
from budget_etl.paths import aliases_file
from budget_etl.readers.normalize import name_key

REASONS = {
    "same_document": "one document prints both names for itself",
    "same_unit_code": "the same unit code (单位编码) in one province",
    "name_contained": "one name holds the other, in the same division (adcode)",
}
_MIN_CONTAINED = 4  # a shorter name (审计局) is in too many others to mean the same office


@dataclass(frozen=True)
class Alias:
    """One row of the seed office_aliases."""

    printed_name: str
    canonical_name: str
    accepted_by: str
    accepted_on: str
    reason: str


ALIAS_COLUMNS = tuple(f.name for f in fields(Alias))


@dataclass(frozen=True)
class Candidate:
    printed_name: str  # as compared (Simplified, no whitespace): the name that would become an alias
    canonical_name: str  # the office's name it would join (the latest document's), already canonical
    reason: str  # a key of REASONS
    evidence: tuple[str, ...]  # where the names are printed
    documents: tuple[str, ...]  # "<fiscal year> <doc_kind> <file name>" of the documents involved


def read_aliases(path: Path | None = None) -> list[Alias]:
    path = path or aliases_file()
    with path.open(encoding="utf-8", newline="") as f:
        return [Alias(**{c: (row.get(c) or "").strip() for c in ALIAS_COLUMNS}) for row in csv.DictReader(f)]


@dataclass(frozen=True)
class _Document:
    document_id: str
    name: str  # as compared
    printed: str
    fiscal_year: int
    doc_kind: str
    unit_code: str | None
    adcode: str | None
    province: str | None
    city: str | None
    district: str | None
    files: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.fiscal_year} {self.doc_kind} {' + '.join(self.files)}"


def _documents(con: duckdb.DuckDBPyConnection) -> list[_Document]:
    rows = con.execute("""
        with files as (
            select document_id, list(file_name order by file_order) as file_names
            from raw.document_files group by document_id
        )
        select d.document_id, d.office_name, d.fiscal_year, d.doc_kind, d.unit_code, d.adcode, d.province, d.city,
               d.district, coalesce(files.file_names, [d.file_name])
        from raw.documents d
        left join files using (document_id)
        order by d.fiscal_year, d.loaded_at, d.document_id""").fetchall()
    return [_Document(r[0], name_key(r[1]), *r[1:9], tuple(r[9])) for r in rows]


def _texts(con: duckdb.DuckDBPyConnection, batch: int = 50) -> Iterator[tuple[str, str]]:
    """(document_id, text) of every document, a few at a time: the texts of a large warehouse are never all
    in memory at once."""
    cursor = con.cursor()
    cursor.execute("select document_id, normalized_text from raw.documents order by fiscal_year, loaded_at, document_id")
    while rows := cursor.fetchmany(batch):
        yield from rows


def _completed(name: str, doc: _Document) -> str:
    """A short name the document prints ("省人大办公厅") with the division it leaves out ("江苏省"): the
    document's own province, city or district, never a guessed one."""
    municipality = doc.province if doc.province and doc.province.endswith("市") else None  # 上海市
    for short, whole in (("省", doc.province), ("市", doc.city or municipality), ("区", doc.district),
                         ("县", doc.district)):
        if name.startswith(short) and whole and whole.endswith(short):
            return whole + name[1:]
    return name


def suggest(con: duckdb.DuckDBPyConnection, aliases: list[Alias] | None = None) -> list[Candidate]:
    """The candidate aliases of the warehouse's documents that the accepted ones do not settle yet."""
    canonical = {name_key(a.printed_name): name_key(a.canonical_name) for a in (aliases or [])}
    targets = set(canonical.values())

    def resolved(name: str) -> str:
        return canonical.get(name, name)

    documents = _documents(con)
    latest: dict[str, _Document] = {}  # an office (canonical name) -> its latest document
    for doc in documents:
        latest[resolved(doc.name)] = doc
    found: dict[tuple[str, str], Candidate] = {}

    def propose(a: str, b: str, reason: str, evidence: str, docs: list[_Document]) -> None:
        a, b = resolved(a), resolved(b)
        if a == b:
            return
        # the name of the office's latest document stays; a name no document's title prints joins it
        # (a name others are already aliases of stays canonical: the seed never chains)
        order = sorted((a, b), key=lambda n: (n in targets, n in latest,
                                              latest[n].fiscal_year if n in latest else 0, n))
        printed, into = order
        key = (printed, into)
        earlier = found.get(key)
        if earlier is None:
            found[key] = Candidate(printed, into, reason, (evidence,), tuple(dict.fromkeys(d.label for d in docs)))
        elif evidence not in earlier.evidence:  # the first reason found for a pair stays (same_document first)
            found[key] = Candidate(printed, into, earlier.reason, (*earlier.evidence, evidence),
                                   tuple(dict.fromkeys([*earlier.documents, *(d.label for d in docs)])))

    by_id = {doc.document_id: doc for doc in documents}
    for document_id, text in _texts(con):
        doc = by_id[document_id]
        for printed in printed_office_names(text or "", list(doc.files)):
            name = name_key(_completed(printed.name, doc))
            if name != doc.name:
                shown = printed.name if name == name_key(printed.name) else f"{printed.name} (→ {name})"
                propose(name, doc.name, "same_document",
                        f"{doc.printed} (title) and {shown} ({printed.where})", [doc])

    by_code: dict[tuple, list[_Document]] = defaultdict(list)
    for doc in documents:
        if doc.unit_code:
            by_code[(doc.unit_code, doc.province)].append(doc)
    for (code, _), docs in by_code.items():
        for other in docs[1:]:
            if resolved(other.name) != resolved(docs[0].name):
                propose(docs[0].name, other.name, "same_unit_code",
                        f"{docs[0].printed} and {other.printed} both print unit code {code}", [docs[0], other])

    by_division: dict[str, dict[str, _Document]] = defaultdict(dict)
    for doc in documents:
        if doc.adcode:
            by_division[doc.adcode][doc.name] = doc
    for adcode, named in by_division.items():
        for short in named:
            for long in named:
                if short != long and len(short) >= _MIN_CONTAINED and short in long:
                    propose(short, long, "name_contained",
                            f"{named[short].printed} is part of {named[long].printed}, both in {adcode}",
                            [named[short], named[long]])
    return sorted(found.values(), key=lambda c: (list(REASONS).index(c.reason), c.canonical_name, c.printed_name))


def alias_of(candidate: Candidate, accepted_by: str, accepted_on: date | None = None) -> Alias:
    return Alias(candidate.printed_name, candidate.canonical_name, accepted_by,
                 (accepted_on or date.today()).isoformat(), f"{candidate.reason}: {'; '.join(candidate.evidence)}")


def csv_rows(aliases: list[Alias]) -> str:
    """Rows of the seed (no header), ready to paste into office_aliases.csv."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(astuple(a) for a in aliases)
    return out.getvalue()


def accept(aliases: list[Alias], path: Path | None = None) -> Path:
    """Append accepted aliases to the seed; refuses a printed name the seed already maps elsewhere."""
    path = path or aliases_file()
    existing = {name_key(a.printed_name): name_key(a.canonical_name) for a in read_aliases(path)}
    for alias in aliases:
        if existing.get(alias.printed_name, alias.canonical_name) != alias.canonical_name:
            raise ValueError(f"{alias.printed_name} is already an alias of {existing[alias.printed_name]} in {path}")
        if alias.printed_name in existing.values() or alias.canonical_name in existing:
            raise ValueError(f"{alias.printed_name} -> {alias.canonical_name} would chain with an alias of {path}: "
                             "point the existing rows at one canonical name first")
    text = path.read_text(encoding="utf-8")
    new = [a for a in aliases if a.printed_name not in existing]
    path.write_text(text + ("" if text.endswith("\n") else "\n") + csv_rows(new), encoding="utf-8")
    return path
