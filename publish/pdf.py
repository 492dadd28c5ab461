"""Stage 1, for a PDF: its pages read into the lines the extractor reads, in reading order.

Poppler's `pdftotext -bbox-layout` gives each text line with its box (docs/inputs.md says why this
extractor: measured against pypdfium2, pypdf, pdfminer.six and pdfplumber). None gives the reading order
of a page set in columns: the order of a page's text stream is the order its program drew it, which
puts a heading after the columns under it or alternates the columns line by line. The order is
therefore decided here from the boxes alone: a vertical gap that few lines cross is a gutter; the lines
that cross it (a heading over both columns, a running head) cut the page into bands, and each band is
read column by column, left to right, each column top to bottom.

A gap in a column larger than a share of the line height, a change of font size, or a short line before
the next column is a paragraph break (a blank line), so a side box or a heading stands apart; pages are
separated by form feeds as in pdftotext's own output, so the layout detectors find running heads and
page numbers as before.
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from publish.errors import InputError

_XHTML = "{http://www.w3.org/1999/xhtml}"
# A gutter is at least this wide (points). Measured on the originals: the gutters found are 12-27 pt on
# FrP's 118 two-column pages (median 17), 8-58 pt on Partiet Sentrum's 120 (median 14.5); a word space
# is inside its line's box.
MIN_GUTTER = 8.0
# Boxes narrower than this (points: a page number, a lone glyph) neither make nor close a gutter.
_NARROW = 2 * MIN_GUTTER
# Lines on each side of a gutter: at least this many, or it is a ragged edge or a lone page number.
_MIN_COLUMN_LINES = 3
# Lines that may cross a gutter (headings over both columns, a running head): at most this share of a page's lines.
_MAX_CROSSING_SHARE = 0.25
# A gap between two lines of a column larger than this share of the upper line's height is a paragraph
# break. Measured on the originals (lines of one size, one below the other): the median gap is -0.09 to
# 0.35 of the line height by document (wrapped lines), the 95th percentile 0.5-1.45 (paragraphs apart).
PARAGRAPH_GAP = 0.6
# Line heights that differ by more than this share are two font sizes: a heading and its text. In the
# originals a line's height is its font's size, the same for every line of one size (FrP: body 11.4 pt,
# headings 12.7 pt and more).
_SIZE_CHANGE = 0.08
# A line that ends short of this share of its column's width ended its paragraph (ragged-right text of the
# originals fills 80-100 % of its column; a paragraph's last line rarely does).
_FULL_LINE = 0.8
# A page number is printed in this share of the page's height at its top or bottom edge.
_EDGE_SHARE = 0.12
# Control characters a broken font map gives (FrP's U+0007, MDG's U+0008): not allowed in XML.
_XML_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Two words of a line closer than this share of its height are one word drawn in two pieces. Measured on
# FrP's pages: a word space is 0.2-0.3 of the line height, a first letter drawn apart from its word 0.0.
_WORD_GAP = 0.1
# A list marker printed apart from its text, and a line number printed apart from its line.
_MARK = re.compile(r"^(?:[•●▪■·◆►➢✓✔*+–—o○◦\uf0b7\uf0a7-]|\d{1,2}[.)]|\(\d{1,2}\)|[a-zæøå]\))$")
# A mark is joined only to a line this many of its heights away at most: line numbers and bullets stand
# 0.5-3 heights from their text in the originals; a page number beside a running footer ("post@sv.no | sv.no"
# ... "10") stands 30 and more away and stays a line of its own.
_MARK_REACH = 6
_LINE_NUMBER = re.compile(r"^\d{1,5}$")
_XML_CONTROL_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffd]")
_PRINTED_NUMBER = re.compile(r"^(?:side\s+)?(\d{1,4})(?:\s*(?:av|/)\s*\d{1,4})?$", re.IGNORECASE)


@dataclass(frozen=True)
class Box:
    """One text line on a page: its box in points (y grows downwards) and its words joined by spaces."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    garbled: bool = False  # Poppler gave a control character in it: read again (reread_garbled)

    @property
    def height(self) -> float:
        return self.y1 - self.y0


@dataclass(frozen=True)
class Page:
    width: float
    height: float
    boxes: tuple[Box, ...]


@dataclass(frozen=True)
class PdfText:
    """A PDF's text as the extractor reads it, and where each physical line stands in the PDF."""

    text: str  # pages separated by form feeds; a blank line is a paragraph break
    line_pages: tuple[int, ...]  # the PDF page (1 = first) of each physical line of `text`
    printed_pages: tuple[str, ...]  # per PDF page, the page number printed on it ("" where none is)


