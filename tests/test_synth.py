"""The synthetic corpus: deterministic, consistent, continuous across years, marked, fictional, and read back
by the extractor exactly as its gold files say."""

from __future__ import annotations

import hashlib
import itertools
import json
import random
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from budget_etl.extract import extract
from budget_etl.readers import read_bytes
from budget_etl.synth import FORBIDDEN_NAMES, MARKER, generate_corpus, office_documents
from budget_etl.synth.names import make_offices
from budget_etl.synth.render_docx import render_docx
from budget_etl.synth.render_txt import render_txt
from budget_etl.synth.template import lay_out

from goldcheck import assert_matches_gold, gold_differences

D = Decimal
CATEGORY_KEYS = ["overseas_travel", "vehicle_purchase", "vehicle_operation", "official_reception"]
SOURCES = ["general_public_budget", "government_fund", "fiscal_special_account", "other"]


def _sum(values) -> Decimal:
    return sum((D(v) for v in values if v is not None), D(0))


def identity_failures(g: dict) -> set[str]:
    """The document's own identities (names as in validate.py, plus a few relations) that do not hold."""
    failed = set()

    def check(name: str, stated, parts: Decimal) -> None:
        if D(stated) != parts:
            failed.add(name)

    rev, exp, tp, chg = g["revenue"], g["expenditure"], g["three_public"], g["change_vs_prior_year"]
    projects = g["projects"]
    check("identity.revenue_total", rev["total"], _sum(rev[s] for s in SOURCES))
    check("relation.revenue_equals_expenditure", rev["total"], D(exp["total"]))
    check("identity.expenditure_total", exp["total"], _sum([exp["basic"], exp["project"]]))
    check("identity.basic_total", exp["basic"], _sum([exp["personnel"], exp["public_operating"]]))
    check("identity.operating_expense_total", g["operating_expense_total"],
          _sum(a for _, a in g["operating_expense_items"]))
    check("relation.public_operating_equals_operating_expense_total", exp["public_operating"],
          D(g["operating_expense_total"]))
    check("identity.three_public_total", tp["total"], _sum(i["amount"] for i in tp["items"]))
    check("identity.three_public_change", tp["total_change"], _sum(i["change"] for i in tp["items"]))
    check("relation.change_total", chg["total"], _sum([chg["basic"], chg["project"]]))
    check("identity.project_expenditure", exp["project"], _sum(p["budget"] for p in projects))
    for p in projects:
        check("identity.project_funding", p["budget"], _sum([p["fiscal_funds"], p["other_funds"]]))
    check("identity.asset_total", g["assets"]["total_value"], _sum(a["value"] for a in g["assets"]["items"]))
    example = g["statement_project_example"]
    segment = example["equals_sum_of_project_code_segment"]
    check("relation.project_example", example["amount"],
          _sum(p["budget"] for p in projects if p["code"].split("-")[1] == segment))
    return failed


def continuity_failures(prev: dict, cur: dict) -> set[str]:
    """Stated changes of ``cur`` that are not the differences to the previous year's document ``prev``."""
    failed = set()

    def check(name: str, change, now, before) -> None:
        if D(change) != D(now) - D(before):
            failed.add(name)

    c, e0, e1 = cur["change_vs_prior_year"], prev["expenditure"], cur["expenditure"]
    check("continuity.expenditure_total", c["total"], e1["total"], e0["total"])
    check("continuity.basic", c["basic"], e1["basic"], e0["basic"])
    check("continuity.project", c["project"], e1["project"], e0["project"])
    t0, t1 = prev["three_public"], cur["three_public"]
    check("continuity.three_public_total", t1["total_change"], t1["total"], t0["total"])
    for key, a, b in zip(CATEGORY_KEYS, t1["items"], t0["items"], strict=True):
        check(f"continuity.three_public.{key}", a["change"], a["amount"], b["amount"])
    return failed


def slip_checks(g: dict) -> set[str]:
    return {c for s in g["planted_slips"] for c in [s["check"], *s["also_breaks"]]}


def _office_golds(offices: int, years, seed: int, slip_rate: float = 0.05) -> dict[str, list[dict]]:
    return {o.key: [doc.gold() for doc, _ in office_documents(o, years, seed, slip_rate)]
            for o in make_offices(offices, seed)}


