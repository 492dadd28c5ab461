"""Stage: the tables -> the booklet's model and HTML (Jinja2), per comparison group, A4 or A5.

Everything printed comes from the tables and the evaluation; publish/render.py lays the HTML out as
PDF and publish/impose.py folds the A5 pages into a booklet.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from publish.classify import CAP_MAJOR_TOPICS
from publish.nynorsk import nynorsk_documents
from publish.sources import Booklet, Corpus, Group
from publish.templating import TEMPLATES

PAPER = {"a4": "A4", "a5": "A5"}

# A programme's reference to its own parts ("Se kapittel 3", "se side 12", "jf. punkt 4.2"): a number after the
# word, not the booklet's chapter of that number.
SOURCE_REFERENCE = re.compile(
    r"\b(?:kapittel|kapitlene|kap\.|side|sidene|s\.|punkt|punktene|avsnitt)\s+\d+(?:\.\d+)*(?:\s*(?:–|-|og)\s*\d+(?:\.\d+)*)?(?!\d)",
    re.IGNORECASE,
)

# The longest word the booklet lays out whole. WeasyPrint sizes a table's columns by the widest word in
# them and lays a word wider than its column out again and again: one legal word of 3,900 characters
# (a line holds 4,000) took the layout of the seeds' booklet from about 3 s to about 100 s. A longer
# word gets a zero-width space (a break opportunity, invisible) after every LONGEST_WORD characters.
# The longest words measured: 29 characters in the seeds' pledges ("rehabiliteringsinstitusjonene"),
# 41 in the corpus ("S-Mandal-Stavanger-Bergen-Trondheim-Oslo."), so no real word is touched and is
# hyphenated as before (docs/bounds.md; times in bench/README.md).
LONGEST_WORD = 60
_LONG_WORD = re.compile(rf"\S{{{LONGEST_WORD + 1},}}")


def breakable(text: str) -> str:
    """Text whose words longer than LONGEST_WORD may break: a zero-width space after every LONGEST_WORD characters.

    >>> breakable("Bygge " + "x" * 130 + " nå") == "Bygge " + "x" * 60 + "\u200b" + "x" * 60 + "\u200b" + "x" * 10 + " nå"
    True
    >>> breakable("Sikre rehabiliteringsinstitusjonene.")
    'Sikre rehabiliteringsinstitusjonene.'
    """
    return _LONG_WORD.sub(lambda m: "\u200b".join(m.group()[at : at + LONGEST_WORD] for at in range(0, len(m.group()), LONGEST_WORD)), text)


def source_references(text: str, source: str) -> list[tuple[str, bool]]:
    """A pledge's text with a bracketed note naming the source after each reference to the source's own parts.

    >>> source_references("Bygge boliger (Se kapittel 3: «Boligpolitikk»).", "Rødt-program")
    [('Bygge boliger (Se kapittel 3', False), (' [i Rødt-program]', True), (': «Boligpolitikk»).', False)]
    >>> source_references("Gi 3 timer fysisk aktivitet per side.", "Ap-program")
    [('Gi 3 timer fysisk aktivitet per side.', False)]
    """
    pieces: list[tuple[str, bool]] = []
    start = 0
    for found in SOURCE_REFERENCE.finditer(text):
        pieces += [(text[start : found.end()], False), (f" [i {source}]", True)]
        start = found.end()
    return pieces + [(text[start:], False)] if start < len(text) or not pieces else pieces


@dataclass
class CrossRef:
    """A link from a pledge to one on another side: agree (=), similar (~) or disagree (≠)."""

    relation: str
    target: str  # the other pledge's label, e.g. "R14"
    symbol: str
    word: str
    elsewhere: bool = False  # the other pledge is printed in another chapter: the booklet gives its page
    printed: bool = True  # False: measured too uncertain for print, shown on the site only, with its probability
    score: float = 1.0


@dataclass
class PrintedPledge:
    pledge_id: str
    label: str
    text: str
    kind: str
    citation: str
    also: list[str]
    actor_id: str = ""
    document_id: str = ""
    line_start: int = 0
    chapter: int = 0
    markers: list[CrossRef] = field(default_factory=list)
    children: list[PrintedPledge] = field(default_factory=list)
    source: str = ""  # the short title of the document it is quoted from, which its own chapter references mean
    lines: str = ""  # its citation without the document's name, for a list that names its document once
    lang: str = ""  # "nn" for a Nynorsk document's words (the page's language is Bokmål), else ""

    @property
    def pieces(self) -> list[tuple[str, bool]]:
        """The text in pieces, (piece, is_note): a note after each reference to the source's own chapters or pages."""
        return source_references(self.text, self.source)


