"""Stage 2a: what a text looks like, detected from the text itself (never from which document it is).

Small detectors, each a pure function over the text's lines: Markdown, printed line numbers (at
the start or the end of a line), page breaks and page furniture (page numbers, running headers and
footers that repeat across pages), list markers, and characters that PDF extraction leaves behind
(ligatures, control characters, tabs). `read_layout` runs them and returns the content lines as the
reader (extract.py) walks them, plus a `Layout` that says what was found, for the build log.

A manifest entry may name a profile (`pdf_numbered_lines`, `pdf_text`, `web_bullets`,
`goals_strategies`): that fixes what the profile fixes and detects the rest. Per-document options
(`bullets`, `line_numbers`, `ignore_lines`, `end_at`) correct what detection gets wrong.
"""

from __future__ import annotations

import dataclasses
import re
import statistics
import unicodedata
from collections import Counter
from dataclasses import dataclass

from publish.sources import Document
from publish.text import CONTROL_CHARACTERS, is_pledge_lead_in

# -- characters -------------------------------------------------------------------------------
# Ligatures and other compatibility characters of PDF extraction become the letters they stand for;
# NFKC is applied to these code points only, so the wording stays exactly as written.
_COMPATIBILITY = re.compile("[\ufb00-\ufb06\u00a0\u2000-\u200a\u202f]")
_CONTROL = re.compile(f"[{CONTROL_CHARACTERS}\u00ad\u200b-\u200d\ufeff]")  # keeps \t, \n, \f; soft hyphens, zero widths, BOMs go
# Private-use code points that Symbol-font bullets are extracted as (U+F0B7 and its kin).
_PRIVATE_BULLETS = re.compile("[\uf0a7\uf0b7\uf076\uf0d8\uf0fc\uf06c\uf06e]")


def clean(text: str) -> str:
    """One line with extraction artefacts removed; tabs become spaces, leading ones included, and so
    does a form feed inside the line (`inner_form_feeds`).

    >>> clean("Styrke ﬂere\\x01 tiltak\\tfor\\u00a0alle")
    'Styrke flere tiltak for alle'
    >>> clean("\\uf0b7 Reduksjonen")
    '• Reduksjonen'
    """
    text = _COMPATIBILITY.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    text = _PRIVATE_BULLETS.sub("•", _CONTROL.sub("", text))
    return unicodedata.normalize("NFC", inner_form_feeds(text).replace("\t", " "))


def inner_form_feeds(text: str) -> str:
    """A line whose form feeds between its first and last visible characters are spaces: pdftotext puts a
    page break before a page's first line, so only one at the line's start (or end) opens a page; one
    inside a line is a separator between two words ("flere\\flærlingplasser" must not become one word).

    >>> inner_form_feeds("flere\\flærlingplasser"), inner_form_feeds("\\fNeste side"), inner_form_feeds("slutt.\\f")
    ('flere lærlingplasser', '\\x0cNeste side', 'slutt.\\x0c')
    """
    if "\f" not in text:
        return text
    visible = [at for at, char in enumerate(text) if not char.isspace()]
    if not visible:
        return text
    first, last = visible[0], visible[-1]
    return text[:first] + text[first:last].replace("\f", " ") + text[last:]


# -- list markers -----------------------------------------------------------------------------
# Glyphs that mark an item; those after SUB_GLYPHS mark a sub-item under another glyph's item.
BULLET_GLYPHS = "•●▪■·◆►➢✓✔*+–—-"
SUB_GLYPHS = "o○◦"
# A glyph that is also a letter or punctuation needs a space after it ("-2029" is no bullet); a page
# footer "- 18 -" is removed as furniture before markers are looked for.
_NEEDS_SPACE = set("*+–—-o")
# "1 7." is 17 with its digits drawn apart by the PDF's font.
# A date ("11. juli 2025", "1. mai") is no numbered item: the number is followed by a month.
_MONTHS = "januar|februar|mars|april|mai|juni|juli|august|september|oktober|november|desember"
_NUMBERED = re.compile(
    rf"^(?:\((?P<paren>\d{{1,2}})\)|(?P<num>\d{{1,2}}|\d \d(?=[.)]))(?P<sep>[.)]))\s+(?=\S)(?!(?:{_MONTHS})\b)", re.IGNORECASE
)
_LETTERED = re.compile(r"^\(?(?P<letter>[a-zæøå]|[ivx]{1,4})\)\s+(?=\S)")


