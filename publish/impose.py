"""Stage: the A5 pages of a booklet, two-up on A4 sheets in saddle-stitch order, for a home printer."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

A4_LANDSCAPE = (841.8898, 595.2756)  # points
# Saddle stitching holds up to about 64 pages (16 sheets) of ordinary 80-100 g/m2 office paper before the
# spine bulges open and the inner pages creep out (printers' guidance, e.g. newprint.com's saddle-stitch
# FAQ: "up to 64 pages with little or no issues" on 50-70 lb text). A longer booklet is printed as
# consecutive booklets of at most this many pages, each folded and stapled on its own, split where a chapter
# opens (plan_parts).
STAPLED_PAGES = 64


@dataclass
class Part:
    """One stapled booklet of the imposed file: A5 pages of the layout between two section openings, with covers.

    Every part but the first gets a front cover of its own (the first has the booklet's cover), with its blank
    inside when its first page is a right-hand one; every part ends with a back cover that says how to print,
    after the blank pages that fill its last sheet.
    """

    number: int
    pages: range  # the A5 layout's page indexes it holds
    chapters: list[tuple[str, int]] = field(default_factory=list)  # sections opening in it: label, printed page
    continues: str = ""  # the section its first page goes on with, when it does not open one
    first_sheet: int = 1  # its first A4 sheet in the file

    @property
    def front(self) -> bool:
        return self.pages.start > 0

    @property
    def inside_blank(self) -> bool:
        """A blank inside front cover keeps a right-hand page (an even index) right-hand: its margins are mirrored."""
        return self.front and self.pages.start % 2 == 0

    @property
    def size(self) -> int:
        """A5 pages in whole sheets: covers, pages and the blanks before the back cover."""
        return -(-self.filled // 4) * 4

    @property
    def filled(self) -> int:
        return self.front + self.inside_blank + len(self.pages) + 1

    @property
    def blanks(self) -> int:
        return self.size - self.filled

    @property
    def sheets(self) -> str:
        """Its A4 sheets in the file, as the back cover names them: "1–11"."""
        return f"{self.first_sheet}–{self.first_sheet + self.size // 4 - 1}"

    @property
    def range(self) -> str:
        """What the part holds, for its cover: "Side 37–64"."""
        return f"Side {self.pages.start + 1}–{self.pages.stop}"


def sections(a5_pdf: Path) -> list[tuple[int, str, bool]]:
    """(page index, label, whether it opens its page) of each top-level bookmark: a stapled booklet may end
    before one that opens its page. A section that runs on below another (report.css `.run-on`) stands lower
    than the highest bookmark of any page."""
    import pikepdf

    with pikepdf.open(a5_pdf) as pdf:
        index = {page.objgen: n for n, page in enumerate(pdf.pages)}
        with pdf.open_outline() as outline:
            marks = [(index[item.destination[0].objgen], float(item.destination[3]), str(item.title)) for item in outline.root]
    top = max((y for _, y, _ in marks), default=0)
    return [(page, title, y >= top - 2) for page, y, title in marks]


def plan_parts(pages: int, sections: list[tuple[int, str, bool]], most: int = STAPLED_PAGES) -> list[Part]:
    """The fewest stapled booklets of at most `most` pages that split the layout where sections open, with the
    fewest blank pages, then the smallest largest booklet; split anywhere only when a section alone is too long.

    >>> parts = plan_parts(86, [(0, "a", True), (4, "b", True), (40, "c", True), (50, "d", False), (63, "e", True)])
    >>> [(p.pages, p.blanks, p.chapters) for p in parts]
    [(range(0, 63), 0, [('b', 5), ('c', 41), ('d', 51)]), (range(63, 86), 3, [('e', 64)])]
    >>> [len(p.pages) for p in plan_parts(200, [(0, "a", True)])]
    [51, 50, 50, 49]
    """
    starts = sorted({page for page, _, opens in sections if opens and 0 < page < pages})
    bounds = _fewest(pages, starts, most) or _fewest(pages, list(range(1, pages)), most)
    parts = [Part(n, range(a, b)) for n, (a, b) in enumerate(bounds, 1)]
    sheet = 1
    for part in parts:
        part.first_sheet, sheet = sheet, sheet + part.size // 4
        part.chapters = [(label, page + 1) for page, label, _ in sections if page in part.pages and page > 0]
        earlier = [label for page, label, _ in sections if page < part.pages.start]
        if part.front and not any(page == part.pages.start and opens for page, _, opens in sections) and earlier:
            part.continues = earlier[-1]
    return parts


def _fewest(pages: int, starts: list[int], most: int) -> list[tuple[int, int]] | None:
    """Split points among `starts` for (fewest parts, fewest blanks, smallest largest part), by dynamic programming."""
    points = [0, *starts, pages]
    best: dict[int, tuple[int, int, int, list[tuple[int, int]]]] = {0: (0, 0, 0, [])}
    for j in range(1, len(points)):
        for i in range(j):
            if i not in best:
                continue
            part = Part(0, range(points[i], points[j]))
            if part.size > most:
                continue
            count, blanks, largest, bounds = best[i]
            candidate = (count + 1, blanks + part.blanks, max(largest, part.size), [*bounds, (points[i], points[j])])
            if j not in best or candidate[:3] < best[j][:3]:
                best[j] = candidate
    return best[len(points) - 1][3] if len(points) - 1 in best else None


def cover_pages(parts: list[Part]) -> list[tuple[int, str]]:
    """(part number, "front" or "back") of each page parts.html lays out, in its order."""
    return [(part.number, side) for part in parts for side in (("front", "back") if part.front else ("back",))]


def impose_booklet(a5_pdf: Path, covers_pdf: Path, parts: list[Part], target: Path) -> list[int]:
    """The parts' A5 pages two-up on A4 landscape in saddle-stitch order, each part on its own sheets, one after
    the other in the same file, with their covers from `covers_pdf` (laid out from parts.html).

    Each page is placed as a form XObject (pikepdf/qpdf), which leaves its content stream untouched:
    pypdf's merge parses every stream and took 23 s for 70 pages, this takes a fraction of a second.
    Returns the number of sheets (two A4 sides each) of each booklet.
    """
    import pikepdf

    covers_at = {page: n for n, page in enumerate(cover_pages(parts))}
    with pikepdf.open(a5_pdf) as source, pikepdf.open(covers_pdf) as covers, pikepdf.new() as sheets:
        width, height = (float(v) for v in source.pages[0].mediabox[2:])
        half = max(A4_LANDSCAPE[0] / 2, width)  # A5 is 148 mm wide, half an A4 sheet 148.5: centre it
        for part in parts:
            slots = [covers.pages[covers_at[part.number, "front"]]] if part.front else []
            slots += [None] * part.inside_blank + [source.pages[n] for n in part.pages]
            slots += [None] * part.blanks + [covers.pages[covers_at[part.number, "back"]]]
            for left, right in imposition_order(len(slots)):
                sheet = sheets.add_blank_page(page_size=(2 * half, max(A4_LANDSCAPE[1], height)))
                for slot, page in enumerate((slots[left], slots[right])):
                    if page is None:
                        continue  # a blank page: the inside of a cover, or filling the last sheet
                    # add_overlay names the XObject at random; a fixed name keeps the file byte-identical
                    form = sheets.copy_foreign(page.as_form_xobject())
                    name = sheet.add_resource(form, pikepdf.Name.XObject, pikepdf.Name(f"/Page{slot}"))
                    x = slot * half + (half - width) / 2
                    rect = pikepdf.Rectangle(x, 0, x + width, height)
                    sheet.contents_add(sheets.make_stream(sheet.calc_form_xobject_placement(form, name, rect)))
        with source.open_metadata(set_pikepdf_as_editor=False) as meta_in, sheets.open_metadata(set_pikepdf_as_editor=False) as meta_out:
            for key in ("dc:title", "dc:creator", "dc:description", "dc:language", "xmp:CreatorTool"):
                if key in meta_in:
                    meta_out[key] = meta_in[key]
        sheets.docinfo["/Title"] = source.docinfo.get("/Title", "")
        sheets.docinfo["/Creator"] = source.docinfo.get("/Creator", "")
        sheets.save(target, deterministic_id=True)
    return [part.size // 4 for part in parts]


def imposition_order(n: int) -> list[tuple[int, int]]:
    """(left, right) page indexes, 0-based, of each A4 side for n pages (n a multiple of 4).

    >>> imposition_order(8)
    [(7, 0), (1, 6), (5, 2), (3, 4)]
    """
    order = []
    for k in range(n // 4):
        order.append((n - 1 - 2 * k, 2 * k))
        order.append((2 * k + 1, n - 2 - 2 * k))
    return order
