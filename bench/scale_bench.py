"""How answering grows with the corpus: the 5 seeds, the 1,170 real CT.gov records, and 10k and 100k
trials made by replicating those records under new NCT IDs (copies of real records, not new ones).

Per question kind: the first answer and warm p50/p95 latency, and the answer JSON's size; per
corpus: the keyword index and fact store builds and the memory the process holds. Answers come from
an in-memory reader (records enriched once, no vectors), so the figures are the assistant's own
reading, evaluation and keyword search; open questions use the persistent keyword (FTS5) index,
without the dense half. Set and matching questions ask the fact store (an in-memory SQLite one here)
which trials their tests rule out or leave unstated; their p50/p95 without it (every trial
evaluated, as before the store) are printed beside.

A copy shares its unchanged parts (criteria, facts) with the record it copies, so the memory figures
of replicated corpora are below what as many distinct records would take; the 1,170 real records'
figure, per trial, is the honest one, and a 100k estimate from it is printed.

At 100k the figures are a serving process's: the replicated records are written to a fact store in
a fresh TRIALS_HOME (as `trials index` leaves it past `records_held_whole` trials), and a separate
process opens that index as `trials serve` does (bench/serve_probe.py), answers, and reports its
memory. That index's Chroma collections hold only its generation, not the 100k records: questions
past `records_held_whole` read records from the fact store, never from Chroma (writing 2.7 GB of
record JSON into Chroma would take ~6 min and ~14 GB of disk here, measured on 4,680 records), so
open questions (which search Chroma's chunks) are not asked there. Set-by-concept and matching
questions read thousands of records there, so they are asked once each, last, and the process's
memory is reported after every kind. Records parsed from the fact store share nothing, so this
memory figure is that of distinct records.
"""

from __future__ import annotations

import gc
import json
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path

from assistant.models import Answer
from assistant.service import Assistant
from index.fact_store import FactStore, sqlite_engine, store_key
from index.memory import RecordsReader, read_records
from index.models import Trial
from index.settings import Settings
from index.store import open_store

REPO = Path(__file__).resolve().parent.parent
CTGOV = REPO.parent / "shared" / "data" / "ctgov"
SEEDS = REPO / "seeds"
REPLICATED = (10_000, 100_000)
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
LARGEST_ASKED = ("set", "filter", "one-trial")  # at 100k: the kinds that read few records
SLOW_AT_LARGEST = ("set-concept", "vignette")  # at 100k: asked once (each reads thousands of records)
SERVED_ROUNDS = 5


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


def json_kib(answer: Answer) -> float:
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
    return first, warm, json_kib(answer)


def _release() -> None:
    """Free what earlier corpora left: readers freeze what they hold (index/heap.py), and an assistant's
    pipeline refers to itself, so only a full collection of unfrozen objects frees it."""
    gc.unfreeze()
    gc.collect()


def _corpus_lines(
    name: str, trials: list[Trial], rounds: int, kinds: Sequence[str], compare: bool
) -> tuple[list[str], dict[str, float]]:
    _release()
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
    every_trial = Assistant(RecordsReader(trials, with_fact_store=False)) if compare else None
    lines, p50s = [], {}
    for kind in kinds:
        asked = QUESTIONS[kind].format(nct_id=trials[0].nct_id)
        first, warm, kib = _measure(assistant, asked, rounds)
        p50s[kind] = statistics.median(warm)
        over = f"  over {SIZE_BUDGET_KIB} KiB" if kib > SIZE_BUDGET_KIB else ""
        without = ""
        if every_trial is not None and kind in NARROWED:
            _, unnarrowed, _ = _measure(every_trial, asked, rounds)
            without = f" {statistics.median(unnarrowed):>9.1f} {_percentile(unnarrowed, 0.95):>9.1f}"
        lines.append(
            f"{name:<14} {kind:<12} {first:>9.0f} {p50s[kind]:>9.1f} {_percentile(warm, 0.95):>9.1f} "
            f"{kib:>8.1f}{without}{over}"
        )
    held = _rss_mib() - before
    assistants = "both assistants" if compare else "one assistant"
    lines.append(
        f"{name:<14} keyword index built in {keyword_seconds:.1f} s, fact store in {store_seconds:.1f} s; "
        f"process holds {held:.0f} MiB more with this corpus loaded "
        f"({_rss_mib():.0f} MiB in all, {assistants})"
    )
    return lines, p50s


