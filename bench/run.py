"""`make bench`: time every stage at 1x, 10x and 100x the seeds, against the floors of the tools.

Prints a table and writes bench/results.json. Benchmarks, not tests: nothing here fails a build.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path

from bench.synth import synthesise

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
RENDER_RUNS = int(os.environ.get("BENCH_RUNS_RENDER", "3"))  # 16 s each: five would put make bench near its 10 minutes
PAIR_RUNS = int(os.environ.get("BENCH_RUNS_PAIR", "2"))
SCALES = {10: int(os.environ.get("BENCH_RUNS_10", "1")), 100: int(os.environ.get("BENCH_RUNS_100", "1"))}
STAGE = re.compile(r"^(\S+)\s+(\d+) ms")
LIBRARIES = ("polars", "frictionless", "openpyxl", "weasyprint", "jinja2", "pikepdf", "scikit-learn", "rapidfuzz")


def timed(command: list[str], cwd: Path = ROOT) -> tuple[float, str, int]:
    """Wall seconds, stdout and peak RSS (KiB) of one child: the largest of GNU time's figure (the child
    and the descendants it waited for) and of the peaks sampled every 50 ms in /proc of every process
    below it (GNU time misses a process nobody below it waited for, such as a forkserver's children)."""
    gnu_time = shutil.which("time", path="/usr/bin")
    wrapped = [gnu_time, "-f", "peak-rss-kib %M", *command] if gnu_time else command
    start = time.perf_counter()
    with subprocess.Popen(wrapped, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        sampled = 0
        with ThreadPoolExecutor(1) as reader:
            output = reader.submit(process.communicate)
            while not output.done():
                sampled = max(sampled, *_peaks_below(process.pid))
                time.sleep(0.05)
            stdout, stderr = output.result()
    elapsed = time.perf_counter() - start
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, command, stdout, stderr)
    peak = re.search(r"peak-rss-kib (\d+)", stderr)
    return elapsed, stdout, max(int(peak.group(1)) if peak else 0, sampled)


def _peaks_below(pid: int) -> list[int]:
    """VmHWM (KiB) of every process below `pid` now; [0] when there is none."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError):
            continue
    below, frontier = [], [pid]
    while frontier:
        frontier = [child for child, parent in parents.items() if parent in frontier]
        below += frontier
    peaks = [0]
    for child in below:
        try:
            status = Path(f"/proc/{child}/status").read_text()
        except OSError:
            continue
        found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
        peaks.append(int(found.group(1)) if found else 0)
    return peaks


def summary(values: list[float]) -> dict:
    return {"min": round(min(values), 3), "median": round(statistics.median(values), 3), "runs": len(values)}


# What a data build (no booklet) imports; its floor is importing them all in one process.
DATA_LIBRARIES = ("polars", "frictionless", "openpyxl", "rapidfuzz", "snowballstemmer", "sklearn.feature_extraction.text")
RENDER = (
    "import sys, time; from weasyprint import HTML; from publish.templating import local_fetcher; "
    "from publish.templating import TEMPLATES; html = open(sys.argv[1], encoding='utf-8').read(); t = time.perf_counter(); "
    "HTML(string=html, base_url=TEMPLATES.as_uri() + '/', url_fetcher=local_fetcher(TEMPLATES)).write_pdf(sys.argv[2]); "
    "print(time.perf_counter() - t)"
)
A5_HTML = (
    "import json, sys; from pathlib import Path; from publish import booklet, sources; "
    "from publish.build import Paths, StageLog, build; out = Path(sys.argv[1]); "
    "frames = build(Paths(package=out / 'dp', out=out, report=False), StageLog(echo=lambda _: None)); "
    "model = booklet.BookletModel(sources.load_corpus(Path('seeds')), frames, json.loads((out / 'evaluation.json').read_text()), 'a5'); "
    "(out / 'report-a5.html').write_text(booklet.render_html(model), encoding='utf-8')"
)


def floors() -> dict:
    """What no build can beat: starting Python, importing the libraries, WeasyPrint on the HTML alone."""
    start = [timed([PY, "-c", "pass"])[0] for _ in range(RUNS)]
    result = {"interpreter": summary(start)}
    for module in ("polars", "frictionless", "openpyxl", "weasyprint"):
        result[f"import {module}"] = summary([timed([PY, "-c", f"import {module}"])[0] - min(start) for _ in range(RUNS)])
    every = "import " + ", ".join(DATA_LIBRARIES)
    result["interpreter + imports of the data build"] = summary([timed([PY, "-c", every])[0] for _ in range(RUNS)])
    subprocess.run(["make", "report"], cwd=ROOT, capture_output=True, check=True)
    with tempfile.TemporaryDirectory() as tmp:
        result["weasyprint render of report.html"] = summary(
            [_render(ROOT / "build" / "report.html", Path(tmp)) for _ in range(RENDER_RUNS)]
        )
        subprocess.run([PY, "-c", A5_HTML, tmp], cwd=ROOT, check=True)
        pairs = [_render_pair(ROOT / "build" / "report.html", Path(tmp) / "report-a5.html", Path(tmp)) for _ in range(PAIR_RUNS)]
        result["weasyprint renders of the A4 and A5 HTML at once"] = summary(pairs)
    result["python -m publish --help"] = summary([timed([PY, "-m", "publish", "--help"])[0] for _ in range(RUNS)])
    result["no-op make report"] = summary([timed(["make", "report"])[0] for _ in range(RUNS)])
    return result


def _render(html: Path, tmp: Path) -> float:
    return float(timed([PY, "-c", RENDER, str(html), str(tmp / "r.pdf")])[1])


def _render_pair(a4: Path, a5: Path, tmp: Path) -> float:
    """Both layouts of the booklet side by side, as a build that makes both must: the later to finish."""
    children = [
        subprocess.Popen([PY, "-c", RENDER, str(html), str(tmp / f"{html.stem}.pdf")], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        for html in (a4, a5)
    ]
    return max(float(child.communicate()[0]) for child in children)


def build_runs(seeds: Path, runs: int, *extra: str) -> dict:
    """Stage times (min, median) and whole-build wall time of `runs` builds into a fresh folder."""
    stages: dict[str, list[float]] = {}
    walls, peaks = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            command = [PY, "-m", "publish", "build", "--seeds", str(seeds), "--package", f"{tmp}/dp", "--out", f"{tmp}/out", *extra]
            wall, stdout, peak = timed(command)
            peaks.append(peak)
            walls.append(wall)
            for line in stdout.splitlines():
                match = STAGE.match(line)
                if match:
                    stages.setdefault(match.group(1), []).append(int(match.group(2)) / 1000)
    return {"wall": summary(walls), "peak_rss_mb": round(max(peaks) / 1024, 1), "stages": {k: summary(v) for k, v in stages.items()}}


def machine() -> dict:
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {"platform": platform.platform(), "cpu_count": os.cpu_count(), "python": platform.python_version(), "libraries": versions}


def targets(result: dict) -> list[tuple[str, float, float, bool]]:
    """(target, measured ratio or value, limit, holds) for every target of the benchmark issue."""
    f, one, data = result["floors"], result["scales"]["1"], result["scales"]["1-data"]
    full = one["wall"]["median"]
    rows = [
        ("full build / bare WeasyPrint render of report.html", full / f["weasyprint render of report.html"]["median"], 1.3),
        (
            "full build / bare renders of the A4 and A5 HTML at once",
            full / f["weasyprint renders of the A4 and A5 HTML at once"]["median"],
            1.3,
        ),
        (
            "data build (no booklet) / interpreter + imports it needs",
            data["wall"]["median"] / f["interpreter + imports of the data build"]["median"],
            1.5,
        ),
        ("no-op make report, seconds", f["no-op make report"]["median"], 0.2),
        ("python -m publish --help, seconds", f["python -m publish --help"]["median"], 0.3),
    ]
    hundred = result["scales"].get("100")
    if hundred:
        for stage, times in hundred["stages"].items():  # evaluate does no work there: no hand labels for synthetic seeds
            if stage in data["stages"] and data["stages"][stage]["median"] > 0.005 and times["median"] > 0:
                rows.append((f"{stage} at 100x / 1x", times["median"] / data["stages"][stage]["median"], 110))
        rows.append(("relations at 100x, seconds", hundred["stages"]["relations"]["median"], 60))
        rows.append(("peak RSS at 100x, MB", hundred["peak_rss_mb"], 1024))
    return [(name, round(value, 3), limit, value <= limit) for name, value, limit in rows]


def main() -> int:
    print(f"bench: {RUNS} runs at 1x, {RENDER_RUNS} bare renders, {PAIR_RUNS} of the two layouts at once, scales {SCALES}", flush=True)
    result = {"machine": machine(), "floors": floors(), "scales": {}}
    print("floors done", flush=True)
    result["scales"]["1"] = build_runs(ROOT / "seeds", RUNS)
    result["scales"]["1-data"] = build_runs(ROOT / "seeds", RUNS, "--no-report")
    print("1x done", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for scale, runs in SCALES.items():
            if runs:
                seeds = synthesise(ROOT / "seeds", Path(tmp) / f"seeds-{scale}", scale)
                result["scales"][str(scale)] = build_runs(seeds, runs, "--no-report")
                print(f"{scale}x done", flush=True)
    result["targets"] = [{"target": n, "value": v, "limit": lim, "holds": ok} for n, v, lim, ok in targets(result)]
    (ROOT / "bench" / "results.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(report(result))
    return 0


def report(result: dict) -> str:
    lines = ["", "stage            " + "".join(f"{s + 'x':>12}" for s in result["scales"])]
    names = sorted({n for scale in result["scales"].values() for n in scale["stages"]}, key=_stage_order(result))
    for name in names:
        cells = [result["scales"][s]["stages"].get(name, {}).get("median") for s in result["scales"]]
        lines.append(f"{name:<17}" + "".join(f"{c:>12.3f}" if c is not None else f"{'':>12}" for c in cells))
    lines.append(f"{'wall':<17}" + "".join(f"{s['wall']['median']:>12.3f}" for s in result["scales"].values()))
    lines.append(f"{'peak RSS MB':<17}" + "".join(f"{s['peak_rss_mb']:>12.1f}" for s in result["scales"].values()))
    lines += ["", "floors (median s)"] + [f"  {k:<40}{v['median']:>8.3f}" for k, v in result["floors"].items()]
    lines += ["", "targets"] + [
        f"  {'ok ' if t['holds'] else 'NO '} {t['target']:<55}{t['value']:>10}  (limit {t['limit']})" for t in result["targets"]
    ]
    return "\n".join(lines)


def _stage_order(result: dict):
    order = list(result["scales"]["1"]["stages"])
    return lambda name: order.index(name) if name in order else len(order)


if __name__ == "__main__":
    sys.exit(main())
