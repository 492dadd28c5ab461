"""How good the automatic stages are, measured against hand labels in tests/data/.

The same numbers are asserted by the tests and printed in the booklet's appendix, so the booklet
never states a figure the tests did not compute.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

TOPIC_LABELS = "topic_labels.csv"
RELATION_LABELS = "relation_labels.csv"


@dataclass
class TopicScore:
    labelled: int
    correct: int
    per_topic: dict[str, tuple[int, int]]  # topic -> (correct, labelled)
    confusion: Counter = field(default_factory=Counter)  # (wanted, got) -> count

    @property
    def accuracy(self) -> float:
        return self.correct / self.labelled if self.labelled else 0.0

    def worst(self, n: int = 5) -> list[tuple[str, float, list[tuple[str, int]]]]:
        """The n topics with the lowest recall, each with what its pledges were taken for instead."""
        ranked = sorted(self.per_topic.items(), key=lambda kv: (kv[1][0] / kv[1][1], kv[0]))
        result = []
        for topic, (ok, total) in ranked[:n]:
            mistaken = sorted(((got, c) for (want, got), c in self.confusion.items() if want == topic), key=lambda x: (-x[1], x[0]))
            result.append((topic, ok / total, mistaken))
        return result


@dataclass
class RelationScore:
    auto_labelled: int  # automatic pairs that have a hand label
    auto_correct_kind: int
    auto_relevant: int  # hand label is a relation at all (not "none")
    positives: int  # side-by-side pairs found by reading both programmes
    found_any: int
    found_kind: int

    @property
    def precision(self) -> float:
        return self.auto_correct_kind / self.auto_labelled if self.auto_labelled else 0.0

    @property
    def precision_related(self) -> float:
        return self.auto_relevant / self.auto_labelled if self.auto_labelled else 0.0

    @property
    def recall(self) -> float:
        return self.found_kind / self.positives if self.positives else 0.0

    @property
    def recall_any(self) -> float:
        return self.found_any / self.positives if self.positives else 0.0


@dataclass
class Evaluation:
    topics: TopicScore | None
    relations: RelationScore | None

    def as_dict(self) -> dict:
        out: dict = {}
        if self.topics:
            out["topics"] = {
                "labelled": self.topics.labelled,
                "accuracy": round(self.topics.accuracy, 3),
                "worst": [{"topic_id": t, "recall": round(r, 3), "taken_for": dict(m)} for t, r, m in self.topics.worst()],
            }
        if self.relations:
            r = self.relations
            out["relations"] = {
                "auto_labelled": r.auto_labelled,
                "precision": round(r.precision, 3),
                "precision_related": round(r.precision_related, 3),
                "positives": r.positives,
                "recall": round(r.recall, 3),
                "recall_any": round(r.recall_any, 3),
            }
        return out


def evaluate(labels_dir: Path, pledges: pl.DataFrame, pledge_topics: pl.DataFrame, automatic: pl.DataFrame) -> Evaluation:
    """Score the classifier and the automatic relations; labels that are absent give no score."""
    topics = _topics(labels_dir / TOPIC_LABELS, pledge_topics)
    relations = _relations(labels_dir / RELATION_LABELS, pledges, automatic)
    return Evaluation(topics, relations)


def _topics(path: Path, pledge_topics: pl.DataFrame) -> TopicScore | None:
    if not path.exists():
        return None
    predicted = dict(pledge_topics.filter(pl.col("rank") == 1).select("pledge_id", "topic_id").iter_rows())
    per_topic: dict[str, list[int]] = {}
    confusion: Counter = Counter()
    correct = labelled = 0
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            got = predicted.get(row["pledge_id"])
            if got is None:
                continue  # a labelled pledge that no longer exists
            labelled += 1
            tally = per_topic.setdefault(row["topic_id"], [0, 0])
            tally[1] += 1
            if got == row["topic_id"]:
                correct += 1
                tally[0] += 1
            else:
                confusion[(row["topic_id"], got)] += 1
    return TopicScore(labelled, correct, {k: (v[0], v[1]) for k, v in per_topic.items()}, confusion)


def _relations(path: Path, pledges: pl.DataFrame, automatic: pl.DataFrame) -> RelationScore | None:
    if not path.exists():
        return None
    by_prefix = list(zip(pledges["actor_id"], pledges["text"], pledges["pledge_id"], strict=True))

    def resolve(actor: str, prefix: str) -> str | None:
        hits = [pid for a, text, pid in by_prefix if a == actor and text.startswith(prefix)]
        return hits[0] if len(hits) == 1 else None

    labels: dict[tuple[str, str], tuple[str, str]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            a, b = resolve(row["actor_a"], row["text_a_starts"]), resolve(row["actor_b"], row["text_b_starts"])
            if a and b:
                labels[tuple(sorted((a, b)))] = (row["relation"], row["origin"])
    auto = {(r["pledge_id_a"], r["pledge_id_b"]): r["relation"] for r in automatic.iter_rows(named=True)}
    judged = [(kind, labels[key][0]) for key, kind in auto.items() if key in labels]
    positives = {key: rel for key, (rel, origin) in labels.items() if origin == "side_by_side" and rel != "none"}
    return RelationScore(
        auto_labelled=len(judged),
        auto_correct_kind=sum(1 for kind, label in judged if kind == label),
        auto_relevant=sum(1 for _, label in judged if label != "none"),
        positives=len(positives),
        found_any=sum(1 for key in positives if key in auto),
        found_kind=sum(1 for key, rel in positives.items() if auto.get(key) == rel),
    )
