"""Learn the relation scorer from the hand labels (tune split) and show it on the report split.

`make train` runs it: it builds the tables of the Bærum seeds and of the development corpus
(tests/corpus/ with the shared texts, in a temporary folder), scores every candidate pair, fits a logistic regression on the
labelled pairs of the tune split, chooses the thresholds there, writes publish/relation_model.json,
prints precision and recall on the report split with 95 % Wilson intervals, and draws the
precision-recall curve of both splits to bench/relations-pr.png. The report split is never used to
choose anything.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from publish import evaluate, relate
from publish.build import Paths, StageLog, _data
from tests.corpus.score import EVALUATION, copy_corpus

ROOT = Path(__file__).resolve().parent.parent
FEATURES = (
    "cos_words",
    "cos_chars",
    "mutual",
    "same_chapter",
    "shared_topic",
    "rare",
    "overlap",
    "length_ratio",
    "conflict",
    "numbers_differ",
)
C = 1.0  # regularisation: the tune split has about 200 labelled candidate pairs
# Each dataset's own hand labels: the seeds' and the development corpus's.
LABEL_FOLDERS = (ROOT / "seeds" / evaluate.LABELS_FOLDER, EVALUATION)
PRECISION_WEIGHT = 0.5  # thresholds maximise F-beta with this beta on the tune split: a printed link should be right


def frames_of(seeds: Path, work: Path) -> dict:
    paths = Paths(seeds=seeds, package=work / "dp", out=work / "out", report=False)
    corpus, frames, _ = _data(paths, StageLog(echo=lambda line: None))
    return {"dataset": corpus.dataset.name, **frames}


def candidates(frames: dict) -> list[dict]:
    groups = dict(frames["actors"].select("actor_id", "comparison_group").iter_rows())
    names = dict(frames["actors"].select("actor_id", "name").iter_rows())
    rows = relate.all_scored_pairs(frames["pledges"], frames["pledge_topics"], groups, names)
    for row in rows:
        row["dataset"] = frames["dataset"]
        row["key"] = evaluate.pair_key(frames["dataset"], (row["actor_a"], row["text_a"]), (row["actor_b"], row["text_b"]))
    return rows


def f_beta(precision: float, recall: float, beta: float = PRECISION_WEIGHT) -> float:
    return (1 + beta**2) * precision * recall / (beta**2 * precision + recall) if precision + recall else 0.0


def curve(rows: list[dict], labels: dict, positives: set, thresholds: np.ndarray) -> list[tuple[float, float, float]]:
    """(threshold, precision over labelled shown pairs, recall over labelled positives) at each threshold."""
    points = []
    for t in thresholds:
        shown = [r for r in rows if r["p"] >= t and not r["conflict"]]
        judged = [labels[r["key"]] for r in shown if r["key"] in labels]
        right = sum(1 for label in judged if label in evaluate.RELATED)
        found = {r["key"] for r in shown} & positives
        points.append((float(t), right / len(judged) if judged else 1.0, len(found) / len(positives) if positives else 0.0))
    return points


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        data = [frames_of(ROOT / "seeds", work / "baerum"), frames_of(copy_corpus(work / "korpus"), work / "korpus-build")]
        rows = [row for frames in data for row in candidates(frames)]
    labels = {key: label for folder in LABEL_FOLDERS for key, label in evaluate.load_pair_labels(folder).items()}
    split = {key: evaluate.split_of(key) for key in labels}
    tune = [r for r in rows if r["key"] in labels and split[r["key"]] == "tune"]
    x = np.array([[r[f] for f in FEATURES] for r in tune])
    y = np.array([labels[r["key"]] in evaluate.RELATED for r in tune])
    model = LogisticRegression(C=C, max_iter=5000).fit(x, y)
    coef = dict(zip(FEATURES, (round(float(c), 4) for c in model.coef_[0]), strict=True))
    intercept = round(float(model.intercept_[0]), 4)
    scorer = relate.Model(coef, intercept, 1.0, 1.0, 1.0, 1.0)
    for r in rows:
        r["p"] = scorer.probability({f: r[f] for f in FEATURES})
    blind = set().union(*(evaluate.read_blind(folder) for folder in LABEL_FOLDERS))
    positives = {s: {k for k, v in labels.items() if v in ("agree", "similar") and split[k] == s and k in blind} for s in ("tune", "report")}
    by_split = {s: [r for r in rows if split.get(r["key"], evaluate.split_of(r["key"])) == s] for s in ("tune", "report")}
    grid = np.round(np.arange(0.05, 0.96, 0.01), 2)
    tune_curve = curve(by_split["tune"], labels, positives["tune"], grid)
    related = max(tune_curve, key=lambda point: (f_beta(point[1], point[2]), -point[0]))[0]
    agree = _agree_threshold(tune, labels, scorer, related)
    mutual = _mutual_disagree_threshold(tune, labels, related)
    thresholds = {"related": related, "agree": agree, "disagree": related, "mutual_disagree": mutual}
    trained = {"tune_pairs": len(tune), "tune_related": int(y.sum()), "C": C, "beta": PRECISION_WEIGHT}
    (ROOT / "publish" / "relation_model.json").write_text(
        json.dumps({"coef": coef, "intercept": intercept, "thresholds": thresholds, "trained": trained}, indent=2, sort_keys=True) + "\n",
        encoding="utf-8",
    )
    report_curve = curve(by_split["report"], labels, positives["report"], grid)
    _draw(tune_curve, report_curve, related, ROOT / "bench" / "relations-pr.png")
    print(json.dumps({"coef": coef, "intercept": intercept, "thresholds": thresholds, "trained": trained}, indent=2))
    at = next(point for point in report_curve if point[0] == related)
    print(f"report split at {related}: precision {at[1]:.3f}, recall {at[2]:.3f} ({len(positives['report'])} positives)")


def _agree_threshold(tune: list[dict], labels: dict, scorer: relate.Model, related: float) -> float:
    """The probability above which a related pair is called 'agree' rather than 'similar': the one that
    gets most kinds right on the tune split's pairs labelled agree or similar."""
    pairs = [(scorer.probability({f: r[f] for f in FEATURES}), labels[r["key"]]) for r in tune if labels[r["key"]] in ("agree", "similar")]
    candidates = sorted({round(p, 2) for p, _ in pairs if p >= related} | {1.0})
    return max(candidates, key=lambda t: (sum((p >= t) == (label == "agree") for p, label in pairs), -t))  # ties: the lowest


