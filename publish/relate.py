"""Stage 5: pairs of pledges from different actors that want the same thing, or opposite things.

Similarity survives inflection and compounds: TF-IDF over Norwegian word stems plus TF-IDF over
character 4-5-grams, per comparison group; and other words for one matter: the e5 cosine of the two
texts (publish/semantic.py). Each pledge's nearest pledges of every other actor, by words and by
meaning, are candidates; a logistic regression learnt from hand labels (relation_model.json,
bench/train_relations.py) weighs them, and only the two most probable partners per pledge and other
actor are kept, so a reader sees a handful of strong links, not a web of weak ones. Stance: a pair
disagrees when one side opposes what the other wants ("Ikke innføre eiendomsskatt" / "Gå inn for en
eiendomsskatt"). Only the printed tier (Model.printed) is marked in the booklet; the rest is data.
seeds/relations.csv confirms, relabels or removes pairs.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import polars as pl
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from publish import schema
from publish.classify import FALLBACK_TOPIC_ID
from publish.errors import InputError
from publish.inputs import Row, read_csv
from publish.nynorsk import compared_texts, nynorsk_documents
from publish.semantic import Embeddings
from publish.text import STOPWORDS, content_stems, normalise, stem, written_form

RELATIONS_NAME = "relations.csv"
RELATED_KINDS = ("pledge", "sub_pledge", "strategy", "goal")
DISAGREE_MIN = 0.10  # raw cosine for an opposite stance on a shared word to count (and a candidate at all)
TOP_K = 3  # candidates scored per pledge and per other actor (the hand-labelled pool was drawn the same way)
SHOWN_K = 2  # relations kept per pledge and per other actor
MODEL_PATH = Path(__file__).with_name("relation_model.json")
CHUNK = 2048  # rows of the similarity matrix computed at a time: memory grows with one block, not the square

# Words that turn the next words against something ("Stanse utbyggingen av ny E-18"): a pledge's
# polarity on what follows. Prohibition and refusal count alike, so "Forby bunntråling" and "Forbud mot
# bunntråling" (or "Nei til bompenger" and "Mot bompenger") take the same side, and agree.
OPPOSITION_CUES = (
    "ikke",
    "ikkje",
    "bekjempe",
    "forebygge",
    "motvirke",
    "hindre",
    "nei til",
    "stanse",
    "stans",
    "stoppe",
    "stopp",
    "avvikle",
    "avskaffe",
    "motsette seg",
    "motarbeide",
    "unngå",
    "forby",
    "forbud",
    "forbod",
    "mot",
    "ingen",
    "ulovlig",
    "ulovlige",
)
# Words that never name what a pledge is for or against: the issue a disagreement names is a content
# word, never an auxiliary, a pronoun or a quantifier ("motsatt standpunkt om: er" said nothing).
FUNCTION_WORDS = frozenset(
    stem(w)
    for w in """er var ble blir bli være vere vært har hadde ha kan kunne må måtte bør burde får få fikk gjør gjøre gjort
    også òg så enn alle andre både hver hvert noen noe mange flest her dem oss deres hans hennes man ja nei da dersom
    derfor fortsatt fortsette lenger igjen bare kun eller videre""".split()
)
# A cue before these protects or qualifies rather than opposes ("Ingen nedbygging", "ikke bare inn til Oslo"):
# Norwegian words of loss and of restriction, a small lexicon of the language, not of one programme.
PROTECTIVE_TARGETS = frozenset(stem(w) for w in ("nedbygging", "færre", "mindre", "forsøpling", "bare", "kun"))
# The object of a cue ends at a preposition or a subordinating word: "fjerne ulovlige tiltak | i strandsonen";
# "og" and "eller" join what is opposed ("bekjempe rasisme og diskriminering" opposes both).
_OBJECT_END = frozenset("i på for til med fra ved når som slik men samt hvor der".split())
_CLAUSE = re.compile(r"[.;:!?(),–]")
# Verbs and words every programme uses; left out of the comparison so that pairs meet on their subject.
# The names of a group's actors (its place, its parties) are left out too, group by group (`name_stems`).
GENERIC = frozenset(
    stem(w)
    for w in """styrke sikre tilby jobbe arbeide kommunen kommune kommunal kommunale må alle hele flere bedre øke
    økt legge gjøre ha gi få være bør kunne tilrettelegge rette videreutvikle utvikle bidra sørge etablere innføre
    satse god gode godt mer større egen nye ny dag bygge bygges drift drive drives driftes""".split()
)


@lru_cache(maxsize=1 << 18)
def opposed_objects(text: str) -> tuple[tuple[str, ...], ...]:
    """What a text speaks against: the stems of up to three content words after each opposition cue, within a clause.

    >>> opposed_objects("Ikke innføre eiendomsskatt.")
    (('eiendomsskatt',),)
    >>> opposed_objects("Jordvernet må styrkes. Ingen nedbygging av dyrket matjord.")
    ()
    >>> opposed_objects("Jobbe for å fjerne ulovlige tiltak i strandsonen.")
    (('tiltak',),)
    >>> opposed_objects("Styrke kollektivtilbudet internt i kommune, ikke bare inn til Oslo.")
    ()
    """
    padded = f" {normalise(text)} "
    if not any(f" {cue} " in padded for cue in OPPOSITION_CUES):
        return ()  # most pledges oppose nothing: skip the clause walk
    objects: list[tuple[str, ...]] = []
    for clause in _CLAUSE.split(re.sub(r"\bikke-", "ikke", text)):  # "ikke-kommersielle" is one word
        words = normalise(clause).split()
        for index in range(len(words)):
            cue = next((c for c in OPPOSITION_CUES if words[index : index + len(c.split())] == c.split()), None)
            if cue is not None and (taken := _object_of(words[index + len(cue.split()) :])):
                objects.append(tuple(taken))
    return tuple(dict.fromkeys(objects))


def opposed_stems(text: str) -> frozenset[str]:
    """Every stem a text speaks against (`opposed_objects`, flattened).

    >>> sorted(opposed_stems("Forbud mot bunntråling."))
    ['bunntråling']
    """
    return frozenset(s for words in opposed_objects(text) for s in words)


def _object_of(words: list[str]) -> list[str]:
    """Stems of the words a cue governs: up to three subject words, up to a preposition."""
    taken: list[str] = []
    for word in words:
        if word in _OBJECT_END or len(taken) == 3:
            break
        if word in STOPWORDS or stem(word) in GENERIC or stem(word) in FUNCTION_WORDS:
            continue
        if not taken and stem(word) in PROTECTIVE_TARGETS:
            return []
        taken.append(stem(word))
    return taken


def stance_conflict(a: str, b: str) -> frozenset[str]:
    """The stems on which one text opposes what the other wants (empty: no conflict).

    Same object, opposite polarity: at least half of what one side opposes (an object of
    `opposed_objects`, such as "utbygging av utenlandskabler") stands in the other, which does not oppose
    it too. One shared word of three ("mot marin forsøpling nasjonalt" / "... nasjonalt") is another matter.

    >>> sorted(stance_conflict("Ikke innføre eiendomsskatt.", "Gå inn for en eiendomsskatt."))
    ['eiendomsskatt']
    >>> sorted(stance_conflict("Forby bunntråling.", "Forbud mot bunntråling i fjordene."))
    []
    >>> sorted(stance_conflict("Styrke arbeidet mot marin forsøpling nasjonalt.", "Øke foredlingen av olje og gass nasjonalt."))
    []
    """
    return frozenset(_opposed_in(a, b) | _opposed_in(b, a))


def _opposed_in(a: str, b: str) -> set[str]:
    """The stems of a's objects that b wants: b names at least half of the object and opposes none of it."""
    objects = opposed_objects(a)
    if not objects:
        return set()
    wanted, against = content_stems(b) - FUNCTION_WORDS, opposed_stems(b)
    found: set[str] = set()
    for words in objects:
        shared = [s for s in words if s in wanted and s not in against]
        if shared and 2 * len(shared) >= len(words):
            found.update(shared)
    return found


