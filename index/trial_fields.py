"""A trial's registry fields in the form question filters compare them with.

One definition for both sides: the assistant judges a trial with these values (assistant/evaluate.py,
assistant/fields.py) and the fact store (index/fact_store.py) stores the same values, so a query over
the store and the judgement of the record cannot disagree on what a field says.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from typing import Literal

from dateutil import parser as dateparser

from index.models import FactKind, Trial

# Fields a question names by value ("recruiting", "phase 2", "industry-sponsored"), each compared as
# the list `field_values` gives.
ENUMERATED_FIELDS = (
    "status",
    "phase",
    "allocation",
    "intervention_model",
    "primary_purpose",
    "study_type",
    "masking",
    "healthy_volunteers",
    "results_posted",
    "start_year",
    "completion_year",
    "sponsor_class",
    "lead_sponsor_class",
)
DATE_FIELDS = ("start_date", "completion_date", "primary_completion_date")
ListedPart = Literal["has_sites", "has_investigator", "has_contacts"]
LISTED_PARTS: tuple[ListedPart, ...] = ("has_sites", "has_investigator", "has_contacts")
SEXES: dict[str, set[str]] = {"female": {"FEMALE"}, "male": {"MALE"}, "all": {"FEMALE", "MALE"}}


def field_values(trial: Trial, field: str) -> list[str]:
    """The values a record states for an enumerated field, upper case as filters name them; empty
    when it states none."""
    if field == "phase":
        return list(trial.phases)
    if field == "sponsor_class":
        return [s.agency_class.upper() for s in trial.sponsors if s.agency_class]
    if field == "lead_sponsor_class":
        return [s.agency_class.upper() for s in trial.sponsors if s.agency_class and s.role == "lead"]
    if field == "intervention_type":
        return list(dict.fromkeys(i.type.upper() for i in trial.interventions if i.type))
    if field in ("start_year", "completion_year"):
        written = trial.start_date if field == "start_year" else trial.completion_date
        return [written[:4]] if written else []
    value = getattr(trial, field)
    if value is None:
        return []
    if isinstance(value, bool):
        return ["TRUE" if value else "FALSE"]
    return [str(value).upper()]


@lru_cache(maxsize=65_536)  # each trial's dates are read again by every date question
def parse_date(written: str, end_of_period: bool) -> date | None:
    """'31 dec 2026', 'December 2026', '2026-12', '2026' -> a date; a month or year alone is its last
    day when the bound includes it ("by 2026" is "on or before 2026-12-31"), else its first."""
    written = written.strip()
    try:
        if re.fullmatch(r"\d{4}", written):
            return date(int(written), 12, 31) if end_of_period else date(int(written), 1, 1)
        first = dateparser.parse(written, default=_MARKER_FIRST)
        if first is None:
            return None
        parsed_day = (
            first.day != _MARKER_FIRST.day
            or dateparser.parse(written, default=_MARKER_OTHER).day == first.day
        )
        if parsed_day:
            return first.date()
        month_end = dateparser.parse(written, default=_MARKER_FIRST.replace(day=28))
        assert month_end is not None
        next_month = date(month_end.year + month_end.month // 12, month_end.month % 12 + 1, 1)
        return date.fromordinal(next_month.toordinal() - 1) if end_of_period else first.date().replace(day=1)
    except (ValueError, OverflowError):
        return None


_MARKER_FIRST = dateparser.parse("2000-01-01")
_MARKER_OTHER = dateparser.parse("2000-01-02")


def listed_names(trial: Trial, part: ListedPart) -> list[str]:
    """What a record lists of its sites, principal investigators or contacts: a name for each."""
    listed = {
        "has_sites": [s.facility or s.city or s.country for s in trial.sites],
        "has_investigator": [c.name for c in trial.investigators],
        "has_contacts": [c.name or c.phone or c.email for c in trial.contacts],
    }[part]
    return [n for n in listed if n]


def places_of(trial: Trial) -> set[str]:
    """The places a record names for where it runs (cities, states, countries), lower-cased."""
    names = {p for s in trial.sites for p in (s.city, s.state, s.country) if p}
    return {n.lower() for n in names}


def criteria_sexes(trial: Trial) -> set[str] | None:
    """The sexes the record's sex facts (registry field and inclusion criteria) leave open, all of
    them applied; None when no such fact names a sex. The registry's plain `sex` field can only
    narrow this further (assistant/evaluate.py `allowed_sexes`)."""
    named = {source: [] for source in ("structured", "inclusion")}  # type: dict[str, list[set[str]]]
    for fact in trial.facts_of(FactKind.SEX):
        sexes = SEXES.get((fact.term or "").lower()) if fact.source in named else None
        if sexes is not None:
            named[fact.source].append(sexes)
    inclusion = set.intersection(*named["inclusion"]) if named["inclusion"] else None
    if inclusion == set():
        # "men aged 55 or over", "women aged 65 or over": inclusions that leave out every sex together
        # are the record's alternatives, each for one sex; together they take both
        inclusion = set.union(*named["inclusion"])
    allowed = [*named["structured"], *([inclusion] if inclusion is not None else [])]
    return set.intersection(*allowed) if allowed else None


LOCATIONS_NAMED = 3  # countries a result row names before counting the rest
RowFields = dict[str, str | None]


def row_fields(trial: Trial) -> RowFields:
    """What a result table shows of a trial beside what decided it (assistant/results.py), kept in
    the fact store too so a table of thousands of results reads no record."""
    phase = ", ".join(trial.phases) or None
    return {"title": trial.title, "status": trial.status, "phase": phase, "location": location(trial)}


def location(trial: Trial) -> str | None:
    """Where its sites are: "China", or "United States, Canada, France and 4 more"."""
    places = trial.site_places()
    if not places:
        return None
    named = ", ".join(places[:LOCATIONS_NAMED])
    rest = len(places) - LOCATIONS_NAMED
    return f"{named} and {rest} more" if rest > 0 else named
