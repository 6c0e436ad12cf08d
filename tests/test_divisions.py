"""The division of an office (national adcode, province, city, district, level) from its names, never
guessed; every real document of ../shared gets its province (skipped without it)."""

from __future__ import annotations

import pytest

from budget_etl.extract.divisions import Division, locate
from national_gold import PDF_DIR, gold_by_file


@pytest.mark.parametrize("name, expected", [
    ("山海关区西关街道办事处", Division("130303", "河北省", "秦皇岛市", "山海关区", "township")),
    ("上海市普陀区财政局", Division("310107", "上海市", "上海市", "普陀区", "county")),
    ("福州市仓山生态环境局", Division("350104", "福建省", "福州市", "仓山区", "county")),  # 仓山 of 仓山区
    ("深圳市规划和自然资源局宝安管理局", Division("440306", "广东省", "深圳市", "宝安区", "county")),
    ("西安市住房和城乡建设局", Division("610100", "陕西省", "西安市", None, "city")),  # 城乡 is no 乡
    ("北京市审计局", Division("110000", "北京市", None, None, "province")),
    ("江苏省人大常委会办公厅", Division("320000", "江苏省", None, None, "province")),
])
def test_an_office_placed_by_its_name(name, expected):
    assert locate(name) == expected


def test_a_district_name_several_divisions_share_is_never_guessed():
    assert locate("普陀区万里街道办事处") is None  # 上海 and 舟山 both have a 普陀区
    assert locate("普陀区万里街道办事处", province="上海市") == Division("310107", "上海市", "上海市", "普陀区",
                                                                         "township")
    assert locate("某某县住房和城乡建设局", province="上海市") is None  # the province never places a name alone
    assert locate("", "秦皇岛市山海关区西关街道办事处") == Division("130303", "河北省", "秦皇岛市", "山海关区",
                                                                   "township")  # the unit's full name


PROVINCES = {"beijing": "北京市", "fujian": "福建省", "guangdong": "广东省", "jiangsu": "江苏省",
             "shaanxi": "陕西省", "shanghai": "上海市"}
ADCODE_PREFIX = {"北京市": "11", "福建省": "35", "广东省": "44", "江苏省": "32", "陕西省": "61", "上海市": "31"}


@pytest.mark.skipif(not PDF_DIR.is_dir(), reason="../shared/real not present")
def test_every_real_document_gets_its_province():
    from budget_etl.extract import ExtractionError, extract
    from budget_etl.readers import concatenate, read_path

    seen = set()
    for gold in gold_by_file().values():
        if tuple(gold["files"]) in seen or not gold["facts"]:  # each document once; the blank template is refused
            continue
        seen.add(tuple(gold["files"]))
        doc = concatenate([(f, read_path(PDF_DIR / f)) for f in gold["files"]]) if len(gold["files"]) > 1 \
            else read_path(PDF_DIR / gold["files"][0])
        try:
            info = extract(doc).info
        except ExtractionError as exc:
            pytest.fail(f"{gold['files']}: {exc}")
        assert info.province == PROVINCES[gold["files"][0].split("_")[0]], gold["files"]
        assert ADCODE_PREFIX[info.province] == info.adcode[:2] and info.admin_level, gold["files"]