EDITORIAL_COLUMNS = ("pledge_a", "pledge_b", "relation", "note")
EDITORIAL_KINDS = (*schema.RELATION_KINDS, "remove")  # remove: the automatic relation of the pair is not shown


@dataclass(frozen=True)
class EditorialRelation:
    pledge_id_a: str
    pledge_id_b: str
    relation: str  # agree | similar | disagree | remove
    note: str
    line: int = 0  # where the row stands in its file (a sheet's row for `publish review --apply`)


def load_editorial(seeds_dir: Path, pledges: pl.DataFrame) -> list[EditorialRelation]:
    """Read seeds/relations.csv: pledge ids (or unique text beginnings) and the relation to set."""
    path = seeds_dir / RELATIONS_NAME
    if not path.exists() and not path.is_symlink():  # a link that leads nowhere is named, not skipped
        return []
    return editorial_rows(path, read_csv(path, EDITORIAL_COLUMNS, seeds_dir), pledges)


def editorial_rows(path: Path | str, rows: list[Row], pledges: pl.DataFrame) -> list[EditorialRelation]:
    """Validate the rows of an editorial relations file (seeds/relations.csv, or a review sheet's rows).

    Each pair appears once (a second row for it, the same or another relation, is an error: no row
    silently wins), and joins pledges of two different actors, as automatic relations do.
    """
    resolver = _TextResolver(pledges)
    relations: list[EditorialRelation] = []
    lines: dict[tuple[str, str], int] = {}
    for row in rows:
        relation, line = row.values["relation"], row.line
        if relation not in EDITORIAL_KINDS:
            raise InputError(path, f"unknown relation kind {relation!r}", line=line, hint="use agree, similar, disagree or remove")
        a, b = resolver.resolve(row.values["pledge_a"], path, line), resolver.resolve(row.values["pledge_b"], path, line)
        if a == b:
            raise InputError(path, "a relation of a pledge with itself", line=line)
        if resolver.actor[a] == resolver.actor[b]:
            raise InputError(
                path,
                f"both pledges are by actor {resolver.actor[a]!r} ({a}, {b})",
                line=line,
                hint="relations join pledges of different actors",
            )
        key = (a, b) = tuple(sorted((a, b)))
        if key in lines:
            raise InputError(path, f"the pair {a}, {b} is already on line {lines[key]}", line=line, hint="keep one row per pair")
        lines[key] = line
        relations.append(EditorialRelation(a, b, relation, row.values["note"], line))
    return relations


