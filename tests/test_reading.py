"""Issue 24, the reading side: every file the build or `diff` reads is a regular file inside its folder,
read within a named limit; bad input is one message (file, line, what to do), exit 2, no traceback, and
the previous outputs stay byte-identical. Run in-process through `publish.cli.main`."""
# ruff: noqa: F811

from __future__ import annotations

import os
import re
import tracemalloc
from pathlib import Path

import pytest

from publish import cli

# The fixture `version` (a package to break) is test_bad_input's, imported to be used as a parameter
# (hence F401/F811 here); `previous` (outputs of an earlier build) is conftest's.
from tests.test_bad_input import AP_WEB, DIFF_V1, MANIFEST, _edit, _line_of, _snapshot, _unpin, _untouched, version  # noqa: F401

SECRET = "Hemmelig linje: passordet er 1234"


def build_fails(capsys, seeds: Path, outputs: tuple[Path, Path], expected: str) -> str:
    """Run `publish build` in-process on broken seeds: exit 2, one message matching `expected`, nothing printed raw."""
    package, out = outputs
    before = _snapshot(package, out)
    status = cli.main(["build", "--seeds", str(seeds), "--package", str(package), "--out", str(out), "--no-report"])
    message = capsys.readouterr().err
    assert status == 2, message
    assert message.startswith("error: ") and "Traceback" not in message
    assert re.search(expected, message), f"{expected!r} not in {message!r}"
    _untouched(before, package, out)
    return message


def _link(path: Path, target: Path | str) -> None:
    path.unlink(missing_ok=True)
    path.symlink_to(target)


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.csv"
    path.write_text(f"pledge_id,topic_id,reason\n{SECRET},bolig,x\n", encoding="utf-8")
    return path


# ---- links stay inside ----------------------------------------------------------------------------


@pytest.mark.build  # runs `publish build` in-process
def test_p18_a_changelog_linked_out_of_the_seeds_is_refused(capsys, seeds, previous, secret):
    _link(seeds / "CHANGELOG.md", secret)
    message = build_fails(
        capsys, seeds, previous,
        r"^error: \S*seeds/CHANGELOG.md: is a link to a file outside the folder \S*seeds\n"
        r"  hint: copy the file into \S*seeds; a link may only point inside it\n$",
    )  # fmt: skip
    assert SECRET not in message


@pytest.mark.parametrize("name", ["topic_overrides.csv", "relations.csv"])
@pytest.mark.parametrize("target", ["/etc/passwd", "secret"])
@pytest.mark.build  # runs `publish build` in-process
def test_p19_p20_an_editorial_csv_linked_out_is_refused_and_not_echoed(capsys, seeds, previous, secret, name, target):
    _link(seeds / name, secret if target == "secret" else target)
    message = build_fails(capsys, seeds, previous, rf"^error: \S*seeds/{name}: is a link to a file outside the folder \S*seeds\n  hint: ")
    assert SECRET not in message and "root:" not in message


def test_d07_diff_refuses_a_pledges_csv_linked_out_of_the_package(capsys, version, tmp_path):
    outside = tmp_path / "pledges.csv"
    outside.write_bytes((version / "data" / "pledges.csv").read_bytes().replace(b"Bygge flere sykkelveier.", SECRET.encode()))
    _link(version / "data" / "pledges.csv", outside)
    status = cli.main(["diff", str(DIFF_V1), str(version)])
    captured = capsys.readouterr()
    assert status == 2 and captured.out == ""
    assert re.fullmatch(r"error: \S*v2/data/pledges.csv: is a link to a file outside the folder \S*v2\n  hint: [^\n]*\n", captured.err)
    assert SECRET not in captured.err


@pytest.mark.build  # runs `publish build` in-process
def test_m14_a_fifo_as_the_manifest_fails_at_once(capsys, seeds, previous, deadline):
    (seeds / MANIFEST).unlink()
    os.mkfifo(seeds / MANIFEST)
    build_fails(capsys, seeds, previous, r"^error: \S*seeds/sources.toml: is a named pipe \(FIFO\), not a regular file\n  hint: give a file saved on disk\n$")


