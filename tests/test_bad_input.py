"""The bad-input catalogue: each mistake gives one clear message (file, line, what to do), a
non-zero exit status, no traceback, and leaves the previous outputs exactly as they were."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from publish import outputs
from publish.cli import main
from tests.conftest import ROOT, SEEDS

# Every case runs the CLI on a copy of the seeds: end to end, as a user meets it.
pytestmark = pytest.mark.build

MANIFEST = "sources.toml"
AP_WEB = "texts/ap-web-arbeid.txt"


@pytest.fixture
def previous(tmp_path: Path) -> tuple[Path, Path]:
    """Outputs of an earlier build (stand-ins) that a failed build must leave untouched."""
    package, out = tmp_path / "datapackage", tmp_path / "build"
    (package / "data").mkdir(parents=True)
    (package / "datapackage.json").write_text('{"previous": true}\n')
    (package / "data" / "pledges.csv").write_text("previous\n")
    out.mkdir()
    (out / "report.pdf").write_bytes(b"%PDF previous")
    for folder in (package, out):  # made by an earlier build of the same dataset
        (folder / outputs.MARKER).write_text(outputs.marker_text("baerum-lofter"))
    return package, out


def _snapshot(*folders: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for folder in folders for p in sorted(folder.rglob("*")) if p.is_file()}


def run_build(seeds: Path, package: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    """`python -m publish build …` run in this process (the CLI's own `main`): its exit status and what it
    printed. A traceback cannot hide here: an exception the CLI does not turn into a message fails the test."""
    arguments = ["build", "--seeds", str(seeds), "--package", str(package), "--out", str(out), *extra]
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(arguments)
    return subprocess.CompletedProcess(arguments, code, stdout.getvalue(), stderr.getvalue())


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _unpin(seeds: Path, file_name: str) -> None:
    """Drop the pinned sha256 of the entry for file_name (the test changes that file on purpose)."""
    manifest = seeds / MANIFEST
    text = manifest.read_text(encoding="utf-8")
    entry = text.index(f'file = "{file_name}"')
    start = text.index("sha256 = ", entry)
    end = text.index("\n", start)
    manifest.write_text(text[:start] + text[end + 1 :], encoding="utf-8")


def _line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


def _fails(result: subprocess.CompletedProcess, *expected: str) -> str:
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    message = result.stderr.strip()
    assert message.startswith("error: "), message
    for part in expected:
        assert re.search(part, message, re.S), f"{part!r} not in {message!r}"
    return message


def _untouched(before: dict[str, bytes], package: Path, out: Path) -> None:
    assert _snapshot(package, out) == before
    leftovers = [p.name for p in package.parent.iterdir() if "staging" in p.name or "-old-" in p.name]
    assert leftovers == []


# ---- the manifest and the texts ----------------------------------------------------------------


def test_missing_text_file(seeds, previous):
    (seeds / AP_WEB).unlink()
    before = _snapshot(*previous)
    line = _line_of(seeds / MANIFEST, f'file = "{AP_WEB}"')
    _fails(run_build(seeds, *previous), rf"sources.toml:{line}: document 'ap-web-arbeid': file 'texts/ap-web-arbeid.txt' not found")
    _untouched(before, *previous)


def test_cp1252_bytes_are_named_and_the_encoding_key_is_honoured(seeds, previous):
    path = seeds / AP_WEB
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp1252", errors="replace"))
    _unpin(seeds, AP_WEB)
    before = _snapshot(*previous)
    message = _fails(
        run_build(seeds, *previous), r"ap-web-arbeid.txt:\d+: not valid utf-8: byte 0x\w\w at offset \d+", 'encoding = "cp1252"'
    )
    offset = int(re.search(r"offset (\d+)", message).group(1))
    assert path.read_bytes()[offset] >= 0x80
    _untouched(before, *previous)
    _edit(seeds / MANIFEST, f'file = "{AP_WEB}"', f'file = "{AP_WEB}"\nencoding = "cp1252"')
    result = run_build(seeds, *previous, "--no-report")
    assert result.returncode == 0, result.stderr


def test_bom_and_crlf_are_accepted_with_the_same_lines(seeds, tmp_path):
    path = seeds / AP_WEB
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    _unpin(seeds, AP_WEB)
    result = run_build(seeds, tmp_path / "dp", tmp_path / "out", "--no-report")
    assert result.returncode == 0, result.stderr
    sources = (tmp_path / "dp" / "data" / "pledge_sources.csv").read_text(encoding="utf-8")
    assert ",ap-web-arbeid,ap-web-arbeid-s0edc0c61,17,17,,,Tilby kommunalt ansatte trygge jobber og konkurransedyktig lønn." in sources


def test_empty_text(seeds, previous):
    (seeds / AP_WEB).write_bytes(b"")
    _unpin(seeds, AP_WEB)
    before = _snapshot(*previous)
    _fails(run_build(seeds, *previous), r"ap-web-arbeid.txt: the text file is empty")
    _untouched(before, *previous)


def test_a_text_without_pledges_is_a_warning_not_a_stop(seeds, previous):
    """A web page without list markers or promising sentences: the build goes on, and one warning names
    the file and says what was detected (issue 22: a document never stops its group's build)."""
    (seeds / "texts" / "ny-side.txt").write_text("Om partiet\n\nPartiet ble stiftet i 1887.\n\nKontoret ligger i sentrum.\n", encoding="utf-8")
    with (seeds / MANIFEST).open("a", encoding="utf-8") as handle:
        handle.write(
            '\n[[documents]]\nid = "ny-side"\nfile = "texts/ny-side.txt"\nactor = "ap"\ntitle = "Ny side"\n'
            'kind = "web_page"\nlayout = "web_bullets"\nrights = "x"\n'
        )
    done = run_build(seeds, *previous, "--no-report")
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stdout.splitlines() if "ny-side.txt" in line]
    assert len(warnings) == 1 and re.search(r"^warning: .*ny-side.txt: no pledges found \(layout 'web_bullets': ", warnings[0]), warnings


def test_malformed_manifest_toml(seeds, previous):
    _edit(seeds / MANIFEST, 'short_name = "Rødt"', 'short_name = "Rødt')
    before = _snapshot(*previous)
    line = _line_of(seeds / MANIFEST, 'short_name = "Rødt')
    _fails(run_build(seeds, *previous), rf"sources.toml:{line}: malformed TOML")
    _untouched(before, *previous)


def test_malformed_taxonomy_toml(seeds, previous):
    _edit(seeds / "topics.toml", 'label = "Bolig"', "label = Bolig")
    before = _snapshot(*previous)
    line = _line_of(seeds / "topics.toml", "label = Bolig")
    _fails(run_build(seeds, *previous), rf"topics.toml:{line}: malformed TOML")
    _untouched(before, *previous)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('actor = "r"', 'actor = "sv"', r"names unknown actor 'sv'.*known actors: ap, baerum, r"),
        ('id = "ap-web-arbeid"', 'id = "ap-web-naering"', r"duplicate document id 'ap-web-naering'"),
        ('id = "r"\n', 'id = "ap"\n', r"duplicate actor id 'ap'"),
        ('layout = "pdf_text"', 'layout = "pdf_scan"', r"unknown layout profile 'pdf_scan'.*known profiles: auto, pdf_numbered_lines"),
        (
            'sha256 = "2d9f5925f1371a986bcdd35ec3eb44d87e318c1c8f0416bfa4c2a58c8b84f07d"',
            'sha256 = "0000000000000000000000000000000000000000000000000000000000000000"',
            r"sha256 of texts/rodt-baerum-program-2019-2023.txt is 2d9f5925.*manifest pins 0000",
        ),
    ],
    ids=["unknown-actor", "duplicate-document", "duplicate-actor", "unknown-layout", "sha256-mismatch"],
)
def test_manifest_mistakes(seeds, previous, old, new, expected):
    _edit(seeds / MANIFEST, old, new)
    before = _snapshot(*previous)
    _fails(run_build(seeds, *previous), r"sources.toml:\d+: .*" + expected)
    _untouched(before, *previous)