class _TextResolver:
    """Finds a pledge by id, or by the unique beginning of its text (editors write text, not hashes)."""

    def __init__(self, pledges: pl.DataFrame):
        self.actor = dict(pledges.select("pledge_id", "actor_id").iter_rows())
        self.pledges = pledges.select("pledge_id", "text")

    def resolve(self, key: str, path: Path | str, line: int) -> str:
        if key in self.actor:
            return key
        hits = self.pledges.filter(pl.col("text").str.starts_with(key))["pledge_id"].to_list() if key else []
        if len(hits) != 1:
            what = "no pledge" if not hits else f"{len(hits)} pledges"
            raise InputError(path, f"{what} found for {key[:60]!r}", line=line, hint="give a pledge_id or a longer text beginning")
        return hits[0]


def relate(
    pledges: pl.DataFrame,
    pledge_topics: pl.DataFrame,
    editorial: list[EditorialRelation],
    groups: dict[str, str] | None = None,
    names: dict[str, str] | None = None,
    embeddings: Embeddings | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The published relations table (automatic, then the editorial file on top) and the automatic one alone.

    `pledges` carry each pledge's chapter (topic_id), under which a pair is shown (pledge A's) and which
    the same_chapter feature compares; `pledge_topics` gives every topic of a pledge, for shared_topic.
    Only actors of one comparison group (one municipality's parties and the municipality) are compared:
    the work grows with the corpus, not with its square.
    """
    candidates = _candidates(pledges)
    topic = dict(pledges.select("pledge_id", "topic_id").iter_rows())
    auto = _automatic(candidates, topic, pledge_topics, groups or {}, names or {}, embeddings or Embeddings())
    return _frame(_apply_editorial(dict(auto), editorial), topic), _frame(auto, topic)


def _candidates(pledges: pl.DataFrame) -> pl.DataFrame:
    """The pledges that can be related (not descriptions), in id order, each with the text it is compared by."""
    return compared_texts(pledges.filter(pl.col("kind").is_in(RELATED_KINDS)).sort("pledge_id"), nynorsk_documents(pledges))


def subject_words(text: str, names: frozenset[str] = frozenset()) -> list[str]:
    """The words a pledge is about: no stopwords, no generic policy verbs, no name of the group's actors.

    >>> subject_words("Styrke skolebibliotekene i Bærum. Alle skoler må sikres skolebibliotekar.", name_stems(["Bærum kommune"]))
    ['skolebibliotekene', 'skoler', 'skolebibliotekar']
    """
    generic = GENERIC | names
    return [w for w in normalise(text).split() if w not in STOPWORDS and stem(w) not in generic and not w.isdigit()]


def name_stems(names: list[str]) -> frozenset[str]:
    """Stems of the words in actors' names ("Bærum kommune", "Rødt Bærum"): they say who, not what."""
    return frozenset(stem(w) for name in names for w in normalise(name).split() if w not in STOPWORDS)


def _automatic(
    candidates: pl.DataFrame,
    topic: dict[str, str],
    pledge_topics: pl.DataFrame,
    groups: dict[str, str],
    names: dict[str, str],
    embeddings: Embeddings,
) -> dict[tuple[str, str], dict]:
    """Candidates group by group: each group's pledges get their own TF-IDF, so groups never mix."""
    found: dict[tuple[str, str], dict] = {}
    for members, group_names, topics in _groups(candidates, pledge_topics, groups, names):
        found.update(_in_group(members, topic, topics, group_names, embeddings))
    return dict(sorted(found.items()))


def _groups(candidates: pl.DataFrame, pledge_topics: pl.DataFrame, groups: dict[str, str], names: dict[str, str]):
    """Each comparison group's pledges, the stems of its actors' names, and every pledge's topics."""
    topics = {pid: set(ts) for pid, ts in pledge_topics.group_by("pledge_id").agg("topic_id").iter_rows()}
    by_group = candidates.with_columns(pl.col("actor_id").replace_strict(groups, default="default").alias("group"))
    for (_,), members in by_group.group_by(["group"], maintain_order=True):
        yield members, name_stems([names.get(a, "") for a in sorted(set(members["actor_id"]))]), topics


def all_scored_pairs(
    pledges: pl.DataFrame,
    pledge_topics: pl.DataFrame,
    groups: dict[str, str],
    names: dict[str, str],
    model: Model | None = None,
    embeddings: Embeddings | None = None,
) -> list[dict]:
    """Every candidate pair of every group with its features and probability, for training and evaluation
    (bench/train_relations.py); rows carry the two pledges' ids, actors and texts."""
    candidates = _candidates(pledges)
    topic = dict(pledges.select("pledge_id", "topic_id").iter_rows())
    rows = []
    for members, group_names, topics in _groups(candidates, pledge_topics, groups, names):
        for pair in scored_pairs(members, group_names, topic, topics, model or load_model(), embeddings or Embeddings()):
            group, a, b = pair["group"], pair["a"], pair["b"]
            rows.append(
                {
                    "pledge_id_a": group.ids[a],
                    "pledge_id_b": group.ids[b],
                    "actor_a": str(group.actors[a]),
                    "actor_b": str(group.actors[b]),
                    "text_a": group.texts[a],
                    "text_b": group.texts[b],
                    "compared_a": group.compared[a],
                    "compared_b": group.compared[b],
                    "raw": pair["raw"],
                    "p": pair["p"],
                    **pair["features"],
                }
            )
    return rows


@dataclass(frozen=True)
class _Group:
    """One comparison group's pledges prepared once: TF-IDF rows of stems and of character n-grams."""

    ids: list[str]
    texts: list[str]  # as written
    compared: list[str]  # what is compared: in Bokmål for a Nynorsk programme (publish/nynorsk.py)
    actors: np.ndarray
    words: sparse.csr_matrix
    chars: sparse.csr_matrix
    stems: list[frozenset[str]]
    idf: dict[str, float]
    meaning: np.ndarray  # e5 unit vectors of the compared texts (publish/semantic.py), one row each

    @property
    def vectors(self) -> sparse.csr_matrix:
        """Rows whose dot product is the mean of the stem cosine and the character n-gram cosine."""
        return sparse.hstack([self.words * np.sqrt(0.5), self.chars * np.sqrt(0.5)]).tocsr()


def _prepare(members: pl.DataFrame, names: frozenset[str], embeddings: Embeddings) -> _Group | None:
    """None when no pledge of the group has a subject word left (only names, numbers, generic verbs)."""
    compared = members["compared"].to_list()
    subjects = [subject_words(t, names) for t in compared]
    stems = [" ".join(stem(w) for w in words) for words in subjects]
    if not any(stems):
        return None
    word_model = TfidfVectorizer(token_pattern=r"\S+", sublinear_tf=True)
    words = normalize(word_model.fit_transform(stems)).tocsr()
    chars = normalize(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(4, 5), sublinear_tf=True).fit_transform([" ".join(w) for w in subjects])
    )
    idf = dict(zip(word_model.get_feature_names_out(), word_model.idf_.tolist(), strict=True))
    return _Group(
        members["pledge_id"].to_list(),
        members["text"].to_list(),
        compared,
        members["actor_id"].to_numpy(),
        words,
        chars.tocsr(),
        [frozenset(s.split()) for s in stems],
        idf,
        embeddings.of(compared),
    )


