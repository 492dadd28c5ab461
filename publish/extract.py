"""Stage 2: find headings and list items in a text, by what its layout looks like (never by document).

`layout.read_layout` detects the layout and gives the content lines (markers found, furniture,
line numbers and markup removed); one reader (`_Reader`) then walks them once and yields sections
and items. What counts as a promise is said by `is_pledge_lead_in`.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from dataclasses import dataclass, field

from publish.layout import PARAGRAPH_LINE, Layout, Line, read_layout
from publish.sources import Document
from publish.text import is_pledge_lead_in

# Headings are short: the longest in the seeds has 57 characters and in the corpus's hand-read
# headings 62 ("Inkludere flere i arbeidslivet: Ingen skal stå utenfor" and numbered ones);
# wrapped text lines run 40-110 characters.
MAX_HEADING_CHARS = 64
_NUMBERED_HEADING = re.compile(r"^(?P<num>\d+(?:\. ?\d+)*|[A-Z]\d+[a-z]?)\.?\s+\S")  # "3.4", "3. 10" (a PDF's spacing), "C1"
_SENTENCE_END = (".", ",", ";", "!", "?")
_PARAGRAPH_END = (".", "!", "?", ":", "»", '"', ")")
# A line-end hyphen before these words is a suspended compound ("helse- og omsorg"), not a split word.
_CONJUNCTIONS = {"og", "eller", "samt", "til"}

# A goal-and-strategies table flattened into text: a column label for the goal, then the lead-in of
# the strategies ("Mål Våre strategier er å:"); the goal's text follows, then its strategy bullets.
# A note under a list: an asterisk glued to its first word ("*Les mer om naturpolitikk i …").
_NOTE = re.compile(r"^\*\w")
_GOAL_MARKER = re.compile(r"^(?:Mål|Målsetting|Målsettinger|Målsetjing|Delmål)\s*:?\s+\S.*:$")


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
    source: str = "list_item"  # or "sentence": a promising sentence of prose (a programme without lists)
    sentence: str = ""  # a sentence item's text: its lines may hold the sentences around it too

    @property
    def text(self) -> str:
        return self.sentence or join_lines([line.text for line in self.lines])


@dataclass
class Extraction:
    headings: list[Heading]
    items: list[Item]
    layout: Layout = field(default_factory=Layout)
    long_items: list[int] = field(default_factory=list)  # first lines of items over MAX_ITEM_CHARS no sentence end could split


# An item is at most this long: a longer one is split where a line ends a sentence. The longest list item
# of the development corpus has 1,042 characters; one longer is a list whose end the layout missed.
MAX_ITEM_CHARS = 1_500


def join_lines(parts: list[str]) -> str:
    """Join wrapped lines into one, re-joining words split at a line-end hyphen.

    >>> join_lines(["gjeldende re-", "gelverk."])
    'gjeldende regelverk.'
    >>> join_lines(["de viktige FACT-", "teamene"])
    'de viktige FACT-teamene'
    >>> join_lines(["utslipp fra vare-", "og tungtransport"])
    'utslipp fra vare- og tungtransport'
    >>> join_lines(["for LHBTI+-", "personer og brenning/", "skjending i tråd med 1,5-", "gradersmålet"])
    'for LHBTI+-personer og brenning/skjending i tråd med 1,5-gradersmålet'
    """
    pieces: list[str] = []  # joined once at the end: adding to one growing string copied it every line
    end = ""  # the last characters of the text so far: every rule here looks at its last two at most
    for raw in parts:
        part = raw.strip()
        cut, glue = False, " "
        if not end:
            glue = ""
        elif _split_word(end, part):
            cut, glue = True, ""
        elif end.endswith("/") or (end.endswith("-") and not end[-2:-1].isalpha() and part[:1].islower() and not _conjunction(part)):
            glue = ""  # "brenning/" + "skjending", "LHBTI+-" + "personer", "1,5-" + "gradersmålet"
        elif end.endswith("-") and end[-2:-1].isalpha() and part[:1].isalpha():
            glue = " " if part.split(" ", 1)[0] in _CONJUNCTIONS else ""
        if cut:
            pieces[-1] = pieces[-1][:-1]  # the hyphen, the text's last character (no piece is empty)
        if glue + part:
            pieces.append(glue + part)
        end = ((end[:-1] if cut else end) + glue + part)[-8:]
    return unicodedata.normalize("NFC", re.sub(r"\s+", " ", "".join(pieces)).strip())


def _conjunction(part: str) -> bool:
    return part.split(" ", 1)[0] in _CONJUNCTIONS


def _split_word(end: str, following: str) -> bool:
    """True where a lower-case word was split by a hyphen at the line end (`end`: the text's last characters)."""
    if not (end.endswith("-") and following[:1].islower()):
        return False
    before = end[-2:-1]  # the character before the hyphen: a lower-case letter of the same word
    if not before.isalpha() or before.isupper():
        return False
    return following.split(" ", 1)[0] not in _CONJUNCTIONS


def read_lines(document: Document) -> list[Line]:
    """The document's content lines as the reader sees them; a blank Line is a paragraph break."""
    return read_layout(document)[1]


def extract(document: Document) -> Extraction:
    """Headings and items of one document, and what its layout was found to be."""
    layout, lines = read_layout(document)
    reader = _Reader(lines, layout, document.chapters)
    headings, items = reader.run()
    if not items:  # a programme written as prose: its promising sentences are its pledges
        items = sentence_pledges(lines, headings)
    items, long_items = split_long_items(items)
    return Extraction(headings, items, layout, long_items)


# A promising sentence: its subject is "vi"/"me" or a name (the party's), and a promising verb follows,
# or the verb comes first ("Derfor vil vi …"). Bokmål and Nynorsk.
_PROMISE = r"(?:vil|skal|går\s+inn\s+for|arbeider\s+for|arbeidar\s+for|kjemper\s+for|kjempar\s+for|krever|krev|foreslår|føreslår)"
_NAME = r"[A-ZÆØÅ][\w-]*(?:\s+(?:og\s+)?[A-ZÆØÅ][\w-]*){0,3}"
# Capitalised words that open a sentence without naming anyone: no party's name.
_NOT_NAMES = {"Det", "Dette", "Den", "Denne", "De", "Dei", "Man", "Alle", "Mange", "Noen", "Nokon", "Hvem", "Kven", "Hva", "Kva",
              "Han", "Hun", "Ho", "Du", "Dere", "Jeg", "Eg", "Som", "Her", "Der", "Da", "Når", "Om", "Hvis", "Dersom"}  # fmt: skip
_SUBJECT_FIRST = re.compile(rf"^(?:(?:[\w,-]+\s+){{0,4}}?)(?P<subject>[Vv]i|[Mm]e|{_NAME})\s+{_PROMISE}\b")
_VERB_FIRST = re.compile(rf"^(?:[\w,-]+\s+){{0,4}}?{_PROMISE}\s+(?:vi|me)\b", re.IGNORECASE)
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[«\"(]?[A-ZÆØÅ0-9])")


def is_promising_sentence(sentence: str) -> bool:
    """A sentence that promises: "Vi vil …", "Partiet Sentrum går inn for …", "Derfor vil vi …", "Me skal …".

    >>> [is_promising_sentence(s) for s in ("Vi vil ha flere lærere.", "Fred og Rettferdighet krever fred.",
    ...  "Derfor vil vi styrke skolen.", "Me går inn for nye vegar.", "Det vil koste mye.", "Skolen er viktig.",
    ...  "Vil vi ha det slik?")]
    [True, True, True, True, False, False, False]
    """
    if sentence.endswith("?"):
        return False
    found = _SUBJECT_FIRST.match(sentence)
    if found and found.group("subject").split()[0] not in _NOT_NAMES:
        return True
    return bool(_VERB_FIRST.match(sentence))


def sentence_pledges(lines: list[Line], headings: list[Heading]) -> list[Item]:
    """The promising sentences of a text without lists, each an item typed by `source = "sentence"`,
    in the section of the heading above it, with the lines it stands on."""
    items: list[Item] = []
    heading_lines = {h.line for h in headings}
    paragraph: list[Line] = []
    for line in [*lines, Line(0, "")]:
        if line.blank or line.heading or line.number in heading_lines:
            items.extend(_promising(paragraph, headings))
            paragraph = []
        else:
            paragraph.append(line)
    return items


def _promising(paragraph: list[Line], headings: list[Heading]) -> list[Item]:
    if not paragraph:
        return []
    texts = [line.text for line in paragraph]
    ends = [len(join_lines(texts[: i + 1])) for i in range(len(texts))]  # where each line's text ends in the paragraph
    text = join_lines(texts)
    section = max((i for i, h in enumerate(headings) if h.line <= paragraph[0].number), default=None)
    items, start = [], 0
    for sentence in _SENTENCE_BREAK.split(text):
        begin = text.index(sentence, start)
        start = begin + len(sentence)
        if is_promising_sentence(sentence):
            first = next(i for i, end in enumerate(ends) if end > begin)
            last = next(i for i, end in enumerate(ends) if end >= start)
            items.append(Item("pledge", section, None, paragraph[first : last + 1], source="sentence", sentence=sentence))
    return items


def split_long_items(items: list[Item]) -> tuple[list[Item], list[int]]:
    """Items over MAX_ITEM_CHARS cut after the lines that end a sentence, each part as long as it may be;
    the first lines of those that still are too long (no line ends a sentence) are returned to be reported.

    Parts keep the item's kind, section and parent; an item's sub-items keep pointing at its first part.
    """
    result: list[Item] = []
    moved: dict[int, int] = {}
    long_items: list[int] = []
    for index, item in enumerate(items):
        moved[index] = len(result)
        parent = moved.get(item.parent, item.parent) if item.parent is not None else None
        parts = _parts(item) if len(item.text) > MAX_ITEM_CHARS and not item.sentence else [item.lines]
        for lines in parts:
            part = dataclasses.replace(item, parent=parent, lines=lines)
            if len(part.text) > MAX_ITEM_CHARS:
                long_items.append(lines[0].number)
            result.append(part)
    return result, long_items


def _parts(item: Item) -> list[list[Line]]:
    parts: list[list[Line]] = [[]]
    for line in item.lines:
        candidate = parts[-1] + [line]
        if parts[-1] and len(join_lines([ln.text for ln in candidate])) > MAX_ITEM_CHARS and parts[-1][-1].text.endswith((".", "!", "?")):
            parts.append([line])
        else:
            parts[-1] = candidate
    return parts


def is_item(line: Line) -> bool:
    return line.marker is not None


class _Reader:
    """Walks the lines once; its state says which section, list and item the walk is in."""

    def __init__(self, lines: list[Line], layout: Layout, chapters: tuple[str, ...]):
        self.lines = lines
        self.layout = layout
        self.chapters = {unicodedata.normalize("NFC", c) for c in chapters}
        self.bare_items = _bare_item_layout(lines, layout)
        self.headings: list[Heading] = []
        self.items: list[Item] = []
        # Kept as the walk goes, so that no step looks back over every heading or item (40,000 headings
        # took 28 s, most of it in such looks): the non-box headings of each level, in order, and the
        # sections that hold an item.
        self.open_headings: dict[int, list[int]] = {}
        self.sections_with_items: set[int | None] = set()
        self.section: int | None = None
        self.list_kind: str | None = None
        self.item: int | None = None
        self.top_item: int | None = None
        self.goal: int | None = None
        self.box_return: tuple[int | None, str | None] | None = None
        self.gap = False
        self.previous = "start"
        self.numbered_chapters = False
        self.last_line: Line | None = None

    def run(self) -> tuple[list[Heading], list[Item]]:
        index = 0
        while index < len(self.lines):
            line = self.lines[index]
            if line.blank:
                self.gap = True
                index += 1
                continue
            index = self._step(index, line)
            self.gap = False
            self.last_line = self.lines[index - 1]
        return self.headings, self.items

    # -- one content line ----------------------------------------------------------------
    def _step(self, index: int, line: Line) -> int:
        text = line.text
        if line.heading and not is_pledge_lead_in(text):
            self._heading(text, line, line.heading)
            return index + 1
        if line.heading:  # a Markdown heading that is a lead-in ("### For yrkesfagene vil Gamle Oslo Venstre")
            self._lead_in(index, line)
            return index + 1
        if _GOAL_MARKER.match(text) and is_pledge_lead_in(text):
            return self._goal_block(index)
        if is_item(line):
            if not self._numbered_heading(index, line):
                self._item(line)
                return index + 1
            line = dataclasses.replace(line, text=f"{line.marker.prefix} {line.text}", marker=None)
            self.lines[index] = line
        if self._is_lead_in(index):
            self._lead_in(index, line)
            return index + 1
        heading = self._heading_at(index)
        if heading is not None:
            title, used = heading
            self._heading(title, line)
            return index + used
        if self.bare_items and self._bare_subtitle(index):
            self._close_item()
            self.previous = "text"
            return index + 1
        if self.bare_items and self._bare_sub_item(index, line):
            self._item(line, sub=True)
            self.previous = "sub"
            return index + 1
        if self.bare_items and line.text[:1].isupper() and self.list_kind is not None:
            self._item(line)  # after a lead-in, in a list of bare lines, a line that starts upper-case is an item
            return index + 1
        self._text(index, line)
        return index + 1

    def _numbered_heading(self, index: int, line: Line) -> bool:
        """'3. Økonomisk politikk' opens a chapter; '3. Senke skattene' in a list is an item."""
        marker = line.marker
        if marker is None or marker.kind != "numbered" or not marker.dotted:
            return False
        if re.match(r"\d{1,2}\s+\S", line.text) and _heading_like(f"{marker.prefix} {line.text}"):
            return True  # "3. 10 Oppdrett og havbruk": a section number printed with a space
        if self.previous == "leadin" or (self.item is not None and self._previous_number() == (marker.number or 0) - 1):
            return False
        following = self._next_content(index + 1)
        if following is not None and is_item(self.lines[following]) and self.lines[following].marker.kind == "numbered":
            return False
        return _heading_like(line.text)

    def _previous_number(self) -> int | None:
        marker = self.items[self.item].lines[0].marker
        return marker.number if marker is not None else None

    def _item(self, line: Line, sub: bool = False) -> None:
        sub = (sub or bool(line.marker and line.marker.sub)) and self.top_item is not None
        kind = self.list_kind or "pledge"  # a list with no lead-in in a programme promises
        if sub:
            parent = self.top_item
            kind = "sub_pledge" if kind == "pledge" else kind
        else:
            parent = self.goal if self.list_kind == "strategy" else None
        self._add_item(Item(kind, self.section, parent, [line]))
        self.item = len(self.items) - 1
        if not sub:
            self.top_item = self.item
        self.previous = "bullet"

    def _is_lead_in(self, index: int) -> bool:
        text = self.lines[index].text
        if self.item is not None and not self.gap and text[:1].islower():
            return False  # the item's own wrapped text ("… blant annet ved å:") introducing its sub-items
        if text.endswith(":") and is_pledge_lead_in(text):
            return True
        if self.bare_items and self.previous in ("bullet", "sub", "leadin"):
            return False  # "Sikre rettferdig fordeling:" inside a list of bare lines is an item with sub-items
        following = self._next_content(index + 1)
        if following is None or not (is_item(self.lines[following]) or self.bare_items):
            return False
        if text.endswith(":"):
            return True
        return is_pledge_lead_in(text) and not self._continues_sentence(index)

    def _continues_sentence(self, index: int) -> bool:
        """A line inside a running sentence ('… og derfor vil' / 'vi at …') is no lead-in."""
        if self.gap or index == 0 or self.lines[index].page_start:
            return False
        before = self.lines[index - 1]
        return bool(before.text) and not is_item(before) and not before.text.endswith(_PARAGRAPH_END) and before.full

    def _lead_in(self, index: int, line: Line) -> None:
        self._close_item()
        kind = "pledge" if is_pledge_lead_in(line.text) else "context"
        if kind == "context" and self._opens_box(index):
            self._open_box()
        self.list_kind = kind
        self.previous = "leadin"

    def _opens_box(self, index: int) -> bool:
        """A heading right above a describing lead-in, with nothing under it yet, titles a fact box."""
        if not self.section:  # None, or the first heading: no outer section to return to
            return False
        heading_line = self.headings[self.section].line
        if self.section in self.sections_with_items:
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
        if not heading.box:
            self.open_headings[heading.level].remove(self.section)  # a box is no parent of later headings
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
        if self._is_pull_quote(line) or (is_pledge_lead_in(line.text) and not line.text[:1].islower()):
            return False  # a pull quote, a new text block or a lead-in, not the wrapped item
        if _NOTE.match(line.text):
            return False  # "*Les mer om …": a note after the list
        if line.block_start and line.page_start:
            return False  # a page's first block ("2.4 Skape et universelt …" under a page break and a blank line)
        if self.gap and self.layout.markdown:
            return False  # in Markdown a paragraph after a blank line is not the list item's (CommonMark)
        if not line.text[:1].isupper():
            return True
        if not self.gap:
            return not self._paragraph_ended(self.items[self.item].lines[-1])
        # After a paragraph break, upper-case text belongs to the item only if the list goes on after it
        # (pull quotes in between do not count) and it holds no lead-in of its own.
        end = self._paragraph_end(index)
        if any(ln.text.endswith(":") for ln in self.lines[index : end + 1]):
            return False
        following = self._next_content(end + 1)
        while following is not None and self._is_pull_quote(self.lines[following]):
            following = self._next_content(self._paragraph_end(following) + 1)
        return following is not None and is_item(self.lines[following])

    def _paragraph_ended(self, last: Line) -> bool:
        """In text without paragraph breaks, a sentence that ends short of the margin ends its paragraph."""
        if self.layout.paragraph_breaks or self.bare_items:
            return False  # blank lines say where paragraphs end; one-line items end at the line
        return self.layout.width <= PARAGRAPH_LINE and not last.full

    def _is_pull_quote(self, line: Line) -> bool:
        return line.block_start and line.text[:1].isupper() and not is_item(line)

    def _bare_sub_item(self, index: int, line: Line) -> bool:
        """Lower-case bare lines after a line ending in ':', or two or more in a row, are sub-items;
        one lower-case line alone continues the line before it ('Møre' + 'og Romsdal')."""
        if not line.text[:1].islower() or self.gap:
            return False
        if self.previous == "sub" or (self.last_line is not None and self.last_line.text.endswith(":")):
            return True
        following = self.lines[index + 1] if index + 1 < len(self.lines) else None
        return following is not None and following.text[:1].islower() and not is_item(following)

    def _bare_subtitle(self, index: int) -> bool:
        """The line right under a Markdown heading, before a blank line, is the page's subtitle."""
        following = self.lines[index + 1] if index + 1 < len(self.lines) else None
        return self.last_line is not None and self.last_line.heading > 0 and (following is None or following.blank)

    def _add_item(self, item: Item) -> None:
        self.items.append(item)
        self.sections_with_items.add(item.section)

    def _close_item(self) -> None:
        self.item = None

    # -- headings ------------------------------------------------------------------------
    def _heading_at(self, index: int) -> tuple[str, int] | None:
        line = self.lines[index]
        following = self.lines[index + 1] if index + 1 < len(self.lines) else None
        if not self._heading_may_open(line, following) or not _heading_like(line.text) or is_pledge_lead_in(line.text):
            return None  # a lead-in printed apart from its list ("Partiet Sentrum vil") is no heading
        if self.bare_items and not self._bare_heading(index):
            return None
        if following is None or following.blank or not following.text[:1].islower():
            return line.text.rstrip(":").strip(), 1
        two = f"{line.text} {following.text}"
        after = self.lines[index + 2] if index + 2 < len(self.lines) else None
        if _heading_like(two) and (after is None or after.blank or self._paragraph_ended(following)):
            return two.rstrip(":").strip(), 2
        return None

    def _heading_may_open(self, line: Line, following: Line | None) -> bool:
        if self.gap or self.previous in ("start", "heading", "leadin") or line.block_start or self.bare_items:
            return True
        # A heading may follow a finished item with no paragraph break, if a break follows it.
        if self._item_ended_sentence() and (following is None or following.blank):
            return True
        # In text without paragraph breaks, a heading follows a paragraph that ended short of the margin.
        before = self.last_line
        if before is not None and self._paragraph_ended(before) and not line.full:
            return True
        return self._heading_opens_paragraph(line, following)

    def _heading_opens_paragraph(self, line: Line, following: Line | None) -> bool:
        """In text without paragraph breaks, a short line before a new paragraph is a heading even after a full line."""
        if self.layout.paragraph_breaks or self.bare_items or following is None or following.blank or is_item(following):
            return False
        before = self.last_line
        if before is not None and self.item is None and not before.text.endswith(_PARAGRAPH_END):
            return False  # prose whose sentence runs on ("… hvordan vi organisere" / "Norge")
        opens = following.full or following.text.endswith(":") or is_pledge_lead_in(following.text) or _heading_like(following.text)
        return opens and following.text[:1].isupper() and line.length <= _SHORT_HEADING_SHARE * self.layout.width

    def _bare_heading(self, index: int) -> bool:
        """Among bare-line items, a heading is a few words that no item follows directly."""
        line = self.lines[index]
        following = self.lines[index + 1] if index + 1 < len(self.lines) else None
        if len(line.text.split()) > _BARE_HEADING_WORDS:
            return False
        return following is None or following.blank or following.heading > 0 or is_pledge_lead_in(following.text)

    def _item_ended_sentence(self) -> bool:
        return self.item is not None and self.items[self.item].lines[-1].text.endswith((".", "!", "?"))

    def _heading(self, title: str, line: Line, markdown_level: int = 0) -> None:
        self._close_item()
        self._close_box()
        title = unicodedata.normalize("NFC", re.sub(r"\s+", " ", title))
        level = markdown_level or self._level(title, line)
        parent = self._parent_for(level)
        self.headings.append(Heading(title, level, line.number, parent))
        self.open_headings.setdefault(level, []).append(len(self.headings) - 1)
        self.section = len(self.headings) - 1
        if level == 1:
            self.list_kind = None
        self.top_item = None
        self.previous = "heading"

    def _level(self, title: str, line: Line) -> int:
        numbered = _NUMBERED_HEADING.match(title)
        if numbered:
            self.numbered_chapters = True  # from here numbers, not text blocks, say which headings are chapters
            return numbered.group("num").count(".") + 1
        if title in self.chapters:
            return 1
        if self.layout.page_blocks and line.block_start and not self.numbered_chapters:
            return 1  # in PDF text whose blocks open with a space, a heading that opens one is a chapter
        has_chapter = bool(self.open_headings.get(1))  # a box is never of level 1: it stands under another heading
        return 2 if has_chapter else 1

    def _parent_for(self, level: int) -> int | None:
        """The last heading above this level that is not a fact box."""
        latest = [indexes[-1] for at, indexes in self.open_headings.items() if at < level and indexes]
        return max(latest, default=None)

    # -- goals and strategies --------------------------------------------------------------
    def _goal_block(self, index: int) -> int:
        self._close_item()
        start = self._next_content(index + 1)
        if start is None:
            return index + 1
        end = self._paragraph_end(start)
        self._add_item(Item("goal", self.section, None, list(self.lines[start : end + 1])))
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
        while index + 1 < len(self.lines) and not self.lines[index + 1].blank and not is_item(self.lines[index + 1]):
            index += 1
        return index


# In text without paragraph breaks, a heading right after a full line is at most this share of the
# text's width (corpus headings: 3-45 characters in texts 47-140 wide; such lines of prose end a sentence).
_SHORT_HEADING_SHARE = 0.6
# In a text of bare-line items, a heading has at most this many words (corpus: topic headings of 1-4
# words; items of 3-60).
_BARE_HEADING_WORDS = 4
# A text is a list of bare lines (one item per line, no markers) when it has one paragraph per line
# and markers on fewer than this share of its lines (the scraped web text of the corpus has none).
_BARE_MARKER_SHARE = 0.05


def _bare_item_layout(lines: list[Line], layout: Layout) -> bool:
    content = [line for line in lines if not line.blank and not line.heading]
    if not content or not layout.markdown:
        return False
    return sum(1 for line in content if is_item(line)) < _BARE_MARKER_SHARE * len(content)


def _heading_like(text: str) -> bool:
    """Short, capitalised, and not a sentence."""
    text = text.strip()
    if not text or len(text) > MAX_HEADING_CHARS:
        return False
    numbered = _NUMBERED_HEADING.match(text)
    if numbered:
        text = text[numbered.end("num") :].lstrip(". ")
    if not text[:1].isupper():
        return False
    return not text.endswith(_SENTENCE_END) and ". " not in text