def _documents(seeds: Path) -> list[tuple]:
    """Each document of the manifest as id, actor, file and number of lines, in manifest order."""
    from publish.sources import load_corpus

    return [(d.document_id, d.actor_id, d.source_file, d.layout, len(d.lines)) for d in load_corpus(seeds).documents]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('[[documents]]\nid = "baerum-arbeidsgiverpolitikk"', '[[documents]]  # the policy\nid = "baerum-arbeidsgiverpolitikk"'),
        ('[[actors]]\nid = "ap"', "[[actors]] # Ap\nid = 'ap'"),
        ('[[documents]]\nid = "ap-web-arbeid"', '[[ documents ]]\n"id" = "ap-web-arbeid" # a web page'),
        ('[[documents]]\nid = "ap-web-arbeid"', '[["documents"]]\nid = """ap-web-arbeid"""'),
    ],
    ids=["comment-after-last-document", "comment-after-actor", "spaced-header", "quoted-header"],
)
def test_any_valid_toml_finds_every_entry(seeds, old, new):
    """Comments, spacing and quoting around a header never drop or misplace an entry."""
    expected = _documents(SEEDS)
    _edit(seeds / MANIFEST, old, new)
    assert _documents(seeds) == expected


def test_entries_as_inline_tables_are_found_with_their_lines(seeds):
    """`actors = [{...}, ...]` is the same manifest; an error points at the inline table's line."""
    manifest = seeds / MANIFEST
    text = manifest.read_text(encoding="utf-8")
    start, end = text.index("\n[[actors]]"), text.index("\n[[documents]]")
    inline = (
        'actors = [\n  { id = "ap", name = "Bærum Arbeiderparti", short_name = "Ap", kind = "party", color = "#C8102E", group = "baerum" },\n'
        '  # Rødt\n  { id = "r", name = "Rødt Bærum", short_name = "Rødt", kind = "party", color = "#6B1A2B", group = "baerum" },\n'
        '  { id = "baerum", name = "Bærum kommune", short_name = "Kommunen", kind = "municipality", color = "#1F5A7A", group = "baerum" },\n]\n\n'
    )
    dataset = text.index("\n[dataset]")
    text = text[:dataset] + "\n" + inline + text[dataset:start] + text[end:]
    manifest.write_text(text, encoding="utf-8")
    assert _documents(seeds) == _documents(SEEDS)
    _edit(manifest, 'color = "#6B1A2B"', 'color = "red"')
    line = _line_of(manifest, 'id = "r"')
    _fails(run_build(seeds, seeds.parent / "dp", seeds.parent / "out"), rf"^error: .*sources.toml:{line}: actor 'r': actor colour 'red' is not #RRGGBB$")


