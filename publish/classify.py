"""Stage 4: every pledge gets a topic (the booklet chapter it is printed in) and maybe a second one.

The chapter is the pledge_topics row of rank 1, and `chapters` writes it into the pledges table's
topic_id once: every later stage reads a pledge's chapter there.

Signals in order of strength: an editorial override; the parent's topic for sub-items; a heading on
the pledge's heading path that names a topic; the topic whose keyword lexicon matches most words,
with a broad heading ("Helse og omsorg") as the tie-breaker and the fallback.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from publish import schema
from publish.errors import InputError
from publish.inputs import Entry, Row, entries, read_csv, read_toml
from publish.outputs import SAFE_NAME
from publish.text import normalise, stem

TOPICS_NAME = "topics.toml"
# The project's municipal chapters, shipped in the package (seeds/topics.toml without the headings that
# name one place): a new municipality's seeds folder starts without a topics.toml of its own.
DEFAULT_TOPICS = Path(__file__).with_name("data") / TOPICS_NAME
OVERRIDES_NAME = "topic_overrides.csv"
COMPOUND_MIN = 5  # lexicon terms this long match inside compounds ("barnehage" in "barnehageopptak")
# What may follow a term inside a word for the word to be an inflection of it ("skolen", "bibliotekene").
INFLECTIONS = frozenset("e en er ene et a ar ane s ens ets ers enes n ne na r rs ns t ts".split())
# What, following a term inside a word, makes another word of it rather than a compound: a derivation
# ("skjerm" / "skjerming", "kultur" / "kulturell", "natur" / "naturlig", "politi" / "politikk").
DERIVATIONS = ("ing", "else", "het", "lig", "isk", "ell", "kk", "sjon", "ende", "ert")
COMPOUND_PART_MIN = 3  # letters of the other part of a compound ("idrett" + "slag")
# A pledge that no heading, keyword or override places goes to this last chapter: a new programme
# must build whole, and the warning lists every such pledge at once (one edit, one rebuild).
FALLBACK_TOPIC_ID = "andre-tema"


@dataclass(frozen=True)
class Topic:
    topic_id: str
    label: str
    description: str
    order: int
    parent_topic_id: str | None
    cap_major_code: int | None  # None only for the fallback chapter "Andre tema"
    cap_major_label: str | None
    headings: tuple[str, ...]
    broad_headings: tuple[str, ...]
    keywords: tuple[str, ...]
    reach: str = "municipal"  # "national": beyond a municipality's tasks, a chapter only when some pledge is placed there


@dataclass
class Taxonomy:
    topics: tuple[Topic, ...]
    heading_topic: dict[str, str] = field(default_factory=dict)
    broad_topic: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for topic in self.topics:
            self.heading_topic.update({normalise(h): topic.topic_id for h in topic.headings})
            self.broad_topic.update({normalise(h): topic.topic_id for h in topic.broad_headings})

    @property
    def ids(self) -> set[str]:
        return {t.topic_id for t in self.topics}


# The major topics of the Comparative Agendas Project's master codebook (there is no 11 or 22), by the
# Norwegian names the booklet prints: the codebook's English labels stay in the data.
CAP_MAJOR_TOPICS = {
    1: "Makroøkonomi",
    2: "Borgerrettigheter",
    3: "Helse",
    4: "Landbruk",
    5: "Arbeidsliv",
    6: "Utdanning",
    7: "Miljø",
    8: "Energi",
    9: "Innvandring",
    10: "Samferdsel",
    12: "Lov og orden",
    13: "Sosial velferd",
    14: "Bolig",
    15: "Næringsliv",
    16: "Forsvar",
    17: "Teknologi",
    18: "Utenrikshandel",
    19: "Utenrikspolitikk",
    20: "Offentlig forvaltning",
    21: "Offentlige arealer",
    23: "Kultur",
}
CAP_MAJOR_CODES = frozenset(CAP_MAJOR_TOPICS)
REACHES = ("municipal", "national")
TOPIC_KEYS = (
    "id",
    "label",
    "description",
    "order",
    "parent",
    "cap_major_code",
    "cap_major_label",
    "headings",
    "broad_headings",
    "keywords",
    "reach",
)


def taxonomy_path(seeds_dir: Path) -> Path:
    """The seeds' own topics.toml, else the project's municipal chapters (DEFAULT_TOPICS).

    A broken symlink counts as the seeds' own file: it is reported, not passed over.
    """
    own = seeds_dir / TOPICS_NAME
    return own if own.exists() or own.is_symlink() else DEFAULT_TOPICS


def load_taxonomy(seeds_dir: Path) -> Taxonomy:
    """Read and validate the chapters (taxonomy_path): every field type-checked, every error with its line."""
    path = taxonomy_path(seeds_dir)
    data, text = read_toml(path, seeds_dir if path.parent == seeds_dir else None)  # the seeds' own file stays inside them
    topics: list[Topic] = []
    for entry in entries(data, text, path, "topics", "topic"):
        topics.append(_topic(entry, topics))
    if not topics:
        raise InputError(path, "no [[topics]] entries")
    unknown_parents = {t.parent_topic_id for t in topics} - {t.topic_id for t in topics} - {None}
    if unknown_parents:
        raise InputError(path, f"unknown parent topic(s): {', '.join(sorted(unknown_parents))}")
    return Taxonomy(tuple(sorted(topics, key=lambda t: t.order)))


def _topic(entry: Entry, topics: list[Topic]) -> Topic:
    topic_id = entry.text("id")
    if not SAFE_NAME.fullmatch(topic_id):
        raise entry.error("id", f"id {topic_id[:70]!r} must be lower-case letters, digits and dashes (at most 64)", hint="it names a web page")
    entry.what = f"topic {topic_id!r}"
    entry.only(TOPIC_KEYS)
    if any(t.topic_id == topic_id for t in topics):
        raise entry.error("id", f"duplicate topic id {topic_id!r}")
    order = entry.integer("order", allowed=range(1, 10_000))
    clash = next((t for t in topics if t.order == order), None)
    if clash:
        raise entry.error("order", f"order {order} is also topic {clash.topic_id!r}'s", hint="each chapter needs its own place")
    code = entry.integer("cap_major_code")
    if code not in CAP_MAJOR_CODES:
        raise entry.error("cap_major_code", f"cap_major_code {code} is not a CAP major topic", hint="major topics are 1–10, 12–21 and 23")
    return Topic(
        topic_id=topic_id,
        label=entry.text("label", empty=False),
        description=entry.text("description"),
        order=order,
        parent_topic_id=entry.text("parent", "") or None,
        cap_major_code=code,
        cap_major_label=entry.text("cap_major_label", empty=False),
        headings=entry.texts("headings"),
        broad_headings=entry.texts("broad_headings"),
        keywords=tuple(k.casefold() for k in entry.texts("keywords")),
        reach=entry.choice("reach", REACHES, "municipal"),
    )


OVERRIDE_COLUMNS = ("pledge_id", "topic_id", "reason")


@dataclass(frozen=True)
class Override:
    pledge_id: str
    topic_id: str
    reason: str
    line: int = 0  # where the row stands in its file (a sheet's row for `publish review --apply`)


def load_overrides(seeds_dir: Path, pledge_ids: set[str], topic_ids: set[str]) -> dict[str, Override]:
    """Read seeds/topic_overrides.csv: a pledge's chapter set by hand."""
    path = seeds_dir / OVERRIDES_NAME
    if not path.exists() and not path.is_symlink():  # a link that leads nowhere is named, not skipped
        return {}
    return override_rows(path, read_csv(path, OVERRIDE_COLUMNS, seeds_dir), pledge_ids, topic_ids)


