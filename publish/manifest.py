"""The manifest (sources.toml) described once, as pydantic models: each table's keys, their types, which
are required and their defaults. `inputs.Entry.model` validates one table with its model and turns the
first error into the project's message with the file, the line (from `inputs.toml_spans`) and a hint.

What depends on more than one field or on other tables (an id's pattern, a known actor, a file inside
the seeds, a pinned hash) is checked in sources.py, after the types are known to be right.
"""

from __future__ import annotations

import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict
from pydantic_core import PydanticCustomError

from publish.inputs import control_character


def _clean(value: str) -> str:
    """No control characters in a text an editor types (tab and line breaks aside are errors too in TOML)."""
    found = control_character(value)
    if found:
        raise PydanticCustomError("control_character", "contains the control character {found}", {"found": found})
    return value


def _filled(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("empty", "is empty")
    return value


Text = Annotated[str, AfterValidator(_clean)]
FilledText = Annotated[str, AfterValidator(_clean), AfterValidator(_filled)]  # a title, a name: never blank
Texts = list[Text]  # a list, never a single string (which would be read letter by letter)


class _Table(BaseModel):
    """A table of the manifest: strict types (TOML's own), and an unknown key (a typo) is an error."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class DatasetFields(_Table):
    """[dataset]: the package's metadata."""

    name: Text
    title: FilledText
    description: Text
    version: Text
    created: Text | datetime.date  # a TOML date (created = 2026-11-25) or a string; sources.py checks its form
    license: Text
    license_title: Text
    license_path: Text
    publisher: Text
    keywords: Texts = []
    homepage: Text = ""
    spatial: Texts = []  # the places the dataset covers (DCAT dct:spatial), as the manifest names them
    election: Text | None = None  # the election the programmes are for, when there is one


class GroupFields(_Table):
    """[[groups]]: actors compared with one another, and the booklet printed for them."""

    id: Text
    name: FilledText
    title: FilledText
    subtitle: FilledText | None = None  # None: the default that fits the group's actors
    election: Text | None = None  # None: the dataset's


class BookletFields(_Table):
    """[[booklets]]: a booklet of some of a group's chapters (a committee's), optionally of some of its actors."""

    id: Text
    group: Text
    title: FilledText
    topics: Texts  # chapter ids of topics.toml, in the booklet's order
    actors: Texts = []  # []: every actor of the group


class ActorFields(_Table):
    """[[actors]]: a party or the municipality."""

    id: Text
    name: FilledText
    short_name: FilledText
    kind: Text
    color: Text
    group: Text | None = None  # None: the actors that name no group form one


class DocumentFields(_Table):
    """[[documents]]: one text, who wrote it, and what corrects its detected layout."""

    id: Text
    file: FilledText
    actor: Text
    title: FilledText
    short_title: FilledText | None = None  # None: the title
    kind: Text
    period: Text = ""
    layout: Text = "auto"
    url: Text = ""
    rights: Text
    sha256: Text = ""
    encoding: Text = "utf-8"
    chapters: Texts = []
    bullets: Texts = []
    line_numbers: Text | None = None  # None: detected
    ignore_lines: Texts = []
    end_at: Texts = []
