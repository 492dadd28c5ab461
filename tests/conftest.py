"""Shared fixtures: one real build of the bundled seeds per test session, and fixture documents."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest

from publish import outputs
from publish.build import EMBEDDINGS, Paths, StageLog, build
from publish.sources import Document, decode_text, split_lines

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# The builds of the tests read the e5 vectors kept by `make report` and by the session's first build
# (publish/semantic.py): the same vectors, minutes less on a fresh clone. Subprocess builds inherit it.
SESSION_EMBEDDINGS = Path(tempfile.mkdtemp(prefix="publish-embeddings-"))
atexit.register(shutil.rmtree, SESSION_EMBEDDINGS, True)
os.environ.setdefault("PUBLISH_EMBEDDINGS_FROM", os.pathsep.join([str(ROOT / "build" / ".embeddings"), str(SESSION_EMBEDDINGS)]))


# Fixtures that build the seeds (or a group of their own): a test using one is marked `build`. A test that
# builds by itself carries the mark in its module; `guard_unit_tests` fails an unmarked test that builds or
# starts a Python process, so `pytest -m "not build"` stays the suite of quick unit tests.
BUILD_FIXTURES = frozenset({"built", "two_groups", "three_six_ten", "two_groups_site"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if BUILD_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.build)


@pytest.fixture(autouse=True)
def guard_unit_tests(request, monkeypatch):
    """An unmarked test may not build the seeds or start Python: it would make the quick suite slow unseen."""
    if request.node.get_closest_marker("build"):
        yield
        return
    import subprocess
    import sys

    from publish import build as build_module

    def refuse(*args, **kwargs):
        raise AssertionError(f"{request.node.nodeid} builds the seeds: mark it @pytest.mark.build")

    real_popen = subprocess.Popen.__init__

    def popen(self, command, *args, **kwargs):
        if (command[0] if isinstance(command, list | tuple) else str(command).split()[0]) == sys.executable:
            raise AssertionError(f"{request.node.nodeid} starts Python: mark it @pytest.mark.build")
        real_popen(self, command, *args, **kwargs)

    monkeypatch.setattr(build_module, "_tables", refuse)
    monkeypatch.setattr(subprocess.Popen, "__init__", popen)
    yield


@dataclass
class Built:
    paths: Paths
    frames: dict[str, pl.DataFrame]
    log: list[str]


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Built:
    """The bundled seeds built once into a temporary folder (the committed package is left alone)."""
    root = tmp_path_factory.mktemp("build")
    paths = Paths(seeds=SEEDS, package=root / "datapackage", out=root / "build")
    lines: list[str] = []
    frames = build(paths, StageLog(echo=lines.append))
    for kept in (paths.out / EMBEDDINGS).glob("*.npz"):
        shutil.copyfile(kept, SESSION_EMBEDDINGS / kept.name)
    return Built(paths, frames, lines)


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    """A private copy of the seeds, to edit or break."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture
def previous(tmp_path: Path) -> tuple[Path, Path]:
    """Outputs of an earlier build of the seeds, with one file of the user's own in build/ (notes.txt)."""
    package, out = tmp_path / "datapackage", tmp_path / "build"
    (package / "data").mkdir(parents=True)
    (package / "datapackage.json").write_text("previous package\n")
    (package / "data" / "pledges.csv").write_text("previous\n")
    (out / "release").mkdir(parents=True)
    (out / "site" / "kilde").mkdir(parents=True)
    for name in ("datapackage.zip", "workbook.xlsx", "report.pdf", "release/SHA256SUMS", "site/kilde/removed-document.html"):
        (out / name).write_text(f"previous {name}\n")
    (out / "notes.txt").write_text("not the build's\n")
    for folder in (package, out):  # made by an earlier build of the same dataset
        (folder / outputs.MARKER).write_text(outputs.marker_text("baerum-lofter"))
    return package, out


@pytest.fixture
def deadline():
    """A case fails (or reads) within 10 s: one that would hang (a FIFO opened for reading, /dev/zero read
    to the end) is stopped with an error instead."""

    def expired(signum, frame):
        raise TimeoutError("the case took more than 10 s")

    handler = signal.signal(signal.SIGALRM, expired)
    signal.alarm(10)
    start = time.monotonic()
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, handler)
    assert time.monotonic() - start < 10


def fixture_document(text_path: Path, layout: str, chapters: tuple[str, ...] = (), **options) -> Document:
    """A Document for a hand-written fixture text, as the manifest would describe it."""
    raw = text_path.read_bytes()
    return Document(
        document_id="fixture",
        actor_id="ap",
        title=text_path.stem,
        short_title=text_path.stem,
        kind="programme",
        period="",
        source_file=text_path.name,
        layout=layout,
        url="",
        rights="",
        sha256="",
        lines=split_lines(decode_text(raw, text_path, "utf-8")),
        chapters=chapters,
        **{name: tuple(value) if isinstance(value, list) else value for name, value in options.items()},
    )


def load_expected(json_path: Path) -> dict:
    return json.loads(json_path.read_text(encoding="utf-8"))
