"""The static site, in a real headless Chromium (Debian's package): pages, links, filter and search,
the search page over every pledge, and a page per comparison group."""

from __future__ import annotations

import dataclasses
import html
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import polars as pl
import pytest

from bench.synth import synthesise_groups
from publish.booklet import TEMPLATES, BookletModel
from publish.build import Paths, StageLog, build
from publish.errors import InputError
from publish.site import write_site
from publish.sources import Group, load_corpus
from tests.conftest import SEEDS, Built

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium(tmp_path: Path, *args: str) -> str:
    assert CHROMIUM, "Debian's chromium is needed (make test installs it)"
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    result = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        for key in ("href", "src"):
            if attrs.get(key):
                self.hrefs.append(attrs[key])


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def site(built: Built) -> Path:
    return built.paths.out / "site"


def test_every_page_is_there(site: Path, built: Built):
    assert (site / "index.html").is_file()
    assert sorted(p.stem for p in (site / "tema").glob("*.html")) == sorted(built.frames["topics"]["topic_id"])
    assert sorted(p.stem for p in (site / "kilde").glob("*.html")) == sorted(built.frames["documents"]["document_id"])


def test_every_link_resolves(site: Path):
    pages = sorted(site.rglob("*.html"))
    parsed = {page.resolve(): _parse(page) for page in pages}
    checked = 0
    for page, links in parsed.items():
        for href in links.hrefs:
            url = urlparse(href)
            assert url.scheme in ("", "file"), f"{page.name} links outside the site: {href}"
            target = (page.parent / unquote(url.path)).resolve() if url.path else page
            assert target.exists(), f"{page.name}: {href} does not exist"
            if url.fragment:
                assert url.fragment in (parsed.get(target) or _parse(target)).ids, f"{page.name}: no #{url.fragment} in {target.name}"
            checked += 1
    assert checked > 2000


def test_every_pledge_links_to_its_source_line(site: Path):
    page = (site / "tema" / "barnehage.html").read_text(encoding="utf-8")
    assert 'href="../kilde/ap-program-2023.html#L82">Ap-program l. 43</a>' in page  # "Sikre løpende barnehageopptak." (read in the seed)
    source = (site / "kilde" / "ap-program-2023.html").read_text(encoding="utf-8")
    assert re.search(r'id="L82"><a class="lineno" href="#L82">82</a>• Sikre løpende barnehageopptak\.\s+43', source)


def test_filter_and_search_in_a_real_browser(site: Path, tmp_path: Path):
    dom = chromium(tmp_path, "--dump-dom", (site / "tema" / "barnehage.html").as_uri() + "?aktor=r&sok=opptak")
    items = re.findall(r'<li class="pledge" id="(\w+)" data-actor="(\w+)" data-text="([^"]*)"( hidden="")?', dom)
    shown = [(label, actor, text) for label, actor, text, hidden in items if not hidden]
    assert shown and all(actor == "r" and "opptak" in text for _, actor, text in shown)
    assert len(shown) == sum(1 for _, actor, text, _ in items if actor == "r" and "opptak" in text)
    assert f"{len(shown)} løfter vises" in dom
    unfiltered = chromium(tmp_path, "--dump-dom", (site / "tema" / "barnehage.html").as_uri())
    assert 'hidden=""' not in unfiltered.split("<main>")[1]


def test_landing_page_lists_downloads_with_sizes_and_checksums(site: Path, built: Built, tmp_path: Path):
    dom = chromium(tmp_path, "--dump-dom", (site / "index.html").as_uri())
    sums = (built.paths.out / "release" / "SHA256SUMS").read_text().split()
    for digest in sums[0::2]:
        assert digest in dom
    assert "Slik siterer du datasettet" in dom and "Versjon 1.0.0" in dom


def test_what_a_topic_page_shows_in_a_browser(site: Path, tmp_path: Path):
    """The page as Chromium lays it out (printed to PDF, its words read back with their places): the
    chapter's title and lead, both parties as column heads, and each party's pledge in its own column.
    The pledges are the seeds' own words on property tax, read in the two programmes by hand."""
    printed = tmp_path / "okonomi.pdf"
    chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={printed}", (site / "tema" / "okonomi.html").as_uri())
    shown = subprocess.run(["pdftotext", "-layout", str(printed), "-"], capture_output=True, text=True, check=True).stdout
    lines = shown.splitlines()
    assert "Kommuneøkonomi og skatt" in shown and "Kommunens økonomi, budsjett, eiendomsskatt" in shown
    heads = next(line for line in lines if "Bærum Arbeiderparti" in line)
    assert heads.index("Bærum Arbeiderparti") < heads.index("Rødt Bærum")
    both = next(line for line in lines if "Ikke innføre eiendomsskatt." in line)
    assert "Gå inn for en eiendomsskatt" in both  # side by side: Ap's column left of Rødt's
    assert both.index("Ikke innføre eiendomsskatt.") < both.index("Gå inn for en eiendomsskatt")
    assert "til boligen selges" in shown  # Rødt's second pledge on the tax, below the first


# ---- the search page: every pledge of the dataset, filtered in the browser ----------------------

HIT = re.compile(
    r'<li class="hit" id="([^"]+)" data-pledge="([\w-]+)" data-actor="([\w-]+)" data-group="([\w-]+)"'
    r' data-topic="([\w-]+)" data-text="([^"]*)"( hidden="")?'
)


def _hits(dom: str) -> list[tuple[str, str, str, str, str, str, bool]]:
    """(label, pledge, actor, group, topic, text) of each row, with whether it is shown."""
    return [
        (label, pledge, actor, group, topic, html.unescape(text), not hidden)
        for label, pledge, actor, group, topic, text, hidden in HIT.findall(dom)
    ]


