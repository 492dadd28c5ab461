"""Comparison groups: declared in the manifest and checked there, one booklet per group holding only
its own actors, every release file listed; from four parties each party's list follows the other's."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pikepdf
import polars as pl
import pytest
from pypdf import PdfReader

from bench.synth import synthesise_groups
from publish.build import Paths, StageLog, build
from publish.errors import InputError
from publish.sources import DEFAULT_SUBTITLE, load_corpus
from publish.tables import groups_frame
from tests.conftest import ROOT, SEEDS

GROUPS = """[[groups]]
id = "baerum"
name = "Bærum"
title = "Løfter i Bærum"
subtitle = "Hva partiene lover, tema for tema – og hva kommunens egen politikk allerede sier"
"""


def _edit(seeds: Path, old: str, new: str) -> Path:
    manifest = seeds / "sources.toml"
    text = manifest.read_text(encoding="utf-8")
    assert old in text
    manifest.write_text(text.replace(old, new, 1), encoding="utf-8")
    return manifest


def _line(manifest: Path, text: str) -> int:
    return next(n for n, line in enumerate(manifest.read_text(encoding="utf-8").splitlines(), 1) if line.startswith(text))


def test_the_seeds_declare_their_group():
    corpus = load_corpus(SEEDS)
    assert [(g.group_id, g.name, g.title) for g in corpus.groups] == [("baerum", "Bærum", "Løfter i Bærum")]
    assert {a.group for a in corpus.actors} == {"baerum"}


@pytest.mark.build
def test_an_actor_naming_an_unknown_group_is_one_message_with_its_line_and_exit_2(seeds: Path, tmp_path: Path):
    manifest = _edit(seeds, 'group = "baerum"\n\n[[actors]]\nid = "r"', 'group = "asker"\n\n[[actors]]\nid = "r"')
    line = _line(manifest, 'group = "asker"')
    command = [sys.executable, "-m", "publish", "build", "--seeds", str(seeds), "--package", str(tmp_path / "dp")]
    result = subprocess.run([*command, "--out", str(tmp_path / "out")], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"error: {manifest}:{line}: actor 'ap': names unknown group 'asker'\n"), result.stderr
    assert "known groups: baerum" in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('id = "baerum"\nname = "Bærum"', 'id = "Bærum/.."\nname = "Bærum"', r"id 'Bærum/\.\.' must be lower-case letters"),
        ('title = "Løfter i Bærum"\n', 'title = ""\n', r"group 'baerum': title is empty"),
        ('title = "Løfter i Bærum"\n', 'title = "Løfter i Bærum"\nprint = true\n', r"group 'baerum': unknown key 'print'"),
        (GROUPS, GROUPS + GROUPS, r"duplicate group id 'baerum'"),
        (GROUPS, GROUPS + GROUPS.replace('"baerum"', '"asker"'), r"no actor names group 'asker'"),
    ],
    ids=["unsafe-id", "empty-title", "unknown-key", "duplicate", "group-without-actors"],
)
def test_group_entries_are_checked_where_they_stand(seeds: Path, old: str, new: str, message: str):
    manifest = _edit(seeds, old, new)
    with pytest.raises(InputError) as caught:
        load_corpus(seeds)
    assert re.search(message, str(caught.value)), str(caught.value)
    assert re.match(rf"{re.escape(str(manifest))}:\d+: ", str(caught.value))


def test_without_groups_each_actor_group_is_one_titled_like_the_dataset(seeds: Path):
    _edit(seeds, GROUPS, "")
    (group,) = load_corpus(seeds).groups
    assert (group.group_id, group.name, group.title, group.subtitle) == ("baerum", "Bærum kommune", "Løfter i Bærum", DEFAULT_SUBTITLE)


def test_without_groups_the_groups_table_holds_the_derived_ones(seeds: Path):
    _edit(seeds, GROUPS, "")
    frame = groups_frame(load_corpus(seeds))
    assert frame.rows() == [("baerum", "Bærum kommune", "Løfter i Bærum", DEFAULT_SUBTITLE)]


def test_an_actor_group_must_be_safe_in_a_file_name_even_without_groups(seeds: Path):
    manifest = _edit(seeds, GROUPS, "")
    _edit(seeds, 'group = "baerum"', 'group = "../x"')
    with pytest.raises(InputError, match=r"group '\.\./x' must be lower-case") as caught:
        load_corpus(seeds)
    assert str(caught.value).startswith(f"{manifest}:{_line(manifest, 'group = ')}:")


# ---- a build of two groups: two parties side by side, four one after another ---------------------


@pytest.fixture(scope="module")
def two_groups(tmp_path_factory) -> tuple[Paths, dict[str, pl.DataFrame], list[str]]:
    root = tmp_path_factory.mktemp("groups")
    seeds = synthesise_groups(SEEDS, root / "seeds", [2, 4], documents=("ap-web-arbeid",))
    paths = Paths(seeds=seeds, package=root / "datapackage", out=root / "build")
    log: list[str] = []
    frames = build(paths, StageLog(echo=log.append))
    return paths, frames, log


def _squash(text: str) -> str:
    """Text compared without spacing and hyphens: a hyphen at a line's end may be the word's own ("A-krim") or the layout's."""
    return re.sub(r"[\s\-‐]+", "", text)


