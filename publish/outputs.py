"""Atomic outputs: everything is written into staging folders and moved into place only on success.

One `Publication` holds a staging folder beside each output folder. When every stage succeeded, all
of them are moved into place together; if one rename fails, the ones already made are undone, so
every output stays as it was (or the error says exactly which files are new). A staging folder is
locked while its build runs; the next build removes those no live build holds (a build killed with
`kill -9` leaves one behind). Names built from input pass `safe_name` and `output_path` first.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from publish.errors import InputError

STAGING_MARK = "-staging-"  # .build-staging-k2j4x/ beside build/; git-ignored
KEPT_MARK = "-kept-"  # a previous output that could not be put back after a failed publication
SAFE_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")
SAFE_VERSION = re.compile(r"[0-9][0-9a-z.+-]*")


# ---- names from input in file names ---------------------------------------------------------


def safe_name(value: object, what: str, source: Path, line: int | None = None, pattern: re.Pattern = SAFE_NAME) -> str:
    """`value` if it may stand in a file name: lowercase a-z, digits and hyphens, not starting with a hyphen.

    >>> safe_name("baerum-lofter", "dataset name", Path("sources.toml"))
    'baerum-lofter'
    >>> safe_name("../pwn", "dataset name", Path("sources.toml"))
    Traceback (most recent call last):
    ...
    publish.errors.InputError: sources.toml: dataset name '../pwn' cannot be part of a file name
      hint: use lowercase letters a-z, digits and hyphens (not first), like 'lofter-2027'
    """
    if isinstance(value, str) and pattern.fullmatch(value):
        return value
    if pattern is SAFE_VERSION:
        allowed, example = "a digit, then digits, lowercase letters, dots, hyphens and plus signs", "1.0.0"
    else:
        allowed, example = "lowercase letters a-z, digits and hyphens (not first)", "lofter-2027"
    raise InputError(
        source,
        f"{what} {value!r} cannot be part of a file name",
        line=line or _line_of(source, value),
        hint=f"use {allowed}, like {example!r}",
    )


def output_path(root: Path, *parts: str) -> Path:
    """root/parts, refused if it would lie outside root (a `..`, an absolute part, a symlink leaving it)."""
    path = root.joinpath(*parts)
    if not path.resolve().is_relative_to(root.resolve()):
        raise InputError(path, f"would be written outside {root}", hint="names used in file names must be plain names")
    return path


def _line_of(source: Path, value: object) -> int | None:
    """The first line of `source` where `value` stands quoted, to point the editor at it."""
    if not isinstance(value, str) or not value:
        return None
    try:
        lines = source.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    return next((n for n, line in enumerate(lines, 1) if f'"{value}"' in line or f"'{value}'" in line), None)


# ---- staging and publishing ---------------------------------------------------------------------


@dataclass
class _Target:
    """An output folder and its staging: `staging/new` is what the build writes, `staging/old` keeps
    what was replaced until the publication is complete."""

    path: Path
    staging: Path
    whole: bool  # True: the folder is replaced whole; False: its top-level entries one by one
    owned: frozenset[str] = frozenset()  # entries the build makes: removed when not made this time
    lock: int = -1

    @property
    def new(self) -> Path:
        return self.staging / "new"

    @property
    def old(self) -> Path:
        return self.staging / "old"

    def placements(self) -> list[tuple[Path | None, Path]]:
        """(staged entry or None to remove, where it goes), in a fixed order."""
        if self.whole:
            return [(self.new, self.path)]
        made = {p.name: p for p in self.new.iterdir()}
        stale = {name: None for name in self.owned - made.keys() if _exists(self.path / name)}
        return [(entry, self.path / name) for name, entry in sorted({**made, **stale}.items())]


@dataclass
class Publication:
    """Staging folders for a build's outputs; `commit` puts all of them in place, or none."""

    targets: list[_Target] = field(default_factory=list)
    moved: list[tuple[Path, Path]] = field(default_factory=list)

    def folder(self, target: Path) -> Path:
        """A staging folder that on commit replaces `target` whole (the data package)."""
        return self._stage(target, whole=True, owned=())

    def files(self, target: Path, owned: Iterable[str]) -> Path:
        """A staging folder whose top-level files and folders on commit replace their namesakes in `target`;
        the `owned` names it does not contain are removed from `target`, anything else there is left alone."""
        return self._stage(target, whole=False, owned=owned)

    def _stage(self, target: Path, whole: bool, owned: Iterable[str]) -> Path:
        path = target.resolve()
        remove_leftovers(path)
        staging = _locked_staging_beside(path)
        self.targets.append(_Target(path, staging.path, whole, frozenset(owned), staging.lock))
        (staging.path / "new").mkdir()
        (staging.path / "old").mkdir()
        return staging.path / "new"

    def __enter__(self) -> Publication:
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.discard()

    def commit(self) -> None:
        """Move every staged entry into place; on any failure undo the moves made so far.

        A Ctrl-C or SIGTERM meanwhile is held until the next move, then undoes them all too: the undoing
        itself is never cut short, so "no output was changed" stays true.
        """
        placing = None
        with _interrupts_held() as caught:
            try:
                for target in self.targets:
                    if not target.whole:
                        target.path.mkdir(parents=True, exist_ok=True)
                    for entry, placing in target.placements():
                        _raise_if(caught)
                        if _exists(placing):
                            self._move(placing, target.old / placing.name)
                        if entry is not None:
                            self._move(entry, placing)
                _raise_if(caught)
            except BaseException as err:
                new, kept = self._roll_back()
                kept = self._keep(kept)
                self.discard(keep=kept)
                if isinstance(err, OSError):
                    raise _not_published(placing or Path(err.filename or "."), err, new, kept) from None
                raise
            self.discard()

    def discard(self, keep: Iterable[Path] = ()) -> None:
        """Remove the staging folders and what they hold (but those holding a path in `keep`); release their locks."""
        for target in self.targets:
            if not any(path.is_relative_to(target.staging) for path in keep):
                shutil.rmtree(target.staging, ignore_errors=True)
            os.close(target.lock)
        self.targets.clear()

    def _keep(self, kept: list[Path]) -> list[Path]:
        """Previous outputs that could not be put back, moved out of their staging folder (which the next build
        would remove) into a `-kept-` folder beside it; where even that fails, they stay where they are."""
        places = []
        for path in kept:
            target = next(t for t in self.targets if path.is_relative_to(t.staging))
            try:
                keeper = Path(tempfile.mkdtemp(prefix=f".{target.path.name}{KEPT_MARK}", dir=target.staging.parent)) / path.name
                os.replace(path, keeper)
            except OSError:
                keeper = path
            places.append(keeper)
        return places

    def _move(self, source: Path, destination: Path) -> None:
        os.replace(source, destination)
        self.moved.append((source, destination))

    def _roll_back(self) -> tuple[list[Path], list[Path]]:
        """Undo the moves, last first; returns what could not be undone: outputs now new, previous ones kept aside."""
        new: set[Path] = set()
        kept: set[Path] = set()
        for source, destination in reversed(self.moved):
            try:
                os.replace(destination, source)
            except OSError:
                if any(destination.is_relative_to(t.staging) for t in self.targets):
                    kept.add(destination)  # a previous output that stays in the staging folder
                else:
                    new.add(destination)  # a staged entry that stays in place
            else:
                new.discard(source)  # a previous output back in place (over a new one that could not be moved back)
        self.moved = []
        return sorted(new), sorted(kept)


