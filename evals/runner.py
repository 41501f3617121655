"""`trials eval`: build fresh indexes, ask every gold conversation, score, report, and gate.

Two gold sets: the hand-written seed cases (evals/gold_seeds.yaml) over an index of seeds/, and
structured-field cases over a fixed sample of real CT.gov records (skipped when that folder is
absent). Each index is built in a temporary TRIALS_HOME with the real embedding model, so the
run neither reads nor disturbs the user's index. The system and the naive-RAG baseline answer
the same questions and are scored by the same scorer.

Two blind development sets from outside the project (evals/dev_sets.py: ../shared/evals or
$TRIALS_DEV_EVALS), each scored as its README says: the seed dev conversations over the same seed
index (evals/dev_seeds.py), and the CT.gov criteria labels over records read without embedding
(evals/dev_ctgov.py). Absent, they are skipped and reported so; under CI that fails the gate.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from pydantic import BaseModel, ConfigDict, Field

from assistant.models import Answer
from evals.baseline import NaiveRagBaseline
from evals.ctgov_gold import CTGOV_DIR, build_ctgov_gold, sample_paths
from evals.dev_ctgov import CtgovDevResult, run_ctgov_dev
from evals.dev_seeds import SeedsDevResult, load_dev_cases, record_texts, run_dev_cases
from evals.dev_sets import check_dev_gate, ci_enabled, dev_dir, locate_dev_sets
from evals.gold import GoldCase, RecordTexts, load_gold
from evals.scorer import CaseScore, MetricSummary, score_case, summarise, summarise_by_category
from index.errors import TrialsError
from index.seams import Embedder
from index.settings import Settings

if TYPE_CHECKING:
    from index.store import TrialStore

REPO = Path(__file__).resolve().parent.parent
SEEDS_DIR = REPO / "seeds"
THRESHOLDS_PATH = Path(__file__).with_name("thresholds.json")
OVERALL = "overall"


class ConversationalSystem(Protocol):
    def ask(self, question: str, session_id: str | None = None) -> Answer: ...

    def reset(self, session_id: str) -> None: ...


class CaseRun(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case: GoldCase
    answer: Answer
    score: CaseScore


class SystemRun(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    runs: list[CaseRun]
    summary: MetricSummary
    by_category: dict[str, MetricSummary]

    def failing(self) -> list[CaseRun]:
        return [run for run in self.runs if not run.score.passed]


class SuiteResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str  # "seeds" | "ctgov"
    description: str
    records: list[str]  # NCT IDs indexed for this suite
    index_seconds: float
    system: SystemRun
    baseline: SystemRun


class EvalResults(BaseModel):
    model_config = ConfigDict(extra="forbid")

    suites: list[SuiteResult]
    skipped: list[str]
    gate_failures: list[str]
    seconds: float
    # The blind dev sets; None when skipped (the reason is in `dev_skipped` and `skipped`).
    seeds_dev: SeedsDevResult | None = None
    ctgov_dev: CtgovDevResult | None = None
    dev_skipped: dict[str, str] = Field(default_factory=dict)  # suite -> why it did not run
    ci: bool = False  # CI was set: a skipped dev suite fails the gate


def ask_conversation(system: ConversationalSystem, case: GoldCase) -> tuple[Answer, list[float], str | None]:
    """Ask every turn in one session; the last answer is the one scored."""
    session = f"eval-{case.id}"
    system.reset(session)
    answer, latencies = Answer(answer=""), []
    try:
        for question in case.turns:
            started = time.perf_counter()
            answer = system.ask(question, session_id=session)
            latencies.append((time.perf_counter() - started) * 1000)
    except Exception as exc:  # one broken case must not hide the scores of the others
        return Answer(answer=""), latencies, f"{type(exc).__name__}: {exc}"
    finally:
        system.reset(session)
    return answer, latencies, None


def run_system(
    name: str, system: ConversationalSystem, cases: Sequence[GoldCase], records: RecordTexts
) -> SystemRun:
    runs: list[CaseRun] = []
    for case in cases:
        answer, latencies, error = ask_conversation(system, case)
        score = score_case(case, answer, records, latencies, error)
        runs.append(CaseRun(case=case, answer=answer, score=score))
    scores = [run.score for run in runs]
    return SystemRun(
        name=name, runs=runs, summary=summarise(scores), by_category=summarise_by_category(scores)
    )


@dataclass(frozen=True)
class IndexedRecords:
    """A fresh store holding one suite's records."""

    store: TrialStore
    settings: Settings
    seconds: float


