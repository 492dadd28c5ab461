"""The editor's review loop: a sheet of the pairs and chapters most worth a reader's look, and the
decisions filled into it merged into seeds/relations.csv and seeds/topic_overrides.csv.

`review` runs the build's data stages (no booklet) and writes the sheet; `apply` reads it back,
validates every filled row with the same functions the build reads the editorial files with, and
appends the new decisions to those files atomically. A decision the files already hold is left as it
is (applying twice changes nothing); one that contradicts a row there is an error naming both.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import polars as pl

from publish import classify, evaluate, relate, semantic
from publish.build import EMBEDDINGS, Paths, StageLog, _data
from publish.errors import InputError
from publish.inputs import Row, control_character

DEFAULT_ROWS = 200  # pairs on the sheet; chapters get as many rows again, plus the pledges of the pairs
# Pairs whose probability lies within this of the print threshold are uncertain. Measured with
# bench/review_band.py (threshold 0.47, bins of 0.05, the labels of 67094fd): of the labelled candidate
# pairs in the bins 0.35-0.60 the share that is related is 0.33-0.73 for Bærum (182 pairs) and
# 0.26-0.42 for the corpus (218); it is 0.21 at 0.25 and from 0.92 at 0.65 up for Bærum, 0.19-0.27 at
# 0.25-0.30 and 0.74 at 0.65 for the corpus. Within 0.15 of the threshold the scorer is about as often
# wrong as right.
UNCERTAIN_BAND = 0.15

README_SHEET = "Slik gjør du"
PAIRS_SHEET = "Par"
CHAPTERS_SHEET = "Kapitler"
TOPICS_SHEET = "Kapittelliste"
SHOWN = {"agree": "= enige", "similar": "~ samme sak", "disagree": "≠ uenige"}
NOT_SHOWN = "vises ikke"
CHOSEN_BY = {
    "heading": "overskrift",
    "keyword": "nøkkelord",
    "parent": "punktet over",
    "fallback": "ingen treff",
    "override": "redaksjonen",
}


@dataclass(frozen=True)
class SheetColumn:
    """One column of a review sheet: what its header says, how wide it is, and what it means (a
    note on the header cell). `name` is the editorial file's column the values go to, if any;
    `editable` marks the cells an editor fills in."""

    header: str
    width: int
    description: str
    name: str | None = None
    wrap: bool = False
    editable: bool = False


PAIR_COLUMNS = (
    SheetColumn("Aktør A", 16, "Hvem som har gitt løfte A."),
    SheetColumn("Løfte A", 55, "Løftet slik det står i programmet.", wrap=True),
    SheetColumn("Aktør B", 16, "Hvem som har gitt løfte B."),
    SheetColumn("Løfte B", 55, "Løftet slik det står i programmet.", wrap=True),
    SheetColumn(
        "relation",
        12,
        "Din vurdering: agree = vil det samme, similar = samme sak, ulike tiltak, disagree = motsatt standpunkt, "
        "remove = ingen forbindelse (vises ikke). Tom = ingen endring.",
        name="relation",
        editable=True,
    ),
    SheetColumn("note", 30, "Kort begrunnelse (valgfritt); står som merknad i datasettet.", name="note", wrap=True, editable=True),
    SheetColumn("Vises nå", 13, "Hva heftet viser i dag: = enige, ~ samme sak, ≠ uenige, eller ingenting."),
    SheetColumn("Sannsynlighet", 13, "Hvor sannsynlig det er at paret henger sammen, etter metodens vurdering (0–1)."),
    SheetColumn("Håndlest", 10, "ja: paret er lest og merket for å måle metoden (ikke det samme som et redaksjonelt valg)."),
    SheetColumn("Kapittel A", 22, "Kapitlet løfte A står i.", wrap=True),
    SheetColumn("Kapittel B", 22, "Kapitlet løfte B står i.", wrap=True),
    SheetColumn("Gruppe", 14, "Sammenligningsgruppen (heftet) paret hører til."),
    SheetColumn("pledge_a", 15, "Løfte A sin ID. Ikke endre.", name="pledge_a"),
    SheetColumn("pledge_b", 15, "Løfte B sin ID. Ikke endre.", name="pledge_b"),
)
CHAPTER_COLUMNS = (
    SheetColumn("Aktør", 16, "Hvem som har gitt løftet."),
    SheetColumn("Løfte", 60, "Løftet slik det står i programmet.", wrap=True),
    SheetColumn("Overskrift", 28, "Overskriften løftet står under i programmet.", wrap=True),
    SheetColumn("Kapittel nå", 24, "Kapitlet løftet står i nå.", wrap=True),
    SheetColumn("Valgt ved", 13, "Hva som avgjorde kapitlet: overskrift, nøkkelord, punktet over eller ingen treff."),
    SheetColumn("Håndlest", 10, "ja: kapitlet er lest og merket for å måle metoden."),
    SheetColumn("topic_id", 18, "Nytt kapittel (se arket Kapittelliste). Tom = ingen endring.", name="topic_id", editable=True),
    SheetColumn("reason", 30, "Kort begrunnelse (valgfritt).", name="reason", wrap=True, editable=True),
    SheetColumn("pledge_id", 15, "Løftets ID. Ikke endre.", name="pledge_id"),
)


def columns_markdown() -> str:
    """The sheets' columns as the Markdown tables docs/review.md shows (a test keeps them the same)."""
    lines = []
    for sheet, columns, file in (
        (PAIRS_SHEET, PAIR_COLUMNS, relate.RELATIONS_NAME),
        (CHAPTERS_SHEET, CHAPTER_COLUMNS, classify.OVERRIDES_NAME),
    ):
        lines += [f"Arket **{sheet}**:", "", "| kolonne | du fyller ut | føres inn i | hva den sier |", "|---|---|---|---|"]
        for column in columns:
            goes_to = f"{file}, kolonnen `{column.name}`" if column.name else ""
            lines.append(f"| `{column.header}` | {'ja' if column.editable else ''} | {goes_to} | {column.description} |")
        lines.append("")
    return "\n".join(lines)


