"""Stage: static web pages in build/site/ from the same chapters as the booklet.

A landing page (what the dataset is, downloads with sizes and checksums, how to cite), one page
per topic with the actors side by side, a filter by actor and a text search that work from
file:// with no server, and each source text with an anchor per line that every pledge links to.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from publish.booklet import BookletModel, Item
from publish.classify import TOPICS_NAME
from publish.outputs import output_path, safe_name
from publish.package import file_hash
from publish.release import file_names
from publish.sources import MANIFEST_NAME, Corpus
from publish.templating import render

FONTS = ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf", "NotoSerif-Regular.ttf")


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

    @property
    def citation(self) -> str:
        d = self.dataset
        return f"{d.publisher} ({d.created[:4]}). {d.title}. Versjon {d.version}. {d.license_title}."

    def href_of(self, label: str) -> str:
        return f"{self.page_of[label]}#{label}"

    @staticmethod
    def source_href(item: Item) -> str:
        return f"../kilde/{item.document_id}.html#L{item.line_start}"


def _all_items(chapter) -> list[Item]:
    items: list[Item] = []
    columns = chapter.all_columns
    for column in columns:
        for item in column.items:
            items += [item, *item.children]
    return items


def _download(path: Path) -> Download:
    size = path.stat().st_size
    human = f"{size / 1_000_000:.1f} MB" if size >= 1_000_000 else f"{size / 1000:.0f} kB"
    return Download(path.name, f"../release/{path.name}", human.replace(".", ","), file_hash(path))


def write_site(corpus: Corpus, model: BookletModel, out_dir: Path, templates: Path) -> int:
    """Write build/site/ (next to build/release/, which its download links point to); returns the page count.

    Topic and document ids become file names: each is checked to be a safe name (outputs.safe_name)
    and its page to lie inside site/.
    """
    site = out_dir / "site"
    (site / "tema").mkdir(parents=True, exist_ok=True)
    (site / "kilde").mkdir(exist_ok=True)
    (site / "fonts").mkdir(exist_ok=True)
    s = SiteModel(corpus, model, out_dir / "release")
    pages = {"index.html": render(templates, "site/index.html", s=s, root="")}
    for chapter in model.chapters:
        topic_id = safe_name(chapter.topic["topic_id"], "topic id", corpus.seeds_dir / TOPICS_NAME)
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
