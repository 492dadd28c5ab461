"""Nothing a user owns is lost: the folders a build may write, and a publication a `kill -9` cuts short.

The cases P10-P23, F07b and F08a-c of issue #24 (an independent probe's reproductions), each with its
exact message. Argument mistakes are refused before any work, so they are checked in-process.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from publish import outputs
from publish.build import Paths, StageLog, build
from publish.cli import main
from publish.errors import InputError
from tests.conftest import ROOT, SEEDS
from tests.test_fresh_machine import _snapshot, _stage_new


def _refused(capsys, *arguments: str) -> str:
    """The one error line (and hint) of a build refused before any work."""
    code = main(["build", "--no-report", "--seeds", str(SEEDS), *arguments])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err, err
    return err


def _tree_digest(folder: Path) -> str:
    """One hash of every file's path and bytes below `folder` (a build must not change any)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and ".git/" not in p.as_posix() and "/.venv/" not in p.as_posix()):
        digest.update(path.as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def test_p13_the_checkout_as_package_is_refused(capsys):
    before = _tree_digest(ROOT / "seeds"), sorted(p.name for p in ROOT.iterdir()), sorted(p.name for p in ROOT.parent.iterdir())
    err = _refused(capsys, "--package", str(ROOT))
    assert err == f"error: {ROOT}: --package would replace the project's checkout {ROOT}\n  hint: give --package a folder of its own, such as build\n"
    assert (_tree_digest(ROOT / "seeds"), sorted(p.name for p in ROOT.iterdir()), sorted(p.name for p in ROOT.parent.iterdir())) == before


def test_p12_the_seeds_as_package_are_refused(capsys, seeds):
    before = _tree_digest(seeds)
    code = main(["build", "--no-report", "--seeds", str(seeds), "--package", str(seeds)])
    err = capsys.readouterr().err
    assert code == 2
    assert err == f"error: {seeds}: --package would replace the seeds folder {seeds}\n  hint: give --package a folder of its own, such as build\n"
    assert _tree_digest(seeds) == before


def test_an_output_inside_the_seeds_is_refused(capsys, seeds):
    code = main(["build", "--no-report", "--seeds", str(seeds), "--out", str(seeds / "texts" / "build")])
    assert code == 2
    assert capsys.readouterr().err == (
        f"error: {seeds / 'texts' / 'build'}: --out lies inside the seeds folder {seeds}\n  hint: give --out a folder outside the seeds\n"
    )


def test_p11_a_folder_of_other_files_is_refused(capsys, tmp_path):
    thesis = tmp_path / "thesis"
    (thesis / "sub").mkdir(parents=True)
    (thesis / "thesis.txt").write_text("kapittel 1\n")
    (thesis / "sub" / "notes.txt").write_text("notater\n")
    before = _snapshot(thesis)
    err = _refused(capsys, "--package", str(thesis), "--out", str(tmp_path / "out"))
    assert err == (
        f"error: {thesis}: --package is not empty and was not made by a build (it holds sub, thesis.txt and no .publish-output.json);"
        " publishing here would replace it\n  hint: give --package a new or empty folder, or one an earlier build made\n"
    )
    assert _snapshot(thesis) == before and not (tmp_path / "out").exists()


def test_a_git_work_tree_is_refused(capsys, tmp_path):
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    err = _refused(capsys, "--out", str(tmp_path / "repo"), "--package", str(tmp_path / "dp"))
    assert err == f"error: {tmp_path / 'repo'}: --out is a git work tree\n  hint: give --out a folder of its own, such as build\n"


def test_another_datasets_outputs_are_refused(capsys, tmp_path):
    package = tmp_path / "dp"
    package.mkdir()
    (package / outputs.MARKER).write_text(outputs.marker_text("eksempelby"))
    (package / "datapackage.json").write_text("{}\n")
    err = _refused(capsys, "--package", str(package), "--out", str(tmp_path / "out"))
    assert err == (
        f"error: {package}: --package holds the outputs of the dataset 'eksempelby', not of 'baerum-lofter'\n"
        "  hint: give --package another folder, or delete this one yourself if it may go\n"
    )


@pytest.mark.parametrize(
    ("package", "out", "expected"),
    [
        # P23: the package inside --out would be removed as a stale `site`.
        ("o/site", "o", "{tmp}/o: --out contains --package ({tmp}/o/site)"),
        # P22: --out inside --package.
        ("p", "p/out", "{tmp}/p: --package contains --out ({tmp}/p/out)"),
        ("same", "same", "{tmp}/same: --package is the same folder as --out ({tmp}/same)"),
    ],
)
def test_p22_p23_outputs_that_overlap_are_refused(capsys, tmp_path, package, out, expected):
    err = _refused(capsys, "--package", str(tmp_path / package), "--out", str(tmp_path / out))
    assert err == "error: " + expected.format(tmp=tmp_path) + "\n  hint: give each output a folder of its own\n"
    assert list(tmp_path.iterdir()) == []


def test_p10_out_as_a_file_is_refused_before_any_work(capsys, tmp_path):
    (tmp_path / "build").write_text("a file\n")
    err = _refused(capsys, "--out", str(tmp_path / "build"), "--package", str(tmp_path / "dp"))
    assert err == f"error: {tmp_path / 'build'}: --out must be a folder, and this is a file\n  hint: give --out a folder (new or made by a build)\n"
    assert (tmp_path / "build").read_text() == "a file\n" and not (tmp_path / "dp").exists()


# ---- kill -9 while publishing -----------------------------------------------------------------------

KILL_AT_MOVE = """
import os, signal, sys
from pathlib import Path

from publish.outputs import Publication

real, moves = os.replace, []


def stage(publication, package, out):
    '''As tests.test_fresh_machine._stage_new, without its imports (this process starts once per kill).'''
    new_package = publication.folder(package)
    (new_package / "datapackage.json").write_text("new package\\n")
    new_out = publication.files(out, owned=("datapackage.zip", "workbook.xlsx", "report.pdf", "release", "site"))
    (new_out / "release").mkdir()
    for name in ("datapackage.zip", "workbook.xlsx", "release/SHA256SUMS"):
        (new_out / name).write_text(f"new {name}\\n")


def replace(source, destination):
    '''os.replace, killing this process (as kill -9 would) just before the output move numbered KILL_AT.'''
    if not str(destination).endswith((".json", ".part")):  # the journal's own renames are not output moves
        moves.append(destination)
        if len(moves) == int(sys.argv[3]):
            os.kill(os.getpid(), signal.SIGKILL)
    return real(source, destination)


os.replace = replace
with Publication() as publication:
    stage(publication, Path(sys.argv[1]), Path(sys.argv[2]))
print(len(moves))
"""
# The package aside and in; zip, release and workbook aside and in; report.pdf and site aside; then each
# staging folder renamed to -old- before it is removed.
MOVES = 12


def _kill_at(tmp_path: Path, package: Path, out: Path, at: int) -> subprocess.CompletedProcess:
    script = tmp_path / "kill_at_move.py"
    script.write_text(KILL_AT_MOVE)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, str(script), str(package), str(out), str(at)], capture_output=True, text=True, env=env, timeout=60)


