"""`python -m publish diff OLD NEW`: what changed between two versions of the data package.

Pledges are added, removed or changed. Changed means the same id with other wording (ids ignore
case and punctuation), or, when a party edits a pledge, a removed and an added pledge of one actor
in the same document and section with the same normalised text or, failing that, texts still alike
(rapidfuzz ratio >= 60, compared within the bounds below).
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections import defaultdict
from itertools import islice
from pathlib import Path

import polars as pl
from rapidfuzz import fuzz

from publish.errors import InputError, printable
from publish.files import MAX_PACKAGE_BYTES, decode_utf8, read_inside
from publish.inputs import check_header
from publish.package import neutral, restore
from publish.text import normalise

EDIT_RATIO = 60.0
# Bounds on the fuzzy matching of the pledges left after ids and texts: a removed pledge is compared
# with every added one of its place while they are at most FUZZY_ALL (the largest section of the
# seeds has 24 pledges, of the corpus 154 items), else with at most FUZZY_PER_WORD of those that share
# each of its FUZZY_WORDS rarest words: at most 300 comparisons each, so a diff is linear in the pledges.
FUZZY_ALL = 200
FUZZY_WORDS = 3
FUZZY_PER_WORD = 100
COLUMNS = ["change", "actor_id", "topic_id", "pledge_id_old", "pledge_id_new", "text_old", "text_new"]


@dataclasses.dataclass(frozen=True)
class Change:
    change: str  # added | removed | changed
    actor_id: str
    topic_id: str
    pledge_id_old: str
    pledge_id_new: str
    text_old: str
    text_new: str


def load(package: Path) -> pl.DataFrame:
    """Pledges of a package (its folder or its datapackage.json) with their chapter topic.

    Only the columns a diff needs are read, as text, so packages of other versions compare (one
    without `source_count`, say); a file that is not such a CSV table is one InputError. The chapter
    is pledges.csv's topic_id; a release from before that column has it as pledge_topics.csv's rank 1.
    """
    folder = package.parent if package.suffix == ".json" else package
    pledges_csv, topics_csv = folder / "data" / "pledges.csv", folder / "data" / "pledge_topics.csv"
    if not (pledges_csv.exists() or pledges_csv.is_symlink()):  # a FIFO or a link out is named by _read
        raise InputError(folder, "no data/pledges.csv here", hint="give a data package folder or its datapackage.json")
    pledges = _read(pledges_csv, folder, ("pledge_id", "actor_id", "document_id", "section_id", "text"), optional=("topic_id",))
    if "topic_id" not in pledges.columns:
        pledges = pledges.join(_chapters_before_topic_id(topics_csv, folder), on="pledge_id", how="left")
    return pledges.with_columns(pl.col("topic_id").fill_null(""))


def _chapters_before_topic_id(topics_csv: Path, folder: Path) -> pl.DataFrame:
    """Each pledge's chapter in a release from before pledges.topic_id: its rank-1 row in pledge_topics.csv, if there is one."""
    if not (topics_csv.exists() or topics_csv.is_symlink()):
        return pl.DataFrame(schema={"pledge_id": pl.String, "topic_id": pl.String})
    topics = _read(topics_csv, folder, ("pledge_id", "topic_id", "rank"))
    return topics.filter(pl.col("rank") == "1").select("pledge_id", "topic_id")


def _read(path: Path, folder: Path, columns: tuple[str, ...], optional: tuple[str, ...] = ()) -> pl.DataFrame:
    """The named columns of a package CSV (a file inside the package folder) as text, and those of
    `optional` it has; neutralised formulas restored."""
    text = decode_utf8(read_inside(path, MAX_PACKAGE_BYTES, folder), path, hint="is this a CSV file of a data package?")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if not header:
            raise InputError(path, "empty file: no header row", line=1, hint="is this a CSV file of a data package?")
        check_header(path, header, columns)
        columns += tuple(c for c in optional if c in header)
        at = [header.index(c) for c in columns]
        values: list[list[str]] = [[] for _ in columns]
        for record in reader:
            if len(record) != len(header):
                raise InputError(path, f"row has {len(record)} fields, the header {len(header)}", line=reader.line_num)
            for target, index in zip(values, at, strict=True):
                target.append(record[index])
    except csv.Error as err:
        raise InputError(path, f"not a CSV table: {err}", line=reader.line_num) from None
    frame = restore(pl.DataFrame(dict(zip(columns, values, strict=True)), schema=dict.fromkeys(columns, pl.String)))
    if "rank" not in columns and frame["pledge_id"].is_duplicated().any():
        duplicate = frame.filter(frame["pledge_id"].is_duplicated())["pledge_id"][0]
        raise InputError(path, f"pledge_id {duplicate!r} is on more than one row", hint="is this a data package's pledges.csv?")
    return frame


