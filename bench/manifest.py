"""`python -m bench.manifest`: reading a manifest of many documents, at 1x, 2x and 4x, to show it is linear.

Each scale adds N [[documents]] entries naming one seed text to a copy of the seeds and times
`sources.load_corpus` (parse, check every entry, open, hash and decode each text through
files.read_inside). Before issue 24 this was quadratic: 20,000 documents took 122 s, as a set of the ids
seen so far was rebuilt for every entry and the manifest was scanned once per table.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from publish import sources

ROOT = Path(__file__).resolve().parent.parent
ENTRY = '\n[[documents]]\nid = "d{}"\nfile = "texts/ap-web-arbeid.txt"\nactor = "ap"\ntitle = "D {}"\nkind = "web_page"\nrights = "x"\n'


def load_seconds(documents: int, tmp: Path) -> float:
    seeds = tmp / f"seeds-{documents}"
    shutil.copytree(ROOT / "seeds", seeds)
    with (seeds / sources.MANIFEST_NAME).open("a", encoding="utf-8") as manifest:
        manifest.write("".join(ENTRY.format(n, n) for n in range(documents)))
    start = time.perf_counter()
    corpus = sources.load_corpus(seeds)
    seconds = time.perf_counter() - start
    assert len(corpus.documents) > documents
    return seconds


def main(base: int = 5_000) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        times = {scale: load_seconds(base * scale, Path(tmp)) for scale in (1, 2, 4)}
    for scale, seconds in times.items():
        print(f"{base * scale:>7,} documents  {seconds:6.2f} s  ({seconds / times[1]:.1f}x the time of 1x)")
    return 0


if __name__ == "__main__":
    sys.exit(main(*(int(a) for a in sys.argv[1:])))
