"""The recipe: load the seeds, make the tables, write every output from the same tables."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import polars as pl

from publish import classify, evaluate, extract, impose, outputs, package, relate, release, schema, semantic, sources, tables
from publish.errors import InputError, printable
from publish.garbled import garbled_words
from publish.helper import Helper, Job
from publish.outputs import Publication

T = TypeVar("T")
A5_PAGES = ".report-a5.pdf"  # the A5 layout of the booklet, removed once imposed
WARNINGS = "warnings.txt"  # every item of every warning, one kind after another (the log has one line per kind)
# The PDFs the last build laid out, each named by the hash of what decides its bytes (render.layout_key),
# with its facts as JSON: a build lays out again only the booklets whose HTML (or templates, code,
# libraries) changed, so an edit of one group's texts lays out that group's booklet alone.
LAYOUTS = ".layouts"
# The e5 vectors of the compared texts the last build used, by the SHA-256 of each text (publish/semantic.py):
# a rebuild embeds only the pledges whose text changed. Staged like the layouts: a failed build changes none.
EMBEDDINGS = ".embeddings"
# Everything the build makes in --out: what one build does not make is removed, so build/ depends on
# the seeds (and the options) alone. release/ and site/ are replaced whole. Nothing else there is touched.
OUT_NAMES = (
    "datapackage.zip",
    "evaluation.json",
    WARNINGS,
    "workbook.xlsx",
    "report.html",
    "report.pdf",
    "report-booklet.pdf",
    A5_PAGES,
    LAYOUTS,
    EMBEDDINGS,
    release.GROUPS_FOLDER,
    release.BOOKLETS_FOLDER,
    "release",
    "site",
    outputs.MARKER,
    "texts",
)
# What the build makes in --package, which it replaces whole.
PACKAGE_NAMES = ("datapackage.json", "data", "README.md", "CHANGELOG.md", outputs.MARKER)
CHECKOUT = Path(__file__).resolve().parent.parent  # the project's own folder: never an output


@dataclass
class Paths:
    """Where the build reads and writes; the defaults are the project's layout."""

    seeds: Path = Path("seeds")
    package: Path = Path("datapackage")
    out: Path = Path("build")
    labels: Path | None = None  # hand labels the evaluation is measured against; default: <seeds>/labels
    paper: str = "a4"  # report.pdf's paper; the imposed booklet is always A5 on A4
    report: bool = True  # False skips the booklet (tests of the data and the workbook need no PDF)
    templates: Path = Path(__file__).resolve().parent.parent / "report_templates"

    def label_folder(self) -> Path:
        """Where the hand labels are: `labels`, or the seeds' own (a dataset is measured on its own labels)."""
        return self.labels or self.seeds / evaluate.LABELS_FOLDER


@dataclass
class StageLog:
    """Runs stages, timing each, and prints one line per stage with what it produced."""

    # Progress shows as it happens; a line names seeds paths and pledges, so it is escaped (errors.printable).
    echo: Callable[[str], None] = lambda line: print(printable(line), flush=True)  # noqa: E731
    timings: dict[str, float] = field(default_factory=dict)
    warnings: dict[str, list[str]] = field(default_factory=dict)  # each kind's line -> its items, for WARNINGS
    listed_in: Path = Path(WARNINGS)  # where the build writes the items (the published path, for the message)

    def run(self, name: str, func: Callable[[], T], describe: Callable[[T], str] = lambda _: "") -> T:
        start = time.perf_counter()
        result = func()
        self.record(name, time.perf_counter() - start, describe(result))
        return result

    def warn(self, summary: str, items: list[str] | None = None, hint: str = "") -> None:
        """One line per kind of warning, with its count; the items it concerns go to the warnings file, so a
        large group's log stays short (one line per unplaced pledge made 4,961 lines)."""
        items = items or []
        self.warnings[summary] = items + ([f"hint: {hint}"] if hint else [])
        listed = f" (listed in {self.listed_in})" if items else ""
        self.echo(f"warning: {summary}{listed}" + (f"\n  hint: {hint}" if hint and not items else ""))

    def record(self, name: str, seconds: float, text: str) -> None:
        """A stage's line; also for a job the helper ran, timed where it ran."""
        self.timings[name] = seconds
        self.echo(f"{name:<12} {seconds * 1000:8.0f} ms  {text}".rstrip())


def _counts(frames: dict[str, pl.DataFrame]) -> str:
    return ", ".join(f"{name} {frame.height}" for name, frame in frames.items())


