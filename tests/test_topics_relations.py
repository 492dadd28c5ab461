"""Topics and relations: the taxonomy, the classifier and the relations, against hand labels."""

from __future__ import annotations

import re

import polars as pl
import pytest

from publish.evaluate import evaluate
from tests.conftest import ROOT, Built

LABELS = ROOT / "seeds" / "labels"  # the Bærum dataset's own hand labels
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


def test_a_pledges_topic_id_is_its_rank_one_topic(built: Built):
    """pledges.topic_id is where every stage after classify reads a chapter: it is the rank-1 row, never rank 2."""
    chapter = dict(built.frames["pledges"].select("pledge_id", "topic_id").iter_rows())
    assert chapter == dict(_rank1(built).select("pledge_id", "topic_id").iter_rows())
    rank2 = built.frames["pledge_topics"].filter(pl.col("rank") == 2)
    assert rank2.height > 100 and all(chapter[p] != t for p, t in rank2.select("pledge_id", "topic_id").iter_rows())


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


DATASET = "baerum-lofter"


def test_every_hand_label_of_the_dataset_resolves(built: Built):
    """Labels are keyed by text: a label whose pledge is gone is said, never silently skipped."""
    scores = evaluate(LABELS, DATASET, built.frames["pledges"], built.frames["pledge_topics"], built.frames["relations"])
    assert scores.unresolved == []


def test_classifier_accuracy_on_the_report_split(built: Built):
    """Chapters against pledges read by hand, on the report split only (never used to tune anything).

    Why 0.82: two readers who labelled the same 75 pledges chose the same chapter for 68 (0.91), so
    no method can be held to much more; the measured 0.88 on about 200 report labels has a 95 %
    interval of roughly ±0.045, and 0.82 fails on a real regression, not on noise.
    """
    scores = evaluate(LABELS, DATASET, built.frames["pledges"], built.frames["pledge_topics"], built.frames["relations"]).topics
    assert scores.report.of >= 150
    assert scores.readers_agree.of >= 50
    print(f"\nchapters right on the report split {scores.report.value:.3f} of {scores.report.of}; by method:")
    for method, share in sorted(scores.by_method.items()):
        print(f"  {method:<9} {share.value:.3f} of {share.of}")
    assert scores.report.value >= 0.82


def test_relations_on_the_report_split(built: Built):
    """The automatic relations alone (no editorial file) against the pairs read by hand, report split.

    Measured with the e5 feature and helper-9's 249 more labels (issue 21): precision 0.84 of 51
    labelled shown pairs, recall 0.49 of 63 agree/similar pairs read blind (side by side or in the pool);
    the floors sit between those values and the lower ends of their 95 % intervals (0.72, 0.37).
    """
    from publish.relate import relate

    groups = dict(built.frames["actors"].select("actor_id", "comparison_group").iter_rows())
    names = dict(built.frames["actors"].select("actor_id", "name").iter_rows())
    _, automatic = relate(built.frames["pledges"], built.frames["pledge_topics"], [], groups, names)
    scores = evaluate(LABELS, DATASET, built.frames["pledges"], built.frames["pledge_topics"], automatic).relations
    print(
        f"\nshown {scores.shown}; precision {scores.precision.value:.3f} of {scores.precision.of}; recall {scores.recall.value:.3f} of {scores.recall.of}"
    )
    assert scores.precision.of >= 40 and scores.recall.of >= 45
    assert scores.precision.value >= 0.75
    assert scores.recall.value >= 0.42


def test_at_most_two_partners_per_pledge_and_other_actor(built: Built):
    actor = dict(built.frames["pledges"].select("pledge_id", "actor_id").iter_rows())
    automatic = built.frames["relations"].filter(pl.col("method") == "auto")
    partners: dict[tuple[str, str], int] = {}
    for a, b in automatic.select("pledge_id_a", "pledge_id_b").iter_rows():
        partners[(a, actor[b])] = partners.get((a, actor[b]), 0) + 1
        partners[(b, actor[a])] = partners.get((b, actor[a]), 0) + 1
    assert max(partners.values()) <= 2


def _relation(built: Built, a: str, b: str) -> dict | None:
    key = tuple(sorted((_pid(built, a), _pid(built, b))))
    rows = built.frames["relations"].filter(pl.col("pledge_id_a") == key[0], pl.col("pledge_id_b") == key[1])
    return rows.row(0, named=True) if rows.height else None


def test_known_disagreements_are_found_automatically(built: Built):
    tax = _relation(built, "Ikke innføre eiendomsskatt.", "Gå inn for en eiendomsskatt")
    road = _relation(built, "Sørge for at E18 vestkorridoren ferdigstilles.", "Stanse utbyggingen av ny E-18")
    assert (tax["relation"], tax["method"]) == ("disagree", "auto")
    assert (road["relation"], road["method"]) == ("disagree", "auto")
    assert road["note"] == "motsatt standpunkt om: E18"  # as the texts write the road, not its lower-case stem


def test_a_disagreements_note_names_its_words_as_a_text_writes_them(built: Built):
    texts = dict(built.frames["pledges"].select("pledge_id", "text").iter_rows())
    notes = built.frames["relations"].filter((pl.col("relation") == "disagree") & (pl.col("method") == "auto"))
    assert notes.height
    for a, b, note in notes.select("pledge_id_a", "pledge_id_b", "note").iter_rows():
        words = re.findall(r"\w+", (texts[a] + " " + texts[b]).replace("-", ""))
        assert all(word in words for word in note.removeprefix("motsatt standpunkt om: ").split(", ")), note


