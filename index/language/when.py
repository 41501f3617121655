"""How long before today a piece of a patient description says something happened: "rhTPO 6 wks
ago", "2/52 ago", "one bag of platelets yesterday", "last dose ten days ago", "stopped on 3 Nov",
"cisplatin 2026-11-20".

Clinicians' shorthand is read here (abbreviated units, the "N/52" weeks and "N/12" months notation,
and the relative days of words.yaml); anything else that looks like a date or an "ago" goes to
dateparser, which knows number words, "a fortnight ago" and written dates in any order, but reads
"2/52" as 1952 and gets "the day before yesterday" wrong, so the shorthand is read first.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import cache
from typing import Any

from index.language.data import load

_UNIT_DAYS = {"h": 1 / 24, "d": 1.0, "w": 7.0, "m": 30.0, "y": 365.0}
_UNIT = r"(?P<unit>h(?:ou)?rs?|h|days?|d|w(?:ee)?ks?|months?|mths?|mos?|y(?:ea)?rs?)"
_AGO = re.compile(
    r"\b(?P<n>\d+(?:\.\d+)?|an?)\s*" + _UNIT + r"\s+(?:ago|before|prior|earlier)\b", re.IGNORECASE
)
# "2/52" is two weeks, "3/12" three months and "5/7" five days: the fraction of a year or a week.
_FRACTION = re.compile(r"\b(?P<n>\d{1,2})/(?P<of>52|12|7)\b")
_FRACTION_DAYS = {"52": 7.0, "12": 30.0, "7": 1.0}
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
# What dateparser is asked about: an "ago", or a date written with digits or a month beside a day.
_DATE_LIKE = re.compile(
    r"\bago\b|\b\d{4}-\d{1,2}-\d{1,2}\b|\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b"
    r"|\b\d{1,2}(?:st|nd|rd|th)?\s+" + _MONTH + r"|\b" + _MONTH + r"\s+\d{1,2}\b",
    re.IGNORECASE,
)
# "03/04/2027" is 3 April to one reader and 4 March to another: a date read wrong could pass a
# washout, so such a date is left unread (the criterion is then checked, not assumed).
_AMBIGUOUS_DATE = re.compile(r"^\D*(?P<a>\d{1,2})[/.](?P<b>\d{1,2})[/.]\d{2,4}\D*$")
_LONGEST_PAST_DAYS = 100 * 365  # a date further back is not an event of this patient's care


def days_ago(text: str, today: date | None = None) -> float | None:
    """Days before `today` (default: the real today) that `text` dates what it tells, or None."""
    match = _AGO.search(text)
    if match:
        amount = 1.0 if match.group("n").lower() in {"a", "an"} else float(match.group("n"))
        return amount * _UNIT_DAYS[match.group("unit")[0].lower()]
    fraction = _FRACTION.search(text)
    if fraction:
        return float(fraction.group("n")) * _FRACTION_DAYS[fraction.group("of")]
    relative = _relative_days().search(text)
    if relative:
        return _relative_day_values()[" ".join(relative.group(0).lower().split())]
    if _DATE_LIKE.search(text):
        return _parsed_days_ago(text, today or date.today())
    return None


def _parsed_days_ago(text: str, today: date) -> float | None:
    from dateparser.search import search_dates

    settings: Any = {
        "RELATIVE_BASE": datetime(today.year, today.month, today.day),
        "PREFER_DATES_FROM": "past",
    }
    found = search_dates(text, languages=["en"], settings=settings) or []
    for written, when in found:
        if not any(c.isdigit() for c in written) and "ago" not in written.lower():
            continue  # a bare word dateparser took for a date ("may", "second")
        if _ambiguous(written):
            continue
        days = (today - when.date()).days
        if 0 <= days <= _LONGEST_PAST_DAYS:
            return float(days)
    return None


@cache
def _relative_day_values() -> dict[str, float]:
    return {str(k): float(v) for k, v in load("words.yaml")["days_before_today"].items()}


@cache
def _relative_days() -> re.Pattern[str]:
    phrases = sorted(_relative_day_values(), key=len, reverse=True)
    return re.compile(
        r"\b(?:" + "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in phrases) + r")\b", re.I
    )


def _ambiguous(written: str) -> bool:
    numbers = _AMBIGUOUS_DATE.match(written)
    if numbers is None:
        return False
    first, second = int(numbers["a"]), int(numbers["b"])
    return first != second and first <= 12 and second <= 12
