"""The printed booklet: the HTML holds every pledge once in the right place, the PDF says it all."""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pikepdf
import polars as pl
import pytest
from pypdf import PdfReader

from publish import booklet, render
from publish.templating import local_fetcher
from tests.conftest import SEEDS, Built


class _Places(HTMLParser):
    """Collects every printed pledge with the chapter (data-topic) and column (data-actor) around it."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[dict] = []
        self.places: list[tuple[str, str | None, str | None]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("br", "meta", "link", "img"):
            return
        self.stack.append(attrs)
        if "data-pledge" in attrs:
            topic = next((a["data-topic"] for a in reversed(self.stack) if "data-topic" in a), None)
            actor = next((a["data-actor"] for a in reversed(self.stack) if "data-actor" in a), None)
            self.places.append((attrs["data-pledge"], topic, actor))

    def handle_endtag(self, tag):
        if tag not in ("br", "meta", "link", "img") and self.stack:
            self.stack.pop()


@pytest.fixture(scope="module")
def html(built: Built) -> str:
    return (built.paths.out / "report.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def pdf_text(built: Built) -> list[str]:
    return [page.extract_text() for page in PdfReader(built.paths.out / "report.pdf").pages]


def _squash(text: str) -> str:
    """Text compared without hyphenation breaks, line ends and spacing."""
    return re.sub(r"\s+", "", re.sub(r"[-‐]\s*\n", "", text))


def test_html_has_every_pledge_once_in_its_chapter_and_column(html: str, built: Built):
    parser = _Places()
    parser.feed(html)
    printed = built.frames["pledges"].filter(pl.col("kind") != "context")
    topic = dict(built.frames["pledge_topics"].filter(pl.col("rank") == 1).select("pledge_id", "topic_id").iter_rows())
    ids = [pid for pid, _, _ in parser.places]
    assert sorted(ids) == sorted(printed["pledge_id"].to_list())
    actor = dict(printed.select("pledge_id", "actor_id").iter_rows())
    for pledge_id, chapter, column in parser.places:
        assert (chapter, column) == (topic[pledge_id], actor[pledge_id]), pledge_id


def test_pdf_has_every_chapter_and_every_pledge_opening(pdf_text: list[str], built: Built):
    text = _squash("\n".join(pdf_text))
    for label in built.frames["topics"]["label"]:
        assert _squash(label) in text
    printed = built.frames["pledges"].filter(pl.col("kind") != "context")
    missing = [t for t in printed["text"] if _squash(" ".join(t.split()[:4])) not in text]
    assert missing == []


def test_contents_point_to_the_pages_where_chapters_start(pdf_text: list[str], built: Built):
    contents = next(i for i, page in enumerate(pdf_text) if page.startswith("Innhold"))
    entries = re.findall(r"^(\d+)\s+(.+?)\s*\.{3,}\s*(\d+)$", pdf_text[contents], flags=re.M)
    assert [int(n) for n, _, _ in entries] == list(range(1, built.frames["topics"].height + 1))
    pages = [int(p) for _, _, p in entries]
    assert pages == sorted(pages)  # a short chapter and the one running on below it share a page
    for number, label, page in entries:
        start = pdf_text[int(page) - 1]
        assert f"{number} {label}" in start.replace("  ", " ")  # the chapter title is on that page


def test_fonts_are_embedded_and_subset(built: Built):
    with pikepdf.open(built.paths.out / "report.pdf") as pdf:
        fonts = {}
        for page in pdf.pages:
            for font in (page.Resources.get("/Font") or {}).values():
                fonts[str(font.get("/BaseFont"))] = font
        assert fonts, "no fonts found"
        for base, font in fonts.items():
            descriptor = font.get("/FontDescriptor") or font["/DescendantFonts"][0]["/FontDescriptor"]
            assert "/FontFile2" in descriptor or "/FontFile3" in descriptor, base
            assert re.match(r"/[A-Z]{6}\+", base), f"{base} is not subset"
        assert any("Noto-Serif" in b for b in fonts) and any("Noto-Sans" in b for b in fonts)
        assert not any("DejaVu" in b for b in fonts)  # no system font filled a gap


def test_metadata_bookmarks_tags_and_language(built: Built):
    reader = PdfReader(built.paths.out / "report.pdf")
    meta = reader.metadata
    assert meta.title.startswith("Løfter i Bærum") and meta.author == "Løfteregisteret"
    assert "Bærum" in meta["/Keywords"] and meta["/CreationDate"] == "D:20261125000000Z"
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "nb" and "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    titles = [o.title for o in reader.outline if not isinstance(o, list)]
    for label in built.frames["topics"]["label"]:
        assert any(label in title for title in titles), label


@pytest.mark.parametrize("name", ["report.pdf", "report-booklet.pdf"])
def test_data_package_and_workbook_are_attached(built: Built, name: str):
    """Both booklets' last page says "Begge filene er også vedlagt denne PDF-en": so they are."""
    with pikepdf.open(built.paths.out / name) as pdf:
        attached = {name: spec.get_file().read_bytes() for name, spec in pdf.attachments.items()}
    assert attached["datapackage.zip"] == (built.paths.out / "datapackage.zip").read_bytes()
    assert attached["workbook.xlsx"] == (built.paths.out / "workbook.xlsx").read_bytes()


