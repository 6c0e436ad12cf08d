"""The office report: one self-contained HTML page, rendered in headless Chromium (Debian's `chromium`,
installed by `make system`) with its Chinese text and figures; the screenshots are kept in
build/test-artifacts/."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from PIL import Image

from budget_etl.analyst.charts import yuan
from budget_etl.cli import main

from analyst_support import ARTIFACTS, gold_for, rows

pytestmark = pytest.mark.slow

XIGUAN = "山海关区西关街道办事处"


def chromium(*args: str) -> str:
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        pytest.fail("Chromium is not installed: run `make system` (Debian: apt-get install chromium)")
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", *args],
            capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def render_and_check(page: Path, name: str) -> str:
    """The page's DOM after Chromium loaded it; a screenshot is kept as build/test-artifacts/<name>.png."""
    dom = chromium("--dump-dom", page.as_uri())
    shot = ARTIFACTS / f"{name}.png"
    chromium(f"--screenshot={shot}", "--window-size=1280,2400", "--hide-scrollbars", page.as_uri())
    image = Image.open(shot).convert("RGB")
    assert image.size == (1280, 2400)
    colors = image.getcolors(maxcolors=1 << 20)
    assert colors is not None and len(colors) > 200, "the screenshot looks blank"
    return dom


@pytest.fixture(scope="module")
def warehouse(bundled_warehouse):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return bundled_warehouse


