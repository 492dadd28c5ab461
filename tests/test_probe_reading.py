"""A probe of the reading side (issue 24): hostile and careless inputs of our own design, beyond the
issue's cases, each with the message it must give. Every case runs within 10 s; a bad input gives exit 2
and one message (file, line where there is one, what to do), no traceback, and leaves the previous
outputs byte-identical; a legal one reads as the original does.

What the probe found, and what changed for it, is in docs/limits.md ("The probe").
"""
# ruff: noqa: F811

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest

from publish import classify, cli, evaluate, relate, sources
from publish.errors import InputError

# `version` (a package to break) is test_bad_input's fixture; `previous` (earlier outputs) is conftest's.
from tests.conftest import SEEDS
from tests.test_bad_input import AP_WEB, DIFF_V1, MANIFEST, _line_of, _snapshot, _unpin, _untouched, version  # noqa: F401

OVERRIDES = "topic_overrides.csv"
HEADER = b"pledge_id,topic_id,reason\n"


@dataclass(frozen=True)
class Case:
    name: str
    run: str  # build (in-process `publish build`), load, overrides, relations, labels or diff
    make: Callable[[Path], object]  # breaks the input in the folder given; may return what `expected` formats in
    expected: str | None  # a regular expression the one message must match; None: a legal input


# ---- ways to break an input -----------------------------------------------------------------------------


def replace(name: str, old: str, new: str, unpin: str = "") -> Callable[[Path], int]:
    """Edit a file of the folder; the line of the new text is what the message names."""

    def make(folder: Path) -> int:
        path = folder / name
        text = path.read_text(encoding="utf-8")
        assert old in text, (old, name)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        if unpin:
            _unpin(folder, unpin)
        return _line_of(path, new.split("\n")[-1]) if new.strip() else 0

    return make


def write(name: str, content: bytes, unpin: str = "") -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        (folder / name).write_bytes(content)
        if unpin:
            _unpin(folder, unpin)

    return make


def transform(name: str, change: Callable[[bytes], bytes], unpin: str = "") -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        (folder / name).write_bytes(change((folder / name).read_bytes()))
        if unpin:
            _unpin(folder, unpin)

    return make


def link(name: str, target: Callable[[Path], Path | str]) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        (folder / name).unlink(missing_ok=True)
        (folder / name).symlink_to(target(folder))

    return make


def fifo(name: str) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        (folder / name).unlink(missing_ok=True)
        os.mkfifo(folder / name)

    return make


def folder_for(name: str) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        (folder / name).unlink(missing_ok=True)
        (folder / name).mkdir()

    return make


def sparse(name: str, size: int, unpin: str = "") -> Callable[[Path], None]:
    """A file of `size` bytes that takes no disk: its size is what the reader must check first."""

    def make(folder: Path) -> None:
        with (folder / name).open("r+b") as handle:
            handle.truncate(size)
        if unpin:
            _unpin(folder, unpin)

    return make


def secret_outside(folder: Path) -> Path:
    secret = folder.parent / "hemmelig.txt"
    secret.write_text("Hemmelig linje\n", encoding="utf-8")
    return secret


def chain_out(folder: Path) -> None:
    """A text that is a link to a link inside the folder, which leads out."""
    (folder / "texts" / "mellom.txt").symlink_to(secret_outside(folder))
    (folder / AP_WEB).unlink()
    (folder / AP_WEB).symlink_to("mellom.txt")


def chain_inside(folder: Path) -> None:
    (folder / MANIFEST).rename(folder / "ekte.toml")
    (folder / "mellom.toml").symlink_to("ekte.toml")
    (folder / MANIFEST).symlink_to("mellom.toml")


def texts_folder_out(folder: Path) -> None:
    shutil.move(folder / "texts", folder.parent / "texts")
    (folder / "texts").symlink_to(folder.parent / "texts")


