"""Whether a text names a term (condition, biomarker, drug), tolerant of spelling variants, and the
summary of a trial's mentions the fact store keeps so a set question reads only the trials that may
name its term.

"brain metastases" finds "brain metastasis", "HER2+" finds "HER2-positive", "tumours" finds "tumor":
both sides are reduced to the same token stems and compared as a contiguous phrase. Terms the
index vocabulary knows also match through their synonyms ("rhTPO" finds "recombinant human
thrombopoietin", "cardiac disease" finds "heart failure"), the same reading the fact extractor uses.

One home for both sides: `mentions` (a criterion against a question's term) and `mention_document` /
`mention_query` (a trial's criteria as one searchable document, and the search that finds every
document holding some text `mentions` would say names the term).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import accumulate

from index.language.vocabulary import concept_matches, find_terms
from index.language.words import american_spelling


def _stem(word: str) -> str:
    word = american_spelling(word)
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ses", "xes")):
        return word[:-2]
    if len(word) > 5 and word.endswith("is"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us")):
        return word[:-1]
    return word


@lru_cache(maxsize=100_000)
def normalised(text: str) -> str:
    """' tok tok tok ' — lower-cased token stems with a space on both ends, for phrase lookups."""
    text = re.sub(r"(?<=[A-Za-z0-9])\s*\+(?![\w])", " positive ", text)  # HER2+ -> HER2 positive
    text = re.sub(r"(?<=[A-Za-z0-9])\s*[-−](?=\s|$|[,;.)])", " negative ", text)  # ER- -> ER negative
    tokens = re.findall(r"[a-z0-9]+", text.lower())
    return " " + " ".join(_stem(t) for t in tokens) + " "


# Words that link the parts of a long term without carrying it: "thrombocytopenia caused by ...".
_LINKING = frozenset(
    {"a", "an", "the", "of", "by", "with", "in", "on", "during", "from", "to", "for", "and", "caused"}
    | {"induced", "due", "related", "associated"}
)


@lru_cache(maxsize=10_000)
def _term_words(term: str) -> frozenset[str]:
    return frozenset(w for w in normalised(term).split() if w not in _LINKING)


@lru_cache(maxsize=200_000)
def _held_words(text: str) -> frozenset[str]:
    return frozenset(normalised(text).split())


@lru_cache(maxsize=100_000)
def vocabulary_terms(text: str) -> frozenset[str]:
    return frozenset(find_terms(text))


def mentions(text: str | None, term: str | None) -> bool:
    """Whether `text` names `term`: as a phrase, or through every vocabulary term the phrase names."""
    if not text or not term:
        return False
    phrase, words, wanted = _reading_of(term)
    if phrase and phrase in normalised(text):
        return True
    if words and words <= _held_words(text):
        return True
    return bool(wanted) and wanted <= vocabulary_terms(text)


class TextsNaming:
    """Texts (a record's criteria) read once, so that which of them name a term (`mentions`) is found
    without reading each again: a set question asks that of every criterion of every trial it reads.
    Their stems are one string (each text's " tok tok " after the last: a phrase cannot run from one
    into the next), and each vocabulary term they name points at the texts naming it."""

    def __init__(self, texts: Sequence[str]) -> None:
        self._texts = tuple(texts)
        stems = [normalised(text) for text in self._texts]
        self._starts = list(accumulate((len(s) for s in stems[:-1]), initial=0))
        self._stems = "".join(stems)
        concepts: dict[str, list[int]] = {}
        for place, text in enumerate(self._texts):
            for name in vocabulary_terms(text) if text else ():
                concepts.setdefault(name, []).append(place)
        self._concepts = concepts

    def naming(self, term: str) -> list[int]:
        """The places of the texts that name `term`, in order."""
        phrase, words, wanted = _reading_of(term)
        found: set[int] = set()
        if phrase:
            at = self._stems.find(phrase)
            while at != -1:
                found.add(bisect_right(self._starts, at) - 1)
                at = self._stems.find(phrase, at + 1)
        if words:
            found |= {place for place, text in enumerate(self._texts) if text and words <= _held_words(text)}
        if wanted:
            first, *others = (self._concepts.get(name, ()) for name in wanted)
            found |= set(first).intersection(*others)
        return sorted(found)


@lru_cache(maxsize=10_000)
def _reading_of(term: str) -> tuple[str, frozenset[str], frozenset[str]]:
    """A term as `mentions` looks for it (read once: a set question asks it of every criterion): its
    phrase; when it is long (three or more content words), those words, to be found in one passage in
    any order and with other linking words ("thrombocytopenia caused by concurrent chemoradiotherapy"
    finds "Concurrent Chemoradiotherapy-induced Thrombocytopenia"); and the vocabulary terms it names
    ("cytomegalovirus infection" asks for cytomegalovirus: the filler words name nothing more)."""
    phrase = normalised(term).strip()
    words = _term_words(term)
    wanted = vocabulary_terms(_FILLER.sub(" ", term)) if vocabulary_covers(term) else frozenset()
    return (f" {phrase} " if phrase else ""), (words if len(words) >= 3 else frozenset()), wanted


_FILLER = re.compile(
    r"\b(?:positive|negative|infection|infected|disease|status|history|known|of|detectable|detected|dna|rna)\b",
    re.IGNORECASE,
)


@lru_cache(maxsize=10_000)
def vocabulary_covers(term: str) -> bool:
    """Whether vocabulary terms account for most of the phrase: "HIV infection" yes, "platinum-containing
    chemotherapy regimen" no (matching it by "chemotherapy" alone would lose what was asked)."""
    # read as written ("involvement of the bone marrow") and without the filler words
    return any(_half_covered(text) for text in (term, _FILLER.sub(" ", term)))


def _half_covered(term: str) -> bool:
    letters = sum(c.isalnum() for c in term)
    inside = {i for m in concept_matches(term) for i in range(m.start, m.end)}
    covered = sum(term[i].isalnum() for i in inside)
    return letters > 0 and covered / letters >= 0.5


# ---- a trial's mentions, searchable (SQLite FTS5) ---------------------------------------------------


def _concept_token(name: str) -> str:
    """A vocabulary concept as one search token: it cannot be taken for a stem (stems hold no "_")."""
    return "_" + re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def mention_document(texts: Iterable[str]) -> str:
    """The stems of every text, text after text, then a token for each vocabulary term any of them
    names: whatever `mentions` finds in one of the texts, `mention_query` finds in this document.
    (A phrase may also be found across two texts: one more trial read, never one less.)"""
    stems: list[str] = []
    concepts: set[str] = set()
    for text in texts:
        stems.append(normalised(text).strip())
        concepts |= vocabulary_terms(text)
    return " ".join([*stems, *sorted({_concept_token(c) for c in concepts})])


def mention_query(term: str, any_of: Iterable[str] = ()) -> str | None:
    """An FTS5 query for the documents holding some text that names `term` (`mentions`: its phrase,
    its three or more words, or every vocabulary term it names), or any one of the vocabulary terms
    `any_of`; None when nothing could name it (so none is found, and nothing can be left out)."""
    phrase, words, wanted = _reading_of(term)
    ways = []
    if phrase.strip():
        ways.append(f'"{phrase.strip()}"')  # stems are letters and digits: safe inside quotes
    if words:
        ways.append("(" + " AND ".join(f'"{w}"' for w in sorted(words)) + ")")
    if wanted:
        ways.append("(" + " AND ".join(f'"{_concept_token(c)}"' for c in sorted(wanted)) + ")")
    ways += [f'"{_concept_token(c)}"' for c in sorted(set(any_of))]
    return " OR ".join(ways) or None
