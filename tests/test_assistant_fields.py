"""Field filters beyond enumerations: dates against a date, places, parts a record lists or leaves
out, sponsor classes, record conflicts, and sums over the result. Hand-written records."""

from __future__ import annotations

from datetime import date

import pytest
from fakes import InMemoryTrialReader

from assistant.service import Assistant
from index.models import Contact, Site, Sponsor, Trial
from index.trial_fields import parse_date


def _trial(nct_id: str, **fields: object) -> Trial:
    text = "\n".join(
        [f"Title of {nct_id}"]
        + [f"{k}: {v}" for k, v in fields.items() if isinstance(v, str | int)]
        + [s.name for s in fields.get("sponsors", [])]  # type: ignore[attr-defined]
        + [f"{s.city}, {s.country}" for s in fields.get("sites", [])]  # type: ignore[attr-defined]
        + [c.name or "" for c in fields.get("investigators", [])]  # type: ignore[attr-defined]
        + list(fields.pop("extra_text", []))  # type: ignore[call-overload]
    )
    return Trial(
        nct_id=nct_id,
        brief_title=f"Title of {nct_id}",
        source_path="hand",
        source_format="ctgov_json",
        text=text,
        **fields,
    )  # type: ignore[arg-type]


OSLO = _trial(
    "NCT92000001",
    completion_date="2025-03-15",
    start_date="2023-01-10",
    enrollment=120,
    sponsors=[Sponsor(name="Norwegian Health Directorate", role="lead", agency_class="OTHER_GOV")],
    sites=[Site(city="Oslo", country="Norway")],
    investigators=[Contact(name="Kari Nordmann", role="PRINCIPAL_INVESTIGATOR")],
)
BERGEN = _trial(
    "NCT92000002",
    completion_date="2027-06",
    start_date="2024-11-02",
    enrollment=30,
    sponsors=[
        Sponsor(name="Fjord Pharma AS", role="lead", agency_class="INDUSTRY"),
        Sponsor(name="Bergen Public Hospital Trust", role="collaborator", agency_class="OTHER_GOV"),
    ],
    sites=[Site(city="Bergen", country="Norway")],
)
NOWHERE = _trial(
    "NCT92000003",
    completion_date="2026-12-31",
    sponsors=[Sponsor(name="A. Researcher", role="lead", agency_class="OTHER")],
    conflicts=[
        'The eligible-sex field says "MALE" (male), but inclusion criterion 1 says "Women aged 18+" (female).'
    ],
    extra_text=["Women aged 18+"],
)


@pytest.fixture(scope="module")
def assistant() -> Assistant:
    return Assistant(InMemoryTrialReader([OSLO, BERGEN, NOWHERE]))


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Which trials end before 2026?", ["NCT92000001"]),
        (
            "Which studies have a completion date on or before 31 December 2026?",
            ["NCT92000001", "NCT92000003"],
        ),
        # "2027-06" ends on 2027-06-30 at the latest; by 30 June 2027 it is complete
        ("Which trials complete by June 2027?", ["NCT92000001", "NCT92000002", "NCT92000003"]),
        ("Which trials started after March 2023?", ["NCT92000002"]),
    ],
)
def test_dates_compare_with_a_date(assistant: Assistant, question: str, expected: list[str]) -> None:
    assert sorted(assistant.ask(question).trials) == expected


def test_a_place_the_records_name_is_a_filter(assistant: Assistant) -> None:
    assert assistant.ask("Is anything running in Bergen?").trials == ["NCT92000002"]
    assert assistant.ask("which trials recruit in norway?").trials == ["NCT92000001", "NCT92000002"]


def test_parts_a_record_lists_or_leaves_out(assistant: Assistant) -> None:
    assert assistant.ask("How many trials don't list any sites?").trials == ["NCT92000003"]
    assert assistant.ask("Which trials name a principal investigator?").trials == ["NCT92000001"]


def test_a_lead_sponsor_class_is_not_a_collaborators(assistant: Assistant) -> None:
    assert assistant.ask("Which trials have a government lead sponsor?").trials == ["NCT92000001"]
    assert sorted(assistant.ask("Which trials have a government sponsor?").trials) == [
        "NCT92000001",
        "NCT92000002",
    ]


def test_records_that_contradict_themselves(assistant: Assistant) -> None:
    answer = assistant.ask("Which records disagree with themselves about sex?")
    assert answer.trials == ["NCT92000003"]


def test_a_sum_over_the_result(assistant: Assistant) -> None:
    answer = assistant.ask("What is the combined enrolment of the trials in Norway?")
    # 120 + 30; the third trial states no enrolment and has no Norwegian site
    assert "150" in answer.answer
    answer = assistant.ask("What is the total enrolment across all trials?")
    assert "150" in answer.answer and "NCT92000003" in answer.answer  # named as not counted


@pytest.mark.parametrize(
    ("written", "end", "expected"),
    [
        ("31 dec 2026", False, date(2026, 12, 31)),
        ("December 2026", True, date(2026, 12, 31)),
        ("December 2026", False, date(2026, 12, 1)),
        ("2026", True, date(2026, 12, 31)),
        ("2026-02", True, date(2026, 2, 28)),
        ("March 3, 2025", False, date(2025, 3, 3)),
    ],
)
def test_written_dates(written: str, end: bool, expected: date) -> None:
    assert parse_date(written, end_of_period=end) == expected


def test_a_dose_in_other_spellings() -> None:
    trials = [
        _trial("NCT92000011", extra_text=["Drug X 150 μg per dose, given once weekly."]),
        _trial("NCT92000012", extra_text=["Drug Y 150 mg daily."]),
    ]
    assistant = Assistant(InMemoryTrialReader(trials))
    assert assistant.ask("Which trial gives 150 mcg once a week?").trials == ["NCT92000011"]
    assert assistant.ask("Which trials accept a creatinine clearance of 150 mL/min?").trials == []


def test_sponsored_by_a_named_organisation(assistant: Assistant) -> None:
    assert assistant.ask("Which trials are funded by Fjord Pharma?").trials == ["NCT92000002"]
    # a collaborator is a sponsor too
    assert assistant.ask("Which studies are sponsored by the Bergen Public Hospital Trust?").trials == [
        "NCT92000002"
    ]