def build(paths: Paths | None = None, log: StageLog | None = None) -> dict[str, pl.DataFrame]:
    """Run every stage; outputs appear only if all of them succeed.

    A pool of worker processes, one per core, takes the jobs nothing waits on at once: each group's A4
    and A5 layouts (the A5 pages imposed where they are made), submitted as soon as the group's HTML
    exists, and the package validation. The main process writes the data files meanwhile, then attaches
    the zip and the workbook to each report.pdf and prints one line per PDF and per booklet as each finishes.
    """
    paths = paths or Paths()
    log = log or StageLog()
    log.listed_in = paths.out / WARNINGS
    places = {"--package": paths.package, "--out": paths.out}
    _say_recovered(outputs.recover(*places.values()), log)  # first: a killed build's publication is finished
    outputs.check_places(paths.seeds, places, CHECKOUT)
    if paths.report and not (paths.templates / "base.html").is_file():  # found now, not after the data stages
        raise InputError(paths.templates, "no base.html here: not a folder of booklet templates", hint="--templates names a copy of report_templates/")
    # The workers are stopped before the outputs are published or the staging folders removed, so none
    # writes into a removed one.
    with _terminate_as_interrupt(), Publication() as publication:
        corpus = _corpus(paths, log)
        outputs.check_owned(paths.package, "--package", corpus.dataset.name, PACKAGE_NAMES, whole=True)
        outputs.check_owned(paths.out, "--out", corpus.dataset.name, OUT_NAMES, whole=False)
        package_dir = publication.folder(paths.package)
        out_dir = publication.files(paths.out, owned=OUT_NAMES)
        for staged in (package_dir, out_dir):
            (staged / outputs.MARKER).write_text(outputs.marker_text(corpus.dataset.name), encoding="utf-8")
        warm_up = ("weasyprint", "publish.render", "publish.package") if paths.report else ("publish.package",)
        with Helper(warm_up=warm_up, workers=(os.cpu_count() or 1) if paths.report else 1) as helper:
            embeddings = semantic.Embeddings(paths.out / EMBEDDINGS)
            frames, automatic = _tables(corpus, paths, log, embeddings)
            embeddings.save(out_dir / EMBEDDINGS)
            labels = paths.label_folder()
            scores = log.run(
                "evaluate",
                lambda: evaluate.evaluate(labels, corpus.dataset.name, frames["pledges"], frames["pledge_topics"], automatic, frames["relations"]),
                _describe_scores,
            )
            scores.tier = relate.load_model().tier
            _warn_unresolved(scores.unresolved, labels, log)
            if paths.report and not corpus.dataset.homepage:
                log.warn(
                    f"{paths.seeds / 'sources.toml'}: [dataset] homepage is empty, so the booklet's last page and the"
                    " DCAT record cannot say where the dataset is published; set it to the dataset's web address"
                )
            booklets = _start_booklets(corpus, frames, scores.as_dict(), paths, out_dir, log, helper)
            validation = _write_data(corpus, frames, scores, package_dir, out_dir, log, helper)
            _finish_booklets(booklets, corpus, paths, out_dir, log)
            _check(validation, package_dir / "datapackage.json", paths.package / "datapackage.json", log)
        log.run(
            "release",
            lambda: _release(corpus, out_dir),
            lambda files: f"release/ with {len(files)} files, SHA256SUMS, {release.DCAT_NAME}",
        )
        if paths.report:  # after the release: the site lists its files with their sizes and checksums
            from publish import booklet

            # every group's actors, for now; every relation, the uncertain ones marked as such
            model = booklet.BookletModel(corpus, frames, scores.as_dict(), paths.paper, printed_only=False)
            log.run("site", lambda: _site(corpus, model, out_dir, paths.templates), lambda n: f"site/ with {n} pages")
        _write_warnings(log, out_dir / WARNINGS)
    return frames


def _write_warnings(log: StageLog, path: Path) -> None:
    """Every warning's items, under its line, in the order they were found; no file when nothing was wrong."""
    if log.warnings:
        text = "".join(f"warning: {summary}\n" + "".join(f"  {item}\n" for item in items) + "\n" for summary, items in log.warnings.items())
        path.write_text(text, encoding="utf-8")


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM (`kill`, a job runner giving up) stops the build as Ctrl-C does: the staging folders are
    removed, the previous outputs stay, the CLI says so in one line.

    SIGTERM goes to whatever handles Ctrl-C at that moment, so it is also kept while WeasyPrint runs
    (render._interrupt_kept). Only in the main thread, where signal handlers belong.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame) -> None:
    handler = signal.getsignal(signal.SIGINT)
    if callable(handler):
        handler(signum, frame)
    raise KeyboardInterrupt