def test_each_group_has_its_booklet_in_its_folder_and_one_line_when_it_is_done(two_groups):
    paths, _, log = two_groups
    for group in ("k1-2", "k2-4"):
        folder = paths.out / "groups" / group
        assert sorted(p.name for p in folder.iterdir()) == ["report-booklet.pdf", "report.html", "report.pdf"]
        assert len([line for line in log if line.startswith("booklet") and f" {group}: " in line]) == 1
    assert not (paths.out / "report.pdf").exists()
    assert "Løfter i Kommune 2" in PdfReader(paths.out / "groups" / "k2-4" / "report.pdf").pages[0].extract_text()


def _each_pledge_only_in_its_groups_booklet(paths: Paths, frames: dict[str, pl.DataFrame]) -> None:
    group_of = dict(frames["actors"].select("actor_id", "comparison_group").iter_rows())
    pledges = frames["pledges"].filter(pl.col("kind") != "context")
    groups = sorted(set(group_of.values()))
    text = {g: _squash("\n".join(page.extract_text() for page in PdfReader(paths.out / "groups" / g / "report.pdf").pages)) for g in groups}
    holders: dict[str, set[str]] = {}  # a text copied into several groups (a municipality's policy) is in each
    for row in pledges.iter_rows(named=True):
        holders.setdefault(_squash(row["text"]), set()).add(group_of[row["actor_id"]])
    for squashed, own in holders.items():
        assert all(squashed in text[g] for g in own), (own, squashed)
        for other in set(text) - own:
            assert squashed not in text[other], (other, squashed)


def test_every_pledge_is_in_its_own_groups_booklet_and_in_no_other(two_groups):
    paths, frames, _ = two_groups
    _each_pledge_only_in_its_groups_booklet(paths, frames)


@pytest.fixture(scope="module")
def three_six_ten(tmp_path_factory) -> tuple[Paths, dict[str, pl.DataFrame], list[str]]:
    """Groups of 3, 6 and 10 parties, each with its municipality: the layouts the issue asks to hold."""
    root = tmp_path_factory.mktemp("sizes")
    seeds = synthesise_groups(SEEDS, root / "seeds", [3, 6, 10], municipality=True)  # from four parties each reads one of two pages
    paths = Paths(seeds=seeds, package=root / "datapackage", out=root / "build")
    log: list[str] = []
    frames = build(paths, StageLog(echo=log.append))
    return paths, frames, log


def test_at_3_6_and_10_parties_every_pledge_prints_in_its_own_booklet_only_and_without_warnings(three_six_ten):
    paths, frames, log = three_six_ten
    _each_pledge_only_in_its_groups_booklet(paths, frames)
    pdf_lines = [line for line in log if line.startswith("pdf")]
    assert len(pdf_lines) == 6 and all(", 0 warnings" in line for line in pdf_lines), pdf_lines
    for group, parties in (("k1-3", 3), ("k2-6", 6), ("k3-10", 10)):
        html = (paths.out / "groups" / group / "report.html").read_text(encoding="utf-8")
        assert ('class="sides' in html) == (parties <= 3)  # side by side up to three, one after another from four
        cover = PdfReader(paths.out / "groups" / group / "report.pdf").pages[0].extract_text()
        assert f"{parties} partier" in cover
        if parties > 3:  # half the parties read the other page: in some chapters they have nothing, named in one line
            assert re.search(r'data-silent="[1-9]', html) and "Ingen løfter om dette:" in html