def index_records(name: str, record_paths: Sequence[Path], home: Path, embedder: Embedder) -> IndexedRecords:
    """Index `record_paths` into a fresh store under `home`."""
    from index.pipeline import index_paths
    from index.store import open_store

    settings = Settings(home=home, chroma_url=None)
    store = open_store(settings, embedder)
    started = time.perf_counter()
    summary = index_paths(list(record_paths), store)
    seconds = time.perf_counter() - started
    if summary.failed:
        raise TrialsError(f"eval suite {name!r}: indexing failed: {summary.line()}")
    return IndexedRecords(store=store, settings=settings, seconds=seconds)


def run_suite(
    name: str,
    description: str,
    record_paths: Sequence[Path],
    cases: Sequence[GoldCase],
    indexed: IndexedRecords,
    accept_rendered_text: bool = False,
) -> SuiteResult:
    """Run system and baseline over the store `indexed` from `record_paths`.

    Citations are checked against the record files. With `accept_rendered_text` (structured
    CT.gov records, where the contract's record text is the reader's rendering of the fields)
    the stored Trial.text is accepted too.
    """
    from assistant.service import Assistant

    store, settings = indexed.store, indexed.settings
    records = RecordTexts.from_paths(record_paths)
    if accept_rendered_text:
        for trial in store.all_trials():
            records.add_rendering(trial.nct_id, trial.text)
    system = run_system("system", Assistant(store, settings), cases, records)
    rag = NaiveRagBaseline(store.vectorstore, k=settings.top_k)
    rag.embed_ahead([turn for case in cases for turn in case.turns])
    baseline = run_system("baseline", rag, cases, records)
    return SuiteResult(
        name=name,
        description=description,
        records=records.nct_ids(),
        index_seconds=indexed.seconds,
        system=system,
        baseline=baseline,
    )


def run_seeds_dev(cases_path: Path, seed_paths: Sequence[Path], indexed: IndexedRecords) -> SeedsDevResult:
    """The blind seed conversations, asked of the assistant and the naive-RAG baseline over the seed
    index, scored by the dev README's rules."""
    from assistant.service import Assistant

    cases = load_dev_cases(cases_path)
    records = record_texts(seed_paths)
    store, settings = indexed.store, indexed.settings
    system = run_dev_cases("system", Assistant(store, settings), cases, records)
    # The baseline answers every turn on its own (it keeps no conversation); the last answer is scored.
    rag = NaiveRagBaseline(store.vectorstore, k=settings.top_k)
    rag.embed_ahead([turn for case in cases for turn in case.turns])
    baseline = run_dev_cases("baseline", rag, cases, records)
    return SeedsDevResult(
        source=str(cases_path),
        description=f"{len(cases)} blind conversations over the {len(records)} seed records",
        system=system,
        baseline=baseline,
        baseline_note="naive RAG: each turn answered alone (no conversation memory), never abstains",
    )


def run_eval(
    seeds_dir: Path = SEEDS_DIR, ctgov_dir: Path = CTGOV_DIR, dev: Path | None = None
) -> EvalResults:
    from index.embedding import get_embedder

    started = time.perf_counter()
    dev_sets = locate_dev_sets(dev_dir() if dev is None else dev)
    embedder = get_embedder(Settings())
    suites: list[SuiteResult] = []
    skipped: list[str] = []
    seeds_dev: SeedsDevResult | None = None
    ctgov_dev: CtgovDevResult | None = None
    with tempfile.TemporaryDirectory(prefix="trials-eval-") as work:
        seed_paths, seed_cases = sorted(seeds_dir.glob("*.txt")), load_gold()
        description = f"{len(seed_cases)} hand-written cases over the {len(seed_paths)} seed records"
        indexed = index_records("seeds", seed_paths, Path(work) / "seeds", embedder)
        suites.append(run_suite("seeds", description, seed_paths, seed_cases, indexed))
        if dev_sets.seeds is not None:
            seeds_dev = run_seeds_dev(dev_sets.seeds, seed_paths, indexed)
        ctgov_paths = sample_paths(ctgov_dir)
        if ctgov_paths:
            cases = build_ctgov_gold(ctgov_paths)
            description = f"{len(cases)} structured-field cases over {len(ctgov_paths)} CT.gov XML records"
            indexed = index_records("ctgov", ctgov_paths, Path(work) / "ctgov", embedder)
            suites.append(run_suite("ctgov", description, ctgov_paths, cases, indexed, True))
        else:
            skipped.append(f"ctgov: no records at {ctgov_dir / 'xml_classic'}")
    if dev_sets.ctgov_labels is not None and dev_sets.ctgov_records is not None:
        ctgov_dev = run_ctgov_dev(dev_sets.ctgov_labels, dev_sets.ctgov_records)
    dev_skipped, ci = dev_sets.skipped, ci_enabled()
    under_ci = " - this FAILS the gate: CI is set" if ci else ""
    skipped += [f"{suite}: SKIPPED, {reason}{under_ci}" for suite, reason in dev_skipped.items()]
    thresholds = load_thresholds()
    failures = check_gate(suites, thresholds) + check_dev_gate(
        seeds_dev.system.counts() if seeds_dev else None,
        ctgov_dev.scores() if ctgov_dev else None,
        dev_skipped,
        thresholds,
        ci,
        seeds_dev.system.verdict_errors() if seeds_dev else None,
    )
    return EvalResults(
        suites=suites,
        skipped=skipped,
        gate_failures=failures,
        seconds=time.perf_counter() - started,
        seeds_dev=seeds_dev,
        ctgov_dev=ctgov_dev,
        dev_skipped=dev_skipped,
        ci=ci,
    )


