"""`make bench` (and `python -m bench.scaling`): the stages that were super-linear, at 1x, 2x and 4x.

Each case makes a synthetic input of size n, 2n and 4n, times the stage on it in this process (best of
BENCH_RUNS_SCALING runs, default 1), and prints the seconds and the ratios 2x/1x and 4x/1x: about 2
and 4 for linear work, a little more for n log n, 4 and 16 for quadratic. Results go to
bench/scaling.json; bench/README.md shows them. `python -m bench.scaling --profile CASE N` runs one
case under cProfile instead and prints its 25 costliest functions.

The cases (issue #24, with the probe's figures before the fixes):
- diff: N removed against N added pledges of one actor in one section, a third of them reworded
  (D03: 20,000 against 20,000 took 368 s);
- dedup: N bullets of one actor alike but for a number ("Bygge 17 nye omsorgsboliger …", R01: 20,000
  took 32 s);
- vocabulary: N distinct bullets of one template whose five slots take words from a small vocabulary
  (alike, never merged: the duplicate index's hardest case);
- headings: a text of N headings, each over a short paragraph (R03: 40,000 took 28 s to extract);
- big text: the seeds' texts repeated to N MB, read and extracted (T06: 50 MB took 330 s, 227 in extraction);
- long item: one item wrapped over N lines, its text joined (20,000 lines took 45 s, 40,000 162 s).
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl

from publish import diff, extract, tables
from publish.sources import Document, decode_text, split_lines

ROOT = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("BENCH_RUNS_SCALING", "1"))
WORDS = "skole barnehage vei park bibliotek svømmehall sykehjem brannstasjon idrettshall kulturhus".split()


def _document(text: str, document_id: str = "bench", layout: str = "auto") -> Document:
    return Document(
        document_id=document_id,
        actor_id="ap",
        title="Bench",
        short_title="Bench",
        kind="programme",
        period="",
        source_file=f"{document_id}.txt",
        layout=layout,
        url="",
        rights="",
        sha256="",
        lines=split_lines(decode_text(text.encode("utf-8"), Path(f"{document_id}.txt"), "utf-8")),
    )


def diff_case(n: int) -> Callable[[], object]:
    """N removed and N added pledges in one section; every third added one rewords a removed one."""

    def frame(prefix: str, texts: list[str]) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "pledge_id": [f"ap-{prefix}{i}" for i in range(len(texts))],
                "actor_id": ["ap"] * len(texts),
                "document_id": ["ap-program"] * len(texts),
                "section_id": ["ap-s1"] * len(texts),
                "text": texts,
                "topic_id": ["bolig"] * len(texts),
            }
        )

    removed = [f"Bygge {WORDS[i % 10]} nummer {i} i bydel {WORDS[(i // 10) % 10]} innen utgangen av perioden." for i in range(n)]
    added = [
        f"Bygge en ny {WORDS[i % 10]} nummer {i} i bydel {WORDS[(i // 10) % 10]} innen utgangen av perioden."
        if i % 3 == 0
        else f"Senke eiendomsskatten med {i + 5 * n} kroner for hver {WORDS[i % 10]}eier i år {i}."
        for i in range(n)
    ]
    old, new = frame("o", removed), frame("n", added)
    return lambda: diff.compare(old, new)


def _tables(document: Document) -> Callable[[], object]:
    """The foundation tables of one document (extracted beforehand): where the duplicates merge."""
    from publish.sources import Actor, Corpus, Dataset, Group

    dataset = Dataset("bench", "Bench", "", "1.0.0", "2026-01-01", "CC-BY-4.0", "CC BY 4.0", "", "Bench", ())
    corpus = Corpus(dataset, (Actor("ap", "Bench Arbeiderparti", "Ap", "party", "#000000", "bench"),), (document,), ROOT, (Group("bench", "Bench", "Løfter i Bench"),))
    extractions = {document.document_id: extract.extract(document)}
    return lambda: tables.build_tables(corpus, extractions)


def dedup_case(n: int) -> Callable[[], object]:
    lines = ["Bench Arbeiderparti vil:", ""] + [f"• Bygge {i} nye omsorgsboliger for eldre i hele kommunen." for i in range(n)]
    return _tables(_document("\n".join(lines) + "\n"))


def _letters(number: int) -> str:
    """A number as lower-case letters (0 -> "a", 26 -> "ba"): names without digits, which a text's line
    numbers would be taken for."""
    word = ""
    while True:
        number, digit = divmod(number, 26)
        word = chr(ord("a") + digit) + word
        if not number:
            return word


def vocabulary_case(n: int) -> Callable[[], object]:
    """N distinct bullets of one template, each slot filled from a small vocabulary: alike, never merged."""
    adjectives = "nye flere bedre større moderne trygge grønne rimelige gode varige".split()
    nouns = "boliger skoler barnehager veier parker haller sykehjem bibliotek kontorer butikker".split()
    groups = "eldre unge barn familier studenter innbyggere ansatte pasienter elever pendlere".split()
    places = "sentrum nord sør øst vest fjorden marka byen bygda dalen".split()
    when = "raskt snart straks nå tidlig".split()
    combos = [(w, a, b, g, p) for w in when for a in adjectives for b in nouns for g in groups for p in places]
    random.Random(2).shuffle(combos)
    lines = ["Bench Arbeiderparti vil:", ""] + [f"• Bygge {a} {b} for {g} i {p} {w}." for w, a, b, g, p in combos[:n]]
    return _tables(_document("\n".join(lines) + "\n"))


def headings_case(n: int) -> Callable[[], object]:
    parts = []
    for i in range(n):
        parts += [f"Tema {WORDS[i % 10]} {_letters(i)}", "", f"Vi vil styrke {WORDS[(i + 3) % 10]} i hele kommunen, sa de.", ""]
    document = _document("\n".join(parts) + "\n")
    return lambda: extract.extract(document)


def big_text_case(megabytes: int) -> Callable[[], object]:
    texts = sorted((ROOT / "seeds" / "texts").glob("*.txt"))
    seed = "\n".join(path.read_text(encoding="utf-8") for path in texts)
    repeats = max(1, round(megabytes * 2**20 / len(seed.encode("utf-8"))))
    text = "\n".join([seed] * repeats)
    return lambda: extract.extract(_document(text))


def long_item_case(n: int) -> Callable[[], object]:
    """One bullet whose text wraps over N lines, each ending in a split word: joined into one text."""
    lines = ["Vi vil:", "", "• Bygge"] + ["flere skoler og barnehager i hele kommunen, og styrke tilbu-", "det"] * (n // 2)
    extraction = extract.extract(_document("\n".join(lines) + "\n"))
    return lambda: [item.text for item in extraction.items]


CASES: dict[str, tuple[Callable[[int], Callable[[], object]], int, str]] = {
    "diff": (diff_case, 5_000, "removed and added pledges each"),
    "dedup": (dedup_case, 5_000, "bullets"),
    "vocabulary": (vocabulary_case, 5_000, "bullets"),
    "headings": (headings_case, 10_000, "headings"),
    "big-text": (big_text_case, 5, "MB of text"),
    "long-item": (long_item_case, 20_000, "lines of one item"),
}


def measure(make: Callable[[int], Callable[[], object]], n: int) -> float:
    run = make(n)
    best = float("inf")
    for _ in range(RUNS):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: list[str]) -> int:
    if argv[:1] == ["--profile"]:
        make = CASES[argv[1]][0]
        run = make(int(argv[2]))
        profile = cProfile.Profile()
        profile.runcall(run)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
        return 0
    results = {}
    print(f"{'case':<10} {'1x':>22} {'1x s':>8} {'2x s':>8} {'4x s':>8} {'2x/1x':>6} {'4x/1x':>6}")
    for name, (make, n, unit) in CASES.items():
        seconds = [measure(make, n * factor) for factor in (1, 2, 4)]
        results[name] = {"n": n, "unit": unit, "seconds": [round(s, 3) for s in seconds]}
        ratios = [s / seconds[0] for s in seconds[1:]]
        print(f"{name:<10} {f'{n:,} {unit}':>22} {seconds[0]:8.2f} {seconds[1]:8.2f} {seconds[2]:8.2f} {ratios[0]:6.1f} {ratios[1]:6.1f}")
    (ROOT / "bench" / "scaling.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
