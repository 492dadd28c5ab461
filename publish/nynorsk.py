"""Nynorsk programmes compared in Bokmål: which documents are Nynorsk, and their texts translated.

The relations compare word stems, and Nynorsk and Bokmål spell the same words apart ("skule" /
"skole", "bustad" / "bolig", "ikkje" / "ikke"): a Nynorsk programme met a Bokmål one only where
the two forms happen to agree. Apertium's Nynorsk-to-Bokmål translation (Debian's apertium-nno-nob,
which `make` installs) gives each Nynorsk pledge a Bokmål text for the comparison alone; what is
printed and published is the text as written. Measured on the development corpus's Nynorsk Sp
programme against helper-19's labels (357 pairs the method showed either way, 90 related): on the
tune split, where this was decided, 18 of its 42 related pairs are shown against 9 as written, at
a precision of 0.67 against 0.69 of the shown pairs read; on the report split 16 against 12 of 48,
precision 0.57 against 0.67. apertium-nno-nob 1.5.0 translates "fleire" (more) as "gjentatte"
(repeated): a false subject word, left as the tool gives it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

import polars as pl

from publish.errors import InputError
from publish.text import normalise

# Function words each written standard has and the other does not: which of the two a document is
# written in, counted over its pledges. A language fact, not a document's.
NYNORSK_WORDS = frozenset("ikkje eit frå kva korleis dei vere berre mykje noko fleire ein sjølv heile eigen eige òg medan".split())
BOKMAL_WORDS = frozenset("ikke et fra hva hvordan de være bare mye noe flere en selv hele egen eget også mens".split())
TRANSLATION = "nno-nob"  # Apertium's mode: Nynorsk to Bokmål
MODE_FILE = Path("/usr/share/apertium/modes") / f"{TRANSLATION}.mode"
TIMEOUT = 600  # seconds for one document's pledges; Apertium takes about 0.5 s to start and little per line


def is_nynorsk(texts: list[str]) -> bool:
    """True when the texts use more Nynorsk-only than Bokmål-only function words.

    >>> is_nynorsk(["Vi vil at kommunen ikkje skal leggje ned skulane.", "Det skal vere fleire bustader."])
    True
    >>> is_nynorsk(["Vi vil at kommunen ikke skal legge ned skolene.", "Sikre flere boliger for unge."])
    False
    """
    words = [w for text in texts for w in normalise(text).split()]
    return sum(w in NYNORSK_WORDS for w in words) > sum(w in BOKMAL_WORDS for w in words)


def nynorsk_documents(pledges: pl.DataFrame) -> set[str]:
    """The documents whose pledges are written in Nynorsk (all of a document's rows decide)."""
    return {document for (document,), rows in pledges.group_by(["document_id"]) if is_nynorsk(rows["text"].to_list())}


def compared_texts(pledges: pl.DataFrame, nynorsk: set[str] | None = None) -> pl.DataFrame:
    """The pledges with a `compared` column: the text in Bokmål for a Nynorsk document (`nynorsk`, by
    default found among these pledges), else as written."""
    nynorsk = nynorsk_documents(pledges) if nynorsk is None else nynorsk
    translated: dict[str, str] = {}
    for (document_id,), document in pledges.group_by(["document_id"], maintain_order=True):
        if document_id in nynorsk:
            texts = document["text"].to_list()
            translated.update(zip(document["pledge_id"].to_list(), to_bokmal(tuple(texts)), strict=True))
    compared = pl.col("pledge_id").replace_strict(translated, default=None, return_dtype=pl.String)
    return pledges.with_columns(compared.fill_null(pl.col("text")).alias("compared"))


@lru_cache(maxsize=64)
def to_bokmal(texts: tuple[str, ...]) -> list[str]:
    """Nynorsk texts in Bokmål, one Apertium run for all of them (a line each; unknown words kept unmarked)."""
    apertium = shutil.which("apertium")
    if apertium is None or not MODE_FILE.exists():
        raise InputError(
            MODE_FILE,
            "a Nynorsk programme is compared with the others in Bokmål, which needs Apertium's Nynorsk-to-Bokmål translation",
            hint="run `make report` (it installs Debian's apertium-nno-nob), or: sudo apt-get install apertium-nno-nob",
        )
    lines = "".join(" ".join(text.split()) + "\n" for text in texts)
    environment = {**os.environ, "LC_ALL": "C.UTF-8"}
    result = subprocess.run(
        [apertium, "-u", "-f", "line", TRANSLATION], input=lines, capture_output=True, text=True, timeout=TIMEOUT, env=environment
    )
    out = result.stdout.splitlines()
    if result.returncode != 0 or len(out) != len(texts):
        raise InputError(
            MODE_FILE,
            f"Apertium's {TRANSLATION} translation failed (exit {result.returncode}, {len(out)} of {len(texts)} lines): {result.stderr.strip()[:200]}",
            hint="check the installation: echo 'Vi vil ikkje' | apertium nno-nob",
        )
    return [line.strip() for line in out]
