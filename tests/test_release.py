"""The release: versioned files with checksums, a DCAT-AP-NO record, and the diff between versions."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import subprocess
import sys
import zipfile

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF

from tests.conftest import FIXTURES, ROOT, Built

SPDX = Namespace("http://spdx.org/rdf/terms#")
VERSIONED = ["baerum-lofter-1.0.0-hefte-a5.pdf", "baerum-lofter-1.0.0.pdf", "baerum-lofter-1.0.0.xlsx", "baerum-lofter-1.0.0.zip"]


def test_release_folder_has_versioned_files_and_their_sums(built: Built):
    release = built.paths.out / "release"
    assert sorted(p.name for p in release.iterdir()) == sorted(["SHA256SUMS", "dcat-ap-no.jsonld", *VERSIONED])
    sums = dict(reversed(line.split("  ")) for line in (release / "SHA256SUMS").read_text().splitlines())
    assert sorted(sums) == VERSIONED
    for name, digest in sums.items():
        assert hashlib.sha256((release / name).read_bytes()).hexdigest() == digest
    assert (release / "baerum-lofter-1.0.0.pdf").read_bytes() == (built.paths.out / "report.pdf").read_bytes()


def test_version_travels_from_the_manifest(built: Built):
    descriptor = json.loads((built.paths.package / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["version"] == "1.0.0"
    assert "## 1.0.0" in (built.paths.package / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "1.0.0" in (built.paths.out / "report.html").read_text(encoding="utf-8").split('id="vedlegg"')[1]


@pytest.fixture(scope="module")
def graph(built: Built) -> Graph:
    return Graph().parse(built.paths.out / "release" / "dcat-ap-no.jsonld", format="json-ld")


def test_dcat_record_parses_as_json_ld_with_a_dataset(graph: Graph):
    datasets = list(graph.subjects(RDF.type, DCAT.Dataset))
    assert len(datasets) == 1
    dataset = datasets[0]
    assert str(graph.value(dataset, DCTERMS.title)).startswith("Løfter i Bærum")
    assert graph.value(dataset, DCTERMS.license) == URIRef("http://publications.europa.eu/resource/authority/licence/CC_BY_4_0")
    assert (dataset, DCAT.theme, URIRef("http://publications.europa.eu/resource/authority/data-theme/GOVE")) in graph
    period = graph.value(dataset, DCTERMS.temporal)
    assert str(graph.value(period, DCAT.startDate)) == "2019-01-01" and str(graph.value(period, DCAT.endDate)) == "2027-12-31"
    assert graph.value(dataset, DCTERMS.publisher) is not None and graph.value(dataset, DCAT.contactPoint) is not None


def test_dcat_distributions_match_the_release_files(graph: Graph, built: Built):
    release = built.paths.out / "release"
    found = {}
    for distribution in graph.objects(None, DCAT.distribution):
        name = str(graph.value(distribution, DCTERMS.title))
        checksum = graph.value(distribution, SPDX.checksum)
        found[name] = (int(graph.value(distribution, DCAT.byteSize)), str(graph.value(checksum, SPDX.checksumValue)))
    assert sorted(found) == VERSIONED
    for name, (size, digest) in found.items():
        assert size == (release / name).stat().st_size
        assert digest == hashlib.sha256((release / name).read_bytes()).hexdigest()


def test_the_zip_leaves_out_the_record_that_describes_it(built: Built):
    with zipfile.ZipFile(built.paths.out / "datapackage.zip") as archive:
        assert "dcat-ap-no.jsonld" not in archive.namelist()
        assert "CHANGELOG.md" in archive.namelist()


def _diff(*extra: str) -> subprocess.CompletedProcess:
    old, new = FIXTURES / "diff" / "v1", FIXTURES / "diff" / "v2"
    return subprocess.run([sys.executable, "-m", "publish", "diff", str(old), str(new), *extra], cwd=ROOT, capture_output=True, text=True)


@pytest.mark.build
def test_diff_between_two_hand_made_versions(tmp_path):
    result = _diff("--csv", str(tmp_path / "changes.csv"))
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "1 added, 1 removed, 2 changed\n"
        "\n"
        "ap / barnehage\n"
        "  ~ Sikre løpende barnehageopptak.\n"
        "    → Sikre løpende barnehageopptak, hele året.  [ap-0000000001 → ap-0000000001]\n"
        "  ~ Innføre makspris på tilleggstjenester i barnehagene.\n"
        "    → Innføre makspris på alle tilleggstjenester i barnehagene.  [ap-0000000002 → ap-0000000009]\n"
        "\n"
        "ap / samferdsel\n"
        "  + Bygge flere sykkelveier.  [ap-0000000004]\n"
        "  - Øke vinterbrøyting.  [ap-0000000003]\n"
    )
    rows = (tmp_path / "changes.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "change,actor_id,topic_id,pledge_id_old,pledge_id_new,text_old,text_new"
    assert "removed,ap,samferdsel,ap-0000000003,,Øke vinterbrøyting.," in rows
    assert len(rows) == 5


@pytest.mark.build
def test_diff_reads_the_chapter_from_pledges_csv(tmp_path):
    """A package with pledges.topic_id needs no pledge_topics.csv; the fixtures, from before that
    column, take theirs from pledge_topics.csv: both give the same diff."""
    new = tmp_path / "v2"
    shutil.copytree(FIXTURES / "diff" / "v2", new)
    topics = new / "data" / "pledge_topics.csv"
    with topics.open(encoding="utf-8", newline="") as handle:
        chapter = {row["pledge_id"]: row["topic_id"] for row in csv.DictReader(handle) if row["rank"] == "1"}
    topics.unlink()
    pledges = new / "data" / "pledges.csv"
    with pledges.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    with pledges.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, [*rows[0], "topic_id"], lineterminator="\n")
        writer.writeheader()
        writer.writerows({**row, "topic_id": chapter[row["pledge_id"]]} for row in rows)
    result = subprocess.run(
        [sys.executable, "-m", "publish", "diff", str(FIXTURES / "diff" / "v1"), str(new)], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == _diff().stdout
    assert "ap / samferdsel\n" in result.stdout and "(no topic)" not in result.stdout


def test_diff_of_a_package_with_itself_is_empty(built: Built):
    result = subprocess.run(
        [sys.executable, "-m", "publish", "diff", str(built.paths.package), str(ROOT / "datapackage" / "datapackage.json")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert (result.returncode, result.stdout) == (0, "no changes\n")


@pytest.mark.build
def test_diff_of_a_folder_without_a_package(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "publish", "diff", str(tmp_path), str(tmp_path)], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 2 and "no data/pledges.csv here" in result.stderr
