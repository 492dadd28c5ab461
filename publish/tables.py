"""Stage 3: extracted items -> the contract's polars tables, with stable ids and merged duplicates.

The same pledge printed twice (in a programme and on a web page, or twice in one programme)
becomes one row in `pledges` and one row per place in `pledge_sources`.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import polars as pl
from rapidfuzz import fuzz, process

from publish import schema
from publish.errors import InputError
from publish.extract import Extraction, Item
from publish.garbled import garbled_words
from publish.sources import Corpus, Document
from publish.text import content_stems, normalise

# Two texts of one actor are one pledge when their rapidfuzz ratio (on normalised text) is at least
# this AND every content word of the shorter one (by stem) stands in the longer one. Chosen by reading
# every pair of the seeds above 70 (docs/method.md, "Duplicates"): the ratio alone would merge "voksne som jobber
# i barnehagene" with "... i skolene" (92.9) but not "Innføre søskenmoderasjon (for familier) på tvers
# av barnehage og SFO" (89.1); the stem-subset test tells the two apart.
NEAR_DUPLICATE_RATIO = 85.0
# The longest pledge: measured, the seeds' longest has 540 characters (Rødt, frivillighet) and the
# development corpus's 1,042 (../shared/corpus, 17 texts); 5,000 is about five times that, far below a
# workbook cell's 32,767, and stops a list whose end the layout missed (one "pledge" of a whole text).
MAX_PLEDGE_CHARS = 5_000
# Whitespace control characters a text may still hold (tab, vertical tab, form feed: a page break) never
# reach a table cell; sources.decode_text has removed every other control character.
_CONTROL_SPACE = re.compile(r"[\t\x0b\x0c]")
# What makes two otherwise alike texts two pledges, however high their ratio: "Bygge 100 nye boliger" and
# "Bygge 1000 nye boliger" (ratio 97.6), "innen 2020" and "innen 2025", "i mars" and "i mai", "Bygge
# bomstasjoner" and "Bygge ikke bomstasjoner" (a stopword, so the stem test misses it). Texts merge only
# with the same numbers, months and negations (`_Candidate.key`), and with no name (a capitalised word
# not at a sentence's start) in one that the other lacks. A name of the actor or of its comparison
# group's place is no such name: "kyststi i Bærum kommune" in Bærum Arbeiderparti's programme says what
# "kyststi" says there. On the seeds this rule keeps all 7 near merges; on the corpus it undoes 3 of
# 21 (docs/bounds.md): "innen 2020"/"innen 2025", a street added to a list of streets, a heading glued on.
_MONTHS = frozenset("januar februar mars april mai juni juli august september oktober november desember".split())
_NEGATIONS = frozenset("ikke ikkje ingen aldri nei".split())
_CAPITALISED = re.compile(r"\b[A-ZÆØÅ][\w-]*")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+)[\W_]*(?=\w)")


def near_duplicate_score(a: str, b: str) -> float | None:
    """The ratio of two texts if they are near-identical versions of one pledge, else None.

    >>> near_duplicate_score("At Fornebubanen ferdigstilles.", "Sørge for at Fornebubanen ferdigstilles.")
    85.3
    >>> near_duplicate_score("At alle voksne som jobber i barnehagene skal ha kunnskap om overgrep.",
    ...                      "At alle voksne som jobber i skolene skal ha kunnskap om overgrep.") is None
    True
    >>> near_duplicate_score("Bygge 100 nye boliger.", "Bygge 1000 nye boliger.") is None
    True
    """
    first, second = _Candidate(a), _Candidate(b)
    if first.key != second.key:
        return None
    known = _Known()
    known.add(first, "a")
    match = known.best(second)
    return match[1] if match else None


def names(text: str, context: frozenset[str] = frozenset()) -> frozenset[str]:
    """The capitalised words of a text that stand not at a sentence's start, normalised, less `context`.

    >>> sorted(names("Gjøre Gladengveien og Ensjøveien tryggere. Bygge NAV-kontor i Bærum.", frozenset({"bærum"})))
    ['ensjøveien', 'gladengveien', 'kontor', 'nav']
    """
    starts = {match.end() for match in _SENTENCE_START.finditer(text)}
    capitalised = [match.group() for match in _CAPITALISED.finditer(text) if match.start() not in starts]
    return frozenset(word for name in capitalised for word in normalise(name).split()) - context


class _Candidate:
    """A text prepared once for comparison: normalised, its content stems (rarest first), and what
    keeps it apart from alike texts: numbers, months and negations (`key`), and names."""

    def __init__(self, text: str, context: frozenset[str] = frozenset()):
        self.norm = normalise(text)
        self.stems = content_stems(self.norm)
        self.ordered = tuple(sorted(self.stems))
        words = self.norm.split()
        self.words = frozenset(words)
        self.key = (
            tuple(sorted({w for w in re.findall(r"\d+", self.norm)})),
            tuple(sorted(self.words & _MONTHS)),
            tuple(sorted(self.words & _NEGATIONS)),
        )
        self.names = names(text, context)

    def same_names(self, other: _Candidate) -> bool:
        """No name in one text that the other lacks (as a word, capitalised or not: "Fornebubanen skal …")."""
        return self.names <= other.words and other.names <= self.words

    def rank(self, frequency: Counter) -> None:
        """Any fixed order of stems would do for the index; rarest first (in fewest texts) keeps its sets small."""
        self.ordered = tuple(sorted(self.stems, key=lambda s: (frequency[s], s)))


class _Known:
    """Pledges seen so far for one (actor, kind, parent): exact lookup, then rapidfuzz over the few
    that can pass the stem test, found in an index instead of compared with every pledge so far.

    A known pledge can merge with a new text only if the shorter one's stems all stand in the longer,
    so only those whose stems hold all the new text's, or lie all among them, are compared: the same
    stems (`same_stems`); more stems, holding all the new text's (`containing`, a set per stem and
    number of stems, intersected rarest first for each larger number); fewer stems, all among the new
    text's (one fewer: the new text's stems less one, looked up in `same_stems`; more fewer: `keyed` by
    their two rarest stems and their number, then checked). Kept apart by number,
    texts alike but for a word of a small vocabulary meet only those that can merge with them (R01).
    A new text without any stem is the shorter of every pair, so it looks at every pledge of a length
    that a ratio of 85 allows. The merges are the same as when comparing with all known pledges
    (tests/test_bad_input.py compares the two), for a fraction of the work: 10,000 bullets 0.6 s
    instead of 6 s, 100,000 in seconds instead of more than ten minutes.
    """

    def __init__(self) -> None:
        self.candidates: list[_Candidate] = []
        self.norms: list[str] = []  # the candidates' normalised texts, for rapidfuzz's batch search
        self.ids: list[str] = []
        self.exact: dict[str, str] = {}
        self.same_stems: dict[frozenset[str], list[int]] = defaultdict(list)
        self.containing: dict[tuple[str, int], set[int]] = defaultdict(set)  # (stem, number of stems) -> known texts
        self.stem_counts: set[int] = set()
        # two rarest stems -> number of stems -> known texts
        self.keyed: dict[tuple[str, ...], dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
        self.by_length: dict[int, list[int]] = defaultdict(list)  # for new texts without stems

    def add(self, candidate: _Candidate, pledge_id: str) -> None:
        index = len(self.candidates)
        self.candidates.append(candidate)
        self.norms.append(candidate.norm)
        self.ids.append(pledge_id)
        self.exact.setdefault(candidate.norm, pledge_id)
        self.same_stems[candidate.stems].append(index)
        self.stem_counts.add(len(candidate.stems))
        for stem in candidate.stems:
            self.containing[stem, len(candidate.stems)].add(index)
        self.keyed[candidate.ordered[:2]][len(candidate.stems)].append(index)
        self.by_length[len(candidate.norm)].append(index)

    def _pool(self, candidate: _Candidate) -> list[int]:
        """Every known pledge that could pass the stem test with `candidate`, in the order they came."""
        ordered = candidate.ordered
        if not ordered:
            longest = int(len(candidate.norm) * (200 - NEAR_DUPLICATE_RATIO) / NEAR_DUPLICATE_RATIO) + 1
            pool = {i for n in range(len(candidate.norm), longest + 1) for i in self.by_length.get(n, ())}
        else:
            pool = set(self.same_stems.get(candidate.stems, ()))
            for count in self.stem_counts:
                if count > len(ordered):
                    pool |= self._holding(ordered, count)
            for stem in ordered:  # one stem fewer: exactly the new text's stems less one
                pool.update(self.same_stems.get(candidate.stems - {stem}, ()))
        within: set[int] = set()  # known texts with at least two stems fewer, whose two rarest it holds
        for key in [()] + [(first,) for first in ordered] + list(combinations(ordered, 2)):
            for count, indexes in self.keyed.get(key, {}).items():
                if count < len(ordered) - 1 or not key:
                    within.update(indexes)
        pool.update(i for i in within if self.candidates[i].stems <= candidate.stems)
        return sorted(pool)

    def _holding(self, ordered: tuple[str, ...], count: int) -> set[int]:
        """The known texts of `count` stems that hold all these stems (rarest first: the first sets are small)."""
        found = self.containing.get((ordered[0], count), set())
        for stem in ordered[1:]:
            if not found:
                break
            found = found & self.containing.get((stem, count), set())
        return set(found)

    def best(self, candidate: _Candidate) -> tuple[str, float] | None:
        """The id and ratio of the closest known pledge that this text merely rewords."""
        if candidate.norm in self.exact:
            return self.exact[candidate.norm], 100.0
        pool = self._pool(candidate)
        norms = [self.norms[i] for i in pool]
        hits = process.extract(candidate.norm, norms, scorer=fuzz.ratio, score_cutoff=NEAR_DUPLICATE_RATIO, limit=None)
        for _, score, at in sorted(hits, key=lambda hit: (-hit[1], pool[hit[2]])):
            index = pool[at]
            shorter, longer = sorted((candidate, self.candidates[index]), key=lambda c: len(c.norm))
            if shorter.stems <= longer.stems and candidate.same_names(self.candidates[index]):
                return self.ids[index], round(score, 1)
        return None


def stable_id(actor_id: str, *parts: str) -> str:
    """A pledge id from its actor and normalised text: a rebuild or an edit elsewhere keeps it.

    >>> stable_id("ap", "Øke grunnbemanningen.") == stable_id("ap", "øke  grunnbemanningen")
    True
    >>> len(stable_id("ap", "Øke grunnbemanningen.")), stable_id("r", "x").startswith("r-")
    (13, True)
    """
    digest = hashlib.sha1("\x1f".join(normalise(p) for p in parts).encode("utf-8")).hexdigest()
    return f"{actor_id}-{digest[:10]}"


def unique_id(actor_id: str, kind: str, texts: list[str], taken: set[str]) -> str:
    """The stable id of a new pledge, never one already given: a collision is impossible, not an error.

    The same words as a pledge in one place and as context in another are two rows: the second is
    named by its kind too. Should even that be taken (two different texts whose hashes share ten
    digits), a counter follows, in manifest and line order, so the build stays deterministic.

    >>> taken = set()
    >>> first = unique_id("ap", "pledge", ["Øke grunnbemanningen."], taken)
    >>> second = unique_id("ap", "context", ["Øke grunnbemanningen."], taken)
    >>> first == stable_id("ap", "Øke grunnbemanningen."), second != first, len(taken)
    (True, True, 2)
    """
    pledge_id = stable_id(actor_id, *texts)
    if pledge_id in taken:
        pledge_id = stable_id(actor_id, *texts, kind)
    base, count = pledge_id, 1
    while pledge_id in taken:
        count += 1
        pledge_id = f"{base}-{count}"
    taken.add(pledge_id)
    return pledge_id


@dataclass
class _Source:
    """One extracted item placed in its document, before duplicates are merged."""

    document: Document
    item: Item
    section_id: str | None
    parent: _Source | None
    text: str
    pledge_id: str = ""
    match: str = "first"
    similarity: float = 100.0


def section_rows(document: Document, extraction: Extraction) -> list[dict]:
    """Rows of `sections` for one document; ids derive from the heading path, not line numbers.

    Items before any heading (a text without headings) stand in a last section named after the document.
    """
    rows: list[dict] = []
    seen: dict[str, int] = {}

    def row(path: list[str], parent: str | None, level: int, line: int) -> dict:
        base = f"{document.document_id}-s" + hashlib.sha1("\x1f".join(path).encode("utf-8")).hexdigest()[:8]
        seen[base] = seen.get(base, 0) + 1
        section_id = base if seen[base] == 1 else f"{base}-{seen[base]}"
        return {
            "section_id": section_id,
            "document_id": document.document_id,
            "parent_section_id": parent,
            "title": _CONTROL_SPACE.sub(" ", path[-1]),
            "level": level,
            "line_start": line,
        }

    for heading in extraction.headings:
        parent = rows[heading.parent]["section_id"] if heading.parent is not None else None
        rows.append(row(_heading_path(extraction, heading), parent, heading.level, heading.line))
    if any(item.section is None for item in extraction.items):
        rows.append(row([document.title], None, 1, 1))
    return rows


def _heading_path(extraction: Extraction, heading) -> list[str]:
    path = [heading.title]
    parent = heading.parent
    while parent is not None:
        path.insert(0, extraction.headings[parent].title)
        parent = extraction.headings[parent].parent
    return path


def build_tables(corpus: Corpus, extractions: dict[str, Extraction]) -> dict[str, pl.DataFrame]:
    """All foundation tables, and the comparison groups, from the corpus and its extractions."""
    sections: list[dict] = []
    sources: list[_Source] = []
    for document in corpus.documents:
        extraction = extractions[document.document_id]
        rows = section_rows(document, extraction)
        sections.extend(rows)
        sources.extend(_place_items(document, extraction, [r["section_id"] for r in rows], corpus.seeds_dir))
    _assign_pledges(sources, _context_words(corpus))
    return {
        "actors": _actors_frame(corpus),
        "documents": _documents_frame(corpus, extractions),
        "sections": schema.conform(pl.DataFrame(sections, schema=schema.SECTIONS.polars_schema()), schema.SECTIONS),
        "pledges": _pledges_frame(sources),
        "pledge_sources": _sources_frame(sources),
        "groups": groups_frame(corpus),
    }


def _place_items(document: Document, extraction: Extraction, section_ids: list[str], seeds_dir: Path) -> list[_Source]:
    placed: list[_Source] = []
    for item in extraction.items:
        if len(item.text) > MAX_PLEDGE_CHARS:
            raise InputError(
                seeds_dir / document.source_file,
                f"a list item of {len(item.text):,} characters; a pledge has at most {MAX_PLEDGE_CHARS:,}",
                line=item.lines[0].number,
                hint="a list marker or the end of the list is probably missing here",
            )
        parent = placed[item.parent] if item.parent is not None else None
        section_id = section_ids[item.section] if item.section is not None else section_ids[-1]  # the document's own section
        placed.append(_Source(document, item, section_id, parent, _CONTROL_SPACE.sub(" ", item.text)))
    return placed


def _context_words(corpus: Corpus) -> dict[str, frozenset[str]]:
    """Each actor's own name and its group's place, as words: names its texts may add or leave out."""
    places = {group.group_id: group.name for group in corpus.groups}
    return {a.actor_id: frozenset(normalise(f"{a.name} {places.get(a.group, '')}").split()) for a in corpus.actors}


def _assign_pledges(sources: list[_Source], context: dict[str, frozenset[str]] | None = None) -> None:
    """Give each source its pledge id, merging exact and near-identical texts of one actor (`context`:
    the words of each actor's name and place, `_context_words`)."""
    context = context or {}
    canon: dict[tuple, _Known] = {}  # (actor, kind, parent id, numbers, months, negations) -> pledges so far
    taken: set[str] = set()
    candidates = [_Candidate(source.text, context.get(source.document.actor_id, frozenset())) for source in sources]
    frequency = Counter(stem for candidate in candidates for stem in candidate.stems)
    for candidate in candidates:
        candidate.rank(frequency)
    for source, candidate in zip(sources, candidates, strict=True):  # manifest order, then line order: the first place counts
        actor = source.document.actor_id
        parent_id = source.parent.pledge_id if source.parent else ""
        known = canon.setdefault((actor, source.item.kind, parent_id, candidate.key), _Known())
        match = known.best(candidate)
        if match is None:
            source.pledge_id = unique_id(actor, source.item.kind, _parent_texts(source) + [source.text], taken)
            known.add(candidate, source.pledge_id)
        else:
            source.pledge_id, source.similarity = match
            source.match = "exact" if source.similarity == 100.0 else "near"


def _parent_texts(source: _Source) -> list[str]:
    """Sub-items are named by their parent's text too ("Bli lærerkandidat." means little alone)."""
    texts: list[str] = []
    parent = source.parent
    while parent is not None:
        texts.insert(0, parent.text)
        parent = parent.parent
    return texts


def _pledges_frame(sources: list[_Source]) -> pl.DataFrame:
    firsts = [s for s in sources if s.match == "first"]
    counts: dict[str, int] = {}
    for source in sources:
        counts[source.pledge_id] = counts.get(source.pledge_id, 0) + 1
    rows = [
        {
            "pledge_id": s.pledge_id,
            "actor_id": s.document.actor_id,
            "document_id": s.document.document_id,
            "section_id": s.section_id,
            "parent_pledge_id": s.parent.pledge_id if s.parent else None,
            "kind": s.item.kind,
            "text": s.text,
            "line_start": s.item.lines[0].number,
            "line_end": s.item.lines[-1].number,
            "source_count": counts[s.pledge_id],
            "topic_id": None,  # the chapter, set where the topics are classified (classify.chapters)
            "garbled_words": " ".join(garbled_words(s.text)) or None,
            "source_kind": s.item.source,
        }
        for s in firsts
    ]
    return schema.conform(pl.DataFrame(rows, schema=schema.PLEDGES.polars_schema()), schema.PLEDGES)


def _sources_frame(sources: list[_Source]) -> pl.DataFrame:
    rows = [
        {
            "pledge_id": s.pledge_id,
            "document_id": s.document.document_id,
            "section_id": s.section_id,
            "line_start": s.item.lines[0].number,
            "line_end": s.item.lines[-1].number,
            "printed_line_start": s.item.lines[0].printed,
            "printed_line_end": s.item.lines[-1].printed,
            "text": s.text,
            "match": s.match,
            "similarity": s.similarity,
            **_pages(s.document, s.item.lines[0].number),
        }
        for s in sources
    ]
    return schema.conform(pl.DataFrame(rows, schema=schema.PLEDGE_SOURCES.polars_schema()), schema.PLEDGE_SOURCES)


def _pages(document: Document, line: int) -> dict:
    """The PDF page a physical line stands on, and that page's number as printed (None for a text file)."""
    if not document.line_pages:
        return {"pdf_page": None, "printed_page": None}
    page = document.line_pages[line - 1]
    return {"pdf_page": page, "printed_page": document.printed_pages[page - 1] or None}


def _actors_frame(corpus: Corpus) -> pl.DataFrame:
    rows = [
        {"actor_id": a.actor_id, "name": a.name, "short_name": a.short_name, "kind": a.kind, "color": a.color, "comparison_group": a.group}
        for a in corpus.actors
    ]
    return schema.conform(pl.DataFrame(rows, schema=schema.ACTORS.polars_schema()), schema.ACTORS)


def groups_frame(corpus: Corpus) -> pl.DataFrame:
    """The manifest's [[groups]], or the groups derived from the actors when it has none (sources.load_corpus)."""
    rows = [{"group_id": g.group_id, "name": g.name, "title": g.title, "subtitle": g.subtitle} for g in corpus.groups]
    return schema.conform(pl.DataFrame(rows, schema=schema.GROUPS.polars_schema()), schema.GROUPS)


def _documents_frame(corpus: Corpus, extractions: dict[str, Extraction]) -> pl.DataFrame:
    rows = [
        {
            "document_id": d.document_id,
            "actor_id": d.actor_id,
            "title": d.title,
            "short_title": d.short_title,
            "kind": d.kind,
            "period": d.period or None,
            "source_file": f"{corpus.seeds_dir.resolve().name}/{d.source_file}",  # the folder's name: no local path is published
            "sha256": d.sha256,
            "url": d.url or None,
            "layout": d.layout,
            "rights": d.rights,
            "line_count": len(d.lines),
            "layout_detected": extractions[d.document_id].layout.describe(),
        }
        for d in corpus.documents
    ]
    return schema.conform(pl.DataFrame(rows, schema=schema.DOCUMENTS.polars_schema()), schema.DOCUMENTS)
