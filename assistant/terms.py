"""Matching a named term (condition, biomarker, drug) against record text, tolerant of spelling variants.

"brain metastases" finds "brain metastasis", "HER2+" finds "HER2-positive", "tumours" finds "tumor":
both sides are reduced to the same token stems and compared as a contiguous phrase. Terms the
index vocabulary knows also match through their synonyms ("rhTPO" finds "recombinant human
thrombopoietin", "cardiac disease" finds "heart failure"), the same reading the fact extractor uses.
"""

from __future__ import annotations

import re
from functools import lru_cache

from index.vocabulary import find_terms

_SPELLING = [("tumour", "tumor"), ("haem", "hem"), ("oedema", "edema"), ("oestrogen", "estrogen"),
             ("randomis", "randomiz"), ("leukaemia", "leukemia")]


def _stem(word: str) -> str:
    for british, american in _SPELLING:
        word = word.replace(british, american)
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


@lru_cache(maxsize=100_000)
def vocabulary_terms(text: str) -> frozenset[str]:
    return frozenset(find_terms(text))


def mentions(text: str | None, term: str | None) -> bool:
    """Whether `text` names `term`: as a phrase, or through every vocabulary term the phrase names."""
    if not text or not term:
        return False
    phrase = normalised(term).strip()
    if phrase and f" {phrase} " in normalised(text):
        return True
    wanted = vocabulary_terms(term)
    return bool(wanted) and wanted <= vocabulary_terms(text)
