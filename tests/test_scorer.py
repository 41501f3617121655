"""The scorer loses exactly the points each kind of mistake should cost.

Records and answers here are small hand-written fixtures; every expected number is worked out by
hand in the comment next to it. The overall score is the mean of exact-set accuracy, F1, value
accuracy, abstention accuracy and citation validity (those the cases define).
"""

from __future__ import annotations

import pytest

from assistant.models import Answer, Citation
from evals.gold import GoldCase, RecordTexts
from evals.runner import CaseRun, SuiteResult, SystemRun, check_gate
from evals.scorer import percentile, score_case, summarise, summarise_by_category

ONE, TWO, THREE = "NCT00000001", "NCT00000002", "NCT00000003"
RECORDS = RecordTexts(
    {
        ONE: "Inclusion Criteria\n\n1. ECOG PS score: 0-2;\n2. Platelet count \\<75×10⁹/L;\n",
        TWO: "Inclusion Criteria\n\n* ECOG PS score for physical condition:   0-2 points;\n",
        THREE: "Inclusion Criteria\n\n9. ECOG: 0-1;\n",
    }
)
ECOG_CASE = GoldCase(
    id="ecog-2",
    category="eligibility",
    turns=["Which trials accept ECOG 2?"],
    trials=[ONE, TWO],
    values=[r"\b2\b"],
    source=[f"{ONE}: 1. ECOG PS score: 0-2;"],
)
ABSTAIN_CASE = GoldCase(
    id="capital",
    category="abstention",
    turns=["What is the capital of France?"],
    trials=[],
    must_abstain=True,
    source=["note: out of scope"],
)


def cite(nct_id: str, quote: str) -> Citation:
    return Citation(nct_id=nct_id, section="Inclusion Criteria", quote=quote)


def perfect_answer() -> Answer:
    # The second quote differs from its record in whitespace only, the third drops a markdown
    # escape (`\<`): both are the record's words and must count as verbatim.
    return Answer(
        answer="ECOG 2 is accepted by [NCT00000001] and [NCT00000002].",
        trials=[ONE, TWO],
        citations=[
            cite(ONE, "1. ECOG PS score: 0-2;"),
            cite(TWO, "ECOG PS score for physical condition: 0-2 points;"),
            cite(ONE, "Platelet count <75×10⁹/L;"),
        ],
    )


def test_a_perfect_answer_scores_one_everywhere() -> None:
    score = score_case(ECOG_CASE, perfect_answer(), RECORDS, [12.0])
    assert score.passed and score.citation_problems == [] and score.value_failures == []
    summary = summarise([score])
    assert summary.exact_set_accuracy == summary.f1 == summary.citation_validity == 1.0
    assert summary.value_accuracy == summary.abstention_accuracy == 1.0
    assert summary.overall == 1.0


def test_a_wrong_set_loses_exact_set_and_half_the_f1() -> None:
    answer = perfect_answer().model_copy(
        update={
            "trials": [ONE, THREE],
            "citations": [cite(ONE, "ECOG PS score: 0-2;"), cite(THREE, "ECOG: 0-1;")],
        }
    )
    score = score_case(ECOG_CASE, answer, RECORDS)
    # tp = {ONE}, fp = {THREE}, fn = {TWO}: F1 = 2*1 / (2*1 + 1 + 1) = 0.5
    assert not score.exact_set
    assert (score.true_positives, score.false_positives, score.false_negatives) == (1, 1, 1)
    assert score.f1 == 0.5 and score.citation_valid and score.value_ok
    summary = summarise([score])
    assert summary.precision == 0.5 and summary.recall == 0.5
    assert summary.overall == pytest.approx((0 + 0.5 + 1 + 1 + 1) / 5)


def test_a_trial_left_uncited_loses_citation_validity_only() -> None:
    answer = perfect_answer().model_copy(update={"citations": [cite(ONE, "ECOG PS score: 0-2;")]})
    score = score_case(ECOG_CASE, answer, RECORDS)
    assert score.exact_set and score.value_ok and not score.citation_valid
    assert score.citation_problems == [f"{TWO} is in trials but not cited"]
    assert summarise([score]).overall == pytest.approx((1 + 1 + 1 + 1 + 0) / 5)


def test_a_quote_not_in_the_record_loses_citation_validity_only() -> None:
    answer = perfect_answer()
    answer.citations[1] = cite(TWO, "ECOG PS score: 0-3 points;")  # the record says 0-2
    score = score_case(ECOG_CASE, answer, RECORDS)
    assert score.exact_set and not score.citation_valid
    assert len(score.citation_problems) == 1 and score.citation_problems[0].startswith(f"quote not in {TWO}")
    assert summarise([score]).overall == pytest.approx(0.8)


def test_a_quote_from_another_trial_or_an_unknown_trial_is_invalid() -> None:
    answer = perfect_answer()
    answer.citations[1] = cite(TWO, "ECOG: 0-1;")  # THREE's words, attributed to TWO
    answer.citations.append(cite("NCT09999999", "ECOG: 0-1;"))
    problems = score_case(ECOG_CASE, answer, RECORDS).citation_problems
    assert problems == [
        f"quote not in {TWO}: 'ECOG: 0-1;'",
        "cites NCT09999999, which is not an indexed record",
    ]


def test_a_missing_abstention_loses_abstention_points() -> None:
    answer = Answer(answer="Paris.", trials=[], abstained=False)
    score = score_case(ABSTAIN_CASE, answer, RECORDS)
    assert score.exact_set and score.citation_valid and score.value_ok is None
    assert score.abstention_ok is False and not score.passed
    summary = summarise([score])
    assert summary.abstention_recall == 0.0 and summary.abstention_precision is None
    # no value patterns: overall = mean(exact 1, F1 1, abstention 0, citations 1)
    assert summary.overall == pytest.approx(0.75)


