"""Stage 1: the source manifest and the texts it names, validated where they enter."""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from publish.errors import InputError
from publish.schema import ACTOR_KINDS, DOCUMENT_KINDS, LAYOUTS

MANIFEST_NAME = "sources.toml"
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")


@dataclass(frozen=True)
class Actor:
    actor_id: str
    name: str
    short_name: str
    kind: str
    color: str
    group: str = "default"


@dataclass(frozen=True)
class Document:
    """One manifest entry plus its text, split into physical lines (1-based by index + 1)."""

    document_id: str
    actor_id: str
    title: str
    short_title: str
    kind: str
    period: str
    source_file: str
    layout: str
    url: str
    rights: str
    sha256: str
    lines: tuple[str, ...]
    chapters: tuple[str, ...] = ()


@dataclass(frozen=True)
class Dataset:
    """The package-level metadata from the manifest's [dataset] table."""

    name: str
    title: str
    description: str
    version: str
    created: str
    license: str
    license_title: str
    license_path: str
    publisher: str
    keywords: tuple[str, ...]
    homepage: str = ""


@dataclass(frozen=True)
class Corpus:
    dataset: Dataset
    actors: tuple[Actor, ...]
    documents: tuple[Document, ...]
    seeds_dir: Path = field(default=Path("seeds"))


def read_toml(path: Path) -> tuple[dict, str]:
    """Parse a TOML file, turning a syntax error into an InputError with its line; also its text."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except UnicodeDecodeError as err:
        raise InputError(path, f"not valid UTF-8 at byte {err.start}", hint="save the file as UTF-8") from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as err:
        line = getattr(err, "lineno", None) or _line_from_message(str(err))
        raise InputError(path, f"malformed TOML: {err.msg if hasattr(err, 'msg') else err}", line=line) from None


def _line_from_message(message: str) -> int | None:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None


def entry_lines(text: str, table: str) -> list[int]:
    """The line where each [[table]] entry starts, in order, so errors can point at the entry.

    >>> entry_lines(chr(10).join(["[dataset]", "", "[[actors]]", "id = 'a'", "[[actors]]"]), "actors")
    [3, 5]
    """
    return [n for n, line in enumerate(text.splitlines(), 1) if line.strip() == f"[[{table}]]"]


def decode_text(raw: bytes, path: Path, encoding: str) -> str:
    """Decode a seed text: strict, BOM dropped, CRLF/CR turned into LF so line numbers hold."""
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as err:
        hint = f'if the file is not {encoding}, add encoding = "cp1252" (or its real encoding) to its manifest entry'
        line = raw[: err.start].count(b"\n") + 1
        raise InputError(path, f"not valid {encoding}: byte 0x{raw[err.start]:02x} at offset {err.start}", line=line, hint=hint) from None
    except LookupError:
        raise InputError(path, f"unknown encoding {encoding!r}", hint="use a Python codec name such as utf-8 or cp1252") from None
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def split_lines(text: str) -> tuple[str, ...]:
    """Physical lines; a final newline does not make an extra empty line."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return tuple(lines)


def load_corpus(seeds_dir: Path) -> Corpus:
    """Read and validate the manifest, then every text it names."""
    manifest_path = seeds_dir / MANIFEST_NAME
    data, manifest_text = read_toml(manifest_path)
    dataset = _dataset(data, manifest_path)
    actors = _actors(data, manifest_path, manifest_text)
    documents = _documents(data, manifest_path, manifest_text, {a.actor_id for a in actors}, seeds_dir)
    return Corpus(dataset=dataset, actors=actors, documents=documents, seeds_dir=seeds_dir)


def _require(entry: dict, keys: tuple[str, ...], path: Path, line: int | None, what: str) -> None:
    missing = [k for k in keys if k not in entry]
    if missing:
        raise InputError(path, f"{what} lacks {', '.join(missing)}", line=line)


def _dataset(data: dict, path: Path) -> Dataset:
    entry = data.get("dataset")
    if not isinstance(entry, dict):
        raise InputError(path, "missing [dataset] table", hint="see README: the manifest")
    keys = ("name", "title", "description", "version", "created", "license", "license_title", "license_path", "publisher", "keywords")
    _require(entry, keys, path, None, "[dataset]")
    if not re.fullmatch(r"\d+\.\d+\.\d+", str(entry["version"])):
        raise InputError(path, f"[dataset] version {entry['version']!r} is not SemVer (MAJOR.MINOR.PATCH)")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(entry["created"])):
        raise InputError(path, f"[dataset] created {entry['created']!r} is not a date YYYY-MM-DD")
    return Dataset(
        name=entry["name"],
        title=entry["title"],
        description=entry["description"],
        version=str(entry["version"]),
        created=str(entry["created"]),
        license=entry["license"],
        license_title=entry["license_title"],
        license_path=entry["license_path"],
        publisher=entry["publisher"],
        keywords=tuple(entry["keywords"]),
        homepage=entry.get("homepage", ""),
    )