def cosines(matrix: sparse.csr_matrix, a: list[int], b: list[int]) -> np.ndarray:
    """The dot products of rows a[i] and b[i] (cosines: the rows are L2-normalised), all pairs at once.

    Row by row, scipy's slicing and multiply cost about 60 microseconds a pair: 8 of the 12-group
    benchmark's 8 seconds of relations.
    """
    if not a:
        return np.zeros(0)
    return np.asarray(matrix[a].multiply(matrix[b]).sum(axis=1)).ravel()


def pair_features(
    group: _Group, a: int, b: int, mutual: bool, topic: dict[str, str], topics: dict[str, set[str]], cos: tuple[float, float]
) -> dict[str, float]:
    """What the scorer weighs for one candidate pair (each feature in [0, 1] or a small count); `cos`
    holds the pair's word and character cosines (`cosines`).

    "Andre tema" is where pledges no chapter takes end up, not a subject: two pledges there share no
    chapter. (It had counted as one: in the national test corpus, where 642 of 2,058 pledges fall to
    it, 106 of 342 hand-read candidate pairs of one party got the shared-chapter weight that way.)
    """
    shared = group.stems[a] & group.stems[b]
    weight = lambda stems: sum(group.idf.get(s, 0.0) for s in sorted(stems))  # noqa: E731 - sorted: the same sum under any hash seed
    smaller = min(weight(group.stems[a]), weight(group.stems[b]))
    numbers_a, numbers_b = _numbers(group.compared[a]), _numbers(group.compared[b])
    ids = group.ids
    chapter = topic.get(ids[a])
    return {
        "cos_words": float(cos[0]),
        "cos_chars": float(cos[1]),
        "cos_meaning": float(group.meaning[a] @ group.meaning[b]),
        "mutual": float(mutual),
        "same_chapter": float(chapter not in (None, FALLBACK_TOPIC_ID) and chapter == topic.get(ids[b])),
        "shared_topic": float(bool(topics.get(ids[a], set()) & topics.get(ids[b], set()) - {FALLBACK_TOPIC_ID})),
        "rare": weight(shared) / 10,
        "overlap": weight(shared) / smaller if smaller else 0.0,
        "length_ratio": min(len(group.stems[a]), len(group.stems[b])) / max(1, len(group.stems[a]), len(group.stems[b])),
        "conflict": float(bool(stance_conflict(group.compared[a], group.compared[b]))),
        "numbers_differ": float(bool(numbers_a) and bool(numbers_b) and not numbers_a & numbers_b),
    }