def test_abstaining_when_it_should_answer_costs_abstention_precision() -> None:
    answer = Answer(answer="I cannot answer that.", trials=[], abstained=True)
    summary = summarise([score_case(ECOG_CASE, answer, RECORDS), score_case(ABSTAIN_CASE, answer, RECORDS)])
    # two abstentions, one of them wanted: precision 1/2; the one wanted was given: recall 1
    assert summary.abstention_precision == 0.5 and summary.abstention_recall == 1.0
    assert summary.abstention_accuracy == 0.5


def test_either_is_fine_when_gold_leaves_abstention_open() -> None:
    case = ABSTAIN_CASE.model_copy(update={"must_abstain": None})
    score = score_case(case, Answer(answer="No trial mentions it."), RECORDS)
    assert score.abstention_ok is None and score.passed
    assert summarise([score]).abstention_accuracy is None


def test_an_acceptable_abstention_is_expected_to_name_no_trials() -> None:
    # "What is the maximum age for ONE?" when the record states none: naming ONE with a
    # "not stated" note or abstaining with no trials are both right; abstaining with ONE is not.
    case = ECOG_CASE.model_copy(update={"trials": [ONE], "values": ["not stated"], "must_abstain": None})
    answered = Answer(
        answer="Maximum age: not stated.", trials=[ONE], citations=[cite(ONE, "ECOG PS score: 0-2;")]
    )
    abstained = Answer(answer="The record for ONE does not state it: not stated.", abstained=True)
    assert score_case(case, answered, RECORDS).passed
    assert score_case(case, abstained, RECORDS).passed
    wrong = abstained.model_copy(update={"trials": [ONE], "citations": answered.citations})
    assert not score_case(case, wrong, RECORDS).exact_set


def test_values_must_all_appear_and_forbidden_ones_must_not() -> None:
    case = ECOG_CASE.model_copy(update={"values": [r"\b2\b", r"\b75\b"], "forbidden": [r"NCT99999999"]})
    answer = perfect_answer().model_copy(
        update={"answer": "ECOG 2: [NCT00000001], [NCT00000002], NCT99999999"}
    )
    score = score_case(case, answer, RECORDS)
    assert score.value_failures == [r"missing /\b75\b/", "forbidden /NCT99999999/ present"]
    assert score.value_ok is False and score.exact_set and score.citation_valid


def test_values_are_matched_on_text_with_markdown_escapes_removed() -> None:
    case = ECOG_CASE.model_copy(update={"values": ["<75"]})
    answer = perfect_answer().model_copy(update={"answer": "platelets \\<75 x10^9/L"})
    assert score_case(case, answer, RECORDS).value_ok


def test_ordered_cases_compare_the_order() -> None:
    case = ECOG_CASE.model_copy(update={"ordered": True})
    reversed_answer = perfect_answer().model_copy(update={"trials": [TWO, ONE]})
    assert not score_case(case, reversed_answer, RECORDS).exact_set
    assert score_case(ECOG_CASE, reversed_answer, RECORDS).exact_set


def test_errors_fail_the_case() -> None:
    score = score_case(ECOG_CASE, Answer(answer=""), RECORDS, [], error="RuntimeError: boom")
    assert not score.passed and score.failure_reasons()[0] == "error: RuntimeError: boom"


def test_categories_are_summarised_separately() -> None:
    scores = [
        score_case(ECOG_CASE, perfect_answer(), RECORDS, [10.0]),
        score_case(ABSTAIN_CASE, Answer(answer="Paris."), RECORDS, [30.0]),
    ]
    by_category = summarise_by_category(scores)
    assert by_category["eligibility"].overall == 1.0
    assert by_category["abstention"].abstention_accuracy == 0.0
    overall = summarise(scores)
    assert (overall.cases, overall.passed) == (2, 1)
    assert (overall.latency_p50_ms, overall.latency_p95_ms) == (10.0, 30.0)


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 21)]  # 1..20
    assert percentile(values, 0.5) == 10.0  # rank ceil(0.5*20) = 10
    assert percentile(values, 0.95) == 19.0  # rank ceil(0.95*20) = 19
    assert percentile([], 0.5) is None


def test_the_gate_names_the_cases_that_broke() -> None:
    good = score_case(ECOG_CASE, perfect_answer(), RECORDS, [5.0])
    bad_answer = perfect_answer().model_copy(update={"trials": [ONE]})
    bad_case = ECOG_CASE.model_copy(update={"id": "ecog-2-again"})
    bad = score_case(bad_case, bad_answer, RECORDS, [7.0])
    runs = [
        CaseRun(case=ECOG_CASE, answer=perfect_answer(), score=good),
        CaseRun(case=bad_case, answer=bad_answer, score=bad),
    ]
    scores = [good, bad]
    system = SystemRun(
        name="system", runs=runs, summary=summarise(scores), by_category=summarise_by_category(scores)
    )
    suite = SuiteResult(
        name="seeds",
        description="test",
        records=[ONE, TWO],
        index_seconds=0.0,
        system=system,
        baseline=system,
    )
    assert check_gate([suite], {"seeds": {"overall": {"exact_set_accuracy": 0.5}}}) == []
    failures = check_gate(
        [suite], {"seeds": {"eligibility": {"exact_set_accuracy": 0.9, "latency_p95_ms": 1e6}}}
    )
    assert failures == [
        "seeds/eligibility exact_set_accuracy = 0.500, below the minimum 0.9; cases: ecog-2-again"
    ]
    assert check_gate([suite], {"seeds": {"matching": {"f1": 0.5}}}) == [
        "seeds/matching: no cases in this category"
    ]
