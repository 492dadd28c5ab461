"""Reading the editors' files (TOML manifests, editorial CSVs) strictly: every entry found with its
line, every field type-checked, every error one InputError naming file, line and what to do."""

from __future__ import annotations

import csv
import datetime
import functools
import io
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from publish.errors import InputError
from publish.files import MAX_EDITOR_BYTES, decode_utf8, read_inside
from publish.text import CONTROL_CHARACTERS

# Control characters are never wanted in a text an editor types: C0 (tab and newlines aside), DEL, C1.
_CONTROL = re.compile(f"[{CONTROL_CHARACTERS}\x0c\r]")  # form feed and carriage return too: an editor types neither
_MISSING = object()
M = TypeVar("M", bound=BaseModel)


def control_character(text: str, allowed: str = "") -> str | None:
    """The first control character of `text` (other than `allowed`) as U+XXXX and its name, or None.

    >>> control_character("Bolig\\x1b[31m"), control_character("a\\tb", allowed="\\t")
    ('U+001B ESCAPE', None)
    """
    for match in _CONTROL.finditer(text):
        if match.group() not in allowed:
            return describe_character(match.group())
    return None


def describe_character(char: str) -> str:
    names = {"\x00": "NUL", "\x07": "BELL", "\x1b": "ESCAPE", "\x7f": "DELETE", "\t": "TAB", "\x0c": "FORM FEED"}
    return f"U+{ord(char):04X} {names.get(char) or unicodedata.name(char, 'control character')}"


def read_toml(path: Path, root: Path | None = None) -> tuple[dict, str]:
    """Parse a TOML file (inside `root`, its own folder by default), turning a syntax error into an
    InputError with its line; also its text. Nesting is bounded before the parser recurses into it."""
    text = _read_utf8(path, root)
    _check_nesting(text, path)
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as err:
        line = getattr(err, "lineno", None) or _line_from_message(str(err))
        raise InputError(path, f"malformed TOML: {getattr(err, 'msg', err)}", line=line) from None


def read_text(path: Path, root: Path | None = None) -> str:
    """An editor's text file (a changelog): UTF-8, a BOM dropped, no control characters but tab and line breaks."""
    text = _read_utf8(path, root)
    for number, line in enumerate(text.split("\n"), 1):
        found = control_character(line, allowed="\t\r")
        if found:
            raise InputError(path, f"contains the control character {found}", line=number, hint="remove it")
    return text


def _read_utf8(path: Path, root: Path | None = None, limit: int = MAX_EDITOR_BYTES) -> str:
    """A file's text: strict UTF-8, a byte-order mark allowed; a wrong byte is named with its line."""
    hint = "save the file as UTF-8" + (" (a spreadsheet's 'CSV UTF-8')" if path.suffix == ".csv" else " (an editor's 'UTF-8', not 'ANSI')")
    return decode_utf8(read_inside(path, limit, root), path, hint=hint)


# The deepest nesting of arrays and inline tables read. Measured: the seeds' manifest and taxonomy and the
# corpus manifest nest two deep (an array of strings in a table), an inline-table manifest three; Python's
# TOML parser recurses once per level and raised RecursionError at 500 nested arrays, 400 inline tables.
MAX_NESTING = 20


def _check_nesting(text: str, path: Path) -> None:
    """Arrays and inline tables nested deeper than MAX_NESTING are an error with the line where the
    bound is passed (strings and comments are skipped; a [[table]] header counts two levels, as written)."""
    depth, line = 0, 1
    for match in _TOKEN.finditer(text):
        kind, value = match.lastgroup, match.group()
        if kind == "punct" and value in "[{":
            depth += 1
            if depth > MAX_NESTING:
                hint = "a manifest needs only a few levels; is a bracket left open?"
                raise InputError(path, f"arrays or tables nested more than {MAX_NESTING} deep", line=line, hint=hint)
        elif kind == "punct" and value in "]}":
            depth = max(depth - 1, 0)
        line += value.count("\n")


