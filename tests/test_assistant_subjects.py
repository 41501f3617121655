"""A trial named by description instead of NCT ID, and questions about one trial answered from its
own sentences. Records and questions are written for these tests."""

from __future__ import annotations

import pytest
from fakes import InMemoryTrialReader

from assistant.record_text import best_sentences
from assistant.service import Assistant
from assistant.subjects import TrialDirectory
from index.models import Intervention, Site, Sponsor, Trial


def _trial(nct_id: str, title: str, drug: str, city: str, sponsor: str, text: str) -> Trial:
    return Trial(
        nct_id=nct_id,
        brief_title=title,
        interventions=[Intervention(name=drug)],
        sites=[Site(city=city, country="France")],
        sponsors=[Sponsor(name=sponsor, role="lead")],
        brief_summary=text,
        source_path="hand",
        source_format="ctgov_json",
        text=f"{title}\n{text}",
    )


LYON = _trial(
    "NCT91000001",
    "Avatrombopag Before Liver Biopsy in Cirrhosis",
    "avatrombopag",
    "Lyon",
    "Hospices Civils de Lyon",
    "Participants take avatrombopag tablets for five days before the biopsy. "
    "Platelet counts are measured on day 10 and again at the 30-day follow-up visit. "
    "The tablets contain lactose monohydrate and magnesium stearate.",
)
LILLE = _trial(
    "NCT91000002",
    "Avatrombopag for Chemotherapy-induced Thrombocytopenia in Lung Cancer",
    "avatrombopag",
    "Lille",
    "Centre Oscar Lambret",
    "Avatrombopag is given once daily for up to 8 weeks. "
    "Treatment stops when the platelet count rises above 150 x10^9/L.",
)
NANTES = _trial(
    "NCT91000003",
    "Eltrombopag in Myelodysplastic Syndromes",
    "eltrombopag",
    "Nantes",
    "Nantes University Hospital",
    "Eltrombopag is started at 50 mg daily and adjusted every two weeks.",
)
TRIALS = [LYON, LILLE.model_copy(update={"other_ids": ["COL-TPO-2024-07"]}), NANTES]


@pytest.fixture(scope="module")
def directory() -> TrialDirectory:
    return TrialDirectory.of(TRIALS)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("For the Lyon avatrombopag study, when are platelets checked?", "NCT91000001"),
        ("the avatrombopag lung cancer trial - how long is treatment?", "NCT91000002"),
        ("In the Nantes MDS study, what is the starting dose?", "NCT91000003"),
        ("91000003: how is the dose adjusted?", "NCT91000003"),
        ("Oscar Lambret trial: when does treatment stop?", "NCT91000002"),
        ("Protocol COL-TPO-2024-07 - how long is treatment?", "NCT91000002"),  # the sponsor's own number
    ],
)
def test_a_described_trial_is_found(directory: TrialDirectory, question: str, expected: str) -> None:
    assert directory.described(question, {t.nct_id for t in TRIALS}) == expected


@pytest.mark.parametrize(
    "question",
    [
        "In the avatrombopag study, when are platelets checked?",  # two avatrombopag trials
        "Does eltrombopag cause marrow fibrosis?",  # a drug, not a trial
        "What is a platelet count?",
        "91000009: how is the dose adjusted?",  # no such trial
    ],
)
def test_no_trial_is_assumed_without_clear_evidence(directory: TrialDirectory, question: str) -> None:
    assert directory.described(question, {t.nct_id for t in TRIALS}) is None


def test_a_description_runs_through_the_links_within_a_name() -> None:
    kidney = _trial(
        "NCT91000010",
        "Romiplostim in Aplastic Anaemia",
        "romiplostim",
        "Tianjin",
        "Institute of Liver & Kidney Research",
        "Romiplostim is given weekly.",
    )
    directory = TrialDirectory.of([kidney, LYON, NANTES])
    question = "which dose does the Institute of Liver & Kidney Research study's protocol give?"
    spans = directory.description_spans(question, "NCT91000010")
    assert [question[start:end] for start, end in spans] == ["Institute of Liver & Kidney Research study's"]