def write(warehouse: Path, office: str, year: int, out: Path) -> str:
    result = CliRunner().invoke(main, ["report", "--warehouse", str(warehouse), "--office", office,
                                       "--year", str(year), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"report written: {out}"
    html = out.read_text(encoding="utf-8")
    assert "-0.0%" not in html and "+0.0%" not in html  # a change that rounds to zero is 0.0%
    return html


def assert_self_contained(html: str) -> None:
    assert not re.search(r"""(?:src|href)\s*=\s*["'](?!#)""", html), "links must stay inside the page"
    assert "<script" not in html and "<link" not in html and not re.search(r"url\((?!#)", html)
    assert html.count("<svg") >= 3
    cited = set(re.findall(r'href="#L(\d+)"', html))
    anchors = set(re.findall(r'id="L(\d+)"', html))
    assert cited and cited <= anchors  # every link to a source line lands on it


def test_a_cjk_font_for_chromium():
    found = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False)
    assert found.stdout.strip(), "no CJK font for Chromium: run `make system`"


def test_report_of_xiguan_2020(warehouse):
    out = ARTIFACTS / "report_xiguan_2020.html"
    html = write(warehouse, XIGUAN, 2020, out)
    assert_self_contained(html)
    # a document without an official source is named by its file name, never by a local path
    assert "文件 xiguan_2020_budget.txt · document_id" in html and "ingest/documents" not in html
    dom = render_and_check(out, "report_xiguan_2020")
    text = re.sub(r"<[^>]+>", " ", dom)
    for expected in [
        XIGUAN, "2020年部门预算", "河北省 秦皇岛市 山海关区", "单位编码 611002", "关键数字", "支出构成",
        "“三公”经费", "同级比较", "项目", "数据质量", "原文",
        "3,566,894.19",  # 支出合计 and 收入合计
        "1,491,138.28", "147,275.91", "1,928,480.00", "10,493.50", "671,148.20",
        "+273,225.62",  # total expenditure on last year
        "-958.50",  # 三公 on last year
        "公务用车保险费减少", "定额增加",  # the reasons of the 三公 changes
        # 18 frames, 7 identities, 9 project fundings, assets, 5 completeness, 11 rules, 9 table rules (not
        # applicable, as text.share, change.rate and text.zero_total: Xiguan states no share, no rate and no
        # 收入支出总计)
        "60 项检查全部通过或不适用", "不适用 12",
        "同区、同市、同省和同类部门都没有其他部门的2020年文件",  # Xiguan is alone in every peer group of 2020
    ]:
        assert expected in text, expected
    # every project with its budget, and the figures linked to the lines they were read from
    for code, budget in [("611-1501-YBN-7FFL", "4,000.00"), ("611-1401-JBN-V4DF", "65,880.00")]:
        assert re.search(rf"{code}\s*</td>\s*<td>[^<]+</td>\s*<td class=\"num\">{budget}", dom), code
    assert re.search(r'data-metric="total_expenditure">\s*<div class="label">支出合计 <a class="src" '
                     r'href="#L94"', dom)
    assert re.search(r'<div id="L105" class="cited"><a class="n" href="#L105">105</a>2020年，我部门财政拨款“三公”经费',
                     dom)


def test_report_of_an_office_with_peers(warehouse, tmp_path):
    [pick] = rows(warehouse, """
        select c.office_id, c.fiscal_year, c.peer_group_type, c.peer_group, c.peer_count, o.office_name
        from marts.mart_office_comparison c join marts.dim_office o using (office_id)
        where c.metric = 'three_public' and c.doc_kind = 'budget' and c.peer_count > 1
        order by c.peer_group_type = 'district' desc, c.peer_count desc, c.fiscal_year desc, c.office_id
        limit 1""")
    out = ARTIFACTS / "report_with_peers.html"
    html = write(warehouse, pick["office_id"], pick["fiscal_year"], out)
    assert_self_contained(html)
    dom = render_and_check(out, "report_with_peers")
    text = re.sub(r"<[^>]+>", " ", dom)
    [figures] = rows(warehouse, "select * from marts.mart_office_year where office_id = ? and fiscal_year = ? "
                                "and doc_kind = 'budget'", [pick["office_id"], pick["fiscal_year"]])
    peers = rows(warehouse, """select o.office_name from marts.mart_office_comparison c
                               join marts.dim_office o using (office_id)
                               where c.peer_group_type = ? and c.peer_group = ? and c.fiscal_year = ?
                                 and c.metric = 'three_public' and c.doc_kind = 'budget'""",
                 [pick["peer_group_type"], pick["peer_group"], pick["fiscal_year"]])
    assert len(peers) == pick["peer_count"]
    peer_word = {"district": "同区", "city": "同市"}[pick["peer_group_type"]]
    assert f"比较组：{peer_word}「{pick['peer_group']}」{pick['peer_count']} 个部门" in text
    # every peer group the mart has for the office that year, most local first, each with its rank per metric
    groups = rows(warehouse, """
        select c.peer_group_type, c.peer_group, c.peer_count, c.rank_in_peer, t.office_type_zh
        from marts.mart_office_comparison c
        left join (select distinct office_type, office_type_zh from marts.dim_office) t
          on t.office_type = c.peer_office_type
        where c.office_id = ? and c.fiscal_year = ? and c.doc_kind = 'budget' and c.metric = 'three_public'""",
        [pick["office_id"], pick["fiscal_year"]])
    order = ["district", "city", "province", "office_type_in_province", "office_type_national"]
    assert len(groups) >= 3 and {g["peer_group_type"] for g in groups} >= {"district", "city", "province"}
    shown = re.findall(r'<h3 class="peer-group" data-peer-group-type="([a-z_]+)">', dom)
    assert shown == sorted((g["peer_group_type"] for g in groups), key=order.index)
    words = {"district": "同区", "city": "同市", "province": "同省", "office_type_in_province": "省内同类部门",
             "office_type_national": "全国同类部门"}
    for g in groups:
        of_type = f"（{g['office_type_zh']}）" if g["peer_group_type"].startswith("office_type") else ""
        assert (f"比较组：{words[g['peer_group_type']]}「{g['peer_group']}」{of_type}{g['peer_count']} 个部门"
                in text), g
        table = re.search(rf'<table class="peers" data-peer-group-type="{g["peer_group_type"]}"[^>]*>(.*?)</table>',
                          dom, re.S)[1]
        assert re.search(rf"“三公”经费</td><td class=\"num\">[\d,.]+</td><td class=\"num\">"
                         rf"{g['rank_in_peer']}/{g['peer_count']}</td>", table), g
    assert 'class="back"' not in html  # a report on its own has no site to go back to
    for expected in [pick["office_name"], yuan(figures["total_expenditure_yuan"]),
                     yuan(figures["three_public_yuan"]), yuan(figures["project_yuan"])]:
        assert expected in text, expected
    [document] = rows(warehouse, "select source_path, is_synthetic from marts.dim_document where document_id = ?",
                      [figures["document_id"]])
    if document["is_synthetic"]:
        assert "合成数据（虚构部门）" in text
    gold = gold_for(document["source_path"])
    if gold:  # the generator's own figures for the document
        assert f"{float(gold['expenditure']['total']):,.2f}" in text
        assert f"{float(gold['three_public']['total']):,.2f}" in text
    [rank] = [r for r in rows(warehouse, """select rank_in_peer, peer_count from marts.mart_office_comparison
        where office_id = ? and fiscal_year = ? and metric = 'three_public' and peer_group_type = ?
          and doc_kind = 'budget'""",
        [pick["office_id"], pick["fiscal_year"], pick["peer_group_type"]])]
    assert re.search(rf"“三公”经费</td><td class=\"num\">[\d,.]+</td><td class=\"num\">"
                     rf"{rank['rank_in_peer']}/{rank['peer_count']}</td>", dom)


def test_report_errors(warehouse, tmp_path):
    runner = CliRunner()
    base = ["report", "--warehouse", str(warehouse), "--out", str(tmp_path / "r.html")]
    nobody = runner.invoke(main, [*base, "--office", "不存在的部门", "--year", "2020"])
    assert nobody.exit_code == 1 and "no office '不存在的部门'" in nobody.output
    no_year = runner.invoke(main, [*base, "--office", XIGUAN, "--year", "1999"])
    assert no_year.exit_code == 1 and "its years: 2020" in no_year.output
    assert not (tmp_path / "r.html").exists()
    # several offices with a name containing the text: listed, one per line, and nothing written
    several = runner.invoke(main, [*base, "--office", "昶蕤区", "--year", "2023"])
    assert several.exit_code == 1 and "'昶蕤区' matches 3 offices" in several.output, several.output
    listed = [line.split()[-1] for line in several.output.splitlines() if line.startswith("  ofc_")]
    assert listed == ["昶蕤区棽蒨街道办事处", "昶蕤区澴蓼街道办事处", "昶蕤区珏槭街道办事处"]
    assert not (tmp_path / "r.html").exists()


def test_report_finds_an_office_by_part_of_its_name(warehouse, tmp_path):
    """西关 (or 西關, in Traditional) is part of one office's name only: that office's report."""
    from budget_etl.analyst.report import find_office

    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert {find_office(con, part)["office_name"] for part in ("西关", "西關", "西关街道")} == {XIGUAN}
    result = CliRunner().invoke(main, ["report", "--warehouse", str(warehouse), "--office", "西关", "--year", "2020",
                                       "--out", str(tmp_path / "xiguan.html")])
    assert result.exit_code == 0, result.output
    assert XIGUAN in (tmp_path / "xiguan.html").read_text(encoding="utf-8")


def test_report_shows_a_failed_check(warehouse, tmp_path):
    """The demo corpus has planted slips: a document whose own arithmetic fails says so, with the figures."""
    failed = rows(warehouse, """select q.office_id, q.fiscal_year, q.check_name, q.expected, q.actual,
                                       q.difference, q.src_line
                                from marts.dq_check_results q join marts.mart_office_year y using (document_id)
                                where q.status = 'fail' order by q.office_id, q.fiscal_year, q.check_name""")
    assert failed, "the bundled demo corpus plants slips; one should fail its check"
    slip = failed[0]
    html = write(warehouse, slip["office_id"], slip["fiscal_year"], tmp_path / "slip.html")
    same_doc = [f for f in failed if (f["office_id"], f["fiscal_year"]) == (slip["office_id"], slip["fiscal_year"])]
    assert f'<span class="bad">{len(same_doc)} 项检查不符</span>' in html
    row = re.search(rf"<tr><td>{re.escape(slip['check_name'])}</td><td>identity</td>\s*<td class=\"bad\">不符</td>"
                    r"(.*?)</tr>", html, re.S)
    assert row, slip["check_name"]
    cells = re.findall(r'<td class="num">([^<]*)</td>', row[1])
    assert cells == [yuan(slip["expected"]), yuan(slip["actual"]), yuan(slip["difference"])]
    if slip["src_line"]:
        assert f'href="#L{slip["src_line"]}"' in row[1]


def test_report_shows_budget_against_final_when_both_exist(warehouse, tmp_path):
    """A demo office has its budget and its 决算 of 2023: both pages hold the execution table, figures from
    the 决算's gold; a year with a budget only has none."""
    [final] = rows(warehouse, """select d.office_id, d.source_path from marts.dim_document d
                                 where d.doc_kind = 'final_accounts' order by d.office_id limit 1""")
    gold = gold_for(final["source_path"])
    total, tp = gold["expenditure"]["total"], gold["three_public"]["total"]
    for kind in ("budget", "final_accounts"):
        out = tmp_path / f"{kind}.html"
        result = CliRunner().invoke(main, ["report", "--warehouse", str(warehouse), "--office", final["office_id"],
                                           "--year", "2023", "--kind", kind, "--out", str(out)])
        assert result.exit_code == 0, result.output
        html = out.read_text(encoding="utf-8")
        assert "预算执行" in html
        row = re.search(r'<tr data-metric="total_expenditure">(.*?)</tr>', html, re.S)
        assert row, kind
        cells = re.findall(r'<td class="num">([^<]*)</td>', row[1])
        spent, budget = Decimal(total["final"]), Decimal(total["budget"])
        rate = (spent / budget).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP) * 100
        assert cells == [yuan(budget), yuan(spent), ("+" if spent > budget else "") + yuan(spent - budget),
                         f"{rate:.2f}%"]
        assert "两者一致" in row[1]
        tp_row = re.search(r'<tr data-metric="three_public">(.*?)</tr>', html, re.S)
        assert tp_row and yuan(tp["final"]) in tp_row[1] and yuan(tp["budget"]) in tp_row[1]
    earlier = write(warehouse, final["office_id"], 2022, tmp_path / "2022.html")
    assert "预算执行" not in earlier


