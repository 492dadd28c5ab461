"""How good the automatic stages are, measured against the dataset's own hand labels (<seeds>/labels/).

Labels are keyed by texts, not by the method's output, so they never need rewriting when the method
changes; each names the dataset it belongs to, and every label of the built dataset must resolve
(the build lists those that do not). A fixed split by a hash of the key sends each label to "tune"
(what bench/train_relations.py learns and chooses thresholds on) or "report" (what is printed
here, in evaluation.json and in the booklet). Figures carry 95 % Wilson intervals. The same numbers
are asserted by the tests and printed in the booklet, so the booklet never states a figure the tests
did not compute.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from publish.inputs import read_csv
from publish.text import normalise

LABELS_FOLDER = "labels"  # in the seeds folder: a dataset is measured on its own labels, never another's
TOPIC_LABELS = "topic_labels.csv"
PAIR_LABELS = "pair_labels.csv"
# The columns each label file must have (a label file may have more, such as a note).
LABEL_COLUMNS = {
    TOPIC_LABELS: ("dataset", "pledge_id", "topic_id", "text", "labeller"),
    PAIR_LABELS: ("dataset", "actor_a", "text_a", "actor_b", "text_b", "relation", "origin"),
}
RELATED = ("agree", "similar", "disagree")
# Label origins drawn from what a method showed: they say how often a shown pair is right (precision),
# but a method finds the pairs drawn from its own output by construction, so they are not counted for
# recall; recall is measured on pairs found by reading (side_by_side) and blind samples (pool).
SHOWN_ORIGINS = ("automatic", "shown")
# What an automatic mark must be measured at to be printed (issue 21): precision on the report split
# over at least so many read pairs, and the printed kind (agree or similar) right at least so often.
# A disagreement is printed automatically only at that precision over its own read pairs.
PRINT_FLOORS = {"precision": 0.9, "pairs": 50, "kind": 0.85, "disagree_pairs": 20}


def split_of(key: str) -> str:
    """The fixed split of one label: half the labels (by a hash of its key) are for tuning, half for reporting.

    >>> split_of("baerum-lofter|ap:Sikre løpende barnehageopptak.|r:Arbeide for løpende opptak av barn.")
    'report'
    """
    return "report" if int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:8], 16) % 2 else "tune"


def pair_key(dataset: str, a: tuple[str, str], b: tuple[str, str]) -> str:
    """A pair's key: its dataset and both (actor, text) in order, so (a, b) and (b, a) are one pair."""
    first, second = sorted((a, b))
    return f"{dataset}|{first[0]}:{first[1]}|{second[0]}:{second[1]}"


