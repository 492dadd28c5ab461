"""Stage: the tables -> a Frictionless Data Package (v2) with CSVs, descriptor, README and zip."""

from __future__ import annotations

import bz2
import csv
import gzip
import hashlib
import io
import json
import lzma
import re
import stat
import tempfile
import time
import uuid
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import polars as pl
import re2

from publish import schema
from publish.errors import InputError
from publish.files import decode_utf8
from publish.outputs import MARKER
from publish.sources import Corpus
from publish.text import CONTROL_CHARACTERS

PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the zip format's epoch: entries carry no build-time stamp
# A spreadsheet runs a cell that starts with = + - @ (or a tab or carriage return) as a formula: CSV
# injection (OWASP). Such a text cell gets one ' in front, as OWASP advises; so does one that already
# starts with quotes followed by such a character, so that removing one ' always gives the text back.
FORMULA_START = r"^'*[=+\-@\t\r]"
NEUTRALISED = (
    "A text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return (after any number of `'`) "
    "has one `'` put in front, so that no spreadsheet runs it as a formula (OWASP, CSV injection); "
    "to get the text back, remove the first `'` of every cell that matches the regular expression "
    "`^'+[=+\\-@\\t\\r]`."
)


def neutralise(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text cell a spreadsheet would run as a formula, with a ' in front (see FORMULA_START).

    >>> neutralise(pl.DataFrame({"text": ["=1+1", "'-x", "Bolig", "- Bolig", None]}))["text"].to_list()
    ["'=1+1", "''-x", 'Bolig', "'- Bolig", None]
    """
    texts = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    return frame.with_columns(
        pl.when(pl.col(name).str.contains(FORMULA_START)).then(pl.lit("'") + pl.col(name)).otherwise(pl.col(name)).alias(name)
        for name in texts
    )


def restore(frame: pl.DataFrame) -> pl.DataFrame:
    """The texts of a CSV written by `neutralise` as they were (a data user's way back).

    >>> restore(neutralise(pl.DataFrame({"text": ["=1+1", "'-x", "'ok", "+"]})))["text"].to_list()
    ['=1+1', "'-x", "'ok", '+']
    """
    texts = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    quoted = FORMULA_START.replace("^'*", "^'+")
    return frame.with_columns(
        pl.when(pl.col(name).str.contains(quoted)).then(pl.col(name).str.slice(1)).otherwise(pl.col(name)).alias(name) for name in texts
    )


def neutral(text: str) -> str:
    """One text cell neutralised as `neutralise` does it, for CSV written without polars.

    >>> neutral("@SUM(A1)"), neutral("Bolig")
    ("'@SUM(A1)", 'Bolig')
    """
    return f"'{text}" if re.match(FORMULA_START, text) else text


def write_csv(frame: pl.DataFrame, path: Path) -> None:
    """UTF-8, header row, LF endings, rows already sorted by key: diffable between versions; text
    cells that would run as formulas neutralised."""
    path.parent.mkdir(parents=True, exist_ok=True)
    neutralise(frame).write_csv(path, line_terminator="\n", null_value="")


def markdown(text: str) -> str:
    """Text from the seeds made inert in Markdown: one line, no table, link, code or HTML syntax.

    >>> markdown("Bolig | Hus [lenke](https://x.no) <img src=x>" + chr(10) + "# ny linje")
    'Bolig \\\\| Hus \\\\[lenke\\\\](https://x.no) &lt;img src=x&gt; # ny linje'
    """
    text = re.sub(f"[{CONTROL_CHARACTERS}\t\n\x0c\r]+", " ", text)
    text = re.sub(r"([\\|\[\]`])", r"\\\1", text)
    return text.replace("<", "&lt;").replace(">", "&gt;")


def _paragraph(text: str) -> str:
    """Markdown-inert text that also starts no heading, list or quote."""
    return re.sub(r"^(\s*)([#>+*=-]|\d+[.)])", r"\1\\\2", markdown(text))


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def descriptor(corpus: Corpus, tables: dict[str, schema.Table], data_dir: Path) -> dict:
    """datapackage.json as a dict; resources list every table with its Table Schema."""
    dataset = corpus.dataset
    return {
        "$schema": PROFILE,
        "name": dataset.name,
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{dataset.name}/{dataset.version}")),
        "title": dataset.title,
        "description": dataset.description,
        "version": dataset.version,
        "created": f"{dataset.created}T00:00:00Z",
        "keywords": list(dataset.keywords),
        "licenses": [{"name": dataset.license, "path": dataset.license_path, "title": dataset.license_title}],
        "contributors": _contributors(corpus),
        "sources": [_source(d, corpus.seeds_dir.resolve().name) for d in corpus.documents],
        "resources": [_resource(table, data_dir) for table in tables.values()],
    }


def _contributors(corpus: Corpus) -> list[dict]:
    publisher = [{"title": corpus.dataset.publisher, "roles": ["publisher"]}]
    return publisher + [{"title": a.name, "roles": ["author"]} for a in corpus.actors]


def _source(document, seeds_name: str) -> dict:
    source = {
        "title": document.title,
        "path": document.url or f"{seeds_name}/{document.source_file}",
        "description": f"sha256:{document.sha256}. {document.rights}",
    }
    return source


def _resource(table: schema.Table, data_dir: Path) -> dict:
    path = data_dir / f"{table.name}.csv"
    return {
        "name": table.name,
        "type": "table",
        "path": f"data/{table.name}.csv",
        "scheme": "file",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "title": table.title,
        "description": table.description,
        "bytes": path.stat().st_size,
        "hash": f"sha256:{file_hash(path)}",
        "dialect": {"header": True, "delimiter": ",", "lineTerminator": "\n"},
        "schema": table.frictionless(),
    }


def write_package(corpus: Corpus, frames: dict[str, pl.DataFrame], tables: dict[str, schema.Table], out_dir: Path) -> None:
    """Write data/*.csv, datapackage.json and README.md into out_dir."""
    data_dir = out_dir / "data"
    for name, table in tables.items():
        write_csv(frames[name], data_dir / f"{table.name}.csv")
    package = descriptor(corpus, tables, data_dir)
    (out_dir / "datapackage.json").write_text(json.dumps(package, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (out_dir / "README.md").write_text(package_readme(corpus, frames, tables), encoding="utf-8")
    if corpus.changelog is not None:  # read and checked with the manifest (sources.load_corpus)
        (out_dir / "CHANGELOG.md").write_bytes(corpus.changelog.encode("utf-8"))


def write_zip(package_dir: Path, zip_path: Path) -> None:
    """The package as one download; fixed entry times and order so the zip is byte-identical."""
    files = sorted(p for p in package_dir.rglob("*") if p.is_file() and p.name != MARKER)  # the folder's marker is no part of the data
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            info = zipfile.ZipInfo(path.relative_to(package_dir).as_posix(), date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())


# The descriptor keys Frictionless reads a file or URL from, in a package and in each resource.
_LOADED = ("path", "extrapaths", "schema", "dialect", "profile", "$schema")
_STANDARD_PROFILE = re.compile(r"https://datapackage\.org/profiles/[12]\.0/[a-z]+\.json|[a-z-]+")

# Bounds on the work `validate` does for a package nobody vouched for (docs/bounds.md). Measured: the
# seeds' package has a 34 KB descriptor nested 8 deep and 0.39 MB of CSV; the 100x benchmark corpus's
# 39 MB, validated in 13.7 s (about 3 MB/s, bench/README.md).
MAX_DESCRIPTOR_BYTES = 16 * 2**20  # datapackage.json and any schema or dialect file it names: 500x the seeds'
MAX_JSON_DEPTH = 32  # 4x the seeds' descriptor; Python's own parser fails near 1,000
MAX_DATA_BYTES = 128 * 2**20  # all resources together, as read after decompression: 3x the 100x corpus
MAX_DECOMPRESS_SECONDS = 20.0  # a backstop: the size cap ends a bomb first (2 GiB of gzipped zeros: stopped at 128 MiB)
_COMPRESSIONS = {"gz": gzip.open, "bz2": bz2.open, "xz": lzma.open}  # and zip, which Frictionless supports too
_CHUNK = 2**20
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # RE2 logs a refused pattern to stderr; the InputError says it once


def read_descriptor(path: Path) -> dict:
    """A datapackage.json as a dict: strict UTF-8 JSON with resources, or one InputError with its line."""
    descriptor = _read_json(path)
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
        raise InputError(path, "not a data package: no list of resources", hint="is this a datapackage.json?")
    return descriptor


def _read_json(path: Path) -> object:
    """A JSON file of at most MAX_DESCRIPTOR_BYTES, nested at most MAX_JSON_DEPTH deep, or one InputError."""
    size = _regular_size(path, path, "the descriptor")
    if size > MAX_DESCRIPTOR_BYTES:
        raise InputError(path, f"{size:,} bytes; a descriptor has at most {MAX_DESCRIPTOR_BYTES:,}", hint="is this a datapackage.json?")
    text = decode_utf8(path.read_bytes(), path, hint="is this a datapackage.json?")
    try:
        value, too_deep = json.loads(text), False
    except json.JSONDecodeError as err:
        raise InputError(
            path, f"not valid JSON: {err.msg} (column {err.colno})", line=err.lineno, hint="is this a datapackage.json?"
        ) from None
    except RecursionError:  # nested past what Python's parser can follow
        value, too_deep = None, True
    if too_deep or _depth(value) > MAX_JSON_DEPTH:
        raise InputError(path, f"JSON nested more than {MAX_JSON_DEPTH} levels deep", hint="a data package's descriptor is nested a few levels")
    return value


def _depth(value: object) -> int:
    """How deep lists and objects nest in a parsed JSON value (walked without recursion).

    >>> _depth({"a": [1, {"b": []}]}), _depth(3)
    (4, 0)
    """
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, level)
            if level <= MAX_JSON_DEPTH:  # no need to walk further than the bound
                stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def _regular_size(file: Path, package_path: Path, what: str) -> int:
    """The size of an existing file that is a regular file, after links: a FIFO would hang the read, a
    device (/dev/zero) never end; a missing file is Frictionless's to report, as 0 here."""
    try:
        status = file.stat()
    except (FileNotFoundError, NotADirectoryError):
        return 0
    except OSError as err:
        raise InputError(package_path, f"{what}: cannot read {file.name!r}: {err.strerror}") from None
    if not stat.S_ISREG(status.st_mode):
        kind = "a folder" if stat.S_ISDIR(status.st_mode) else "a FIFO" if stat.S_ISFIFO(status.st_mode) else "a device or socket"
        raise InputError(package_path, f"{what}: {file.name!r} is {kind}, not a regular file", hint="a package's files are regular files")
    return status.st_size


def check_untrusted(descriptor: dict, path: Path) -> None:
    """One rule for a package nobody vouched for: it reads only files inside its own folder (no
    absolute, parent or remote paths, no symlink out), and names only the standard profiles."""
    folder = path.parent.resolve()
    for what, entry in _entries(descriptor, path):
        for key in _LOADED:
            for value in _values(entry.get(key)):
                if not _inside(value, key, folder):
                    raise InputError(
                        path,
                        f"{what}: {key} {value[:80]!r} is not a file inside the package folder",
                        hint="an untrusted package is read only inside its folder; add --trusted for a package you trust",
                    )


def _entries(descriptor: dict, path: Path) -> list[tuple[str, dict]]:
    """The package and each of its resources, named as a message names them."""
    places = [("the package", descriptor)] + [
        (f"resource {r.get('name', i)!r}" if isinstance(r, dict) else f"resource {i}", r) for i, r in enumerate(descriptor["resources"], 1)
    ]
    for what, entry in places:
        if not isinstance(entry, dict):
            raise InputError(path, f"{what} is not an object", hint="resources must be written out in datapackage.json")
    return places


def _values(values: object) -> list[str]:
    return [value for value in (values if isinstance(values, list) else [values]) if isinstance(value, str)]


def _inside(value: str, key: str, folder: Path) -> bool:
    if key in ("profile", "$schema"):
        return bool(_STANDARD_PROFILE.fullmatch(value))
    if urlparse(value).scheme or value.startswith(("/", "\\", "~")) or ".." in re.split(r"[/\\]", value):
        return False
    return (folder / value).resolve().is_relative_to(folder)


def check_files(descriptor: dict, path: Path) -> None:
    """Every local file the package names is a regular file; schema and dialect files are JSON within
    the bounds of a descriptor; the data, decompressed, holds at most MAX_DATA_BYTES in all."""
    left = MAX_DATA_BYTES
    for what, entry in _entries(descriptor, path):
        for key in ("schema", "dialect"):
            for value in _values(entry.get(key)):
                if _local(value) and (path.parent / value).suffix == ".json" and (path.parent / value).exists():
                    _read_json(path.parent / value)
        if entry is descriptor:
            continue
        paths = [value for key in ("path", "extrapaths") for value in _values(entry.get(key)) if _local(value)]
        compression = entry.get("compression") or _suffix_compression(paths[0] if paths else "")
        for value in paths:
            file = path.parent / value
            size = _regular_size(file, path, what)
            if size and compression and value == paths[0] and not entry.get("extrapaths"):
                size = _decompressed_size(file, compression, entry.get("innerpath"), left, path, what)
            left -= size
            if left < 0:
                raise InputError(
                    path, f"{what}: the data passes {MAX_DATA_BYTES // 2**20} MiB", hint="validate bounds the work on a package; see docs/bounds.md"
                )


def _local(value: str) -> bool:
    return not urlparse(value).scheme


def _suffix_compression(value: str) -> str | None:
    suffix = value.rsplit(".", 1)[-1].lower() if "." in value else ""
    return suffix if suffix in (*_COMPRESSIONS, "zip") else None


def _decompressed_size(file: Path, compression: str, innerpath: object, limit: int, path: Path, what: str) -> int:
    """The bytes a compressed resource holds, counted as they stream (nothing written), at most `limit`
    of them and for at most MAX_DECOMPRESS_SECONDS; beyond either, one InputError."""
    deadline = time.monotonic() + MAX_DECOMPRESS_SECONDS
    try:
        with _open_compressed(file, compression, innerpath) as stream:
            total = 0
            while chunk := stream.read(_CHUNK):
                total += len(chunk)
                if total > limit or time.monotonic() > deadline:
                    raise InputError(
                        path,
                        f"{what}: {file.name!r} expands past {MAX_DATA_BYTES // 2**20} MiB of data"
                        + ("" if total > limit else f" or {MAX_DECOMPRESS_SECONDS:.0f} s"),
                        hint="validate bounds the work on a package; see docs/bounds.md",
                    )
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error, lzma.LZMAError, KeyError) as err:
        raise InputError(path, f"{what}: {file.name!r} is not a readable {compression} file: {err}") from None
    return total


def _open_compressed(file: Path, compression: str, innerpath: object):
    if compression != "zip":
        opener = _COMPRESSIONS.get(compression)
        if opener is None:
            return open(file, "rb")  # not a compression Frictionless knows: it reports that itself
        return opener(file, "rb")
    archive = zipfile.ZipFile(file)
    names = archive.namelist()
    name = innerpath if isinstance(innerpath, str) else (names[0] if names else "")
    if not name:
        archive.close()
        return io.BytesIO(b"")
    return _ClosingBoth(archive, archive.open(name))


class _ClosingBoth:
    """A zip member's stream that closes its archive too."""

    def __init__(self, archive: zipfile.ZipFile, stream) -> None:
        self.archive, self.stream = archive, stream

    def __enter__(self):
        return self.stream

    def __exit__(self, *exc) -> None:
        self.stream.close()
        self.archive.close()


def check_patterns(package, path: Path) -> None:
    """Every `pattern` constraint compiles in RE2, which matches in time linear in the cell (Python's
    engine takes exponential time on `(a|aa)+$`); one that uses what RE2 lacks (backreferences,
    lookaround) is one InputError."""
    for resource in package.resources:
        for schema_field in resource.schema.fields:
            pattern = schema_field.constraints.get("pattern")
            if isinstance(pattern, str):
                try:
                    re2.compile(f"^{pattern}$", _RE2_OPTIONS)
                except re2.error as err:
                    raise InputError(
                        path,
                        f"resource {resource.name!r}: field {schema_field.name!r}: pattern {pattern[:80]!r} is not one RE2 can match in bounded time ({err})",
                        hint="an untrusted package's patterns use RE2 syntax (no backreferences or lookaround); add --trusted for a package you trust",
                    ) from None


class _RE2Module:
    """What Frictionless's field module sees as `re` while an untrusted package is validated: its
    `compile` (the one it calls, for a field's `pattern`) compiles in RE2."""

    @staticmethod
    def compile(pattern: str, flags: int = 0):
        return re2.compile(pattern, _RE2_OPTIONS)


@contextmanager
def _patterns_in_re2():
    """Frictionless compiles a field's `pattern` with `re` in frictionless.schema.field; here that one
    name points at RE2 instead (tests/test_probe_bounds.py fails if Frictionless stops using it)."""
    from frictionless.schema import field

    before = field.re
    field.re = _RE2Module
    try:
        yield
    finally:
        field.re = before


@contextmanager
def _own_temporary_folder():
    """Frictionless unzips a resource into a temporary file and may leave it: every temporary file
    goes into a folder of this validation's own, removed when it ends."""
    before = tempfile.tempdir
    with tempfile.TemporaryDirectory(prefix="publish-validate-") as folder:
        tempfile.tempdir = folder
        try:
            yield
        finally:
            tempfile.tempdir = before


def validate_package(package_path: Path, trusted: bool = False) -> list[str]:
    """Frictionless validation of a package: every error as one line, empty when valid.

    Untrusted (the default) the package may read only files inside its folder, checked here before
    Frictionless runs and again by Frictionless's own untrusted mode; its work is bounded
    (docs/bounds.md): regular files only, descriptors' size and depth, the data's size after
    decompression, patterns matched by RE2, temporary files in a folder of its own.
    """
    from frictionless import FrictionlessException, Package, system

    descriptor = read_descriptor(package_path)
    if not trusted:
        check_untrusted(descriptor, package_path)
    check_files(descriptor, package_path)
    try:
        with system.use_context(trusted=trusted), _own_temporary_folder():
            package = Package(str(package_path))
            if trusted:
                report = package.validate()
            else:
                check_patterns(package, package_path)
                with _patterns_in_re2():
                    report = package.validate()
    except FrictionlessException as err:
        raise InputError(package_path, f"cannot be validated: {err.error.message}") from None
    except RecursionError:
        raise InputError(package_path, "cannot be validated: a file it names is nested too deep", hint="see docs/bounds.md") from None
    errors: list[str] = []
    for task in report.tasks:
        numbers = {error.row_number for error in task.errors if getattr(error, "row_number", None)}
        documents = _row_documents(package_path.parent, task.name, descriptor, numbers)
        for error in task.errors:
            document = documents.get(getattr(error, "row_number", None))
            errors.append(f"{task.name}: {error.message}" + (f" (rows of document {document!r})" if document else ""))
    errors.extend(error.message for error in report.errors)
    return errors


def _row_documents(folder: Path, resource: str, descriptor: dict, row_numbers: set[int]) -> dict[int, str]:
    """The document each of these rows of a resource came from (Frictionless counts the header as row 1),
    so an invalid package names the document to look at. The CSVs are streamed once each, keeping only
    the rows asked for: a package of any size costs memory for its errors alone. Rows of a file that is
    not plain UTF-8 CSV name no document."""
    paths = {r.get("name"): r.get("path") for r in descriptor.get("resources", []) if isinstance(r, dict)}
    if not row_numbers:
        return {}
    wanted = {number: row for number, row in _csv_rows(folder, paths.get(resource), lambda number, _: number in row_numbers)}
    documents = {number: row["document_id"] for number, row in wanted.items() if row.get("document_id")}
    pledges = {number: row.get("pledge_id") or row.get("pledge_id_a") for number, row in wanted.items() if number not in documents}
    pledges = {number: pledge for number, pledge in pledges.items() if pledge}
    if pledges:
        asked = set(pledges.values())
        rows = _csv_rows(folder, paths.get("pledges"), lambda _, row: row.get("pledge_id") in asked)
        of_pledge = {row["pledge_id"]: row.get("document_id") for _, row in rows}
        documents.update({number: of_pledge[pledge] for number, pledge in pledges.items() if of_pledge.get(pledge)})
    return documents


def _csv_rows(folder: Path, path: object, keep) -> list[tuple[int, dict]]:
    """The rows of a plain CSV resource (numbered as Frictionless numbers them) for which `keep` holds."""
    if not isinstance(path, str) or _suffix_compression(path) or not (folder / path).is_file():
        return []
    kept: list[tuple[int, dict]] = []
    try:
        with (folder / path).open(encoding="utf-8", newline="") as handle:
            for number, row in enumerate(csv.DictReader(handle), 2):
                if keep(number, row):
                    kept.append((number, row))
    except (UnicodeDecodeError, csv.Error):
        return []
    return kept


def package_readme(corpus: Corpus, frames: dict[str, pl.DataFrame], tables: dict[str, schema.Table]) -> str:
    """The data user's guide, generated from the contract so it never drifts from the CSVs."""
    dataset = corpus.dataset
    lines = [
        f"# {markdown(dataset.title)}",
        "",
        _paragraph(dataset.description),
        "",
        f"- Version: {dataset.version} ({dataset.created})",
        f"- Licence: {markdown(dataset.license_title)} ({markdown(dataset.license)}) for the structured data; the quoted texts keep their authors' rights (see `sources`).",
        f"- Publisher: {markdown(dataset.publisher)}",
        "- Format: [Frictionless Data Package v2](https://datapackage.org/); CSV files are UTF-8 with a header row and LF line endings, sorted by primary key.",
        f"- Formulas: {NEUTRALISED}",
        "",
        "## Sources",
        "",
        "| document | actor | title | period | sha256 |",
        "|---|---|---|---|---|",
    ]
    for d in corpus.documents:
        lines.append(f"| `{d.document_id}` | {d.actor_id} | {markdown(d.title)} | {markdown(d.period) or '–'} | `{d.sha256[:16]}…` |")
    lines += ["", "## Tables", ""]
    for name, table in tables.items():
        lines += _table_section(table, frames[name].height)
    return "\n".join(lines).rstrip() + "\n"


def _table_section(table: schema.Table, rows: int) -> list[str]:
    lines = [
        f"### `{table.name}` – {table.title}",
        "",
        f"{table.description} **{rows} {'row' if rows == 1 else 'rows'}.** Primary key: `{', '.join(table.primary_key)}`.",
        "",
    ]
    return lines + column_table(table) + [""]


@dataclass(frozen=True)
class ColumnWords:
    """The words of a column table, so the dataset README (English) and docs/datasett.md (Bokmål) share one."""

    header: tuple[str, str, str, str] = ("column", "type", "title", "description")
    one_of: str = "One of:"
    required: str = "Required."


BOKMAL = ColumnWords(("kolonne", "type", "tittel", "beskrivelse"), "Én av:", "Påkrevd.")


def column_table(table: schema.Table, words: ColumnWords = ColumnWords()) -> list[str]:
    """One table's columns as Markdown rows, straight from the contract.

    >>> column_table(schema.GROUPS, BOKMAL)[2]
    '| `group_id` | string | Gruppe-ID | Kort, stabil ID for gruppen (aktørenes sammenligningsgruppe). Påkrevd. |'
    """
    lines = ["| " + " | ".join(words.header) + " |", "|---|---|---|---|"]
    for f in table.fields:
        extra = f" {words.one_of} {', '.join(f.enum)}." if f.enum else ""
        required = f" {words.required}" if f.required else ""
        lines.append(f"| `{f.name}` | {f.type} | {f.title} | {f.description}{extra}{required} |")
    return lines
