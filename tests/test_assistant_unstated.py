"""A question about one trial that its record does not answer. Named by its NCT ID, the trial is the
user's subject and the answer says its record does not state it; found from a description, no trial
is the answer and the assistant abstains, saying what the record lacks. Expected values come from
reading the seed records."""

from __future__ import annotations

import pytest
from fakes import InMemoryTrialReader, hand_trial, seed_trials

from assistant.record_text import best_sentences
from assistant.service import Assistant


@pytest.fixture(scope="module")
def assistant() -> Assistant:
    return Assistant(InMemoryTrialReader(seed_trials()))


def test_a_described_trial_without_contacts_abstains(assistant: Assistant) -> None:
    # NCT05236582 (Tianjin summary page): "Study contacts" is empty; its only words about contact
    # are "Contact the listed study coordinator or principal investigator to request pre-screening."
    answer = assistant.ask("Is there an e-mail for whoever coordinates the Tianjin herombopag study?")
    assert answer.abstained and answer.trials == []
    assert "NCT05236582 does not state its contacts" in answer.answer


def test_a_described_trial_without_posted_results_abstains(assistant: Assistant) -> None:
    # NCT07162519 (romiplostim N01): "Study Results ... Results pending"
    answer = assistant.ask("What were the findings of the romiplostim N01 study?")
    assert answer.abstained and answer.trials == []
    assert "no results posted" in answer.answer


def test_a_described_trial_without_a_dose_abstains(assistant: Assistant) -> None:
    # NCT06433830 (Hangzhou summary page) names hetrombopag but gives no amount anywhere
    answer = assistant.ask("what dosage do they use in the Hangzhou hetrombopag trial?")
    assert answer.abstained and answer.trials == []
    assert "NCT06433830 does not state its dose" in answer.answer


def test_the_same_question_by_nct_id_names_the_trial(assistant: Assistant) -> None:
    answer = assistant.ask("NCT05236582 - is there an e-mail for whoever coordinates it?")
    assert not answer.abstained and answer.trials == ["NCT05236582"]
    assert "does not state its contacts" in answer.answer


def test_a_described_trial_with_part_of_the_answer_does_not_abstain(assistant: Assistant) -> None:
    # NCT05236582: "Enrollment50 (estimated)"; no contacts
    answer = assistant.ask(
        "For the Tianjin herombopag study, how many patients will it enrol and who is the contact?"
    )
    assert not answer.abstained and answer.trials == ["NCT05236582"]
    assert "50 participants" in answer.answer


def test_a_phone_number_in_the_record_text_answers() -> None:
    trial = hand_trial(
        "NCT09000001",
        ["Adults with chronic cough", "Call the research nurse on 020 7946 0958 to ask about taking part"],
        ["Pregnancy"],
        [],
    )
    other = hand_trial("NCT09000002", ["Adults with asthma"], ["Smokers"], [])
    answer = Assistant(InMemoryTrialReader([trial, other])).ask("What phone number is there for NCT09000001?")
    assert answer.trials == ["NCT09000001"]
    assert "020 7946 0958" in answer.answer


def test_a_sentence_without_the_kind_of_answer_asked_does_not_answer() -> None:
    trial = hand_trial(
        "NCT09000003", ["Adults with chronic cough", "Contact the study nurse to take part"], [], []
    )
    assert best_sentences(trial, "what number can I phone the study nurse on?") == []
    # the words that only say which trial ask nothing of it
    assert best_sentences(trial, "the chronic cough study?", context={"chronic", "cough"}) == []


def test_a_criterion_on_a_measure_is_found_by_the_measure_alone() -> None:
    weighed = hand_trial(
        "NCT09000004",
        ["Adults with chronic cough", "Weight of at least 50 kg and no more than 110 kg"],
        [],
        [],
    )
    other = hand_trial("NCT09000005", ["Adults with asthma", "Exercises that improve body awareness"], [], [])
    assert [s.text for s in best_sentences(weighed, "is there a body weight requirement?")] == [
        "Weight of at least 50 kg and no more than 110 kg"
    ]
    assert best_sentences(other, "is there a body weight requirement?") == []


def test_when_a_drug_is_begun_and_halted_is_read_in_the_dosing_text(assistant: Assistant) -> None:
    # NCT05394285 (Zhengzhou): "When platelets were <50*109/L, oral hetrombopag 7.5 mg/day was started.
    # When the platelet count is >100*109/L, the administration is suspended."
    answer = assistant.ask(
        "In the Zhengzhou hetrombopag study, at which platelet level do they begin the drug and at which do "
        "they halt it?"
    )
    assert answer.trials == ["NCT05394285"]
    assert "was started" in answer.answer and "is suspended" in answer.answer
