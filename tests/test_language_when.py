"""How long ago a patient description dates something, in clinicians' shorthand and in dates
written out. Phrases are written for these tests; none come from the dev sets."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from assistant.vignette import read_concepts
from index.language.when import days_ago

TODAY = date(2027, 3, 15)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("oxaliplatin 3 wks ago", 21),
        ("last fraction 10 d ago", 10),
        ("transfused 18 hrs ago", 0.75),
        ("romiplostim 4/52 ago", 28),  # weeks as a fraction of a year
        ("DVT 6/12 ago", 180),  # months
        ("last G-CSF 3/7 ago", 3),  # days
        ("stroke last yr", 365),
        ("one unit of platelets the day before yesterday", 2),
        ("stopped gemcitabine twelve days ago", 12),
        ("carboplatin finished a fortnight ago", 14),
        ("last dose on 1 March 2027", 14),
        ("cycle 4 given 2027-02-15", 28),
        ("Hb 8.9 on 13/03/2027", 2),  # a day over 12: only one reading
    ],
)
def test_how_long_ago(text: str, days: float) -> None:
    assert days_ago(text, TODAY) == pytest.approx(days)


@pytest.mark.parametrize(
    "text",
    [
        "ECOG 1, plt 64",
        "BP 150/95",
        "may need a transfusion",
        "dx 2019 in another hospital",
        "born 1961",
        "last dose 03/02/2027",  # 3 February or 2 March: not guessed
    ],
)
def test_no_date_is_read_where_none_is_written(text: str) -> None:
    assert days_ago(text, TODAY) is None


def test_a_date_in_the_future_is_not_an_event_that_happened() -> None:
    assert days_ago("next cycle due on 20 March 2027", TODAY) is None


def test_a_written_date_dates_the_treatment_in_a_description() -> None:
    given = (date.today() - timedelta(days=9)).strftime("%d %B %Y")
    states = {s.name: s.days_ago for s in read_concepts(f"68M, rhTPO last given on {given}, ECOG 1")}
    assert states["recombinant human thrombopoietin"] == 9