@dataclass(frozen=True)
class Marker:
    """The list marker a line starts with: its kind, sub-item or not, and the number of a numbered item."""

    kind: str  # "bullet", "numbered" or "lettered"
    sub: bool = False
    number: int | None = None
    dotted: bool = False  # "1." (which also starts numbered headings), not "1)"
    prefix: str = ""  # the marker as printed, kept for a numbered heading's title


def split_marker(text: str, extra_glyphs: tuple[str, ...] = ()) -> tuple[Marker | None, str]:
    """The list marker at the start of a (stripped) line and the text after it.

    >>> split_marker("•Gjeninnføre skatteklasse 2")
    (Marker(kind='bullet', sub=False, number=None, dotted=False, prefix='•'), 'Gjeninnføre skatteklasse 2')
    >>> split_marker("a)  At retten til arbeid må gjøres reell.")[0].kind
    'lettered'
    >>> split_marker("-2029 er")[0] is None, split_marker("3.4 Skatt")[0] is None, split_marker("o) At")[0].kind
    (True, True, 'lettered')
    >>> split_marker("11. juli 2025")[0] is None, split_marker("11. Juli-aksjonen")[0] is None, split_marker("11. Styrke")[0].number
    (True, True, 11)
    """
    for glyph in extra_glyphs:  # the manifest's own glyphs win, with or without a space after them
        if text.startswith(glyph) and text[len(glyph) :].strip():
            return Marker("bullet", prefix=glyph), text[len(glyph) :].strip()
    first = text[:1]
    if first and (first in BULLET_GLYPHS or first in SUB_GLYPHS):
        rest = text[1:]
        spaced = rest[:1].isspace() or first not in _NEEDS_SPACE
        rest = rest.strip()
        if spaced and rest[:1] in SUB_GLYPHS and rest[1:2].isspace():  # "• o Ta fagbrev": a sub-item drawn under a bullet
            return Marker("bullet", sub=True, prefix=rest[:1]), rest[1:].strip()
        if spaced and rest:
            return Marker("bullet", sub=first in SUB_GLYPHS, prefix=first), rest
    numbered = _NUMBERED.match(text)
    if numbered:
        number = int((numbered.group("paren") or numbered.group("num")).replace(" ", ""))
        prefix = numbered.group().strip()
        return Marker("numbered", number=number, dotted=numbered.group("sep") == ".", prefix=prefix), text[numbered.end() :].strip()
    lettered = _LETTERED.match(text)
    if lettered:
        return Marker("lettered"), text[lettered.end() :].strip()
    return None, text


# -- printed line numbers ---------------------------------------------------------------------
_TRAILING_DIGITS = re.compile(r"(\d{1,5})\s*$")
_LEADING_DIGITS = re.compile(r"^\s*(\d{1,5})(?=\s|$)")
# A printed line number follows the previous one within this step (numbered empty lines and headings
# without a number in between); chosen on the corpus, where steps of 1 and 2 cover every line.
_MAX_STEP = 3
# Line numbers are detected when this share of a text's non-blank lines carries one in sequence
# (0.97-1.0 in the texts that have them, 0.00-0.08 in those that do not).
_LINE_NUMBER_SHARE = 0.5


def _candidates(raw: str, side: str) -> tuple[list[int], list[int]]:
    """Numbers a line might print as its line number: those that may start a sequence, and those
    that may only continue one.

    Glued to a word ('det56'), every suffix may start one (the shortest that continues wins). After
    a space the whole number may; its suffixes only continue a sequence already running (a page
    number glued to the line number: "Innledning 37" is page 3, line 7), so a page number alone
    ("14") never starts one from the suffixes of the lines after it.
    """
    if side == "end":
        match = _TRAILING_DIGITS.search(raw)
        if not match:
            return [], []
        digits = match.group(1)
        glued = match.start() > 0 and not raw[match.start() - 1].isspace()
        suffixes = [int(digits[i:]) for i in range(len(digits) - 1, 0, -1) if digits[i] != "0"]
        if glued:
            return [*suffixes, int(digits)], []
        return [int(digits)], suffixes
    match = _LEADING_DIGITS.match(raw)
    return ([int(match.group(1))] if match else []), []


