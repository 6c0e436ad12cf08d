"""Synthetic corpus: fictional street offices' budget disclosures in the real template, with gold facts.

``generate_corpus(out_dir, offices=8, years=range(2019, 2024), fmt="txt", seed=0)`` writes, per office and
year, ``<office>/<office>_<year>_budget.<fmt>`` and beside it ``<office>_<year>_budget.gold.json`` (with
``finals`` also the final accounts ``<office>_<year>_final.<fmt>`` and its gold, consistent with the
budget of the same year: ``final_accounts.py``), and the
manifest ``sources.yml`` (path, office, fiscal_year, doc_kind, format, sha256, is_synthetic, gold,
planted_slips) in ``out_dir``. The same arguments always write the same bytes, whatever ``workers``.

Documents follow ``ingest/documents/xiguan_2020_budget.txt`` (``template.py``) and state in their third line
that they are synthetic (``MARKER``). Offices, places and codes are invented (``names.py``).

A gold file has every key of ``tests/gold/xiguan_2020_budget.json`` (money as strings with two decimals)
plus: ``is_synthetic``; ``overall_goal``; per project ``purpose``, ``goals`` (the cell text) and
``indicators`` (every row, as ``project_indicator_example``); ``government_procurement.items``;
``quirks`` ([{kind, text}], kinds in ``QUIRK_RATES``); ``planted_slips`` ([{check, kind, detail, stated,
correct, also_breaks}]). Every value is what the document states. Amounts evolve year by year and every
stated change (total, basic, project, 三公 total and items) is the difference to the previous year's
document; every identity holds, except in documents with a planted slip (``slip_rate``, default 5%): a
rounding drift of 0.01 in a stated total (``identity.operating_expense_total``, ``identity.revenue_total``,
``identity.asset_total``) or a wrong stated change (``continuity.<metric>``). ``check`` and ``also_breaks``
list every check the slip breaks: ``identity.*`` as named by ``validate.py``, ``continuity.*`` against
the previous year's document, ``relation.*`` for further relations (revenue = expenditure, 日常公用经费 =
机关运行经费, total change = basic + project change).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from budget_etl.synth.final_accounts import build_final, lay_out_final
from budget_etl.synth.generate import OfficeHistory, build_doc, plant_slip
from budget_etl.synth.model import MARKER, Doc
from budget_etl.synth.names import FORBIDDEN_NAMES, Office, make_offices
from budget_etl.synth.render_txt import render_txt
from budget_etl.synth.template import QUIRK_RATES, lay_out

__all__ = ["FORBIDDEN_NAMES", "MARKER", "QUIRK_RATES", "dump_gold", "generate_corpus", "office_documents"]

DEFAULT_SLIP_RATE = 0.05


def office_documents(office: Office, years: Iterable[int], seed: int, slip_rate: float = DEFAULT_SLIP_RATE,
                     quirk_rates: dict[str, float] | None = None) -> list[tuple[Doc, list[tuple]]]:
    """The documents of one office for ``years``: each as its facts and its laid-out items."""
    wanted = sorted(set(years))
    history = OfficeHistory(office, seed)
    state = history.first(wanted[0] - 1)
    out = []
    for year in range(wanted[0], wanted[-1] + 1):
        prev, state = state, history.next(state)
        if year not in wanted:
            continue
        fmt_rng = random.Random(f"{seed}:{office.key}:{year}:format")
        doc = build_doc(office, prev, state, fmt_rng)
        slip_rng = random.Random(f"{seed}:{office.key}:{year}:slip")
        if slip_rng.random() < slip_rate:
            plant_slip(doc, slip_rng, has_previous_document=year - 1 in wanted)
        out.append((doc, lay_out(doc, fmt_rng, quirk_rates)))
    return out


def dump_gold(gold: dict) -> str:
    """JSON with a line per key and per element of a list of records, like the hand-written gold file
    (and fast: every line is written by the C encoder)."""
    lines = []
    for key, value in gold.items():
        if isinstance(value, list) and value and isinstance(value[0], dict | list):
            inner = ",\n".join("  " + json.dumps(v, ensure_ascii=False) for v in value)
            lines.append(f" {json.dumps(key)}: [\n{inner}\n ]")
        else:
            lines.append(f" {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def _render(items: list[tuple], fmt: str, title: str) -> bytes:
    if fmt == "txt":
        return render_txt(items)
    from budget_etl.synth.render_docx import render_docx

    return render_docx(items, title=title)


def _write_office(job: tuple) -> list[dict]:
    out_dir, office, years, fmt, seed, slip_rate, quirk_rates, finals = job
    folder = out_dir / office.key
    folder.mkdir(parents=True, exist_ok=True)
    entries = []

    def write(stem: str, data: bytes, gold: dict, kind: str, year: int, slips: int) -> None:
        (folder / f"{stem}.{fmt}").write_bytes(data)
        (folder / f"{stem}.gold.json").write_text(dump_gold(gold), encoding="utf-8")
        entries.append({
            "path": f"{office.key}/{stem}.{fmt}", "office": office.name, "fiscal_year": year,
            "doc_kind": kind, "format": fmt, "sha256": hashlib.sha256(data).hexdigest(),
            "is_synthetic": True, "gold": f"{office.key}/{stem}.gold.json", "planted_slips": slips,
        })

    for doc, items in office_documents(office, years, seed, slip_rate, quirk_rates):
        write(f"{office.key}_{doc.year}_budget", _render(items, fmt, doc.title), doc.gold(), "budget", doc.year,
              len(doc.slips))
        if doc.year in finals:
            rng = random.Random(f"{seed}:{office.key}:{doc.year}:final")
            final = build_final(doc, rng)
            write(f"{office.key}_{doc.year}_final", _render(lay_out_final(final, rng), fmt, final.title),
                  final.gold(), "final_accounts", doc.year, 0)
    return entries


def generate_corpus(out_dir: Path, *, offices: int, years: range | list[int], fmt: str = "txt", seed: int = 0,
                    slip_rate: float = DEFAULT_SLIP_RATE, quirk_rates: dict[str, float] | None = None,
                    workers: int | None = None, finals: bool | Iterable[int] = False) -> Path:
    """Write the corpus and return the path of its manifest ``sources.yml``. ``finals``: also the final
    accounts of every year (True) or of the years listed."""
    if fmt not in ("txt", "docx"):
        raise ValueError(f"fmt must be 'txt' or 'docx', not {fmt!r}")
    years = sorted(set(years))
    if not years or offices < 1:
        raise ValueError("need at least one office and one year")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    final_years = set(years) if finals is True else set(finals or ())
    jobs = [(out_dir, office, years, fmt, seed, slip_rate, quirk_rates, final_years)
            for office in make_offices(offices, seed)]
    workers = workers or min(os.cpu_count() or 1, 8)
    if workers > 1 and len(jobs) * len(years) >= 200:
        with ProcessPoolExecutor(workers) as pool:
            results = list(pool.map(_write_office, jobs, chunksize=max(1, len(jobs) // (workers * 4))))
    else:
        results = [_write_office(job) for job in jobs]
    lines = [
        "# Synthetic corpus written by budget_etl.synth: fictional offices, every document marked synthetic.",
        f"# seed {seed}, {offices} offices, years {years[0]}-{years[-1]}, format {fmt}, "
        f"slip rate {slip_rate}.",
        "documents:",
    ]
    for entries in results:
        for entry in entries:
            first = True
            for key, value in entry.items():
                lines.append(f"{'  - ' if first else '    '}{key}: {json.dumps(value, ensure_ascii=False)}")
                first = False
    manifest = out_dir / "sources.yml"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return manifest
