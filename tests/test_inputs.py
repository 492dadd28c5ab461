"""Programmes as parties publish them (issue 22): a PDF or a saved web page named in the manifest is read
directly. Small hand-made inputs here; the real originals of ../shared/corpus/originals/ where present
(skipped with a reason where not: they are never copied into the repository)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from publish import garbled, pdf, webpage
from publish.extract import extract
from publish.sources import load_corpus
from publish.text import normalise
from tests.conftest import ROOT

ORIGINALS = ROOT.parent / "shared" / "corpus" / "originals"
LABELS = ROOT / "tests" / "corpus" / "labels"
needs_originals = pytest.mark.skipif(not ORIGINALS.is_dir(), reason=f"the originals are not at {ORIGINALS}")
needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="Poppler's pdftotext is not installed (make system)")

MANIFEST = """[dataset]
name = "originaler"
title = "Originaler"
description = "Test"
version = "0.1.0"
created = "2026-12-07"
license = "CC-BY-4.0"
license_title = "CC BY 4.0"
license_path = "https://creativecommons.org/licenses/by/4.0/"
publisher = "Test"
keywords = ["test"]

[[actors]]
id = "parti"
name = "Partiet"
short_name = "P"
kind = "party"
color = "#000000"
"""


def _seeds(tmp_path: Path, files: dict[str, Path]) -> Path:
    """A seeds folder of one actor with each file as a document (copied into tmp_path, never the repo)."""
    seeds = tmp_path / "seeds"
    (seeds / "texts").mkdir(parents=True)
    manifest = MANIFEST
    for document_id, source in files.items():
        shutil.copy(source, seeds / "texts" / source.name)
        manifest += (
            f'\n[[documents]]\nid = "{document_id}"\nfile = "texts/{source.name}"\nactor = "parti"\n'
            f'title = "{document_id}"\nkind = "programme"\nrights = "x"\n'
        )
    (seeds / "sources.toml").write_text(manifest, encoding="utf-8")
    return seeds


# -- reading order, from boxes drawn by hand --------------------------------------------------------
def _column(x0: float, top: float, texts: list[str]) -> list[pdf.Box]:
    return [pdf.Box(x0, top + 14 * i, x0 + 230, top + 11.4 + 14 * i, text) for i, text in enumerate(texts)]


def test_two_columns_under_a_heading_are_read_one_after_the_other():
    heading = pdf.Box(50, 60, 400, 76, "Rettsstaten")
    left = _column(50, 100, ["Vi vil styrke", "politiet i hele", "landet."])
    right = _column(306, 100, ["Fremskrittspartiet vil:", "· øke bemanningen", "· bygge flere fengsler"])
    number = pdf.Box(295, 800, 300, 810, "7")
    ordered = pdf.reading_order([*right, number, *left, heading])
    assert [b.text for b in ordered] == [
        "Rettsstaten", "Vi vil styrke", "politiet i hele", "landet.", "Fremskrittspartiet vil:", "· øke bemanningen",
        "· bygge flere fengsler", "7",
    ]  # fmt: skip


def test_a_paragraph_gap_and_a_heading_font_are_blank_lines():
    lines = [
        pdf.Box(50, 100, 280, 111.4, "Første avsnitt går over"),
        pdf.Box(50, 114, 280, 125.4, "to linjer."),
        pdf.Box(50, 140, 280, 151.4, "Andre avsnitt."),  # 14.6 pt below: more than 0.6 of a line
        pdf.Box(50, 154, 200, 168, "Overskrift"),  # a larger font, no gap
    ]
    assert pdf.page_text(lines) == ["Første avsnitt går over", "to linjer.", "", "Andre avsnitt.", "", "Overskrift"]


def test_markers_and_line_numbers_set_apart_are_joined_to_their_line():
    boxes = [
        pdf.Box(20, 100, 30, 111, "246"),
        pdf.Box(60, 100, 64, 111, "•"),
        pdf.Box(72, 100, 400, 111, "holde skattene på samme nivå"),
        pdf.Box(20, 114, 30, 125, "247"),  # an empty numbered line
    ]
    glued = pdf.glue_marks(boxes)
    assert [b.text for b in glued] == ["• holde skattene på samme nivå 246", "247"]
    assert glued[1].x0 == 60  # the empty numbered line stands in the text's column, not in the margin


def test_the_printed_page_number_is_the_number_at_an_edge():
    page = pdf.Page(595, 842, (pdf.Box(247, 32, 347, 41, "Program 2025-2029"), pdf.Box(50, 400, 300, 411, "I 2025 vil vi 12"),
                               pdf.Box(295, 804, 300, 810, "39")))  # fmt: skip
    assert pdf.printed_page(page) == "39"


# -- a PDF made here: two columns drawn by WeasyPrint ----------------------------------------------
TWO_COLUMNS = """<html><head><style>
@page { size: A4; margin: 2cm; @bottom-center { content: counter(page); } }
body { font: 11pt serif; } h1 { font-size: 18pt; } .cols { columns: 2; column-gap: 1cm; }
</style></head><body>
<h1>Skole og utdanning</h1>
<div class="cols">
<p>Alle barn skal få en god skole. Derfor må vi satse på lærerne, på skolebyggene og på
de ansatte som hjelper elevene hver dag, i hele landet og i alle fag.</p>
<p>Partiet vil:</p>
<ul><li>ansette flere lærere i grunnskolen</li><li>pusse opp skolebyggene</li></ul>
<p>Elevene må også ha tid til å leke og lære utenfor klasserommet, med et godt og variert
tilbud etter skoletid. Dette gjelder både på barneskolen og på ungdomsskolen, og i byene
like mye som i bygdene, der avstandene ofte er lange.</p>
<p>Partiet vil også:</p>
<ul><li>gi alle elever gratis skolemat</li><li>bygge flere idrettshaller</li></ul>
</div></body></html>"""


@needs_pdftotext
def test_a_two_column_pdf_gives_its_items_in_reading_order_with_page_numbers(tmp_path):
    from weasyprint import HTML

    HTML(string=TWO_COLUMNS).write_pdf(tmp_path / "program.pdf")
    corpus = load_corpus(_seeds(tmp_path, {"program": tmp_path / "program.pdf"}))
    document = corpus.documents[0]
    items = [item.text for item in extract(document).items]
    assert items == [
        "ansette flere lærere i grunnskolen",
        "pusse opp skolebyggene",
        "gi alle elever gratis skolemat",
        "bygge flere idrettshaller",
    ]
    assert document.line_pages and set(document.line_pages) == {1}
    assert document.printed_pages == ("1",)


# -- a saved web page -----------------------------------------------------------------------------
PAGE = """<!DOCTYPE html><html><head><meta charset="windows-1252"><title>Program</title></head><body>
<header><nav><ul><li><a href="/">Forside</a></li><li>Politikk</li></ul></nav></header>
<div id="cookie-banner"><p>Vi bruker informasjonskapsler.</p><button>Godta</button></div>
<main><h1>Program for bydelen</h1>
<h2>Skole</h2><p>Skolen er viktig for alle.</p><p>Venstre vil:</p>
<ul><li><p>gi alle elever en <strong>god</strong> skole</p>
  <ul><li>med flere lærere</li><li>og nye skolebygg</li></ul></li>