@pytest.mark.parametrize("name", [MANIFEST, "topic_overrides.csv"])
@pytest.mark.build  # runs `publish build` in-process
def test_m15_a_link_to_dev_zero_fails_at_once_in_little_memory(capsys, seeds, previous, deadline, name):
    _link(seeds / name, "/dev/zero")
    tracemalloc.start()
    try:
        build_fails(capsys, seeds, previous, rf"^error: \S*seeds/{name}: is a link to a file outside the folder")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 300 * 2**20, peak  # the whole failing build, extraction included; /dev/zero read to the limit alone is 16 MiB more


def test_a_device_is_not_read_even_inside_its_folder():
    """The check on what was opened (fstat), for a device a link does not lead to: /dev/zero inside /dev."""
    from publish.errors import InputError
    from publish.files import MAX_EDITOR_BYTES, read_inside

    with pytest.raises(InputError) as raised:
        read_inside(Path("/dev/zero"), MAX_EDITOR_BYTES, root=Path("/dev"))
    assert str(raised.value) == "/dev/zero: is a character device, not a regular file\n  hint: give a file saved on disk"


def test_a_socket_is_named_as_one(tmp_path):
    """open() refuses a socket (ENXIO); the message names what it is, not the errno."""
    import socket

    from publish.errors import InputError
    from publish.files import MAX_EDITOR_BYTES, read_inside

    with socket.socket(socket.AF_UNIX) as listening:
        listening.bind(str(tmp_path / "relations.csv"))
        with pytest.raises(InputError) as raised:
            read_inside(tmp_path / "relations.csv", MAX_EDITOR_BYTES)
    assert str(raised.value) == f"{tmp_path}/relations.csv: is a socket, not a regular file\n  hint: give a file saved on disk"


@pytest.mark.build  # runs `publish build` in-process
def test_a_file_larger_than_its_limit_is_refused_before_it_is_read(capsys, seeds, previous):
    with (seeds / MANIFEST).open("r+b") as handle:
        handle.truncate(16 * 2**20 + 1)  # sparse: nothing is written, the size is what is checked
    build_fails(
        capsys, seeds, previous,
        r"^error: \S*seeds/sources.toml: 16,777,217 bytes; at most 16,777,216 are read\n  hint: is this the right file\? the limits are in docs/limits.md\n$",
    )  # fmt: skip


@pytest.fixture(scope="module")
def real_build(tmp_path_factory) -> tuple[Path, Path]:
    """The seeds built once (no booklet): outputs a failing build must leave byte for byte as they are."""
    from publish.build import Paths, StageLog, build
    from tests.conftest import SEEDS

    root = tmp_path_factory.mktemp("real")
    build(Paths(seeds=SEEDS, package=root / "datapackage", out=root / "build", report=False), StageLog(echo=lambda line: None))
    return root / "datapackage", root / "build"


@pytest.mark.parametrize(
    ("break_seeds", "expected"),
    [
        (lambda seeds, secret: _link(seeds / "CHANGELOG.md", secret), r"CHANGELOG.md: is a link to a file outside the folder"),
        (lambda seeds, secret: _link(seeds / "relations.csv", "/etc/passwd"), r"relations.csv: is a link to a file outside the folder"),
        (lambda seeds, secret: ((seeds / MANIFEST).unlink(), os.mkfifo(seeds / MANIFEST)), r"sources.toml: is a named pipe \(FIFO\)"),
    ],
    ids=["p18-changelog", "p20-relations", "m14-fifo"],
)
@pytest.mark.build  # runs `publish build` in-process
def test_a_refused_read_leaves_a_real_build_byte_identical(capsys, seeds, secret, real_build, deadline, break_seeds, expected):
    """As above with the stand-ins, here with the outputs of a real build (the package, its zip and the workbook)."""
    break_seeds(seeds, secret)
    before = _snapshot(*real_build)
    assert len(before) > 10
    build_fails(capsys, seeds, real_build, expected)
    assert _snapshot(*real_build) == before


