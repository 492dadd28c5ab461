"""`python -m bench.longword [WORDS]`: the booklet's layout with pledges holding one 3,900-character word.

The seeds' data are built once (no booklet); then WORDS pledges (default 1) get a word of 3,900 random
letters (legal: a line holds 4,000 characters), and WeasyPrint lays out the A4 booklet three ways:
the seeds as they are, the long words as the booklet now prints them (broken by
publish.booklet.breakable every LONGEST_WORD characters), and unbroken, as before (stopped after
BENCH_LONGWORD_LIMIT seconds, default 300). Prints the seconds of each; bench/README.md shows them.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from publish import booklet, render
from publish.build import Paths, StageLog, build
from publish.sources import load_corpus

ROOT = Path(__file__).resolve().parent.parent
LIMIT = float(os.environ.get("BENCH_LONGWORD_LIMIT", "300"))


def booklet_html(words: int, broken: bool) -> str:
    """The seeds' A4 booklet HTML with `words` pledges lengthened by a 3,900-character word."""
    with tempfile.TemporaryDirectory() as folder:
        paths = Paths(seeds=ROOT / "seeds", package=Path(folder) / "datapackage", out=Path(folder) / "build", report=False)
        frames = build(paths, StageLog(echo=lambda line: None))
        evaluation = json.loads((paths.out / "evaluation.json").read_text(encoding="utf-8"))
    rng = random.Random(9)
    long_words = ["".join(rng.choice("abcdefghijklmnoprstuvyæøå") for _ in range(3_900)) for _ in range(words)]
    pledges = frames["pledges"].with_row_index("row")
    chosen = dict(zip(pledges.filter(pl.col("kind") == "pledge")["row"].to_list()[::97][:words], long_words, strict=False))
    frames["pledges"] = pledges.with_columns(
        pl.struct("row", "text").map_elements(lambda r: f"{r['text']} {chosen[r['row']]}" if r["row"] in chosen else r["text"], return_dtype=pl.String)
    ).drop("row")
    corpus = load_corpus(ROOT / "seeds")
    if not broken:
        booklet._LONG_WORD = re.compile(r"\S{100000,}")  # as before: no word is ever broken
    return booklet.render_html(booklet.BookletModel(corpus, frames, evaluation, "a4", corpus.groups[0]))


def main(argv: list[str]) -> int:
    if argv[:1] == ["--layout"]:  # one layout, in its own process so that a slow one can be stopped
        html = booklet_html(int(argv[1]), argv[2] == "broken")
        start = time.perf_counter()
        layout = render.lay_out(html)
        print(f"{time.perf_counter() - start:.2f} {len(layout.document.pages)}")
        return 0
    words = int(argv[0]) if argv else 1
    for label, count, mode in (("seeds as they are", 0, "broken"), ("long words, broken", words, "broken"), ("long words, unbroken", words, "unbroken")):
        command = [sys.executable, "-m", "bench.longword", "--layout", str(count), mode]
        try:
            result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=LIMIT, check=True)
            seconds, pages = result.stdout.split()
            print(f"{label:<22} {count} long words: layout {seconds} s, {pages} pages")
        except subprocess.TimeoutExpired:
            print(f"{label:<22} {count} long words: layout stopped after {LIMIT:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