def _published(package: Path, out: Path) -> dict[str, bytes]:
    """What the publication of tests.test_fresh_machine._stage_new leaves, whole."""
    return {
        str(package / "datapackage.json"): b"new package\n",
        str(out / "datapackage.zip"): b"new datapackage.zip\n",
        str(out / "notes.txt"): b"not the build's\n",
        str(out / "release" / "SHA256SUMS"): b"new release/SHA256SUMS\n",
        str(out / "workbook.xlsx"): b"new workbook.xlsx\n",
        str(out / outputs.MARKER): outputs.marker_text("baerum-lofter").encode(),
    }


@pytest.mark.build
def test_the_publication_makes_the_moves_the_kill_test_counts(previous, tmp_path):
    package, out = previous
    result = _kill_at(tmp_path, package, out, at=0)
    assert result.returncode == 0 and int(result.stdout) == MOVES
    assert _snapshot(package, out) == _published(package, out)


@pytest.mark.build
@pytest.mark.parametrize("at", range(1, MOVES + 1))
def test_a_kill_at_any_move_is_finished_by_the_next_build_and_loses_nothing(previous, tmp_path, at):
    package, out = previous
    result = _kill_at(tmp_path, package, out, at)
    assert result.returncode == -signal.SIGKILL
    assert list(tmp_path.glob(f".*{outputs.JOURNAL_MARK}")), "the journal names the moves"
    outputs.recover(package, out)
    assert _snapshot(package, out) == _published(package, out)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no journal, staging or old folder


