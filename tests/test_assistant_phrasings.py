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