@pytest.mark.parametrize(
    ("old", "new", "key", "expected"),
    [
        ('id = "ap-web-arbeid"', "id = 5", "id = 5", r"document: id must be a string, not the integer 5"),
        (f'file = "{AP_WEB}"', f'file = "{AP_WEB}"\nencoding = 5', "encoding = 5", r"document 'ap-web-arbeid': encoding must be a string, not the integer 5"),
        ('"Bolig",\n', '"Bolig", 7,\n', 'chapters = [', r"document 'ap-program-2023': chapters must be a list of strings; item 8 is the integer 7"),
        (
            'layout = "goals_strategies"',
            'layout = "goals_strategies"\nchapters = "Mål"',
            'chapters = "Mål"',
            r"document 'baerum-arbeidsgiverpolitikk': chapters must be a list of strings, not the string 'Mål'\n  hint: write chapters = \[",
        ),
        ('layout = "web_bullets"', "layout = 5", "layout = 5", r"document 'ap-web-naering': layout must be a string, not the integer 5"),
        ('title = "Arbeid (nettside)"', 'title = "Arbeid\\u001b[31m"', 'title = "Arbeid', r"document 'ap-web-arbeid': title contains the control character U\+001B ESCAPE"),
        ('layout = "web_bullets"', 'layout = "web_bullets"\nbullets = ["ab"]', "bullets = ", r"document 'ap-web-naering': bullets item 1 'ab' must be 1–3 characters, none a letter, digit or space"),
        ('layout = "web_bullets"', 'layout = "web_bullets"\nbullets = "►"', "bullets = ", r"document 'ap-web-naering': bullets must be a list of strings, not the string '►'"),
        ('layout = "web_bullets"', 'layout = "web_bullets"\nline_numbers = "middle"', "line_numbers = ", r"document 'ap-web-naering': line_numbers 'middle' is not one of start, end, none"),
        ('layout = "web_bullets"', 'layout = "web_bullets"\nignore_lines = [true]', "ignore_lines = ", r"document 'ap-web-naering': ignore_lines must be a list of strings; item 1 is the boolean True"),
        ('end_at = ["Er du enig med"]', 'end_at = ["  "]', "end_at = ", r"document 'ap-web-naering': end_at item 1 is empty \(it would match every line\)"),
        ('layout = "web_bullets"', 'layuot = "web_bullets"', "layuot", r"document 'ap-web-naering': unknown key 'layuot'\n  hint: known keys: id, file, actor"),
        ('sha256 = "c57462e5', 'sha256 = "xyz"\n# sha256 = "c57462e5', 'sha256 = "xyz"', r"document 'ap-web-naering': sha256 'xyz' is not 64 hexadecimal digits"),
        ('color = "#C8102E"', "color = 0xC8102E", "color = ", r"actor 'ap': color must be a string, not the integer 13111342"),
        (
            'keywords = ["Bærum", "kommunevalg", "partiprogram", "valgløfter", "arbeidsgiverpolitikk", "lokalpolitikk"]',
            'keywords = "Bærum"',
            "keywords = ",
            r"\[dataset\]: keywords must be a list of strings, not the string 'Bærum'"),
        ('name = "baerum-lofter"', 'name = "../../../../pwn-name"', "name = ", r"\[dataset\]: name '../../../../pwn-name' must be lower-case letters, digits and dashes"),
        ('created = "2026-11-25"', 'created = "2026-02-30"', "created = ", r"\[dataset\]: created '2026-02-30' is not a date YYYY-MM-DD"),
        ("[[documents]]\nid = \"ap-web-arbeid\"", "[[document]]\nid = \"ap-web-arbeid\"", "[[document]]", r"unknown table 'document'"),
    ],
    ids=[
        "id-integer", "encoding-integer", "chapters-item-integer", "chapters-string", "layout-integer", "control-character-in-title",
        "bullet-too-long", "bullets-string", "line-numbers-unknown", "ignore-lines-boolean", "end-at-empty", "unknown-key",
        "sha256-not-hex", "colour-integer", "keywords-string", "dataset-name-path", "created-not-a-date", "unknown-table",
    ],
)  # fmt: skip
def test_manifest_field_types(seeds, previous, old, new, key, expected):
    """Every field is type-checked where it enters: the message names the file, the field's line and the type expected."""
    _edit(seeds / MANIFEST, old, new)
    line = _line_of(seeds / MANIFEST, key) if key != "[[document]]" else None
    before = _snapshot(*previous)
    where = rf"sources.toml:{line}: " if line else r"sources.toml: "
    _fails(run_build(seeds, *previous), r"^error: \S*" + where + expected)
    _untouched(before, *previous)


@pytest.mark.parametrize(
    ("file_name", "make"),
    [
        ("../secret.txt", lambda seeds: (seeds.parent / "secret.txt").write_text("Hemmelig linje\n")),
        ("/etc/hostname", lambda seeds: None),
        ("texts/lenke.txt", lambda seeds: (seeds / "texts" / "lenke.txt").symlink_to(seeds.parent / "secret.txt")),
        ("texts/../../secret.txt", lambda seeds: None),
    ],
    ids=["parent", "absolute", "symlink-out", "dot-dot-inside"],
)
def test_text_files_must_be_inside_the_seeds_folder(seeds, previous, file_name, make):
    """One rule for `..`, absolute paths and symlinks: nothing outside the seeds folder is read."""
    (seeds.parent / "secret.txt").write_text("Hemmelig linje\n")
    make(seeds)
    _edit(seeds / MANIFEST, f'file = "{AP_WEB}"', f'file = "{file_name}"')
    _unpin(seeds, file_name)
    line = _line_of(seeds / MANIFEST, f'file = "{file_name}"')
    before = _snapshot(*previous)
    _fails(
        run_build(seeds, *previous),
        rf"^error: \S*sources.toml:{line}: document 'ap-web-arbeid': file '{re.escape(file_name)}' is outside the seeds folder \S*seeds\n"
        r"  hint: put the text under \S*seeds/texts/ and name it relative to \S*seeds \(no '..', absolute path or symlink out\)$",
    )
    _untouched(before, *previous)


def test_a_symlink_inside_the_seeds_folder_is_fine(seeds):
    (seeds / "texts" / "lenke.txt").symlink_to(seeds / AP_WEB)
    _edit(seeds / MANIFEST, f'file = "{AP_WEB}"', 'file = "texts/lenke.txt"')
    assert ("ap-web-arbeid", "ap", "texts/lenke.txt") in [d[:3] for d in _documents(seeds)]


@pytest.mark.parametrize("target", ["README.md", "no-such-folder"])
def test_seeds_must_be_a_folder(previous, target):
    before = _snapshot(*previous)
    what = "not a folder" if target == "README.md" else "no such folder"
    _fails(
        run_build(Path(target), *previous),
        rf"^error: {target}: {what}\n  hint: --seeds names the folder that holds sources.toml and the texts$",
    )
    _untouched(before, *previous)


def test_control_characters_in_a_text_are_removed_where_it_is_read(seeds, tmp_path):
    """NUL, ESC and BEL from a text export never reach a table or the workbook; the lines stay the same."""
    path = seeds / AP_WEB
    text = path.read_text(encoding="utf-8")
    bullet = "Tilby kommunalt ansatte trygge jobber"
    path.write_text(text.replace(bullet, "Tilby\x00 kommunalt\x1b[31m ansatte\x07 trygge jobber"), encoding="utf-8")
    _unpin(seeds, AP_WEB)
    result = run_build(seeds, tmp_path / "dp", tmp_path / "out", "--no-report")
    assert result.returncode == 0, result.stderr
    sources = (tmp_path / "dp" / "data" / "pledge_sources.csv").read_text(encoding="utf-8")
    assert ",17,17,,,Tilby kommunalt[31m ansatte trygge jobber og konkurransedyktig lønn." in sources
    assert not re.search(r"[\x00-\x08\x0b-\x1f]", sources)