def test_report_shows_both_figures_of_a_cross_year_disagreement(warehouse, tmp_path):
    """The demo corpus plants a 三公 item whose stated prior-year figure is not last year's own: the page shows
    both figures, each with its source (a line of this document; last year's document by title and file)."""
    found = rows(warehouse, """select y.*, p.file_name as prior_file, p.title as prior_title
                               from marts.mart_yoy y join marts.dim_document p on p.document_id = y.prior_document_id
                               where y.stated_matches_prior_document = false order by y.office_id, y.metric""")
    assert found, "the bundled demo corpus plants a cross-year disagreement"
    pick = found[0]
    out = ARTIFACTS / "report_cross_year.html"
    html = write(warehouse, pick["office_id"], pick["fiscal_year"], out)
    row = re.search(rf'<tr data-metric="{pick["metric"]}"><td>[^<]+</td>(.*?)</tr>', html, re.S)
    assert row, pick["metric"]
    cells = re.findall(r'<td class="num">([^<]*)</td>', row[1])
    assert cells == [yuan(pick["stated_prior_yuan"]), yuan(pick["prior_document_yuan"]),
                     ("+" if pick["stated_prior_yuan"] > pick["prior_document_yuan"] else "")
                     + yuan(pick["stated_prior_yuan"] - pick["prior_document_yuan"])]
    assert f"{pick['fiscal_year'] - 1}年部门预算：{pick['prior_title']}（{pick['prior_file']}" in row[1]
    [line] = rows(warehouse, "select min(src_line) as n from marts.fct_three_public_cost where document_id = ? "
                             "and category = ?", [pick["document_id"], pick["metric"]])
    assert f'本文件 <a class="src" href="#L{line["n"]}"' in row[1]
    # a link to a source line opens the folded text in Chromium
    dom = chromium("--dump-dom", out.as_uri() + f"#L{line['n']}")
    assert re.search(r'<details id="source-text" open', dom)
    assert not re.search(r'<details id="passed-checks" open', dom)


