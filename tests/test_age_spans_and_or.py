"""Ages written as spans ("in her late sixties", "over-80s"), limits asked with a direction ("an upper
age limit of at least 70"), a remark after a set question, and constraints of different kinds joined
by "or". Hand-written trials whose limits are given, so each expected outcome is read off them."""

from __future__ import annotations

import pytest
from fakes import InMemoryTrialReader, hand_trial

from assistant.query import QuestionKind
from assistant.service import Assistant
from assistant.understand import understand
from index.language.words import age_groups
from index.models import Fact, Trial


def _aged(nct_id: str, low: float, high: float | None) -> Trial:
    written = f"Aged {low:g} to {high:g} years" if high is not None else f"Aged {low:g} years or older"
    fact = Fact(kind="age", source="inclusion", quote=written, low=low, high=high, unit="years")
    return hand_trial(nct_id, [written], ["Pregnancy"], [fact])


# 18-65; 18-71 (takes part of "early 70s"); 18-80; 18 and over, no upper limit
TRIALS = [
    _aged("NCT20000001", 18, 65),
    _aged("NCT20000002", 18, 71),
    _aged("NCT20000003", 18, 80),
    _aged("NCT20000004", 18, None),
]


def _ask(question: str) -> tuple[list[str], str]:
    answer = Assistant(InMemoryTrialReader(TRIALS)).ask(question)
    return answer.trials, answer.answer


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("a lady in her early 70s", (70, 73)),
        ("my father, in his late sixties", (66, 69)),
        ("someone in their mid-fifties", (53, 56)),
        ("an octogenarian", (80, 89)),
        ("she's in her 40s", (40, 49)),
    ],
)
def test_ages_written_as_spans(text: str, span: tuple[int, int]) -> None:
    (group,) = age_groups(text)
    assert (group.low, group.high, group.comparator) == (*span, None)


def test_a_decade_alone_may_be_years_not_an_age() -> None:
    assert age_groups("trials started in the 1990s") == []
    assert age_groups("the 80s") == []


def test_over_and_under_groups() -> None:
    assert [(g.low, g.comparator) for g in age_groups("the over-75s and the under 16s")] == [
        (75, ">"),
        (16, "<"),
    ]


def test_a_set_question_on_a_span_takes_only_trials_taking_all_of_it() -> None:
    ids, text = _ask("Which studies would take someone in their early seventies?")
    assert ids == ["NCT20000003", "NCT20000004"]
    # 18-71 takes a 70-year-old but not a 73-year-old: it depends on the exact age
    assert "NCT20000002" in text.split("Not stated")[-1]


def test_a_group_over_an_age() -> None:
    ids, _ = _ask("any trials for the over-75s?")
    assert ids == ["NCT20000003", "NCT20000004"]


def test_a_patient_in_her_late_sixties_is_checked_at_both_ends() -> None:
    answer = Assistant(InMemoryTrialReader(TRIALS)).ask(
        "Woman in her late sixties, ECOG 1, plt 150 - which of these trials could she enter?"
    )
    ages = {v.nct_id: [c.status for c in v.checks if c.criterion == "age"] for v in answer.verdicts}
    assert ages["NCT20000001"] == ["not met"]  # 18-65 takes no one of 66-69
    assert ages["NCT20000002"] == ages["NCT20000003"] == ["met"]


@pytest.mark.parametrize(
    "question",
    [
        "Which trials have an upper age limit of at least 75?",
        "which trials have a max age of 75 or more",
        "Which protocols have a maximum age of 75 years or above?",
    ],
)
def test_an_upper_limit_at_or_beyond_an_age(question: str) -> None:
    ids, _ = _ask(question)
    assert ids == ["NCT20000003", "NCT20000004"]  # 80 and no upper limit


def test_a_remark_about_the_patient_after_a_set_question_is_not_a_term() -> None:
    query = understand(
        "Which trials have an upper age cut-off of 75 or more? My patient is in her early 70s", [], set()
    )
    assert query.kind == QuestionKind.SET
    assert query.terms == []
    ids, text = _ask("Which trials have an upper age cut-off of 75 or more? My patient is in her early 70s")
    assert ids == ["NCT20000003", "NCT20000004"]
    assert "70s" not in text


def _designed(nct_id: str, allocation: str | None, model: str | None, masking: str | None) -> Trial:
    trial = hand_trial(nct_id, ["Adults"], ["Pregnancy"], [])
    # as a record view writes them, so the answer can quote them
    design = f"Allocation: {allocation}\nIntervention Model: {model}\nMasking: {masking}\n"
    return trial.model_copy(
        update={
            "allocation": allocation,
            "intervention_model": model,
            "masking": masking,
            "text": design + trial.text,
        }
    )


DESIGNS = [
    _designed("NCT20000011", "RANDOMIZED", "PARALLEL", "DOUBLE"),
    _designed("NCT20000012", "NA", "SINGLE_GROUP", "NONE"),
    _designed("NCT20000013", "NON_RANDOMIZED", "SEQUENTIAL", "NONE"),
]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Which trials are randomized or one-arm?", ["NCT20000011", "NCT20000012"]),
        ("any studies that are single group or double blind", ["NCT20000011", "NCT20000012"]),
        # alternatives of one field are that field's values, as before
        ("Which trials are randomised or non-randomised?", ["NCT20000011", "NCT20000013"]),
    ],
)
def test_constraints_of_different_kinds_joined_by_or(question: str, expected: list[str]) -> None:
    answer = Assistant(InMemoryTrialReader(DESIGNS)).ask(question)
    assert answer.trials == expected


def test_constraints_joined_by_and_still_all_hold() -> None:
    answer = Assistant(InMemoryTrialReader(DESIGNS)).ask("Which trials are non-randomised and open-label?")
    assert answer.trials == ["NCT20000013"]


def test_a_group_of_people_of_an_age_span_is_taken_by_trials_taking_some_of_them() -> None:
    # 18-65 takes none of 70-79; 18-71 takes some; 18-80 and 18+ take some (and all)
    ids, _ = _ask("Which trials are open to patients in their seventies?")
    assert ids == ["NCT20000002", "NCT20000003", "NCT20000004"]
    ids, _ = _ask("any trials for teenagers?")  # 13-19: every trial takes the 18- and 19-year-olds
    assert ids == ["NCT20000001", "NCT20000002", "NCT20000003", "NCT20000004"]


def test_the_registered_range_is_said_when_an_age_is_allowed(seeds_dir) -> None:  # type: ignore[no-untyped-def]
    from index.memory import read_records

    trials, _ = read_records(seeds_dir, pattern="*.txt")
    answer = Assistant(InMemoryTrialReader(trials)).ask("Which trials take a 40-year-old?")
    # NCT05394285 registers ages 18 to 75 ("18 Years", "75 Years")
    line = next(line for line in answer.answer.splitlines() if "[NCT05394285]" in line and "allows" in line)
    assert "18" in line and "75" in line
