"""The data contract, said once: every table and column with type, Norwegian title and description.

The Table Schemas in datapackage.json, the polars dtypes, the workbook's headers and notes, the dataset
README and the column tables of docs/datasett.md are all derived from this module; nothing else names a
column's meaning.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

PLEDGE_KINDS = ("pledge", "sub_pledge", "goal", "strategy", "context")
ACTOR_KINDS = ("party", "municipality")
DOCUMENT_KINDS = ("programme", "web_page", "policy")
LAYOUTS = ("pdf_numbered_lines", "pdf_text", "web_bullets", "goals_strategies")
# What a manifest entry's `layout` may say: a profile, or "auto" to let the extractor choose one.
MANIFEST_LAYOUTS = ("auto", *LAYOUTS)
# Where a text's printed line numbers stand (a manifest entry's `line_numbers`; absent: detected).
LINE_NUMBER_POSITIONS = ("start", "end", "none")
TOPIC_METHODS = ("heading", "keyword", "override", "parent", "fallback")
RELATION_KINDS = ("agree", "similar", "disagree")
RELATION_METHODS = ("auto", "editorial")

_POLARS_TYPES = {"string": pl.String, "integer": pl.Int64, "number": pl.Float64, "boolean": pl.Boolean}


@dataclass(frozen=True)
class Field:
    """One column: its name, Frictionless type, Norwegian title, description and constraints."""

    name: str
    type: str
    title: str
    description: str
    required: bool = False
    unique: bool = False
    enum: tuple[str, ...] = ()
    minimum: int | None = None

    def frictionless(self) -> dict:
        """The Table Schema field descriptor."""
        descriptor: dict = {
            "name": self.name,
            "type": self.type,
            "title": self.title,
            "description": self.description,
        }
        constraints: dict = {}
        if self.required:
            constraints["required"] = True
        if self.unique:
            constraints["unique"] = True
        if self.enum:
            constraints["enum"] = list(self.enum)
        if self.minimum is not None:
            constraints["minimum"] = self.minimum
        if constraints:
            descriptor["constraints"] = constraints
        return descriptor


@dataclass(frozen=True)
class ForeignKey:
    fields: tuple[str, ...]
    table: str
    reference: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """One resource of the package."""

    name: str
    title: str
    description: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...] = field(default=())

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]

    def polars_schema(self) -> dict[str, pl.DataType]:
        return {f.name: _POLARS_TYPES[f.type] for f in self.fields}

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def frictionless(self) -> dict:
        """The Table Schema of this resource."""
        schema: dict = {
            "fields": [f.frictionless() for f in self.fields],
            "primaryKey": list(self.primary_key),
        }
        if self.foreign_keys:
            schema["foreignKeys"] = [
                {
                    "fields": list(fk.fields),
                    "reference": {"resource": fk.table if fk.table != self.name else "", "fields": list(fk.reference)},
                }
                for fk in self.foreign_keys
            ]
        return schema


def _ref(column: str, table: str, target: str | None = None) -> ForeignKey:
    """A one-column foreign key; the referenced column has the same name unless given."""
    return ForeignKey((column,), table, (target or column,))


def _line(name: str, title: str, what: str, required: bool = True) -> Field:
    return Field(name, "integer", title, what, required=required, minimum=1)


GROUPS = Table(
    "groups",
    "Sammenligningsgrupper",
    "Aktørene som sammenlignes med hverandre (én kommunes partier og kommunen selv); hver gruppe har sitt eget hefte.",
    (
        Field("group_id", "string", "Gruppe-ID", "Kort, stabil ID for gruppen (aktørenes sammenligningsgruppe).", required=True, unique=True),
        Field("name", "string", "Navn", "Stedet gruppen gjelder, for eksempel kommunen.", required=True),
        Field("title", "string", "Tittel", "Tittelen på gruppens hefte.", required=True),
        Field("subtitle", "string", "Undertittel", "Undertittelen på gruppens hefte.", required=True),
    ),
    ("group_id",),
)

ACTORS = Table(
    "actors",
    "Aktører",
    "Partiene og kommunen som har skrevet tekstene.",
    (
        Field("actor_id", "string", "Aktør-ID", "Kort, stabil ID for aktøren.", required=True, unique=True),
        Field("name", "string", "Navn", "Aktørens fulle navn.", required=True),
        Field("short_name", "string", "Kortnavn", "Kortnavn brukt i tabeller og henvisninger.", required=True),
        Field("kind", "string", "Type", "party = parti, municipality = kommune.", required=True, enum=ACTOR_KINDS),
        Field("color", "string", "Farge", "Aktørens farge i trykk, som heksadesimal RGB.", required=True),
        Field(
            "comparison_group",
            "string",
            "Sammenligningsgruppe",
            "Aktører i samme gruppe (én kommunes partier og kommunen selv) sammenlignes med hverandre.",
            required=True,
        ),
    ),
    ("actor_id",),
    (_ref("comparison_group", "groups", "group_id"),),
)

DOCUMENTS = Table(
    "documents",
    "Dokumenter",
    "Kildetekstene, med sjekksum slik at alle kan bevise at datasettet kommer fra dem.",
    (
        Field("document_id", "string", "Dokument-ID", "Kort, stabil ID for dokumentet.", required=True, unique=True),
        Field("actor_id", "string", "Aktør-ID", "Aktøren som står bak dokumentet.", required=True),
        Field("title", "string", "Tittel", "Dokumentets tittel.", required=True),
        Field("short_title", "string", "Kort tittel", "Kort tittel brukt i kildehenvisninger.", required=True),
        Field(
            "kind",
            "string",
            "Dokumenttype",
            "programme = partiprogram, web_page = nettside, policy = kommunalt styringsdokument.",
            required=True,
            enum=DOCUMENT_KINDS,
        ),
        Field("period", "string", "Periode", "Perioden eller året dokumentet gjelder for, der det er kjent."),
        Field("source_file", "string", "Kildefil", "Tekstfilens sti i prosjektets seeds/-mappe.", required=True),
        Field("sha256", "string", "SHA-256", "SHA-256-sjekksum av tekstfilen slik den er levert.", required=True),
        Field("url", "string", "Nettadresse", "Hvor originalen er publisert, der det er kjent."),
        Field(
            "layout",
            "string",
            "Oppsett",
            "Oppsettet manifestet oppgir: auto = gjenkjent fra teksten, ellers en navngitt profil (se docs/adding.md i prosjektet).",
            required=True,
            enum=MANIFEST_LAYOUTS,
        ),
        Field("rights", "string", "Rettigheter", "Hvem som har rettighetene til teksten.", required=True),
        Field("line_count", "integer", "Antall linjer", "Antall fysiske linjer i tekstfilen.", required=True),
        Field(
            "layout_detected",
            "string",
            "Gjenkjent oppsett",
            "Hva uttrekket fant i teksten: type tekst, linjenumre, sider, fjernede topptekster, punkttegn (på engelsk, som byggeloggen).",
            required=True,
        ),
    ),
    ("document_id",),
    (_ref("actor_id", "actors"),),
)

SECTIONS = Table(
    "sections",
    "Avsnitt",
    "Overskriftene i hvert dokument, med nivå og foreldreoverskrift.",
    (
        Field("section_id", "string", "Avsnitts-ID", "Stabil ID avledet av dokumentet og overskriftsstien.", required=True, unique=True),
        Field("document_id", "string", "Dokument-ID", "Dokumentet overskriften står i.", required=True),
        Field("parent_section_id", "string", "Overordnet avsnitt", "Overskriften denne står under; tom på øverste nivå."),
        Field("title", "string", "Overskrift", "Overskriften slik den står i teksten.", required=True),
        Field("level", "integer", "Nivå", "1 = kapittel, 2 = underkapittel og så videre (Markdown-nivå eller nummerering som 1.2.3); en faktaboks står ett nivå under overskriften den hører til.", required=True, minimum=1),
        _line("line_start", "Første linje", "Fysisk linje i tekstfilen der overskriften står (1 = første)."),
    ),
    ("section_id",),
    (
        _ref("document_id", "documents"),
        _ref("parent_section_id", "sections", "section_id"),
    ),
)

PLEDGES = Table(
    "pledges",
    "Løfter",
    "Hvert løfte, mål, strategi og faktapunkt én gang, med teksten slik aktøren skrev den.",
    (
        Field(
            "pledge_id",
            "string",
            "Løfte-ID",
            "Stabil ID avledet av aktøren og den normaliserte teksten; endres ikke når andre løfter endres.",
            required=True,
            unique=True,
        ),
        Field("actor_id", "string", "Aktør-ID", "Aktøren som har gitt løftet.", required=True),
        Field("document_id", "string", "Dokument-ID", "Første dokument løftet står i (etter rekkefølgen i manifestet).", required=True),
        Field("section_id", "string", "Avsnitts-ID", "Avsnittet løftet står i, i første dokument.", required=True),
        Field("parent_pledge_id", "string", "Overordnet løfte", "For underpunkter og strategier: punktet de står under."),
        Field(
            "kind",
            "string",
            "Type",
            "pledge = løfte, sub_pledge = underpunkt, goal = mål, strategy = strategi, context = faktapunkt som beskriver, ikke lover.",
            required=True,
            enum=PLEDGE_KINDS,
        ),
        Field(
            "text", "string", "Tekst", "Teksten ordrett, samlet på én linje (linjeskift, linjenumre og orddeling fjernet).", required=True
        ),
        _line("line_start", "Første linje", "Første fysiske linje i første dokument."),
        _line("line_end", "Siste linje", "Siste fysiske linje i første dokument."),
        Field("source_count", "integer", "Antall kilder", "Hvor mange steder løftet står (i alle dokumenter).", required=True, minimum=1),
        Field(
            "topic_id",
            "string",
            "Tema-ID",
            "Hovedtemaet: kapittelet løftet trykkes i i heftet (løftets rad med rang 1 i pledge_topics).",
            required=True,
        ),
        Field(
            "garbled_words",
            "string",
            "Forvanskede ord",
            "Ord i teksten som ser forvansket ut (feil tegn fra PDF-ens skrifttype, for eksempel «oWentlige»), med mellomrom mellom; tomt når ingen er det.",
        ),
        Field(
            "source_kind",
            "string",
            "Hentet fra",
            "list_item = et punkt i en liste i teksten, sentence = en lovende setning i løpende tekst (et program uten lister).",
            required=True,
            enum=("list_item", "sentence"),
        ),
    ),
    ("pledge_id",),
    (
        _ref("actor_id", "actors"),
        _ref("document_id", "documents"),
        _ref("section_id", "sections"),
        _ref("parent_pledge_id", "pledges", "pledge_id"),
        _ref("topic_id", "topics"),
    ),
)

PLEDGE_SOURCES = Table(
    "pledge_sources",
    "Løftekilder",
    "Hvert sted et løfte står: dokument, avsnitt og linjer. Samme løfte i flere dokumenter gir flere rader.",
    (
        Field("pledge_id", "string", "Løfte-ID", "Løftet.", required=True),
        Field("document_id", "string", "Dokument-ID", "Dokumentet det står i.", required=True),
        Field("section_id", "string", "Avsnitts-ID", "Avsnittet det står i.", required=True),
        _line("line_start", "Første linje", "Første fysiske linje i tekstfilen (1 = første)."),
        _line("line_end", "Siste linje", "Siste fysiske linje i tekstfilen."),
        _line("printed_line_start", "Trykt linje fra", "Linjenummeret trykt i originalen, der teksten har det.", required=False),
        _line("printed_line_end", "Trykt linje til", "Siste trykte linjenummer, der teksten har det.", required=False),
        Field("text", "string", "Tekst her", "Teksten slik den står på dette stedet (kan avvike litt fra løftets tekst).", required=True),
        Field(
            "match",
            "string",
            "Samsvar",
            "first = første kilde, exact = lik tekst, near = nesten lik tekst.",
            required=True,
            enum=("first", "exact", "near"),
        ),
        Field("similarity", "number", "Likhet", "Likhet med løftets tekst, 0–100 (rapidfuzz ratio på normalisert tekst).", required=True),
        _line("pdf_page", "PDF-side", "Siden i PDF-filen (1 = første) der teksten begynner; tom når kilden ikke er en PDF.", required=False),
        Field(
            "printed_page",
            "string",
            "Trykt side",
            "Sidetallet trykt på siden der teksten begynner, slik en leser siterer den («s. 12»); tomt der siden ikke har sidetall.",
        ),
    ),
    ("pledge_id", "document_id", "line_start"),
    (
        _ref("pledge_id", "pledges"),
        _ref("document_id", "documents"),
        _ref("section_id", "sections"),
    ),
)

TOPICS = Table(
    "topics",
    "Temaer",
    "Temaene heftet er ordnet etter, hvert koblet til et hovedtema i Comparative Agendas Project (CAP).",
    (
        Field("topic_id", "string", "Tema-ID", "Kort, stabil ID for temaet.", required=True, unique=True),
        Field("label", "string", "Tema", "Temaets navn, som kapitteltittel i heftet.", required=True),
        Field("description", "string", "Beskrivelse", "Hva temaet dekker.", required=True),
        Field("order", "integer", "Rekkefølge", "Kapittelets plass i heftet (1 = først).", required=True, minimum=1),
        Field("parent_topic_id", "string", "Overordnet tema", "Temaet dette er et undertema av; tomt for hovedtemaer."),
        Field("cap_major_code", "integer", "CAP-kode", "Hovedtemakoden i CAPs master codebook; tom for «Andre tema».", minimum=1),
        Field("cap_major_label", "string", "CAP-tema", "Hovedtemaets navn i CAPs master codebook (engelsk); tom for «Andre tema»."),
    ),
    ("topic_id",),
    (_ref("parent_topic_id", "topics", "topic_id"),),
)

PLEDGE_TOPICS = Table(
    "pledge_topics",
    "Løfter per tema",
    "Hvilke temaer hvert løfte handler om; rang 1 er kapittelet løftet trykkes i (også i pledges.topic_id).",
    (
        Field("pledge_id", "string", "Løfte-ID", "Løftet.", required=True),
        Field("topic_id", "string", "Tema-ID", "Temaet.", required=True),
        Field("rank", "integer", "Rang", "1 = hovedtema (kapittelet i heftet), 2 = også relevant for.", required=True, minimum=1),
        Field(
            "method",
            "string",
            "Metode",
            "heading = overskriften løftet står under, keyword = ordliste per tema, override = redaksjonelt valg, parent = arvet fra overordnet punkt, fallback = ingen av delene: kapittelet «Andre tema».",
            required=True,
            enum=TOPIC_METHODS,
        ),
        Field(
            "score",
            "number",
            "Styrke",
            "Hvor sterkt metoden peker på temaet, 0–1 (ikke en sannsynlighet): override 1; heading 1 når overskriften løftet står "
            "rett under avgjør, 0,9 når en overskrift lenger opp gjør det, 0,5 når bare en bred overskrift avgjør; keyword = temaets andel av ordlistetreffene i teksten; "
            "parent = det overordnede punktets; fallback 0.",
            required=True,
        ),
    ),
    ("pledge_id", "rank"),
    (
        _ref("pledge_id", "pledges"),
        _ref("topic_id", "topics"),
    ),
)

RELATIONS = Table(
    "relations",
    "Forbindelser",
    "Par av løfter fra ulike aktører som vil det samme (agree), handler om det samme (similar) eller står mot hverandre (disagree).",
    (
        Field("pledge_id_a", "string", "Løfte A", "Det ene løftet (den minste ID-en av de to).", required=True),
        Field("pledge_id_b", "string", "Løfte B", "Det andre løftet.", required=True),
        Field(
            "relation",
            "string",
            "Forbindelse",
            "agree = samme mål eller tiltak, similar = samme sak, ulikt tiltak, disagree = motsatt standpunkt i samme sak.",
            required=True,
            enum=RELATION_KINDS,
        ),
        Field(
            "score",
            "number",
            "Sannsynlighet",
            "For auto: sannsynligheten 0–1 som relasjonsmodellen (logistisk regresjon lært av håndmerkede par) gir for at "
            "paret henger sammen. For editorial: alltid 1, satt av redaksjonen, ikke beregnet.",
            required=True,
        ),
        Field(
            "method",
            "string",
            "Metode",
            "auto = funnet automatisk, editorial = bekreftet eller satt av redaksjonen.",
            required=True,
            enum=RELATION_METHODS,
        ),
        Field("topic_id", "string", "Tema-ID", "Temaet paret vises under i heftet (løfte A sitt hovedtema).", required=True),
        Field("note", "string", "Merknad", "Redaksjonens merknad, eller hva som ga utslag for motsatt standpunkt."),
        Field(
            "printed",
            "boolean",
            "I heftet",
            "true = merket i heftet: satt av redaksjonen, eller funnet automatisk med en sannsynlighet der treffsikkerheten er målt"
            " til minst 0,9; false = usikrere, bare i datasettet og på nettsidene.",
            required=True,
        ),
    ),
    ("pledge_id_a", "pledge_id_b"),
    (
        _ref("pledge_id_a", "pledges", "pledge_id"),
        _ref("pledge_id_b", "pledges", "pledge_id"),
        _ref("topic_id", "topics"),
    ),
)

FOUNDATION_TABLES = (ACTORS, DOCUMENTS, SECTIONS, PLEDGES, PLEDGE_SOURCES)
# A table added later goes last: the resources and sheets already published keep their places.
ALL_TABLES = FOUNDATION_TABLES + (TOPICS, PLEDGE_TOPICS, RELATIONS, GROUPS)


def conform(frame: pl.DataFrame, table: Table) -> pl.DataFrame:
    """Select the contract's columns in order, cast to its dtypes and sort by primary key."""
    missing = [c for c in table.columns if c not in frame.columns]
    if missing:
        raise ValueError(f"table {table.name} lacks columns {missing}")
    typed = frame.select([pl.col(f.name).cast(_POLARS_TYPES[f.type]) for f in table.fields])
    return typed.sort(list(table.primary_key))
