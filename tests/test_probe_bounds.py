"""Bounded work and legal input (issue #24): the probe's cases and cases of our own design.

Each hostile case must end with exit status 2, one message that names the file and what to do, no
traceback, and stay under 500 MB; the subprocess timeout only stops a hang (times are in bench/).
Each legal case must give the right output. Results of the probe, case by case, are in docs/bounds.md.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import ROOT

# Each case runs `python -m publish validate` or `diff` as a user does, in a process of its own.
pytestmark = pytest.mark.build

HANG = 120  # seconds: a guard against a hang, not a speed target (those are in bench/)
MEMORY_MB = 500


# Runs the command as its only child and writes that child's peak RSS (KiB) to PEAK_FILE: the test
# process's own RUSAGE_CHILDREN is the largest of every child the whole suite waited for so far.
_MEASURED = (
    "import os, resource, subprocess, sys; code = subprocess.run(sys.argv[1:]).returncode; "
    "open(os.environ['PEAK_FILE'], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)); sys.exit(code)"
)


def _run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """`python -m publish ARGS`, with the peak memory of that process alone as `.peak_mb`."""
    with tempfile.NamedTemporaryFile("r", suffix=".peak") as peak:
        command = [sys.executable, "-c", _MEASURED, sys.executable, "-m", "publish", *args]
        environment = {**(env if env is not None else os.environ), "PEAK_FILE": peak.name}
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=HANG, env=environment)
        result.peak_mb = int(peak.read() or 0) / 1024
    return result


def _fails(result: subprocess.CompletedProcess, expected: str) -> str:
    """Exit 2, one message matching `expected` (a regular expression), no traceback, within MEMORY_MB."""
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    message = result.stderr.strip()
    assert message.startswith("error: ") and len(message.splitlines()) <= 2, message
    assert re.search(expected, message), f"{expected!r} not in {message!r}"
    assert result.peak_mb < MEMORY_MB, result.peak_mb
    return message


# ---- publish validate ------------------------------------------------------------------------------------


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A private copy of the committed data package, to break."""
    target = tmp_path / "pakke"
    shutil.copytree(ROOT / "datapackage", target)
    return target


def _descriptor(package: Path) -> dict:
    return json.loads((package / "datapackage.json").read_text(encoding="utf-8"))


