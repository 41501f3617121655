"""Open questions: the direct answer is the record's sentences that answer the question, not the
title that restates its topic. Expected sentences were copied by hand from seeds/002_*.txt
(NCT07198672, Brief Summary)."""

from __future__ import annotations

import re

import pytest
from fakes import InMemoryTrialReader, seed_trials

from assistant.models import Answer
from assistant.quantities import kind_name
from assistant.retrieve import HybridRetriever, near_spelling, shared_words
from assistant.service import Assistant
from index.keywords import content_words
from index.models import FactKind, Trial

WHY_HETROMBOPAG = "Why is hetrombopag being studied in T-DM1 therapy?"
# NCT07198672 Brief Summary: the reasons the record gives.
ASIAN_RISK = (
    "Multiple studies indicate that Asian populations face a higher risk of developing "
    "thrombocytopenia during T-DM1 therapy, with incidence rates ranging from 52.5% to 69.8% and "
    "≥Grade 3 rates between 29.8% and 45.0%."
)
DOSE_DELAYS = (
    "Severe thrombocytopenia not only increases bleeding risks but may also necessitate T-DM1 dose "
    "delays or reductions, thereby compromising treatment efficacy and diminishing patient survival "
    "and quality of life."
)
EVIDENCE_LACKING = (
    "However, high-level evidence supporting the use of Herombopag for primary prevention of "
    "T-DM1-induced thrombocytopenia in breast cancer remains lacking."
)
TITLE = (
    "Primary Prevention of Thrombocytopenia Associated With T-DM1 Therapy in HER2 Positive Breast "
    "Cancer With Herombopag"
)


@pytest.fixture(scope="module")
def trials() -> list[Trial]:
    return seed_trials()


@pytest.fixture(scope="module")
def why_answer(trials: list[Trial]) -> Answer:
    return Assistant(InMemoryTrialReader(trials)).ask(WHY_HETROMBOPAG)


def _plain(text: str) -> str:
    return " ".join(re.sub(r"\\(.)", r"\1", text).split())


def _direct_part(answer: Answer) -> str:
    """The answer's text above the supporting passages."""
    return _plain(answer.answer.split("**Supporting passages:**")[0])


def test_why_question_is_answered_by_the_reasons_not_the_title(why_answer: Answer) -> None:
    direct = _direct_part(why_answer)
    for sentence in (ASIAN_RISK, DOSE_DELAYS, EVIDENCE_LACKING):
        assert _plain(sentence) in direct
    assert _plain(TITLE) not in direct
    assert "[NCT07198672]" in direct
    assert why_answer.trials[0] == "NCT07198672"


def test_open_answer_quotes_are_verbatim_and_cited(why_answer: Answer, trials: list[Trial]) -> None:
    records = {t.nct_id: _plain(t.text) for t in trials}
    assert why_answer.citations
    for citation in why_answer.citations:
        assert _plain(citation.quote) in records[citation.nct_id], citation
    cited = {(c.nct_id, _plain(c.quote)) for c in why_answer.citations}
    assert ("NCT07198672", _plain(EVIDENCE_LACKING)) in cited
    assert not why_answer.abstained


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("hetrombopag", "herombopag", True),  # a dropped letter in a long drug name
        ("romiplostim", "romiplostin", True),  # a changed letter
        ("hypertension", "hypotension", False),  # two edits: a different word
        ("ecog", "ecg", False),  # short words stay exact
        ("thrombopoietin", "thrombopoietin", True),
    ],
)
def test_near_spelling(a: str, b: str, expected: bool) -> None:
    assert near_spelling(a, b) is expected
    assert near_spelling(b, a) is expected


def test_hyphenated_compounds_share_their_leading_term() -> None:
    words = content_words("prevention of T-DM1-induced thrombocytopenia")
    assert "t-dm1" in words
    assert shared_words({"t-dm1", "hetrombopag"}, content_words(EVIDENCE_LACKING)) == {"t-dm1", "hetrombopag"}


def test_singular_and_plural_are_the_same_word() -> None:
    # DOSE_DELAYS says "bleeding risks" and "reductions"; "class" is not the plural of "clas".
    assert shared_words({"risk", "reduction", "delay"}, content_words(DOSE_DELAYS)) == {
        "risk",
        "reduction",
        "delay",
    }
    assert shared_words({"class"}, {"clas"}) == set()


def test_not_stated_reason_names_the_kind_for_display(trials: list[Trial]) -> None:
    assert kind_name(FactKind.ECOG) == "ECOG"
    assert kind_name(FactKind.ALT_AST) == "ALT/AST"
    assert kind_name(FactKind.LIFE_EXPECTANCY) == "life expectancy"
    # NCT05236582 states no ECOG / performance-status limit.
    answer = Assistant(InMemoryTrialReader(trials)).ask("Which trials accept ECOG 2?")
    assert "no ECOG criterion in the record" in answer.answer


def test_lexical_retrieval_finds_other_spellings_of_a_drug(trials: list[Trial]) -> None:
    # NCT05236582 (seeds/003) and NCT07198672 (seeds/002) write only "Herombopag"; the question
    # writes "hetrombopag", as NCT05394285 and NCT06433830 do.
    retriever = HybridRetriever(InMemoryTrialReader(trials), use_dense=False)
    found = {p.chunk.nct_id for p in retriever.retrieve("hetrombopag", k=40)}
    assert {"NCT05236582", "NCT07198672", "NCT05394285", "NCT06433830"} <= found
