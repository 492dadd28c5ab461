"""The editor's review loop: the sheet `publish review --out` writes, and its filled rows merged back by
`--apply` into seeds/relations.csv and seeds/topic_overrides.csv, as the next build reads them."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook

from publish import review
from publish.build import Paths, StageLog, _data
from publish.cli import main
from publish.errors import InputError
from tests.conftest import ROOT

# Twenty decisions chosen by hand, every kind and the note column's quoting included; the test puts
# them on the sheet's first twenty rows and checks that exactly these reach the tables (the round
# trip), not whether each is right about its pair.
DECISIONS = [
    ("agree", "Begge vil det samme."),
    ("remove", ""),
    ("similar", ""),
    ("remove", "Ulike saker."),
    ("agree", ""),
    ("disagree", 'Motsatt: "ja" og "nei", med komma'),
    ("similar", "Samme sak,\nulike tiltak."),
    ("remove", ""),
    ("agree", ""),
    ("similar", ""),
    ("remove", ""),
    ("remove", ""),
    ("similar", "Samme sak."),
    ("agree", ""),
    ("disagree", ""),
    ("remove", ""),
    ("similar", ""),
    ("agree", ""),
    ("remove", ""),
    ("similar", ""),
]
MOVES = [("okonomi", "Handler om kommunens økonomi."), ("klima-miljo", ""), ("barnehage", "Står under feil overskrift.")]


def _digest(seeds: Path) -> dict[str, str]:
    return {name: hashlib.sha256((seeds / name).read_bytes()).hexdigest() for name in ("relations.csv", "topic_overrides.csv")}


def _column(sheet, header: str) -> int:
    return [cell.value for cell in sheet[1]].index(header) + 1


@pytest.fixture
def sheet(seeds: Path, tmp_path: Path) -> Path:
    path = tmp_path / "gjennomgang.xlsx"
    review.review(path, seeds, rows=60)
    return path


def _fill(sheet_path: Path, decisions=DECISIONS, moves=MOVES, first_row: int = 2) -> tuple[list[tuple[str, str]], list[str]]:
    """Write the decisions into the sheet as an editor would; returns the pairs and pledges filled."""
    workbook = load_workbook(sheet_path)
    pairs, chapters = workbook[review.PAIRS_SHEET], workbook[review.CHAPTERS_SHEET]
    a, b, relation, note = (_column(pairs, h) for h in ("pledge_a", "pledge_b", "relation", "note"))
    filled = []
    for row, (kind, text) in enumerate(decisions, start=first_row):
        pairs.cell(row, relation, kind)
        pairs.cell(row, note, text or None)
        filled.append((pairs.cell(row, a).value, pairs.cell(row, b).value))
    pairs.cell(first_row + len(decisions), note, "Bare en merknad, ingen beslutning: raden hoppes over.")
    pledge, topic, reason = (_column(chapters, h) for h in ("pledge_id", "topic_id", "reason"))
    moved = []
    for row, (topic_id, why) in enumerate(moves, start=2):
        chapters.cell(row, topic, topic_id)
        chapters.cell(row, reason, why or None)
        moved.append(chapters.cell(row, pledge).value)
    workbook.save(sheet_path)
    return filled, moved


@pytest.mark.build
def test_twenty_decisions_reach_the_relations_and_the_chapters_after_the_next_build(seeds: Path, sheet: Path):
    before = _data(Paths(seeds=seeds, report=False), StageLog(echo=lambda _: None))[1]
    filled, moved = _fill(sheet)
    assert len(set(filled)) == 20 and len(set(moved)) == 3

    applied = review.apply(sheet, seeds)

    assert (applied.relations_added, applied.relations_kept, applied.overrides_added) == (20, 0, 3)
    frames = _data(Paths(seeds=seeds, report=False), StageLog(echo=lambda _: None))[1]
    relations = frames["relations"]
    for (a, b), (kind, note) in zip(filled, DECISIONS, strict=True):
        row = relations.filter(pl.col("pledge_id_a") == a, pl.col("pledge_id_b") == b)
        if kind == "remove":
            assert row.height == 0, (a, b)
        else:
            assert row.select("relation", "method", "note").rows() == [(kind, "editorial", note or None)], (a, b)
    # exactly these: the editorial relations are the earlier ones and the new decisions that set a relation
    editorial = pl.col("method") == "editorial"
    columns = ("pledge_id_a", "pledge_id_b", "relation", "note")
    wanted = {(a, b, kind, note or None) for (a, b), (kind, note) in zip(filled, DECISIONS, strict=True) if kind != "remove"}
    assert (
        set(relations.filter(editorial).select(columns).rows())
        == set(before["relations"].filter(editorial).select(columns).rows()) | wanted
    )
    chapters = frames["pledge_topics"].filter(pl.col("rank") == 1)
    for pledge_id, (topic_id, _) in zip(moved, MOVES, strict=True):
        assert chapters.filter(pl.col("pledge_id") == pledge_id).select("topic_id", "method").rows() == [(topic_id, "override")]


@pytest.mark.build
def test_applying_twice_changes_nothing(seeds: Path, sheet: Path):
    _fill(sheet)
    review.apply(sheet, seeds)
    after_first = {name: (seeds / name).read_bytes() for name in ("relations.csv", "topic_overrides.csv")}

    again = review.apply(sheet, seeds)

    assert (again.relations_added, again.relations_kept, again.overrides_added, again.overrides_kept) == (0, 20, 0, 3)
    assert again.changed == []
    assert {name: (seeds / name).read_bytes() for name in after_first} == after_first


@pytest.mark.build
def test_the_existing_rows_are_kept_byte_for_byte_and_the_new_ones_follow(seeds: Path, sheet: Path):
    old = (seeds / "relations.csv").read_bytes()
    _fill(sheet)
    review.apply(sheet, seeds)
    new = (seeds / "relations.csv").read_bytes()
    assert new.startswith(old)
    assert new[len(old) :].decode().count("\n") == 20 + 1  # one note holds a line break, quoted


@pytest.mark.build
def test_a_conflict_with_an_existing_row_is_one_message_naming_both(seeds: Path, sheet: Path, capsys):
    lines = (seeds / "relations.csv").read_text(encoding="utf-8").count("\n")  # the first row applied lands on the next line
    filled, _ = _fill(sheet)
    review.apply(sheet, seeds)
    digest = _digest(seeds)
    _fill(sheet, decisions=[("disagree", "")], moves=[])  # row 2 said agree; now disagree

    assert main(["review", "--apply", str(sheet), "--seeds", str(seeds)]) == 2

    a, b = filled[0]
    expected = (
        f"error: {sheet}, sheet Par, row 2: sets the pair {a}, {b} to 'disagree', but {seeds / 'relations.csv'}:{lines + 1} sets it to 'agree'\n"
        f"  hint: keep one: change the sheet's row, or edit line {lines + 1} of relations.csv and apply again\n"
    )
    assert capsys.readouterr().err == expected
    assert _digest(seeds) == digest


@pytest.mark.build
def test_a_chapter_move_against_an_existing_override_names_both(seeds: Path, sheet: Path):
    digest = _digest(seeds)
    workbook = load_workbook(sheet)
    chapters = workbook[review.CHAPTERS_SHEET]
    chapters.cell(2, _column(chapters, "pledge_id"), "r-c1ff119b70")  # seeds/topic_overrides.csv line 3 puts it under okonomi
    chapters.cell(2, _column(chapters, "topic_id"), "bolig")
    workbook.save(sheet)

    with pytest.raises(InputError) as caught:
        review.apply(sheet, seeds)

    assert str(caught.value) == (
        f"{sheet}, sheet Kapitler, row 2: sets pledge r-c1ff119b70 to 'bolig', but {seeds / 'topic_overrides.csv'}:3 sets it to 'okonomi'\n"
        "  hint: keep one: change the sheet's row, or edit line 3 of topic_overrides.csv and apply again"
    )
    assert _digest(seeds) == digest


@pytest.mark.build
def test_a_bad_relation_is_one_message_naming_the_sheet_row_and_nothing_is_written(seeds: Path, sheet: Path, capsys):
    digest = _digest(seeds)
    _fill(sheet, decisions=[*DECISIONS[:5], ("agre", ""), *DECISIONS[6:]])

    assert main(["review", "--apply", str(sheet), "--seeds", str(seeds)]) == 2

    assert capsys.readouterr().err == (
        f"error: {sheet}, sheet Par, row 7: unknown relation kind 'agre'\n  hint: use agree, similar, disagree or remove\n"
    )
    assert _digest(seeds) == digest


@pytest.mark.build
def test_an_unknown_chapter_names_the_sheet_row(seeds: Path, sheet: Path):
    digest = _digest(seeds)
    _fill(sheet, decisions=[], moves=[("okonomi", ""), ("økonomi", "")])

    with pytest.raises(InputError) as caught:
        review.apply(sheet, seeds)

    assert str(caught.value).startswith(f"{sheet}, sheet Kapitler, row 3: unknown topic 'økonomi'\n  hint: topics: anskaffelser, ")
    assert _digest(seeds) == digest


@pytest.mark.build
def test_the_same_pair_twice_on_the_sheet_names_both_rows(seeds: Path, sheet: Path):
    workbook = load_workbook(sheet)
    pairs = workbook[review.PAIRS_SHEET]
    a, b, relation = (_column(pairs, h) for h in ("pledge_a", "pledge_b", "relation"))
    pairs.cell(5, a, pairs.cell(2, b).value)  # row 5 names row 2's pair, the other way round
    pairs.cell(5, b, pairs.cell(2, a).value)
    pairs.cell(2, relation, "agree")
    pairs.cell(5, relation, "similar")
    workbook.save(sheet)

    with pytest.raises(InputError) as caught:
        review.apply(sheet, seeds)

    first, second = sorted((pairs.cell(2, a).value, pairs.cell(2, b).value))
    assert str(caught.value) == f"{sheet}, sheet Par, row 5: the pair {first}, {second} is already on row 2\n  hint: keep one row per pair"


def test_a_file_that_is_no_workbook_is_one_message(seeds: Path, tmp_path: Path):
    path = tmp_path / "fylt.xlsx"
    path.write_text("pledge_a,pledge_b,relation\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        review.apply(path, seeds)
    assert str(caught.value).startswith(f"{path}: not an Excel workbook (.xlsx)")


@pytest.mark.build
def test_the_sheet_is_laid_out_for_an_editor_and_round_trips_its_headers(sheet: Path):
    workbook = load_workbook(sheet)
    assert workbook.sheetnames == ["Slik gjør du", "Par", "Kapitler", "Kapittelliste"]
    assert any(
        "Når du er ferdig, kjør: python -m publish review --apply FIL.xlsx" in (c.value or "") for c in workbook["Slik gjør du"]["A"]
    )
    pairs = workbook[review.PAIRS_SHEET]
    headers = [cell.value for cell in pairs[1]]
    assert {"pledge_a", "pledge_b", "relation", "note"} <= set(headers)
    assert headers.index("Løfte B") == headers.index("Løfte A") + 2  # the texts side by side, each with its actor
    assert pairs.freeze_panes == "A2"
    (choices,) = pairs.data_validations.dataValidation
    assert choices.formula1 == '"agree,similar,disagree,remove"'
    letter = chr(ord("A") + headers.index("relation"))
    assert str(choices.sqref) == f"{letter}2:{letter}61"
    assert pairs.max_row == 61
    assert pairs.cell(2, headers.index("Løfte A") + 1).alignment.wrap_text
    assert pairs.column_dimensions[chr(ord("A") + headers.index("Løfte A"))].width >= 50
    chapters = workbook[review.CHAPTERS_SHEET]
    assert {"pledge_id", "topic_id", "reason"} <= {cell.value for cell in chapters[1]}
    assert chapters.data_validations.dataValidation[0].formula1.startswith("'Kapittelliste'!$A$2:$A$")


@pytest.mark.build
def test_the_command_writes_the_same_bytes_under_another_hash_seed_and_time_zone(seeds: Path, sheet: Path, tmp_path: Path):
    again = tmp_path / "igjen.xlsx"
    environment = {**os.environ, "PYTHONHASHSEED": "12345", "TZ": "Pacific/Kiritimati"}
    command = [sys.executable, "-m", "publish", "review", "--out", str(again), "--seeds", str(seeds), "--rows", "60"]
    done = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=600)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith(f"{again}: 60 pairs (baerum 60), ")
    assert again.read_bytes() == sheet.read_bytes()


@pytest.mark.build
def test_an_existing_sheet_is_not_overwritten_unless_asked(seeds: Path, sheet: Path):
    before = sheet.read_bytes()
    _fill(sheet)
    filled = sheet.read_bytes()
    with pytest.raises(InputError, match="may hold decisions not yet applied"):
        review.review(sheet, seeds, rows=60)
    assert sheet.read_bytes() == filled
    review.review(sheet, seeds, rows=60, replace=True)
    assert sheet.read_bytes() == before


def _pair(a: str, actors: tuple[str, str], p: float, shown: str | None = None, read: bool = False) -> review.Pair:
    return review.Pair("g", a, a + "-b", actors, p, shown, read)


def test_printed_unread_and_uncertain_pairs_come_first_in_turns_over_every_pair_of_actors():
    pairs = [
        _pair("far-ab", ("a", "b"), 0.05),  # unread, far below the threshold 0.47
        _pair("near-ab-1", ("a", "b"), 0.46),
        _pair("near-ab-2", ("a", "b"), 0.50),
        _pair("near-ab-3", ("a", "b"), 0.40),
        _pair("printed-ac", ("a", "c"), 0.95, shown="agree"),  # printed, unread: far from the threshold, still first
        _pair("read-bc", ("b", "c"), 0.47, read=True),  # on the threshold, but a reader has labelled it
        _pair("near-bc", ("b", "c"), 0.60),
    ]
    chosen = [p.pledge_id_a for p in review.select_pairs(pairs, threshold=0.47, limit=6)]
    # first turn: each actor pair's best (a-b 0.46, b-c 0.60, a-c printed 0.95 by distance); then a-b's next two
    assert chosen == ["near-ab-1", "near-bc", "printed-ac", "near-ab-2", "near-ab-3", "far-ab"]


@pytest.mark.build
def test_a_failed_rename_puts_the_first_file_back(seeds: Path, sheet: Path, monkeypatch):
    """Both files change together or neither does: the disk failing under the second rename undoes the first."""
    digest = _digest(seeds)
    _fill(sheet)
    rename = review.os.replace

    def failing(source, target):
        if Path(target).name == "topic_overrides.csv":
            raise OSError(28, "No space left on device", str(target))
        rename(source, target)

    monkeypatch.setattr(review.os, "replace", failing)
    with pytest.raises(OSError):
        review.apply(sheet, seeds)
    assert _digest(seeds) == digest
    assert sorted(p.name for p in seeds.iterdir() if p.name.startswith(".")) == []


def test_the_editors_guide_shows_the_sheets_columns_as_they_are():
    """docs/review.md's column tables are written from the columns the sheet is made from."""
    guide = (Path(__file__).resolve().parent.parent / "docs" / "review.md").read_text(encoding="utf-8")
    assert review.columns_markdown() in guide
