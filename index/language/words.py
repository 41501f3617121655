"""Word forms: "stopped", "stops" and "stopping" are one word when a question meets a record."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache, lru_cache
from importlib import resources

import snowballstemmer
import yaml

_STEMMER = snowballstemmer.stemmer("english")


# Number words as digits, so "thirty-day" meets "30-day" and "two weeks" meets "2 weeks".
_UNITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
_TEENS: tuple[str, ...] = ("eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen")
_TEENS += ("eighteen", "nineteen")
NUMBER_WORDS: dict[str, str] = (
    {word: str(value) for value, word in enumerate(_UNITS)}
    | {word: str(value) for value, word in enumerate(_TEENS, start=11)}
    | {"twenty": "20", "thirty": "30", "forty": "40", "fifty": "50", "sixty": "60", "ninety": "90"}
    | {"hundred": "100"}
)


@cache
def abbreviations() -> dict[str, str]:
    """Shorthand -> the word it stands for (data: words.yaml)."""
    text = resources.files("index.language").joinpath("words.yaml").read_text(encoding="utf-8")
    return {str(k): str(v) for k, v in yaml.safe_load(text)["abbreviations"].items()}


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The Snowball (Porter 2) stem of a lower-case word, shorthand as its full word ("wks" ->
    "week") and number words as digits; a part with digits is kept whole."""
    word = abbreviations().get(word, word)
    parts = [NUMBER_WORDS.get(part, part) for part in word.split("-")]
    return "-".join(part if any(c.isdigit() for c in part) else _STEMMER.stemWord(part) for part in parts)


def stems(words: Iterable[str]) -> set[str]:
    return {stem(w) for w in words}