def _save(package: Path, descriptor: dict) -> None:
    (package / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")


def _resource(descriptor: dict, name: str) -> dict:
    return next(r for r in descriptor["resources"] if r["name"] == name)


def _only(package: Path, name: str) -> dict:
    """The package with `name` as its one resource, without its hash and size (the test changes the file)
    and foreign keys (the other resources are gone)."""
    descriptor = _descriptor(package)
    entry = _resource(descriptor, name)
    entry.pop("hash"), entry.pop("bytes"), entry["schema"].pop("foreignKeys", None)
    descriptor["resources"] = [entry]
    return descriptor


def test_v05_a_catastrophic_pattern_is_matched_in_linear_time(package):
    """`(a|aa)+$` on 61 characters took Python's engine past 120 s; RE2 answers at once, with the usual error."""
    descriptor = _only(package, "actors")
    field = next(f for f in _resource(descriptor, "actors")["schema"]["fields"] if f["name"] == "name")
    field["constraints"] = {"pattern": "(a|aa)+$"}
    _save(package, descriptor)
    rows = [row.split(",") for row in (package / "data" / "actors.csv").read_text(encoding="utf-8").splitlines()]
    at = rows[0].index("name")
    for number, row in enumerate(rows[1:]):
        row[at] = "a" * 60 + "b" if number == 0 else "aaa"
    (package / "data" / "actors.csv").write_text("".join(",".join(row) + "\n" for row in rows), encoding="utf-8")
    result = _run("validate", str(package))
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith(f'actors: The cell "{"a" * 60}b" in row at position "2" and field "name"')
    assert 'constraint "pattern" is "(a|aa)+$"' in result.stdout and result.stdout.endswith(": 1 errors\n")


def test_v05_a_pattern_re2_cannot_bound_is_refused(package):
    descriptor = _only(package, "actors")
    field = next(f for f in _resource(descriptor, "actors")["schema"]["fields"] if f["name"] == "name")
    field["constraints"] = {"pattern": r"(a+)\1"}
    _save(package, descriptor)
    _fails(
        _run("validate", str(package)),
        r"datapackage.json: resource 'actors': field 'name': pattern '\(a\+\)\\\\1' is not one RE2 can match in bounded time"
        r".*\n  hint: an untrusted package's patterns use RE2 syntax",
    )


def test_v05_the_pattern_engine_is_where_frictionless_compiles_patterns():
    """The one place we stand in for a library: Frictionless must still compile a field's pattern through
    the name `re` of frictionless.schema.field, or RE2 would silently not be used (publish.package)."""
    import inspect

    from frictionless.schema import field

    assert 're.compile("^{0}$".format(constraint))' in inspect.getsource(field.Field.create_cell_reader)


def _bomb(path: Path, size: int) -> None:
    """A gzip file of `size` zero bytes, written in chunks (2 GiB of zeros is 2 MB of gzip)."""
    chunk = bytes(2**24)
    with gzip.open(path, "wb", compresslevel=9) as handle:
        for _ in range(size // len(chunk)):
            handle.write(chunk)


@pytest.fixture(scope="module")
def gzip_bomb(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("bomb") / "actors.csv.gz"
    _bomb(path, 2 * 2**30)
    return path


@pytest.mark.parametrize("declared", [False, True], ids=["by-suffix", "by-compression-key"])
def test_v07_a_gzip_bomb_is_stopped_at_the_data_cap(package, gzip_bomb, declared):
    """2 MB of gzip expanding to 2 GiB: counted as it streams, stopped at 128 MiB, nothing kept."""
    descriptor = _only(package, "actors")
    name = "actors.gz" if declared else "actors.csv.gz"
    shutil.copy(gzip_bomb, package / "data" / name)
    _resource(descriptor, "actors")["path"] = f"data/{name}"
    if declared:
        _resource(descriptor, "actors")["compression"] = "gz"
    _save(package, descriptor)
    _fails(
        _run("validate", str(package)),
        rf"datapackage.json: resource 'actors': '{re.escape(name)}' expands past 128 MiB of data\n  hint: validate bounds the work",
    )


def test_v08_a_zip_bomb_leaves_no_temporary_file(package, tmp_path):
    """A .csv.zip of 2 GiB: refused from its stream, and nothing is written to the temporary folder."""
    descriptor = _only(package, "actors")
    with zipfile.ZipFile(package / "data" / "actors.csv.zip", "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("actors.csv", "w", force_zip64=True) as member:
            chunk = bytes(2**24)
            for _ in range(2 * 2**30 // len(chunk)):
                member.write(chunk)
    _resource(descriptor, "actors")["path"] = "data/actors.csv.zip"
    _save(package, descriptor)
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    result = _run("validate", str(package), env={**os.environ, "TMPDIR": str(temporary)})
    _fails(result, r"resource 'actors': 'actors.csv.zip' expands past 128 MiB of data")
    assert list(temporary.iterdir()) == []


def test_v08_a_valid_zipped_resource_validates_and_leaves_nothing(package, tmp_path):
    """The legal case of V08: a small .csv.zip is unzipped (by Frictionless) into validate's own folder,
    which is gone afterwards."""
    descriptor = _only(package, "actors")
    with zipfile.ZipFile(package / "data" / "actors.csv.zip", "w") as archive:
        archive.write(package / "data" / "actors.csv", "actors.csv")
    _resource(descriptor, "actors")["path"] = "data/actors.csv.zip"
    _save(package, descriptor)
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    result = _run("validate", str(package), env={**os.environ, "TMPDIR": str(temporary)})
    assert (result.returncode, result.stderr) == (0, ""), result.stdout
    assert list(temporary.iterdir()) == []


def test_v09_json_nested_100000_deep(package):
    (package / "datapackage.json").write_text('{"resources": [], "x": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    _fails(_run("validate", str(package)), r"pakke/datapackage.json: JSON nested more than 32 levels deep\n  hint:")


def test_v09_a_schema_file_nested_too_deep(package):
    """A schema given as a file is held to the descriptor's bounds too."""
    descriptor = _only(package, "actors")
    (package / "schema.json").write_text('{"fields": ' + "[" * 40 + "]" * 40 + "}", encoding="utf-8")
    _resource(descriptor, "actors")["schema"] = "schema.json"
    _save(package, descriptor)
    _fails(_run("validate", str(package)), r"pakke/schema.json: JSON nested more than 32 levels deep")


@pytest.mark.parametrize("trusted", [False, True], ids=["untrusted", "trusted"])
def test_v19_a_fifo_as_a_resource_path(package, trusted):
    """Reading a FIFO waits forever for a writer: refused before anything opens it, trusted or not."""
    descriptor = _only(package, "actors")
    os.mkfifo(package / "data" / "ror.csv")
    _resource(descriptor, "actors")["path"] = "data/ror.csv"
    _save(package, descriptor)
    extra = ("--trusted",) if trusted else ()
    _fails(_run("validate", str(package), *extra), r"resource 'actors': 'ror.csv' is a FIFO, not a regular file\n  hint:")


def test_probe_a_link_to_dev_zero_as_a_resource(package):
    """A device never ends: refused like a FIFO (the link stays inside the folder, the device does not count)."""
    descriptor = _only(package, "actors")
    (package / "data" / "null.csv").symlink_to("/dev/zero")
    _resource(descriptor, "actors")["path"] = "data/null.csv"
    _save(package, descriptor)
    _fails(_run("validate", str(package), "--trusted"), r"'null.csv' is a device or socket, not a regular file")


def test_probe_a_folder_as_a_resource(package):
    descriptor = _only(package, "actors")
    (package / "data" / "mappe.csv").mkdir()
    _resource(descriptor, "actors")["path"] = "data/mappe.csv"
    _save(package, descriptor)
    _fails(_run("validate", str(package)), r"resource 'actors': 'mappe.csv' is a folder, not a regular file")


def test_probe_a_descriptor_larger_than_its_bound(package):
    descriptor = _descriptor(package)
    descriptor["description"] = "x" * (17 * 2**20)
    _save(package, descriptor)
    _fails(_run("validate", str(package)), r"datapackage.json: 17,\d{3},\d{3} bytes; a descriptor has at most 16,777,216")


def test_probe_a_corrupt_gzip_is_one_message(package):
    descriptor = _only(package, "actors")
    (package / "data" / "actors.csv.gz").write_bytes(b"\x1f\x8b\x08\x00" + b"not gzip at all" * 10)
    _resource(descriptor, "actors")["path"] = "data/actors.csv.gz"
    _save(package, descriptor)
    _fails(_run("validate", str(package)), r"resource 'actors': 'actors.csv.gz' is not a readable gz file")


def test_probe_a_bz2_bomb_is_stopped_too(package, tmp_path):
    """Every compression Frictionless opens is counted as it streams, bz2 as well as gzip."""
    descriptor = _only(package, "actors")
    with bz2.open(package / "data" / "actors.csv.bz2", "wb") as handle:
        chunk = bytes(2**24)
        for _ in range(40):
            handle.write(chunk)
    _resource(descriptor, "actors")["path"] = "data/actors.csv.bz2"
    _save(package, descriptor)
    _fails(_run("validate", str(package)), r"'actors.csv.bz2' expands past 128 MiB of data")


def test_probe_a_valid_gzipped_resource_validates(package):
    """The legal case of V07: a gzipped resource validates as its plain CSV does."""
    descriptor = _only(package, "actors")
    with gzip.open(package / "data" / "actors.csv.gz", "wb") as handle:
        handle.write((package / "data" / "actors.csv").read_bytes())
    _resource(descriptor, "actors")["path"] = "data/actors.csv.gz"
    _save(package, descriptor)
    result = _run("validate", str(package))
    assert (result.returncode, result.stderr) == (0, ""), result.stdout
    assert result.stdout.endswith("pakke/datapackage.json: 0 errors\n")


def test_probe_temporary_folder_is_restored_after_validation(package):
    """Validation in-process (as the build's helper runs it) leaves Python's temporary folder as it was."""
    from publish.package import validate_package

    before = tempfile.gettempdir()
    assert validate_package(package / "datapackage.json") == []
    assert tempfile.gettempdir() == before


# ---- publish diff ------------------------------------------------------------------------------------------


def _pledges(folder: Path, rows: list[tuple[str, str, str]], section: str = "ap-s1") -> Path:
    """A package folder with data/pledges.csv of (pledge_id, text, topic_id) rows of one actor and section."""
    (folder / "data").mkdir(parents=True)
    with (folder / "data" / "pledges.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["pledge_id", "actor_id", "document_id", "section_id", "text", "topic_id"])
        writer.writerows([pid, "ap", "ap-program", section, text, topic] for pid, text, topic in rows)
    return folder


def test_d04_a_newline_in_a_text_cannot_forge_a_diff_line(tmp_path):
    """A hostile package's text holds a line break and a fake added line: printed escaped, on its own line."""
    old = _pledges(tmp_path / "v1", [("ap-1", "Øke vinterbrøyting.", "samferdsel")])
    forged = "Bygge flere sykkelveier.\n  + Legge ned alle skoler.  [ap-9]\u2028  - x\r"
    new = _pledges(tmp_path / "v2", [("ap-1", "Øke vinterbrøyting.", "samferdsel"), ("ap-2", forged, "samferdsel\nap / skole")])
    result = _run("diff", str(old), str(new))
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == (
        "1 added, 0 removed, 0 changed\n"
        "\n"
        "ap / samferdsel\\x0aap / skole\n"
        "  + Bygge flere sykkelveier.\\x0a  + Legge ned alle skoler.  [ap-9]\\u2028  - x\\x0d  [ap-2]\n"
    )


def test_d03_same_text_under_a_new_id_is_matched_before_any_rewording(tmp_path):
    """Matching by id, then by text: a pledge moved under a new id pairs with its own text even when
    an earlier removed pledge is close to it (the fuzzy pass would have taken it first)."""
    old = _pledges(tmp_path / "v1", [("ap-1", "Bygge nye sykkelveier i hele kommunen.", "t"), ("ap-2", "Bygge sykkelveier i hele kommunen.", "t")])
    new = _pledges(tmp_path / "v2", [("ap-3", "Bygge sykkelveier i hele kommunen.", "t"), ("ap-4", "Bygge nye sykkelveier i hele fylket.", "t")])
    result = _run("diff", str(old), str(new))
    assert result.returncode == 0, result.stderr
    assert "  ~ Bygge sykkelveier i hele kommunen.\n    → Bygge sykkelveier i hele kommunen.  [ap-2 → ap-3]\n" in result.stdout
    assert "  ~ Bygge nye sykkelveier i hele kommunen.\n    → Bygge nye sykkelveier i hele fylket.  [ap-1 → ap-4]\n" in result.stdout


def test_d03_a_rewording_is_found_in_a_section_of_thousands(tmp_path):
    """Beyond FUZZY_ALL added pledges in one section, a removed pledge is compared only with those sharing
    its rarest words; its rewording (sharing them) is still found, and the rest stay added and removed."""
    words = ["skole", "barnehage", "vei", "park", "bibliotek", "svømmehall", "sykehjem", "brannstasjon"]
    texts = [f"Bygge {words[i % 8]} nummer {i} i bydel {words[(i // 8) % 8]}." for i in range(1000)]
    old = _pledges(tmp_path / "v1", [(f"ap-o{i}", text, "t") for i, text in enumerate(texts)] + [("ap-x", "Åpne Kolsåstoppen for turgåere om vinteren.", "t")])
    added = [(f"ap-n{i}", f"Senke eiendomsskatten med {i + 5000} kroner for hver {words[i % 8]}eier.", "t") for i in range(1000)]
    new = _pledges(tmp_path / "v2", added + [("ap-y", "Åpne Kolsåstoppen for alle turgåere om vinteren.", "t")])
    result = _run("diff", str(old), str(new))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("1000 added, 1000 removed, 1 changed\n")
    assert "  ~ Åpne Kolsåstoppen for turgåere om vinteren.\n    → Åpne Kolsåstoppen for alle turgåere om vinteren.  [ap-x → ap-y]\n" in result.stdout


# ---- legal input stays right --------------------------------------------------------------------------------

AP_WEB = "texts/ap-web-arbeid.txt"
FIRST_BULLET = " • Tilby kommunalt ansatte trygge jobber og konkurransedyktig lønn.\n"


def _tables_with(tmp_path: Path, bullets: list[str]) -> dict:
    """The tables of a copy of the seeds whose Ap web page has `bullets` (raw lines) after its first bullet."""
    from publish.extract import extract
    from publish.sources import load_corpus
    from publish.tables import build_tables

    seeds = tmp_path / "seeds"
    shutil.copytree(ROOT / "seeds", seeds)
    text = (seeds / AP_WEB).read_text(encoding="utf-8")
    assert FIRST_BULLET in text
    (seeds / AP_WEB).write_text(text.replace(FIRST_BULLET, FIRST_BULLET + "".join(bullets), 1), encoding="utf-8")
    manifest = (seeds / "sources.toml").read_text(encoding="utf-8")
    entry = manifest.index(f'file = "{AP_WEB}"')
    start = manifest.index("sha256 = ", entry)
    (seeds / "sources.toml").write_text(manifest[:start] + manifest[manifest.index("\n", start) + 1 :], encoding="utf-8")
    corpus = load_corpus(seeds)
    return build_tables(corpus, {d.document_id: extract(d) for d in corpus.documents})


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Bygge 100 nye omsorgsboliger for eldre i kommunen.", "Bygge 1000 nye omsorgsboliger for eldre i kommunen."),
        ("Ferdigstille den nye svømmehallen innen 2026.", "Ferdigstille den nye svømmehallen innen 2028."),
        ("Åpne den nye svømmehallen for alle publikummere.", "Åpne den nye svømmehallen for alle publikummere i mai."),
        (
            "Gjøre Griniveien tryggere for myke trafikanter ved å redusere hastighet og gjennomkjøring.",
            "Gjøre Griniveien og Ringeriksveien tryggere for myke trafikanter ved å redusere hastighet og gjennomkjøring.",
        ),
        ("Bygge flere bomstasjoner på kommunale veier.", "Bygge ikke flere bomstasjoner på kommunale veier."),
    ],
    ids=["x01-number", "year", "month", "street-name", "negation"],
)
def test_x01_pledges_that_differ_in_a_number_a_date_a_name_or_a_negation_stay_two(tmp_path, first, second):
    from rapidfuzz import fuzz

    from publish.text import content_stems, normalise

    # alike enough to have merged before: the ratio, and the shorter's content words all in the longer
    assert fuzz.ratio(normalise(first), normalise(second)) >= 85
    assert min(content_stems(first), content_stems(second), key=len) <= max(content_stems(first), content_stems(second), key=len)
    pledges = _tables_with(tmp_path, [f" • {first}\n", f" • {second}\n"])["pledges"]
    assert pledges.filter(pledges["text"].is_in([first, second])).height == 2


def test_x01_the_same_pledge_reworded_still_merges(tmp_path):
    """The rule keeps the merges it should: a rewording with the same number and the actor's own place."""
    first = "Bygge 100 nye omsorgsboliger for eldre."
    second = "Bygge 100 nye omsorgsboliger for eldre i Bærum."
    tables = _tables_with(tmp_path, [f" • {first}\n", f" • {second}\n"])
    pledges, sources = tables["pledges"], tables["pledge_sources"]
    assert pledges.filter(pledges["text"].is_in([first, second]))["text"].to_list() == [first]
    assert sources.filter(sources["text"] == second)["match"].to_list() == ["near"]


def test_t16_a_form_feed_inside_a_line_is_a_space(tmp_path):
    pledges = _tables_with(tmp_path, [" • Gi flere\flærlingplasser i kommunen.\n"])["pledges"]
    assert "Gi flere lærlingplasser i kommunen." in pledges["text"].to_list()
    assert not any("flerelærling" in text for text in pledges["text"].to_list())


def test_t16_a_form_feed_at_a_line_start_still_opens_a_page(tmp_path):
    from publish.extract import extract
    from tests.conftest import fixture_document

    path = tmp_path / "sider.txt"
    path.write_text("Bolig\n\nVi vil:\n• Bygge flere\fboliger.\n\fSkole\n\nVi vil:\n• Ansette flere lærere.\n", encoding="utf-8")
    extraction = extract(fixture_document(path, "auto"))
    assert extraction.layout.pages == 2
    assert [item.text for item in extraction.items] == ["Bygge flere boliger.", "Ansette flere lærere."]


# ---- print ----------------------------------------------------------------------------------------------------


def test_i9_a_3900_character_word_is_printed_with_break_opportunities(built):
    """A pledge with one legal word of 3,900 characters: the booklet prints it with a zero-width space
    after every 60 characters (its layout time is in bench/README.md); the seeds' words stay whole."""
    import json

    from publish import booklet
    from publish.sources import load_corpus

    word = "".join("abcdefghijklmnoprstuvyæøå"[(i * 7) % 25] for i in range(3_900))
    frames = dict(built.frames)
    pledges = frames["pledges"]
    target = pledges.filter(pledges["kind"] == "pledge")["pledge_id"][0]
    frames["pledges"] = pledges.with_columns(
        text=pl.when(pl.col("pledge_id") == target).then(pl.col("text") + " " + word).otherwise(pl.col("text"))
    )
    corpus = load_corpus(ROOT / "seeds")
    evaluation = json.loads((built.paths.out / "evaluation.json").read_text(encoding="utf-8"))
    html = booklet.render_html(booklet.BookletModel(corpus, frames, evaluation, "a4", corpus.groups[0]))
    assert word not in html
    assert "\u200b".join(word[at : at + 60] for at in range(0, 3_900, 60)) in html
    assert "rehabiliteringsinstitusjonene" in html  # the seeds' longest word, whole
    assert html.count("\u200b") % 64 == 0  # 64 breaks wherever the pledge is printed, and none elsewhere
