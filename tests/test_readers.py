"""The txt reader: decoding, normalisation, table reassembly, and specific errors for bad input."""

from __future__ import annotations

import copy
from decimal import Decimal

import opencc
import pytest

from budget_etl import validate
from budget_etl.extract import ExtractionError, extract
from budget_etl.load import warehouse
from budget_etl.readers import UnreadableDocument, read_bytes
from budget_etl.readers.blocks import Paragraph, Table
from budget_etl.readers.normalize import as_simplified, normalize_text

from goldcheck import assert_matches_gold


def test_field_codes_full_width_and_nbsp_are_normalised():
    assert (
        normalize_text("1、车辆保险费绩效目标表 TC 1、车辆保险费绩效目标表 \\f C \\l 1 ")
        == "1、车辆保险费绩效目标表"
    )
    assert normalize_text("合计１２３．５０元\u00a0（境）\r\n") == "合计123.50元 （境）\n"


def test_flattened_table_is_rebuilt_with_empty_cells_and_multiline_cells():
    text = (
        "标题\n\n\t项目编码\n\t611-1501-YBN-7FFL\n\n\t绩效目标\n\t1、甲\n2、乙\n\n\n\t\n\t质量指标\n\n说明\n"
    )
    doc = read_bytes(text.encode("utf-8"), "x.txt")
    assert [type(b) for b in doc.blocks] == [Paragraph, Table, Paragraph]
    table = doc.blocks[1]
    assert table.texts() == [
        ["项目编码", "611-1501-YBN-7FFL"],
        ["绩效目标", "1、甲\n2、乙"],
        ["", "质量指标"],
    ]
    empty = table.rows[2][0]
    assert (empty.text, empty.line, empty.row, empty.col) == ("", 11, 3, 1)
    assert doc.blocks[2].line == 14


def test_seed_tables(seed_bytes):
    doc = read_bytes(seed_bytes, "seed.txt")
    tables = doc.tables()
    assert len(tables) == 11  # nine project tables, procurement, assets
    assert tables[0].rows[2][-1].text == ""  # 其他资金: blank, not zero
    assert tables[9].texts()[-1] == [""] * 14  # the printed-empty procurement table


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty_file"),
        (b"   \r\n\t\n", "empty_file"),
        (bytes(range(256)) * 40, "binary_file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00\xff" * 500, "binary_file"),
        ("山海关区西关街道".encode()[:-1], "truncated_file"),
    ],
)
def test_unreadable_input_has_a_specific_reason(data, reason):
    with pytest.raises(UnreadableDocument) as caught:
        read_bytes(data, "bad.txt")
    assert caught.value.reason_code == reason


def test_unsupported_suffix():
    with pytest.raises(UnreadableDocument) as caught:
        read_bytes(b"%PDF-1.4", "report.xlsx")
    assert caught.value.reason_code == "unsupported_format"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Lorem ipsum dolor sit amet.\nNothing Chinese here.\n", "no_document_identity"),
        # a 决算 is read by notes_final only where it states 决算数: this one claims no template
        ("某某街道办事处部门2021年部门决算公开说明\n一、部门职责\n", "unknown_template"),
    ],
)
def test_text_that_is_not_a_budget_is_refused(text, reason):
    with pytest.raises(ExtractionError) as caught:
        extract(read_bytes(text.encode("utf-8"), "x.txt"))
    assert caught.value.reason_code == reason


def test_truncated_document_is_refused(seed_bytes):
    """Cut before section 二 at a line boundary: readable, but without its totals."""
    text = seed_bytes.decode("utf-8")
    cut = text[: text.index("二、部门预算安排的总体情况")]
    with pytest.raises(ExtractionError) as caught:
        extract(read_bytes(cut.encode("utf-8"), "x.txt"))
    assert caught.value.reason_code == "incomplete_document"


# --- Big5, stray bytes ------------------------------------------------------------------------------------


def _big5_seed(seed_bytes) -> bytes:
    """The seed as a Taiwanese or Hong Kong mirror re-publishes it: traditional characters, in Big5 (which
    has ≧ where the mainland writes ≥)."""
    traditional = opencc.OpenCC("s2tw").convert(seed_bytes.decode("utf-8"))
    assert "預算" in traditional and "预算" not in traditional
    return traditional.replace("≥", "≧").encode("big5")