# ---------------------------------------------------------------- the gate

Thresholds = dict[str, dict[str, dict[str, float]]]  # suite -> scope (overall|category) -> metric -> bound

# Which cases to name when a metric falls below its threshold.
_BREAKS: dict[str, Callable[[CaseScore], bool]] = {
    "exact_set_accuracy": lambda s: not s.exact_set,
    "precision": lambda s: s.false_positives > 0,
    "recall": lambda s: s.false_negatives > 0,
    "f1": lambda s: s.false_positives + s.false_negatives > 0,
    "value_accuracy": lambda s: s.value_ok is False,
    "abstention_precision": lambda s: s.abstained and s.must_abstain is False,
    "abstention_recall": lambda s: s.must_abstain is True and not s.abstained,
    "abstention_accuracy": lambda s: s.abstention_ok is False,
    "citation_validity": lambda s: not s.citation_valid,
    "overall": lambda s: not s.passed,
}


def load_thresholds(path: Path = THRESHOLDS_PATH) -> Thresholds:
    data: Thresholds = json.loads(path.read_text(encoding="utf-8"))
    return data


def check_gate(suites: Sequence[SuiteResult], thresholds: Thresholds) -> list[str]:
    """One message per metric below its minimum (or, for *_ms latencies, above its maximum)."""
    failures: list[str] = []
    for suite in suites:
        for scope, bounds in thresholds.get(suite.name, {}).items():
            summary = suite.system.summary if scope == OVERALL else suite.system.by_category.get(scope)
            if summary is None:
                failures.append(f"{suite.name}/{scope}: no cases in this category")
                continue
            scores = [r.score for r in suite.system.runs if scope in (OVERALL, r.score.category)]
            for metric, bound in bounds.items():
                failures.extend(_check_metric(suite.name, scope, metric, bound, summary, scores))
    return failures


def _check_metric(
    suite: str, scope: str, metric: str, bound: float, summary: MetricSummary, scores: list[CaseScore]
) -> list[str]:
    actual = summary.metric(metric)
    is_latency = metric.endswith("_ms")
    if actual is not None and (actual <= bound if is_latency else actual >= bound):
        return []
    relation = f"above the maximum {bound}" if is_latency else f"below the minimum {bound}"
    shown = f"= {actual:.3f}, {relation}" if actual is not None else f"is undefined (bound {bound})"
    broke = [s.id for s in scores if _BREAKS.get(metric, lambda s: False)(s)]
    cases = f"; cases: {', '.join(broke)}" if broke else ""
    return [f"{suite}/{scope} {metric} {shown}{cases}"]


# ---------------------------------------------------------------- the command


def eval_command(report_dir: str | None) -> int:
    from evals.report import format_table, write_report

    try:
        results = run_eval()
    except TrialsError as exc:
        print(f"trials eval: {exc}", file=sys.stderr)
        return 2
    print(format_table(results))
    if report_dir is not None:
        written = write_report(results, Path(report_dir))
        print(f"report: {', '.join(str(p) for p in written)}")
    for note in results.skipped:
        print(f"skipped {note}")
    print(f"eval took {results.seconds:.1f} s")
    if results.gate_failures:
        print("GATE FAILED:", file=sys.stderr)
        for failure in results.gate_failures:
            print(f"  {failure}", file=sys.stderr)
        return 1
    print("gate passed")
    return 0