def printed_numbers(lines: list[str], side: str) -> list[int | None]:
    """The printed line number of each line (None where it has none), following their sequence.

    A candidate counts when it continues the sequence, or when the next numbered lines continue
    from it (where a text starts mid-document or the numbering restarts).

    >>> printed_numbers(["Tekst 12", "med det13", "", "år 2019 14", "Side 3"], "end")
    [12, 13, None, 14, None]
    """
    options = [_candidates(raw, side) for raw in lines]
    result: list[int | None] = [None] * len(lines)
    previous: int | None = None
    for index, (starting, continuing_only) in enumerate(options):
        in_sequence = [c for c in [*starting, *continuing_only] if previous is not None and previous < c <= previous + _MAX_STEP]
        chosen = in_sequence[0] if in_sequence else None
        if chosen is None:  # the longest that continues: glued digits ("…114") also hold "14" and "4"
            chosen = max((c for c in starting if _continues(options, index, c)), default=None)
        if chosen is not None:
            result[index] = previous = chosen
    return result


def _continues(options: list[tuple[list[int], list[int]]], index: int, start: int) -> bool:
    """True when the next two lines that carry numbers continue a sequence from `start`."""
    expected, seen = start, 0
    for starting, _ in options[index + 1 : index + 8]:
        hit = next((c for c in starting if expected < c <= expected + _MAX_STEP), None)
        if hit is not None:
            expected, seen = hit, seen + 1
            if seen == 2:
                return True
    return False


def _strip_number(raw: str, number: int, side: str) -> str:
    digits = str(number)
    if side == "end":
        stripped = raw.rstrip()
        return stripped[: len(stripped) - len(digits)]
    return raw.lstrip()[len(digits) :]


def detect_line_numbers(lines: list[str]) -> tuple[str, list[int | None]]:
    """Which side of the lines carries printed line numbers ('start', 'end' or ''), and the numbers."""
    content = sum(1 for raw in lines if raw.strip() and raw.strip() != "\f")
    best = ("", [None] * len(lines))
    best_share = _LINE_NUMBER_SHARE
    for side in ("end", "start"):
        numbers = printed_numbers(lines, side)
        share = sum(n is not None for n in numbers) / max(content, 1)
        if share >= best_share:
            best, best_share = (side, numbers), share
    return best


# -- Markdown ---------------------------------------------------------------------------------
_MD_HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<title>\S.*)$")
_MD_IGNORED_LINE = re.compile(r"^(?:\\[A-Za-z]+(?:\{.*\})?|\[//\]:.*|<!--.*-->|-{3,}|\*{3,}|_{3,}|</?[A-Za-z][^>]*>)$")
# Emphasis markers at a word's edge ("**vil**", "*heile*", "_skule_"); a lone "*" between spaces stays.
_MD_EMPHASIS = re.compile(r"(?<!\w)(?:\*{1,3}|_{1,3})(?=\w)|(?<=[\w.,:;!?)])(?:\*{1,3}|_{1,3})(?!\w)")
_MD_LINK = re.compile(r"!?\[([^\]\[]{0,300})\]\([^)\s]{0,500}\)")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>])")
_HTML_TAG = re.compile(r"</?[A-Za-z][^<>]{0,300}>|<!--[^<>]{0,1000}-->")
# Every pattern here runs in time linear in the line (a line may hold 4,000 characters of anything):
# bounded repetitions, no nested quantifiers over the same characters.


def _heading_title(title: str) -> str:
    """A Markdown heading's title without its optional closing hashes ("## Skole ##").

    >>> _heading_title("Skole ##"), _heading_title("C#")
    ('Skole', 'C#')
    """
    title = title.rstrip()
    bare = title.rstrip("#")
    return bare.rstrip() if bare != title and (not bare or bare[-1].isspace()) else title


# Markdown is detected from its headings: at least this many '#' heading lines (the Markdown texts
# of the corpus have 20-51, the PDF and web texts none).
_MD_MIN_HEADINGS = 2


def is_markdown(lines: list[str]) -> bool:
    if lines and lines[0].strip() == "---":
        return True
    return sum(1 for raw in lines if _MD_HEADING.match(raw)) >= _MD_MIN_HEADINGS


def front_matter_end(lines: list[str]) -> int:
    """Index of the first line after YAML front matter (0 when there is none)."""
    if not lines or lines[0].strip() != "---":
        return 0
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            return index + 1
    return 0