def test_a_control_character_in_the_changelog(seeds, previous):
    """The changelog is copied into the package: an ESC in it is named with its line, not published."""
    path = seeds / "CHANGELOG.md"
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[2] += "\x1b]8;;http://x\x1b\\lenke\x1b]8;;\x1b\\"
    path.write_text("\n".join(lines), encoding="utf-8")
    before = _snapshot(*previous)
    _fails(
        run_build(seeds, *previous), r"^error: \S*seeds/CHANGELOG.md:3: contains the control character U\+001B ESCAPE\n  hint: remove it$"
    )
    _untouched(before, *previous)


def test_a_runaway_line_is_named(seeds, previous):
    path = seeds / AP_WEB
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + "\n" + "9" * 60_000 + "\n", encoding="utf-8")
    _unpin(seeds, AP_WEB)
    line = len(path.read_text(encoding="utf-8").splitlines())
    before = _snapshot(*previous)
    _fails(
        run_build(seeds, *previous),
        rf"^error: \S*ap-web-arbeid.txt:{line}: line of 60,000 characters; at most 4,000 are read\n  hint: is this a text export",
    )
    _untouched(before, *previous)


# ---- editorial files -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("ap-0000000000,bolig,typo\n", r"topic_overrides.csv:5: unknown pledge 'ap-0000000000'"),
        ("ap-dcbff5aaf6,skatt,typo\n", r"topic_overrides.csv:5: unknown topic 'skatt'"),
        (
            "ap-dcbff5aaf6\n",
            r"topic_overrides.csv:5: row has 1 field, the header 3 \(pledge_id,topic_id,reason\)\n  hint: fill in every column$",
        ),
        (
            "ap-0262b88499,bolig,Bolig, ikke skole\n",
            r"topic_overrides.csv:5: row has 4 fields, the header 3 .*\n  hint: a text with a comma must be in double quotes$",
        ),
        (
            "ap-dcbff5aaf6,okonomi,the same row again\n",
            r"topic_overrides.csv:5: pledge 'ap-dcbff5aaf6' is overridden twice \(also on line 2\)\n  hint: keep one row per pledge$",
        ),
        ("ap-dcbff5aaf6,bolig,another topic\n", r"topic_overrides.csv:5: pledge 'ap-dcbff5aaf6' is overridden twice \(also on line 2\)"),
        ('ap-0262b88499,bolig,"Bolig\x1b[2J"\n', r"topic_overrides.csv:5: reason contains the control character U\+001B ESCAPE"),
    ],
    ids=["unknown-pledge", "unknown-topic", "one-column", "unquoted-comma", "duplicate", "conflicting", "control-character"],
)
def test_topic_override_mistakes(seeds, previous, row, expected):
    with (seeds / "topic_overrides.csv").open("a", encoding="utf-8") as handle:
        handle.write(row)
    before = _snapshot(*previous)
    _fails(run_build(seeds, *previous), expected)
    _untouched(before, *previous)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            "Ingen slik tekst finnes,Nei til søndagsåpne butikker.,agree,x\n",
            r"relations.csv:31: no pledge found for 'Ingen slik tekst finnes'",
        ),
        ("Ikke innføre eiendomsskatt.,Gå inn for en eiendomsskatt,opposed,x\n", r"relations.csv:31: unknown relation kind 'opposed'"),
        ("Ikke innføre eiendomsskatt.,ap-dcbff5aaf6,agree,x\n", r"relations.csv:31: a relation of a pledge with itself"),
        (
            "Ikke innføre eiendomsskatt.,Gå inn for en eiendomsskatt,disagree,x\nap-dcbff5aaf6,r-c1ff119b70,disagree,x\n",
            r"relations.csv:32: the pair ap-dcbff5aaf6, r-c1ff119b70 is already on line 31\n  hint: keep one row per pair$",
        ),
        (
            "Ikke innføre eiendomsskatt.,Gå inn for en eiendomsskatt,disagree,x\nr-c1ff119b70,ap-dcbff5aaf6,remove,y\n",
            r"relations.csv:32: the pair ap-dcbff5aaf6, r-c1ff119b70 is already on line 31",
        ),
        (
            "ap-dcbff5aaf6,ap-0262b88499,agree,x\n",
            r"relations.csv:31: both pledges are by actor 'ap' \(ap-dcbff5aaf6, ap-0262b88499\)\n  hint: relations join pledges of different actors$",
        ),
        ('ap-dcbff5aaf6,r-c1ff119b70,disagree,"over\nto linjer"\nap-dcbff5aaf6,Gjenåpne\n', r"relations.csv:33: row has 2 fields"),
    ],
    ids=["unknown-pledge", "unknown-kind", "self-relation", "duplicate", "conflicting", "same-actor", "line-after-a-quoted-line-break"],
)
def test_editorial_relation_mistakes(seeds, previous, row, expected):
    with (seeds / "relations.csv").open("a", encoding="utf-8") as handle:
        handle.write(row)
    before = _snapshot(*previous)
    _fails(run_build(seeds, *previous), expected)
    _untouched(before, *previous)


