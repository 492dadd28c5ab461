"""Stage: the same tables as an Excel workbook, for people who filter and sort in a spreadsheet.

Sheets: "Les meg" (what this is, sources, licence), "Sammenligning" (topic x actor), then one real
Excel table per package resource with Norwegian headers and the field descriptions as comments.
Byte-identical between builds: document properties and zip entry times come from the data.
"""

from __future__ import annotations

import io
import re
import zipfile
from copy import copy
from datetime import datetime
from pathlib import Path

import polars as pl
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from publish import schema
from publish.sources import Corpus

README_SHEET = "Les meg"
COMPARISON_SHEET = "Sammenligning"
MAX_WIDTH = 60  # characters; longer text wraps
LONG_TEXT = 40  # columns whose content is longer than this wrap
HEADER_FILL = PatternFill("solid", fgColor="1F3B57")
HEADER_FONT = Font(bold=True, color="FFFFFF")
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
LINK_FONT = Font(color="0563C1", underline="single")
# Where an id column links to the row of the table it names.
LINKS = {"document_id": "documents", "actor_id": "actors", "section_id": "sections", "topic_id": "topics"}


def sheet_title(table: schema.Table) -> str:
    """Excel sheet names are at most 31 characters; the Norwegian table titles fit."""
    return table.title[:31]


def write_text(cell: Cell, value) -> None:
    """Store a value; text is always text, so "=HYPERLINK(...)" in a pledge never becomes a formula."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def build_workbook(corpus: Corpus, frames: dict[str, pl.DataFrame], tables: dict[str, schema.Table]) -> Workbook:
    workbook = Workbook()
    readme = workbook.active
    readme.title = README_SHEET
    _readme(readme, corpus, frames, tables)
    _comparison(workbook.create_sheet(COMPARISON_SHEET), frames)
    rows_of = {name: _row_index(frames[name], table) for name, table in tables.items()}
    for name, table in tables.items():
        _data_sheet(workbook.create_sheet(sheet_title(table)), frames[name], table, tables, rows_of)
    _properties(workbook, corpus)
    return workbook


def _readme(sheet: Worksheet, corpus: Corpus, frames: dict[str, pl.DataFrame], tables: dict[str, schema.Table]) -> None:
    dataset = corpus.dataset
    lines: list[tuple[str, str]] = [
        (dataset.title, ""),
        ("", ""),
        ("Hva dette er", dataset.description),
        ("Versjon", f"{dataset.version} ({dataset.created})"),
        ("Lisens", f"{dataset.license_title} ({dataset.license}) for de strukturerte dataene; tekstene tilhører avsenderne (se kilder)."),
        ("Utgiver", dataset.publisher),
        ("Datapakke", "datapackage.zip (Frictionless Data Package) med de samme tabellene som CSV-filer."),
        ("", ""),
        ("Arkfaner", ""),
        (
            COMPARISON_SHEET,
            "Ett tema per rad, én kolonne per aktør: hva hver aktør lover om temaet. Kommunens egen politikk er utgangspunktet.",
        ),
    ]
    lines += [
        (sheet_title(t), f"{t.description} ({frames[name].height} rader; tabellen «{name}» i datapakken.)") for name, t in tables.items()
    ]
    lines += [("", ""), ("Kilder", "")]
    for d in corpus.documents:
        lines.append((d.title, f"{d.period or 'uten periode'} · {d.rights} · SHA-256 {d.sha256}"))
    for row, (label, text) in enumerate(lines, start=1):
        write_text(sheet.cell(row, 1), label)
        write_text(sheet.cell(row, 2), text)
        sheet.cell(row, 2).alignment = WRAP
        if label and not text or label == dataset.title:
            sheet.cell(row, 1).font = Font(bold=True, size=14 if row == 1 else 11)
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 100


def comparison_rows(frames: dict[str, pl.DataFrame]) -> tuple[list[str], list[list]]:
    """Header and rows of the comparison: one row per topic, one column per actor, plus counts."""
    actors = frames["actors"].sort(pl.col("kind") == "municipality", "actor_id")
    rank1 = frames["pledge_topics"].filter(pl.col("rank") == 1).select("pledge_id", "topic_id")
    pledges = frames["pledges"].filter(pl.col("kind") != "context").join(rank1, on="pledge_id").sort("document_id", "line_start")
    relations = frames["relations"]
    header = ["Tema"] + [_actor_heading(a) for a in actors.iter_rows(named=True)] + ["Enige", "Uenige"]
    rows: list[list] = []
    totals = [0] * actors.height
    for topic in frames["topics"].sort("order").iter_rows(named=True):
        row: list = [topic["label"]]
        for index, actor in enumerate(actors.iter_rows(named=True)):
            texts = pledges.filter(pl.col("topic_id") == topic["topic_id"], pl.col("actor_id") == actor["actor_id"])["text"].to_list()
            totals[index] += len(texts)
            row.append("\n".join(f"• {t}" for t in texts))
        on_topic = relations.filter(pl.col("topic_id") == topic["topic_id"])
        row += [on_topic.filter(pl.col("relation") == "agree").height, on_topic.filter(pl.col("relation") == "disagree").height]
        rows.append(row)
    rows.append(["Antall løfter"] + totals + [relations.filter(pl.col("relation") == k).height for k in ("agree", "disagree")])
    return header, rows


def _actor_heading(actor: dict) -> str:
    if actor["kind"] == "municipality":
        return f"{actor['name']} (egen politikk – utgangspunkt)"
    return actor["name"]


def _comparison(sheet: Worksheet, frames: dict[str, pl.DataFrame]) -> None:
    header, rows = comparison_rows(frames)
    for column, title in enumerate(header, start=1):
        _header_cell(sheet.cell(1, column), title)
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            cell = sheet.cell(r, c)
            write_text(cell, value)
            cell.alignment = WRAP
    for r in (len(rows) + 1,):
        for c in range(1, len(header) + 1):
            sheet.cell(r, c).font = Font(bold=True)
    sheet.column_dimensions["A"].width = 28
    for c in range(2, len(header) - 1):
        sheet.column_dimensions[get_column_letter(c)].width = 70
    for c in (len(header) - 1, len(header)):
        sheet.column_dimensions[get_column_letter(c)].width = 9
    sheet.freeze_panes = "B2"


def _header_cell(cell: Cell, title: str, comment: str | None = None) -> None:
    write_text(cell, title)
    cell.font = HEADER_FONT
    cell.fill = HEADER_FILL
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    if comment:
        cell.comment = Comment(comment, "Datasettet")


def _row_index(frame: pl.DataFrame, table: schema.Table) -> dict[str, int]:
    """Sheet row of each single-column key, for internal links."""
    if len(table.primary_key) != 1:
        return {}
    return {key: row for row, key in enumerate(frame[table.primary_key[0]].to_list(), start=2)}


def _data_sheet(sheet: Worksheet, frame: pl.DataFrame, table: schema.Table, tables: dict, rows_of: dict) -> None:
    for column, f in enumerate(table.fields, start=1):
        _header_cell(sheet.cell(1, column), f.title, f"{f.name}: {f.description}")
    widths = [len(f.title) for f in table.fields]
    linked: list[Cell] = []
    for r, values in enumerate(frame.iter_rows(), start=2):
        for c, (f, value) in enumerate(zip(table.fields, values, strict=True), start=1):
            cell = sheet.cell(r, c)
            write_text(cell, value)
            widths[c - 1] = max(widths[c - 1], len(str(value)) if value is not None else 0)
            if _link(cell, f.name, value, table, tables, rows_of):
                linked.append(cell)
    for c in range(1, len(table.fields) + 1):
        letter = get_column_letter(c)
        sheet.column_dimensions[letter].width = min(MAX_WIDTH, widths[c - 1] + 2)
        _style_all(sheet[letter][1:], alignment=WRAP if widths[c - 1] > LONG_TEXT else TOP)
    _style_all(linked, font=LINK_FONT)
    last = f"{get_column_letter(len(table.fields))}{max(frame.height, 1) + 1}"
    excel_table = Table(displayName=table.name, ref=f"A1:{last}")
    excel_table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    sheet.add_table(excel_table)
    sheet.freeze_panes = "A2"


def _style_all(cells, **style) -> None:
    """Give many cells one more style attribute. openpyxl hashes a style object per assignment, which
    was half the workbook's time; cells that share a style array share it by copy instead."""
    done: dict[tuple, StyleArray] = {}
    for cell in cells:
        key = tuple(cell._style) if cell._style is not None else ()
        if key not in done:
            for name, value in style.items():
                setattr(cell, name, value)
            done[key] = copy(cell._style)
        else:
            cell._style = copy(done[key])