def _numbers(text: str) -> set[str]:
    return {w for w in normalise(text).split() if w.isdigit()}


@dataclass(frozen=True)
class Model:
    """The pair scorer: a logistic regression over `pair_features`, learnt from the hand labels' tune split
    (bench/train_relations.py writes publish/relation_model.json), with the thresholds chosen there."""

    coef: dict[str, float]
    intercept: float
    related: float  # probability from which a pair is shown as related (similar)
    agree: float  # ... as agreeing
    disagree: float  # ... as disagreeing, when one side opposes a word both share
    # ... as disagreeing, when the two are also each other's best partners: one shared word
    # ("aktivitet", "vurdering") made unrelated pledges disagree. Chosen on the tune split's labelled
    # mutual conflict pairs by the same F0.5 (bench/train_relations.py, _mutual_disagree_threshold).
    mutual_disagree: float
    # The printed tier: the probability from which an automatic agreement or similarity is printed, chosen
    # on the tune split and kept only when the report split measures it right (bench/train_relations.py,
    # evaluate.PRINT_FLOORS); None: no automatic mark of that kind is printed. The same for disagreements.
    printed: float | None = None
    printed_disagree: float | None = None
    measured: dict | None = None  # how make train measured the printed tier on the report split

    @property
    def tier(self) -> dict:
        """The printed tier for evaluation.json and the booklet's method page."""
        return {"related": self.printed, "disagree": self.printed_disagree, "measured": self.measured or {}}

    def prints(self, kind: str, p: float) -> bool:
        """Whether an automatic relation of this kind and probability goes in the booklet."""
        floor = self.printed_disagree if kind == "disagree" else self.printed
        return floor is not None and p >= floor

    def probability(self, features: dict[str, float]) -> float:
        z = self.intercept + sum(self.coef[name] * value for name, value in features.items())
        return 1.0 / (1.0 + float(np.exp(-z)))