def many_documents(folder: Path) -> int:
    """2,000 documents more, the last with an id already used."""
    entry = '\n[[documents]]\nid = "{}"\nfile = "texts/ap-web-arbeid.txt"\nactor = "ap"\ntitle = "D"\nkind = "web_page"\nrights = "x"\n'
    manifest = folder / MANIFEST
    with manifest.open("a", encoding="utf-8") as handle:
        handle.write("".join(entry.format(f"d{n}") for n in range(2_000)) + entry.format("d5"))
    return len(manifest.read_text(encoding="utf-8").splitlines()) - 5  # the last entry's id line


def nested(depth: int) -> Callable[[Path], int]:
    return replace(MANIFEST, "keywords = [", "keywords = " + "[" * depth + "]" * depth + "  # [")


def utf16_declared(folder: Path) -> None:
    transform(AP_WEB, lambda raw: raw.decode("utf-8").encode("utf-16"), AP_WEB)(folder)
    replace(MANIFEST, f'file = "{AP_WEB}"', f'file = "{AP_WEB}"\nencoding = "utf-16"')(folder)


def mixed_line_ends(raw: bytes) -> bytes:
    """CRLF, LF and CR in turn; a CR is never followed by an empty line's LF (that is one CRLF)."""
    lines = raw.split(b"\n")
    return b"".join(line + (b"\r\n", b"\n", b"\r")[n % 3] for n, line in enumerate(lines[:-1])) + lines[-1]


def rename_text(in_manifest: str, on_disk: str) -> Callable[[Path], int]:
    """The manifest names the text one way, the disk holds it under a name that looks alike."""

    def make(folder: Path) -> int:
        (folder / AP_WEB).rename(folder / on_disk)
        return replace(MANIFEST, f'file = "{AP_WEB}"', f'file = "{in_manifest}"')(folder)

    return make


def seeds_as_link(folder: Path) -> None:
    """--seeds names a link to the real folder (the case's folder becomes that link)."""
    real = folder.parent / "ekte-seeds"
    folder.rename(real)
    folder.symlink_to(real)


# ---- the cases ----------------------------------------------------------------------------------------------

ENCODING_HINT = r"\n  hint: name the text's real encoding: utf-8, utf-16 or a code page such as cp1252 or iso-8859-15$"
OUTSIDE = r"is outside the seeds folder \S*seeds\n  hint: put the text under"