@pytest.mark.parametrize("name", ["topic_overrides.csv", "relations.csv"])
def test_editorial_file_encoding(seeds, previous, built, name):
    """A BOM (a spreadsheet's 'CSV UTF-8') is accepted; a cp1252 byte is named with its line."""
    path = seeds / name
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    result = run_build(seeds, seeds.parent / "dp", seeds.parent / "out", "--no-report")
    assert result.returncode == 0, result.stderr
    assert (seeds.parent / "dp" / "data" / "relations.csv").read_bytes() == (built.paths.package / "data" / "relations.csv").read_bytes()
    text = path.read_bytes().decode("utf-8-sig")
    path.write_bytes(text.encode("cp1252"))
    line = next(n for n, row in enumerate(text.splitlines(), 1) if re.search("[æøåÆØÅ–«»]", row))
    before = _snapshot(*previous)
    _fails(
        run_build(seeds, *previous),
        rf"^error: \S*{name}:{line}: not valid UTF-8: byte 0x[0-9a-f]{{2}} at offset \d+\n  hint: save the file as UTF-8",
    )
    _untouched(before, *previous)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("cap_major_code = 14", 'cap_major_code = "abc"', r"topic 'bolig': cap_major_code must be an integer, not the string 'abc'"),
        ("cap_major_code = 14", "cap_major_code = 99", r"topic 'bolig': cap_major_code 99 is not a CAP major topic\n  hint: major topics are 1–10, 12–21 and 23"),
        ("order = 14", 'order = "first"', r"topic 'bolig': order must be an integer, not the string 'first'"),
        ("order = 14", "order = 13", r"topic 'bolig': order 13 is also topic 'anskaffelser''s"),
        ('id = "bolig"', "id = 7", r"topic: id must be a string, not the integer 7"),
        ('id = "bolig"', 'id = "../../../../pwned-bolig"', r"topic: id '../../../../pwned-bolig' must be lower-case letters, digits and dashes"),
        ('keywords = ["bolig"', 'keywords = [7, "bolig"', r"topic 'bolig': keywords must be a list of strings; item 1 is the integer 7"),
        ('keywords = ["bolig"', 'keywords = "bolig"\n# ["bolig"', r"topic 'bolig': keywords must be a list of strings, not the string 'bolig'"),
        ('headings = ["Bolig"', 'headings = "Bolig"\n# ["Bolig"', r"topic 'bolig': headings must be a list of strings, not the string 'Bolig'"),
        ('label = "Bolig"', 'label = "Bolig"\nlabels = "Hus"', r"topic 'bolig': unknown key 'labels'"),
    ],
    ids=[
        "cap-code-string", "cap-code-out-of-range", "order-string", "order-taken", "id-integer", "id-path",
        "keyword-integer", "keywords-string", "headings-string", "unknown-key",
    ],
)  # fmt: skip
def test_taxonomy_field_types(seeds, previous, old, new, expected):
    """Every field of a topic is type-checked; the message names the line of the field."""
    _edit(seeds / "topics.toml", old, new)
    key = (new.split("\n")[-1] if "labels" in new else new).split(" =")[0]
    lines = (seeds / "topics.toml").read_text(encoding="utf-8").splitlines()
    start = _line_of(seeds / "topics.toml", 'label = "Bolig"') - 1  # the bolig entry's id line
    line = next(n for n in range(start, len(lines) + 1) if lines[n - 1].startswith(f"{key} ="))
    before = _snapshot(*previous)
    _fails(run_build(seeds, *previous), rf"^error: \S*topics.toml:{line}: " + expected)
    _untouched(before, *previous)


# ---- templates and fonts ---------------------------------------------------------------------------


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    target = tmp_path / "templates"
    shutil.copytree(ROOT / "report_templates", target)
    return target


def test_template_syntax_error(seeds, previous, templates):
    _edit(templates / "partials" / "chapter.html", "{% endfor %}", "{% endfo %}")
    before = _snapshot(*previous)
    _fails(run_build(seeds, *previous, "--templates", str(templates)), r"chapter.html:\d+: template error")
    _untouched(before, *previous)


def test_undefined_variable_in_a_template(seeds, previous, templates):
    _edit(templates / "partials" / "cover.html", "{{ m.dataset.publisher }}", "{{ m.dataset.publsher }}")
    before = _snapshot(*previous)
    line = _line_of(templates / "partials" / "cover.html", "m.dataset.publsher")
    _fails(run_build(seeds, *previous, "--templates", str(templates)), rf"cover.html:{line}: template error: .*publsher")
    _untouched(before, *previous)


def test_missing_font_file(seeds, previous, templates):
    (templates / "fonts" / "NotoSerif-Regular.ttf").unlink()
    before = _snapshot(*previous)
    _fails(run_build(seeds, *previous, "--templates", str(templates)), r"a file the booklet needs cannot be loaded.*NotoSerif-Regular.ttf")
    _untouched(before, *previous)


# ---- the output side --------------------------------------------------------------------------------


def test_output_folder_not_writable(seeds, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    _fails(run_build(seeds, tmp_path / "dp", blocker / "build"), r"a-file: cannot write here")


def _file_size_limit(limit: int):
    """A child whose files cannot grow past `limit` bytes: a write fails with EFBIG, as on a full disk."""

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # else the kernel kills the writer instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return limited


def test_a_failed_write_is_one_message(seeds, previous):
    """An OSError while writing (a full disk, a file size limit) is one line; nothing is published."""
    before = _snapshot(*previous)
    command = [sys.executable, "-m", "publish", "build", "--seeds", str(seeds), "--package", str(previous[0]), "--out", str(previous[1])]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600, preexec_fn=_file_size_limit(100_000))
    assert result.returncode == 2
    _fails(
        result,
        r"^error: \S*datapackage or \S*build: File too large.*; no output was changed\n  hint: free some space or choose another folder$",
    )
    _untouched(before, *previous)


HELPER_DIES = '''
import os
import sys

import publish.package


def die(*args):
    """The helper's job: the process ends at once, as when the kernel kills it for memory."""
    os._exit(9)


if __name__ == "__main__":
    publish.package.validate_package = die
    from publish.cli import main

    sys.exit(main(sys.argv[1:]))
'''


def _run_patched_build(script: Path, source: str, seeds: Path, previous) -> subprocess.CompletedProcess:
    """`publish build --no-report` through a script that patches one stage first (a failure on cue)."""
    script.write_text(source)
    args = ["build", "--seeds", str(seeds), "--package", str(previous[0]), "--out", str(previous[1]), "--no-report"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, str(script), *args], cwd=ROOT, capture_output=True, text=True, timeout=600, env=env)


def test_a_helper_that_dies_is_one_message(seeds, previous, tmp_path):
    before = _snapshot(*previous)
    result = _run_patched_build(tmp_path / "helper_dies.py", HELPER_DIES, seeds, previous)
    assert result.returncode == 2
    _fails(
        result,
        r"^error: the helper process stopped \(exit code 9\); no output was changed\n"
        r"  hint: run the build again; if it recurs, the machine may be out of memory$",
    )
    _untouched(before, *previous)


