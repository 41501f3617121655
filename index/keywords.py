"""Keyword search over every committed chunk, from a persistent SQLite FTS5 index (BM25 ranking).

It replaces a BM25 index rebuilt in memory by every process from every chunk (seconds and a copy
of the corpus per process at 1,000 trials). The FTS file is derived data: it is kept in step with
its source (the Chroma store, or trials held in memory) trial by trial, by content hash, whenever
the source's generation changes, so it is filled by `trials index` right after a run, by any
serving process that finds it behind (another host writing to a shared Chroma server), and rebuilt
from scratch if it is deleted. Writers take SQLite's write lock, so two processes syncing the same
file wait for each other instead of writing twice.

Texts are indexed as the project's tokens (lower-case letters and digits, hyphenated compounds kept
whole: "t-dm1-induced"), so a question is matched by exactly the words it shares with a record.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from index.errors import IndexStoreError
from index.local_db import connect_wal
from index.models import Chunk

_TOKEN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_SYNC_BATCH = 200  # trials whose chunks are read from the source at a time
_BUSY_MS = 120_000  # how long a process waits for another one's sync to finish

_SCHEMA = (
    # chunks: what a hit returns; passages: the FTS5 index over their tokens (same rowid)
    "CREATE TABLE IF NOT EXISTS chunks (rowid INTEGER PRIMARY KEY, nct_id TEXT NOT NULL, "
    "section TEXT NOT NULL, chunk TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS chunks_by_trial ON chunks (nct_id)",
    "CREATE VIRTUAL TABLE IF NOT EXISTS passages USING fts5(body, tokenize=\"unicode61 tokenchars '-'\")",
    "CREATE VIRTUAL TABLE IF NOT EXISTS passage_terms USING fts5vocab(passages, 'row')",
    "CREATE TABLE IF NOT EXISTS synced (nct_id TEXT PRIMARY KEY, content_hash TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
)


def tokens(text: str) -> list[str]:
    """The words keyword search matches on: lower-case runs of letters and digits, hyphenated
    compounds whole."""
    return _TOKEN.findall(text.lower())


# Words that tell nothing of what a question or a record is about.
_STOPWORD_LINES = (
    "a an the of in on for to and or with without by from at as is are was were be been being do does did",
    "what which who whom whose why how when where there this that these those it its they them their i me my",
    "we our you your he she his her can could would should will shall may might must about any all some into",
    "than then so such not no yes if also tell please trial trials study studies record records patient",
    "patients participants being studied used use criteria criterion inclusion exclusion mention mentions",
    "say says state states stated protocol protocols once",
)
STOPWORDS = frozenset(word for line in _STOPWORD_LINES for word in line.split())


def content_words(text: str) -> set[str]:
    """Telling words, with the leading parts of hyphenated compounds ("t-dm1-induced" also gives
    "t-dm1") so a question's "T-DM1" meets the record's "T-DM1-induced"."""
    words: set[str] = set()
    for token in tokens(text):
        parts = token.split("-")
        words.update("-".join(parts[:n]) for n in range(1, len(parts) + 1))
    return {w for w in words if w not in STOPWORDS and len(w) > 1}


def singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


class ChunkSource(Protocol):
    """What the keyword index is derived from (TrialStore, or trials held in memory)."""

    def generation(self) -> str | None: ...

    def trial_hashes(self) -> Mapping[str, str]: ...

    def chunks_of(self, nct_ids: Sequence[str]) -> list[Chunk]: ...


class KeywordIndex:
    """BM25 keyword search over a source's committed chunks, synced on first use after each write."""

    def __init__(self, path: Path | None, source: ChunkSource, refresh_seconds: float = 1.0) -> None:
        self.path = path
        self._source = source
        self._refresh_seconds = refresh_seconds
        self._lock = threading.Lock()
        self._db = self._connect()
        self._synced_generation: str | None = None
        self._checked_at: float | None = None
        self._corpus_size = 0
        self._weights: dict[str, float] = {}

    def _connect(self) -> sqlite3.Connection:
        where = ":memory:" if self.path is None else str(self.path)
        try:
            db = (
                sqlite3.connect(where, check_same_thread=False, isolation_level=None)
                if self.path is None
                else connect_wal(self.path, _BUSY_MS / 1000, autocommit=True)  # readers never wait for a sync
            )
            for statement in _SCHEMA:
                db.execute(statement)
        except sqlite3.Error as exc:
            raise IndexStoreError(
                f"keyword index {where}: cannot open it: {exc} (it is derived data: delete the file "
                "and it is rebuilt from the index)"
            ) from exc
        return db

    # ---- keeping in step with the source ---------------------------------------------------------

    @property
    def generation(self) -> str | None:
        """The source generation the index was last brought up to (after `sync`)."""
        return self._synced_generation

    def sync(self, force: bool = False) -> int:
        """Bring the index up to the source's current generation; returns the trials re-read.

        The source is asked for its generation at most every `refresh_seconds` (unless `force`)."""
        now = time.monotonic()
        with self._lock:
            if not force and self._checked_at is not None and now - self._checked_at < self._refresh_seconds:
                return 0
            self._checked_at = now
            current = self._source.generation()
            if current is not None and current == self._synced_generation:
                return 0
            try:
                changed = self._sync_to(current)
            except sqlite3.Error as exc:
                raise IndexStoreError(
                    f"keyword index {self.path or 'in memory'}: cannot update it: {exc}"
                ) from exc
            self._synced_generation = current
            self._corpus_size = self._db.execute("SELECT count(*) FROM chunks").fetchone()[0]
            self._weights = {}
            return changed

    def _sync_to(self, generation: str | None) -> int:
        db = self._db
        db.execute("BEGIN IMMEDIATE")  # one writer at a time, across processes
        try:
            stored = db.execute("SELECT value FROM state WHERE key = 'generation'").fetchone()
            if generation is not None and stored is not None and stored[0] == generation:
                db.execute("COMMIT")  # another process synced it while this one waited
                return 0
            # Hashes are read after the generation: a write landing in between leaves a newer
            # generation than the one stored here, so the next sync looks again.
            wanted = dict(self._source.trial_hashes())
            held = dict(db.execute("SELECT nct_id, content_hash FROM synced").fetchall())
            stale = [n for n in held if wanted.get(n) != held[n]]
            fresh = sorted(n for n, h in wanted.items() if held.get(n) != h)
            for start in range(0, len(stale), _SYNC_BATCH):
                self._drop(stale[start : start + _SYNC_BATCH])
            for start in range(0, len(fresh), _SYNC_BATCH):
                batch = fresh[start : start + _SYNC_BATCH]
                self._add(self._source.chunks_of(batch))
                db.executemany("INSERT OR REPLACE INTO synced VALUES (?, ?)", [(n, wanted[n]) for n in batch])
            db.execute("INSERT OR REPLACE INTO state VALUES ('generation', ?)", (generation or "",))
            db.execute("COMMIT")
            return len(fresh) + len([n for n in stale if n not in wanted])
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _drop(self, nct_ids: Sequence[str]) -> None:
        marks = ",".join("?" * len(nct_ids))
        self._db.execute(
            f"DELETE FROM passages WHERE rowid IN (SELECT rowid FROM chunks WHERE nct_id IN ({marks}))",
            list(nct_ids),
        )
        self._db.execute(f"DELETE FROM chunks WHERE nct_id IN ({marks})", list(nct_ids))
        self._db.execute(f"DELETE FROM synced WHERE nct_id IN ({marks})", list(nct_ids))

    def _add(self, chunks: Sequence[Chunk]) -> None:
        for chunk in chunks:
            cursor = self._db.execute(
                "INSERT INTO chunks (nct_id, section, chunk) VALUES (?, ?, ?)",
                (chunk.nct_id, chunk.section, chunk.model_dump_json()),
            )
            self._db.execute(
                "INSERT INTO passages (rowid, body) VALUES (?, ?)",
                (cursor.lastrowid, " ".join(tokens(chunk.text))),
            )

    # ---- searching -----------------------------------------------------------------------------

    def search(
        self, words: Sequence[str], k: int, nct_ids: Sequence[str] | None = None, section: str | None = None
    ) -> list[tuple[Chunk, float]]:
        """The k chunks that best match any of `words` (tokens), by BM25, best first; the score is
        positive, higher is better."""
        self.sync()
        terms = sorted({w for w in words if _TOKEN.fullmatch(w)})
        if k <= 0 or not terms or (nct_ids is not None and not nct_ids):
            return []
        match = " OR ".join(f'"{t}"' for t in terms)  # tokens hold no quote: safe in a phrase
        # The best k passages are found before their chunks are read: reading the chunk of every
        # passage that holds a word (then keeping k) was most of a search at 10k trials.
        hits = "SELECT rowid, bm25(passages) AS score FROM passages WHERE passages MATCH ?"
        parameters: list[object] = [match]
        if nct_ids is not None or section is not None:
            hits += " AND rowid IN (SELECT rowid FROM chunks WHERE 1"
            if nct_ids is not None:
                hits += " AND nct_id IN (SELECT value FROM json_each(?))"
                parameters.append(json.dumps(list(nct_ids)))
            if section is not None:
                hits += " AND section = ?"
                parameters.append(section)
            hits += ")"
        sql = (
            f"SELECT chunks.chunk, hit.score FROM ({hits} ORDER BY score, rowid LIMIT ?) AS hit "
            "JOIN chunks ON chunks.rowid = hit.rowid ORDER BY hit.score, hit.rowid"
        )
        parameters.append(k)
        with self._lock:
            rows = self._db.execute(sql, parameters).fetchall()
        return [(Chunk.model_validate_json(chunk), -score) for chunk, score in rows]

    def weight(self, word: str) -> float:
        """How telling a word is: its BM25 inverse document frequency over the chunks, 0 for a word
        no chunk holds (or one in more than half of them)."""
        self.sync()
        with self._lock:
            if word not in self._weights:
                row = self._db.execute("SELECT doc FROM passage_terms WHERE term = ?", (word,)).fetchone()
                held = row[0] if row else 0
                size = self._corpus_size
                self._weights[word] = max(math.log((size - held + 0.5) / (held + 0.5)), 0.0) if held else 0.0
            return self._weights[word]

    def vocabulary(self, min_length: int) -> list[str]:
        """Every indexed word at least `min_length` letters long."""
        self.sync()
        with self._lock:
            rows = self._db.execute("SELECT term FROM passage_terms WHERE length(term) >= ?", (min_length,))
            return [term for (term,) in rows.fetchall()]

    def close(self) -> None:
        self._db.close()