CASES = [
    # the manifest as the wrong kind of file
    Case("manifest-is-a-folder", "build", folder_for(MANIFEST), r"seeds/sources.toml: is a folder, not a file$"),
    Case("manifest-missing", "build", lambda f: (f / MANIFEST).unlink(), r"seeds/sources.toml: file not found$"),
    Case("manifest-empty", "build", write(MANIFEST, b""), r"seeds/sources.toml: missing \[dataset\] table$"),
    Case("manifest-link-loop", "build", link(MANIFEST, lambda f: MANIFEST), r"seeds/sources.toml: is a link that leads back to itself\n  hint: "),
    Case("manifest-dangling-link", "build", link(MANIFEST, lambda f: "borte.toml"), r"seeds/sources.toml: file not found$"),
    Case("manifest-link-chain-inside", "load", chain_inside, None),
    Case("seeds-folder-is-a-link", "load", seeds_as_link, None),
    Case("manifest-17-mib-sparse", "build", sparse(MANIFEST, 17 * 2**20), r"sources.toml: 17,825,792 bytes; at most 16,777,216 are read\n  hint: "),
    # the manifest's bytes and syntax
    Case("manifest-utf16", "build", transform(MANIFEST, lambda raw: raw.decode("utf-8").encode("utf-16")), r"sources.toml:1: not valid UTF-8: byte 0xff at offset 0\n"),
    Case("manifest-cp1252", "build", transform(MANIFEST, lambda raw: raw.decode("utf-8").encode("cp1252")), r"sources.toml:10: not valid UTF-8: byte 0xf8 at offset \d+\n  hint: save the file as UTF-8 \(an editor's 'UTF-8', not 'ANSI'\)$"),
    Case("manifest-nul-byte-in-key", "build", replace(MANIFEST, "publisher = ", "publi\x00sher = "), r"sources.toml:{}: malformed TOML: Expected '=' after a key"),
    Case("manifest-nul-escape-in-value", "build", replace(MANIFEST, 'publisher = "', 'publisher = "\\u0000'), r"sources.toml:{}: \[dataset\]: publisher contains the control character U\+0000 NUL\n"),
    Case("manifest-key-twice", "build", replace(MANIFEST, 'version = "1.0.0"', 'version = "1.0.0"\nversion = "1.0.1"'), r"sources.toml:{}: malformed TOML: Cannot overwrite a value"),
    Case("dataset-as-array-of-tables", "build", replace(MANIFEST, "[dataset]", "[[dataset]]"), r"sources.toml: dataset must be a \[dataset\] table, not the array \[\.\.\.\]$"),
    Case("nesting-20-is-parsed", "build", nested(20), r"sources.toml:{}: \[dataset\]: keywords must be a list of strings; item 1 is the array"),
    Case("nesting-21-is-refused", "build", nested(21), r"sources.toml:{}: arrays or tables nested more than 20 deep\n"),
    # ids
    Case("id-of-10000-characters", "build", replace(MANIFEST, 'id = "ap-web-arbeid"', f'id = "{"a" * 10_000}"'), r"sources.toml:{}: document: id 'a{70}' must be lower-case letters, digits and dashes \(at most 64\)\n  hint: [^\n]*$"),
    Case("id-with-a-cyrillic-a", "build", replace(MANIFEST, 'id = "ap-web-arbeid"', 'id = "\u0430p-web-arbeid"'), r"sources.toml:{}: document: id '\u0430p-web-arbeid' must be lower-case letters"),
    Case("id-with-a-fullwidth-digit", "build", replace(MANIFEST, 'id = "ap-web-arbeid"', 'id = "ap-web-arbeid\uff12"'), r"sources.toml:{}: document: id 'ap-web-arbeid\uff12' must be lower-case letters"),
    Case("2000-documents-the-last-a-duplicate", "build", many_documents, r"sources.toml:{}: document 'd5': duplicate document id 'd5'$"),
    # a text's path
    Case("text-link-chain-out", "build", chain_out, r"sources.toml:\d+: document 'ap-web-arbeid': file 'texts/ap-web-arbeid.txt' " + OUTSIDE),
    Case("texts-folder-is-a-link-out", "build", texts_folder_out, r"sources.toml:\d+: document 'ap-program-2023': file 'texts/ap-baerum-program-2023-2027.txt' " + OUTSIDE),
    Case("text-is-a-fifo", "build", fifo(AP_WEB), r"seeds/texts/ap-web-arbeid.txt: is a named pipe \(FIFO\), not a regular file\n  hint: give a file saved on disk$"),
    Case("text-is-a-folder", "build", replace(MANIFEST, f'file = "{AP_WEB}"', 'file = "texts"'), r"sources.toml:{}: document 'ap-web-arbeid': file 'texts' is a folder\n  hint: name the text file itself$"),
    Case("file-name-in-nfd-on-disk", "build", rename_text("texts/b\u00e5t.txt", "texts/ba\u030at.txt"), r"sources.toml:{}: document 'ap-web-arbeid': file 'texts/b\u00e5t.txt' not found under \S*seeds\n  hint: the folder has this name in the other Unicode form \(NFC or NFD"),
    Case("file-name-in-other-case-on-disk", "build", rename_text("texts/Arbeid.txt", "texts/arbeid.txt"), r"sources.toml:{}: document 'ap-web-arbeid': file 'texts/Arbeid.txt' not found under \S*seeds\n  hint: the folder has 'arbeid.txt': the letters' case counts"),
    Case("file-empty-string", "build", replace(MANIFEST, f'file = "{AP_WEB}"', 'file = ""'), r"sources.toml:{}: document 'ap-web-arbeid': file is empty$"),
    Case("file-with-backslash", "build", replace(MANIFEST, f'file = "{AP_WEB}"', 'file = "texts\\\\ap-web-arbeid.txt"'), r"sources.toml:{}: document 'ap-web-arbeid': file 'texts\\\\ap-web-arbeid.txt' " + OUTSIDE),
    Case("file-with-nul", "build", replace(MANIFEST, f'file = "{AP_WEB}"', 'file = "texts/ap\\u0000.txt"'), r"sources.toml:{}: document 'ap-web-arbeid': file contains the control character U\+0000 NUL"),
    # a text's bytes
    Case("text-only-bom-and-crlf", "build", write(AP_WEB, b"\xef\xbb\xbf\r\n \r\n", AP_WEB), r"texts/ap-web-arbeid.txt: the text file is empty\n"),
    Case("text-utf16-undeclared", "build", transform(AP_WEB, lambda raw: raw.decode("utf-8").encode("utf-16"), AP_WEB), r"ap-web-arbeid.txt:1: not valid utf-8: byte 0xff at offset 0\n"),
    Case("text-utf16-declared", "load", utf16_declared, None),
    Case("text-crlf-cr-lf-mixed", "load", transform(AP_WEB, mixed_line_ends, AP_WEB), None),
    Case("text-surrogate-in-utf8-bytes", "build", transform(AP_WEB, lambda raw: raw.replace(b"Tilby kommunalt", b"Tilby \xed\xa0\x80kommunalt"), AP_WEB), r"ap-web-arbeid.txt:17: not valid utf-8: byte 0xed at offset \d+\n"),
    Case("text-64-mib-and-a-byte-sparse", "build", sparse(AP_WEB, 64 * 2**20 + 1, AP_WEB), r"texts/ap-web-arbeid.txt: 67,108,865 bytes; at most 67,108,864 are read\n"),
    Case("encoding-rot13", "build", replace(MANIFEST, f'file = "{AP_WEB}"', f'file = "{AP_WEB}"\nencoding = "rot13"'), r"sources.toml:{}: document 'ap-web-arbeid': encoding 'rot13' is not a text encoding" + ENCODING_HINT),
    Case("encoding-utf-7", "build", replace(MANIFEST, f'file = "{AP_WEB}"', f'file = "{AP_WEB}"\nencoding = "utf-7"'), r"sources.toml:{}: document 'ap-web-arbeid': encoding 'utf-7' is not a text encoding" + ENCODING_HINT),
    Case("encoding-unknown", "build", replace(MANIFEST, f'file = "{AP_WEB}"', f'file = "{AP_WEB}"\nencoding = "klingon"'), r"sources.toml:{}: document 'ap-web-arbeid': unknown encoding 'klingon'" + ENCODING_HINT),
    # addresses
    Case("url-with-a-space", "build", replace(MANIFEST, 'url = ""', 'url = "https://exa mple.no/"'), r"sources.toml:{}: document '[a-z0-9-]+': url 'https://exa mple.no/' is not an http\(s\) address\n"),
    Case("homepage-ftp", "build", replace(MANIFEST, 'homepage = ""', 'homepage = "ftp://example.no/"'), r"sources.toml:{}: \[dataset\]: homepage 'ftp://example.no/' is not an http\(s\) address\n"),
    Case("homepage-broken-ipv6-host", "build", replace(MANIFEST, 'homepage = ""', 'homepage = "http://[::1"'), r"sources.toml:{}: \[dataset\]: homepage 'http://\[::1' is not an http\(s\) address\n"),
    Case("homepage-capital-scheme", "load", replace(MANIFEST, 'homepage = ""', 'homepage = "HTTPS://DATA.EXAMPLE.NO/"'), None),
    # topics.toml
    Case("topics-is-a-fifo", "build", fifo("topics.toml"), r"seeds/topics.toml: is a named pipe \(FIFO\), not a regular file\n"),
    Case("topics-link-out", "build", link("topics.toml", lambda f: "/etc/hostname"), r"seeds/topics.toml: is a link to a file outside the folder \S*seeds\n"),
    # editorial CSVs
    Case("csv-nul-byte", "overrides", write(OVERRIDES, HEADER + b"ap-dcbff5aaf6,bolig,a\x00b\n"), r"topic_overrides.csv:2: reason contains the control character U\+0000 NUL\n"),
    Case("csv-header-only", "overrides", write(OVERRIDES, HEADER), None),
    Case("csv-header-other-case", "overrides", write(OVERRIDES, b"Pledge_ID,topic_id,reason\n"), r"topic_overrides.csv:1: lacks the column 'pledge_id' \(has Pledge_ID, topic_id, reason\)\n"),
    Case("csv-bom-then-a-column-twice", "overrides", write(OVERRIDES, b"\xef\xbb\xbfpledge_id,pledge_id,topic_id,reason\n"), r"topic_overrides.csv:1: the header names the column 'pledge_id' twice \(columns 1 and 2\)\n"),
    Case("csv-spreadsheet-empty-columns", "overrides", write(OVERRIDES, b"pledge_id,topic_id,reason,,\nap-dcbff5aaf6,bolig,x,,\n"), r"topic_overrides.csv:1: column 4 of the header has no name\n  hint: remove the empty column"),
    Case("csv-field-over-128-kib", "overrides", write(OVERRIDES, HEADER + b'ap-dcbff5aaf6,bolig,"' + b"x" * 200_000 + b'"\n'), r"topic_overrides.csv:2: a field of more than 131,072 characters\n  hint: a text with a comma, a quote or a line break is in double quotes"),
    Case("csv-quote-left-open", "overrides", write(OVERRIDES, HEADER + b'ap-dcbff5aaf6,bolig,"aldri slutt\nog mer\n'), r"topic_overrides.csv:2: malformed CSV: unexpected end of data\n  hint: [^\n]*is a quote on this line left open\?$"),
    Case("csv-empty-file", "overrides", write(OVERRIDES, b""), r"topic_overrides.csv:1: empty file: the header needs pledge_id,topic_id,reason$"),
    Case("csv-cr-and-crlf-lines", "overrides", write(OVERRIDES, b"pledge_id,topic_id,reason\r\nap-dcbff5aaf6,bolig,x\rap-dcbff5aaf6,bolig,y\n"), r"topic_overrides.csv:3: pledge 'ap-dcbff5aaf6' is overridden twice \(also on line 2\)\n"),
    Case("csv-is-a-folder", "overrides", folder_for(OVERRIDES), r"topic_overrides.csv: is a folder, not a file$"),
    Case("csv-dangling-link", "overrides", link(OVERRIDES, lambda f: "borte.csv"), r"topic_overrides.csv: file not found$"),
    Case("relation-of-a-pledge-with-itself-by-text", "relations", write("relations.csv", b"pledge_a,pledge_b,relation,note\nap-1,Bygge flere,agree,x\n"), r"relations.csv:2: a relation of a pledge with itself$"),
    # hand labels (read beside the seeds)
    Case("labels-bad-byte", "labels", write(evaluate.TOPIC_LABELS, b"dataset,pledge_id,topic_id,text,labeller\nd,p,t,Bl\xe5b\xe6r,x\n"), r"topic_labels.csv:2: not valid UTF-8: byte 0xe5 at offset \d+\n"),
    Case("labels-link-out", "labels", link(evaluate.TOPIC_LABELS, secret_outside), r"topic_labels.csv: is a link to a file outside the folder \S*\n"),
    Case("labels-missing-column", "labels", write(evaluate.TOPIC_LABELS, b"dataset,pledge_id,topic_id,text\n"), r"topic_labels.csv:1: lacks the column 'labeller'"),
    # diff's packages
    Case("diff-pledges-is-a-fifo", "diff", fifo("data/pledges.csv"), r"v2/data/pledges.csv: is a named pipe \(FIFO\), not a regular file\n"),
    Case("diff-pledges-is-a-folder", "diff", folder_for("data/pledges.csv"), r"v2/data/pledges.csv: is a folder, not a file$"),
    Case("diff-pledges-dangling-link", "diff", link("data/pledges.csv", lambda f: "borte.csv"), r"v2/data/pledges.csv: file not found$"),
    Case("diff-topics-link-out", "diff", link("data/pledge_topics.csv", secret_outside), r"v2/data/pledge_topics.csv: is a link to a file outside the folder \S*v2\n"),
    Case("diff-package-folder-is-a-link", "diff", seeds_as_link, None),
]  # fmt: skip


