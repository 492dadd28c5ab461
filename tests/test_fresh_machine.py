"""A fresh machine gets the same outputs: locked dependencies, the text libraries that decide the PDFs'
bytes, committed files free of anything machine-made, and publishing that is all or nothing (a
failed rename, a kill, SIGTERM), with nothing stale and no path built from input leaving its folder."""

from __future__ import annotations

import dataclasses
import errno
import fcntl
import hashlib
import importlib.metadata
import inspect
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from pypdf import PdfReader

from publish import booklet, outputs, release, render, site
from publish.build import Paths, StageLog, _terminate_as_interrupt, build
from publish.errors import InputError
from publish.outputs import Publication, output_path, safe_name
from publish.sources import load_corpus
from tests.conftest import ROOT, SEEDS, Built

LOCK = ROOT / "requirements.lock"
STAGED = outputs.STAGING_MARK


# ---- the lock file ------------------------------------------------------------------------------


def _locked() -> dict[str, tuple[Requirement, list[str]]]:
    """name -> (requirement with its marker, sha256 hashes) for every entry of the lock that applies here."""
    text = LOCK.read_text(encoding="utf-8").replace("\\\n", " ")
    entries: dict[str, tuple[Requirement, list[str]]] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip() if line.lstrip().startswith("#") else line.strip()
        if not line:
            continue
        spec, *hashes = re.split(r"\s+--hash=", line)
        requirement = Requirement(spec.strip())
        if requirement.marker is None or requirement.marker.evaluate():
            entries[canonicalize_name(requirement.name)] = (requirement, hashes)
    return entries


def test_lock_pins_every_package_exactly_with_hashes():
    locked = _locked()
    assert len(locked) > 50
    for name, (requirement, hashes) in locked.items():
        specifiers = list(requirement.specifier)
        assert len(specifiers) == 1 and specifiers[0].operator == "==", f"{name} is not pinned: {requirement}"
        assert hashes and all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in hashes), f"{name} has no sha256 hash"


def test_lock_covers_the_dependencies_the_test_extra_and_the_build_backend():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    wanted = [
        *project["project"]["dependencies"],
        *project["project"]["optional-dependencies"]["test"],
        *project["build-system"]["requires"],
    ]
    locked = _locked()
    for line in wanted:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{name} is not in requirements.lock: run `make lock`"
        assert requirement.specifier.contains(str(next(iter(locked[name][0].specifier)).version)), f"{name}: lock out of date"


def test_the_venv_has_exactly_the_locked_versions():
    for name, (requirement, _) in _locked().items():
        pinned = next(iter(requirement.specifier)).version
        assert importlib.metadata.version(name) == pinned, f"{name}: installed {importlib.metadata.version(name)}, locked {pinned}"