@lru_cache(maxsize=1)
def load_model(path: Path = MODEL_PATH) -> Model:
    data = json.loads(path.read_text(encoding="utf-8"))
    return Model(data["coef"], data["intercept"], **data["thresholds"], measured=data.get("printed_tier"))


def scored_pairs(
    members: pl.DataFrame, names: frozenset[str], topic: dict[str, str], topics: dict[str, set[str]], model: Model, embeddings: Embeddings
) -> list[dict]:
    """Every candidate pair of one group (each pledge's TOP_K nearest of every other actor, by words or by
    meaning), with features and probability."""
    group = _prepare(members, names, embeddings)
    if group is None:
        return []
    vectors = group.vectors
    scored: list[dict] = []
    actor_ids = sorted(set(group.actors))
    for i, first in enumerate(actor_ids):
        for second in actor_ids[i + 1 :]:
            rows, cols = np.flatnonzero(group.actors == first), np.flatnonzero(group.actors == second)
            pairs = _candidate_pairs(group, vectors, rows, cols)
            firsts, seconds = [int(a) for a, *_ in pairs], [int(b) for _, b, *_ in pairs]
            words, chars = cosines(group.words, firsts, seconds), cosines(group.chars, firsts, seconds)
            for (a, b, raw, mutual), cos in zip(pairs, zip(words, chars, strict=True), strict=True):
                features = pair_features(group, a, b, mutual, topic, topics, cos)
                scored.append({"a": a, "b": b, "raw": raw, "features": features, "p": model.probability(features), "group": group})
    return scored


