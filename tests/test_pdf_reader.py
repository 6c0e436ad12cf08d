"""The PDF reader: tiny PDFs made here for the refusals, the real disclosures in ../shared for the layouts.

The real PDFs are read from ``../shared/real`` (never copied into the repo); those tests skip cleanly
without it. Expected values come from the hand-read gold in ``../shared/gold/real`` and the notes there.
"""

from __future__ import annotations

import ctypes
import functools
import io
import re

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest

from budget_etl.readers import Paragraph, Table, UnreadableDocument, read_bytes, read_path
from budget_etl.readers.text import parse_blocks

from conftest import SHARED

REAL = SHARED / "real"


def make_pdf(pages: list[list[tuple[float, float, str]]]) -> bytes:
    """A PDF with these (x, y, text) lines on 300x400 pt pages, in a standard font."""
    pdf = pdfium.PdfDocument.new()
    for lines in pages:
        page = pdf.new_page(300, 400)
        for x, y, text in lines:
            obj = pdfium_c.FPDFPageObj_NewTextObj(pdf.raw, b"Helvetica", ctypes.c_float(10))
            data = (text + "\0").encode("utf-16-le")
            pdfium_c.FPDFText_SetText(obj, (ctypes.c_ushort * (len(data) // 2)).from_buffer_copy(data))
            pdfium_c.FPDFPageObj_Transform(obj, 1, 0, 0, 1, x, y)
            pdfium_c.FPDFPage_InsertObject(page.raw, obj)
        pdfium_c.FPDFPage_GenerateContent(page.raw)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


ENCRYPTED = (  # the standard security handler with a user password: the empty password does not open it
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
    b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj\n"
    b"4 0 obj << /Filter /Standard /V 1 /R 2 /O <"
    + b"11" * 32
    + b"> /U <"
    + b"22" * 32
    + b"> /P -4 >> endobj\n"
    b"trailer << /Size 5 /Root 1 0 R /Encrypt 4 0 R "
    b"/ID [<00112233445566778899aabbccddeeff><00112233445566778899aabbccddeeff>] >>\n%%EOF\n"
)


def unmapped_font_pdf() -> bytes:
    """A page of text in a Type 3 font without a map from glyphs to text (no ToUnicode, no glyph names that
    mean anything): the text layer holds only character codes, as in PDFs whose fonts were subset badly."""
    glyph = b"600 0 0 0 500 700 d1 0 0 500 700 re f"
    content = b"BT /F1 12 Tf 20 100 Td <01020304010203040102> Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Resources << /Font << /F1 5 0 R >> >> "
        b"/Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type3 /FontBBox [0 0 1000 1000] /FontMatrix [0.001 0 0 0.001 0 0] "
        b"/CharProcs << /g1 6 0 R /g2 6 0 R /g3 6 0 R /g4 6 0 R >> "
        b"/Encoding << /Type /Encoding /Differences [1 /g1 /g2 /g3 /g4] >> "
        b"/FirstChar 1 /LastChar 4 /Widths [600 600 600 600] >>",
        b"<< /Length %d >>\nstream\n" % len(glyph) + glyph + b"\nendstream",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + b"trailer << /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (make_pdf([[], []]), "no_text_layer"),  # pages without any text: what a scan looks like
        (ENCRYPTED, "encrypted_pdf"),
        (unmapped_font_pdf(), "garbled_text_layer"),
        (b"%PDF-1.4\nnot really a PDF\n%%EOF\n", "broken_pdf"),
        (b"PK\x03\x04 a zip named .pdf", "broken_pdf"),
    ],
)
def test_unreadable_pdfs_get_their_reason(data, reason):
    with pytest.raises(UnreadableDocument) as caught:
        read_bytes(data, "upload.pdf")
    assert caught.value.reason_code == reason


@pytest.mark.parametrize(
    ("limit", "value"), [("MAX_PAGES", 2), ("MAX_CHARS_PER_PAGE", 5), ("MAX_PDF_BYTES", 100)]
)
def test_work_is_bounded(monkeypatch, limit, value):
    from budget_etl.readers import pdf as pdf_reader

    data = make_pdf([[(20, 350, "Revenue 1,234.50")]] * 3)
    assert read_bytes(data, "fine.pdf").paragraphs()
    monkeypatch.setattr(pdf_reader, limit, value)
    with pytest.raises(UnreadableDocument) as caught:
        read_bytes(data, "long.pdf")
    assert caught.value.reason_code == "pdf_too_large"


def test_page_numbers_are_dropped_and_text_keeps_its_words():
    data = make_pdf(
        [
            [(20, 350, "Revenue 1,234.50"), (140, 15, "- 1 -")],
            [(20, 350, "Total 30.8"), (140, 15, "- 2 -")],
            [(20, 350, "Spent 12.00"), (140, 15, "3")],
        ]
    )
    doc = read_bytes(data, "small.pdf")
    assert doc.source_format == "pdf"
    assert [(b.text, b.page) for b in doc.blocks] == [
        ("Revenue 1,234.50", 1),
        ("Total 30.8", 2),
        ("Spent 12.00", 3),
    ]
    lines = doc.text.split("\n")
    assert [lines[b.line - 1] for b in doc.blocks] == ["Revenue 1,234.50", "Total 30.8", "Spent 12.00"]


def test_table_without_ruling_lines_from_text_alignment():
    data = make_pdf(
        [
            [
                (20, 370, "Revenue and spending"),
                (20, 352, "Item"),
                (150, 352, "Budget"),
                (230, 352, "Share"),
                (150, 340, "2026"),  # a header wrapped over two lines is one header
                (20, 325, "1.General budget"),
                (150, 325, "1,234.50"),
                (230, 325, "38.2%"),
                (20, 310, "2.Government fund"),
                (150, 310, "2,000.00"),
                (230, 310, "61.8%"),
                (20, 298, "budget"),  # the label above wrapped: it filled its column
                (20, 283, "3.Other"),  # a label row without amounts
                (20, 268, "Total"),
                (150, 268, "3,234.50"),
                (230, 268, "10.0%"),
                (20, 235, "A note below the table."),
            ]
        ]
    )
    doc = read_bytes(data, "unruled.pdf")
    assert [type(b).__name__ for b in doc.blocks] == ["Paragraph", "Table", "Paragraph"]
    assert doc.tables()[0].texts() == [
        ["Item", "Budget 2026", "Share"],
        ["1.General budget", "1,234.50", "38.2%"],
        ["2.Government fund budget", "2,000.00", "61.8%"],
        ["3.Other", "", ""],
        ["Total", "3,234.50", "10.0%"],
    ]
    assert {c.page for r in doc.tables()[0].rows for c in r} == {1}


def test_table_without_ruling_lines_continued_on_the_next_page():
    def flush_right(text: str, right: float = 250) -> float:
        """x where ``text`` starts to end at ``right``, in Helvetica 10 pt (digits 5.56 pt, , and . 2.78 pt)."""
        return right - sum(2.78 if ch in ",." else 5.56 for ch in text)

    def part(rows: list[tuple[str, str]]) -> list[tuple[float, float, str]]:
        header = [(20, 352, "Item"), (flush_right("Budget", 246), 352, "Budget")]
        body = [(20, 330 - 15 * k, label) for k, (label, _) in enumerate(rows)]
        body += [(flush_right(amount), 330 - 15 * k, amount) for k, (_, amount) in enumerate(rows)]
        return [*header, *body, (140, 15, "- 1 -")]

    # the widest amount differs from page to page: columns are matched by the edge they are set flush to
    first = part([("Salaries", "100,234.50"), ("Pensions", "88.00"), ("Rent", "1,000.00")])
    second = part([("Travel", "12.00"), ("Training", "300.00"), ("Other", "1,634.50")])
    doc = read_bytes(make_pdf([[(20, 370, "Spending by item"), *first], second]), "two-pages.pdf")
    (table,) = doc.tables()
    labels = [r[0] for r in table.texts()]
    assert labels == ["Item", "Salaries", "Pensions", "Rent", "Travel", "Training", "Other"]
    assert table.texts()[1] == ["Salaries", "100,234.50"] and table.texts()[-1] == ["Other", "1,634.50"]
    assert [r[0].page for r in table.rows] == [1, 1, 1, 1, 2, 2, 2]


def test_prose_with_numbers_is_not_a_table():
    """Justified prose stretches its gaps: numbers then stand apart, but they do not end in a column."""

    def page(shift: float) -> list[tuple[float, float, str]]:
        return [
            piece
            for k in range(6)
            for piece in [
                (20, 370 - 15 * k, f"Line {k} spends"),
                (100 + shift * k, 370 - 15 * k, f"{k}.50"),
                (160 + shift * k, 370 - 15 * k, "yuan on this"),
            ]
        ]

    prose = read_bytes(make_pdf([page(shift=7)]), "prose.pdf")
    assert not prose.tables()
    assert "Line 3 spends 3.50 yuan on this" in prose.text
    aligned = read_bytes(make_pdf([page(shift=0)]), "aligned.pdf")  # the same words in columns: a table
    assert aligned.tables()[0].texts()[3] == ["Line 3 spends", "3.50", "yuan on this"]


# --- ruled grids, cell by cell (cells and characters as the page reader finds them) ------------------------


def _grid(cells: dict[tuple[float, float, float, float], list[str]]):
    """Cells (x0, top, x1, bottom) with their lines of text (10 pt characters, set from the cell's left edge,
    one line per 12 pt from its top + 1) as pdf._fill_table receives them."""
    from budget_etl.readers.pdf import _Char

    chars = [
        _Char(ch, x0 + 1 + 10 * k, x0 + 11 + 10 * k, top + 1 + 12 * n, top + 11 + 12 * n)
        for (x0, top, _, _), lines in cells.items()
        for n, line in enumerate(lines)
        for k, ch in enumerate(line)
    ]
    return list(cells), chars


def test_a_title_row_inside_a_grid_starts_the_next_table():
    from budget_etl.readers.pdf import _fill_table

    # a spreadsheet printed as one grid: the foot of one table, the next one's title in a row as wide as the
    # grid, then the next table
    cells, chars = _grid({
        (0, 0, 100, 14): ["收入合计"], (100, 0, 200, 14): ["100.00"], (200, 0, 300, 14): [],
        (0, 14, 300, 28): ["收入预算总表"],
        (0, 28, 100, 42): ["项目"], (100, 28, 200, 42): ["金额"], (200, 28, 300, 42): [],
        (0, 42, 100, 56): ["合计"], (100, 42, 200, 56): ["100.00"], (200, 42, 300, 56): [],
    })
    tables, rest = _fill_table(cells, chars)
    assert not rest
    assert [t.rows for t in tables] == [[["收入合计", "100.00", ""]], [["项目", "金额", ""], ["合计", "100.00", ""]]]
    assert [t.before for t in tables] == [[], ["收入预算总表"]]
    # a row that names no table (a section label as wide as the grid) does not cut it
    cells, chars = _grid({**{cell: [] for cell in cells}, **{
        (0, 0, 100, 14): ["收入合计"], (100, 0, 200, 14): ["100.00"], (0, 14, 300, 28): ["一般公共预算资金"],
        (0, 42, 100, 56): ["合计"], (100, 42, 200, 56): ["100.00"]}})
    assert len(_fill_table(cells, chars)[0]) == 1


def test_a_title_wrapped_in_its_cell_is_one_paragraph():
    from budget_etl.readers.pdf import _fill_table

    body = {(0, 60, 120, 74): ["合计"], (120, 60, 240, 74): ["10.00"]}
    wrapped = {(0, 0, 240, 60): ["“三公”经费、会议费、培训费支出预算", "表"], **body}  # 190 of 240 pt: filled
    (table,), _ = _fill_table(*_grid(wrapped))
    assert table.before == ["“三公”经费、会议费、培训费支出预算表"]
    short = {(0, 0, 240, 60): ["公开06表", "基本支出预算表"], **body}  # a number above the title: two lines
    (table,), _ = _fill_table(*_grid(short))
    assert table.before == ["公开06表", "基本支出预算表"]


def test_a_row_label_boxed_line_by_line_around_its_amount_is_one_row():
    from budget_etl.readers.pdf import _fill_table

    # the label's lines are boxed at other heights than the amounts; the row's frame spans them all
    row = {
        (0, 14, 4, 48): [],  # the row's frame
        (4, 14, 150, 32): ["1.一般公共预"], (4, 32, 150, 48): ["算"],
        (150, 14, 300, 22): [], (150, 22, 300, 40): ["21,940.96"], (150, 40, 300, 48): [],
    }
    header = {(0, 0, 150, 14): ["项目名称"], (150, 0, 300, 14): ["金额"]}
    foot = {(0, 48, 150, 62): ["合计"], (150, 48, 300, 62): ["21,940.96"]}
    (table,), _ = _fill_table(*_grid({**header, **row, **foot}))
    assert [r for r in table.rows if any(r)] == [
        ["项目名称", "", "金额"], ["", "1.一般公共预算", "21,940.96"], ["合计", "", "21,940.96"]
    ]
    # a numbered label below the amounts is a row of its own, never the end of the label above
    row[(4, 32, 150, 48)] = ["2.政府性基金"]
    (table,), _ = _fill_table(*_grid({**header, **row, **foot}))
    assert ["", "2.政府性基金", ""] in table.rows and ["", "1.一般公共预", ""] in table.rows


def test_a_character_goes_to_the_smallest_cell_that_holds_it():
    from budget_etl.readers.pdf import _fill_table

    # the ruling lines also close a rectangle round the vehicle header and the cells under it
    (table,), _ = _fill_table(*_grid({
        (0, 0, 50, 40): ["合计"], (50, 0, 200, 40): ["公务用车购置及运行费", "", "小计"],
        (100, 20, 150, 40): ["购置费"], (150, 20, 200, 40): ["运行费"],
        (0, 40, 50, 54): ["300"], (50, 40, 100, 54): ["237"], (100, 40, 150, 54): [], (150, 40, 200, 54): ["237"],
    }))
    assert table.rows == [["合计", "公务用车购置及运行费小计", "", ""], ["", "", "购置费", "运行费"],
                          ["300", "237", "", "237"]]


def test_ruling_lines_of_tables_above_and_below_do_not_move_a_tables_borders():
    from budget_etl.readers.pdf import _edge, _ruled_tables

    def grid(top: float, columns: list[float]) -> list[dict]:
        rows = [top, top + 20, top + 40]
        return [*(_edge("h", columns[0], y, columns[-1], y) for y in rows),
                *(_edge("v", x, rows[0], x, rows[-1]) for x in columns)]

    # lines within the snapping tolerance of each other chain: 95 | 97.5 above would pull 100 below to 97.5
    above, below = grid(0, [0, 95, 97.5, 200]), grid(100, [0, 100, 200])
    tables = _ruled_tables(above + below)
    lower = next(t for t in tables if min(c[1] for c in t) >= 100)
    assert sorted({c[0] for c in lower}) == [0, 100]


# --- the real disclosures ----------------------------------------------------------------------------------

needs_shared = pytest.mark.skipif(not REAL.is_dir(), reason="../shared/real is not present")


@functools.cache
def _read(name: str):
    return read_path(REAL / name)


def _table_after(doc, title: str) -> Table:
    """The first table with this title among the three paragraphs before it (tables are found by title)."""
    for i, block in enumerate(doc.blocks):
        if isinstance(block, Table) and any(
            isinstance(b, Paragraph) and title in b.text for b in doc.blocks[max(0, i - 3) : i]
        ):
            return block
    raise AssertionError(f"no table titled {title!r}")


def _row(table: Table, label: str) -> list[str]:
    return next(r for r in table.texts() if label in r)


def _page_of_row(table: Table, label: str) -> int:
    return next(r[0].page for r in table.rows if label in [c.text for c in r])


@pytest.fixture
def shenzhen():
    return _read("guangdong_shenzhen_guizi-baoan-guanliju_2026_ys.pdf")


@pytest.mark.shared
@needs_shared
def test_table_continued_over_three_pages_is_one_table(shenzhen):
    table = _table_after(shenzhen, "收支总表")  # 表1 spans pp14-16, title and header repeated on each page
    assert table.texts()[1] == ["项目", "2026年预算数", "项目", "2026年预算数"]
    assert sum(r == ["项目", "2026年预算数", "项目", "2026年预算数"] for r in table.texts()) == 1
    assert _row(table, "一、财政拨款")[:2] == ["一、财政拨款", "8,047.81"]
    assert _row(table, "住房公积金")[2:] == ["住房公积金", "309.00"]
    assert _row(table, "收入总计") == ["收入总计", "11,113.21", "支出总计", "11,113.21"]
    assert _page_of_row(table, "一、财政拨款") == 14
    assert _page_of_row(table, "收入总计") == 16
    assert {c.page for r in table.rows for c in r} == {14, 15, 16}
    # the repeated title is not a paragraph again: one 收支总表 title in the document's blocks
    assert sum(isinstance(b, Paragraph) and b.text == "收支总表" for b in shenzhen.blocks) == 1


@pytest.mark.shared
@needs_shared
def test_wrapped_header_is_one_cell(shenzhen):
    table = _table_after(shenzhen, "支出总表")
    header = [c for r in table.texts()[:2] for c in r]
    assert "其中：2026年政府采购项目中预留给中小企业的项目资金规模" in header
    row = next(r for r in table.texts() if r[0] == "深圳市规划和自然资源局宝安管理局")
    assert row[3:6] == ["11,113.21", "5,528.00", "5,585.21"]  # 支出总计 | 基本支出 | 项目支出 (gold p18)


@pytest.mark.shared
@needs_shared
def test_row_cut_by_a_page_break_is_one_row_of_one_table():
    doc = _read("jiangsu_sheng_npc-office_2017_ys.pdf")
    table = _table_after(doc, "收支预算总表")
    row = _row(table, "八、社会保障和就业支出")  # "八、社会保障和就" (p7) / "业支出" (p8)
    assert "1,608.51" in row
    assert _page_of_row(table, "八、社会保障和就业支出") == 7
    assert _page_of_row(table, "十八、住房保障支出") == 8
    assert "1,512.23" in _row(table, "十八、住房保障支出")


@pytest.mark.shared
@needs_shared
def test_a_short_label_at_a_page_break_keeps_its_row():
    # 本年收入合计 ends p6 (it does not fill its cell: not cut); 使用非财政拨款结余（含专用结余） opens p7
    doc = _read("shanghai_putuo_caizhengju_2024_js.pdf")
    table = _table_after(doc, "收入支出决算总表")
    assert _row(table, "本年收入合计") == ["本年收入合计", "2,946.25", "本年支出合计", "2,940.05"]
    assert _row(table, "使用非财政拨款结余（含专用结余）") == ["使用非财政拨款结余（含专用结余）", "", "结余分配", ""]
    assert _page_of_row(table, "本年收入合计") == 6
    assert _page_of_row(table, "使用非财政拨款结余（含专用结余）") == 7


@pytest.mark.shared
@needs_shared
def test_wrapped_row_label_is_one_label():
    doc = _read("shanghai_putuo_qufuban-benji_2025_ys-unit.pdf")
    table = _table_after(
        doc, "预算单位收入预算总表"
    )  # gold: "其他政府办公厅（室）及相关机构事 / 务支出" (p9)
    row = _row(table, "其他政府办公厅（室）及相关机构事务支出")
    assert row[:3] == ["201", "03", "99"] and "20,120,000.00" in row
    assert _page_of_row(table, "其他政府办公厅（室）及相关机构事务支出") == 9


@pytest.mark.shared
@needs_shared
def test_page_number_never_glued_into_an_amount():
    doc = _read("jiangsu_sheng_procuratorate_2019_ys.pdf")
    # the printed page number 30 sits between "比上年预算减少" and "30.8 万元" in the text layer
    sentence = next(p for p in doc.paragraphs() if "公务用车运行维护费预算支出237万元" in p.text)
    assert "比上年预算减少30.8万元，主要原因是部分执法执勤车辆转隶至省纪委等单位。" in sentence.text
    assert sentence.page == 30
    assert not re.search(r"3[01] ?30\.8", doc.text)
    assert not any(re.fullmatch(r"[-—\s]*\d{1,3}[-—\s]*", p.text) for p in doc.paragraphs())


@pytest.mark.shared
@needs_shared
def test_numbers_in_another_font_stay_in_their_sentence():
    doc = _read("shanghai_putuo_caizhengju_2024_js.pdf")  # gold notes: DETACHED NUMBERS, narrative p21-p24
    texts = {p.text: p.page for p in doc.paragraphs()}
    expected = "本年支出合计2940.05万元，其中：基本支出2336.91万元，占79.49%；项目支出603.14万元，占20.51%；"
    assert texts.get(expected) == 21
    funds = next(p for p in doc.paragraphs() if p.text.startswith("上海市普陀区财政局2024年度预算绩效管理"))
    assert "编报绩效目标的2024年度项目4个，涉及预算金额598.42万元；" in funds.text
    assert funds.page == 23


@pytest.mark.shared
@needs_shared
def test_titles_drawn_inside_the_grid_are_paragraphs_and_each_table_stays_apart():
    doc = _read("beijing_shi_shenjiju_2026_ys-tables.pdf")
    three_public = _table_after(doc, "预算09表财政拨款“三公”经费支出表")
    assert ["244.848000", "173.520000", "6.000000", "65.328000", "37.380000", "27.948000"] in [
        [c for c in r if c] for r in three_public.texts()
    ]
    fund = _table_after(doc, "预算07表政府性基金预算支出表")  # an empty table: only 合计, no amounts
    assert fund.rows[0][0].page == 7
    assert {c.page for r in fund.rows for c in r} == {7}  # 预算08表 on p8 is a table of its own
    assert _table_after(doc, "预算08表").rows[0][0].page == 8


@pytest.mark.shared
@needs_shared
def test_rotated_pages_and_framed_titles():
    doc = _read("jiangsu_sheng_npc-office_2019_ys-tables.pdf")  # landscape pages (/Rotate 90)
    table = _table_after(doc, "收支预算总表")
    assert _row(table, "一、财政拨款")[:2] == ["一、财政拨款", "18,330.37"]
    assert _row(table, "收入合计")[:2] == ["收入合计", "18,330.37"]


@pytest.mark.shared
@needs_shared
def test_text_renders_the_blocks_in_the_txt_form():
    doc = _read("shanghai_putuo_wanli-jiedao_2024_ys.pdf")
    lines = doc.text.split("\n")
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            assert lines[block.line - 1] == block.text
        else:
            assert all(lines[c.line - 1] == "\t" + c.text for r in block.rows for c in r)
    assert all(b.page for b in doc.paragraphs()) and all(
        c.page for t in doc.tables() for r in t.rows for c in r
    )
    rebuilt = parse_blocks(doc.text)  # the txt reader reads the rendering back into the same paragraphs
    assert [b.text for b in rebuilt if isinstance(b, Paragraph)] == [p.text for p in doc.paragraphs()]
    three_public = _table_after(doc, "部门“三公”经费和机关运行经费预算表")  # gold p31
    assert ["47.91", "0", "1.35", "46.56", "25", "21.56", "443.18"] in three_public.texts()


@pytest.mark.shared
@needs_shared
def test_ruling_lines_are_bounded(monkeypatch):
    from budget_etl.readers import pdf as pdf_reader

    monkeypatch.setattr(pdf_reader, "MAX_CROSSINGS_PER_PAGE", 100)
    with pytest.raises(UnreadableDocument) as caught:
        read_path(REAL / "jiangsu_sheng_npc-office_2019_ys-tables.pdf")
    assert caught.value.reason_code == "pdf_too_large"


@pytest.mark.shared
@needs_shared
def test_every_shared_pdf_is_read_with_pages():
    for path in sorted(REAL.glob("*.pdf")):
        doc = _read(path.name)
        assert doc.paragraphs(), path.name
        assert doc.tables() or "narrative" in path.name, path.name
        assert all(b.page for b in doc.paragraphs()), path.name
        assert not any(re.fullmatch(r"[-—\s]*\d{1,3}[-—\s]*", p.text) for p in doc.paragraphs()), path.name


@pytest.mark.shared
@needs_shared
def test_text_clipped_away_is_not_read():
    # gold notes: items 7-11 of the narrative are also in the text layer at the end of p7, clipped away
    doc = _read("shanghai_putuo_caizhengju_2025_ys.pdf")
    items = [p for p in doc.paragraphs() if re.match(r"(7|8|9|10|11)\.“", p.text)]
    assert [p.text.split("“")[0] for p in items] == ["7.", "8.", "9.", "10.", "11."]
    assert [p.page for p in items] == [7, 7, 8, 8, 8]
    assert "887.36万元" in items[0].text  # the narrative's typo, as printed (table: 873,617元)
    cover = _read("jiangsu_sheng_procuratorate_2018_ys.pdf")  # text in a form XObject, its clip in form space
    assert [p.text for p in cover.paragraphs()[:2]] == ["江苏省人民检察院", "2018年部门预算"]


@pytest.mark.shared
@needs_shared
def test_one_grid_holding_several_tables_is_cut_at_their_titles():
    doc = _read("jiangsu_sheng_npc-office_2017_ys.pdf")  # a spreadsheet printed page after page as one grid
    summary = _table_after(doc, "收支预算总表")  # gold p9: "收入合计 13,649.07 支出合计 13,649.07"
    assert [c for c in _row(summary, "收入合计") if c] == ["收入合计", "13,649.07", "支出合计", "13,649.07"]
    assert _page_of_row(summary, "收入合计") == 9
    assert "当年收入小计" in [r[0] for r in summary.texts()]  # "当年收入" (p8) / "小计" (p9)
    revenue = _table_after(doc, "收入预算总表")
    assert revenue.texts()[0][0] == "部门：" and _row(revenue, "收入总计")[-1] == "13,649.07"
    three_public = _table_after(doc, "“三公”经费、会议费、培训费支出预算表")  # gold p20, title wrapped in its cell
    assert ["2,542.60", "833.60", "222.50", "183.60", "0", "183.60", "427.50", "1,305.25", "403.75"] in three_public.texts()


@pytest.mark.shared
@needs_shared
def test_row_label_boxed_line_by_line_is_one_label():
    doc = _read("jiangsu_sheng_procuratorate_2018_ys.pdf")
    table = _table_after(doc, "收支预算总表")  # gold p13: "1.一般公共预 / 算 21,940.96"
    row = [c for c in _row(table, "1.一般公共预算") if c]
    assert row == ["1.一般公共预算", "21,940.96", "二、外交支出", "二、项目支出", "5,573.00"]
    assert [c for c in _row(table, "2.政府性基金预算") if c][-2:] == ["三、单位预留机动经费", "2,388.04"]


@pytest.mark.shared
@needs_shared
def test_nested_header_cells_keep_their_text():
    doc = _read("jiangsu_sheng_procuratorate_2019_ys.pdf")
    table = _table_after(doc, "“三公”经费、会议费、培训费支出预算表")  # gold p20
    header = [c for r in table.texts()[:4] for c in r if c]
    assert {"公务用车购置及运行维护费", "小计", "公务用车购置费", "公务用车运行维护费"} <= set(header)
    assert [c for c in table.texts()[-1] if c] == ["1276.7", "418.26", "80", "237", "237", "101.26", "158.44", "700"]


@pytest.mark.shared
@needs_shared
def test_a_tables_borders_stay_where_they_are_drawn():
    doc = _read("jiangsu_sheng_procuratorate_2018_ys.pdf")
    table = _table_after(doc, "“三公”经费、会议费、培训费支出预算表")  # gold p19: 购置费 blank, 运行维护费 267.80
    assert [c for c in table.texts()[-1] if c] == [
        "1,384.74", "484.30", "100.00", "267.80", "267.80", "116.50", "200.44", "700.00"
    ]


@pytest.mark.shared
@needs_shared
def test_a_header_inside_a_rectangle_round_the_table_stays_in_the_table():
    doc = _read("jiangsu_sheng_npc-office_2019_ys-tables.pdf")
    table = _table_after(doc, "一般公共预算机关运行经费支出预算表")  # 公开表十一, p11
    assert table.texts()[:2] == [["科目编码", "科目名称", "机关运行经费支出"], ["合计", "", "1,642.08"]]
