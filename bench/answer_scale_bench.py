"""Answer latency over the 1,170 real CT.gov records: set, filter, one-trial and matching questions.

Reads and enriches every record under ../shared/data/ctgov with the real readers and fact
extraction, then answers from an in-memory reader: these question kinds never search vectors, so
the timings are the assistant's own reading and evaluation at that corpus size, side by side with
the same questions over the five seeds. Then the size of each answer's JSON, as /api/ask sends it,
at 1,170 trials and at 10,000 (the 1,170 real records replicated under new NCT IDs, so the
10k figures show growth with corpus size, not the variety of 10k distinct records). Skips cleanly
when the shared data is absent.
"""

from __future__ import annotations

import json
import statistics
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from assistant.service import Assistant
from index.memory import RecordsReader, read_records
from index.models import Trial

REPO = Path(__file__).resolve().parent.parent
CTGOV = REPO.parent / "shared" / "data" / "ctgov"
SEEDS = REPO / "seeds"
ROUNDS = 5
SCALED = 10_000  # trials in the replicated corpus the JSON size is measured at
SIZE_BUDGET_KB = 100  # an answer's JSON stays under this at SCALED trials
QUESTIONS = {
    "set": "Which trials accept ECOG 2?",
    "set-concept": "Which trials exclude patients with brain metastases?",
    "filter": "Which trials are recruiting in China with a completion date before 2030?",
    "vignette": "58F metastatic breast cancer, ECOG 1, plt 45, ANC 1.6, Hb 95 g/L, LFTs nl, creat nl, "
    "no brain mets, HIV neg, never had RT, rhTPO 3 weeks ago. Which trials could she join?",
}


def _timings(assistant: Assistant, question: str) -> tuple[float, list[float]]:
    started = time.perf_counter()
    assistant.ask(question, session_id=uuid.uuid4().hex)
    first = (time.perf_counter() - started) * 1000
    warm = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        assistant.ask(question, session_id=uuid.uuid4().hex)
        warm.append((time.perf_counter() - started) * 1000)
    return first, warm


def replicate(trials: Sequence[Trial], total: int) -> list[Trial]:
    """`total` trials: these, then copies of them under new IDs (NCT9…, which no registry record has),
    each copy's record text naming its own ID so its quotes verify."""
    copies = list(trials)
    while len(copies) < total:
        original = trials[len(copies) % len(trials)]
        nct_id = f"NCT9{len(copies):07d}"
        copies.append(
            original.model_copy(
                update={"nct_id": nct_id, "text": original.text.replace(original.nct_id, nct_id)}
            )
        )
    return copies


def json_kb(assistant: Assistant, question: str) -> tuple[int, float]:
    """The answer's result count and its JSON size in KB, serialised as the HTTP API sends it."""
    answer = assistant.ask(question, session_id=uuid.uuid4().hex)
    body = json.dumps(answer.contract(), ensure_ascii=False, separators=(",", ":")).encode()
    return len(answer.trials), len(body) / 1024


def size_lines(trials: Sequence[Trial]) -> list[str]:
    lines = [f"answer JSON (compact, as /api/ask sends it; {SCALED:,} = the records replicated, new IDs)"]
    lines.append(f"{'question':<12} {'trials':>6} {'results':>8} {'JSON KB':>8}")
    for corpus in (list(trials), replicate(trials, SCALED)):
        assistant = Assistant(RecordsReader(corpus))
        for kind, question in QUESTIONS.items():
            results, kb = json_kb(assistant, question)
            over = f"  over {SIZE_BUDGET_KB} KB" if kb > SIZE_BUDGET_KB and len(corpus) >= SCALED else ""
            lines.append(f"{kind:<12} {len(corpus):>6} {results:>8} {kb:>8.1f}{over}")
    return lines


def run() -> list[str]:
    if not CTGOV.is_dir():
        return [f"skipped: {CTGOV} is absent"]
    started = time.perf_counter()
    corpora = {"seeds": read_records(SEEDS, pattern="*.txt")[0], "ctgov": read_records(CTGOV, pattern="*")[0]}
    lines = [f"read + enrich: {len(corpora['ctgov'])} CT.gov trials in {time.perf_counter() - started:.1f} s"]
    lines.append(f"{'question':<12} {'trials':>6} {'first ms':>9} {'warm p50 ms':>12} {'warm max ms':>12}")
    for trials in corpora.values():
        assistant = Assistant(RecordsReader(trials))
        for kind, question in QUESTIONS.items():
            first, warm = _timings(assistant, question)
            p50, worst = statistics.median(warm), max(warm)
            lines.append(f"{kind:<12} {len(trials):>6} {first:>9.1f} {p50:>12.1f} {worst:>12.1f}")
    return lines + size_lines(corpora["ctgov"])
