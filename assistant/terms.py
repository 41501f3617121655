"""Matching a named term (condition, biomarker, drug) against record text, tolerant of spelling variants.

"brain metastases" finds "brain metastasis", "HER2+" finds "HER2-positive", "tumours" finds "tumor":
both sides are reduced to the same token stems and compared as a contiguous phrase. Terms the
index vocabulary knows also match through their synonyms ("rhTPO" finds "recombinant human
thrombopoietin", "cardiac disease" finds "heart failure"), the same reading the fact extractor uses.
"""

from __future__ import annotations

import re
from functools import lru_cache

from index.language.vocabulary import concept_matches, find_terms
from index.language.words import american_spelling

# A mention under one of these is a mention of its absence: "negative HIV test", "no brain metastases".
_NEGATION_BEFORE = re.compile(
    r"\b(?:no|not|without|negative|free of|absence of|absent|non|never|excluding|other than|lack of)\b"
    r"[^.;:]{0,40}$",
    re.IGNORECASE,
)
_NEGATION_AFTER = re.compile(r"^[\s\w-]{0,20}\b(?:negative|free|excluded|not allowed)\b", re.IGNORECASE)


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


def mentions_affirmed(text: str | None, term: str | None) -> bool:
    """Whether `text` names `term` at least once other than as its absence ("negative for HIV"). A
    term that itself names an absence ("a negative pregnancy test") is affirmed by any mention."""
    if not text or not term or not mentions(text, term):
        return False
    if _NEGATION_BEFORE.search(term) or _NEGATION_AFTER.match(term):
        return True
    spans = _phrase_spans(text, term) or _vocabulary_spans(text, term)
    return (
        any(
            not _NEGATION_BEFORE.search(text[max(0, start - 60) : start])
            and not _NEGATION_AFTER.match(text[end:])
            for start, end in spans
        )
        or not spans
    )


def _phrase_spans(text: str, term: str) -> list[tuple[int, int]]:
    words = [re.escape(w) for w in re.findall(r"[A-Za-z0-9]+", term)]
    if not words:
        return []
    pattern = r"(?<![A-Za-z0-9])" + r"\W*".join(w + r"[a-z]{0,3}" for w in words)
    return [m.span() for m in re.finditer(pattern, text, re.IGNORECASE)]


def _vocabulary_spans(text: str, term: str) -> list[tuple[int, int]]:
    wanted = vocabulary_terms(term)
    return [(m.start, m.end) for m in concept_matches(text) if m.term.name in wanted]


# "arrhythmias known to increase thromboembolic risk", "at risk of bleeding": the term names a risk
# the criterion is about, not the condition itself (a patient with a past DVT is not matched by it).
_RISK_AFTER = re.compile(r"^[a-z-]{0,12}\s*risks?\b", re.IGNORECASE)
_RISK_BEFORE = re.compile(r"\b(?:risks?|likelihood|chance)\s+(?:of|for)\s+(?:\w+\s+){0,2}$", re.IGNORECASE)


def named_as_risk(text: str, start: int, end: int) -> bool:
    """Whether the mention text[start:end] is a risk of the condition ("thromboembolic risk", "risk
    of bleeding"), not the condition itself."""
    return bool(_RISK_AFTER.match(text[end:]) or _RISK_BEFORE.search(text[max(0, start - 40) : start]))


def mentions_itself(text: str | None, term: str | None) -> bool:
    """Whether `text` names `term` at least once as the condition itself, not only as a risk of it."""
    if not text or not term or not mentions(text, term):
        return False
    spans = _phrase_spans(text, term) or _vocabulary_spans(text, term)
    return not spans or any(not named_as_risk(text, start, end) for start, end in spans)
