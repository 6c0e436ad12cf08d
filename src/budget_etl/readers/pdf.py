"""PDF disclosures: characters and ruling lines by position, rebuilt into paragraphs and tables.

pypdfium2 (PDFium) gives every character with its box and every path object (ruling lines, cell borders)
ten times faster than pdfminer; pdfplumber's table geometry turns the ruling lines into cells. Everything
else works on positions, never on the text layer's order, so that:

- a table is a grid of ruled cells; the characters inside a cell, over however many lines, are its text
  (a header or a row label that wraps is one cell); a cell spanning several grid columns or rows holds its
  text in its top-left position and ``""`` in the positions it covers, so every row of a table has the
  same columns; a title row inside a grid (a spreadsheet printed as one grid) starts the next table;
- a table that continues on the next page (same columns, at most a repeat of its title and header between)
  is one table, its repeated header rows dropped;
- lines are grouped by vertical overlap, so numbers set in another font on a lower baseline stay in their
  sentence; wrapped lines of a paragraph are joined, also across a page break;
- page headers, footers and page numbers (lines in the top or bottom margin that are a page number, or that
  repeat on many pages) are dropped before paragraphs are joined, so a page number never reaches the text.

``ReadDocument.text`` renders the blocks in the txt form (see ``text.py``): a paragraph per line, a table
cell per tab-indented line, a blank line after every paragraph and table row; every ``line`` is a 1-based
line of it and every block carries its 1-based page.

The file is untrusted: the size, the page count and the objects per page are bounded before any work.
Reason codes of UnreadableDocument: ``broken_pdf`` (not a PDF, or PDFium cannot parse it),
``encrypted_pdf`` (needs a password), ``no_text_layer`` (no page has text: a scan), ``garbled_text_layer``
(fonts without a map from glyphs to text: most characters are private-use codes), ``pdf_too_large``.
"""

from __future__ import annotations

import bisect
import ctypes
import itertools
import operator
import re
from dataclasses import dataclass, field
from statistics import median

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfplumber.table import cells_to_tables, edges_to_intersections, merge_edges

from budget_etl.readers.blocks import Block, Cell, Paragraph, ReadDocument, Table, UnreadableDocument
from budget_etl.readers.normalize import clean, normalize_text

MAX_PDF_BYTES = 100 * 1024 * 1024
MAX_PAGES = 1000
MAX_CHARS_PER_PAGE = 60_000
MAX_OBJECTS_PER_PAGE = 60_000
MAX_CROSSINGS_PER_PAGE = 4_000_000  # vertical x horizontal ruling lines (a dense page has some 10,000)

_EDGE_MAX_THICKNESS = 2.0  # a path thinner than this (pt) is a ruling line
_EDGE_MIN_LENGTH = 3.0
_MAX_FORM_DEPTH = 8  # form XObjects inside form XObjects: deeper ones are not looked into
_SNAP = 3.0  # pt: ruling lines closer than this are one line
_MARGIN_BAND = 0.09  # top and bottom fraction of a page where headers and footers live
_PAGE_NUMBER = re.compile(
    r"^[-—–_\s]*(第\s*)?\d{1,4}(\s*页)?(\s*[/／]\s*\d{1,4})?(\s*共\s*\d+\s*页)?[-—–_\s]*$"
)
_ENUMERATED = re.compile(
    r"^(第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)]|\d+[、.．](?!\d))"
)
_AMOUNT = re.compile(r"^[-+]?[\d,]*\.?\d+%?$")
# a table's title: ends in 表 (…预算表, …表（续）) or starts with its number (表13, 附表2, 公开09表)
_TABLE_TITLE = re.compile(r"表(?:[（(]续[）)])?$|^(?:附?表|公开|预算)\s*[\d一二三四五六七八九十]+")
_COLUMN_GAP = 0.8  # a gap wider than this many line heights separates two columns of a table without rules
_READABLE = re.compile(
    r"[\u0021-\u007e\u00a0-\u024f\u2000-\u206f\u2100-\u27bf\u3000-\u303f\u3400-\u9fff\uff00-\uffef]"
)
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


@dataclass(slots=True)
class _Char:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    space_before: bool = False  # the text layer has a space before this character

    @property
    def size(self) -> float:
        """The height of the character's font box: the font size as printed, whatever the PDF's scaling."""
        return max(self.bottom - self.top, 1.0)


@dataclass
class _Line:
    chars: list[_Char]
    text: str = ""
    x0: float = 0.0
    x1: float = 0.0
    top: float = 0.0
    bottom: float = 0.0
    size: float = 0.0

    def lead_width(self) -> float:
        """Width of the line's first word (a run of Latin letters and digits) or first character."""
        end = self.chars[0]
        for ch in self.chars[1:]:
            if _CJK.match(ch.text) or _CJK.match(end.text) or ch.x0 - end.x1 > 0.25 * self.size:
                break
            end = ch
        return end.x1 - self.chars[0].x0


@dataclass
class _PageTable:
    top: float
    bottom: float
    col_edges: list[float]  # x of every grid column's left edge (aligned tables: the edge it is set flush to)
    right: float
    rows: list[list[str]]  # grid rows of cell texts
    before: list[str] = field(default_factory=list)  # caption lines drawn inside the frame, above the grid
    after: list[str] = field(default_factory=list)  # and below it
    # per grid column, whether the text of the last row runs to its cell's right edge (a label the page
    # break may have cut); None where unknown
    last_row_full: list[bool] | None = None


@dataclass
class _Page:
    number: int
    width: float
    height: float
    lines: list[_Line] = field(default_factory=list)  # outside tables, top to bottom
    tables: list[_PageTable] = field(default_factory=list)
    characters: int = 0
    readable: int = 0  # characters that are Chinese, Latin, digits or punctuation (not private-use codes)


