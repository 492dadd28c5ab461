"""Draw a blind sample of pledge pairs for a reader to label (origin `pool` in pair_labels.csv).

`python -m bench.draw_pairs OUT_DIR` writes OUT_DIR/pairs.csv (what the reader sees: a number, the two
actors and texts, in random order) and OUT_DIR/strata.csv (how each pair was drawn, kept from the
reader). Pairs already labelled are skipped. Three strata per dataset (the Bærum seeds and the
development corpus's national group of 15 parties), so that the sample says something about every
kind of pair and not only about what one method shows:
- `nearest`: a candidate pair of the relation stage (each pledge's nearest pledges of another actor,
  stem and character TF-IDF), stratified over the scorer's probability in four bands;
- `chapter`: two actors' pledges drawn at random from one chapter (hard negatives, missed relations);
- `stance`: two actors' pledges sharing a rare content word and one more, where exactly one of them has a
  word of refusal or prohibition (disagreement candidates, drawn from every pair of the group, not the method's).
"""

from __future__ import annotations

import csv
import random
import sys
import tempfile
from collections import Counter
from itertools import combinations
from pathlib import Path

from bench.train_relations import LABEL_FOLDERS, frames_of
from publish import evaluate, relate
from publish.text import content_stems, normalise
from tests.corpus.score import copy_corpus

ROOT = Path(__file__).resolve().parent.parent
SEED = 20261207
PER_DATASET = {"nearest": 64, "chapter": 24, "stance": 40}
REFUSAL = ("ikke", "ikkje", "forby", "forbud", "forbys", "stanse", "stans", "nei", "avvikle", "avvikles", "avskaffe", "mot", "fjerne", "reversere")


def _refuses(text: str) -> bool:
    return any(word in REFUSAL for word in normalise(text).split())


def _stratified(rows: list[dict], count: int, rng: random.Random) -> list[dict]:
    """`count` candidate pairs, as many from each quarter of the probability range."""
    bands = [[r for r in rows if low <= r["p"] < low + 0.25 or (low == 0.75 and r["p"] == 1.0)] for low in (0.0, 0.25, 0.5, 0.75)]
    chosen: list[dict] = []
    for band in bands:
        chosen += rng.sample(band, min(len(band), count // 4))
    return chosen


def _pledges(frames: dict, group: str) -> list[tuple[str, str, str]]:
    """(actor, text, chapter) of every pledge of one comparison group."""
    actors = set(frames["actors"].filter(frames["actors"]["comparison_group"] == group)["actor_id"])
    rows = frames["pledges"].select("actor_id", "text", "topic_id").iter_rows()
    return [(a, t, c) for a, t, c in rows if a in actors]


def _chapter_pairs(pledges: list, count: int, rng: random.Random) -> list[tuple]:
    """`count` pairs of two actors' pledges in one chapter, drawn with replacement (the strata take the
    first distinct ones); none where no chapter holds two actors' pledges."""
    if not any(a[2] == b[2] and a[0] != b[0] for a, b in combinations(pledges, 2)):
        return []
    pairs = []
    while len(pairs) < count:
        a = rng.choice(pledges)
        others = [b for b in pledges if b[2] == a[2] and b[0] != a[0]]
        if others:
            pairs.append((a, rng.choice(others)))
    return pairs


def _stance_pairs(pledges: list, count: int, rng: random.Random) -> list[tuple]:
    """Pairs that share a rare content word (in at most 1 % of the group's pledges, at least 3) and one
    more, where one pledge refuses and the other does not; each pledge in at most two pairs."""
    stems = [content_stems(p[1]) for p in pledges]
    frequency = Counter(stem for found in stems for stem in found)
    rare = max(3, len(pledges) // 100)
    refusal = [_refuses(p[1]) for p in pledges]
    found = [
        (i, j)
        for i, j in combinations(range(len(pledges)), 2)
        if pledges[i][0] != pledges[j][0]
        and refusal[i] != refusal[j]
        and len(stems[i] & stems[j]) >= 2
        and any(frequency[stem] <= rare for stem in stems[i] & stems[j])
    ]
    rng.shuffle(found)
    uses: Counter = Counter()
    chosen = []
    for i, j in found:
        if uses[i] < 2 and uses[j] < 2 and len(chosen) < count:
            chosen.append((pledges[i], pledges[j]))
            uses.update((i, j))
    return chosen


def draw(out_dir: Path) -> int:
    rng = random.Random(SEED)
    labelled = {key for folder in LABEL_FOLDERS for key in evaluate.load_pair_labels(folder)}
    drawn: dict[str, tuple] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        datasets = [(frames_of(ROOT / "seeds", work / "b"), "baerum"), (frames_of(copy_corpus(work / "k"), work / "kb"), "national")]
        for frames, group in datasets:
            name = frames["dataset"]
            groups = dict(frames["actors"].select("actor_id", "comparison_group").iter_rows())
            names = dict(frames["actors"].select("actor_id", "name").iter_rows())
            rows = [r for r in relate.all_scored_pairs(frames["pledges"], frames["pledge_topics"], groups, names) if groups[r["actor_a"]] == group]
            pledges = _pledges(frames, group)
            strata = {
                "nearest": [((r["actor_a"], r["text_a"]), (r["actor_b"], r["text_b"])) for r in _stratified(rows, 4 * PER_DATASET["nearest"], rng)],
                "chapter": [((a[0], a[1]), (b[0], b[1])) for a, b in _chapter_pairs(pledges, 2 * PER_DATASET["chapter"], rng)],
                "stance": [((a[0], a[1]), (b[0], b[1])) for a, b in _stance_pairs(pledges, 2 * PER_DATASET["stance"], rng)],
            }
            for stratum, pairs in strata.items():
                taken = 0
                for a, b in pairs:
                    key = evaluate.pair_key(name, a, b)
                    if key in labelled or key in drawn or taken == PER_DATASET[stratum]:
                        continue
                    drawn[key] = (name, stratum, a, b)
                    taken += 1
    order = list(drawn.values())
    rng.shuffle(order)
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / "pairs.csv", "w", encoding="utf-8", newline="") as seen, open(out_dir / "strata.csv", "w", encoding="utf-8", newline="") as kept:
        shown, hidden = csv.writer(seen, lineterminator="\n"), csv.writer(kept, lineterminator="\n")
        shown.writerow(["n", "dataset", "actor_a", "text_a", "actor_b", "text_b"])
        hidden.writerow(["n", "dataset", "stratum"])
        for n, (name, stratum, a, b) in enumerate(order, 1):
            shown.writerow([n, name, a[0], a[1], b[0], b[1]])
            hidden.writerow([n, name, stratum])
    return len(order)


if __name__ == "__main__":
    print(f"{draw(Path(sys.argv[1]))} pairs drawn")