def test_f07b_previous_outputs_a_failed_undo_left_in_staging_are_kept_by_the_next_build(previous, monkeypatch):
    """The new zip is placed and cannot be moved back, and the earlier zip cannot be moved to a -kept- folder either."""
    package, out = previous
    staging = out.parent / ".build-staging-failed"
    (staging / "old").mkdir(parents=True)
    (staging / "old" / "datapackage.zip").write_text("previous datapackage.zip\n")
    with outputs.Publication() as publication:
        _stage_new(publication, package, out)
    assert (staging / "old" / "datapackage.zip").read_text() == "previous datapackage.zip\n"


BUILD_KILLED_AT_MOVE = """
import os, signal, sys

real, moves = os.replace, []


def replace(source, destination):
    if not str(destination).endswith((".json", ".part")):
        moves.append(destination)
        if len(moves) == int(os.environ["KILL_AT"]):
            os.kill(os.getpid(), signal.SIGKILL)
    return real(source, destination)


if __name__ == "__main__":
    os.replace = replace
    from publish.cli import main

    sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.build
@pytest.mark.parametrize("at", [1, 3])
def test_f08_a_build_killed_while_publishing_then_a_failing_build_loses_nothing(seeds, tmp_path, at):
    """F08a: killed between the package's two moves (no datapackage/ at all); F08b: later, a half-published mix.
    F08c: the next build fails on a manifest typo, and must not remove the only copy of a package."""
    package, out = tmp_path / "dp", tmp_path / "out"
    assert main(["build", "--no-report", "--seeds", str(seeds), "--package", str(package), "--out", str(out)]) == 0
    first = _snapshot(package)
    (seeds / "CHANGELOG.md").write_text((seeds / "CHANGELOG.md").read_text(encoding="utf-8") + "\nEndret.\n", encoding="utf-8")
    script = tmp_path / "killed.py"
    script.write_text(BUILD_KILLED_AT_MOVE)
    command = [sys.executable, str(script), "build", "--no-report", "--seeds", str(seeds), "--package", str(package), "--out", str(out)]
    killed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600, env={**os.environ, "KILL_AT": str(at)})
    assert killed.returncode == -signal.SIGKILL
    manifest = seeds / "sources.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("[dataset]", "[dataset", 1), encoding="utf-8")
    assert main(["build", "--no-report", "--seeds", str(seeds), "--package", str(package), "--out", str(out)]) == 2
    finished = _snapshot(package)
    assert finished.keys() == first.keys()
    assert finished[str(package / "CHANGELOG.md")].endswith(b"Endret.\n")  # the killed build's package, whole
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_a_templates_folder_without_templates_is_refused_before_any_work(capsys, tmp_path):
    code = main(["build", "--seeds", str(SEEDS), "--package", str(tmp_path / "dp"), "--out", str(tmp_path / "out"), "--templates", str(tmp_path)])
    assert code == 2
    assert capsys.readouterr().err == (
        f"error: {tmp_path}: no base.html here: not a folder of booklet templates\n  hint: --templates names a copy of report_templates/\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.build
def test_p24_the_build_reads_no_labels_outside_its_seeds(seeds, tmp_path):
    """The hand labels a dataset is measured on are its own (<seeds>/labels): a file where the build once
    looked for them, beside the seeds, is never read (here it could not be: its bytes are not UTF-8)."""
    (tmp_path / "tests" / "data").mkdir(parents=True)
    for name in ("pair_labels.csv", "topic_labels.csv"):
        (tmp_path / "tests" / "data" / name).write_bytes(b"dataset,\xff\xfe\n")
    log: list[str] = []
    frames = build(Paths(seeds=seeds, package=tmp_path / "dp", out=tmp_path / "out", report=False), StageLog(echo=log.append))
    assert frames["pledges"].height > 0
    evaluation = json.loads((tmp_path / "out" / "evaluation.json").read_text(encoding="utf-8"))
    assert evaluation["topics"]["report"]["of"] >= 150  # measured on seeds/labels, which the copy carries
    shutil.rmtree(seeds / "labels")
    build(Paths(seeds=seeds, package=tmp_path / "dp", out=tmp_path / "out", report=False), StageLog(echo=log.append))
    assert json.loads((tmp_path / "out" / "evaluation.json").read_text(encoding="utf-8")).get("topics") is None


def test_a_folder_of_the_packages_names_without_a_marker_is_refused(capsys, tmp_path):
    """A thesis folder holding data/ and README.md (names the package has too) is not the build's."""
    thesis = tmp_path / "thesis"
    (thesis / "data").mkdir(parents=True)
    (thesis / "data" / "thesis.csv").write_text("a,b\n")
    (thesis / "README.md").write_text("Min oppgave\n")
    err = _refused(capsys, "--package", str(thesis), "--out", str(tmp_path / "out"))
    assert err.startswith(f"error: {thesis}: --package is not empty and was not made by a build (it holds README.md, data and no ")
    assert (thesis / "data" / "thesis.csv").read_text() == "a,b\n"