def _not_published(placing: Path, err: OSError, new: list[Path], kept: list[Path]) -> InputError:
    """One message: which output could not be put in place, and exactly what changed (nothing, if the undo worked)."""
    if not new and not kept:
        outcome = "no output was changed"
    else:
        outcome = "undoing failed: now new: " + (", ".join(map(str, new)) or "none")
        outcome += "; previous versions kept in: " + (", ".join(map(str, kept)) or "none")
    hint = "check the file and its folder (permissions, immutable attribute, free space)"
    return InputError(placing, f"cannot put this output in place: {err.strerror}; {outcome}", hint=hint)


@contextmanager
def _interrupts_held() -> Iterator[list[int]]:
    """Ctrl-C and SIGTERM are noted, not raised, while outputs are moved (in the main thread, where
    handlers belong; a signal that was ignored stays ignored)."""
    caught: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield caught
        return
    held = [s for s in (signal.SIGINT, signal.SIGTERM) if signal.getsignal(s) is not signal.SIG_IGN]
    previous = {s: signal.signal(s, lambda signum, frame: caught.append(signum)) for s in held}
    try:
        yield caught
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _raise_if(caught: list[int]) -> None:
    if caught:
        raise KeyboardInterrupt


def _exists(path: Path) -> bool:
    return path.exists() or path.is_symlink()


@dataclass
class _Staging:
    path: Path
    lock: int


def _locked_staging_beside(target: Path) -> _Staging:
    """A fresh staging folder beside target, locked (flock) for as long as this process lives."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        path = Path(tempfile.mkdtemp(prefix=f".{target.name}{STAGING_MARK}", dir=target.parent))
    except OSError as err:
        raise InputError(target.parent, f"cannot write here: {err.strerror}", hint="choose a writable output folder") from None
    lock = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return _Staging(path, lock)


def remove_leftovers(target: Path) -> list[Path]:
    """Remove the staging folders beside target that no running build holds (left by a killed one)."""
    removed = []
    for path in sorted(target.parent.glob(f".{target.name}{STAGING_MARK}*")) + sorted(target.parent.glob(f".{target.name}-old-*")):
        if path.is_dir() and not path.is_symlink() and _unlocked(path):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _unlocked(path: Path) -> bool:
    try:
        lock = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return False
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(lock)  # closing releases the lock
