"""Stage 1: the source manifest and the texts it names, validated where they enter."""

from __future__ import annotations

import codecs
import datetime
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from publish import garbled
from publish.errors import InputError
from publish.files import MAX_TEXT_BYTES, read_inside
from publish.inputs import Entry, entries, read_text, read_toml, table
from publish.manifest import ActorFields, BookletFields, DatasetFields, DocumentFields, GroupFields
from publish.outputs import SAFE_NAME
from publish.schema import ACTOR_KINDS, DOCUMENT_KINDS, LINE_NUMBER_POSITIONS, MANIFEST_LAYOUTS
from publish.text import CONTROL_CHARACTERS

MANIFEST_NAME = "sources.toml"
CHANGELOG_NAME = "CHANGELOG.md"
_COLOR = re.compile(r"#[0-9A-Fa-f]{6}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
# The longest physical line of a text. Measured: the seeds' longest line has 399 characters (a web
# paragraph), the development corpus's 636 (../shared/corpus); 4,000 leaves six times that while a
# runaway line (a binary file, a PDF export without line breaks) stops here with its line number.
MAX_LINE_CHARS = 4_000
# Control characters a text export leaves behind (NUL, ESC, BEL, a stray U+0001 after a bullet): removed
# where a text is read, so no table, workbook or terminal sees them. Tab and form feed (a page break) stay:
# the extractor reads them as whitespace. Editors' files (TOML, CSV) are stricter: there they are errors.
_TEXT_CONTROL = re.compile(f"[{CONTROL_CHARACTERS}]")
# The encodings a text may name: the Unicode forms and the code pages, each mapping bytes to characters.
# Codecs that interpret their input (unicode_escape, raw_unicode_escape, utf-7, punycode, idna) are
# refused: they turn a text's "\\ud800" into a lone surrogate, or its bytes into other text.
_TEXT_ENCODING = re.compile(r"utf-8(-sig)?|utf-(16|32)(-[lb]e)?|ascii|cp\d+|iso8859-\d+|mac-[a-z]+|koi8-[a-z]")
_ENCODING_HINT = "name the text's real encoding: utf-8, utf-16 or a code page such as cp1252 or iso-8859-15"
_SURROGATE = re.compile("[\ud800-\udfff]")
DATASET_KEYS = tuple(DatasetFields.model_fields)
ACTOR_KEYS = tuple(ActorFields.model_fields)
DEFAULT_GROUP = "default"  # the group of actors that name none
GROUP_KEYS = tuple(GroupFields.model_fields)
# The elections a group's programmes are written for; the booklet's cover names it ("Kommunevalg · Asker")
# only when the manifest says which, so no group is called municipal by default.
ELECTIONS = ("kommunevalg", "fylkestingsvalg", "stortingsvalg", "sametingsvalg")
# A group's booklet subtitle when its [[groups]] entry gives none (or the manifest has no [[groups]]); the
# second half only for a group with a municipality among its actors.
DEFAULT_SUBTITLE = "Hva partiene lover, tema for tema – og hva kommunens egen politikk allerede sier"
PARTIES_SUBTITLE = "Hva partiene lover, tema for tema"
DOCUMENT_KEYS = tuple(DocumentFields.model_fields)


@dataclass(frozen=True)
class Actor:
    actor_id: str
    name: str
    short_name: str
    kind: str
    color: str
    group: str = "default"  # DEFAULT_GROUP


@dataclass(frozen=True)
class Group:
    """A comparison group: actors compared with one another, and the booklet printed for them."""

    group_id: str
    name: str  # the place, e.g. "Bærum"
    title: str  # the booklet's title, e.g. "Løfter i Bærum"
    subtitle: str = DEFAULT_SUBTITLE
    election: str = ""  # one of ELECTIONS, or "" when the manifest does not say


@dataclass(frozen=True)
class Booklet:
    """A booklet to print: a group's actors (or some of them) on some of the chapters, e.g. a committee's.

    Without [[booklets]] in the manifest, each group gets one booklet of every chapter, named as the group.
    """

    booklet_id: str
    group: str
    title: str
    topics: tuple[str, ...] = ()  # chapter (topic) ids, in the booklet's order of chapters; () = every chapter
    actors: tuple[str, ...] = ()  # actor ids of the group; () = all of them
    declared: bool = False  # a [[booklets]] entry (its files lie in build/booklets/<id>/)
    line: int = 0  # the manifest line of its topics, for an unknown topic found once the taxonomy is read


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
    chapters: tuple[str, ...] = ()  # chapter headings of a text without font sizes
    bullets: tuple[str, ...] = ()  # extra list-marker glyphs (1-3 characters, no letters or digits)
    line_numbers: str = ""  # where printed line numbers stand: start, end or none; "" = detect
    ignore_lines: tuple[str, ...] = ()  # a line whose stripped text starts with one of these is page furniture
    end_at: tuple[str, ...] = ()  # the content ends at the first line starting with one of these (site boilerplate)
    line_pages: tuple[int, ...] = ()  # a PDF's page (1 = first) of each line; empty for a text file
    printed_pages: tuple[str, ...] = ()  # a PDF's page numbers as printed, one per page ("" where none)


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
    spatial: tuple[str, ...] = ()  # the places the dataset covers (DCAT dct:spatial); () = its municipalities' names
    election: str = ""  # every group's election, unless its [[groups]] entry names another


@dataclass(frozen=True)
class Corpus:
    dataset: Dataset
    actors: tuple[Actor, ...]
    documents: tuple[Document, ...]
    seeds_dir: Path = field(default=Path("seeds"))
    groups: tuple[Group, ...] = ()
    changelog: str | None = None  # CHANGELOG.md of the seeds, copied into the package; None when there is none
    booklets: tuple[Booklet, ...] = ()

    def actors_of(self, group_id: str) -> tuple[Actor, ...]:
        return tuple(a for a in self.actors if a.group == group_id)


def decode_text(raw: bytes, path: Path, encoding: str) -> str:
    """Decode a seed text: strict, BOM dropped, CRLF/CR turned into LF so line numbers hold, stray
    control characters removed (tab and form feed stay), every line at most MAX_LINE_CHARS long.

    >>> decode_text(b"\\xef\\xbb\\xbfA\\x1b[31m\\x00\\r\\nB\\x0c", Path("t.txt"), "utf-8")
    'A[31m\\nB\\x0c'
    """
    problem = encoding_problem(encoding)
    if problem:
        raise InputError(path, problem, hint=_ENCODING_HINT)
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as err:
        hint = f'if the file is not {encoding}, add encoding = "cp1252" (or its real encoding) to its manifest entry'
        line = raw[: err.start].count(b"\n") + 1
        raise InputError(path, f"not valid {encoding}: byte 0x{raw[err.start]:02x} at offset {err.start}", line=line, hint=hint) from None
    surrogate = _SURROGATE.search(text)
    if surrogate:  # no codec allowed above makes one; a decode that did would fail in every output
        line = text.count("\n", 0, surrogate.start()) + 1
        raise InputError(path, f"decodes to U+{ord(surrogate.group()):04X}, which is not a character", line=line, hint=_ENCODING_HINT)
    text = _TEXT_CONTROL.sub("", text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n"))
    if len(text) > MAX_LINE_CHARS:
        _check_line_lengths(text, path)
    return text


def encoding_problem(encoding: str) -> str:
    """What is wrong with a text's encoding name, or "" for one of the text encodings read.

    >>> encoding_problem("Windows-1252"), encoding_problem("unicode_escape")
    ('', "encoding 'unicode_escape' is not a text encoding")
    """
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return f"unknown encoding {encoding!r}"
    return "" if _TEXT_ENCODING.fullmatch(name) else f"encoding {encoding!r} is not a text encoding"


def _check_line_lengths(text: str, path: Path) -> None:
    for number, line in enumerate(text.split("\n"), 1):
        if len(line) > MAX_LINE_CHARS:
            raise InputError(
                path,
                f"line of {len(line):,} characters; at most {MAX_LINE_CHARS:,} are read",
                line=number,
                hint="is this a text export? break the text into lines as the document has them",
            )


def split_lines(text: str) -> tuple[str, ...]:
    """Physical lines; a final newline does not make an extra empty line."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return tuple(lines)


def load_corpus(seeds_dir: Path) -> Corpus:
    """Read and validate the manifest, then every text it names (each inside the seeds folder)."""
    if not seeds_dir.is_dir():
        what = "not a folder" if seeds_dir.exists() else "no such folder"
        raise InputError(seeds_dir, what, hint=f"--seeds names the folder that holds {MANIFEST_NAME} and the texts")
    manifest_path = seeds_dir / MANIFEST_NAME
    data, manifest_text = read_toml(manifest_path, seeds_dir)
    unknown = sorted(set(data) - {"dataset", "groups", "actors", "documents", "booklets"})
    if unknown:
        raise InputError(
            manifest_path,
            f"unknown table {unknown[0]!r}",
            hint="the manifest has [dataset], [[groups]], [[actors]], [[documents]] and [[booklets]]",
        )
    dataset = _dataset(table(data, manifest_text, manifest_path, "dataset", "[dataset]"))
    group_entries = entries(data, manifest_text, manifest_path, "groups", "group")
    groups = _groups(group_entries, dataset.election)
    actor_entries = entries(data, manifest_text, manifest_path, "actors", "actor")
    actors = _actors(actor_entries, manifest_path, {g.group_id for g in groups} if groups else None)
    groups = _check_groups(groups, group_entries, actors) if groups else _derived_groups(dataset, actors)
    documents = _documents(entries(data, manifest_text, manifest_path, "documents", "document"), {a.actor_id for a in actors}, seeds_dir)
    changelog = _changelog(seeds_dir / CHANGELOG_NAME, seeds_dir)
    booklets = _booklets(entries(data, manifest_text, manifest_path, "booklets", "booklet"), groups, actors)
    return Corpus(
        dataset=dataset, actors=actors, documents=documents, seeds_dir=seeds_dir, groups=groups, changelog=changelog, booklets=booklets
    )


def _changelog(path: Path, seeds_dir: Path) -> str | None:
    """The changelog, read with the manifest so that a bad one (a link out, a control character) stops
    the build before any work; a link that leads nowhere is named, not skipped."""
    return read_text(path, seeds_dir) if path.exists() or path.is_symlink() else None


def _id(entry: Entry, key: str = "id") -> str:
    value = entry.text(key)
    if not SAFE_NAME.fullmatch(value):
        raise entry.error(
            key, f"{key} {value[:70]!r} must be lower-case letters, digits and dashes (at most 64)", hint="it becomes part of file names"
        )
    return value


def _url(entry: Entry, key: str, value: str) -> str:
    """A web address the package, the DCAT record and the booklet link to: http(s) with a host, or empty.
    Anything else (`javascript:`, `file:`, a bare name) would be published as a link."""
    if value and not _is_web_address(value):
        hint = "write the whole address, such as https://example.no/side, or leave it empty"
        raise entry.error(key, f"{key} {value[:80]!r} is not an http(s) address", hint=hint)
    return value


def _is_web_address(value: str) -> bool:
    try:
        parsed = urlsplit(value)
        return parsed.scheme.lower() in ("http", "https") and bool(parsed.hostname) and not re.search(r"\s", value)
    except ValueError:  # a malformed host such as "http://[::1"
        return False


def _dataset(entry: Entry) -> Dataset:
    fields = entry.model(DatasetFields)
    name = _id(entry, "name")
    version = fields.version
    if not re.fullmatch(r"\d+\.\d+\.\d+", version):
        raise entry.error("version", f"version {version!r} is not SemVer (MAJOR.MINOR.PATCH)")
    created = fields.created if isinstance(fields.created, str) else fields.created.isoformat()  # a TOML date is a date too
    try:
        datetime.date.fromisoformat(created)
        valid = bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", created))
    except ValueError:
        valid = False
    if not valid:
        raise entry.error("created", f"created {created!r} is not a date YYYY-MM-DD")
    return Dataset(
        name=name,
        title=fields.title,
        description=fields.description,
        version=version,
        created=created,
        license=fields.license,
        license_title=fields.license_title,
        license_path=_url(entry, "license_path", fields.license_path),
        publisher=fields.publisher,
        keywords=tuple(fields.keywords),
        homepage=_url(entry, "homepage", fields.homepage),
        spatial=tuple(fields.spatial),
        election=_election(entry, fields.election, ""),
    )


def _election(entry: Entry, value: str | None, default: str) -> str:
    """The election a group's programmes are for: named on the cover. Absent, the default (the dataset's)."""
    if value is None:
        return default
    if value not in ELECTIONS:
        hint = "leave it out when the programmes are for no one election"
        raise entry.error("election", f"election {value!r} is not one of {', '.join(ELECTIONS)}", hint=hint)
    return value


def _groups(found: list[Entry], election: str = "") -> tuple[Group, ...]:
    """The [[groups]] entries: each id safe in a file name (a group's booklet lies in a folder of that name)."""
    groups: list[Group] = []
    for entry in found:
        group_id = _id(entry)
        entry.what = f"group {group_id!r}"
        fields = entry.model(GroupFields)
        if any(g.group_id == group_id for g in groups):
            raise entry.error("id", f"duplicate group id {group_id!r}")
        groups.append(
            Group(
                group_id,
                name=fields.name,
                title=fields.title,
                subtitle=fields.subtitle or "",  # "": _default_subtitle
                election=_election(entry, fields.election, election),
            )
        )
    return tuple(groups)


def _check_groups(groups: tuple[Group, ...], found: list[Entry], actors: tuple[Actor, ...]) -> tuple[Group, ...]:
    """Every declared group has an actor: a booklet of nobody is a mistake in the manifest. A group
    without a subtitle gets the default that fits its actors."""
    used = {a.group for a in actors}
    for group, entry in zip(groups, found, strict=True):
        if group.group_id not in used:
            hint = f'give an actor group = "{group.group_id}", or remove the group'
            raise entry.error("id", f"no actor names group {group.group_id!r}", hint=hint)
    return tuple(replace(g, subtitle=g.subtitle or _default_subtitle(g.group_id, actors)) for g in groups)


def _default_subtitle(group_id: str, actors: tuple[Actor, ...]) -> str:
    """The subtitle promises the municipality's own policy only to a group that has a municipality."""
    own = any(a.group == group_id and a.kind == "municipality" for a in actors)
    return DEFAULT_SUBTITLE if own else PARTIES_SUBTITLE


def _derived_groups(dataset: Dataset, actors: tuple[Actor, ...]) -> tuple[Group, ...]:
    """A manifest without [[groups]]: one group per distinct actor group, titled like the dataset
    (its title up to a colon), named after the group's municipality where it has one, else after the
    group the actors name, else (actors that name none) like the dataset: never the word "default"."""
    title = dataset.title.split(":")[0].strip()
    groups = []
    for group_id in dict.fromkeys(a.group for a in actors):
        unnamed = title if group_id == DEFAULT_GROUP else group_id
        municipality = next((a.name for a in actors if a.group == group_id and a.kind == "municipality"), unnamed)
        groups.append(Group(group_id, municipality, title, _default_subtitle(group_id, actors), dataset.election))
    return tuple(groups)


def _booklets(found: list[Entry], groups: tuple[Group, ...], actors: tuple[Actor, ...]) -> tuple[Booklet, ...]:
    """The [[booklets]] entries, each of a known group and that group's actors; without any, one per group.

    Its topics are checked against the taxonomy once that is read (`check_booklet_topics`).
    """
    if not found:
        return tuple(Booklet(g.group_id, g.group_id, g.title) for g in groups)
    booklets: list[Booklet] = []
    for entry in found:
        booklet_id = _id(entry)
        entry.what = f"booklet {booklet_id!r}"
        fields = entry.model(BookletFields)
        if any(b.booklet_id == booklet_id for b in booklets):
            raise entry.error("id", f"duplicate booklet id {booklet_id!r}")
        group = fields.group
        if group not in {g.group_id for g in groups}:
            raise entry.error("group", f"names unknown group {group!r}", hint=f"known groups: {', '.join(g.group_id for g in groups)}")
        topics = tuple(fields.topics)
        if not topics:
            raise entry.error("topics", "topics is empty", hint='list the chapter ids the booklet holds: topics = ["skole", "barnehage"]')
        members = [a.actor_id for a in actors if a.group == group]
        chosen = tuple(fields.actors)
        for actor in chosen:
            if actor not in members:
                raise entry.error("actors", f"names {actor!r}, not an actor of group {group!r}", hint=f"its actors: {', '.join(members)}")
        booklets.append(Booklet(booklet_id, group, fields.title, topics, chosen, declared=True, line=entry.line_of("topics")))
    return tuple(booklets)


def check_booklet_topics(corpus: Corpus, topic_ids: list[str]) -> None:
    """Every chapter a [[booklets]] entry names is one of the taxonomy's (topics.toml), each named once."""
    for booklet in corpus.booklets:
        for topic in booklet.topics:
            if topic not in topic_ids or booklet.topics.count(topic) > 1:
                what = f"names unknown topic {topic!r}" if topic not in topic_ids else f"names topic {topic!r} twice"
                raise InputError(
                    corpus.seeds_dir / MANIFEST_NAME,
                    f"booklet {booklet.booklet_id!r}: {what}",
                    line=booklet.line,
                    hint=f"the topics of topics.toml: {', '.join(topic_ids)}",
                )


def _actors(found: list[Entry], path: Path, group_ids: set[str] | None = None) -> tuple[Actor, ...]:
    """The [[actors]] entries; with [[groups]] in the manifest, each actor's group must be one of them."""
    actors: list[Actor] = []
    for entry in found:
        actor_id = _id(entry)
        entry.what = f"actor {actor_id!r}"
        fields = entry.model(ActorFields)
        if any(a.actor_id == actor_id for a in actors):
            raise entry.error("id", f"duplicate actor id {actor_id!r}")
        if fields.kind not in ACTOR_KINDS:
            raise entry.error("kind", f"actor kind {fields.kind!r} is not one of {', '.join(ACTOR_KINDS)}")
        if not _COLOR.fullmatch(fields.color):
            raise entry.error("color", f"actor colour {fields.color!r} is not #RRGGBB")
        group = DEFAULT_GROUP if fields.group is None else _id(entry, "group")  # a booklet's folder name
        if group_ids is not None and group not in group_ids:
            raise entry.error("group", f"names unknown group {group!r}", hint=f"known groups: {', '.join(sorted(group_ids))}")
        actors.append(Actor(actor_id, fields.name, fields.short_name, fields.kind, fields.color, group))
    if not actors:
        raise InputError(path, "no [[actors]] entries")
    return tuple(actors)


def _documents(found: list[Entry], actor_ids: set[str], seeds_dir: Path) -> tuple[Document, ...]:
    documents: list[Document] = []
    seen: set[str] = set()  # one set for all (a set per entry made 20,000 documents take two minutes)
    for entry in found:
        document = _document(entry, actor_ids, seeds_dir, seen)
        documents.append(document)
        seen.add(document.document_id)
    if not documents:
        raise InputError(seeds_dir / MANIFEST_NAME, "no [[documents]] entries")
    return tuple(documents)


def _document(entry: Entry, actor_ids: set[str], seeds_dir: Path, seen: set[str]) -> Document:
    doc_id = _id(entry)
    entry.what = f"document {doc_id!r}"
    fields = entry.model(DocumentFields)
    if doc_id in seen:
        raise entry.error("id", f"duplicate document id {doc_id!r}")
    actor = fields.actor
    if actor not in actor_ids:
        raise entry.error("actor", f"names unknown actor {actor!r}", hint=f"known actors: {', '.join(sorted(actor_ids))}")
    kind = fields.kind
    if kind not in DOCUMENT_KINDS:
        raise entry.error("kind", f"document kind {kind!r} is not one of {', '.join(DOCUMENT_KINDS)}")
    layout = fields.layout
    if layout not in MANIFEST_LAYOUTS:
        raise entry.error("layout", f"unknown layout profile {layout!r}", hint=f"known profiles: {', '.join(MANIFEST_LAYOUTS)}")
    title = fields.title
    pinned = fields.sha256.lower()
    if pinned and not _SHA256.fullmatch(pinned):
        raise entry.error("sha256", f"sha256 {pinned[:70]!r} is not 64 hexadecimal digits")
    source_file = fields.file
    file_path = _inside(seeds_dir, source_file, entry)
    raw = read_inside(file_path, MAX_TEXT_BYTES, seeds_dir)
    digest = hashlib.sha256(raw).hexdigest()
    if pinned and pinned != digest:
        raise entry.error(
            "sha256",
            f"sha256 of {source_file} is {digest}, manifest pins {pinned}",
            hint="the text changed: check it, then update the pinned sha256",
        )
    body, line_pages, printed_pages = read_body(file_path, raw, _encoding(entry, fields.encoding))
    if not body.strip():
        raise InputError(file_path, "the text file is empty", hint="export the document's text again")
    return Document(
        document_id=doc_id,
        actor_id=actor,
        title=title,
        short_title=fields.short_title or title,
        kind=kind,
        period=fields.period,
        source_file=source_file,
        layout=layout,
        url=_url(entry, "url", fields.url),
        rights=fields.rights,
        sha256=digest,
        lines=split_lines(body),
        chapters=tuple(fields.chapters),
        bullets=_bullets(entry, fields.bullets),
        line_numbers=_line_numbers(entry, fields.line_numbers),
        ignore_lines=_prefixes(entry, "ignore_lines", fields.ignore_lines),
        end_at=_prefixes(entry, "end_at", fields.end_at),
        line_pages=line_pages,
        printed_pages=printed_pages,
    )


def read_body(path: Path, raw: bytes, encoding: str) -> tuple[str, tuple[int, ...], tuple[str, ...]]:
    """A document's text as lines the extractor reads: a PDF's pages in reading order (with the page of
    each line and the page numbers as printed), a web page's lists and headings as Markdown, else the text."""
    suffix = path.suffix.lower()
    if suffix == ".pdf" or raw.startswith(b"%PDF-"):
        from publish import pdf

        read = pdf.read_pdf(path)
        text, _ = garbled.repair(read.text)  # the font map a PDF's fonts got wrong, undone where it is consistent
        return decode_text(text.encode("utf-8"), path, "utf-8"), read.line_pages, read.printed_pages
    if suffix in (".html", ".htm"):
        from publish import webpage

        return decode_text(webpage.html_text(raw).encode("utf-8"), path, "utf-8"), (), ()
    return decode_text(raw, path, encoding), (), ()


def _encoding(entry: Entry, encoding: str) -> str:
    problem = encoding_problem(encoding)
    if problem:
        raise entry.error("encoding", problem, hint=_ENCODING_HINT)
    return encoding


def _inside(seeds_dir: Path, name: str, entry: Entry) -> Path:
    """The text file `name` names, which must be a file inside the seeds folder: one rule for
    `..`, absolute paths and symlinks alike, so no text from elsewhere is ever published."""
    root = seeds_dir.resolve()
    relative = PurePosixPath(name)
    target = (root / relative).resolve()
    if relative.is_absolute() or ".." in relative.parts or "\\" in name or not target.is_relative_to(root):
        raise entry.error(
            "file",
            f"file {name!r} is outside the seeds folder {seeds_dir}",
            hint=f"put the text under {seeds_dir}/texts/ and name it relative to {seeds_dir} (no '..', absolute path or symlink out)",
        )
    if not target.exists():  # what else is not a regular file (a FIFO, a device) read_inside names
        raise entry.error("file", f"file {name!r} not found under {seeds_dir}", hint=_same_name_hint(target))
    if target.is_dir():
        raise entry.error("file", f"file {name!r} is a folder", hint="name the text file itself")
    return target


def _same_name_hint(target: Path) -> str:
    """A file whose name differs from the one sought only in its Unicode form or case: a name typed on one
    system (NFC "bærum.txt") and saved on another (macOS writes NFD) looks the same and is not found."""
    key = unicodedata.normalize("NFC", target.name).casefold()
    if not target.parent.is_dir():
        return ""
    found = sorted(p.name for p in target.parent.iterdir() if unicodedata.normalize("NFC", p.name).casefold() == key)
    if not found:
        return ""
    if unicodedata.normalize("NFC", found[0]) == unicodedata.normalize("NFC", target.name):
        return "the folder has this name in the other Unicode form (NFC or NFD, as macOS writes it): rename the file to the manifest's name"
    return f"the folder has {found[0]!r}: the letters' case counts in a file name"


def _bullets(entry: Entry, bullets: list[str]) -> tuple[str, ...]:
    for number, glyph in enumerate(bullets, 1):
        if not 1 <= len(glyph) <= 3 or any(c.isalnum() or c.isspace() for c in glyph):
            raise entry.error(
                "bullets",
                f"bullets item {number} {glyph!r} must be 1–3 characters, none a letter, digit or space",
                hint='e.g. bullets = ["►", "✓"]',
            )
    return tuple(bullets)


def _line_numbers(entry: Entry, value: str | None) -> str:
    """Where printed line numbers stand, when the manifest says; "" = detect."""
    if value is not None and value not in LINE_NUMBER_POSITIONS:
        raise entry.error("line_numbers", f"line_numbers {value!r} is not one of {', '.join(LINE_NUMBER_POSITIONS)}")
    return value or ""


def _prefixes(entry: Entry, key: str, prefixes: list[str]) -> tuple[str, ...]:
    for number, prefix in enumerate(prefixes, 1):
        if not prefix.strip():
            raise entry.error(key, f"{key} item {number} is empty (it would match every line)")
    return tuple(p.strip() for p in prefixes)
