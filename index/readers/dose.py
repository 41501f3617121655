"""Dose phrases ("7.5 mg/day", "200 μg per dose", "6mg/kg", "15000 units/day") found verbatim in text.

Readers fill `Intervention.dose_text` from these. A phrase in the intervention's own description
is its dose; a phrase elsewhere (arm descriptions, summary) counts only when its sentence names
the intervention, so an arm's description of a comparator drug is not read as this drug's dose.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_NUMBER = r"(?<![\w.])\d+(?:,\d{3})*(?:\.\d+)?(?:\s?(?:-|–|to)\s?\d+(?:,\d{3})*(?:\.\d+)?)?"
_UNIT = (
    r"(?:mg|mcg|µg|μg|ug|ng|g|IU|MIU|international\sunits|units?|U|mL|ml|mmol|mEq|cGy|Gy"
    r"|tablets?|capsules?)(?![A-Za-z])"
)
_BASIS = r"(?:\s?/\s?(?:kg|m2|m²|m\^2)(?![A-Za-z])|\s(?:per)\s(?:kg|m2|m²|square\smeter)(?![A-Za-z]))?"
_COUNT = r"(?:\d+|one|two|three|four|six)"
_PERIOD = (
    r"(?:\s?/\s?(?:day|d|dose|week|wk|h|hr|hour|cycle|month)(?![A-Za-z])"
    rf"|\s(?:per|a|each|every)\s(?:day|dose|week|hour|cycle|month|injection|infusion|{_COUNT}\s(?:hours|days|weeks))\b"
    r"|\s(?:once|twice|three\stimes|four\stimes)\s(?:daily|a\sday|per\sday|weekly|a\sweek|per\sweek)\b"
    r"|\s(?:daily|weekly|bid|tid|qid|qd|q\d+w|q\d+h)\b)?"
)
# Lab concentrations ("80 g/L", "2 mg/dL") are thresholds, not doses.
_NOT_CONCENTRATION = r"(?!\s?/\s?d?L\b)"
DOSE = re.compile(_NUMBER + r"\s?" + _UNIT + _BASIS + _NOT_CONCENTRATION + _PERIOD, re.IGNORECASE)

_SENTENCE_END = re.compile(r"(?<=[.;!?])\s+|\n+")


def dose_phrases(text: str | None) -> list[str]:
    """Every dose phrase in `text`, verbatim, first occurrence order, without repeats."""
    if not text:
        return []
    return _unique(match.group(0) for match in DOSE.finditer(text))


def dose_text(
    name: str, own_description: str | None, other_texts: Iterable[str | None], all_names: Iterable[str]
) -> str | None:
    """The dose phrases for intervention `name`, joined with '; ', or None when none is stated.

    Outside its own description, a phrase is this intervention's when, within its sentence, the
    nearest intervention name before it is `name` ("fluconazole (6 mg/kg) or placebo" gives
    fluconazole the dose, not placebo).
    """
    phrases = dose_phrases(own_description)
    names = [other.casefold() for other in all_names if other.strip()]
    wanted = name.casefold()
    for text in other_texts:
        for sentence in _SENTENCE_END.split(text or ""):
            phrases.extend(_doses_after_name(sentence, wanted, names))
    unique = _unique(phrases)
    return "; ".join(unique) if unique else None


def _doses_after_name(sentence: str, wanted: str, names: list[str]) -> list[str]:
    folded = sentence.casefold()
    if wanted not in folded:
        return []
    found = []
    for match in DOSE.finditer(sentence):
        before = folded[: match.start()]
        nearest = max(names, key=lambda other: (before.rfind(other), len(other)))
        if before.rfind(nearest) >= 0 and nearest == wanted:
            found.append(match.group(0))
    return found


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