# ---- tracebacks --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kind"),
    [("[" * 500 + "]" * 500, "array"), ("{a = " * 500 + "1" + "}" * 500, "inline-table")],
    ids=["m13-array", "m13b-inline-table"],
)
@pytest.mark.build  # runs `publish build` in-process
def test_m13_toml_nested_deeper_than_the_bound(capsys, seeds, previous, value, kind):
    _edit(seeds / MANIFEST, "\n[dataset]\n", f"\nnested = {value}\n\n[dataset]\n")
    line = _line_of(seeds / MANIFEST, "nested = ")
    build_fails(
        capsys, seeds, previous,
        rf"^error: \S*seeds/sources.toml:{line}: arrays or tables nested more than 20 deep\n  hint: a manifest needs only a few levels",
    )  # fmt: skip


@pytest.mark.build  # runs `publish build` in-process
def test_m16_an_encoding_that_is_not_a_text_encoding(capsys, seeds, previous):
    path = seeds / AP_WEB
    path.write_bytes(path.read_bytes().replace(b"Tilby kommunalt", b"Tilby \\ud800 kommunalt"))
    _unpin(seeds, AP_WEB)
    _edit(seeds / MANIFEST, f'file = "{AP_WEB}"', f'file = "{AP_WEB}"\nencoding = "unicode_escape"')
    line = _line_of(seeds / MANIFEST, 'encoding = "unicode_escape"')
    build_fails(
        capsys, seeds, previous,
        rf"^error: \S*seeds/sources.toml:{line}: document 'ap-web-arbeid': encoding 'unicode_escape' is not a text encoding\n"
        r"  hint: name the text's real encoding: utf-8, utf-16 or a code page such as cp1252 or iso-8859-15\n$",
    )  # fmt: skip


def test_a_decoded_surrogate_is_named_with_its_line():
    """No encoding the manifest may name decodes to a lone surrogate; decode_text says so if one does."""
    from publish.errors import InputError
    from publish.sources import decode_text

    with pytest.raises(InputError) as raised:
        decode_text(b"A\nB\n\\ud800\n", Path("t.txt"), "unicode_escape")
    assert str(raised.value).startswith("t.txt: encoding 'unicode_escape' is not a text encoding")
    with pytest.raises(InputError) as raised:
        decode_text(b"A\nB\n\xed\xa0\x80\n", Path("t.txt"), "utf-8")  # a surrogate in UTF-8 bytes
    assert str(raised.value).startswith("t.txt:3: not valid utf-8: byte 0xed at offset 4")


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory) -> tuple[Path, str]:
    """One build whose seeds folder has control characters in its name and whose texts and hand labels
    hold characters a worksheet cannot hold or a terminal would obey (T17, I8a, I8b)."""
    import contextlib
    import io
    import shutil

    from tests.conftest import SEEDS

    base = tmp_path_factory.mktemp("hostile")
    seeds = base / "seeds\x1b]0;tittel\x07"
    shutil.copytree(SEEDS, seeds)
    path = seeds / AP_WEB
    path.write_text(path.read_text(encoding="utf-8").replace("Tilby kommunalt", "Tilby\uffff kommunalt\ufffe"), encoding="utf-8")
    _unpin(seeds, AP_WEB)
    row = "baerum-lofter,ap-0000000000,bolig,Falsk\u202eknet tekst,x,\n"  # a label naming a pledge the dataset does not hold
    for labels in (seeds / "labels", base / "tests" / "data"):  # the labels' folder: in the seeds, or (before) beside them
        labels.mkdir(parents=True, exist_ok=True)
        path = labels / "topic_labels.csv"
        path.write_text((path.read_text(encoding="utf-8") if path.exists() else "dataset,pledge_id,topic_id,text,labeller,note\n") + row, encoding="utf-8")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        status = cli.main(["build", "--seeds", str(seeds), "--package", str(base / "dp"), "--out", str(base / "out"), "--no-report"])
    assert status == 0
    return base, printed.getvalue()