def _say_recovered(placed: list[Path], log: StageLog) -> None:
    if placed:
        log.echo(f"recovered: an earlier build was stopped while publishing; its {len(placed)} outputs are now in place")


def _data(
    paths: Paths, log: StageLog, embeddings: semantic.Embeddings | None = None
) -> tuple[sources.Corpus, dict[str, pl.DataFrame], pl.DataFrame]:
    """Seeds to tables: the corpus, every table of the contract, and the automatic relations alone."""
    corpus = _corpus(paths, log)
    return (corpus, *_tables(corpus, paths, log, embeddings or semantic.Embeddings()))


def _corpus(paths: Paths, log: StageLog) -> sources.Corpus:
    """The manifest and the texts it names, read and checked."""
    corpus = log.run("sources", lambda: sources.load_corpus(paths.seeds), lambda c: f"{len(c.documents)} documents, {len(c.actors)} actors")
    release.file_names(corpus)  # the dataset's name and version make file names: refused now, not after the layout
    return corpus


def _tables(
    corpus: sources.Corpus, paths: Paths, log: StageLog, embeddings: semantic.Embeddings
) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    """Every table of the contract, and the automatic relations alone."""
    extractions = log.run("extract", lambda: _extract_all(corpus, log), _describe_extractions)
    frames = log.run("tables", lambda: tables.build_tables(corpus, extractions), _counts)
    frames.update(log.run("topics", lambda: _topics(paths.seeds, frames, log), _counts))
    sources.check_booklet_topics(corpus, frames["topics"]["topic_id"].to_list())
    automatic = log.run(
        "relations",
        lambda: _relations(paths.seeds, frames, embeddings),
        lambda auto: f"{frames['relations'].height} relations ({auto.height} automatic); {embeddings.embedded} texts embedded, the rest kept",
    )
    return frames, automatic