def test_a_trial_is_described_by_its_design_and_arms() -> None:
    from index.models import Arm

    blinded = NANTES.model_copy(
        update={"masking": "DOUBLE", "allocation": "RANDOMIZED", "arms": [Arm(label="Matching placebo")]}
    )
    trials = [LYON, LILLE, blinded]
    directory = TrialDirectory.of(trials)
    known = {t.nct_id for t in trials}
    assert (
        directory.described("I mean the double-blinded one: how is the dose adjusted?", known)
        == blinded.nct_id
    )
    assert directory.described("and the study with a matching placebo arm?", known) == blinded.nct_id
    assert directory.described("the randomised one, is it still open?", known) == blinded.nct_id


def test_words_outside_a_description_do_not_pick_another_trial(directory: TrialDirectory) -> None:
    # "centre" is Lille's (Centre Oscar Lambret) but here it is what is asked of the Nantes study
    question = "which centre is the Nantes MDS study run from?"
    assert directory.described(question, {t.nct_id for t in TRIALS}) == "NCT91000003"


def test_the_one_trial_fitting_a_whole_description_is_the_subject(directory: TrialDirectory) -> None:
    # "lung" is Lille's, but the description "Lyon avatrombopag study" fits Lyon's trial alone
    question = "In the Lyon avatrombopag study, is any lung function test done?"
    assert directory.described(question, {t.nct_id for t in TRIALS}) == "NCT91000001"


def test_a_name_outside_the_description_still_decides_between_the_trials_it_fits() -> None:
    revive = _trial(
        "NCT91000011",
        "REVIVE: Avatrombopag Before Dental Extraction",
        "avatrombopag",
        "Rennes",
        "CHU de Rennes",
        "Avatrombopag is taken for five days before the extraction.",
    )
    trials = [LYON, LILLE, NANTES, revive]
    question = "how long is treatment in REVIVE (the avatrombopag trial)?"
    assert TrialDirectory.of(trials).described(question, {t.nct_id for t in trials}) == "NCT91000011"


def test_the_record_answers_in_its_own_sentences() -> None:
    found = best_sentences(LYON, "does the Lyon study say whether the pills contain lactose?", {"lyon"})
    assert found and "lactose monohydrate" in found[0].text
    found = best_sentences(LILLE, "when is dosing stopped in that trial?", ())
    assert found and found[0].text.startswith("Treatment stops when the platelet count")


def test_an_abbreviation_meets_the_records_word() -> None:
    found = best_sentences(LYON, "when are plt counts re-measured?", ())
    assert found and found[0].text.startswith("Platelet counts are measured on day 10")


def test_a_question_the_record_does_not_answer_gets_no_sentences() -> None:
    assert best_sentences(NANTES, "what proportion of patients developed marrow fibrosis?", ()) == []


def test_a_described_trial_is_the_answers_only_subject() -> None:
    assistant = Assistant(InMemoryTrialReader(TRIALS))
    answer = assistant.ask("In the Lille avatrombopag trial, when does treatment stop?")
    assert answer.trials == ["NCT91000002"]
    assert "150" in answer.answer
    assert all(c.nct_id == "NCT91000002" for c in answer.citations)


def test_a_question_about_findings_is_answered_by_the_results_status() -> None:
    trial = _trial(
        "NCT91000009",
        "Eltrombopag Before Surgery",
        "eltrombopag",
        "Paris",
        "AP-HP",
        "Results pending. Participants take eltrombopag for 7 days.",
    ).model_copy(update={"results_posted": False})
    assistant = Assistant(InMemoryTrialReader([trial, NANTES]))
    answer = assistant.ask(
        "Did eltrombopag actually lower transfusion rates in NCT91000009? What % did they report?"
    )
    assert answer.trials == ["NCT91000009"]
    assert "No results posted" in answer.answer


def test_a_described_action_no_record_names_is_searched_in_the_records_sentences() -> None:
    assistant = Assistant(InMemoryTrialReader(TRIALS))
    answer = assistant.ask("Which trial measures the platelet count again at the thirty-day follow-up visit?")
    assert answer.trials == ["NCT91000001"]


