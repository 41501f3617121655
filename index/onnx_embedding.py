"""The embedding model run by ONNX Runtime: the vectors of the PyTorch path, computed faster.

Measured on 2,000 CT.gov chunk texts on these 2-core machines (bench/embedding_backends_bench.py):
cosine to the PyTorch vectors >= 0.99999 for every text, the same top-10 neighbours, and 1.3-1.7x
the texts per second. sentence-transformers' own `backend="onnx"` needs optimum-onnx, whose newest
release requires transformers<4.58 (we pin 5.23), so the local model folder is exported here with
`torch.onnx` once per model into `Settings.model_cache` (a user cache folder, never inside an
installed package), then run with onnxruntime and the model's own tokenizer.json. Neither torch
nor transformers is imported once the export exists.

Only the layout of all-MiniLM-L6-v2 and its kind (Transformer -> mean Pooling -> Normalize) is
run this way; any other model, or an export that fails, is embedded by PyTorch after a warning.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.embedding import EncodingEmbeddings, SentenceTransformerEmbedder, resolve_model_path

# The sentence-transformers modules this file re-implements, in order (modules.json).
_LAYOUT = [
    "sentence_transformers.models.Transformer",
    "sentence_transformers.models.Pooling",
    "sentence_transformers.models.Normalize",
]
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class OnnxUnsupported(Exception):
    """The model folder is not one this module can run; PyTorch embeds instead."""


class OnnxEmbedder(EncodingEmbeddings):
    """Normalised mean-pooled embeddings from an ONNX export of a local sentence-transformers model."""

    def __init__(self, model_name: str, batch_size: int, cache_dir: Path) -> None:
        self.name = model_name
        self.batch_size = batch_size
        self.cache_dir = cache_dir
        self._runner: _OnnxRunner | SentenceTransformerEmbedder | None = None
        # `serve` warms the model up in a thread while the first questions may arrive: one export.
        self._loading = threading.Lock()

    @property
    def runner(self) -> _OnnxRunner | SentenceTransformerEmbedder:
        with self._loading:
            if self._runner is None:
                self._runner = self._load()
            return self._runner

    def _load(self) -> _OnnxRunner | SentenceTransformerEmbedder:
        folder = resolve_model_path(self.name)
        try:
            return _OnnxRunner(folder, exported_model(folder, self.cache_dir))
        except Exception as exc:  # any failure of this faster path leaves the PyTorch one
            print(
                f"warning: embedding model {self.name!r} cannot run on ONNX Runtime ({exc}); "
                "using PyTorch (set TRIALS_EMBEDDING_BACKEND=torch to skip this attempt)",
                file=sys.stderr,
            )
            return SentenceTransformerEmbedder(self.name, self.batch_size)

    def encode(self, texts: Sequence[str]) -> Any:
        """The raw model call (a numpy array), for benchmarks that compare against it."""
        runner = self.runner
        if isinstance(runner, SentenceTransformerEmbedder):
            return runner.encode(texts)
        return runner.encode(texts, self.batch_size)


class _OnnxRunner:
    def __init__(self, folder: Path, model_file: Path) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        config = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))
        special = json.loads((folder / "special_tokens_map.json").read_text(encoding="utf-8"))
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        # tokenizer.json ships fixed 128-token padding and truncation; sentence-transformers
        # truncates at the model's max_seq_length and pads each batch to its longest text.
        self.tokenizer.enable_truncation(max_length=int(config["max_seq_length"]))
        pad = str(special["pad_token"])
        pad_id = self.tokenizer.token_to_id(pad)
        if pad_id is None:
            raise OnnxUnsupported(f"its pad token {pad!r} is not in {folder / 'tokenizer.json'}")
        self.tokenizer.enable_padding(pad_id=pad_id, pad_token=pad)
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3  # errors only: its warnings concern the graph, nothing to act on
        self.session = onnxruntime.InferenceSession(
            str(model_file), options, providers=["CPUExecutionProvider"]
        )
        self.inputs = [i.name for i in self.session.get_inputs()]

    def encode(self, texts: Sequence[str], batch_size: int) -> Any:
        # Longest first, like sentence-transformers: a batch of similar lengths pads little.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        parts = []
        for start in range(0, len(order), batch_size):
            encodings = self.tokenizer.encode_batch([texts[i] for i in order[start : start + batch_size]])
            arrays = {
                "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
            }
            hidden = self.session.run(None, {name: arrays[name] for name in self.inputs})[0]
            mask = arrays["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
            parts.append(pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None))
        in_length_order = np.concatenate(parts) if parts else np.zeros((0, 0), dtype=np.float32)
        vectors = np.empty_like(in_length_order)
        vectors[order] = in_length_order
        return vectors


_SAMPLED = 1 << 20  # bytes read from each end of a weights file to know it by


def exported_model(folder: Path, cache_dir: Path) -> Path:
    """The ONNX export of the model in `folder`, made on first use and kept in `cache_dir`."""
    _check_layout(folder)
    weights = sorted(folder.glob("*.safetensors")) + sorted(folder.glob("*.bin"))
    if not weights:
        raise OnnxUnsupported(f"no model weights (*.safetensors, *.bin) in {folder}")
    # The model's config and weights name the export, so a changed or different model never runs an
    # old export, and one model installed in several places (each clone, each virtualenv) shares one:
    # named by where it lay, every fresh install added a 90 MB export to the user cache. The weights are
    # known by their sizes and their first and last MiB (hashing all of them would cost every start).
    key = hashlib.sha256((folder / "config.json").read_bytes())
    for file in weights:
        size = file.stat().st_size
        with file.open("rb") as weights_file:
            head = weights_file.read(_SAMPLED)
            weights_file.seek(max(0, size - _SAMPLED))
            tail = weights_file.read(_SAMPLED)
        key.update(f"{file.name}:{size}:".encode() + head + tail)
    target = cache_dir / "onnx" / f"{folder.name}-{key.hexdigest()[:16]}.onnx"
    if not target.is_file():
        _export(folder, target)
    return target


def _check_layout(folder: Path) -> None:
    try:
        modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
        pooling_path = folder / modules[1]["path"] / "config.json"
        pooling = json.loads(pooling_path.read_text(encoding="utf-8"))
    except (OSError, ValueError, LookupError, TypeError) as exc:
        raise OnnxUnsupported(f"cannot read its module layout in {folder}: {exc}") from exc
    layout = [m.get("type") for m in modules]
    if layout != _LAYOUT:
        raise OnnxUnsupported(f"its modules are {layout}, not Transformer, Pooling, Normalize")
    modes = sorted(k for k, v in pooling.items() if k.startswith("pooling_mode_") and v is True)
    if modes != ["pooling_mode_mean_tokens"]:
        raise OnnxUnsupported(f"its pooling is {modes}, not mean pooling only")


def _export(folder: Path, target: Path) -> None:
    print(f"exporting embedding model {folder} to ONNX (once): {target}", file=sys.stderr)
    import torch
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # its "Loading weights" bar is noise in our output
    model = AutoModel.from_pretrained(str(folder)).eval()
    tokenizer = AutoTokenizer.from_pretrained(str(folder))

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    # Two texts of different lengths, so the traced graph keeps padding and masking general.
    example = tokenizer(
        ["a short text", "a somewhat longer second text to pad"], padding=True, return_tensors="pt"
    )
    dynamic = {"batch": 0, "tokens": 1}
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    try:
        with warnings.catch_warnings(), torch.no_grad():
            # The tracer warns that Python-level shape checks in transformers become constants;
            # the export is checked against PyTorch's vectors in the tests instead.
            warnings.simplefilter("ignore")
            torch.onnx.export(
                LastHiddenState(),
                tuple(example[name] for name in _INPUTS),
                str(partial),
                input_names=list(_INPUTS),
                output_names=["last_hidden_state"],
                dynamic_axes={
                    name: {v: k for k, v in dynamic.items()} for name in [*_INPUTS, "last_hidden_state"]
                },
                opset_version=17,
                dynamo=False,
            )
        # Two processes exporting at once each write their own file; the rename is atomic.
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