def test_search_page_lists_every_pledge_and_is_linked_from_the_landing_page(site: Path, built: Built, tmp_path: Path):
    dom = chromium(tmp_path, "--dump-dom", (site / "sok.html").as_uri())
    hits = _hits(dom)
    shown = sorted(pledge for _, pledge, *_, visible in hits if visible)
    printed = built.frames["pledges"].filter(pl.col("kind") != "context")  # a lead-in is printed with its points, not as a pledge
    assert shown == sorted(printed["pledge_id"]) and len(hits) == len(shown)
    topic_of = dict(built.frames["pledge_topics"].filter(pl.col("rank") == 1).select("pledge_id", "topic_id").iter_rows())
    actor_of = dict(printed.select("pledge_id", "actor_id").iter_rows())
    assert all(topic == topic_of[pledge] and actor == actor_of[pledge] for _, pledge, actor, _, topic, *_ in hits)
    assert f"{len(shown)} løfter vises" in dom
    assert 'href="sok.html"' in (site / "index.html").read_text(encoding="utf-8")
    assert 'id="gruppe"' not in dom  # one group: no group filter


@pytest.mark.parametrize(
    ("query", "wanted"),
    [
        ("aktor=r", lambda actor, topic, text: actor == "r"),
        ("tema=barnehage", lambda actor, topic, text: topic == "barnehage"),
        ("sok=Barnehage%20OPPTAK", lambda actor, topic, text: "barnehage" in text and "opptak" in text),
        ("aktor=ap&tema=skole&sok=elev", lambda actor, topic, text: actor == "ap" and topic == "skole" and "elev" in text),
    ],
    ids=["actor", "topic", "words", "all-three"],
)
def test_search_filters_narrow_to_the_right_rows_in_a_real_browser(site: Path, tmp_path: Path, query: str, wanted):
    dom = chromium(tmp_path, "--dump-dom", (site / "sok.html").as_uri() + "?" + query)
    hits = _hits(dom)
    shown = [label for label, _, actor, _, topic, text, visible in hits if visible]
    expected = [label for label, _, actor, _, topic, text, _ in hits if wanted(actor, topic, text)]
    assert shown == expected and 0 < len(shown) < len(hits), query
    assert f"{len(shown)} løfte{'' if len(shown) == 1 else 'r'} vises" in dom


def test_every_output_stays_inside_the_site_folder(site: Path):
    for path in site.rglob("*"):
        assert not path.is_symlink() and path.resolve().is_relative_to(site.resolve()), path
    assert {p.name for p in site.iterdir()} == {"index.html", "sok.html", "site.js", "site.css", "fonts", "tema", "kilde"}


def test_a_group_id_unfit_for_a_file_name_is_refused_before_any_page_is_written(built: Built, tmp_path: Path):
    corpus = load_corpus(SEEDS)
    unsafe = dataclasses.replace(corpus, groups=(*corpus.groups, Group("../ut", "Ut", "Løfter ute")))
    model = BookletModel(corpus, built.frames, {}, "a4")
    with pytest.raises(InputError, match=r"group id '\.\./ut' cannot be part of a file name"):
        write_site(unsafe, model, tmp_path / "out", TEMPLATES)
    assert not list((tmp_path / "out" / "site").rglob("*.html")) and not (tmp_path / "out" / "ut.html").exists()


# ---- several comparison groups: a page per group ----------------------------------------------------


@pytest.fixture(scope="module")
def two_groups_site(tmp_path_factory) -> tuple[Path, dict[str, pl.DataFrame]]:
    root = tmp_path_factory.mktemp("site-groups")
    seeds = synthesise_groups(SEEDS, root / "seeds", [2, 3], documents=("ap-web-arbeid",))
    paths = Paths(seeds=seeds, package=root / "datapackage", out=root / "build")
    frames = build(paths, StageLog(echo=lambda line: None))
    return paths.out / "site", frames


def test_each_group_has_a_page_of_its_actors_and_topics(two_groups_site):
    site, frames = two_groups_site
    index = (site / "index.html").read_text(encoding="utf-8")
    actors = frames["actors"]
    for group in sorted(set(actors["comparison_group"])):
        assert f'href="grupper/{group}.html"' in index
        page = (site / "grupper" / f"{group}.html").read_text(encoding="utf-8")
        for actor in actors.iter_rows(named=True):
            assert (actor["name"] in page) == (actor["comparison_group"] == group), (group, actor["name"])
        own = actors.filter(pl.col("comparison_group") == group)["actor_id"]
        pledges = frames["pledges"].filter(pl.col("actor_id").is_in(own.implode()) & (pl.col("kind") != "context"))
        topics = frames["pledge_topics"].filter((pl.col("rank") == 1) & pl.col("pledge_id").is_in(pledges["pledge_id"].implode()))
        listed = re.findall(r'<a href="\.\./tema/([\w-]+)\.html\?aktor=', page)
        assert sorted(listed) == sorted(set(topics["topic_id"]))
        assert f'href="../sok.html?gruppe={group}"' in page


def test_search_by_group_in_a_real_browser(two_groups_site, tmp_path: Path):
    site, frames = two_groups_site
    dom = chromium(tmp_path, "--dump-dom", (site / "sok.html").as_uri() + "?gruppe=k2-3")
    hits = _hits(dom)
    assert {group for _, _, _, group, *_ in hits} == {"k1-2", "k2-3"}
    shown = [pledge for _, pledge, _, group, *_, visible in hits if visible]
    assert shown == [pledge for _, pledge, _, group, *_ in hits if group == "k2-3"] and shown