def test_a_numbered_criterion_and_a_number_the_record_skips() -> None:
    from fakes import hand_trial

    trial = hand_trial("NCT91000020", ["Adults"], ["Pregnancy", "Active infection", "Prior transplant"], [])
    # the record prints 1, 2, 4: its third item is labelled 4
    exclusion = [
        c.model_copy(update={"label": label})
        for c, label in zip(trial.exclusion, ["1", "2", "4"], strict=True)
    ]
    trial = trial.model_copy(update={"exclusion": exclusion})
    assistant = Assistant(InMemoryTrialReader([trial, NANTES]))
    found = assistant.ask("What does exclusion criterion 4 of NCT91000020 say?")
    assert [c.quote for c in found.citations] == ["Prior transplant"]
    missing = assistant.ask("what's exclusion criterion 3 in NCT91000020?")
    assert "no item 3" in missing.answer and "from 2 to 4" in missing.answer


# ---- the words that describe a trial are not what is asked of it ------------------------------


def test_the_description_of_a_trial_is_found_as_a_span(directory: TrialDirectory) -> None:
    question = "How long do they keep checking platelets in the Lyon avatrombopag study?"
    spans = directory.description_spans(question, "NCT91000001")
    assert [question[a:b] for a, b in spans] == ["Lyon avatrombopag study"]
    heading = "Oscar Lambret trial: what ends treatment?"
    assert [heading[a:b] for a, b in directory.description_spans(heading, "NCT91000002")] == [
        "Oscar Lambret trial"
    ]
    # the same words away from a word for a trial, or not heading the question, describe nothing
    loose = "Does avatrombopag in Lyon need a biopsy?"
    assert directory.description_spans(loose, "NCT91000001") == []


def test_a_place_that_describes_the_trial_is_not_a_filter_on_it() -> None:
    assistant = Assistant(InMemoryTrialReader(TRIALS))
    answer = assistant.ask("How long do they keep checking platelets in the Lyon avatrombopag study?")
    assert answer.trials == ["NCT91000001"]
    assert "site in" not in answer.answer  # "Lyon" said which trial, it was not asked about
    assert any("30-day follow-up visit" in c.quote for c in answer.citations)


def test_a_question_for_a_duration_is_answered_by_a_sentence_holding_one() -> None:
    found = best_sentences(LILLE, "for how long is it taken?", ())
    assert found and found[0].text.startswith("Avatrombopag is given once daily for up to 8 weeks")


def test_two_sentences_that_answer_together_are_quoted_together() -> None:
    trial = _trial(
        "NCT91000004",
        "Romiplostim After Stem Cell Transplant",
        "romiplostim",
        "Rennes",
        "CHU Rennes",
        "Participants must use two reliable methods of birth control during the study. "
        "This does not apply to women more than two years past menopause. "
        "Romiplostim is injected weekly.",
    )
    found = best_sentences(trial, "she went through menopause 3 yrs ago - is birth control needed?", ())
    assert found and found[0].text == (
        "Participants must use two reliable methods of birth control during the study. "
        "This does not apply to women more than two years past menopause."
    )


def test_a_topic_named_without_a_limit_is_said_to_have_none() -> None:
    from fakes import hand_trial

    trial = hand_trial("NCT91000021", ["Adults", "Adequate hepatic and kidney function"], ["Pregnancy"], [])
    assistant = Assistant(InMemoryTrialReader([trial, NANTES]))
    answer = assistant.ask("What bilirubin cutoff does NCT91000021 use?")
    assert "no numeric limit is stated" in answer.answer
    assert [c.quote for c in answer.citations] == ["Adequate hepatic and kidney function"]


def test_a_description_ends_at_its_word_for_a_trial(directory: TrialDirectory) -> None:
    question = "How does the Lille avatrombopag trial define a platelet response?"
    spans = directory.description_spans(question, "NCT91000002")
    assert [question[a:b] for a, b in spans] == ["Lille avatrombopag trial"]


def test_a_definition_is_answered_by_the_sentence_that_defines() -> None:
    trial = _trial(
        "NCT91000005",
        "Fostamatinib in Immune Thrombocytopenia",
        "fostamatinib",
        "Brest",
        "CHU Brest",
        "Fostamatinib is given twice daily. A platelet response is defined as two counts above 50 x10^9/L "
        "one week apart. Platelet response rates are compared between arms.",
    )
    found = best_sentences(trial, "how is a platelet response defined?", ())
    assert found and found[0].text.startswith("A platelet response is defined as")


