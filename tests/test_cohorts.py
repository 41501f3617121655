"""Limits of one kind that belong to a trial's cohorts ("children aged 2 to 17" and "infants aged 6
to 23 months"): a patient meets one cohort's, not all at once. Criteria written for these tests."""

from __future__ import annotations

import pytest
from fakes import NARROWED_OR_NOT, assistant_over, hand_trial

from index.enrich import enrich
from index.facts import COHORT
from index.models import FactKind, Trial


def _trial(nct_id: str, inclusion: list[str]) -> Trial:
    criteria = (
        "Inclusion Criteria:\n"
        + "\n".join(f"- {c}" for c in inclusion)
        + "\nExclusion Criteria:\n- Pregnancy"
    )
    return enrich(
        hand_trial(nct_id, [], [], []).model_copy(update={"criteria_text": criteria, "text": criteria})
    )


TWO_COHORTS = _trial("NCT93300001", ["Cohort A: aged 2 to 17 years", "Cohort B: aged under 2 years"])
# two cohorts split at 1 year, and a limit every participant must meet beside them
COHORTS_AND_A_CAP = _trial(
    "NCT93300002",
    ["Aged 1 year or older (older group)", "Aged under 1 year (younger group)", "Age no more than 30 years"],
)
ONE_RANGE = _trial("NCT93300003", ["Aged 18 to 65 years"])


def test_limits_no_age_meets_together_are_cohorts() -> None:
    ages = [f for f in TWO_COHORTS.facts if f.kind == FactKind.AGE and f.source == "inclusion"]
    assert len(ages) == 2 and all(f.qualifier == COHORT for f in ages)
    assert all(f.qualifier is None for f in ONE_RANGE.facts if f.kind == FactKind.AGE)


@pytest.mark.parametrize("how", NARROWED_OR_NOT)
@pytest.mark.parametrize(
    ("age", "expected"),
    [
        ("a 9-month-old", ["NCT93300001", "NCT93300002"]),
        ("a 5 year old", ["NCT93300001", "NCT93300002"]),
        # the cap beside the cohorts still applies; over 17 no cohort of the first trial takes him
        ("a 40 year old", ["NCT93300003"]),
    ],
)
def test_a_patient_meets_one_cohorts_limits(how: str, age: str, expected: list[str]) -> None:
    assistant = assistant_over([TWO_COHORTS, COHORTS_AND_A_CAP, ONE_RANGE], how)
    assert sorted(assistant.ask(f"Which trials would take {age}?").trials) == expected
