"""Stage: the same tables as an Excel workbook, for people who filter and sort in a spreadsheet.

Sheets: "Les meg" (what this is, sources, licence), "Sammenligning" (topic x actor), then one real
Excel table per package resource with Norwegian headers and the field descriptions as comments.
The workbook is written in openpyxl's write-only mode: rows stream to disk as they are made, so memory
does not grow with a sheet held whole (peak RSS of the 100x benchmark: 1948 MB -> 971 MB; the time is
the same). Column widths and styles are therefore decided before a sheet's rows are written.
Byte-identical between builds: document properties and zip entry times come from the data.
No cell is cut: a comparison cell longer than Excel's 32,767 characters continues on the next row
("Bolig (forts.)"), and any other text that long is an error (a pledge has at most 5,000).
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from contextlib import suppress
from datetime import datetime
from pathlib import Path

import polars as pl
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill
from openpyxl.styles.borders import DEFAULT_BORDER
from openpyxl.styles.fonts import DEFAULT_FONT
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

from publish import schema
from publish.errors import InputError, escaped
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
EXCEL_CELL_CHARS = 32_767  # the most characters an Excel cell holds; Excel cuts a longer text without a word
CONTINUED = "(forts.)"  # the label of a comparison row that continues the row above
# Where an id column links to the row of the table it names.
LINKS = {"document_id": "documents", "actor_id": "actors", "section_id": "sections", "topic_id": "topics", "comparison_group": "groups"}


def sheet_title(table: schema.Table) -> str:
    """Excel sheet names are at most 31 characters; the Norwegian table titles fit."""
    return table.title[:31]


# What a worksheet (an XML 1.0 document) cannot hold: C0 controls but tab and the line breaks, lone
# surrogates, U+FFFE and U+FFFF. openpyxl and lxml refuse them with a traceback.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def sheet_text(text: str) -> str:
    """Text as the workbook can hold it: every character a worksheet cannot hold written as its escape.

    >>> sheet_text("Bygge\\uffff \\x1bboliger")
    'Bygge\\\\uffff \\\\x1bboliger'
    """
    return _NOT_IN_XML.sub(escaped, text)


def write_text(cell: Cell, value) -> None:
    """Store a value; text is always text, so "=HYPERLINK(...)" in a pledge never becomes a formula,
    never holds a character a worksheet cannot, and is never longer than a cell holds (Excel would cut
    it silently)."""
    if isinstance(value, str):
        value = sheet_text(value)
    if isinstance(value, str) and len(value) > EXCEL_CELL_CHARS:
        raise InputError(
            "workbook.xlsx",
            f"sheet {cell.parent.title!r}: a text of {len(value):,} characters begins {value[:40]!r}; an Excel cell holds {EXCEL_CELL_CHARS:,}",
            hint="shorten it where it comes from (the manifest or the text)",
        )
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


class Styles:
    """The workbook's few cell styles, each a named style registered once (Excel lists them as cell
    styles). A cell is made with its style's index array, a copy per cell: `cell.style = name` looks
    the name up (2.5 times the time per cell), and style objects would be hashed once per cell."""

    def __init__(self, workbook: Workbook) -> None:
        self._workbook = workbook
        self.header = self._add("Kolonnetittel", font=HEADER_FONT, fill=HEADER_FILL, alignment=WRAP)
        self.wrap = self._add("Tekst, brytes", alignment=WRAP)
        self.top = self._add("Tekst", alignment=TOP)
        self.bold_wrap = self._add("Sumrad", font=Font(bold=True), alignment=WRAP)
        self.link_wrap = self._add("Lenke, brytes", font=LINK_FONT, alignment=WRAP)
        self.link_top = self._add("Lenke", font=LINK_FONT, alignment=TOP)
        self.title = self._add("Arktittel", font=Font(bold=True, size=14))
        self.heading = self._add("Arkoverskrift", font=Font(bold=True, size=11))

    def _add(self, name: str, font: Font = DEFAULT_FONT, border: Border = DEFAULT_BORDER, **attributes) -> NamedStyle:
        """Register a style; what it leaves out is the workbook's default (a NamedStyle's own has no font name or border sides)."""
        style = NamedStyle(name, font=font, border=border, **attributes)
        self._workbook.add_named_style(style)
        return style

    @staticmethod
    def cell(sheet, value, style: NamedStyle | None = None) -> Cell:
        """A cell for a row of `sheet` (which collects its hyperlink), as WriteOnlyCell makes it; append sets its row and column."""
        cell = Cell(sheet, row=1, column=1, style_array=style.as_tuple() if style else None)
        write_text(cell, value)
        return cell


def write_workbook(corpus: Corpus, frames: dict[str, pl.DataFrame], tables: dict[str, schema.Table], path: Path) -> int:
    """Write workbook.xlsx at `path`; returns the number of sheets.

    A build stopped half-way (Ctrl-C, an error) discards the open sheet streams itself: left to the
    garbage collector at exit, lxml prints tracebacks of their broken state over the build's one-line error.
    """
    workbook = Workbook(write_only=True)
    try:
        _fill(workbook, corpus, frames, tables)
        save_workbook(workbook, path, corpus.dataset.created)
    except BaseException:
        _discard(workbook)
        raise
    return len(workbook.sheetnames)


def _discard(workbook: Workbook) -> None:
    """Close each write-only sheet's row and XML streams with openpyxl's own close, whatever was written
    (also when a row broke off inside openpyxl); their temporary files openpyxl removes at exit."""
    for sheet in workbook.worksheets:
        if not sheet.closed:
            with suppress(Exception):
                sheet.close()


def _fill(workbook: Workbook, corpus: Corpus, frames: dict[str, pl.DataFrame], tables: dict[str, schema.Table]) -> None:
    """Stream every sheet's rows into the write-only workbook."""
    readme = workbook.create_sheet(README_SHEET)
    styles = Styles(workbook)
    _readme(readme, styles, corpus, frames, tables)
    _comparison(workbook.create_sheet(COMPARISON_SHEET), styles, frames)
    rows_of = {name: _row_index(frames[name], table) for name, table in tables.items()}
    for name, table in tables.items():
        _data_sheet(workbook.create_sheet(sheet_title(table)), styles, frames[name], table, tables, rows_of)
    _properties(workbook, corpus)


