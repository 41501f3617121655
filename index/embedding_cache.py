"""Vectors already computed, keyed by (sha256 of the text, embedding model name), in one SQLite file.

Many chunk texts recur across trials (headings and boilerplate such as "PATIENT CHARACTERISTICS:"
or "Minimum age: 18 Years / Sex: ALL / Healthy volunteers: No": 10,132 of the 33,255 chunk texts
of the 1,000-record ClinicalTrials.gov sample repeat one seen before; being short, they are 8% of
its tokens, so the model's work falls by ~8%), and a re-index after a settings change that keeps
the model re-embeds the same texts. `CachingEmbedder` wraps any `Embedder`: it embeds each
distinct text of a call once, looks the rest up here, and stores what it computed.

The file lives in TRIALS_HOME even when the index is on a Chroma server: it is only a cache, and
losing it costs time, never data. Two processes on one home may write it at once (WAL journal,
`INSERT OR IGNORE`: both compute the same vector for the same key, so whichever lands first is
right). A cache file that cannot be opened, read or written (damaged, not a database, read-only)
is reported once and indexing goes on without it.
"""

from __future__ import annotations

import hashlib
import sqlite3
import sys
from array import array
from collections.abc import Iterable, Sequence
from pathlib import Path

from langchain_core.embeddings import Embeddings

from index.local_db import connect_wal
from index.seams import Embedder

# SQLite binds at most 32,766 variables per statement (999 before 3.32); a lookup of a whole
# model call (2,048 chunks) is split into pages well below either limit.
_LOOKUP_PAGE = 900
# A second writer waits this long for the first one's transaction (a few ms each) before the
# write is given up as a cache failure.
_BUSY_SECONDS = 30.0
# A rowid table, not WITHOUT ROWID: a 1.5 KB row overflows a WITHOUT ROWID b-tree page, which took
# 138 MB for the 29,413 vectors of 1,175 trials; with rowids the same rows take ~59 MB.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    text_sha256 BLOB NOT NULL,
    model TEXT NOT NULL,
    vector BLOB NOT NULL,  -- float32, native byte order: the model's own precision
    PRIMARY KEY (text_sha256, model)
)
"""


def text_key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


class EmbeddingCache:
    """The cache file. Every method degrades to "nothing cached" once the file has failed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._connection: sqlite3.Connection | None = None
        self._failed = False

    def lookup(self, model: str, keys: Sequence[bytes]) -> dict[bytes, list[float]]:
        found: dict[bytes, list[float]] = {}
        connection = self._connect()
        if connection is None:
            return found
        try:
            for start in range(0, len(keys), _LOOKUP_PAGE):
                page = keys[start : start + _LOOKUP_PAGE]
                marks = ",".join("?" * len(page))
                rows = connection.execute(
                    f"SELECT text_sha256, vector FROM vectors WHERE model = ? AND text_sha256 IN ({marks})",
                    [model, *page],
                )
                for key, blob in rows:
                    found[key] = array("f", blob).tolist()
        except sqlite3.Error as exc:
            self._give_up("read", exc)
            return {}
        return found

    def store(self, model: str, items: Iterable[tuple[bytes, Sequence[float]]]) -> None:
        connection = self._connect()
        if connection is None:
            return
        rows = [(key, model, array("f", vector).tobytes()) for key, vector in items]
        try:
            with connection:  # one transaction: a second writer waits for all of it or none
                connection.executemany(
                    "INSERT OR IGNORE INTO vectors (text_sha256, model, vector) VALUES (?, ?, ?)", rows
                )
        except sqlite3.Error as exc:
            self._give_up("write", exc)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _connect(self) -> sqlite3.Connection | None:
        if self._connection is not None or self._failed:
            return self._connection
        try:
            # WAL: readers never block the writer, and a second process's writes queue on the busy
            # timeout instead of failing. Both statements read the header, so a file that is not a
            # database fails here, before any vector is looked up.
            connection = connect_wal(self.path, _BUSY_SECONDS)
            try:
                connection.execute(_SCHEMA)
            except sqlite3.Error:
                connection.close()
                raise
        except (sqlite3.Error, OSError) as exc:
            self._give_up("open", exc)
            return None
        self._connection = connection
        return connection

    def _give_up(self, action: str, exc: Exception) -> None:
        self.close()
        self._failed = True
        print(
            f"warning: cannot {action} the embedding cache {self.path} ({exc}); indexing goes on "
            "without it, embedding every text. Delete or move that file to start a new cache.",
            file=sys.stderr,
        )


class CachingEmbedder(Embeddings):
    """An `Embedder` that embeds each distinct text once and remembers vectors in an `EmbeddingCache`.

    Only documents go through the cache: a query is embedded once, by a reader (`serve`, `ask`)
    that should not write into the index's home."""

    def __init__(self, inner: Embedder, cache: EmbeddingCache) -> None:
        self.inner = inner
        self.name = inner.name
        self.cache = cache
        self.requested = 0  # texts asked for
        self.embedded = 0  # texts the model computed: requested minus repeats minus cache hits

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        keys = [text_key(text) for text in texts]
        distinct = dict(zip(keys, texts, strict=True))  # the first text of each key, in order
        vectors = self.cache.lookup(self.name, list(distinct))
        missing = [key for key in distinct if key not in vectors]
        if missing:
            computed = self.inner.embed_documents([distinct[key] for key in missing])
            fresh = dict(zip(missing, computed, strict=True))
            self.cache.store(self.name, fresh.items())
            vectors.update(fresh)
        self.requested += len(texts)
        self.embedded += len(missing)
        return [vectors[key] for key in keys]

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)

    @property
    def hit_rate(self) -> float:
        """Share of requested texts not computed by the model (repeats in a call, or found cached)."""
        return 1 - self.embedded / self.requested if self.requested else 0.0
