"""A new municipality's seeds folder: it builds without a topics.toml of its own, and nothing the
program writes for it names Bærum; the words printed are its own (its pledges, its election, its
language)."""

from __future__ import annotations

import io
import json
import re
import tomllib
import zipfile
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader

from publish import classify
from publish.booklet import BookletModel, render_html
from publish.build import Paths, StageLog, _data, build
from publish.errors import InputError
from publish.release import dcat_record
from publish.sources import load_corpus
from tests.conftest import SEEDS

DATASET = """[dataset]
name = "eksempelby-lofter"
title = "Løfter i Eksempelby: to partiprogrammer"
description = "Løftene fra Fjordlista og Bygdepartiet i Eksempelby, punkt for punkt."
version = "0.1.0"
created = "2027-03-01"
license = "CC-BY-4.0"
license_title = "Creative Commons Attribution 4.0"
license_path = "https://creativecommons.org/licenses/by/4.0/"
publisher = "Eksempelby bibliotek"
keywords = ["Eksempelby", "partiprogram"]
homepage = "https://example.org/lofter/"
"""

FJORDLISTA = """Fjordlista i Eksempelby

Barnehage

Fjordlista vil:

▪ Bygge to nye barnehager i Eksempelby sentrum.
▪ Holde foreldrebetalingen i barnehagen lav.

Skole

Fjordlista vil:

▪ Gi alle elever gratis skolemat hver dag.
▪ Ansette flere lærere i skolen.
"""

# Nynorsk: "ein", "ikkje" and "kvar" are Nynorsk-only words (publish/nynorsk.py)
BYGDEPARTIET = """# Barnehage

**Bygdepartiet vil:**

- byggje ein ny barnehage i kvar bygd
- halde prisen på barnehagen nede

# Skule

**Bygdepartiet vil:**

- gje alle elevar gratis skulemat kvar dag
- ikkje leggje ned skulane i bygdene
"""


def _actor(actor_id: str, name: str, short: str, color: str) -> str:
    return f'[[actors]]\nid = "{actor_id}"\nname = "{name}"\nshort_name = "{short}"\nkind = "party"\ncolor = "{color}"\ngroup = "eksempelby"\n'


def _document(doc_id: str, actor: str, file: str, title: str, short: str) -> str:
    return (
        f'[[documents]]\nid = "{doc_id}"\nfile = "{file}"\nactor = "{actor}"\ntitle = "{title}"\nshort_title = "{short}"\n'
        f'kind = "programme"\nperiod = "2027–2031"\nrights = "Skrevet for testen."\n'
    )


def eksempelby(folder: Path, group_extra: str = "") -> Path:
    """Seeds of two made-up parties of a made-up place, one Bokmål web page and one Nynorsk programme; no topics.toml."""
    (folder / "texts").mkdir(parents=True)
    (folder / "texts" / "fjordlista.txt").write_text(FJORDLISTA, encoding="utf-8")
    (folder / "texts" / "bygdepartiet.txt").write_text(BYGDEPARTIET, encoding="utf-8")
    group = f'[[groups]]\nid = "eksempelby"\nname = "Eksempelby"\ntitle = "Løfter i Eksempelby"\n{group_extra}'
    manifest = "\n".join(
        [
            DATASET,
            group,
            _actor("fl", "Fjordlista i Eksempelby", "Fjordlista", "#1B6E3A"),
            _actor("bp", "Bygdepartiet i Eksempelby", "Bygdepartiet", "#7A4A12"),
            _document("fl-program", "fl", "texts/fjordlista.txt", "Fjordlistas program for Eksempelby", "Fjordlista-program"),
            _document("bp-program", "bp", "texts/bygdepartiet.txt", "Valprogram for Bygdepartiet i Eksempelby", "Bygdepartiet-program"),
        ]
    )
    (folder / "sources.toml").write_text(manifest, encoding="utf-8")
    return folder


# ---- the chapters shipped with the project ---------------------------------------------------------


def test_the_shipped_chapters_are_the_seeds_chapters_without_any_place_in_them():
    shipped = tomllib.loads(classify.DEFAULT_TOPICS.read_text(encoding="utf-8"))["topics"]
    seeds = tomllib.loads((SEEDS / "topics.toml").read_text(encoding="utf-8"))["topics"]
    assert [(t["id"], t["label"], t["order"]) for t in shipped] == [(t["id"], t["label"], t["order"]) for t in seeds]
    assert not re.search("bærum|baerum", classify.DEFAULT_TOPICS.read_text(encoding="utf-8"), re.IGNORECASE)