def test_render_gave_no_warnings(built: Built):
    lines = [line for line in built.log if line.startswith(("pdf ", "pdf-a5"))]
    assert len(lines) == 2 and all(", 0 warnings" in line for line in lines)


def _sheets(built: Built) -> list[int]:
    """The A4 sheets of each stapled booklet, as the build log gives them."""
    line = next(line for line in built.log if line.startswith("pdf-a5"))
    found = re.search(r"as (\d+) booklets of ([\d, ]+) and (\d+) sheets", line)
    if found:
        return [int(n) for n in found.group(2).split(", ")] + [int(found.group(3))]
    return [int(re.search(r"(\d+) A4 sheets", line).group(1))]


def test_booklet_is_a5_imposed_on_a4_landscape_in_whole_sheets(built: Built):
    a5_pages = int(re.search(r"A5 pages.*?, (\d+) pages", "\n".join(built.log)).group(1))
    with pikepdf.open(built.paths.out / "report-booklet.pdf") as pdf:
        sides = len(pdf.pages)
        width, height = (float(v) for v in pdf.pages[0].mediabox[2:])
    # every A5 page, a back cover for each stapled booklet and a front cover for each but the first, and at
    # most three blanks a booklet (a blank inside cover, the rest of a last sheet)
    booklets = len(_sheets(built))
    assert sides == 2 * sum(_sheets(built)) and 0 <= sides * 2 - a5_pages - (2 * booklets - 1) <= 3 * booklets
    assert round(width / 72 * 25.4) == 297 and round(height / 72 * 25.4) == 210
    reader = PdfReader(built.paths.out / "report-booklet.pdf")
    assert "Løfter i Bærum" in reader.pages[0].extract_text()  # the cover on the first side
    assert "Slik leser du heftet" in reader.pages[1].extract_text()  # page 2 on its back


def test_a_pledge_that_looks_like_html_prints_literally(built: Built):
    from publish.sources import load_corpus

    frames = dict(built.frames)
    frames["pledges"] = frames["pledges"].with_columns(
        pl.when(pl.col("text") == "Sikre Hospice Stabekk.")
        .then(pl.lit("<script>alert(1)</script> & =HYPERLINK()"))
        .otherwise(pl.col("text"))
        .alias("text")
    )
    html = booklet.render_html(booklet.BookletModel(load_corpus(SEEDS), frames, {}, "a4"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; =HYPERLINK()" in html
    assert "<script>" not in html


@pytest.mark.parametrize("url", ["https://example.org/x.css", "file:///etc/passwd", "data:text/css,body{}"])
def test_the_renderer_fetches_nothing_outside_the_templates(url: str):
    with pytest.raises(ValueError):
        local_fetcher(booklet.TEMPLATES).fetch(url)


def test_the_renderer_serves_its_own_files_with_a_type():
    response = local_fetcher(booklet.TEMPLATES).fetch((booklet.TEMPLATES / "report.css").as_uri())
    assert response.headers.get_content_type() == "text/css"
    assert Path(booklet.TEMPLATES / "fonts" / "OFL.txt").is_file()


SVG_PAGE = '<html lang="nb"><body><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><text y="5">x</text></svg></body></html>'


def test_ctrl_c_while_weasyprint_draws_an_svg_stops_the_pdf(monkeypatch, tmp_path):
    """WeasyPrint draws SVG inside `except BaseException`; a Ctrl-C there must still stop the build."""
    from weasyprint.svg import SVG

    draw = SVG.draw

    def interrupted(self, *args, **kwargs):
        os.kill(os.getpid(), signal.SIGINT)  # Python raises KeyboardInterrupt here, inside WeasyPrint's try
        return draw(self, *args, **kwargs)

    monkeypatch.setattr(SVG, "draw", interrupted)
    layout = render.lay_out(SVG_PAGE)
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)  # as from a terminal: a runner may start us ignoring it
    try:
        with pytest.raises(KeyboardInterrupt):
            render.write_layout(layout, tmp_path / "svg.pdf", "2025-01-01")
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, inherited)


def _cover_lines(pdf_text: list[str]) -> list[str]:
    return [line.strip() for line in pdf_text[0].splitlines() if line.strip()]


