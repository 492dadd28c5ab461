"""Stage: the tables -> the printed booklet (Jinja2 HTML -> WeasyPrint PDF), A4 or A5, and an imposed
A5 booklet on A4 for a home printer. Everything printed comes from the tables and the evaluation.
"""

from __future__ import annotations

import copy
import ctypes
import functools
import gc
import logging
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from publish.errors import InputError
from publish.sources import Corpus, Group

TEMPLATES = Path(__file__).resolve().parent.parent / "report_templates"
PAPER = {"a4": "A4", "a5": "A5"}
A4_LANDSCAPE = (841.8898, 595.2756)  # points


@dataclass
class Marker:
    """A link from a pledge to one on another side: agree (=), similar (~) or disagree (≠)."""

    relation: str
    target: str  # the other pledge's label, e.g. "R14"
    symbol: str
    word: str
    elsewhere: bool = False  # the other pledge is printed in another chapter: the booklet gives its page


@dataclass
class Item:
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
    markers: list[Marker] = field(default_factory=list)
    children: list[Item] = field(default_factory=list)


@dataclass
class Column:
    actor: dict
    items: list[Item]

    @property
    def count(self) -> int:
        return sum(1 + len(item.children) for item in self.items)


@dataclass
class Chapter:
    number: int
    topic: dict
    columns: list[Column]
    baselines: list[Column]  # each municipality of the group with goals or strategies on the topic
    disagreements: list[tuple[Item, Item, str]]
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


def actor_codes(actors: pl.DataFrame) -> dict[str, str]:
    """A short code per actor for pledge labels: the first letter of its short name, else the short name,
    made unique; a code ending in a digit gets a dash, so "P2" + 1 never reads as "P" + 21.

    >>> actor_codes(pl.DataFrame({"actor_id": ["a", "b", "c", "d"], "short_name": ["Ap", "Rødt", "P1", "P2"]}))
    {'a': 'A', 'b': 'R', 'c': 'P', 'd': 'P2-'}
    """
    codes: dict[str, str] = {}
    for actor in actors.iter_rows(named=True):
        code = actor["short_name"][0].upper()
        if code in codes.values():
            code = actor["short_name"] + ("-" if actor["short_name"][-1].isdigit() else "")
        while code in codes.values():
            code += "'"
        codes[actor["actor_id"]] = code
    return codes


def citation(row: dict, documents: dict[str, dict]) -> str:
    """Where to find a pledge in its original: printed line numbers where the text has them.

    >>> docs = {"d": {"short_title": "Ap-program"}}
    >>> citation({"document_id": "d", "line_start": 45, "line_end": 47, "printed_line_start": 24, "printed_line_end": 25}, docs)
    'Ap-program l. 24–25'
    >>> citation({"document_id": "d", "line_start": 9, "line_end": 9, "printed_line_start": None, "printed_line_end": None}, docs)
    'Ap-program tl. 9'
    """
    title = documents[row["document_id"]]["short_title"]
    if row["printed_line_start"] is not None:
        start, end, word = row["printed_line_start"], row["printed_line_end"], "l."
    else:
        start, end, word = row["line_start"], row["line_end"], "tl."
    lines = str(start) if start == end else f"{start}–{end}"
    return f"{title} {word} {lines}"


