"""The one error type for bad input: it carries where the problem is and what to do about it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from publish.text import CONTROL_CHARACTERS

# Characters a terminal acts on instead of showing: C0 and C1 controls, DEL, the bidirectional
# overrides that reorder what follows them, the line and paragraph separators; and lone surrogates,
# which no terminal encoding can write. The line break is kept (messages have hint lines) unless the
# text must stay on one line (a line of `diff`, where a text's newline would forge the next line).
_STEERING = "\t\x0c\r\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff"
_UNPRINTABLE = re.compile(f"[{CONTROL_CHARACTERS}{_STEERING}]")
_UNPRINTABLE_LINE = re.compile(f"[{CONTROL_CHARACTERS}{_STEERING}\n]")


def printable(text: str, *, one_line: bool = False) -> str:
    """Text safe to print on a terminal: every control character shown as an escape, never obeyed;
    with `one_line` the line breaks too (and Unicode's line and paragraph separators).

    >>> printable("Bolig\\x1b[2J\\x07 og\\ttomter\\n  hint: x")
    'Bolig\\\\x1b[2J\\\\x07 og\\\\x09tomter\\n  hint: x'
    >>> printable("Bolig\\n  + falsk  [ap-1]", one_line=True)
    'Bolig\\\\x0a  + falsk  [ap-1]'
    """
    return (_UNPRINTABLE_LINE if one_line else _UNPRINTABLE).sub(escaped, text)


def escaped(match: re.Match) -> str:
    """A matched character written as its escape (\\x1b, \\u202e): the one form every output uses."""
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


@dataclass
class InputError(Exception):
    """Bad input found at the edge of the pipeline; the CLI prints it and exits non-zero."""

    path: Path | str
    message: str
    line: int | None = None
    hint: str = ""

    def __str__(self) -> str:
        path = str(self.path).replace("\n", "\\x0a")  # a folder's name never starts a line of its own
        where = f"{path}:{self.line}" if self.line else path
        text = f"{where}: {self.message}"
        return printable(f"{text}\n  hint: {self.hint}" if self.hint else text)