# ---- which pairs and pledges ---------------------------------------------------------------------


@dataclass(frozen=True)
class Pair:
    """A candidate pair of two actors' pledges (ids in order), with what the reader needs to judge it."""

    group: str
    pledge_id_a: str
    pledge_id_b: str
    actors: tuple[str, str]
    probability: float
    shown: str | None  # the automatic relation printed now
    read: bool  # the pair has a hand label

    def tier(self, threshold: float) -> int:
        """0: unread and printed or uncertain; 1: unread, far below the threshold; 2: read."""
        if self.read:
            return 2
        return 0 if self.shown or abs(self.probability - threshold) <= UNCERTAIN_BAND else 1


def select_pairs(pairs: list[Pair], threshold: float, limit: int) -> list[Pair]:
    """The `limit` pairs most worth a look: by tier, then in turns over every pair of actors in each
    group (each actor pair's nearest-to-the-threshold first), so no two parties crowd out the rest."""
    queues: dict[tuple, list[Pair]] = {}
    for pair in sorted(pairs, key=lambda p: (abs(p.probability - threshold), p.pledge_id_a, p.pledge_id_b)):
        queues.setdefault((pair.tier(threshold), pair.group, pair.actors), []).append(pair)
    turns = [
        (tier, turn, abs(p.probability - threshold), p.pledge_id_a, p.pledge_id_b, p)
        for (tier, *_), queue in queues.items()
        for turn, p in enumerate(queue)
    ]
    return [entry[-1] for entry in sorted(turns, key=lambda e: e[:-1])[:limit]]


def candidate_pairs(
    corpus_name: str, frames: dict[str, pl.DataFrame], automatic: pl.DataFrame, decided: set[tuple[str, str]], labels: dict[str, str]
) -> list[Pair]:
    """Every scored candidate pair and every printed automatic relation, less the pairs the editorial file decides."""
    groups = dict(frames["actors"].select("actor_id", "comparison_group").iter_rows())
    names = dict(frames["actors"].select("actor_id", "name").iter_rows())
    who = {pid: (actor, text) for pid, actor, text in frames["pledges"].select("pledge_id", "actor_id", "text").iter_rows()}
    probability = {
        tuple(sorted((row["pledge_id_a"], row["pledge_id_b"]))): row["p"]
        for row in relate.all_scored_pairs(frames["pledges"], frames["pledge_topics"], groups, names)
    }
    shown = {(a, b): (kind, score) for a, b, kind, score in automatic.select("pledge_id_a", "pledge_id_b", "relation", "score").iter_rows()}
    pairs = []
    for a, b in sorted(set(probability) | set(shown)):
        if (a, b) in decided:
            continue
        kind, score = shown.get((a, b), (None, None))
        actor_a, actor_b = who[a][0], who[b][0]
        pairs.append(
            Pair(
                group=groups.get(actor_a, ""),
                pledge_id_a=a,
                pledge_id_b=b,
                actors=tuple(sorted((actor_a, actor_b))),
                probability=probability.get((a, b), score),
                shown=kind,
                read=evaluate.pair_key(corpus_name, who[a], who[b]) in labels,
            )
        )
    return pairs


