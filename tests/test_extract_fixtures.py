"""Each layout profile on a small hand-written text, against rows written by hand.

`auto/` holds texts in layouts that neither the seeds nor the development corpus have (Nynorsk
Markdown with nested lists, PDF text with line numbers at the line start and running headers, a web
page with square bullets and site boilerplate), read with layout detection alone.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from publish.extract import extract
from tests.conftest import FIXTURES, fixture_document, load_expected

CASES = sorted(FIXTURES.glob("*/*.txt"))


def _rows(extraction) -> tuple[list, list]:
    headings = extraction.headings
    sections = [[h.title, h.level, h.line, headings[h.parent].title if h.parent is not None else None, h.box] for h in headings]
    items = [
        [
            item.kind,
            item.text,
            item.lines[0].number,
            item.lines[-1].number,
            item.lines[0].printed,
            item.lines[-1].printed,
            item.parent,
            headings[item.section].title if item.section is not None else None,
        ]
        for item in extraction.items
    ]
    return sections, items


def test_every_layout_profile_has_a_fixture():
    assert {case.parent.name for case in CASES} == {"auto", "pdf_numbered_lines", "pdf_text", "web_bullets", "goals_strategies"}


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_fixture_extracts_exactly_the_expected_rows(case: Path):
    expected = load_expected(case.with_suffix(".json"))
    document = fixture_document(case, case.parent.name, tuple(expected["chapters"]), **expected.get("options", {}))
    sections, items = _rows(extract(document))
    assert sections == expected["sections"]
    assert items == expected["items"]
