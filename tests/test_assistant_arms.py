"""Set questions over arm roles ("an rhTPO control arm") and over the populations a lab limit is set
for ("a separate limit for patients with liver metastases"). Expected trials and quotes were read
by hand from seeds/*.txt: NCT05394285's second arm is "rhTPO" (type OTHER, "Start using rh-TPO
15000 units/day (subcutaneous injection)"); NCT07162519's only arm is EXPERIMENTAL romiplostim;
NCT06433830 and NCT05236582 list no arms."""

from __future__ import annotations

import pytest
from fakes import InMemoryTrialReader, seed_trials

from assistant.attributes import describe_fact
from assistant.evaluate import term_result
from assistant.query import QuestionKind, TermTest
from assistant.service import Assistant
from assistant.understand import understand
from index.models import Arm, Fact, FactKind, Trial

RHTPO_CONTROL = "Which trials have an rhTPO control arm?"
LIVER_METS_LIMIT = (
    "Which trials set a separate, higher liver-enzyme limit for patients with liver metastases?"
)


@pytest.fixture(scope="module")
def assistant() -> Assistant:
    return Assistant(InMemoryTrialReader(seed_trials()))


def _seed(nct_id: str) -> Trial:
    return next(t for t in seed_trials() if t.nct_id == nct_id)


def _hand_trial(arms: list[Arm]) -> Trial:
    text = "\n".join(f"{a.label}\n{a.type}\n{a.description or ''}" for a in arms)
    return Trial(
        nct_id="NCT20000009",
        brief_title="Hand-written trial with arms",
        source_path="hand",
        source_format="ctgov_json",
        text=text,
        arms=arms,
    )


@pytest.mark.parametrize(
    ("question", "term"),
    [
        (RHTPO_CONTROL, "recombinant human thrombopoietin"),
        ("Which trials have a control arm of rhTPO?", "recombinant human thrombopoietin"),
        ("Which trials have a placebo comparator group?", "placebo"),
    ],
)
def test_a_named_control_arm_is_a_set_question_over_arm_roles(question: str, term: str) -> None:
    query = understand(question, [], set())
    assert query.kind == QuestionKind.SET
    assert query.terms == [TermTest(term=term, mode="controls")]


def test_a_control_arm_without_a_drug_stays_a_comparator_question() -> None:
    query = understand("Which trials have a control arm?", [], set())
    assert not any(t.mode == "controls" for t in query.terms)
    assert "comparator" in query.attributes


def test_rhtpo_control_arm_is_found_and_quoted(assistant: Assistant) -> None:
    answer = assistant.ask(RHTPO_CONTROL)
    assert answer.trials == ["NCT05394285"]
    quotes = [c.quote for c in answer.citations if c.nct_id == "NCT05394285"]
    assert "rhTPO" in quotes  # the arm label
    assert any("Start using rh-TPO 15000 units/day (subcutaneous injection)" in q for q in quotes)


def test_a_drug_given_only_in_an_experimental_arm_is_not_a_control(assistant: Assistant) -> None:
    answer = assistant.ask("Which trials have a romiplostim control arm?")
    assert answer.trials == []


def test_a_record_without_arms_does_not_state_its_control() -> None:
    result = term_result(_seed("NCT06433830"), TermTest(term="rhTPO", mode="controls"))
    assert result.outcome == "not stated"


@pytest.mark.parametrize(
    ("arm_type", "outcome"),
    [("PLACEBO_COMPARATOR", "match"), ("EXPERIMENTAL", "no match")],
)
def test_the_arm_type_decides_whether_an_arm_is_a_control(arm_type: str, outcome: str) -> None:
    trial = _hand_trial(
        [
            Arm(label="Study drug", type="EXPERIMENTAL", description="Drug X 10 mg daily."),
            Arm(label="Matching placebo", type=arm_type, description="Placebo tablets once daily."),
        ]
    )
    result = term_result(trial, TermTest(term="placebo", mode="controls"))
    assert result.outcome == outcome
    if outcome == "match":
        assert [c.quote for c in result.citations] == ["Matching placebo", "Placebo tablets once daily."]


def test_a_separate_limit_for_liver_metastases_finds_every_trial_that_sets_one(
    assistant: Assistant,
) -> None:
    answer = assistant.ask(LIVER_METS_LIMIT)
    assert sorted(answer.trials) == ["NCT05394285", "NCT06433830", "NCT07162519"]
    quotes = {c.nct_id: c.quote for c in answer.citations}
    assert "patients with liver metastases, ALT/AST≥5ULN, TBIL≥5ULN" in quotes["NCT05394285"]
    assert "for patients with liver metastases, ALT/AST ≥5×ULN or TBIL ≥5×ULN" in quotes["NCT07162519"]


def test_a_limit_only_for_patients_without_the_condition_does_not_study_it() -> None:
    fact = Fact(
        kind=FactKind.ALT_AST,
        source="exclusion",
        quote="Patients without liver metastases, ALT > 3 x ULN.",
        comparator=">",
        value=3,
        unit="ULN",
        qualifier="without liver metastases",
    )
    trial = _hand_trial([]).model_copy(update={"text": fact.quote, "facts": [fact]})
    result = term_result(trial, TermTest(term="liver metastases", mode="studies"))
    assert result.outcome == "no match"


@pytest.mark.parametrize(
    ("kind", "name"),
    [(FactKind.ALT_AST, "ALT/AST"), (FactKind.CREATININE_CLEARANCE, "creatinine clearance")],
)
def test_fact_descriptions_use_the_shared_display_names(kind: FactKind, name: str) -> None:
    fact = Fact(kind=kind, source="inclusion", quote="q", comparator="<=", value=3, unit="ULN")
    assert describe_fact(fact) == f"{name} <= 3 ULN (inclusion)"


def test_a_placebo_given_in_arms_typed_experimental_is_still_a_placebo_control() -> None:
    # both arms typed Experimental (older records type every arm so); one of them gets a placebo
    arms = [
        Arm(
            label="Arm A", type="EXPERIMENTAL", description="Anastrozole plus matching placebo tablets daily"
        ),
        Arm(label="Arm B", type="EXPERIMENTAL", description="Anastrozole plus celecoxib daily"),
    ]
    trial = _hand_trial(arms).model_copy(
        update={"text": _hand_trial(arms).text + "\nA double-blind, placebo-controlled study."}
    )
    result = term_result(trial, TermTest(term="placebo", mode="controls"))
    assert result.outcome == "match" and "placebo-controlled" in result.citations[0].quote
    active = term_result(trial, TermTest(term="celecoxib", mode="controls"))
    assert active.outcome == "no match"  # a drug in an experimental arm is not a control


def test_an_exclusion_of_a_class_excludes_its_members_but_not_a_siblings_exclusion() -> None:
    from fakes import hand_trial

    by_class = hand_trial("NCT20000031", ["Adults"], ["Ongoing treatment with antiplatelet agents"], [])
    by_sibling = hand_trial("NCT20000032", ["Adults"], ["Current use of clopidogrel"], [])
    assistant = Assistant(InMemoryTrialReader([by_class, by_sibling]))
    answer = assistant.ask("Which trials exclude someone taking a low-dose aspirin daily?")
    assert answer.trials == ["NCT20000031"]
