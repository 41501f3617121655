"""Conditions an inclusion wants absent ("No brain metastases"), in part ("No active brain
metastases", "... unless treated"), or admits ("Stable brain metastases allowed"); sites of the
disease under study ("No CNS disease" in a DISEASE CHARACTERISTICS block); line wraps inside a
term; and how set questions read these facts."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import hand_trial

from index.enrich import enrich
from index.facts import criterion_facts, extract_facts
from index.facts.conditions import ABSENT, ALLOWED, PARTLY_ABSENT
from index.models import Criterion, FactKind, Section, Trial

BM = "brain metastases"


def _brain(text: str, section: Section = "inclusion", heading: str | None = None) -> list[str | None]:
    """The qualifiers of the brain-metastases facts the criterion gives (one per criterion at most)."""
    parent = Criterion(section=section, number=1, text=heading) if heading else None
    criterion = Criterion(section=section, number=2, text=text, parent=1 if heading else None)
    return [
        f.qualifier
        for f in criterion_facts(criterion, parent)
        if f.kind == FactKind.CONDITION and f.term == BM
    ]


@pytest.mark.parametrize(
    "text",
    [
        "No brain metastases.",
        "No known CNS metastases",
        "No evidence of brain metastasis on MRI",
        "Must not have cerebral metastases",
        "No metastases to brain",
        "No prior or current intracranial metastases",
        "No brain or leptomeningeal involvement",
        "No symptomatic or known brain metastases",  # "or known": every patient with them
        "No active infection or brain metastases",  # "active" qualifies the infection
        "No history of brain\n        metastases",  # a line wrap inside the term
        "No brain metastases (MRI of the head required at screening)",
        # "other than" after another condition joined on leaves out part of that one only
        "No known brain metastases nor bone metastases other than to the spine",
        "No CNS metastases or skin lesions except basal cell carcinoma",
        # a parenthesis spelling out the short form inside the name
        "No CNS (central nervous system) metastases",
        "Without central nervous system (CNS) metastases at screening",
    ],
)
def test_absent(text: str) -> None:
    assert _brain(text) == [ABSENT]


@pytest.mark.parametrize(
    "text",
    [
        "No untreated brain metastases",
        "No active or symptomatic CNS metastases",
        "No evidence of progressive brain metastases",
        "No brain metastases unless treated and stable for 3 months",
        "No CNS metastases requiring corticosteroids",
        "No brain metastases that are not amenable to radiosurgery",
        "No CNS metastases. Treated brain metastases allowed.",
        "No brain metastases (dose-escalation part only)",
        "No brain metastases other than those treated with radiosurgery",
    ],
)
def test_absent_in_some_cases(text: str) -> None:
    assert _brain(text) == [PARTLY_ABSENT]


@pytest.mark.parametrize(
    "text", ["Stable brain metastases permitted", "Previously irradiated CNS metastases are acceptable"]
)
def test_allowed(text: str) -> None:
    assert _brain(text) == [ALLOWED]


def test_a_condition_named_as_what_a_treatment_is_for_is_not_the_condition() -> None:
    assert _brain("Prior whole-brain radiotherapy for brain metastases allowed") == []
    assert _brain("At least 4 weeks since surgery for CNS metastases") == []


def test_an_exclusion_keeps_naming_the_condition() -> None:
    assert _brain("Known brain metastases", "exclusion") == [None]


# ---------------------------------------------------------------- runs of PDQ items


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The CT belongs to the next item: its "if" does not qualify the metastases.
        ("DISEASE CHARACTERISTICS: Breast cancer No brain metastases MRI required if symptoms", [ABSENT]),
        # An exception ("other than") ends with its item, before the next "No".
        (
            "DISEASE CHARACTERISTICS: Bone disease other than lytic lesions Prior cancer allowed "
            "No brain metastases",
            [ABSENT],
        ),
        # A site of the disease under study stands for its metastases there.
        ("DISEASE CHARACTERISTICS: Metastatic melanoma Measurable disease No known CNS disease", [ABSENT]),
        ("DISEASE CHARACTERISTICS: Adenocarcinoma of the lung No brain involvement", [ABSENT]),
        ("DISEASE CHARACTERISTICS: Sarcoma No active CNS disease", [PARTLY_ABSENT]),
        ("DISEASE CHARACTERISTICS: Renal cell cancer No CNS disease (phase II part only)", [PARTLY_ABSENT]),
        # A kind of disease at that site is not the tumour there.
        ("DISEASE CHARACTERISTICS: Lymphoma No ischemic or demyelinating CNS disease", []),
        # Outside the disease's description, CNS disease is any neurological disorder.
        ("PATIENT CHARACTERISTICS: Other: No significant CNS disease", []),
        ("No CNS disease", []),
    ],
)
def test_pdq_paragraphs(text: str, expected: list[str | None]) -> None:
    assert _brain(text) == expected


def test_a_disease_characteristics_heading_describes_the_disease() -> None:
    assert _brain("No CNS involvement", heading="DISEASE CHARACTERISTICS:") == [ABSENT]
    assert _brain("No CNS involvement", heading="Neurologic:") == []


# ---------------------------------------------------------------- set questions


def _hand_trial(nct_id: str, inclusion: list[str], exclusion: list[str] = ()) -> Trial:  # type: ignore[assignment]
    criteria = [Criterion(section="inclusion", number=i + 1, text=t) for i, t in enumerate(inclusion)]
    criteria_ex = [Criterion(section="exclusion", number=i + 1, text=t) for i, t in enumerate(exclusion)]
    text = "\n".join([*inclusion, *exclusion])
    trial = Trial(
        nct_id=nct_id,
        source_path="hand",
        source_format="seed",
        text=text,
        criteria_text=text,
        inclusion=criteria,
        exclusion=criteria_ex,
    )
    return trial.model_copy(update={"facts": extract_facts(trial)})


@pytest.mark.parametrize(
    ("inclusion", "excludes", "accepts"),
    [
        (["Measurable disease", "No known CNS metastases"], "match", "no match"),
        (["No untreated brain metastases"], "not stated", "not stated"),
        (
            ["No brain metastases", "Brain metastases treated with radiosurgery are allowed"],
            "not stated",
            "not stated",
        ),
        (["Stable brain metastases permitted"], "no match", "match"),
        (["Measurable disease"], "not stated", "not stated"),
    ],
)
def test_term_results_read_inclusion_absences(inclusion: list[str], excludes: str, accepts: str) -> None:
    from assistant.evaluate import term_result
    from assistant.query import TermTest

    trial = _hand_trial("NCT90000002", inclusion)
    assert term_result(trial, TermTest(term=BM, mode="excludes")).outcome == excludes
    assert term_result(trial, TermTest(term=BM, mode="accepts")).outcome == accepts


def test_an_exclusion_still_decides_first() -> None:
    from assistant.evaluate import term_result
    from assistant.query import TermTest

    trial = _hand_trial("NCT90000003", ["Stable brain metastases permitted"], ["Untreated brain metastases"])
    result = term_result(trial, TermTest(term=BM, mode="excludes"))
    assert result.outcome == "match" and result.citations[0].quote == "Untreated brain metastases"


# ---------------------------------------------------------------- real records


def _real(ctgov_dir: Path, nct_id: str) -> Trial:
    from index.readers import read_file

    return enrich(read_file(ctgov_dir / "xml_classic_1000" / f"{nct_id}.xml").trials[0])


def _brain_facts(trial: Trial) -> list[str]:
    return [
        f"{f.source}#{f.criterion_number} {f.qualifier}"
        for f in trial.facts
        if f.kind == FactKind.CONDITION and f.term == BM
    ]


@pytest.mark.parametrize(
    ("nct_id", "expected"),
    [
        # "... No primary brain tumors or history of brain\r\n metastases" (wrapped, PDQ paragraph)
        ("NCT00003289", [f"inclusion#1 {ABSENT}"]),
        # "... following hormonal therapy No\r\n CNS disease" in the DISEASE CHARACTERISTICS paragraph
        ("NCT00003400", [f"inclusion#1 {ABSENT}"]),
        # heading "DISEASE CHARACTERISTICS:", item "No CNS disease"
        ("NCT00006968", [f"inclusion#4 {ABSENT}"]),
        # "No symptomatic or known brain or\r\n leptomeningeal involvement"
        ("NCT00005625", [f"inclusion#1 {ABSENT}"]),
        # "-  No metastasis to brain (confirmed by CT or MRI)"
        ("NCT00008203", [f"inclusion#6 {ABSENT}"]),
        # "... No brain metastases CT required if clinically indicated No meningeal carcinomatosis ..."
        ("NCT00002585", [f"inclusion#1 {ABSENT}"]),
        # "No CNS metastases Brain metastases previously treated with radiotherapy or surgical
        # excision allowed if no evidence of residual metastases ..."
        ("NCT00006682", [f"inclusion#1 {PARTLY_ABSENT}"]),
        # "CNS metastases allowed provided that patient has other sites of measurable disease, ..."
        ("NCT00003192", [f"inclusion#1 {ALLOWED}"]),
        # "No active ischemic or degenerative CNS disease" (a lymphoma trial): not metastases
        ("NCT00005985", []),
    ],
)
def test_real_records(ctgov_dir: Path, nct_id: str, expected: list[str]) -> None:
    assert _brain_facts(_real(ctgov_dir, nct_id)) == expected


@pytest.mark.parametrize(
    ("nct_id", "outcome"),
    [
        ("NCT00003289", "match"),
        ("NCT00006968", "match"),
        ("NCT00006682", "not stated"),
        ("NCT00003192", "no match"),  # admits them (on conditions): not an exclusion
    ],
)
def test_real_records_excluding_brain_metastases(ctgov_dir: Path, nct_id: str, outcome: str) -> None:
    from assistant.evaluate import term_result
    from assistant.query import TermTest

    assert term_result(_real(ctgov_dir, nct_id), TermTest(term=BM, mode="excludes")).outcome == outcome


# ---------------------------------------------------------------- negations and limits, any condition


def _conditions(text: str, section: Section = "inclusion") -> list[str]:
    criterion = Criterion(section=section, number=1, text=text)
    return [
        f"{f.term} ({f.qualifier})" if f.qualifier else str(f.term)
        for f in criterion_facts(criterion)
        if f.kind == FactKind.CONDITION
    ]


@pytest.mark.parametrize(
    ("text", "section", "expected"),
    [
        # a negation after the condition
        ("Hepatitis B surface antigen negative", "inclusion", [f"hepatitis B ({ABSENT})"]),
        ("Brain metastases are not allowed", "inclusion", [f"{BM} ({ABSENT})"]),
        # in an exclusion a denial repeats that the condition excludes
        ("Patients with brain metastases are not eligible.", "exclusion", [BM]),
        # "non-" is a prefix, not a negation
        ("Non-Hodgkin's lymphoma in first relapse", "inclusion", ["lymphoma", "malignant tumour"]),
        # a test's timing or who must take it limits nobody with the condition
        ("Negative pregnancy test within 7 days of the first dose", "inclusion", [f"pregnancy ({ABSENT})"]),
        ("Not pregnant (if female)", "inclusion", [f"pregnancy ({ABSENT})"]),
        # a time window or a condition after the condition limits it
        (
            "No myocardial infarction within the past 6 months",
            "inclusion",
            [
                f"myocardial infarction ({PARTLY_ABSENT})",
                f"cardiac disease ({PARTLY_ABSENT})",
            ],
        ),
        (
            "No hypertension unless well controlled on medication",
            "inclusion",
            [f"hypertension ({PARTLY_ABSENT})"],
        ),
        # a criterion that first requires the condition requires it
        (
            "Acute myeloid leukaemia in relapse; no acute promyelocytic leukaemia",
            "inclusion",
            [
                "acute myeloid leukaemia",
                "leukaemia",
                "haematological disease",
                "malignant tumour",
            ],
        ),
        # "eligible for" something else admits nothing
        (
            "Diagnosis of multiple myeloma and eligible for autologous transplant",
            "inclusion",
            [
                "multiple myeloma",
                "haematological disease",
                "malignant tumour",
            ],
        ),
    ],
)
def test_negations_and_limits(text: str, section: Section, expected: list[str]) -> None:
    assert _conditions(text, section) == expected


def test_a_trial_for_patients_with_the_condition_does_not_exclude_it() -> None:
    from assistant.evaluate import term_result
    from assistant.query import TermTest

    trial = _hand_trial("NCT90000004", ["Melanoma metastatic to the brain", "No leptomeningeal metastases"])
    trial = trial.model_copy(update={"brief_title": "Radiosurgery for Patients With Brain Metastases"})
    assert term_result(trial, TermTest(term=BM, mode="excludes")).outcome == "not stated"


@pytest.mark.parametrize(
    "text",
    [
        "No symptomatic or uncontrolled brain or leptomeningeal metastases",
        "No symptomatic CNS brain metastases",
    ],
)
def test_limits_over_several_sites(text: str) -> None:
    assert _brain(text) == [PARTLY_ABSENT]


def test_items_of_a_denying_list_are_absences() -> None:
    """'None of the following within the past 6 months:' over 'Myocardial infarction', 'Stroke': an
    inclusion that the patient has had none of them, as an exclusion of each would say."""
    lead_in = Criterion(section="inclusion", number=1, text="None of the following within the past 6 months:")
    items = [
        Criterion(section="inclusion", number=2, text="Myocardial infarction", parent=1),
        Criterion(section="inclusion", number=3, text="Stroke", parent=1),
    ]
    plain = Criterion(section="inclusion", number=4, text="Symptomatic heart failure")
    trial = hand_trial("NCT93300001", [], [], []).model_copy(update={"inclusion": [lead_in, *items, plain]})
    facts = {f.term: f.qualifier for f in extract_facts(trial) if f.kind == FactKind.CONDITION}
    assert facts["myocardial infarction"] == ABSENT
    assert facts["heart failure"] != ABSENT  # not under the lead-in