def _actors(data: dict, path: Path, text: str) -> tuple[Actor, ...]:
    actors: list[Actor] = []
    seen: set[str] = set()
    for entry, line in zip(data.get("actors", []), entry_lines(text, "actors"), strict=False):
        _require(entry, ("id", "name", "short_name", "kind", "color"), path, line, "actor")
        if not _ID.match(entry["id"]):
            raise InputError(path, f"actor id {entry['id']!r} must be lower-case letters, digits and dashes", line=line)
        if entry["id"] in seen:
            raise InputError(path, f"duplicate actor id {entry['id']!r}", line=line)
        if entry["kind"] not in ACTOR_KINDS:
            raise InputError(path, f"actor kind {entry['kind']!r} is not one of {', '.join(ACTOR_KINDS)}", line=line)
        if not _COLOR.match(entry["color"]):
            raise InputError(path, f"actor colour {entry['color']!r} is not #RRGGBB", line=line)
        seen.add(entry["id"])
        actors.append(Actor(entry["id"], entry["name"], entry["short_name"], entry["kind"], entry["color"], entry.get("group", "default")))
    if not actors:
        raise InputError(path, "no [[actors]] entries")
    return tuple(actors)


def _documents(data: dict, path: Path, text: str, actor_ids: set[str], seeds_dir: Path) -> tuple[Document, ...]:
    documents: list[Document] = []
    seen: set[str] = set()
    for entry, line in zip(data.get("documents", []), entry_lines(text, "documents"), strict=False):
        documents.append(_document(entry, path, line, actor_ids, seen, seeds_dir))
        seen.add(entry["id"])
    if not documents:
        raise InputError(path, "no [[documents]] entries")
    return tuple(documents)


def _document(entry: dict, path: Path, line: int | None, actor_ids: set[str], seen: set[str], seeds_dir: Path) -> Document:
    _require(entry, ("id", "file", "actor", "title", "kind", "layout", "rights"), path, line, "document")
    doc_id = entry["id"]
    if not _ID.match(doc_id):
        raise InputError(path, f"document id {doc_id!r} must be lower-case letters, digits and dashes", line=line)
    if doc_id in seen:
        raise InputError(path, f"duplicate document id {doc_id!r}", line=line)
    if entry["actor"] not in actor_ids:
        known = ", ".join(sorted(actor_ids))
        raise InputError(path, f"document {doc_id!r} names unknown actor {entry['actor']!r}", line=line, hint=f"known actors: {known}")
    if entry["kind"] not in DOCUMENT_KINDS:
        raise InputError(path, f"document kind {entry['kind']!r} is not one of {', '.join(DOCUMENT_KINDS)}", line=line)
    if entry["layout"] not in LAYOUTS:
        raise InputError(path, f"unknown layout profile {entry['layout']!r}", line=line, hint=f"known profiles: {', '.join(LAYOUTS)}")
    file_path = seeds_dir / entry["file"]
    if not file_path.is_file():
        raise InputError(path, f"document {doc_id!r}: file {entry['file']!r} not found under {seeds_dir}", line=line)
    raw = file_path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    pinned = entry.get("sha256")
    if pinned and pinned != digest:
        raise InputError(
            path,
            f"document {doc_id!r}: sha256 of {entry['file']} is {digest}, manifest pins {pinned}",
            line=line,
            hint="the text changed: check it, then update the pinned sha256",
        )
    body = decode_text(raw, file_path, entry.get("encoding", "utf-8"))
    if not body.strip():
        raise InputError(file_path, "the text file is empty", hint="export the document's text again")
    return Document(
        document_id=doc_id,
        actor_id=entry["actor"],
        title=entry["title"],
        short_title=entry.get("short_title", entry["title"]),
        kind=entry["kind"],
        period=str(entry.get("period", "")),
        source_file=entry["file"],
        layout=entry["layout"],
        url=entry.get("url", ""),
        rights=entry["rights"],
        sha256=digest,
        lines=split_lines(body),
        chapters=tuple(entry.get("chapters", ())),
    )