def wilson(successes: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """The 95 % Wilson score interval of a proportion.

    >>> [round(x, 3) for x in wilson(8, 10)]
    [0.49, 0.943]
    """
    if total == 0:
        return (0.0, 1.0)
    p = successes / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class Share:
    """A proportion with its interval: `right` of `of`."""

    right: int
    of: int

    @property
    def value(self) -> float:
        return self.right / self.of if self.of else 0.0

    @property
    def interval(self) -> tuple[float, float]:
        return wilson(self.right, self.of)

    def as_dict(self) -> dict:
        low, high = self.interval
        return {"value": round(self.value, 3), "right": self.right, "of": self.of, "low": round(low, 3), "high": round(high, 3)}


@dataclass
class TopicScore:
    report: Share  # labelled pledges of the report split whose printed chapter is a reader's
    by_method: dict[str, Share]  # the same, by what decided the chapter (heading, keyword, parent, fallback …)
    everything: Share  # every label, tune split included (in-sample for the headings named after the seeds)
    readers_agree: Share  # pledges read by two readers: how often they chose the same chapter
    confusion: Counter = field(default_factory=Counter)  # (wanted, got) -> count, report split

    def as_dict(self) -> dict:
        worst = sorted(self.confusion.items(), key=lambda kv: (-kv[1], kv[0]))[:8]
        return {
            "report": self.report.as_dict(),
            "by_method": {m: s.as_dict() for m, s in sorted(self.by_method.items())},
            "all_labels": self.everything.as_dict(),
            "readers_agree": self.readers_agree.as_dict(),
            "confused": [{"wanted": w, "got": g, "count": n} for (w, g), n in worst],
        }


@dataclass
class TierScore:
    """One set of automatic relations (all in the dataset, or those printed) against the report split."""

    precision: Share  # shown pairs (agree/similar) with a label: how many are related at all
    kind: Share  # shown pairs with a related label: how many have the right kind
    recall: Share  # agree/similar pairs of the report split read blind (not SHOWN_ORIGINS): how many are shown as related
    disagree: Share  # shown disagreements with a label: how many are disagreements
    shown: int  # automatic pairs shown (all, labelled or not)

    @property
    def measured_right(self) -> bool:
        """True when the marks meet PRINT_FLOORS: precision and kind, over enough read pairs."""
        floors = PRINT_FLOORS
        return self.precision.of >= floors["pairs"] and self.precision.value >= floors["precision"] and self.kind.value >= floors["kind"]

    @property
    def disagreements_measured_right(self) -> bool:
        return self.disagree.of >= PRINT_FLOORS["disagree_pairs"] and self.disagree.value >= PRINT_FLOORS["precision"]

    def as_dict(self) -> dict:
        return {
            "precision": self.precision.as_dict(),
            "kind": self.kind.as_dict(),
            "recall": self.recall.as_dict(),
            "disagree_precision": self.disagree.as_dict(),
            "shown": self.shown,
            "measured_right": self.measured_right,
            "disagreements_measured_right": self.disagreements_measured_right,
        }


@dataclass
class RelationScore(TierScore):
    """Every automatic relation of the dataset (the fields of TierScore), and the printed ones alone."""

    printed: TierScore | None = None  # the automatic relations the booklet prints (relations.printed)
    editorial: EditorialScore | None = None  # what the editorial file adds, when the published relations are given

    def as_dict(self) -> dict:
        out = super().as_dict()
        if self.printed:
            out["printed"] = {**self.printed.as_dict(), "floors": PRINT_FLOORS}
        if self.editorial:
            out["editorial"] = self.editorial.as_dict()
        return out


@dataclass
class EditorialScore:
    """How much the printed cross-references lean on the editorial file (seeds/relations.csv).

    A cross-reference is right when its pair is labelled related and the sign is the label's (≠ for
    disagree, = or ~ otherwise). `kept`: of the published relations that are right (report split),
    those the automatic relations alone show too; `gained`: right automatic relations the editorial
    file removes or turns wrong. Emptying the file loses `kept.of - kept.right` and gains `gained`.
    """

    rows: int  # published relations set by the editorial file
    published: int  # published relations, editorial ones included
    kept: Share
    gained: int

    def as_dict(self) -> dict:
        lost = self.kept.of - self.kept.right
        return {"rows": self.rows, "published": self.published, "kept": self.kept.as_dict(), "lost": lost, "gained": self.gained}


@dataclass
class Evaluation:
    topics: TopicScore | None
    relations: RelationScore | None
    unresolved: list[str] = field(default_factory=list)  # labels of this dataset whose texts are not in it
    # The printed tier as the scorer defines it (relate.Model: its thresholds, None where nothing automatic
    # prints) and as make train measured it on the report split of every dataset's labels.
    tier: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        out: dict = {"split": "report", "unresolved_labels": len(self.unresolved), "printed_tier": self.tier}
        if self.topics:
            out["topics"] = self.topics.as_dict()
        if self.relations:
            out["relations"] = self.relations.as_dict()
        return out


def evaluate(
    labels_dir: Path,
    dataset: str,
    pledges: pl.DataFrame,
    pledge_topics: pl.DataFrame,
    automatic: pl.DataFrame,
    published: pl.DataFrame | None = None,
) -> Evaluation:
    """Score the chapters and the automatic relations of one dataset; absent label files give no score.

    With `published` (the relations table, editorial rows included) the score also says what the
    editorial file adds to the automatic relations.
    """
    unresolved: list[str] = []
    topics = _topics(labels_dir / TOPIC_LABELS, dataset, pledges, pledge_topics, unresolved)
    relations = _relations(labels_dir / PAIR_LABELS, dataset, pledges, automatic, unresolved)
    if relations and published is not None:
        relations.editorial = _editorial(labels_dir, dataset, pledges, automatic, published)
    return Evaluation(topics, relations, unresolved)


def _read(path: Path) -> list[dict]:
    """A label file's rows, read and checked as every editor's CSV is (inside its folder, one header check)."""
    return [row.values for row in read_csv(path, LABEL_COLUMNS[path.name])]


def _topics(path: Path, dataset: str, pledges: pl.DataFrame, pledge_topics: pl.DataFrame, unresolved: list[str]) -> TopicScore | None:
    if not path.exists():
        return None
    chosen = dict(pledges.select("pledge_id", "topic_id").iter_rows())
    placed = pledges.join(pledge_topics, on=["pledge_id", "topic_id"])  # the row of each pledge's chapter says how it was chosen
    method = dict(placed.select("pledge_id", "method").iter_rows())
    texts = dict(pledges.select("pledge_id", "text").iter_rows())
    wanted: dict[str, set[str]] = {}
    readers: dict[str, dict[str, str]] = {}
    for row in _read(path):
        if row["dataset"] != dataset:
            continue
        if row["pledge_id"] not in chosen:
            unresolved.append(f"{path.name}: pledge {row['pledge_id']} ({row['text'][:50]!r})")
            continue
        wanted.setdefault(row["pledge_id"], set()).add(row["topic_id"])  # two readers may name two chapters: either is right
        readers.setdefault(row["pledge_id"], {})[row["labeller"]] = row["topic_id"]
    if not wanted:
        return None
    report = [pid for pid in sorted(wanted) if split_of(f"{dataset}|{normalise(texts[pid])}") == "report"]
    hits = {pid: chosen[pid] in wanted[pid] for pid in wanted}
    by_method: dict[str, list[bool]] = {}
    for pid in report:
        by_method.setdefault(method[pid], []).append(hits[pid])
    twice = [set(r.values()) for r in readers.values() if len(r) > 1]
    confusion = Counter((min(wanted[pid]), chosen[pid]) for pid in report if not hits[pid])
    return TopicScore(
        report=Share(sum(hits[pid] for pid in report), len(report)),
        by_method={m: Share(sum(v), len(v)) for m, v in by_method.items()},
        everything=Share(sum(hits.values()), len(hits)),
        readers_agree=Share(sum(1 for t in twice if len(t) == 1), len(twice)),
        confusion=confusion,
    )


def load_pair_labels(labels_dir: Path, dataset: str | None = None) -> dict[str, str]:
    """One label per pair key. A pair read twice keeps 'similar' where the readers said agree and similar,
    and is left out where one reader saw a relation and the other none (a disputed pair scores nothing)."""
    path = labels_dir / PAIR_LABELS
    if not path.exists():
        return {}
    seen: dict[str, set[str]] = {}
    for row in _read(path):
        if dataset is None or row["dataset"] == dataset:
            key = pair_key(row["dataset"], (row["actor_a"], row["text_a"]), (row["actor_b"], row["text_b"]))
            seen.setdefault(key, set()).add(row["relation"])
    labels: dict[str, str] = {}
    for key, kinds in seen.items():
        if len(kinds) == 1:
            labels[key] = kinds.pop()
        elif "unrelated" not in kinds:
            labels[key] = "similar" if kinds == {"agree", "similar"} else "disputed"
    return labels


def labelled_pledges(labels_dir: Path, dataset: str) -> set[str]:
    """The pledges of `dataset` whose chapter a reader has labelled."""
    path = labels_dir / TOPIC_LABELS
    return {row["pledge_id"] for row in _read(path) if row["dataset"] == dataset} if path.exists() else set()


def read_blind(labels_dir: Path, dataset: str | None = None) -> set[str]:
    """Keys of the pairs labelled from a reading or a blind sample, not from a method's output (SHOWN_ORIGINS)."""
    path = labels_dir / PAIR_LABELS
    if not path.exists():
        return set()
    return {
        pair_key(row["dataset"], (row["actor_a"], row["text_a"]), (row["actor_b"], row["text_b"]))
        for row in _read(path)
        if (dataset is None or row["dataset"] == dataset) and row["origin"] not in SHOWN_ORIGINS
    }


def _relations(path: Path, dataset: str, pledges: pl.DataFrame, automatic: pl.DataFrame, unresolved: list[str]) -> RelationScore | None:
    labels = load_pair_labels(path.parent, dataset)
    if not labels:
        return None
    blind = read_blind(path.parent, dataset)
    who = {pid: (actor, text) for pid, actor, text in pledges.select("pledge_id", "actor_id", "text").iter_rows()}
    present = {f"{actor}:{text}" for actor, text in who.values()}
    for key in labels:
        _, first, second = key.split("|", 2)
        if first not in present or second not in present:
            unresolved.append(f"{path.name}: pair {key[len(dataset) + 1 :][:90]!r}")
    report = {key: label for key, label in labels.items() if split_of(key) == "report" and label != "disputed"}
    positives = [key for key, label in report.items() if label in ("agree", "similar") and key in blind]

    def tier(relations: pl.DataFrame) -> TierScore:
        pairs = relations.select("pledge_id_a", "pledge_id_b", "relation").iter_rows()
        shown = {pair_key(dataset, who[a], who[b]): kind for a, b, kind in pairs}
        related_shown = [(kind, report[key]) for key, kind in shown.items() if key in report and kind in ("agree", "similar")]
        disagree_shown = [report[key] for key, kind in shown.items() if key in report and kind == "disagree"]
        kinds = [(kind, label) for kind, label in related_shown if label in RELATED]
        return TierScore(
            precision=Share(sum(1 for _, label in related_shown if label in RELATED), len(related_shown)),
            kind=Share(sum(1 for kind, label in kinds if kind == label), len(kinds)),
            recall=Share(sum(1 for key in positives if shown.get(key) in ("agree", "similar")), len(positives)),
            disagree=Share(sum(1 for label in disagree_shown if label == "disagree"), len(disagree_shown)),
            shown=len(shown),
        )

    everything = tier(automatic)
    printed = tier(automatic.filter(pl.col("printed"))) if "printed" in automatic.columns else None
    return RelationScore(**vars(everything), printed=printed)


def _editorial(labels_dir: Path, dataset: str, pledges: pl.DataFrame, automatic: pl.DataFrame, published: pl.DataFrame) -> EditorialScore:
    """The right cross-references (report split) with the editorial file and without it."""
    report = {key: label for key, label in load_pair_labels(labels_dir, dataset).items() if split_of(key) == "report"}
    who = {pid: (actor, text) for pid, actor, text in pledges.select("pledge_id", "actor_id", "text").iter_rows()}

    def right(relations: pl.DataFrame) -> set[str]:
        pairs = ((pair_key(dataset, who[a], who[b]), kind) for a, b, kind in relations.select("pledge_id_a", "pledge_id_b", "relation").iter_rows())
        return {key for key, kind in pairs if report.get(key) in RELATED and (report[key] == "disagree") == (kind == "disagree")}

    with_file, alone = right(published), right(automatic)
    return EditorialScore(
        rows=published.filter(pl.col("method") == "editorial").height,
        published=published.height,
        kept=Share(len(with_file & alone), len(with_file)),
        gained=len(alone - with_file),
    )
