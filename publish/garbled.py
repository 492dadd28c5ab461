"""Garbled letters: words a broken font map left behind ("oWentlige", "kra[verk", "KonservaKvt"), found
with the Norwegian word lists and, where one document's font map is consistently wrong, repaired.

A PDF font whose ToUnicode map is wrong sends a ligature or letter pair to another character: Ap's
programme prints "ff" as "W", Konservativt's "tt" as "H", "ti" as "K" and "ft" as "[". Every extractor
reads the same map (Poppler, PDFium and pypdf all give "eWektive"), so it is decoded here from the
text: a replacement that turns at least `_MIN_REPAIRED` different words of one document into dictionary
words is that document's map, and is applied to its words with that character inside them. What stays
unknown is marked, never printed silently (tables: `garbled_words`; build log: one line per document).

The word lists are Debian's hunspell-no (Bokmål and Nynorsk, `make system` installs them); without
them nothing is repaired and only the signs below mark a word.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

WORD_LISTS = (Path("/usr/share/hunspell/nb_NO.dic"), Path("/usr/share/hunspell/nn_NO.dic"))
# A character after a lower-case letter of a word that is no letter of a Norwegian word there: an
# upper-case letter or a symbol ("eWektive", "kra[verk", "Konserva<vt", "skaH" for "skatt"). Two capitals
# after a lower-case letter are a name's ("BankID", "MinID"): a broken map gives one character for a pair.
_SIGN = re.compile(r"(?<=[a-zæøå])(?:[A-ZÆØÅ](?![A-ZÆØÅ])|[\[\]{}|\\^~<>@#$%&=_])")
_ADDRESS = re.compile(r"@|://|^www\.", re.I)  # an e-mail or web address is no word
_WORD = re.compile(r"[^\s.,;:!?()«»\"'“”‘’/–—-]+")
# What a wrong map most often stands for: ligatures (ff, fi, fl, ffi, ffl, ft, tt, ti) and single letters.
_REPLACEMENTS = ("ff", "fi", "fl", "ffi", "ffl", "ft", "tt", "ti", "tf", "fj", "f", "t", "i")
# A replacement is a document's font map when it turns this many different words into known words
# (Ap: "W" -> "ff" 41 words; Konservativt: "H" -> "tt" 38, "K" -> "ti" 19, "[" -> "ft" 12); one or
# two could be chance.
_MIN_REPAIRED = 3
# Endings stripped to find an inflected form's stem in the word lists (which list stems with affix flags).
_ENDINGS = ("ene", "ane", "ende", "este", "est", "ere", "er", "ar", "en", "et", "a", "e", "t", "s", "ne", "te", "de")
_ABBREVIATION = 4  # a capitalised part this short with a capital inside is an abbreviation ("KrF", "FoU", "MiA")
_MIN_PART = 3  # the shortest part of a compound looked up on its own


@cache
def word_list() -> frozenset[str]:
    """The stems of the Bokmål and Nynorsk word lists, lower-case (empty where they are not installed)."""
    words: set[str] = set()
    for path in WORD_LISTS:
        if path.is_file():
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines()[1:]:
                words.add(line.split("/", 1)[0].strip().casefold())
    return frozenset(words)


def known(word: str) -> bool:
    """A word of the word lists, inflected or compounded.

    >>> known("offentlige"), known("energieffektivisering"), known("oWentlige")
    (True, True, False)
    """
    word = word.casefold()
    return _simple(word) or any(
        _simple(word[:cut]) or _simple(word[: cut - 1]) and word[cut - 1] in "se" for cut in _cuts(word) if _simple(word[cut:])
    )


def _cuts(word: str) -> range:
    return range(_MIN_PART, len(word) - _MIN_PART + 1)


@cache
def _simple(word: str) -> bool:
    words = word_list()
    return word in words or any(word.endswith(e) and word[: -len(e)] in words for e in _ENDINGS if len(word) - len(e) >= 2)


def font_map(text: str) -> dict[str, str]:
    """The replacements that repair at least _MIN_REPAIRED different words of this text, by character."""
    if not word_list():
        return {}
    candidates = {word for word in _WORD.findall(text) if _SIGN.search(word) and not known(word)}
    found: dict[str, str] = {}
    for sign in sorted({m.group() for word in candidates for m in _SIGN.finditer(word)}):
        with_sign = [word for word in candidates if sign in word]
        best, count = "", 0
        for replacement in _REPLACEMENTS:
            repaired = sum(1 for word in with_sign if known(_replace(word, sign, replacement)))
            if repaired > count:
                best, count = replacement, repaired
        if count >= _MIN_REPAIRED:
            found[sign] = best
    return found


def _replace(word: str, sign: str, replacement: str) -> str:
    """The sign replaced where it stands inside the word (after a lower-case letter)."""
    return re.sub(rf"(?<=[a-zæøå]){re.escape(sign)}", replacement, word)


def repair(text: str) -> tuple[str, int]:
    """The text with its font map undone in every word that has a mapped character inside it.

    >>> repair("Vi vil ha eWektive og oWentlige tjenester, skaWe mer og oWentlig straW")
    ('Vi vil ha effektive og offentlige tjenester, skaffe mer og offentlig straff', 5)
    """
    mapping = font_map(text)
    if not mapping:
        return text, 0
    pattern = re.compile(rf"(?<=[a-zæøå])(?:{'|'.join(re.escape(s) for s in mapping)})(?=[a-zæøåA-ZÆØÅ]|$)")
    count = 0

    def fix(match: re.Match) -> str:
        nonlocal count
        word = match.group()
        if known(word) or not pattern.search(word) or not known(pattern.sub(lambda m: mapping[m.group()], word)) and not pattern.search(word[:-1]):
            return word  # a sign at a word's end only where the repaired word is known ("straW" -> "straff")
        count += 1
        return pattern.sub(lambda m: mapping[m.group()], word)

    return _WORD.sub(fix, text), count


def garbled_words(text: str) -> list[str]:
    """The words of a text that look garbled: a sign inside, and not in the word lists.

    >>> garbled_words("Vi vil OppreHholde småkra[verk, FoU-prosjekter, KrF og iPhone-salg")
    ['OppreHholde', 'småkra[verk,', 'iPhone-salg']
    """
    return [word for word in text.split() if _SIGN.search(word) and not _ADDRESS.search(word) and any(_garbled(p) for p in word.split("-"))]


def _garbled(part: str) -> bool:
    """A part of a word with a sign in it, neither an abbreviation ("KrF", "FoU") nor a known word."""
    part = part.strip(".,;:!?()«»\"'")
    if part[:1].isupper() and len(part) <= _ABBREVIATION:
        return False
    return bool(_SIGN.search(part)) and not known(part)


def unknown_share(text: str) -> float:
    """The share of a text's words (letters only, three or more) that the word lists do not know."""
    words = [w for w in re.findall(r"[^\W\d_]{3,}", text) if w.islower()]
    return sum(1 for w in words if not known(w)) / len(words) if words else 0.0
