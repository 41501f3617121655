"""The CT.gov criteria labels (ctgov_criteria_dev.json): set questions over the labelled classic-XML
records, scored by precision and recall as the dev folder's README says.

No embedding: the records are read and enriched as the indexer does (index.readers, then
index.enrich: criteria split, facts, conflicts) and the assistant answers over an in-memory
TrialReader holding only the labelled `records`. Set questions are answered from the facts of
every trial, so they never need vectors; the reader's dense search is empty (an open question
would still get BM25 passages from its chunks).

Scoring per question, both sides restricted to `records`:
- wanted: ECOG 2 -> `yes`; brain metastases -> `excluded`; platelet count N -> `min` labels that
  N satisfies (N >= value for ">=", N > value for ">").
- neutral (neither required nor counted wrong): `conditional` labels, `kps_only` for ECOG, and
  the side notes' ambiguous records (CNS involvement for brain metastases, platelet mentions that
  are no entry threshold).
- every other returned record is a false positive, every wanted one not returned a false negative.

The baseline is a naive keyword match over the same records' criteria (a criterion holding all of
the question's keywords); the existing naive-RAG baseline needs an embedded index, which this
suite does without.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from index.memory import RecordsReader, read_records
from index.models import Trial
from index.settings import Settings

PLATELET_COUNTS = (50, 75, 100)  # x10^9/L
_LOWER_AS_OK = {"ecog2": ("conditional", "kps_only"), "brain_mets": ("conditional",)}


class DevQuestion(BaseModel):
    """One set question and its gold over the labelled records."""

    model_config = ConfigDict(extra="forbid")

    key: str  # ecog2 | brain_mets | platelets_<N>
    question: str
    wanted: list[str]
    neutral: list[str]  # neither required nor counted wrong
    keywords: list[str]  # the naive baseline's: a criterion must hold every one


class SetScore(BaseModel):
    model_config = ConfigDict(extra="forbid")

    returned: int  # answer trials within `records`, neutral ones included
    true_positives: int
    false_positives: list[str]
    false_negatives: list[str]
    precision: float
    recall: float
    error: str | None = None


class QuestionResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str
    question: str
    wanted: int
    neutral: int
    system: SetScore
    baseline: SetScore


class CtgovDevResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str
    description: str
    records: int  # labelled records the questions are asked over
    missing: list[str] = Field(default_factory=list)  # labelled records no file yielded
    problems: list[str] = Field(default_factory=list)  # files or records that could not be read
    read_seconds: float  # reading + enriching the records
    ask_seconds: float  # the system answering every question
    seconds: float
    questions: list[QuestionResult]

    def scores(self) -> dict[str, tuple[float, float]]:
        """question key -> (precision, recall) of the system (for the gate)."""
        return {q.key: (q.system.precision, q.system.recall) for q in self.questions}


class DevLabels(BaseModel):
    model_config = ConfigDict(extra="ignore")

    records: list[str]
    labels: dict[str, dict[str, dict[str, object]]]
    side_notes: dict[str, object] = Field(default_factory=dict)


def load_labels(path: Path) -> DevLabels:
    return DevLabels.model_validate(json.loads(path.read_text(encoding="utf-8")))


def _with_label(labels: DevLabels, question: str, wanted: Collection[str]) -> set[str]:
    return {nct for nct, entry in labels.labels.get(question, {}).items() if entry.get("label") in wanted}


def _side_note(labels: DevLabels, name: str) -> set[str]:
    note = labels.side_notes.get(name, [])
    return {str(nct) for nct in note} if isinstance(note, list | dict) else set()


def platelet_accepts(count: float, entry: Mapping[str, object]) -> bool | None:
    """Whether a `min` platelet label lets `count` in; None when the label has no usable threshold."""
    value, comparator = entry.get("value"), entry.get("comparator")
    if not isinstance(value, int | float):
        return None
    if comparator == ">=":
        return count >= value
    if comparator == ">":
        return count > value
    return None


def build_questions(labels: DevLabels, platelet_counts: Sequence[int] = PLATELET_COUNTS) -> list[DevQuestion]:
    """The README's questions with their wanted and neutral records (all within `records`)."""
    records = set(labels.records)

    def question(
        key: str, text: str, wanted: set[str], neutral: set[str], keywords: list[str]
    ) -> DevQuestion:
        wanted, neutral = wanted & records, neutral & records
        return DevQuestion(
            key=key,
            question=text,
            wanted=sorted(wanted - neutral),
            neutral=sorted(neutral),
            keywords=keywords,
        )

    questions = [
        question(
            "ecog2",
            "Which trials accept ECOG 2?",
            _with_label(labels, "ecog2", ["yes"]),
            _with_label(labels, "ecog2", _LOWER_AS_OK["ecog2"]),
            ["ecog", "2"],
        ),
        question(
            "brain_mets",
            "Which trials exclude patients with brain metastases?",
            _with_label(labels, "brain_mets", ["excluded"]),
            _with_label(labels, "brain_mets", _LOWER_AS_OK["brain_mets"])
            | _side_note(labels, "brain_mets_not_metastases_cns_involvement"),
            ["brain", "metasta"],
        ),
    ]
    platelets = labels.labels.get("platelets", {})
    ambiguous = _with_label(labels, "platelets", ["conditional"]) | _side_note(labels, "platelets_ambiguous")
    for count in platelet_counts:
        accepts = {nct: platelet_accepts(count, e) for nct, e in platelets.items() if e.get("label") == "min"}
        questions.append(
            question(
                f"platelets_{count}",
                f"Which trials accept a platelet count of {count} x10^9/L?",
                {nct for nct, ok in accepts.items() if ok},
                ambiguous | {nct for nct, ok in accepts.items() if ok is None},
                ["platelet", str(count)],
            )
        )
    return questions


