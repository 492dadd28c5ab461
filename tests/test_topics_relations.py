"""Topics and relations: the taxonomy, the classifier and the relations, against hand labels."""

from __future__ import annotations

import polars as pl
import pytest

from publish.evaluate import evaluate
from tests.conftest import ROOT, Built

LABELS = ROOT / "tests" / "data"
# CAP master codebook major topics (comparativeagendas.net): 11 and 22 are not used.
CAP_MAJOR = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 23}


def _text(built: Built, pledge_id: str) -> str:
    return built.frames["pledges"].filter(pl.col("pledge_id") == pledge_id)["text"].item()


def _pid(built: Built, start: str) -> str:
    hits = built.frames["pledges"].filter(pl.col("text").str.starts_with(start))
    assert hits.height == 1, start
    return hits["pledge_id"].item()


def _rank1(built: Built) -> pl.DataFrame:
    return built.frames["pledge_topics"].filter(pl.col("rank") == 1)


def test_taxonomy_has_a_chapter_count_readers_expect(built: Built):
    topics = built.frames["topics"]
    assert 15 <= topics.height <= 25
    assert set(topics["cap_major_code"]) <= CAP_MAJOR
    assert topics["order"].sort().to_list() == list(range(1, topics.height + 1))


def test_every_topic_has_pledges_from_a_party(built: Built):
    party = built.frames["pledges"].join(built.frames["actors"], on="actor_id").filter(pl.col("kind_right") == "party")
    covered = set(_rank1(built).join(party.select("pledge_id"), on="pledge_id")["topic_id"])
    assert covered == set(built.frames["topics"]["topic_id"])


def test_every_pledge_has_exactly_one_chapter(built: Built):
    rank1 = _rank1(built)
    assert rank1.height == built.frames["pledges"].height
    assert rank1["pledge_id"].is_unique().all()


def test_headings_decide_and_sub_pledges_follow_their_parent(built: Built):
    topic = dict(_rank1(built).select("pledge_id", "topic_id").iter_rows())
    method = dict(_rank1(built).select("pledge_id", "method").iter_rows())
    barnehage = _pid(built, "Sikre løpende barnehageopptak.")
    assert (topic[barnehage], method[barnehage]) == ("barnehage", "heading")
    pledges = built.frames["pledges"].filter(pl.col("kind") == "sub_pledge")
    for row in pledges.iter_rows(named=True):
        if method[row["pledge_id"]] != "override":
            assert topic[row["pledge_id"]] == topic[row["parent_pledge_id"]]
            assert method[row["pledge_id"]] == "parent"


def test_editorial_overrides_win(built: Built):
    topic = dict(_rank1(built).select("pledge_id", "topic_id").iter_rows())
    for start in ("Ikke innføre eiendomsskatt.", "Gå inn for en eiendomsskatt"):
        assert topic[_pid(built, start)] == "okonomi"


def test_classifier_accuracy_against_hand_labels(built: Built):
    """At least 150 pledges labelled by reading each one; rank 1 must match 85 % of them.

    Why 85 %: two careful human coders of CAP major topics agree on roughly 80-90 % of items, and
    many of our misses are pledges that honestly belong to two chapters (a vaccine for youth: health
    or youth?). With 184 labels the 95 % interval around the measured 0.89 is about ±0.045, so 0.85
    fails on a real regression and not on noise.
    """
    scores = evaluate(LABELS, built.frames["pledges"], built.frames["pledge_topics"], built.frames["relations"]).topics
    assert scores.labelled >= 150
    print(f"\ntopic accuracy {scores.accuracy:.3f} on {scores.labelled} hand-labelled pledges; worst topics:")
    for topic, recall, taken_for in scores.worst():
        print(f"  {topic:<22} recall {recall:.2f}  taken for {taken_for}")
    assert scores.accuracy >= 0.85


def test_relations_against_hand_labels(built: Built, capsys):
    """Precision over every automatic pair (each read and judged by hand), recall over 49 pairs found
    by reading both programmes side by side. Lexical similarity cannot see a paraphrase ("Ha hele
    Bærum inn i sone 1" / "... innlemmes innenfor takstsone 1" share few words), so recall is modest;
    the editorial file adds what it misses. Thresholds sit a few points under the measured values.
    """
    from publish.relate import relate

    _, automatic = relate(built.frames["pledges"], built.frames["pledge_topics"], [])
    scores = evaluate(LABELS, built.frames["pledges"], built.frames["pledge_topics"], automatic).relations
    counts = dict(automatic.group_by("relation").len().iter_rows())
    print(
        f"\nautomatic relations {counts}; precision {scores.precision:.3f} (kind), {scores.precision_related:.3f} (related at all);"
        f" recall {scores.recall:.3f} (kind), {scores.recall_any:.3f} (any) of {scores.positives}"
    )
    assert scores.positives >= 40 and scores.auto_labelled == automatic.height
    assert scores.precision >= 0.55
    assert scores.precision_related >= 0.70
    assert scores.recall_any >= 0.40


def _relation(built: Built, a: str, b: str) -> dict | None:
    key = tuple(sorted((_pid(built, a), _pid(built, b))))
    rows = built.frames["relations"].filter(pl.col("pledge_id_a") == key[0], pl.col("pledge_id_b") == key[1])
    return rows.row(0, named=True) if rows.height else None


def test_known_disagreements_are_found_automatically(built: Built):
    tax = _relation(built, "Ikke innføre eiendomsskatt.", "Gå inn for en eiendomsskatt")
    road = _relation(built, "Sørge for at E18 vestkorridoren ferdigstilles.", "Stanse utbyggingen av ny E-18")
    assert (tax["relation"], tax["method"]) == ("disagree", "auto")
    assert (road["relation"], road["method"]) == ("disagree", "auto")
    assert "e18" in road["note"]


def test_known_agreement_is_found_automatically(built: Built):
    sunday = _relation(built, "Jobbe for at kommunen ikke skal tillate søndagsåpne", "Nei til søndagsåpne butikker.")
    assert (sunday["relation"], sunday["method"]) == ("agree", "auto")


def test_editorial_file_removes_and_adds(built: Built):
    assert _relation(built, "Jobbe for at kommunen ikke skal tillate søndagsåpne", "Tilrettelegging for lokale butikker") is None
    zone = _relation(built, "Ha hele Bærum inn i sone 1.", "Arbeide for at hele Bærum innlemmes")
    assert (zone["relation"], zone["method"], zone["score"]) == ("agree", "editorial", 1.0)


def test_relations_join_different_actors_in_key_order(built: Built):
    actor = dict(built.frames["pledges"].select("pledge_id", "actor_id").iter_rows())
    for row in built.frames["relations"].iter_rows(named=True):
        assert row["pledge_id_a"] < row["pledge_id_b"]
        assert actor[row["pledge_id_a"]] != actor[row["pledge_id_b"]]


@pytest.mark.parametrize("kind", ["agree", "similar", "disagree"])
def test_every_relation_kind_occurs(built: Built, kind: str):
    assert built.frames["relations"].filter(pl.col("relation") == kind).height >= 1
