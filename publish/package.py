"""Stage: the tables -> a Frictionless Data Package (v2) with CSVs, descriptor, README and zip."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import uuid
import zipfile
from pathlib import Path
from urllib.parse import urlparse

import polars as pl

from publish import schema
from publish.errors import InputError
from publish.inputs import read_text
from publish.outputs import MARKER
from publish.sources import Corpus

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
    text = re.sub(r"[\x00-\x1f\x7f-\x9f]+", " ", text)
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
    changelog = corpus.seeds_dir / "CHANGELOG.md"
    if changelog.exists():
        (out_dir / "CHANGELOG.md").write_bytes(read_text(changelog).encode("utf-8"))


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


def read_descriptor(path: Path) -> dict:
    """A datapackage.json as a dict: strict UTF-8 JSON with resources, or one InputError with its line."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(path, f"not valid UTF-8: byte at offset {err.start}", hint="is this a datapackage.json?") from None
    try:
        descriptor = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(
            path, f"not valid JSON: {err.msg} (column {err.colno})", line=err.lineno, hint="is this a datapackage.json?"
        ) from None
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
        raise InputError(path, "not a data package: no list of resources", hint="is this a datapackage.json?")
    return descriptor


def check_untrusted(descriptor: dict, path: Path) -> None:
    """One rule for a package nobody vouched for: it reads only files inside its own folder (no
    absolute, parent or remote paths, no symlink out), and names only the standard profiles."""
    folder = path.parent.resolve()
    places = [("the package", descriptor)] + [
        (f"resource {r.get('name', i)!r}" if isinstance(r, dict) else f"resource {i}", r) for i, r in enumerate(descriptor["resources"], 1)
    ]
    for what, entry in places:
        if not isinstance(entry, dict):
            raise InputError(path, f"{what} is not an object", hint="resources must be written out in datapackage.json")
        for key in _LOADED:
            values = entry.get(key)
            for value in values if isinstance(values, list) else [values]:
                if isinstance(value, str) and not _inside(value, key, folder):
                    raise InputError(
                        path,
                        f"{what}: {key} {value[:80]!r} is not a file inside the package folder",
                        hint="an untrusted package is read only inside its folder; add --trusted for a package you trust",
                    )


def _inside(value: str, key: str, folder: Path) -> bool:
    if key in ("profile", "$schema"):
        return bool(_STANDARD_PROFILE.fullmatch(value))
    if urlparse(value).scheme or value.startswith(("/", "\\", "~")) or ".." in re.split(r"[/\\]", value):
        return False
    return (folder / value).resolve().is_relative_to(folder)


def validate_package(package_path: Path, trusted: bool = False) -> list[str]:
    """Frictionless validation of a package: every error as one line, empty when valid.

    Untrusted (the default) the package may read only files inside its folder, checked here before
    Frictionless runs and again by Frictionless's own untrusted mode.
    """
    from frictionless import FrictionlessException, Package, system

    descriptor = read_descriptor(package_path)
    if not trusted:
        check_untrusted(descriptor, package_path)
    try:
        with system.use_context(trusted=trusted):
            package = Package(str(package_path))
            report = package.validate()
    except FrictionlessException as err:
        raise InputError(package_path, f"cannot be validated: {err.error.message}") from None
    errors: list[str] = []
    for task in report.tasks:
        rows = _row_documents(package_path.parent, task.name, descriptor)
        for error in task.errors:
            document = rows(getattr(error, "row_number", None))
            errors.append(f"{task.name}: {error.message}" + (f" (rows of document {document!r})" if document else ""))
    errors.extend(error.message for error in report.errors)
    return errors


def _row_documents(folder: Path, resource: str, descriptor: dict):
    """A function from a resource's row number (Frictionless counts the header as row 1) to the document
    whose text the row came from, so an invalid package names the document to look at."""
    paths = {r.get("name"): r.get("path") for r in descriptor.get("resources", []) if isinstance(r, dict)}

    def rows_of(name: str) -> list[dict]:
        path = paths.get(name)
        if not isinstance(path, str) or not (folder / path).is_file():
            return []
        with (folder / path).open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))

    table = rows_of(resource)
    pledge_document: dict[str, str] = {}

    def document(row_number: int | None) -> str | None:
        if not row_number or not 2 <= row_number <= len(table) + 1:
            return None
        row = table[row_number - 2]
        if row.get("document_id"):
            return row["document_id"]
        pledge = row.get("pledge_id") or row.get("pledge_id_a")
        if pledge and not pledge_document:
            pledge_document.update({r["pledge_id"]: r["document_id"] for r in rows_of("pledges")})
        return pledge_document.get(pledge) if pledge else None

    return document


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
        "| column | type | title | description |",
        "|---|---|---|---|",
    ]
    for f in table.fields:
        extra = f" One of: {', '.join(f.enum)}." if f.enum else ""
        required = " Required." if f.required else ""
        lines.append(f"| `{f.name}` | {f.type} | {f.title} | {f.description}{extra}{required} |")
    return lines + [""]
