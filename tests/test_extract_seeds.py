"""The real seeds: what a reader of each original finds, checked row by row where it matters.

Every expected value here was read in the seed texts (line numbers are physical lines of the
files in seeds/texts, printed numbers are the ones at the end of the Ap programme's lines).
"""

from __future__ import annotations

import polars as pl
import pytest

from tests.conftest import Built


def _pledges(built: Built) -> pl.DataFrame:
    return built.frames["pledges"]


def _sources(built: Built) -> pl.DataFrame:
    return built.frames["pledge_sources"]


def _one(frame: pl.DataFrame, **where) -> dict:
    rows = frame.filter(*[pl.col(k) == v for k, v in where.items()])
    assert rows.height == 1, f"expected one row for {where}, got {rows.height}"
    return rows.row(0, named=True)


def _by_text(built: Built, text: str) -> dict:
    return _one(_pledges(built), text=text)


# Items per document, counted in the seeds with grep (bullets •●, sub-bullets o○, numbered "1)") and by eye (goals).
@pytest.mark.parametrize(
    ("document_id", "kind", "count"),
    [
        ("ap-program-2023", "pledge", 596),
        ("ap-program-2023", "sub_pledge", 22),
        ("ap-program-2023", "context", 4),
        ("r-program-2019", "pledge", 120),
        ("r-program-2019", "context", 18),
        ("ap-web-naering", "pledge", 65),
        ("ap-web-naering", "sub_pledge", 4),
        ("ap-web-arbeid", "pledge", 35),
        ("ap-web-arbeid", "sub_pledge", 4),
        ("baerum-arbeidsgiverpolitikk", "goal", 8),
        ("baerum-arbeidsgiverpolitikk", "strategy", 29),
    ],
)
def test_every_list_item_is_a_source(built: Built, document_id: str, kind: str, count: int):
    sources = _sources(built).join(_pledges(built).select("pledge_id", "kind"), on="pledge_id")
    assert sources.filter(pl.col("document_id") == document_id, pl.col("kind") == kind).height == count


def test_printed_line_numbers_are_stripped_and_recorded(built: Built):
    pledge = _by_text(
        built,
        "Styrke jordmordekningen i kommunen slik at de som har behov og ønsker det får tilbud om å velge "
        "jordmor under oppfølgingen i svangerskapet, samt etterkontroll.",
    )
    assert (pledge["line_start"], pledge["line_end"]) == (45, 47)
    source = _one(_sources(built), pledge_id=pledge["pledge_id"])
    assert (source["printed_line_start"], source["printed_line_end"]) == (24, 25)


def test_wrapped_bullet_across_a_page_break_is_one_pledge(built: Built):
    pledge = _by_text(
        built,
        "Samarbeide med Akershus fylkeskommune om en læreplassgaranti og iverksette offensive tiltak for å nå "
        "målet om 250 læreplasser årlig.",
    )
    assert (pledge["line_start"], pledge["line_end"]) == (1987, 1993)


@pytest.mark.parametrize(
    "fragment",
    [
        "herunder de viktige FACT-teamene med spesialkompetanse",  # acronym hyphen kept
        "reduksjon av utslipp fra vare- og tungtransport",  # suspended compound kept
        "Involvere elev- og ungdomsorganisasjoner",  # Rødt: suspended compound kept
        "«byplanlegging med mål om attraktive felles møteplasser",  # Rødt: split word joined
        "gang- og sykkelvei",  # real hyphen inside a line
    ],
)
def test_line_end_hyphens(built: Built, fragment: str):
    assert _pledges(built).filter(pl.col("text").str.contains(fragment, literal=True)).height == 1


def test_no_text_keeps_bullet_glyphs_or_printed_numbers(built: Built):
    texts = _pledges(built)["text"]
    assert not texts.str.contains(r"^[•●o○] |[•●○]").any()
    assert texts.filter(texts.str.contains(r"\s\d+$")).to_list() == []
    assert texts.filter(texts.str.contains(r"  |^\s|\s$")).to_list() == []


def test_sub_pledges_hang_under_their_parent(built: Built):
    parent = _by_text(built, "Bærum kommune skal i sine anbudsprosesser vektlegge:")
    children = _pledges(built).filter(pl.col("parent_pledge_id") == parent["pledge_id"]).sort("line_start")
    assert children["text"].to_list() == [
        "Tariffavtale og faste ansettelser.",
        "Mangfold og likestilling.",
        "Arbeidstreningsstillinger.",
        "At gründerbedrifter er leverandør eller brukes som underleverandør.",
    ]
    assert set(children["kind"]) == {"sub_pledge"}


def test_fact_boxes_are_context_not_pledges(built: Built):
    context = _pledges(built).filter(pl.col("actor_id") == "r", pl.col("kind") == "context")
    assert context.height == 18
    assert "Minst 10 % av arbeidet skal utføres av lærlinger" in context["text"].to_list()
    assert "Subsidier skal bli igjen i boligen, ikke tilfalle første eier." in context["text"].to_list()
    # the pledge that refers to the box is a pledge
    assert _by_text(built, "Innføre Oslo-modellen ved innkjøp til kommunen. (Se egen boks om Oslo-modellen.)")["kind"] == "pledge"


