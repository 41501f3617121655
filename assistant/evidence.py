"""Finding the verbatim text that backs a claim, so every citation quotes the record itself."""

from __future__ import annotations

import re
from collections.abc import Iterable

from assistant.models import Citation
from index.models import Criterion, Fact, Trial
from index.readers.record_text import as_written

SECTION_OF_SOURCE = {
    "inclusion": "Inclusion Criteria",
    "exclusion": "Exclusion Criteria",
    "structured": "Eligibility",
}
_MAX_QUOTE = 400
_QUOTES_KEPT = 64  # quotes a record keeps, each for one (candidates, label) asked of it


def criterion_citation(trial: Trial, criterion: Criterion) -> Citation:
    return Citation(nct_id=trial.nct_id, section=SECTION_OF_SOURCE[criterion.section], quote=criterion.text)


def fact_citation(trial: Trial, fact: Fact) -> Citation:
    return Citation(nct_id=trial.nct_id, section=SECTION_OF_SOURCE[fact.source], quote=fact.quote)


def find_quote(trial: Trial, candidates: Iterable[str | None], near: str | None = None) -> str | None:
    """The record's own wording around the first candidate it contains (a line, or its sentence when
    the line is long). `near` names the label the value belongs to ("Enrollment"): a value written
    right after it ("Enrollment50 (estimated)", "Total Enrollment\n\n60 participants") is quoted with
    its label; otherwise an occurrence after the label is preferred."""
    key = (tuple(c for c in candidates if c), near)
    # Matching quotes the same registry condition of every trial for every vignette: each is searched
    # once per record, the quotes kept with the record (a process-wide cache keyed by the record's
    # text would keep the texts of records an index too large to hold has let go: ~27 KB each)
    quotes: dict[tuple[tuple[str, ...], str | None], str | None] = trial.remembered(
        "quotes", (trial.text,), dict
    )
    if key in quotes:
        return quotes[key]
    found = _record_words(trial.text, *key)
    quote = None if found is None else as_written(*found) if trial.structured else found[0]
    if len(quotes) >= _QUOTES_KEPT:  # the oldest first
        quotes.pop(next(iter(quotes)), None)
    quotes[key] = quote
    return quote


def _record_words(text: str, candidates: Iterable[str | None], near: str | None) -> tuple[str, str] | None:
    """The quote around the first candidate the record holds, and that candidate."""
    for candidate in candidates:
        if not candidate or not candidate.strip():
            continue
        if near:
            labelled = re.search(
                _loose(near) + r"[\s:_-]{0,6}" + _loose(candidate) + r"(?![\w])", text, re.IGNORECASE
            )
            if labelled:
                return _labelled(text, labelled.start(), labelled.end()), candidate
        pattern = re.compile(r"(?<![\w])" + _loose(candidate) + r"(?![\w])", re.IGNORECASE)
        start_at = 0
        if near:
            label = re.search(_loose(near), text) or re.search(_loose(near), text, re.IGNORECASE)
            start_at = label.end() if label else 0
        match = pattern.search(text, start_at) or pattern.search(text)
        if match:
            return _surrounding(text, match.start(), match.end()), candidate
    return None


def _labelled(text: str, start: int, end: int) -> str:
    """From the label's line start to the value's line end: "Total Enrollment\n\n60 participants"."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    return text[line_start : len(text) if line_end == -1 else line_end].strip()


def _loose(phrase: str) -> str:
    """A regex for a phrase that tolerates the record's whitespace and separator differences."""
    words = [re.escape(w) for w in re.split(r"[\s_]+", phrase.strip()) if w]
    return r"[\s_]+".join(words)


def _surrounding(text: str, start: int, end: int) -> str:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end == -1 else line_end
    line = text[line_start:line_end]
    if len(line) <= _MAX_QUOTE:
        return line.strip()
    dot = text.rfind(". ", line_start, start)
    sentence_start = dot + 2 if dot != -1 else line_start
    sentence_end = text.find(". ", end, line_end)
    sentence_end = line_end if sentence_end == -1 else sentence_end + 1
    return text[sentence_start:sentence_end].strip()


_BREAK = re.compile(r"(?<=[.;!?])\s+|\n+")
# a list marker, or a label ("Official Title: ", "INCLUSION CRITERIA:") that starts a field of its own
_ITEM_START = re.compile(
    r"\s*(?:[*•·▪o-]\s|\d{1,2}[.)]\s|\(?[a-z][.)]\s|[A-Z][\w/()-]*(?: [\w/()-]+){0,3}:(?:\s|$))"
)
_HARD_WRAP = 60  # a line this long that ends mid-sentence was wrapped by the registry, not ended


def sentences(text: str) -> list[str]:
    """Sentences of a passage, each a verbatim slice of it. A line the registry wrapped mid-sentence
    (classic XML wraps criteria near 80 characters) goes on into the next, unless that starts an item."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BREAK.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    merged: list[tuple[int, int]] = []
    for begin, end in spans:
        if merged and _wrapped(text, merged[-1], begin) and not _ITEM_START.match(text[begin:end]):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((begin, end))
    return [p for begin, end in merged if len(p := text[begin:end].strip()) > 3]


# A wrapped line goes on in lower case or a number ("...serum sodium\nexceeding 147"), or after a word
# no sentence ends with ("...patients with\nCHF"); a title line is followed by a new capitalised one.
_GOES_ON = re.compile(r"\s*(?:[a-z0-9(\[<>≤≥=%]|and\b|or\b)")
_OPEN_END = re.compile(
    r"\b(?:and|or|of|with|the|to|for|a|an|in|on|at|by|from|than|as|per|not)$|[,(/-]$", re.I
)


def _wrapped(text: str, previous: tuple[int, int], begin: int) -> bool:
    last_line = text[previous[0] : previous[1]].rsplit("\n", 1)[-1].strip()
    gap = text[previous[1] : begin]
    if gap.count("\n") != 1 or len(last_line) < _HARD_WRAP or last_line.endswith((".", ";", ":", "!", "?")):
        return False
    return _GOES_ON.match(text, begin) is not None or _OPEN_END.search(last_line) is not None


def md_quote(quote: str, limit: int = 300) -> str:
    """A quote for markdown display (the Citation keeps the full verbatim text)."""
    flat = " ".join(quote.split())
    return f"“{flat[: limit - 1]}…”" if len(flat) > limit else f"“{flat}”"
