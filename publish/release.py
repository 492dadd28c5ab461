"""Stage: the release folder (versioned files + SHA256SUMS) and the DCAT-AP-NO record of the dataset.

The record describes every release file with its size and checksum, so it lies in the release folder
beside them, not in the committed datapackage/: the PDFs' bytes depend on the machine's Pango and
HarfBuzz, and the committed files must be the same on every machine. Nor is it inside the zip (the
zip's checksum is in the record), so nothing depends on itself.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from publish.outputs import SAFE_VERSION, output_path, safe_name
from publish.package import file_hash
from publish.sources import MANIFEST_NAME, Booklet, Corpus

DCAT_NAME = "dcat-ap-no.jsonld"
MEDIA_TYPES = {
    ".zip": ("ZIP", "application/zip"),
    ".xlsx": ("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".pdf": ("PDF", "application/pdf"),
    ".csv": ("CSV", "text/csv"),
}
EU_THEME_GOVERNMENT = "http://publications.europa.eu/resource/authority/data-theme/GOVE"
EU_LICENCES = {"CC-BY-4.0": "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0"}
CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "spdx": "http://spdx.org/rdf/terms#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
}


GROUPS_FOLDER = "groups"  # with several comparison groups, build/groups/<group>/ holds each group's booklet
BOOKLETS_FOLDER = "booklets"  # with [[booklets]] in the manifest, build/booklets/<id>/ holds each of them


def booklet_folder(corpus: Corpus, booklet: Booklet) -> str:
    """Where a booklet lies in the build folder: a [[booklets]] entry's in booklets/<id>/; else a group's at
    the top with one group (today's names), in groups/<group>/ with several.

    >>> from publish.sources import Dataset, Group
    >>> corpus = Corpus(Dataset(*"n t d 1.0.0 2026-01-01 l lt lp p".split(), ()), (), (), groups=(Group("a", "A", "A"), Group("b", "B", "B")))
    >>> booklet_folder(corpus, Booklet("b", "b", "B")), booklet_folder(corpus, Booklet("oppvekst", "b", "Oppvekst", ("skole",), declared=True))
    ('groups/b', 'booklets/oppvekst')
    """
    manifest = corpus.seeds_dir / MANIFEST_NAME
    if booklet.declared:
        return f"{BOOKLETS_FOLDER}/{safe_name(booklet.booklet_id, 'booklet id', manifest)}"
    if len(corpus.groups) <= 1:
        return ""
    return f"{GROUPS_FOLDER}/{safe_name(booklet.group, 'group id', manifest)}"


def release_names(version: str, name: str, groups: tuple[str, ...] = (), booklets: tuple[str, ...] = ()) -> dict[str, str]:
    """Build file -> versioned release file name; with several groups, a pair of PDFs per group; with
    [[booklets]], a pair per booklet instead.

    >>> release_names("1.0.0", "baerum-lofter")["report-booklet.pdf"]
    'baerum-lofter-1.0.0-hefte-a5.pdf'
    >>> release_names("1.0.0", "lofter", ("asker", "baerum"))["groups/asker/report-booklet.pdf"]
    'lofter-1.0.0-asker-hefte-a5.pdf'
    >>> release_names("1.0.0", "lofter", booklets=("oppvekst",))["booklets/oppvekst/report.pdf"]
    'lofter-1.0.0-oppvekst.pdf'
    """
    names = {"datapackage.zip": f"{name}-{version}.zip", "workbook.xlsx": f"{name}-{version}.xlsx"}
    folders = {f"{BOOKLETS_FOLDER}/{b}/": b for b in booklets} or {f"{GROUPS_FOLDER}/{g}/": g for g in groups} or {"": ""}
    for folder, suffix in folders.items():
        suffix = f"-{suffix}" if suffix else ""
        names[f"{folder}report.pdf"] = f"{name}-{version}{suffix}.pdf"
        names[f"{folder}report-booklet.pdf"] = f"{name}-{version}{suffix}-hefte-a5.pdf"
    return names


def file_names(corpus: Corpus) -> dict[str, str]:
    """release_names for the manifest's dataset, groups and booklets, whose names must be safe in a file name."""
    manifest = corpus.seeds_dir / MANIFEST_NAME
    name = safe_name(corpus.dataset.name, "dataset name", manifest)
    version = safe_name(corpus.dataset.version, "dataset version", manifest, pattern=SAFE_VERSION)
    groups = tuple(safe_name(g.group_id, "group id", manifest) for g in corpus.groups) if len(corpus.groups) > 1 else ()
    booklets = tuple(safe_name(b.booklet_id, "booklet id", manifest) for b in corpus.booklets if b.declared)
    return release_names(version, name, groups, booklets)


def write_release(corpus: Corpus, out_dir: Path) -> list[Path]:
    """Copy the outputs under versioned names into out_dir/release and write SHA256SUMS.

    The dataset's name and version become file names: both are checked (see `file_names`).
    """
    release = out_dir / "release"
    release.mkdir(exist_ok=True)
    written = []
    for source, target in file_names(corpus).items():
        if (out_dir / source).exists():
            copy = output_path(release, target)
            shutil.copyfile(out_dir / source, copy)
            written.append(copy)
    sums = "".join(f"{file_hash(p)}  {p.name}\n" for p in sorted(written))
    (release / "SHA256SUMS").write_text(sums, encoding="utf-8")
    return written


def temporal(corpus: Corpus) -> tuple[str, str] | None:
    """First and last year of the documents' periods ("2019–2023", "2023")."""
    years = [int(y) for d in corpus.documents for y in re.findall(r"\b(19\d\d|20\d\d)\b", d.period)]
    return (f"{min(years)}-01-01", f"{max(years)}-12-31") if years else None


def spatial(corpus: Corpus) -> tuple[str, ...]:
    """The places the dataset covers: the manifest's `spatial`, else its municipalities' names, else none.

    >>> from publish.sources import Actor, Dataset
    >>> dataset = Dataset(*"n t d 1.0.0 2026-01-01 l lt lp p".split(), ())
    >>> spatial(Corpus(dataset, (Actor("a", "Asker kommune", "Kommunen", "municipality", "#000000"),), ()))
    ('Asker kommune',)
    >>> spatial(Corpus(dataset, (Actor("h", "Høyre", "H", "party", "#000000"),), ()))
    ()
    """
    if corpus.dataset.spatial:
        return corpus.dataset.spatial
    return tuple(dict.fromkeys(a.name for a in corpus.actors if a.kind == "municipality"))


def dcat_record(corpus: Corpus, files: list[Path], base_url: str = "") -> dict:
    """A DCAT-AP-NO dataset with one distribution per release file, from the manifest's metadata."""
    dataset = corpus.dataset
    record: dict = {
        "@context": CONTEXT,
        "@id": f"urn:uuid:{_uuid(dataset)}",
        "@type": "dcat:Dataset",
        "dct:identifier": f"{dataset.name}-{dataset.version}",
        "dct:title": {"@value": dataset.title, "@language": "nb"},
        "dct:description": {"@value": dataset.description, "@language": "nb"},
        "dcat:keyword": [{"@value": k, "@language": "nb"} for k in dataset.keywords],
        "dct:issued": {"@value": dataset.created, "@type": "xsd:date"},
        "dcat:version": dataset.version,
        "dct:language": {"@id": "http://publications.europa.eu/resource/authority/language/NOB"},
        "dct:publisher": {"@type": "foaf:Agent", "foaf:name": dataset.publisher},
        "dcat:contactPoint": {"@type": "vcard:Organization", "vcard:fn": dataset.publisher},
        "dcat:theme": [{"@id": EU_THEME_GOVERNMENT}],
        **_spatial(spatial(corpus)),
        "dct:license": {"@id": EU_LICENCES.get(dataset.license, dataset.license_path)},
        "dct:source": [{"dct:title": d.title, "dct:rights": d.rights, "spdx:checksumValue": d.sha256} for d in corpus.documents],
        "dcat:distribution": [_distribution(path, dataset, base_url) for path in files],
    }
    period = temporal(corpus)
    if period:
        record["dct:temporal"] = {
            "@type": "dct:PeriodOfTime",
            "dcat:startDate": {"@value": period[0], "@type": "xsd:date"},
            "dcat:endDate": {"@value": period[1], "@type": "xsd:date"},
        }
    return record


def _spatial(places: tuple[str, ...]) -> dict:
    """dct:spatial: one Location per place, or no key at all for a dataset of no named place."""
    locations = [{"@type": "dct:Location", "skos:prefLabel": {"@value": place, "@language": "nb"}} for place in places]
    return {"dct:spatial": locations[0] if len(locations) == 1 else locations} if locations else {}


def _distribution(path: Path, dataset, base_url: str) -> dict:
    fmt, media = MEDIA_TYPES[path.suffix]
    return {
        "@type": "dcat:Distribution",
        "dct:title": path.name,
        "dcat:accessURL": {"@id": download_url(base_url, path.name) if base_url else f"urn:file:{path.name}"},
        "dct:format": {"@id": f"http://publications.europa.eu/resource/authority/file-type/{fmt}"},
        "dcat:mediaType": {"@id": f"https://www.iana.org/assignments/media-types/{media}"},
        "dcat:byteSize": {"@value": str(path.stat().st_size), "@type": "xsd:nonNegativeInteger"},
        "spdx:checksum": {
            "@type": "spdx:Checksum",
            "spdx:algorithm": {"@id": "http://spdx.org/rdf/terms#checksumAlgorithm_sha256"},
            "spdx:checksumValue": file_hash(path),
        },
        "dct:license": {"@id": EU_LICENCES.get(dataset.license, dataset.license_path)},
    }


def download_url(homepage: str, file_name: str) -> str:
    """Where a release file is downloaded: beside the dataset's page, whether its address ends in `/` or not.

    >>> download_url("https://data.example.no/lofter", "lofter-1.0.0.zip"), download_url("https://data.example.no/lofter/", "a.zip")
    ('https://data.example.no/lofter/lofter-1.0.0.zip', 'https://data.example.no/lofter/a.zip')
    """
    return f"{homepage.rstrip('/')}/{file_name}"


def _uuid(dataset) -> str:
    import uuid

    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{dataset.name}/{dataset.version}"))


def write_dcat(corpus: Corpus, files: list[Path], release_dir: Path) -> Path:
    """The record, beside the release files it describes."""
    target = release_dir / DCAT_NAME
    target.write_text(
        json.dumps(dcat_record(corpus, files, corpus.dataset.homepage), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return target
