"""Atomic outputs: everything is written into staging folders and moved into place only on success.

One `Publication` holds a staging folder beside each output folder. When every stage succeeded, all
of them are moved into place together; if one rename fails, the ones already made are undone, so
every output stays as it was (or the error says exactly which files are new). A staging folder is
locked while its build runs; the next build removes those no live build holds (a build killed with
`kill -9` leaves one behind). Names built from input pass `safe_name` and `output_path` first.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from publish.errors import InputError

STAGING_MARK = "-staging-"  # .build-staging-k2j4x/ beside build/; git-ignored
KEPT_MARK = "-kept-"  # a previous output that could not be put back after a failed publication
DONE_MARK = "-old-"  # a finished publication's staging folder, renamed before it is removed
JOURNAL_MARK = "-journal.json"  # .build-journal.json beside build/: the moves of a publication under way
# Written into every output folder the build makes, with the dataset's name: the build replaces or
# writes into a folder only if it carries this (or holds nothing but what the build makes).
MARKER = ".publish-output.json"
SAFE_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")  # every id and name that becomes part of a file name
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


# ---- which folders the build may own --------------------------------------------------------------


def check_places(seeds: Path, outputs: dict[str, Path], checkout: Path) -> None:
    """Refuse, before any work, an output folder the build could harm: one that is a file, that is or
    contains the seeds, that lies in the seeds, that is or contains the checkout or a git work tree, or
    that overlaps another output. `outputs` maps each option (`--package`) to its folder."""
    seeds, checkout = seeds.resolve(), checkout.resolve()
    resolved = {option: path.resolve() for option, path in outputs.items()}
    for option, path in resolved.items():
        shown = outputs[option]
        if _exists(path) and not path.is_dir():
            raise InputError(shown, f"{option} must be a folder, and this is a file", hint=f"give {option} a folder (new or made by a build)")
        for what, place in (("the project's checkout", checkout), ("the seeds folder", seeds)):
            if path == place or place.is_relative_to(path):
                raise InputError(shown, f"{option} would replace {what} {place}", hint=f"give {option} a folder of its own, such as build")
        if path.is_relative_to(seeds):
            raise InputError(shown, f"{option} lies inside the seeds folder {seeds}", hint=f"give {option} a folder outside the seeds")
        if (path / ".git").exists():
            raise InputError(shown, f"{option} is a git work tree", hint=f"give {option} a folder of its own, such as build")
        for other, other_path in resolved.items():
            if other != option and other_path.is_relative_to(path):
                relation = "is the same folder as" if path == other_path else "contains"
                raise InputError(shown, f"{option} {relation} {other} ({outputs[other]})", hint="give each output a folder of its own")


def check_owned(path: Path, option: str, dataset: str, names: Iterable[str], *, whole: bool) -> None:
    """Refuse an output folder the build did not make, or one that holds what publishing would lose.

    A folder is the build's when it carries the marker of this dataset. Without a marker only an empty
    folder is (files of the build's names may be the user's own). A folder replaced `whole` (the package)
    must also hold nothing the build does not make, or that would go with it.
    """
    entries = sorted(entry.name for entry in path.iterdir()) if path.is_dir() else []
    if not entries:
        return
    marker = path / MARKER
    if not marker.is_file() or marker.is_symlink():
        raise InputError(
            path,
            f"{option} is not empty and was not made by a build (it holds {_listed(entries)} and no {MARKER}); publishing here would replace it",
            hint=f"give {option} a new or empty folder, or one an earlier build made",
        )
    owner = _owner(marker)
    if owner != dataset:
        said = f"the outputs of the dataset {owner!r}" if owner else f"a {MARKER} that cannot be read"
        raise InputError(path, f"{option} holds {said}, not of {dataset!r}", hint=f"give {option} another folder, or delete this one yourself if it may go")
    foreign = [name for name in entries if name not in set(names)]
    if whole and foreign:
        raise InputError(
            path,
            f"{option} holds {_listed(foreign)}, which the build does not make; publishing replaces the folder whole",
            hint=f"move {'them' if len(foreign) > 1 else 'it'} elsewhere, or give {option} another folder",
        )


def _listed(names: list[str]) -> str:
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def marker_text(dataset: str) -> str:
    """The marker's bytes: the same for the same dataset, so outputs stay byte-identical."""
    note = "Written by `python -m publish build`: the folder holds this dataset's outputs, which the next build replaces."
    return json.dumps({"dataset": dataset, "note": note}, ensure_ascii=False, indent=2) + "\n"


