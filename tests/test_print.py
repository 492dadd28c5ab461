"""Print rules that need no whole booklet: chapters running on, stapled booklets split at chapters, short codes."""

from __future__ import annotations

import polars as pl

from publish import booklet, impose, render

PAGE = (
    '<html lang="nb"><head><meta charset="utf-8"><link rel="stylesheet" href="report.css"></head><body>'
    '<section class="chapter" id="kap-a"><h1 class="chapter-title">1 A</h1>{a}</section>'
    '<section class="chapter" id="kap-b"><h1 class="chapter-title">2 B</h1><p>Første løfte om B.</p></section>'
    "</body></html>"
)


def test_a_chapter_after_a_nearly_empty_page_runs_on_below_it():
    """Chapter A spills a few lines onto its second page: chapter B starts below them, not on a page of its own."""
    lines = "<br>".join(f"Løfte {n} om A" for n in range(62))  # about 57 lines fill an A4 page at 9 pt
    layout = render.lay_out(PAGE.format(a=f"<p>{lines}</p>"))
    pages = layout.document.pages
    assert layout.layouts == 2 and len(pages) == 2  # laid out again, B on A's last page
    assert "kap-b" in pages[1].anchors and not render._opens_page(pages[1], "kap-b")


def test_a_chapter_after_a_full_page_opens_a_page_of_its_own():
    layout = render.lay_out(PAGE.format(a="".join(f"<p>Løfte {n} om A.</p>" for n in range(20))))
    pages = layout.document.pages
    assert layout.layouts == 1 and len(pages) == 2 and "kap-b" in pages[1].anchors
    assert render.page_fill(pages[0]) >= render.NEARLY_EMPTY


def test_stapled_booklets_end_where_a_chapter_opens_and_keep_right_hand_pages_right():
    # 100 pages; chapters open on pages (index) 30, 47 and 71, one runs on at 60
    sections = [(0, "Forside", True), (30, "5 Helse", True), (47, "8 Bolig", True), (60, "9 Kultur", False), (71, "12 Vei", True)]
    parts = impose.plan_parts(100, sections)
    assert [p.pages for p in parts] == [range(0, 47), range(47, 100)]
    first, second = parts
    # 47 pages and a back cover fill 12 sheets: no blank; the second opens on index 47 (page 48, a left-hand
    # page), so it needs no blank inside its front cover: cover, 53 pages, back cover, 1 blank = 56 = 14 sheets
    assert (first.size, first.blanks, first.front) == (48, 0, False)
    assert (second.size, second.blanks, second.front, second.inside_blank) == (56, 1, True, False)
    assert second.chapters == [("8 Bolig", 48), ("9 Kultur", 61), ("12 Vei", 72)] and second.sheets == "13–26"
    assert all(p.size <= impose.STAPLED_PAGES for p in parts)


def test_a_part_that_opens_on_a_right_hand_page_gets_a_blank_inside_its_cover():
    parts = impose.plan_parts(90, [(0, "Forside", True), (40, "Bolig", True)])
    assert [p.pages for p in parts] == [range(0, 40), range(40, 90)]
    assert parts[1].inside_blank  # index 40 is page 41, a right-hand page: cover, blank, then page 41


def test_short_codes_are_unique_and_do_not_depend_on_the_order():
    names = {"krf": "KrF", "k": "K", "sv": "SV", "sp": "Sp", "sentrum": "Sentrum", "v": "V", "vip": "VIP", "ap": "Ap"}
    frame = pl.DataFrame({"actor_id": list(names), "short_name": list(names.values())})
    codes = booklet.actor_codes(frame)
    assert codes == {"krf": "Kr", "k": "K", "sv": "SV", "sp": "Sp", "sentrum": "Se", "v": "V", "vip": "VI", "ap": "A"}
    assert booklet.actor_codes(frame.reverse()) == codes
