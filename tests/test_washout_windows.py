"""Washout windows as classic records write them: an inclusion asking for time since a treatment
("At least 4 weeks since prior chemotherapy") refuses a patient inside that time, as an exclusion of
it within that time does (past it, the rest of the criterion is left to confirm);
of several windows for one treatment, one that refuses the patient decides; a window for the
treatment given for some condition ("since prior radiotherapy for bone metastases") is the
patient's only when the description says theirs was for it. Records and patients are written for
these tests."""

from __future__ import annotations

import pytest
from fakes import written_trial

from assistant.matching import check_trial
from assistant.understand import understand
from index.models import Trial


def _trial(*inclusions: str) -> Trial:
    return written_trial(
        "NCT00000061", "Colorectal Cancer", inclusions, ["Pregnancy"], source_format="ctgov_xml"
    )


def _washout(trial: Trial, description: str) -> tuple[str, str | None]:
    patient = understand(f"{description}. Could he go into this study?", [], set()).patient
    assert patient is not None and patient.prior_treatments, description
    verdict, _ = check_trial(trial, patient)
    [check] = [c for c in verdict.checks if c.criterion.endswith("washout")]
    return check.status, check.quote


@pytest.mark.parametrize(
    ("inclusion", "weeks_ago", "status"),
    [
        ("At least 4 weeks since prior chemotherapy and recovered", 2, "not met"),
        # past the window: the rest of the criterion is still to confirm, as classic records run more
        # into it than the window
        ("At least 4 weeks since prior chemotherapy and recovered", 10, "unknown"),
        ("More than 3 months since the last dose of chemotherapy", 6, "not met"),
        # asking for the treatment within the window, not for time since it: left to confirm
        ("Received chemotherapy within the past 3 months", 6, "unknown"),
    ],
)
def test_an_inclusion_asking_for_time_since_a_treatment_decides(
    inclusion: str, weeks_ago: int, status: str
) -> None:
    trial = _trial("Metastatic colorectal adenocarcinoma", inclusion)
    got, _ = _washout(trial, f"67M metastatic colon cancer, last chemotherapy {weeks_ago} weeks ago")
    assert got == status


def test_of_several_windows_the_one_refusing_the_patient_decides() -> None:
    trial = _trial(
        "Metastatic colorectal adenocarcinoma",
        "At least 2 weeks since prior radiotherapy",
        "At least 6 months since prior radiotherapy to the liver metastases",
    )
    # radiotherapy 8 weeks ago to his liver metastases: past the 2 weeks, inside the 6 months
    assert _washout(trial, "67M colon cancer, liver mets irradiated 8 weeks ago") == (
        "not met",
        "At least 6 months since prior radiotherapy to the liver metastases",
    )


def test_a_window_for_treatment_given_for_another_condition_is_not_the_patients() -> None:
    trial = _trial(
        "Metastatic colorectal adenocarcinoma",
        "At least 2 weeks since prior radiotherapy",
        "At least 6 months since prior radiotherapy for brain metastases",
    )
    # his radiotherapy was to the pelvis: the brain-metastases window is not his
    status, quote = _washout(trial, "67M rectal cancer, pelvic radiotherapy finished 8 weeks ago")
    assert (status, quote) == ("unknown", "At least 2 weeks since prior radiotherapy")  # past it: to confirm


def test_a_window_only_for_treatment_given_for_another_condition_checks_nothing() -> None:
    trial = _trial(
        "Metastatic colorectal adenocarcinoma",
        "At least 6 months since prior radiotherapy for brain metastases",
    )
    patient = understand(
        "67M rectal cancer, pelvic radiotherapy finished 8 weeks ago. Could he go in?", [], set()
    ).patient
    assert patient is not None
    verdict, _ = check_trial(trial, patient)
    assert not [c for c in verdict.checks if c.criterion.endswith("washout")]


def test_a_window_for_treatment_given_for_a_condition_the_description_does_not_speak_to_is_confirmed() -> (
    None
):
    trial = _trial(
        "Metastatic colorectal adenocarcinoma",
        "At least 6 months since prior radiotherapy for brain metastases",
    )
    # where or why his radiotherapy was given is not said: the window may be his
    status, _ = _washout(trial, "67M colon cancer, last radiotherapy 8 weeks ago")
    assert status == "unknown"
    # said to have been for brain metastases: inside the 6 months
    status, _ = _washout(trial, "67M colon cancer, brain mets irradiated 8 weeks ago")
    assert status == "not met"
