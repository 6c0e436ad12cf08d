"""The txt reader: decoding, normalisation, table reassembly, and specific errors for bad input."""

from __future__ import annotations

import pytest

from budget_etl.extract import ExtractionError, extract
from budget_etl.readers import UnreadableDocument, read_bytes
from budget_etl.readers.blocks import Paragraph, Table
from budget_etl.readers.normalize import normalize_text


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
        ("某某街道办事处部门2021年部门决算公开说明\n一、部门职责\n", "final_accounts_not_supported"),
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
