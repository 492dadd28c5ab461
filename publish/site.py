"""Stage: static web pages in build/site/ from the same chapters as the booklet.

A landing page (what the dataset is, downloads with sizes and checksums, how to cite), one page
per topic with the actors side by side, a filter by actor and a text search that work from
file:// with no server, and each source text with an anchor per line that every pledge links to.
One search page (sok.html) holds every pledge of the dataset, filtered in the browser by text, actor,
group and topic; with several comparison groups, each group has a page of its actors and topics.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from publish.booklet import BookletModel, Chapter, Item
from publish.classify import taxonomy_path
from publish.outputs import output_path, safe_name
from publish.package import file_hash
from publish.release import file_names
from publish.sources import MANIFEST_NAME, Corpus, Group
from publish.templating import render

FONTS = ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf", "NotoSerif-Regular.ttf")


@dataclass(frozen=True)
class Hit:
    """One row of the search page: a pledge with what it is filtered by."""

    item: Item
    actor: dict
    group: Group
    topic: dict


@dataclass(frozen=True)
class Download:
    name: str
    href: str
    size: str
    sha256: str


class SiteModel:
    """What the pages print; the chapters are the booklet's, so web and paper say the same."""

    def __init__(self, corpus: Corpus, model: BookletModel, release_dir: Path):
        self.corpus = corpus
        self.dataset = corpus.dataset
        self.model = model
        self.page_of = {
            item.label: f"{model_chapter.topic['topic_id']}.html" for model_chapter in model.chapters for item in _all_items(model_chapter)
        }
        self.downloads = [_download(release_dir / name) for name in file_names(corpus).values() if (release_dir / name).exists()]
        self.groups = list(corpus.groups)
        self.group_of = {a.actor_id: g for g in self.groups for a in corpus.actors_of(g.group_id)}
        self.hits = [
            Hit(item, column.actor, self.group_of[column.actor["actor_id"]], chapter.topic)
            for chapter in model.chapters
            for column in chapter.all_columns
            for item in _flat(column.items)
        ]

    @property
    def several_groups(self) -> bool:
        """With one group the site is as it was: no group pages, no group filter."""
        return len(self.groups) > 1

    def actors_of(self, group: Group) -> list[dict]:
        return [a for a in self.model.actors.iter_rows(named=True) if self.group_of[a["actor_id"]] == group]

    def topics_of(self, group: Group) -> list[tuple[Chapter, list[int]]]:
        """The chapters a group's actors have pledges in, each with its count per actor."""
        actors = [a["actor_id"] for a in self.actors_of(group)]
        counts = [(chapter, [self.model.count(chapter, a) for a in actors]) for chapter in self.model.chapters]
        return [(chapter, row) for chapter, row in counts if any(row)]

    @property
    def citation(self) -> str:
        d = self.dataset
        return f"{d.publisher} ({d.created[:4]}). {d.title}. Versjon {d.version}. {d.license_title}."

    def href_of(self, label: str, folder: str = "") -> str:
        """A pledge on its topic page, from a page in tema/ (or from the top with folder="tema/")."""
        return f"{folder}{self.page_of[label]}#{label}"

    @staticmethod
    def source_href(item: Item, root: str = "../") -> str:
        return f"{root}kilde/{item.document_id}.html#L{item.line_start}"


def _all_items(chapter) -> list[Item]:
    return [item for column in chapter.all_columns for item in _flat(column.items)]


def _flat(items: list[Item]) -> list[Item]:
    """Items with each one's sub-items after it, in the order the pages print them."""
    return [each for item in items for each in (item, *item.children)]


def _download(path: Path) -> Download:
    size = path.stat().st_size
    human = f"{size / 1_000_000:.1f} MB" if size >= 1_000_000 else f"{size / 1000:.0f} kB"
    return Download(path.name, f"../release/{path.name}", human.replace(".", ","), file_hash(path))


def write_site(corpus: Corpus, model: BookletModel, out_dir: Path, templates: Path) -> int:
    """Write build/site/ (next to build/release/, which its download links point to); returns the page count.

    Topic, document and group ids become file names: each is checked to be a safe name (outputs.safe_name)
    and its page to lie inside site/.
    """
    site = out_dir / "site"
    (site / "tema").mkdir(parents=True, exist_ok=True)
    (site / "kilde").mkdir(exist_ok=True)
    (site / "fonts").mkdir(exist_ok=True)
    s = SiteModel(corpus, model, out_dir / "release")
    pages = {
        "index.html": render(templates, "site/index.html", s=s, root=""),
        "sok.html": render(templates, "site/search.html", s=s, root=""),
    }
    if s.several_groups:
        (site / "grupper").mkdir(exist_ok=True)
        for group in s.groups:
            group_id = safe_name(group.group_id, "group id", corpus.seeds_dir / MANIFEST_NAME)
            pages[f"grupper/{group_id}.html"] = render(templates, "site/group.html", s=s, group=group, root="../")
    for chapter in model.chapters:
        topic_id = safe_name(chapter.topic["topic_id"], "topic id", taxonomy_path(corpus.seeds_dir))
        pages[f"tema/{topic_id}.html"] = render(templates, "site/topic.html", s=s, chapter=chapter, root="../")
    for document in corpus.documents:
        info = model.documents[document.document_id]
        document_id = safe_name(document.document_id, "document id", corpus.seeds_dir / MANIFEST_NAME)
        pages[f"kilde/{document_id}.html"] = render(templates, "site/source.html", s=s, document=info, lines=document.lines, root="../")
    for name, html in pages.items():
        output_path(site, name).write_text(html, encoding="utf-8")
    for name in ("site.js", "site.css"):
        shutil.copyfile(templates / "site" / name, site / name)
    for font in FONTS:
        shutil.copyfile(templates / "fonts" / font, site / "fonts" / font)
    return len(pages)
