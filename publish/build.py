"""The recipe: load the seeds, make the tables, write every output from the same tables."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import polars as pl

from publish import extract, package, schema, sources, tables
from publish.errors import InputError
from publish.outputs import staged_dir, staged_files

T = TypeVar("T")


@dataclass
class Paths:
    """Where the build reads and writes; the defaults are the project's layout."""

    seeds: Path = Path("seeds")
    package: Path = Path("datapackage")
    out: Path = Path("build")


@dataclass
class StageLog:
    """Runs stages, timing each, and prints one line per stage with what it produced."""

    echo: Callable[[str], None] = print
    timings: dict[str, float] = field(default_factory=dict)

    def run(self, name: str, func: Callable[[], T], describe: Callable[[T], str] = lambda _: "") -> T:
        start = time.perf_counter()
        result = func()
        elapsed = time.perf_counter() - start
        self.timings[name] = elapsed
        self.echo(f"{name:<12} {elapsed * 1000:8.0f} ms  {describe(result)}".rstrip())
        return result


def _counts(frames: dict[str, pl.DataFrame]) -> str:
    return ", ".join(f"{name} {frame.height}" for name, frame in frames.items())


def build(paths: Paths | None = None, log: StageLog | None = None) -> dict[str, pl.DataFrame]:
    """Run every stage; outputs appear only if all of them succeed."""
    paths = paths or Paths()
    log = log or StageLog()
    corpus = log.run("sources", lambda: sources.load_corpus(paths.seeds), lambda c: f"{len(c.documents)} documents, {len(c.actors)} actors")
    extractions = log.run("extract", lambda: _extract_all(corpus), lambda e: f"{sum(len(x.items) for x in e.values())} items")
    frames = log.run("tables", lambda: tables.build_tables(corpus, extractions), _counts)
    contract = {t.name: t for t in schema.FOUNDATION_TABLES}
    with staged_dir(paths.package) as package_dir, staged_files(paths.out) as out_dir:
        log.run("package", lambda: package.write_package(corpus, frames, contract, package_dir), lambda _: f"{len(contract)} resources")
        errors = log.run("validate", lambda: package.validate_package(package_dir / "datapackage.json"), lambda e: f"{len(e)} errors")
        if errors:
            raise InputError(package_dir / "datapackage.json", "the built package is invalid:\n  " + "\n  ".join(errors[:20]))
        log.run("zip", lambda: package.write_zip(package_dir, out_dir / "datapackage.zip"), lambda _: "datapackage.zip")
    return frames


def _extract_all(corpus: sources.Corpus) -> dict[str, extract.Extraction]:
    results: dict[str, extract.Extraction] = {}
    for document in corpus.documents:
        extraction = extract.extract(document)
        if not extraction.items:
            raise InputError(
                corpus.seeds_dir / document.source_file,
                f"no pledges found with layout profile {document.layout!r}",
                hint="the layout profile in the manifest is probably wrong for this text",
            )
        results[document.document_id] = extraction
    return results
