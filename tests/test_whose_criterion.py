"""Whose fact is it: the patient's age, not the age at an event; how a drug is given is not what a
patient has; a result written after the test ("HIV negative") denies it; criteria about a donor say
nothing of the patient. Descriptions and hand-written criteria are written for these tests; the real
records are from ../shared/data/ctgov, the expected values read from the files."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import InMemoryTrialReader, hand_trial

from assistant.service import Assistant
from assistant.understand import understand
from index.memory import read_records
from index.models import FactKind, Trial


def _profile(description: str):  # type: ignore[no-untyped-def]
    patient = understand(f"{description} Which trials could she join?", [], set()).patient
    assert patient is not None
    return patient


def _verdicts(question: str, *trials: Trial) -> dict[str, str]:
    answer = Assistant(InMemoryTrialReader(list(trials))).ask(question)
    return {v.nct_id: v.verdict for v in answer.verdicts}


@pytest.mark.parametrize(
    ("description", "age"),
    [
        ("58 yo woman, menopause at age 51, ER+ breast cancer.", 58),
        ("Woman of 47, diagnosed at age 39 with RA, now on methotrexate.", 47),
        ("71-year-old lady, asthma since age 6.", 71),
        ("Patient aged 66, smoker.", 66),
    ],
)
def test_the_age_at_an_event_is_not_the_patients(description: str, age: int) -> None:
    assert _profile(description).age == age


def test_a_route_is_not_something_the_patient_has() -> None:
    names = {c.name for c in _profile("44F, swallows tablets without trouble, on IV iron monthly.").concepts}
    assert "oral" not in names and "intravenous" not in names


SWALLOW_TRIAL = hand_trial(
    "NCT93300001",
    ["Adults with type 2 diabetes"],
    ["Unable to swallow capsules", "Known allergy to metformin"],
    [],
).model_copy(update={"conditions": ["Type 2 Diabetes"]})


def test_taking_pills_is_not_an_inability_to_take_them() -> None:
    verdicts = _verdicts(
        "63F with type 2 diabetes, takes her pills fine, no allergies. Eligible?", SWALLOW_TRIAL
    )
    assert verdicts["NCT93300001"] != "excluded"


def test_being_unable_to_swallow_tablets_excludes() -> None:
    verdicts = _verdicts(
        "63F with type 2 diabetes, cannot swallow tablets since her stroke. Eligible?", SWALLOW_TRIAL
    )
    assert verdicts["NCT93300001"] == "excluded"


NEGATIVE_RESULT_TRIAL = hand_trial(
    "NCT93300002",
    ["Metastatic renal cell carcinoma", "Hepatitis C antibody negative."],
    [],
    [],
).model_copy(update={"conditions": ["Renal Cell Carcinoma"]})


def test_a_result_written_after_the_test_asks_for_its_absence() -> None:
    without = _verdicts("59F metastatic RCC, HCV negative. Any trial?", NEGATIVE_RESULT_TRIAL)
    with_it = _verdicts("59F metastatic RCC, chronic hep C on treatment. Any trial?", NEGATIVE_RESULT_TRIAL)
    assert without["NCT93300002"] != "excluded"
    assert with_it["NCT93300002"] == "excluded"


@pytest.fixture(scope="module")
def donor_trials(ctgov_dir: Path) -> dict[str, Trial]:
    # NCT00003553: "EXCLUSION CRITERIA - DONOR: ... Donor HIV or HBsAg positive."; NCT00005851:
    # "DONOR: Age less than 12 years" among the patient's exclusions
    trials, _ = read_records(ctgov_dir / "xml_classic_1000", wanted={"NCT00003553", "NCT00005851"})
    return {t.nct_id: t for t in trials}


def test_criteria_under_a_donor_heading_are_the_donors(donor_trials: dict[str, Trial]) -> None:
    trial = donor_trials["NCT00003553"]
    about = {c.text.strip(): c.about for c in trial.exclusion}
    assert about["Donor HIV or HBsAg positive."] == "donor"
    assert about["Donor pregnant or lactating."] == "donor"
    assert about["HIV positive."] is None  # the patient's own, under "EXCLUSION CRITERIA ... - PATIENT:"
    hepatitis = [f for f in trial.facts_of(FactKind.CONDITION) if f.term == "hepatitis B"]
    assert hepatitis == []  # only the donor's HBsAg excludes


def test_a_criterion_led_by_donor_is_the_donors(donor_trials: dict[str, Trial]) -> None:
    trial = donor_trials["NCT00005851"]
    donor_age = next(c for c in trial.exclusion if "Age less than 12" in c.text)
    assert donor_age.about == "donor"
    assert not [f for f in trial.facts_of(FactKind.AGE) if "less than 12" in f.quote]


def test_a_patient_with_what_only_the_donor_must_not_have(donor_trials: dict[str, Trial]) -> None:
    question = (
        "61M metastatic renal cell carcinoma, ECOG 1, HIV negative, chronic hepatitis B on tenofovir,"
        " HLA-matched brother. Could he enter NCT00003553?"
    )
    answer = Assistant(InMemoryTrialReader([donor_trials["NCT00003553"]])).ask(question)
    checks = [c for v in answer.verdicts for c in v.checks]
    assert not [c for c in checks if c.criterion == "hepatitis B" and c.status == "not met"]
    assert not [c for c in checks if c.criterion == "HIV" and c.status == "not met"]


STUDY_DRUG_TRIAL = hand_trial(
    "NCT93300003",
    [
        "Adults with advanced non-small cell lung cancer",
        "Progressive disease despite >= 1 prior chemotherapy regimen",
    ],
    [
        "Prior treatment with a PARP inhibitor for the treatment of cancer",
        "Regular use of non-steroidal analgesics",
    ],
    [],
).model_copy(update={"conditions": ["Non-Small Cell Lung Cancer"]})


def test_a_treatment_counted_before_entry_is_not_asked_for_now() -> None:
    # chemotherapy finished weeks ago meets "despite >= 1 prior regimen"; "for the treatment of cancer"
    # says what the PARP inhibitor was for, not that cancer excludes; "non-steroidal" is no negation
    verdicts = _verdicts(
        "66M NSCLC, progressed after carboplatin/pemetrexed, last cycle 7 weeks ago, takes no painkillers."
        " Trials?",
        STUDY_DRUG_TRIAL,
    )
    assert verdicts["NCT93300003"] != "excluded"


ALLOWANCE_TRIAL = hand_trial(
    "NCT93300004",
    ["Children with acute lymphoblastic leukaemia"],
    ["Grade 3 or 4 allergy to asparaginase (grade 1 to 2 reactions will be allowed)"],
    [],
).model_copy(update={"conditions": ["Acute Lymphoblastic Leukemia"]})


def test_an_exclusion_that_lets_some_through_is_to_be_confirmed() -> None:
    verdicts = _verdicts(
        "8 yo boy with ALL, mild allergic reaction to asparaginase last year. Trials?", ALLOWANCE_TRIAL
    )
    assert verdicts["NCT93300004"] == "needs checking"


SICKLE_TRIAL = hand_trial(
    "NCT93300005", ["Sickle cell anaemia with recurrent pain crises"], [], []
).model_copy(update={"conditions": ["Anemia, Sickle Cell"]})
VACCINE_TRIAL = hand_trial("NCT93300006", ["Girls aged 9 to 14 years"], [], []).model_copy(
    update={"conditions": ["Papillomavirus Infections"], "healthy_volunteers": True}
)


def test_the_shorthand_for_sickle_cell_disease_is_the_disease() -> None:
    verdicts = _verdicts("11 yo girl with HbSS, 4 crises this year. Any trial?", SICKLE_TRIAL)
    assert verdicts["NCT93300005"] != "excluded"


def test_a_healthy_child_is_not_offered_a_trial_for_a_disease() -> None:
    verdicts = _verdicts(
        "12 year old girl, healthy, no medicines. Anything she could join?", SICKLE_TRIAL, VACCINE_TRIAL
    )
    assert verdicts["NCT93300005"] == "excluded"
    assert verdicts["NCT93300006"] != "excluded"


def test_a_rating_scale_spelt_out_is_no_diagnosis() -> None:
    from index.language.words import names_a_measure

    assert names_a_measure("Montgomery-Asberg Depression Rating Scale")
    assert names_a_measure("Response Evaluation Criteria in Solid Tumours")
    assert not names_a_measure("chronic obstructive pulmonary disease")


@pytest.mark.parametrize(
    "question",
    [
        "He takes naproxen every day for his hip. Which trials would that rule out?",
        "She is on daily naproxen for arthritis - which studies would it exclude?",
    ],
)
def test_that_rules_out_takes_what_was_said_of_the_patient(question: str) -> None:
    query = understand(question, [], set())
    names = {t.term for t in query.terms} | {a for t in query.terms for a in t.alternatives}
    assert query.terms and query.terms[0].mode == "excludes"
    assert "naproxen" in {n.lower() for n in names} or "nonsteroidal anti-inflammatory drug" in names


@pytest.mark.parametrize(
    ("description", "absent", "present"),
    [
        (
            "HBV, HCV, HDV, RPR all came back neg",
            {"hepatitis B", "hepatitis C", "hepatitis D", "syphilis"},
            set(),
        ),
        ("serology: HIV, HBsAg, HCV non-reactive", {"HIV", "hepatitis B", "hepatitis C"}, set()),
        ("HCV pos, HIV, HBV neg", {"HIV", "hepatitis B"}, {"hepatitis C"}),
        ("diabetes, HIV neg", {"HIV"}, {"diabetes"}),  # a result after a test is not the diabetes'
    ],
)
def test_a_result_after_a_list_of_tests_is_each_ones(
    description: str, absent: set[str], present: set[str]
) -> None:
    from assistant.vignette import read_concepts

    states = {c.name: c.present for c in read_concepts(description)}
    assert {n for n in absent if states.get(n) is False} == absent
    assert {n for n in present if states.get(n) is True} == present


@pytest.mark.parametrize(
    "question",
    [
        "Which studies won't accept a patient aged 80?",
        "which trials would not take someone who is 80 years old",
    ],
)
def test_a_refusal_asks_for_the_trials_that_refuse(question: str) -> None:
    query = understand(question, [], set())
    assert query.wants_excluded and query.numeric and query.numeric[0].value == 80


def test_a_quote_from_a_list_the_view_joined_is_the_records_own_item(ctgov_dir: Path) -> None:
    # NCT00002548's arms list several <intervention_name>s, which the record text view joins with
    # "; "; the record itself never writes them on one line
    from assistant.evidence import find_quote

    trials, _ = read_records(ctgov_dir / "xml_classic_1000", wanted={"NCT00002548"})
    quote = find_quote(trials[0], ["peripheral blood stem cell transplantation"])
    raw = (ctgov_dir / "xml_classic_1000" / "NCT00002548.xml").read_text(encoding="utf-8")
    assert quote is not None and "; " not in quote
    assert quote.lower() in raw.lower()


@pytest.mark.parametrize(
    ("description", "kind", "value"),
    [
        ("70M, Hb now 8.4 g/dL after two transfusions.", FactKind.HEMOGLOBIN, 84),  # kept in g/L
        ("55F, her creatinine is sitting right at 1.4 mg/dL.", FactKind.CREATININE, 1.4),
        ("61M, platelets still 35 x10^9/L despite stopping the drug.", FactKind.PLATELETS, 35),
    ],
)
def test_a_word_of_when_between_the_lab_and_its_value(description: str, kind: FactKind, value: float) -> None:
    quantity = _profile(description).labs.get(kind)
    assert quantity is not None and quantity.value == value


RADIATION_INDUCED = hand_trial("NCT93300007", ["Adults with radiation-induced proctitis"], [], []).model_copy(
    update={"conditions": ["Radiation-induced Proctitis"]}
)


def test_a_hyphenated_registry_condition_is_met_in_the_descriptions_own_words() -> None:
    verdicts = _verdicts(
        "67M, proctitis since his prostate radiation last year, bleeding weekly. Any trial?",
        RADIATION_INDUCED,
    )
    assert verdicts["NCT93300007"] != "excluded"


LOW_PLATELET_TRIAL = hand_trial(
    "NCT93300008",
    ["Patients with solid tumours and chemotherapy-induced thrombocytopenia"],
    [],
    [],
).model_copy(update={"conditions": ["Chemotherapy-induced Thrombocytopenia"]})


@pytest.mark.parametrize(
    ("description", "excluded"),
    [
        ("49F ovarian ca on carboplatin, blood counts all normal. Options?", True),
        ("49F ovarian ca on carboplatin, plt 230 x10^9/L. Options?", True),
        ("49F ovarian ca on carboplatin, plt 48 after cycle 3. Options?", False),
    ],
)
def test_a_normal_count_says_the_patient_lacks_what_a_low_one_is_called(
    description: str, excluded: bool
) -> None:
    verdicts = _verdicts(description, LOW_PLATELET_TRIAL)
    assert (verdicts["NCT93300008"] == "excluded") == excluded


NEVER_SMOKED_TRIAL = hand_trial("NCT93300009", ["Lifelong non-smokers aged 40 to 70"], [], [])
TOBACCO_TRIAL = hand_trial("NCT93300010", ["Adults aged 40 to 70"], ["Current tobacco use"], [])
SILENT_TRIAL = hand_trial("NCT93300011", ["Adults aged 40 to 70"], ["Pregnancy"], [])


def test_wont_take_asks_which_trials_exclude_and_silence_refuses_no_one() -> None:
    answer = Assistant(InMemoryTrialReader([NEVER_SMOKED_TRIAL, TOBACCO_TRIAL, SILENT_TRIAL])).ask(
        "Which studies won't take somebody who smokes cigarettes?"
    )
    assert "NCT93300011" not in answer.trials
    assert "NCT93300010" in answer.trials


def test_a_smoker_does_not_meet_a_non_smoker_requirement() -> None:
    verdicts = _verdicts(
        "58M, smokes 20 cigarettes a day, BP fine. Any study for him?", NEVER_SMOKED_TRIAL, SILENT_TRIAL
    )
    assert verdicts["NCT93300009"] == "excluded"
    assert verdicts["NCT93300011"] != "excluded"


CF_TRIAL = hand_trial("NCT93300012", ["Patients aged 8 and over"], [], []).model_copy(
    update={"conditions": ["Cystic Fibrosis"]}
)
HEALTHY_ADULTS_TRIAL = hand_trial("NCT93300013", ["Healthy adults aged 18 to 45"], [], []).model_copy(
    update={"conditions": ["Influenza"]}
)


def test_a_patient_said_to_be_well_is_not_offered_a_disease_the_vocabulary_lacks() -> None:
    verdicts = _verdicts(
        "19 yo man, fit and well, no regular meds. Anything he could join?", CF_TRIAL, HEALTHY_ADULTS_TRIAL
    )
    assert verdicts["NCT93300012"] == "excluded"
    assert verdicts["NCT93300013"] != "excluded"


NO_OTHER_MEDICINES_TRIAL = hand_trial(
    "NCT93300014",
    ["Adults aged 50 to 70"],
    ["Co-medication", "Concomitant medications that prolong the QT interval"],
    [],
)


@pytest.mark.parametrize(
    ("description", "verdict"),
    [
        ("62M, AF on apixaban 5 mg bd, otherwise well. Trials?", "excluded"),
        ("62M, fit, no regular medications. Trials?", "needs checking"),  # its age limits are not facts here
    ],
)
def test_a_bare_co_medication_exclusion_reads_every_treatment_named(description: str, verdict: str) -> None:
    assert _verdicts(description, NO_OTHER_MEDICINES_TRIAL)["NCT93300014"] == verdict
