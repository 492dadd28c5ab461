"""Layout rules on small texts written by hand: cases a review found, each a kind of layout."""

from __future__ import annotations

import polars as pl

from publish.extract import extract
from publish.sources import Document


def _items(*lines: str) -> list[str]:
    document = Document("d", "ap", "t", "t", "programme", "", "f.txt", "auto", "", "", "", tuple(lines))
    return [item.text for item in extract(document).items]


def test_a_form_feed_before_a_page_s_first_line_keeps_the_line():
    """pdftotext writes the form feed in front of the next page's first line, not on a line of its own."""
    assert _items("Vi vil:", "• gi alle eldre trygghet", "\f• gi alle elever skolemat") == [
        "gi alle eldre trygghet",
        "gi alle elever skolemat",
    ]


def test_list_items_that_differ_by_a_number_are_not_running_footers():
    items = _items(
        "Vi vil:", "• Bygge 100 nye boliger i Sandvika", "• Bygge 200 nye boliger i Sandvika", "• Bygge 50 nye boliger i Sandvika"
    )
    assert len(items) == 3


def test_markdown_prose_without_lead_ins_gives_no_pledges():
    assert (
        _items("# Skole", "Vi mener skolen er viktig for alle barn.", "Derfor trenger vi flere lærere.", "# Helse", "Helse er viktig.")
        == []
    )


def test_a_number_at_a_line_start_is_kept_unless_it_is_a_glued_page_number():
    """ "20TWh" is a quantity; "17Vold i nære relasjoner" is page 17 glued to a heading."""
    assert _items("Vi vil:", "• bygge ut vindkraft", "20TWh mer fornybar kraft innen 2030 skal bygges") == [
        "bygge ut vindkraft 20TWh mer fornybar kraft innen 2030 skal bygges"
    ]


def test_relations_of_a_group_without_subject_words_are_empty_not_a_crash():
    from publish.relate import relate

    pledges = pl.DataFrame(
        {
            "pledge_id": ["a-1", "b-1"],
            "actor_id": ["a", "b"],
            "document_id": ["a-program", "b-program"],
            "text": ["Styrke 12.", "Sikre 13."],
            "kind": ["pledge", "pledge"],
            "topic_id": ["x", "x"],
        }
    )
    topics = pl.DataFrame({"pledge_id": ["a-1", "b-1"], "topic_id": ["x", "x"], "rank": [1, 1]})
    published, automatic = relate(pledges, topics, [], {"a": "g", "b": "g"}, {"a": "A", "b": "B"})
    assert published.height == automatic.height == 0