def _line_from_message(message: str) -> int | None:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None


# ---- where each entry of a TOML file stands --------------------------------------------------------

_TOKEN = re.compile(
    r'(?P<string>"""(?:[^"\\]|\\[\s\S]|"(?!""))*"""(?:"{1,2})?|\'\'\'[\s\S]*?\'\'\'(?:\'{1,2})?|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\')'
    r"|(?P<newline>\r?\n)|(?P<space>[ \t]+)|(?P<comment>#[^\n]*)|(?P<punct>[\[\]{}=,])|(?P<bare>[^\s\"'#\[\]{}=,]+)"
)


@dataclass
class Span:
    """Where one table of a TOML file starts, and the line of each of its keys."""

    line: int
    keys: dict[str, int] = field(default_factory=dict)


@functools.lru_cache(maxsize=4)  # a manifest's [dataset], [[groups]], [[actors]] and [[documents]] are found in one scan
def toml_spans(text: str) -> dict[tuple[str, ...], list[Span]]:
    """Every table of a (valid) TOML text by its key path: `[t]`, each `[[t]]` and each inline table
    of `t = [{...}, {...}]`, with the line of each of its own keys. Comments, spacing and quoting do
    not matter, and strings are never read as headers.

    >>> spans = toml_spans('[[ documents ]]  # first\\nid = "a"\\n\\n"documents" = 1\\n')
    >>> [(s.line, s.keys) for s in spans[("documents",)]]
    [(1, {'id': 2, 'documents': 4})]
    >>> [s.line for s in toml_spans('documents = [\\n  {id = "a"},\\n  { id = "b" }, # b\\n]')[("documents",)]]
    [2, 3]
    """
    return _Scanner(text).run()


class _Scanner:
    """A statement-level walk over TOML tokens; values are skipped but their nesting is followed."""

    def __init__(self, text: str):
        self.tokens = [(m.lastgroup, m.group()) for m in _TOKEN.finditer(text)]
        self.index = 0
        self.line = 1
        self.spans: dict[tuple[str, ...], list[Span]] = {(): [Span(1)]}
        self.table: Span = self.spans[()][0]
        self.path: tuple[str, ...] = ()

    def run(self) -> dict[tuple[str, ...], list[Span]]:
        while self._skip_blank():
            if self._peek() == "[":
                self._header()
            else:
                self._key_value(self.table, self.path, statement=True)
        return self.spans

    def _peek(self) -> str | None:
        return self.tokens[self.index][1] if self.index < len(self.tokens) else None

    def _next(self) -> tuple[str, str]:
        kind, value = self.tokens[self.index]
        self.index += 1
        self.line += value.count("\n")
        return kind, value

    def _skip_blank(self, newlines: bool = True) -> bool:
        """Skip spaces and comments (and newlines); whether a token is left."""
        while self.index < len(self.tokens):
            kind = self.tokens[self.index][0]
            if kind not in ("space", "comment") and not (newlines and kind == "newline"):
                return True
            self._next()
        return False

    def _key(self, end: str) -> tuple[str, ...]:
        """A (dotted, maybe quoted) key up to `end`, which is consumed."""
        parts: list[str] = []
        while self._skip_blank(newlines=False):
            kind, value = self._next()
            if value == end:
                break
            if kind == "string":
                parts.append(value.strip("\"'"))
            else:
                parts.extend(part for part in value.split(".") if part)
        return tuple(parts)

    def _header(self) -> None:
        line = self.line
        self._next()
        double = self._peek() == "["
        if double:
            self._next()
        self.path = self._key("]")
        if double:
            self._next()  # the second "]"
        self.table = Span(line)
        if double:
            self.spans.setdefault(self.path, []).append(self.table)
        else:
            self.spans[self.path] = [self.table]

    def _key_value(self, owner: Span, path: tuple[str, ...], statement: bool) -> None:
        line = self.line
        key = self._key("=")
        if key:
            owner.keys.setdefault(key[0], line)
        self._value(path + key, statement)

    def _value(self, path: tuple[str, ...], entries: bool) -> None:
        """Skip one value; inline tables of an array at statement level are that array's entries."""
        self._skip_blank(newlines=False)
        if self._peek() == "[":
            self._next()
            while self._skip_blank() and self._peek() != "]":
                if self._peek() == ",":
                    self._next()
                elif self._peek() == "{":
                    self._inline(path if entries else None)
                else:
                    self._value(path, entries=False)
            if self._peek() == "]":
                self._next()
        elif self._peek() == "{":
            self._inline(path if entries else None, single=True)
        else:  # a scalar, perhaps of several tokens (a date and a time with a space between)
            start = self.index
            while self.index < len(self.tokens) and (self.tokens[self.index][0] in ("string", "bare", "space") or self.index == start):
                self._next()

    def _inline(self, path: tuple[str, ...] | None, single: bool = False) -> None:
        span = Span(self.line)
        if path is not None:
            if single:
                self.spans[path] = [span]
            else:
                self.spans.setdefault(path, []).append(span)
        self._next()  # "{"
        while self._skip_blank(newlines=False) and self._peek() != "}":
            if self._peek() == ",":
                self._next()
                continue
            self._key_value(span, (), statement=False)
        if self._peek() == "}":
            self._next()