def _assert_consistent(golds: list[dict]) -> None:
    for g in golds:
        derived = [*g["change_vs_prior_year"]["derived_prior_year"].values(),
                   *(D(i["amount"]) - D(i["change"]) for i in g["three_public"]["items"])]
        assert all(D(v) >= 0 for v in derived), "a stated change implies a negative prior-year amount"
        planted = slip_checks(g)
        expected = {c for c in planted if not c.startswith("continuity.")}
        assert identity_failures(g) == expected, g["planted_slips"]
    for prev, cur in itertools.pairwise(golds):
        if cur["document"]["fiscal_year"] == prev["document"]["fiscal_year"] + 1:
            expected = {c for c in slip_checks(cur) if c.startswith("continuity.")}
            assert continuity_failures(prev, cur) == expected, cur["planted_slips"]


# --- corpus on disk ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    generate_corpus(out, offices=9, years=range(2018, 2022), fmt="txt", seed=11)
    return out


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes(corpus, tmp_path):
    again = tmp_path / "again"
    generate_corpus(again, offices=9, years=range(2018, 2022), fmt="txt", seed=11, workers=2)
    assert _files(again) == _files(corpus)
    other = tmp_path / "other"
    generate_corpus(other, offices=9, years=range(2018, 2022), fmt="txt", seed=12)
    assert _files(other)["o0001/o0001_2018_budget.txt"] != _files(corpus)["o0001/o0001_2018_budget.txt"]


def test_an_office_does_not_depend_on_the_others(corpus, tmp_path):
    generate_corpus(tmp_path, offices=2, years=range(2018, 2022), fmt="txt", seed=11)
    assert _files(tmp_path)["o0002/o0002_2021_budget.txt"] == _files(corpus)["o0002/o0002_2021_budget.txt"]


def test_manifest_lists_every_document(corpus):
    manifest = yaml.safe_load((corpus / "sources.yml").read_text(encoding="utf-8"))
    entries = manifest["documents"]
    assert len(entries) == 9 * 4 == len(list(corpus.rglob("*_budget.txt")))
    for e in entries:
        data = (corpus / e["path"]).read_bytes()
        assert e["sha256"] == hashlib.sha256(data).hexdigest()
        assert e["is_synthetic"] is True and e["doc_kind"] == "budget" and e["format"] == "txt"
        gold = json.loads((corpus / e["gold"]).read_text(encoding="utf-8"))
        assert gold["is_synthetic"] is True
        document = gold["document"]
        assert (document["office_name"], document["fiscal_year"]) == (e["office"], e["fiscal_year"])
        assert Path(e["gold"]).parent == Path(e["path"]).parent


def test_gold_has_the_shape_of_the_real_gold(corpus, gold):
    generated = json.loads(next(corpus.rglob("*.gold.json")).read_text(encoding="utf-8"))
    assert set(gold) - {"_about"} <= set(generated)
    for key in ("document", "revenue", "expenditure", "change_vs_prior_year", "three_public", "assets",
                "government_procurement", "project_indicator_example"):
        assert set(gold[key]) - {"_about"} <= set(generated[key]), key
    assert set(gold["projects"][0]) <= set(generated["projects"][0])


def test_every_document_is_marked_and_fictional(corpus):
    for path in corpus.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert not [name for name in FORBIDDEN_NAMES if name in text], path
            if path.suffix == ".txt":
                assert MARKER in text.split("\n")[2], path


def test_identities_and_continuity_hold_except_for_planted_slips(corpus):
    for office in sorted(p for p in corpus.iterdir() if p.is_dir()):
        golds = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(office.glob("*.gold.json"))]
        _assert_consistent(golds)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), first=st.integers(2010, 2030), count=st.integers(1, 4),
       slip_rate=st.sampled_from([0.0, 0.05, 1.0]))
def test_consistency_for_any_seed(seed, first, count, slip_rate):
    for golds in _office_golds(3, range(first, first + count), seed, slip_rate).values():
        _assert_consistent(golds)
        if slip_rate == 1.0:
            assert all(len(g["planted_slips"]) == 1 for g in golds)
        if slip_rate == 0.0:
            assert not any(g["planted_slips"] for g in golds)


def test_slips_are_planted_at_the_rate():
    golds = [g for gs in _office_golds(60, range(2015, 2020), seed=3).values() for g in gs]
    slips = [s for g in golds for s in g["planted_slips"]]
    assert 0.02 < len(slips) / len(golds) < 0.09
    assert {s["kind"] for s in slips} == {"rounding_drift", "wrong_stated_change"}


