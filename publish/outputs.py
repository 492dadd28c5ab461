"""Atomic outputs: everything is written into staging folders and moved into place only on success."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from publish.errors import InputError


def _staging_beside(target: Path) -> Path:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-staging-", dir=target.parent))
    except OSError as err:
        raise InputError(target.parent, f"cannot write here: {err.strerror}", hint="choose a writable output folder") from None
    staging.chmod(0o755)  # mkdtemp makes it private; the published folder is for everyone to read
    return staging


@contextmanager
def _staged(target: Path, commit: Callable[[Path, Path], object]) -> Iterator[Path]:
    """Yield a fresh folder beside `target`; commit it on success, remove it on any failure (Ctrl-C too)."""
    staging = _staging_beside(target)
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    commit(staging, target)


def staged_dir(target: Path) -> AbstractContextManager[Path]:
    """A staging folder that on success replaces `target` whole."""
    return _staged(target.resolve(), _swap_in)


def staged_files(out_dir: Path) -> AbstractContextManager[Path]:
    """A staging folder whose files on success replace their namesakes in `out_dir`."""
    return _staged(out_dir.resolve(), _publish_files)


def _swap_in(staging: Path, target: Path) -> None:
    """Replace target by staging with two renames, so a reader never sees a half-written folder."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}-old-{os.getpid()}")
        os.replace(target, old)
    os.replace(staging, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _publish_files(staging: Path, out_dir: Path) -> list[Path]:
    """Move each file of `staging` into `out_dir` (same relative path) with an atomic rename."""
    moved: list[Path] = []
    for path in sorted(p for p in staging.rglob("*") if p.is_file()):
        destination = out_dir / path.relative_to(staging)
        destination.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, destination)
        moved.append(destination)
    shutil.rmtree(staging, ignore_errors=True)
    return moved
