"""Pledge ids are unique across kinds and documents: a collision is impossible, not an error."""

from __future__ import annotations

from publish.extract import ListItem
from publish.layout import Line
from publish.sources import Document
from publish.tables import _assign_pledges, _Source, stable_id, unique_id


def _document(document_id: str) -> Document:
    return Document(document_id, "ap", "t", "t", "programme", "", "f.txt", "auto", "", "", "", ())


def _source(document: Document, kind: str, text: str, line: int) -> _Source:
    return _Source(document, ListItem(kind, 0, None, [Line(line, text)]), "s", None, text)


def test_same_words_as_pledge_and_as_context_are_two_pledges_with_two_ids():
    """The issue's case: one sentence a promise in one list and a description in another."""
    program, page = _document("program"), _document("page")
    sources = [
        _source(program, "pledge", "Bygge flere kommunale boliger.", 10),
        _source(page, "context", "Bygge flere kommunale boliger.", 3),
        _source(page, "pledge", "Bygge flere kommunale boliger.", 7),
    ]
    _assign_pledges(sources)
    ids = [s.pledge_id for s in sources]
    assert ids[0] == stable_id("ap", "Bygge flere kommunale boliger.")  # the first keeps the plain id
    assert ids[1] != ids[0]  # the context row gets its own
    assert ids[2] == ids[0] and sources[2].match == "exact"  # the same promise again is a second source


def test_an_id_taken_twice_gets_a_counter():
    """Should a kind-qualified id be taken too (ten hex digits can collide), a counter follows."""
    text = "Bygge flere kommunale boliger."
    plain, qualified = stable_id("ap", text), stable_id("ap", text, "pledge")
    taken = {plain, qualified}
    assert unique_id("ap", "pledge", [text], taken) == f"{qualified}-2"
    assert unique_id("ap", "pledge", [text], taken) == f"{qualified}-3"
