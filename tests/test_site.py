"""`budget-etl site`: the static site of every office, opened in headless Chromium from its index (filtered by
a query string or hash) to an office page and to a figure's source line."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import duckdb
import jinja2
import pytest
from click.testing import CliRunner

from budget_etl.analyst import report
from budget_etl.analyst import site as site_module
from budget_etl.cli import main
from test_report import XIGUAN, chromium

from analyst_support import rows


def test_no_warehouse_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(main, ["site", "--out", str(tmp_path / "s"), "--warehouse",
                                       str(tmp_path / "none.duckdb")])
    assert result.exit_code == 1 and "no warehouse at" in result.output


def test_an_empty_warehouse_is_a_clear_error(tmp_path):
    duckdb.connect(str(tmp_path / "empty.duckdb")).close()
    result = CliRunner().invoke(main, ["site", "--quiet", "--out", str(tmp_path / "s"), "--warehouse",
                                       str(tmp_path / "empty.duckdb")])
    assert result.exit_code == 1 and "the warehouse has no marts" in result.output


def test_the_index_data_cannot_close_its_script():
    """Names are embedded as JSON inside <script>: a name holding </script> or <!-- stays inside it."""
    page = report._env().get_template("site_index.html.j2").render(
        entries=[{"name": "</script><script>alert(1)</script><!--", "peers": []}], groups=[], tables=[],
        DOC_KIND_ZH={}, version="x")
    data = re.search(r'<script type="application/json" id="entries">(.*?)</script>', page, re.S)[1]
    assert "<" not in data and ">" not in data and "\\u003c/script\\u003e" in data
    with pytest.raises(jinja2.UndefinedError):  # every value the page needs is given
        report._env().get_template("site_index.html.j2").render(entries=[])


@pytest.fixture(scope="module")
def site(bundled_warehouse, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    result = CliRunner().invoke(main, ["site", "--quiet", "--out", str(out), "--warehouse", str(bundled_warehouse)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"site written: {out / 'index.html'}"
    return out


def dom(page: Path, suffix: str = "") -> str:
    return chromium("--dump-dom", page.as_uri() + suffix)


def office_links(html: str) -> list[str]:
    """The links to office pages (class "office", whichever order Chromium writes the attributes in)."""
    return [re.search(r'href="([^"]+)"', tag)[1] for tag in re.findall(r"<a [^>]*>", html) if 'class="office"' in tag]


@pytest.mark.slow
def test_every_link_is_relative_and_lands_on_a_file(site):
    pages = list(site.rglob("*.html"))
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "<link" not in html and not re.search(r"<script[^>]+src=", html)
        for href in re.findall(r'href="([^"#]+)', html):
            assert not re.match(r"[a-z]+:|/", href), f"{page.name} links {href}"
            assert (page.parent / href).resolve().is_file(), f"{page.name} links a missing {href}"


@pytest.mark.slow
def test_one_page_per_office_and_year_and_a_csv_per_mart(site, bundled_warehouse):
    years = rows(bundled_warehouse, "select office_id, fiscal_year, doc_kind from marts.mart_office_year")
    assert sorted(p.name for p in (site / "offices").iterdir()) == sorted(
        f"{r['office_id']}_{r['fiscal_year']}_{r['doc_kind']}.html" for r in years)
    marts = rows(bundled_warehouse, "select table_name from duckdb_tables() where schema_name = 'marts'")
    assert sorted(p.name for p in (site / "data").iterdir()) == sorted(f"{m['table_name']}.csv" for m in marts)
    index = (site / "index.html").read_text(encoding="utf-8")  # a download link per table
    assert sorted(re.findall(r'<a href="data/([^"]+)" download>', index)) == sorted(p.name for p in (site / "data").iterdir())
    data = (site / "data" / "mart_office_year.csv").read_bytes()
    assert data.startswith("\ufeffoffice_id,".encode()) and data.count(b"\n") == len(years) + 1
    # the office page is the office report itself
    r = years[0]
    page = (site / "offices" / f"{r['office_id']}_{r['fiscal_year']}_{r['doc_kind']}.html").read_text(encoding="utf-8")
    with duckdb.connect(str(bundled_warehouse), read_only=True) as con:
        same = report.render(report.gather(con, r["office_id"], r["fiscal_year"], r["doc_kind"]),
                             **site_module.office_page_links(r["fiscal_year"], r["doc_kind"]))
    strip = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC|<svg.*?</svg>", re.S)  # the time and matplotlib's ids
    assert strip.sub("", page) == strip.sub("", same)


@pytest.mark.slow
def test_index_search_leads_to_the_office_and_its_source_line(site):
    index = site / "index.html"
    everything = dom(index)
    assert re.search(r'id="count"[^>]*>33 / 33 ', everything)
    found = dom(index, "?q=" + quote("西关"))
    links = office_links(found)
    assert re.search(r'id="count"[^>]*>1 / 33 ', found) and len(links) == 1
    assert f">{XIGUAN}</a>" in found
    office = index.parent / links[0]
    html = office.read_text(encoding="utf-8")
    cited = re.findall(r'href="#L(\d+)"', html)
    assert cited
    line = cited[0]
    opened = dom(office, f"#L{line}")  # the source line the figure links to is on the page
    assert re.search(rf'<[a-z]+ id="L{line}"', opened)
    assert XIGUAN in opened


@pytest.mark.slow
def test_filters_are_read_from_the_hash(site, bundled_warehouse):
    [(count_2023,)] = [tuple(r.values()) for r in rows(
        bundled_warehouse, "select count(*) from marts.mart_office_year where fiscal_year = 2023")]
    [province] = [r["province"] for r in rows(
        bundled_warehouse, "select province from marts.dim_office where office_name = ?", [XIGUAN])]
    filtered = dom(site / "index.html", "#year=2023")
    assert re.search(rf'id="count"[^>]*>{count_2023} / 33 ', filtered)
    listed = re.search(r'<tbody id="rows">(.*?)</tbody>', filtered, re.S)[1]
    assert re.findall(r'<td class="num">(\d{4})</td>', listed) == ["2023"] * count_2023
    by_province = dom(site / "index.html", "#province=" + quote(province))
    assert len(office_links(by_province)) == 1 and f">{XIGUAN}</a>" in by_province
    assert re.search(r'id="count"[^>]*>1 / 33 ', by_province)
    # a city and an office type together: the office-years of that type in that city
    [pick] = rows(bundled_warehouse, """
        select o.city, o.office_type_zh, count(*) as n, list(distinct o.office_name order by o.office_name) as names
        from marts.mart_office_year y join marts.dim_office o using (office_id)
        where o.city is not null and o.office_type_zh is not null
        group by all order by count(distinct o.office_id) desc, o.city limit 1""")
    assert len(pick["names"]) >= 2
    by_city = dom(site / "index.html", f"#city={quote(pick['city'])}&type={quote(pick['office_type_zh'])}")
    assert re.search(rf'id="count"[^>]*>{pick["n"]} / 33 ', by_city)
    listed = re.search(r'<tbody id="rows">(.*?)</tbody>', by_city, re.S)[1]
    assert sorted(set(re.findall(r'class="office"[^>]*>([^<]+)</a>', listed))) == pick["names"]


@pytest.mark.slow
def test_a_peer_page_lists_the_group_with_its_amounts(site, bundled_warehouse):
    group = rows(bundled_warehouse, """
        select peer_group, fiscal_year, doc_kind, list(office_id order by office_id) as offices,
               list(amount_yuan order by office_id) as amounts
        from marts.mart_office_comparison
        where peer_group_type = 'district' and metric = 'three_public' and peer_count > 1
        group by all order by fiscal_year, peer_group limit 1""")[0]
    pages = [p for p in (site / "peers").glob(f"district_*_{group['fiscal_year']}_{group['doc_kind']}.html")
             if f"<h1>同区：{group['peer_group']}</h1>" in p.read_text(encoding="utf-8")]
    assert len(pages) == 1
    html = pages[0].read_text(encoding="utf-8")
    linked = {link.split("/")[-1].split("_20")[0] for link in office_links(html)}
    assert linked == set(group["offices"])
    for amount in group["amounts"]:
        if amount is not None:
            assert f"{amount:,.2f}" in html
    index = (site / "index.html").read_text(encoding="utf-8")
    assert f'href="peers/{pages[0].name}"' in index
    assert '<a href="../index.html">' in html and '<a href="../data/mart_office_comparison.csv" download>' in html


def test_type_groups_of_one_division_get_pages_of_their_own():
    from budget_etl.analyst.site import PeerGroup

    streets = PeerGroup("office_type_national", "全国", 2023, "budget", "street_office", "街道办事处")
    other = PeerGroup("office_type_national", "全国", 2023, "budget", "finance_bureau", None)
    assert streets.href != other.href and streets.href.isascii()
    assert streets.label == "全国同类部门：全国（街道办事处）" and other.label == "全国同类部门：全国（finance_bureau）"
    assert PeerGroup("district", "昶蕤区", 2023, "budget", None, None).label == "同区：昶蕤区"


@pytest.mark.slow
def test_an_office_page_links_back_to_the_index_and_to_each_of_its_peer_groups(site, bundled_warehouse):
    [r] = rows(bundled_warehouse, """
        select office_id, fiscal_year, doc_kind, count(distinct peer_group_type) as groups
        from marts.mart_office_comparison
        group by all order by groups desc, office_id, fiscal_year limit 1""")
    page = site / "offices" / f"{r['office_id']}_{r['fiscal_year']}_{r['doc_kind']}.html"
    html = page.read_text(encoding="utf-8")
    assert '<nav><a class="back" href="../index.html">' in html
    linked = re.findall(r'<h3 class="peer-group"[^>]*>比较组：<a href="\.\./(peers/[^"]+)">', html)
    assert len(linked) == r["groups"] >= 3
    for href in linked:  # each group's page lists this office and links back to the index
        group_page = (site / href).read_text(encoding="utf-8")
        assert f'href="../offices/{page.name}"' in group_page and 'href="../index.html"' in group_page
