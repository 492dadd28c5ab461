"""Shared fixtures: one real build of the bundled seeds per test session, and fixture documents."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest

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
