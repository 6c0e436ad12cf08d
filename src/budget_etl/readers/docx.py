"""Word disclosures: .docx read straight from its XML, legacy .doc converted with LibreOffice first.

The body's paragraphs and tables become blocks in document order. The reader also renders the blocks as
text in the txt form (see ``text.py``): a paragraph per line, a table cell per tab-indented line, a blank
line after every block and every table row. ``ReadDocument.text`` is that rendering, and every ``line``
(``Paragraph.line``, ``Cell.line``) is a 1-based line of it, so docx provenance reads like txt provenance.
The txt reader, given that text, rebuilds the same blocks.

Table cells follow the txt form too: one ``Cell`` per physical cell (``w:tc``) of a row, numbered 1, 2, 3...
in the row as a reader sees them, however many grid columns a cell spans (``w:gridSpan``). A cell that
continues a vertical merge (``w:vMerge`` without ``restart``) or a legacy horizontal one (``w:hMerge``
without ``restart``) is an empty cell ``""``: the merged text belongs to the first cell of the merge only.

The file is untrusted: the zip is checked for size and compression ratio before anything is inflated, by the
sizes its directory declares; ``word/document.xml`` is then inflated in bounded chunks and refused as soon as
it grows past its declared size (a header that lies), and parsed without DTDs, entities or network; a part
that declares a DTD at all is refused, since OOXML never needs one.

Reason codes of UnreadableDocument: ``not_a_docx`` (not a zip, no ``word/document.xml``, not
WordprocessingML, or a .doc that is not OLE2), ``docx_zip_bomb``, ``docx_unsafe_xml`` (a DTD),
``docx_corrupt`` (an entry that cannot be inflated, XML that is not well-formed), ``docx_encrypted``
(password-protected), ``legacy_doc`` (a .doc and no LibreOffice), ``legacy_doc_conversion_failed``.
"""

from __future__ import annotations

import copy
import io
import os
import shutil
import signal
import subprocess
import tempfile
import zipfile
import zlib
from pathlib import Path

from lxml import etree

from budget_etl.readers.blocks import Block, Cell, Paragraph, ReadDocument, Table, UnreadableDocument
from budget_etl.readers.normalize import clean, normalize_text

MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024  # all entries together, as the zip declares them
MAX_COMPRESSION_RATIO = 100  # refused for an entry above RATIO_CHECK_BYTES
RATIO_CHECK_BYTES = 5 * 1024 * 1024
READ_CHUNK_BYTES = 1024 * 1024  # a member is inflated this much at a time
SOFFICE_TIMEOUT_SECONDS = 120

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
DOCUMENT_PART = "word/document.xml"
LEGACY_DOC_MESSAGE = (
    "Legacy Word .doc is not supported: convert it to .docx "
    "(e.g. `soffice --headless --convert-to docx FILE.doc`) and ingest again"
)

_NAMESPACES = (
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main",  # transitional (what Word writes)
    "http://purl.oclc.org/ooxml/wordprocessingml/main",  # strict
)
# WordprocessingML elements and attributes the reader looks at: structure, then run content
_TAGS = ("p", "tbl", "tr", "tc", "tcPr", "vMerge", "hMerge", "val")
_TAGS += ("t", "tab", "br", "cr", "noBreakHyphen", "type", "txbxContent")
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


def read_docx_bytes(data: bytes) -> ReadDocument:
    """A .docx file's bytes to blocks; raises UnreadableDocument for anything that is not a safe .docx."""
    if data.startswith(OLE2_MAGIC):  # a legacy .doc under a .docx name
        return read_doc_bytes(data)
    root = _parse_xml(_document_xml(data))
    w = _namespace(root)
    body = root.find(f"{{{w}}}body")
    if body is None:
        raise UnreadableDocument("not_a_docx", f"{DOCUMENT_PART} has no w:body: not a Word document.")
    return _Renderer(w).read(body)


