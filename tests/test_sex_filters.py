"""Which sexes a trial takes, asked every way round: "open to men", "won't take a man", "only
women", answered alike with and without the fact store. Trials and questions written for these tests."""

from __future__ import annotations

import pytest
from fakes import NARROWED_OR_NOT, assistant_over, hand_trial

from assistant.service import Assistant
from index.enrich import enrich
from index.models import Trial


def enrolling(nct_id: str, sex: str) -> Trial:
    trial = hand_trial(nct_id, ["Adults with asthma"], [], [])
    return enrich(trial.model_copy(update={"sex": sex, "text": f"{trial.text}\nSex: {sex}"}))


TRIALS = [
    enrolling("NCT95000001", "FEMALE"),
    enrolling("NCT95000002", "MALE"),
    enrolling("NCT95000003", "ALL"),
]


@pytest.fixture(scope="module", params=NARROWED_OR_NOT)
def assistant(request: pytest.FixtureRequest) -> Assistant:
    return assistant_over(TRIALS, request.param)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Which trials are open to men?", {"NCT95000002", "NCT95000003"}),
        ("Which trials won't take a male patient?", {"NCT95000001"}),
        ("Which studies don't accept women?", {"NCT95000002"}),
        ("Which trials are not open to women?", {"NCT95000002"}),  # not a recruitment status
        ("Which trials only take women?", {"NCT95000001"}),
        ("Which studies only enrol men?", {"NCT95000002"}),
    ],
)
def test_which_sexes_a_trial_takes(assistant: Assistant, question: str, expected: set[str]) -> None:
    answer = assistant.ask(question, "s")
    assert set(answer.trials) == expected, answer.answer
