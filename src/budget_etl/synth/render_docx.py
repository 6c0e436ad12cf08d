"""Items to the bytes of a Word disclosure: paragraphs as paragraphs, tables as real Word tables.

The body is written as WordprocessingML into python-docx's default document (building cells one by one
through python-docx is quadratic in a table's size). A row with fewer cells than its table is wide ends in a
cell spanning the rest (``w:gridSpan``), as the real document's merged cells, which its txt form flattens to
one cell each; a cell's lines are paragraphs of the cell; a TC field code is a real field (begin,
instruction, end), hidden as in Word. Timestamps are fixed so that the same items always give the same bytes.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from xml.sax.saxutils import escape

import docx
from lxml import etree

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_FIXED_TIME = datetime(2020, 1, 1)
_TABLE_WIDTH = 9000  # twentieths of a point: the text width of an A4 page with default margins


def _paragraph(text: str, tc: str | None = None) -> str:
    run = f'<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r>' if text else ""
    if tc:
        run += ('<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
                f'<w:r><w:instrText xml:space="preserve"> {escape(tc)} </w:instrText></w:r>'
                '<w:r><w:fldChar w:fldCharType="end"/></w:r>')
    return f"<w:p>{run}</w:p>"


def _table(rows: list[list[str]]) -> str:
    rows = [row for row in rows if row is not None]
    width = max(len(row) for row in rows)
    col = _TABLE_WIDTH // width
    out = ['<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/></w:tblPr>',
           "<w:tblGrid>", f'<w:gridCol w:w="{col}"/>' * width, "</w:tblGrid>"]
    for row in rows:
        out.append("<w:tr>")
        for c, text in enumerate(row):
            span = width - len(row) + 1 if c == len(row) - 1 else 1
            props = f'<w:tcW w:w="{col * span}" w:type="dxa"/>'
            if span > 1:
                props += f'<w:gridSpan w:val="{span}"/>'
            lines = "".join(_paragraph(line) for line in text.split("\n"))
            out.append(f"<w:tc><w:tcPr>{props}</w:tcPr>{lines}</w:tc>")
        out.append("</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


def render_docx(items: list[tuple], title: str) -> bytes:
    document = docx.Document()
    props = document.core_properties
    props.title, props.author, props.last_modified_by = title, "budget-etl synth", "budget-etl synth"
    props.created = props.modified = _FIXED_TIME
    props.revision = 1
    parts = [_paragraph(item[1], item[2]) if item[0] == "p" else _table(item[1])
             for item in items if item[0] != "blank"]
    body = etree.fromstring(f'<w:body xmlns:w="{_W}">{"".join(parts)}</w:body>')
    sect = document.element.body.sectPr
    for element in list(body):
        sect.addprevious(element)
    buffer = io.BytesIO()
    document.save(buffer)
    return _fixed_zip(buffer.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """The same archive with every member's timestamp fixed, so that equal documents have equal bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME.timetuple()[:6]),
                            source.read(info.filename), compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()
