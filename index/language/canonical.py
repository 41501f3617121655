"""Where a text names a concept (vocabulary.yaml) or a lab analyte (analytes.yaml), by canonical
name: "plts" is "platelets" and "TPO-RA" is "thrombopoietin receptor agonist" wherever words are
compared (a question with a record passage, a question with a record sentence)."""

from __future__ import annotations

import re
from functools import cache

from index.language.units import analytes
from index.language.vocabulary import concept_matches


@cache
def _analyte_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple(
        (re.compile(rf"(?<![\w-])(?:{a.pattern})(?![\w])", re.IGNORECASE), a.kind.replace("_", " "))
        for a in analytes()
        if a.kind is not None
    )


def named_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, canonical name) of every concept and analyte `text` names."""
    spans = [(m.start, m.end, m.term.name) for m in concept_matches(text)]
    for pattern, name in _analyte_patterns():
        spans += [(m.start(), m.end(), name) for m in pattern.finditer(text)]
    return spans


def in_canonical_words(text: str) -> str:
    """`text` with each concept and analyte written by its canonical name; where two names overlap,
    the first found (the vocabulary's) is kept."""
    kept: list[tuple[int, int, str]] = []
    for start, end, name in named_spans(text):
        if all(end <= s or start >= e for s, e, _ in kept):
            kept.append((start, end, name))
    for start, end, name in sorted(kept, reverse=True):
        text = text[:start] + name + text[end:]
    return text