def _mutual_disagree_threshold(tune: list[dict], labels: dict, related: float) -> float:
    """The probability from which a stance conflict between each other's best partners is shown as a
    disagreement: of the tune split's labelled mutual conflict pairs (disputed ones left out), the cut
    with the best F0.5 of `disagree` labels (halfway between the probabilities it separates, or at the
    lowest; ties: the higher cut, which shows fewer). No higher than `related`, from which any conflict
    pair is a disagreement; `related` itself when no such pair is labelled a disagreement. The labels
    hold a handful of these pairs, so the cut is printed with them."""
    pairs = sorted(
        (round(r["p"], 3), labels[r["key"]] == "disagree")
        for r in tune
        if r["conflict"] and r["mutual"] and r["raw"] >= relate.DISAGREE_MIN and labels[r["key"]] != "disputed"
    )
    for p, is_disagreement in pairs:
        print(f"mutual conflict pair (tune): p {p:.3f}, {'disagree' if is_disagreement else 'not a disagreement'}")
    disagreements = sum(d for _, d in pairs)
    if not disagreements:
        return related
    cuts = {round((a[0] + b[0]) / 2, 3) for a, b in zip(pairs, pairs[1:], strict=False) if a[0] < b[0]} | {pairs[0][0], related}

    def score(cut: float) -> tuple[float, float]:
        shown = [d for p, d in pairs if p >= cut]
        return f_beta(sum(shown) / len(shown) if shown else 0.0, sum(shown) / disagreements), cut

    return min(related, max(cuts, key=score))


def _draw(tune: list, report: list, chosen: float, path: Path) -> None:
    """A precision-recall curve as a PNG (Pillow, which WeasyPrint already brings)."""
    from PIL import Image, ImageDraw

    size, margin = 480, 50
    image = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(image)
    box = (margin, margin, size - margin, size - margin)
    draw.rectangle(box, outline="black")

    def xy(recall: float, precision: float) -> tuple[float, float]:
        return margin + recall * (size - 2 * margin), size - margin - precision * (size - 2 * margin)

    for points, colour in ((tune, (120, 120, 120)), (report, (200, 30, 40))):
        draw.line([xy(r, p) for _, p, r in points], fill=colour, width=2)
        t, p, r = next(point for point in points if point[0] == chosen)
        draw.ellipse([xy(r, p)[0] - 4, xy(r, p)[1] - 4, xy(r, p)[0] + 4, xy(r, p)[1] + 4], outline=colour, width=2)
    draw.text((margin, 15), f"precision (y) / recall (x); grey: tune, red: report; o = threshold {chosen}", fill="black")
    for value in (0.0, 0.5, 1.0):
        draw.text((xy(value, 0)[0] - 8, size - margin + 5), f"{value:.1f}", fill="black")
        draw.text((10, xy(0, value)[1] - 6), f"{value:.1f}", fill="black")
    image.save(path, optimize=True)


if __name__ == "__main__":
    main()