def read_doc_bytes(data: bytes, *, timeout: float = SOFFICE_TIMEOUT_SECONDS) -> ReadDocument:
    """A legacy .doc (OLE2): converted to .docx by LibreOffice when ``soffice`` is on PATH, else refused."""
    if data.startswith(b"PK"):  # a .docx under a .doc name
        return read_docx_bytes(data)
    if not data.startswith(OLE2_MAGIC):
        raise UnreadableDocument("not_a_docx", "Neither a Word .docx (zip) nor a legacy Word .doc (OLE2).")
    if "EncryptedPackage".encode("utf-16-le") in data:
        raise UnreadableDocument(
            "docx_encrypted", "The Word document is password-protected: remove the password and ingest again."
        )
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise UnreadableDocument("legacy_doc", LEGACY_DOC_MESSAGE)
    doc = read_docx_bytes(_convert_with_soffice(soffice, data, timeout))
    return ReadDocument(blocks=doc.blocks, text=doc.text, encoding="doc", source_format="docx")


# --- the package ---------------------------------------------------------------------------------------


def _document_xml(data: bytes) -> bytes:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnreadableDocument("not_a_docx", f"Not a Word .docx file (not a zip archive): {exc}") from exc
    with archive:
        infos = archive.infolist()
        total = sum(info.file_size for info in infos)
        if total > MAX_UNCOMPRESSED_BYTES:
            raise UnreadableDocument(
                "docx_zip_bomb",
                f"The archive would inflate to {total} bytes (limit {MAX_UNCOMPRESSED_BYTES}).",
            )
        for info in infos:
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > RATIO_CHECK_BYTES and ratio > MAX_COMPRESSION_RATIO:
                raise UnreadableDocument(
                    "docx_zip_bomb",
                    f"{info.filename} is compressed {ratio:.0f}:1 to {info.file_size} bytes: a zip bomb.",
                )
        try:
            info = archive.getinfo(DOCUMENT_PART)
        except KeyError as exc:
            raise UnreadableDocument(
                "not_a_docx", f"The zip has no {DOCUMENT_PART}: not a Word document."
            ) from exc
        try:
            return _inflate(archive, info)
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, OSError, EOFError) as exc:
            raise UnreadableDocument("docx_corrupt", f"{DOCUMENT_PART} cannot be unpacked: {exc}") from exc


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """A member's bytes, inflated a chunk at a time and counted as they come: refused as soon as they pass
    the size the zip declares, which the checks above trusted. (zipfile would inflate as much as asked in
    one go and then cut to the declared size: a lying header cost hundreds of MB before a CRC error.)"""
    unbounded = copy.copy(info)
    unbounded.file_size = MAX_UNCOMPRESSED_BYTES + 1  # let zipfile inflate to the real end; we count
    chunks, size = [], 0
    with archive.open(unbounded) as part:
        while chunk := part.read(READ_CHUNK_BYTES):
            size += len(chunk)
            if size > info.file_size:
                raise UnreadableDocument(
                    "docx_zip_bomb",
                    f"{info.filename} inflates past the {info.file_size} bytes its zip header declares: "
                    "the header lies.",
                )
            chunks.append(chunk)
    return b"".join(chunks)


def _parse_xml(xml: bytes) -> etree._Element:
    parser = etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        raise UnreadableDocument("docx_corrupt", f"{DOCUMENT_PART} is not well-formed XML: {exc}") from exc
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise UnreadableDocument(
            "docx_unsafe_xml", f"{DOCUMENT_PART} declares a DTD (entities): refused, OOXML never needs one."
        )
    return root


def _namespace(root: etree._Element) -> str:
    for w in _NAMESPACES:
        if root.tag == f"{{{w}}}document":
            return w
    raise UnreadableDocument("not_a_docx", f"{DOCUMENT_PART} is not a WordprocessingML document.")


def _convert_with_soffice(soffice: str, data: bytes, timeout: float) -> bytes:
    with tempfile.TemporaryDirectory(prefix="budget_etl_doc_") as tmp:
        source = Path(tmp) / "document.doc"
        source.write_bytes(data)
        command = [
            soffice,
            f"-env:UserInstallation={(Path(tmp) / 'profile').as_uri()}",  # never touch the user's profile
            "--headless",
            "--norestore",
            "--convert-to",
            "docx",
            "--outdir",
            tmp,
            str(source),
        ]
        # A session of its own, so that a timeout kills LibreOffice's children along with it.
        proc = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise UnreadableDocument(
                "legacy_doc_conversion_failed", f"LibreOffice did not convert the .doc within {timeout:g}s."
            ) from exc
        converted = Path(tmp) / "document.docx"
        if proc.returncode != 0 or not converted.is_file():
            raise UnreadableDocument(
                "legacy_doc_conversion_failed",
                f"LibreOffice could not convert the .doc to .docx (exit code {proc.returncode}).",
            )
        return converted.read_bytes()


