"""Index throughput end to end next to the raw embedding model on the same texts.

Indexes the seeds plus a sample of real ClinicalTrials.gov XML records into a temporary
TRIALS_HOME, then times `model.encode` alone on exactly the chunk texts the pipeline embedded,
so the ratio shows what reading, enrichment, chunking and Chroma cost on top of the model.
Finally re-runs the index (everything unchanged) to time the incremental path.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from index.embedding import SentenceTransformerEmbedder
from index.pipeline import index_paths
from index.settings import Settings
from index.store import open_store

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
CTGOV_XML = REPO.parent / "shared" / "data" / "ctgov" / "xml_classic_1000"
CTGOV_SAMPLE = 100


def sample_paths() -> tuple[list[Path], str]:
    if not CTGOV_XML.is_dir():
        return [SEEDS], f"seeds only ({CTGOV_XML} absent)"
    sample = sorted(CTGOV_XML.glob("*.xml"))[:CTGOV_SAMPLE]
    return [SEEDS, *sample], f"seeds + {len(sample)} ctgov XML records"


def run() -> list[str]:
    paths, described = sample_paths()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="trials-bench-") as home:
        settings = Settings(home=Path(home))
        embedder = SentenceTransformerEmbedder(settings.embedding_model, settings.embedding_batch_size)
        started = time.perf_counter()
        embedder.encode(["warm-up"])  # model load is a one-off cost, reported on its own
        load_seconds = time.perf_counter() - started
        store = open_store(settings, embedder)

        first = index_paths(paths, store)
        texts = [c.text for c in store.all_chunks()]
        started = time.perf_counter()
        embedder.encode(texts)
        raw_seconds = time.perf_counter() - started
        rerun = index_paths(paths, store)

    index_rate = first.chunks / first.seconds
    raw_rate = len(texts) / raw_seconds
    return [
        f"input: {described}; model {settings.embedding_model} loaded in {load_seconds:.1f} s",
        f"first run: {first.line()}",
        f"index end to end: {index_rate:.1f} chunks/s ({first.chunks} chunks in {first.seconds:.1f} s)",
        f"model.encode alone: {raw_rate:.1f} chunks/s (same {len(texts)} texts in {raw_seconds:.1f} s)",
        f"ratio index/model: {index_rate / raw_rate:.2f} (the index also embeds one title per trial)",
        f"re-run (all unchanged): {rerun.seconds:.2f} s; {rerun.line()}",
        # Other work on a shared machine skews both timings; this says how much there was.
        f"1-min load average: {load_before:.1f} at start, {os.getloadavg()[0]:.1f} at end "
        f"({os.cpu_count()} CPUs)",
    ]