def test_a_file_of_the_users_in_the_package_folder_is_never_replaced_with_it(capsys, tmp_path):
    package = tmp_path / "dp"
    package.mkdir()
    (package / outputs.MARKER).write_text(outputs.marker_text("baerum-lofter"))
    (package / "notes.txt").write_text("mine\n")
    err = _refused(capsys, "--package", str(package), "--out", str(tmp_path / "out"))
    assert err == (
        f"error: {package}: --package holds notes.txt, which the build does not make; publishing replaces the folder whole\n"
        "  hint: move it elsewhere, or give --package another folder\n"
    )
    assert (package / "notes.txt").read_text() == "mine\n"


def test_a_journal_naming_other_folders_is_refused_and_moves_nothing(tmp_path):
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("mine\n")
    journal = tmp_path / f".build{outputs.JOURNAL_MARK}"
    journal.write_text(json.dumps({"moves": [], "staging": [str(victim)], "journals": [str(journal)]}))
    with pytest.raises(InputError, match="finishing it failed: it names folders that are not a build's staging folders"):
        outputs.recover(tmp_path / "build")
    assert (victim / "keep.txt").read_text() == "mine\n" and journal.exists()


def test_leftovers_are_only_the_builds_own_staging_folders(tmp_path):
    theirs = [tmp_path / ".build-old-2025", tmp_path / ".build-old-kept-abc12345", tmp_path / ".build-staging-notes"]
    ours = [tmp_path / ".build-staging-k2j4x_9a", tmp_path / ".build-old-k2j4x_9b"]
    for folder in theirs + ours:
        folder.mkdir()
    outputs.remove_leftovers(tmp_path / "build")
    assert [f.exists() for f in theirs] == [True, True, True] and [f.exists() for f in ours] == [False, False]