def _readme(sheet, styles: Styles, corpus: Corpus, frames: dict[str, pl.DataFrame], tables: dict[str, schema.Table]) -> None:
    dataset = corpus.dataset
    # the municipality's own policy is the starting point only where a municipality is among the actors
    baseline = " Kommunens egen politikk er utgangspunktet." if any(a.kind == "municipality" for a in corpus.actors) else ""
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
            f"Ett tema per rad, én kolonne per aktør: hva hver aktør lover om temaet.{baseline} "
            "Et tema med mer tekst enn en celle rommer (32 767 tegn) fortsetter på raden under, merket «(forts.)».",
        ),
    ]
    lines += [
        (sheet_title(t), f"{t.description} ({frames[name].height} rader; tabellen «{name}» i datapakken.)") for name, t in tables.items()
    ]
    lines += [("", ""), ("Kilder", "")]
    for d in corpus.documents:
        lines.append((d.title, f"{d.period or 'uten periode'} · {d.rights} · SHA-256 {d.sha256}"))
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 100
    for row, (label, text) in enumerate(lines, start=1):
        label_style = styles.title if row == 1 else styles.heading if label and not text else None
        sheet.append([styles.cell(sheet, label, label_style), styles.cell(sheet, text, styles.wrap)])


def comparison_rows(frames: dict[str, pl.DataFrame]) -> tuple[list[str], list[list]]:
    """Header and rows of the comparison: one row per topic, one column per actor, plus counts; a
    topic whose pledges fill more than a cell goes on in rows labelled "(forts.)"."""
    actors = frames["actors"].sort(pl.col("kind") == "municipality", "actor_id")
    pledges = frames["pledges"].filter(pl.col("kind") != "context").sort("document_id", "line_start")
    relations = frames["relations"]
    header = ["Tema"] + [_actor_heading(a) for a in actors.iter_rows(named=True)] + ["Enige", "Uenige"]
    rows: list[list] = []
    totals = [0] * actors.height
    for topic in frames["topics"].sort("order").iter_rows(named=True):
        cells: list[list[str]] = []
        for index, actor in enumerate(actors.iter_rows(named=True)):
            texts = pledges.filter(pl.col("topic_id") == topic["topic_id"], pl.col("actor_id") == actor["actor_id"])["text"].to_list()
            totals[index] += len(texts)
            cells.append(_cells([f"• {t}" for t in texts]))
        on_topic = relations.filter(pl.col("topic_id") == topic["topic_id"])
        counts = [on_topic.filter(pl.col("relation") == "agree").height, on_topic.filter(pl.col("relation") == "disagree").height]
        for part in range(max(len(c) for c in cells) if cells else 1):
            label = topic["label"] if part == 0 else f"{topic['label']} {CONTINUED}"
            rows.append([label] + [c[part] if part < len(c) else "" for c in cells] + (counts if part == 0 else [None, None]))
    rows.append(["Antall løfter"] + totals + [relations.filter(pl.col("relation") == k).height for k in ("agree", "disagree")])
    return header, rows