def test_counts_agree_with_their_nouns_in_number(html: str, pdf_text: list[str]):
    counts = re.findall(r'<p class="chapter-summary">(.*?)</p>|<span class="actor-count">(.*?)</span>', html, flags=re.S)
    text = re.sub(r"<[^>]+>", "", " ".join(" ".join(found) for found in counts))
    assert counts and "Par:" in text
    assert not re.search(r"(?<![\d\u202f])1 (?:enige|uenige|beslektede|løfter|mål og strategier)\b", text)
    assert not re.search(r"(?<![\d\u202f])(?:0|[2-9]|\d\d+) (?:enig|uenig|beslektet|løfte|mål eller strategi)\b", text)
    summaries = re.findall(r"Par: \d+ \w+ · \d+ \w+ · \d+ \w+", "\n".join(pdf_text))
    assert summaries and any(s.startswith("Par: 1 enig ·") for s in summaries)


def test_the_cover_names_each_period_once_a_line(pdf_text: list[str]):
    for line in _cover_lines(pdf_text):
        periods = re.findall(r"\d{4}(?:–\d{4})?", line)
        assert len(periods) == len(set(periods)), line


def test_no_english_cap_label_is_printed(html: str, built: Built):
    """The CAP major topics are named in the appendix in Norwegian ("20 Offentlig forvaltning"); the
    codebook's English labels ("Government Operations", "Labor") stay in the data (issue 21)."""
    chapters = html.split('id="vedlegg"')[0]
    assert "CAP " not in chapters
    appendix = html.split('id="vedlegg"')[1]
    assert "20 Offentlig forvaltning" in appendix and "6 Utdanning" in appendix
    for label in built.frames["topics"].filter(pl.col("cap_major_code").is_not_null())["cap_major_label"]:
        assert label not in html


def test_each_party_is_introduced_with_its_programme_period(pdf_text: list[str], built: Built):
    howto = _squash(next(page for page in pdf_text if page.startswith("Slik leser du heftet")))
    programmes = built.frames["documents"].filter(pl.col("kind") == "programme").join(built.frames["actors"], on="actor_id")
    assert programmes["period"].n_unique() > 1  # the seeds compare a 2023–2027 with a 2019–2023 programme
    for name, period in programmes.select("name", "period").iter_rows():
        assert _squash(f"{name} (program {period})") in howto
    assert _squash("Merk: programmene gjelder ulike perioder.") in howto
    cover = _squash("\n".join(_cover_lines(pdf_text)))
    assert _squash("Merk: programmene gjelder ulike perioder") in cover
    for short_name, period in programmes.select("short_name", "period").iter_rows():
        assert _squash(f"{short_name} program {period}") in cover  # on the cover itself, not only a page further


def test_each_chapter_column_names_its_programmes_period(html: str, built: Built):
    """A pledge of the 2019–2023 programme ("… i Viken") is read knowing its period, wherever the chapter opens."""
    heads = re.findall(r'<th[^>]* style="border-top-color: [^"]+">(.*?)</th>', html)
    programmes = built.frames["documents"].filter(pl.col("kind") == "programme").join(built.frames["actors"], on="actor_id")
    for name, period in programmes.select("name", "period").iter_rows():
        mine = [head for head in heads if name in head]
        assert len(mine) == built.frames["topics"].height and all(f"program {period}" in head for head in mine), name


def test_programmes_of_one_period_get_no_notice(built: Built):
    from publish.sources import load_corpus

    frames = dict(built.frames)
    frames["documents"] = frames["documents"].with_columns(
        pl.when(pl.col("kind") == "programme").then(pl.lit("2023–2027")).otherwise(pl.col("period")).alias("period")
    )
    html = booklet.render_html(booklet.BookletModel(load_corpus(SEEDS), frames, {}, "a4"))
    assert "ulike perioder" not in html and "Rødt Bærum (program 2023–2027)" in re.sub(r"<[^>]+>", "", html)
    assert "head-period" not in html  # one period for all: said once, on the reading page


def test_checksums_print_whole_at_a_readable_size_without_hyphens(built: Built):
    """A hash is copied from the page: no hyphen may enter it where a line breaks, and it is ≥ 7 pt."""
    reader = PdfReader(built.paths.out / "report.pdf")
    hashes = built.frames["documents"]["sha256"].to_list()
    page = next(p for p in reversed(reader.pages) if hashes[0][:12] in p.extract_text())
    pieces: list[tuple[str, float]] = []
    page.extract_text(visitor_text=lambda text, cm, tm, font, size: pieces.append((text, size * abs(cm[0] * tm[0]))))
    text = "".join(t for t, _ in pieces)
    for digest in hashes:
        assert digest in re.sub(r"\s+", "", text), digest  # broken only by line ends, never by "-" or "‐"
    sizes = [size for t, size in pieces if re.fullmatch(r"[0-9a-f]{6,}", t.strip()) and any(t.strip() in h for h in hashes)]
    assert sizes and min(sizes) >= 7