def select_pledges(pledge_topics: pl.DataFrame, overridden: set[str], read: set[str], on_pairs: list[str], limit: int) -> list[str]:
    """The pledges whose chapter is most worth a look, then every other pledge of the pairs sheet, none
    that an override already places. Most worth a look: those no heading or parent placed (none at
    all, then a keyword, the weakest score first), unread before read, at most `limit`."""
    weak = pledge_topics.filter(
        pl.col("rank") == 1, pl.col("method").is_in(["fallback", "keyword"]), ~pl.col("pledge_id").is_in(sorted(overridden))
    )
    ranked = sorted(weak.select("pledge_id", "method", "score").iter_rows(), key=lambda r: (r[0] in read, r[1] != "fallback", r[2], r[0]))
    chosen = [pid for pid, *_ in ranked[:limit]]
    taken = set(chosen) | overridden
    for pid in on_pairs:
        if pid not in taken:
            chosen.append(pid)
            taken.add(pid)
    return chosen


# ---- the sheet -----------------------------------------------------------------------------------


@dataclass
class Written:
    """What `review` wrote."""

    path: Path
    pairs: int
    pairs_by_group: dict[str, int]
    pledges: int
    seconds: dict[str, float] = field(default_factory=dict)


def review(
    out: Path,
    seeds: Path = Path("seeds"),
    rows: int = DEFAULT_ROWS,
    labels: Path | None = None,
    replace: bool = False,
    log: StageLog | None = None,
) -> Written:
    """Run the data stages and write the review sheet to `out` (atomically); `rows` bounds the pairs.

    An existing `out` is replaced only when asked: it may hold an editor's unapplied decisions.
    """
    if rows < 1:
        raise InputError(out, f"--rows {rows}: a sheet needs at least one row", hint="give --rows 200, or any number from 1")
    _check_out(out, replace)
    log = log or StageLog(echo=lambda _: None)
    paths = Paths(seeds=seeds, labels=labels, report=False)
    corpus, frames, automatic = _data(paths, log, semantic.Embeddings(paths.out / EMBEDDINGS))  # the last build's vectors
    pairs = log.run("review", lambda: _pairs(corpus.dataset.name, frames, automatic, paths, rows), lambda chosen: f"{len(chosen)} pairs")
    taxonomy = classify.load_taxonomy(seeds)
    overridden = set(classify.load_overrides(seeds, set(frames["pledges"]["pledge_id"]), taxonomy.ids))
    on_pairs = [pid for pair in pairs for pid in (pair.pledge_id_a, pair.pledge_id_b)]
    read = evaluate.labelled_pledges(paths.label_folder(), corpus.dataset.name)
    pledges = select_pledges(frames["pledge_topics"], overridden, read, on_pairs, rows)
    choices = [(t.topic_id, t.label, t.description) for t in taxonomy.topics]  # what an override may name
    log.run(
        "sheet", lambda: _atomically(out, lambda temp: write_sheet(corpus, frames, pairs, pledges, read, choices, temp)), lambda _: str(out)
    )
    by_group: dict[str, int] = {}
    for pair in pairs:
        by_group[pair.group] = by_group.get(pair.group, 0) + 1
    return Written(out, len(pairs), by_group, len(pledges), dict(log.timings))


def _pairs(dataset: str, frames: dict[str, pl.DataFrame], automatic: pl.DataFrame, paths: Paths, rows: int) -> list[Pair]:
    """The pairs for the sheet: none the editorial file decides, the rest ranked around the print threshold."""
    decided = {(r.pledge_id_a, r.pledge_id_b) for r in relate.load_editorial(paths.seeds, frames["pledges"])}
    labels = evaluate.load_pair_labels(paths.label_folder(), dataset)
    threshold = relate.load_model().related  # the probability from which an automatic relation is printed
    return select_pairs(candidate_pairs(dataset, frames, automatic, decided, labels), threshold, rows)