def score_set(returned: Iterable[str], question: DevQuestion, records: Collection[str]) -> SetScore:
    """Precision and recall of `returned` (restricted to `records`), neutral records left out."""
    inside = {nct for nct in returned if nct in records}
    neutral, wanted = set(question.neutral), set(question.wanted)
    judged = inside - neutral
    tp = len(judged & wanted)
    return SetScore(
        returned=len(inside),
        true_positives=tp,
        false_positives=sorted(judged - wanted),
        false_negatives=sorted(wanted - judged),
        precision=tp / len(judged) if judged else 1.0,  # nothing claimed: nothing wrong
        recall=tp / len(wanted) if wanted else 1.0,
    )


# ---------------------------------------------------------------- the records


# ---------------------------------------------------------------- the keyword baseline


def keyword_baseline(trials: Sequence[Trial], keywords: Sequence[str]) -> list[str]:
    """Trials with one criterion holding every keyword (case-insensitive; a number must stand alone,
    so "2" is found in "ECOG 0-2" but not in "12", "100" in "100,000" but not in "1000")."""
    patterns = [
        re.compile(rf"(?<![\d.]){re.escape(k)}(?![\d])" if k.isdigit() else re.escape(k), re.IGNORECASE)
        for k in keywords
    ]
    hits: list[str] = []
    for trial in trials:
        texts = [c.text for c in trial.criteria] or [trial.criteria_text or ""]
        if any(all(p.search(text) for p in patterns) for text in texts):
            hits.append(trial.nct_id)
    return hits


# ---------------------------------------------------------------- the suite


def run_ctgov_dev(
    labels_path: Path,
    records_dir: Path,
    ask: Callable[[RecordsReader, str], list[str]] | None = None,
    platelet_counts: Sequence[int] = PLATELET_COUNTS,
) -> CtgovDevResult:
    """Read the labelled records, ask every question of the system (the in-process assistant
    unless `ask` is given) and of the keyword baseline, and score both."""
    started = time.perf_counter()
    labels = load_labels(labels_path)
    records = set(labels.records)
    trials, problems = read_records(records_dir, records)
    reader = RecordsReader(trials)
    read_seconds = time.perf_counter() - started
    questions = build_questions(labels, platelet_counts)
    if ask is None:
        ask = _assistant_over(reader)
    results: list[QuestionResult] = []
    ask_started = time.perf_counter()
    for question in questions:
        error = None
        try:
            returned = ask(reader, question.question)
        except Exception as exc:  # one broken question must not hide the others
            returned, error = [], f"{type(exc).__name__}: {exc}"
        system = score_set(returned, question, records).model_copy(update={"error": error})
        baseline = score_set(keyword_baseline(trials, question.keywords), question, records)
        results.append(
            QuestionResult(
                key=question.key,
                question=question.question,
                wanted=len(question.wanted),
                neutral=len(question.neutral),
                system=system,
                baseline=baseline,
            )
        )
    ask_seconds = time.perf_counter() - ask_started
    missing = sorted(records - {t.nct_id for t in trials})
    description = (
        f"{len(questions)} set questions over the {len(trials)} labelled CT.gov classic-XML records"
        + (f" ({len(problems)} read problems)" if problems else "")
    )
    return CtgovDevResult(
        source=str(labels_path),
        description=description,
        records=len(trials),
        missing=missing,
        problems=problems,
        read_seconds=read_seconds,
        ask_seconds=ask_seconds,
        seconds=time.perf_counter() - started,
        questions=results,
    )


def _assistant_over(reader: RecordsReader) -> Callable[[RecordsReader, str], list[str]]:
    """The in-process assistant over `reader`, each question asked without a session."""
    from assistant.service import Assistant

    assistant = Assistant(reader, Settings(chroma_url=None))
    return lambda _reader, question: list(assistant.ask(question).trials)


def main() -> int:
    """`python -m evals.dev_ctgov`: this suite alone (no embedding model), its figures and its gate."""
    from evals.dev_sets import CTGOV_DEV, check_dev_gate, dev_dir, locate_dev_sets
    from evals.runner import load_thresholds

    found = locate_dev_sets(dev_dir())
    if found.ctgov_labels is None or found.ctgov_records is None:
        print(f"{CTGOV_DEV}: SKIPPED, {found.skipped.get(CTGOV_DEV, '')}")
        return 1
    result = run_ctgov_dev(found.ctgov_labels, found.ctgov_records)
    print(f"{CTGOV_DEV}: {result.description}")
    print(f"{'question':<15}{'wanted':>7}{'neutral':>8}{'system P/R':>16}{'baseline P/R':>16}")
    for q in result.questions:
        system = f"{q.system.precision:.3f}/{q.system.recall:.3f}"
        baseline = f"{q.baseline.precision:.3f}/{q.baseline.recall:.3f}"
        print(f"{q.key:<15}{q.wanted:>7}{q.neutral:>8}{system:>16}{baseline:>16}")
    print(f"read {result.read_seconds:.1f} s, asked {result.ask_seconds:.1f} s, total {result.seconds:.1f} s")
    failures = check_dev_gate(None, result.scores(), {}, load_thresholds(), ci=False)
    failures = [f for f in failures if f.startswith(CTGOV_DEV)]  # the seed dev set is not run here
    for failure in failures:
        print(f"GATE: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
