"""Typed facts read from a trial's structured fields and from each eligibility criterion.

A fact is only produced where the text states it: a criterion of a kind nothing here reads
yields no fact (it stays a `Criterion`, searchable as text). Every fact quotes the criterion
(or structured field) it came from, verbatim.

Which kinds there are, and which extractor reads each, is the registry in index/facts/kinds/ (one
module per kind). One module per fact family, each with its own conventions in its docstring: performance
(ECOG/Karnofsky), demographics (age, sex), labs (blood counts and organ function, units
normalised), windows (life expectancy, washouts, transfusions), conditions. Shared: how records
write comparisons and numbers (comparators), one criterion being read (reading).
Comparator/value are as written in their section; `Fact.required_comparator()` inverts
exclusions (see index/models.py `Fact`).
"""

from __future__ import annotations

from collections.abc import Sequence

from index.facts.conditions import ABSENT
from index.facts.demographics import structured_facts
from index.facts.kinds import families
from index.facts.reading import Reading, denied_by_lead_in, heading_of
from index.models import Criterion, Fact, Trial

__all__ = ["ABSENT", "COHORT", "criterion_facts", "extract_facts", "limits_apart"]

# Inclusion limits of one kind from different criteria that no value meets together ("aged >= 2 to
# < 18 years" and "aged >= 6 months to < 2 years"): the trial's cohorts, of which a patient meets one.
COHORT = "for one of the trial's cohorts"


def extract_facts(trial: Trial) -> list[Fact]:
    """Structured-field facts first, then each criterion's facts in criterion order."""
    facts = structured_facts(trial)
    for section in (trial.inclusion, trial.exclusion):
        by_number = {c.number: c for c in section}
        for criterion in section:
            if criterion.about is not None:
                continue  # "DONOR: Age < 75 years" limits the donor, not the patient
            parent = by_number.get(criterion.parent) if criterion.parent is not None else None
            facts.extend(criterion_facts(criterion, parent, denied_by_lead_in(criterion, section)))
    return _with_cohorts(facts)


def _with_cohorts(facts: list[Fact]) -> list[Fact]:
    """The facts, those of cohorts qualified `COHORT` (evaluate reads them as alternatives)."""
    cohorts: set[int] = set()
    for kind in {f.kind for f in facts}:
        ranges = [
            f
            for f in facts
            if f.kind == kind
            and f.source == "inclusion"
            and not f.qualifier
            and (f.low is not None or f.high is not None)
        ]
        if len({f.criterion_number for f in ranges}) >= 2 and limits_apart(ranges):
            cohorts.update(id(f) for f in ranges)
    return [f.model_copy(update={"qualifier": COHORT}) if id(f) in cohorts else f for f in facts]


def limits_apart(limits: Sequence[Fact]) -> bool:
    """Whether no value meets every one of these range limits ("< 2 years" and ">= 2 years")."""
    lows = [f.low for f in limits if f.low is not None]
    highs = [f.high for f in limits if f.high is not None]
    if not lows or not highs:
        return False
    strict = any(f.comparator in ("<", ">") for f in limits)
    return max(lows) > min(highs) or (max(lows) == min(highs) and strict)


def criterion_facts(
    criterion: Criterion, parent: Criterion | None = None, denied: bool = False
) -> list[Fact]:
    """The facts one criterion states. `parent` gives context to sub-items ("Age:" -> "18 and over");
    `denied`: the item sits in a list whose lead-in denies what it lists ("None of the following:")."""
    reading = Reading(criterion, heading_of(parent), denied)
    return [fact for family in families() for fact in family(reading)]