def read_pdf_bytes(data: bytes) -> ReadDocument:
    """A PDF file's bytes to blocks; raises UnreadableDocument with a specific reason."""
    pages = []
    for number, page in enumerate(_open(data), start=1):
        try:
            pages.append(_read_page(page, number))
        except pdfium.PdfiumError as exc:
            raise UnreadableDocument("broken_pdf", f"Page {number} cannot be read: {exc}") from exc
    characters = sum(p.characters for p in pages)
    readable = sum(p.readable for p in pages)
    if readable < 0.5 * characters:
        raise UnreadableDocument(
            "garbled_text_layer",
            f"Only {readable} of the {characters} characters of the text layer are letters, digits or "
            "punctuation: its fonts do not map glyphs to text (render and OCR the pages to read it).",
        )
    if not any(p.lines or p.tables for p in pages):
        raise UnreadableDocument(
            "no_text_layer",
            f"None of the {len(pages)} pages has a text layer: a scanned PDF needs OCR before it can be read.",
        )
    _drop_headers_and_footers(pages)
    for page in pages:
        _aligned_tables(page)
    return _Renderer().render(pages)


# --- opening ----------------------------------------------------------------------------------------------


def _open(data: bytes):
    if len(data) > MAX_PDF_BYTES:
        raise UnreadableDocument("pdf_too_large", f"The PDF has {len(data)} bytes (limit {MAX_PDF_BYTES}).")
    if b"%PDF-" not in data[:1024]:
        raise UnreadableDocument("broken_pdf", "Not a PDF file (no %PDF- header).")
    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if exc.err_code == pdfium_c.FPDF_ERR_PASSWORD:
            raise UnreadableDocument(
                "encrypted_pdf", "The PDF is password-protected: remove the password and ingest again."
            ) from exc
        raise UnreadableDocument("broken_pdf", f"The PDF cannot be parsed: {exc}") from exc
    if len(doc) > MAX_PAGES:
        raise UnreadableDocument("pdf_too_large", f"The PDF has {len(doc)} pages (limit {MAX_PAGES}).")
    if len(doc) == 0:
        raise UnreadableDocument("broken_pdf", "The PDF has no pages.")
    for index in range(len(doc)):
        try:
            yield doc[index]
        except pdfium.PdfiumError as exc:
            raise UnreadableDocument("broken_pdf", f"Page {index + 1} cannot be parsed: {exc}") from exc


# --- one page ---------------------------------------------------------------------------------------------


def _read_page(page, number: int) -> _Page:
    width, height = page.get_size()
    display_box = _display_box(page)
    in_forms: set[int | None] = set()
    edges = _edges(page, number, display_box, in_forms)
    chars, unmapped = _chars(page, number, display_box, in_forms)
    result = _Page(number=number, width=width, height=height, characters=len(chars) + unmapped)
    result.readable = sum(1 for ch in chars if _READABLE.match(ch.text))
    for cells in _ruled_tables(edges):
        tables, chars = _fill_table(cells, chars)
        result.tables += tables
    result.lines = _lines(chars)
    return result


