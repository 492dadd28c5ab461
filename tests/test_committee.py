"""A booklet per committee: [[booklets]] in the manifest, each with its own chapters of one group."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import polars as pl
import pytest

from publish import booklet, release
from publish.errors import InputError
from publish.sources import check_booklet_topics, load_corpus
from tests.conftest import SEEDS, Built

OPPVEKST = """
[[booklets]]
id = "oppvekst"
group = "baerum"
title = "Oppvekst: løfter i Bærum"
topics = ["barnehage", "skole", "barn-unge"]
"""


def _seeds(tmp_path: Path, booklets: str) -> Path:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    with (seeds / "sources.toml").open("a", encoding="utf-8") as manifest:
        manifest.write(booklets)
    return seeds


def _html(built: Built, seeds: Path) -> str:
    corpus = load_corpus(seeds)
    return booklet.render_html(booklet.BookletModel.of_booklet(corpus, built.frames, {}, "a4", corpus.booklets[0]))


def test_a_committee_booklet_holds_its_chapters_and_no_others(built: Built, tmp_path: Path):
    html = _html(built, _seeds(tmp_path, OPPVEKST))
    assert re.findall(r'<section class="chapter[^"]*" id="kap-[^"]+" data-topic="([^"]+)"', html) == ["barnehage", "skole", "barn-unge"]
    contents = html.split('<nav class="contents">')[1].split("</nav>")[0]
    assert re.findall(r'href="#kap-([^"]+)"', contents) == ["barnehage", "skole", "barn-unge"]
    overview = html.split('id="oversikt"')[1].split('id="enighet"')[0]
    assert re.findall(r'href="#kap-([^"]+)"', overview) == ["barnehage", "skole", "barn-unge"]
    assert "Bolig" not in overview and "Samferdsel" not in overview  # nor the other chapters' rows
    printed = set(re.findall(r'data-pledge="([^"]+)"', html))
    pledges = built.frames["pledges"].filter(pl.col("kind") != "context")
    wanted = pledges.filter(pl.col("topic_id").is_in(["barnehage", "skole", "barn-unge"]))
    assert printed == set(wanted["pledge_id"])  # every pledge of its chapters, and no other
    # the agreement map counts the printed pairs inside its chapters: both pledges printed in it
    relations = built.frames["relations"].filter(
        pl.col("printed") & pl.col("pledge_id_a").is_in(list(printed)) & pl.col("pledge_id_b").is_in(list(printed))
    )
    agreement = html.split('id="enighet"')[1]
    for symbol, relation in (("=", "agree"), ("~", "similar")):
        cells = re.findall(rf"{symbol}&#8239;(\d+)", agreement)
        assert sum(int(n) for n in cells) == 2 * relations.filter(pl.col("relation") == relation).height, relation
    # the cover and the running heads carry the committee's title
    assert '<h1 class="cover-title">Oppvekst: løfter i Bærum</h1>' in html


def test_a_committee_booklets_pledges_keep_their_labels_and_point_only_inside_it(built: Built, tmp_path: Path):
    """A councillor who reads "A12" in the committee's booklet finds the same A12 in the whole booklet."""
    html = _html(built, _seeds(tmp_path, OPPVEKST))
    whole = (built.paths.out / "report.html").read_text(encoding="utf-8")
    labels = dict(re.findall(r'id="p-([^"]+)" data-pledge="([^"]+)"', html))
    everywhere = dict(re.findall(r'id="p-([^"]+)" data-pledge="([^"]+)"', whole))
    assert labels and all(everywhere[label] == pledge for label, pledge in labels.items())
    targets = set(re.findall(r'class="marker[^"]*" href="#p-([^"]+)"', html))
    assert targets <= set(labels)  # no cross-reference to a pledge the booklet does not print


def test_without_booklets_each_group_gets_one_of_every_chapter():
    corpus = load_corpus(SEEDS)
    assert [(b.booklet_id, b.group, b.topics, b.declared) for b in corpus.booklets] == [("baerum", "baerum", (), False)]
    assert release.booklet_folder(corpus, corpus.booklets[0]) == ""  # build/report.pdf, as before


def test_a_declared_booklet_lies_in_its_own_folder_and_release_names(tmp_path: Path):
    corpus = load_corpus(_seeds(tmp_path, OPPVEKST))
    assert release.booklet_folder(corpus, corpus.booklets[0]) == "booklets/oppvekst"
    names = release.file_names(corpus)
    assert names["booklets/oppvekst/report-booklet.pdf"] == "baerum-lofter-1.0.0-oppvekst-hefte-a5.pdf"
    assert "report.pdf" not in names  # the group's whole booklet is made only when no [[booklets]] are given


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (OPPVEKST.replace('"barn-unge"', '"barn-og-unge"'), "booklet 'oppvekst': names unknown topic 'barn-og-unge'"),
        (OPPVEKST.replace('"barn-unge"', '"skole"'), "booklet 'oppvekst': names topic 'skole' twice"),
    ],
)
def test_a_booklet_naming_an_unknown_topic_names_its_line(tmp_path: Path, entry: str, message: str):
    seeds = _seeds(tmp_path, entry)
    line = next(n for n, text in enumerate((seeds / "sources.toml").read_text(encoding="utf-8").split("\n"), 1) if text.startswith("topics = "))
    with pytest.raises(InputError) as raised:
        check_booklet_topics(load_corpus(seeds), ["barnehage", "skole", "barn-unge"])
    assert raised.value.message == message and raised.value.line == line


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (OPPVEKST.replace('group = "baerum"', 'group = "asker"'), "booklet 'oppvekst': names unknown group 'asker'"),
        (OPPVEKST + 'actors = ["ap", "sv"]\n', "booklet 'oppvekst': names 'sv', not an actor of group 'baerum'"),
        (OPPVEKST.replace('topics = ["barnehage", "skole", "barn-unge"]', "topics = []"), "booklet 'oppvekst': topics is empty"),
        (OPPVEKST + OPPVEKST, "booklet 'oppvekst': duplicate booklet id 'oppvekst'"),
    ],
)
def test_a_wrong_booklet_entry_is_one_message(tmp_path: Path, entry: str, message: str):
    with pytest.raises(InputError) as raised:
        load_corpus(_seeds(tmp_path, entry))
    assert raised.value.message == message and raised.value.line
