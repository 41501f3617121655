"""Matching settles an excluded trial at its first refusing kind of check (assistant/matching.py):
the condition it studies, then the patient's numbers, then its other criteria. The verdict labels
must be the ones working out every check gives, for every trial; only an excluded trial's list of
checks is shorter. Patients are written for these tests; the records are the real CT.gov ones."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from fakes import written_trial

from assistant.matching import match_patient
from assistant.query import PatientProfile
from assistant.understand import understand
from index.memory import read_records
from index.models import Trial

PATIENTS = (
    "58-year-old woman with HER2-positive breast cancer, ECOG 0, platelets 210, on warfarin for a DVT",
    "74 yo man, castration-resistant prostate cancer, PS 2, creatinine 2.3 mg/dL, had an MI last year",
    "A 9 year old girl with relapsed acute lymphoblastic leukaemia, plt 30, ANC 0.4",
    "Healthy 27-year-old male volunteer, takes no medicines",
    "66F COPD on home oxygen, ex-smoker, type 2 diabetes on metformin, eGFR 40",
    "49M hepatitis C cirrhosis, bilirubin 2.5 mg/dL, ECOG 1, untreated brain mets",
)


def _patient(description: str) -> PatientProfile:
    patient = understand(f"{description}. Which trials could this patient join?", [], set()).patient
    assert patient is not None, description
    return patient


@pytest.fixture(scope="module")
def records(ctgov_dir: Path) -> list[Trial]:
    trials, _ = read_records(ctgov_dir, pattern="*")
    return trials


@pytest.mark.slow
@pytest.mark.parametrize("description", PATIENTS)
def test_labels_are_those_of_every_check(records: list[Trial], description: str) -> None:
    patient = _patient(description)
    settled = {v.nct_id: v for v, _ in match_patient(records, patient)}
    full = {v.nct_id: v for v, _ in match_patient(records, patient, every_reason=True)}
    assert {i: v.verdict for i, v in settled.items()} == {i: v.verdict for i, v in full.items()}
    for nct_id, verdict in settled.items():
        whole = full[nct_id]
        if verdict.verdict != "excluded":  # a result trial: every check, as before
            assert verdict.checks == whole.checks, nct_id
        else:  # the checks that refuse it are some of those every check finds
            refusing = [c for c in verdict.checks if c.status == "not met"]
            assert refusing and all(c in whole.checks for c in refusing), nct_id
    excluded = [v for v in settled.values() if v.verdict == "excluded"]
    assert sum(len(v.checks) for v in excluded) < sum(len(full[v.nct_id].checks) for v in excluded)


def _trial(nct_id: str, condition: str, inclusion: str, exclusion: str) -> Trial:
    return written_trial(nct_id, condition, [inclusion], [exclusion])


def test_a_trial_for_another_disease_is_settled_by_what_it_studies() -> None:
    trial = _trial("NCT00000041", "Rheumatoid Arthritis", "ECOG performance status 0-1", "Pregnancy")
    patient = _patient("71-year-old man with multiple myeloma, ECOG 3")
    [(first, _)] = match_patient([trial], patient)
    [(every, _)] = match_patient([trial], patient, every_reason=True)
    assert first.verdict == every.verdict == "excluded"
    assert [(c.criterion, c.status) for c in first.checks] == [("condition studied", "not met")]
    assert ("ECOG", "not met") in [(c.criterion, c.status) for c in every.checks]


def test_a_trial_for_the_disease_is_settled_by_the_numbers_it_refuses() -> None:
    trial = _trial("NCT00000042", "Multiple Myeloma", "ECOG performance status 0-1", "Known HIV infection")
    patient = _patient("71-year-old man with multiple myeloma, ECOG 3, HIV positive")
    [(first, _)] = match_patient([trial], patient)
    [(every, _)] = match_patient([trial], patient, every_reason=True)
    assert first.verdict == every.verdict == "excluded"
    assert {c.criterion for c in first.checks if c.status == "not met"} == {"ECOG"}  # HIV not read
    assert {"ECOG", "HIV"} <= {c.criterion for c in every.checks if c.status == "not met"}


def test_matching_leaves_no_reference_cycle(records: list[Trial]) -> None:
    """What a matching answer makes (the patient's reading, its memos, the verdicts) is freed by
    reference counting: answers pause the cyclic collector (index/heap.py), so a cycle would stay
    until a later collection scans for it."""
    patient = _patient(PATIENTS[4])
    match_patient(records, patient)  # the records' own readings, made once and kept, made now
    gc.collect()
    gc.disable()
    try:
        match_patient(records, patient)
        assert gc.collect() == 0
    finally:
        gc.enable()