def test_known_agreement_is_found_automatically(built: Built):
    """Found as related; the kind (agree or similar) is the method's weak part, right for about 6 in 10
    related pairs on the report split (two readers themselves agree on it for 42 of 57 pairs)."""
    sunday = _relation(built, "Jobbe for at kommunen ikke skal tillate søndagsåpne", "Nei til søndagsåpne butikker.")
    assert sunday["relation"] in ("agree", "similar") and sunday["method"] == "auto"


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


def _labelled_report_pairs(folder, dataset: str, labels: list[tuple[str, str]]) -> pl.DataFrame:
    """Pairs ap-i / r-i whose keys fall in the report split, one per (relation, origin), written to
    folder/pair_labels.csv; returns their pledges."""
    from publish.evaluate import pair_key, split_of

    texts = [(f"Tiltak {i} for skolen.", f"Tiltak {i} for barnehagen.") for i in range(200)]
    pairs = [p for p in texts if split_of(pair_key(dataset, ("ap", p[0]), ("r", p[1]))) == "report"][: len(labels)]
    (folder / "pair_labels.csv").write_text(
        "dataset,actor_a,text_a,actor_b,text_b,relation,origin,labeller,note\n"
        + "".join(f'{dataset},ap,"{a}",r,"{b}",{relation},{origin},test,\n' for (a, b), (relation, origin) in zip(pairs, labels, strict=True)),
        encoding="utf-8",
    )
    n = len(pairs)
    return pl.DataFrame(
        {"pledge_id": [f"ap-{i}" for i in range(n)] + [f"r-{i}" for i in range(n)], "actor_id": ["ap"] * n + ["r"] * n, "text": [a for a, _ in pairs] + [b for _, b in pairs]}
    )


def test_the_editorial_figure_counts_what_emptying_the_file_loses_and_gains(tmp_path):
    """Five labelled pairs of the report split, read by hand: (1) agree, shown by both; (2) agree, only the
    file adds it; (3) unrelated, shown by the method and removed by the file; (4) disagree, the method
    says similar and the file relabels it; (5) similar, shown by the method and wrongly removed by the
    file. Emptying the file loses (2) and (4) and gains (5); the file sets 2 of 3 published relations."""
    dataset = "liten"
    pledges = _labelled_report_pairs(tmp_path, dataset, [(label, "test") for label in ("agree", "agree", "unrelated", "disagree", "similar")])

    def relations(rows: list[tuple[int, str, str]]) -> pl.DataFrame:
        return pl.DataFrame(
            [{"pledge_id_a": f"ap-{i}", "pledge_id_b": f"r-{i}", "relation": kind, "method": method} for i, kind, method in rows]
        )

    automatic = relations([(0, "similar", "auto"), (2, "similar", "auto"), (3, "similar", "auto"), (4, "similar", "auto")])
    published = relations([(0, "similar", "auto"), (1, "agree", "editorial"), (3, "disagree", "editorial")])
    topics = pl.DataFrame(schema={"pledge_id": pl.Utf8, "topic_id": pl.Utf8, "method": pl.Utf8})
    editorial = evaluate(tmp_path, dataset, pledges, topics, automatic, published).relations.editorial
    assert (editorial.rows, editorial.published) == (2, 3)
    assert (editorial.kept.right, editorial.kept.of, editorial.gained) == (1, 3, 1)
    assert editorial.as_dict()["lost"] == 2


def test_a_nynorsk_document_is_compared_in_bokmal_and_printed_as_written():
    from publish.nynorsk import compared_texts

    pledges = pl.DataFrame(
        {
            "pledge_id": ["sp-1", "sp-2", "ap-1"],
            "document_id": ["sp", "sp", "ap"],
            "text": ["Vi vil ikkje leggje ned skulane i bygdene.", "Det skal vere fleire bustader for unge.", "Ikke legge ned skolene."],
        }
    )
    result = compared_texts(pledges)
    assert result["text"].to_list() == pledges["text"].to_list()  # as written, for every table and page
    compared = dict(result.select("pledge_id", "compared").iter_rows())
    assert {"ikke", "skolene"} <= set(compared["sp-1"].rstrip(".").split()) and "boliger" in compared["sp-2"].split()
    assert compared["ap-1"] == "Ikke legge ned skolene."


def test_a_nynorsk_document_without_apertium_stops_the_build_with_what_to_install(monkeypatch):
    from publish import nynorsk
    from publish.errors import InputError

    monkeypatch.setattr(nynorsk.shutil, "which", lambda command: None)
    nynorsk.to_bokmal.cache_clear()
    pledges = pl.DataFrame({"pledge_id": ["sp-1"], "document_id": ["sp"], "text": ["Vi vil ikkje leggje ned skulane i bygdene."]})
    with pytest.raises(InputError, match="Nynorsk") as raised:
        nynorsk.compared_texts(pledges)
    assert "apertium-nno-nob" in (raised.value.hint or "")


def test_recall_counts_only_pairs_not_drawn_from_a_methods_output(tmp_path):
    """Two agree pairs of the report split, both shown by the method: one found by reading both
    programmes (side_by_side), one drawn from what a method showed (shown). Precision counts both;
    recall only the first, which the method could have missed."""
    dataset = "liten"
    pledges = _labelled_report_pairs(tmp_path, dataset, [("agree", "side_by_side"), ("agree", "shown")])
    automatic = pl.DataFrame({"pledge_id_a": ["ap-0", "ap-1"], "pledge_id_b": ["r-0", "r-1"], "relation": ["agree", "agree"]})
    topics = pl.DataFrame(schema={"pledge_id": pl.Utf8, "topic_id": pl.Utf8, "method": pl.Utf8})
    scores = evaluate(tmp_path, dataset, pledges, topics, automatic).relations
    assert (scores.precision.right, scores.precision.of) == (2, 2)
    assert (scores.recall.right, scores.recall.of) == (1, 1)