def test_report_folds_the_text_and_passing_checks_and_marks_cited_numbers(warehouse, tmp_path):
    html = write(warehouse, XIGUAN, 2020, tmp_path / "xiguan.html")
    assert re.search(r'<details id="source-text"><summary>展开原文 \d+ 行', html)
    [count] = rows(warehouse, """select count(*) as n from marts.dq_check_results q join marts.dim_document d
                                 using (document_id) where d.file_name = 'xiguan_2020_budget.txt'
                                 and q.status = 'pass' and q.check_kind = 'identity'""")
    assert count["n"] == 17  # 7 identities, 9 project fundings, the assets
    folded = re.search(r'<details id="passed-checks"><summary>通过或不适用的检查 29 项.*?</details>', html, re.S)
    assert folded and folded[0].count('<td class="ok">通过</td>') == 17
    assert folded[0].count('<td class="">不适用</td>') == 12  # as the status line counts them: 不适用 12
    assert '<table id="checks">' not in html  # Xiguan fails no check: nothing left open
    # line 94 gives 支出合计 and its parts: each cited figure is marked inside its line, an uncited one is not
    line = re.search(r'<div id="L94" class="cited">(.*?)</div>', html)[1]
    assert re.findall(r"<mark>([^<]+)</mark>", line) == ["3566894.19", "1638414.19", "1491138.28", "147275.91",
                                                         "1928480.00"]
    assert "安排682600元" in line  # a project's figure the key figures do not cite