def test_words_naming_the_trial_do_not_make_an_unrelated_question_answerable() -> None:
    # "Hospices Civils de Lyon" names LYON's sponsor: the question's other words are not in the record
    assert best_sentences(LYON, "what do Hospices Civils staff earn per year?", {"hospices", "civils"}) == []


def test_a_cut_off_asks_for_a_limit_without_naming_one() -> None:
    found = best_sentences(LILLE, "what's the platelet cut-off for stopping?", ())
    assert found and "150" in found[0].text


def test_a_drug_is_also_said_by_a_sentence_about_its_class() -> None:
    trial = _trial(
        "NCT91000006",
        "Celecoxib Gel for Hand Osteoarthritis",
        "celecoxib",
        "Dijon",
        "CHU Dijon",
        "Participants taking NSAIDs must stop them 5 days before the first visit. "
        "The gel is applied twice daily.",
    )
    question = "she takes naproxen, how long must she be off it before the first visit?"
    found = best_sentences(trial, question, ())
    assert found and found[0].text.startswith("Participants taking NSAIDs must stop them 5 days")


def test_before_starting_a_trial_is_not_asking_its_start_date() -> None:
    from assistant.attributes import attributes_in

    assert "dates" not in attributes_in("how long must he stop aspirin before starting NCT91000001?")
    assert "dates" in attributes_in("when does NCT91000001 start?")


def test_the_organisations_study_id_is_quoted() -> None:
    trial = _trial("NCT91000007", "Eltrombopag in Aplastic Anaemia", "eltrombopag", "Caen", "CHU Caen", "x")
    trial = trial.model_copy(update={"other_ids": ["CHUC-2024-17"], "text": f"{trial.text}\nCHUC-2024-17"})
    answer = Assistant(InMemoryTrialReader([trial, NANTES])).ask(
        "What's the sponsor protocol number of NCT91000007?"
    )
    assert "CHUC-2024-17" in answer.answer
    assert [c.quote for c in answer.citations] == ["CHUC-2024-17"]


def test_a_trial_holding_more_of_the_description_is_the_subject() -> None:
    # "pilot" is a word only another trial holds; the question's other two words are the Dijon trial's
    pilot = _trial(
        "NCT91000021",
        "A Pilot Study of Iron in Heart Failure",
        "ferric carboxymaltose",
        "Brest",
        "CHU Brest",
        "A pilot study.",
    )
    dijon = _trial(
        "NCT91000022", "Celecoxib in Hand Osteoarthritis", "celecoxib", "Dijon", "CHU Dijon", "Gel."
    )
    other = _trial("NCT91000023", "Exercise in Hand Osteoarthritis", "exercise", "Caen", "CHU Caen", "Class.")
    trials = [pilot, dijon, other, LYON, LILLE]
    question = "how long does the celecoxib pilot trial in hand osteoarthritis last?"
    assert TrialDirectory.of(trials).described(question, {t.nct_id for t in trials}) == "NCT91000022"


def test_a_range_is_answered_by_a_sentence_holding_limits() -> None:
    trial = _trial(
        "NCT91000024",
        "Basal Insulin Titration in Type 2 Diabetes",
        "insulin glargine",
        "Tours",
        "CHU Tours",
        "The primary outcome is the change in HbA1c over 24 weeks. "
        "Participants need an HbA1c between 7.5% and 11% at screening.",
    )
    found = best_sentences(trial, "what A1c range do they accept?", ())
    assert found and found[0].text.startswith("Participants need an HbA1c between 7.5%")


def test_a_short_word_of_another_trial_does_not_take_the_description() -> None:
    topotecan = _trial(
        "NCT91000025", "Topotecan in Gastric Cancer", "topotecan", "Metz", "CHU Metz", "Weekly."
    )
    ovarian = _trial(
        "NCT91000026", "Olaparib for a Rising CA 125", "olaparib", "Nancy", "CHU Nancy", "Daily."
    )
    trials = [topotecan, ovarian, LYON, LILLE, NANTES]
    question = "topotecan gastric ca study - how often is it given?"
    assert TrialDirectory.of(trials).described(question, {t.nct_id for t in trials}) == "NCT91000025"
