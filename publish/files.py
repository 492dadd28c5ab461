"""Opening the files the build and `diff` read: a regular file inside its folder, its size known before a
byte is read. Every input passes through `read_inside`, so no link, FIFO or device reaches a parser.

The limits below are documented, with what they were measured against, in docs/limits.md.
`O_NOFOLLOW` refuses a link that is put in place of the resolved path between the check and the open;
a hard link is the file itself and is read.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from publish.errors import InputError

MIB = 2**20
# A seed text. Measured: the seeds' largest is 100 KB (a local programme of 2,964 lines), the development
# corpus's 111 KB; a national programme exported to text is about 0.5 MB. 64 MiB is some 600 times the
# largest real text and above the 50 MB text the probe of issue 24 treats as a legal (slow) input.
MAX_TEXT_BYTES = 64 * MIB
# An editor's file: the manifest, topics.toml, the editorial CSVs, the changelog, the hand labels.
# Measured: the largest was the hand labels' pair_labels.csv, 289 KB while all labels were one file
# (the manifest 4.7 KB, topics.toml 14 KB); 16 MiB is 55 times that and holds some 80,000 documents.
MAX_EDITOR_BYTES = 16 * MIB
# A table of a data package that `diff` reads. Measured: the committed package's largest table,
# pledge_sources.csv, is 167 KB for 171 KB of texts (about one byte per byte of text); 256 MiB holds the
# tables of four texts at the text limit.
MAX_PACKAGE_BYTES = 256 * MIB

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def read_inside(path: Path, limit: int, root: Path | None = None) -> bytes:
    """The bytes of `path`, which after resolving links must be a regular file inside `root` (its own
    folder by default) of at most `limit` bytes.

    Opened without following a last link and without blocking (a FIFO opens at once), then checked
    with fstat on what was opened, so a file swapped after the check is not read either.
    """
    root = Path(os.path.realpath(root if root is not None else path.parent))
    real = Path(os.path.realpath(path))
    if not real.is_relative_to(root):
        raise InputError(path, f"is a link to a file outside the folder {root}", hint=f"copy the file into {root}; a link may only point inside it")
    try:
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except OSError as err:
        raise _unopened(path, real, err) from None
    try:
        return _read_regular(fd, path, limit)
    finally:
        os.close(fd)


def _unopened(path: Path, real: Path, err: OSError) -> InputError:
    """Why a file could not be opened: a socket (which open refuses) is named as one, and so is a
    link that leads back to itself (realpath leaves a loop where it is)."""
    if err.errno == errno.ENXIO and stat.S_ISSOCK(os.stat(real).st_mode):
        return _not_regular(path, "a socket")
    if err.errno == errno.ELOOP:
        return InputError(path, "is a link that leads back to itself", hint="replace the link with the file it should name")
    return InputError(path, f"cannot read: {err.strerror}")


def _read_regular(fd: int, path: Path, limit: int) -> bytes:
    mode = os.fstat(fd)
    if not stat.S_ISREG(mode.st_mode):
        raise _not_regular(path, next((name for test, name in _KINDS if test(mode.st_mode)), "not a file"))
    if mode.st_size > limit:
        raise _too_large(path, mode.st_size, limit)
    chunks, size = [], 0
    while chunk := os.read(fd, min(limit + 1 - size, 1 * MIB) or 1):
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:  # the file grew while it was read
            raise _too_large(path, size, limit)
    return b"".join(chunks)


def _not_regular(path: Path, kind: str) -> InputError:
    if kind == "a folder":
        return InputError(path, "is a folder, not a file")
    return InputError(path, f"is {kind}, not a regular file", hint="give a file saved on disk")


def _too_large(path: Path, size: int, limit: int) -> InputError:
    return InputError(path, f"{size:,} bytes; at most {limit:,} are read", hint="is this the right file? the limits are in docs/limits.md")


def decode_utf8(raw: bytes, path: Path, hint: str) -> str:
    """A file's bytes as strict UTF-8 text, a byte-order mark dropped; a wrong byte is named with its line,
    value and offset (one message for every file the build or a command reads)."""
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise InputError(path, f"not valid UTF-8: byte 0x{raw[err.start]:02x} at offset {err.start}", line=line, hint=hint) from None
