"""Stage 2: find headings and list items in a text, by layout profile (never by document).

A layout profile describes how a kind of text looks once extracted from its original
(a PDF with printed line numbers, a PDF's text, a web page, a goals-and-strategies policy).
Profiles differ only in how raw lines are read (`_read_lines`) and a few flags; one parser
then walks the lines and yields sections and items.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from publish.sources import Document

MAX_HEADING_CHARS = 64  # the longest heading in the seeds has 57; wrapped text lines run 75-110
_BULLET = re.compile(r"^(?:[•●]\s*)?(?P<sub>[o○]\s+)?(?P<text>.*)$")
_BULLET_START = re.compile(r"^(?:[•●]|[o○]\s|\d{1,2}\)\s)")
_NUMBERED_ITEM = re.compile(r"^\d{1,2}\)\s+")
_NUMBERED_HEADING = re.compile(r"^(?P<num>\d+(?:\.\d+)*)\.?\s+\S")
_PRINTED_NUMBER = re.compile(r"^(?P<text>.*?)\s*(?P<num>\d+)\s*$")
# A lead-in that introduces promises ends in "vil:" or an infinitive marker "å:"
# ("Bærum Arbeiderparti vil:", "Våre strategier er å:", "... vil bety å:").
_PLEDGE_LEAD_IN = re.compile(r"(?:\bvil|\bå)\s*:$")
_SENTENCE_END = (".", ",", ";", "!", "?")
# A line-end hyphen before these words is a suspended compound ("helse- og omsorg"), not a split word.
_CONJUNCTIONS = {"og", "eller", "samt", "til"}


@dataclass(frozen=True)
class Profile:
    """How one kind of layout is read."""

    name: str
    description: str
    numbered_lines: bool = False  # every text line ends with its printed line number
    page_blocks: bool = False  # a leading space marks a new text block (page top, pull quote, box)
    block_headings_are_chapters: bool = False  # headings that open a text block are chapters
    first_heading_is_title: bool = False
    end_markers: tuple[str, ...] = ()  # content stops at the first line starting with one of these
    goal_marker: re.Pattern[str] | None = None  # opens a "goal, then strategies" block


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile(
            "pdf_numbered_lines",
            "PDF text with trailing printed line numbers; a number alone marks a paragraph break",
            numbered_lines=True,
        ),
        Profile(
            "pdf_text",
            "PDF text without line numbers; text blocks (pages, pull quotes, fact boxes) start with a space",
            page_blocks=True,
            block_headings_are_chapters=True,
        ),
        Profile(
            "web_bullets",
            "web page text: one paragraph or bullet per line, site boilerplate after the content",
            first_heading_is_title=True,
            end_markers=("Er du enig med",),
        ),
        Profile(
            "goals_strategies",
            "PDF text of a policy with blocks of a goal ('Mål') followed by strategy bullets",
            page_blocks=True,
            goal_marker=re.compile(r"^Mål\s+Våre strategier er å:$"),
        ),
    )
}


@dataclass(frozen=True)
class Line:
    """One content line: its physical number, text, and printed number where the layout has one."""

    number: int
    text: str
    printed: int | None = None
    block_start: bool = False

    @property
    def blank(self) -> bool:
        return not self.text


@dataclass
class Heading:
    title: str
    level: int
    line: int
    parent: int | None
    box: bool = False


@dataclass
class Item:
    kind: str
    section: int | None
    parent: int | None
    lines: list[Line] = field(default_factory=list)

    @property
    def text(self) -> str:
        return join_lines([line.text for line in self.lines])


@dataclass
class Extraction:
    headings: list[Heading]
    items: list[Item]


def join_lines(parts: list[str]) -> str:
    """Join wrapped lines into one, re-joining words split at a line-end hyphen.

    >>> join_lines(["gjeldende re-", "gelverk."])
    'gjeldende regelverk.'
    >>> join_lines(["de viktige FACT-", "teamene"])
    'de viktige FACT-teamene'
    >>> join_lines(["utslipp fra vare-", "og tungtransport"])
    'utslipp fra vare- og tungtransport'
    """
    text = ""
    for raw in parts:
        part = raw.strip()
        if not text:
            text = part
        elif _split_word(text, part):
            text = text[:-1] + part
        elif text.endswith("-") and text[-2:-1].isalpha() and part[:1].isalpha():
            glue = " " if part.split(" ", 1)[0] in _CONJUNCTIONS else ""
            text = text + glue + part
        else:
            text = text + " " + part
    text = re.sub(r"\s+", " ", text).strip()
    return unicodedata.normalize("NFC", _drop_bullet(text))


def _split_word(text: str, following: str) -> bool:
    """True where a lower-case word was split by a hyphen at the line end."""
    if not (text.endswith("-") and following[:1].islower()):
        return False
    before = text[:-1].rsplit(" ", 1)[-1]
    if not before or not before[-1].isalpha() or before[-1].isupper():
        return False
    return following.split(" ", 1)[0] not in _CONJUNCTIONS


def _drop_bullet(text: str) -> str:
    return _NUMBERED_ITEM.sub("", _BULLET.match(text).group("text")).strip()


def read_lines(document: Document, profile: Profile) -> list[Line]:
    """The document's lines as the parser sees them; blank Line = paragraph break."""
    lines: list[Line] = []
    for number, raw in enumerate(document.lines, start=1):
        if profile.end_markers and raw.strip().startswith(profile.end_markers):
            break
        lines.extend(_read_line(number, raw, profile))
    return lines


