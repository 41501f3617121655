"""Set questions about what trials exclude, for concepts records write in many ways (a long QT
interval, tumour in the marrow): criteria and questions written for these tests."""

from __future__ import annotations

import pytest
from fakes import InMemoryTrialReader, hand_trial

from assistant.service import Assistant
from index.language.vocabulary import concept_matches

TRIALS = [
    hand_trial("NCT94000001", ["Adults with AML"], ["QTcF above 480 msec at screening"], []),
    hand_trial(
        "NCT94000002",
        ["Adults with lymphoma"],
        ["Congenital long QT syndrome", "Marrow infiltrated by lymphoma"],
        [],
    ),
    hand_trial("NCT94000003", ["Adults with myeloma"], ["Active hepatitis B"], []),
]


@pytest.mark.parametrize(
    ("written", "concept"),
    [
        ("Prolongation of the QTc interval on ECG", "QT prolongation"),
        ("QT interval is prolonged", "QT prolongation"),
        ("QTc > 500 ms", "QT prolongation"),
        ("tumour infiltrating the bone marrow", "bone marrow involvement"),
        ("bone marrow invasion by the primary tumour", "bone marrow involvement"),
        (
            "disease with spread to the marrow ruled out; metastases to the bone marrow",
            "bone marrow involvement",
        ),
        ("triple-neg MBC", "triple-negative breast cancer"),
    ],
)
def test_ways_of_writing_a_concept(written: str, concept: str) -> None:
    assert concept in {m.term.name for m in concept_matches(written)}


def test_a_normal_reading_names_no_prolongation() -> None:
    assert concept_matches("QTc 421 ms on today's ECG") == []


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Which studies rule out patients with QT prolongation?", {"NCT94000001", "NCT94000002"}),
        ("Which trials exclude a long QTc?", {"NCT94000001", "NCT94000002"}),
        ("Which trials bar patients whose disease involves the marrow?", {"NCT94000002"}),
        ("Which studies rule out lymphoma involvement of the bone marrow?", {"NCT94000002"}),
        ("Which studies exclude patients with tumour involvement of the marrow?", {"NCT94000002"}),
    ],
)
def test_which_trials_exclude_it(question: str, expected: set[str]) -> None:
    answer = Assistant(InMemoryTrialReader(TRIALS)).ask(question)
    assert set(answer.trials) == expected, answer.answer


@pytest.mark.parametrize(
    ("written", "concept"),
    [
        ("on HRT for hot flushes", "estrogen therapy"),
        ("oestradiol patch 50 mcg", "estrogen therapy"),
        ("stable thyroid hormone replacement therapy", None),  # not oestrogen
        ("no prior hormone therapy", "hormonal therapy"),  # the cancer's treatment
    ],
)
def test_oestrogen_treatment_and_the_cancers_hormonal_therapy_are_apart(
    written: str, concept: str | None
) -> None:
    found = {m.term.name for m in concept_matches(written)}
    assert found == ({concept} if concept else set())


def test_a_disease_asked_about_is_studied_not_given() -> None:
    from fakes import InMemoryTrialReader, hand_trial

    from assistant.service import Assistant
    from index.models import Intervention

    leukaemia = hand_trial("NCT93100001", ["Children with ALL"], [], []).model_copy(
        update={
            "conditions": ["Acute Lymphoblastic Leukemia"],
            "interventions": [Intervention(name="VCR Vincristine, DM Dexamethasone")],
        }
    )
    type_1 = hand_trial("NCT93100002", ["Children with type 1 diabetes"], [], []).model_copy(
        update={"conditions": ["Type 1 Diabetes"]}
    )
    type_2 = hand_trial("NCT93100003", ["Adults with T2DM"], [], []).model_copy(
        update={"conditions": ["Diabetes Mellitus, Type 2"]}
    )
    answer = Assistant(InMemoryTrialReader([leukaemia, type_1, type_2])).ask(
        "Which trials are about type II diabetes?"
    )
    assert answer.trials == ["NCT93100003"]