def test_a_topic_nobody_in_the_group_speaks_of_gets_no_chapter_but_a_line_in_the_overview(three_six_ten):
    paths, frames, _ = three_six_ten
    html = (paths.out / "groups" / "k1-3" / "report.html").read_text(encoding="utf-8")
    group = frames["actors"].filter(pl.col("comparison_group") == "k1-3")["actor_id"]
    spoken = set(frames["pledges"].filter(pl.col("actor_id").is_in(group.implode()))["topic_id"])
    assert 0 < len(spoken) < 24  # two web pages about work and business
    assert sorted(re.findall(r'<section class="chapter" id="[^"]+" data-topic="([^"]+)"', html)) == sorted(spoken)
    silent = frames["topics"].filter(~pl.col("topic_id").is_in(list(spoken)))["label"]
    line = re.search(r'<p class="silent-topics">(.*?)</p>', html, flags=re.S).group(1)
    assert all(f"«{label}»" in line.replace("&amp;", "&") for label in silent)


def test_the_dataset_holds_every_group_with_its_actors_in_it(two_groups):
    paths, frames, _ = two_groups
    groups = frames["groups"]
    assert groups.select("group_id", "name", "title").rows() == [
        ("k1-2", "Kommune 1", "Løfter i Kommune 1"),
        ("k2-4", "Kommune 2", "Løfter i Kommune 2"),
    ]
    assert set(frames["actors"]["comparison_group"]) == set(groups["group_id"])
    assert (paths.package / "data" / "groups.csv").read_text(encoding="utf-8").splitlines()[0] == "group_id,name,title,subtitle"


def test_two_parties_stand_side_by_side_and_four_one_after_another(two_groups):
    paths, _, _ = two_groups
    two = (paths.out / "groups" / "k1-2" / "report.html").read_text(encoding="utf-8")
    four = (paths.out / "groups" / "k2-4" / "report.html").read_text(encoding="utf-8")
    assert 'class="sides sides-2"' in two and 'class="actor-block"' not in two
    silent = sum(int(n) for n in re.findall(r'data-silent="(\d+)"', four))  # parties with nothing on a topic, named in one line
    chapters = four.count('<section class="chapter"')
    assert 0 < chapters < 24  # the synthetic texts speak of a few topics: the others get no chapter of their own
    assert 'class="sides' not in four and four.count('class="actor-block"') + silent == 4 * chapters  # every party in every chapter


def test_the_release_and_its_record_list_every_booklet(two_groups):
    paths, _, _ = two_groups
    release = paths.out / "release"
    listed = sorted(line.split("  ")[1] for line in (release / "SHA256SUMS").read_text().splitlines())
    expected = [f"baerum-lofter-1.0.0-{g}{kind}.pdf" for g in ("k1-2", "k2-4") for kind in ("", "-hefte-a5")]
    assert listed == sorted([*expected, "baerum-lofter-1.0.0.xlsx", "baerum-lofter-1.0.0.zip"])
    record = json.loads((release / "dcat-ap-no.jsonld").read_text(encoding="utf-8"))
    assert sorted(d["dct:title"] for d in record["dcat:distribution"]) == listed
    assert (release / "baerum-lofter-1.0.0-k2-4.pdf").read_bytes() == (paths.out / "groups" / "k2-4" / "report.pdf").read_bytes()


def test_an_edit_of_one_group_lays_out_that_groups_booklet_alone_and_the_bytes_are_a_fresh_builds(two_groups, tmp_path: Path):
    paths, _, _ = two_groups
    seeds = tmp_path / "seeds"
    shutil.copytree(paths.seeds, seeds)
    shutil.copytree(paths.out, tmp_path / "build")  # the last build's outputs, its kept layouts with them
    text = next((seeds / "texts").glob("k2-4-p1-*"))
    text.write_text(text.read_text(encoding="utf-8").replace("K2 ", "K2 Endret: ", 1), encoding="utf-8")
    log: list[str] = []
    again = Paths(seeds=seeds, package=tmp_path / "datapackage", out=tmp_path / "build")
    build(again, StageLog(echo=log.append))
    pdf_lines = [line for line in log if line.startswith("pdf")]
    assert len(pdf_lines) == 4
    assert all(("laid out by an earlier build" in line) == (" k1-2: " in line) for line in pdf_lines), pdf_lines
    one = again.out / "groups" / "k1-2"
    for name in ("report.pdf", "report-booklet.pdf"):  # the untouched group's booklets carry the new data
        with pikepdf.open(one / name) as pdf:
            assert pdf.attachments["datapackage.zip"].get_file().read_bytes() == (again.out / "datapackage.zip").read_bytes()
    fresh = Paths(seeds=seeds, package=tmp_path / "fresh-datapackage", out=tmp_path / "fresh-build")
    build(fresh, StageLog(echo=lambda _: None))
    for group in ("k1-2", "k2-4"):
        for name in ("report.pdf", "report-booklet.pdf"):
            assert (again.out / "groups" / group / name).read_bytes() == (fresh.out / "groups" / group / name).read_bytes(), (group, name)