def _in_group(
    members: pl.DataFrame, topic: dict[str, str], topics: dict[str, set[str]], names: frozenset[str], embeddings: Embeddings
) -> dict[tuple[str, str], dict]:
    model = load_model()
    judged = []
    for pair in scored_pairs(members, names, topic, topics, model, embeddings):
        group, a, b = pair["group"], pair["a"], pair["b"]
        texts = (group.compared[a], group.compared[b], group.texts[a], group.texts[b])
        kind, note = judge(texts, pair["p"], pair["raw"], bool(pair["features"]["mutual"]), model)
        if kind is not None:
            judged.append((pair["p"], group.ids[a], group.ids[b], group.actors[a], group.actors[b], kind, note))
    return _most_likely(judged, model)


def _most_likely(judged: list[tuple], model: Model) -> dict[tuple[str, str], dict]:
    """At most SHOWN_K partners per pledge and per other actor, the most probable first: a reader sees a
    handful of strong links, not a web of weak ones."""
    count: dict[tuple[str, str], int] = {}
    found: dict[tuple[str, str], dict] = {}
    for p, id_a, id_b, actor_a, actor_b, kind, note in sorted(judged, key=lambda j: (-j[0], j[1], j[2])):
        if count.get((id_a, actor_b), 0) >= SHOWN_K or count.get((id_b, actor_a), 0) >= SHOWN_K:
            continue
        count[(id_a, actor_b)] = count.get((id_a, actor_b), 0) + 1
        count[(id_b, actor_a)] = count.get((id_b, actor_a), 0) + 1
        printed = model.prints(kind, p)
        found[tuple(sorted((id_a, id_b)))] = {"relation": kind, "score": round(p, 3), "method": "auto", "note": note, "printed": printed}
    return found


def judge(texts: tuple[str, str, str, str], p: float, raw: float, mutual: bool, model: Model) -> tuple[str | None, str | None]:
    """The relation of one candidate pair, or None to leave it out; `texts` are both as compared, then as written.

    A stance conflict on a shared word is a disagreement when the two are each other's best partners and
    not unlikely to be related (model.mutual_disagree), or the model finds them related: the hand labels
    hold too few disagreements to learn a model of their own from. The note names the words as a text writes them.
    """
    conflict = stance_conflict(texts[0], texts[1])
    if conflict:
        if raw >= DISAGREE_MIN and ((mutual and p >= model.mutual_disagree) or p >= model.disagree):
            words = (written_form(s, texts[2], texts[3], texts[0], texts[1]) for s in sorted(conflict))
            return "disagree", "motsatt standpunkt om: " + ", ".join(words)
        return None, None
    if p >= model.agree:
        return "agree", None
    if p >= model.related:
        return "similar", None
    return None, None


def _candidate_pairs(group: _Group, vectors: sparse.csr_matrix, rows: np.ndarray, cols: np.ndarray) -> list[tuple[int, int, float, bool]]:
    """The union of the nearest pledges by words and by meaning: (a, b, word-and-character cosine, mutual by words).

    Measured on the hand labels' blind pairs (docs/evaluation-trust.md): the words' top 3 hold 42 of
    Bærum's 54, the union with the meaning's top 3 holds 50.
    """
    pairs = {(a, b): (raw, mutual) for a, b, raw, mutual in _top_pairs(vectors, rows, cols, DISAGREE_MIN)}
    by_meaning = [(a, b) for a, b, *_ in _top_pairs(group.meaning, rows, cols, -1.0) if (a, b) not in pairs]
    raw = cosines(vectors, [a for a, _ in by_meaning], [b for _, b in by_meaning])
    pairs.update({pair: (float(score), False) for pair, score in zip(by_meaning, raw, strict=True)})
    return [(a, b, score, mutual) for (a, b), (score, mutual) in sorted(pairs.items())]


