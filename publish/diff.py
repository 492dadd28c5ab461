"""`python -m publish diff OLD NEW`: what changed between two versions of the data package.

Pledges are added, removed or changed. Changed means the same id with other wording (ids ignore
case and punctuation), or, when a party edits a pledge, a removed and an added pledge of one actor
in the same document and section whose texts are still alike (rapidfuzz ratio >= 60).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from rapidfuzz import fuzz

from publish.errors import InputError, printable
from publish.files import MAX_PACKAGE_BYTES, read_inside
from publish.inputs import check_header
from publish.package import neutral, restore

EDIT_RATIO = 60.0
COLUMNS = ["change", "actor_id", "topic_id", "pledge_id_old", "pledge_id_new", "text_old", "text_new"]


@dataclass(frozen=True)
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
    try:
        text = read_inside(path, MAX_PACKAGE_BYTES, folder).decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as err:
        raise InputError(path, f"not valid UTF-8 at byte {err.start}", hint="is this a CSV file of a data package?") from None
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
    old_rows = {r["pledge_id"]: r for r in old.iter_rows(named=True)}
    new_rows = {r["pledge_id"]: r for r in new.iter_rows(named=True)}
    changes = [
        Change("changed", n["actor_id"], n["topic_id"], pid, pid, old_rows[pid]["text"], n["text"])
        for pid, n in new_rows.items()
        if pid in old_rows and old_rows[pid]["text"] != n["text"]
    ]
    removed = [r for pid, r in old_rows.items() if pid not in new_rows]
    added = [r for pid, r in new_rows.items() if pid not in old_rows]
    for before in removed:
        match = _edited(before, added)
        if match is None:
            changes.append(Change("removed", before["actor_id"], before["topic_id"], before["pledge_id"], "", before["text"], ""))
        else:
            added.remove(match)
            changes.append(
                Change(
                    "changed", match["actor_id"], match["topic_id"], before["pledge_id"], match["pledge_id"], before["text"], match["text"]
                )
            )
    changes += [Change("added", a["actor_id"], a["topic_id"], "", a["pledge_id"], "", a["text"]) for a in added]
    return sorted(changes, key=lambda c: (c.actor_id, c.topic_id, c.change, c.pledge_id_old or c.pledge_id_new))


def _edited(before: dict, added: list[dict]) -> dict | None:
    """The added pledge that is this removed one, reworded: same actor, document and section."""
    same_place = [
        a
        for a in added
        if (a["actor_id"], a["document_id"], a["section_id"]) == (before["actor_id"], before["document_id"], before["section_id"])
    ]
    scored = sorted(((fuzz.ratio(before["text"], a["text"]), a["pledge_id"], a) for a in same_place), key=lambda s: (-s[0], s[1]))
    return scored[0][2] if scored and scored[0][0] >= EDIT_RATIO else None


def as_text(changes: list[Change]) -> str:
    if not changes:
        return "no changes\n"
    counts = {kind: sum(1 for c in changes if c.change == kind) for kind in ("added", "removed", "changed")}
    lines = [f"{counts['added']} added, {counts['removed']} removed, {counts['changed']} changed"]
    current = None
    for change in changes:
        if (change.actor_id, change.topic_id) != current:
            current = (change.actor_id, change.topic_id)
            lines.append(f"\n{change.actor_id} / {change.topic_id or '(no topic)'}")
        if change.change == "added":
            lines.append(f"  + {change.text_new}  [{change.pledge_id_new}]")
        elif change.change == "removed":
            lines.append(f"  - {change.text_old}  [{change.pledge_id_old}]")
        else:
            lines.append(f"  ~ {change.text_old}\n    → {change.text_new}  [{change.pledge_id_old} → {change.pledge_id_new}]")
    return printable("\n".join(lines) + "\n")  # a package's texts never steer the terminal


def as_csv(changes: list[Change]) -> str:
    """The changes as CSV; a text a spreadsheet would run as a formula gets a ' in front, as in the package,
    and a control character from a package is written escaped (\\x1b), never raw."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows([[neutral(printable(getattr(c, name))) for name in COLUMNS] for c in changes])
    return buffer.getvalue()
