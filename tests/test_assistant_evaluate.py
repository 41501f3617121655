"""Fact evaluation on small hand-written trials: direction, units, negation, conditional limits."""

from __future__ import annotations

from fakes import InMemoryTrialReader, hand_trial

from assistant.evaluate import numeric_result, term_result
from assistant.matching import check_trial
from assistant.quantities import Quantity
from assistant.query import NumericTest, PatientProfile, TermTest
from assistant.service import Assistant
from index.models import Fact, FactKind, Trial

INCLUSION = [
    "Negative for HIV by ELISA.",
    "Hemoglobin >= 9 g/dL.",
    "ECOG performance status 0-1.",
]
EXCLUSION = [
    "Known brain metastases.",
    "ALT > 5 x ULN in patients with liver metastases.",
]


def _trial(
    nct_id: str, facts: list[Fact], inclusion: list[str] = INCLUSION, exclusion: list[str] = EXCLUSION
) -> Trial:
    return hand_trial(nct_id, inclusion, exclusion, facts)


HB = Fact(
    kind=FactKind.HEMOGLOBIN,
    source="inclusion",
    quote="Hemoglobin >= 9 g/dL.",
    comparator=">=",
    value=90,
    unit="g/L",
)
ECOG = Fact(kind=FactKind.ECOG, source="inclusion", quote="ECOG performance status 0-1.", low=0, high=1)
ALT = Fact(
    kind=FactKind.ALT_AST,
    source="exclusion",
    quote="ALT > 5 x ULN in patients with liver metastases.",
    comparator=">",
    value=5,
    unit="ULN",
    qualifier="with liver metastases",
)
TRIAL = _trial("NCT10000001", [HB, ECOG, ALT])


def test_a_mention_of_absence_is_not_a_requirement() -> None:
    result = term_result(TRIAL, TermTest(term="HIV", mode="requires"))
    assert result.outcome == "no match"
    assert result.citations[0].quote == "Negative for HIV by ELISA."


def test_exclusion_mention_matches_excludes() -> None:
    result = term_result(TRIAL, TermTest(term="brain metastasis", mode="excludes"))
    assert (result.outcome, result.citations[0].quote) == ("match", "Known brain metastases.")
    assert term_result(TRIAL, TermTest(term="hepatitis B", mode="excludes")).outcome == "not stated"


def test_patient_units_are_converted_before_comparing() -> None:
    # 8.5 g/dL = 85 g/L, below the 90 g/L the criterion requires; 9.5 g/dL = 95 g/L meets it.
    low = numeric_result(
        TRIAL, NumericTest(kind=FactKind.HEMOGLOBIN, mode="accepts", value=85, unit="g/L", label="hb 85")
    )
    high = numeric_result(
        TRIAL, NumericTest(kind=FactKind.HEMOGLOBIN, mode="accepts", value=95, unit="g/L", label="hb 95")
    )
    assert (low.outcome, high.outcome) == ("no match", "match")


def test_requires_direction_for_a_lower_bound() -> None:
    asked = NumericTest(
        kind=FactKind.HEMOGLOBIN, mode="requires", comparator=">=", value=80, unit="g/L", label="hb >= 80"
    )
    stricter = NumericTest(
        kind=FactKind.HEMOGLOBIN, mode="requires", comparator=">=", value=100, unit="g/L", label="hb >= 100"
    )
    assert numeric_result(TRIAL, asked).outcome == "match"  # >= 90 implies >= 80
    assert numeric_result(TRIAL, stricter).outcome == "no match"  # >= 90 does not imply >= 100


def test_conditional_limit_is_unknown_not_excluded() -> None:
    patient = PatientProfile(ecog=1, labs={FactKind.ALT_AST: Quantity(value=6, unit="ULN")})
    verdict, _ = check_trial(TRIAL, patient)
    alt = next(c for c in verdict.checks if c.criterion == "ALT/AST")
    assert alt.status == "unknown"  # only applies "in patients with liver metastases"
    assert verdict.verdict == "needs checking"


