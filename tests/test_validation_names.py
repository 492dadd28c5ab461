"""An invalid package names the document whose rows caused each error (never a staging path)."""

from __future__ import annotations

import shutil

from publish.package import validate_package
from tests.conftest import ROOT


def _broken_package(tmp_path, table: str, column: str, value: str, row: int = 0):
    package = tmp_path / "datapackage"
    shutil.copytree(ROOT / "datapackage", package)
    path = package / "data" / f"{table}.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    header = lines[0].split(",")
    cells = lines[1 + row].split(",")
    cells[header.index(column)] = value  # the first columns hold ids and plain words: no quoting to respect
    lines[1 + row] = ",".join(cells)
    path.write_text("\n".join(lines), encoding="utf-8")
    return package / "datapackage.json", cells


def test_a_bad_cell_in_documents_names_its_document(tmp_path):
    descriptor, cells = _broken_package(tmp_path, "documents", "kind", "pamflett")
    errors = validate_package(descriptor)
    row_errors = [e for e in errors if "in row at position" in e]  # the byte count and hash errors are the file's
    assert row_errors and all(f"(rows of document {cells[0]!r})" in e for e in row_errors)


def test_a_bad_cell_in_pledge_topics_names_the_pledge_s_document(tmp_path):
    descriptor, cells = _broken_package(tmp_path, "pledge_topics", "rank", "0", row=3)
    pledges = (tmp_path / "datapackage" / "data" / "pledges.csv").read_text(encoding="utf-8").split("\n")
    header = pledges[0].split(",")
    document = next(line.split(",")[header.index("document_id")] for line in pledges[1:] if line.startswith(cells[0] + ","))
    errors = validate_package(descriptor)
    assert any(e.startswith("pledge_topics:") and f"(rows of document {document!r})" in e for e in errors)
