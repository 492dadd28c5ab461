"""Text helpers shared by the stages that compare texts: normalising, tokens and Norwegian stems."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import snowballstemmer

# Function words that carry no subject; left out when texts are compared by their content words.
STOPWORDS = frozenset(
    """at av de den denne der det dette du eller en et for fra han hun hva hvor i ikke
    inn med men mer mot nå når og om opp på samt seg sin sine sitt skal slik som til ut ved vi vil vår våre å""".split()
)

_stemmer = snowballstemmer.stemmer("norwegian")


def normalise(text: str) -> str:
    """Text reduced for comparison: NFC, case-folded, punctuation and extra spaces removed.

    >>> normalise('Ha dialog med ny Akershus fylkeskommune om "Startup Viken".')
    'ha dialog med ny akershus fylkeskommune om startup viken'
    >>> normalise("Stanse ny E-18 og gang- og sykkelvei")
    'stanse ny e18 og gang og sykkelvei'
    """
    text = unicodedata.normalize("NFC", text).casefold()
    text = re.sub(r"(?<=[a-zæøå])-(?=\d)", "", text)  # "E-18" and "E18" are one road
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


@cache
def stem(word: str) -> str:
    """Norwegian Snowball stem of one lower-case word.

    Cached without a bound: three stages stem every token, Snowball is pure Python, and a corpus's
    vocabulary is far smaller than its tokens. A bound of 65,536 thrashed on the 100x benchmark
    corpus (219,000 distinct words), which then re-stemmed every token (topics 180x slower than 1x).

    >>> stem("sektorer"), stem("sektoren")
    ('sektor', 'sektor')
    """
    return _stemmer.stemWord(word)


def content_stems(text: str) -> frozenset[str]:
    """Stems of a text's content words (no stopwords, no numbers alone).

    >>> sorted(content_stems("Sikre flere spesialpedagoger i skolen."))
    ['fler', 'sikr', 'skol', 'spesialpedagog']
    """
    return frozenset(stem(w) for w in normalise(text).split() if w not in STOPWORDS and not w.isdigit())