def override_rows(path: Path | str, rows: list[Row], pledge_ids: set[str], topic_ids: set[str]) -> dict[str, Override]:
    """Validate the rows of an overrides file (or a review sheet's): an unknown pledge or topic, or a
    pledge named twice, is an error with its line."""
    overrides: dict[str, Override] = {}
    for row in rows:
        pledge_id, topic_id = row.values["pledge_id"], row.values["topic_id"]
        if pledge_id not in pledge_ids:
            raise InputError(path, f"unknown pledge {pledge_id!r}", line=row.line, hint="ids are in datapackage/data/pledges.csv")
        if topic_id not in topic_ids:
            raise InputError(path, f"unknown topic {topic_id!r}", line=row.line, hint=f"topics: {', '.join(sorted(topic_ids))}")
        if pledge_id in overrides:
            raise InputError(
                path,
                f"pledge {pledge_id!r} is overridden twice (also on line {overrides[pledge_id].line})",
                line=row.line,
                hint="keep one row per pledge",
            )
        overrides[pledge_id] = Override(pledge_id, topic_id, row.values["reason"], row.line)
    return overrides


class Lexicon:
    """Counts, per topic, how many of its terms a text contains."""

    def __init__(self, topics: tuple[Topic, ...]):
        # Each term prepared once: a phrase (padded), a compound part, or a short word and its stem.
        self.phrases = [(t.topic_id, f" {normalise(k)} ") for t in topics for k in t.keywords if " " in k or "-" in k]
        self.parts = [(t.topic_id, k) for t in topics for k in t.keywords if " " not in k and "-" not in k and len(k) >= COMPOUND_MIN]
        self.words = [
            (t.topic_id, k, stem(k)) for t in topics for k in t.keywords if " " not in k and "-" not in k and len(k) < COMPOUND_MIN
        ]

    def scores(self, text: str) -> dict[str, int]:
        norm = normalise(text)
        padded = f" {norm} "
        tokens = set(norm.split())
        stems = {stem(token) for token in tokens}
        counts: dict[str, int] = {}
        hits = [t for t, phrase in self.phrases if phrase in padded]
        hits += [t for t, part in self.parts if part in norm and any(compound_match(part, token) for token in tokens)]
        hits += [t for t, word, word_stem in self.words if word in tokens or word_stem in stems]
        for topic_id in hits:
            counts[topic_id] = counts.get(topic_id, 0) + 1
        return counts