def read_pdf(path: Path) -> PdfText:
    """The PDF's lines in reading order, page by page."""
    return pdf_text(read_pages(path))


def read_pages(path: Path) -> list[Page]:
    """Every page's text lines with their boxes, from Poppler's pdftotext."""
    tool = shutil.which("pdftotext")
    if tool is None:
        raise InputError(path, "reading a PDF needs Poppler's pdftotext", hint="install Debian's poppler-utils (`make system` does)")
    done = subprocess.run([tool, "-bbox-layout", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=False)
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()[:1] or ["no reason given"]
        raise InputError(path, f"not a readable PDF ({reason[0]})", hint="open it in a PDF reader; save or export it again")
    pages = reread_garbled(path, parse_bbox_layout(done.stdout))
    return [Page(page.width, page.height, tuple(glue_marks(list(page.boxes)))) for page in pages]


def reread_garbled(path: Path, pages: list[Page]) -> list[Page]:
    """Lines where Poppler gave control characters, read again by PDFium inside the same box.

    A font whose map sends a glyph to a control character (FrP's programme draws an invisible U+0007
    over the first letter of every item) makes Poppler drop the letter under it as a duplicate
    ("tablere" for "etablere"); PDFium keeps it. Every other line stays as Poppler read it.
    """
    if not any(box.garbled for page in pages for box in page.boxes):
        return pages
    import pypdfium2

    document = pypdfium2.PdfDocument(str(path))
    try:
        return [_reread_page(document, number, page) for number, page in enumerate(pages)]
    finally:
        document.close()


def _reread_page(document, number: int, page: Page) -> Page:
    """A garbled line is read again with the lines Poppler split off it in the same row (a glyph it set
    apart overlaps the line's box: "· u" beside "tvikle ordningen"), as one line."""
    if not any(box.garbled for box in page.boxes):
        return page
    textpage = document[number].get_textpage()
    boxes = list(page.boxes)
    for garbled in [box for box in boxes if box.garbled]:
        if garbled not in boxes:
            continue
        parts = [b for b in boxes if _same_row(b, garbled) and b.x1 > garbled.x0 and b.x0 < garbled.x1]
        x0, x1 = min(b.x0 for b in parts), max(b.x1 for b in parts)
        pad = 0.1 * garbled.height  # PDFium's glyph boxes sit inside Poppler's line box; a little room keeps edge glyphs in
        text = textpage.get_text_bounded(x0 - pad, page.height - garbled.y1 + pad, x1 + pad, page.height - garbled.y0 - pad)
        text = " ".join(_XML_CONTROL_TEXT.sub("", text.replace("\x02", "-")).split()) or garbled.text  # PDFium's U+0002: a hyphen at a line's end
        at = boxes.index(parts[0])
        boxes = [b for b in boxes if b not in parts]
        boxes.insert(at, Box(x0, garbled.y0, x1, garbled.y1, text))
    textpage.close()
    return Page(page.width, page.height, tuple(boxes))


def parse_bbox_layout(xhtml: bytes) -> list[Page]:
    """Pages and their lines from `pdftotext -bbox-layout` output.

    >>> page = parse_bbox_layout(b'<html xmlns="http://www.w3.org/1999/xhtml"><body><doc><page width="600" height="800">'
    ...   b'<flow><block><line xMin="50" yMin="70" xMax="90" yMax="80"><word xMin="50" xMax="60">Vi</word>'
    ...   b'<word xMin="63" xMax="90">vil</word></line></block></flow>'
    ...   b'</page></doc></body></html>')[0]
    >>> page.boxes[0].text, page.height
    ('Vi vil', 800.0)
    """
    root = ET.fromstring(_XML_CONTROL.sub(b"\xef\xbf\xbd", xhtml))  # U+FFFD marks the line to read again
    pages = []
    for page in root.iter(f"{_XHTML}page"):
        boxes = []
        for line in page.iter(f"{_XHTML}line"):
            x0, y0, x1, y1 = (float(line.get(key, 0)) for key in ("xMin", "yMin", "xMax", "yMax"))
            text = _words(list(line.iter(f"{_XHTML}word")), y1 - y0)
            if text.replace("\ufffd", "").strip():
                boxes.append(Box(x0, y0, x1, y1, text.replace("\ufffd", ""), garbled="\ufffd" in text))
        pages.append(Page(float(page.get("width", 0)), float(page.get("height", 0)), tuple(boxes)))
    return pages


def _words(words: list[ET.Element], height: float) -> str:
    """A line's words joined by spaces; words that touch are one word ("l" + "iberalisere": a glyph drawn apart)."""
    text, end = "", None
    for word in words:
        if not (word.text or "").strip():
            continue
        start = float(word.get("xMin", 0))
        glue = "" if end is not None and start - end < _WORD_GAP * height else " "
        text = f"{text}{glue}{word.text}" if text else word.text
        end = float(word.get("xMax", 0))
    return text


def glue_marks(boxes: list[Box]) -> list[Box]:
    """A list marker or a printed line number set apart from its line (a box of its own) joined to it.

    A marker ("•", "1.", "a)") goes before the text beside it in the same row, a line number after it,
    where the layout detectors find them (layout.split_marker, layout.detect_line_numbers). A mark
    with no text in its row (a page number, an empty numbered line) stays a line of its own.

    >>> glued = glue_marks([Box(50, 100, 54, 110, "•"), Box(62, 100, 300, 110, "styrke skolen"), Box(20, 100, 30, 110, "12")])
    >>> [(b.x0, b.text) for b in glued]
    [(50, '• styrke skolen 12')]
    """
    texts = [b for b in boxes if not _MARK.match(b.text) and not _LINE_NUMBER.match(b.text)]
    glued = {id(b): b for b in texts}
    numbered: list[Box] = []  # the lines a line number was joined to
    alone: list[Box] = []
    for mark in boxes:
        if id(mark) in glued:
            continue
        row = [b for b in texts if _same_row(mark, b) and _gap(mark, b) <= _MARK_REACH * mark.height]
        target = min(row, key=lambda b: _gap(mark, b)) if row else None
        joined = glued[id(target)] if target is not None else None
        if joined is not None and _LINE_NUMBER.match(mark.text):
            glued[id(target)] = Box(joined.x0, joined.y0, joined.x1, joined.y1, f"{joined.text} {mark.text}")
            numbered.append(target)
        elif joined is not None and mark.x1 <= joined.x0:
            glued[id(target)] = Box(mark.x0, joined.y0, joined.x1, joined.y1, f"{mark.text} {joined.text}")
        else:
            glued[id(mark)] = mark
            alone.append(mark)
    for mark in alone:  # an empty numbered line stands in the column its neighbours' numbers were joined to
        if _LINE_NUMBER.match(mark.text) and numbered:
            near = glued[id(min(numbered, key=lambda b: abs(b.y0 - mark.y0)))]
            glued[id(mark)] = Box(near.x0, mark.y0, near.x0 + mark.x1 - mark.x0, mark.y1, mark.text)
    return [glued[id(b)] for b in boxes if id(b) in glued]


def _gap(mark: Box, box: Box) -> float:
    """The horizontal distance between two boxes (0 where they overlap)."""
    return max(box.x0 - mark.x1, mark.x0 - box.x1, 0.0)


def _same_row(mark: Box, box: Box) -> bool:
    """The two boxes share most of the smaller one's height."""
    overlap = min(mark.y1, box.y1) - max(mark.y0, box.y0)
    return overlap >= 0.5 * min(mark.height, box.height)


def pdf_text(pages: list[Page]) -> PdfText:
    """The pages as one text: each in reading order, paragraph breaks as blank lines, form feeds between pages."""
    lines: list[str] = []
    line_pages: list[int] = []
    for number, page in enumerate(pages, 1):
        ordered = reading_order(list(page.boxes))
        page_lines = page_text(ordered) or [""]
        if number > 1 and ordered and ordered[0].height > (1 + _SIZE_CHANGE) * statistics.median(b.height for b in ordered):
            # A page that opens in a larger font than most of its lines opens with a heading: the paragraph
            # before it ended. The form feed's line, then a blank line.
            page_lines = ["", "", *page_lines]
        if number > 1:
            page_lines[0] = "\f" + page_lines[0]
        lines.extend(page_lines)
        line_pages.extend([number] * len(page_lines))
    return PdfText("\n".join(lines) + "\n", tuple(line_pages), tuple(printed_page(page) for page in pages))


def reading_order(boxes: list[Box]) -> list[Box]:
    """The lines of a page (or of one column of it) in the order a reader reads them.

    >>> left = [Box(50, 100 + 14 * i, 280, 111 + 14 * i, f"L{i}") for i in range(4)]
    >>> right = [Box(306, 100 + 14 * i, 540, 111 + 14 * i, f"R{i}") for i in range(4)]
    >>> head = Box(50, 70, 540, 90, "Overskrift over begge spaltene")
    >>> [b.text for b in reading_order(right + left + [head])]
    ['Overskrift over begge spaltene', 'L0', 'L1', 'L2', 'L3', 'R0', 'R1', 'R2', 'R3']
    """
    gutter = find_gutter(boxes)
    if gutter is None:
        return sorted(boxes, key=lambda b: (round(b.y0, 1), b.x0))
    left_edge, right_edge = gutter
    crossing = sorted((b for b in boxes if b.x1 > left_edge and b.x0 < right_edge), key=lambda b: b.y0)
    ordered: list[Box] = []
    rest = [b for b in boxes if not (b.x1 > left_edge and b.x0 < right_edge)]
    for cut in [*crossing, None]:
        band = [b for b in rest if cut is None or _middle(b) < _middle(cut)]
        rest = [b for b in rest if b not in band]
        ordered.extend(reading_order([b for b in band if b.x1 <= left_edge]))
        ordered.extend(reading_order([b for b in band if b.x0 >= right_edge]))
        if cut is not None:
            ordered.append(cut)
    return ordered


def _middle(box: Box) -> float:
    return (box.y0 + box.y1) / 2


def find_gutter(boxes: list[Box]) -> tuple[float, float] | None:
    """The widest vertical gap crossed by the fewest lines, with columns on both sides, or None.

    A sweep over the lines' left and right edges: between two neighbouring edges the number of lines
    that cross is constant.
    """
    boxes = [b for b in boxes if b.x1 - b.x0 >= _NARROW]  # a page number in the gutter does not close it
    if len(boxes) < 2 * _MIN_COLUMN_LINES:
        return None
    edges = sorted({b.x0 for b in boxes} | {b.x1 for b in boxes})
    best: tuple[int, float, float, float] | None = None  # (crossing, -width, left, right)
    run: tuple[int, float, float] | None = None
    for left, right in zip(edges, edges[1:], strict=False):
        middle = (left + right) / 2
        crossing = sum(1 for b in boxes if b.x0 < middle < b.x1)
        before = sum(1 for b in boxes if b.x1 <= left)
        after = sum(1 for b in boxes if b.x0 >= right)
        if before < _MIN_COLUMN_LINES or after < _MIN_COLUMN_LINES or crossing > _MAX_CROSSING_SHARE * len(boxes):
            run = None
            continue
        run = (crossing, run[1], right) if run is not None and run[0] == crossing else (crossing, left, right)
        candidate = (crossing, -(run[2] - run[1]), run[1], run[2])
        if run[2] - run[1] >= MIN_GUTTER and (best is None or candidate < best):
            best = candidate
    return (best[2], best[3]) if best is not None else None


def page_text(ordered: list[Box]) -> list[str]:
    """The ordered lines as text, with a blank line where a paragraph ends.

    A paragraph ends where a column's text jumps down by a paragraph gap, where the font size changes (a
    heading), and, where the reading goes on at the top of the next column, where the line before it ends
    short of its column's right edge (a sentence that runs on fills its last line).
    """
    lines: list[str] = []
    previous: Box | None = None
    for box in ordered:
        if previous is not None and _paragraph_break(previous, box, ordered):
            lines.append("")
        lines.append(box.text)
        previous = box
    return lines


def _paragraph_break(previous: Box, box: Box, ordered: list[Box]) -> bool:
    if abs(box.height - previous.height) > _SIZE_CHANGE * previous.height:
        return True
    below = box.x0 < previous.x1 and box.y0 >= previous.y1 - 0.5 * previous.height
    if below:
        return box.y0 - previous.y1 > PARAGRAPH_GAP * previous.height
    column = [b for b in ordered if b.x0 < previous.x1 and b.x1 > previous.x0]
    return previous.x1 - previous.x0 < _FULL_LINE * (max(b.x1 for b in column) - previous.x0)


def printed_page(page: Page) -> str:
    """The page number printed at the page's top or bottom edge ("" where none is), as the reader cites it.

    >>> printed_page(Page(600, 800, (Box(50, 30, 200, 40, "Program 2025-2029"), Box(295, 760, 300, 770, "12"))))
    '12'
    >>> printed_page(Page(600, 800, (Box(50, 760, 500, 770, "Vi vil ha 12"),)))
    ''
    """
    edge = _EDGE_SHARE * page.height
    found = [
        (abs(box.y0 - page.height / 2), match.group(1))
        for box in page.boxes
        if (box.y1 <= edge or box.y0 >= page.height - edge) and (match := _PRINTED_NUMBER.match(box.text.strip()))
    ]
    numbers = sorted(found, reverse=True)  # the one nearest an edge
    return numbers[0][1] if numbers else ""
