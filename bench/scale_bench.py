"""How answering grows with the corpus: the 5 seeds, the 1,170 real CT.gov records, and ~10k trials
made by replicating those records under new NCT IDs (copies of real records, not new ones).

Per question kind: the first answer and warm p50/p95 latency, and the answer JSON's size; per
corpus: the keyword index and fact store builds and the memory the process holds. Answers come from
an in-memory reader (records enriched once, no vectors), so the figures are the assistant's own
reading, evaluation and keyword search; open questions use the persistent keyword (FTS5) index,
without the dense half. Set and matching questions ask the fact store (an in-memory SQLite one here)
which trials their tests rule out; their p50/p95 without it (every trial evaluated, as before the
store) are printed beside. 100k is not run (it would need ~10x the 10k memory): its line is a linear
estimate from the 10k figures, and says so.
"""

from __future__ import annotations

import gc
import json
import statistics
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from assistant.models import Answer
from assistant.service import Assistant
from index.memory import RecordsReader, read_records
from index.models import Trial

REPO = Path(__file__).resolve().parent.parent
CTGOV = REPO.parent / "shared" / "data" / "ctgov"
SEEDS = REPO / "seeds"
REPLICATED = 10_000
SIZE_BUDGET_KIB = 100  # an answer's JSON stays under this at any corpus size
QUESTIONS = {
    "set": "Which studies take patients with a performance status of ECOG 2?",
    "set-concept": "Which studies rule out people whose cancer has spread to the brain?",
    "filter": "Which studies are recruiting in the United States and started after 2015?",
    "open": "Why are pregnant women kept out of these studies?",
    "one-trial": "What is the maximum age in {nct_id}?",
    "vignette": "61M NSCLC, ECOG 1, plt 120, ANC 2.0, creat nl, treated brain mets, on no other study drug. "
    "Which studies could he enter?",
}
NARROWED = ("set", "set-concept", "filter", "vignette")  # kinds the fact store can narrow


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


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


def _json_kib(answer: Answer) -> float:
    """The answer's JSON as the HTTP API sends it by default (compact, one page of results)."""
    body = json.dumps(answer.contract(), ensure_ascii=False, separators=(",", ":")).encode()
    return len(body) / 1024


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _measure(assistant: Assistant, question: str, rounds: int) -> tuple[float, list[float], float]:
    started = time.perf_counter()
    answer = assistant.ask(question, session_id=uuid.uuid4().hex)
    first = (time.perf_counter() - started) * 1000
    warm = []
    for _ in range(rounds):
        started = time.perf_counter()
        assistant.ask(question, session_id=uuid.uuid4().hex)
        warm.append((time.perf_counter() - started) * 1000)
    return first, warm, _json_kib(answer)


def _corpus_lines(name: str, trials: list[Trial], rounds: int) -> tuple[list[str], dict[str, float]]:
    gc.collect()
    before = _rss_mib()
    reader = RecordsReader(trials)
    started = time.perf_counter()
    reader.keywords().sync()
    keyword_seconds = time.perf_counter() - started
    store = reader.facts()
    assert store is not None
    started = time.perf_counter()
    store.sync()
    store_seconds = time.perf_counter() - started
    assistant = Assistant(reader)
    every_trial = Assistant(RecordsReader(trials, with_fact_store=False))
    lines, p50s = [], {}
    for kind, question in QUESTIONS.items():
        asked = question.format(nct_id=trials[0].nct_id)
        first, warm, kib = _measure(assistant, asked, rounds)
        p50s[kind] = statistics.median(warm)
        over = f"  over {SIZE_BUDGET_KIB} KiB" if kib > SIZE_BUDGET_KIB else ""
        without = ""
        if kind in NARROWED:
            _, unnarrowed, _ = _measure(every_trial, asked, rounds)
            without = f" {statistics.median(unnarrowed):>9.1f} {_percentile(unnarrowed, 0.95):>9.1f}"
        lines.append(
            f"{name:<14} {kind:<12} {first:>9.0f} {p50s[kind]:>9.1f} {_percentile(warm, 0.95):>9.1f} "
            f"{kib:>8.1f}{without}{over}"
        )
    lines.append(
        f"{name:<14} keyword index built in {keyword_seconds:.1f} s, fact store in {store_seconds:.1f} s; "
        f"process holds {_rss_mib() - before:.0f} MiB more with this corpus loaded ({_rss_mib():.0f} MiB "
        "in all, both assistants)"
    )
    return lines, p50s


def run() -> list[str]:
    if not CTGOV.is_dir():
        return [f"skipped: {CTGOV} is absent"]
    started = time.perf_counter()
    real = read_records(CTGOV, pattern="*")[0]
    corpora = {
        "seeds": (read_records(SEEDS, pattern="*.txt")[0], 20),
        f"real {len(real)}": (real, 10),
        f"replicated {REPLICATED // 1000}k": (replicate(real, REPLICATED), 3),
    }
    lines = [
        f"read + enrich {len(real)} CT.gov records: {time.perf_counter() - started:.1f} s; "
        f"the {REPLICATED // 1000}k corpus repeats them under new NCT IDs",
        f"{'corpus':<14} {'kind':<12} {'first ms':>9} {'p50 ms':>9} {'p95 ms':>9} {'JSON KiB':>8} "
        f"{'p50 all':>9} {'p95 all':>9}   (all: every trial evaluated, no fact store)",
    ]
    measured: dict[str, tuple[int, dict[str, float]]] = {}
    for name, (trials, rounds) in corpora.items():
        corpus_lines, p50s = _corpus_lines(name, trials, rounds)
        lines += corpus_lines
        measured[name] = (len(trials), p50s)
    (small_n, small), (big_n, big) = list(measured.values())[1:]
    growth = ", ".join(f"{kind} x{big[kind] / small[kind]:.1f}" for kind in QUESTIONS if small[kind])
    lines.append(f"p50 growth from {small_n} to {big_n} trials (x{big_n / small_n:.1f}): {growth}")
    estimate = ", ".join(f"{kind} ~{big[kind] * 100_000 / big_n / 1000:.1f} s" for kind in QUESTIONS)
    lines.append(f"100k estimate (linear from {big_n}, not measured): {estimate}")
    lines.append(
        f"p95 over {corpora[f'replicated {REPLICATED // 1000}k'][1]} warm rounds at 10k is their maximum"
    )
    return lines