def markdown_inline(text: str) -> str:
    """Markdown inline markup removed: emphasis, links (their text kept), escapes, HTML tags.

    >>> markdown_inline("**Gamle Oslo Venstre vil** ha [flere](http://x) \\\\| parker")
    'Gamle Oslo Venstre vil ha flere | parker'
    """
    text = _HTML_TAG.sub("", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_EMPHASIS.sub("", text)
    return _MD_ESCAPE.sub(r"\1", text)


# -- page furniture ---------------------------------------------------------------------------
# A page number alone ("12", "- 12 -", "42 43" on a spread, "Side 3 av 30"), or a photo credit.
_PAGE_NUMBER = re.compile(
    r"^(?:[-–—]\s*)?\d{1,4}(?:\s*[-–—])?(?:\s+\d{1,4})?$|^(?:side|page|s\.)\s*\d*\s*(?:av|of|/)?\s*\d*(?:\s+\d{1,4})*$", re.I
)
_PAGE_NUMBER_MAX = 80  # a page number or credit line is short; longer lines are never tried (bounded work)
# A table of contents line: dot leaders, then the page ("Innledning ........ 5", "Osloskolen . . . 49").
_CONTENTS_END = re.compile(r"\d{1,4}\s*$")
_LEADERS = re.compile(r"(?:\. ?){3}$")


def _is_contents_line(text: str) -> bool:
    tail = text.rstrip()[-12:]
    end = _CONTENTS_END.search(tail)
    return end is not None and bool(_LEADERS.search(tail[: end.start()].rstrip()[-8:]))


_ENDS_IN_NUMBER = re.compile(r"\D\s\d{1,3}\s*$")
_CREDIT = re.compile(r"^(?:foto|photo|ill(?:ustrasjon)?|bilde)\s*[:.]\s*\S.{0,60}$|^[A-Z0-9.-]+\.(?:COM|NO|NET|ORG)$", re.I)
# A line repeated at a page's edge (its first or last lines) on this many pages is a running header
# or footer; lead-ins and headings never repeat at the same place on three pages of the corpus.
_RUNNING_MIN_PAGES = 3
_EDGE_LINES = 3
# Without page breaks, a repeated line with a changing number is furniture only if it is this short
# (headers and footers of the corpus: 15-45 characters; a repeated sentence is longer).
_RUNNING_MAX_CHARS = 80
# A header glued to the end of a line is looked for only if it has this many characters (with its
# number): a short one ("sv.no 5") could be the end of a sentence.
_GLUED_HEADER_MIN_CHARS = 20


def _furniture_key(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.split())).casefold()


def running_lines(pages: list[list[tuple[int, str]]]) -> set[int]:
    """Indexes of lines that repeat at the edge of several pages: running headers and footers."""
    seen: Counter[str] = Counter()
    edges: list[list[tuple[int, str]]] = []
    for page in pages:
        content = [(index, text) for index, text in page if text.strip()]
        edge = content[:_EDGE_LINES] + content[-_EDGE_LINES:]
        edges.append(edge)
        seen.update({_furniture_key(text) for _, text in edge})
    running = {key for key, count in seen.items() if count >= _RUNNING_MIN_PAGES and not key.endswith(":")}
    # A lead-in that a layout prints at the end of every box ("Partiet Sentrum vil") is content, not furniture.
    return {index for edge in edges for index, text in edge if _furniture_key(text) in running and not is_pledge_lead_in(text)}


def numbered_running_lines(texts: list[str]) -> set[int]:
    """In text without page breaks: short lines that repeat with a changing number ("post@sv.no | sv.no 11",
    "Arbeidsprogram for MDG 2025–2029 10") are page headers or footers.

    >>> sorted(numbered_running_lines(["sv.no 5", "Tekst 2025", "sv.no 6", "Tekst 2025", "sv.no 7", "Tekst 2025"]))
    [0, 2, 4]
    """
    keyed: dict[str, list[int]] = {}
    for index, text in enumerate(texts):
        stripped = text.strip()
        if not stripped or len(stripped) > _RUNNING_MAX_CHARS or not re.search(r"\d", stripped) or is_pledge_lead_in(stripped):
            continue
        if split_marker(stripped)[0] is None and not _MD_HEADING.match(stripped):  # a list item or heading is content
            keyed.setdefault(_furniture_key(stripped), []).append(index)
    running: set[int] = set()
    for indexes in keyed.values():
        numbers = {tuple(re.findall(r"\d+", texts[i])) for i in indexes}
        if len(indexes) >= _RUNNING_MIN_PAGES and len(numbers) >= 2:
            running.update(indexes)
    return running


