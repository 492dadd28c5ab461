"""Stage: a booklet's HTML -> PDF with WeasyPrint, dated by the data, with the files it carries attached.

Also the workarounds WeasyPrint needs inside this build: the cycle collector paused during layout, a
Ctrl-C that WeasyPrint would swallow raised again, and the system text libraries the PDF's bytes depend on.
"""

from __future__ import annotations

import ctypes
import functools
import gc
import hashlib
import importlib.metadata
import itertools
import json
import logging
import mimetypes
import os
import re
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from publish import impose
from publish.errors import InputError
from publish.templating import TEMPLATES


def source_date_epoch(date: str) -> str:
    """Seconds since 1970 of the data's date: the only time WeasyPrint may stamp into the PDF."""
    return str(int(datetime.fromisoformat(date).replace(tzinfo=UTC).timestamp()))


@dataclass(frozen=True)
class TextEngine:
    """The system libraries WeasyPrint draws text with: the PDFs' bytes depend on their versions.

    WeasyPrint lays text out with Pango and HarfBuzz and subsets the embedded fonts with HarfBuzz-Subset
    (libharfbuzz-subset, HarfBuzz >= 4.1.0) when it can load it, else with fontTools, which gives
    other bytes. `make` installs libharfbuzz-subset0, so every machine subsets with HarfBuzz.
    """

    pango: str
    harfbuzz: str
    harfbuzz_subset: bool

    @property
    def subsetter(self) -> str:
        """Which subsetter WeasyPrint 70 picks (weasyprint/pdf/fonts.py, Font.subset)."""
        return "HarfBuzz" if self.harfbuzz_subset and _at_least(self.harfbuzz, (4, 1, 0)) else "fontTools"

    def __str__(self) -> str:
        return f"Pango {self.pango}, HarfBuzz {self.harfbuzz}"


# The names WeasyPrint's own loader tries (weasyprint/text/ffi.py), Linux first.
_PANGO = ("libpango-1.0.so.0", "libpango-1.0.dylib", "libpango-1.0-0.dll")
_HARFBUZZ = ("libharfbuzz.so.0", "libharfbuzz.0.dylib", "libharfbuzz-0.dll")
_HARFBUZZ_SUBSET = ("libharfbuzz-subset.so.0", "libharfbuzz-subset.0.dylib", "libharfbuzz-subset-0.dll")


@functools.cache
def text_engine() -> TextEngine:
    """The versions of Pango and HarfBuzz this process loads, and whether HarfBuzz-Subset is there."""
    return TextEngine(
        pango=_version(_PANGO, "pango_version_string"),
        harfbuzz=_version(_HARFBUZZ, "hb_version_string"),
        harfbuzz_subset=_load(_HARFBUZZ_SUBSET) is not None,
    )


def _load(names: tuple[str, ...]) -> ctypes.CDLL | None:
    for name in names:
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    return None


def _version(names: tuple[str, ...], function: str) -> str:
    library = _load(names)
    if library is None:
        return "missing"
    getter = getattr(library, function)
    getter.restype = ctypes.c_char_p
    return getter().decode("ascii")


def _at_least(version: str, minimum: tuple[int, ...]) -> bool:
    """
    >>> _at_least("6.0.0", (4, 1, 0)), _at_least("4.0.1", (4, 1, 0)), _at_least("missing", (4, 1, 0))
    (True, False, False)
    """
    try:
        return tuple(int(part) for part in version.split(".")[:3]) >= minimum
    except ValueError:
        return False


@dataclass
class Rendered:
    """What a PDF render produced: its page count, WeasyPrint's warnings (CSS it ignored, missing glyphs),
    the font subsetter it used and the text libraries it drew with."""

    pages: int
    warnings: list[str]
    subsetter: str = ""
    engine: TextEngine | None = None
    sheets: list[int] = field(default_factory=list)  # A4 sheets of each stapled booklet imposed from these pages, if any
    layouts: int = 1  # layouts made: more than one when misprinted page numbers were pinned (lay_out)
    reused: bool = False  # laid out by an earlier build (the HTML, templates and libraries unchanged)


# WeasyPrint says so on its logger, for each font, when it subsets with fontTools (weasyprint/pdf/fonts.py);
# tests/test_fresh_machine.py checks that this message is still in WeasyPrint's source.
FONTTOOLS_FALLBACK = "Using fontTools instead of HarfBuzz-Subset"


