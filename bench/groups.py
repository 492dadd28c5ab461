"""`make bench`, second part: booklets for many comparison groups, an edit of one group, and the
booklet's layout against the floor of its own words. Benchmarks, not tests: nothing here fails.

- 12 synthetic groups of 8 parties and a municipality (`bench.synth.synthesise_groups`): the whole
  build's wall time, booklets per minute and peak RSS, against the sum of the bare WeasyPrint renders
  of the same HTML (each group's A4 and A5, one fresh process each) divided by the number of cores;
- the same build again after an edit of one party's text in one group, into the same folder (the
  kept layouts of the other groups reused), against the full build;
- the Bærum booklet's A4 HTML against the same words as plain paragraphs (`bench.plain`), laid out
  and written by WeasyPrint in one process, one after the other, several times.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

from bench.run import PY, ROOT, timed
from bench.synth import synthesise_groups

GROUPS = int(os.environ.get("BENCH_GROUPS", "12"))
GROUP_SIZE = int(os.environ.get("BENCH_GROUP_SIZE", "8"))
PROBE_RUNS = int(os.environ.get("BENCH_RUNS_PROBE", "3"))

# Both HTML layouts of every group's booklet, as the build makes them, written beside each other.
HTMLS = (
    "import json, sys; from pathlib import Path; from publish import booklet, sources; "
    "from publish.build import Paths, StageLog, build\n"
    "if __name__ == '__main__':\n"
    "    seeds, out = Path(sys.argv[1]), Path(sys.argv[2])\n"
    "    frames = build(Paths(seeds=seeds, package=out / 'dp', out=out, report=False), StageLog(echo=lambda _: None))\n"
    "    corpus = sources.load_corpus(seeds); evaluation = json.loads((out / 'evaluation.json').read_text())\n"
    "    for group in corpus.groups:\n"
    "        model = booklet.BookletModel(corpus, frames, evaluation, 'a4', group)\n"
    "        for paper in ('a4', 'a5'):\n"
    "            html = booklet.render_html(model.on_paper(paper))\n"
    "            (out / f'{group.group_id}-{paper}.html').write_text(html, encoding='utf-8')\n"
)
RENDER = (
    "import sys, time; from weasyprint import HTML; from publish.templating import TEMPLATES, local_fetcher\n"
    "if __name__ == '__main__':\n"
    "    html = open(sys.argv[1], encoding='utf-8').read(); start = time.perf_counter()\n"
    "    HTML(string=html, base_url=TEMPLATES.as_uri() + '/', url_fetcher=local_fetcher(TEMPLATES)).write_pdf(sys.argv[2])\n"
    "    print(time.perf_counter() - start)\n"
)
PROBE = (
    "import sys, time; from pathlib import Path; from weasyprint import HTML\n"
    "from publish.templating import TEMPLATES, local_fetcher; from bench.plain import plain_html, words\n"
    "if __name__ == '__main__':\n"
    "    booklet = Path(sys.argv[1]).read_text(encoding='utf-8'); css = (TEMPLATES / 'report.css').read_text(encoding='utf-8')\n"
    "    pages = {}\n"
    "    def render(name, html):\n"
    "        start = time.perf_counter(); document = HTML(string=html, base_url=TEMPLATES.as_uri() + '/', url_fetcher=local_fetcher(TEMPLATES)).render()\n"
    "        document.write_pdf(sys.argv[2]); pages[name] = len(document.pages); return time.perf_counter() - start\n"
    "    times = {'booklet': [], 'plain': [], 'plain, hyphenated': []}\n"
    "    for _ in range(int(sys.argv[3])):\n"
    "        times['booklet'].append(render('booklet', booklet))\n"
    "        times['plain'].append(render('plain', plain_html(booklet, css)))\n"
    "        times['plain, hyphenated'].append(render('plain, hyphenated', plain_html(booklet, css, hyphens=True)))\n"
    "    print(json.dumps({'words': sum(map(len, words(booklet))), 'seconds': times, 'pages': pages}))\n"
).replace("import sys, time;", "import json, sys, time;")


def many_groups(tmp: Path) -> dict:
    """The build of GROUPS groups of GROUP_SIZE parties, its floor, and an edit of one group."""
    seeds = synthesise_groups(ROOT / "seeds", tmp / "seeds", [GROUP_SIZE] * GROUPS, municipality=True)
    out = tmp / "out"
    command = [PY, "-m", "publish", "build", "--seeds", str(seeds), "--package", str(tmp / "dp"), "--out", str(out)]
    wall, stdout, peak = timed(command)
    booklets = [line for line in stdout.splitlines() if line.startswith("booklet")]
    pages = [int(n) for n in _numbers(stdout, r"report\.pdf (\d+) pages")]
    a5_pages = [int(n) for n in _numbers(stdout, r"report-booklet\.pdf (\d+) A5 pages")]
    edited = next((seeds / "texts").glob(f"k1-{GROUP_SIZE}-p1-*"))
    edited.write_text(edited.read_text(encoding="utf-8").replace("K1 ", "K1 Endret: ", 1), encoding="utf-8")
    edit_wall, edit_stdout, edit_peak = timed(command)
    laid_out_again = [line for line in edit_stdout.splitlines() if line.startswith("pdf") and "laid out by an earlier build" not in line]
    subprocess_html = timed([PY, "-c", HTMLS, str(seeds), str(tmp / "html")])
    renders = {html.name: float(timed([PY, "-c", RENDER, str(html), str(tmp / "bare.pdf")])[1]) for html in sorted((tmp / "html").glob("*.html"))}
    cores = os.cpu_count() or 1
    floor = sum(renders.values()) / cores
    return {
        "groups": GROUPS,
        "actors per group": GROUP_SIZE + 1,
        "cores": cores,
        "booklets": len(booklets),
        "A4 pages per booklet (min-max)": [min(pages), max(pages)] if pages else [],
        "A5 pages per booklet (min-max)": [min(a5_pages), max(a5_pages)] if a5_pages else [],
        "wall, s": round(wall, 1),
        "booklets per minute": round(len(booklets) / wall * 60, 2),
        "peak RSS, MB": round(peak / 1024),
        "bare renders (A4 + A5 of every group), sum, s": round(sum(renders.values()), 1),
        "bare renders / cores, s": round(floor, 1),
        "build / (bare renders / cores)": round(wall / floor, 2),
        "edit of one group: wall, s": round(edit_wall, 1),
        "edit of one group: PDFs laid out again": len(laid_out_again),
        "edit of one group: peak RSS, MB": round(edit_peak / 1024),
        "edit / full build": round(edit_wall / wall, 2),
        "html script, s": round(subprocess_html[0], 1),
    }


def _numbers(text: str, pattern: str) -> list[str]:
    import re

    return re.findall(pattern, text)


def layout_floor(tmp: Path) -> dict:
    """The Bærum booklet's A4 layout against the same words as plain paragraphs, in one process."""
    timed([PY, "-m", "publish", "build", "--package", str(tmp / "dp"), "--out", str(tmp / "baerum")])
    _, stdout, _ = timed([PY, "-c", PROBE, str(tmp / "baerum" / "report.html"), str(tmp / "probe.pdf"), str(PROBE_RUNS)])
    probe = json.loads(stdout)
    medians = {name: statistics.median(values) for name, values in probe["seconds"].items()}
    return {
        "words": probe["words"],
        "pages": probe["pages"],
        "median seconds": {name: round(value, 2) for name, value in medians.items()},
        "words per second": {name: round(probe["words"] / value) for name, value in medians.items()},
        "booklet / plain": round(medians["booklet"] / medians["plain"], 2),
        "booklet / plain, hyphenated": round(medians["booklet"] / medians["plain, hyphenated"], 2),
        "runs": PROBE_RUNS,
    }


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        result = {"layout floor": layout_floor(Path(tmp))}
        print(json.dumps(result, indent=2, ensure_ascii=False), flush=True)
        result["many groups"] = many_groups(Path(tmp))
    (ROOT / "bench" / "groups.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(result["many groups"], indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
