"""Stage: the tables -> a Frictionless Data Package (v2) with CSVs, descriptor, README and zip."""

from __future__ import annotations

import hashlib
import json
import uuid
import zipfile
from pathlib import Path

import polars as pl

from publish import schema
from publish.sources import Corpus

PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the zip format's epoch: entries carry no build-time stamp


def write_csv(frame: pl.DataFrame, path: Path) -> None:
    """UTF-8, header row, LF endings, rows already sorted by key: diffable between versions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_csv(path, line_terminator="\n", null_value="")


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def descriptor(corpus: Corpus, tables: dict[str, schema.Table], data_dir: Path) -> dict:
    """datapackage.json as a dict; resources list every table with its Table Schema."""
    dataset = corpus.dataset
    return {
        "$schema": PROFILE,
        "name": dataset.name,
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{dataset.name}/{dataset.version}")),
        "title": dataset.title,
        "description": dataset.description,
        "version": dataset.version,
        "created": f"{dataset.created}T00:00:00Z",
        "keywords": list(dataset.keywords),
        "licenses": [{"name": dataset.license, "path": dataset.license_path, "title": dataset.license_title}],
        "contributors": _contributors(corpus),
        "sources": [_source(d) for d in corpus.documents],
        "resources": [_resource(table, data_dir) for table in tables.values()],
    }


def _contributors(corpus: Corpus) -> list[dict]:
    publisher = [{"title": corpus.dataset.publisher, "roles": ["publisher"]}]
    return publisher + [{"title": a.name, "roles": ["author"]} for a in corpus.actors]


def _source(document) -> dict:
    source = {
        "title": document.title,
        "path": document.url or f"seeds/{document.source_file}",
        "description": f"sha256:{document.sha256}. {document.rights}",
    }
    return source


def _resource(table: schema.Table, data_dir: Path) -> dict:
    path = data_dir / f"{table.name}.csv"
    return {
        "name": table.name,
        "type": "table",
        "path": f"data/{table.name}.csv",
        "scheme": "file",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "title": table.title,
        "description": table.description,
        "bytes": path.stat().st_size,
        "hash": f"sha256:{file_hash(path)}",
        "dialect": {"header": True, "delimiter": ",", "lineTerminator": "\n"},
        "schema": table.frictionless(),
    }


def write_package(corpus: Corpus, frames: dict[str, pl.DataFrame], tables: dict[str, schema.Table], out_dir: Path) -> None:
    """Write data/*.csv, datapackage.json and README.md into out_dir."""
    data_dir = out_dir / "data"
    for name, table in tables.items():
        write_csv(frames[name], data_dir / f"{table.name}.csv")
    package = descriptor(corpus, tables, data_dir)
    (out_dir / "datapackage.json").write_text(json.dumps(package, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (out_dir / "README.md").write_text(package_readme(corpus, frames, tables), encoding="utf-8")
    changelog = corpus.seeds_dir / "CHANGELOG.md"
    if changelog.exists():
        (out_dir / "CHANGELOG.md").write_bytes(changelog.read_bytes())


def write_zip(package_dir: Path, zip_path: Path) -> None:
    """The package as one download; fixed entry times and order so the zip is byte-identical."""
    files = sorted(p for p in package_dir.rglob("*") if p.is_file())
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            info = zipfile.ZipInfo(path.relative_to(package_dir).as_posix(), date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())


def validate_package(package_path: Path) -> list[str]:
    """Frictionless validation of the written package: every error as one line, empty when valid."""
    from frictionless import Package, system

    with system.use_context(trusted=True):
        package = Package(str(package_path))
        report = package.validate()
    errors: list[str] = []
    for task in report.tasks:
        errors.extend(f"{task.name}: {error.message}" for error in task.errors)
    errors.extend(error.message for error in report.errors)
    return errors


def package_readme(corpus: Corpus, frames: dict[str, pl.DataFrame], tables: dict[str, schema.Table]) -> str:
    """The data user's guide, generated from the contract so it never drifts from the CSVs."""
    dataset = corpus.dataset
    lines = [
        f"# {dataset.title}",
        "",
        dataset.description,
        "",
        f"- Version: {dataset.version} ({dataset.created})",
        f"- Licence: {dataset.license_title} ({dataset.license}) for the structured data; the quoted texts keep their authors' rights (see `sources`).",
        f"- Publisher: {dataset.publisher}",
        "- Format: [Frictionless Data Package v2](https://datapackage.org/); CSV files are UTF-8 with a header row and LF line endings, sorted by primary key.",
        "",
        "## Sources",
        "",
        "| document | actor | title | period | sha256 |",
        "|---|---|---|---|---|",
    ]
    for d in corpus.documents:
        lines.append(f"| `{d.document_id}` | {d.actor_id} | {d.title} | {d.period or '–'} | `{d.sha256[:16]}…` |")
    lines += ["", "## Tables", ""]
    for name, table in tables.items():
        lines += _table_section(table, frames[name].height)
    return "\n".join(lines).rstrip() + "\n"


def _table_section(table: schema.Table, rows: int) -> list[str]:
    lines = [
        f"### `{table.name}` – {table.title}",
        "",
        f"{table.description} **{rows} rows.** Primary key: `{', '.join(table.primary_key)}`.",
        "",
        "| column | type | title | description |",
        "|---|---|---|---|",
    ]
    for f in table.fields:
        extra = f" One of: {', '.join(f.enum)}." if f.enum else ""
        required = " Required." if f.required else ""
        lines.append(f"| `{f.name}` | {f.type} | {f.title} | {f.description}{extra}{required} |")
    return lines + [""]