def write_sheet(
    corpus,
    frames: dict[str, pl.DataFrame],
    pairs: list[Pair],
    pledges: list[str],
    read: set[str],
    topics: list[tuple[str, str, str]],
    path: Path,
) -> None:
    """The workbook: instructions, the pairs, the chapters (`read`: those with a hand label), and the
    chapters to choose from (`topics`: id, label, description)."""
    from openpyxl import Workbook

    from publish.workbook import save_workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = README_SHEET
    context = _Context(frames)
    _instructions(sheet, corpus, len(pairs), len(pledges))
    _table(workbook.create_sheet(PAIRS_SHEET), PAIR_COLUMNS, [context.pair_row(p) for p in pairs])
    _table(workbook.create_sheet(CHAPTERS_SHEET), CHAPTER_COLUMNS, [context.pledge_row(pid, pid in read) for pid in pledges])
    _topics_sheet(workbook.create_sheet(TOPICS_SHEET), topics)
    _choices(workbook[PAIRS_SHEET], PAIR_COLUMNS, "relation", f'"{",".join(relate.EDITORIAL_KINDS)}"', len(pairs), "Velg forbindelse")
    _choices(
        workbook[CHAPTERS_SHEET],
        CHAPTER_COLUMNS,
        "topic_id",
        f"'{TOPICS_SHEET}'!$A$2:$A${len(topics) + 1}",
        len(pledges),
        "Velg kapittel",
    )
    stamp = datetime.fromisoformat(f"{corpus.dataset.created}T00:00:00")
    workbook.properties.title = f"Gjennomgang: {corpus.dataset.title}"
    workbook.properties.language = "nb-NO"
    workbook.properties.creator = corpus.dataset.publisher
    workbook.properties.created = workbook.properties.modified = stamp
    save_workbook(workbook, path, corpus.dataset.created)


class _Context:
    """What a row shows beside the ids: actors, texts, chapters, headings."""

    def __init__(self, frames: dict[str, pl.DataFrame]):
        self.actor = dict(frames["actors"].select("actor_id", "short_name").iter_rows())
        self.group = dict(frames["groups"].select("group_id", "name").iter_rows())
        self.chapter = dict(frames["topics"].select("topic_id", "label").iter_rows())
        self.heading = dict(frames["sections"].select("section_id", "title").iter_rows())
        self.pledge = {row["pledge_id"]: row for row in frames["pledges"].iter_rows(named=True)}
        self.method = dict(frames["pledge_topics"].filter(pl.col("rank") == 1).select("pledge_id", "method").iter_rows())

    def pair_row(self, pair: Pair) -> list:
        a, b = self.pledge[pair.pledge_id_a], self.pledge[pair.pledge_id_b]
        return [
            self.actor[a["actor_id"]],
            a["text"],
            self.actor[b["actor_id"]],
            b["text"],
            None,
            None,
            SHOWN.get(pair.shown or "", NOT_SHOWN),
            round(pair.probability, 3),
            "ja" if pair.read else "nei",
            self.chapter.get(a["topic_id"], a["topic_id"]),
            self.chapter.get(b["topic_id"], b["topic_id"]),
            self.group.get(pair.group, pair.group),
            pair.pledge_id_a,
            pair.pledge_id_b,
        ]

    def pledge_row(self, pledge_id: str, read: bool) -> list:
        p = self.pledge[pledge_id]
        method = self.method.get(pledge_id, "")
        return [
            self.actor[p["actor_id"]],
            p["text"],
            self.heading.get(p["section_id"], ""),
            self.chapter.get(p["topic_id"], p["topic_id"]),
            CHOSEN_BY.get(method, method),
            "ja" if read else "nei",
            None,
            None,
            pledge_id,
        ]


