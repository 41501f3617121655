"""A deterministic in-process embedder for tests that are not about embeddings.

Feature hashing of lower-cased word unigrams and bigrams into a fixed number of dimensions,
L2-normalised: texts sharing words get a high cosine similarity, so search tests can still
reason about which chunk ranks first. `calls` and `texts_embedded` count the work done, so
tests can assert that an incremental run embedded nothing.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence
from itertools import pairwise

from langchain_core.embeddings import Embeddings

_WORD = re.compile(r"[a-z0-9]+")


class HashingEmbedder(Embeddings):
    def __init__(self, dimensions: int = 256, name: str = "hashing-fake") -> None:
        self.name = name
        self.dimensions = dimensions
        self.calls = 0
        self.texts_embedded = 0

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls += 1
        self.texts_embedded += len(texts)
        return [self._vector(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)

    def _vector(self, text: str) -> list[float]:
        words = _WORD.findall(text.lower())
        features = words + [f"{a} {b}" for a, b in pairwise(words)]
        vector = [0.0] * self.dimensions
        for feature in features:
            digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
            slot = int.from_bytes(digest[:4], "little") % self.dimensions
            vector[slot] += 1.0 if digest[4] % 2 else -1.0
        norm = math.sqrt(sum(v * v for v in vector)) or 1.0
        return [v / norm for v in vector]
