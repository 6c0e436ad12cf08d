"""Chinese in charts: the project's CJK font is installed and found, and matplotlib draws every Chinese glyph
(no 'Glyph missing' warning, no empty boxes), including the rare characters of the synthetic place names."""

from __future__ import annotations

import re
import warnings

import matplotlib
import pytest
from matplotlib.ft2font import FT2Font

from budget_etl.analyst import charts
from budget_etl.synth.names import CITIES, PROVINCE, STREET_CHARS

matplotlib.use("Agg")

SAMPLE = "三公经费 人员经费 日常公用经费 项目支出 山海关区西关街道办事处 因公出国（境）费 “三公” ≥95%"
PLACES = PROVINCE + "".join(c + "".join(d for d, _ in ds) for c, ds in CITIES.items()) + STREET_CHARS


def test_a_cjk_font_is_installed_and_configured():
    family = charts.setup()
    assert family in charts.CJK_FAMILIES
    assert matplotlib.rcParams["font.sans-serif"][0] == family
    path = charts.font_file()
    assert path.endswith((".ttc", ".ttf", ".otf")), path
    charmap = FT2Font(path).get_charmap()
    missing = sorted({ch for ch in SAMPLE + PLACES if ord(ch) > 0x2E80 and ord(ch) not in charmap})
    assert not missing, f"{path} lacks {''.join(missing)}"


def test_chinese_labels_render_without_missing_glyphs():
    import matplotlib.pyplot as plt

    charts.setup()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig, ax = plt.subplots()
        ax.bar(["人员经费", "日常公用经费", "项目支出"], [1491138.28, 147275.91, 1928480.00])
        ax.set_title(SAMPLE)
        ax.set_xlabel(PLACES[:30])
        svg = charts.to_svg(fig)
    glyph_warnings = [str(w.message) for w in caught if "Glyph" in str(w.message) or "missing" in str(w.message)]
    assert glyph_warnings == []
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    # glyphs are drawn as paths: the page needs no font; each distinct character is defined once
    assert svg.count('<path id="') >= len(set(SAMPLE.replace(" ", "")))
    assert charts.to_svg(_small_chart()) == charts.to_svg(_small_chart())  # stable output


def _small_chart():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 2))
    ax.set_title("三公")
    return fig


def test_missing_font_is_a_clear_error(monkeypatch):
    from matplotlib import font_manager

    monkeypatch.setattr(charts, "CJK_FAMILIES", ("No Such CJK Font",))
    monkeypatch.setattr(charts, "_font_files", lambda: [])
    monkeypatch.setattr(font_manager.fontManager, "ttflist", [])
    with pytest.raises(charts.CJKFontMissing, match="make system"):
        charts.cjk_family()


def test_number_formats():
    assert charts.yuan(3566894.19) == "3,566,894.19"
    assert charts.yuan(None) == "—"
    assert charts.wan(3566894.19) == "356.69"


def _glyphs(text: str) -> set[str]:
    """The glyphs an SVG of ``text`` defines (drawn as paths, one definition per glyph)."""
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(2, 1))
    fig.text(0.05, 0.5, text)
    return _defined(charts.to_svg(fig))


def _defined(svg: str) -> set[str]:
    return set(re.findall(r'<path id="([^"]+)"', svg))


def test_dollar_signs_in_document_text_are_drawn_literally():
    charts.setup()
    dollar = _glyphs("$")
    assert len(dollar) == 1
    # "$x^2$" is five characters of text, not x squared
    assert _glyphs("$x^2$") == dollar | _glyphs("x") | _glyphs("^") | _glyphs("2")
    # text that would be broken mathtext is drawn too
    for text in ["项目$^$", r"$\frac{$ 工程", "费用 $5 和 $6"]:
        assert dollar <= _glyphs(text), text


def test_a_report_chart_of_projects_with_dollar_signs_in_their_names():
    from budget_etl.analyst.report import ReportData, chart_projects

    names = ["$x^2$ 改造工程", "项目$^$", r"\frac{1}{2}$"]
    data = ReportData(office={}, document={}, figures={}, history=[], yoy={}, lines={}, three_public=[],
                      peer_groups=[], text_lines=[], checks=[],
                      projects=[{"project_name_zh": name, "budget_yuan": 10000 * (i + 1)}
                                for i, name in enumerate(names)])
    svg = chart_projects(data)
    assert svg.startswith("<svg") and _glyphs("$") <= _defined(svg)