<li>åpne skolegården etter skoletid</li></ul>
<div class="share del-pa">Del på Facebook</div></main>
<footer><p>Venstre, Postboks 1</p></footer></body></html>"""


def test_a_web_page_gives_its_list_structure_without_navigation_banners_or_sharing():
    text = webpage.html_text(PAGE.encode("cp1252"))
    assert text.splitlines() == [
        "# Program for bydelen", "", "## Skole", "", "Skolen er viktig for alle.", "", "Venstre vil:", "",
        "- gi alle elever en god skole", "  - med flere lærere", "  - og nye skolebygg", "- åpne skolegården etter skoletid",
    ]  # fmt: skip


def test_a_web_page_in_the_manifest_gives_items_and_sub_items(tmp_path):
    (tmp_path / "side.html").write_bytes(PAGE.encode("cp1252"))
    document = load_corpus(_seeds(tmp_path, {"side": tmp_path / "side.html"})).documents[0]
    items = [(item.kind, item.text) for item in extract(document).items]
    assert items == [
        ("pledge", "gi alle elever en god skole"),
        ("sub_pledge", "med flere lærere"),
        ("sub_pledge", "og nye skolebygg"),
        ("pledge", "åpne skolegården etter skoletid"),
    ]


# -- the real originals ---------------------------------------------------------------------------
# Each original and the corpus text whose hand labels (tests/corpus/labels) sample its items: the same
# programme, extracted by hand or by pypdf. A labelled item is found when an item of the original has
# its text (normalised: case, punctuation and spacing aside).
ORIGINAL_LABELS = {
    "arbeiderpartiets.pdf": "03_ap-2025-arbeidsliv-pensjon-bolig",
    "frp.pdf": "06_frp-2025-politi-domstoler",
    "gamle-oslo-venstre-2019-2023.pdf": "02_gamle-oslo-venstre-2019-vedtatt",
    "gamle-oslo-venstre-2019-2023.html": "02_gamle-oslo-venstre-2019-vedtatt",
    "miljopartiet_de_gronne.pdf": "14_mdg-2025-verdiskaping",
    "partiet_sentrum.pdf": "10_partiet-sentrum-2025-mangfold",
    "senterpartiet_partiprogram.pdf": "17_sp-2025-klima-arbeid-nynorsk",
    "sosialistisk_vensterparti.pdf": "13_sv-2025-arbeid-helse-likestilling",
}


@pytest.fixture(scope="module")
def originals(tmp_path_factory):
    if not ORIGINALS.is_dir() or shutil.which("pdftotext") is None:
        pytest.skip(f"the originals ({ORIGINALS}) or Poppler's pdftotext are missing")
    files = {Path(name).stem.replace("_", "-") + Path(name).suffix.replace(".", "-"): ORIGINALS / name for name in ORIGINAL_LABELS}
    corpus = load_corpus(_seeds(tmp_path_factory.mktemp("originals"), files))
    return {Path(d.source_file).name: (d, extract(d)) for d in corpus.documents}


@needs_originals
@pytest.mark.parametrize("name", sorted(ORIGINAL_LABELS))
def test_an_original_gives_its_hand_sampled_items(originals, name):
    document, extraction = originals[name]
    texts = {normalise(item.text) for item in extraction.items}
    with (LABELS / f"{ORIGINAL_LABELS[name]}.csv").open(encoding="utf-8", newline="") as handle:
        labels = list(csv.DictReader(handle))
    # The labels are read from a text extracted as printed; the PDF's font map is undone (publish/garbled.py), the labels' too.
    repaired = garbled.repair("\n".join(row["text"].replace("\n", " ") for row in labels))[0].split("\n")
    items = [normalise(text) for row, text in zip(labels, repaired, strict=True) if row["label"] == "item"]
    non_items = [normalise(text) for row, text in zip(labels, repaired, strict=True) if row["label"] == "not_item"]
    recall = sum(text in texts for text in items) / len(items)
    assert recall >= 0.95, [text for text in items if text not in texts][:5]
    assert not [text for text in non_items if text and text in texts]
    assert all(len(item.text) <= 1_500 for item in extraction.items)
    assert not any("\ufb01" in item.text or "\ufb02" in item.text for item in extraction.items)  # ligatures are letters
    assert sum(1 for item in extraction.items if garbled.garbled_words(item.text)) <= 0.02 * len(extraction.items)


@needs_originals
def test_a_national_pdf_cites_its_printed_pages(originals):
    """Read by hand in the PDFs: FrP's 'utvikle ordningen med hurtigdomstoler' is on PDF page 39, printed
    39; Ap's 'bruke finanspolitikken aktivt …' on PDF page 10, printed 8 (the cover and contents are not numbered)."""
    for name, start, pdf_page, printed in (
        ("frp.pdf", "utvikle ordningen med hurtigdomstoler", 39, "39"),
        ("arbeiderpartiets.pdf", "bruke finanspolitikken aktivt til å sørge for høy sysselsetting", 10, "8"),
    ):
        document, extraction = originals[name]
        item = next(item for item in extraction.items if item.text.startswith(start))
        page = document.line_pages[item.lines[0].number - 1]
        assert (page, document.printed_pages[page - 1]) == (pdf_page, printed)
        if name == "arbeiderpartiets.pdf":
            assert item.lines[0].printed == 248  # the line number printed in Ap's margin


