"""Scores answers against gold cases: per case, per category, and one overall score.

Metrics (a category's numbers are over its cases; "overall" over all cases):
- exact-set accuracy: the answer's `trials` equal the gold set (or list, when `ordered`).
- precision / recall / F1 of `trials`, micro-averaged over cases (nothing claimed = precision 1).
- value accuracy: over cases with value or forbidden patterns, every `values` regex occurs in the
  answer text and no `forbidden` one does.
- abstention precision / recall over cases whose gold says abstain or not (None = either is fine,
  and then an abstention is expected to name no trials); abstention accuracy is the share of
  those cases where `abstained` matches.
- citation validity: every cited quote occurs verbatim (whitespace and markdown escapes
  normalised) in the cited trial's record, and every trial in `trials` is cited.
- latency p50/p95 over every question asked (ms).
The overall score is the mean of exact-set accuracy, F1, value accuracy, abstention accuracy and
citation validity (those a set of cases defines).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

from pydantic import BaseModel, ConfigDict, Field

from assistant.models import Answer
from evals.gold import GoldCase, RecordTexts, normalise_text

HEADLINE_METRICS = (
    "exact_set_accuracy",
    "f1",
    "value_accuracy",
    "abstention_accuracy",
    "citation_validity",
)


class CaseScore(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    category: str
    exact_set: bool
    true_positives: int
    false_positives: int
    false_negatives: int
    f1: float
    value_ok: bool | None  # None: the case has no value or forbidden patterns
    value_failures: list[str] = Field(default_factory=list)
    must_abstain: bool | None
    abstained: bool
    citation_valid: bool
    citation_problems: list[str] = Field(default_factory=list)
    latencies_ms: list[float] = Field(default_factory=list)
    error: str | None = None

    @property
    def abstention_ok(self) -> bool | None:
        return None if self.must_abstain is None else self.must_abstain == self.abstained

    @property
    def passed(self) -> bool:
        return (
            self.error is None
            and self.exact_set
            and self.value_ok is not False
            and self.abstention_ok is not False
            and self.citation_valid
        )

    def failure_reasons(self) -> list[str]:
        reasons: list[str] = []
        if self.error is not None:
            reasons.append(f"error: {self.error}")
        if not self.exact_set:
            reasons.append("trials differ from gold")
        reasons.extend(f"value: {failure}" for failure in self.value_failures)
        if self.abstention_ok is False:
            reasons.append("should abstain" if self.must_abstain else "abstained but should answer")
        reasons.extend(f"citation: {problem}" for problem in self.citation_problems)
        return reasons


class MetricSummary(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cases: int
    passed: int
    exact_set_accuracy: float
    precision: float
    recall: float
    f1: float
    value_accuracy: float | None
    abstention_precision: float | None
    abstention_recall: float | None
    abstention_accuracy: float | None
    citation_validity: float
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    overall: float

    def metric(self, name: str) -> float | None:
        value = getattr(self, name)
        return None if value is None else float(value)


def score_case(
    case: GoldCase,
    answer: Answer,
    records: RecordTexts,
    latencies_ms: Sequence[float] = (),
    error: str | None = None,
) -> CaseScore:
    """Score the last answer of one gold conversation."""
    expected = case.trials
    if case.must_abstain is None and answer.abstained:
        expected = []  # abstaining was acceptable, and an abstention names no trials (the contract)
    got, want = set(answer.trials), set(expected)
    exact = answer.trials == expected if case.ordered else got == want
    tp, fp, fn = len(got & want), len(got - want), len(want - got)
    value_failures = _value_failures(case, answer.answer)
    citation_problems = _citation_problems(answer, records)
    return CaseScore(
        id=case.id,
        category=case.category,
        exact_set=exact,
        true_positives=tp,
        false_positives=fp,
        false_negatives=fn,
        f1=1.0 if not got and not want else 2 * tp / (2 * tp + fp + fn),
        value_ok=None if not case.values and not case.forbidden else not value_failures,
        value_failures=value_failures,
        must_abstain=case.must_abstain,
        abstained=answer.abstained,
        citation_valid=not citation_problems,
        citation_problems=citation_problems,
        latencies_ms=list(latencies_ms),
        error=error,
    )


def _value_failures(case: GoldCase, answer_text: str) -> list[str]:
    text = normalise_text(answer_text)
    missing = [f"missing /{p}/" for p in case.values if re.search(p, text) is None]
    present = [f"forbidden /{p}/ present" for p in case.forbidden if re.search(p, text) is not None]
    return missing + present


def _citation_problems(answer: Answer, records: RecordTexts) -> list[str]:
    problems: list[str] = []
    for citation in answer.citations:
        if citation.nct_id not in records:
            problems.append(f"cites {citation.nct_id}, which is not an indexed record")
        elif not records.contains_quote(citation.nct_id, citation.quote):
            problems.append(f"quote not in {citation.nct_id}: {_clip(citation.quote)!r}")
    cited = {citation.nct_id for citation in answer.citations}
    # Results the text only counts (beyond `Answer.shown`) carry no citations by design.
    shown = answer.trials if answer.shown is None else answer.trials[: answer.shown]
    problems.extend(f"{nct} is in trials but not cited" for nct in shown if nct not in cited)
    return problems


def _clip(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def summarise(scores: Sequence[CaseScore]) -> MetricSummary:
    """Aggregate metrics over a set of scored cases."""
    tp = sum(s.true_positives for s in scores)
    fp = sum(s.false_positives for s in scores)
    fn = sum(s.false_negatives for s in scores)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    valued = [s.value_ok for s in scores if s.value_ok is not None]
    judged = [s for s in scores if s.must_abstain is not None]
    predicted = [s for s in judged if s.abstained]
    expected = [s for s in judged if s.must_abstain]
    latencies = sorted(ms for s in scores for ms in s.latencies_ms)
    exact_set_accuracy = _share(s.exact_set for s in scores)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    value_accuracy = _share(valued) if valued else None
    abstention_accuracy = _share(s.abstention_ok for s in judged) if judged else None
    citation_validity = _share(s.citation_valid for s in scores)
    headline = [exact_set_accuracy, f1, value_accuracy, abstention_accuracy, citation_validity]
    defined = [v for v in headline if v is not None]
    return MetricSummary(
        cases=len(scores),
        passed=sum(s.passed for s in scores),
        exact_set_accuracy=exact_set_accuracy,
        precision=precision,
        recall=recall,
        f1=f1,
        value_accuracy=value_accuracy,
        abstention_precision=_share(bool(s.must_abstain) for s in predicted) if predicted else None,
        abstention_recall=_share(s.abstained for s in expected) if expected else None,
        abstention_accuracy=abstention_accuracy,
        citation_validity=citation_validity,
        latency_p50_ms=percentile(latencies, 0.50),
        latency_p95_ms=percentile(latencies, 0.95),
        overall=sum(defined) / len(defined) if defined else 0.0,
    )


def summarise_by_category(scores: Sequence[CaseScore]) -> dict[str, MetricSummary]:
    categories: dict[str, list[CaseScore]] = {}
    for score in scores:
        categories.setdefault(score.category, []).append(score)
    return {name: summarise(group) for name, group in categories.items()}


def percentile(sorted_values: Sequence[float], fraction: float) -> float | None:
    """Nearest-rank percentile of already sorted values; None when there are none."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return float(sorted_values[rank - 1])


def _share(flags: Iterable[object]) -> float:
    items = [bool(flag) for flag in flags]
    return sum(items) / len(items) if items else 0.0
