"""Stage 1, for a saved web page: its main content as the Markdown-like lines the extractor reads.

The list structure comes from the markup itself: `<h1>`-`<h6>` become `#` headings, each `<li>` an item
line ("- ", indented two spaces per level of nesting), every other block of text a paragraph, with a
blank line between blocks. What is not the page's content is left out by its tag (navigation, header
and footer bars, forms, scripts) or by a class or id that names it (cookie banners, "del på" and
other sharing blocks, menus, breadcrumbs). lxml parses the page as a browser would, broken markup
included; it is already in the lock (pikepdf needs it).
"""

from __future__ import annotations

import re

import lxml.html

# Elements that are never a page's content.
_SKIPPED_TAGS = {"script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form", "button", "svg", "iframe", "select"}
# A class or id naming a block that is no content: a cookie or consent banner, sharing buttons ("del på"),
# menus, breadcrumbs, a skip link. Matched on whole words of the class or id.
_SKIPPED_NAMES = re.compile(r"(?:^|[\s_-])(?:cookie\w*|consent|gdpr|share|sharing|del-?pa|social|some|menu|navbar|breadcrumbs?|skip)(?:$|[\s_-])", re.I)
# The page's declared character set (a saved page says it in a <meta>); UTF-8 where it says none.
_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset=["']?([A-Za-z0-9_-]{1,40})""", re.I)
_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_LISTS = {"ul", "ol"}
_BLOCKS = {"p", "div", "section", "article", "main", "blockquote", "pre", "table", "tr", "td", "th", "dl", "dt", "dd", "figure", "figcaption"}


def html_text(raw: bytes) -> str:
    """The page's content as lines: headings with '#', list items with '- ', paragraphs apart.

    >>> print(html_text(b'<nav><ul><li>Hjem</li></ul></nav><h2>Skole</h2><p>Innledning.</p>'
    ...                 b'<p>Venstre vil</p><ul><li>styrke <b>skolen</b><ul><li>flere l\\xc3\\xa6rere</li></ul></li></ul>'
    ...                 b'<div class="del-pa">Del p\\xc3\\xa5 Facebook</div>'), end="")
    ## Skole
    <BLANKLINE>
    Innledning.
    <BLANKLINE>
    Venstre vil
    <BLANKLINE>
    - styrke skolen
      - flere lærere
    """
    declared = _CHARSET.search(raw[:4096])
    encoding = declared.group(1).decode("ascii") if declared else "utf-8"
    try:
        root = lxml.html.document_fromstring(raw, parser=lxml.html.HTMLParser(encoding=encoding))
    except LookupError:  # a charset Python does not know: read as the web's default
        root = lxml.html.document_fromstring(raw, parser=lxml.html.HTMLParser(encoding="utf-8"))
    lines: list[str] = []
    _walk(root.find("body") if root.find("body") is not None else root, lines, depth=0)
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n") + "\n"


def _skipped(element) -> bool:
    if not isinstance(element.tag, str) or element.tag in _SKIPPED_TAGS:
        return True
    names = f"{element.get('class', '')} {element.get('id', '')} {element.get('role', '')}"
    return element.get("role") in ("navigation", "banner", "contentinfo") or bool(_SKIPPED_NAMES.search(names))


def _walk(element, lines: list[str], depth: int) -> None:
    """Each block once, in document order; a list item's own text apart from the lists inside it."""
    for child in element:
        if _skipped(child):
            continue
        tag = child.tag
        if tag in _HEADINGS:
            _block(lines, "#" * _HEADINGS[tag] + " " + _inline(child))
        elif tag in _LISTS:
            _list(child, lines, depth)
        elif tag == "li":  # an item outside a list: as if in one
            _list(element, lines, depth)
            return
        elif tag in _BLOCKS or _has_blocks(child):
            own = _own_text(child)
            if own and not _has_blocks(child):
                _block(lines, own)
            else:
                if (child.text or "").strip():
                    _block(lines, " ".join(child.text.split()))
                _walk(child, lines, depth)
        elif tag == "br":
            continue
        else:
            text = _inline(child)
            if text:
                _block(lines, text)
        if child.tail and child.tail.strip() and element.tag not in _LISTS:
            _block(lines, " ".join(child.tail.split()))


def _list(element, lines: list[str], depth: int) -> None:
    """A list's items, its nested lists' items indented under them; a blank line around the outermost list only."""
    if depth == 0 and lines and lines[-1]:
        lines.append("")
    for item in element:
        if not isinstance(item.tag, str) or item.tag != "li" or _skipped(item):
            continue
        text = _own_text(item)
        if text:
            lines.append("  " * depth + "- " + text)
        for nested in item.iter("ul", "ol"):
            if nested.getparent() is item or _between_only_blocks(nested, item):
                _list(nested, lines, depth + 1)
    if depth == 0:
        lines.append("")


def _between_only_blocks(nested, item) -> bool:
    """A list nested in a block of its item (`<li><div><ul>`), not in a list deeper down."""
    parent = nested.getparent()
    while parent is not None and parent is not item:
        if parent.tag in _LISTS or parent.tag == "li":
            return False
        parent = parent.getparent()
    return parent is item


def _own_text(element) -> str:
    """The element's text without the lists inside it and without skipped blocks."""
    parts: list[str] = []

    def collect(node) -> None:
        if node.text:
            parts.append(node.text)
        for child in node:
            if isinstance(child.tag, str) and child.tag not in _LISTS and not _skipped(child):
                if child.tag in _BLOCKS and parts:
                    parts.append(" ")
                if child.tag == "br":
                    parts.append(" ")
                collect(child)
            if child.tail:
                parts.append(child.tail)

    collect(element)
    return " ".join("".join(parts).split())


def _inline(element) -> str:
    return _own_text(element)


def _has_blocks(element) -> bool:
    return any(isinstance(c.tag, str) and (c.tag in _BLOCKS or c.tag in _LISTS or c.tag in _HEADINGS) for c in element)


def _block(lines: list[str], text: str) -> None:
    """One paragraph: a blank line before it unless the text begins there."""
    if lines and lines[-1]:
        lines.append("")
    lines.append(text)