class _Collect(logging.Handler):
    """WeasyPrint's warnings, and which subsetter it used: fontTools if it said so, else HarfBuzz."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.messages = messages
        self.subsetter = "HarfBuzz"

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith(FONTTOOLS_FALLBACK):
            self.subsetter = "fontTools"  # a fact for the build log, not a warning about the booklet
        else:
            self.messages.append(message)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause CPython's cycle collector while WeasyPrint lays out and writes.

    The layout makes millions of boxes that live until the PDF is written, and every full collection
    rescans them all: 10-25 % of the layout time here, for no garbage (peak RSS grows by about 6 %).
    Objects made before are frozen, so later collections skip them. In the build a worker collects
    only once a job is done (helper._timed).
    """
    enabled = gc.isenabled()  # a worker keeps it off between jobs (helper._start)
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        if enabled:
            gc.enable()


@contextmanager
def _interrupt_kept() -> Iterator[None]:
    """Ctrl-C during WeasyPrint always stops the build.

    WeasyPrint draws SVG images inside `except BaseException` (weasyprint/images.py): a Ctrl-C that
    lands there is logged as a failed image and the PDF is written without the chart. The interrupt
    is noted here and raised again when WeasyPrint returns. Only where Python's own handler is set:
    the helper process ignores Ctrl-C, and signal handlers belong to the main thread.
    """
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield
        return
    caught: list[int] = []

    def note(signum, frame) -> None:
        caught.append(signum)
        signal.default_int_handler(signum, frame)

    signal.signal(signal.SIGINT, note)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if caught:
        raise KeyboardInterrupt


@contextmanager
def _weasyprint(templates: Path, messages: list[str]) -> Iterator[_Collect]:
    """Around a WeasyPrint call: its warnings into `messages`, a file it cannot load as InputError, the collector paused."""
    from weasyprint.urls import FatalURLFetchingError

    collect = _Collect(messages)
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collect)
    logger.propagate = False
    try:
        with _collector_paused(), _interrupt_kept():
            yield collect
    except FatalURLFetchingError as err:
        raise InputError(
            templates, f"a file the booklet needs cannot be loaded: {err.__cause__ or err}", hint="check report_templates/ (fonts, CSS)"
        ) from None
    finally:
        logger.removeHandler(collect)


@dataclass
class Layout:
    """A booklet laid out but not yet written."""

    document: object  # weasyprint.Document
    warnings: list[str]
    templates: Path
    layouts: int = 1


PINNING_PASSES = 4  # layouts at most: the first, and three with chapters run on or misprinted page numbers pinned
_PRINTED_PAGE = re.compile(r"(\d+)\s*$")
# A page whose text reaches down less than this share of its text area is nearly empty. Measured on Bærum's A4
# booklet (66 pages) before chapters could run on: 9 pages, chapter tails of 1-9 pledges and an agreement map
# alone, reached 11-24 % of the text area; the next least filled 30 % and 31 %, full pages 90-97 %. With it,
# 46 pages, none under 30 % (tests/test_booklet.py measures where pdftotext finds the words).
NEARLY_EMPTY = 0.3
# Sections that open a page of their own unless the page before them is nearly empty (report.css `.run-on`)
_OPENERS = re.compile(r'<section class="(chapter|appendix)" id="([^"]+)"')


def lay_out(html: str, templates: Path = TEMPLATES) -> Layout:
    """Lay out and paginate report.html; the PDF is written by write_layout. Only files under report_templates/ are fetched.

    Cross-references and the contents print their target's page with target-counter(). WeasyPrint 70
    can keep the number of an earlier layout pass when a later pass moves the target to the next page
    (a side-by-side row pushed down by a marker that grew): "R82 s. 43" while its own anchors put R82 on
    page 44. Each layout is checked against those anchors; a misprinted link is pinned to the right page
    (`data-page`, which report.css prints instead) and the booklet laid out again. A number still wrong
    after PINNING_PASSES layouts is a warning, which the build reports and the tests refuse.
    """
    from weasyprint import HTML

    from publish.templating import local_fetcher

    for layouts in range(1, PINNING_PASSES + 1):
        warnings: list[str] = []  # the last layout's: each layout would repeat them
        with _weasyprint(templates, warnings):
            document = HTML(string=html, base_url=templates.resolve().as_uri() + "/", url_fetcher=local_fetcher(templates)).render()
        wrong = misprinted_pages(document)
        run_on = after_nearly_empty_pages(document, html) if layouts < PINNING_PASSES else set()
        if not wrong and not run_on:
            return Layout(document, warnings, templates, layouts)
        html = pin_pages(run_on_html(html, run_on), wrong)
    listed = ", ".join(f"#{name} (page {page})" for name, page in sorted(wrong.items()))
    warnings.append(f"links print another page than their target's after {PINNING_PASSES} layouts: {listed}")
    return Layout(document, warnings, templates, PINNING_PASSES)