def test_interrupted_build_leaves_previous_outputs(seeds, previous):
    before = _snapshot(*previous)
    command = [sys.executable, "-m", "publish", "build", "--seeds", str(seeds), "--package", str(previous[0]), "--out", str(previous[1])]
    # Ctrl-C as from a terminal: a runner that starts the tests in the background has the child ignore SIGINT
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 120
    for line in process.stdout:  # interrupt while report.pdf is written (5 s), after the package and workbook were staged
        if line.startswith("workbook") or time.monotonic() > deadline:
            break
    time.sleep(1)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=600)  # a hang guard, not a time target: a loaded machine finishes a layout first
    assert process.returncode == 130
    assert "interrupted: no output was changed" in stderr and "Traceback" not in stderr
    _untouched(before, *previous)


INTERRUPT_WORKBOOK = """
import sys
import publish.workbook

calls = 0
write_text = publish.workbook.write_text


def interrupted(*args):
    '''Ctrl-C after some rows were streamed: every sheet stream so far is open.'''
    global calls
    calls += 1
    if calls == 3000:
        raise KeyboardInterrupt
    return write_text(*args)


if __name__ == "__main__":
    publish.workbook.write_text = interrupted
    from publish.cli import main

    sys.exit(main(sys.argv[1:]))
"""


def test_interrupted_workbook_discards_its_open_sheets(seeds, previous, tmp_path):
    """Ctrl-C in the middle of the workbook's streamed rows: one line, no lxml tracebacks at exit."""
    before = _snapshot(*previous)
    result = _run_patched_build(tmp_path / "interrupt_workbook.py", INTERRUPT_WORKBOOK, seeds, previous)
    assert result.returncode == 130
    assert result.stderr.strip().endswith("interrupted: no output was changed"), result.stderr
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr
    _untouched(before, *previous)


# ---- bounded work --------------------------------------------------------------------------------------


