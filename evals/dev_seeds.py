"""The blind seed dev set (seeds_blind_dev.jsonl): conversations over the five seed trials, scored by
the rules of the dev folder's README (the same ones its score_dev.py applies to `trials chat`).

A conversation's turns are asked in order in one session; the last answer passes when
- trials: gold ⊆ answer.trials ⊆ gold ∪ allow;
- answer: every regex matches the answer's markdown text;
- abstain: the answer abstains, or names no trial;
- forbid: no forbidden string occurs in the answer text, nor is one of its trials;
- every answer trial that is a seed record has a citation whose quote occurs verbatim in that
  record after collapsing whitespace, dropping backslashes and lowercasing.
Categories are the id prefixes (D-S set, D-Q single-trial, D-P patient, D-M multi-turn,
D-X abstain/adversarial).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from assistant.models import Answer
from evals.gold import read_record_texts
from index.errors import QuestionError

_WHITESPACE = re.compile(r"\s+")


class DevCase(BaseModel):
    """One conversation of the blind dev set and the gold for its last answer."""

    model_config = ConfigDict(extra="ignore")  # `why` and any note for people are not scored

    id: str
    turns: list[str] = Field(min_length=1)
    trials: list[str] = Field(default_factory=list)
    allow: list[str] = Field(default_factory=list)
    answer: list[str] = Field(default_factory=list)  # regexes
    abstain: bool = False
    forbid: list[str] = Field(default_factory=list)

    @property
    def category(self) -> str:
        return self.id[:3]


class DevCaseScore(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    category: str
    asked: str  # the turns, clipped, for the failure list
    trials: list[str]  # the last answer's trials
    abstained: bool
    reasons: list[str] = Field(default_factory=list)  # empty when the case passed
    # Matching answers only: trials offered (likely eligible or needs checking) although the gold
    # says a stated patient fact excludes them, and gold candidates the answer excluded.
    unsafe: list[str] = Field(default_factory=list)
    over_excluded: list[str] = Field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.reasons


class PassCount(BaseModel):
    model_config = ConfigDict(extra="forbid")

    passed: int = 0
    cases: int = 0

    def line(self) -> str:
        return f"{self.passed}/{self.cases}"


class DevRun(BaseModel):
    """One system's answers to the whole set."""

    model_config = ConfigDict(extra="forbid")

    name: str
    cases: list[DevCaseScore]
    by_category: dict[str, PassCount]
    total: PassCount
    seconds: float

    def failing(self) -> list[DevCaseScore]:
        return [c for c in self.cases if not c.passed]

    def verdict_errors(self) -> tuple[int, int]:
        """(unsafe verdicts, over-exclusions) over the matching answers."""
        return sum(len(c.unsafe) for c in self.cases), sum(len(c.over_excluded) for c in self.cases)

    def counts(self) -> dict[str, tuple[int, int]]:
        """scope -> (passed, cases), categories and "overall" (for the gate)."""
        counts = {k: (v.passed, v.cases) for k, v in self.by_category.items()}
        counts["overall"] = (self.total.passed, self.total.cases)
        return counts


class SeedsDevResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str  # the file scored
    description: str
    system: DevRun
    baseline: DevRun | None  # None: the baseline cannot answer these (see baseline_note)
    baseline_note: str = ""


class Conversational(Protocol):
    def ask(self, question: str, session_id: str | None = None) -> Answer: ...

    def reset(self, session_id: str) -> None: ...


def load_dev_cases(path: Path) -> list[DevCase]:
    cases: list[DevCase] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            cases.append(DevCase.model_validate(json.loads(line)))
        except ValueError as error:
            raise ValueError(f"{path}:{number}: not a dev case: {error}") from error
    ids = [c.id for c in cases]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path}: duplicate case ids")
    return cases


def normalise_record(text: str) -> str:
    """The README's citation matching: backslashes dropped, whitespace collapsed, lowercased."""
    return _WHITESPACE.sub(" ", text.replace("\\", "")).strip().lower()


def record_texts(paths: Iterable[Path]) -> dict[str, str]:
    """NCT ID -> normalised record text for the seed record files."""
    texts: dict[str, str] = {}
    for path in paths:
        texts.update({nct: normalise_record(t) for nct, t in read_record_texts(path).items()})
    return texts


def score_dev_answer(
    case: DevCase, answer: Answer, records: Mapping[str, str], error: str | None = None
) -> DevCaseScore:
    """Score the last answer of one conversation; `reasons` lists every rule it breaks."""
    got, want, allow = set(answer.trials), set(case.trials), set(case.allow)
    text = answer.answer or ""
    reasons: list[str] = []
    if error is not None:
        reasons.append(f"error: {error}")
    if not (want <= got <= want | allow):
        allowed = f" (+allowed {sorted(allow)})" if allow else ""
        reasons.append(f"trials {sorted(got)} want {sorted(want)}{allowed}")
    reasons += [f"answer lacks /{rx}/" for rx in case.answer if not re.search(rx, text)]
    if case.abstain and not (answer.abstained or not got):
        reasons.append("did not abstain")
    reasons += [f"names {bad}" for bad in case.forbid if bad in text or bad in got]
    for nct in sorted(got & set(records)):
        quotes = [c.quote for c in answer.citations if c.nct_id == nct and c.quote]
        if not any(normalise_record(q) in records[nct] for q in quotes):
            reasons.append(f"no verbatim cited quote for {nct}")
    matching = answer.kind == "match"
    return DevCaseScore(
        id=case.id,
        category=case.category,
        asked=" / ".join(case.turns)[:160],
        trials=list(answer.trials),
        abstained=answer.abstained,
        reasons=reasons,
        unsafe=sorted(got - want - allow) if matching else [],
        over_excluded=sorted(want - got) if matching else [],
    )


def ask_dev_conversation(system: Conversational, case: DevCase) -> tuple[Answer, str | None]:
    """All turns in one fresh session; the last answer is scored. A refused question becomes an
    abstention, as in `trials chat --jsonl`; any other exception is the case's error."""
    session = f"dev-{case.id}"
    system.reset(session)
    answer = Answer(answer="")
    try:
        for question in case.turns:
            try:
                answer = system.ask(question, session_id=session)
            except QuestionError as exc:
                text = f"The question could not be taken: {exc}"
                answer = Answer(answer=text, abstained=True, kind="CANNOT_ANSWER")
    except Exception as exc:  # one broken case must not hide the scores of the others
        return Answer(answer=""), f"{type(exc).__name__}: {exc}"
    finally:
        system.reset(session)
    return answer, None


def run_dev_cases(
    name: str, system: Conversational, cases: Sequence[DevCase], records: Mapping[str, str]
) -> DevRun:
    started = time.perf_counter()
    scores = []
    for case in cases:
        answer, error = ask_dev_conversation(system, case)
        scores.append(score_dev_answer(case, answer, records, error))
    return summarise_dev(name, scores, time.perf_counter() - started)


def summarise_dev(name: str, scores: Sequence[DevCaseScore], seconds: float = 0.0) -> DevRun:
    by_category: dict[str, PassCount] = {}
    for score in scores:
        count = by_category.setdefault(score.category, PassCount())
        count.cases += 1
        count.passed += score.passed
    total = PassCount(passed=sum(s.passed for s in scores), cases=len(scores))
    ordered = dict(sorted(by_category.items()))
    return DevRun(name=name, cases=list(scores), by_category=ordered, total=total, seconds=seconds)