def test_report_text_is_escaped_and_zero_change_has_no_sign(warehouse):
    import duckdb

    from budget_etl.analyst import report

    con = duckdb.connect(str(warehouse), read_only=True)
    data = report.gather(con, XIGUAN, 2020)
    con.close()
    n = data.lines["total_expenditure"]
    data.text_lines[n - 1] = '<script>alert("x")</script> 支出合计 3,566,894.19 & <b>'
    html = report.render(data)
    assert "<script>" not in html and "<b>" not in html
    assert (f'<a class="n" href="#L{n}">{n}</a>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; 支出合计 '
            "<mark>3,566,894.19</mark> &amp; &lt;b&gt;") in html
    assert report.marked_line("3,566,894.19元与356.69万元", {Decimal("3566894.19")}, "元") == [
        ("3,566,894.19", True), ("元与356.69万元", False)]
    # a change rate is a fraction (mart_yoy.change_rate), printed in percent
    assert [report._pct(v) for v in (None, 0, -0.000175, 0.0004, -0.0005, 0.134328, -0.0206, Decimal("-0.083697"))] == [
        "—", "0.0%", "0.0%", "0.0%", "-0.1%", "+13.4%", "-2.1%", "-8.4%"]


def test_report_prints_the_marts_fractions_in_percent(warehouse, tmp_path):
    """The marts' ratios are fractions (change_rate -0.083697, spend_plan_share_m03 0.25): the page prints
    them in percent, as the document does."""
    html = write(warehouse, XIGUAN, 2020, tmp_path / "xiguan.html")
    # 三公 10,493.50 against 11,452.00 the year before: -958.50, -8.3697 %
    assert "-958.50 元（-8.4%）" in html
    # 车辆保险费 plans 25% by March, 60% by June, 90% by October, 100% by December (gold)
    assert re.search(r"611-1501-YBN-7FFL</td>.*?<td class=\"num\">25/60/90/100</td>", html, re.S)