def _make_dry_run(*args: str) -> str:
    result = subprocess.run(["make", "-n", *args], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("changed", ["requirements.lock", "pyproject.toml"])
def test_make_reinstalls_from_the_lock_when_it_or_pyproject_changes(changed):
    commands = _make_dry_run("-W", changed, ".venv/.installed")
    assert "pip install --quiet --no-deps --require-hashes -r requirements.lock" in commands
    assert "pip check" in commands  # the lock is whole: nothing it names depends on an unlocked package
    assert "pip install --quiet --no-deps --no-build-isolation -e ." in commands
    assert "--upgrade" not in commands  # nothing unlocked


def test_make_lock_compiles_with_hashes_for_every_platform():
    commands = _make_dry_run("lock")
    assert re.search(r"uv pip compile .*--universal --generate-hashes --extra test", commands)
    assert "--output-file requirements.lock pyproject.toml -" in commands


def test_make_test_installs_every_command_the_tests_run():
    """A command a test runs that `make test` does not install fails on a fresh machine only (pdftotext did)."""
    run = re.compile(r'subprocess\.\w+\(\s*\[\s*"([^"]+)"|shutil\.which\(\s*"([^"]+)"')
    sources = [path.read_text(encoding="utf-8") for path in (ROOT / "tests").glob("*.py")]
    commands = {name for text in sources for match in run.findall(text) for name in match if name}
    installed = re.search(r"^TEST_TOOLS := (.*)$", (ROOT / "Makefile").read_text(encoding="utf-8"), re.MULTILINE).group(1)
    tools = {pair.split(":")[0] for pair in installed.split()}
    assert {"pdftotext", "chromium"} <= commands  # the pattern finds both ways the tests name a command
    assert commands - tools <= {"make", "git", "chromium-browser"}  # what ran `make`; Ubuntu's name for chromium


# ---- the text libraries that decide the PDFs' bytes --------------------------------------------


def test_fonts_were_subset_with_harfbuzz(built: Built):
    """make installs libharfbuzz-subset0; without it WeasyPrint falls back to fontTools and other bytes."""
    lines = [line for line in built.log if line.startswith(("pdf ", "pdf-a5"))]
    assert len(lines) == 2
    assert all("fonts subset by HarfBuzz (" in line for line in lines), lines
    assert render.text_engine().harfbuzz_subset and render.text_engine().subsetter == "HarfBuzz"


def test_weasyprint_still_announces_its_fonttools_fallback():
    """The subsetter is read off WeasyPrint's public logger: the message must still be the one we look for."""
    from weasyprint.pdf.fonts import Font

    assert render.FONTTOOLS_FALLBACK in inspect.getsource(Font.subset)
    warnings: list[str] = []
    collect = render._Collect(warnings)
    collect.emit(logging.makeLogRecord({"msg": render.FONTTOOLS_FALLBACK + ' for font "%s". This will …', "args": ("Noto",)}))
    collect.emit(logging.makeLogRecord({"msg": "Ignored `foo: bar` at 1:1, unknown property."}))
    assert collect.subsetter == "fontTools" and warnings == ["Ignored `foo: bar` at 1:1, unknown property."]


@pytest.mark.build
def test_text_engine_versions_are_the_ones_weasyprint_reports():
    engine = render.text_engine()
    assert re.fullmatch(r"\d+\.\d+\.\d+", engine.pango) and re.fullmatch(r"\d+\.\d+\.\d+", engine.harfbuzz)
    info = subprocess.run([sys.executable, "-m", "weasyprint", "--info"], capture_output=True, text=True, timeout=60).stdout
    major, minor, micro = (int(part) for part in engine.pango.split("."))
    assert f"Pango version: {major * 10000 + minor * 100 + micro}" in info


@pytest.mark.parametrize("name", ["report.pdf", "report-booklet.pdf"])
def test_pdf_metadata_names_pango_and_harfbuzz(built: Built, name: str):
    engine = render.text_engine()
    creator = PdfReader(built.paths.out / name).metadata["/Creator"]
    assert creator == f"publish; Pango {engine.pango}, HarfBuzz {engine.harfbuzz}"


# ---- committed files are the same on every machine ---------------------------------------------


def test_committed_package_holds_nothing_machine_made(built: Built):
    """No checksum or size of a PDF, zip or workbook in datapackage/: those bytes depend on system libraries."""
    machine_made = [p for p in (built.paths.out / "release").iterdir() if p.suffix in {".pdf", ".zip", ".xlsx"}]
    assert len(machine_made) == 4
    committed = {p: p.read_bytes() for p in (ROOT / "datapackage").rglob("*") if p.is_file()}
    assert not [p for p in committed if p.suffix == ".jsonld"]
    for path in machine_made:
        digest = hashlib.sha256(path.read_bytes()).hexdigest().encode()
        assert not [p for p, data in committed.items() if digest in data], path.name
    assert (built.paths.out / "release" / release.DCAT_NAME).is_file()


# ---- publishing all or nothing -----------------------------------------------------------------


def _snapshot(*folders: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for folder in folders for p in sorted(folder.rglob("*")) if p.is_file()}


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") and outputs.STAGING_MARK in p.name)


def _stage_new(publication: Publication, package: Path, out: Path) -> None:
    new_package = publication.folder(package)
    (new_package / "datapackage.json").write_text("new package\n")
    new_out = publication.files(out, owned=("datapackage.zip", "workbook.xlsx", "report.pdf", "release", "site"))
    (new_out / "release").mkdir()
    for name in ("datapackage.zip", "workbook.xlsx", "release/SHA256SUMS"):
        (new_out / name).write_text(f"new {name}\n")


def _staged(path: Path) -> str | None:
    """'new' or 'old' for a path in a staging folder (what the build made, what it replaced), else None."""
    parts = path.parts
    for index, part in enumerate(parts[:-1]):
        if STAGED in part:
            return parts[index + 1]
    return None


def _failing_replace(monkeypatch, fails) -> None:
    """os.replace, but raising where `fails(source, destination)` says (EPERM, as for a `chattr +i` file)."""
    real = os.replace

    def replace(source, destination):
        if fails(Path(source), Path(destination)):
            raise PermissionError(errno.EPERM, os.strerror(errno.EPERM), str(source), None, str(destination))
        return real(source, destination)

    monkeypatch.setattr(os, "replace", replace)


def test_publication_puts_new_files_in_place_and_removes_what_was_not_made(previous):
    package, out = previous
    with Publication() as publication:
        _stage_new(publication, package, out)
    assert _snapshot(package, out) == {
        str(package / "datapackage.json"): b"new package\n",
        str(out / "datapackage.zip"): b"new datapackage.zip\n",
        str(out / "notes.txt"): b"not the build's\n",  # not the build's: left alone
        str(out / "release" / "SHA256SUMS"): b"new release/SHA256SUMS\n",
        str(out / "workbook.xlsx"): b"new workbook.xlsx\n",
        str(out / outputs.MARKER): outputs.marker_text("baerum-lofter").encode(),  # not staged anew here: left alone
    }
    assert _leftovers(package.parent) == []


@pytest.mark.parametrize(
    ("failing", "move"),
    [
        ("datapackage", "aside"),
        ("datapackage", "in"),
        ("datapackage.zip", "aside"),
        ("workbook.xlsx", "in"),
        ("release", "aside"),
        ("release", "in"),
        ("report.pdf", "aside"),  # not made this time: it is removed, and cannot be
    ],
)
def test_a_failed_rename_leaves_every_output_as_it_was(previous, monkeypatch, failing, move):
    package, out = previous
    before = _snapshot(package, out)
    if move == "aside":  # the previous output cannot be moved away (as if `chattr +i`)
        _failing_replace(monkeypatch, lambda source, destination: source.name == failing and _staged(destination) == "old")
    else:  # the new one cannot be put in its place
        _failing_replace(monkeypatch, lambda source, destination: destination.name == failing and _staged(source) == "new")
    with pytest.raises(InputError) as caught, Publication() as publication:
        _stage_new(publication, package, out)
    assert str(caught.value).split("\n")[0] == (
        f"{(package if failing == 'datapackage' else out / failing).resolve()}: cannot put this output in place: "
        "Operation not permitted; no output was changed"
    )
    assert _snapshot(package, out) == before
    assert _leftovers(package.parent) == []


def test_when_undoing_fails_too_the_error_says_exactly_what_is_new(previous, monkeypatch):
    """The new zip is put in place and then cannot be moved any more; then report.pdf cannot be removed."""
    package, out = previous
    zip_path = (out / "datapackage.zip").resolve()
    placed = []

    def fails(source: Path, destination: Path) -> bool:
        if placed and zip_path in (source, destination):
            return True
        if destination == zip_path and STAGED in str(source):
            placed.append(True)
            return False
        return destination.name == "report.pdf" and STAGED in str(destination)

    _failing_replace(monkeypatch, fails)
    with pytest.raises(InputError) as caught, Publication() as publication:
        _stage_new(publication, package, out)
    message = str(caught.value).split("\n")[0]
    kept = sorted(out.parent.glob(".build-kept-*/datapackage.zip"))
    assert len(kept) == 1 and kept[0].read_text() == "previous datapackage.zip\n"
    assert message == (
        f"{(out / 'report.pdf').resolve()}: cannot put this output in place: Operation not permitted; "
        f"undoing failed: now new: {zip_path}; previous versions kept in: {kept[0].resolve()}"
    )
    assert (out / "datapackage.zip").read_text() == "new datapackage.zip\n"
    assert (out / "workbook.xlsx").read_text() == "previous workbook.xlsx\n"
    assert (package / "datapackage.json").read_text() == "previous package\n"
    assert _leftovers(package.parent) == []


@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_sigterm_while_publishing_undoes_every_move(previous, monkeypatch, number):
    """The signal arrives while the new workbook is put in place, after several outputs were."""
    package, out = previous
    before = _snapshot(package, out)
    real = os.replace

    def replace(source, destination):
        if Path(source).name == "workbook.xlsx" and _staged(Path(source)) == "new":
            os.kill(os.getpid(), number)
        return real(source, destination)

    monkeypatch.setattr(os, "replace", replace)
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    with pytest.raises(KeyboardInterrupt), _terminate_as_interrupt(), Publication() as publication:  # as build() runs it
        _stage_new(publication, package, out)
    assert {s: signal.getsignal(s) for s in handlers} == handlers
    assert _snapshot(package, out) == before and _leftovers(package.parent) == []


FAIL_ON_WORKBOOK = """
import errno, os, sys
from pathlib import Path

real = os.replace


def replace(source, destination):
    '''The new workbook cannot be put in place, as if build/workbook.xlsx were immutable (chattr +i).'''
    if Path(destination).name == "workbook.xlsx" and Path(source).parent.name == "new" and "-staging-" in str(source):
        raise PermissionError(errno.EPERM, os.strerror(errno.EPERM), str(source), None, str(destination))
    return real(source, destination)


if __name__ == "__main__":
    os.replace = replace
    from publish.cli import main

    sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.build
def test_a_build_whose_workbook_cannot_be_put_in_place_changes_nothing(previous, tmp_path):
    package, out = previous
    script = tmp_path / "fail_on_workbook.py"
    script.write_text(FAIL_ON_WORKBOOK)
    before = _snapshot(package, out)
    command = [sys.executable, str(script), "build", "--seeds", str(SEEDS), "--package", str(package), "--out", str(out), "--no-report"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(
        f"error: {(out / 'workbook.xlsx').resolve()}: cannot put this output in place: Operation not permitted; no output was changed\n"
    ), result.stderr
    assert "Traceback" not in result.stderr
    assert _snapshot(package, out) == before and _leftovers(tmp_path) == []


# ---- leftovers of a killed build ---------------------------------------------------------------


def test_leftovers_are_removed_but_a_live_builds_staging_is_not(previous):
    package, out = previous
    dead = [out.parent / ".build-staging-dead1abc", package.parent / ".datapackage-staging-dead2abc", out.parent / ".build-old-1234abcd"]
    for folder in dead:
        (folder / "new").mkdir(parents=True)
        (folder / "new" / "report.pdf").write_text("orphan")
    live = out.parent / ".build-staging-live1abc"
    live.mkdir()
    lock = os.open(live, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(lock, fcntl.LOCK_EX)  # held as a running build holds its staging folder
    try:
        with Publication() as publication:
            _stage_new(publication, package, out)
        assert _leftovers(out.parent) == [".build-staging-live1abc"]
        assert not any(folder.exists() for folder in dead)
    finally:
        os.close(lock)


def test_staging_folders_are_git_ignored():
    for path in (".build-staging-k2j4x/new/report.pdf", ".datapackage-staging-abc/new/datapackage.json", ".build-old-123/x"):
        result = subprocess.run(["git", "check-ignore", "--no-index", "-q", path], cwd=ROOT, capture_output=True)
        assert result.returncode == 0, path


def _children(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


def _cmdline(pid: int) -> str:
    """A process's command line, or "" when it has ended since /proc was listed."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_text()
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _start_build_and_wait_for_layout(package: Path, out: Path) -> tuple[subprocess.Popen, list[int]]:
    """A real build, stopped while report.pdf is laid out and the helper lays out the A5 pages."""
    command = [sys.executable, "-m", "publish", "build", "--seeds", str(SEEDS), "--package", str(package), "--out", str(out)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in process.stdout:
        if line.startswith("html"):
            break
    time.sleep(1)
    helpers = [pid for pid in _children(process.pid) if "multiprocessing" in _cmdline(pid)]
    assert helpers, "no helper process found"
    return process, helpers


def _gone_within(pids: list[int], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(_alive(pid) for pid in pids):
            return True
        time.sleep(0.1)
    return False


@pytest.mark.build
def test_kill_9_stops_the_helper_and_the_next_build_removes_the_leftovers(previous, tmp_path):
    package, out = previous
    before = _snapshot(package, out)
    process, helpers = _start_build_and_wait_for_layout(package, out)
    process.kill()
    process.wait(timeout=30)
    assert _gone_within(helpers, 5), "the helper outlived the build"
    stderr = process.stderr.read()  # the helper shares it: nothing from it either
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr, stderr
    assert _snapshot(package, out) == before
    assert len(_leftovers(tmp_path)) == 2  # what kill -9 leaves: the two staging folders
    again = subprocess.run(
        [sys.executable, "-m", "publish", "build", "--seeds", str(SEEDS), "--package", str(package), "--out", str(out), "--no-report"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert again.returncode == 0, again.stderr
    assert _leftovers(tmp_path) == []


@pytest.mark.build
def test_sigterm_stops_the_build_like_ctrl_c(previous, tmp_path):
    package, out = previous
    before = _snapshot(package, out)
    process, helpers = _start_build_and_wait_for_layout(package, out)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode in (130, 143)
    assert stderr == "interrupted: no output was changed\n"
    assert _gone_within(helpers, 5)
    assert _snapshot(package, out) == before and _leftovers(tmp_path) == []


# ---- build/ depends on the seeds only ----------------------------------------------------------


@pytest.mark.build
def test_a_build_without_the_report_leaves_no_stale_pdfs_or_pages(previous):
    package, out = previous
    (out / "release" / "baerum-lofter-1.0.0.pdf").write_text("a stale release PDF")
    (out / "release" / "baerum-lofter-0.9.0.zip").write_text("an older release")
    build(Paths(seeds=SEEDS, package=package, out=out, report=False), StageLog(echo=lambda _: None))
    listed = {line.split("  ")[1] for line in (out / "release" / "SHA256SUMS").read_text().splitlines()}
    assert sorted(p.name for p in (out / "release").iterdir()) == sorted([*listed, "SHA256SUMS", release.DCAT_NAME])
    expected = [outputs.MARKER, ".embeddings", "datapackage.zip", "evaluation.json", "notes.txt", "release", "workbook.xlsx"]
    assert sorted(p.name for p in out.iterdir()) == sorted(expected)


# ---- paths built from input stay in their folder -----------------------------------------------


@pytest.mark.parametrize("name", ["../../../../pwn-name", "/etc/cron.d/x", "Baerum", "-rf", "", "a/b", "bolig\x1b[31m"])
def test_unsafe_names_are_refused(name):
    with pytest.raises(InputError, match="cannot be part of a file name"):
        safe_name(name, "topic id", Path("topics.toml"))


def test_output_path_refuses_a_symlink_out_of_its_folder(tmp_path):
    root = tmp_path / "site"
    root.mkdir()
    (root / "tema").symlink_to(tmp_path, target_is_directory=True)
    assert output_path(root, "index.html") == root / "index.html"
    with pytest.raises(InputError, match="would be written outside"):
        output_path(root, "tema", "bolig.html")
    with pytest.raises(InputError, match="would be written outside"):
        output_path(root, "..", "x.html")


def test_a_hostile_dataset_name_is_refused_with_its_manifest_line(tmp_path):
    corpus = load_corpus(SEEDS)
    hostile = dataclasses.replace(corpus, dataset=dataclasses.replace(corpus.dataset, name="../../../../pwn-name"))
    manifest = tmp_path / "seeds" / "sources.toml"
    manifest.parent.mkdir()
    manifest.write_text(
        (SEEDS / "sources.toml").read_text(encoding="utf-8").replace('name = "baerum-lofter"', 'name = "../../../../pwn-name"')
    )
    line = next(n for n, text in enumerate(manifest.read_text().splitlines(), 1) if "pwn-name" in text)
    hostile = dataclasses.replace(hostile, seeds_dir=manifest.parent)
    out = tmp_path / "a" / "b" / "c" / "d" / "out"
    (out / "workbook.xlsx").parent.mkdir(parents=True)
    (out / "workbook.xlsx").write_text("x")
    with pytest.raises(InputError) as caught:
        release.write_release(hostile, out)
    assert str(caught.value) == (
        f"{manifest}:{line}: dataset name '../../../../pwn-name' cannot be part of a file name\n"
        "  hint: use lowercase letters a-z, digits and hyphens (not first), like 'lofter-2027'"
    )
    assert not [p for p in tmp_path.rglob("*pwn*")]


def test_a_hostile_topic_id_writes_no_page_outside_the_site(built: Built, tmp_path):
    model = booklet.BookletModel(load_corpus(SEEDS), built.frames, {}, "a4")
    model.chapters[0].topic["topic_id"] = "../../../../pwned-bolig"
    out = tmp_path / "a" / "out"
    with pytest.raises(InputError, match=r"topics.toml(:\d+)?: topic id '../../../../pwned-bolig' cannot be part of a file name"):
        site.write_site(load_corpus(SEEDS), model, out, ROOT / "report_templates")
    assert not list(tmp_path.rglob("pwned-bolig*")) and list((out / "site" / "tema").iterdir()) == []


@pytest.mark.build
def test_a_hostile_dataset_name_in_the_manifest_fails_the_build_and_writes_nothing_outside(tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    manifest = seeds / "sources.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace('name = "baerum-lofter"', 'name = "../../../../pwn-name"'))
    out = tmp_path / "deep" / "er" / "still" / "out"
    command = [sys.executable, "-m", "publish", "build", "--seeds", str(seeds), "--package", str(tmp_path / "dp"), "--out", str(out)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert re.match(r"error: .*sources.toml:\d+: .*pwn-name", result.stderr), result.stderr
    assert not [p for p in tmp_path.rglob("*pwn*")] and not out.exists()