def _with_sub_points(items: list) -> list:
    found = []
    for item in items:
        if item.children:
            found.append(item)
            found += _with_sub_points(item.children)
    return found


def test_a_lead_in_stays_on_the_page_of_its_first_sub_point(pdf_text: list[str], built: Built):
    from publish.sources import load_corpus

    model = booklet.BookletModel(load_corpus(SEEDS), built.frames, {}, "a4")
    lead_ins = [
        item
        for chapter in model.chapters
        for column in chapter.all_columns
        for item in _with_sub_points(column.items)
        if item.text.rstrip().endswith(":")
    ]
    assert lead_ins  # the seeds have them ("… muligheten til å:")
    pages = [_squash(page) for page in pdf_text]
    for item in lead_ins:
        end, start = _squash(" ".join(item.text.split()[-4:])), _squash(" ".join(item.children[0].text.split()[:4]))
        assert any(end in page and start in page for page in pages), item.label


def _fill(pdf: Path) -> list[float]:
    """How far down each page's text reaches below the running head, as a share of the text area (A4: 18 mm
    from the top to 20 mm from the foot), from where pdftotext finds the words."""
    fills = []
    for _width, height, words in _words_with_text(pdf):
        body = [w for w in words if 18 * MM - 1 <= w[1] and w[3] <= height - 20 * MM + 1]
        fills.append((max(w[3] for w in body) - 18 * MM) / (height - 38 * MM) if body else 0.0)
    return fills


def test_no_a4_page_is_blank_and_at_most_one_in_twenty_nearly_empty(built: Built):
    """Chapters open on the next page, not the next right-hand one, and one whose page before would hold a
    few lines runs on below them. Nearly empty: text down to less than a quarter of the text area."""
    fills = _fill(built.paths.out / "report.pdf")
    front = 3  # the cover, the reading page and the contents, which stand on their own
    assert all(fill > 0 for fill in fills)
    nearly_empty = [n for n, fill in enumerate(fills[front:], front + 1) if fill < 0.25]
    assert len(nearly_empty) <= 0.05 * len(fills), nearly_empty


MM = 72 / 25.4


def _words_per_side(pdf: Path) -> list[tuple[float, float, list[tuple[float, float, float, float]]]]:
    """(width, height, word boxes in points from the top left) of every page, as pdftotext -bbox finds them."""
    xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    number = r'"([\d.]+)"'
    word = re.compile(rf"<word xMin={number} yMin={number} xMax={number} yMax={number}>")
    pages = re.findall(rf"<page width={number} height={number}>(.*?)</page>", xml, flags=re.S)
    return [(float(w), float(h), [tuple(map(float, box)) for box in word.findall(body)]) for w, h, body in pages]


def test_imposed_a5_has_a_gutter_and_keeps_heads_and_folios_off_the_trim(built: Built):
    """On every sheet but the cover's, the even page lies left and the odd right of the fold: the text's
    distance to the fold (gutter) is at least 4 mm more than to the sheet's outer edge, and nothing
    printed (running heads and page numbers included) comes within 8 mm of the top or bottom edge."""
    sides = _words_per_side(built.paths.out / "report-booklet.pdf")
    outer, inner = [], []
    for width, _height, words in sides[1:]:
        fold = width / 2
        outer += [x0 for x0, _, x1, _ in words if x1 <= fold]
        inner += [x0 - fold for x0, _, _, _ in words if x0 >= fold]
    assert outer and inner and min(inner) - min(outer) >= 4 * MM - 0.5
    for _width, height, words in sides:
        assert all(y0 >= 8 * MM and height - y1 >= 8 * MM for _, y0, _, y1 in words)


def _folios_per_side(pdf: Path) -> list[list[int]]:
    """The page numbers ("Side 12 av 123") printed on each A4 side, left half first."""
    xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    sides = []
    for body in re.findall(r"<page [^>]*>(.*?)</page>", xml, flags=re.S):
        words = re.findall(r'<word xMin="([\d.]+)"[^>]*>([^<]*)</word>', body)
        folios = [(float(x), int(words[i + 1][1])) for i, (x, text) in enumerate(words[:-2]) if text == "Side" and words[i + 2][1] == "av"]
        sides.append([n for _, n in sorted(folios)])
    return sides


def test_a_long_a5_booklet_is_imposed_as_consecutive_booklets_that_each_staple(built: Built):
    """Saddle stitching holds about 16 sheets: a longer booklet is printed as several, each folded on its own.

    Within one stapled booklet of pages a..b, every side holds two pages that add up to a + b; so the
    sides are grouped by that sum, and each group must be whole sheets, at most 16, in page order."""
    a5_pages = int(re.search(r"A5 pages.*?, (\d+) pages", "\n".join(built.log)).group(1))
    sides = _folios_per_side(built.paths.out / "report-booklet.pdf")
    sums = [sum(folios) for folios in sides if len(folios) == 2]
    groups = [(total, len(list(run))) for total, run in itertools.groupby(sums)]
    assert len({total for total, _ in groups}) == len(groups)  # each booklet's sides follow each other
    assert [total for total, _ in groups] == sorted(total for total, _ in groups)
    assert all(count <= 2 * 16 for _, count in groups)
    assert (len(groups) == 1) == (a5_pages + 1 <= 64)  # the pages and a back cover
    printed = sorted(n for folios in sides for n in folios)
    assert printed == sorted(set(printed)) and printed[-1] <= a5_pages


