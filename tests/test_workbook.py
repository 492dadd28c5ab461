"""The workbook, opened with openpyxl as a reader's spreadsheet program would."""

from __future__ import annotations

import gc
import sys

import polars as pl
import pytest
from openpyxl import load_workbook

from publish import schema
from publish.workbook import COMPARISON_SHEET, README_SHEET, Styles, sheet_title
from tests.conftest import Built

TABLES = {t.name: t for t in schema.ALL_TABLES}


@pytest.fixture(scope="module")
def book(built: Built):
    return load_workbook(built.paths.out / "workbook.xlsx")


def test_sheets_in_order(book):
    assert book.sheetnames == [README_SHEET, COMPARISON_SHEET] + [sheet_title(t) for t in schema.ALL_TABLES]


def test_an_actors_group_links_to_its_row_in_the_groups_sheet(book):
    actors = book[sheet_title(TABLES["actors"])]
    column = [c.value for c in actors[1]].index(TABLES["actors"].field("comparison_group").title) + 1
    cell = actors.cell(2, column)
    assert cell.value == "baerum"
    assert cell.hyperlink.location == f"'{sheet_title(TABLES['groups'])}'!A2"
    assert book[sheet_title(TABLES["groups"])]["A2"].value == "baerum"


@pytest.mark.parametrize("name", list(TABLES))
def test_data_sheet_matches_the_csv(book, built: Built, name: str):
    table, frame = TABLES[name], built.frames[name]
    sheet = book[sheet_title(table)]
    assert [c.value for c in sheet[1]] == [f.title for f in table.fields]
    assert sheet["A1"].comment.text.startswith(f"{table.fields[0].name}: ")
    assert sheet.max_row - 1 == frame.height
    assert sheet.freeze_panes == "A2"
    assert list(sheet.tables) == [name]
    assert sheet.tables[name].ref == f"A1:{sheet.cell(1, len(table.fields)).column_letter}{frame.height + 1}"


def test_a_pledge_read_in_the_seed(book):
    sheet = book[sheet_title(TABLES["pledges"])]
    rows = [r for r in sheet.iter_rows(min_row=2, values_only=True) if r[6] == "Sikre Hospice Stabekk."]
    assert len(rows) == 1
    pledge = dict(zip([f.name for f in TABLES["pledges"].fields], rows[0], strict=True))
    assert (pledge["actor_id"], pledge["kind"], pledge["line_start"], pledge["line_end"]) == ("ap", "pledge", 849, 849)
    assert isinstance(pledge["line_start"], int)  # numbers are numbers, not text


def test_ids_link_to_their_rows(book, built: Built):
    sheet = book[sheet_title(TABLES["pledges"])]
    cell = sheet["C2"]  # document_id of the first pledge
    documents = built.frames["documents"]["document_id"].to_list()
    assert cell.hyperlink.location == f"'Dokumenter'!A{documents.index(cell.value) + 2}"


def test_comparison_counts_equal_the_tables(book, built: Built):
    sheet = book[COMPARISON_SHEET]
    header = [c.value for c in sheet[1]]
    assert header[0] == "Tema" and header[-2:] == ["Enige", "Uenige"]
    assert "utgangspunkt" in header[3]  # the municipality's column is the baseline
    totals = [c.value for c in sheet[sheet.max_row]]
    printed = built.frames["pledges"].filter(pl.col("kind") != "context")
    per_actor = dict(printed.group_by("actor_id").len().iter_rows())
    assert totals[1:4] == [per_actor["ap"], per_actor["r"], per_actor["baerum"]]
    assert sheet.max_row == built.frames["topics"].height + 2
    bolig = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == "Bolig")
    assert "• Ved nybygging bør 50 % av boligene være i den tredje boligsektor" in bolig[2]