def test_big5_text_is_decoded_kept_as_printed_and_read_in_simplified_characters(seed_bytes, gold):
    data = _big5_seed(seed_bytes)
    doc = read_bytes(data, "mirror.txt")
    assert doc.encoding == "big5hkscs"
    assert doc.paragraphs()[0].text == "山海關區西關街道辦事處部門2020年部門預算公開說明"  # stored as printed
    assert as_simplified(doc).paragraphs()[0].text == "山海关区西关街道办事处部门2020年部门预算公开说明"
    assert as_simplified(doc).text.count("\n") == doc.text.count("\n")  # every line where it was
    facts = extract(doc)
    assert (facts.info.office_name, facts.info.fiscal_year) == ("山海关区西关街道办事处", 2020)
    assert facts.total("revenue_total") == facts.total("expenditure_total") == Decimal("3566894.19")
    expected = copy.deepcopy(gold)
    expected["project_indicator_example"]["target_raw"] = "≧95百分比"  # the raw target as Big5 writes it
    assert_matches_gold(facts, expected)


def test_traditional_utf8_text_gives_the_facts_and_checks_of_its_simplified_original(seed_bytes):
    # a mirror re-publishing the seed in Traditional characters, in UTF-8: the same facts and the same
    # outcome of every check (the rules read the text in Simplified), its stored text as printed
    def checked(data: bytes):
        doc = read_bytes(data, "x.txt")
        facts = extract(doc)
        row = warehouse.document_row(facts, doc, data=data, source_path="x.txt")
        return doc, facts, {r["check_name"]: r["status"] for r in validate.validate_document(facts, row).rows}

    traditional = opencc.OpenCC("s2t").convert(seed_bytes.decode("utf-8")).encode("utf-8")
    doc, facts, checks = checked(traditional)
    _, original_facts, original_checks = checked(seed_bytes)
    assert "預算" in doc.text and "预算" not in doc.text
    assert facts.info.office_name == "山海关区西关街道办事处" and facts.info.fiscal_year == 2020
    assert facts.total("expenditure_total") == original_facts.total("expenditure_total") == Decimal("3566894.19")
    assert checks == original_checks and checks["change.direction"] == "pass"


def test_a_rare_traditional_character_of_a_simplified_text_stays_as_printed(seed_bytes):
    # 蘋 in a street office's name: the document is Simplified, so nothing of it is converted
    text = seed_bytes.decode("utf-8").replace("西关街道", "蘩蘋街道")
    facts = extract(read_bytes(text.encode("utf-8"), "x.txt"))
    assert facts.info.office_name == "山海关区蘩蘋街道办事处"


def test_gb18030_text_is_not_taken_for_big5(seed_bytes):
    """Short GB text may be valid Big5 too; the decoding without private-use and kana characters wins."""
    for text in ("某某街道办事处部门2021年部门预算公开说明\n", "Budget 2021 预算\n"):
        doc = read_bytes(text.encode("gb18030"), "x.txt")
        assert (doc.encoding, doc.text) == ("gb18030", text)


def _with_stray_byte(seed_bytes) -> bytes:
    at = seed_bytes.index("全面贯彻执行党的各项方针".encode())
    return seed_bytes[:at] + b"\xff" + seed_bytes[at:]


def test_a_stray_byte_in_utf8_is_replaced_and_flagged_not_fatal(seed_bytes, gold):
    doc = read_bytes(_with_stray_byte(seed_bytes), "x.txt")
    assert doc.encoding == "utf-8" and doc.text.count("\ufffd") == 1
    facts = extract(doc)
    assert facts.duties[0].responsibility_zh.startswith("\ufffd全面贯彻执行党的各项方针")
    # validation records it: one failed warning row, pointing at the line
    row = warehouse.document_row(facts, doc, data=_with_stray_byte(seed_bytes), source_path="x.txt")
    flagged = [r for r in validate.validate_document(facts, row).rows if r["check_name"].endswith("undecodable_bytes")]
    assert [(r["status"], r["severity"], r["src_line"]) for r in flagged] == [("fail", "warning", 13)]
    assert doc.text.split("\n")[12].startswith("主要职责是\ufffd全面")
    assert "1 undecodable byte" in flagged[0]["detail"]


def test_a_clean_document_has_no_decoding_row(seed_bytes):
    doc = read_bytes(seed_bytes, "x.txt")
    row = warehouse.document_row(extract(doc), doc, data=seed_bytes, source_path="x.txt")
    assert validate.decoding_check(row) == []


def test_gb18030_with_few_chinese_characters_is_no_utf8_with_stray_bytes():
    """Two GB bytes among ASCII are not "UTF-8 with a stray byte": too few valid wide characters."""
    text = "Revenue 3566894.19 yuan, 2020 预算\n" * 3
    assert read_bytes(text.encode("gb18030"), "x.txt").text == text