def _words_with_text(pdf: Path) -> list[tuple[float, float, list[tuple[float, float, float, float, str]]]]:
    """(width, height, (x0, y0, x1, y1, word) in points from the top left) of every page, from pdftotext -bbox."""
    xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    number = r'"([\d.]+)"'
    word = re.compile(rf"<word xMin={number} yMin={number} xMax={number} yMax={number}>([^<]*)</word>")
    pages = re.findall(rf"<page width={number} height={number}>(.*?)</page>", xml, flags=re.S)
    return [(float(w), float(h), [(*map(float, found[:4]), found[4]) for found in word.findall(body)]) for w, h, body in pages]


def _heads(words: list, top: float) -> list[tuple[float, float, float, float, str]]:
    """The words of a page's running head: printed above `top` (the text area's top edge)."""
    return sorted((w for w in words if w[3] <= top), key=lambda w: w[0])


def _check_running_head(words: list, left: float, right: float, even: bool, title: str) -> bool:
    """True when the page has a chapter head: on the outer side (left on an even page), the booklet's title
    on the inner side, all on one line, inside the page, no word over another. False for a page without one."""
    chapter = [w for w in words if re.fullmatch(r"\d+", w[4])]
    if not chapter:
        return False
    middle = (left + right) / 2
    assert (chapter[0][2] < middle) if even else (chapter[0][0] > middle), words
    first = title.split()[0]
    assert any(w[4] == first and ((w[0] > middle) if even else (w[2] < middle)) for w in words), words
    assert max(w[1] for w in words) - min(w[1] for w in words) < 2, words  # one line
    assert all(left - 1 <= w[0] and w[2] <= right + 1 for w in words), words
    assert all(a[2] <= b[0] + 0.5 for a, b in itertools.pairwise(words)), words
    return True


def test_running_heads_name_the_chapter_on_the_outer_side_in_one_line(built: Built):
    """A4 and imposed A5: the chapter's name where a thumb finds it, never by the spine, and never wrapped or
    running into the booklet's title (A5's long chapter names are shortened)."""
    title = "Løfter i Bærum"
    checked = 0
    for number, (width, _height, words) in enumerate(_words_with_text(built.paths.out / "report.pdf"), 1):
        checked += _check_running_head(_heads(words, 18 * MM), 0, width, number % 2 == 0, title)
    assert checked > built.frames["topics"].height  # every chapter has pages with a head
    checked = 0
    for width, _height, words in _words_with_text(built.paths.out / "report-booklet.pdf")[1:]:
        fold = width / 2
        heads = _heads(words, 16 * MM)
        checked += _check_running_head([w for w in heads if w[2] <= fold], 0, fold, True, title)
        checked += _check_running_head([w for w in heads if w[0] >= fold], fold, width, False, title)
    assert checked > built.frames["topics"].height


def test_a_long_chapter_name_is_shortened_at_a_word_for_a5(built: Built):
    from publish.sources import load_corpus

    model = booklet.BookletModel(load_corpus(SEEDS), built.frames, {}, "a5")
    heads = {chapter.topic["label"]: model.running_head(chapter) for chapter in model.chapters}
    assert heads["Barnehage"] == "1 Barnehage"
    assert heads["Arbeid, inkludering i arbeidslivet og lærlinger"] == "11 Arbeid, inkludering …"
    assert all(len(head) <= booklet.RUNNING_HEAD_CHARS["A5"] for head in heads.values())
    assert model.on_paper("a4").running_head(model.chapters[10]) == "11 Arbeid, inkludering i arbeidslivet og lærlinger"


def test_no_text_is_smaller_than_7_5_pt(built: Built):
    """Source lines, labels, marks and running heads included: smaller text is lost on a grey office printer."""
    sizes: dict[float, str] = {}

    def note(text, cm, tm, font, size):
        if text.strip():
            sizes.setdefault(round(size * abs(cm[0] * tm[0]), 2), text)

    for page in PdfReader(built.paths.out / "report.pdf").pages:
        page.extract_text(visitor_text=note)
    assert min(sizes) >= 7.5, {size: text for size, text in sizes.items() if size < 7.5}
    stylesheet = (booklet.TEMPLATES / "report.css").read_text(encoding="utf-8")  # A5 too: no rule sets less
    declared = [float(size) for size in re.findall(r"(?:font(?:-size)?|--small|--body-size):[^;]*?(\d+(?:\.\d+)?)pt", stylesheet)]
    assert declared and min(declared) >= 7.5


