"""Stage: a booklet's HTML -> PDF with WeasyPrint, dated by the data, with the files it carries attached.

Also the workarounds WeasyPrint needs inside this build: the cycle collector paused during layout, a
Ctrl-C that WeasyPrint would swallow raised again, and the system text libraries the PDF's bytes depend on.
"""

from __future__ import annotations

import ctypes
import functools
import gc
import logging
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from publish.errors import InputError
from publish.impose import impose_booklet
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
def _collector_paused(unfreeze: bool = True) -> Iterator[None]:
    """Pause CPython's cycle collector while WeasyPrint lays out and writes.

    The layout makes millions of boxes that live until the PDF is written, and every full collection
    rescans them all, and the build's own tables with them: 10-25 % of the layout time here, for no
    garbage (peak RSS grows by about 6 %). Objects made before are frozen, so later collections skip them.
    With unfreeze=False they stay frozen afterwards, the new layout with them, so the stages run between
    the layout and the writing of the PDF (package, workbook) do not rescan it either.
    """
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        if unfreeze:
            gc.unfreeze()
        else:
            gc.freeze()
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
def _weasyprint(templates: Path, messages: list[str], unfreeze: bool = True) -> Iterator[_Collect]:
    """Around a WeasyPrint call: its warnings into `messages`, a file it cannot load as InputError, the collector paused."""
    from weasyprint.urls import FatalURLFetchingError

    collect = _Collect(messages)
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collect)
    logger.propagate = False
    try:
        with _collector_paused(unfreeze), _interrupt_kept():
            yield collect
    except FatalURLFetchingError as err:
        raise InputError(
            templates, f"a file the booklet needs cannot be loaded: {err.__cause__ or err}", hint="check report_templates/ (fonts, CSS)"
        ) from None
    finally:
        logger.removeHandler(collect)


@dataclass
class Layout:
    """A booklet laid out but not yet written: the build writes the tables' files while it waits."""

    document: object  # weasyprint.Document
    warnings: list[str]
    templates: Path


def lay_out(html: str, templates: Path = TEMPLATES) -> Layout:
    """Lay out and paginate report.html; the PDF is written by write_layout. Only files under report_templates/ are fetched."""
    from weasyprint import HTML

    from publish.templating import local_fetcher

    warnings: list[str] = []
    with _weasyprint(templates, warnings, unfreeze=False):
        document = HTML(string=html, base_url=templates.resolve().as_uri() + "/", url_fetcher=local_fetcher(templates)).render()
    return Layout(document, warnings, templates)


def write_layout(layout: Layout, pdf_path: Path, attachments: list[Path], date: str) -> Rendered:
    """Write a laid-out booklet as PDF/UA with the given files attached, dated by the data (never the clock)."""
    from weasyprint import Attachment

    from publish.templating import local_fetcher

    os.environ["SOURCE_DATE_EPOCH"] = source_date_epoch(date)
    stamp = datetime.fromisoformat(date).replace(tzinfo=UTC)
    fetcher = local_fetcher(layout.templates)
    engine = text_engine()
    metadata = layout.document.metadata  # the PDF's Creator and XMP CreatorTool name what its bytes depend on
    metadata.generator = f"{metadata.generator or 'publish'}; {engine}"
    with _weasyprint(layout.templates, layout.warnings) as collected:
        files = [
            Attachment(string=p.read_bytes(), name=p.name, description=p.name, url_fetcher=fetcher, created=stamp, modified=stamp)
            for p in attachments
        ]
        layout.document.write_pdf(pdf_path, pdf_variant="pdf/ua-1", attachments=files, pdf_identifier=date.encode(), uncompressed_pdf=False)
    return Rendered(len(layout.document.pages), layout.warnings, collected.subsetter, engine)


def write_pdf(html: str, pdf_path: Path, attachments: list[Path], date: str, templates: Path = TEMPLATES) -> Rendered:
    """Lay out and write in one go (a worker's job)."""
    return write_layout(lay_out(html, templates), pdf_path, attachments, date)


def write_imposed(html: str, a5_path: Path, target: Path, date: str, templates: Path = TEMPLATES) -> tuple[Rendered, int]:
    """A worker's A5 job: lay out and write the A5 pages, impose them two-up as `target`, remove them."""
    rendered = write_pdf(html, a5_path, [], date, templates)
    sides = impose_booklet(a5_path, target)
    a5_path.unlink()
    return rendered, sides