def compound_match(term: str, word: str) -> bool:
    """True when `word` is `term` inflected, or a compound with `term` as one of its parts: the term at a
    word boundary or a compound seam, never followed by a derivation.

    >>> compound_match("barnehage", "barnehageopptak"), compound_match("skole", "grunnskolen"), compound_match("helse", "skolehelsetjenesten")
    (True, True, True)
    >>> compound_match("skjerm", "skjerming"), compound_match("politi", "politikken"), compound_match("kultur", "kulturelle")
    (False, False, False)
    """
    start = word.find(term)
    while start >= 0:
        before, after = word[:start], word[start + len(term) :]
        seam = not before or len(before) >= COMPOUND_PART_MIN
        ending = after in INFLECTIONS or after == "" or (len(after) >= COMPOUND_PART_MIN and not after.startswith(DERIVATIONS))
        if seam and ending:
            return True
        start = word.find(term, start + 1)
    return False


@dataclass
class _Choice:
    topic_id: str
    method: str
    score: float


def classify(pledges: pl.DataFrame, sections: pl.DataFrame, taxonomy: Taxonomy, overrides: dict[str, Override]) -> pl.DataFrame:
    """The pledge_topics table: rank 1 for every pledge, rank 2 where another topic's words stand out."""
    paths = _section_paths(sections)
    lexicon = Lexicon(taxonomy.topics)
    order = {t.topic_id: t.order for t in taxonomy.topics}
    # A national chapter takes a pledge no municipal chapter takes; it is never a municipal pledge's second topic.
    national = {t.topic_id for t in taxonomy.topics if t.reach == "national"}
    chosen: dict[str, _Choice] = {}
    rows: list[dict] = []
    # parents before their children (at any depth), so a sub-item can follow its parent
    for pledge in sorted(pledges.iter_rows(named=True), key=_by_depth(pledges)):
        scores = lexicon.scores(pledge["text"])
        choice = _rank_one(pledge, paths.get(pledge["section_id"], []), scores, taxonomy, overrides, chosen, order)
        chosen[pledge["pledge_id"]] = choice
        rows.append(
            {"pledge_id": pledge["pledge_id"], "topic_id": choice.topic_id, "rank": 1, "method": choice.method, "score": choice.score}
        )
        second = _rank_two({t: n for t, n in scores.items() if t not in national}, choice.topic_id, order)
        if second:
            rows.append(
                {"pledge_id": pledge["pledge_id"], "topic_id": second.topic_id, "rank": 2, "method": "keyword", "score": second.score}
            )
    frame = pl.DataFrame(rows, schema=schema.PLEDGE_TOPICS.polars_schema())
    return schema.conform(frame, schema.PLEDGE_TOPICS)