def _grey(colour: str) -> float:
    """The grey a colour prints as, 0 (black) to 1 (white), by the luma weights of a greyscale printer driver."""
    red, green, blue = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.299 * red + 0.587 * green + 0.114 * blue


def test_text_colours_print_dark_enough_in_grey():
    stylesheet = (booklet.TEMPLATES / "report.css").read_text(encoding="utf-8")
    variables = dict(re.findall(r"(--[\w-]+):\s*(#[0-9a-fA-F]{6})", stylesheet))
    found = re.findall(r"(?<![-\w])color:\s*(?:(#[0-9a-fA-F]{6})|var\((--[\w-]+)\))", stylesheet)
    text = [colour or variables[name] for colour, name in found]  # white (#fff) stands only on black
    assert text and max(_grey(c) for c in text) <= 0.3, text


def test_each_coloured_actor_header_carries_the_actors_letter(html: str, built: Built):
    """Ap's red and Rødt's maroon print as nearly the same grey: the letter of the pledge labels tells them apart."""
    assert abs(_grey("#C8102E") - _grey("#6B1A2B")) < 0.1  # the seeds' colours, as sources.toml gives them
    codes = booklet.actor_codes(built.frames["actors"])
    code_of = {a["color"].lower(): codes[a["actor_id"]] for a in built.frames["actors"].iter_rows(named=True)}
    column_heads = re.findall(r'<th class="mark-\d" style="border-top-color: (#\w{6})">(.*?)</th>', html[html.index('id="kap-') :])
    summaries = re.findall(r'<span class="summary-actor mark-\d" style="border-color: (#\w{6})">(.*?)</span>', html)
    assert len(column_heads) >= 2 and len(summaries) >= 2 * built.frames["topics"].height
    for colour, body in column_heads + summaries:
        assert f'<span class="actor-code">{code_of[colour.lower()]}' in body, body


def _items(code: str, n: int) -> list:
    return [booklet.PrintedPledge(f"{code}{i}", f"{code}{i}", "x" * 97, "pledge", f"{code}-program l. {i}", []) for i in range(1, n + 1)]


def test_the_longest_list_follows_full_width_once_the_others_have_ended():
    """An item of 100 characters with its label takes 3 lines of 50 characters, its source line 1 and its
    spacing 0.6: 4.6 lines. Beside 3 such items of the other party, 3 of 10 stand side by side, 7 follow."""
    long, short = booklet.Column({"actor_id": "a"}, _items("A", 10)), booklet.Column({"actor_id": "r"}, _items("R", 3))
    booklet.balance([long, short], 50)
    assert (long.beside, short.beside) == (3, None)
    assert [i.label for i in long.rest_items] == [f"A{i}" for i in range(4, 11)] and short.rest_items == []
    almost = booklet.Column({"actor_id": "a"}, _items("A", 4))  # one item (4.6 lines) more: too little to follow apart
    booklet.balance([almost, short], 50)
    assert almost.beside is None and almost.side_items == almost.items


def test_the_longest_list_is_cut_at_the_item_boundary_nearest_the_others_length():
    """Beside 9.8 lines (an item of 4.6 lines and two of 2.6: 50 characters with the label, one line), two items
    of 4.6 lines (9.2) end nearer than three (13.8): the third follows full width instead of standing alone."""
    short_items = _items("R", 3)
    short_items[1].text = short_items[2].text = "x" * 47
    long, short = booklet.Column({"actor_id": "a"}, _items("A", 10)), booklet.Column({"actor_id": "r"}, short_items)
    booklet.balance([long, short], 50)
    assert long.beside == 2 and [i.label for i in long.rest_items][:1] == ["A3"]


def test_a_rest_follows_under_its_partys_name_which_the_running_head_repeats(html: str, pdf_text: list[str], built: Built):
    rests = re.findall(
        r'<section class="actor-block rest[^"]*" data-actor="([^"]+)">\s*<h2 class="actor-head[^"]*"[^>]*data-running="([^"]+)">', html
    )
    names = dict(built.frames["actors"].select("actor_id", "name").iter_rows())
    assert rests and all(names[actor] == running for actor, running in rests)
    text = "\n".join(pdf_text)
    assert len(re.findall(r"fortsatt fra [A-Z]\d+", text)) == len(rests)