def _write_data(corpus, frames, scores, package_dir: Path, out_dir: Path, log: StageLog, helper: Helper) -> Job[list[str]]:
    """The package, handed to the helper to validate, then the zip and the workbook; returns the validation."""
    contract = {t.name: t for t in schema.ALL_TABLES}
    log.run("package", lambda: package.write_package(corpus, frames, contract, package_dir), lambda _: f"{len(contract)} resources")
    _write_texts(corpus, out_dir / "texts")
    (out_dir / "evaluation.json").write_text(json.dumps(scores.as_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    validation = helper.submit(package.validate_package, package_dir / "datapackage.json")
    log.run("zip", lambda: package.write_zip(package_dir, out_dir / "datapackage.zip"), lambda _: "datapackage.zip")
    log.run("workbook", lambda: _workbook(corpus, frames, contract, out_dir / "workbook.xlsx"), lambda n: f"workbook.xlsx, {n} sheets")
    return validation


def _write_texts(corpus: sources.Corpus, folder: Path) -> None:
    """The text read from each PDF or web page, as the line numbers of the tables count its lines."""
    for document in corpus.documents:
        if Path(document.source_file).suffix.lower() not in (".txt", ".md", ".markdown", ""):
            folder.mkdir(exist_ok=True)
            (folder / f"{document.document_id}.txt").write_text("".join(f"{line}\n" for line in document.lines), encoding="utf-8")


def _check(validation: Job[list[str]], staged: Path, descriptor: Path, log: StageLog) -> None:
    """Wait for the helper's validation of the package; an invalid package stops the build.

    The error names the package where it would have been published (its staging folder is removed).
    """
    errors, seconds = validation.wait()
    log.record("validate", seconds, f"{len(errors)} errors (in the helper process)")
    if errors:
        lines = [error.replace(str(staged.parent), str(descriptor.parent)) for error in errors[:20]]
        raise InputError(descriptor, "the built package is invalid:\n  " + "\n  ".join(lines))


def _release(corpus: sources.Corpus, out_dir: Path) -> list[Path]:
    """Versioned copies and their checksums; then the DCAT record that lists them, beside them (not in the zip)."""
    files = release.write_release(corpus, out_dir)
    release.write_dcat(corpus, files, out_dir / "release")
    return files


def _site(corpus: sources.Corpus, model, out_dir: Path, templates: Path) -> int:
    from publish import site

    return site.write_site(corpus, model, out_dir, templates)


@dataclass
class _Booklet:
    """One group's booklet under way: its folder in the build, its HTML, and the jobs laying it out."""

    group: str  # the booklet's id: its group's, without [[booklets]]
    folder: Path
    html: str
    laid_out: Path  # report.pdf's pages (A4, or A5 with --paper a5), before the zip and the workbook are attached
    a4: Job | None = None  # laying them out
    a5: Job | None = None  # the A5 pages imposed as report-booklet.pdf (when report.pdf is A4)
    imposed: Path | None = None  # the imposed A5 pages, before the zip and the workbook are attached
    lines: list[str] = field(default_factory=list)
    start: float = field(default_factory=time.perf_counter)


def _start_booklets(corpus, frames: dict, evaluation: dict, paths: Paths, out_dir: Path, log: StageLog, helper: Helper) -> list[_Booklet]:
    """Each booklet's report.html written (one per group, or the manifest's [[booklets]]) and its layouts
    handed to the workers, the longer A5 one first."""
    if not paths.report:
        return []
    from publish import booklet, render

    booklets = []
    start = time.perf_counter()
    date = corpus.dataset.created
    for entry in corpus.booklets:
        folder = out_dir / release.booklet_folder(corpus, entry)
        folder.mkdir(parents=True, exist_ok=True)
        model = booklet.BookletModel.of_booklet(corpus, frames, evaluation, paths.paper, entry)
        html = booklet.render_html(model, paths.templates)
        made = _Booklet(entry.booklet_id, folder, html, _laid_out(html, date, paths, out_dir))
        (folder / "report.html").write_text(made.html, encoding="utf-8")
        if paths.paper != "a5":  # report.pdf is A4: the imposed booklet needs its own A5 layout
            html_a5 = booklet.render_html(model.on_paper("a5"), paths.templates)
            laid_out = _laid_out(html_a5, date, paths, out_dir)
            made.a5 = helper.submit(render.write_imposed, html_a5, folder / A5_PAGES, date, laid_out, paths.templates)
            made.imposed = laid_out
        made.a4 = helper.submit(render.write_pdf, html, date, made.laid_out, paths.templates)
        booklets.append(made)
    size = sum(len(b.html) for b in booklets) // 1024
    several = f" ({len(booklets)} booklets)" if len(booklets) > 1 else ""
    log.record("html", time.perf_counter() - start, f"report.html, {size} KiB{several}")
    return booklets


def _finish_booklets(booklets: list[_Booklet], corpus, paths: Paths, out_dir: Path, log: StageLog) -> None:
    """Each report.pdf as its layout finishes, with the zip and the workbook attached; one line per PDF
    and per booklet as it finishes."""
    from publish import render

    attachments = [out_dir / "datapackage.zip", out_dir / "workbook.xlsx"]
    waiting = {job.future: (b, kind) for b in booklets for kind, job in (("a4", b.a4), ("a5", b.a5)) if job is not None}
    order = list(waiting)
    while waiting:
        done, _ = wait(waiting, return_when=FIRST_COMPLETED)
        for future in sorted(done, key=order.index):
            b, kind = waiting.pop(future)
            _finished(b, kind, len(booklets) > 1, log)
            if kind == "a4":
                render.attach(b.laid_out, b.folder / "report.pdf", attachments, corpus.dataset.created)
            else:  # its appendix says both files are attached, as they are to report.pdf
                render.attach(b.imposed, b.folder / "report-booklet.pdf", attachments, corpus.dataset.created)
            if not any(other is b for other, _ in waiting.values()):
                where = f"{b.folder.relative_to(out_dir)}/" if b.folder != out_dir else ""
                log.record("booklet", time.perf_counter() - b.start, f"{b.group}: " + ", ".join(f"{where}{line}" for line in b.lines))
    if paths.paper == "a5":  # report.pdf is the A5 layout itself
        for b in booklets:
            log.run("impose", lambda b=b: _impose_a5(b, attachments, corpus.dataset.created, paths.templates), _imposed)


def _impose_a5(b: _Booklet, attachments: list[Path], date: str, templates: Path) -> list[int]:
    """With --paper a5: report.pdf's pages imposed, then the zip and the workbook attached, as its last page says."""
    from publish import render

    unattached = b.folder / A5_PAGES
    sheets = render.impose_parts(b.folder / "report.pdf", unattached, date, templates)
    render.attach(unattached, b.folder / "report-booklet.pdf", attachments, date)
    unattached.unlink()
    return sheets


def _laid_out(html: str, date: str, paths: Paths, out_dir: Path) -> Path:
    """Where the layout of `html` is kept for the next build; the last build's, if it made the same one.

    The kept layouts are staged with the other outputs: a build keeps those it used, a failed build
    changes none.
    """
    from publish import render

    name = render.layout_key(html, date, paths.templates) + ".pdf"
    kept, earlier = out_dir / LAYOUTS / name, paths.out / LAYOUTS / name
    kept.parent.mkdir(exist_ok=True)
    for suffix in (".pdf", ".json"):
        if earlier.with_suffix(suffix).is_file() and not kept.with_suffix(suffix).exists():
            shutil.copyfile(earlier.with_suffix(suffix), kept.with_suffix(suffix))
    return kept


def _finished(b: _Booklet, kind: str, several: bool, log: StageLog) -> None:
    """The line of one PDF a worker wrote (a worker's error is raised here)."""
    prefix = f"{b.group}: " if several else ""
    if kind == "a4":
        rendered, seconds = b.a4.wait()
        log.record("pdf", seconds, prefix + _rendered("report.pdf")(rendered))
        b.lines.append(f"report.pdf {rendered.pages} pages")
    else:
        rendered, seconds = b.a5.wait()
        log.record("pdf-a5", seconds, prefix + _rendered("A5 pages (in a worker process)")(rendered) + "\n  " + _imposed(rendered.sheets))
        b.lines.append(f"report-booklet.pdf {rendered.pages} A5 pages on {2 * sum(rendered.sheets)} A4 sides")


def _imposed(sheets: list[int]) -> str:
    """Where the A5 pages went: one stapled booklet, or several when one would be too thick to staple."""
    if len(sheets) == 1:
        return f"imposed as report-booklet.pdf: {sheets[0]} A4 sheets printed on both sides, folded and stapled as one booklet"
    return (
        f"imposed as report-booklet.pdf: {sum(sheets)} A4 sheets printed on both sides, as {len(sheets)} booklets of "
        + ", ".join(map(str, sheets[:-1])) + f" and {sheets[-1]} sheets one after the other, split where a chapter opens, each with"
        + f" its own covers (each folded and stapled on its own: more than {impose.STAPLED_PAGES} pages do not staple as one)"
    )


def _rendered(name: str) -> Callable:
    """The line of a PDF written: pages, warnings, and what its bytes depend on (font subsetter, Pango, HarfBuzz)."""
    return lambda r: (
        f"{name}, {r.pages} pages, {len(r.warnings)} warnings, fonts subset by {r.subsetter} ({r.engine})"
        + (f", laid out {r.layouts} times to run chapters on below nearly empty pages or pin page numbers WeasyPrint misprinted" if r.layouts > 1 else "")
        + (", laid out by an earlier build" if r.reused else "")
        + "".join(f"\n  warning: {w}" for w in r.warnings)
    )


def _workbook(corpus: sources.Corpus, frames: dict[str, pl.DataFrame], contract: dict, path: Path) -> int:
    from publish import workbook  # openpyxl loads only when the workbook is written

    return workbook.write_workbook(corpus, frames, contract, path)


def _topics(seeds: Path, frames: dict[str, pl.DataFrame], log: StageLog) -> dict[str, pl.DataFrame]:
    if classify.taxonomy_path(seeds) == classify.DEFAULT_TOPICS:
        log.echo(
            f"note: {seeds / classify.TOPICS_NAME} not found, so the chapters are the project's municipal chapters"
            f" ({classify.DEFAULT_TOPICS}); copy that file into {seeds} to change them"
        )
    taxonomy = classify.load_taxonomy(seeds)
    overrides = classify.load_overrides(seeds, set(frames["pledges"]["pledge_id"]), taxonomy.ids)
    pledge_topics = classify.classify(frames["pledges"], frames["sections"], taxonomy, overrides)
    _warn_unplaced(classify.unplaced(pledge_topics), frames["pledges"], seeds, log)
    return {
        "topics": classify.topics_frame(taxonomy, pledge_topics),
        "pledge_topics": pledge_topics,
        "pledges": classify.chapters(frames["pledges"], pledge_topics),  # each pledge's chapter, read by every later stage
    }


def _warn_unplaced(unplaced: pl.DataFrame, pledges: pl.DataFrame, seeds: Path, log: StageLog) -> None:
    """One warning that lists every pledge no topic took, so one edit and one rebuild place them all."""
    if not unplaced.height:
        return
    rows = pledges.join(unplaced.select("pledge_id"), on="pledge_id").sort("document_id", "line_start")
    per_document = rows.group_by("document_id", maintain_order=True).len().iter_rows()
    documents = ", ".join(f"{d} {n}" for d, n in itertools.islice(per_document, 5)) + (", …" if rows["document_id"].n_unique() > 5 else "")
    topics = seeds / classify.TOPICS_NAME
    where = topics if classify.taxonomy_path(seeds) == topics else f"{topics} (a copy of {classify.DEFAULT_TOPICS})"
    log.warn(
        f"{rows.height} pledges match no heading or keyword and are printed under 'Andre tema' ({documents})",
        [f"{row['pledge_id']}  {row['document_id']}:{row['line_start']}  {row['text'][:70]}" for row in rows.iter_rows(named=True)],
        hint=f"to place them: a heading or keyword in {where}, or a row in {seeds / classify.OVERRIDES_NAME}",
    )


def _relations(seeds: Path, frames: dict[str, pl.DataFrame], embeddings: semantic.Embeddings) -> pl.DataFrame:
    """Adds the published relations to frames; returns the automatic ones for the evaluation."""
    editorial = relate.load_editorial(seeds, frames["pledges"])
    groups = dict(frames["actors"].select("actor_id", "comparison_group").iter_rows())
    names = dict(frames["actors"].select("actor_id", "name").iter_rows())
    frames["relations"], automatic = relate.relate(frames["pledges"], frames["pledge_topics"], editorial, groups, names, embeddings)
    return automatic


def _describe_scores(scores: evaluate.Evaluation) -> str:
    """The report split's figures, each with its 95 % interval."""
    parts = []
    if scores.topics:
        t = scores.topics.report
        parts.append(f"chapters right {_share(t)}")
    if scores.relations:
        r = scores.relations
        parts.append(f"relations precision {_share(r.precision)}, recall {_share(r.recall)}")
    return ("report split: " + "; ".join(parts)) if parts else "no labels"


def _share(share: evaluate.Share) -> str:
    low, high = share.interval
    return f"{share.value:.3f} [{low:.2f}–{high:.2f}] of {share.of}"


def _warn_unresolved(unresolved: list[str], labels: Path, log: StageLog) -> None:
    """Hand labels whose texts the dataset no longer holds: said once, so they are mended, not silently dropped."""
    if unresolved:
        log.warn(f"{len(unresolved)} hand labels in {labels} name texts this dataset does not hold", unresolved)


def _describe_extractions(extractions: dict[str, extract.Extraction]) -> str:
    """The stage line, then one line per document: its items and the layout that was detected."""
    lines = [f"{sum(len(x.items) for x in extractions.values())} items"]
    for document_id, extraction in extractions.items():
        lines.append(f"  {document_id}: {len(extraction.items)} items; {extraction.layout.describe()}")
    return "\n".join(lines)


def _extract_all(corpus: sources.Corpus, log: StageLog) -> dict[str, extract.Extraction]:
    """Every document's extraction; one that yields no pledge is a warning naming it, never a stop:
    the rest of its group is still compared."""
    results: dict[str, extract.Extraction] = {}
    for document in corpus.documents:
        extraction = extract.extract(document)
        if not extraction.items:
            log.echo(
                f"warning: {corpus.seeds_dir / document.source_file}: no pledges found (layout {document.layout!r}:"
                f" {extraction.layout.describe()}); check the text's list markers, or the manifest's bullets,"
                " line_numbers or layout options"
            )
        for line in extraction.long_items:
            log.echo(
                f"warning: {corpus.seeds_dir / document.source_file}:{line}: an item over {extract.MAX_ITEM_CHARS:,} characters with no"
                " sentence end to split it at; a list marker or the end of the list is probably missing here"
            )
        garbled = sum(1 for item in extraction.items if garbled_words(item.text))
        if garbled:
            log.echo(f"warning: {garbled} pledges with garbled letters in {corpus.seeds_dir / document.source_file} (marked in pledges.garbled_words)")
        results[document.document_id] = extraction
    return results