def test_a_seeds_folder_with_its_own_topics_uses_them_and_one_without_uses_the_shipped_ones(tmp_path: Path):
    assert classify.taxonomy_path(SEEDS) == SEEDS / "topics.toml"
    assert classify.taxonomy_path(tmp_path) == classify.DEFAULT_TOPICS
    (tmp_path / "topics.toml").symlink_to(tmp_path / "missing.toml")  # broken: reported, not passed over
    with pytest.raises(InputError, match="topics.toml"):
        classify.load_taxonomy(tmp_path)


@pytest.mark.build
def test_a_seeds_folder_with_only_a_manifest_and_one_text_builds(tmp_path: Path):
    seeds = tmp_path / "seeds"
    (seeds / "texts").mkdir(parents=True)
    (seeds / "texts" / "fjordlista.txt").write_text(FJORDLISTA, encoding="utf-8")
    manifest = "\n".join(
        [
            DATASET,
            _actor("fl", "Fjordlista i Eksempelby", "Fjordlista", "#1B6E3A").replace('group = "eksempelby"\n', ""),
            _document("fl-program", "fl", "texts/fjordlista.txt", "Fjordlistas program for Eksempelby", "Fjordlista-program"),
        ]
    )
    (seeds / "sources.toml").write_text(manifest, encoding="utf-8")
    assert sorted(p.name for p in seeds.rglob("*") if p.is_file()) == ["fjordlista.txt", "sources.toml"]
    log: list[str] = []
    frames = build(Paths(seeds=seeds, package=tmp_path / "dp", out=tmp_path / "out", report=False), StageLog(echo=log.append))
    notes = [line for line in log if "municipal chapters" in line]
    assert len(notes) == 1 and str(classify.DEFAULT_TOPICS) in notes[0] and str(seeds / "topics.toml") in notes[0], log
    assert (tmp_path / "dp" / "datapackage.json").is_file() and (tmp_path / "out" / "workbook.xlsx").is_file()
    chapters = dict(frames["pledges"].select("text", "topic_id").iter_rows())
    assert chapters == {
        "Bygge to nye barnehager i Eksempelby sentrum.": "barnehage",
        "Holde foreldrebetalingen i barnehagen lav.": "barnehage",
        "Gi alle elever gratis skolemat hver dag.": "skole",
        "Ansette flere lærere i skolen.": "skole",
    }


@pytest.mark.build
def test_the_bundled_seeds_keep_their_own_chapters_and_say_nothing_about_it(tmp_path: Path):
    log: list[str] = []
    _data(Paths(seeds=SEEDS, package=tmp_path / "dp", out=tmp_path / "out", report=False), StageLog(echo=log.append))
    assert not [line for line in log if "municipal chapters" in line]


# ---- the manifest's own words: election and place ---------------------------------------------------


def test_the_election_is_the_groups_else_the_datasets_else_none(tmp_path: Path):
    assert load_corpus(eksempelby(tmp_path / "none")).groups[0].election == ""
    assert load_corpus(eksempelby(tmp_path / "group", 'election = "kommunevalg"\n')).groups[0].election == "kommunevalg"
    seeds = eksempelby(tmp_path / "dataset")
    manifest = seeds / "sources.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace('homepage = "', 'election = "stortingsvalg"\nhomepage = "'), encoding="utf-8")
    assert load_corpus(seeds).groups[0].election == "stortingsvalg"


def test_an_unknown_election_is_one_message_with_its_line(tmp_path: Path):
    seeds = eksempelby(tmp_path / "seeds", 'election = "kommune"\n')
    line = next(n for n, text in enumerate((seeds / "sources.toml").read_text(encoding="utf-8").splitlines(), 1) if text.startswith("election"))
    with pytest.raises(InputError) as caught:
        load_corpus(seeds)
    message = str(caught.value)
    assert message.startswith(f"{seeds / 'sources.toml'}:{line}: group 'eksempelby': election 'kommune' is not one of kommunevalg, "), message


