"""Time windows: life expectancy, washouts after named drugs, and platelet transfusions.

Lengths are normalised to `days` (1 week = 7, 1 month = 30, 1 year = 365 days) and keep the
amount and unit as written; a window's anchor (screening, first dose...) is named when stated.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from index.facts.comparators import CMP, comparator
from index.facts.reading import Reading, exception_spans
from index.language.vocabulary import drug_matches
from index.models import Fact, FactKind

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14, "twenty-one": 21, "thirty": 30,
}  # fmt: skip
_DAYS_PER = {"day": 1, "week": 7, "wk": 7, "month": 30, "mo": 30, "year": 365, "yr": 365}
_DURATION = (
    r"(?P<amount>\d+(?:\.\d+)?|" + "|".join(_NUMBER_WORDS) + r")\s*(?:-\s*|\(\d+\)\s*)?"
    r"(?P<unit>days?|weeks?|wks?|months?|mos?|years?|yrs?)\b"
)
_LIFE = re.compile(
    r"life expectancy|expected (?:survival|lifetime|life span)(?: time| period)?|"
    r"estimated survival(?: time| period)?|"
    r"survival expectancy|expected to (?:live|survive)|predicted survival",
    re.IGNORECASE,
)
_ANCHOR = (
    r"(?P<anchor>screening|enrol?l?ment|enrol?ling|randomi[sz]ation|randomi[sz]ed|first dos(?:e|ing)|"
    r"(?:the )?(?:start|initiation) of (?:study )?(?:treatment|therapy|drug)|"
    r"study (?:entry|start|treatment|drug)|"
    r"registration|initial medication(?: use)?|day 1|baseline|inclusion|treatment initiation|consent)"
)
_ANCHORS = (
    ("screening", "screening"), ("enrol", "enrolment"), ("randomi", "randomisation"),
    ("first dos", "first dose"), ("initial medication", "first dose"), ("day 1", "first dose"),
    ("start", "first dose"), ("initiation", "first dose"), ("study treatment", "first dose"),
    ("study drug", "first dose"), ("study entry", "study entry"), ("inclusion", "study entry"),
    ("registration", "registration"), ("baseline", "baseline"), ("consent", "consent"),
)  # fmt: skip
_WINDOW_PATTERNS = (
    rf"\bwithin\s+(?:the\s+)?(?:last\s+|past\s+|previous\s+|prior\s+|first\s+)?{_DURATION}"
    rf"(?:\s*(?:before|prior to|preceding|of|from|after)\s+(?:the\s+)?(?:subject'?s?\s+)?{_ANCHOR})?",
    rf"{_DURATION}\s*(?:before|prior to|preceding)\s+(?:the\s+)?{_ANCHOR}",
    rf"\bat least\s+{_DURATION}\s*(?:since|from|after|before|prior to)",
    rf"\b(?:in|during)\s+the\s+(?:last|past|previous|preceding)\s+{_DURATION}",
    rf"\bfor\s+(?:more than|at least|over|≥|>)\s*{_DURATION}",
)
_TRANSFUSION = re.compile(r"platelet transfusions?|transfusions? of platelets", re.IGNORECASE)


@dataclass(frozen=True)
class _Window:
    start: int
    amount: float
    unit: str
    days: float
    anchor: str | None


def _duration(m: re.Match[str]) -> tuple[float, str, float]:
    """(amount, unit as written, days) of a `_DURATION` match ("four weeks" -> 4, "weeks", 28)."""
    written = m.group("amount").lower()
    amount = float(_NUMBER_WORDS.get(written, 0) or float(written))
    unit = m.group("unit").lower()
    key = next(k for k in ("day", "week", "wk", "month", "mo", "year", "yr") if unit.startswith(k))
    return amount, unit, amount * _DAYS_PER[key]


def _windows(text: str) -> Iterator[_Window]:
    """Every window the text states; a duration two patterns both match is read once."""
    taken: list[int] = []
    for pattern in _WINDOW_PATTERNS:
        for m in re.finditer(pattern, text, re.IGNORECASE):
            if m.start("amount") in taken:
                continue
            taken.append(m.start("amount"))
            amount, unit, days = _duration(m)
            yield _Window(m.start(), amount, unit, days, _anchor_name(m.groupdict().get("anchor")))


def _anchor_name(written: str | None) -> str | None:
    """The canonical anchor ("enrolment") for one as written ("enrolling", "Enrollment")."""
    if not written:
        return None
    lowered = written.lower()
    return next((name for key, name in _ANCHORS if key in lowered), None)


def _window_near(windows: list[_Window], position: int) -> _Window:
    """The first window after a drug name, else the last one before it."""
    after = [w for w in windows if w.start >= position]
    return after[0] if after else max(windows, key=lambda w: w.start)


def _window_fact(reading: Reading, kind: str, window: _Window, term: str | None = None) -> Fact:
    return reading.fact(
        kind, term=term, days=window.days, anchor=window.anchor, value=window.amount, unit=window.unit
    )


def life_expectancy_facts(reading: Reading) -> Iterator[Fact]:
    """The life expectancy a criterion requires ("life expectancy of at least 3 months")."""
    mention = _LIFE.search(reading.text)
    if mention is None and not reading.heading.startswith("life expectancy"):
        return
    start = mention.end() if mention else 0
    window = reading.text[start : start + 70]
    found = re.search(rf"(?:{CMP}\s*(?:of\s+)?)?{_DURATION}", window, re.IGNORECASE)
    if found is None:
        return
    written = comparator(found.group("cmp")) if found.group("cmp") else None
    after = window[found.end() : found.end() + 25]
    if written is None and re.match(r"\s*(?:or|and)\s+(?:more|longer|greater|over)", after):
        written = ">="  # "12 weeks or more"
    amount, unit, days = _duration(found)
    yield reading.fact(FactKind.LIFE_EXPECTANCY, comparator=written, value=amount, unit=unit, days=days)


def window_facts(reading: Reading) -> Iterator[Fact]:
    """A platelet-transfusion window, then a washout per drug named, each with its nearest window."""
    windows = list(_windows(reading.text))
    if not windows:
        return
    transfusion = _TRANSFUSION.search(reading.text)
    if transfusion:
        yield _window_fact(reading, FactKind.PLATELET_TRANSFUSION, _window_near(windows, transfusion.start()))
    seen: set[str] = set()
    exceptions = exception_spans(reading.text)  # "(with the exclusion of hormone therapy ...)": allowed
    for drug in drug_matches(reading.text):
        if drug.term.name in seen or (transfusion and transfusion.start() <= drug.start < transfusion.end()):
            continue
        if any(start <= drug.start < end for start, end in exceptions):
            continue
        if reading.text[drug.end : drug.end + 1] == ":":
            continue  # a field label ("Chemotherapy: At least 4 weeks since ..."), not a drug taken
        seen.add(drug.term.name)
        yield _window_fact(reading, FactKind.WASHOUT, _window_near(windows, drug.start), term=drug.term.name)
