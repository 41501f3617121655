"""How records write comparisons and numbers: "≥", "=>", "no less than", "1,500", "1.5".

Common misspellings count as the word meant: "at lest" and "atleast" are "at least".
"""

from __future__ import annotations

import re

from index.models import Comparator

# Comparators as records write them, longest phrasings first, mapped to symbols.
_CMP_WORDS: tuple[tuple[str, Comparator], ...] = (
    (r"(?:greater|more|higher) than or equal to|equal to or (?:greater|more|higher) than", ">="),
    (r"(?:less|lower|fewer) than or equal to|equal to or (?:less|lower) than", "<="),
    (
        r"no (?:less|fewer|lower) than|(?:(?:must|should|shall|may) )?not (?:be )?(?:less|fewer|lower) than|"
        r"(?:of )?at\s*lea?st|minimum(?: of)?",
        ">=",
    ),
    (
        r"no (?:greater|more|higher) than|"
        r"(?:(?:must|should|shall|may) )?not (?:be )?(?:greater|more|higher) than|up to|maximum(?: of)?",
        "<=",
    ),
    (r"(?:should |must |does |do |to )?not (?:to )?exceed(?:ing)?|≯", "<="),
    (r"(?:greater|more|higher) than|above|over|in excess of|exceed(?:s|ing)?", ">"),
    (r"(?:less|lower|fewer) than|below|under", "<"),
    (r"≥|≧|>=|=>|\\?>\s?=|⩾", ">="),
    (r"≤|≦|<=|=<|\\?<\s?=|⩽", "<="),
    # "‹50×109/L": angle quotation marks typed for the signs
    (r"\\?>|›", ">"),
    (r"\\?<|‹", "<"),
)
# Comparisons written after the number: "ECOG 2 or less", "platelets 100,000/mm3 or more".
_TRAILING_WORDS: tuple[tuple[str, Comparator], ...] = (
    (r"more|greater|higher|above|over|larger", ">="),
    (r"less|lower|below|under|fewer|smaller", "<="),
)
# Regex fragments for the fact readers: a comparator (group "cmp") and a number (group "num"); a
# comparison after the number (group "trail").
CMP = "(?P<cmp>" + "|".join("(?:" + p.replace(" ", r"\s+") + ")" for p, _ in _CMP_WORDS) + ")"
TRAILING = r"\s*or\s+(?P<trail>" + "|".join(p for p, _ in _TRAILING_WORDS) + r")\b"
NUM = r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"


def comparator(written: str) -> Comparator:
    """The symbol for a comparator matched by `CMP` ("not less than" -> ">=")."""
    written = re.sub(r"\s+", " ", written.strip())
    for pattern, symbol in _CMP_WORDS:
        if re.fullmatch(pattern, written, re.IGNORECASE):
            return symbol
    raise ValueError(f"not a comparator: {written!r}")


def number(written: str) -> float:
    """A number matched by `NUM`, thousands separators dropped ("1,500" -> 1500.0)."""
    return float(written.replace(",", ""))


def trailing_comparator(written: str) -> Comparator:
    """The symbol for the word of a comparison after its number (`TRAILING`: "or more" -> ">=")."""
    for pattern, symbol in _TRAILING_WORDS:
        if re.fullmatch(pattern, written.strip(), re.IGNORECASE):
            return symbol
    raise ValueError(f"not a comparison after a number: {written!r}")