INSTRUCTIONS = """Denne arbeidsboken samler det som er mest verdt å lese i sammenligningen: parene av løfter der metoden er usikker (sannsynlighet nær grensen for å vises i heftet) og parene heftet viser uten at noen har lest dem, fordelt på alle par av aktører i hver gruppe. Arket Kapitler viser løftene der kapitlet er mest usikkert, og løftene fra arket Par.

Arket Par: les løfte A og løfte B, og velg i kolonnen relation:
  agree – begge vil det samme (vises som = i heftet)
  similar – samme sak, ulike tiltak (vises som ~)
  disagree – motsatt standpunkt i samme sak (vises som ≠)
  remove – ingen forbindelse: paret skal ikke vises
La cellen stå tom der du ikke vil bestemme. Skriv gjerne en kort begrunnelse i note.

Arket Kapitler: velg et annet kapittel i kolonnen topic_id for å flytte et løfte dit (arket Kapittelliste forklarer kapitlene), og begrunn gjerne i reason. Tom = løftet blir der det er.

Ikke endre kolonnene pledge_a, pledge_b og pledge_id: de sier hvilke løfter raden gjelder. Du kan sortere og filtrere radene.

Når du er ferdig, kjør: python -m publish review --apply FIL.xlsx
Valgene føres inn i seeds/relations.csv og seeds/topic_overrides.csv og gjelder fra neste bygg. Å kjøre det to ganger endrer ingenting. Et valg som strider mot en rad som allerede står i en av filene, stopper med en melding som viser begge; da står filene uendret."""


