"""Phrasings and term readings found by the eval suite: 'protocols', 'right now', risk mentions."""

from __future__ import annotations

import pytest
from fakes import InMemoryTrialReader, seed_trials

from assistant.service import Assistant
from assistant.terms import mentions_itself


def test_a_risk_of_a_condition_is_not_the_condition() -> None:
    arrhythmia = "arrhythmias known to increase thromboembolic risk (e.g., atrial fibrillation)"
    assert not mentions_itself(arrhythmia, "thrombosis")
    assert not mentions_itself("patients at high risk of thrombosis", "thrombosis")
    assert mentions_itself("History of arterial or venous thrombosis within 6 months", "thrombosis")
    assert mentions_itself("Thrombosis, or a risk of thrombosis", "thrombosis")  # one plain mention


@pytest.fixture(scope="module")
def seed_assistant() -> Assistant:
    return Assistant(InMemoryTrialReader(seed_trials()))


def test_dvt_is_not_matched_by_an_arrhythmia_risk(seed_assistant: Assistant) -> None:
    answer = seed_assistant.ask(
        "Which trials would exclude a patient who had a deep-vein thrombosis two months ago?"
    )
    # NCT07162519 names thromboembolism only as the risk some arrhythmias raise; the other four
    # exclude thrombotic events / thrombosis in their own words.
    assert set(answer.trials) == {"NCT05394285", "NCT06433830", "NCT07198672", "NCT05236582"}


def test_protocols_and_living_with(seed_assistant: Assistant) -> None:
    answer = seed_assistant.ask("Which protocols rule out people living with HIV?")
    # NCT05236582: "Positive serology for HIV"; NCT07162519: "13.HIV-infected patients;" (exclusions)
    assert set(answer.trials) == {"NCT05236582", "NCT07162519"}


def test_right_now_is_the_recruiting_status(seed_assistant: Assistant) -> None:
    answer = seed_assistant.ask("Which trials are enrolling patients right now?")
    assert answer.trials == ["NCT05394285"]  # the only record with Recruitment Status RECRUITING


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # NCT05236582: "Positive serology for HIV, hepatitis B virus (HBV)..."; NCT07162519: "13.HIV-infected
        # patients;" (exclusions)
        (
            "He lives with HIV and takes antiretroviral tablets. Which protocols would turn him away?",
            {"NCT05236582", "NCT07162519"},
        ),
        ("my patient carries hepatitis B; which studies would rule him out?", {"NCT05236582"}),
    ],
)
def test_a_set_question_through_the_patients_condition(
    seed_assistant: Assistant, question: str, expected: set[str]
) -> None:
    answer = seed_assistant.ask(question)
    assert answer.kind == "set" and set(answer.trials) == expected


def test_a_reason_named_after_the_patient_is_the_term(seed_assistant: Assistant) -> None:
    # only NCT05236582 names diabetes ("Other serious diseases ... (such as diabetes; ...)"); hepatitis C
    # is excluded there too, so the answer is the same trial, asked for diabetes alone
    answer = seed_assistant.ask(
        "She has diabetes and hepatitis C; which trials exclude her due to the diabetes?"
    )
    assert answer.trials == ["NCT05236582"] and "exclude diabetes" in answer.answer


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # NCT07162519: "200 μg per dose, administered subcutaneously"; NCT05394285's rhTPO arm: "(subcutaneous
        # injection)"
        (
            "Which studies give their drug as an SC injection rather than only as pills?",
            {"NCT05394285", "NCT07162519"},
        ),
        # NCT05394285 also gives "Hetrombopag Olamine Tablets", so it is left out when tablets are contrasted
        ("any trials using subq injections instead of oral tablets?", {"NCT07162519"}),
        # NCT07198672: "Oral administration of eltrombopag"; NCT05394285: "Hetrombopag Olamine Tablets"
        ("which trials give PO medication?", {"NCT05394285", "NCT07198672"}),
    ],
)
def test_routes_of_administration_and_what_is_contrasted(
    seed_assistant: Assistant, question: str, expected: set[str]
) -> None:
    assert set(seed_assistant.ask(question).trials) == expected


def test_a_rule_the_patient_breaks_asks_for_the_trials_that_exclude_them() -> None:
    from assistant.understand import understand

    query = understand(
        "he had romiplostim 10 days ago - which trials' washout requirement would he violate?", [], set()
    )
    assert query.kind == "match" and query.wants_excluded


def test_a_disease_named_only_in_an_exclusion_is_not_what_a_trial_is_for(seed_assistant: Assistant) -> None:
    # NCT06433830 names multiple myeloma only among excluded "other hematopoietic system diseases",
    # beside "radiotherapy and chemotherapy", which are its interventions
    answer = seed_assistant.ask("Are any of the trials for multiple myeloma?")
    assert answer.trials == []
    assert "No trial is for or in multiple myeloma" in answer.answer
