"""Negation in patient descriptions: NegEx (negspacy) with the clinical termset changed by
index/language/negation.yaml. Descriptions are written for these tests in clinicians' shorthand;
none come from the dev sets."""

from __future__ import annotations

import pytest
from fakes import InMemoryTrialReader, hand_trial

from assistant.service import Assistant
from assistant.vignette import read_concepts
from index.language.data import load
from index.language.negation import denial_only, negated, termset


def _present(text: str) -> dict[str, bool]:
    return {s.name: s.present for s in read_concepts(text)}


def _denied(text: str, concept: str) -> bool:
    start = text.index(concept)
    return negated(text, [(start, start + len(concept))])[0]


def _cues(kind: str) -> list[str]:
    """The termset's cues of one kind, but those holding a terminating phrase ("no cause of" ends its
    own reach at "cause of", as NegEx means it to)."""
    ends = termset()["termination"]
    return [cue for cue in termset()[kind] if not any(f" {end} " in f" {cue} " for end in ends)]


@pytest.mark.parametrize("cue", _cues("preceding_negations"))
def test_every_preceding_cue_denies_the_concept_after_it(cue: str) -> None:
    assert _denied(f"{cue} pulmonary embolism", "pulmonary embolism")


@pytest.mark.parametrize("cue", _cues("following_negations"))
def test_every_following_cue_denies_the_concept_before_it(cue: str) -> None:
    assert _denied(f"pulmonary embolism {cue}", "pulmonary embolism")


@pytest.mark.parametrize("phrase", load("negation.yaml")["add"]["pseudo"])
def test_a_pseudo_negation_denies_nothing(phrase: str) -> None:
    assert not _denied(f"{phrase} pulmonary embolism", "pulmonary embolism")


def test_removed_cues_are_gone_from_the_termset() -> None:
    removed = load("negation.yaml")["remove"]
    patterns = termset()
    assert not set(removed["preceding"]) & set(patterns["preceding_negations"])
    assert not set(removed["following"]) & set(patterns["following_negations"])


@pytest.mark.parametrize(
    ("text", "concept", "present"),
    [
        ("no fevers but paroxysmal AF", "atrial fibrillation", True),  # the cue ends at "but"
        ("AF not controlled despite bisoprolol", "atrial fibrillation", True),
        ("no change in her AF burden on digoxin", "atrial fibrillation", True),
        ("HIV-ve", "HIV", False),  # spaCy splits the hyphen off
        ("nil hx of MI", "myocardial infarction", False),
        ("previous DVT excluded on doppler", "thrombosis", False),
        ("no MI and has AF", "atrial fibrillation", True),
        # a treatment that did not work was given: a trial for those it failed is theirs
        ("plt 18 after gem/carbo, didn't respond to rhTPO either", "recombinant human thrombopoietin", True),
        ("no benefit from 2 weeks of rhTPO", "recombinant human thrombopoietin", True),
        ("did not receive rhTPO", "recombinant human thrombopoietin", False),
        # a denial reaches along a list whose first items the vocabulary does not know, not a new clause
        ("no hx gout, vitiligo or haemophilia; HTN", "coagulation disorder", False),
        ("no gout, she has haemophilia B", "coagulation disorder", True),
        ("no hx gout, vitiligo or haemophilia; HTN", "hypertension", True),  # the list ended
        ("bone mets on dex (no RT), carbo/pem C4", "carboplatin", True),  # a clause of its own
    ],
)
def test_negation_in_clinicians_shorthand(text: str, concept: str, present: bool) -> None:
    assert _present(text)[concept] is present


def test_a_question_still_open_says_nothing() -> None:
    assert "brain metastases" not in _present("MRI head to r/o brain mets next week")


def test_a_bare_result_is_a_denial_only() -> None:
    assert denial_only(" neg ")
    assert denial_only("Not Detected")
    assert not denial_only("HDV")


def test_a_present_condition_misread_as_denied_would_offer_a_trial() -> None:
    """The safety case: a pseudo-negation must keep the exclusion decisive."""
    trial = hand_trial(
        "NCT93100001",
        ["Adults with solid tumours"],
        ["Atrial fibrillation"],
        [],
    )
    assistant = Assistant(InMemoryTrialReader([trial]))
    answer = assistant.ask("70M colorectal ca, ECOG 1, no interval change in his AF on apixaban. Any trials?")
    assert [v.verdict for v in answer.verdicts] == ["excluded"]


def test_a_judgement_of_what_may_come_says_nothing_of_the_past() -> None:
    assert "radiotherapy" not in _present("58M, brain lesion, not a candidate for SRS per neurosurgery")
