"""Answer latency on the seed corpus, warm (p50/p95), and `trials ask` wall time from a cold start.

The seeds are indexed into a temporary TRIALS_HOME with the real pipeline; then the real
assistant (Chroma-backed store, records cached in memory after the first question) answers the
issue's question kinds repeatedly. Cold start runs `trials ask ... --json` in a fresh interpreter,
which must not import sentence-transformers/torch for a set question.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from assistant.service import Assistant
from index.pipeline import index_paths
from index.settings import Settings
from index.store import open_store

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
ROUNDS = 20
WARM_LIMIT_MS = 100.0
COLD_LIMIT_S = 5.0

# One conversation per round: follow-ups resolve against the earlier questions of the round.
CONVERSATION = [
    "Which trials accept ECOG 2?",
    "Which of those are for breast cancer?",
    "Which trials can enrol a 78-year-old?",
    "Which trials exclude patients with brain metastases?",
    "Which trials require platelets below 50 x10^9/L?",
    "What is the maximum age for NCT07162519?",
    "And for NCT05236582?",
    "Tell me about NCT07162519",
    "Compare NCT05394285 and NCT06433830 on platelet thresholds and prior-treatment washouts",
    "68-year-old woman with HER2+ breast cancer, ECOG 1, platelets 45 x10^9/L, had rhTPO 10 days ago — "
    "which trials could she enter?",
]
COLD_QUESTION = "Which trials accept ECOG 2?"


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _warm(assistant: Assistant) -> list[float]:
    assistant.ask(COLD_QUESTION)  # the first question fills the store's record cache
    timings = []
    for _ in range(ROUNDS):
        session = uuid.uuid4().hex
        for question in CONVERSATION:
            started = time.perf_counter()
            assistant.ask(question, session_id=session)
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def _cold(home: Path) -> float:
    env = {**os.environ, "TRIALS_HOME": str(home)}
    env.pop("CHROMA_URL", None)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "ask", COLD_QUESTION, "--json"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"`trials ask` failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return elapsed


def run() -> list[str]:
    with tempfile.TemporaryDirectory(prefix="trials-answer-bench-") as folder:
        home = Path(folder)
        settings = Settings(home=home)
        store = open_store(settings)
        index_paths([SEEDS], store)
        warm = _warm(Assistant(store, settings))
        cold = [_cold(home) for _ in range(3)]
    p50, p95 = statistics.median(warm), _percentile(warm, 0.95)
    return [
        f"warm answers on the seeds: {len(warm)} questions ({len(CONVERSATION)} kinds x {ROUNDS} rounds)",
        f"warm p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {max(warm):.1f} ms "
        f"(target p50 < {WARM_LIMIT_MS:.0f} ms: {'ok' if p50 < WARM_LIMIT_MS else 'MISSED'})",
        f"`trials ask` cold start: {', '.join(f'{s:.2f}' for s in cold)} s "
        f"(target < {COLD_LIMIT_S:.0f} s: {'ok' if max(cold) < COLD_LIMIT_S else 'MISSED'})",
    ]