def group_frames(frames: dict[str, pl.DataFrame], group_id: str) -> dict[str, pl.DataFrame]:
    """The tables cut to one comparison group: its actors, their documents, pledges and relations."""
    actors = frames["actors"].filter(pl.col("comparison_group") == group_id)
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

    With a group, only that group's actors, pledges and relations (its booklet); without, every actor.
    """

    def __init__(self, corpus: Corpus, frames: dict[str, pl.DataFrame], evaluation: dict, paper: str, group: Group | None = None):
        self.corpus = corpus
        self.dataset = corpus.dataset
        self.group = group or Group("", corpus.dataset.title.split(":")[0].strip(), corpus.dataset.title.split(":")[0].strip())
        self.frames = group_frames(frames, group.group_id) if group else frames
        self.evaluation = evaluation
        self.paper = PAPER[paper]
        manifest_order = {a.actor_id: n for n, a in enumerate(corpus.actors)}  # P2 before P10, as the editor wrote them
        self.actors = self.frames["actors"].sort(
            pl.col("kind") == "municipality", pl.col("actor_id").replace_strict(manifest_order, default=len(manifest_order))
        )
        self.codes = actor_codes(self.actors)
        self.documents = {d["document_id"]: d for d in self.frames["documents"].iter_rows(named=True)}
        self.actor_of = dict(self.frames["pledges"].select("pledge_id", "actor_id").iter_rows())
        self.items: dict[str, Item] = {}
        self.chapters = self._chapters()
        self.agreement = self._agreement()

    def on_paper(self, paper: str) -> BookletModel:
        """The same chapters laid out for other paper (the tables are not read again)."""
        other = copy.copy(self)
        other.paper = PAPER[paper]
        return other

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

    def period_of(self, actor_id: str) -> str:
        """The period an actor speaks for: its programmes' periods (else its documents'), each once.

        A party's web pages of 2023 do not make its 2023–2027 programme read "2023–2027, 2023".
        """
        documents = self.documents_of(actor_id)
        programmes = [d for d in documents if d["kind"] == "programme"]
        periods = dict.fromkeys(d["period"] for d in programmes or documents if d["period"])
        return ("program " if programmes and periods else "") + " og ".join(periods)

    @property
    def periods_differ(self) -> bool:
        """True when the parties' programmes are for different periods: the booklet says so plainly."""
        return len({self.period_of(a["actor_id"]) for a in self.parties} - {""}) > 1

    def count(self, chapter: Chapter, actor_id: str) -> int:
        columns = chapter.all_columns
        return sum(c.count for c in columns if c.actor["actor_id"] == actor_id)

    @functools.cached_property
    def max_count(self) -> int:
        return max((self.count(c, a["actor_id"]) for c in self.chapters for a in self.actors.iter_rows(named=True)), default=1)

    @property
    def stacked(self) -> bool:
        """True when the chapters print each party's list one after another instead of side by side."""
        return len(self.parties) > SIDE_BY_SIDE_MAX

    def _agreement(self) -> dict[tuple[str, str], dict[str, int]]:
        """(actor, actor) -> relation -> count over the whole booklet, both orders of each pair (computed once)."""
        counts: dict[tuple[str, str], dict[str, int]] = {}
        for a, b, relation in self.frames["relations"].select("pledge_id_a", "pledge_id_b", "relation").iter_rows():
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
        topic_of = dict(self.frames["pledge_topics"].filter(pl.col("rank") == 1).select("pledge_id", "topic_id").iter_rows())
        pledges = self.frames["pledges"].filter(pl.col("kind") != "context")
        pledges = pledges.with_columns(pl.col("pledge_id").replace_strict(topic_of).alias("topic_id"))
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
        self._mark_relations(chapters)
        return chapters

    def _sources(self) -> dict[str, list[dict]]:
        by_pledge: dict[str, list[dict]] = {}
        for row in self.frames["pledge_sources"].sort("pledge_id", "document_id", "line_start").iter_rows(named=True):
            by_pledge.setdefault(row["pledge_id"], []).append(row)
        return by_pledge

    def _items(self, on_topic: pl.DataFrame, actor_id: str, sources: dict, counters: dict, chapter: int) -> list[Item]:
        """Top-level items of one actor on one topic, each with its sub-items under it."""
        rows = on_topic.filter(pl.col("actor_id") == actor_id)
        ids = set(rows["pledge_id"])
        items: list[Item] = []
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

    def _item(self, row: dict, sources: dict, counters: dict, chapter: int) -> Item:
        counters[row["actor_id"]] += 1
        places = sources[row["pledge_id"]]
        first = next(p for p in places if p["match"] == "first")
        others = [p for p in places if p is not first]
        # a repeat in the same document is cited by its lines, another document by its name
        also = [citation(p, self.documents) for p in others if p["document_id"] == first["document_id"]]
        also += sorted({self.documents[p["document_id"]]["short_title"] for p in others if p["document_id"] != first["document_id"]})
        item = Item(
            pledge_id=row["pledge_id"],
            label=f"{self.codes[row['actor_id']]}{counters[row['actor_id']]}",
            text=row["text"],
            kind=row["kind"],
            citation=citation(first, self.documents),
            also=also,
            actor_id=row["actor_id"],
            document_id=first["document_id"],
            line_start=first["line_start"],
            chapter=chapter,
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
            a.markers.append(Marker(row["relation"], b.label, symbol, word, elsewhere))
            b.markers.append(Marker(row["relation"], a.label, symbol, word, elsewhere))
            chapter = by_topic[row["topic_id"]]
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


def source_date_epoch(date: str) -> str:
    """Seconds since 1970 of the data's date: the only time WeasyPrint may stamp into the PDF."""
    return str(int(datetime.fromisoformat(date).replace(tzinfo=UTC).timestamp()))


@dataclass(frozen=True)
class TextEngine:
    """The system libraries WeasyPrint draws text with: the PDFs' bytes depend on their versions.

    WeasyPrint lays text out with Pango and HarfBuzz and subsets the embedded fonts with HarfBuzz-Subset
    (libharfbuzz-subset, HarfBuzz >= 4.1.0) when it can load it, else with fontTools, which gives
    other bytes. `make` installs libharfbuzz-subset0, so every machine subsets with HarfBuzz.
    """

    pango: str
    harfbuzz: str
    harfbuzz_subset: bool

    @property
    def subsetter(self) -> str:
        """Which subsetter WeasyPrint 70 picks (weasyprint/pdf/fonts.py, Font.subset)."""
        return "HarfBuzz" if self.harfbuzz_subset and _at_least(self.harfbuzz, (4, 1, 0)) else "fontTools"

    def __str__(self) -> str:
        return f"Pango {self.pango}, HarfBuzz {self.harfbuzz}"


# The names WeasyPrint's own loader tries (weasyprint/text/ffi.py), Linux first.
_PANGO = ("libpango-1.0.so.0", "libpango-1.0.dylib", "libpango-1.0-0.dll")
_HARFBUZZ = ("libharfbuzz.so.0", "libharfbuzz.0.dylib", "libharfbuzz-0.dll")
_HARFBUZZ_SUBSET = ("libharfbuzz-subset.so.0", "libharfbuzz-subset.0.dylib", "libharfbuzz-subset-0.dll")


@functools.cache
def text_engine() -> TextEngine:
    """The versions of Pango and HarfBuzz this process loads, and whether HarfBuzz-Subset is there."""
    return TextEngine(
        pango=_version(_PANGO, "pango_version_string"),
        harfbuzz=_version(_HARFBUZZ, "hb_version_string"),
        harfbuzz_subset=_load(_HARFBUZZ_SUBSET) is not None,
    )


def _load(names: tuple[str, ...]) -> ctypes.CDLL | None:
    for name in names:
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    return None


def _version(names: tuple[str, ...], function: str) -> str:
    library = _load(names)
    if library is None:
        return "missing"
    getter = getattr(library, function)
    getter.restype = ctypes.c_char_p
    return getter().decode("ascii")


def _at_least(version: str, minimum: tuple[int, ...]) -> bool:
    """
    >>> _at_least("6.0.0", (4, 1, 0)), _at_least("4.0.1", (4, 1, 0)), _at_least("missing", (4, 1, 0))
    (True, False, False)
    """
    try:
        return tuple(int(part) for part in version.split(".")[:3]) >= minimum
    except ValueError:
        return False


@dataclass
class Rendered:
    """What a PDF render produced: its page count, WeasyPrint's warnings (CSS it ignored, missing glyphs),
    the font subsetter it used and the text libraries it drew with."""

    pages: int
    warnings: list[str]
    subsetter: str = ""
    engine: TextEngine | None = None


# WeasyPrint says so on its logger, for each font, when it subsets with fontTools (weasyprint/pdf/fonts.py);
# tests/test_fresh_machine.py checks that this message is still in WeasyPrint's source.
FONTTOOLS_FALLBACK = "Using fontTools instead of HarfBuzz-Subset"


class _Collect(logging.Handler):
    """WeasyPrint's warnings, and which subsetter it used: fontTools if it said so, else HarfBuzz."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.messages = messages
        self.subsetter = "HarfBuzz"

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith(FONTTOOLS_FALLBACK):
            self.subsetter = "fontTools"  # a fact for the build log, not a warning about the booklet
        else:
            self.messages.append(message)


@contextmanager
def _collector_paused(unfreeze: bool = True) -> Iterator[None]:
    """Pause CPython's cycle collector while WeasyPrint lays out and writes.

    The layout makes millions of boxes that live until the PDF is written, and every full collection
    rescans them all, and the build's own tables with them: 10-25 % of the layout time here, for no
    garbage (peak RSS grows by about 6 %). Objects made before are frozen, so later collections skip them.
    With unfreeze=False they stay frozen afterwards, the new layout with them, so the stages run between
    the layout and the writing of the PDF (package, workbook) do not rescan it either.
    """
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        if unfreeze:
            gc.unfreeze()
        else:
            gc.freeze()
        gc.enable()


@contextmanager
def _interrupt_kept() -> Iterator[None]:
    """Ctrl-C during WeasyPrint always stops the build.

    WeasyPrint draws SVG images inside `except BaseException` (weasyprint/images.py): a Ctrl-C that
    lands there is logged as a failed image and the PDF is written without the chart. The interrupt
    is noted here and raised again when WeasyPrint returns. Only where Python's own handler is set:
    the helper process ignores Ctrl-C, and signal handlers belong to the main thread.
    """
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield
        return
    caught: list[int] = []

    def note(signum, frame) -> None:
        caught.append(signum)
        signal.default_int_handler(signum, frame)

    signal.signal(signal.SIGINT, note)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if caught:
        raise KeyboardInterrupt


@contextmanager
def _weasyprint(templates: Path, messages: list[str], unfreeze: bool = True) -> Iterator[_Collect]:
    """Around a WeasyPrint call: its warnings into `messages`, a file it cannot load as InputError, the collector paused."""
    from weasyprint.urls import FatalURLFetchingError

    collect = _Collect(messages)
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collect)
    logger.propagate = False
    try:
        with _collector_paused(unfreeze), _interrupt_kept():
            yield collect
    except FatalURLFetchingError as err:
        raise InputError(
            templates, f"a file the booklet needs cannot be loaded: {err.__cause__ or err}", hint="check report_templates/ (fonts, CSS)"
        ) from None
    finally:
        logger.removeHandler(collect)


@dataclass
class Layout:
    """A booklet laid out but not yet written: the build writes the tables' files while it waits."""

    document: object  # weasyprint.Document
    warnings: list[str]
    templates: Path


def lay_out(html: str, templates: Path = TEMPLATES) -> Layout:
    """Lay out and paginate report.html; the PDF is written by write_layout. Only files under report_templates/ are fetched."""
    from weasyprint import HTML

    from publish.templating import local_fetcher

    warnings: list[str] = []
    with _weasyprint(templates, warnings, unfreeze=False):
        document = HTML(string=html, base_url=templates.resolve().as_uri() + "/", url_fetcher=local_fetcher(templates)).render()
    return Layout(document, warnings, templates)


def write_layout(layout: Layout, pdf_path: Path, attachments: list[Path], date: str) -> Rendered:
    """Write a laid-out booklet as PDF/UA with the given files attached, dated by the data (never the clock)."""
    from weasyprint import Attachment

    from publish.templating import local_fetcher

    os.environ["SOURCE_DATE_EPOCH"] = source_date_epoch(date)
    stamp = datetime.fromisoformat(date).replace(tzinfo=UTC)
    fetcher = local_fetcher(layout.templates)
    engine = text_engine()
    metadata = layout.document.metadata  # the PDF's Creator and XMP CreatorTool name what its bytes depend on
    metadata.generator = f"{metadata.generator or 'publish'}; {engine}"
    with _weasyprint(layout.templates, layout.warnings) as collected:
        files = [
            Attachment(string=p.read_bytes(), name=p.name, description=p.name, url_fetcher=fetcher, created=stamp, modified=stamp)
            for p in attachments
        ]
        layout.document.write_pdf(pdf_path, pdf_variant="pdf/ua-1", attachments=files, pdf_identifier=date.encode(), uncompressed_pdf=False)
    return Rendered(len(layout.document.pages), layout.warnings, collected.subsetter, engine)


def write_pdf(html: str, pdf_path: Path, attachments: list[Path], date: str, templates: Path = TEMPLATES) -> Rendered:
    """Lay out and write in one go (a worker's job)."""
    return write_layout(lay_out(html, templates), pdf_path, attachments, date)


def write_imposed(html: str, a5_path: Path, target: Path, date: str, templates: Path = TEMPLATES) -> tuple[Rendered, int]:
    """A worker's A5 job: lay out and write the A5 pages, impose them two-up as `target`, remove them."""
    rendered = write_pdf(html, a5_path, [], date, templates)
    sides = impose_booklet(a5_path, target)
    a5_path.unlink()
    return rendered, sides


def impose_booklet(a5_pdf: Path, target: Path) -> int:
    """A5 pages two-up on A4 landscape in saddle-stitch order, padded with blanks to a multiple of 4.

    Each page is placed as a form XObject (pikepdf/qpdf), which leaves its content stream untouched:
    pypdf's merge parses every stream and took 23 s for 70 pages, this takes a fraction of a second.
    Returns the number of A4 sides.
    """
    import pikepdf

    with pikepdf.open(a5_pdf) as source, pikepdf.new() as sheets:
        width, height = (float(v) for v in source.pages[0].mediabox[2:])
        pages: list[int | None] = list(range(len(source.pages)))
        pages += [None] * (-len(pages) % 4)
        half = max(A4_LANDSCAPE[0] / 2, width)  # A5 is 148 mm wide, half an A4 sheet 148.5: centre it
        for left, right in imposition_order(len(pages)):
            sheet = sheets.add_blank_page(page_size=(2 * half, max(A4_LANDSCAPE[1], height)))
            for slot, index in enumerate((left, right)):
                if pages[index] is None:
                    continue
                # add_overlay names the XObject at random; a fixed name keeps the file byte-identical
                form = sheets.copy_foreign(source.pages[pages[index]].as_form_xobject())
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
        return len(sheets.pages)


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
