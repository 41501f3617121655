"""Lab limits that depend on a circumstance ("with / without liver metastases"), umbrella organ
limits ("liver function < 1.5 x ULN"), and "which trials exclude a patient with value V"."""

from __future__ import annotations

import pytest
from fakes import InMemoryTrialReader, hand_trial, seed_trials

from assistant.evaluate import numeric_result
from assistant.matching import check_trial
from assistant.quantities import Quantity
from assistant.query import NumericTest, PatientProfile
from assistant.service import Assistant
from assistant.understand import understand
from index.models import Fact, FactKind, Trial

WITHOUT_METS = "without liver metastases"
WITH_METS = "with liver metastases"


# Written like NCT05394285's exclusion 13: a stricter limit without liver metastases, a looser one with.
SPLIT_EXCLUSION = (
    "Patients without liver metastases, ALT > 3 x ULN; patients with liver metastases, ALT >= 5 x ULN."
)
SPLIT = hand_trial(
    "NCT20000001",
    ["Adults."],
    [SPLIT_EXCLUSION],
    [
        Fact(
            kind=FactKind.ALT_AST,
            source="exclusion",
            quote=SPLIT_EXCLUSION,
            comparator=">",
            value=3,
            unit="ULN",
            qualifier=WITHOUT_METS,
        ),
        Fact(
            kind=FactKind.ALT_AST,
            source="exclusion",
            quote=SPLIT_EXCLUSION,
            comparator=">=",
            value=5,
            unit="ULN",
            qualifier=WITH_METS,
        ),
    ],
)
# Written like NCT06433830's inclusion 8: a general limit and an exception for liver metastases.
EXCEPTION_INCLUSION = "ALT <= 3 x ULN (transaminases should not exceed 5 x ULN if liver metastases)."
EXCEPTION = hand_trial(
    "NCT20000002",
    [EXCEPTION_INCLUSION],
    ["Pregnancy."],
    [
        Fact(
            kind=FactKind.ALT_AST,
            source="inclusion",
            quote=EXCEPTION_INCLUSION,
            comparator="<=",
            value=3,
            unit="ULN",
        ),
        Fact(
            kind=FactKind.ALT_AST,
            source="inclusion",
            quote=EXCEPTION_INCLUSION,
            comparator="<=",
            value=5,
            unit="ULN",
            qualifier=WITH_METS,
        ),
    ],
)
# Written like NCT05236582's inclusion: one limit for the organ's tests as a whole, no lab named.
UMBRELLA = hand_trial(
    "NCT20000003",
    ["Liver and kidney function\\<1.5×upper limit of normal, qualified for examination;"],
    [],
    [],
)


def _alt(value: float, *circumstances: str) -> NumericTest:
    return NumericTest(
        kind=FactKind.ALT_AST,
        mode="accepts",
        value=value,
        unit="ULN",
        label=f"alt/ast {value:g} ULN",
        circumstances=list(circumstances),
    )


@pytest.mark.parametrize(
    ("trial", "circumstances", "expected"),
    [
        # 4 x ULN: excluded without metastases (> 3), allowed with them (< 5); unknown -> not stated.
        (SPLIT, (WITHOUT_METS,), "no match"),
        (SPLIT, (WITH_METS,), "match"),
        (SPLIT, (), "not stated"),
        # The exception replaces the general <= 3 only when the patient has liver metastases.
        (EXCEPTION, (WITHOUT_METS,), "no match"),
        (EXCEPTION, (WITH_METS,), "match"),
        (EXCEPTION, (), "not stated"),
    ],
)
def test_a_limit_that_depends_on_liver_metastases(
    trial: Trial, circumstances: tuple[str, ...], expected: str
) -> None:
    assert numeric_result(trial, _alt(4, *circumstances)).outcome == expected


def test_a_conditional_limit_never_accepts_when_the_condition_is_unknown() -> None:
    result = numeric_result(SPLIT, _alt(4))
    assert "liver metastases" in result.reason
    assert [c.quote for c in result.citations] == [SPLIT_EXCLUSION]
    # A value every population's limit allows is accepted whatever the circumstance: 2 < 3 and < 5.
    assert numeric_result(SPLIT, _alt(2)).outcome == "match"
    assert numeric_result(EXCEPTION, _alt(2)).outcome == "match"