def test_the_dcat_places_are_the_manifests_else_its_municipalities_else_none(tmp_path: Path):
    corpus = load_corpus(eksempelby(tmp_path / "none"))
    assert "dct:spatial" not in dcat_record(corpus, [])
    baerum = dcat_record(load_corpus(SEEDS), [])["dct:spatial"]
    assert baerum == {"@type": "dct:Location", "skos:prefLabel": {"@value": "Bærum kommune", "@language": "nb"}}
    seeds = eksempelby(tmp_path / "spatial")
    manifest = seeds / "sources.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace('homepage = "', 'spatial = ["Eksempelby kommune"]\nhomepage = "'), encoding="utf-8")
    assert dcat_record(load_corpus(seeds), [])["dct:spatial"]["skos:prefLabel"]["@value"] == "Eksempelby kommune"


@pytest.mark.build
def test_the_covers_kicker_names_the_election_only_when_the_manifest_does(tmp_path: Path):
    kickers = {}
    for extra in ("", 'election = "kommunevalg"\n'):
        seeds = eksempelby(tmp_path / str(len(extra)), extra)
        corpus, frames, _ = _data(Paths(seeds=seeds, package=tmp_path / "dp", out=tmp_path / "out", report=False), StageLog(echo=lambda _: None))
        html = render_html(BookletModel(corpus, frames, {}, "a4", corpus.groups[0]))
        kickers[extra] = re.search(r'<p class="cover-kicker">(.*?)</p>', html).group(1)
    assert kickers == {"": "Eksempelby", 'election = "kommunevalg"\n': "Kommunevalg · Eksempelby"}


@pytest.mark.build
def test_the_baerum_how_to_read_page_quotes_its_first_pledges_by_the_rule(tmp_path: Path):
    corpus, frames, _ = _data(Paths(seeds=SEEDS, package=tmp_path / "dp", out=tmp_path / "out", report=False), StageLog(echo=lambda _: None))
    model = BookletModel(corpus, frames, {}, "a4", corpus.groups[0])
    # read in the texts: chapter 1 (Barnehage) opens with Ap's "Sikre løpende barnehageopptak." (printed
    # line 43) and Rødt's "Ha en barnehagesektor …" (text lines 307–309; Rødt's programme has no line numbers)
    assert [(e.citation, e.lines, e.printed) for e in model.citation_examples] == [
        ("Ap-program l. 43", "43", True),
        ("Rødt-program tl. 307–309", "307–309", False),
    ]
    assert model.example_label in {item.label for item in model.items.values()}


# ---- one whole build of Eksempelby, booklet and site included --------------------------------------


@pytest.fixture(scope="module")
def eksempelby_build(tmp_path_factory) -> Paths:
    root = tmp_path_factory.mktemp("eksempelby")
    paths = Paths(seeds=eksempelby(root / "seeds"), package=root / "datapackage", out=root / "build")
    build(paths, StageLog(echo=lambda _: None))
    return paths


def _texts(name: str, data: bytes) -> list[str]:
    """Every text a file holds, as a reader or a program would find it: zip members (the package zip, the
    workbook's XML) opened, and a PDF's page text, strings and decompressed streams (metadata,
    attachments) read."""
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return [text for member in archive.namelist() for text in _texts(member, archive.read(member))]
    if data[:5] == b"%PDF-":
        texts = [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]
        with pikepdf.open(io.BytesIO(data)) as pdf:
            for obj in pdf.objects:
                if isinstance(obj, pikepdf.String):
                    texts.append(str(obj))
                elif isinstance(obj, pikepdf.Dictionary):
                    texts += [str(value) for value in obj.values() if isinstance(value, pikepdf.String)]
                if isinstance(obj, pikepdf.Stream):
                    try:
                        texts += _texts(f"{name} stream", obj.read_bytes())
                    except pikepdf.PdfError:  # an image filter pikepdf does not decode holds no text
                        pass
        return texts
    return [data.decode("utf-8", errors="ignore"), data.decode("utf-16-be", errors="ignore")]