def _rank_one(pledge, path, scores, taxonomy, overrides, chosen, order) -> _Choice:
    override = overrides.get(pledge["pledge_id"])
    if override:
        return _Choice(override.topic_id, "override", 1.0)
    parent = pledge["parent_pledge_id"]
    if parent and parent in chosen:
        return _Choice(chosen[parent].topic_id, "parent", chosen[parent].score)
    for depth, title in enumerate(path):
        topic_id = taxonomy.heading_topic.get(title)
        if topic_id:
            return _Choice(topic_id, "heading", 1.0 if depth == 0 else 0.9)
    prior = next((taxonomy.broad_topic[t] for t in path if t in taxonomy.broad_topic), None)
    if scores:
        best = max(scores.values())
        leaders = sorted((t for t, s in scores.items() if s == best), key=lambda t: (t != prior, order[t]))
        return _Choice(leaders[0], "keyword", round(best / sum(scores.values()), 3))
    if prior:
        return _Choice(prior, "heading", 0.5)
    return _Choice(FALLBACK_TOPIC_ID, "fallback", 0.0)


def _by_depth(pledges: pl.DataFrame):
    """A sort key: how many parents a pledge has, then its id."""
    parent = dict(pledges.select("pledge_id", "parent_pledge_id").iter_rows())

    def depth(pledge_id: str) -> int:
        count, current = 0, parent.get(pledge_id)
        while current is not None and count < len(parent):
            count, current = count + 1, parent.get(current)
        return count

    return lambda row: (depth(row["pledge_id"]), row["pledge_id"])


def _rank_two(scores: dict[str, int], first: str, order: dict[str, int]) -> _Choice | None:
    others = {t: s for t, s in scores.items() if t != first}
    if not others:
        return None
    best = max(others.values())
    topic_id = min((t for t, s in others.items() if s == best), key=lambda t: order[t])
    return _Choice(topic_id, "keyword", round(best / sum(scores.values()), 3))


def _section_paths(sections: pl.DataFrame) -> dict[str, list[str]]:
    """Each section's normalised titles from itself up to its chapter (deepest first), as the taxonomy keys them."""
    by_id = {r["section_id"]: r for r in sections.iter_rows(named=True)}
    paths: dict[str, list[str]] = {}
    for section_id in by_id:
        path, current = [], section_id
        while current:
            path.append(normalise(by_id[current]["title"]))
            current = by_id[current]["parent_section_id"]
        paths[section_id] = path
    return paths


def fallback_topic(taxonomy: Taxonomy) -> Topic:
    """The "Andre tema" chapter, after every chapter of the taxonomy; it has no CAP major topic."""
    return Topic(
        topic_id=FALLBACK_TOPIC_ID,
        label="Andre tema",
        description="Løfter som verken overskriften de står under, ordlisten eller et redaksjonelt valg knytter til et annet kapittel.",
        order=max(t.order for t in taxonomy.topics) + 1,
        parent_topic_id=None,
        cap_major_code=None,
        cap_major_label=None,
        headings=(),
        broad_headings=(),
        keywords=(),
    )


def chapters(pledges: pl.DataFrame, pledge_topics: pl.DataFrame) -> pl.DataFrame:
    """The pledges with their chapter (the rank-1 topic) in topic_id: read here once, for every later stage."""
    chapter = pledge_topics.filter(pl.col("rank") == 1).select("pledge_id", "topic_id")
    return schema.conform(pledges.drop("topic_id").join(chapter, on="pledge_id", how="left"), schema.PLEDGES)


def unplaced(pledge_topics: pl.DataFrame) -> pl.DataFrame:
    """The pledges that fell to "Andre tema", for the build's warning."""
    return pledge_topics.filter((pl.col("rank") == 1) & (pl.col("method") == "fallback"))


def topics_frame(taxonomy: Taxonomy, pledge_topics: pl.DataFrame | None = None) -> pl.DataFrame:
    """The topics table; "Andre tema" and the national chapters are in it only when some pledge is."""
    used = set(pledge_topics["topic_id"]) if pledge_topics is not None else set()
    topics = [t for t in taxonomy.topics if t.reach == "municipal" or t.topic_id in used]
    if pledge_topics is not None and unplaced(pledge_topics).height and FALLBACK_TOPIC_ID not in taxonomy.ids:
        topics.append(fallback_topic(taxonomy))  # a taxonomy may define "andre-tema" itself
    rows = [
        {
            "topic_id": t.topic_id,
            "label": t.label,
            "description": t.description,
            "order": t.order,
            "parent_topic_id": t.parent_topic_id,
            "cap_major_code": t.cap_major_code,
            "cap_major_label": t.cap_major_label,
        }
        for t in topics
    ]
    return schema.conform(pl.DataFrame(rows, schema=schema.TOPICS.polars_schema()), schema.TOPICS)