def _top_pairs(vectors, rows: np.ndarray, cols: np.ndarray, floor: float) -> list[tuple[int, int, float, bool]]:
    """Pairs in either side's top k with a cosine of at least `floor` (with a flag: in both), a chunk of
    rows at a time (vectorised); `vectors` are sparse TF-IDF rows or dense e5 rows."""
    if len(rows) == 0 or len(cols) == 0:
        return []
    right = vectors[cols].T.tocsc() if sparse.issparse(vectors) else vectors[cols].T
    k_row, k_col = min(TOP_K, len(cols)), min(TOP_K, len(rows))
    row_picks: list[tuple[np.ndarray, np.ndarray]] = []  # per chunk: (column indices, scores), shape (n, k)
    col_scores = np.full((0, len(cols)), -1.0)
    col_rows = np.zeros((0, len(cols)), dtype=np.int64)
    for start in range(0, len(rows), CHUNK):
        block = vectors[rows[start : start + CHUNK]] @ right
        block = block.toarray() if sparse.issparse(block) else np.asarray(block, dtype=np.float64)
        picks = np.argpartition(-block, k_row - 1, axis=1)[:, :k_row]
        row_picks.append((picks, np.take_along_axis(block, picks, axis=1)))
        k_here = min(k_col, block.shape[0])
        best = np.argpartition(-block, k_here - 1, axis=0)[:k_here, :]
        col_scores = np.vstack([col_scores, np.take_along_axis(block, best, axis=0)])
        col_rows = np.vstack([col_rows, best + start])
        keep = np.argsort(-col_scores, axis=0, kind="stable")[:k_col, :]
        col_scores = np.take_along_axis(col_scores, keep, axis=0)
        col_rows = np.take_along_axis(col_rows, keep, axis=0)
    pairs: dict[tuple[int, int], tuple[float, bool]] = {}
    offset = 0
    for picks, scores in row_picks:
        for local in range(picks.shape[0]):
            for col_index, score in zip(picks[local], scores[local], strict=True):
                if score >= floor:
                    mutual = bool(offset + local in col_rows[:, col_index])
                    pairs[(int(rows[offset + local]), int(cols[col_index]))] = (float(score), mutual)
        offset += picks.shape[0]
    for col_index in range(len(cols)):
        for local, score in zip(col_rows[:, col_index], col_scores[:, col_index], strict=True):
            key = (int(rows[local]), int(cols[col_index]))
            if score >= floor and key not in pairs:
                pairs[key] = (float(score), False)
    return [(a, b, score, mutual) for (a, b), (score, mutual) in sorted(pairs.items())]


def _apply_editorial(found: dict, editorial: list[EditorialRelation]) -> dict:
    for row in editorial:
        key = (row.pledge_id_a, row.pledge_id_b)
        if row.relation == "remove":
            found.pop(key, None)
            continue
        found[key] = {"relation": row.relation, "score": 1.0, "method": "editorial", "note": row.note or None, "printed": True}
    return found


def _frame(found: dict, topic: dict[str, str]) -> pl.DataFrame:
    rows = [
        {"pledge_id_a": a, "pledge_id_b": b, "topic_id": topic.get(a) or topic.get(b), **values} for (a, b), values in sorted(found.items())
    ]
    frame = pl.DataFrame(rows, schema=schema.RELATIONS.polars_schema())
    return schema.conform(frame, schema.RELATIONS)