@needs_originals
def test_a_page_number_beside_a_running_footer_is_the_printed_page(originals):
    """Read in the PDFs' footers: page 10 of SV's, MDG's and Partiet Sentrum's programmes prints "10", beside
    "post@sv.no | sv.no", "Arbeidsprogram for MDG 2025–2029" and "STORTINGSPROGRAM 2025-2029" in the same row."""
    for name in ("sosialistisk_vensterparti.pdf", "miljopartiet_de_gronne.pdf", "partiet_sentrum.pdf"):
        document, _ = originals[name]
        assert document.printed_pages[9] == "10", name


@needs_originals
def test_every_national_pdf_gives_over_a_hundred_pledges(originals):
    for name, (document, extraction) in originals.items():
        if name.endswith(".pdf") and not name.startswith("gamle-oslo"):
            assert len(extraction.items) >= 100, name
            assert len(document.printed_pages) == len(set(document.line_pages)), name


# -- no item swallows a page ----------------------------------------------------------------------
def _document(tmp_path: Path, text: str):
    (tmp_path / "program.txt").write_text(text, encoding="utf-8")
    return load_corpus(_seeds(tmp_path, {"program": tmp_path / "program.txt"})).documents[0]


def test_a_dated_foreword_is_no_numbered_item(tmp_path):
    text = (
        "Forord\n\nVi går til valg på et program for hele landet.\n\nOslo, 11. juli 2025\n\nKari Nordmann\n\n"
        "Partiet vil:\n\n1. Senke skattene\n2. Bygge flere veier\n"
    )
    items = [item.text for item in extract(_document(tmp_path, text)).items]
    assert items == ["Senke skattene", "Bygge flere veier"]