def _owner(marker: Path) -> str | None:
    """The dataset a marker names, or None when it cannot be read; read only up to 4 KiB (a marker is a few lines)."""
    try:
        with open(marker, "rb", opener=lambda name, flags: os.open(name, flags | os.O_NONBLOCK | os.O_NOFOLLOW)) as handle:
            return str(json.loads(handle.read(4096).decode("utf-8"))["dataset"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


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

        A journal of the moves is written beside every target first and removed once the staging folders
        are gone, so a build killed in between (`kill -9`) is finished by the next one (`recover`). A Ctrl-C or
        SIGTERM meanwhile is held until the next move, then undoes them all too: the undoing itself is
        never cut short, so "no output was changed" stays true.
        """
        placing = None
        with _interrupts_held() as caught, _publishing_in(t.path.parent for t in self.targets):
            try:
                moves = self._plan()
                journals = _write_journal(moves, self.targets)
                for entry, placing, backup in moves:
                    _raise_if(caught)
                    if _exists(placing):
                        self._move(placing, backup)
                    if entry is not None:
                        self._move(entry, placing)
                _raise_if(caught)
            except BaseException as err:
                new, kept = self._roll_back()
                kept = self._keep(kept)
                _remove_journals(self.targets)
                self.discard(keep=kept)
                if isinstance(err, OSError):
                    raise _not_published(placing or Path(err.filename or "."), err, new, kept) from None
                raise
            self.discard()  # each staging folder renamed out of the pattern first: a kill meanwhile leaves no previous output that looks kept
            _remove_journals(journals)

    def _plan(self) -> list[tuple[Path | None, Path, Path]]:
        """Every move of the commit, in order: (staged entry or None to remove, where it goes, where what is there goes)."""
        moves = []
        for target in self.targets:
            if not target.whole:
                target.path.mkdir(parents=True, exist_ok=True)
            moves += [(entry, placing, target.old / placing.name) for entry, placing in target.placements()]
        return moves

    def discard(self, keep: Iterable[Path] = ()) -> None:
        """Remove the staging folders and what they hold (but those holding a path in `keep`); release their locks."""
        for target in self.targets:
            if not any(path.is_relative_to(target.staging) for path in keep):
                _remove_staging(target.staging)
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


# ---- the journal of a commit -----------------------------------------------------------------------


@contextmanager
def _publishing_in(folders: Iterable[Path], wait: bool = True) -> Iterator[bool]:
    """Hold the folders that hold the targets (flock on each, in a fixed order) while a publication's
    journal exists: two builds never write or finish one journal at once. A killed holder's lock is
    gone with it. Yields False, without waiting, when `wait` is False and another process holds one."""
    locks = []
    try:
        for folder in sorted(set(folders)):
            lock = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
            locks.append(lock)
            try:
                fcntl.flock(lock, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
        yield True
    finally:
        for lock in locks:
            os.close(lock)


def _journal_of(target: Path) -> Path:
    return target.parent / f".{target.name}{JOURNAL_MARK}"


def _write_journal(moves: list[tuple[Path | None, Path, Path]], targets: list[_Target]) -> list[Path]:
    """The commit's moves, written (each copy whole, by a rename) beside every target before the first move."""
    journals = [_journal_of(t.path) for t in targets]
    record = {
        "moves": [[str(entry) if entry else None, str(placing), str(backup)] for entry, placing, backup in moves],
        "staging": [str(t.staging) for t in targets],
        "journals": [str(j) for j in journals],
    }
    for journal in journals:
        part = journal.with_name(journal.name + ".part")
        with open(part, "w", encoding="utf-8") as handle:
            json.dump(record, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(part, journal)
    return journals


def _remove_journals(journals: Iterable[Path | _Target]) -> None:
    for journal in journals:
        path = _journal_of(journal.path) if isinstance(journal, _Target) else journal
        for stale in (path, path.with_name(path.name + ".part")):
            with suppress(FileNotFoundError, NotADirectoryError):  # none written, or no folder to hold one
                stale.unlink()


def recover(*targets: Path) -> list[Path]:
    """Finish the publication a killed build left half done beside `targets`, before anything else runs.

    Every staged entry was complete before its journal was written, so the moves are redone where they
    were not made (each is one atomic rename, so each is either made or not); the replaced outputs are
    removed only after every journal copy is gone. A journal whose staging folder a live build still holds
    is that build's, and is left alone. Returns the outputs put in place.
    """
    placed: list[Path] = []
    for target in (t.resolve() for t in targets):
        if not target.parent.is_dir():
            continue
        with _publishing_in([target.parent], wait=False) as free:
            if not free:  # a live build is publishing here: its journal is its own
                continue
            journal = _journal_of(target)
            if journal.is_file() and not journal.is_symlink():
                placed += _finish(journal)
            else:
                _remove_journals([journal])  # a copy cut short before its rename: no move was made
    return placed


def _finish(journal: Path) -> list[Path]:
    """The moves of one journal redone, then its copies and staging folders removed; what was put in place."""
    placed: list[Path] = []
    try:
        record = json.loads(journal.read_text(encoding="utf-8"))
        staging = [Path(p) for p in record["staging"]]
        _check_journal(record, staging)
        if not all(_unlocked(p) for p in staging if p.exists()):
            return []
        for entry, placing, backup in record["moves"]:
            placed += _redo(Path(entry) if entry else None, Path(placing), Path(backup))
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise InputError(
            journal,
            f"an earlier build was stopped while publishing, and finishing it failed: {getattr(err, 'strerror', None) or err}",
            hint="the previous outputs are in the staging folders it names (old/); move them back by hand, then remove this file",
        ) from None
    _remove_journals(Path(p) for p in record["journals"])
    for folder in staging:
        _remove_staging(folder)
    return placed


def _check_journal(record: dict, staging: list[Path]) -> None:
    """A journal may move only what a publication moves: entries of staging folders named as the build
    names them, into their own targets; one naming anything else is refused, and nothing is moved or removed."""
    targets = {folder: folder.parent / folder.name[1:].rsplit(STAGING_MARK, 1)[0] for folder in staging}
    if not staging or not all(_staging_name(t).fullmatch(f.name) for f, t in targets.items()):
        raise ValueError("it names folders that are not a build's staging folders")
    journals = {str(_journal_of(t)) for t in targets.values()}
    for entry, placing, backup in record["moves"]:
        folder = next((f for f in staging if Path(backup).parent == f / "old"), None)
        entry_ok = entry is None or Path(entry) == folder / "new" or Path(entry).parent == folder / "new" if folder else False
        if not entry_ok or Path(placing) not in (targets[folder], targets[folder] / Path(placing).name):
            raise ValueError(f"it names a move ({placing}) that is no publication's")
    if not set(record["journals"]) <= journals:
        raise ValueError("it names journals of other folders")


def _redo(entry: Path | None, placing: Path, backup: Path) -> list[Path]:
    """One move of an interrupted commit, made if it was not: what was in place aside, the staged entry in."""
    if entry is not None and not _exists(entry) or entry is None and not _exists(placing):
        return []
    if _exists(placing) and not _exists(backup):
        os.replace(placing, backup)
    if entry is None:
        return []
    os.replace(entry, placing)
    return [placing]


def _staging_name(target: Path) -> re.Pattern:
    """The names of `target`'s staging folders, under way or finished: mkdtemp's 8 characters after the
    mark, so a user's `.build-old-2025` or another target's `-kept-` folder never matches."""
    return re.compile(re.escape(f".{target.name}") + f"(?:{STAGING_MARK}|{DONE_MARK})" + r"[a-z0-9_]{8}")


def _remove_staging(staging: Path) -> None:
    """Rename a finished staging folder out of the staging pattern first (one atomic step), then remove it:
    a removal cut short leaves a `-old-` folder, which holds nothing still needed."""
    done = staging.with_name(staging.name.replace(STAGING_MARK, DONE_MARK))
    try:
        os.replace(staging, done)
    except OSError:
        done = staging
    shutil.rmtree(done, ignore_errors=True)


def remove_leftovers(target: Path) -> list[Path]:
    """Remove the staging folders beside target that no running build holds (left by a killed one).

    One whose `old/` holds something is kept: it holds previous outputs that a failed undo could not put
    back (the error named it); a killed commit's are put right by `recover` before this runs.
    """
    removed = []
    for path in sorted(target.parent.glob(f".{target.name}-*")):
        if not _staging_name(target).fullmatch(path.name) or not path.is_dir() or path.is_symlink() or not _unlocked(path):
            continue
        if STAGING_MARK in path.name and (path / "old").is_dir() and any((path / "old").iterdir()):
            continue
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