def glued_running_tails(texts: list[str], running: set[int]) -> tuple[dict[int, str], set[int]]:
    """Lines whose end is a running header glued on by text extraction, without it; and the lines
    that are that header alone.

    A header that stands alone at least once ("Arbeidsprogram for MDG 2025–2029 43") is looked for
    at the end of other lines ("… på næringseiendom.Arbeidsprogram for MDG 2025–2029 50"); it counts
    when it occurs three times or more with at least two page numbers.

    >>> texts = ["Arbeidsprogram for MDG 2025–2029 43", "tekst.Arbeidsprogram for MDG 2025–2029 50", "x", "mer.Arbeidsprogram for MDG 2025–2029 51"]
    >>> glued_running_tails(texts, set())
    ({1: 'tekst.', 3: 'mer.'}, {0})
    """
    ending = [index for index, text in enumerate(texts) if text.rstrip()[-1:].isdigit() and index not in running]
    masked = {i: _furniture_key(texts[i]) for i in ending}
    by_tail: dict[str, list[int]] = {}  # lines indexed by the last characters of their masked text: linear work
    for i, key in masked.items():
        by_tail.setdefault(key[-_GLUED_HEADER_MIN_CHARS:], []).append(i)
    standalone = {masked[i] for i in ending if len(texts[i].strip()) <= _RUNNING_MAX_CHARS and not is_pledge_lead_in(texts[i])}
    tails: dict[int, str] = {}
    alone: set[int] = set()
    for key in sorted(k for k in standalone if len(k) >= _GLUED_HEADER_MIN_CHARS):
        hits = [i for i in by_tail.get(key[-_GLUED_HEADER_MIN_CHARS:], []) if masked[i].endswith(key)]
        glued = {i: _cut_tail(texts[i], key) for i in hits if masked[i] != key}
        numbers = {re.findall(r"\d+", texts[i])[-1] for i in hits}
        if len(hits) >= _RUNNING_MIN_PAGES and len(numbers) >= 2 and len(glued) < len(hits):
            tails.update(glued)
            alone.update(i for i in hits if i not in glued)
    return tails, alone


def _cut_tail(text: str, key: str) -> str:
    """The line without the end that makes up `key` (compared as _furniture_key compares)."""
    for start in range(len(text) - len(key), -1, -1):
        if _furniture_key(text[start:]) == key:
            return text[:start]
    return text


# A page number glued to the next page's first line by text extraction: "13• styrke …", "17Vold i nære
# relasjoner", "14HØYRES STORTINGSVALGPROGRAM". Digits glued to a bullet, to a capitalised word or to an
# upper-case word of four letters or more ("5G", "3D-printing", "20TWh" stay).
_GLUED_PAGE_NUMBER = re.compile(r"^(\s*)\d{1,3}(?=[•●▪■·–—]|[A-ZÆØÅ][a-zæøå]{2}|[A-ZÆØÅ]{4})")


def unglue_page_number(text: str) -> tuple[str, bool]:
    """A line without the page number glued to its start, and whether there was one.

    >>> unglue_page_number("13• styrke kapasiteten"), unglue_page_number("5G-nettet skal bygges ut")
    (('• styrke kapasiteten', True), ('5G-nettet skal bygges ut', False))
    """
    found = _GLUED_PAGE_NUMBER.match(text)
    if not found:
        return text, False
    return found.group(1) + text[found.end() :], True


def is_page_number(text: str) -> bool:
    """A line that is only a page number or a photo credit.

    >>> [is_page_number(t) for t in ("- 19 -", "42 43", "Side av 38 80", "2025-2029 gir", "FOTO: NTB")]
    [True, True, True, False, True]
    """
    text = " ".join(text.split())
    return 0 < len(text) <= _PAGE_NUMBER_MAX and bool(_PAGE_NUMBER.match(text) or _CREDIT.match(text))


def contents_lines(texts: list[str]) -> set[int]:
    """Lines of a table of contents: those with dot leaders, and the entries printed without leaders
    between them ("Kapittel 1 - Utdanning og oppvekst 4") that end in a page number.

    >>> sorted(contents_lines(["Innhold", "Innledning 3", "Osloskolen . . . 4", "Læreren . . . 5", "Kapittel 2 - Miljø 6", "Tekst."]))
    [1, 2, 3, 4]
    """
    found = {index for index, text in enumerate(texts) if _is_contents_line(text)}
    content = [index for index, text in enumerate(texts) if text.strip()]
    # Entries without leaders may follow one another ("Innledning 3", "Kapittel 1 - … 4"): grow each run
    # of contents lines forwards, then backwards, over lines that end in a page number (linear).
    for order in (content, content[::-1]):
        for before, index in zip(order, order[1:], strict=False):
            if before in found and index not in found and _ENDS_IN_NUMBER.search(texts[index].rstrip()[-12:]):
                found.add(index)
    return found


