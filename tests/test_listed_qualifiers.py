"""Modifiers listed before a condition each qualify it: an exclusion of "untreated, symptomatic, or
growing brain metastases" leaves a patient whose metastases are treated and stable to be met, as
"uncontrolled hypertension" leaves one whose hypertension is controlled. Records and patients are
written for these tests."""

from __future__ import annotations

import pytest
from fakes import written_trial

from assistant.matching import check_trial
from assistant.understand import understand
from index.models import Trial


def _trial(exclusion: str) -> Trial:
    return written_trial("NCT00000051", "Solid Tumor", ["Metastatic solid tumour"], [exclusion])


def _brain_check(exclusion: str, description: str) -> str:
    patient = understand(f"{description}. Which trials could she join?", [], set()).patient
    assert patient is not None
    verdict, _ = check_trial(_trial(exclusion), patient)
    [status] = [c.status for c in verdict.checks if c.criterion == "brain metastases"]
    return status


TREATED = "melanoma, 3 brain mets had gamma knife last year, stable on every scan since"
UNTREATED = "melanoma with 2 untreated brain mets"
UNSAID = "melanoma with brain mets"


@pytest.mark.parametrize(
    "exclusion",
    [
        "Untreated, symptomatic, or growing brain metastases",
        "Symptomatic or untreated or enlarging CNS metastases",
        "Known progressive brain metastases",
    ],
)
def test_each_listed_modifier_qualifies_the_condition(exclusion: str) -> None:
    assert _brain_check(exclusion, TREATED) == "met"
    assert _brain_check(exclusion, UNTREATED) == "not met"
    assert _brain_check(exclusion, UNSAID) == "unknown"  # which form the patient's is: to confirm


def test_conditions_listed_before_it_do_not_qualify_it() -> None:
    # "uncontrolled" is diabetes's, not the metastases': treated metastases are still excluded
    assert _brain_check("Uncontrolled diabetes, asthma, or brain metastases", TREATED) == "not met"