@pytest.mark.build
def test_nothing_written_for_another_place_names_baerum(eksempelby_build: Paths):
    files = [p for folder in (eksempelby_build.package, eksempelby_build.out) for p in sorted(folder.rglob("*")) if p.is_file()]
    kinds = {p.suffix for p in files}
    assert {".pdf", ".xlsx", ".zip", ".html", ".csv", ".json", ".jsonld"} <= kinds, kinds
    found = {}
    for path in files:
        text = "\n".join(_texts(path.name, path.read_bytes()))
        found[path] = text
        named = re.findall(r"\w*(?:bærum|baerum)\w*", text, re.IGNORECASE)
        assert not named, f"{path}: {named[:5]}"
    # the reading works: the place the manifest names is found in the PDF's pages and the workbook's XML
    assert "Eksempelby" in found[eksempelby_build.out / "report.pdf"]
    assert "Eksempelby" in found[eksempelby_build.out / "report-booklet.pdf"]
    assert "Fjordlista" in found[eksempelby_build.out / "workbook.xlsx"]
    assert "Kommunens egen politikk" not in found[eksempelby_build.out / "workbook.xlsx"]  # no municipality among the actors


@pytest.mark.build
def test_the_booklet_speaks_of_this_group_only(eksempelby_build: Paths):
    html = (eksempelby_build.out / "report.html").read_text(encoding="utf-8")
    howto = html.split('<section class="howto">')[1].split("</section>")[0]
    # the first pledge of chapter 1 is Fjordlista's "Bygge to nye barnehager …", line 7 of its web text
    assert '<span class="cite">Fjordlista-program tl. 7</span> viser til linje 7 i tekstfila til «Fjordlistas program for Eksempelby»' in howto
    assert "Ap-program" not in html and "Rødt" not in html and "Arbeiderparti" not in html
    assert "grå ramme" not in howto  # no municipality: no box of its own policy to explain
    assert "ommunens egen politikk" not in html  # nor on the cover or in the overview
    assert "Kommunevalg" not in html  # the manifest names no election
    dcat = json.loads((eksempelby_build.out / "release" / "dcat-ap-no.jsonld").read_text(encoding="utf-8"))
    assert "dct:spatial" not in dcat


@pytest.mark.build
def test_nynorsk_pledges_carry_lang_nn_in_the_booklet_and_on_the_site(eksempelby_build: Paths):
    html = (eksempelby_build.out / "report.html").read_text(encoding="utf-8")
    assert '<span lang="nn">byggje ein ny barnehage i kvar bygd</span>' in html
    assert '<span lang="nn">Bygge to nye barnehager' not in html and "Bygge to nye barnehager i Eksempelby sentrum." in html
    topic = (eksempelby_build.out / "site" / "tema" / "barnehage.html").read_text(encoding="utf-8")
    assert '<span lang="nn">byggje ein ny barnehage i kvar bygd</span>' in topic
    assert '<span lang="nn">Bygge to nye barnehager' not in topic
    search = (eksempelby_build.out / "site" / "sok.html").read_text(encoding="utf-8")
    assert search.count('<span lang="nn">') == 4  # Bygdepartiet's four pledges, Fjordlista's none
    assert '<pre class="source-text" lang="nn">' in (eksempelby_build.out / "site" / "kilde" / "bp-program.html").read_text(encoding="utf-8")
    assert '<pre class="source-text">' in (eksempelby_build.out / "site" / "kilde" / "fl-program.html").read_text(encoding="utf-8")


def test_a_group_without_a_municipality_is_promised_no_municipal_policy(tmp_path: Path):
    (group,) = load_corpus(eksempelby(tmp_path / "seeds")).groups
    assert group.subtitle == "Hva partiene lover, tema for tema"
    assert load_corpus(SEEDS).groups[0].subtitle == "Hva partiene lover, tema for tema – og hva kommunens egen politikk allerede sier"


@pytest.mark.build
def test_a_manifest_without_groups_or_a_municipality_prints_no_word_of_the_program(tmp_path: Path):
    seeds = eksempelby(tmp_path / "seeds")
    manifest = seeds / "sources.toml"
    text = manifest.read_text(encoding="utf-8")
    text = text.replace('[[groups]]\nid = "eksempelby"\nname = "Eksempelby"\ntitle = "Løfter i Eksempelby"\n', "")
    manifest.write_text(text.replace('group = "eksempelby"\n', ""), encoding="utf-8")
    corpus, frames, _ = _data(Paths(seeds=seeds, package=tmp_path / "dp", out=tmp_path / "out", report=False), StageLog(echo=lambda _: None))
    (group,) = corpus.groups
    assert (group.group_id, group.name, group.title) == ("default", "Løfter i Eksempelby", "Løfter i Eksempelby")
    html = render_html(BookletModel(corpus, frames, {}, "a4", group))
    assert "cover-kicker" not in html and "default" not in html.split('<section class="cover"')[1].split("</section>")[0]