def _link(cell: Cell, column: str, value, table: schema.Table, tables: dict, rows_of: dict) -> bool:
    """Ids of related rows link to that row's sheet (a pledge's document -> its row in Dokumenter)."""
    target = LINKS.get(column) or ("pledges" if column.startswith("pledge_id") or column == "parent_pledge_id" else None)
    if value is None or target is None or target == table.name or target not in tables:
        return False
    row = rows_of[target].get(value)
    if row is None:
        return False
    cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{sheet_title(tables[target])}'!A{row}", display=str(value))
    return True


def _properties(workbook: Workbook, corpus: Corpus) -> None:
    dataset = corpus.dataset
    stamp = datetime.fromisoformat(f"{dataset.created}T00:00:00")
    props = workbook.properties
    props.title = dataset.title
    props.subject = dataset.description
    props.creator = dataset.publisher
    props.keywords = ", ".join(dataset.keywords)
    props.language = "nb-NO"
    props.created = stamp
    props.modified = stamp
    props.lastModifiedBy = None
    props.version = dataset.version


def save_workbook(workbook: Workbook, path: Path, date: str) -> None:
    """Save with the data's date in docProps/core.xml and on every zip entry: two builds, same bytes.

    openpyxl stamps the save time into dcterms:modified and the zip entries; both are rewritten here.
    """
    buffer = io.BytesIO()
    workbook.save(buffer)
    stamp = tuple(int(part) for part in date.split("-")) + (0, 0, 0)
    modified = f"{date}T00:00:00Z".encode()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + modified + rb"\g<2>", data)
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            target.writestr(fixed, data)
