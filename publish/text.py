"""Text helpers shared by the stages that compare texts: normalising, tokens and Norwegian stems."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import snowballstemmer

# Control characters no text of the build keeps (C0 but tab, line feed, form feed and carriage return;
# DEL; C1), as a regex character-class body: sources strips them where a text is read, layout again
# with the invisible characters of PDF extraction, on lines that may come from elsewhere.
CONTROL_CHARACTERS = "\x00-\x08\x0b\x0e-\x1f\x7f-\x9f"

# Function words that carry no subject; left out when texts are compared by their content words.
STOPWORDS = frozenset(
    """at av de den denne der det dette du eller en et for fra han hun hva hvor i ikke
    inn med men mer mot nå når og om opp på samt seg sin sine sitt skal slik som til ut ved vi vil vår våre å""".split()
)

_stemmer = snowballstemmer.stemmer("norwegian")

# A lead-in introduces promises when it ends in a promising verb phrase (Bokmål and Nynorsk), with or
# without a colon: "X vil:", "Vi vil:", "X vil konkret:", "… ønskjer å:", "Våre strategier er å:",
# "Dette vil vi gjøre:", "I Nedre Tøyen vil Gamle Oslo Venstre:", "INP vil kreve at:", "X skal:".
# Any other lead-in ("En tredje boligsektor betyr:", "Blant tiltakene er:") introduces description.
_PROMISE_VERB = r"(?:vil|ønsker|ønskjer|skal|går\s+inn\s+for|gå\s+inn\s+for|jobbe\s+for|arbeide\s+for|kjempe\s+for|foreslår|krever|kreve)"
_PLEDGE_LEAD_IN = re.compile(
    r"(?:\bvil(?:\s+\S+){0,6}"  # "... vil:", "vil Gamle Oslo Venstre:", "vil vi gjøre:", "vil kreve at:"
    rf"|\b{_PROMISE_VERB}(?:\s+(?:å|at|konkret|blant\s+annet|derfor|også))?"  # "... ønskjer å:", "X skal:"
    r"|\bå)\s*:$"  # "Våre strategier er å:"
    rf"|^(?:\S+\s+){{0,5}}{_PROMISE_VERB}(?:\s+(?:konkret|blant\s+annet|derfor|også|dette))?\s*$"  # "SV vil", "X vil konkret"
    r"|^(?:\S+\s+){1,7}vil(?:\s+(?-i:[A-ZÆØÅ])\S*){1,4}\s*$",  # "For yrkesfagene vil Gamle Oslo Venstre": the party's name after "vil"
    re.IGNORECASE,
)
# A lead-in without a colon is a short line; with one it may be a whole sentence.
_MAX_LEAD_IN_WORDS = 12


def is_pledge_lead_in(text: str) -> bool:
    """True when a lead-in line introduces promises.

    >>> [is_pledge_lead_in(t) for t in ("Bærum Arbeiderparti vil:", "SV vil", "Piratpartiet vil konkret:",
    ...  "I Nedre Tøyen og Kampen vil Gamle Oslo Venstre:", "Dette vil vi gjøre:", "Vi ønskjer å:", "INP vil kreve at:",
    ...  "For yrkesfagene vil Gamle Oslo Venstre")]
    [True, True, True, True, True, True, True, True]
    >>> [is_pledge_lead_in(t) for t in ("En tredje boligsektor betyr:", "Helsehuset skal ha følgende kjerneoppgaver:",
    ...  "Det er mange som vil ha en bolig i Bærum, og prisene stiger hvert år", "Derfor vil vi ha mer penger")]
    [False, False, False, False]
    """
    text = text.strip()
    if not text.endswith(":") and len(text.split()) > _MAX_LEAD_IN_WORDS:
        return False
    return bool(_PLEDGE_LEAD_IN.search(text))


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


def written_form(word_stem: str, *texts: str) -> str:
    """A word of the first text that has it, with that stem, in its own case: what a reader is shown.

    >>> written_form("e18", "Stanse ny E-18 og gang- og sykkelvei"), written_form("bompeng", "Nei til bompenger")
    ('E18', 'bompenger')
    """
    for text in texts:
        joined = re.sub(r"(?<=[^\W\d_])-(?=\d)", "", unicodedata.normalize("NFC", text))  # as normalise() joins them
        for word in re.sub(r"[^\w]+", " ", joined).split():
            if stem(word.casefold()) == word_stem:
                return word
    return word_stem


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