def test_gaps_between_years_and_first_year_changes():
    (golds,) = _office_golds(1, [2016, 2018, 2019], seed=5, slip_rate=0).values()
    assert [g["document"]["fiscal_year"] for g in golds] == [2016, 2018, 2019]
    _assert_consistent(golds)
    first = golds[0]["change_vs_prior_year"]  # changes on an invented 2015
    assert D(first["derived_prior_year"]["total"]) > 0


def test_offices_have_stable_unique_identities():
    offices = make_offices(500, seed=1)
    assert len({o.name for o in offices}) == len({o.unit_code for o in offices}) == 500
    assert len({o.city for o in offices}) == 3 and len({o.district for o in offices}) == 8
    assert make_offices(5, seed=1) == offices[:5]
    assert all(o.name.endswith("街道办事处") and o.unit_code[:3] in "611 612 613 621 622 631 632 633"
               for o in offices)


def test_project_codes_unique_and_stable_across_years():
    for golds in _office_golds(8, range(2015, 2021), seed=9).values():
        names: dict[str, set[str]] = {}
        for g in golds:
            codes = [p["code"] for p in g["projects"]]
            assert len(codes) == len(set(codes)) and 1 <= len(codes) <= 15
            for p in g["projects"]:
                assert p["code"].startswith(g["document"]["unit_code"][:3] + "-")
                assert 3 <= len(p["indicators"]) <= 6
                year = str(g["document"]["fiscal_year"])
                names.setdefault(p["code"], set()).add(p["name"].replace(year, "Y"))
            assert 3 <= len(g["duties"]) <= 15
        assert all(len(n) == 1 for n in names.values())  # a code keeps its project
        years_of = {code: sum(code in {p["code"] for p in g["projects"]} for g in golds) for code in names}
        assert max(years_of.values()) > 1


def test_formatting_quirks_appear():
    quirks = {q["kind"] for gs in _office_golds(40, range(2015, 2020), seed=4).values() for g in gs
              for q in g["quirks"]}
    assert quirks == {"space_in_amount", "thousands_separator", "fullwidth_digits",
                      "stray_comma_before_change", "tc_field_codes"}


# --- round trip through the reader and the extractor ---------------------------------------------------

def _extract(data: bytes, name: str):
    try:
        return extract(read_bytes(data, name))
    except NotImplementedError:
        pytest.skip("the extractor is not implemented yet")


def test_round_trip_txt(corpus):
    for path in sorted(corpus.rglob("*_budget.txt")):
        gold = json.loads(path.with_name(path.name.replace(".txt", ".gold.json")).read_text(encoding="utf-8"))
        assert_matches_gold(_extract(path.read_bytes(), path.name), gold)


def test_round_trip_with_every_quirk_and_slip():
    rates = {"space_in_amount": 0.3, "thousands_separator": 0.3, "fullwidth_digits": 0.3}
    office = make_offices(3, seed=8)[2]
    for doc, items in office_documents(office, range(2018, 2022), seed=8, slip_rate=1.0, quirk_rates=rates):
        assert doc.slips and doc.quirks
        assert_matches_gold(_extract(render_txt(items), "x.txt"), doc.gold())


def test_round_trip_docx():
    office = make_offices(2, seed=6)[1]
    for doc, items in office_documents(office, range(2019, 2021), seed=6):
        data = render_docx(items, title=doc.title)
        assert data == render_docx(items, title=doc.title)
        assert_matches_gold(_extract(data, "x.docx"), doc.gold())


def test_round_trip_zero_project_change():
    """A zero change is written 与上年持平 (项目支出与上年持平) and read as 0."""
    office = make_offices(1, seed=2)[0]
    doc, _ = office_documents(office, [2020], seed=2, slip_rate=0)[0]
    doc.change_project = D(0)
    doc.quirks.clear()
    data = render_txt(lay_out(doc, random.Random(0)))
    assert "项目支出与上年持平" in data.decode()
    diffs = gold_differences(_extract(data, "x.txt"), doc.gold())
    assert not [d for d in diffs if d.startswith(("change.project", "prior_year.project"))]


def test_validator_finds_exactly_the_planted_identity_slips():
    from budget_etl.validate import identity_checks

    for office in make_offices(4, seed=13):
        for doc, items in office_documents(office, range(2017, 2021), seed=13, slip_rate=0.5):
            failed = {r["check_name"] for r in identity_checks(_extract(render_txt(items), "x.txt"))
                      if r["status"] == "fail"}
            assert failed == {c for c in slip_checks(doc.gold()) if c.startswith("identity.")}, doc.slips