@pytest.mark.build  # runs `publish build` in-process
def test_t17_characters_a_worksheet_cannot_hold_are_escaped(hostile_build):
    from openpyxl import load_workbook

    base, _ = hostile_build
    sheet = load_workbook(base / "out" / "workbook.xlsx", read_only=True)["Løftekilder"]  # the web page's wording
    texts = [value for row in sheet.iter_rows(values_only=True) for value in row if isinstance(value, str)]
    assert "Tilby\\uffff kommunalt\\ufffe ansatte trygge jobber og konkurransedyktig lønn." in texts


@pytest.mark.build  # runs `publish build` in-process
def test_i8b_a_control_character_in_the_seeds_folder_name_is_escaped_in_the_workbook(hostile_build):
    from openpyxl import load_workbook

    base, _ = hostile_build
    sheet = load_workbook(base / "out" / "workbook.xlsx", read_only=True)["Dokumenter"]
    cells = [value for row in sheet.iter_rows(values_only=True) for value in row if isinstance(value, str)]
    assert "seeds\\x1b]0;tittel\\x07/texts/ap-web-arbeid.txt" in cells


@pytest.mark.build  # runs `publish build` in-process
def test_i8a_build_lines_print_no_control_or_bidi_character(hostile_build):
    _, printed = hostile_build
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e]", printed)
    assert re.search(r"warning: \d+ hand labels in \S+ name texts this dataset does not hold \(listed in \S+warnings.txt\)", printed)


def test_the_stage_log_prints_every_line_escaped(capsys):
    """The build's lines (warnings naming the seeds path among them) go through errors.printable."""
    from publish.build import StageLog

    StageLog().echo("warning: seeds\x1b]0;tittel\x07/sources.toml: [dataset] homepage is empty")
    StageLog().warn("1 hand labels name texts this dataset does not hold: 'Falsk\u202eknet tekst'")
    assert capsys.readouterr().out == (
        "warning: seeds\\x1b]0;tittel\\x07/sources.toml: [dataset] homepage is empty\n"
        "warning: 1 hand labels name texts this dataset does not hold: 'Falsk\\u202eknet tekst'\n"
    )


def test_every_error_line_is_escaped(capsys):
    """The CLI's last line of defence: a message from anywhere (here a helper's) is printed escaped."""
    assert cli._error("a\x1b[2Jb \u202e c") == 2
    assert capsys.readouterr().err == "error: a\\x1b[2Jb \\u202e c\n"


# ---- http(s) only -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('homepage = ""', 'homepage = "javascript:alert(1)"', "homepage"),
        ('license_path = "https://creativecommons.org/licenses/by/4.0/"', 'license_path = "javascript:alert(1)"', "license_path"),
        (f'file = "{AP_WEB}"', f'file = "{AP_WEB}"\nurl = "javascript:alert(1)"', "url"),
        ('homepage = ""', 'homepage = "file:///etc/passwd"', "homepage"),
        ('homepage = ""', 'homepage = "https://"', "homepage"),
    ],
    ids=["i7e-homepage", "i7e-license-path", "i7e-url", "file-url", "no-host"],
)
@pytest.mark.build  # runs `publish build` in-process
def test_i7e_addresses_are_http_or_https(capsys, seeds, previous, old, new, key):
    text = (seeds / MANIFEST).read_text(encoding="utf-8")
    if key == "url":  # the document's own url = "" comes first
        text = text.replace('url = ""\n', "", text.count('url = ""\n'))
    (seeds / MANIFEST).write_text(text.replace(old, new, 1), encoding="utf-8")
    value = new.split(" = ")[-1].strip('"')
    line = _line_of(seeds / MANIFEST, f"{key} = ")
    build_fails(capsys, seeds, previous, rf"^error: \S*sources.toml:{line}: .*{key} '{re.escape(value)}' is not an http\(s\) address\n  hint: ")