def _cells(lines: list[str]) -> list[str]:
    """Lines joined into as few cells as hold them whole (at most EXCEL_CELL_CHARS each).

    >>> [len(c) for c in _cells(["x" * 20_000, "y" * 13_000, "z" * 5])]
    [20000, 13006]
    """
    cells: list[str] = [""]
    for line in lines:
        if cells[-1] and len(cells[-1]) + 1 + len(line) > EXCEL_CELL_CHARS:
            cells.append("")
        cells[-1] = f"{cells[-1]}\n{line}" if cells[-1] else line
    return cells


def _actor_heading(actor: dict) -> str:
    if actor["kind"] == "municipality":
        return f"{actor['name']} (egen politikk – utgangspunkt)"
    return actor["name"]


def _comparison(sheet, styles: Styles, frames: dict[str, pl.DataFrame]) -> None:
    header, rows = comparison_rows(frames)
    sheet.column_dimensions["A"].width = 28
    for c in range(2, len(header) - 1):
        sheet.column_dimensions[get_column_letter(c)].width = 70
    for c in (len(header) - 1, len(header)):
        sheet.column_dimensions[get_column_letter(c)].width = 9
    sheet.freeze_panes = "B2"
    sheet.append([styles.cell(sheet, title, styles.header) for title in header])
    for index, row in enumerate(rows, start=1):
        style = styles.bold_wrap if index == len(rows) else styles.wrap  # the last row holds the totals
        sheet.append([styles.cell(sheet, value, style) for value in row])


def _row_index(frame: pl.DataFrame, table: schema.Table) -> dict[str, int]:
    """Sheet row of each single-column key, for internal links."""
    if len(table.primary_key) != 1:
        return {}
    return {key: row for row, key in enumerate(frame[table.primary_key[0]].to_list(), start=2)}


def _widths(frame: pl.DataFrame, table: schema.Table) -> list[int]:
    """Characters of each column's longest value or title, measured before any row is written."""
    longest = frame.select(pl.col(f.name).cast(pl.String).str.len_chars().max() for f in table.fields).row(0)  # None when empty
    return [max(len(f.title), n or 0) for f, n in zip(table.fields, longest, strict=True)]


def _data_sheet(sheet, styles: Styles, frame: pl.DataFrame, table: schema.Table, tables: dict, rows_of: dict) -> None:
    widths = _widths(frame, table)
    for c, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = min(MAX_WIDTH, width + 2)
    sheet.freeze_panes = "A2"
    wraps = [width > LONG_TEXT for width in widths]
    plain = [styles.wrap if wrap else styles.top for wrap in wraps]
    linked = [styles.link_wrap if wrap else styles.link_top for wrap in wraps]
    targets = [_link_target(f.name, table, tables) for f in table.fields]
    sheet.append([_header_cell(sheet, styles, f.title, f"{f.name}: {f.description}") for f in table.fields])
    for values in frame.iter_rows():
        row = []
        for c, value in enumerate(values):
            target_row = rows_of[targets[c]].get(value) if targets[c] and value is not None else None
            if target_row is None:
                row.append(styles.cell(sheet, value, plain[c]))
                continue
            cell = styles.cell(sheet, value, linked[c])
            cell.hyperlink = Hyperlink(ref="", location=f"'{sheet_title(tables[targets[c]])}'!A{target_row}", display=sheet_text(str(value)))
            row.append(cell)
        sheet.append(row)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="In write-only mode you must add table columns manually")
        sheet.add_table(_excel_table(table, frame.height))


def _excel_table(table: schema.Table, rows: int) -> Table:
    """A real Excel table over the sheet; write-only mode needs its columns named here."""
    ref = f"A1:{get_column_letter(len(table.fields))}{max(rows, 1) + 1}"
    excel_table = Table(
        displayName=table.name,
        ref=ref,
        autoFilter=AutoFilter(ref=ref),
        tableColumns=[TableColumn(id=i, name=f.title) for i, f in enumerate(table.fields, start=1)],
    )
    excel_table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    return excel_table


def _header_cell(sheet, styles: Styles, title: str, comment: str) -> Cell:
    cell = styles.cell(sheet, title, styles.header)
    cell.comment = Comment(sheet_text(comment), "Datasettet")
    return cell


def _link_target(column: str, table: schema.Table, tables: dict) -> str | None:
    """The table an id column links to (a pledge's document -> its row in Dokumenter), if any."""
    target = LINKS.get(column) or ("pledges" if column.startswith("pledge_id") or column == "parent_pledge_id" else None)
    if target is None or target == table.name or target not in tables:
        return None
    return target


def _properties(workbook: Workbook, corpus: Corpus) -> None:
    dataset = corpus.dataset
    stamp = datetime.fromisoformat(f"{dataset.created}T00:00:00")
    props = workbook.properties
    props.title = sheet_text(dataset.title)
    props.subject = sheet_text(dataset.description)
    props.creator = sheet_text(dataset.publisher)
    props.keywords = sheet_text(", ".join(dataset.keywords))
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