def after_nearly_empty_pages(document, html: str) -> set[str]:
    """The chapters (and the appendix) that open a page after a nearly empty one, by id: they run on below it.

    A chapter opens a page of its own, so a chapter whose last pledges spill onto a new page leaves that page
    nearly empty; the next chapter then starts on it instead, its opener kept with its first pledges
    (report.css). The fill is the lowest line of the page's text over its text area (WeasyPrint's boxes).
    """
    openers = {name for _, name in _OPENERS.findall(html)}
    run_on = set()
    for before, page in itertools.pairwise(document.pages):
        opening = openers & set(page.anchors)
        if opening and page_fill(before) < NEARLY_EMPTY:
            run_on |= {name for name in opening if _opens_page(page, name)}
    return run_on


def _opens_page(page, name: str) -> bool:
    """True when the anchor stands at the top of the page's text area (the section opens the page)."""
    box = page._page_box
    return page.anchors[name][1] <= box.content_box_y() + 1


def page_fill(page) -> float:
    """How far down a page's text reaches, as a share of its text area (0 for a blank page)."""
    from weasyprint.formatting_structure.boxes import LineBox

    box = page._page_box
    top, height = box.content_box_y(), box.height
    lines = [line.position_y + line.height for line in box.children[0].descendants() if isinstance(line, LineBox)]
    return max(0.0, (max(lines, default=top) - top) / height)


def run_on_html(html: str, names: set[str]) -> str:
    """The HTML with these chapters (or the appendix) running on below the page before (class `run-on`).

    >>> run_on_html('<section class="chapter" id="kap-bolig" data-topic="bolig">', {"kap-bolig"})
    '<section class="chapter run-on" id="kap-bolig" data-topic="bolig">'
    """
    return _OPENERS.sub(lambda m: f'<section class="{m[1]} run-on" id="{m[2]}"' if m[2] in names else m[0], html)


def misprinted_pages(document) -> dict[str, int]:
    """Anchors whose page a link's ::after prints wrongly, with the page the anchor is on (WeasyPrint's
    own record of where each id landed, the first page of an element split across pages; the page
    counter is the page's place: nothing resets it)."""
    page_of: dict[str, int] = {}
    for number, page in enumerate(document.pages, 1):
        for name in page.anchors:
            page_of.setdefault(name, number)
    wrong: dict[str, int] = {}
    for page in document.pages:
        for box in page._page_box.descendants():
            href = box.element.get("href", "") if box.element_tag == "a::after" else ""
            if not href.startswith("#") or href[1:] not in page_of:
                continue
            printed = _PRINTED_PAGE.search("".join(text.text for text in box.descendants() if hasattr(text, "text")))
            if printed and int(printed.group(1)) != page_of[href[1:]]:
                wrong[href[1:]] = page_of[href[1:]]
    return wrong


def pin_pages(html: str, pages: dict[str, int]) -> str:
    """The HTML with every link to these anchors carrying the page to print (`data-page`, replacing an earlier pin).

    >>> pin_pages('<a class="marker" href="#p-R82">R82</a> <a href="#p-R8" data-page="9">R8</a>', {"p-R82": 44, "p-R8": 10})
    '<a class="marker" href="#p-R82" data-page="44">R82</a> <a href="#p-R8" data-page="10">R8</a>'
    >>> pin_pages('<a data-href="#p-R8">R8</a>', {"p-R8": 10})  # an href attribute only
    '<a data-href="#p-R8">R8</a>'
    """
    for name, page in pages.items():
        html = re.sub(rf'(?<=\s)href="#{re.escape(name)}"(?: data-page="\d+")?', f'href="#{name}" data-page="{page}"', html)
    return html


def write_layout(layout: Layout, pdf_path: Path, date: str) -> Rendered:
    """Write a laid-out booklet as PDF/UA, dated by the data (never the clock)."""
    os.environ["SOURCE_DATE_EPOCH"] = source_date_epoch(date)
    engine = text_engine()
    metadata = layout.document.metadata  # the PDF's Creator and XMP CreatorTool name what its bytes depend on
    metadata.generator = f"{metadata.generator or 'publish'}; {engine}"
    with _weasyprint(layout.templates, layout.warnings) as collected:
        layout.document.write_pdf(pdf_path, pdf_variant="pdf/ua-1", pdf_identifier=date.encode(), uncompressed_pdf=False)
    return Rendered(len(layout.document.pages), layout.warnings, collected.subsetter, engine, layouts=layout.layouts)


