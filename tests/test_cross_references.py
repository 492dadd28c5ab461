"""The booklet prints every relation of the relations table as a cross-reference at both pledges, and
a reference to another chapter with the page where its partner stands (issue #16's "done when")."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import polars as pl
from pypdf import PdfReader

from tests.conftest import Built


class _Marks(HTMLParser):
    """Each printed pledge's label, and the labels its own cross-references point to (not its sub-points')."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str | None] = []  # the pledge each open <li> belongs to (None: not a pledge)
        self.label_of: dict[str, str] = {}
        self.marks: dict[str, list[tuple[str, bool]]] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "li":
            pledge = attrs.get("data-pledge")
            self.stack.append(pledge)
            if pledge:
                self.label_of[pledge] = attrs["id"].removeprefix("p-")
                self.marks[pledge] = []
        elif tag == "a" and "marker" in (attrs.get("class") or "").split():
            owner = next(p for p in reversed(self.stack) if p)
            self.marks[owner].append((attrs["href"].removeprefix("#p-"), "marker-elsewhere" in attrs["class"]))

    def handle_endtag(self, tag):
        if tag == "li":
            self.stack.pop()


def test_every_relation_is_printed_at_both_pledges_and_across_chapters_with_its_page(built: Built):
    """Every relation the booklet prints (relations.printed: the editor's, and automatic ones only from a
    tier measured right) is marked at both pledges, with its page when the partner is elsewhere."""
    marks = _Marks()
    marks.feed((built.paths.out / "report.html").read_text(encoding="utf-8"))
    relations = built.frames["relations"].filter(pl.col("printed"))
    assert relations.height >= 15
    elsewhere = []
    for a, b in relations.select("pledge_id_a", "pledge_id_b").iter_rows():
        for one, other in ((a, b), (b, a)):
            targets = dict(marks.marks[one])
            assert marks.label_of[other] in targets, (one, other)
            if targets[marks.label_of[other]]:
                elsewhere.append(marks.label_of[other])
    for pledge, own in marks.marks.items():  # and nothing else: two marks per relation in all
        assert len(own) == relations.filter((pl.col("pledge_id_a") == pledge) | (pl.col("pledge_id_b") == pledge)).height
    assert elsewhere  # the seeds have relations across chapters
    pages = [re.sub(r"\s+", " ", page.extract_text()) for page in PdfReader(built.paths.out / "report.pdf").pages]
    for target in set(elsewhere):
        printed = {int(n) for page in pages for n in re.findall(rf"{re.escape(target)}\s*s\.\s*(\d+)", page)}
        assert printed, target
        for number in printed:  # the page named holds the partner, its label printed there
            assert re.search(rf"(?<![\w]){re.escape(target)}(?!\d)", pages[number - 1]), (target, number)


def test_a_misprinted_page_number_is_pinned_to_the_page_of_its_target():
    """Links printing another page than their target's (here pinned by hand to pages 7 and 9, for a
    target on page 3: a contents line and a cross-reference) are found against WeasyPrint's anchors and
    laid out again with the target's page, as a link WeasyPrint misprints after a re-layout would be."""
    from publish import render

    html = (
        '<html lang="nb"><head><meta charset="utf-8"><link rel="stylesheet" href="report.css"></head><body>'
        '<ol class="toc"><li><a href="#p-R1" data-page="7">R1</a></li></ol>'
        '<p>Se <a class="marker marker-similar marker-elsewhere" href="#p-R1" data-page="9">~ R1</a></p>'
        '<p style="break-before: page">Side to</p><p id="p-R1" style="break-before: page">R1 står her</p></body></html>'
    )
    layout = render.lay_out(html)
    document = layout.document
    assert layout.layouts == 2  # the first, and the one with the page pinned right
    printed = [re.sub(r"\s+", " ", box.text) for box in document.pages[0]._page_box.descendants() if hasattr(box, "text")]
    assert len(document.pages) == 3 and "p-R1" in document.pages[2].anchors
    contents = printed[: printed.index("Se ")]  # the contents line: label, leader dots, page
    assert contents[0] == "R1" and contents[-1] == "3", contents
    assert printed[printed.index("Se ") + 2] == " s. 3", printed
    assert render.misprinted_pages(document) == {}
