"""The bad-input catalogue: each mistake gives one clear message (file, line, what to do), a
non-zero exit status, no traceback, and leaves the previous outputs exactly as they were."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEEDS

MANIFEST = "sources.toml"
AP_WEB = "texts/ap-web-arbeid.txt"


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    """A private copy of the seeds to break."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture
def previous(tmp_path: Path) -> tuple[Path, Path]:
    """Outputs of an earlier build (stand-ins) that a failed build must leave untouched."""
    package, out = tmp_path / "datapackage", tmp_path / "build"
    (package / "data").mkdir(parents=True)
    (package / "datapackage.json").write_text('{"previous": true}\n')
    (package / "data" / "pledges.csv").write_text("previous\n")
    out.mkdir()
    (out / "report.pdf").write_bytes(b"%PDF previous")
    return package, out


def _snapshot(*folders: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for folder in folders for p in sorted(folder.rglob("*")) if p.is_file()}


def run_build(seeds: Path, package: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "publish", "build", "--seeds", str(seeds), "--package", str(package), "--out", str(out), *extra]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


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
    assert result.returncode != 0
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
    line = _line_of(seeds / MANIFEST, 'id = "ap-web-arbeid"') - 1
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


def test_wrong_layout_profile_finds_no_pledges(seeds, previous):
    """A web page whose bullets use a glyph no profile knows, read with the web profile: nothing found."""
    page = (seeds / AP_WEB).read_text(encoding="utf-8").replace(" • ", " – ")
    (seeds / "texts" / "ny-side.txt").write_text(page, encoding="utf-8")
    with (seeds / MANIFEST).open("a", encoding="utf-8") as handle:
        handle.write(
            '\n[[documents]]\nid = "ny-side"\nfile = "texts/ny-side.txt"\nactor = "ap"\ntitle = "Ny side"\n'
            'kind = "web_page"\nlayout = "web_bullets"\nrights = "x"\n'
        )
    before = _snapshot(*previous)
    _fails(
        run_build(seeds, *previous), r"ny-side.txt: no pledges found with layout profile 'web_bullets'", "layout profile .* probably wrong"
    )
    _untouched(before, *previous)


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
        ('layout = "pdf_text"', 'layout = "pdf_scan"', r"unknown layout profile 'pdf_scan'.*known profiles: pdf_numbered_lines"),
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


# ---- editorial files -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("ap-0000000000,bolig,typo\n", r"topic_overrides.csv:5: unknown pledge 'ap-0000000000'"),
        ("ap-dcbff5aaf6,skatt,typo\n", r"topic_overrides.csv:5: unknown topic 'skatt'"),
    ],
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
    ],
    ids=["unknown-pledge", "unknown-kind", "self-relation"],
)
def test_editorial_relation_mistakes(seeds, previous, row, expected):
    with (seeds / "relations.csv").open("a", encoding="utf-8") as handle:
        handle.write(row)
    before = _snapshot(*previous)
    _fails(run_build(seeds, *previous), expected)
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
    _, stderr = process.communicate(timeout=120)
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
    script = tmp_path / "interrupt_workbook.py"
    script.write_text(INTERRUPT_WORKBOOK)
    before = _snapshot(*previous)
    args = ["build", "--seeds", str(seeds), "--package", str(previous[0]), "--out", str(previous[1]), "--no-report"]
    result = subprocess.run(
        [sys.executable, str(script), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 130
    assert result.stderr.strip().endswith("interrupted: no output was changed"), result.stderr
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr
    _untouched(before, *previous)
