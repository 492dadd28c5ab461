"""Properties of the extractor and the ids, on text hypothesis makes up."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from publish.extract import extract, read_lines
from publish.sources import Document
from publish.tables import _assign_pledges, _Source, stable_id

WORDS = st.sampled_from(
    "Bærum vil styrke skole barnehage og for å ikke Mål Våre strategier er å: Rødt Arbeiderparti eldre bolig "
    "re- gelverk FACT- helse- til E-18 ( ) . , : ! «sitat» o ○ • ● 1) 12 2023–2027 # ## ** * - – a) 3. \f ﬁ".split()
)
LINE = st.one_of(
    st.just(""),
    st.just(" "),
    st.lists(WORDS, min_size=1, max_size=14).map(" ".join),
    st.lists(WORDS, min_size=1, max_size=10).map(lambda w: "• " + " ".join(w)),
    st.lists(WORDS, min_size=1, max_size=10).map(lambda w: " " + " ".join(w)),
    st.lists(WORDS, min_size=1, max_size=8).map(lambda w: "o " + " ".join(w)),
    st.just("Bærum Arbeiderparti vil:"),
    st.just("Mål Våre strategier er å:"),
    st.just("\f"),
    st.just("# Overskrift"),
    st.just("---"),
    st.lists(WORDS, min_size=1, max_size=8).map(lambda w: "* " + " ".join(w)),
    st.lists(WORDS, min_size=1, max_size=8).map(lambda w: "1. " + " ".join(w)),
    st.text(min_size=0, max_size=40),
)
NUMBERED_LINE = st.tuples(LINE, st.integers(min_value=1, max_value=2000)).map(lambda t: f"{t[0]} {t[1]} ")


def _document(lines: list[str], layout: str) -> Document:
    return Document("d", "ap", "t", "t", "programme", "", "f.txt", layout, "", "", "", tuple(lines))


def _squash(text: str) -> str:
    return re.sub(r"\W", "", unicodedata.normalize("NFC", text).casefold())


def _check(document: Document) -> None:
    extraction = extract(document)
    cited: dict[int, str] = {}
    for line in read_lines(document):  # items run together on one printed line share its number
        marker = line.marker.prefix if line.marker else ""  # a numbered line may be read as text, number included
        cited[line.number] = f"{cited.get(line.number, '')} {marker} {line.text}"
    previous_end = 0
    for item in extraction.items:
        start, end = item.lines[0].number, item.lines[-1].number
        assert 1 <= start <= end <= len(document.lines)
        source = " ".join(cited.get(n, "") for n in range(start, end + 1))
        assert _squash(item.text) in _squash(source)
        if item.parent is None and item.kind != "goal":
            assert start >= previous_end, "top-level items overlap"
            previous_end = end
        elif item.kind == "goal":
            previous_end = end


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(LINE, max_size=40), layout=st.sampled_from(["auto", "pdf_text", "web_bullets", "goals_strategies"]))
def test_extractor_never_crashes_and_cites_its_lines(lines, layout):
    _check(_document(lines, layout))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(st.one_of(NUMBERED_LINE, st.just(""), st.just(" "), st.integers(1, 999).map(lambda n: f" {n} ")), max_size=40))
def test_numbered_profile_never_crashes_and_cites_its_lines(lines):
    _check(_document(lines, "pdf_numbered_lines"))


DISTINCT = st.lists(
    st.lists(st.sampled_from([f"ord{i}" for i in range(400)]), min_size=4, max_size=8, unique=True).map(" ".join),
    min_size=2,
    max_size=25,
    unique=True,
)


@settings(max_examples=60, deadline=None)
@given(texts=DISTINCT, data=st.data())
def test_removing_one_pledge_changes_no_other_id(texts, data):
    from publish.extract import Line, ListItem

    document = _document([], "web_bullets")

    def ids(kept: list[str]) -> dict[str, str]:
        sources = [_Source(document, ListItem("pledge", 0, None, [Line(n, t)]), "s", None, t) for n, t in enumerate(kept, 1)]
        _assign_pledges(sources)
        return {s.text: s.pledge_id for s in sources}

    before = ids(texts)
    removed = data.draw(st.sampled_from(texts))
    after = ids([t for t in texts if t != removed])
    assert all(after[t] == before[t] for t in after)
    assert all(before[t] == stable_id("ap", t) for t in texts)
