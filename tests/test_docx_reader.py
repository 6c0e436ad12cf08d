"""The Word reader: the seed rendered as a real .docx reads like the txt, and hostile files are refused."""

from __future__ import annotations

import dataclasses
import io
import os
import struct
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from budget_etl.extract import extract
from budget_etl.facts import ExtractedDocument
from budget_etl.readers import docx as docx_reader
from budget_etl.readers import read_bytes
from budget_etl.readers.blocks import Paragraph, UnreadableDocument
from budget_etl.readers.docx import OLE2_MAGIC, read_doc_bytes, read_docx_bytes
from budget_etl.readers.text import read_text_bytes

from goldcheck import assert_matches_gold

DOCX = Path(__file__).parent / "data" / "xiguan_2020_budget.docx"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


@pytest.fixture(scope="module")
def docx_bytes() -> bytes:
    return DOCX.read_bytes()


@pytest.fixture(scope="module")
def doc(docx_bytes):
    return read_docx_bytes(docx_bytes)


def make_docx(body: str, prolog: str = "", extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal .docx whose document.xml body is ``body`` (WordprocessingML, prefix w)."""
    xml = f'<?xml version="1.0"?>{prolog}<w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("word/document.xml", xml.encode("utf-8"))
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buffer.getvalue()


def reason(data: bytes, read=read_docx_bytes) -> str:
    with pytest.raises(UnreadableDocument) as info:
        read(data)
    return info.value.reason_code


# --- the seed as Word ----------------------------------------------------------------------------------


def test_blocks_are_the_txt_blocks(doc, seed_bytes):
    txt = read_text_bytes(seed_bytes)
    assert (doc.source_format, doc.encoding) == ("docx", "docx")
    assert len(doc.tables()) == len(txt.tables()) == 11
    assert len(doc.paragraphs()) == len(txt.paragraphs()) == 176
    shape = [b.text if isinstance(b, Paragraph) else b.texts() for b in doc.blocks]
    assert shape == [b.text if isinstance(b, Paragraph) else b.texts() for b in txt.blocks]


def test_cells_and_merges(doc, docx_bytes):
    # the fixture really holds Word merges: 9 projects x 3 two-row vertical merges, and horizontal spans
    xml = zipfile.ZipFile(io.BytesIO(docx_bytes)).read("word/document.xml").decode()
    assert xml.count("<w:vMerge") == 54 and "<w:gridSpan" in xml
    t = doc.tables()[1]  # 街道工作经费
    cells = {(c.row, c.col): c.text for row in t.rows for c in row}
    assert (
        cells[2, 2] == "611-1501-YBN-4XM9" and cells[2, 4] == "街道工作经费"
    )  # cells that span grid columns
    assert [len(row) for row in t.rows] == [2, 4, 7, 2, 5, 5, 2, 6, 6, 6, 6, 6]
    assert (cells[3, 1], cells[4, 1], cells[4, 2]) == (
        "预算规模及资金用途",
        "",
        "保障街道各项工作顺利开展实施",
    )
    assert (cells[5, 1], cells[6, 1], cells[6, 2], cells[6, 5]) == (
        "资金支出计划（%）",
        "",
        "50.00",
        "100.00",
    )
    assert (cells[9, 1], cells[10, 1], cells[10, 2]) == ("产出指标", "", "质量指标")
    assert cells[3, 7] == ""  # an empty cell that is no merge
    assert cells[7, 2] == "1、保障街道各项工作顺利开展实施\n2、街道各项工作完成"  # two Word paragraphs


def test_lines_point_into_the_rendered_text(doc):
    lines = doc.text.split("\n")
    assert all(lines[p.line - 1] == p.text for p in doc.paragraphs())
    for table in doc.tables():
        for row in table.rows:
            assert all(lines[c.line - 1] == "\t" + c.text.split("\n")[0] for c in row)
    heading = next(
        p for p in doc.paragraphs() if p.text == "1、车辆保险费绩效目标表"
    )  # its TC field is skipped
    assert doc.tables()[0].line == heading.line + 2
    assert "\\f C" not in doc.text
    # the rendering is in the txt form: the txt reader rebuilds exactly these blocks from it
    assert read_text_bytes(doc.text.encode("utf-8")).blocks == doc.blocks


def test_docx_extracts_the_same_facts_as_txt(docx_bytes, seed_bytes, gold):
    from_docx, from_txt = extract(read_docx_bytes(docx_bytes)), extract(read_text_bytes(seed_bytes))
    assert without_src(from_docx) == without_src(from_txt)
    assert_matches_gold(from_docx, gold)
    project = from_docx.projects[3]  # table cells keep the txt's table/row/col
    assert (project.src.table, project.src.row, project.src.col) == (4, 2, 2)
    assert read_docx_bytes(docx_bytes).text.split("\n")[project.src.line - 1] == "\t611-1501-JBN-E5X3"


def without_src(doc: ExtractedDocument) -> ExtractedDocument:
    def strip(value):
        if isinstance(value, list):
            return [strip(v) for v in value]
        return dataclasses.replace(value, src=None)

    return ExtractedDocument(**{f.name: strip(getattr(doc, f.name)) for f in dataclasses.fields(doc)})


def test_read_bytes_dispatches_word_files(docx_bytes, doc):
    assert read_bytes(docx_bytes, "x.DOCX").blocks == doc.blocks
    assert read_bytes(docx_bytes, "renamed.doc").blocks == doc.blocks  # a .docx under a .doc name


# --- Word structure ------------------------------------------------------------------------------------


def test_merge_rules_on_hand_written_xml():
    body = (
        "<w:tbl><w:tr>"
        '<w:tc><w:tcPr><w:vMerge w:val="restart"/></w:tcPr><w:p><w:r><w:t>A</w:t></w:r></w:p></w:tc>'
        '<w:tc><w:tcPr><w:gridSpan w:val="2"/></w:tcPr><w:p><w:r><w:t>B</w:t></w:r></w:p></w:tc>'
        "<w:tc><w:p/></w:tc>"
        "</w:tr><w:tr>"
        "<w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p><w:r><w:t>stray</w:t></w:r></w:p></w:tc>"
        '<w:tc><w:p><w:r><w:t>C</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:hMerge w:val="continue"/></w:tcPr>'
        "<w:p/></w:tc><w:tc><w:p><w:r><w:t>D</w:t></w:r></w:p></w:tc>"
        "</w:tr></w:tbl>"
    )
    (table,) = read_docx_bytes(make_docx(body)).blocks
    assert table.texts() == [["A", "B", ""], ["", "C", "", "D"]]
    assert [(c.row, c.col) for c in table.rows[1]] == [(2, 1), (2, 2), (2, 3), (2, 4)]


def test_run_text_order_and_skipped_markup():
    body = (
        "<w:p><w:r><w:t>一、 概况</w:t></w:r></w:p>"
        '<w:sdt><w:sdtContent><w:p><w:r><w:t xml:space="preserve">Ｎo.１ </w:t></w:r>'
        "<w:del><w:r><w:delText>deleted</w:delText></w:r></w:del>"
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        '<w:r><w:instrText> TC "x" \\f C \\l 1 </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        "<w:ins><w:r><w:t>inserted</w:t><w:br/><w:t>second\u00a0line</w:t></w:r></w:ins>"
        "</w:p></w:sdtContent></w:sdt>"
        "<w:p/><w:tbl><w:tr><w:tc><w:p><w:r><w:t>cell</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
        "<w:p><w:hyperlink><w:r><w:t>after</w:t></w:r></w:hyperlink></w:p>"
    )
    doc = read_docx_bytes(make_docx(body))
    texts = [b.text if isinstance(b, Paragraph) else b.texts() for b in doc.blocks]
    assert texts == ["一、 概况", "No.1 inserted", "second line", [["cell"]], "after"]
    assert [b.line for b in doc.blocks] == [1, 3, 5, 7, 9]
    assert doc.text == "一、 概况\n\nNo.1 inserted\n\nsecond line\n\n\tcell\n\nafter\n"


# --- hostile and unsupported files ---------------------------------------------------------------------


def test_xxe_is_refused_and_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER")
    for target in ("file:///etc/passwd", secret.as_uri()):
        prolog = f'<!DOCTYPE w:document [<!ENTITY x SYSTEM "{target}">]>'
        data = make_docx("<w:p><w:r><w:t>&x;</w:t></w:r></w:p>", prolog=prolog)
        with pytest.raises(UnreadableDocument) as info:
            read_docx_bytes(data)
        assert info.value.reason_code == "docx_unsafe_xml"
        assert "TOP-SECRET-MARKER" not in str(info.value) and "root:" not in str(info.value)


def test_entity_expansion_is_refused():
    prolog = '<!DOCTYPE w:document [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    assert reason(make_docx("<w:p><w:r><w:t>&b;&b;</w:t></w:r></w:p>", prolog=prolog)) == "docx_unsafe_xml"


def test_zip_bomb_by_ratio():
    bomb = make_docx("<w:p/>", extra={"word/media/zeros.bin": bytes(6 * 1024 * 1024)})
    assert len(bomb) < 100_000
    assert reason(bomb) == "docx_zip_bomb"


def test_zip_bomb_by_total_size(monkeypatch):
    monkeypatch.setattr(docx_reader, "MAX_UNCOMPRESSED_BYTES", 1024 * 1024)
    big = make_docx("<w:p/>", extra={f"word/media/{i}.bin": os.urandom(400_000) for i in range(3)})
    assert reason(big) == "docx_zip_bomb"


def test_not_a_docx():
    assert reason(b"just some text") == "not_a_docx"
    assert reason(b"") == "not_a_docx"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")  # a spreadsheet
    assert reason(buffer.getvalue()) == "not_a_docx"
    assert reason(make_docx("<w:p>")) == "docx_corrupt"  # not well-formed


def test_legacy_doc_without_libreoffice(monkeypatch):
    monkeypatch.setattr(docx_reader.shutil, "which", lambda name: None)
    legacy = OLE2_MAGIC + bytes(600)
    with pytest.raises(UnreadableDocument) as info:
        read_doc_bytes(legacy)
    assert info.value.reason_code == "legacy_doc"
    assert "soffice --headless --convert-to docx" in str(info.value)
    assert reason(legacy) == "legacy_doc"  # a .doc renamed .docx
    assert reason(legacy, lambda d: read_bytes(d, "old.doc")) == "legacy_doc"
    encrypted = OLE2_MAGIC + "EncryptedPackage".encode("utf-16-le")
    assert reason(encrypted, read_doc_bytes) == "docx_encrypted"
    assert reason(b"{\\rtf1 hello}", read_doc_bytes) == "not_a_docx"


def fake_soffice(tmp_path, monkeypatch, script: str) -> None:
    exe = tmp_path / "bin" / "soffice"
    exe.parent.mkdir(exist_ok=True)
    exe.write_text("#!/bin/sh\n" + script)
    exe.chmod(0o755)
    monkeypatch.setenv("PATH", f"{exe.parent}{os.pathsep}{os.environ['PATH']}")


@pytest.mark.skipif(os.name != "posix", reason="fake soffice is a shell script")
def test_legacy_doc_is_converted_with_soffice(tmp_path, monkeypatch, doc):
    # stands in for LibreOffice: copies the fixture where `--outdir DIR` says, named after the input
    fake_soffice(
        tmp_path, monkeypatch, f'while [ "$1" != --outdir ]; do shift; done\ncp "{DOCX}" "$2/document.docx"\n'
    )
    converted = read_doc_bytes(OLE2_MAGIC + bytes(600))
    assert (converted.encoding, converted.source_format) == ("doc", "docx")
    assert converted.blocks == doc.blocks


@pytest.mark.skipif(os.name != "posix", reason="fake soffice is a shell script")
def test_legacy_doc_conversion_failure_and_timeout(tmp_path, monkeypatch):
    fake_soffice(tmp_path, monkeypatch, "exit 1\n")
    assert reason(OLE2_MAGIC + bytes(600), read_doc_bytes) == "legacy_doc_conversion_failed"
    fake_soffice(tmp_path, monkeypatch, "sleep 30\n")
    with pytest.raises(UnreadableDocument) as info:
        read_doc_bytes(OLE2_MAGIC + bytes(600), timeout=0.5)
    assert info.value.reason_code == "legacy_doc_conversion_failed" and "within" in str(info.value)


def lying_docx(real_size: int, declared_size: int) -> bytes:
    """A .docx whose document.xml inflates to ``real_size`` bytes (mostly spaces: a few KB compressed) while
    its zip headers, local and central, declare ``declared_size``."""
    buffer = io.BytesIO()
    head = f'<?xml version="1.0"?><w:document xmlns:w="{W}"><w:body><w:p/>'.encode()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z, z.open("word/document.xml", "w") as part:
        part.write(head)
        for _ in range((real_size - len(head)) // 1_000_000):
            part.write(b" " * 1_000_000)
    data = bytearray(buffer.getvalue())
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # uncompressed size fields
        at = data.index(signature)
        assert struct.unpack_from("<I", data, at + offset)[0] > declared_size
        struct.pack_into("<I", data, at + offset, declared_size)
    return bytes(data)


def test_a_member_is_refused_by_its_real_size_while_it_is_read():
    """The header says 4 KB, the member inflates to 60 MB: refused once it passes 4 KB, having held no more
    than a chunk or two (it used to be inflated whole before a CRC error)."""
    data = lying_docx(60_000_000, 4096)
    assert len(data) < 200_000
    tracemalloc.start()
    try:
        with pytest.raises(UnreadableDocument) as info:
            read_docx_bytes(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert info.value.reason_code == "docx_zip_bomb"
    assert "inflates past the 4096 bytes its zip header declares" in str(info.value)
    assert peak < 4 * docx_reader.READ_CHUNK_BYTES + len(data)


def test_a_member_within_its_declared_size_still_reads():
    body = "<w:p><w:r><w:t>一、部门职责</w:t></w:r></w:p>" * 50_000  # inflated over several chunks
    doc = read_docx_bytes(make_docx(body))
    assert len(doc.paragraphs()) == 50_000 and doc.paragraphs()[-1].text == "一、部门职责"