# -- the layout and the lines the reader walks ------------------------------------------------
@dataclass(frozen=True)
class Line:
    """One content line: its physical number, its text without list marker, and what the layout says of it."""

    number: int
    text: str
    printed: int | None = None
    block_start: bool = False  # a leading space opens a text block (page top, pull quote, fact box)
    marker: Marker | None = None
    heading: int = 0  # a Markdown heading's level
    page_start: bool = False  # the first content line after a page break
    full: bool = False  # the next line's first word would not have fitted on it: its paragraph goes on
    length: int = 0  # characters as printed, marker included

    @property
    def blank(self) -> bool:
        return not self.text and self.marker is None


@dataclass(frozen=True)
class Layout:
    """What was detected in one text; `describe` is the build log's line for it."""

    markdown: bool = False
    line_numbers: str = ""
    paragraph_breaks: bool = True  # blank lines (or numbered empty ones) mark where paragraphs end
    page_blocks: bool = False
    pages: int = 1
    furniture: int = 0
    running: int = 0
    glyphs: tuple[str, ...] = ()
    numbered_items: int = 0
    heading_levels: int = 0
    width: int = 0

    def describe(self) -> str:
        kind = "markdown" if self.markdown else ("web text" if self.width > PARAGRAPH_LINE else "pdf text")
        parts = [kind]
        if self.line_numbers:
            parts.append(f"printed line numbers at line {self.line_numbers}")
        if self.pages > 1:
            parts.append(f"{self.pages} pages")
        if self.running:
            parts.append(f"{self.running} running header/footer lines removed")
        if self.furniture:
            parts.append(f"{self.furniture} page numbers removed")
        if self.glyphs:
            parts.append(" ".join(f"'{g}'" for g in self.glyphs) + " bullets")
        if self.numbered_items:
            parts.append(f"{self.numbered_items} numbered items")
        if self.heading_levels:
            parts.append(f"{self.heading_levels} heading level{'s' if self.heading_levels > 1 else ''}")
        return ", ".join(parts)


# What an explicit profile fixes; everything else is detected as for "auto".
PROFILES: dict[str, dict[str, object]] = {
    "pdf_numbered_lines": {"line_numbers": "end", "page_blocks": False},
    "pdf_text": {"line_numbers": "", "page_blocks": True},
    "web_bullets": {"line_numbers": "", "page_blocks": False},
    "goals_strategies": {"line_numbers": "", "page_blocks": True},
}
# Lines longer than this (the 90th percentile of a text's line lengths) mean one paragraph per line,
# as in web text; PDF text wraps at 40-110 characters (seeds and corpus), web text runs to 300-600.
PARAGRAPH_LINE = 160
# A line is full when the next line's first word would not have fitted within this share of the
# text's usual width (its 90th percentile line length): wrapping is by glyph widths, not characters.
_FULL_SHARE = 0.95
# Neighbours on each side whose longest line gives a line's margin (a side box of the corpus has 5-12 lines).
_NEIGHBOURS = 4
# A leading space opens a text block when such lines are this share of the non-blank lines at most;
# in texts that indent every line (or none) it says nothing. Seeds: 0.02-0.06 where it holds.
_BLOCK_SHARE = 0.1


def read_layout(document: Document) -> tuple[Layout, list[Line]]:
    """The document's content lines as the reader walks them, and what was detected."""
    raw = list(document.lines)
    raw = raw[: _end_index(raw, document.end_at)]
    forced = PROFILES.get(document.layout, {})
    markdown = document.layout == "auto" and is_markdown(raw)
    side, numbers = _line_numbers(raw, document, forced, markdown)
    texts = [clean(_strip_number(r, n, side) if n is not None else r) for r, n in zip(raw, numbers, strict=True)]
    pages = _pages(texts)
    # Before page numbers glued to a line's start are removed: with them a running header changes its number.
    running = running_lines(pages) if len(pages) >= _RUNNING_MIN_PAGES else numbered_running_lines(texts)
    contents = contents_lines(texts)
    running |= contents
    tails: dict[int, str] = {}
    if len(pages) < _RUNNING_MIN_PAGES:
        tails, alone = glued_running_tails(texts, running)
        running |= alone
        texts = [tails.get(index, text) for index, text in enumerate(texts)]
    glued = 0
    if not markdown and side != "start":
        ungluing = [unglue_page_number(text) for text in texts]
        texts, glued = [text for text, _ in ungluing], sum(found for index, (_, found) in enumerate(ungluing) if index not in running)
    width = _width(texts)
    page_blocks = bool(forced.get("page_blocks", _has_blocks(texts, markdown, side)))
    glyphs = document.bullets
    lines, furniture = _content_lines(texts, numbers, side, markdown, page_blocks, running, glyphs, document, contents)
    lines = _mark_full(lines, width)
    layout = Layout(
        markdown=markdown,
        line_numbers=side,
        page_blocks=page_blocks,
        pages=len(pages),
        furniture=furniture + glued,
        running=len(running) + len(tails),
        glyphs=tuple(sorted({line.marker.prefix for line in lines if line.marker and line.marker.kind == "bullet"})),
        numbered_items=sum(1 for line in lines if line.marker and line.marker.kind != "bullet"),
        heading_levels=len({line.heading for line in lines if line.heading}),
        width=width,
        paragraph_breaks=_marks_paragraphs(lines),
    )
    return layout, lines