def _message(case: Case, folder: Path, found: object, capsys, previous: tuple[Path, Path]) -> str | None:
    """Run the case's reader on the broken folder: the one message it gave, or None if it read the input."""
    if case.run in ("build", "diff"):
        before = _snapshot(*previous)
        if case.run == "build":
            argv = ["build", "--seeds", str(folder), "--package", str(previous[0]), "--out", str(previous[1]), "--no-report"]
        else:
            argv = ["diff", str(DIFF_V1), str(folder)]
        status = cli.main(argv)
        captured = capsys.readouterr()
        _untouched(before, *previous)
        if status == 0:
            return None
        assert status == 2 and captured.err.startswith("error: ") and "Traceback" not in captured.err
        return captured.err.removeprefix("error: ").removesuffix("\n")
    read = {
        "load": lambda: sources.load_corpus(folder),
        "overrides": lambda: classify.load_overrides(folder, {"ap-dcbff5aaf6"}, {"bolig", "okonomi"}),
        "relations": lambda: relate.load_editorial(folder, _pledges()),
        "labels": lambda: evaluate._read(folder / evaluate.TOPIC_LABELS),
    }[case.run]
    try:
        read()
    except InputError as err:
        return str(err)
    return None


def _pledges() -> pl.DataFrame:
    return pl.DataFrame({"pledge_id": ["ap-1", "r-1"], "actor_id": ["ap", "r"], "text": ["Bygge flere boliger.", "Bygge færre veier."]})


