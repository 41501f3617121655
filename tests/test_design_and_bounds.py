"""A design the title states when the registry fields are absent, a bound that is missing answered
by the other, "has no X" as the complement of "has X", and plural patient words ("diabetics").
Records and questions are written for these tests."""

from __future__ import annotations

from fakes import InMemoryTrialReader

from assistant.service import Assistant
from index.enrich import enrich
from index.models import Trial


def _trial(nct_id: str, title: str, criteria: str, min_age: str | None, max_age: str | None) -> Trial:
    ages = "".join(
        f"\n{label} Age: {value}" for label, value in (("Minimum", min_age), ("Maximum", max_age)) if value
    )
    return enrich(
        Trial(
            nct_id=nct_id,
            brief_title=title,
            official_title=title,
            min_age=min_age,
            max_age=max_age,
            criteria_text=criteria,
            source_path="hand",
            source_format="ctgov_json",
            text=f"{title}{ages}\n{criteria}",
        )
    )


OPEN_ONE_ARM = _trial(
    "NCT92100001",
    "Eltrombopag After Radiotherapy: an Open, One-arm Pilot Study",
    "Inclusion Criteria:\n1. Adults with solid tumours\nExclusion Criteria:\n1. Insulin-treated diabetes",
    "18 Years",
    None,
)
RANDOMISED = _trial(
    "NCT92100002",
    "A Randomised, Placebo-controlled Study of Avatrombopag in Lymphoma",
    "Inclusion Criteria:\n1. Lymphoma\nExclusion Criteria:\n1. Atrial fibrillation\n"
    "2. Uncontrolled hypertension",
    "18 Years",
    "80 Years",
)


def _ask(*questions: str) -> list[dict]:  # type: ignore[type-arg]
    assistant = Assistant(InMemoryTrialReader([OPEN_ONE_ARM, RANDOMISED]))
    return [assistant.ask(q, session_id="s").model_dump() for q in questions]


def test_a_title_states_the_design_the_registry_fields_leave_out() -> None:
    answer = _ask("Which of these studies have only one arm?")[-1]
    assert answer["trials"] == ["NCT92100001"]
    assert any(c["section"] == "Title" and "One-arm" in c["quote"] for c in answer["citations"])


def test_has_no_limit_is_the_complement_of_has_a_limit() -> None:
    assert _ask("Which trials have no upper age limit?")[-1]["trials"] == ["NCT92100001"]
    assert _ask("Which trials set an upper age limit?")[-1]["trials"] == ["NCT92100002"]


def test_a_missing_maximum_for_a_described_trial_is_answered_by_the_minimum() -> None:
    answers = _ask(
        "What is the age range of NCT92100002?", "and the eltrombopag one - is there any upper age limit?"
    )
    assert answers[-1]["trials"] == ["NCT92100001"] and not answers[-1]["abstained"]
    assert "18" in answers[-1]["answer"]


def test_patients_named_by_their_condition() -> None:
    answers = _ask("which trials exclude a-fib?", "and which exclude diabetics?")
    assert answers[0]["trials"] == ["NCT92100002"]
    assert answers[1]["trials"] == ["NCT92100001"]


def test_a_response_rate_asks_what_the_trial_found_not_its_entry_limit() -> None:
    answer = _ask("What were the platelet response rates in NCT92100001?")[-1]
    assert "results" in answer["answer"].lower() and "threshold" not in answer["answer"].lower()


def test_the_ones_that_dont_turn_the_previous_set_round() -> None:
    answers = _ask("Which trials exclude atrial fibrillation?", "and the ones that don't?")
    assert answers[0]["trials"] == ["NCT92100002"]
    assert answers[1]["trials"] == ["NCT92100001"]