@pytest.mark.parametrize(
    "quote",
    ["Ta vare på det vi har", "Utvid åpningstidene og øk bemanningen", "fantastisk fotballarena", "Bærum mangler mye av dette"],
)
def test_pull_quotes_and_box_footnotes_are_in_no_pledge(built: Built, quote: str):
    assert not _pledges(built)["text"].str.contains(quote, literal=True).any()


def test_a_pledge_interrupted_by_a_page_block_is_whole(built: Built):
    text = (
        "Gi fagforeningene rett til å velge representanter med tale- og forslagsrett i kommunens utvalg for barn "
        "og unge (BAUN), bistand og omsorg (BIOM) samt miljø, idrett og kultur (MIK). Det gir politikerne "
        "større muligheter for å ta gode beslutninger."
    )
    assert (_by_text(built, text)["line_start"], _by_text(built, text)["line_end"]) == (595, 598)


@pytest.mark.parametrize("boilerplate", ["Er du enig", "Takk for", "nyhetsbrev", "Se andre politiske saker"])
def test_web_boilerplate_is_not_content(built: Built, boilerplate: str):
    assert not _pledges(built)["text"].str.contains(boilerplate, literal=True).any()
    assert not built.frames["sections"]["title"].str.contains(boilerplate, literal=True).any()


def test_goals_and_strategies(built: Built):
    goal = _by_text(built, "Bærum kommune skal satse på lærlinger og studenter for fremtidig rekruttering")
    assert goal["kind"] == "goal"
    strategies = _pledges(built).filter(pl.col("parent_pledge_id") == goal["pledge_id"]).sort("line_start")
    assert strategies["text"].to_list() == [
        "tilby praksis og læreplasser",
        "utforme gode læringsløp og øke veilederkompetanse",
        "bruke kunnskap fra egen og andres forskning",
    ]
    assert set(strategies["kind"]) == {"strategy"}
    # the goal text spans four short lines; the typo of the original is kept
    assert _by_text(built, "Bærum kommune skal imøtekomme innbyggernes behov og utvikle nye løsningert")["line_start"] == 168


def test_web_bullet_is_a_source_of_the_programme_pledge(built: Built):
    pledge = _by_text(built, "Garantere for at næringslivet i kommunen får forutsigbare rammevilkår.")
    sources = _sources(built).filter(pl.col("pledge_id") == pledge["pledge_id"]).sort("document_id")
    assert sources.select("document_id", "line_start", "match").rows() == [
        ("ap-program-2023", 2509, "first"),
        ("ap-web-naering", 9, "exact"),
    ]
    assert pledge["source_count"] == 2


def test_near_identical_pledges_merge_and_different_ones_do_not(built: Built):
    kyststi = _by_text(built, "Sikre en ferdigstilt sammenhengende kyststi før kommunestyreperiodens slutt.")
    lines = sorted(_sources(built).filter(pl.col("pledge_id") == kyststi["pledge_id"])["line_start"].to_list())
    assert lines == [1497, 2210]
    barnehage = _pledges(built).filter(pl.col("text").str.starts_with("At alle voksne som jobber i barnehagene"))
    skole = _pledges(built).filter(pl.col("text").str.starts_with("At alle voksne som jobber i skolene"))
    assert barnehage.height == 1 and skole.height == 1


def test_repeat_inside_one_document_is_one_pledge_with_two_sources(built: Built):
    pledge = _by_text(built, "Gjenåpne åpen barnehage for barn uten fast plass i barnehage.")
    assert sorted(_sources(built).filter(pl.col("pledge_id") == pledge["pledge_id"])["line_start"].to_list()) == [100, 441]


def _section_path(built: Built, section_id: str) -> list[str]:
    sections = {r["section_id"]: r for r in built.frames["sections"].iter_rows(named=True)}
    path = []
    while section_id:
        path.insert(0, sections[section_id]["title"])
        section_id = sections[section_id]["parent_section_id"]
    return path


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("Sikre Hospice Stabekk.", ["Helse og omsorg", "God eldreomsorg"]),
        ("Øke vinterbrøyting.", ["Samferdsel", "Sykkel og gange"]),
        ("Nei til søndagsåpne butikker.", ["Levende nærsentre"]),
        ("Ha full stans i mulighet for utbytte fra barnehager.", ["Barnehage og skole", "Barnehage"]),
        (
            "Den lavere prisen skal være igjen i boligen og ikke tilfalle første kjøper som gevinst",
            ["Boligpolitikk", "En inkluderende boligpolitikk", "En tredje boligsektor og inkluderende boligpolitikk"],
        ),
        (
            "ha riktige og velfungerende samarbeidsarenaer med tillitsvalgte og vernetjenesten",
            ["3. Hovedutfordring og satsningsområder", "Godt medarbeiderskap og tillitsbasert ledelse"],
        ),
    ],
)
def test_sections_are_heading_paths(built: Built, text: str, path: list[str]):
    assert _section_path(built, _by_text(built, text)["section_id"]) == path


def test_chapter_headings_of_the_ap_programme(built: Built):
    sections = built.frames["sections"].filter(pl.col("document_id") == "ap-program-2023")
    assert sections.filter(pl.col("level") == 1).height == 18
    assert sections.height == 71
    two_line = _one(sections, title="Bedre hverdag for mennesker med funksjonsnedsettelser")
    assert (two_line["level"], two_line["line_start"]) == (1, 505)
