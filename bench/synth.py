"""A synthetic corpus: the real seeds scaled to N times as many actors and documents.

Copy k of each document belongs to its own actor (ap-k, r-k, baerum-k) and every word longer than
three letters on its bullet lines gets a suffix for k, so no copy merges with another
(dedup stays per actor) while each keeps the seeds' layout, lengths and vocabulary shape.
"""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path

_WORD = re.compile(r"(?<![\w-])([A-Za-zÆØÅæøå]{4,})(?![\w-])")


_BULLET = re.compile(r"^\s*(?:[•●○]|o |\d\) )")


def _mark(line: str, k: int) -> str:
    """Suffix the words of a bullet line (headings stay, so topics still follow them)."""
    if k == 0 or not _BULLET.match(line):
        return line
    return _WORD.sub(lambda m: f"{m.group(1)}{chr(ord('a') + k % 26)}{k // 26 or ''}", line)


def synthesise(seeds: Path, target: Path, scale: int) -> Path:
    """Write a seeds folder with `scale` copies of every actor and document; returns it."""
    if target.exists():
        shutil.rmtree(target)
    (target / "texts").mkdir(parents=True)
    manifest = tomllib.loads((seeds / "sources.toml").read_text(encoding="utf-8"))
    for name in ("topics.toml", "topic_overrides.csv", "relations.csv"):
        if (seeds / name).exists():
            shutil.copy(seeds / name, target / name)
    lines = [_dataset_toml(manifest["dataset"])]
    for k in range(scale):
        for actor in manifest["actors"]:
            lines.append(_table("actors", {**actor, "id": _id(actor["id"], k), "name": f"{actor['name']} {k}", "group": f"copy-{k}"}))
        for document in manifest["documents"]:
            text = (seeds / document["file"]).read_text(encoding="utf-8").split("\n")
            name = f"texts/{k}-{Path(document['file']).name}"
            (target / name).write_text("\n".join(_mark(line, k) for line in text), encoding="utf-8")
            entry = {key: value for key, value in document.items() if key not in ("sha256", "chapters")}
            entry.update(id=_id(document["id"], k), actor=_id(document["actor"], k), file=name)
            lines.append(_table("documents", entry))
    (target / "sources.toml").write_text("\n".join(lines), encoding="utf-8")
    return target


def _id(base: str, k: int) -> str:
    return base if k == 0 else f"{base}-{k}"


def _value(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _table(name: str, entry: dict) -> str:
    return f"[[{name}]]\n" + "".join(f"{key} = {_value(value)}\n" for key, value in entry.items())


def _dataset_toml(dataset: dict) -> str:
    return "[dataset]\n" + "".join(f"{key} = {_value(value)}\n" for key, value in dataset.items())
