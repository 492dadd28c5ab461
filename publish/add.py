"""Adding a party's programme in one step: the file (or its download) copied into the seeds' texts/,
its SHA-256 pinned and its manifest entry appended, then read as the build will read it.

A bad answer changes nothing: a download that fails, a type the project cannot read, an id already
used, or a text the build could not read leave the manifest byte-identical and copy no file.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from publish.errors import InputError
from publish.outputs import SAFE_NAME
from publish.sources import MANIFEST_NAME, load_corpus

# Types the project reads, by what the file begins with or how it is named.
READABLE = (".pdf", ".html", ".htm", ".txt", ".md", ".markdown")
DOWNLOAD_TIMEOUT = 60  # seconds
MAX_DOWNLOAD = 100 * 1024 * 1024  # a programme's PDF is a few MB; a larger answer is no programme
NEW_ACTOR_COLOR = "#777777"  # a new actor's colour until an editor gives the party's own


@dataclass(frozen=True)
class Added:
    document_id: str
    file: Path
    layout: str
    pledges: int


def add(source: str, actor: str, seeds: Path = Path("seeds"), group: str | None = None, title: str | None = None) -> Added:
    """Copy or download `source` into `seeds`/texts/, append its manifest entry (and its actor's, when new)."""
    manifest = seeds / MANIFEST_NAME
    before = manifest.read_bytes() if manifest.is_file() else None
    corpus = load_corpus(seeds)  # the manifest as it is must be valid: an error here is about it, not the new file
    raw, name = _fetch(source)
    suffix = _suffix(raw, name, source)
    document_id = _new_id(PurePosixPath(name).stem, {d.document_id for d in corpus.documents}, source)
    target = seeds / "texts" / f"{document_id}{suffix}"
    if target.exists():
        raise InputError(target, "a file of that name is already in the seeds", hint="remove it, or add the document under another name")
    actors = {a.actor_id: a for a in corpus.actors}
    if actor in actors and group is not None and actors[actor].group != group:
        raise InputError(manifest, f"actor {actor!r} is in group {actors[actor].group!r}, not {group!r}", hint="leave out --group")
    declared = tomllib.loads((before or b"").decode("utf-8")).get("groups", [])
    if actor not in actors and group is None and len(declared) == 1:
        group = corpus.groups[0].group_id  # a manifest of one declared group: the new party is compared within it
    entry = _actor_entry(actor, group, title) if actor not in actors else ""
    entry += _document_entry(document_id, f"texts/{target.name}", actor, title or PurePosixPath(name).stem, raw, source)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(raw)
    try:
        manifest.write_bytes((before or b"").rstrip(b"\n") + b"\n" + entry.encode("utf-8"))
        document = next(d for d in load_corpus(seeds).documents if d.document_id == document_id)
        from publish.extract import extract

        extraction = extract(document)
    except BaseException:
        manifest.write_bytes(before or b"")
        target.unlink(missing_ok=True)
        raise
    return Added(document_id, target, extraction.layout.describe(), len(extraction.items))


def _fetch(source: str) -> tuple[bytes, str]:
    """The file's bytes and its name, from a path or an http(s) address."""
    scheme = urllib.parse.urlsplit(source).scheme
    if scheme in ("http", "https"):
        try:
            with urllib.request.urlopen(source, timeout=DOWNLOAD_TIMEOUT) as answer:  # noqa: S310 - the scheme is checked
                raw = answer.read(MAX_DOWNLOAD + 1)
        except (urllib.error.URLError, OSError, ValueError) as err:
            raise InputError(source, f"download failed: {getattr(err, 'reason', err)}", hint="check the address; nothing was changed") from None
        if len(raw) > MAX_DOWNLOAD:
            raise InputError(source, f"the download is larger than {MAX_DOWNLOAD // 2**20} MB", hint="is this the programme?")
        name = PurePosixPath(urllib.parse.unquote(urllib.parse.urlsplit(source).path)).name or "nettside.html"
        return raw, name
    path = Path(source)
    if not path.is_file():
        raise InputError(path, "no such file", hint="give the path of a PDF, web page or text file, or an http(s) address")
    return path.read_bytes(), path.name


def _suffix(raw: bytes, name: str, source: str) -> str:
    """The file's type: a PDF by its first bytes, a web page by its markup, else its name's if readable."""
    head = raw[:1024].lstrip().lower()
    if raw.startswith(b"%PDF-"):
        return ".pdf"
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        return ".html"
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in (".txt", ".md", ".markdown") and b"\x00" not in raw[:4096]:
        return suffix
    raise InputError(
        Path(source), f"cannot read a file of type {suffix or 'unknown'!r}", hint=f"the project reads {', '.join(READABLE)}; export the programme as one of them"
    )


def _new_id(stem: str, taken: set[str], source: str) -> str:
    """An id made from the file's name (lower-case letters, digits and dashes); one already used is refused."""
    slug = re.sub(r"[^a-z0-9]+", "-", stem.casefold().translate(str.maketrans({"æ": "ae", "ø": "o", "å": "a"}))).strip("-")[:64]
    if not SAFE_NAME.fullmatch(slug):
        slug = "dokument"
    if slug in taken:
        raise InputError(source, f"document id {slug!r} is already used in the manifest", hint="rename the file, or remove the entry that has it")
    return slug


def _actor_entry(actor: str, group: str | None, title: str | None) -> str:
    if not SAFE_NAME.fullmatch(actor):
        raise InputError(actor, f"actor id {actor!r} must be lower-case letters, digits and dashes", hint="e.g. --actor frp")
    lines = ["", "[[actors]]", f"id = {_toml(actor)}", f"name = {_toml(title or actor)}", f"short_name = {_toml(actor)}", 'kind = "party"']
    lines += [f"color = {_toml(NEW_ACTOR_COLOR)}"] + ([f"group = {_toml(group)}"] if group else [])
    return "\n".join(lines) + "\n"


def _document_entry(document_id: str, file: str, actor: str, title: str, raw: bytes, source: str) -> str:
    url = source if urllib.parse.urlsplit(source).scheme in ("http", "https") else ""
    lines = ["", "[[documents]]", f"id = {_toml(document_id)}", f"file = {_toml(file)}", f"actor = {_toml(actor)}", f"title = {_toml(title)}"]
    lines += ['kind = "programme"', 'rights = "Partiet"', f"sha256 = {_toml(hashlib.sha256(raw).hexdigest())}"]
    lines += [f"url = {_toml(url)}"] if url else []
    return "\n".join(lines) + "\n"


def _toml(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)
