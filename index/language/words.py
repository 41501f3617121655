"""Word forms: "stopped", "stops" and "stopping" are one word when a question meets a record."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import snowballstemmer

_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The Snowball (Porter 2) stem of a lower-case word; words with digits are kept whole."""
    if any(c.isdigit() for c in word):
        return word
    return "-".join(_STEMMER.stemWord(part) for part in word.split("-"))


def stems(words: Iterable[str]) -> set[str]:
    return {stem(w) for w in words}