# ---- typed fields -------------------------------------------------------------------------------------


def _kind(value: object) -> str:
    """A TOML value's type as an editor would name it, with the value."""
    names = [(bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"), (list, "array"), (dict, "table")]
    name = next((n for t, n in names if isinstance(value, t)), "date" if isinstance(value, datetime.date | datetime.time) else "value")
    shown = repr(value) if not isinstance(value, list | dict) else ("[...]" if isinstance(value, list) else "{...}")
    return f"the {name} {shown[:60]}"


@dataclass
class Entry:
    """One table of a TOML file: its values, read with their types checked, and where it stands."""

    values: dict
    path: Path
    span: Span
    what: str  # "document", then "document 'program-2027'" once its id is known

    @property
    def line(self) -> int:
        return self.span.line

    def line_of(self, key: str) -> int:
        return self.span.keys.get(key, self.span.line)

    def error(self, key: str | None, message: str, hint: str = "") -> InputError:
        return InputError(self.path, f"{self.what}: {message}", line=self.line_of(key) if key else self.line, hint=hint)

    def _get(self, key: str, default: object) -> object:
        if key in self.values:
            return self.values[key]
        if default is _MISSING:
            raise self.error(None, f"lacks {key}")
        return default

    def _wrong(self, key: str, expected: str, value: object, hint: str = "") -> InputError:
        return self.error(key, f"{key} must be {expected}, not {_kind(value)}", hint=hint)

    def text(self, key: str, default: object = _MISSING, *, empty: bool = True) -> str:
        """A string field; no control characters, and not empty unless `empty`."""
        value = self._get(key, default)
        if not isinstance(value, str):
            raise self._wrong(key, "a string", value)
        self._clean(key, value)
        if not empty and not value.strip():
            raise self.error(key, f"{key} is empty")
        return value

    def texts(self, key: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        """A list of strings (a single string is an error: it would be read letter by letter)."""
        value = self._get(key, default)
        if isinstance(value, tuple):
            return value
        if not isinstance(value, list):
            raise self._wrong(key, "a list of strings", value, hint=f'write {key} = ["…", "…"]')
        for number, item in enumerate(value, 1):
            if not isinstance(item, str):
                raise self.error(key, f"{key} must be a list of strings; item {number} is {_kind(item)}")
            self._clean(key, item)
        return tuple(value)

    def integer(self, key: str, default: object = _MISSING, *, allowed: range | None = None) -> int:
        value = self._get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._wrong(key, "an integer", value)
        if allowed is not None and value not in allowed:
            raise self.error(key, f"{key} {value} is out of range ({allowed.start}–{allowed.stop - 1})")
        return value

    def choice(self, key: str, allowed: tuple[str, ...], default: object = _MISSING, hint: str = "") -> str:
        value = self.text(key, default)
        if value not in allowed:
            raise self.error(key, f"{key} {value!r} is not one of {', '.join(allowed)}", hint=hint)
        return value

    def model(self, fields: type[M]) -> M:
        """The table validated by its pydantic model (publish/manifest.py); the first error, unknown keys
        first as an editor reads them, becomes one message with the key's line."""
        try:
            return fields.model_validate(self.values)
        except ValidationError as err:
            problems = sorted(err.errors(), key=lambda e: e["type"] != "extra_forbidden")
            raise self._problem(problems[0], tuple(fields.model_fields)) from None

    def _problem(self, problem: ErrorDetails, keys: tuple[str, ...]) -> InputError:
        """One pydantic error in the words the field-by-field checks used (tests/test_bad_input.py lists them)."""
        key, kind, value = str(problem["loc"][0]), problem["type"], problem.get("input")
        if kind == "missing":
            return self.error(None, f"lacks {key}")
        if kind == "extra_forbidden":
            return self.error(key, f"unknown key {key!r}", hint=f"known keys: {', '.join(keys)}")
        if kind == "list_type":
            return self._wrong(key, "a list of strings", value, hint=f'write {key} = ["…", "…"]')
        if kind == "string_type" and len(problem["loc"]) > 1 and isinstance(problem["loc"][1], int):
            return self.error(key, f"{key} must be a list of strings; item {problem['loc'][1] + 1} is {_kind(value)}")
        if kind in ("string_type", "date_type", "union_tag_invalid") or problem["loc"][1:] in (("str",), ("date",)):
            return self._wrong(key, "a string", value)
        if kind == "control_character":
            return self.error(key, f"{key} {problem['msg']}", hint="remove it (write \\n for a line break)")
        return self.error(key, f"{key} {problem['msg']}")

    def only(self, keys: tuple[str, ...]) -> None:
        """An unknown key (a typo such as `layuot`) is an error, not silently ignored."""
        unknown = [k for k in self.values if k not in keys]
        if unknown:
            raise self.error(unknown[0], f"unknown key {unknown[0]!r}", hint=f"known keys: {', '.join(keys)}")

    def _clean(self, key: str, value: str) -> None:
        found = control_character(value)
        if found:
            raise self.error(key, f"{key} contains the control character {found}", hint="remove it (write \\n for a line break)")


def table(data: dict, text: str, path: Path, key: str, what: str) -> Entry:
    """The one table `[key]` of a TOML file."""
    values = data.get(key)
    if not isinstance(values, dict):
        raise InputError(path, f"missing [{key}] table" if values is None else f"{key} must be a [{key}] table, not {_kind(values)}")
    spans = toml_spans(text).get((key,)) or [Span(1)]
    return Entry(values, path, spans[0], what)


def entries(data: dict, text: str, path: Path, key: str, what: str) -> list[Entry]:
    """Every `[[key]]` entry, each with its own line; fails loudly rather than misplace or drop one."""
    values = data.get(key, [])
    if not isinstance(values, list) or not all(isinstance(v, dict) for v in values):
        raise InputError(path, f"{key} must be [[{key}]] tables, not {_kind(values)}", hint=f"write each entry under a [[{key}]] line")
    spans = toml_spans(text).get((key,), [])
    if len(spans) != len(values):
        raise InputError(
            path,
            f"found {len(values)} {key} entries but the lines of {len(spans)}",
            hint=f"write each entry under its own [[{key}]] line",
        )
    return [Entry(v, path, s, what) for v, s in zip(values, spans, strict=True)]


# ---- editorial CSV files ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, str]


def read_csv(path: Path, columns: tuple[str, ...], root: Path | None = None) -> list[Row]:
    """The rows of an editorial CSV (inside `root`, its own folder by default) with the line each starts
    on: UTF-8 (a BOM allowed), the header checked, every row with exactly the header's fields and no
    control characters."""
    text = _read_utf8(path, root)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[Row] = []
    header: list[str] | None = None
    ended = 0  # the last line of the last whole record: a malformed one starts on the next
    try:
        for record in reader:
            ended, line = reader.line_num, _start_line(reader.line_num, record)
            if not record or record == [""]:
                continue
            if header is None:
                header = check_header(path, record, columns, line)
                continue
            _check_row(path, line, record, header)
            rows.append(Row(line, dict(zip(header, record, strict=True))))
    except csv.Error as err:
        if "field larger than field limit" in str(err):  # the csv module's own limit, when no library raised it
            raise _long_field(path, ended + 1) from None
        raise InputError(path, f"malformed CSV: {err}", line=ended + 1, hint=_QUOTES_HINT) from None
    if header is None:
        raise InputError(path, f"empty file: the header needs {','.join(columns)}", line=1)
    return rows


def check_header(path: Path, header: list[str], columns: tuple[str, ...], line: int = 1) -> list[str]:
    """The header of any CSV the build or `diff` reads: each column named once (else the last one would
    silently win) and every column of `columns` present; other columns are allowed.

    >>> check_header(Path("r.csv"), ["pledge_a", "note", "pledge_a"], ("pledge_a",))
    Traceback (most recent call last):
    publish.errors.InputError: r.csv:1: the header names the column 'pledge_a' twice (columns 1 and 3)
      hint: give each column one name
    """
    seen: dict[str, int] = {}
    for number, name in enumerate(header, 1):
        if not name.strip():
            raise InputError(path, f"column {number} of the header has no name", line=line, hint="remove the empty column (a spreadsheet may add one)")
        if name in seen:
            message = f"the header names the column {name[:60]!r} twice (columns {seen[name]} and {number})"
            raise InputError(path, message, line=line, hint="give each column one name")
        seen[name] = number
    missing = [c for c in columns if c not in seen]
    if missing:
        found = ", ".join(header)[:120]
        raise InputError(path, f"lacks the column {missing[0]!r} (has {found})", line=line, hint=f"the header needs {','.join(columns)}")
    return header


def _start_line(end_line: int, record: list[str]) -> int:
    """The first line of a record: its end line less the line breaks inside its quoted fields."""
    return end_line - sum(value.count("\n") for value in record)


# The longest field of an editor's CSV: the csv module's default limit, checked here as well because a
# library may raise the module-wide limit (Frictionless's CSV parser does when it reads a table), which
# made the bound depend on what ran before in the process. A pledge has at most 5,000 characters.
MAX_FIELD_CHARS = 131_072
_QUOTES_HINT = "a text with a comma, a quote or a line break is in double quotes; is a quote on this line left open?"


def _long_field(path: Path, line: int) -> InputError:
    return InputError(path, f"a field of more than {MAX_FIELD_CHARS:,} characters", line=line, hint=_QUOTES_HINT)


def _check_row(path: Path, line: int, record: list[str], header: list[str]) -> None:
    if len(record) != len(header):
        fields = "field" if len(record) == 1 else "fields"
        hint = "a text with a comma must be in double quotes" if len(record) > len(header) else "fill in every column"
        raise InputError(path, f"row has {len(record)} {fields}, the header {len(header)} ({','.join(header)})", line=line, hint=hint)
    if any(len(value) > MAX_FIELD_CHARS for value in record):
        raise _long_field(path, line)
    for name, value in zip(header, record, strict=True):
        found = control_character(value, allowed="\n\r")
        if found:
            raise InputError(path, f"{name} contains the control character {found}", line=line, hint="remove it")
