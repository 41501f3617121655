"""How a criterion names a question's term: affirmed or as its absence ("negative HIV test"), as the
condition itself or as a risk of it. Whether it names the term at all is index/language/mentions.py.
"""

from __future__ import annotations

import re
from functools import lru_cache

from index.language.mentions import mentions, vocabulary_terms
from index.language.vocabulary import concept_matches

# A mention under one of these is a mention of its absence: "negative HIV test", "no brain metastases".
_NEGATION_BEFORE = re.compile(
    r"\b(?:no|not|without|negative|free of|absence of|absent|non|never|excluding|other than|lack of)\b"
    r"[^.;:]{0,40}$",
    re.IGNORECASE,
)
_NEGATION_AFTER = re.compile(r"^[\s\w-]{0,20}\b(?:negative|free|excluded|not allowed)\b", re.IGNORECASE)


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
    pattern = _phrase_pattern(term)
    return [m.span() for m in pattern.finditer(text)] if pattern else []


@lru_cache(maxsize=10_000)
def _phrase_pattern(term: str) -> re.Pattern[str] | None:
    """The term's words in a row, each with a short ending ("metastasis" also finds "metastases")."""
    words = [re.escape(w) for w in re.findall(r"[A-Za-z0-9]+", term)]
    if not words:
        return None
    return re.compile(r"(?<![A-Za-z0-9])" + r"\W*".join(w + r"[a-z]{0,3}" for w in words), re.IGNORECASE)


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
