"""Drug classes inherited through the vocabulary, cancer initialisms, what a treatment is meant to
prevent, a count said normal with its value, and words that point back at the trials. Expected
outcomes come from the records' own words (quoted beside each) or from hand-written trials."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import InMemoryTrialReader, hand_trial

from assistant.service import Assistant
from assistant.understand import understand
from index.language.vocabulary import find_terms
from index.memory import read_records
from index.models import Fact, Trial


@pytest.mark.parametrize(
    ("text", "classes"),
    [
        # a cytotoxic drug is a chemotherapy, so an anticancer therapy, though its entry lists only the first
        ("gemcitabine", {"chemotherapy", "anticancer therapy"}),
        ("carboplatin", {"platinum-based chemotherapy", "chemotherapy", "anticancer therapy"}),
        ("no antineoplastic agents in the last 4 weeks", {"anticancer therapy"}),
    ],
)
def test_broader_classes_are_inherited(text: str, classes: set[str]) -> None:
    assert classes <= set(find_terms(text))


@pytest.mark.parametrize(
    "text",
    [
        "mHRPC",
        "CRPC after abiraterone",
        "castrate-resistant prostate ca",
        "hormone-sensitive prostate cancer",
    ],
)
def test_prostate_cancer_as_clinicians_abbreviate_it(text: str) -> None:
    assert "prostate cancer" in find_terms(text)


def test_a_washout_of_anticancer_drugs_covers_a_recent_taxane(ctgov_dir: Path) -> None:
    # NCT00462358 excludes "anti-neoplastic therapy (...) within 28 days prior to the first dose of
    # study drug"; a patient whose last docetaxel was 2 weeks ago is inside that window
    trials, _ = read_records(ctgov_dir / "xml_classic_1000", wanted={"NCT00462358"})
    answer = Assistant(InMemoryTrialReader(trials)).ask(
        "61M with advanced NSCLC, ECOG 1, last docetaxel dose 2 weeks ago. Could he go into this study?"
    )
    (verdict,) = answer.verdicts
    washouts = [c for c in verdict.checks if "washout" in c.criterion and c.status == "not met"]
    assert verdict.verdict == "excluded"
    assert washouts and "anti-neoplastic therapy" in (washouts[0].quote or "")


def _needs_low_platelets(nct_id: str) -> Trial:
    fact = Fact(
        kind="condition", source="inclusion", quote="Thrombocytopenia at entry", term="thrombocytopenia"
    )
    return hand_trial(nct_id, ["Thrombocytopenia at entry"], ["Pregnancy"], [fact])


def _excludes_low_platelets(nct_id: str) -> Trial:
    quote = "Thrombocytopenia of any cause"
    fact = Fact(kind="condition", source="exclusion", quote=quote, term="thrombocytopenia")
    return hand_trial(nct_id, ["Adults"], [quote], [fact])


def test_what_a_treatment_is_to_prevent_is_not_what_the_patient_has() -> None:
    patient = understand(
        "64F on trastuzumab deruxtecan, platelets fine so far: any study to prevent thrombocytopenia?",
        [],
        set(),
    ).patient
    assert patient is not None
    assert [c.present for c in patient.concepts if c.name == "thrombocytopenia"] == [False]
    answer = Assistant(InMemoryTrialReader([_excludes_low_platelets("NCT30000001")])).ask(
        "64F on trastuzumab deruxtecan, ECOG 0, any study to prevent thrombocytopenia?"
    )
    assert answer.verdicts[0].verdict != "excluded"


@pytest.mark.parametrize(
    ("description", "value"),
    [
        ("55F, ECOG 1, platelets normal (245), which trials?", 245.0),
        ("55F, ECOG 1, plt count normal (190 x10^9/L). Options?", 190.0),
    ],
)
def test_a_count_said_normal_with_its_value_is_that_value(description: str, value: float) -> None:
    patient = understand(description, [], set()).patient
    assert patient is not None
    assert patient.labs["platelets"].value == value


def test_words_pointing_back_at_the_trials_are_no_drug() -> None:
    query = understand("Which studies bar recent rhTPO, and what is the window for each of them?", [], set())
    assert [t.term for t in query.terms] == ["recombinant human thrombopoietin"]


@pytest.mark.parametrize("question", ["could any of them take a male pt?", "Which will enrol a man?"])
def test_a_single_man_asks_which_trials_are_open_to_men(question: str) -> None:
    women = hand_trial("NCT30000011", ["Women aged 18 or over"], [], [])
    women = women.model_copy(update={"sex": "FEMALE", "text": "Sex: FEMALE\n" + women.text})
    everyone = hand_trial("NCT30000012", ["Adults"], [], [])
    everyone = everyone.model_copy(update={"sex": "ALL", "text": "Sex: ALL\n" + everyone.text})
    answer = Assistant(InMemoryTrialReader([women, everyone])).ask(question)
    assert answer.trials == ["NCT30000012"]


def test_the_control_arm_is_given_with_its_dose(seeds_dir: Path) -> None:
    # NCT05394285's "rhTPO" arm (Group Type OTHER): "Start using rh-TPO 15000 units/day (subcutaneous
    # injection) when platelets are less than 50*109/L"
    trials, _ = read_records(seeds_dir, pattern="*.txt")
    answer = Assistant(InMemoryTrialReader(trials)).ask("What is the comparator group given in NCT05394285?")
    assert "15000 units/day" in answer.answer
    assert any("rh-TPO 15000 units/day" in c.quote for c in answer.citations)


@pytest.mark.parametrize(
    ("text", "band"),
    [
        ("DXA hip T-score -2.1", "osteopenia"),
        ("lumbar T = -1.4 last spring", "osteopenia"),
        ("T-score of -3.2 at the femoral neck", "osteoporosis"),
        ("t score -2.5", "osteoporosis"),
    ],
)
def test_a_bone_density_t_score_names_its_band(text: str, band: str) -> None:
    assert band in find_terms(text)
    assert ({"osteopenia", "osteoporosis"} - {band}).isdisjoint(find_terms(text))


def test_a_t_score_is_read_only_after_its_letter() -> None:
    assert find_terms("HbA1c -1.2 from baseline") == []


def test_a_description_joined_by_a_plus_names_one_trial(ctgov_dir: Path) -> None:
    # NCT00003066: "Docetaxel Combined With Estramustine in Treating Women With Metastatic Breast Cancer"
    from assistant.subjects import TrialDirectory

    trials, _ = read_records(ctgov_dir / "xml_classic_1000", wanted={"NCT00003066", "NCT00009750"})
    directory = TrialDirectory.of(trials)
    question = "docetaxel + estramustine breast study - how long since surgery must it be?"
    spans = directory.description_spans(question, "NCT00003066")
    assert [question[start:end] for start, end in spans] == ["docetaxel + estramustine breast study"]


def test_what_a_washout_leaves_out_is_allowed(ctgov_dir: Path) -> None:
    from index.facts import criterion_facts
    from index.models import Criterion

    text = "Systemic anticancer treatment within 3 weeks, excluding bisphosphonates and hormonal therapy"
    facts = criterion_facts(Criterion(section="exclusion", number=1, text=text))
    assert [(f.term, f.days) for f in facts if f.kind == "washout"] == [("anticancer therapy", 21.0)]
    # NCT00462358: "anti-neoplastic therapy (with the exclusion of hormone therapy where the therapy
    # will continue at a standard dose throughout the study) within 28 days prior to the first dose"
    trials, _ = read_records(ctgov_dir / "xml_classic_1000", wanted={"NCT00462358"})
    terms = {f.term for f in trials[0].facts if f.kind == "washout"}
    assert "anticancer therapy" in terms and "hormonal therapy" not in terms


@pytest.mark.parametrize(
    "text", ["week 4 of chemoRT for anal ca", "chemo + RT to the pelvis", "on chemo/XRT"]
)
def test_chemoradiotherapy_as_clinicians_shorten_it(text: str) -> None:
    assert {"chemoradiotherapy", "radiotherapy", "chemotherapy"} <= set(find_terms(text))


def test_a_clearance_named_after_serum_or_misspelt_is_a_clearance(ctgov_dir: Path) -> None:
    # NCT00461123: "Subjects with serum creatinine clearance <30.0 mL/min"; NCT00461955: "Severe renal
    # insufficiency defined by a creatine clearance < 30 ml/mn" (both exclusions)
    trials, _ = read_records(ctgov_dir / "xml_classic_1000", wanted={"NCT00461123", "NCT00461955"})
    for trial in trials:
        read = [(f.kind, f.source, f.comparator, f.value) for f in trial.facts if "creatinine" in f.kind]
        assert read == [("creatinine_clearance", "exclusion", "<", 30.0)], trial.nct_id
    answer = Assistant(InMemoryTrialReader(trials)).ask(
        "Which studies turn away patients whose CrCl is below 30?"
    )
    assert answer.trials == ["NCT00461123", "NCT00461955"]


def test_a_condition_named_before_the_word_trials_asks_for_trials_of_it(seeds_dir: Path) -> None:
    trials, _ = read_records(seeds_dir, pattern="*.txt")
    assistant = Assistant(InMemoryTrialReader(trials))
    # the seeds: four are for breast cancer by their conditions or titles; NCT06433830 is for
    # thrombocytopenia from chemoradiotherapy of any solid tumour
    everything = assistant.ask("Which trials are for breast cancer?").trials
    assert assistant.ask("show me the breast cancer trials").trials == everything
    assert "NCT06433830" not in everything


@pytest.mark.parametrize(
    ("question", "mode"),
    [
        ("are patients with HBV excluded from any of these?", "excludes"),
        ("Would someone on apixaban be ruled out of any trial?", "excludes"),
        ("are people with brain mets allowed in any trial?", "accepts"),
    ],
)
def test_the_passive_asks_like_the_active(question: str, mode: str) -> None:
    assert [t.mode for t in understand(question, [], set()).terms] == [mode]


def test_a_described_trial_whose_criteria_never_name_it_is_answered(seeds_dir: Path) -> None:
    # NCT06433830 (its one site in Hangzhou) names no hepatitis in its criteria: asked whether it turns
    # such patients away, the answer is that no criterion mentions it, not an abstention
    trials, _ = read_records(seeds_dir, pattern="*.txt")
    answer = Assistant(InMemoryTrialReader(trials)).ask(
        "Is hepatitis C a reason for exclusion in the Hangzhou trial?"
    )
    assert answer.trials == ["NCT06433830"]
    assert "No criterion mentions it" in answer.answer


def _washout(nct_id: str, drug: str, days: float, quote: str) -> Trial:
    fact = Fact(kind="washout", source="exclusion", quote=quote, term=drug, days=days)
    return hand_trial(nct_id, ["Adults"], [quote], [fact])


def test_a_window_for_one_member_answers_a_question_about_its_class() -> None:
    trials = [
        _washout("NCT30000021", "eltrombopag", 28, "Eltrombopag within 4 weeks of day 1"),
        _washout("NCT30000022", "recombinant human thrombopoietin", 14, "rhTPO in the last 14 days"),
    ]
    answer = Assistant(InMemoryTrialReader(trials)).ask(
        "Do any protocols set a washout for TPO receptor agonists?"
    )
    # eltrombopag is a TPO receptor agonist; recombinant thrombopoietin is not one
    assert answer.trials == ["NCT30000021"]
    assert "eltrombopag within 28 days" in answer.answer


def test_exposure_to_a_drug_is_the_drug(seeds_dir: Path) -> None:
    # NCT07162519 inclusion 5: "No prior treatment with romiplostim or romiplostim N01 within 3 months"
    trials, _ = read_records(seeds_dir, pattern="*.txt")
    answer = Assistant(InMemoryTrialReader(trials)).ask("Which trials bar recent romiplostim exposure?")
    assert "NCT07162519" in answer.trials
    assert [t.term for t in understand("any trial bar TPO-RA exposure?", [], set()).terms] == [
        "thrombopoietin receptor agonist"
    ]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("takes isosorbide dinitrate twice daily", {"isosorbide mononitrate", "nitrates"}),
        ("GTN spray as needed for chest pain", {"glyceryl trinitrate", "nitrates"}),
        ("known heart problems", {"cardiac disease"}),
    ],
)
def test_nitrates_and_heart_problems_by_their_common_names(text: str, names: set[str]) -> None:
    assert names <= set(find_terms(text))


def test_a_patient_on_a_nitrate_with_angina_is_not_offered_a_trial_excluding_both(ctgov_dir: Path) -> None:
    # NCT00461123 (vardenafil, BPH surgery) excludes "Any cardiovascular condition" and "Subjects who are
    # taking nitrates or nitric oxide donors"
    trials, _ = read_records(ctgov_dir / "xml_classic_1000", wanted={"NCT00461123"})
    answer = Assistant(InMemoryTrialReader(trials)).ask(
        "72-year-old man, enlarged prostate, booked for laser surgery; angina, uses GTN spray. Eligible?"
    )
    (verdict,) = answer.verdicts
    assert verdict.verdict == "excluded"


def _platelet_limit(nct_id: str, section: str, comparator: str, value: float) -> Trial:
    quote = f"Platelet count {comparator} {value:g} x 10^9/L"
    fact = Fact(
        kind="platelets", source=section, quote=quote, comparator=comparator, value=value, unit="x10^9/L"
    )  # type: ignore[arg-type]
    inclusion, exclusion = ([quote], []) if section == "inclusion" else (["Adults"], [quote])
    return hand_trial(nct_id, inclusion, exclusion, [fact])


def test_a_count_said_to_be_low_is_the_condition_a_low_count_is_called() -> None:
    trials = [
        _platelet_limit("NCT30000031", "inclusion", "<", 60),  # enrols only low counts
        _platelet_limit("NCT30000032", "exclusion", "<", 100),  # turns low counts away
        _platelet_limit("NCT30000033", "inclusion", "<", 400),  # a ceiling far above normal's floor
    ]
    answer = Assistant(InMemoryTrialReader(trials)).ask("Which studies want the platelets to be low already?")
    assert answer.trials == ["NCT30000031"]
    assert "platelets < 60" in answer.answer
    query = understand("which trials need the ANC already low at entry?", [], set())
    assert [(t.term, t.mode) for t in query.terms] == [("neutropenia", "requires")]