def test_an_item_over_1500_characters_is_split_at_sentence_ends(tmp_path):
    sentence = "Dette er en lang setning om skolen som går over hele linjen og slutter her."  # 75 characters
    lines = "\n".join(["Partiet vil:", "", f"- {sentence}", *[f"  {sentence}" for _ in range(29)], "", "- Bygge veier"])
    extraction = extract(_document(tmp_path, lines + "\n"))
    texts = [item.text for item in extraction.items]
    # 30 sentences of 75 characters: 19 and their 18 spaces make 1,443 (20 would make 1,519), then the other 11 make 835.
    assert [len(t) for t in texts[:-1]] == [1_443, 835]
    assert texts[-1] == "Bygge veier" and not extraction.long_items


# -- prose ----------------------------------------------------------------------------------------
PROSE = """Fred og Rettferdighet

Fred

Krig løser ingen konflikter. Fred og Rettferdighet krever at Norge
melder seg ut av NATO. Vi vil bruke pengene på
diplomati i stedet. Det vil koste mye? Nei.

Skule

Skulen er viktig for alle. Derfor vil me ha fleire
lærarar i kvar klasse. Me går inn for gratis skulemat.
"""


def test_a_programme_in_prose_gives_its_promising_sentences_typed_as_sentences(tmp_path):
    extraction = extract(_document(tmp_path, PROSE))
    found = [(item.source, item.text, item.lines[0].number, item.lines[-1].number) for item in extraction.items]
    assert found == [
        ("sentence", "Fred og Rettferdighet krever at Norge melder seg ut av NATO.", 5, 6),
        ("sentence", "Vi vil bruke pengene på diplomati i stedet.", 6, 7),
        ("sentence", "Derfor vil me ha fleire lærarar i kvar klasse.", 11, 12),
        ("sentence", "Me går inn for gratis skulemat.", 12, 12),
    ]
    assert [extraction.headings[item.section].title for item in extraction.items] == ["Fred", "Fred", "Skule", "Skule"]


@pytest.mark.build
@needs_pdftotext
def test_a_pdf_added_and_built_cites_its_pages_and_keeps_its_text(seeds, tmp_path):
    """End to end: `add` a two-column PDF to the seeds, build the data; each of its pledge_sources rows names
    PDF page 1, printed "1", and its line in build/texts/<document>.txt holds the pledge's first words."""
    import polars as pl
    from weasyprint import HTML

    from publish.add import add
    from publish.build import Paths, StageLog, build

    HTML(string=TWO_COLUMNS).write_pdf(tmp_path / "skole.pdf")
    added = add(str(tmp_path / "skole.pdf"), "ap", seeds=seeds)
    assert added.pledges == 4
    out = tmp_path / "out"
    frames = build(Paths(seeds=seeds, package=tmp_path / "dp", out=out, report=False), StageLog(echo=lambda _: None))
    rows = frames["pledge_sources"].filter(pl.col("document_id") == "skole").sort("line_start")
    assert rows.select("pdf_page", "printed_page").unique().rows() == [(1, "1")]
    lines = (out / "texts" / "skole.txt").read_text(encoding="utf-8").split("\n")
    for line, text in rows.select("line_start", "text").iter_rows():
        assert text.split()[0] in lines[line - 1]
    assert not (out / "texts" / "ap-web-arbeid.txt").exists()  # a text file is its own reference
