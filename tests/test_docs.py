"""The documentation says what the code and the build do: the generated column tables are current,
links, paths and names lead somewhere, the constants and examples quoted are the code's, and what the
data users' guide says of the scores and the figures holds."""

from __future__ import annotations

import csv
import importlib
import json
import re
from pathlib import Path

import polars as pl
import pytest

from publish import docs, impose, relate, schema, sources, tables
from publish.build import Paths, StageLog, build
from publish.package import restore
from publish.relate import all_scored_pairs, load_model
from tests.conftest import Built

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "datapackage" / "data"
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Pages other sessions write on their own branches (issues #21-#24); docs/README.md links them already.
# Remove a name here once its page is merged.
PAGES_IN_PROGRESS = {"inputs.md", "booklets.md", "evaluation-trust.md"}


def test_the_column_tables_in_datasett_md_are_what_the_schema_gives():
    page = docs.PAGE.read_text(encoding="utf-8")
    assert docs.with_reference(page, docs.column_reference()) == page, "run: python -m publish.docs"


def test_the_generator_rewrites_only_its_section(tmp_path: Path, monkeypatch):
    page = tmp_path / "datasett.md"
    page.write_text(f"# Overskrift\n\nFør.\n\n{docs.BEGIN}\n\ngammelt\n\n{docs.END}\n\nEtter.\n", encoding="utf-8")
    monkeypatch.setattr(docs, "PAGE", page)
    assert docs.main(["--check"]) == 1
    assert docs.main([]) == 0
    text = page.read_text(encoding="utf-8")
    assert text.startswith("# Overskrift\n\nFør.\n\n") and text.endswith(f"{docs.END}\n\nEtter.\n")
    assert "gammelt" not in text and "### `relations` – Forbindelser" in text
    assert docs.main(["--check"]) == 0


def test_a_page_without_markers_is_refused(tmp_path: Path, monkeypatch):
    page = tmp_path / "datasett.md"
    page.write_text("# Ingen markører\n", encoding="utf-8")
    monkeypatch.setattr(docs, "PAGE", page)
    with pytest.raises(ValueError, match="lacks the markers"):
        docs.main([])


def _generated_columns(page: str) -> dict[str, list[str]]:
    """Each table's column names as the generated section of the page lists them."""
    section = page[page.index(docs.BEGIN) : page.index(docs.END)]
    columns: dict[str, list[str]] = {}
    for block in re.split(r"^### ", section, flags=re.M)[1:]:
        name = re.match(r"`(\w+)`", block).group(1)
        columns[name] = re.findall(r"^\| `(\w+)` \|", block, flags=re.M)
    return columns


@pytest.mark.parametrize("path", sorted(DATA.glob("*.csv")), ids=lambda p: p.stem)
def test_datasett_md_lists_each_csv_files_columns_in_order(path: Path):
    """The page is checked against the header rows the build wrote, not against the schema it came from."""
    with path.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert _generated_columns(docs.PAGE.read_text(encoding="utf-8"))[path.stem] == header


def _committed(table: schema.Table) -> pl.DataFrame:
    frame = pl.read_csv(DATA / f"{table.name}.csv", schema=table.polars_schema())
    return restore(frame)


def test_relation_scores_are_what_the_guide_says():
    """docs/datasett.md: an automatic row's score is the relation model's probability, an editorial row's 1."""
    actors = _committed(schema.ACTORS)
    groups = dict(actors.select("actor_id", "comparison_group").iter_rows())
    names = dict(actors.select("actor_id", "name").iter_rows())
    scored = all_scored_pairs(_committed(schema.PLEDGES), _committed(schema.PLEDGE_TOPICS), groups, names)
    probability = {tuple(sorted((r["pledge_id_a"], r["pledge_id_b"]))): r["p"] for r in scored}
    relations = _committed(schema.RELATIONS)
    auto = relations.filter(pl.col("method") == "auto").iter_rows(named=True)
    assert all(round(probability[(r["pledge_id_a"], r["pledge_id_b"])], 3) == r["score"] for r in auto)
    assert set(relations.filter(pl.col("method") == "editorial")["score"]) == {1.0}
    thresholds = json.loads((ROOT / "publish" / "relation_model.json").read_text(encoding="utf-8"))["thresholds"]
    assert thresholds == {k: getattr(load_model(), k) for k in thresholds}
    kinds = relations.filter(pl.col("method") == "auto").group_by("relation").agg(pl.col("score").min())
    lowest = dict(kinds.iter_rows())
    assert lowest["agree"] >= thresholds["agree"] > thresholds["related"]
    assert lowest["similar"] >= thresholds["related"]


FILE_ENDINGS = {"csv", "toml", "json", "md", "py", "pdf", "html", "lock", "png", "zip", "xlsx", "jsonld"}


def _dotted_names(path: Path) -> list[tuple[str, str]]:
    """Every `a.b` in backticks: a table's column, a key of build/evaluation.json, a module's name, or a file."""
    return re.findall(r"`([a-z_]+)\.([A-Za-z_]+)`", path.read_text(encoding="utf-8"))


def test_the_columns_keys_and_names_the_pages_mention_exist(built: Built):
    """A page that names `relations.score`, `topics.report`, `evaluate.split_of` or `render.py` names
    something the code has: a rename elsewhere shows up here, not in a reader's failed look-up."""
    evaluation = json.loads((built.paths.out / "evaluation.json").read_text(encoding="utf-8"))
    columns = {t.name: set(t.columns) for t in schema.ALL_TABLES}
    folders = [ROOT / "publish", ROOT / "tests", ROOT / "bench", ROOT]
    unknown = []
    for path in PAGES:
        for first, second in _dotted_names(path):
            if second == "py":
                known = any((folder / f"{first}.py").exists() for folder in folders)
            elif second in FILE_ENDINGS:
                continue
            elif first in columns or first in evaluation:
                known = second in columns.get(first, set()) | set(evaluation.get(first) or {})
            elif (ROOT / "publish" / f"{first}.py").exists():
                known = hasattr(importlib.import_module(f"publish.{first}"), second)
            else:
                continue
            if not known:
                unknown.append(f"{path.name}: {first}.{second}")
    assert unknown == []


# Top-level folders of the repository whose files a page may name in backticks; build/ is made, not kept.
KEPT_FOLDERS = ("publish/", "tests/", "bench/", "seeds/", "docs/", "report_templates/", "datapackage/")


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_repository_path_a_page_names_exists(path: Path):
    """`seeds/labels/README.md` and the like: a file moved elsewhere shows up here (placeholders and globs aside)."""
    named = re.findall(r"`([a-z_]+/[^`\s]*)`", path.read_text(encoding="utf-8"))
    kept = [p for p in named if p.startswith(KEPT_FOLDERS) and not re.search(r"[<>*…]", p)]
    assert [p for p in kept if not (ROOT / p).exists()] == []


def _links(path: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
    return [target for target in re.findall(r"\]\(([^)\s]+)\)", text) if not re.match(r"[a-z]+:", target)]


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_local_link_leads_to_a_file(path: Path):
    missing = [
        target
        for target in _links(path)
        if not (path.parent / target.split("#")[0]).exists() and Path(target).name not in PAGES_IN_PROGRESS
    ]
    assert missing == []


def test_the_readme_is_short_and_sends_each_reader_to_a_page():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 150
    for page in ("docs/datasett.md", "docs/utskrift.md", "docs/adding.md", "docs/method.md", "docs/development.md", "docs/README.md"):
        assert f"]({page})" in readme, page


def test_the_citation_example_is_the_committed_packages():
    """datasett.md's example citation names what datapackage.json says, so a new version or publisher shows."""
    package = json.loads((ROOT / "datapackage" / "datapackage.json").read_text(encoding="utf-8"))
    publisher = next(c["title"] for c in package["contributors"] if "publisher" in c["roles"])
    example = f"> {publisher} ({package['created'][:4]}). *{package['title']}*. Versjon {package['version']}."
    assert example in docs.PAGE.read_text(encoding="utf-8").splitlines()


def test_the_guides_summary_of_the_figures_holds(built: Built):
    """datasett.md sums the evaluation up in words: chapters better where headings decide than where
    keywords do; shown relations more often right than wrong, but many related pairs missing."""
    evaluation = json.loads((built.paths.out / "evaluation.json").read_text(encoding="utf-8"))
    by_method, relations = evaluation["topics"]["by_method"], evaluation["relations"]
    assert by_method["heading"]["value"] > by_method["keyword"]["value"]
    assert relations["precision"]["value"] > 0.5
    assert relations["recall"]["value"] < 0.8


WORDS = {2: "two", 3: "three"}


@pytest.mark.parametrize(
    ("page", "phrase"),
    [
        ("docs/method.md", f"rapidfuzz ratio is ≥ {tables.NEAR_DUPLICATE_RATIO:g}"),
        ("docs/method.md", f"pledge's {WORDS.get(relate.TOP_K)} nearest pledges of every other actor are candidates"),
        ("docs/method.md", f"the {WORDS.get(relate.SHOWN_K)} most probable partners per pledge"),
        ("docs/utskrift.md", f"omtrent {impose.STAPLED_PAGES} sider ({impose.STAPLED_PAGES // 4} A4-ark)"),
        ("docs/utskrift.md", f"hvert på høyst {impose.STAPLED_PAGES // 4} ark"),
        ("README.md", f"consecutive booklets of at most {impose.STAPLED_PAGES // 4} sheets"),
    ],
)
def test_the_constants_a_page_quotes_are_the_codes(page: str, phrase: str):
    """A page that quotes a threshold says what the code holds: changing the constant fails here until the page follows."""
    assert phrase in " ".join((ROOT / page).read_text(encoding="utf-8").split())


def _toml_block(page: str) -> str:
    """The first ```toml block of a page: the example entry a reader copies."""
    return re.search(r"```toml\n(.*?)```", (ROOT / page).read_text(encoding="utf-8"), flags=re.S).group(1)


@pytest.mark.build
@pytest.mark.parametrize("page", ["README.md", "docs/adding.md"])
def test_the_example_document_entry_builds_as_it_stands(page: str, seeds: Path, tmp_path: Path):
    """The entry the README and adding.md show, pasted into the seeds with a text and its actor, is read
    with its layout detected and its pledges in the tables."""
    (seeds / "texts" / "sv-program-2027.txt").write_text(
        "Bolig\n\nSV Bærum vil:\n\n• Bygge flere kommunale utleieboliger.\n• Innføre en tredje boligsektor.\n", encoding="utf-8"
    )
    actor = '\n[[actors]]\nid = "sv"\nname = "SV Bærum"\nshort_name = "SV"\nkind = "party"\ncolor = "#EB4040"\ngroup = "baerum"\n'
    with (seeds / "sources.toml").open("a", encoding="utf-8") as manifest:
        manifest.write(actor + "\n" + _toml_block(page))
    frames = build(Paths(seeds=seeds, package=tmp_path / "dp", out=tmp_path / "build", report=False), StageLog(echo=lambda line: None))
    document = frames["documents"].filter(pl.col("document_id") == "sv-program-2027").row(0, named=True)
    assert (document["actor_id"], document["layout"]) == ("sv", "auto")
    texts = frames["pledges"].filter(pl.col("actor_id") == "sv").sort("line_start")["text"].to_list()
    assert texts == ["Bygge flere kommunale utleieboliger.", "Innføre en tredje boligsektor."]


@pytest.mark.parametrize("module", sorted(p.name for p in (ROOT / "publish").glob("[!_]*.py")))
def test_development_md_names_every_module_of_publish(module: str):
    """The stage table is where a newcomer looks a module up: a new module gets its row."""
    assert f"`{module}`" in (ROOT / "docs" / "development.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "key",
    sorted(set(sources.DATASET_KEYS) | set(sources.GROUP_KEYS) | set(sources.ACTOR_KEYS) | set(sources.DOCUMENT_KEYS)),
)
def test_adding_md_names_every_key_the_manifest_takes(key: str):
    """A key the manifest reads and adding.md never names is an option nobody finds."""
    page = (ROOT / "docs" / "adding.md").read_text(encoding="utf-8")
    assert f"`{key}`" in page or re.search(rf"^(# )?{key} = ", _toml_block("docs/adding.md"), flags=re.M)
