"""Which sexes a trial takes, asked every way round: "open to men", "won't take a man", "only
women", answered alike with and without the fact store. Trials and questions written for these tests."""

from __future__ import annotations

import pytest
from fakes import NARROWED_OR_NOT, assistant_over, hand_trial

from assistant.service import Assistant
from index.conflicts import find_conflicts
from index.enrich import enrich
from index.models import Fact, FactKind, Trial
from index.trial_fields import criteria_sexes


def enrolling(nct_id: str, sex: str) -> Trial:
    trial = hand_trial(nct_id, ["Adults with asthma"], [], [])
    return enrich(trial.model_copy(update={"sex": sex, "text": f"{trial.text}\nSex: {sex}"}))


def by_sex_and_age(nct_id: str) -> Trial:
    """Inclusions for one sex each, at its own age: alternatives that together take both sexes."""
    men, women = "Men aged 50 years or older", "Women aged 60 years or older"
    facts = [
        Fact(kind=FactKind.SEX, source=source, criterion_number=number, quote=quote, term=sex)
        for source, number, quote, sex in [
            ("structured", None, "ALL", "all"),
            ("inclusion", 1, men, "male"),
            ("inclusion", 2, women, "female"),
        ]
    ]
    trial = hand_trial(nct_id, [men, women], [], facts)
    return trial.model_copy(update={"sex": "ALL", "text": f"{trial.text}\nSex: ALL"})


TRIALS = [
    enrolling("NCT95000001", "FEMALE"),
    enrolling("NCT95000002", "MALE"),
    enrolling("NCT95000003", "ALL"),
    by_sex_and_age("NCT95000004"),
]


def test_inclusions_for_each_sex_are_alternatives_not_a_conflict() -> None:
    trial = TRIALS[3]
    assert criteria_sexes(trial) == {"FEMALE", "MALE"}
    assert find_conflicts(trial) == []
    # one sex's inclusion alone still narrows, and against the field is a conflict
    men_only = trial.model_copy(update={"facts": trial.facts[:2]})
    assert criteria_sexes(men_only) == {"MALE"}
    assert len(find_conflicts(men_only)) == 1


@pytest.fixture(scope="module", params=NARROWED_OR_NOT)
def assistant(request: pytest.FixtureRequest) -> Assistant:
    return assistant_over(TRIALS, request.param)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Which trials are open to men?", {"NCT95000002", "NCT95000003", "NCT95000004"}),
        ("Which trials are open to women?", {"NCT95000001", "NCT95000003", "NCT95000004"}),
        ("Which studies won't enrol women at all?", {"NCT95000002"}),
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
