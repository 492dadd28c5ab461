"""`python -m bench.longword [WORDS]`: the booklet's layout with pledges holding one 3,900-character word.

The seeds get WORDS new bullets (default 1) on Ap's web page on work, each holding a word of 3,900
random letters (legal: a line holds 4,000 characters), as the probe's case I9 had it; the data are
built (no booklet), and WeasyPrint lays out the A4 booklet three ways:
the seeds as they are, the long words as the booklet now prints them (broken by
publish.booklet.breakable every LONGEST_WORD characters), and unbroken, as before (stopped after
BENCH_LONGWORD_LIMIT seconds, default 300). Prints the seconds of each; bench/README.md shows them.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from publish import booklet, render
from publish.build import Paths, StageLog, build
from publish.sources import load_corpus

ROOT = Path(__file__).resolve().parent.parent
LIMIT = float(os.environ.get("BENCH_LONGWORD_LIMIT", "300"))


FIRST_BULLET = " • Tilby kommunalt ansatte trygge jobber og konkurransedyktig lønn.\n"


def booklet_html(words: int, broken: bool) -> str:
    """The seeds' A4 booklet HTML with `words` new bullets on Ap's web page on work, each "Innføre <a word
    of 3,900 letters> for alle." (printed side by side with Rødt's pledges, in a table)."""
    rng = random.Random(9)
    bullets = [" • Innføre " + "".join(rng.choice("abcdefghijklmnoprstuvyæøå") for _ in range(3_900)) + " for alle.\n" for _ in range(words)]
    with tempfile.TemporaryDirectory() as folder:
        seeds = Path(folder) / "seeds"
        shutil.copytree(ROOT / "seeds", seeds)
        text = seeds / "texts" / "ap-web-arbeid.txt"
        text.write_text(text.read_text(encoding="utf-8").replace(FIRST_BULLET, FIRST_BULLET + "".join(bullets), 1), encoding="utf-8")
        manifest = (seeds / "sources.toml").read_text(encoding="utf-8")
        entry = manifest.index('file = "texts/ap-web-arbeid.txt"')
        pin = manifest.index("sha256 = ", entry)  # the text is changed on purpose: its pinned checksum goes
        (seeds / "sources.toml").write_text(manifest[:pin] + manifest[manifest.index("\n", pin) + 1 :], encoding="utf-8")
        paths = Paths(seeds=seeds, package=Path(folder) / "datapackage", out=Path(folder) / "build", report=False)
        frames = build(paths, StageLog(echo=lambda line: None))
        evaluation = json.loads((paths.out / "evaluation.json").read_text(encoding="utf-8"))
        corpus = load_corpus(seeds)
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
