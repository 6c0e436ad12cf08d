"""Invented place names for synthetic offices: a fixed, fictional geography.

Naming scheme. Every name is two characters chosen from short fixed lists of rare characters that are used in
personal names or for plants and jewels, never in real Chinese administrative names; the lists below are
disjoint, so a street can never spell a district or a city. The geography is one province (澂蘅省) with
three cities and eight districts; each district has a fixed three-digit code that starts its offices' unit
codes (``611`` + ``002`` → ``611002``) and their project codes (``611-1501-YBN-7FFL``), as in the real
seed. A street office is ``<district><two street characters>街道办事处``; the pairs of street characters are
shuffled per district by the corpus seed, so names are unique within a district and stable for a seed.

Real names must never appear: ``FORBIDDEN_NAMES`` lists the seed's real places (the tests scan every
generated document for them).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

PROVINCE = "澂蘅省"

# city -> [(district, district code)]
CITIES: dict[str, list[tuple[str, str]]] = {
    "鹓翀市": [("琰骞区", "611"), ("昶蕤区", "612"), ("璆燊区", "613")],
    "翮暄市": [("珣箬区", "621"), ("瑗芃区", "622")],
    "蓁曦市": [("琯瑢区", "631"), ("璠晞区", "632"), ("筠翾区", "633")],
}
# (city, district, code) in the order districts are filled: the first ones span two cities with two
# districts in one, so that even a small corpus has district and city peer groups of several offices.
DISTRICTS: list[tuple[str, str, str]] = sorted(
    ((city, d, code) for city, ds in CITIES.items() for d, code in ds),
    key=lambda x: ["琰骞区", "昶蕤区", "珣箬区", "琯瑢区", "璆燊区", "瑗芃区", "璠晞区", "筠翾区"].index(x[1]),
)


def district_of(i: int) -> tuple[str, str, str]:
    """The district of the i-th office (0-based), independent of the corpus size: the first 27 offices
    fill the districts three by three (so a small corpus has peers), later ones go round-robin."""
    if i < 27:
        block, within = divmod(i, 9)
        return DISTRICTS[(block * 3 + within % 3) % len(DISTRICTS)]
    return DISTRICTS[i % len(DISTRICTS)]

# Characters for street names: disjoint from the characters of the province, cities and districts above.
STREET_CHARS = "樾棽楸榉槭桤榧荇蒨蘋蓼芷蘩萱珩玥琮瑀琇瑄琬珞珏琚瑾璨璎琛珮湉澴溦濯沄"
MAX_OFFICES_PER_DISTRICT = 999

FORBIDDEN_NAMES = ("西关", "山海关", "秦皇岛", "河北", "榆关", "孔子学堂")


@dataclass(frozen=True)
class Office:
    """The stable identity of a synthetic office."""

    key: str  # o0001: the office's place in the corpus, used in file names
    street: str  # 樾棽: the short name used in 编制部门 and in the overall goal
    district: str
    city: str
    province: str
    unit_code: str  # 611002

    @property
    def name(self) -> str:
        return f"{self.district}{self.street}街道办事处"

    @property
    def unit_full_name(self) -> str:
        return f"{self.city}{self.name}"

    @property
    def code_prefix(self) -> str:
        return self.unit_code[:3]


def make_offices(count: int, seed: int) -> list[Office]:
    """``count`` offices over the districts (see district_of); unique names and unit codes. Office i is the
    same whatever ``count`` is, so a larger corpus extends a smaller one."""
    if count > MAX_OFFICES_PER_DISTRICT * len(DISTRICTS):
        raise ValueError(f"at most {MAX_OFFICES_PER_DISTRICT * len(DISTRICTS)} offices")
    seen: dict[str, int] = {}
    pairs = [a + b for a in STREET_CHARS for b in STREET_CHARS if a != b]
    shuffled = {}
    offices = []
    for i in range(count):
        city, district, code = district_of(i)
        local = seen[district] = seen.get(district, -1) + 1
        if district not in shuffled:
            shuffled[district] = random.Random(f"{seed}:streets:{district}").sample(pairs, len(pairs))
        offices.append(Office(key=f"o{i + 1:04d}", street=shuffled[district][local], district=district,
                              city=city, province=PROVINCE, unit_code=f"{code}{local + 1:03d}"))
    return offices