def test_i7e_release_files_are_addressed_beside_the_homepage(seeds, tmp_path):
    from publish import release, sources

    _edit(seeds / MANIFEST, 'homepage = ""', 'homepage = "https://data.example.no/lofter"')
    corpus = sources.load_corpus(seeds)
    (tmp_path / "baerum-lofter-1.0.0.zip").write_bytes(b"zip")
    record = release.dcat_record(corpus, [tmp_path / "baerum-lofter-1.0.0.zip"], corpus.dataset.homepage)
    assert record["dcat:distribution"][0]["dcat:accessURL"] == {"@id": "https://data.example.no/lofter/baerum-lofter-1.0.0.zip"}


# ---- C12: one header check for every CSV read --------------------------------------------------------


@pytest.mark.build  # runs `publish build` in-process
def test_c12_a_column_named_twice_in_an_editorial_csv(capsys, seeds, previous):
    path = seeds / "topic_overrides.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("pledge_id,topic_id,reason", "pledge_id,topic_id,topic_id", 1), encoding="utf-8")
    build_fails(
        capsys, seeds, previous,
        r"^error: \S*seeds/topic_overrides.csv:1: the header names the column 'topic_id' twice \(columns 2 and 3\)\n  hint: give each column one name\n$",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("name", "header", "expected"),
    [
        ("relations.csv", "pledge_a,pledge_b,relation,pledge_b", "'pledge_b' twice (columns 2 and 4)"),
        ("topic_labels.csv", "dataset,pledge_id,topic_id,text,labeller,dataset", "'dataset' twice (columns 1 and 6)"),
        ("pair_labels.csv", "dataset,actor_a,text_a,actor_b,text_b,relation,origin,relation", "'relation' twice (columns 6 and 8)"),
    ],
)
def test_c12_one_header_check_for_every_csv_the_build_reads(tmp_path, name, header, expected):
    import polars as pl

    from publish import evaluate, relate
    from publish.errors import InputError

    (tmp_path / name).write_text(f"{header}\n", encoding="utf-8")
    empty = pl.DataFrame(schema={"pledge_id": pl.String, "actor_id": pl.String, "text": pl.String})
    read = {"relations.csv": lambda: relate.load_editorial(tmp_path, empty), "pair_labels.csv": lambda: evaluate.load_pair_labels(tmp_path)}
    with pytest.raises(InputError) as raised:
        read.get(name, lambda: evaluate._read(tmp_path / name))()
    assert str(raised.value) == f"{tmp_path / name}:1: the header names the column {expected}\n  hint: give each column one name"


def test_c12_diff_checks_the_header_the_same_way(capsys, version):
    path = version / "data" / "pledges.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    columns = lines[0].split(",")
    lines[0] = ",".join(columns + ["text"])
    path.write_text("\n".join(line + ",x" if line and n else line for n, line in enumerate(lines)), encoding="utf-8")
    assert cli.main(["diff", str(DIFF_V1), str(version)]) == 2
    column = columns.index("text") + 1
    expected = f"pledges.csv:1: the header names the column 'text' twice (columns {column} and {len(columns) + 1})"
    assert expected in capsys.readouterr().err


def test_a_newline_in_a_folder_name_starts_no_line_of_its_own(capsys, tmp_path):
    """A seeds folder named to print a fake line: its name is escaped, the message stays one line."""
    seeds = tmp_path / "seeds\nerror: alt i orden"
    seeds.mkdir()
    assert cli.main(["build", "--seeds", str(seeds), "--package", str(tmp_path / "dp"), "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == f"error: {tmp_path}/seeds\\x0aerror: alt i orden/sources.toml: file not found\n"