# Blank lines mark paragraph breaks when they are at least this share of the content lines: 0.17-0.45
# in the seeds and the Markdown texts, 0.00-0.05 in the corpus's PDF texts that run paragraphs together.
_PARAGRAPH_BREAK_SHARE = 0.1
# ... and items end at a blank line where at least this share of items has one above it (the seeds'
# PDF texts without line numbers 0.86-0.97; the corpus's INP text 0.27, whose prose follows items directly).
_ITEMS_APART_SHARE = 0.5


def _marks_paragraphs(lines: list[Line]) -> bool:
    """Blank lines are paragraph breaks, and list items end at them (not at a short line)."""
    blank = sum(1 for line in lines if line.blank)
    if blank < _PARAGRAPH_BREAK_SHARE * max(len(lines) - blank, 1):
        return False
    starts = [index for index, line in enumerate(lines) if line.marker is not None and index > 0]
    return not starts or sum(1 for index in starts if lines[index - 1].blank) >= _ITEMS_APART_SHARE * len(starts)


def _end_index(lines: list[str], end_at: tuple[str, ...]) -> int:
    for index, raw in enumerate(lines):
        if end_at and clean(raw).strip().startswith(end_at):  # matched as ignore_lines is: on the cleaned line
            return index
    return len(lines)


def _line_numbers(raw: list[str], document: Document, forced: dict, markdown: bool) -> tuple[str, list[int | None]]:
    wanted = document.line_numbers or forced.get("line_numbers")
    if wanted == "none" or markdown or wanted == "":
        return "", [None] * len(raw)
    if wanted in ("start", "end"):
        return wanted, printed_numbers(raw, wanted)
    return detect_line_numbers(raw)


def _width(texts: list[str]) -> int:
    lengths = sorted(len(t.strip()) for t in texts if len(t.strip()) > 1)
    if not lengths:
        return 0
    return int(statistics.quantiles(lengths, n=10)[-1]) if len(lengths) > 1 else lengths[0]


def _has_blocks(texts: list[str], markdown: bool, side: str) -> bool:
    if markdown or side:
        return False
    content = [t for t in texts if t.strip()]
    leading = [t for t in content if t[:1] == " " and split_marker(t.strip())[0] is None]
    return 0 < len(leading) <= _BLOCK_SHARE * len(content)


def _pages(texts: list[str]) -> list[list[tuple[int, str]]]:
    """The lines page by page; a form feed opens a page, also where text follows it on its line
    (pdftotext puts it before the next page's first line)."""
    pages: list[list[tuple[int, str]]] = [[]]
    for index, text in enumerate(texts):
        if "\f" in text:
            pages.append([])
        rest = text.replace("\f", "")
        if rest.strip() or "\f" not in text:
            pages[-1].append((index, rest))
    return pages