def _add_bullets(seeds: Path, count: int, variants: bool) -> None:
    """A web page of `count` bullets for Ap: rewordings of the seeds' bullets (words swapped, so many
    near-duplicates), or distinct texts of 6-14 words drawn from the seeds' words."""
    rng = random.Random(14)
    texts = [(seeds / d).read_text(encoding="utf-8") for d in sorted((seeds / "texts").iterdir())]
    words = [w for text in texts for w in re.findall(r"[^\W\d_]{2,}", text)]
    bases = [re.sub(r"\s+\d+\s*$", "", line.strip(" •")) for text in texts for line in text.splitlines() if line.strip().startswith("•")]
    lines = ["Side", "", "Bærum Arbeiderparti vil:", ""]
    for _ in range(count):
        if variants:
            text = " ".join(rng.choice(words) if rng.random() < 0.3 else w for w in rng.choice(bases).split())
        else:
            text = " ".join(rng.choice(words) for _ in range(rng.randint(6, 14))).capitalize() + "."
        lines.append(f" • {text}")
    (seeds / "texts" / "mange.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with (seeds / MANIFEST).open("a", encoding="utf-8") as handle:
        handle.write(
            '\n[[documents]]\nid = "mange"\nfile = "texts/mange.txt"\nactor = "ap"\ntitle = "Mange"\nkind = "web_page"\nrights = "x"\n'
        )


def _tables_counting(seeds: Path, monkeypatch) -> tuple[dict, int, int]:
    """The foundation tables of `seeds`, the number of items and the texts rapidfuzz compared."""
    from publish import extract, sources, tables

    corpus = sources.load_corpus(seeds)
    extractions = {d.document_id: extract.extract(d) for d in corpus.documents}
    compared = 0
    search = tables.process.extract

    def counting(query, choices, **options):
        nonlocal compared
        compared += len(choices)
        return search(query, choices, **options)

    monkeypatch.setattr(tables.process, "extract", counting)
    frames = tables.build_tables(corpus, extractions)
    monkeypatch.setattr(tables.process, "extract", search)
    return frames, sum(len(e.items) for e in extractions.values()), compared


def test_duplicate_matching_merges_as_comparing_every_pair(seeds, monkeypatch):
    """The index finds exactly the merges that comparing each text with every earlier one finds."""
    from publish import tables

    _add_bullets(seeds, 4_000, variants=True)
    indexed, items, compared = _tables_counting(seeds, monkeypatch)
    monkeypatch.setattr(tables._Known, "_pool", lambda known, candidate: list(range(len(known.candidates))))
    every_pair, _, compared_every_pair = _tables_counting(seeds, monkeypatch)
    for name in ("pledges", "pledge_sources"):
        assert indexed[name].equals(every_pair[name]), name
    assert indexed["pledge_sources"].filter(pl.col("match") == "near").height > 100  # the case has near-duplicates
    assert compared * 100 < compared_every_pair, (compared, compared_every_pair, items)


def test_duplicate_matching_is_bounded(seeds, monkeypatch):
    """16,000 distinct bullets for one actor: a few comparisons per text (comparing with every earlier
    text would take 8,000 on average; 100,000 bullets took more than ten minutes that way)."""
    _add_bullets(seeds, 16_000, variants=False)
    frames, items, compared = _tables_counting(seeds, monkeypatch)
    assert frames["pledges"].height > 16_000
    assert compared < 10 * items, compared / items


def test_a_runaway_pledge_is_named(seeds, previous):
    """A list item longer than any pledge (a list whose end was missed) stops with its line."""
    path = seeds / "texts" / "ap-baerum-program-2023-2027.txt"
    lines = path.read_text(encoding="utf-8").split("\n")
    start = next(n for n, line in enumerate(lines) if line.startswith("• Styrke jordmordekningen"))
    lines[start + 2 : start + 3] = [f"jordmor {'under oppfølgingen i svangerskapet ' * 3}  25 " for _ in range(60)]
    path.write_text("\n".join(lines), encoding="utf-8")
    _unpin(seeds, "texts/ap-baerum-program-2023-2027.txt")
    before = _snapshot(*previous)
    _fails(
        run_build(seeds, *previous),
        rf"^error: \S*ap-baerum-program-2023-2027.txt:{start + 1}: a list item of [\d,]+ characters; a pledge has at most 5,000\n"
        r"  hint: a list marker or the end of the list is probably missing here$",
    )
    _untouched(before, *previous)


def test_items_before_any_heading_stand_under_the_document_title(seeds, tmp_path):
    """A text without headings gives a valid package: its items' section is the document itself."""
    _add_bullets(seeds, 20, variants=False)
    result = run_build(seeds, tmp_path / "dp", tmp_path / "out", "--no-report")
    assert result.returncode == 0, result.stderr
    sections = pl.read_csv(tmp_path / "dp" / "data" / "sections.csv").filter(pl.col("document_id") == "mange")
    assert sections.select("title", "level", "line_start", "parent_section_id").rows() == [("Mange", 1, 1, None)]
    pledges = pl.read_csv(tmp_path / "dp" / "data" / "pledges.csv").filter(pl.col("document_id") == "mange")
    assert pledges.height == 20 and pledges["section_id"].unique().to_list() == sections["section_id"].to_list()


def test_the_workbook_cuts_no_cell(seeds, tmp_path):
    """A topic whose pledges fill more than an Excel cell (32,767 characters) goes on in a row
    "(forts.)" below; every pledge is there once, whole."""
    from openpyxl import load_workbook

    _add_bullets(seeds, 6_000, variants=False)
    result = run_build(seeds, tmp_path / "dp", tmp_path / "out", "--no-report")
    assert result.returncode == 0, result.stderr
    sheet = load_workbook(tmp_path / "out" / "workbook.xlsx", read_only=True)["Sammenligning"]
    rows = list(sheet.iter_rows(values_only=True))
    continued = [row for row in rows if row[0] and row[0].endswith("(forts.)")]
    assert continued, "no topic needed a second row"
    assert max(len(str(value or "")) for row in rows for value in row) <= 32_767
    label = continued[0][0].removesuffix(" (forts.)")
    ap = rows[0].index("Bærum Arbeiderparti")
    printed = "\n".join(row[ap] or "" for row in rows if row[0] in (label, f"{label} (forts.)")).split("\n")
    topics = pl.read_csv(tmp_path / "dp" / "data" / "topics.csv").filter(pl.col("label") == label)["topic_id"][0]
    rank1 = pl.read_csv(tmp_path / "dp" / "data" / "pledge_topics.csv").filter(pl.col("rank") == 1, pl.col("topic_id") == topics)
    pledges = pl.read_csv(tmp_path / "dp" / "data" / "pledges.csv").join(rank1, on="pledge_id")
    expected = pledges.filter(pl.col("actor_id") == "ap", pl.col("kind") != "context")["text"].to_list()
    assert sorted(line.removeprefix("• ") for line in printed) == sorted(expected)


def test_a_text_longer_than_a_workbook_cell_is_an_error(seeds, previous):
    _edit(seeds / MANIFEST, 'description = "Alle løfter', f'description = "{"Svært lang beskrivelse. " * 1_500}Alle løfter')
    before = _snapshot(*previous)
    _fails(
        run_build(seeds, *previous),
        r"^error: workbook.xlsx: sheet 'Les meg': a text of 36,\d{3} characters begins 'Svært lang beskrivelse. Svært lang beskr'; "
        r"an Excel cell holds 32,767\n  hint: shorten it where it comes from \(the manifest or the text\)$",
    )
    _untouched(before, *previous)


# ---- publish validate: untrusted by default ----------------------------------------------------------


def _validate(package: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "publish", "validate", str(package), *extra], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def package_copy(tmp_path: Path) -> Path:
    """A private copy of the committed data package to break."""
    target = tmp_path / "pakke"
    shutil.copytree(ROOT / "datapackage", target)
    return target


def _set_path(package: Path, resource: str, value: str) -> None:
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    next(r for r in descriptor["resources"] if r["name"] == resource)["path"] = value
    (package / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")


@pytest.mark.parametrize(
    "path",
    ["/etc/passwd", "../secret.csv", "data/../../secret.csv", "http://127.0.0.1:9/actors.csv", "file:///etc/passwd", "data/lenke.csv"],
    ids=["absolute", "parent", "dot-dot-inside", "remote", "file-url", "symlink-out"],
)
def test_validate_reads_nothing_outside_the_package(package_copy, path):
    """An untrusted package may not make the validator read a local file elsewhere or fetch a URL."""
    (package_copy.parent / "secret.csv").write_text("actor_id,name\nhemmelig,Hemmelig linje\n")
    (package_copy / "data" / "lenke.csv").symlink_to(package_copy.parent / "secret.csv")
    _set_path(package_copy, "actors", path)
    result = _validate(package_copy)
    assert result.returncode == 2 and result.stdout == ""
    message = _fails(
        result,
        rf"^error: \S*pakke/datapackage.json: resource 'actors': path '{re.escape(path)}' is not a file inside the package folder\n"
        r"  hint: an untrusted package is read only inside its folder; add --trusted for a package you trust$",
    )
    assert "Hemmelig" not in message and "root:" not in message


def test_validate_trusted_reads_what_the_package_names(package_copy):
    """--trusted is the way to validate a package that names files elsewhere."""
    shutil.copy(package_copy / "data" / "actors.csv", package_copy.parent / "actors.csv")
    _set_path(package_copy, "actors", str(package_copy.parent / "actors.csv"))
    result = _validate(package_copy, "--trusted")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.endswith("pakke/datapackage.json: 0 errors\n")


def test_validate_rejects_a_remote_profile(package_copy):
    descriptor = json.loads((package_copy / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["$schema"] = "http://127.0.0.1:9/profile.json"
    (package_copy / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    _fails(_validate(package_copy), r"the package: \$schema 'http://127.0.0.1:9/profile.json' is not a file inside the package folder")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"name": "x",\n "resources": [\n', r"datapackage.json:3: not valid JSON: Expecting value \(column 1\)"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", r"datapackage.json:1: not valid UTF-8: byte 0x89 at offset 0"),
        (b'["a list"]\n', r"datapackage.json: not a data package: no list of resources"),
        (b"", r"datapackage.json:1: not valid JSON: Expecting value \(column 1\)"),
    ],
    ids=["truncated", "binary", "a-list", "empty"],
)
def test_validate_corrupt_descriptor(package_copy, content, expected):
    (package_copy / "datapackage.json").write_bytes(content)
    _fails(_validate(package_copy / "datapackage.json"), r"^error: \S*pakke/" + expected)


# ---- publish diff ----------------------------------------------------------------------------------------


DIFF_V1, DIFF_V2 = ROOT / "tests" / "fixtures" / "diff" / "v1", ROOT / "tests" / "fixtures" / "diff" / "v2"


def _diff(old: Path, new: Path, *extra: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "publish", "diff", str(old), str(new), *extra]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.fixture
def version(tmp_path: Path) -> Path:
    target = tmp_path / "v2"
    shutil.copytree(DIFF_V2, target)
    return target


@pytest.mark.parametrize(
    ("file_name", "content", "expected"),
    [
        (
            "pledges.csv",
            "pledge_id,actor,tekst\nap-1,ap,x\n",
            r"pledges.csv:1: lacks the column 'actor_id' \(has pledge_id, actor, tekst\)",
        ),
        ("pledges.csv", "", r"pledges.csv:1: empty file: no header row"),
        ("pledges.csv", b"\x89PNG\r\n\x1a\n\x00\x00\xff", r"pledges.csv:1: not valid UTF-8: byte 0x89 at offset 0"),
        ("pledges.csv", "pledge_id,actor_id,document_id,section_id,text\nap-1,ap\n", r"pledges.csv:2: row has 2 fields, the header 5"),
        ("pledge_topics.csv", "pledge_id,topic\n", r"pledge_topics.csv:1: lacks the column 'topic_id'"),
        ("pledges.csv", 'pledge_id,actor_id,document_id,section_id,text\nap-1,ap,d,s,"aldri slutt\n', r"pledges.csv:2: not a CSV table"),
    ],
    ids=["wrong-columns", "empty", "binary", "short-row", "wrong-topic-columns", "unclosed-quote"],
)
def test_diff_of_a_broken_package(version, tmp_path, file_name, content, expected):
    path = version / "data" / file_name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    changes = tmp_path / "endringer.csv"
    changes.write_text("previous\n")
    result = _diff(DIFF_V1, version, "--csv", str(changes))
    _fails(result, r"^error: \S*v2/data/" + expected)
    assert result.stdout == "" and changes.read_text() == "previous\n"


def test_diff_across_versions_without_source_count(version):
    """A package from before `source_count` (or with columns added since) still compares."""
    path = version / "data" / "pledges.csv"
    rows = [line.split(",") for line in path.read_text(encoding="utf-8").splitlines()]
    width = rows[0].index("source_count")
    path.write_text("\n".join(",".join(r[:width] + r[width + 1 :] + ["ny"]) for r in rows) + "\n", encoding="utf-8")
    result = _diff(DIFF_V1, version)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("1 added, 1 removed, 2 changed\n")


def test_diff_csv_into_a_missing_folder(tmp_path):
    target = tmp_path / "mangler" / "endringer.csv"
    _fails(
        _diff(DIFF_V1, DIFF_V2, "--csv", str(target)),
        rf"^error: {re.escape(str(target))}: no folder \S*mangler to write into\n  hint: create the folder first",
    )


def test_diff_csv_on_a_full_disk():
    """/dev/full answers every write with ENOSPC, as a full disk does."""
    _fails(_diff(DIFF_V1, DIFF_V2, "--csv", "/dev/full"), r"^error: /dev/full: No space left on device\n  hint: free some space")


def test_diff_neutralises_formulas_and_terminal_escapes(version, tmp_path):
    """A package's texts reach neither a spreadsheet as formulas nor the terminal as escape sequences."""
    path = version / "data" / "pledges.csv"
    text = path.read_text(encoding="utf-8")
    text = text.replace("Bygge flere sykkelveier.", '"=HYPERLINK(""http://x"",""klikk"")"').replace(
        "Sikre løpende barnehageopptak, hele året.", "Sikre løpende barnehageopptak\x1b[2J\x1b]0;tittel\x07, hele året."
    )
    path.write_text(text, encoding="utf-8")
    result = _diff(DIFF_V1, version, "--csv", str(tmp_path / "endringer.csv"))
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "    → Sikre løpende barnehageopptak\\x1b[2J\\x1b]0;tittel\\x07, hele året.  [ap-0000000001 → ap-0000000001]\n" in result.stdout
    assert '  + =HYPERLINK("http://x","klikk")  [ap-0000000004]\n' in result.stdout
    rows = (tmp_path / "endringer.csv").read_text(encoding="utf-8").splitlines()
    assert 'added,ap,samferdsel,,ap-0000000004,,"\'=HYPERLINK(""http://x"",""klikk"")"' in rows
    assert any("barnehageopptak\\x1b[2J\\x1b]0;tittel\\x07, hele året." in row for row in rows) and "\x1b" not in "".join(rows)


# ---- neutralised outputs ---------------------------------------------------------------------------------


def test_formulas_and_markdown_in_the_seeds_are_neutralised(seeds, tmp_path):
    """A pledge that starts like a formula is written with a ' in front (and read back without it);
    a document title with table, link and HTML syntax leaves the README's tables whole."""
    path = seeds / AP_WEB
    path.write_text(
        path.read_text(encoding="utf-8").replace(" • Øke grunnbemanningen.", ' • =HYPERLINK("http://x","Øke grunnbemanningen.")'),
        encoding="utf-8",
    )
    _unpin(seeds, AP_WEB)
    _edit(seeds / MANIFEST, 'title = "Arbeid (nettside)"', 'title = "Arbeid | [klikk](http://x) <script>alert(1)</script>\\n# ny"')
    result = run_build(seeds, tmp_path / "dp", tmp_path / "out", "--no-report")
    assert result.returncode == 0, result.stderr
    data = tmp_path / "dp" / "data"
    assert ',"\'=HYPERLINK(""http://x"",""Øke grunnbemanningen."")",' in (data / "pledges.csv").read_text(encoding="utf-8")
    import polars as pl

    from publish.package import restore

    texts = restore(pl.read_csv(data / "pledges.csv", infer_schema=False))["text"].to_list()
    assert '=HYPERLINK("http://x","Øke grunnbemanningen.")' in texts
    readme = (tmp_path / "dp" / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith("| `ap-web-arbeid` |"))
    assert row == (
        r"| `ap-web-arbeid` | ap | Arbeid \| \[klikk\](http://x) &lt;script&gt;alert(1)&lt;/script&gt; # ny | 2023 | `"
        + hashlib.sha256((seeds / AP_WEB).read_bytes()).hexdigest()[:16]
        + "…` |"
    )
    assert "remove the first `'` of every cell that matches the regular expression `^'+[=+\\-@\\t\\r]`" in readme
