"""Index throughput end to end next to the raw embedding model on the same texts.

Indexes the seeds plus a sample of real ClinicalTrials.gov XML records into a temporary
TRIALS_HOME (an empty embedding cache), then times `model.encode` alone on every chunk text the
index stored, repeats included, so the ratio shows what the whole pipeline achieves against the
model with nothing skipped. The cache hit rate says how much of that comes from texts embedded
once, and the model-computed rate below it leaves those savings out. Then indexes the same records
into a new index on the same home (a settings change that keeps the model: every vector is
cached), which times reading, enrichment, chunking and Chroma without the model, and re-runs the
first index (everything unchanged) to time the incremental path.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from index.embedding import SentenceTransformerEmbedder
from index.embedding_cache import CachingEmbedder, EmbeddingCache
from index.onnx_embedding import OnnxEmbedder
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
        model = (
            OnnxEmbedder(settings.embedding_model, settings.embedding_batch_size, settings.model_cache)
            if settings.embedding_backend == "onnx"
            else SentenceTransformerEmbedder(settings.embedding_model, settings.embedding_batch_size)
        )
        started = time.perf_counter()
        model.encode(["warm-up"])  # model load is a one-off cost, reported on its own
        load_seconds = time.perf_counter() - started
        embedder = CachingEmbedder(model, EmbeddingCache(settings.embedding_cache_file()))
        store = open_store(settings, embedder)

        first = index_paths(paths, store)
        requested, computed = embedder.requested, embedder.embedded
        texts = [c.text for c in store.all_chunks()]
        started = time.perf_counter()
        model.encode(texts)
        raw_seconds = time.perf_counter() - started

        renamed = settings.model_copy(update={"collection_prefix": "bench-renamed"})
        warm = index_paths(paths, open_store(renamed, embedder))
        warm_computed = embedder.embedded - computed
        rerun = index_paths(paths, store)
        embedder.cache.close()

    index_rate = first.chunks / first.seconds
    raw_rate = len(texts) / raw_seconds
    computed_rate = computed / first.seconds
    return [
        f"input: {described}; model {settings.embedding_model} on {settings.embedding_backend} "
        f"loaded in {load_seconds:.1f} s",
        f"first run (empty cache): {first.line()}",
        f"index end to end: {index_rate:.1f} chunks/s ({first.chunks} chunks in {first.seconds:.1f} s)",
        f"model.encode alone: {raw_rate:.1f} chunks/s (same {len(texts)} texts in {raw_seconds:.1f} s)",
        f"ratio index/model: {index_rate / raw_rate:.2f} (the index also embeds one title per trial)",
        f"embedding cache: {1 - computed / requested:.1%} hits ({requested - computed} of {requested} "
        "texts, chunks and titles, were repeats the model did not compute)",
        f"without the cache's savings: {computed_rate:.1f} texts computed/s, "
        f"{computed_rate / raw_rate:.2f} of the model alone",
        f"new index, same model and cache: {warm.seconds:.1f} s, {warm_computed} texts computed, "
        f"{warm.seconds / raw_seconds:.0%} of model.encode's time for these chunks (the rest of the "
        f"pipeline on its own); {warm.line()}",
        f"re-run (all unchanged): {rerun.seconds:.2f} s; {rerun.line()}",
        # Other work on a shared machine skews both timings; this says how much there was.
        f"1-min load average: {load_before:.1f} at start, {os.getloadavg()[0]:.1f} at end "
        f"({os.cpu_count()} CPUs)",
    ]