def compare(old: pl.DataFrame, new: pl.DataFrame) -> list[Change]:
    """The changes from `old` to `new`: by id first, then a removed and an added pledge of one place with
    the same normalised text, then the closest rewording among the rest (`_Rewordings`, bounded work)."""
    old_rows = {r["pledge_id"]: r for r in old.iter_rows(named=True)}
    new_rows = {r["pledge_id"]: r for r in new.iter_rows(named=True)}
    changes = [
        Change("changed", n["actor_id"], n["topic_id"], pid, pid, old_rows[pid]["text"], n["text"])
        for pid, n in new_rows.items()
        if pid in old_rows and old_rows[pid]["text"] != n["text"]
    ]
    removed = [r for pid, r in old_rows.items() if pid not in new_rows]
    added = [r for pid, r in new_rows.items() if pid not in old_rows]
    by_place: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    for row in added:
        by_place[_place(row)].append(row)
    rewordings = {place: _Rewordings(rows) for place, rows in by_place.items()}
    matched: dict[str, dict] = {}
    for before in removed:  # the same words first, wherever in the list they stand
        pool = rewordings.get(_place(before))
        match = pool.take_same(before["text"]) if pool else None
        if match is not None:
            matched[before["pledge_id"]] = match
    for before in removed:
        pool = rewordings.get(_place(before))
        if before["pledge_id"] not in matched and pool:
            match = pool.take_closest(before["text"])
            if match is not None:
                matched[before["pledge_id"]] = match
    for before in removed:
        match = matched.get(before["pledge_id"])
        if match is None:
            changes.append(Change("removed", before["actor_id"], before["topic_id"], before["pledge_id"], "", before["text"], ""))
        else:
            changes.append(
                Change("changed", match["actor_id"], match["topic_id"], before["pledge_id"], match["pledge_id"], before["text"], match["text"])
            )
    taken = {m["pledge_id"] for m in matched.values()}
    changes += [Change("added", a["actor_id"], a["topic_id"], "", a["pledge_id"], "", a["text"]) for a in added if a["pledge_id"] not in taken]
    return sorted(changes, key=lambda c: (c.actor_id, c.topic_id, c.change, c.pledge_id_old or c.pledge_id_new))


def _place(row: dict) -> tuple[str, str, str]:
    return row["actor_id"], row["document_id"], row["section_id"]


class _Rewordings:
    """The added pledges of one place (actor, document, section) not yet matched to a removed one.

    A removed pledge is compared with every one of them while they are few (at most FUZZY_ALL, every
    section of the seeds and the corpus); beyond that only with those that share one of its rarest
    words (at most FUZZY_PER_WORD each, in the order they came), so a diff of 20,000 against 20,000
    pledges of one section compares each with a few hundred, not 20,000.
    """

    def __init__(self, rows: list[dict]) -> None:
        self.rows: dict[str, dict] = {row["pledge_id"]: row for row in rows}  # in the order they came
        self.same: dict[str, dict[str, None]] = defaultdict(dict)  # normalised text -> ids (an ordered set)
        self.words: dict[str, dict[str, None]] = defaultdict(dict)  # word -> ids that have it (an ordered set)
        self.word_sets: dict[str, set[str]] = {}
        for row in rows:
            norm = normalise(row["text"])
            self.same[norm][row["pledge_id"]] = None
            self.word_sets[row["pledge_id"]] = set(norm.split())
            for word in self.word_sets[row["pledge_id"]]:
                self.words[word][row["pledge_id"]] = None

    def take_same(self, text: str) -> dict | None:
        """The first added pledge with the same normalised text, taken out of the pool."""
        ids = self.same.get(normalise(text))
        return self._take(next(iter(ids))) if ids else None

    def take_closest(self, text: str) -> dict | None:
        """The added pledge closest to `text` if it is alike (ratio >= EDIT_RATIO), taken out of the pool."""
        candidates = self._candidates(normalise(text).split())
        scored = [(fuzz.ratio(text, self.rows[i]["text"]), i) for i in candidates]
        best = min(((-score, i) for score, i in scored if score >= EDIT_RATIO), default=None)
        return self._take(best[1]) if best else None

    def _candidates(self, words: list[str]) -> list[str]:
        if len(self.rows) <= FUZZY_ALL:
            return list(self.rows)
        # Only words some added pledge still has: a word none has (often the reworded one) finds nothing.
        rarest = sorted((w for w in set(words) if self.words.get(w)), key=lambda w: (len(self.words[w]), w))[:FUZZY_WORDS]
        found: dict[str, None] = {}
        for word in rarest:
            found.update(dict.fromkeys(islice(self.words.get(word, {}), FUZZY_PER_WORD)))
        return list(found)

    def _take(self, pledge_id: str) -> dict:
        row = self.rows.pop(pledge_id)
        norm = normalise(row["text"])
        del self.same[norm][pledge_id]
        if not self.same[norm]:
            del self.same[norm]
        for word in self.word_sets.pop(pledge_id):
            del self.words[word][pledge_id]
            if not self.words[word]:
                del self.words[word]
        return row


def as_text(changes: list[Change]) -> str:
    """The changes for a terminal, one line each (a rewording two): every value from a package is shown
    on its line with its line breaks and control characters escaped, so no text forges another line."""
    if not changes:
        return "no changes\n"
    counts = {kind: sum(1 for c in changes if c.change == kind) for kind in ("added", "removed", "changed")}
    lines = [f"{counts['added']} added, {counts['removed']} removed, {counts['changed']} changed"]
    current = None
    for change in changes:
        c = Change(*(printable(value, one_line=True) for value in dataclasses.astuple(change)))
        if (change.actor_id, change.topic_id) != current:
            current = (change.actor_id, change.topic_id)
            lines.append(f"\n{c.actor_id} / {c.topic_id or '(no topic)'}")
        if c.change == "added":
            lines.append(f"  + {c.text_new}  [{c.pledge_id_new}]")
        elif c.change == "removed":
            lines.append(f"  - {c.text_old}  [{c.pledge_id_old}]")
        else:
            lines.append(f"  ~ {c.text_old}\n    → {c.text_new}  [{c.pledge_id_old} → {c.pledge_id_new}]")
    return "\n".join(lines) + "\n"


def as_csv(changes: list[Change]) -> str:
    """The changes as CSV; a text a spreadsheet would run as a formula gets a ' in front, as in the package,
    and a control character from a package is written escaped (\\x1b), never raw."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows([[neutral(printable(getattr(c, name))) for name in COLUMNS] for c in changes])
    return buffer.getvalue()