# --- the body ------------------------------------------------------------------------------------------


class _Renderer:
    """Walks the body in document order, building the blocks and the txt-form text they point into."""

    def __init__(self, w: str):
        self.q = {name: f"{{{w}}}{name}" for name in _TAGS}
        self.lines: list[str] = []
        self.blocks: list[Block] = []

    def read(self, body: etree._Element) -> ReadDocument:
        for element in self._find(body, "p", "tbl"):
            if element.tag == self.q["p"]:
                for line in _split_lines(self._text(element)):
                    self.lines += [line, ""]
                    self.blocks.append(Paragraph(text=line, line=len(self.lines) - 1))
            else:
                self._table(element)
        return ReadDocument(
            blocks=self.blocks, text="\n".join(self.lines), encoding="docx", source_format="docx"
        )

    def _find(self, parent: etree._Element, *names: str):
        """Descendants with one of these tags, in document order, not looking inside them.

        Finds paragraphs and tables inside content controls (w:sdt), custom XML and tracked insertions too;
        skips the fallback copy of alternate content.
        """
        tags = {self.q[name] for name in names}
        for child in parent:
            if child.tag in tags:
                yield child
            elif isinstance(child.tag, str) and child.tag != _MC_FALLBACK:
                yield from self._find(child, *names)

    def _table(self, tbl: etree._Element) -> None:
        table = Table(index=sum(isinstance(b, Table) for b in self.blocks) + 1)
        for tr in self._find(tbl, "tr"):
            row: list[Cell] = []
            for tc in self._find(tr, "tc"):
                text = "" if self._continues_merge(tc) else "\n".join(_split_lines(self._cell_text(tc)))
                first, *more = text.split("\n")
                self.lines.append("\t" + first)
                row.append(Cell(text=text, line=len(self.lines), row=len(table.rows) + 1, col=len(row) + 1))
                self.lines += more
            if row:
                table.rows.append(row)
                self.lines.append("")
        if table.rows:
            self.blocks.append(table)

    def _continues_merge(self, tc: etree._Element) -> bool:
        tc_pr = tc.find(self.q["tcPr"])
        if tc_pr is None:
            return False
        for tag in ("vMerge", "hMerge"):
            merge = tc_pr.find(self.q[tag])
            if merge is not None and merge.get(self.q["val"], "continue") != "restart":
                return True
        return False

    def _cell_text(self, tc: etree._Element) -> str:
        """The cell's paragraphs, one per line; a table nested in the cell is flattened the same way."""
        lines = []
        for element in self._find(tc, "p", "tbl"):
            if element.tag == self.q["p"]:
                lines.append(self._text(element))
            else:
                lines += [
                    self._cell_text(inner)
                    for tr in self._find(element, "tr")
                    for inner in self._find(tr, "tc")
                ]
        return "\n".join(lines)

    def _text(self, element: etree._Element) -> str:
        """The text a reader sees: runs' text, tabs and line breaks; no field codes, no deleted text."""
        parts: list[str] = []
        for child in element:
            tag = child.tag
            if tag == self.q["t"]:
                parts.append(child.text or "")
            elif tag == self.q["tab"]:
                parts.append("\t")
            elif tag == self.q["br"]:
                parts.append("" if child.get(self.q["type"]) in ("page", "column") else "\n")
            elif tag == self.q["cr"]:
                parts.append("\n")
            elif tag == self.q["noBreakHyphen"]:
                parts.append("-")
            elif isinstance(tag, str) and tag not in (_MC_FALLBACK, self.q["txbxContent"], self.q["p"]):
                parts.append(self._text(child))  # runs, hyperlinks, fields' results, insertions, sdt...
        return "".join(parts)


def _split_lines(text: str) -> list[str]:
    """Normalised, cleaned, non-empty lines, as the txt form would hold them."""
    return [line for line in (clean(x) for x in normalize_text(text).split("\n")) if line]