@dataclass(frozen=True)
class CitationExample:
    """A source reference the how-to-read page explains, taken from the booklet's own pledges."""

    citation: str  # as printed after the pledge, e.g. "Ap-program l. 24–25"
    lines: str  # "24–25"
    document: str  # the document's full title
    printed: bool  # the document's printed line numbers (l.), else the text file's lines (tl.)


@dataclass
class Column:
    actor: dict
    items: list[PrintedPledge]
    beside: int | None = None  # top-level items printed side by side with the other parties; the rest follow full width

    @property
    def count(self) -> int:
        return sum(1 + len(item.children) for item in self.items)

    @property
    def source(self) -> str:
        """The one document every item of the list is quoted from, if there is one: a stacked list names it in
        its head, once, instead of on every pledge."""
        sources = {i.source for item in self.items for i in (item, *item.children)}
        return sources.pop() if len(sources) == 1 else ""

    @property
    def side_items(self) -> list[PrintedPledge]:
        return self.items if self.beside is None else self.items[: self.beside]

    @property
    def rest_items(self) -> list[PrintedPledge]:
        return [] if self.beside is None else self.items[self.beside :]

    def rest_rows(self, across: int) -> list[list[PrintedPledge]]:
        """The rest in rows of `across` items, read left to right, then down: the lines keep the side-by-side
        columns' length. (CSS columns did the same at three times the layout time: WeasyPrint balances
        them by laying the content out again and again.)"""
        rest = self.rest_items
        return [rest[k : k + across] for k in range(0, len(rest), across)]


# Characters a line of a side-by-side column holds at the body size (two columns; measured on the seeds'
# booklets: about 50 on A4, 36 on A5), for estimating how long a list runs.
CHARS_PER_LINE = {"A4": 50, "A5": 36}