def test_a_page_that_continues_a_chapter_names_the_parties_whose_lists_go_on(pdf_text: list[str], built: Built):
    """No page of a chapter but its first lacks the name of an actor whose list goes on."""
    names = built.frames["actors"]["name"].to_list()
    starts = re.findall(r"^(\d+)\s+.+?\s*\.{3,}\s*(\d+)$", next(p for p in pdf_text if p.startswith("Innhold")), flags=re.M)
    first, appendix = (
        int(starts[0][1]),
        next(n for n, p in enumerate(pdf_text, 1) if p.startswith("Vedlegg") or "\nVedlegg: Slik" in p[:200]),
    )
    chapter_pages = {int(page) for _, page in starts}
    continued = [n for n in range(first, appendix) if n not in chapter_pages and pdf_text[n - 1].strip()]
    assert continued
    for n in continued:  # in the repeated column heads, a rest's header or the running head
        assert any(name in pdf_text[n - 1] for name in names), (n, pdf_text[n - 1])


def test_a5_chapters_open_on_the_next_page_without_blank_pages(built: Built):
    """In the stapled A5 booklet a chapter may open on a left-hand page: no page is blank but the inside of a
    cover and the few that fill a booklet's last sheet."""
    sides = _words_with_text(built.paths.out / "report-booklet.pdf")
    a5_pages = int(re.search(r"A5 pages.*?, (\d+) pages", "\n".join(built.log)).group(1))
    printed = [
        words for width, _, words in sides for words in ([w for w in words if w[2] <= width / 2], [w for w in words if w[0] >= width / 2])
    ]
    covers = 2 * len(_sheets(built)) - 1  # a back cover each, a front cover each but the first
    assert sum(1 for words in printed if words) == a5_pages + covers  # every A5 page of the booklet holds something


def test_the_cover_says_how_far_the_municipalitys_own_policy_reaches(pdf_text: list[str], built: Built):
    """The seeds hold only the employer policy of Bærum kommune, in the chapters on the municipality as employer
    and on work: the cover's subtitle ("hva kommunens egen politikk allerede sier") must not read as more."""
    cover = _squash("\n".join(_cover_lines(pdf_text)))
    assert _squash("Kommunens egen politikk i heftet: Bærum kommunes arbeidsgiverpolitikk, i 2 av 24 kapitler") in cover
    assert _squash("(«Kommunen som arbeidsgiver» og «Arbeid, inkludering i arbeidslivet og lærlinger»).") in cover


def test_a_pledges_reference_to_its_own_programmes_chapter_is_marked_as_the_programmes(html: str):
    """Rødt's programme sends the reader to its own chapters 3, 4 and 14 ("Se kapittel 3: «Boligpolitikk»"),
    which are not the booklet's chapters of those numbers: each such reference is followed by its source."""
    chapters = re.sub(r"<[^>]+>", "", html[html.index('id="kap-') : html.index('id="vedlegg"')])
    for number in (3, 4, 14):
        assert f"Se kapittel {number} [i Rødt-program]" in chapters
    unmarked = re.findall(r"(?i)\b(?:kapittel|kap\.|side|punkt)\s+\d+(?![\d.])(?! \[i )", chapters)
    assert unmarked == []


def test_the_appendix_gives_each_method_statement_its_figure(pdf_text: list[str], built: Built):
    """How chapters were chosen and what the editorial file adds are printed with their counts, the
    counts taken here from the tables and the evaluation the build wrote."""
    appendix = _squash("\n".join(pdf_text[next(n for n, p in enumerate(pdf_text) if "Vedlegg: Slik" in p[:200]) :]))
    printed = built.frames["pledges"].filter(pl.col("kind") != "context")
    methods = printed.join(built.frames["pledge_topics"], on=["pledge_id", "topic_id"])["method"].to_list()
    assert _squash(f"i programmet ({methods.count('heading')} løfter), ellers etter en ordliste per tema ({methods.count('keyword')})") in appendix
    # Counted apart from the classifier: the editor's rows in topic_overrides.csv, and the sub-points and
    # strategies, which follow their parent; the other printed pledges by heading or keywords.
    overrides = (SEEDS / "topic_overrides.csv").read_text(encoding="utf-8").count("\n") - 1
    followers = printed.filter(pl.col("kind").is_in(["sub_pledge", "strategy"])).height
    assert _squash(f"etter redaksjonens valg ({overrides}). Underpunkter følger punktet de står under ({followers}).") in appendix
    assert methods.count("heading") + methods.count("keyword") == printed.height - overrides - followers
    relations = built.frames["relations"]
    editorial_rows = relations.filter(pl.col("method") == "editorial").height
    automatic_printed = relations.filter((pl.col("method") == "auto") & pl.col("printed")).height
    assert editorial_rows > 1
    assert _squash(f"Heftet har {automatic_printed} automatiske merker og {editorial_rows} merker redaksjonen har satt eller bekreftet.") in appendix
    unprinted = relations.filter(~pl.col("printed")).height
    assert _squash(f"{unprinted} usikre forbindelser står bare i datasettet") in appendix
    editorial = json.loads((built.paths.out / "evaluation.json").read_text(encoding="utf-8"))["relations"]["editorial"]
    assert editorial["kept"]["of"] > 0
    assert _squash(f"av {editorial['kept']['of']} forbindelser i datasettet som er lest for hånd og er riktige, ville {editorial['lost']}") in appendix