def _display_box(page):
    """A function from a box in unrotated PDF user space (x0, y0, x1, y1 of two corners; origin bottom left)
    to the same box on the page as displayed (x0, top, x1, bottom; origin top left)."""
    left, bottom, right, top = page.get_mediabox()
    w, h = right - left, top - bottom
    rotation = page.get_rotation() if page.get_rotation() in (90, 180, 270) else 0

    def box(x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        # the corners as displayed, written out per rotation (it runs once per character)
        if rotation == 0:
            ax, ay, bx, by = x0 - left, h - (y0 - bottom), x1 - left, h - (y1 - bottom)
        elif rotation == 90:
            ax, ay, bx, by = y0 - bottom, x0 - left, y1 - bottom, x1 - left
        elif rotation == 180:
            ax, ay, bx, by = w - (x0 - left), y0 - bottom, w - (x1 - left), y1 - bottom
        else:
            ax, ay, bx, by = h - (y0 - bottom), w - (x0 - left), h - (y1 - bottom), w - (x1 - left)
        # conditionals rather than min and max: the same values, at half the cost
        return (
            (ax if ax <= bx else bx),
            (ay if ay <= by else by),
            (ax if ax >= bx else bx),
            (ay if ay >= by else by),
        )

    return box


def _c_function(function, restype, *argtypes):
    """A PDFium function called with plain addresses and returning a plain value: the same C function as
    pypdfium2's binding, without its typed pointers (converting them, per character, costs more than the
    call). Pointers go in and out as ints (``_address``)."""
    return ctypes.CFUNCTYPE(restype, *argtypes)(ctypes.cast(function, ctypes.c_void_p).value)


_VOID, _INT = ctypes.c_void_p, ctypes.c_int
_char_unicode = _c_function(pdfium_c.FPDFText_GetUnicode, ctypes.c_uint, _VOID, _INT)
_char_generated = _c_function(pdfium_c.FPDFText_IsGenerated, _INT, _VOID, _INT)
_char_loose_box = _c_function(pdfium_c.FPDFText_GetLooseCharBox, _INT, _VOID, _INT, _VOID)
_char_object = _c_function(pdfium_c.FPDFText_GetTextObject, _VOID, _VOID, _INT)


def _chars(page, number: int, display_box, in_forms: set[int | None]) -> tuple[list[_Char], int]:
    """The page's visible characters, and how many glyphs had no text."""
    textpage = page.get_textpage()
    count = textpage.count_chars()
    if count > MAX_CHARS_PER_PAGE:
        raise UnreadableDocument(
            "pdf_too_large", f"Page {number} has {count} characters (limit {MAX_CHARS_PER_PAGE})."
        )
    raw = _address(textpage.raw)
    rect = (ctypes.c_float * 4)()  # an FS_RECTF: left, top, right, bottom
    rect_address = ctypes.addressof(rect)
    width, height = page.get_size()
    chars = []
    space = False
    unmapped = 0
    clip_box = _Clips(in_forms).box
    obj = clip = _UNSEEN
    for i in range(count):
        code = _char_unicode(raw, i)
        generated = _char_generated(raw, i)
        if code <= 32 or code == 0xFFFE or 0xD800 <= code <= 0xDFFF or generated:
            space = space or code == 32  # line breaks are rebuilt from positions; a space marks a word gap
            if code not in (9, 10, 13, 32) and generated != 1:
                unmapped += 1  # a glyph without text: its font has no map to Unicode
            continue
        if not _char_loose_box(raw, i, rect_address):
            raise pdfium.PdfiumError(f"Failed to get the box of character {i}.")
        left, top, right, bottom = rect[:]
        current = _char_object(raw, i)
        if current != obj:  # the characters of one text object come one after another
            obj, clip = current, clip_box(current)
        if clip is not None and not (
            clip[0] - 1 <= (left + right) / 2 <= clip[2] + 1
            and clip[1] - 1 <= (bottom + top) / 2 <= clip[3] + 1
        ):
            continue  # clipped away: never shown (the overflow of a text box, say)
        x0, top, x1, bottom = display_box(left, bottom, right, top)
        if x1 < 0 or top > height or x0 > width or bottom < 0:
            continue  # outside the page: never shown
        chars.append(_Char(chr(code), x0, x1, top, bottom, space))
        space = False
    textpage.close()
    return chars, unmapped


def _address(pointer) -> int | None:
    """The address a ctypes pointer holds (read from its buffer: four times faster than ctypes.cast)."""
    return ctypes.c_void_p.from_buffer(pointer).value


class _Clips:
    """The bounding box of a text object's clipping path, computed once per clipping path: objects with the
    same clip share PDFium's path data, so the address of each path's first point identifies it (within the
    page, which stays loaded while its characters are read).

    Only for objects drawn on the page itself: the clipping path of an object inside a form XObject is in
    the form's space, which PDFium does not map to the page's.
    """

    def __init__(self, in_forms: set[int | None]):
        self.in_forms = in_forms  # addresses of the text objects inside form XObjects
        self.of_paths: dict[tuple, tuple[float, float, float, float] | None] = {}

    def box(self, obj: int | None) -> tuple[float, float, float, float] | None:
        """The clip box of the text object at this address."""
        clip = _object_clip(obj) if obj and obj not in self.in_forms else None
        if not clip:
            return None
        count = max(_clip_paths(clip), 0)
        paths = tuple(
            map(_clip_segment, itertools.repeat(clip, count), range(count), itertools.repeat(0, count))
        )
        found = self.of_paths.get(paths, _UNSEEN)
        if found is _UNSEEN:
            found = self.of_paths[paths] = _clip_box(clip)
        return found


_UNSEEN = object()
_object_clip = _c_function(pdfium_c.FPDFPageObj_GetClipPath, _VOID, _VOID)
_clip_paths = _c_function(pdfium_c.FPDFClipPath_CountPaths, _INT, _VOID)
_clip_path_segments = _c_function(pdfium_c.FPDFClipPath_CountPathSegments, _INT, _VOID, _INT)
_clip_segment = _c_function(pdfium_c.FPDFClipPath_GetPathSegment, _VOID, _VOID, _INT, _INT)
_segment_point = _c_function(pdfium_c.FPDFPathSegment_GetPoint, _INT, _VOID, _VOID, _VOID)
_X, _Y = ctypes.c_float(), ctypes.c_float()
_XY = (ctypes.addressof(_X), ctypes.addressof(_Y))


def _clip_box(clip: int) -> tuple[float, float, float, float] | None:
    """The intersection of the boxes of the paths of a clip (None: no paths).

    A path of four or five segments is taken as the rectangle its first and third points span (what
    clipping rectangles are), which halves the calls into PDFium for the common case."""
    box = None
    for k in range(_clip_paths(clip)):
        count = _clip_path_segments(clip, k)
        xs, ys = [], []
        for j in (0, 2) if count in (4, 5) else range(count):
            if _segment_point(_clip_segment(clip, k, j), *_XY):
                xs.append(_X.value)
                ys.append(_Y.value)
        if xs:
            path = (min(xs), min(ys), max(xs), max(ys))
            box = (
                path
                if box is None
                else (max(box[0], path[0]), max(box[1], path[1]), min(box[2], path[2]), min(box[3], path[3]))
            )
    return box


def _edges(page, number: int, display_box, in_forms: set[int | None]) -> list[dict]:
    """Ruling lines as pdfplumber edges: thin paths are lines, other rectangles give their four sides.
    Notes in ``in_forms`` the text objects found inside form XObjects."""
    edges: list[dict] = []
    for count, (obj, (x0, top, x1, bottom)) in enumerate(
        _paths(_address(page.raw), display_box, in_forms), start=1
    ):
        if count > MAX_OBJECTS_PER_PAGE:
            raise UnreadableDocument(
                "pdf_too_large", f"Page {number} has more than {MAX_OBJECTS_PER_PAGE} drawing objects."
            )
        w, h = x1 - x0, bottom - top
        if w < _EDGE_MAX_THICKNESS and h >= _EDGE_MIN_LENGTH:
            edges.append(_edge("v", (x0 + x1) / 2, top, (x0 + x1) / 2, bottom))
        elif h < _EDGE_MAX_THICKNESS and w >= _EDGE_MIN_LENGTH:
            edges.append(_edge("h", x0, (top + bottom) / 2, x1, (top + bottom) / 2))
        elif w >= _EDGE_MIN_LENGTH and h >= _EDGE_MIN_LENGTH and _path_segments(obj) <= 6:
            edges += [
                _edge("h", x0, top, x1, top),
                _edge("h", x0, bottom, x1, bottom),
                _edge("v", x0, top, x0, bottom),
                _edge("v", x1, top, x1, bottom),
            ]
    return edges


_page_objects = _c_function(pdfium_c.FPDFPage_CountObjects, _INT, _VOID)
_page_object = _c_function(pdfium_c.FPDFPage_GetObject, _VOID, _VOID, _INT)
_form_objects = _c_function(pdfium_c.FPDFFormObj_CountObjects, _INT, _VOID)
_form_object = _c_function(pdfium_c.FPDFFormObj_GetObject, _VOID, _VOID, ctypes.c_ulong)
_object_type = _c_function(pdfium_c.FPDFPageObj_GetType, _INT, _VOID)
_object_bounds = _c_function(pdfium_c.FPDFPageObj_GetBounds, _INT, _VOID, _VOID, _VOID, _VOID, _VOID)
_path_segments = _c_function(pdfium_c.FPDFPath_CountSegments, _INT, _VOID)
_TEXT_OBJECT = pdfium_c.FPDF_PAGEOBJ_TEXT
_PATH_OBJECT = pdfium_c.FPDF_PAGEOBJ_PATH
_FORM_OBJECT = pdfium_c.FPDF_PAGEOBJ_FORM


def _paths(holder: int, display_box, in_forms: set[int | None], depth: int = 0):
    """Path objects (addresses) of the page (and of its form XObjects) with their display boxes, through
    PDFium's C API directly: the Python wrapper per object costs more than the work. Adds the text objects
    inside forms to ``in_forms``."""
    count, get = (_page_objects, _page_object) if depth == 0 else (_form_objects, _form_object)
    bounds = (ctypes.c_float * 4)()  # left, bottom, right, top
    addresses = [ctypes.addressof(bounds) + k * ctypes.sizeof(ctypes.c_float) for k in range(4)]
    n = count(holder)
    objects = list(map(get, itertools.repeat(holder, n), range(n)))  # looped in C: most are text objects
    for obj, kind in zip(objects, map(_object_type, objects), strict=True):
        if kind == _TEXT_OBJECT:
            if depth > 0:
                in_forms.add(obj)
        elif kind == _PATH_OBJECT:
            if _object_bounds(obj, *addresses):
                yield obj, display_box(*bounds)
        elif kind == _FORM_OBJECT and depth < _MAX_FORM_DEPTH:
            yield from _paths(obj, display_box, in_forms, depth + 1)


def _edge(orientation: str, x0: float, top: float, x1: float, bottom: float) -> dict:
    return {
        "x0": x0,
        "x1": x1,
        "top": top,
        "bottom": bottom,
        "width": x1 - x0,
        "height": bottom - top,
        "orientation": orientation,
    }


def _ruled_tables(edges: list[dict]) -> list[list[tuple[float, float, float, float]]]:
    """Cells (x0, top, x1, bottom) of each ruled table on the page, by pdfplumber's geometry.

    The ruling lines of each band of the page that no gap cuts (a table, or tables side by side) are snapped
    apart from the others': snapping joins lines whose positions chain within the tolerance, so lines of
    the tables above and below could otherwise pull a table's border onto its text."""
    bands = [[e for e in band if (e["width"] if e["orientation"] == "h" else e["height"]) >= _EDGE_MIN_LENGTH]
             for band in _bands(edges)]
    bands = [band for band in bands if len(band) >= 4]
    crossings = sum(v * (len(band) - v) for band in bands if (v := sum(e["orientation"] == "v" for e in band)))
    if crossings > MAX_CROSSINGS_PER_PAGE:  # every pair of a band is tried for a crossing
        raise UnreadableDocument(
            "pdf_too_large",
            f"A page has {sum(map(len, bands))} ruling lines: too many to find its tables in bounded time.",
        )
    tables = []
    for band in bands:
        cells = _cells(edges_to_intersections(band, _SNAP / 3, _SNAP / 3))
        tables += [t for t in cells_to_tables(cells) if len(t) >= 2]
    return tables


def _bands(edges: list[dict]) -> list[list[dict]]:
    """The page's ruling lines, snapped and joined, in bands from top to bottom that no gap taller than the
    snapping tolerance cuts."""
    bands: list[list[dict]] = []
    bottom = None
    for e in sorted(edges, key=lambda e: e["top"]):
        if bottom is None or e["top"] > bottom + _SNAP:
            bands.append([])
            bottom = e["bottom"]
        bands[-1].append(e)
        bottom = max(bottom, e["bottom"])
    return [merge_edges(band, _SNAP, _SNAP, _SNAP, _SNAP) for band in bands]


def _cells(intersections: dict) -> list[tuple[float, float, float, float]]:
    """pdfplumber's ``intersections_to_cells`` (the smallest rectangle whose four corners are joined by
    ruling lines, from each intersection) with the edges of each point and its neighbours looked up once:
    the library's version rebuilds them for every pair of points, most of the reading time of a big table."""
    points = sorted(intersections)
    v_of = {p: {(e["x0"], e["top"], e["x1"], e["bottom"]) for e in d["v"]} for p, d in intersections.items()}
    h_of = {p: {(e["x0"], e["top"], e["x1"], e["bottom"]) for e in d["h"]} for p, d in intersections.items()}
    same_x: dict[float, list] = {}
    same_y: dict[float, list] = {}
    for p in points:
        same_x.setdefault(p[0], []).append(p)
        same_y.setdefault(p[1], []).append(p)
    cells = []
    for p in points:
        column, row = same_x[p[0]], same_y[p[1]]  # sorted: the points after p are below it, right of it
        v, h = v_of[p], h_of[p]
        # lazily: the first point below usually closes the cell, and a column is long
        below = (q for q in column[column.index(p) + 1 :] if not v.isdisjoint(v_of[q]))
        right = [q for q in row[row.index(p) + 1 :] if not h.isdisjoint(h_of[q])]
        cell = next(
            (
                (p[0], p[1], r[0], b[1])
                for b in below
                for r in right
                if (r[0], b[1]) in intersections
                and not v_of[(r[0], b[1])].isdisjoint(v_of[r])
                and not h_of[(r[0], b[1])].isdisjoint(h_of[b])
            ),
            None,
        )
        if cell is not None:
            cells.append(cell)
    return cells


def _fill_table(cells, chars: list[_Char]) -> tuple[list[_PageTable], list[_Char]]:
    """Put every character whose centre is in a cell into that cell; returns the grid's tables and the rest
    of the characters.

    Rows at the top or bottom of the grid made of one cell as wide as the table (a title or a note drawn
    inside the table's frame) become captions: paragraphs before or after the table, one per cell (a title
    that wraps in its cell is one title). A title row further down (a spreadsheet printed as one grid, one
    table after another) ends the table above it and is the caption of the next one.
    """
    left, top = min(c[0] for c in cells), min(c[1] for c in cells)
    right, bottom = max(c[2] for c in cells), max(c[3] for c in cells)
    inside: dict[tuple[float, float, float, float], list[_Char]] = {}
    rest = []
    ordered = sorted(cells, key=lambda c: (c[1], c[0]))
    bands: dict[int, list] = {}  # cells by 10 pt bands of height, to look a character's cell up quickly
    for c in ordered:
        for band in range(int(c[1] // 10), int(c[3] // 10) + 1):
            bands.setdefault(band, []).append(c)
    area = {c: (c[2] - c[0]) * (c[3] - c[1]) for c in ordered}
    for ch in chars:
        cx, cy = (ch.x0 + ch.x1) / 2, (ch.top + ch.bottom) / 2
        cell = None
        if left <= cx <= right and top <= cy <= bottom:
            # the smallest cell that holds it (the first of equal ones): ruling lines can also close a
            # rectangle round several cells
            for c in bands.get(int(cy // 10), ()):
                if c[0] <= cx <= c[2] and c[1] <= cy <= c[3] and (cell is None or area[c] < area[cell]):
                    cell = c
        if cell is None:
            rest.append(ch)
        else:
            inside.setdefault(cell, []).append(ch)
    if not inside:
        return [], chars
    lines_of = {cell: _lines(found) for cell, found in inside.items()}
    texts = {cell: [line.text for line in lines] for cell, lines in lines_of.items()}
    rows_of: dict[float, list] = {}
    for cell in ordered:
        rows_of.setdefault(round(cell[1] / _SNAP), []).append(cell)
    grid_rows = [rows_of[k] for k in sorted(rows_of)]

    def caption(row) -> bool:
        """One cell as wide as the table, or one cell holding text (a spreadsheet's title, its unit)."""
        if len(row) == 1 and row[0][0] - left <= _SNAP and right - row[0][2] <= _SNAP:
            return True
        return sum(1 for cell in row if texts.get(cell)) <= 1

    def wide(row) -> bool:
        return any(texts.get(cell) and cell[2] - cell[0] >= 0.5 * (right - left) for cell in row)

    def title(row) -> bool:
        return caption(row) and wide(row) and any(_TABLE_TITLE.search(_join_lines(texts.get(c, []))) for c in row)

    def captions(rows) -> list[str]:
        return [text for row in rows for cell in row for text in _caption_lines(lines_of.get(cell, []), cell)]

    head = next((i for i, row in enumerate(grid_rows) if not caption(row)), len(grid_rows))
    if not any(wide(row) for row in grid_rows[:head]):
        head = 0  # rows of one label each, as a continued table's first rows can be: not a title
    tail = len(grid_rows)
    while tail > head and len(grid_rows[tail - 1]) == 1 and caption(grid_rows[tail - 1]):
        tail -= 1
    parts: list[tuple[list, list]] = [(grid_rows[:head], [])]  # (caption rows, body rows) of each table
    for row in grid_rows[head:tail]:
        if parts[-1][1] and title(row):
            parts.append(([row], []))
        elif len(parts) > 1 and not parts[-1][1] and caption(row):
            parts[-1][0].append(row)  # the rows under a title inside the grid that hold one text: its unit
        else:
            parts[-1][1].append(row)
    if not parts[0][1]:
        return [], chars  # a frame around text, not a table
    if not parts[-1][1]:  # a title row at the foot: a caption under the table
        tail -= len(parts.pop()[0])
    tables = []
    for k, (caption_rows, body_rows) in enumerate(parts):
        body = [cell for row in body_rows for cell in row]
        xs = _snap_values(sorted({c[0] for c in body}))
        ys = _snap_values(sorted({c[1] for c in body}))
        grid = [["" for _ in xs] for _ in ys]
        for cell in body:
            grid[_index(ys, cell[1])][_index(xs, cell[0])] = _join_lines(texts.get(cell, []))
        grid = _rejoin_cut_rows(grid, body, ys)
        last = k == len(parts) - 1
        # per column of the last row: its text ran to the cell's edge (the row may go on on the next page)
        full = [False] * len(xs)
        for cell in body_rows[-1]:
            if lines := lines_of.get(cell):
                full[_index(xs, cell[0])] = cell[2] - lines[-1].x1 < 1.5 * lines[-1].size
        tables.append(_PageTable(
            top=min(c[1] for c in body),
            bottom=max(c[3] for c in body),
            col_edges=xs,
            right=right if len(parts) == 1 else max(c[2] for c in body),
            rows=grid,
            last_row_full=full,
            before=captions(caption_rows),
            after=captions(grid_rows[tail:]) if last else [],
        ))
    return tables, rest


def _rejoin_cut_rows(grid: list[list[str]], body: list, ys: list[float]) -> list[list[str]]:
    """Grid rows that one row of the table was cut into, joined again.

    Some tables draw a box around each line of a wrapped label, so the label's column is cut at other
    heights than its amounts': the grid then has the label's first line in one row ("1.一般公共预"), the
    amounts in the next, and the label's last line in a third ("算"). They are one row when a cell spans
    all of them (the row's frame), only one holds amounts, and the others hold a label's lines that go
    round it (text above and below it in a column it leaves empty, none numbered below it)."""
    spans: dict[int, set[int]] = {}
    for cell in body:
        first = _index(ys, cell[1])
        last = bisect.bisect_left(ys, cell[3] - _SNAP) - 1  # the last row that starts above the cell's foot
        if last >= first + 2:
            spans.setdefault(first, set()).add(last)
    out: list[list[str]] = []
    i = 0
    while i < len(grid):
        joined = next(((last, row) for last in sorted(spans.get(i, ()), reverse=True)
                       if (row := _wrapped_around(grid[i : last + 1])) is not None), None)
        if joined is None:
            out.append(grid[i])
            i += 1
        else:
            out.append(joined[1])
            i = joined[0] + 1
    return out


def _wrapped_around(band: list[list[str]]) -> list[str] | None:
    """The one row these grid rows make (see ``_rejoin_cut_rows``), or None."""
    amounts = [k for k, row in enumerate(band) if any(_AMOUNT.match(t.replace(" ", "")) for t in row)]
    if len(amounts) != 1 or amounts[0] in (0, len(band) - 1):
        return None
    middle = band[amounts[0]]
    above = {col for row in band[: amounts[0]] for col, text in enumerate(row) if text}
    below = {col for row in band[amounts[0] + 1 :] for col, text in enumerate(row) if text}
    if not below or not below <= above or any(middle[col] for col in above):
        return None
    if any(_ENUMERATED.match(row[col]) or row[col][0].isdigit() for row in band[amounts[0] + 1 :] for col in below
           if row[col]):
        return None
    return [_join_lines([row[col] for row in band]) for col in range(len(middle))]


def _caption_lines(lines: list[_Line], cell: tuple[float, float, float, float]) -> list[str]:
    """The texts of a caption cell, one per line, but a line that filled the cell's width and goes on in the
    same size right below (a title wrapped in its cell: "…支出预算" / "表") is one text with the next."""
    out: list[str] = []
    for prev, line in zip([None, *lines], lines, strict=False):
        wrapped = (
            prev is not None
            and prev.x1 - prev.x0 >= 0.75 * (cell[2] - cell[0])
            and abs(line.size - prev.size) <= 0.15 * line.size
            and line.top - prev.bottom < 0.8 * line.size
        )
        out[-1:] = [_join_lines([out[-1], line.text])] if wrapped else [*out[-1:], line.text]
    return out


def _snap_values(values: list[float]) -> list[float]:
    snapped: list[float] = []
    for v in values:
        if not snapped or v - snapped[-1] > _SNAP:
            snapped.append(v)
    return snapped


def _index(snapped: list[float], value: float) -> int:
    """The index of the value of ``snapped`` (sorted) nearest to ``value``."""
    i = bisect.bisect_left(snapped, value)
    if i == len(snapped) or (i > 0 and value - snapped[i - 1] <= snapped[i] - value):
        return i - 1
    return i


def _lines(chars: list[_Char]) -> list[_Line]:
    """Characters to lines: a character joins the line its vertical centre falls in; left to right."""
    lines: list[_Line] = []
    centres = [(ch.top + ch.bottom) / 2 for ch in chars]
    for k in sorted(range(len(chars)), key=centres.__getitem__):
        ch, centre = chars[k], centres[k]
        for line in reversed(lines[-3:]):
            if line.top - 0.5 <= centre <= line.bottom + 0.5:
                line.chars.append(ch)
                if ch.top < line.top:
                    line.top = ch.top
                if ch.bottom > line.bottom:
                    line.bottom = ch.bottom
                break
        else:
            lines.append(_Line(chars=[ch], top=ch.top, bottom=ch.bottom))
    for line in lines:
        line.chars.sort(key=_X0)
        line.x0, line.x1 = line.chars[0].x0, max(map(_X1, line.chars))
        # the body font sets the size: digits in another font may have taller boxes
        line.size = median([c.size for c in line.chars if _CJK.match(c.text)] or [c.size for c in line.chars])
        line.text = _line_text(line.chars, line.size)
    lines.sort(key=_TOP)
    return lines


_X0, _X1, _TOP = operator.attrgetter("x0"), operator.attrgetter("x1"), operator.attrgetter("top")


def _line_text(chars: list[_Char], size: float) -> str:
    """Characters of one line with a space where a gap separates two words of Latin script or digits."""
    parts = [chars[0].text]
    for prev, ch in itertools.pairwise(chars):
        gap = ch.x0 - prev.x1
        if (gap > 0.25 * size or (ch.space_before and gap > 0)) and not (
            _CJK.match(prev.text) or _CJK.match(ch.text)
        ):
            parts.append(" ")
        elif gap > 2.5 * size:
            parts.append(" ")  # a wide gap between columns stays visible
        parts.append(ch.text)
    return clean(normalize_text("".join(parts)))


def _join_lines(texts: list[str]) -> str:
    """Wrapped lines to one text: no space where Chinese wraps, one space between Latin words or digits."""
    out = ""
    for text in texts:
        if not text:
            continue
        if out and not (_CJK.match(out[-1]) or _CJK.match(text[0])):
            out += " "
        out += text
    return out


# --- tables without ruling lines ----------------------------------------------------------------------------


def _segments(line: _Line) -> list[tuple[float, float, str]]:
    """The line cut where a gap is wide enough to separate columns: (x0, x1, text) of each piece."""
    pieces: list[list[_Char]] = [[line.chars[0]]]
    for prev, ch in itertools.pairwise(line.chars):
        if ch.x0 - prev.x1 > _COLUMN_GAP * line.size:
            pieces.append([])
        pieces[-1].append(ch)
    return [(p[0].x0, max(c.x1 for c in p), _line_text(p, line.size)) for p in pieces]


def _aligned_tables(page: _Page) -> None:
    """Tables drawn without ruling lines, from text alignment: at least three lines in a row that hold an
    amount in a column of their own. Their columns are the union of the pieces of those lines; the lines just
    above that are cut in pieces too, or stand over the amounts, are the header (one row); a line between them with one piece and no amount is a
    label row, or the rest of the label above when that one filled its column (a wrapped label)."""
    if not page.lines:
        return
    lines = page.lines
    pieces = [_segments(line) for line in lines]
    body = [len(p) >= 2 and any(_AMOUNT.match(t.replace(" ", "")) for _, _, t in p[1:]) for p in pieces]
    used: set[int] = set()
    i = 0
    while i < len(lines):
        if not body[i]:
            i += 1
            continue
        end = i  # the run of body lines, with label lines between them
        j = i + 1
        while j < len(lines) and lines[j].top - lines[j - 1].bottom < 1.5 * lines[j].size:
            if body[j]:
                end = j
            elif len(pieces[j]) > 1:
                break
            j += 1
        labels_end = max(pieces[k][0][1] for k in range(i, end + 1) if body[k])
        start = i
        while (
            start > 0
            and not body[start - 1]
            and (len(pieces[start - 1]) > 1 or pieces[start - 1][0][0] > labels_end)
            and (lines[start].top - lines[start - 1].bottom < 1.5 * lines[start].size)
        ):
            start -= 1  # header lines: in pieces, or one piece over the amounts (a wrapped header)
        if _aligned(pieces[i : end + 1], body[i : end + 1]):
            page.tables.append(
                _aligned_table(
                    lines[start : end + 1], pieces[start : end + 1], body[start : end + 1], i - start
                )
            )
            used.update(range(start, end + 1))
        i = end + 1
    if used:
        page.lines = [line for k, line in enumerate(lines) if k not in used]


def _aligned(pieces: list, body: list[bool]) -> bool:
    """At least three lines whose amounts end where an amount of another line ends (numbers are set flush
    right in columns; the numbers of justified prose fall anywhere)."""
    ends = sorted(
        (x1, line)
        for line, (p, b) in enumerate(zip(pieces, body, strict=True))
        if b
        for x0, x1, t in p[1:]
        if _AMOUNT.match(t.replace(" ", ""))
    )
    aligned: set[int] = set()
    for (x, line), (y, other) in itertools.pairwise(ends):  # sorted by end: neighbours in x are next
        if y - x <= 2 and line != other:
            aligned.update((line, other))
    return len(aligned) >= 3


def _aligned_table(lines: list[_Line], pieces: list, body: list[bool], header: int) -> _PageTable:
    """The table of these lines, the first ``header`` of them its header (one row: a wrapped header)."""
    columns: list[list[float]] = []  # [x0, x1] of each column, from the body lines
    for x0, x1, _ in sorted(piece for p, b in zip(pieces, body, strict=True) if b for piece in p):
        if columns and x0 <= columns[-1][1]:
            columns[-1][1] = max(columns[-1][1], x1)
        else:
            columns.append([x0, x1])

    def column(x0: float, x1: float) -> int:
        overlaps = [min(x1, c[1]) - max(x0, c[0]) for c in columns]
        best = max(range(len(columns)), key=lambda k: overlaps[k])
        return best if overlaps[best] > 0 else min(range(len(columns)), key=lambda k: abs(columns[k][0] - x0))

    rows: list[list[str]] = []
    previous: tuple[_Line, list] | None = None
    for line, line_pieces in zip(lines, pieces, strict=True):
        row = [""] * len(columns)
        for x0, x1, text in line_pieces:
            k = column(x0, x1)
            row[k] = _join_lines([row[k], text])
        wrapped = (
            previous is not None
            and len(line_pieces) == 1
            and not _AMOUNT.match(line_pieces[0][2])
            and not _ENUMERATED.match(line_pieces[0][2])
            and previous[1]
            and column(*previous[1][0][:2]) == column(*line_pieces[0][:2])
            and columns[column(*line_pieces[0][:2])][1] - previous[1][0][1] < 1.5 * line.size
        )
        if wrapped:
            k = column(*line_pieces[0][:2])
            rows[-1][k] = _join_lines([rows[-1][k], line_pieces[0][2]])
        else:
            rows.append(row)
        previous = (line, line_pieces)
    if header > 1:
        rows[:header] = [[_join_lines(texts) for texts in zip(*rows[:header], strict=True)]]
    return _PageTable(
        top=lines[0].top,
        bottom=lines[-1].bottom,
        # where each column is set flush: labels on the left, amounts on the right (the same on every page)
        col_edges=[columns[0][0]] + [c[1] for c in columns[1:]],
        right=columns[-1][1],
        rows=rows,
    )


# --- headers and footers ----------------------------------------------------------------------------------


def _drop_headers_and_footers(pages: list[_Page]) -> None:
    """Drop page numbers and lines repeated in the margins of many pages (digits aside)."""

    def in_margin(page: _Page, line: _Line) -> bool:
        band = _MARGIN_BAND * page.height
        return line.top <= band or line.bottom >= page.height - band

    def key(line: _Line) -> str:
        return re.sub(r"\d+", "#", line.text.replace(" ", ""))

    counts: dict[str, int] = {}
    for page in pages:
        for k in {key(line) for line in page.lines if in_margin(page, line)}:
            counts[k] = counts.get(k, 0) + 1
    repeated = {k for k, n in counts.items() if n >= max(3, len(pages) * 0.4)}

    def page_number(page: _Page, line: _Line) -> bool:
        """A page number in a margin, or centred on its own below (above) everything else on the page."""
        if not _PAGE_NUMBER.match(line.text):
            return False
        if in_margin(page, line):
            return True
        centred = abs((line.x0 + line.x1) / 2 - page.width / 2) < 0.05 * page.width
        others = [other for other in page.lines if other is not line]
        below = all(other.bottom + line.size < line.top for other in others) and all(
            t.bottom < line.top for t in page.tables
        )
        above = all(other.top > line.bottom + line.size for other in others) and all(
            t.top > line.bottom for t in page.tables
        )
        return centred and (below or above)

    for page in pages:
        page.lines = [
            line
            for line in page.lines
            if not (page_number(page, line) or (in_margin(page, line) and key(line) in repeated))
        ]


# --- blocks and text --------------------------------------------------------------------------------------


class _Renderer:
    """Pages to blocks in reading order, and the txt-form text the blocks' lines point into."""

    def __init__(self):
        self.lines: list[str] = []
        self.blocks: list[Block] = []
        self.open_paragraph: tuple[Paragraph, _Line, _Page] | None = None  # the last one, if it may go on
        self.last_table: tuple[Table, _PageTable] | None = None  # the last block, if a table
        self.last_row_full: list[bool] | None = None  # _PageTable.last_row_full of its last page

    def render(self, pages: list[_Page]) -> ReadDocument:
        for page in pages:
            items = [(line.top, line) for line in page.lines] + [(t.top, t) for t in page.tables]
            margins = _body_margins(page)
            repeat_zone = True  # at the top of a page, before anything new: a repeated title may appear
            for _, item in sorted(items, key=lambda pair: pair[0]):
                if isinstance(item, _PageTable):
                    self._table(item, page)
                else:
                    if repeat_zone and self.last_table is not None and self._repeats_title(item.text):
                        continue
                    repeat_zone = False
                    self.last_table = None
                    self._line(item, page, margins)
        text = "\n".join(self.lines)
        return ReadDocument(blocks=self.blocks, text=text, encoding="pdf", source_format="pdf")

    def _repeats_title(self, text: str) -> bool:
        """A line at the top of a page that repeats one of the few paragraphs before the open table."""
        recent = [b for b in self.blocks[-6:] if isinstance(b, Paragraph)]
        return any(text in p.text for p in recent)  # a title wrapped as one paragraph repeats line by line

    def _line(self, line: _Line, page: _Page, margins: tuple[float, float]) -> None:
        if self.open_paragraph is not None and _continues(self.open_paragraph, line, page, margins):
            paragraph = self.open_paragraph[0]
            paragraph.text = _join_lines([paragraph.text, line.text])
            self.lines[paragraph.line - 1] = paragraph.text
            self.open_paragraph = (paragraph, line, page)
            return
        self.open_paragraph = (self._paragraph(line.text, page), line, page)

    def _paragraph(self, text: str, page: _Page) -> Paragraph:
        self.lines.append(text)
        paragraph = Paragraph(text=text, line=len(self.lines), page=page.number)
        self.lines.append("")
        self.blocks.append(paragraph)
        return paragraph

    def _table(self, found: _PageTable, page: _Page) -> None:
        self.open_paragraph = None
        columns = self._continued_columns(found)
        if columns is None:
            for text in found.before:
                self._paragraph(text, page)
            table = Table(index=sum(isinstance(b, Table) for b in self.blocks) + 1)
            self._rows(table, found.rows, page)
            self.blocks.append(table)
            self.last_table = (table, found)
            self.last_row_full = found.last_row_full
        else:
            table, first = self.last_table
            rows = [_remap(row, columns, len(first.col_edges)) for row in found.rows]
            header = 0
            while header < min(len(rows), len(first.rows)) and rows[header] == first.rows[header]:
                header += 1
            rows = rows[header:]
            if rows and table.rows and _split_row(table.rows[-1], rows[0], self.last_row_full):
                for cell, text in zip(table.rows[-1], rows.pop(0), strict=True):
                    if text:
                        cell.text = _join_lines([cell.text, text])
                        self.lines[cell.line - 1] = "\t" + cell.text
            self._rows(table, rows, page)
            self.last_row_full = None if found.last_row_full is None else [
                any(f for f, col in zip(found.last_row_full, columns, strict=True) if col == k)
                for k in range(len(first.col_edges))]
        for text in found.after:
            self._paragraph(text, page)
        if found.after:
            self.last_table = None

    def _continued_columns(self, found: _PageTable) -> list[int] | None:
        """For a table that continues the last one: the column of the last one each of its columns is in.

        It continues when nothing but a repeat of the title came between, its right border is the same and
        each of its column edges is one of the last table's.
        """
        if self.last_table is None or self.blocks[-1] is not self.last_table[0]:
            return None
        first = self.last_table[1]
        if abs(first.right - found.right) > 2 * _SNAP or not all(map(self._repeats_title, found.before)):
            return None
        columns = []
        for x in found.col_edges:
            i = _index(first.col_edges, x)
            if abs(first.col_edges[i] - x) > 2 * _SNAP:
                return None
            columns.append(i)
        return columns

    def _rows(self, table: Table, rows: list[list[str]], page: _Page) -> None:
        for texts in rows:
            if not any(texts):
                continue
            row: list[Cell] = []
            for text in texts:
                self.lines.append("\t" + text)
                row.append(
                    Cell(
                        text=text,
                        line=len(self.lines),
                        row=len(table.rows) + 1,
                        col=len(row) + 1,
                        page=page.number,
                    )
                )
            table.rows.append(row)
            self.lines.append("")


def _body_margins(page: _Page) -> tuple[float, float]:
    """The left and right edges of the page's text body."""
    if not page.lines:
        return 0.0, page.width
    left = min(line.x0 for line in page.lines)
    if len(page.lines) < 3:  # too few lines to show the right margin: take it as wide as the left one
        return left, page.width - left
    return left, max(line.x1 for line in page.lines)


def _continues(open_paragraph: tuple[Paragraph, _Line, _Page], line: _Line, page: _Page, margins) -> bool:
    """Whether a line goes on the paragraph before it: that one filled its line, this one is not indented."""
    _, prev, prev_page = open_paragraph
    size = max(line.size, prev.size, 1.0)
    if prev_page is page and _wrapped_title(prev, line, margins):
        return True
    room = _body_margins(prev_page)[1] - prev.x1
    if room > line.lead_width() + 1.5 * size:
        return False  # the previous line stopped short, not for want of room for this line's first word
    if line.x0 > margins[0] + 0.8 * size or _ENUMERATED.match(line.text):
        return False  # indented or numbered: a new paragraph
    if abs(line.size - prev.size) > 0.15 * size:
        return False
    return not (prev_page is page and line.top - prev.bottom > 1.2 * size)


def _wrapped_title(prev: _Line, line: _Line, margins: tuple[float, float]) -> bool:
    """A long centred title wrapped on a second centred line of the same size, right below it."""
    middle = (margins[0] + margins[1]) / 2
    width = margins[1] - margins[0]
    return (
        abs((prev.x0 + prev.x1) / 2 - middle) < 0.05 * width
        and abs((line.x0 + line.x1) / 2 - middle) < 0.05 * width
        and min(prev.x0, line.x0) > margins[0] + 3 * line.size  # set in from the margin: not body text
        and prev.x1 - prev.x0 > 0.5 * width
        and line.x1 - line.x0 <= prev.x1 - prev.x0 + line.size
        and abs(line.size - prev.size) <= 0.15 * line.size
        and line.top - prev.bottom < 0.8 * line.size
        and not prev.text.endswith(("。", "：", ":"))
        and not _ENUMERATED.match(line.text)
    )


def _remap(row: list[str], columns: list[int], width: int) -> list[str]:
    out = [""] * width
    for text, col in zip(row, columns, strict=True):
        out[col] = _join_lines([out[col], text])
    return out


def _split_row(last: list[Cell], first: list[str], full: list[bool] | None = None) -> bool:
    """Whether a table's first row on a page is the end of its last row on the page before, cut by the
    page break: text only (no amount), not numbered, and only in columns where that row has text that ran
    to its cell's edge (``full``, where known: a short label such as 本年收入合计 was not cut)."""
    filled = [(cell.text, text) for cell, text in zip(last, first, strict=True) if text]
    if full is not None and not all(full[i] for i, text in enumerate(first) if text and i < len(full)):
        return False
    return bool(filled) and all(
        before
        and not _AMOUNT.match(before)
        and not _AMOUNT.match(text)
        and not _ENUMERATED.match(text)
        and not text[0].isdigit()
        for before, text in filled
    )
