"""The floor of a booklet's layout: the same words as plain paragraphs, laid out by the same WeasyPrint.

`plain_html(html)` keeps every word of the booklet's body, in order, one paragraph per block of the
booklet (heading, list item, table cell, paragraph), in the booklet's body font and size on the same
paper, with no other markup or style: what any layout of these words must at least cost.
"""

from __future__ import annotations

import html as escape
from html.parser import HTMLParser

BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "div", "section", "article", "header", "footer", "dt", "dd", "figcaption"}
SKIPPED = {"style", "script", "head", "title"}


class _Words(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[list[str]] = [[]]
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED:
            self.skipping += 1
        elif tag in BLOCKS and self.paragraphs[-1]:
            self.paragraphs.append([])

    def handle_endtag(self, tag):
        if tag in SKIPPED:
            self.skipping -= 1
        elif tag in BLOCKS and self.paragraphs[-1]:
            self.paragraphs.append([])

    def handle_data(self, data):
        if not self.skipping:
            self.paragraphs[-1] += data.split()


def words(html: str) -> list[list[str]]:
    """The booklet's words, grouped by the blocks they stand in."""
    parser = _Words()
    parser.feed(html)
    return [p for p in parser.paragraphs if p]


def plain_html(html: str, css: str, paper: str = "A4", size: str = "9pt", hyphens: bool = False) -> str:
    """The same words as plain paragraphs in the booklet's serif (the @font-face rules of its `css`)."""
    body = "\n".join(f"<p>{escape.escape(' '.join(p))}</p>" for p in words(html))
    fonts = " ".join(line for line in css.splitlines() if line.startswith("@font-face"))
    style = (
        f"{fonts} @page {{ size: {paper}; margin: 18mm 16mm; }} "
        f'html {{ font-family: "Noto Serif"; font-size: {size}; line-height: 1.35; hyphens: {"auto" if hyphens else "manual"}; }} '
        "p { margin: 0 0 0.4em; }"
    )
    return f'<!DOCTYPE html><html lang="nb"><head><meta charset="utf-8"><style>{style}</style></head><body>{body}</body></html>'