def lines(item: PrintedPledge, chars_per_line: int) -> float:
    """About how many lines an item takes in a column: its label, text and marks, its source line, the
    space after it, and its sub-items."""
    text = len(item.label) + 1 + len(item.text) + 7 * len(item.markers)
    cite = len(item.citation) + sum(len(a) + 2 for a in item.also)
    return -(-text // chars_per_line) + -(-cite // int(chars_per_line * 1.4)) + 0.6 + sum(lines(c, chars_per_line) for c in item.children)


# Side by side, the parties' lists end together only when they are about as long; past that, the longest
# list's rest would stand beside empty columns, on pages whose heads name parties with nothing more. It
# follows instead full width under its party's name. Cut only when at least this many lines (two short
# pledges) would follow, and aim at least as many beside the others (the cut is the nearest item boundary).
REST_MIN_LINES = 6


def balance(columns: list[Column], chars_per_line: int) -> None:
    """Cut the longest party list where it has taken about as many lines as the second longest (sets `beside`):
    at the item boundary nearest to that length, after one item at least. (Cutting after the first item that
    reached it left that item, when the estimate ran short, on a page of its own beside an empty column.)"""
    for column in columns:
        column.beside = None
    if len(columns) < 2:
        return
    heights = sorted((sum(lines(i, chars_per_line) for i in c.items), n) for n, c in enumerate(columns))
    (longest, n), (second, _) = heights[-1], heights[-2]
    target = max(second, REST_MIN_LINES)
    if longest - target < REST_MIN_LINES:
        return
    total = 0.0
    for cut, item in enumerate(columns[n].items):
        height = lines(item, chars_per_line)
        if cut and total + height / 2 >= target:
            columns[n].beside = cut
            return
        total += height


@dataclass
class Chapter:
    number: int
    topic: dict
    columns: list[Column]
    baselines: list[Column]  # each municipality of the group with goals or strategies on the topic
    disagreements: list[tuple[PrintedPledge, PrintedPledge, str]]
    agree: int
    similar: int

    @property
    def all_columns(self) -> list[Column]:
        return self.columns + self.baselines

    @property
    def anchor(self) -> str:
        return f"kap-{self.topic['topic_id']}"


# Up to this many parties stand side by side in a chapter; from one more, each party's list follows the
# other's under its own header. Measured on A5 (the narrower paper): three columns of 38 mm hold 7-8
# words a line at 8 pt; four would hold 5-6 with a hyphen every other line, ten the two words the issue saw.
SIDE_BY_SIDE_MAX = 3

SYMBOLS = {"agree": ("=", "enig med"), "similar": ("~", "beslektet med"), "disagree": ("≠", "uenig med")}

# Characters of a chapter's running head. The outer margin box gets about half the text width less the
# centred actor name (~25 characters): 121 mm of A5 text width leave ~45 mm, ~32 characters of 7.5 pt
# Noto Sans (1.4 mm each); 178 mm of A4 leave ~72 mm, ~52 characters. A little under both, for wide letters.
RUNNING_HEAD_CHARS = {"A4": 50, "A5": 30}


def shorten(text: str, limit: int) -> str:
    """A running head on one line: cut before `limit` characters at a word, with an ellipsis, and never
    after a dangling short word ("i", "og") or a comma.

    >>> shorten("11 Arbeid, inkludering i arbeidslivet og lærlinger", 30)
    '11 Arbeid, inkludering …'
    >>> shorten("5 Helse", 30)
    '5 Helse'
    """
    if len(text) <= limit:
        return text
    words = text[: limit - 1].split(" ")[:-1]  # the last piece may be a cut word
    while len(words) > 1 and (len(words[-1]) <= 2 and not words[-1].isdigit()):
        words.pop()
    return " ".join(words).rstrip(",;:–-") + " …"


def actor_codes(actors: pl.DataFrame) -> dict[str, str]:
    """A short code per actor for pledge labels, unique in the group and the same whatever the actors' order:
    the first letter of its short name where no other actor's starts with it; among those that share it,
    an actor whose short name is that letter keeps it and the others take the shortest beginning of their
    short name that no other code has. A code ending in a digit gets a dash, so "P2" + 1 never reads as "P" + 21.

    >>> actor_codes(pl.DataFrame({"actor_id": ["a", "b", "c", "d"], "short_name": ["Ap", "Rødt", "P1", "P2"]}))
    {'a': 'A', 'b': 'R', 'c': 'P1-', 'd': 'P2-'}
    >>> actor_codes(pl.DataFrame({"actor_id": list("abcdef"), "short_name": ["KrF", "K", "SV", "Sp", "Sentrum", "V"]}))
    {'a': 'Kr', 'b': 'K', 'c': 'SV', 'd': 'Sp', 'e': 'Se', 'f': 'V'}
    """
    names = {row["actor_id"]: row["short_name"].replace(" ", "") for row in actors.iter_rows(named=True)}
    initial = {actor: name[0].upper() for actor, name in names.items()}
    codes: dict[str, str] = {}
    for actor, name in names.items():
        rivals = [other for other in names if other != actor and initial[other] == initial[actor]]
        if not rivals or name.upper() == initial[actor]:
            codes[actor] = initial[actor]
            continue
        taken = {initial[other] for other in rivals if names[other].upper() == initial[other]}
        for length in range(2, len(name) + 1):
            code = initial[actor] + name[1:length]
            clashes = taken | {names[other][:length].upper() for other in rivals}
            if code.upper() not in clashes:
                break
        codes[actor] = code
    seen: set[str] = set()
    for actor, code in codes.items():  # identical short names: told apart by their order
        while code in seen:
            code += "'"
        seen.add(code)
        codes[actor] = code + ("-" if code[-1].isdigit() else "")
    return codes


# Border patterns that tell the parties' colour bars apart where their colours print as the same grey (14 of a
# 15-party group's colours lie within 20-42 % luminance): with the actor's letter beside each bar, a pattern
# and a letter survive any printer. report.css draws `mark-N` as the Nth pattern.
MARKS = 4


def actor_marks(actors: pl.DataFrame) -> dict[str, str]:
    """A pattern class per actor for its colour bars: parties in turn solid, dashed, dotted, double; the
    municipality solid (its own column and grey frame set it apart).

    >>> actor_marks(pl.DataFrame({"actor_id": ["a", "b", "k"], "kind": ["party", "party", "municipality"]}))
    {'a': 'mark-0', 'b': 'mark-1', 'k': 'mark-0'}
    """
    parties = [a for a, kind in actors.select("actor_id", "kind").iter_rows() if kind == "party"]
    return {a: f"mark-{parties.index(a) % MARKS if a in parties else 0}" for a in actors["actor_id"]}


def head_name(short_name: str, code: str) -> str:
    """An actor's short name beside its code in a column head, or nothing when the code says it already
    ("SV" beside "SV" read "SV SV").

    >>> head_name("SV", "SV"), head_name("V", "V"), head_name("KrF", "Kr")
    ('', '', 'KrF')
    """
    return "" if short_name.replace(" ", "").upper() == code.rstrip("-'").upper() else short_name


def citation(row: dict, documents: dict[str, dict]) -> str:
    """Where to find a pledge in its original: printed line numbers where the text has them.

    >>> docs = {"d": {"short_title": "Ap-program"}}
    >>> citation({"document_id": "d", "line_start": 45, "line_end": 47, "printed_line_start": 24, "printed_line_end": 25}, docs)
    'Ap-program l. 24–25'
    >>> citation({"document_id": "d", "line_start": 9, "line_end": 9, "printed_line_start": None, "printed_line_end": None}, docs)
    'Ap-program tl. 9'
    """
    return f"{documents[row['document_id']]['short_title']} {line_reference(row)}"


def line_reference(row: dict) -> str:
    """The lines of a citation without the document's name, for a list that names its document once.

    >>> line_reference({"line_start": 9, "line_end": 12, "printed_line_start": None, "printed_line_end": None})
    'tl. 9–12'
    """
    return " ".join(cited_lines(row))


def cited_lines(row: dict) -> tuple[str, str]:
    """The lines a citation gives: ("l.", printed line numbers) where the text has them, else ("tl.", the text file's)."""
    if row["printed_line_start"] is not None:
        start, end, word = row["printed_line_start"], row["printed_line_end"], "l."
    else:
        start, end, word = row["line_start"], row["line_end"], "tl."
    return word, str(start) if start == end else f"{start}–{end}"


def group_frames(frames: dict[str, pl.DataFrame], group_id: str, actor_ids: tuple[str, ...] = ()) -> dict[str, pl.DataFrame]:
    """The tables cut to one comparison group (or some of its actors): its actors, their documents, pledges and relations."""
    actors = frames["actors"].filter(pl.col("comparison_group") == group_id)
    if actor_ids:
        actors = actors.filter(pl.col("actor_id").is_in(list(actor_ids)))
    documents = frames["documents"].filter(pl.col("actor_id").is_in(actors["actor_id"].implode()))
    pledges = frames["pledges"].filter(pl.col("actor_id").is_in(actors["actor_id"].implode()))
    ids = pledges["pledge_id"].implode()
    return {
        **frames,
        "actors": actors,
        "documents": documents,
        "sections": frames["sections"].filter(pl.col("document_id").is_in(documents["document_id"].implode())),
        "pledges": pledges,
        "pledge_sources": frames["pledge_sources"].filter(pl.col("pledge_id").is_in(ids)),
        "pledge_topics": frames["pledge_topics"].filter(pl.col("pledge_id").is_in(ids)),
        "relations": frames["relations"].filter(pl.col("pledge_id_a").is_in(ids) & pl.col("pledge_id_b").is_in(ids)),
    }


class BookletModel:
    """Everything the templates print, arranged by chapter; built once from the tables.

    With a group, only that group's actors, pledges and relations (its booklet); without, every actor. With
    `topics` (a committee's booklet), only those chapters, in that order; their pledges keep the labels they
    have in the group's whole booklet, and a cross-reference to a pledge outside them is left out. With
    `actors`, only those of the group. The booklet marks only the relations in print (relations.printed:
    editorial, or automatic of a tier measured right); the site (`printed_only=False`) shows the others
    too, with their probability.
    """

    def __init__(
        self,
        corpus: Corpus,
        frames: dict[str, pl.DataFrame],
        evaluation: dict,
        paper: str,
        group: Group | None = None,
        topics: tuple[str, ...] = (),
        actors: tuple[str, ...] = (),
        printed_only: bool = True,
    ):
        self.corpus = corpus
        self.dataset = corpus.dataset
        self.group = group or Group("", corpus.dataset.title.split(":")[0].strip(), corpus.dataset.title.split(":")[0].strip())
        self.frames = group_frames(frames, group.group_id, actors) if group else frames
        self.topics = topics
        relations = self.frames["relations"]
        self.mark_counts = {  # the method page's counts: what the booklet marks, and what it leaves to the data
            "editorial": relations.filter(pl.col("printed") & (pl.col("method") == "editorial")).height,
            "editorial_disagree": relations.filter((pl.col("method") == "editorial") & (pl.col("relation") == "disagree")).height,
            "auto": relations.filter(pl.col("printed") & (pl.col("method") == "auto")).height,
            "unprinted": relations.filter(~pl.col("printed")).height,
        }
        if printed_only:
            self.frames = {**self.frames, "relations": relations.filter(pl.col("printed"))}
        self.evaluation = evaluation
        self.paper = PAPER[paper]
        manifest_order = {a.actor_id: n for n, a in enumerate(corpus.actors)}  # P2 before P10, as the editor wrote them
        self.actors = self.frames["actors"].sort(
            pl.col("kind") == "municipality", pl.col("actor_id").replace_strict(manifest_order, default=len(manifest_order))
        )
        self.codes = actor_codes(self.actors)
        self.head_codes = {actor: code.rstrip("-") for actor, code in self.codes.items()}  # the dash is for labels: "P2-1"
        self.heads = {a["actor_id"]: head_name(a["short_name"], self.codes[a["actor_id"]]) for a in self.actors.iter_rows(named=True)}
        self.marks = actor_marks(self.actors)
        self.documents = {d["document_id"]: d for d in self.frames["documents"].iter_rows(named=True)}
        self.actor_of = dict(self.frames["pledges"].select("pledge_id", "actor_id").iter_rows())
        self.items: dict[str, PrintedPledge] = {}
        self.chapters = self._chapters()
        self.agreement = self._agreement()

    @classmethod
    def of_booklet(cls, corpus: Corpus, frames: dict[str, pl.DataFrame], evaluation: dict, paper: str, booklet: Booklet) -> BookletModel:
        """The model of one booklet the build prints: its group's, under the booklet's title, with its chapters and actors."""
        group = next(g for g in corpus.groups if g.group_id == booklet.group)
        return cls(corpus, frames, evaluation, paper, dataclasses.replace(group, title=booklet.title), booklet.topics, booklet.actors)

    def on_paper(self, paper: str) -> BookletModel:
        """The same chapters laid out for other paper (the tables are not read again)."""
        other = copy.copy(self)
        other.paper = PAPER[paper]
        other.chapters = [dataclasses.replace(c, columns=[dataclasses.replace(column) for column in c.columns]) for c in self.chapters]
        other._balance(other.chapters)
        return other

    @staticmethod
    def cap_name(code: int | None) -> str:
        """A CAP major topic by its Norwegian name (the codebook's English label is never printed)."""
        return f"{code} {CAP_MAJOR_TOPICS[code]}" if code else "–"

    @property
    def parties(self) -> list[dict]:
        return [a for a in self.actors.iter_rows(named=True) if a["kind"] == "party"]

    @property
    def municipality(self) -> list[dict]:
        return [a for a in self.actors.iter_rows(named=True) if a["kind"] == "municipality"]

    def actor_name(self, actor_id: str) -> str:
        return self.actors.filter(pl.col("actor_id") == actor_id)["name"].item()

    def documents_of(self, actor_id: str) -> list[dict]:
        return [d for d in self.documents.values() if d["actor_id"] == actor_id]

    @property
    def printed_chapters(self) -> list[Chapter]:
        """The chapters some actor of the group says something in: a chapter of nothing but "ingen løfter
        om dette" would take a page (two in A4) to say what the overview says in one row."""
        return [c for c in self.chapters if c.baselines or any(column.items for column in c.columns)]

    @property
    def silent_chapters(self) -> list[Chapter]:
        """The topics no actor of the group has a pledge on: named in the overview, without a chapter."""
        printed = {id(c) for c in self.printed_chapters}
        return [c for c in self.chapters if id(c) not in printed]

    def chapters_of(self, actor_id: str) -> list[Chapter]:
        """The chapters an actor has something in (the cover says how far the municipality's own policy reaches)."""
        return [c for c in self.chapters if self.count(c, actor_id)]

    def period_of(self, actor_id: str) -> str:
        """The period an actor speaks for: its programmes' periods (else its documents'), each once.

        A party's web pages of 2023 do not make its 2023–2027 programme read "2023–2027, 2023".
        """
        documents = self.documents_of(actor_id)
        programmes = [d for d in documents if d["kind"] == "programme"]
        periods = dict.fromkeys(d["period"] for d in programmes or documents if d["period"])
        return ("program " if programmes and periods else "") + " og ".join(periods)

    @property
    def parties_by_period(self) -> list[tuple[str, list[str]]]:
        """Each period with the short names of the parties that speak for it, in the parties' order: a cover of
        fifteen parties says which period each is for in a line or two."""
        grouped: dict[str, list[str]] = {}
        for party in self.parties:
            grouped.setdefault(self.period_of(party["actor_id"]), []).append(party["short_name"])
        return list(grouped.items())

    @property
    def periods_differ(self) -> bool:
        """True when the parties' programmes are for different periods: the booklet says so plainly."""
        return len({self.period_of(a["actor_id"]) for a in self.parties} - {""}) > 1

    @functools.cached_property
    def nynorsk(self) -> set[str]:
        """The documents written in Nynorsk (publish/nynorsk.py): their words are marked lang="nn"."""
        return nynorsk_documents(self.frames["pledges"])

    @property
    def nynorsk_titles(self) -> list[str]:
        """The documents compared in a Bokmål translation: the appendix names them."""
        return [d["title"] for d in self.documents.values() if d["document_id"] in self.nynorsk]

    @property
    def example_label(self) -> str:
        """The label the how-to-read page's legend uses: the first link in the booklet's order (to a pledge
        of another actor the reader will meet), else the first pledge's label."""
        items = list(self.items.values())
        linked = next((item.markers[0].target for item in items if item.markers), None)
        return linked or (items[0].label if items else f"{next(iter(self.codes.values()), 'A')}1")

    @functools.cached_property
    def citation_examples(self) -> list[CitationExample]:
        """The how-to-read page's source references, from this booklet's own pledges: the first pledge in
        the booklet's order cited by its document's printed line numbers, then the first cited by the text
        file's lines; either is left out when no pledge is cited that way."""
        first = self.frames["pledge_sources"].filter(pl.col("match") == "first")
        rows = {row["pledge_id"]: row for row in first.iter_rows(named=True)}
        examples: dict[bool, CitationExample] = {}
        for item in self.items.values():
            row = rows[item.pledge_id]
            word, lines = cited_lines(row)
            printed = word == "l."
            if printed not in examples:
                examples[printed] = CitationExample(item.citation, lines, self.documents[row["document_id"]]["title"], printed)
        return [examples[kind] for kind in (True, False) if kind in examples]

    @property
    def placed_by(self) -> dict[str, int]:
        """How many of the booklet's pledges each way of choosing a chapter placed (heading, keyword,
        override, parent, fallback): the appendix says how the chapters were chosen, with its counts."""
        printed = self.frames["pledges"].filter(pl.col("kind") != "context")  # as the chapters print them
        placed = printed.join(self.frames["pledge_topics"], on=["pledge_id", "topic_id"])
        counts = dict(placed.group_by("method").len().iter_rows())
        return {method: counts.get(method, 0) for method in ("heading", "keyword", "override", "parent", "fallback")}

    def count(self, chapter: Chapter, actor_id: str) -> int:
        columns = chapter.all_columns
        return sum(c.count for c in columns if c.actor["actor_id"] == actor_id)

    def share(self, chapter: Chapter, actor_id: str) -> str:
        """An actor's pledges in a chapter as a share of all its pledges (in every chapter, also in a committee's
        booklet): how much weight it gives the topic, whatever the length of its programme.

        >>> BookletModel.share(type("M", (), {"count": lambda self, c, a: 3, "totals": {"ap": 40}})(), None, "ap")
        '8\xa0%'
        """
        total = self.totals.get(actor_id, 0)
        n = self.count(chapter, actor_id)
        if not n or not total:
            return ""
        share = 100 * n / total
        return "<1\xa0%" if share < 1 else f"{share:.0f}\xa0%"

    @functools.cached_property
    def max_count(self) -> int:
        return max((self.count(c, a["actor_id"]) for c in self.chapters for a in self.actors.iter_rows(named=True)), default=1)

    def running_head(self, chapter: Chapter) -> str:
        """The chapter's number and name as its pages' running head: one line on this paper."""
        return shorten(f"{chapter.number} {chapter.topic['label']}", RUNNING_HEAD_CHARS[self.paper])

    @property
    def stacked(self) -> bool:
        """True when the chapters print each party's list one after another instead of side by side."""
        return len(self.parties) > SIDE_BY_SIDE_MAX

    def _agreement(self) -> dict[tuple[str, str], dict[str, int]]:
        """(actor, actor) -> relation -> count over the booklet's chapters, both orders of each pair (computed once)."""
        counts: dict[tuple[str, str], dict[str, int]] = {}
        for a, b, relation in self.frames["relations"].select("pledge_id_a", "pledge_id_b", "relation").iter_rows():
            if a not in self.items or b not in self.items:
                continue  # a pledge outside the booklet's chapters (or a context row, printed nowhere)
            x, y = self.actor_of[a], self.actor_of[b]
            for key in ((x, y), (y, x)):
                counts.setdefault(key, {"agree": 0, "similar": 0, "disagree": 0})[relation] += 1
        return counts

    def shade(self, n: int) -> int:
        """A grey level 0-4 for a count, in quarters of the largest count of the booklet (0 only for none).

        >>> BookletModel.shade(type("M", (), {"max_count": 20})(), 0), BookletModel.shade(type("M", (), {"max_count": 20})(), 20)
        (0, 4)
        """
        return 0 if n <= 0 else min(4, 1 + (4 * n - 1) // max(self.max_count, 1))

    @functools.cached_property
    def max_pairs(self) -> int:
        """The most related (agree or similar) pairs between two actors of the booklet."""
        return max((c["agree"] + c["similar"] for c in self.agreement.values()), default=1)

    def pair_shade(self, n: int) -> int:
        """A grey level 0-4 for an actor pair's related pairs, in quarters of the booklet's largest."""
        return 0 if n <= 0 else min(4, 1 + (4 * n - 1) // max(self.max_pairs, 1))

    def pair_total(self, a: dict, b: dict, relation: str) -> int:
        return self.agreement.get((a["actor_id"], b["actor_id"]), {}).get(relation, 0)

    @property
    def pairs(self) -> list[tuple[dict, dict]]:
        """Actor pairs for the agreement overview: party x party, then each party x the municipality."""
        actors = self.parties + self.municipality
        return [(a, b) for i, a in enumerate(actors) for b in actors[i + 1 :] if a["kind"] == "party"]

    def pair_counts(self, chapter: Chapter, a: dict, b: dict) -> tuple[int, int, int]:
        """(agree, similar, disagree) relations between two actors in one chapter."""
        rows = self.frames["relations"].filter(pl.col("topic_id") == chapter.topic["topic_id"])
        wanted = {a["actor_id"], b["actor_id"]}
        counts = {"agree": 0, "similar": 0, "disagree": 0}
        for row in rows.iter_rows(named=True):
            if {self.actor_of[row["pledge_id_a"]], self.actor_of[row["pledge_id_b"]]} == wanted:
                counts[row["relation"]] += 1
        return counts["agree"], counts["similar"], counts["disagree"]

    def _chapters(self) -> list[Chapter]:
        pledges = self.frames["pledges"].filter(pl.col("kind") != "context")  # each in its chapter, pledges.topic_id
        sources = self._sources()
        counters = dict.fromkeys(self.codes, 0)
        chapters = []
        for number, topic in enumerate(self.frames["topics"].sort("order").iter_rows(named=True), start=1):
            on_topic = pledges.filter(pl.col("topic_id") == topic["topic_id"]).sort("document_id", "line_start")
            columns = [
                Column(a, self._items(on_topic, a["actor_id"], sources, counters, number)) for a in self.actors.iter_rows(named=True)
            ]
            party_columns = [c for c in columns if c.actor["kind"] == "party"]
            baselines = [c for c in columns if c.actor["kind"] == "municipality" and c.items]
            chapters.append(Chapter(number, topic, party_columns, baselines, [], 0, 0))
        self.totals = {a: sum(self.count(c, a) for c in chapters) for a in self.actors["actor_id"]}  # every chapter's, for salience
        if self.topics:  # numbered and labelled as in the whole booklet, then cut to the committee's chapters
            by_id = {c.topic["topic_id"]: c for c in chapters}
            chapters = [by_id[topic] for topic in self.topics]
            kept = {c.number for c in chapters}
            self.items = {pledge: item for pledge, item in self.items.items() if item.chapter in kept}
        self._mark_relations(chapters)
        self._balance(chapters)
        return chapters

    def _balance(self, chapters: list[Chapter]) -> None:
        """Side by side, each chapter's longest list cut where the others end (the cut depends on the paper)."""
        if not self.stacked:
            for chapter in chapters:
                balance(chapter.columns, CHARS_PER_LINE[self.paper])

    def _sources(self) -> dict[str, list[dict]]:
        by_pledge: dict[str, list[dict]] = {}
        for row in self.frames["pledge_sources"].sort("pledge_id", "document_id", "line_start").iter_rows(named=True):
            by_pledge.setdefault(row["pledge_id"], []).append(row)
        return by_pledge

    def _items(self, on_topic: pl.DataFrame, actor_id: str, sources: dict, counters: dict, chapter: int) -> list[PrintedPledge]:
        """Top-level items of one actor on one topic, each with its sub-items under it."""
        rows = on_topic.filter(pl.col("actor_id") == actor_id)
        ids = set(rows["pledge_id"])
        items: list[PrintedPledge] = []
        children: dict[str, list[dict]] = {}
        for row in rows.iter_rows(named=True):
            if row["parent_pledge_id"] in ids:
                children.setdefault(row["parent_pledge_id"], []).append(row)
        for row in rows.iter_rows(named=True):
            if row["parent_pledge_id"] in ids:
                continue
            item = self._item(row, sources, counters, chapter)
            item.children = [self._item(child, sources, counters, chapter) for child in children.get(row["pledge_id"], [])]
            items.append(item)
        return items

    def _item(self, row: dict, sources: dict, counters: dict, chapter: int) -> PrintedPledge:
        counters[row["actor_id"]] += 1
        places = sources[row["pledge_id"]]
        first = next(p for p in places if p["match"] == "first")
        others = [p for p in places if p is not first]
        # a repeat in the same document is cited by its lines, another document by its name
        also = [citation(p, self.documents) for p in others if p["document_id"] == first["document_id"]]
        also += sorted({self.documents[p["document_id"]]["short_title"] for p in others if p["document_id"] != first["document_id"]})
        item = PrintedPledge(
            pledge_id=row["pledge_id"],
            label=f"{self.codes[row['actor_id']]}{counters[row['actor_id']]}",
            text=breakable(row["text"]),
            kind=row["kind"],
            citation=citation(first, self.documents),
            also=also,
            actor_id=row["actor_id"],
            document_id=first["document_id"],
            line_start=first["line_start"],
            chapter=chapter,
            source=self.documents[first["document_id"]]["short_title"],
            lines=line_reference(first),
            lang="nn" if first["document_id"] in self.nynorsk else "",
        )
        self.items[row["pledge_id"]] = item
        return item

    def _mark_relations(self, chapters: list[Chapter]) -> None:
        by_topic = {c.topic["topic_id"]: c for c in chapters}
        order = {"disagree": 0, "agree": 1, "similar": 2}
        for row in self.frames["relations"].sort("pledge_id_a", "pledge_id_b").iter_rows(named=True):
            a, b = self.items.get(row["pledge_id_a"]), self.items.get(row["pledge_id_b"])
            if a is None or b is None:
                continue
            symbol, word = SYMBOLS[row["relation"]]
            elsewhere = a.chapter != b.chapter
            a.markers.append(CrossRef(row["relation"], b.label, symbol, word, elsewhere, row["printed"], row["score"]))
            b.markers.append(CrossRef(row["relation"], a.label, symbol, word, elsewhere, row["printed"], row["score"]))
            chapter = by_topic.get(row["topic_id"]) or next(c for c in chapters if c.number == a.chapter)
            if row["relation"] == "disagree":
                chapter.disagreements.append((a, b, row["note"] or ""))
            elif row["relation"] == "agree":
                chapter.agree += 1
            else:
                chapter.similar += 1
        for item in self.items.values():
            item.markers.sort(key=lambda m: (order[m.relation], m.target))


def render_html(model: BookletModel, templates: Path = TEMPLATES) -> str:
    from publish.templating import render

    return render(templates, "base.html", m=model)
