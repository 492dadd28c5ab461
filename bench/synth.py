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


# Twelve actor colours that stay apart in grey too (lightness alternates); the municipality keeps its own.
PALETTE = (
    "#C8102E", "#1B4F9C", "#2E7D32", "#F2A900", "#6A1B9A", "#00838F",
    "#8D6E63", "#E65100", "#37474F", "#AD1457", "#7CB342", "#5D4037",
)  # fmt: skip


def synthesise_groups(seeds: Path, target: Path, sizes: list[int], municipality: bool = False, documents: tuple[str, ...] = ()) -> Path:
    """A seeds folder with one comparison group per size in `sizes`, each of that many parties (and the
    seeds' municipality, if asked): the booklets' layouts at 2 to 12 actors.

    Each party of a group reads one of the seeds' party `documents` (default: the two short web pages),
    in turn, with a bullet line left out now and then (so a party has nothing on some topics) and a few
    lines marked with the party's number (so their pledges differ); the rest stays word for word, so the
    parties of a group agree. Every pledge text of a group carries the group's tag: no two groups share one.
    """
    if target.exists():
        shutil.rmtree(target)
    (target / "texts").mkdir(parents=True)
    manifest = tomllib.loads((seeds / "sources.toml").read_text(encoding="utf-8"))
    shutil.copy(seeds / "topics.toml", target / "topics.toml")  # the editorial files name the seeds' pledges: left out
    by_id = {d["id"]: d for d in manifest["documents"]}
    party_docs = [by_id[d] for d in documents or ("ap-web-naering", "ap-web-arbeid")]
    own = [d for d in manifest["documents"] if d["actor"] in {a["id"] for a in manifest["actors"] if a["kind"] == "municipality"}]
    dataset = {**manifest["dataset"], "title": "Løfter i syntetiske kommuner: partiprogrammer"}
    lines = [_dataset_toml(dataset)]
    for g, size in enumerate(sizes, 1):
        group = f"k{g}-{size}"
        lines.append(
            _table("groups", {"id": group, "name": f"Kommune {g}", "title": f"Løfter i Kommune {g}", "subtitle": f"{size} partier"})
        )
        for k in range(size):
            actor = f"{group}-p{k + 1}"
            lines.append(
                _table(
                    "actors",
                    {
                        "id": actor,
                        "name": f"Parti {k + 1} i Kommune {g}",
                        "short_name": f"P{k + 1}",
                        "kind": "party",
                        "color": PALETTE[k % len(PALETTE)],
                        "group": group,
                    },
                )
            )
            for document in party_docs if size <= 3 else party_docs[k % len(party_docs) : k % len(party_docs) + 1]:
                lines.append(_copy(seeds, target, document, actor, g, k))
        if municipality:
            actor = f"{group}-kommune"
            lines.append(
                _table(
                    "actors",
                    {
                        "id": actor,
                        "name": f"Kommune {g}",
                        "short_name": "Kommunen",
                        "kind": "municipality",
                        "color": "#1F5A7A",
                        "group": group,
                    },
                )
            )
            lines += [_copy(seeds, target, document, actor, g, -1) for document in own]
    (target / "sources.toml").write_text("\n".join(lines), encoding="utf-8")
    return target


def _copy(seeds: Path, target: Path, document: dict, actor: str, g: int, k: int) -> str:
    """One document of a synthetic group's actor: its text varied for party k (k = -1: kept as it is)."""
    text = (seeds / document["file"]).read_text(encoding="utf-8").split("\n")
    kept = []
    for i, line in enumerate(text):
        bullet = _BULLET.match(line)
        if bullet:
            if k >= 0 and (i * 7 + k) % 6 == 0:
                continue  # left out: some topics stay empty for some parties
            marked = f" (parti {k + 1})" if k >= 0 and (i + k) % 4 == 0 else ""
            line = f"{bullet.group().rstrip()} K{g} {line[bullet.end() :].strip()}{marked}"
        kept.append(line)
    name = f"texts/{actor}-{Path(document['file']).name}"
    (target / name).write_text("\n".join(kept), encoding="utf-8")
    entry = {key: value for key, value in document.items() if key not in ("sha256",)}
    entry.update(id=f"{actor}-{document['id']}"[:64].rstrip("-"), actor=actor, file=name)
    return _table("documents", entry)
