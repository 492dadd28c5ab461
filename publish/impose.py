"""Stage: the A5 pages of a booklet, two-up on A4 sheets in saddle-stitch order, for a home printer."""

from __future__ import annotations

from pathlib import Path

A4_LANDSCAPE = (841.8898, 595.2756)  # points
# Saddle stitching holds up to about 64 pages (16 sheets) of ordinary 80-100 g/m2 office paper before the
# spine bulges open and the inner pages creep out (printers' guidance, e.g. newprint.com's saddle-stitch
# FAQ: "up to 64 pages with little or no issues" on 50-70 lb text). A longer booklet is printed as
# consecutive booklets of at most this many pages, each folded and stapled on its own.
STAPLED_PAGES = 64

def impose_booklet(a5_pdf: Path, target: Path) -> list[int]:
    """A5 pages two-up on A4 landscape in saddle-stitch order, padded with blanks to whole sheets; past
    STAPLED_PAGES as consecutive booklets (see `booklets`), one after the other in the same file.

    Each page is placed as a form XObject (pikepdf/qpdf), which leaves its content stream untouched:
    pypdf's merge parses every stream and took 23 s for 70 pages, this takes a fraction of a second.
    Returns the number of sheets (two A4 sides each) of each booklet.
    """
    import pikepdf

    with pikepdf.open(a5_pdf) as source, pikepdf.new() as sheets:
        width, height = (float(v) for v in source.pages[0].mediabox[2:])
        half = max(A4_LANDSCAPE[0] / 2, width)  # A5 is 148 mm wide, half an A4 sheet 148.5: centre it
        parts = booklets(len(source.pages))
        for part in parts:
            for left, right in imposition_order(len(part)):
                sheet = sheets.add_blank_page(page_size=(2 * half, max(A4_LANDSCAPE[1], height)))
                for slot, index in enumerate((part[left], part[right])):
                    if index >= len(source.pages):
                        continue  # a blank page padding the last sheet
                    # add_overlay names the XObject at random; a fixed name keeps the file byte-identical
                    form = sheets.copy_foreign(source.pages[index].as_form_xobject())
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
        return [len(part) // 4 for part in parts]


def booklets(pages: int, most: int = STAPLED_PAGES) -> list[range]:
    """The page indexes of each stapled booklet: consecutive whole sheets (4 pages), at most `most` pages
    each, as even as can be, blanks only at the very end; each starts on a right-hand (odd) page.

    >>> booklets(61)
    [range(0, 64)]
    >>> booklets(70)
    [range(0, 36), range(36, 72)]
    >>> [len(b) for b in booklets(123)], [len(b) for b in booklets(203)]
    ([64, 60], [52, 52, 52, 48])
    """
    sheets = -(-pages // 4)
    count = max(1, -(-sheets * 4 // most))
    sizes = [(sheets // count + (k < sheets % count)) * 4 for k in range(count)]
    starts = [sum(sizes[:k]) for k in range(count)]
    return [range(start, start + size) for start, size in zip(starts, sizes, strict=True)]


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
