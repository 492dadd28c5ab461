"""Score the extractor on the development corpus against the hand labels in labels/.

An item label is found when an extracted item starts on its line, and right when that item's text
is the labelled text. A non-item label is a false positive when any extracted item covers its line
(an item starting there, or prose glued onto an item). Recall = right items / labelled items;
precision = right items / (right items + non-items covered).

`python -m tests.corpus.score` prints both per document (docs/method.md says how they are read).
"""

from __future__ import annotations

import atexit
import csv
import shutil
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from publish.extract import Extraction, extract
from publish.sources import Corpus, load_corpus

CORPUS = Path(__file__).resolve().parent  # the manifest and our own labels; the texts are not ours to carry
LABELS = CORPUS / "labels"  # items read by hand, one CSV per text
EVALUATION = CORPUS / "evaluation"  # chapters and pairs read by hand: the corpus dataset's own labels
# The texts lie beside the checkout, in the shared development corpus, with their sources: their rights
# are the parties' ("internal development and testing only"), so the repository holds no copy.
TEXTS = CORPUS.parent.parent.parent / "shared" / "corpus"
MISSING = f"the development corpus is absent: its texts are read from {TEXTS} (../shared/corpus beside the checkout)"


@dataclass(frozen=True)
class Label:
    line: int
    label: str
    text: str


@dataclass
class Score:
    document_id: str
    layout: str
    items_found: int
    labelled_items: int
    started: int
    right: int
    wrong_texts: list[tuple[int, str, str]]
    labelled_non_items: int
    covered_non_items: list[tuple[int, str]]

    @property
    def recall(self) -> float:
        return self.right / self.labelled_items if self.labelled_items else 1.0

    @property
    def precision(self) -> float:
        denominator = self.right + len(self.covered_non_items)
        return self.right / denominator if denominator else 1.0


def available() -> bool:
    """Whether the shared development corpus is beside the checkout (tests skip with MISSING if not)."""
    return TEXTS.is_dir()


def copy_corpus(target: Path) -> Path:
    """The corpus as a seeds folder of its own at `target`: the shared texts, our manifest and labels, the seeds' taxonomy."""
    (target / "texts").mkdir(parents=True)
    for text in sorted(TEXTS.glob("*.txt")):
        shutil.copyfile(text, target / "texts" / text.name)
    shutil.copy(CORPUS / "sources.toml", target)
    shutil.copytree(EVALUATION, target / "labels")
    shutil.copy(CORPUS.parent.parent / "seeds" / "topics.toml", target)
    return target


@cache
def load_corpus_documents() -> Corpus:
    """The corpus's documents, read once per process from a copy in a temporary folder removed at exit."""
    folder = tempfile.TemporaryDirectory(prefix="korpus-")
    atexit.register(folder.cleanup)
    return load_corpus(copy_corpus(Path(folder.name) / "korpus"))


def read_labels(stem: str) -> list[Label]:
    with (LABELS / f"{stem}.csv").open(encoding="utf-8", newline="") as handle:
        return [Label(int(row["line"]), row["label"], row["text"]) for row in csv.DictReader(handle)]


def score(document_id: str, extraction: Extraction, labels: list[Label]) -> Score:
    starts: dict[int, object] = {}
    for item in extraction.items:  # several items may start on one printed line: the label names the first
        starts.setdefault(item.lines[0].number, item)
    covered = {line.number for item in extraction.items for line in item.lines}
    result = Score(document_id, extraction.layout.describe(), len(extraction.items), 0, 0, 0, [], 0, [])
    for label in labels:
        if label.label == "item":
            result.labelled_items += 1
            item = starts.get(label.line)
            if item is None:
                result.wrong_texts.append((label.line, label.text, "(no item starts here)"))
                continue
            result.started += 1
            if " ".join(item.text.split()) == " ".join(label.text.split()):
                result.right += 1
            else:
                result.wrong_texts.append((label.line, label.text, item.text))
        else:
            result.labelled_non_items += 1
            if label.line in covered:
                result.covered_non_items.append((label.line, label.text))
    return result


def score_corpus() -> list[Score]:
    corpus = load_corpus_documents()
    return [score(d.document_id, extract(d), read_labels(Path(d.source_file).stem)) for d in corpus.documents]


def table(scores: list[Score]) -> str:
    lines = [
        "| document | layout detected | items found | hand sample (items / non-items) | recall | precision |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for s in scores:
        lines.append(
            f"| {s.document_id} | {s.layout} | {s.items_found} | {s.labelled_items} / {s.labelled_non_items} | {s.recall:.3f} | {s.precision:.3f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    results = score_corpus()
    print(table(results))
    for s in results:
        for line, want, got in s.wrong_texts:
            print(f"\n{s.document_id}:{line} item\n  want: {want}\n  got:  {got}")
        for line, text in s.covered_non_items:
            print(f"\n{s.document_id}:{line} non-item covered: {text}")