def _a5_pages(pdf: Path) -> dict[int, list[str]]:
    """The words of each A5 page of the imposed file, by the folio it prints ("Side 12 av 86"); covers have none."""
    pages = {}
    for width, _height, words in _words_with_text(pdf):
        for half in ([w[4] for w in words if w[2] <= width / 2], [w[4] for w in words if w[0] >= width / 2]):
            folio = next((int(half[i + 1]) for i in range(len(half) - 2) if half[i] == "Side" and half[i + 2] == "av"), None)
            if folio:
                pages[folio] = half
    return pages


def test_every_partys_pledges_keep_their_order_in_the_a5_booklet(built: Built):
    """"Løftene står i samme rekkefølge som i programmet": each pledge label (not a marker's "= A246") is on
    the same page as the one before it or a later one. A row of a list's rest split across pages put A247 a
    page before A246."""
    last_page: dict[str, int] = {}
    for folio, words in sorted(_a5_pages(built.paths.out / "report-booklet.pdf").items()):
        for before, word in itertools.pairwise(["", *words]):
            if re.fullmatch(r"[A-Z][a-zA-Z]?\d+", word) and before not in ("=", "~", "≠"):
                last_page[word] = folio
    by_actor: dict[str, list[tuple[int, int]]] = {}
    for label, folio in last_page.items():
        code, number = re.fullmatch(r"([A-Z][a-zA-Z]?)(\d+)", label).groups()
        by_actor.setdefault(code, []).append((int(number), folio))
    assert {"A", "R"} <= set(by_actor)
    for code, placed in by_actor.items():
        pages = [folio for _, folio in sorted(placed)]
        assert pages == sorted(pages), code


def test_each_stapled_booklet_opens_at_a_chapter_with_its_cover_and_ends_with_how_to_print_it(built: Built):
    """The first booklet's back cover lies on the file's first side, with the duplex instruction; every
    later booklet opens with a cover naming its part and the chapters in it, the first of them on its first page."""
    sheets = _sheets(built)
    reader = PdfReader(built.paths.out / "report-booklet.pdf")
    first = _squash(reader.pages[0].extract_text())
    assert _squash("Skriv ut tosidig, vend på kortsiden.") in first
    pages = _a5_pages(built.paths.out / "report-booklet.pdf")
    for k in range(1, len(sheets)):
        side = 2 * sum(sheets[:k])  # the outer side of the booklet's first sheet: its back and front covers
        cover = reader.pages[side].extract_text()
        assert f"HEFTE {k + 1} AV {len(sheets)}" in cover and "(fortsatt)" not in cover  # in capitals, as printed
        assert _squash("Skriv ut tosidig, vend på kortsiden.") in _squash(cover)
        opens = int(re.search(r"side (\d+)", cover).group(1))  # its first chapter's page
        folios = sorted(n for n in pages if n >= opens)
        assert folios and f"{opens}" == re.search(r"Side (\d+)", cover).group(1)


def test_markers_in_a_row_can_break_between_them(html: str):
    """A pledge with 10-25 cross-references wrapped nowhere and ran off the page: a space stands between markers."""
    assert "</a><a class=\"marker" not in html
    assert re.search(r"</a> <a class=\"marker", html)


def test_the_agreement_map_counts_pairs_of_every_kind(html: str, built: Built):
    overview = html.split('id="enighet"')[1].split("</section>")[0]
    assert "hvor mange par av løfter som er enige (=), beslektede (~) og uenige (≠)" in overview
    printed = built.frames["relations"].filter(pl.col("printed"))  # the map counts what the booklet marks (issue 21)
    similar = printed.filter(pl.col("relation") == "similar").height
    cells = re.findall(r"~&#8239;(\d+)", overview)
    assert cells and sum(int(n) for n in cells) == 2 * similar  # each pair in both orders


def test_a_chapter_opener_never_stands_without_its_first_pledges(pdf_text: list[str], built: Built):
    """A chapter's heading and tally stay on the page of its first pledges (21 of 25 chapters of a large
    group opened on a page holding only those)."""
    contents = next(i for i, page in enumerate(pdf_text) if page.startswith("Innhold"))
    entries = re.findall(r"^(\d+)\s+(.+?)\s*\.{3,}\s*(\d+)$", pdf_text[contents], flags=re.M)
    for number, label, page in entries:
        text = pdf_text[int(page) - 1].replace("  ", " ")
        after = text[text.index(f"{number} {label}") :]  # the heading (pypdf gives the running head last)
        assert re.search(r"\b[A-Z][a-zA-Z]?\d+\b|Ingen løfter", after), (number, page)