def test_set_question_over_hand_written_trials() -> None:
    other = _trial(
        "NCT10000002",
        [Fact(kind=FactKind.ECOG, source="exclusion", quote="ECOG >= 3.", low=0, high=2)],
        inclusion=["Adults."],
        exclusion=["ECOG >= 3."],
    )
    silent = _trial("NCT10000003", [], inclusion=["Adults."], exclusion=["Pregnancy."])
    answer = Assistant(InMemoryTrialReader([TRIAL, other, silent])).ask("Which trials accept ECOG 2?")
    # An exclusion of ECOG >= 3 accepts ECOG 2; "ECOG 0-1" does not; no ECOG criterion is "not stated".
    assert answer.trials == ["NCT10000002"]
    assert "Not stated in the record (1):** NCT10000003" in answer.answer


def test_term_matching_variants() -> None:
    from assistant.terms import mentions_affirmed
    from index.language.mentions import mentions

    assert mentions("Brain tumors or brain metastases;", "brain metastasis")  # plural/singular
    assert mentions("Tumor tissue confirmed as HER2-positive", "HER2+")  # written differently
    assert mentions("recombinant human thrombopoietin (rhTPO)", "rhTPO")
    # a long term in other words and order
    assert mentions(
        "Trial of Concurrent Chemoradiotherapy-induced Thrombocytopenia",
        "thrombocytopenia caused by concurrent chemoradiotherapy",
    )
    # one vocabulary word does not stand for a longer, more specific phrase
    assert not mentions(
        "Stop radiotherapy or chemotherapy for more than 1 month", "platinum-containing chemotherapy regimen"
    )
    assert not mentions_affirmed("Negative HIV p24 antigen test.", "HIV")
    assert mentions_affirmed("HIV antibody positivity.", "HIV")


def test_people_beyond_an_age_are_taken_when_the_age_range_reaches_past_it() -> None:
    children = _trial(
        "NCT10000011",
        [Fact(kind=FactKind.AGE, source="inclusion", quote="Aged 1 to 16 years.", low=1, high=16)],
        inclusion=["Aged 1 to 16 years."],
    )
    adults = _trial(
        "NCT10000012",
        [
            Fact(
                kind=FactKind.AGE,
                source="inclusion",
                quote="Age 18 years or older.",
                comparator=">=",
                value=18,
            )
        ],
        inclusion=["Age 18 years or older."],
    )
    under_18 = NumericTest(
        kind=FactKind.AGE, mode="accepts", value=18, comparator="<", unit="years", label=""
    )
    over_16 = NumericTest(kind=FactKind.AGE, mode="accepts", value=16, comparator=">", unit="years", label="")
    # a 1-16 range holds ages under 18 though not 17; "18 or older" holds none under 18
    assert numeric_result(children, under_18).outcome == "match"
    assert numeric_result(adults, under_18).outcome == "no match"
    assert numeric_result(children, over_16).outcome == "no match"
    assert numeric_result(adults, over_16).outcome == "match"


def test_a_value_without_a_unit_is_no_multiple_of_the_upper_limit_of_normal() -> None:
    ast_limit = Fact(
        kind=FactKind.ALT_AST,
        source="inclusion",
        quote="AST/ALT no more than 2.5 x ULN",
        comparator="<=",
        value=2.5,
        unit="ULN",
    )
    trial = _trial("NCT10000009", [ast_limit], inclusion=["AST/ALT no more than 2.5 x ULN"])
    # "AST 34" is in U/L: neither within 2.5 x ULN nor beyond it until the lab's ULN is known
    bare = check_trial(trial, PatientProfile(labs={FactKind.ALT_AST: Quantity(value=34, unit=None)}))[0]
    assert [(c.status, c.detail) for c in bare.checks if c.criterion == "ALT/AST"] == [
        ("unknown", "cannot compare ALT/AST 34 with the record's limit: confirm against it")
    ]
    ratio = check_trial(trial, PatientProfile(labs={FactKind.ALT_AST: Quantity(value=3, unit="ULN")}))[0]
    assert ratio.verdict == "excluded"