def test_an_umbrella_organ_limit_bounds_its_labs() -> None:
    assert numeric_result(UMBRELLA, _alt(4)).outcome == "no match"  # 4 is not < 1.5
    assert numeric_result(UMBRELLA, _alt(1.2)).outcome == "match"
    creatinine = NumericTest(
        kind=FactKind.CREATININE, mode="accepts", value=2, unit="ULN", label="creatinine 2 ULN"
    )
    assert numeric_result(UMBRELLA, creatinine).outcome == "no match"  # "kidney function" too
    platelets = NumericTest(kind=FactKind.PLATELETS, mode="accepts", value=100, label="platelets 100")
    assert numeric_result(UMBRELLA, platelets).outcome == "not stated"  # no organ covers platelets


def test_patient_matching_uses_the_stated_circumstance() -> None:
    labs = {FactKind.ALT_AST: Quantity(value=4, unit="ULN")}
    without, _ = check_trial(SPLIT, PatientProfile(labs=labs, circumstances=[WITHOUT_METS]))
    unknown, _ = check_trial(SPLIT, PatientProfile(labs=labs))
    assert without.verdict == "excluded"
    assert unknown.verdict == "needs checking"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("A patient without liver metastases has ALT 4 x ULN.", [WITHOUT_METS]),
        ("She has no liver metastases; ALT 4 x ULN", [WITHOUT_METS]),
        ("ALT 4 x ULN in a patient with liver mets", [WITH_METS]),
        ("ALT 4 x ULN", []),
    ],
)
def test_circumstances_are_read_from_the_question(question: str, expected: list[str]) -> None:
    query = understand(f"{question} Which trials accept them?", [], set())
    # A described patient becomes a match question (the profile), otherwise a set question's test.
    read = query.patient.circumstances if query.patient else query.numeric[0].circumstances
    assert read == expected


def test_which_trials_exclude_a_patient_value_lists_the_refusing_trials() -> None:
    trials = [SPLIT, EXCEPTION, UMBRELLA]
    answer = Assistant(InMemoryTrialReader(trials)).ask(
        "A patient without liver metastases has ALT at 4 times the upper limit of normal. "
        "Which trials exclude them?"
    )
    assert answer.trials == ["NCT20000001", "NCT20000002", "NCT20000003"]
    assert "exclude patients with ALT/AST 4 ULN" in answer.answer


# ---- the seed records (case elig-organ-04) ----------------------------------------------------


@pytest.fixture(scope="module")
def seed_assistant() -> Assistant:
    return Assistant(InMemoryTrialReader(seed_trials()))


def test_seed_trials_that_exclude_alt_4_uln_without_liver_metastases(seed_assistant: Assistant) -> None:
    answer = seed_assistant.ask(
        "A patient without liver metastases has ALT at 4 times the upper limit of normal. "
        "Which trials' liver criteria exclude them?"
    )
    # NCT05394285 / NCT07162519 exclude ALT/AST > 3 x ULN without liver metastases; NCT06433830
    # includes only ALT and AST <= 3 x ULN; NCT05236582 includes liver function < 1.5 x ULN.
    # NCT07198672 states no liver limit.
    assert set(answer.trials) == {"NCT05394285", "NCT06433830", "NCT07162519", "NCT05236582"}
    assert "accept" not in answer.answer.split("\n")[0]


def test_seed_trials_never_accept_alt_4_uln_when_metastases_are_unknown(seed_assistant: Assistant) -> None:
    answer = seed_assistant.ask(
        "Which trials accept a patient with ALT at 4 times the upper limit of normal?"
    )
    # Accepted only with liver metastases (limit 5 x ULN) in NCT05394285 / NCT07162519 / NCT06433830:
    # unknown here, so none of them may be listed as accepting.
    assert answer.trials == []


def test_limits_only_for_another_circumstance_are_not_stated() -> None:
    only_with = hand_trial(
        "NCT20000004",
        ["ALT <= 5 x ULN for patients with liver metastases."],
        [],
        [
            Fact(
                kind=FactKind.ALT_AST,
                source="inclusion",
                quote="ALT <= 5 x ULN for patients with liver metastases.",
                comparator="<=",
                value=5,
                unit="ULN",
                qualifier=WITH_METS,
            )
        ],
    )
    result = numeric_result(only_with, _alt(4, WITHOUT_METS))
    assert result.outcome == "not stated"
    assert "without liver metastases" in result.reason
    assert numeric_result(only_with, _alt(4)).outcome == "not stated"  # unknown: never "match"
