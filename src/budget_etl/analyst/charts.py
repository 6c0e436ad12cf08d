"""Charts with Chinese labels: find a CJK font, make matplotlib use it, and turn figures into inline SVG.

The project's set-up installs Debian's ``fonts-wqy-microhei`` (``make system``); any of ``CJK_FAMILIES``
will do. Call :func:`setup` before drawing (the report and the notebooks do).
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

# In order of preference; the first is what the project's set-up installs.
CJK_FAMILIES = (
    "WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
    "SimHei", "Microsoft YaHei", "PingFang SC",
)
FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".local/share/fonts")
INSTALL_HINT = "install one with `make system` (Debian: apt-get install fonts-wqy-microhei)"


class CJKFontMissing(RuntimeError):
    """No font with Chinese glyphs is installed."""


def _font_files() -> list[str]:
    """Font files that cover Chinese, from fontconfig when it is there, else by walking the font folders."""
    if shutil.which("fc-list"):
        out = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True, check=False)
        return sorted({line.split(":")[0].strip() for line in out.stdout.splitlines() if line.strip()})
    return sorted(str(p) for d in FONT_DIRS if d.is_dir() for p in d.rglob("*")
                  if p.suffix.lower() in {".ttf", ".ttc", ".otf"})


def cjk_family() -> str:
    """The family name of an installed CJK font known to matplotlib (registering it if matplotlib's font
    cache predates its installation). Raises CJKFontMissing when there is none."""
    from matplotlib import font_manager

    for attempt in range(2):
        known = {f.name for f in font_manager.fontManager.ttflist}
        for family in CJK_FAMILIES:
            if family in known:
                return family
        if attempt == 0:
            for path in _font_files():
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue  # a font file matplotlib cannot read
    raise CJKFontMissing(f"no CJK font found ({', '.join(CJK_FAMILIES[:2])}, ...): {INSTALL_HINT}")


def font_file(family: str | None = None) -> str:
    """The file matplotlib draws ``family`` (default: the CJK family) from."""
    from matplotlib import font_manager

    return font_manager.findfont(font_manager.FontProperties(family=family or cjk_family()),
                                 fallback_to_default=False)


def setup() -> str:
    """Make matplotlib draw Chinese: the CJK family first, DejaVu Sans as fallback. Returns the family."""
    import matplotlib

    family = cjk_family()
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["font.sans-serif"] = [family, "DejaVu Sans"]
    matplotlib.rcParams["axes.unicode_minus"] = False  # the CJK font may lack U+2212
    matplotlib.rcParams["svg.hashsalt"] = "budget-etl"  # stable ids: the same chart gives the same SVG
    matplotlib.rcParams["svg.fonttype"] = "path"  # glyphs as paths: the SVG needs no font to display
    # labels are document text (project names, ...): a "$" is a dollar sign, never the start of mathtext
    matplotlib.rcParams["text.parse_math"] = False
    return family


def to_svg(fig) -> str:
    """The figure as an inline ``<svg>`` element (no XML prolog), then closed."""
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def yuan(value, digits: int = 2) -> str:
    """12345.6 -> '12,345.60'; None -> '—'."""
    return "—" if value is None else f"{float(value):,.{digits}f}"


def wan(value) -> str:
    """An amount in 万元 with two decimals: 3566894.19 -> '356.69'."""
    return "—" if value is None else f"{float(value) / 10000:,.2f}"
