"""The open dataset: valid, keys hold, every field documented, committed copy up to date."""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

import polars as pl
import pytest

from publish import schema
from publish.build import Paths, StageLog, build
from publish.package import validate_package
from publish.sources import DEFAULT_SUBTITLE
from tests.conftest import ROOT, SEEDS, Built

TABLES = {t.name: t for t in schema.ALL_TABLES}


def test_package_validates_with_zero_errors(built: Built):
    assert validate_package(built.paths.package / "datapackage.json") == []


def test_descriptor_has_the_release_metadata(built: Built):
    descriptor = json.loads((built.paths.package / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["$schema"].endswith("/2.0/datapackage.json")
    assert descriptor["name"] == "baerum-lofter"
    assert re.fullmatch(r"\d+\.\d+\.\d+", descriptor["version"])
    assert descriptor["created"] == "2026-11-25T00:00:00Z"  # from the manifest, not the clock
    assert [s["title"] for s in descriptor["sources"]][0] == "Program for Bærum Arbeiderparti 2023–2027"
    assert all("sha256:" in s["description"] for s in descriptor["sources"])
    assert {c["title"] for c in descriptor["contributors"]} >= {"Bærum Arbeiderparti", "Rødt Bærum", "Bærum kommune"}
    assert [r["name"] for r in descriptor["resources"]] == list(TABLES)


def test_the_tables_are_a_contract_that_only_grows():
    """Names and order as published: a new table goes last, none is renamed or moved."""
    published = ["actors", "documents", "sections", "pledges", "pledge_sources", "topics", "pledge_topics", "relations", "groups"]
    assert list(TABLES) == published


# Every column as published, in order. A column may be added after these; none renamed, moved or removed.
PUBLISHED_COLUMNS = {
    "actors": "actor_id name short_name kind color comparison_group",
    "documents": "document_id actor_id title short_title kind period source_file sha256 url layout rights line_count layout_detected",
    "sections": "section_id document_id parent_section_id title level line_start",
    "pledges": "pledge_id actor_id document_id section_id parent_pledge_id kind text line_start line_end source_count topic_id",
    "pledge_sources": "pledge_id document_id section_id line_start line_end printed_line_start printed_line_end text match similarity",
    "topics": "topic_id label description order parent_topic_id cap_major_code cap_major_label",
    "pledge_topics": "pledge_id topic_id rank method score",
    "relations": "pledge_id_a pledge_id_b relation score method topic_id note",
    "groups": "group_id name title subtitle",
}


@pytest.mark.parametrize("table", list(PUBLISHED_COLUMNS))
def test_the_columns_are_a_contract_that_only_grows(table: str):
    published = PUBLISHED_COLUMNS[table].split()
    assert TABLES[table].columns[: len(published)] == published


def test_a_pledges_chapter_is_a_column_of_pledges_that_refers_to_topics(built: Built):
    """The chapter the booklet prints a pledge in, said once in the table every stage reads."""
    assert schema.ForeignKey(("topic_id",), "topics", ("topic_id",)) in TABLES["pledges"].foreign_keys
    assert TABLES["pledges"].field("topic_id").required
    read = pl.read_csv(ROOT / "datapackage" / "data" / "pledges.csv", schema=TABLES["pledges"].polars_schema())
    assert set(read["topic_id"]) <= set(built.frames["topics"]["topic_id"]) and read["topic_id"].null_count() == 0


def test_groups_hold_every_actors_group_and_the_key_from_actors_holds(built: Built):
    groups, actors = built.frames["groups"], built.frames["actors"]
    assert groups.rows() == [("baerum", "Bærum", "Løfter i Bærum", DEFAULT_SUBTITLE)]
    assert set(actors["comparison_group"]) <= set(groups["group_id"])
    assert actors.join(groups, left_on="comparison_group", right_on="group_id", how="anti").height == 0
    descriptor = json.loads((built.paths.package / "datapackage.json").read_text(encoding="utf-8"))
    (actors_resource,) = [r for r in descriptor["resources"] if r["name"] == "actors"]
    assert actors_resource["schema"]["foreignKeys"] == [
        {"fields": ["comparison_group"], "reference": {"resource": "groups", "fields": ["group_id"]}}
    ]


@pytest.mark.parametrize(("table", "field"), [(t.name, f.name) for t in schema.ALL_TABLES for f in t.fields])
def test_every_field_is_documented(table: str, field: str):
    described = TABLES[table].field(field)
    assert described.title and described.description and described.type in {"string", "integer", "number", "boolean"}


@pytest.mark.parametrize("table", list(TABLES))
def test_primary_keys_are_unique_and_complete(built: Built, table: str):
    frame = built.frames[table]
    key = list(TABLES[table].primary_key)
    assert frame.height > 0
    assert frame.select(key).null_count().sum_horizontal().item() == 0
    assert frame.select(key).is_duplicated().sum() == 0


@pytest.mark.parametrize(
    ("table", "fk"), [(t.name, fk) for t in schema.ALL_TABLES for fk in t.foreign_keys], ids=lambda x: getattr(x, "table", x)
)
def test_foreign_keys_hold(built: Built, table: str, fk: schema.ForeignKey):
    child = built.frames[table].select(list(fk.fields)).drop_nulls()
    parent = built.frames[fk.table].select(list(fk.reference)).rename(dict(zip(fk.reference, fk.fields, strict=True)))
    assert child.join(parent, on=list(fk.fields), how="anti").height == 0


def test_required_fields_have_values(built: Built):
    for table in schema.ALL_TABLES:
        required = [f.name for f in table.fields if f.required]
        nulls = built.frames[table.name].select(required).null_count().row(0, named=True)
        assert {k: v for k, v in nulls.items() if v} == {}, table.name


def test_csv_round_trip_gives_the_same_frames(built: Built):
    for name, table in TABLES.items():
        read = pl.read_csv(built.paths.package / "data" / f"{name}.csv", schema=table.polars_schema())
        assert read.equals(built.frames[name]), name


def test_csv_files_are_lf_utf8_and_sorted(built: Built):
    for name, table in TABLES.items():
        raw = (built.paths.package / "data" / f"{name}.csv").read_bytes()
        assert b"\r\n" not in raw and raw.endswith(b"\n")
        raw.decode("utf-8")
        frame = built.frames[name]
        assert frame.equals(frame.sort(list(table.primary_key)))


def test_readme_lists_every_table_with_its_row_count(built: Built):
    readme = (built.paths.package / "README.md").read_text(encoding="utf-8")
    for name, frame in built.frames.items():
        assert f"`{name}`" in readme
        assert f"**{frame.height} {'row' if frame.height == 1 else 'rows'}.**" in readme
    assert "**1 row.**" in readme  # the seeds' one comparison group, in the singular


def test_zip_holds_exactly_the_package(built: Built):
    with zipfile.ZipFile(built.paths.out / "datapackage.zip") as archive:
        names = sorted(archive.namelist())
        assert names == sorted(["README.md", "CHANGELOG.md", "datapackage.json"] + [f"data/{name}.csv" for name in TABLES])
        assert "data/relations.csv" in names and "data/pledges.csv" in names
        assert archive.read("data/pledges.csv") == (built.paths.package / "data" / "pledges.csv").read_bytes()
        assert all(not n.startswith("/") and ".." not in n for n in names)


def test_committed_package_is_what_the_build_produces(built: Built):
    committed = ROOT / "datapackage"
    produced = sorted(p.relative_to(built.paths.package) for p in built.paths.package.rglob("*") if p.is_file())
    assert produced == sorted(p.relative_to(committed) for p in committed.rglob("*") if p.is_file())
    for relative in produced:
        assert (committed / relative).read_bytes() == (built.paths.package / relative).read_bytes(), (
            f"datapackage/{relative} is out of date: run `make report` and commit it"
        )


def test_stage_log_has_one_line_per_stage_with_counts(built: Built):
    stages = [line.split()[0] for line in built.log]
    assert stages[:3] == ["sources", "extract", "tables"]
    assert "pledges 784" in next(line for line in built.log if line.startswith("tables"))


def _rebuild(tmp_path: Path, seeds: Path) -> dict[str, pl.DataFrame]:
    return build(Paths(seeds=seeds, package=tmp_path / "dp", out=tmp_path / "out", report=False), StageLog(echo=lambda _: None))


def test_ids_are_stable_across_builds(built: Built, tmp_path: Path):
    again = _rebuild(tmp_path, SEEDS)
    assert again["pledges"]["pledge_id"].to_list() == built.frames["pledges"]["pledge_id"].to_list()
    assert (tmp_path / "dp" / "data" / "pledges.csv").read_bytes() == (built.paths.package / "data" / "pledges.csv").read_bytes()


def test_removing_one_pledge_changes_no_other_id(built: Built, tmp_path: Path):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    rodt = seeds / "texts" / "rodt-baerum-program-2019-2023.txt"
    lines = rodt.read_text(encoding="utf-8").split("\n")
    assert lines[527].startswith("• Nei til søndagsåpne butikker.")  # physical line 528
    del lines[527]
    rodt.write_text("\n".join(lines), encoding="utf-8")
    manifest = seeds / "sources.toml"
    manifest.write_text(re.sub(r'sha256 = "2d9f[0-9a-f]+"\n', "", manifest.read_text(encoding="utf-8")), encoding="utf-8")
    after = set(_rebuild(tmp_path, seeds)["pledges"]["pledge_id"])
    before = set(built.frames["pledges"]["pledge_id"])
    assert len(before - after) == 1 and after <= before
