"""The measurement behind publish/review.py's UNCERTAIN_BAND: how often a labelled candidate pair is
related, by the scorer's probability, for the Bærum seeds and the development corpus.

`.venv/bin/python -m bench.review_band` prints one row per probability bin of 0.05: the candidate
pairs, those with a hand label, and the share of those that are related (agree, similar or
disagree). The review sheet's uncertain pairs are those whose probability lies where the share is
neither low nor high, around the print threshold; run this again when the scorer is retrained.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from pathlib import Path

from bench.train_relations import candidates, frames_of
from publish import evaluate, relate
from publish.review import UNCERTAIN_BAND
from tests.corpus.score import copy_corpus

ROOT = Path(__file__).resolve().parent.parent
BIN = 0.05


def bins(seeds: Path, work: Path) -> dict[float, list[int]]:
    """Per bin: candidate pairs, labelled ones, related ones among those labelled."""
    frames = frames_of(seeds, work)
    labels = evaluate.load_pair_labels(seeds / evaluate.LABELS_FOLDER, frames["dataset"])
    counts: dict[float, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in candidates(frames):
        row_bin = counts[round(row["p"] / BIN) * BIN]
        row_bin[0] += 1
        if labels.get(row["key"]) in ("agree", "similar", "disagree", "unrelated"):
            row_bin[1] += 1
            row_bin[2] += labels[row["key"]] in evaluate.RELATED
    return counts


def main() -> None:
    threshold = relate.load_model().related
    print(f"print threshold {threshold}, uncertain band ±{UNCERTAIN_BAND}")
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        for name, seeds in (("Bærum", ROOT / "seeds"), ("corpus", copy_corpus(work / "korpus"))):
            print(f"\n{name}\n   p  pairs  labelled  related  share")
            for p, (pairs, labelled, related) in sorted(bins(seeds, work / name).items()):
                share = f"{related / labelled:5.2f}" if labelled else "    -"
                mark = "  *" if abs(p - threshold) <= UNCERTAIN_BAND else ""
                print(f"{p:4.2f}  {pairs:5d}  {labelled:8d}  {related:7d}  {share}{mark}")


if __name__ == "__main__":
    main()