# A case that runs `publish build` is marked `build` (the quick unit tests: pytest -m "not build").
@pytest.mark.parametrize("case", [pytest.param(c, marks=[pytest.mark.build] if c.run == "build" else []) for c in CASES], ids=[c.name for c in CASES])
def test_probe(case: Case, tmp_path, capsys, previous, version, deadline):
    if case.run == "diff":
        folder = version
    elif case.run == "labels":
        folder = tmp_path / "labels"
        folder.mkdir()
    else:
        folder = tmp_path / "seeds"
        shutil.copytree(SEEDS, folder)
    found = case.make(folder)
    message = _message(case, folder, found, capsys, previous)
    if case.expected is None:
        assert message is None, message
        _reads_as_the_original(case, folder)
        return
    assert message is not None, "the input was read"
    expected = case.expected.replace("{}", str(found))
    assert re.search(expected, message), f"{expected!r} not in {message!r}"
    assert len(message) < 600 and message.count("\n") <= 1, message  # one line and its hint


def _reads_as_the_original(case: Case, folder: Path) -> None:
    """A legal input gives what the original gives: the same documents, line for line."""
    if case.run == "load":
        original = {d.document_id: d.lines for d in sources.load_corpus(SEEDS).documents}
        assert {d.document_id: d.lines for d in sources.load_corpus(folder).documents} == original