def _instructions(sheet, corpus, pairs: int, pledges: int) -> None:
    from openpyxl.styles import Alignment, Font

    sheet.column_dimensions["A"].width = 110
    sheet.append([f"Gjennomgang: {corpus.dataset.title}"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([f"Versjon {corpus.dataset.version}, {corpus.dataset.created}. {pairs} par og {pledges} løfter til gjennomgang."])
    for paragraph in INSTRUCTIONS.split("\n\n"):
        sheet.append([])
        sheet.append([paragraph])
        cell = sheet.cell(sheet.max_row, 1)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.row_dimensions[cell.row].height = 15 * (paragraph.count("\n") + 1 + len(paragraph) // 120)


def _table(sheet, columns: tuple[SheetColumn, ...], rows: list[list]) -> None:
    """Header with notes, rows, widths, wrapped text, frozen header and a filter; the editable columns stand out."""
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from publish.workbook import write_text

    header_font, header_fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="1F3B57")
    editable_fill = PatternFill("solid", fgColor="FFF2CC")
    wrap, top = Alignment(wrap_text=True, vertical="top"), Alignment(vertical="top")
    for c, column in enumerate(columns, start=1):
        cell = sheet.cell(1, c, column.header)
        cell.font, cell.fill, cell.alignment = header_font, header_fill, wrap
        cell.comment = Comment(column.description, "publish", width=300, height=110)
        sheet.column_dimensions[get_column_letter(c)].width = column.width
    for r, values in enumerate(rows, start=2):
        for c, (column, value) in enumerate(zip(columns, values, strict=True), start=1):
            cell = sheet.cell(r, c)
            write_text(cell, value)
            cell.alignment = wrap if column.wrap else top
            if column.editable:
                cell.fill = editable_fill
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(1, len(rows)) + 1}"


def _choices(sheet, columns: tuple[SheetColumn, ...], name: str, formula: str, rows: int, title: str) -> None:
    """A drop-down list on the column `name` that refuses any other value typed by hand."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    letter = get_column_letter(next(i for i, c in enumerate(columns, start=1) if c.name == name))
    validation = DataValidation(
        type="list",
        formula1=formula,
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Ugyldig verdi",
        error="Velg en verdi fra listen, eller la cellen stå tom.",
        showInputMessage=True,
        promptTitle=title,
        prompt="Velg fra listen; tom = ingen endring.",
    )
    validation.add(f"{letter}2:{letter}{max(1, rows) + 1}")
    sheet.add_data_validation(validation)


def _topics_sheet(sheet, topics: list[tuple[str, str, str]]) -> None:
    columns = (
        SheetColumn("topic_id", 22, "Verdien du velger i kolonnen topic_id på arket Kapitler."),
        SheetColumn("Kapittel", 34, "Kapittelets tittel i heftet.", wrap=True),
        SheetColumn("Beskrivelse", 80, "Hva kapitlet dekker.", wrap=True),
    )
    _table(sheet, columns, [list(topic) for topic in topics])


# ---- applying a filled sheet ---------------------------------------------------------------------


@dataclass
class Applied:
    """What `apply` changed: rows added to each file, and filled rows the file already held."""

    relations_added: int = 0
    relations_kept: int = 0
    overrides_added: int = 0
    overrides_kept: int = 0
    changed: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class _Decision:
    """One filled row of a sheet, as the editorial file keys it and would hold it."""

    key: tuple[str, ...]  # what a file holds once: a pair of pledges, or a pledge
    what: str  # the key in words, for a message
    value: str  # the relation, or the topic
    row: list[str]  # the file's row
    line: int  # the sheet's row, or the file's line


def apply(sheet: Path, seeds: Path = Path("seeds"), log: StageLog | None = None) -> Applied:
    """Merge the filled rows of a review sheet into seeds/relations.csv and seeds/topic_overrides.csv.

    Every row is validated first (the build's own validation, the sheet's row named); both files are
    written only when all of it holds, each by a rename, so on any error they are byte-identical.
    """
    relation_rows, override_rows = read_sheet(sheet)
    paths = Paths(seeds=seeds, report=False)
    _, frames, _ = _data(paths, log or StageLog(echo=lambda _: None), semantic.Embeddings(paths.out / EMBEDDINGS))
    pledges = frames["pledges"]
    pledge_ids, topic_ids = set(pledges["pledge_id"]), classify.load_taxonomy(seeds).ids
    with _on_sheet(sheet, PAIRS_SHEET):
        decisions = _relations(relate.editorial_rows(_where(sheet, PAIRS_SHEET), relation_rows, pledges))
    with _on_sheet(sheet, CHAPTERS_SHEET):
        moves = _overrides(classify.override_rows(_where(sheet, CHAPTERS_SHEET), override_rows, pledge_ids, topic_ids).values())
    relations_file, overrides_file = seeds / relate.RELATIONS_NAME, seeds / classify.OVERRIDES_NAME
    new_relations, relations_kept = _new_rows(
        sheet, PAIRS_SHEET, decisions, relations_file, _relations(relate.load_editorial(seeds, pledges))
    )
    new_overrides, overrides_kept = _new_rows(
        sheet, CHAPTERS_SHEET, moves, overrides_file, _overrides(classify.load_overrides(seeds, pledge_ids, topic_ids).values())
    )
    changes = {}
    if new_relations:
        changes[relations_file] = _appended(relations_file, relate.EDITORIAL_COLUMNS, new_relations)
    if new_overrides:
        changes[overrides_file] = _appended(overrides_file, classify.OVERRIDE_COLUMNS, new_overrides)
    _check_merged(changes, seeds, pledges, topic_ids)
    _replace_all(changes)
    return Applied(len(new_relations), relations_kept, len(new_overrides), overrides_kept, sorted(changes))


def _relations(rows: list[relate.EditorialRelation]) -> list[_Decision]:
    return [
        _Decision(
            (r.pledge_id_a, r.pledge_id_b),
            f"the pair {r.pledge_id_a}, {r.pledge_id_b}",
            r.relation,
            [r.pledge_id_a, r.pledge_id_b, r.relation, r.note],
            r.line,
        )
        for r in rows
    ]


def _overrides(rows) -> list[_Decision]:
    return [_Decision((r.pledge_id,), f"pledge {r.pledge_id}", r.topic_id, [r.pledge_id, r.topic_id, r.reason], r.line) for r in rows]


def _new_rows(sheet: Path, name: str, decisions: list[_Decision], file: Path, existing: list[_Decision]) -> tuple[list[list[str]], int]:
    """The decisions the file does not hold yet, and how many it holds already; one that contradicts
    the file is an error naming the sheet's row and the file's line."""
    held = {d.key: d for d in existing}
    new: list[list[str]] = []
    for decision in decisions:
        old = held.get(decision.key)
        if old is None:
            new.append(decision.row)
        elif old.value != decision.value:
            raise InputError(
                f"{_where(sheet, name)}, row {decision.line}",
                f"sets {decision.what} to {decision.value!r}, but {file}:{old.line} sets it to {old.value!r}",
                hint=f"keep one: change the sheet's row, or edit line {old.line} of {file.name} and apply again",
            )
    return new, len(decisions) - len(new)


def read_sheet(path: Path) -> tuple[list[Row], list[Row]]:
    """The filled rows of both sheets as editorial rows (their line is the sheet's row); rows whose
    decision cell (relation, topic_id) is blank are left out."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    if not path.is_file():
        raise InputError(path, "no such file", hint="give the sheet `publish review --out` wrote")
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as err:
        raise InputError(
            path, f"not an Excel workbook (.xlsx): {err}", hint="save it as .xlsx, or write a new one with `publish review --out`"
        ) from None
    try:
        relations = _rows(workbook, path, PAIRS_SHEET, relate.EDITORIAL_COLUMNS, "relation")
        overrides = _rows(workbook, path, CHAPTERS_SHEET, classify.OVERRIDE_COLUMNS, "topic_id")
    finally:
        workbook.close()
    return relations, overrides


def _rows(workbook, path: Path, name: str, columns: tuple[str, ...], decision: str) -> list[Row]:
    if name not in workbook.sheetnames:
        raise InputError(
            path, f"no sheet {name!r} (found: {', '.join(workbook.sheetnames)})", hint="use a sheet `publish review --out` wrote"
        )
    lines = workbook[name].iter_rows(values_only=True)
    header = [_text(v) for v in next(lines, ())]
    missing = [c for c in columns if c not in header]
    if missing:
        raise InputError(
            _where(path, name), f"no column {', '.join(missing)} in the header row", line=None, hint="keep the header row as it was written"
        )
    rows = []
    for number, values in enumerate(lines, start=2):
        record = {c: _text(values[header.index(c)]) if header.index(c) < len(values) else "" for c in columns}
        if not record[decision]:
            continue
        for column, value in record.items():
            found = control_character(value, allowed="\n\r")
            if found:
                raise InputError(
                    f"{_where(path, name)}, row {number}", f"{column} contains the control character {found}", hint="remove it"
                )
        rows.append(Row(number, record))
    return rows


def _text(value) -> str:
    """A cell as the text an editorial file holds: stripped, a whole number without its '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _where(path: Path, sheet: str) -> str:
    return f"{path}, sheet {sheet}"


@contextmanager
def _on_sheet(path: Path, sheet: str) -> Iterator[None]:
    """The build's validation names a file and a line; on a sheet that line is a row."""
    try:
        yield
    except InputError as err:
        if err.path == _where(path, sheet) and err.line:
            raise InputError(f"{err.path}, row {err.line}", err.message.replace(" on line ", " on row "), hint=err.hint) from None
        raise


def _appended(path: Path, columns: tuple[str, ...], rows: list[list[str]]) -> str:
    """The file's text with the rows added at its end; its own lines are kept byte for byte."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if not text.strip():
        text = ",".join(columns) + "\n"
    elif not text.endswith("\n"):
        text += "\n"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return text + buffer.getvalue()


def _check_merged(changes: dict[Path, str], seeds: Path, pledges: pl.DataFrame, topic_ids: set[str]) -> None:
    """Read each merged file as the build will, before it replaces the old one."""
    for path, text in changes.items():
        with tempfile.TemporaryDirectory(dir=seeds, prefix=".review-check-") as folder:
            staged = Path(folder) / path.name
            staged.write_text(text, encoding="utf-8", newline="")
            if path.name == relate.RELATIONS_NAME:
                relate.load_editorial(Path(folder), pledges)
            else:
                classify.load_overrides(Path(folder), set(pledges["pledge_id"]), topic_ids)


def _replace_all(changes: dict[Path, str]) -> None:
    """Each file by a rename; if a later rename fails, the earlier files get their old bytes back."""
    old = {path: path.read_bytes() if path.exists() else None for path in changes}
    done: list[Path] = []
    try:
        for path, text in changes.items():
            _atomically(path, lambda temp, text=text: temp.write_text(text, encoding="utf-8", newline=""))
            done.append(path)
    except BaseException:
        for path in done:
            before = old[path]
            if before is None:
                path.unlink(missing_ok=True)
            else:
                _atomically(path, lambda temp, before=before: temp.write_bytes(before))
        raise


def _atomically(path: Path, write: Callable[[Path], object]) -> None:
    """`write` into a temporary file beside `path`, then rename it over `path` (its mode kept)."""
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    temp = Path(name)
    try:
        write(temp)
        os.chmod(temp, path.stat().st_mode & 0o777 if path.exists() else 0o644)  # mkstemp's 0o600 would hide it
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def _check_out(out: Path, replace: bool) -> None:
    if out.exists() and not replace:
        raise InputError(
            out,
            "exists, and may hold decisions not yet applied",
            hint="apply it with --apply first, or give --replace, or another --out path",
        )
    if not out.parent.is_dir():
        raise InputError(out, f"no folder {out.parent} to write into", hint="create the folder first, or give another --out path")
    if out.suffix.lower() != ".xlsx":
        raise InputError(out, "the review sheet is an Excel workbook", hint="give a file name ending in .xlsx")
