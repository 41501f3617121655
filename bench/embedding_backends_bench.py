"""The embedding model on PyTorch, ONNX Runtime (the default) and ONNX int8, on the same texts.

~2,000 chunk texts of real ClinicalTrials.gov records, each backend timed on all of them; then how
far the faster backends move retrieval from PyTorch's: cosine between the two vectors of each
text, the share of each text's 10 nearest neighbours (200 texts asked) that stay the same, and
recall@10 of the seed gold set: for each gold question with source quotes, whether a chunk holding
the quote is among the 10 nearest of the seed chunks plus the ~2,000 CT.gov chunks. int8 is the
dynamic quantisation sentence-transformers' `export_dynamic_quantized_onnx_model` applies, done
with onnxruntime's quantiser (that helper needs optimum, which our transformers pin excludes).
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from evals.gold import load_gold, normalise_text
from index.chunks import chunk_trial
from index.embedding import SentenceTransformerEmbedder, resolve_model_path
from index.enrich import enrich
from index.models import Chunk
from index.onnx_embedding import OnnxEmbedder, _OnnxRunner, exported_model
from index.readers import read_file
from index.settings import Settings

REPO = Path(__file__).resolve().parent.parent
CTGOV_XML = REPO.parent / "shared" / "data" / "ctgov" / "xml_classic_1000"
TEXTS = 2000
QUERIES = 200


def chunks_of(files: Sequence[Path], settings: Settings) -> list[Chunk]:
    chunks: list[Chunk] = []
    for file in files:
        for trial in read_file(file).trials:
            chunks += chunk_trial(enrich(trial), settings)
    return chunks


def top10(vectors: Any, queries: Any) -> list[set[int]]:
    return [set(np.argsort(-row)[:10].tolist()) for row in queries @ vectors.T]


def run() -> list[str]:
    if not CTGOV_XML.is_dir():
        return [f"skipped: {CTGOV_XML} absent"]
    settings = Settings()
    # Every 8th record, every 2nd of its chunks: many records, ~2,000 texts.
    texts = [c.text for c in chunks_of(sorted(CTGOV_XML.glob("*.xml"))[::8], settings)][::2][:TEXTS]
    seed_chunks = chunks_of(sorted((REPO / "seeds").glob("*.txt")), settings)
    pairs = []  # (question, indexes of the seed chunks holding one of its source quotes)
    for case in load_gold():
        for line in case.source:
            found = re.match(r"(NCT\d{8}): (.*)", line, re.DOTALL)
            if found and not case.must_abstain:
                quote = normalise_text(found.group(2))[:80]
                holding = {
                    i
                    for i, c in enumerate(seed_chunks)
                    if c.nct_id == found.group(1) and quote in normalise_text(c.text)
                }
                if holding:
                    pairs.append((case.turns[-1], holding))
    questions = sorted({question for question, _ in pairs})

    folder = resolve_model_path(settings.embedding_model)
    torch_model = SentenceTransformerEmbedder(settings.embedding_model, settings.embedding_batch_size)
    onnx_model = OnnxEmbedder(settings.embedding_model, settings.embedding_batch_size, settings.model_cache)
    with tempfile.TemporaryDirectory(prefix="trials-int8-") as work:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        int8_file = Path(work) / "model-int8.onnx"
        quantize_dynamic(exported_model(folder, settings.model_cache), int8_file, weight_type=QuantType.QInt8)
        int8 = _OnnxRunner(folder, int8_file)
        backends: dict[str, Callable[[Sequence[str]], Any]] = {
            "pytorch": torch_model.encode,
            "onnx": onnx_model.encode,
            "onnx int8": lambda batch: int8.encode(batch, settings.embedding_batch_size),
        }
        lines = [f"{len(texts)} chunk texts of {CTGOV_XML.name}; {len(pairs)} gold (question, quote) pairs"]
        vectors: dict[str, Any] = {}
        recall: dict[str, float] = {}
        for name, encode in backends.items():
            encode(["warm-up"])  # loading (and for ONNX, exporting once) is not the model's speed
            load = os.getloadavg()[0]
            started = time.perf_counter()
            vectors[name] = np.asarray(encode(texts))
            seconds = time.perf_counter() - started
            corpus = np.asarray(encode([c.text for c in seed_chunks] + texts))
            nearest = dict(zip(questions, top10(corpus, np.asarray(encode(questions))), strict=True))
            recall[name] = sum(1 for q, holding in pairs if holding & nearest[q]) / len(pairs)
            lines.append(
                f"{name}: {len(texts) / seconds:.1f} texts/s ({seconds:.1f} s, load {load:.1f}); "
                f"gold recall@10 {recall[name]:.3f}"
            )
    reference = vectors["pytorch"]
    asked = reference[:: len(texts) // QUERIES][:QUERIES]
    for name in ("onnx", "onnx int8"):
        cosine = (vectors[name] * reference).sum(axis=1)
        own = vectors[name][:: len(texts) // QUERIES][:QUERIES]
        neighbours = zip(top10(reference, asked), top10(vectors[name], own), strict=True)
        kept = [len(a & b) / 10 for a, b in neighbours]
        lines.append(
            f"{name} vs pytorch: cosine mean {cosine.mean():.5f}, min {cosine.min():.5f}; "
            f"top-10 neighbours kept {np.mean(kept):.1%}; recall@10 {recall[name] - recall['pytorch']:+.3f}"
        )
    return lines
