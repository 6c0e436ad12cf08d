"""A static, offline site of every office (``budget-etl site --out DIR``).

``DIR/index.html`` lists every office and year (filters by province, city, office type and year, and a search by
name, in plain JavaScript reading the rows from JSON embedded in the page; the filters are also read from the
page's query string or hash, ``index.html?q=西关&year=2023``, so a filtered view can be linked).
``DIR/offices/<office_id>_<year>_<doc_kind>.html`` is the office report of that year (budget_etl.analyst.report:
the same page as ``budget-etl report``, every figure linked to its source line, with a link back to the index and
each of its peer groups linked to the group's page), ``DIR/peers/*.html`` one page
per peer group of mart_office_comparison (district, city, province, office type) and year, and
``DIR/data/<table>.csv`` every mart as CSV (the export module's writer, UTF-8 with a BOM for Excel).

Every link is relative and nothing is fetched from elsewhere, so the folder works from ``file://`` and from any
web server.
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
from tqdm import tqdm

from budget_etl import __version__
from budget_etl.analyst import export, report

PEER_TYPE_ZH = report.PEER_TYPE_ZH


class SiteError(LookupError):
    """The site cannot be built (no marts, no office)."""


@dataclass(frozen=True)
class PeerGroup:
    peer_group_type: str
    peer_group: str
    fiscal_year: int
    doc_kind: str
    peer_office_type: str | None  # the office type of a type group (its Chinese name in office_type_zh)
    office_type_zh: str | None

    @property
    def href(self) -> str:
        """Relative to the site's root; ASCII, whatever the group's name (a type group: its type too)."""
        digest = hashlib.sha1(f"{self.peer_group}\n{self.peer_office_type or ''}".encode()).hexdigest()[:10]
        return f"peers/{self.peer_group_type}_{digest}_{self.fiscal_year}_{self.doc_kind}.html"

    @property
    def label(self) -> str:
        kind = PEER_TYPE_ZH.get(self.peer_group_type, self.peer_group_type)
        of_type = f"（{self.office_type_zh or self.peer_office_type}）" if self.peer_office_type else ""
        return f"{kind}：{self.peer_group}{of_type}"


def office_href(office_id: str, year: int, doc_kind: str) -> str:
    return f"offices/{office_id}_{year}_{doc_kind}.html"


def office_page_links(year: int, doc_kind: str) -> dict:
    """The links an office page of the site has (``report.render``'s arguments): back to the index, and from each
    of its peer groups to the group's page."""
    def peer_href(group: dict) -> str:
        return "../" + PeerGroup(group["peer_group_type"], group["peer_group"], year, doc_kind,
                                 group["peer_office_type"], None).href

    return {"index_href": "../index.html", "peer_href": peer_href}


def _entries(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """One row per office, year and kind of disclosure, with what the index filters on."""
    try:
        rows = report._rows(con, """
            select y.office_id, y.fiscal_year, y.doc_kind, o.office_name, o.province, o.city, o.district,
                   o.office_type_zh, y.is_synthetic
            from marts.mart_office_year y join marts.dim_office o using (office_id)
            order by o.province, o.city, o.district, o.office_name, y.fiscal_year, y.doc_kind""")
    except duckdb.CatalogException as exc:
        raise SiteError(f"the warehouse has no marts ({exc}): build them with `budget-etl run`") from exc
    if not rows:
        raise SiteError("the warehouse has no office yet (marts.mart_office_year is empty): "
                        "load documents with `budget-etl run`")
    return rows


def _peer_groups(con: duckdb.DuckDBPyConnection) -> dict[PeerGroup, list[dict]]:
    """Each peer group with more than one office -> its rows of mart_office_comparison."""
    rows = report._rows(con, """
        select c.*, t.office_type_zh as peer_office_type_zh
        from marts.mart_office_comparison c
        left join (select distinct office_type, office_type_zh from marts.dim_office) t
          on t.office_type = c.peer_office_type
        where c.peer_count > 1 and c.peer_group is not null
        order by c.peer_group_type, c.peer_group, c.peer_office_type, c.fiscal_year, c.doc_kind, c.office_name""")
    groups: dict[PeerGroup, list[dict]] = {}
    for r in rows:
        group = PeerGroup(r["peer_group_type"], r["peer_group"], r["fiscal_year"], r["doc_kind"],
                          r["peer_office_type"], r["peer_office_type_zh"])
        groups.setdefault(group, []).append(r)
    return groups


def _peer_table(group: PeerGroup, rows: list[dict]) -> tuple[list[tuple[str, str]], list[dict], dict]:
    """(metrics shown, one row per office with its amount and rank per metric, the peer median per metric)."""
    metrics = [(m, label) for m, label, _ in report.METRICS if any(r["metric"] == m for r in rows)]
    offices: dict[str, dict] = {}
    medians = {}
    for r in rows:
        office = offices.setdefault(r["office_id"], {
            "office_name": r["office_name"], "href": "../" + office_href(r["office_id"], group.fiscal_year,
                                                                         group.doc_kind), "cells": {}})
        office["cells"][r["metric"]] = r
        medians[r["metric"]] = r["peer_median_yuan"]
    order = metrics[0][0] if metrics else None
    ranked = sorted(offices.values(), key=lambda o: (o["cells"].get(order, {}).get("rank_in_peer") or 10**9,
                                                     o["office_name"]))
    return metrics, ranked, medians


def build_site(con: duckdb.DuckDBPyConnection, out_dir: str | Path, *, progress: bool = True) -> Path:
    """Write the site into ``out_dir``; returns the index page."""
    out = Path(out_dir)
    entries = _entries(con)
    groups = _peer_groups(con)
    by_office_year: dict[tuple, list[PeerGroup]] = {}
    for group, rows in groups.items():
        for office_id in dict.fromkeys(r["office_id"] for r in rows):
            by_office_year.setdefault((office_id, group.fiscal_year, group.doc_kind), []).append(group)
    (out / "offices").mkdir(parents=True, exist_ok=True)
    (out / "peers").mkdir(parents=True, exist_ok=True)
    env = report._env()

    bar = tqdm(total=len(entries) + len(groups), desc="site", unit="page", file=sys.stderr, disable=not progress)
    try:
        for e in entries:
            report.write_report(con, e["office_id"], e["fiscal_year"],
                                out / office_href(e["office_id"], e["fiscal_year"], e["doc_kind"]), e["doc_kind"],
                                **office_page_links(e["fiscal_year"], e["doc_kind"]))
            bar.update()
        for group, rows in groups.items():
            metrics, offices, medians = _peer_table(group, rows)
            html = env.get_template("site_peers.html.j2").render(
                group=group, metrics=metrics, offices=offices, medians=medians,
                DOC_KIND_ZH=report.DOC_KIND_ZH, version=__version__)
            (out / group.href).write_text(html, encoding="utf-8")
            bar.update()
    finally:
        bar.close()

    tables = [p.name for p in export.export(con, out / "data", "csv")]
    index = [{
        "name": e["office_name"], "province": e["province"] or "", "city": e["city"] or "",
        "district": e["district"] or "", "type": e["office_type_zh"] or "", "year": e["fiscal_year"],
        "kind": report.DOC_KIND_ZH.get(e["doc_kind"], e["doc_kind"]), "synthetic": bool(e["is_synthetic"]),
        "href": office_href(e["office_id"], e["fiscal_year"], e["doc_kind"]),
        "peers": [{"label": g.label, "href": g.href}
                  for g in by_office_year.get((e["office_id"], e["fiscal_year"], e["doc_kind"]), [])],
    } for e in entries]
    page = out / "index.html"
    page.write_text(env.get_template("site_index.html.j2").render(
        entries=index, groups=sorted(groups, key=lambda g: (g.fiscal_year, g.doc_kind, g.peer_group_type,
                                                            g.peer_group)),
        tables=tables, DOC_KIND_ZH=report.DOC_KIND_ZH, version=__version__), encoding="utf-8")
    return page
