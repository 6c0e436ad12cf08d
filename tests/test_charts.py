"""Chinese in charts: the project's CJK font is installed and found, and matplotlib draws every Chinese glyph
(no 'Glyph missing' warning, no empty boxes), including the rare characters of the synthetic place names."""

from __future__ import annotations

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