def test_cells_have_their_styles(book):
    """Headers white on dark blue, links blue and underlined, long text wrapped, titles bold: each
    cell carries its named style's font, fill and alignment (made from NamedStyle.as_tuple)."""
    pledges = book[sheet_title(TABLES["pledges"])]
    header, link, text, count = pledges["A1"], pledges["C2"], pledges["G2"], pledges["H2"]
    assert header.style == "Kolonnetittel" and "Lenke" in book.named_styles
    assert (header.font.b, header.font.color.rgb, header.fill.fill_type, header.fill.fgColor.rgb) == (True, "00FFFFFF", "solid", "001F3B57")
    assert (header.alignment.wrap_text, header.alignment.vertical) == (True, "top")
    assert (link.font.color.rgb, link.font.u, link.alignment.vertical, link.alignment.wrap_text) == ("000563C1", "single", "top", None)
    assert (text.alignment.wrap_text, text.font.name, text.font.sz, text.fill.fill_type) == (True, "Calibri", 11, None)
    assert (count.alignment.vertical, count.alignment.wrap_text, count.border.left.style) == ("top", None, None)
    readme, comparison = book[README_SHEET], book[COMPARISON_SHEET]
    assert (readme["A1"].font.b, readme["A1"].font.sz) == (True, 14)
    assert comparison.cell(comparison.max_row, 1).font.b and not comparison["A2"].font.b


@pytest.mark.parametrize("where", ["between rows", "inside a row"])
def test_a_discarded_workbook_leaves_no_open_stream(monkeypatch, where: str):
    """A build stopped while rows stream (Ctrl-C between rows, or an error inside openpyxl's writing of
    one) closes every sheet's streams: none is left for the garbage collector, where lxml complains."""
    from openpyxl import Workbook
    from openpyxl.worksheet._writer import WorksheetWriter

    from publish.workbook import _discard

    written = WorksheetWriter.write_row

    def write_row(writer, xf, row, row_idx):
        if where == "inside a row" and writer.ws.title == "b" and row_idx == 5:
            raise KeyboardInterrupt
        return written(writer, xf, row, row_idx)

    monkeypatch.setattr(WorksheetWriter, "write_row", write_row)
    workbook = Workbook(write_only=True)
    styles = Styles(workbook)
    with pytest.raises(KeyboardInterrupt):
        for title in ("a", "b"):
            sheet = workbook.create_sheet(title)
            for row in range(1, 20):
                if where == "between rows" and title == "b" and row == 5:
                    raise KeyboardInterrupt
                sheet.append([styles.cell(sheet, f"tekst {row}", styles.wrap), row])
    ignored: list = []
    monkeypatch.setattr(sys, "unraisablehook", ignored.append)
    _discard(workbook)
    del workbook, sheet, styles  # the only references to the sheets and their streams
    gc.collect()
    assert ignored == []


def test_readme_sheet_names_sources_and_the_data_date(book, built: Built):
    text = "\n".join(str(v) for row in book[README_SHEET].iter_rows(values_only=True) for v in row if v)
    for sha in built.frames["documents"]["sha256"]:
        assert sha in text
    assert "2026-11-25" in text and "CC-BY-4.0" in text and "datapackage.zip" in text


def test_document_properties(book):
    props = book.properties
    assert props.title.startswith("Løfter i Bærum") and props.language == "nb-NO"
    assert props.creator == "Løfteregisteret" and props.lastModifiedBy is None
    assert str(props.modified) == "2026-11-25 00:00:00"


def test_workbook_is_byte_identical_between_builds(built: Built, tmp_path):
    from publish.build import Paths, StageLog, build
    from tests.conftest import SEEDS

    build(Paths(seeds=SEEDS, package=tmp_path / "dp", out=tmp_path / "out", report=False), StageLog(echo=lambda _: None))
    assert (tmp_path / "out" / "workbook.xlsx").read_bytes() == (built.paths.out / "workbook.xlsx").read_bytes()


def test_formula_looking_text_stays_text(tmp_path):
    from openpyxl import Workbook

    from publish.workbook import write_text

    workbook = Workbook()
    write_text(workbook.active["A1"], '=HYPERLINK("http://example.org","x")')
    workbook.save(tmp_path / "x.xlsx")
    cell = load_workbook(tmp_path / "x.xlsx").active["A1"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
