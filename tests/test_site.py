"""The static site, in a real headless Chromium (Debian's package): pages, links, filter and search."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from tests.conftest import Built

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


def test_screenshot_of_a_topic_page(site: Path, tmp_path: Path):
    shot = tmp_path / "okonomi.png"
    chromium(tmp_path, "--window-size=1280,1400", f"--screenshot={shot}", (site / "tema" / "okonomi.html").as_uri())
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
