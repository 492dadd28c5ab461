"""Reading speed of PDF extractors on the real originals (../shared/corpus/originals), in pages per second.

`python -m bench.readers` measures Poppler's pdftotext in its modes, PDFium (pypdfium2), pypdf, and the
project's reader (publish/pdf.py: pdftotext -bbox-layout, the reading order, PDFium again on garbled
lines); pdfminer.six and pdfplumber too where installed (they are not dependencies: docs/inputs.md says
why). One run each over every original, wall time; writes bench/readers.json.
"""

from __future__ import annotations

import importlib.util
import json
import platform
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ORIGINALS = ROOT.parent / "shared" / "corpus" / "originals"


def _pdftotext(*options: str):
    def read(path: Path) -> int:
        out = subprocess.run(["pdftotext", *options, str(path), "-"], capture_output=True, check=True).stdout
        return out.count(b"\f") if "-bbox-layout" not in options else out.count(b"<page ")

    return read


def _pypdfium2(path: Path) -> int:
    import pypdfium2

    document = pypdfium2.PdfDocument(str(path))
    for page in document:
        page.get_textpage().get_text_range()
    return len(document)


def _pypdf(path: Path) -> int:
    import pypdf

    reader = pypdf.PdfReader(path)
    for page in reader.pages:
        page.extract_text()
    return len(reader.pages)


def _pdfminer(path: Path) -> int:
    from pdfminer.high_level import extract_text

    return extract_text(path).count("\f")


def _pdfplumber(path: Path) -> int:
    import pdfplumber

    with pdfplumber.open(path) as document:
        for page in document.pages:
            page.extract_text()
        return len(document.pages)


def _project(path: Path) -> int:
    from publish import pdf

    return len(pdf.read_pdf(path).printed_pages)


READERS = {
    "pdftotext (default)": _pdftotext(),
    "pdftotext -raw": _pdftotext("-raw"),
    "pdftotext -layout": _pdftotext("-layout"),
    "pdftotext -bbox-layout": _pdftotext("-bbox-layout"),
    "pypdfium2": _pypdfium2,
    "pypdf": _pypdf,
    "pdfminer.six": _pdfminer,
    "pdfplumber": _pdfplumber,
    "publish.pdf (project)": _project,
}
_MODULES = {"pypdfium2": "pypdfium2", "pypdf": "pypdf", "pdfminer.six": "pdfminer", "pdfplumber": "pdfplumber"}


def main() -> None:
    files = sorted(ORIGINALS.glob("*.pdf"))
    if not files:
        raise SystemExit(f"no originals at {ORIGINALS}")
    results = {}
    for name, read in READERS.items():
        module = _MODULES.get(name)
        if module and importlib.util.find_spec(module) is None:
            print(f"{name:<26} not installed")
            continue
        start = time.perf_counter()
        pages = sum(read(path) for path in files)
        seconds = time.perf_counter() - start
        results[name] = {"pages": pages, "seconds": round(seconds, 2), "pages_per_second": round(pages / seconds, 1)}
        print(f"{name:<26} {pages:4} pages {seconds:7.2f} s {pages / seconds:7.1f} pages/s")
    machine = {"python": platform.python_version(), "machine": platform.machine(), "files": [p.name for p in files]}
    (ROOT / "bench" / "readers.json").write_text(json.dumps({"machine": machine, "readers": results}, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