def _read_line(number: int, raw: str, profile: Profile) -> list[Line]:
    if profile.numbered_lines:
        if not raw.strip():
            return []  # empty lines are extraction artefacts between printed lines; page breaks too
        match = _PRINTED_NUMBER.match(raw)
        if match is None:
            return [Line(number, raw.strip())]
        return [Line(number, match.group("text").strip(), int(match.group("num")))]
    block_start = profile.page_blocks and raw[:1] == " " and bool(raw.strip())
    return [Line(number, raw.strip(), None, block_start)]


def extract(document: Document) -> Extraction:
    """Headings and items of one document."""
    profile = PROFILES[document.layout]
    return _Parser(read_lines(document, profile), profile, document.chapters).run()


def is_bullet(text: str) -> bool:
    return bool(_BULLET_START.match(text))


def _is_sub_bullet(text: str) -> bool:
    return bool(_BULLET.match(text).group("sub"))


class _Parser:
    """Walks the lines once; state says which section, list and item we are in."""

    def __init__(self, lines: list[Line], profile: Profile, chapters: tuple[str, ...]):
        self.lines = lines
        self.profile = profile
        self.chapters = {unicodedata.normalize("NFC", c) for c in chapters}
        self.headings: list[Heading] = []
        self.items: list[Item] = []
        self.section: int | None = None
        self.list_kind: str | None = None
        self.item: int | None = None
        self.top_item: int | None = None
        self.goal: int | None = None
        self.box_return: tuple[int | None, str | None] | None = None
        self.gap = False
        self.previous = "start"

    def run(self) -> Extraction:
        index = 0
        while index < len(self.lines):
            line = self.lines[index]
            if line.blank:
                self.gap = True
                index += 1
                continue
            index = self._step(index, line)
            self.gap = False
        return Extraction(self.headings, self.items)

    # -- one content line ----------------------------------------------------------------
    def _step(self, index: int, line: Line) -> int:
        text = line.text
        if self.profile.goal_marker and self.profile.goal_marker.match(text):
            return self._goal_block(index)
        if is_bullet(text):
            self._bullet(line)
            return index + 1
        if text.endswith(":") and self._is_lead_in(index):
            self._lead_in(index, line)
            return index + 1
        heading = self._heading_at(index)
        if heading is not None:
            title, used = heading
            self._heading(title, line)
            return index + used
        self._text(index, line)
        return index + 1

    def _bullet(self, line: Line) -> None:
        sub = _is_sub_bullet(line.text) and self.top_item is not None
        kind = self.list_kind or "pledge"  # a list with no lead-in promises
        if sub:
            parent = self.top_item
            kind = "sub_pledge" if kind == "pledge" else kind
        else:
            parent = self.goal if self.list_kind == "strategy" else None
        self.items.append(Item(kind, self.section, parent, [line]))
        self.item = len(self.items) - 1
        if not sub:
            self.top_item = self.item
        self.previous = "bullet"

    def _is_lead_in(self, index: int) -> bool:
        if _PLEDGE_LEAD_IN.search(self.lines[index].text):
            return True
        following = self._next_content(index + 1)
        return following is not None and is_bullet(self.lines[following].text)

    def _lead_in(self, index: int, line: Line) -> None:
        self._close_item()
        kind = "pledge" if _PLEDGE_LEAD_IN.search(line.text) else "context"
        if kind == "context" and self._opens_box(index):
            self._open_box()
        self.list_kind = kind
        self.previous = "leadin"

    def _opens_box(self, index: int) -> bool:
        """A heading right above a describing lead-in, with nothing under it yet, titles a fact box."""
        if not self.section:  # None, or the first heading: no outer section to return to
            return False
        heading_line = self.headings[self.section].line
        if any(item.section == self.section for item in self.items):
            return False
        back = index - 1  # the lines between the heading and the lead-in: no paragraph break allowed
        while back >= 0 and self.lines[back].number > heading_line:
            if self.lines[back].blank:
                return False
            back -= 1
        return True

    def _open_box(self) -> None:
        heading = self.headings[self.section]
        outer = self.section - 1
        heading.box = True
        heading.parent = outer
        heading.level = self.headings[outer].level + 1
        self.box_return = (outer, self.list_kind)

    def _close_box(self) -> None:
        if self.box_return is not None:
            self.section, self.list_kind = self.box_return
            self.box_return = None

    def _text(self, index: int, line: Line) -> None:
        if self.item is not None and self._continues_item(index, line):
            self.items[self.item].lines.append(line)
            return
        if self.item is not None:
            self._close_box()  # text that does not continue the item ends a fact box's list
        self._close_item()
        self.previous = "text"

    def _continues_item(self, index: int, line: Line) -> bool:
        if self._is_pull_quote(line):
            return False  # a pull quote or a new text block, not the wrapped item
        starts_upper = line.text[:1].isupper()
        if not starts_upper or not self.gap:
            return True
        # After a paragraph break, upper-case text belongs to the item only if the list goes on after it
        # (pull quotes in between do not count) and it holds no lead-in of its own.
        end = self._paragraph_end(index)
        if any(ln.text.endswith(":") for ln in self.lines[index : end + 1]):
            return False
        following = self._next_content(end + 1)
        while following is not None and self._is_pull_quote(self.lines[following]):
            following = self._next_content(self._paragraph_end(following) + 1)
        return following is not None and is_bullet(self.lines[following].text)

    def _is_pull_quote(self, line: Line) -> bool:
        return line.block_start and line.text[:1].isupper() and not is_bullet(line.text)

    def _close_item(self) -> None:
        self.item = None

    # -- headings ------------------------------------------------------------------------
    def _heading_at(self, index: int) -> tuple[str, int] | None:
        line = self.lines[index]
        following = self.lines[index + 1] if index + 1 < len(self.lines) else None
        opens = self.gap or self.previous in ("start", "heading", "leadin") or line.block_start
        # A heading may follow a finished item with no paragraph break, if a break follows it.
        opens = opens or (self._item_ended_sentence() and (following is None or following.blank))
        if not opens or not _heading_like(line.text):
            return None
        if following is None or following.blank or not following.text[:1].islower():
            return line.text.rstrip(":").strip(), 1
        two = f"{line.text} {following.text}"
        after = self.lines[index + 2] if index + 2 < len(self.lines) else None
        if _heading_like(two) and (after is None or after.blank):
            return two.rstrip(":").strip(), 2
        return None

    def _item_ended_sentence(self) -> bool:
        return self.item is not None and self.items[self.item].lines[-1].text.endswith((".", "!", "?"))

    def _heading(self, title: str, line: Line) -> None:
        self._close_item()
        self._close_box()
        title = unicodedata.normalize("NFC", re.sub(r"\s+", " ", title))
        level = self._level(title, line)
        parent = self._parent_for(level)
        self.headings.append(Heading(title, level, line.number, parent))
        self.section = len(self.headings) - 1
        if level == 1:
            self.list_kind = None
        self.top_item = None
        self.previous = "heading"

    def _level(self, title: str, line: Line) -> int:
        numbered = _NUMBERED_HEADING.match(title)
        if numbered:
            return numbered.group("num").count(".") + 1
        if title in self.chapters:
            return 1
        if self.profile.block_headings_are_chapters and line.block_start:
            return 1
        if self.profile.first_heading_is_title and not self.headings:
            return 1
        has_chapter = any(h.level == 1 for h in self.headings)
        return 2 if has_chapter else 1

    def _parent_for(self, level: int) -> int | None:
        for index in range(len(self.headings) - 1, -1, -1):
            if self.headings[index].level < level and not self.headings[index].box:
                return index
        return None

    # -- goals and strategies --------------------------------------------------------------
    def _goal_block(self, index: int) -> int:
        self._close_item()
        start = self._next_content(index + 1)
        if start is None:
            return index + 1
        end = self._paragraph_end(start)
        goal_lines = self.lines[start : end + 1]
        self.items.append(Item("goal", self.section, None, list(goal_lines)))
        self.goal = len(self.items) - 1
        self.top_item = None
        self.list_kind = "strategy"
        self.previous = "leadin"
        return end + 1

    # -- helpers ---------------------------------------------------------------------------
    def _next_content(self, index: int) -> int | None:
        while index < len(self.lines):
            if not self.lines[index].blank:
                return index
            index += 1
        return None

    def _paragraph_end(self, index: int) -> int:
        while index + 1 < len(self.lines) and not self.lines[index + 1].blank and not is_bullet(self.lines[index + 1].text):
            index += 1
        return index


def _heading_like(text: str) -> bool:
    """Short, capitalised, and not a sentence."""
    text = text.strip()
    if not text or len(text) > MAX_HEADING_CHARS or is_bullet(text):
        return False
    numbered = _NUMBERED_HEADING.match(text)
    if numbered:
        text = text[numbered.end("num") :].lstrip(". ")
    if not text[:1].isupper():
        return False
    return not text.endswith(_SENTENCE_END) and ". " not in text
