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
from collections.abc import Sequence
from pathlib import Path

from assistant.service import Assistant
from index.enrich import enrich
from index.models import Chunk, Trial
from index.readers import read_file

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


class _MemoryReader:
    """Enriched trials in memory; no vectors (the questions timed here never search)."""

    def __init__(self, trials: Sequence[Trial]) -> None:
        self._trials = {t.nct_id: t for t in trials}

    def all_trials(self) -> list[Trial]:
        return list(self._trials.values())

    def get_trial(self, nct_id: str) -> Trial | None:
        return self._trials.get(nct_id)

    def all_chunks(self) -> list[Chunk]:
        return []

    def search(
        self, query: str, k: int, nct_ids: Sequence[str] | None = None, section: str | None = None
    ) -> list[tuple[Chunk, float]]:
        return []


def _read(folder: Path) -> list[Trial]:
    trials: dict[str, Trial] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix in (".xml", ".json", ".txt"):
            try:
                read = read_file(path)
            except Exception:  # a bad file is skipped, as the indexer does
                continue
            trials.update({t.nct_id: enrich(t) for t in read.trials})
    return list(trials.values())


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
    corpora = {"seeds": _read(SEEDS), "ctgov": _read(CTGOV)}
    lines = [f"read + enrich: {len(corpora['ctgov'])} CT.gov trials in {time.perf_counter() - started:.1f} s"]
    lines.append(f"{'question':<12} {'trials':>6} {'first ms':>9} {'warm p50 ms':>12} {'warm max ms':>12}")
    for trials in corpora.values():
        assistant = Assistant(_MemoryReader(trials))
        for kind, question in QUESTIONS.items():
            first, warm = _timings(assistant, question)
            p50, worst = statistics.median(warm), max(warm)
            lines.append(f"{kind:<12} {len(trials):>6} {first:>9.1f} {p50:>12.1f} {worst:>12.1f}")
    return lines
