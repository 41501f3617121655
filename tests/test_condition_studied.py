"""Whether a trial is for the patient's condition: its registry conditions against the description.
Descriptions and hand-written trials are written for these tests; the real records are from
../shared/data/ctgov, their conditions and definitions read from the files."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import hand_trial

from assistant.condition_studied import short_forms
from assistant.matching import check_trial, match_patient
from assistant.query import PatientProfile
from assistant.understand import understand
from index.language.abbreviations import defined_abbreviations
from index.memory import read_records
from index.models import Trial

REAL = ("NCT00463567", "NCT00004816", "NCT00006292", "NCT00001928")  # COPD, MS, RA, Parkinson's


@pytest.fixture(scope="module")
def real(ctgov_dir: Path) -> dict[str, Trial]:
    trials, _ = read_records(ctgov_dir / "xml_classic_1000", wanted=set(REAL))
    return {t.nct_id: t for t in trials}


def _patient(description: str, asking: str = "Could this patient enter any trial?") -> PatientProfile:
    patient = understand(f"{description}. {asking}", [], set()).patient
    assert patient is not None, description
    return patient


def _studied(verdict_checks: list) -> tuple[str, str] | None:  # type: ignore[type-arg]
    found = [c for c in verdict_checks if c.criterion == "condition studied"]
    return (found[0].status, found[0].detail or "") if found else None


def _statuses(trials: dict[str, Trial], description: str) -> dict[str, str | None]:
    verdicts = match_patient(trials.values(), _patient(description))
    return {v.nct_id: (s[0] if (s := _studied(v.checks)) else None) for v, _ in verdicts}


def test_records_define_their_shorthand() -> None:
    text = (
        "Adults with idiopathic pulmonary fibrosis (IPF) and a forced vital capacity (FVC) of 50% or more; "
        "men with benign prostatic hyperplasia (BPH)."
    )
    assert defined_abbreviations(text) == {
        "IPF": "idiopathic pulmonary fibrosis",
        "FVC": "forced vital capacity",
        "BPH": "benign prostatic hyperplasia",
    }


def test_a_parenthesis_that_defines_nothing() -> None:
    assert defined_abbreviations("Patients over 18 (inclusive) with a score (VAS) of 4") == {}


def test_a_long_form_is_read_from_the_words_just_before() -> None:
    # Never across another parenthesis; any spaces between words; far into a long text.
    assert defined_abbreviations("cystic (see below)\tfibrosis (CF)") == {}
    assert defined_abbreviations("long text " * 2000 + "acute\u00a0myeloid\nleukaemia (AML), then (AML)") == {
        "AML": "acute myeloid leukaemia"
    }


def test_shorthand_is_a_token_capitalised_past_its_first_letter() -> None:
    patient = _patient("Woman of 40 with SLE and pT1 disease. Otherwise well")
    assert short_forms(patient) == ("SLE", "pT1")  # not "Woman", "Otherwise", nor the question's "Could"


def test_a_real_record_defines_its_disease(real: dict[str, Trial]) -> None:
    assert real["NCT00463567"].abbreviations["COPD"] == "Chronic Obstructive Pulmonary Disease"
    assert real["NCT00004816"].abbreviations["MS"] == "multiple sclerosis"


def test_the_patients_disease_in_shorthand_meets_the_trial_for_it(real: dict[str, Trial]) -> None:
    statuses = _statuses(
        real, "66 yo man, long-standing COPD, FEV1 around 40% predicted, quit smoking in 2015"
    )
    assert statuses["NCT00463567"] == "met"
    # a trial for another disease is not for him: his description names COPD, not theirs
    assert statuses["NCT00006292"] == "not met"
    assert statuses["NCT00001928"] == "not met"


def test_a_different_patient_in_plain_words(real: dict[str, Trial]) -> None:
    statuses = _statuses(real, "my sister is 44 and has had relapsing MS for about six years")
    assert statuses["NCT00004816"] == "met"
    assert statuses["NCT00463567"] == "not met"


def test_history_alone_is_not_a_diagnosis(real: dict[str, Trial]) -> None:
    # an old heart attack says nothing of which disease the patient would be enrolled for
    statuses = _statuses(real, "57M, had an MI about 8 months ago, ECOG 0")
    assert set(statuses.values()) == {"unknown"}


def test_a_denied_disease_is_not_met() -> None:
    trial = hand_trial("NCT93100004", ["NYHA class II-III"], [], []).model_copy(
        update={"conditions": ["Congestive Heart Failure"]}
    )
    verdict, _ = check_trial(
        trial, _patient("70F, heart is fine - no heart failure, no diabetes, walks daily")
    )
    assert _studied(verdict.checks)[0] == "not met"  # type: ignore[index]


def test_a_trial_for_low_platelets_meets_a_count_that_is_low() -> None:
    trial = hand_trial("NCT93100001", ["Adults with platelets under 75 x10^9/L"], [], []).model_copy(
        update={"conditions": ["Thrombocytopenia"]}
    )
    verdict, _ = check_trial(trial, _patient("59M small cell lung cancer, plt 38 after cycle 3"))
    assert _studied(verdict.checks) is not None
    assert _studied(verdict.checks)[0] == "met"  # type: ignore[index]
    verdict, _ = check_trial(trial, _patient("59M small cell lung cancer, plt 180 after cycle 3"))
    assert _studied(verdict.checks)[0] == "not met"  # type: ignore[index]


def test_a_trial_for_healthy_people() -> None:
    trial = hand_trial("NCT93100002", ["Generally healthy adults aged 18 to 45"], [], []).model_copy(
        update={"conditions": ["Influenza"], "healthy_volunteers": True}
    )
    verdict, _ = check_trial(trial, _patient("31F with poorly controlled type 1 diabetes"))
    assert verdict.verdict == "excluded"
    assert "healthy" in (_studied(verdict.checks) or ("", ""))[1]
    verdict, _ = check_trial(trial, _patient("29 year old woman, takes no medicines"))
    assert _studied(verdict.checks) == (
        "unknown",
        "the trial takes healthy people: confirm the patient has no illness",
    )


def test_a_trial_flagged_for_healthy_volunteers_whose_inclusion_asks_for_its_condition() -> None:
    trial = hand_trial(
        "NCT93100004", ["Adults 18 to 60", "Neck pain present for at least 3 months"], [], []
    ).model_copy(update={"conditions": ["Chronic Neck Pain"], "healthy_volunteers": True})
    well = "healthy 40 year old woman, no medical history, takes no medicines"
    verdict, _ = check_trial(trial, _patient(well))
    assert verdict.verdict == "excluded"
    status, detail = _studied(verdict.checks) or ("", "")
    assert status == "not met" and "Chronic Neck Pain" in detail
    # a patient with the condition meets it; one who says nothing of her health is not turned away
    assert _studied(check_trial(trial, _patient("44F with chronic neck pain"))[0].checks) == (
        "met",
        "the trial studies Chronic Neck Pain; the patient has it",
    )
    assert check_trial(trial, _patient("40 year old woman"))[0].verdict != "excluded"


def test_a_trial_for_shingles_is_not_a_well_persons() -> None:
    trial = hand_trial("NCT93100005", ["Adults with a zoster rash"], [], []).model_copy(
        update={"conditions": ["Herpes Zoster"]}
    )
    verdict, _ = check_trial(trial, _patient("healthy 52M, no past medical history"))
    assert (_studied(verdict.checks) or ("",))[0] == "not met"


def test_drug_names_among_conditions_are_not_diseases() -> None:
    trial = hand_trial("NCT93100003", ["Adults"], [], []).model_copy(update={"conditions": ["Ropinirole"]})
    verdict, _ = check_trial(trial, _patient("63M with gout"))
    assert _studied(verdict.checks) is None


# Registry conditions named by a head word of their own (no -itis, -osis...), from the real records:
# obstructive sleep apnea, pre-eclampsia, insomnia with fibromyalgia, amblyopia with strabismus.
HEAD_WORDS = ("NCT02438137", "NCT02699827", "NCT00000397", "NCT00001864")


@pytest.fixture(scope="module")
def head_words(ctgov_dir: Path) -> dict[str, Trial]:
    trials, _ = read_records(ctgov_dir, pattern="*", wanted=set(HEAD_WORDS))
    return {t.nct_id: t for t in trials}


@pytest.mark.parametrize(
    ("description", "nct_id"),
    [
        (
            "52-year-old man, BMI 36, snores, diagnosed with obstructive sleep apnoea last spring",
            "NCT02438137",
        ),
        ("28-year-old, 31 weeks pregnant, new-onset pre-eclampsia, BP 158/102", "NCT02699827"),
        ("48F with long-standing fibromyalgia and poor sleep (insomnia)", "NCT00000397"),
        ("Boy aged 6 with amblyopia of the left eye", "NCT00001864"),
    ],
)
def test_a_condition_named_by_its_head_word_is_the_trials(
    head_words: dict[str, Trial], description: str, nct_id: str
) -> None:
    statuses = _statuses(head_words, description)
    assert statuses[nct_id] == "met", statuses
    assert "met" not in {s for other, s in statuses.items() if other != nct_id}, statuses


def test_british_spellings_meet_the_records_american_ones() -> None:
    from index.language.words import stems

    british = ["haemorrhage", "oesophageal", "apnoea", "paediatric", "coeliac", "leukaemia", "oestrogen"]
    american = ["hemorrhage", "esophageal", "apnea", "pediatric", "celiac", "leukemia", "estrogen"]
    assert [stems([b]) for b in british] == [stems([a]) for a in american]


def _her(description: str) -> PatientProfile:
    return _patient(description, "Which trials could she join?")


def test_obstetric_shorthand_says_the_patient_is_pregnant(head_words: dict[str, Trial]) -> None:
    patient = _her("G3P2, 33 weeks pregnant, BP 162/104, proteinuria: eclampsia feared")
    assert {"pregnancy", "pre-eclampsia"} <= {c.name for c in patient.concepts if c.present}
    verdicts = match_patient(head_words.values(), _her("G3P2 at 33 wks gestation with preeclampsia"))
    studied = {v.nct_id: _studied(v.checks) for v, _ in verdicts}
    assert studied["NCT02699827"] is not None and studied["NCT02699827"][0] == "met"
    tumour = _her("Grade G1 neuroendocrine tumour of the pancreas, ECOG 0")  # a grade, not a gravida
    assert "pregnancy" not in {c.name for c in tumour.concepts}


def test_a_failing_heart_in_a_clinicians_words_is_heart_disease(ctgov_dir: Path) -> None:
    # NCT00000609 lists "Heart Diseases" and "Heart Failure" among its conditions
    trials, _ = read_records(ctgov_dir, pattern="*", wanted={"NCT00000609"})
    real = {t.nct_id: t for t in trials}
    for description in (
        "64-year-old man with dilated cardiomyopathy, EF 25%, on carvedilol",
        "58F, NYHA class III, EF 30% on her last echo, on furosemide",
    ):
        assert _statuses(real, description)["NCT00000609"] == "met", description
    # a class from I is what many trials ask of any heart: no heart failure is said
    patient = _patient("70M, NYHA I, hip replacement planned")
    assert "heart failure" not in {c.name for c in patient.concepts}


def test_a_relatives_disease_is_not_the_patients() -> None:
    trial = hand_trial("NCT93100005", ["Women with breast cancer"], [], []).model_copy(
        update={"conditions": ["Breast Cancer"]}
    )
    patient = _her("52F, major depression; her mother had breast cancer at 60, FHx of MI")
    assert {"breast cancer", "myocardial infarction"}.isdisjoint({c.name for c in patient.concepts})
    verdict, _ = check_trial(trial, patient)
    assert _studied(verdict.checks) is not None and _studied(verdict.checks)[0] == "not met"  # type: ignore[index]
    # the patient named again after the relative: her own
    own = _her("55F; her daughter says she has had breast cancer since 2019")
    assert "breast cancer" in {c.name for c in own.concepts if c.present}
    # the writer's relative is the patient described
    mine = _her("my mum is 79 and has had type 2 diabetes for years")
    assert "type 2 diabetes" in {c.name for c in mine.concepts if c.present}


def test_a_denial_goes_on_through_a_list_of_alternatives() -> None:
    trial = hand_trial("NCT93100006", ["Adults with chronic kidney disease"], [], []).model_copy(
        update={"conditions": ["Kidney Disease"]}
    )
    denied, _ = check_trial(trial, _her("44F, major depression; no lung, kidney or liver problems"))
    assert _studied(denied.checks)[0] == "not met"  # type: ignore[index]
    has, _ = check_trial(trial, _her("44F, major depression and kidney disease"))
    assert _studied(has.checks)[0] == "met"  # type: ignore[index]