def run() -> list[str]:
    if not CTGOV.is_dir():
        return [f"skipped: {CTGOV} is absent"]
    started = time.perf_counter()
    real = read_records(CTGOV, pattern="*")[0]
    ten_k, hundred_k = REPLICATED
    corpora: dict[str, tuple[list[Trial], int, Sequence[str], bool]] = {
        "seeds": (read_records(SEEDS, pattern="*.txt")[0], 20, list(QUESTIONS), True),
        f"real {len(real)}": (real, 10, list(QUESTIONS), True),
        "replicated 10k": (replicate(real, ten_k), 5, list(QUESTIONS), True),
    }
    lines = [
        f"read + enrich {len(real)} CT.gov records: {time.perf_counter() - started:.1f} s; "
        "the 10k and 100k corpora repeat them under new NCT IDs",
        f"{'corpus':<14} {'kind':<12} {'first ms':>9} {'p50 ms':>9} {'p95 ms':>9} {'JSON KiB':>8} "
        f"{'p50 all':>9} {'p95 all':>9}   (all: every trial evaluated, no fact store)",
    ]
    measured: dict[str, tuple[int, dict[str, float]]] = {}
    for name, (trials, rounds, kinds, compare) in corpora.items():
        corpus_lines, p50s = _corpus_lines(name, trials, rounds, kinds, compare)
        lines += corpus_lines
        measured[name] = (len(trials), p50s)
    corpora.clear()  # the 10k corpus's reader and records go before the 100k one is built
    _release()
    real_mib = _real_mib_per_trial(real)
    hundred_lines, hundred = _served_lines("replicated 100k", real, hundred_k)
    lines += hundred_lines
    (small_n, small), (big_n, big) = list(measured.values())[1:]
    growth = ", ".join(f"{kind} x{big[kind] / small[kind]:.1f}" for kind in QUESTIONS if small[kind])
    lines.append(f"p50 growth from {small_n} to {big_n} trials (x{big_n / small_n:.1f}): {growth}")
    tenfold = ", ".join(f"{kind} x{hundred[kind] / big[kind]:.1f}" for kind in hundred if big[kind])
    lines.append(f"p50 growth from {big_n} to {hundred_k} trials (x10): {tenfold}")
    unasked = [kind for kind in QUESTIONS if kind not in hundred and kind not in SLOW_AT_LARGEST]
    estimate = ", ".join(f"{kind} ~{big[kind] * hundred_k / big_n:.0f} ms" for kind in unasked)
    lines.append(f"100k, kinds not asked there (linear from {big_n}, not measured): {estimate}")
    lines.append(
        f"memory per distinct real record: {real_mib * 1024:.0f} KiB, so 100k distinct records would hold "
        f"~{real_mib * hundred_k / 1024:.1f} GiB in a process that keeps every record (a serving process "
        "does up to records_held_whole trials; past that, the figure above)"
    )
    lines.append("p95 over 5 warm rounds at 10k and at 100k is their maximum")
    return lines


class _Replicas:
    """The replicated trials as the fact store's source, at the index generation given."""

    def __init__(self, trials: Sequence[Trial], generation: str | None) -> None:
        self._trials = {t.nct_id: t for t in trials}
        self._generation = generation

    def generation(self) -> str | None:
        return self._generation

    def trial_hashes(self) -> Mapping[str, str]:
        return {nct_id: t.content_hash for nct_id, t in self._trials.items()}

    def trials_of(self, nct_ids: Sequence[str]) -> list[Trial]:
        return [self._trials[n] for n in nct_ids if n in self._trials]


def _served_lines(name: str, real: Sequence[Trial], total: int) -> tuple[list[str], dict[str, float]]:
    """The figures of a separate serving process over `total` replicated trials in a fresh home."""
    with tempfile.TemporaryDirectory(prefix="scale-bench-") as home:
        settings = Settings(home=home, chroma_url=None)
        store = open_store(settings)
        store._bump_generation()  # a generation, as a write leaves it: the fact store is synced to it
        facts = FactStore(
            sqlite_engine(settings.fact_store_file()),
            store_key(settings.collection_name("trials"), store.location),
            _Replicas(replicate(real, total), store.generation()),
            str(settings.fact_store_file()),
        )
        started = time.perf_counter()
        facts.sync()
        store_seconds = time.perf_counter() - started
        del facts, store
        _release()
        probe = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.serve_probe",
                home,
                *(f"{kind}={SERVED_ROUNDS}" for kind in LARGEST_ASKED),
                *(f"{kind}=0" for kind in SLOW_AT_LARGEST),
            ],
            capture_output=True,
            text=True,
            cwd=REPO,
        )
        if probe.returncode != 0:
            raise RuntimeError(f"the serving process failed: {probe.stderr[-2000:]}")
        disk_mib = sum(p.stat().st_size for p in Path(home).rglob("*") if p.is_file()) / 2**20
    served = json.loads(probe.stdout)
    lines, p50s = [], {}
    for kind, figures in served["answers"].items():
        warm = figures["warm"]
        over = f"  over {SIZE_BUDGET_KIB} KiB" if figures["kib"] > SIZE_BUDGET_KIB else ""
        rss = f"  (process: {figures['rss']:.0f} MiB after)"
        if not warm:  # asked once
            lines.append(
                f"{name:<14} {kind:<12} {figures['first']:>9.0f} {'-':>9} {'-':>9} "
                f"{figures['kib']:>8.1f}{over}{rss}"
            )
            continue
        p50s[kind] = statistics.median(warm)
        lines.append(
            f"{name:<14} {kind:<12} {figures['first']:>9.0f} {p50s[kind]:>9.1f} "
            f"{_percentile(warm, 0.95):>9.1f} {figures['kib']:>8.1f}{over}{rss}"
        )
    memory = served["memory"]
    lines.append(
        f"{name:<14} fact store (with records and directory words) built in {store_seconds:.1f} s, "
        f"{disk_mib:.0f} MiB on disk; the serving process holds {memory['VmRSS']:.0f} MiB "
        f"(peak {memory['VmHWM']:.0f} MiB) after these answers; {', '.join(SLOW_AT_LARGEST)} asked once "
        "(first answer only)"
    )
    return lines, p50s


def _real_mib_per_trial(real: Sequence[Trial]) -> float:
    """MiB one real record takes in memory: the records parsed again from their JSON (as a serving
    process reads them from the index), counted by tracemalloc (the process's RSS does not grow while
    the allocator reuses what earlier corpora freed)."""
    documents = [t.model_dump_json() for t in real]
    _release()
    tracemalloc.start()
    parsed = [Trial.model_validate_json(document) for document in documents]
    held = tracemalloc.get_traced_memory()[0] / 2**20
    tracemalloc.stop()
    del parsed
    return held / len(real)