def _content_lines(
    texts: list[str],
    numbers: list[int | None],
    side: str,
    markdown: bool,
    page_blocks: bool,
    running: set[int],
    glyphs: tuple[str, ...],
    document: Document,
    contents: set[int] = frozenset(),
) -> tuple[list[Line], int]:
    """Walk the cleaned lines once: drop furniture and artefacts, find markers and Markdown headings."""
    lines: list[Line] = []
    furniture = 0
    page_start = False
    # In a PDF read by publish/pdf.py a blank line is a paragraph break also at a page's top (after its
    # running head): the text under it opens a block, as a pull quote or a heading does, and no item runs on into it.
    opens_block = False
    skip_until = front_matter_end(texts) if markdown else 0
    for index, text in enumerate(texts):
        if index < skip_until:
            continue
        if "\f" in text:
            page_start = True
            _drop_trailing_blanks(lines)
            text = text.replace("\f", "")
            if not text.strip():
                continue
        stripped = text.strip()
        if index in contents and lines and not lines[-1].blank:
            lines.append(Line(index + 1, "", numbers[index]))  # a table of contents ends the paragraph before it: no item runs across it
        if index in running or (stripped and numbers[index] is None and is_page_number(stripped)):
            furniture += index not in running
            continue
        if stripped and document.ignore_lines and stripped.startswith(document.ignore_lines):
            continue
        if not stripped:
            # Without printed numbers an empty line is a paragraph break; with them it is an artefact
            # between printed lines, and a line that held only its number is the break.
            if (side and numbers[index] is not None) or (not side and not page_start):
                lines.append(Line(index + 1, "", numbers[index]))
            opens_block = page_start and bool(document.line_pages)
            continue
        if markdown and _NAVIGATION.match(stripped):
            continue  # a scraped page's navigation or a table row: "Trygd | NAV | Pensjon"
        for part in _run_together(text) if not markdown else [text]:
            line = _line(index, part, numbers[index], markdown, page_blocks, glyphs)
            if line is not None:
                if opens_block and not line.marker:
                    line = dataclasses.replace(line, block_start=True)
                lines.append(_with_page_start(line, page_start))
                page_start = opens_block = False
    return lines, furniture


# Items run together in one paragraph ("Venstre vil * legge til rette … * at hele bydelen …"): a glyph
# that never stands in prose, between spaces, starts a new item.
_RUN_TOGETHER = re.compile(r"(?<=\S) (?=[•*●▪■] \S)")
_NAVIGATION = re.compile(r"^\|?[^|]+(?: \| [^|]+)+\|?$")


def _run_together(text: str) -> list[str]:
    """One printed line split where run-together items start.

    >>> _run_together("Gamle Oslo Venstre vil * legge til rette * at hele bydelen")
    ['Gamle Oslo Venstre vil', '* legge til rette', '* at hele bydelen']
    """
    return _RUN_TOGETHER.split(text)


def _drop_trailing_blanks(lines: list[Line]) -> None:
    """Blank lines before a page break are the page's bottom margin, not a paragraph break."""
    while lines and lines[-1].blank and lines[-1].printed is None:
        lines.pop()


def _with_page_start(line: Line, page_start: bool) -> Line:
    if not page_start:
        return line
    return dataclasses.replace(line, page_start=True)


def _mark_full(lines: list[Line], width: int) -> list[Line]:
    """Say of each line whether the next line's first word would have fitted on it (wrapped text goes on).

    The margin is the longest line among its neighbours (a side box or a column is narrower than the
    page), never more than the text's usual width.
    """
    if width > PARAGRAPH_LINE:
        return lines
    marked = list(lines)
    following: Line | None = None
    for index in range(len(lines) - 1, -1, -1):
        line = lines[index]
        if line.blank:
            following = None
            continue
        if following is not None and not following.marker and not following.heading:
            word = following.text.split(" ", 1)[0]
            # A sentence that ended is measured against the text's usual width: it ended its paragraph
            # unless the next word could not have followed it on the line.
            margin = width if line.text.endswith((".", "!", "?")) else min(width, _local_width(lines, index))
            limit = _FULL_SHARE * margin
            marked[index] = dataclasses.replace(line, full=line.length + 1 + len(word) > limit)
        following = line
    return marked


def _local_width(lines: list[Line], index: int) -> int:
    window = lines[max(0, index - _NEIGHBOURS) : index + _NEIGHBOURS + 1]
    return max(line.length for line in window)


def _line(index: int, text: str, printed: int | None, markdown: bool, page_blocks: bool, glyphs: tuple[str, ...]) -> Line | None:
    stripped = text.strip()
    heading = 0
    if markdown:
        if _MD_IGNORED_LINE.match(stripped):
            return None
        found = _MD_HEADING.match(stripped)
        if found:
            heading, stripped = len(found.group("hashes")), _heading_title(found.group("title"))
    marker, rest = (None, stripped) if heading else split_marker(stripped, glyphs)
    if marker is not None and markdown and len(text) - len(text.lstrip()) >= 2:
        marker = dataclasses.replace(marker, sub=True)
    if markdown:
        rest = markdown_inline(rest).strip()
        if not rest:
            return None
    block_start = page_blocks and text[:1] == " "
    return Line(index + 1, rest, printed, block_start, marker, heading, length=len(stripped))