def write_pdf(html: str, date: str, laid_out: Path, templates: Path = TEMPLATES) -> Rendered:
    """A worker's job: the pages of report.pdf as `laid_out`, laid out and written there unless an earlier
    build left them; the build attaches the zip and the workbook (`attach`) once they are written.

    The attachments change with every edit of the dataset, the pages only with their own group's HTML:
    attaching after the layout lets a build lay out again only the groups an edit touched, and lets the
    layouts start before the data files are written.
    """
    return reused(laid_out) or _remember(laid_out, write_layout(lay_out(html, templates), laid_out, date))


def write_imposed(html: str, a5_path: Path, date: str, laid_out: Path, templates: Path = TEMPLATES) -> Rendered:
    """A worker's A5 job: the imposed booklet as `laid_out`, made there unless an earlier build left it (A5
    pages laid out and written as `a5_path`, imposed two-up with their covers, removed); the build attaches
    the zip and the workbook, as the booklet's last page says."""
    rendered = reused(laid_out)
    if rendered is None:
        rendered = write_layout(lay_out(html, templates), a5_path, date)
        rendered.sheets = impose_parts(a5_path, laid_out, date, templates)
        a5_path.unlink()
        _remember(laid_out, rendered)
    return rendered


def impose_parts(a5_pdf: Path, target: Path, date: str, templates: Path = TEMPLATES) -> list[int]:
    """A5 pages imposed as stapled booklets that end where a chapter opens, each with its own covers, laid out
    from parts.html (the first booklet's back cover, on the file's first side, says how to print). Returns the
    sheets of each booklet."""
    import pikepdf

    from publish.templating import render

    with pikepdf.open(a5_pdf) as pdf:
        pages, title = len(pdf.pages), str(pdf.docinfo.get("/Title", ""))
    parts = impose.plan_parts(pages, impose.sections(a5_pdf))
    covers = a5_pdf.with_name(a5_pdf.stem + "-covers.pdf")
    write_layout(lay_out(render(templates, "parts.html", title=title, parts=parts), templates), covers, date)
    try:
        return impose.impose_booklet(a5_pdf, covers, parts, target)
    finally:
        covers.unlink()


def attach(pdf_path: Path, target: Path, attachments: list[Path], date: str) -> None:
    """`pdf_path` with the files attached (name, description, MIME type, dated by the data), as `target`."""
    import pikepdf

    stamp = "D:" + datetime.fromisoformat(date).replace(tzinfo=UTC).strftime("%Y%m%d%H%M%SZ")
    with pikepdf.open(pdf_path) as pdf:
        for path in attachments:
            mime = mimetypes.guess_type(path.name, strict=False)[0] or "application/octet-stream"
            pdf.attachments[path.name] = pikepdf.AttachedFileSpec(
                pdf, path.read_bytes(), description=path.name, filename=path.name, mime_type=mime, creation_date=stamp, mod_date=stamp
            )
        pdf.save(target, deterministic_id=True)


# The code and libraries a layout's bytes depend on, besides the HTML, the date and report_templates/.
_LAYOUT_CODE = (Path(__file__), Path(__file__).with_name("impose.py"))
_LAYOUT_LIBRARIES = ("weasyprint", "pydyf", "tinycss2", "cssselect2", "fonttools", "pyphen", "pikepdf")


def layout_key(html: str, date: str, templates: Path) -> str:
    """The hash a layout is cached by: its HTML, the date stamped into it, every file under report_templates/,
    this module and impose.py, the versions of the libraries that lay it out and of Pango and HarfBuzz."""
    digest = hashlib.sha256()
    for part in (html, date, str(text_engine()), *(importlib.metadata.version(name) for name in _LAYOUT_LIBRARIES)):
        digest.update(part.encode() + b"\0")
    files = [*_LAYOUT_CODE, *sorted(p for p in templates.rglob("*") if p.is_file())]
    for path in files:
        digest.update(path.name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def reused(laid_out: Path) -> Rendered | None:
    """The facts of a layout an earlier build made, if it is there (both the PDF and its JSON)."""
    facts = laid_out.with_suffix(".json")
    if not (laid_out.is_file() and facts.is_file()):
        return None
    saved = json.loads(facts.read_text(encoding="utf-8"))
    return Rendered(**{**saved, "engine": TextEngine(**saved["engine"]), "reused": True})


def _remember(laid_out: Path, rendered: Rendered) -> Rendered:
    facts = {**asdict(rendered), "reused": False}
    laid_out.with_suffix(".json").write_text(json.dumps(facts, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    return rendered
