"""Answer latency over the 1,170 real CT.gov records: set, filter, one-trial and matching questions.

Reads and enriches every record under ../shared/data/ctgov with the real readers and fact
extraction, then answers from an in-memory reader: these question kinds never search vectors, so
the timings are the assistant's own reading and evaluation at that corpus size, side by side with
the same questions over the five seeds. Skips cleanly when the shared data is absent.
"""

from __future__ import annotations

import statistics
import time
import uuid
from pathlib import Path

from assistant.service import Assistant
from index.memory import RecordsReader, read_records

REPO = Path(__file__).resolve().parent.parent
CTGOV = REPO.parent / "shared" / "data" / "ctgov"
SEEDS = REPO / "seeds"
ROUNDS = 5
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
    return lines
