"""The index: two Chroma collections, local (PersistentClient) or on a server (CHROMA_URL).

- chunks: one vector per Chunk (criterion or section paragraph), cosine space, with flat
  metadata; also exposed as a `langchain_chroma.Chroma` for LangChain retrievers.
- trials: one entry per trial, id = NCT ID, document = the enriched Trial as JSON, embedded from
  its title. Its metadata is also the manifest of indexed sources (source path, file hash,
  record content hash), so an index on a Chroma server is complete on its own.

A trial's chunks are always written before its record: the record is the commit marker. A
run killed half-way leaves chunks without a record, which the next run rewrites (the record is
missing, so the trial is indexed again) and which readers here never see (`all_chunks` only
returns chunks of committed trials).

Readers cache trial records and chunks in memory. Every committed write also stores a new
"generation" (a uuid in a one-entry metadata collection, so it works on a Chroma server too),
and the cached readers compare it before answering from memory: a `trials serve` process sees
what a separate `trials index` run committed on its next read, without restarting. The check is
one `get` by id: about 0.6 ms on a local index, 1.3 ms on a loopback Chroma server (measured).

Collection names hash the embedding model and chunking settings (`Settings.collection_name`),
so changing either starts a new index instead of mixing vectors from two models.
"""

from __future__ import annotations

import hashlib
import logging
import math
import shutil
import threading
import time
import uuid
from array import array
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

import chromadb
import httpx
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.errors import ChromaError
from filelock import FileLock, Timeout
from langchain_core.embeddings import Embeddings
from pydantic import BaseModel, Field, ValidationError

if TYPE_CHECKING:
    from langchain_chroma import Chroma

from index.errors import IndexBusyError, IndexStoreError
from index.fact_store import (
    FactStore,
    database_engine,
    lineage_key,
    shared_writer_lock,
    sqlite_engine,
    store_key,
)
from index.heap import keep_from_collector
from index.keywords import KeywordIndex
from index.language.vocabulary import remembered
from index.models import Chunk, Trial
from index.seams import Embedder
from index.settings import Settings, get_settings
from index.stored_trials import StoredTrials, stored_trials, too_many_to_hold

log = logging.getLogger(__name__)
_STORE_FAILURES = (ChromaError, ValueError, OSError, httpx.HTTPError)
# Below this much free space a failed write is reported as a full disk (Chroma says only
# "Error in compaction" or "database or disk is full").
_LOW_DISK_BYTES = 32 * 1024 * 1024
_CHECK_BATCH = 100
_READ_PAGE = 5000
_WRITE_BATCH = 1000  # IDs per delete: SQLite allows ~32k variables in one statement
_COSINE: Any = {"hnsw": {"space": "cosine"}}
T = TypeVar("T")
_GENERATION_ID = "generation"
# The metadata collection holds no searchable text, but Chroma requires a vector per entry.
_NO_VECTOR: Any = [[1.0]]


class RecordEntry(BaseModel):
    """What the index knows about one committed trial record (its manifest line)."""

    nct_id: str
    source: str  # resolved path of the file the record was read from
    source_hash: str  # hash of that file's bytes when it was indexed
    content_hash: str  # Trial.content_hash of the record
    last_updated: str | None = None
    chunk_count: int = 0
    # Items the source file held (trials plus unreadable items): a file is skipped as unchanged
    # only when all of them are committed, so a run killed inside a 100-study list is finished.
    source_items: int = 1

    def metadata(self) -> dict[str, str | int]:
        meta: dict[str, str | int] = {
            "nct_id": self.nct_id,
            "source": self.source,
            "source_hash": self.source_hash,
            "content_hash": self.content_hash,
            "chunk_count": self.chunk_count,
            "source_items": self.source_items,
        }
        if self.last_updated is not None:
            meta["last_updated"] = self.last_updated
        return meta


class SourceEntry(BaseModel):
    """One indexed source file: the hash it had when indexed and the trials read from it."""

    source_hash: str
    nct_ids: list[str]


class IndexCheck(BaseModel):
    """What `TrialStore.check` found (and repaired)."""

    trials: int = 0
    chunks: int = 0
    damaged: dict[str, list[str]] = Field(default_factory=dict)  # NCT ID -> what is wrong
    unreadable_records: list[str] = Field(default_factory=list)  # records that do not parse
    chunks_unreadable: str | None = None  # the whole chunk collection failed to read: why
    orphan_chunks: int = 0
    # Readable chunks a search for their own vector does not return. Not damage: the vector index
    # is approximate, and with many near-identical texts (boilerplate criteria) a healthy index has
    # some (6.5% of 33,255 chunks with the test embedder; none of 2,194 with the real model). Keyword
    # search still finds them.
    unsearchable: set[str] = Field(default_factory=set)
    repaired: list[str] = Field(default_factory=list)

    def damage(self, nct_id: str, reason: str) -> None:
        self.damaged.setdefault(nct_id, []).append(reason)

    @property
    def clean(self) -> bool:
        return not (self.damaged or self.unreadable_records or self.chunks_unreadable or self.orphan_chunks)

    def lines(self) -> list[str]:
        lines = [
            f"{nct_id}: "
            + "; ".join(f"{n} × {reason}" if n > 1 else reason for reason, n in Counter(reasons).items())
            for nct_id, reasons in sorted(self.damaged.items())
        ]
        lines += [f"{nct_id}: stored record does not parse" for nct_id in self.unreadable_records]
        if self.chunks_unreadable:
            lines.append(f"the chunk collection cannot be read: {self.chunks_unreadable}")
        if self.orphan_chunks:
            lines.append(f"{self.orphan_chunks} chunks belong to no indexed trial")
        return lines

    def note(self) -> str | None:
        if not self.unsearchable:
            return None
        return (
            f"note: {len(self.unsearchable)} of {self.chunks} chunks are readable but not returned by a "
            "search for their own vector (the vector index is approximate; keyword search finds them)"
        )


class TrialWrite(BaseModel):
    """Everything needed to commit one trial: its chunks with vectors, then its record."""

    trial: Trial
    chunks: list[Chunk]
    chunk_vectors: list[list[float]]
    title_vector: list[float]
    entry: RecordEntry


class _EmbeddingsAdapter(Embeddings):
    """Lets any `Embedder` serve as LangChain `Embeddings` for the Chroma vector store."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed_query(text)


class TrialStore:
    """The chunk and trial collections of one index (implements `index.seams.TrialReader`)."""

    def __init__(self, client: ClientAPI, settings: Settings, embedder: Embedder, location: str) -> None:
        self.settings = settings
        self.embedder = embedder
        self.location = location
        self._client = client
        self._trials_cache: dict[str, Trial] | None = None
        # the trials as the fact store holds them (an index too large to hold), once decided
        self._stored: StoredTrials | None = None
        self._stored_decided = False
        self._chunks_cache: list[Chunk] | None = None
        self._cached_generation: str | None = None  # the index generation the caches were read at
        # The generation the cached trial records are known to be at: None when a write landed
        # while they were read (Chroma reads are not one snapshot).
        self._trials_generation: str | None = None
        self._cache_lock = threading.RLock()  # serving threads share the caches
        self._generation_checked_at: float | None = None
        self._keywords: KeywordIndex | None = None
        self._facts: FactStore | None = None
        with self._failing("open the collections"):
            self._chunks = self._collection(settings.collection_name("chunks"))
            self._records = self._collection(settings.collection_name("trials"))
            self._meta = self._collection(settings.collection_name("meta"))

    @cached_property
    def vectorstore(self) -> Chroma:
        """The chunk collection as a LangChain vector store (made on first use: langchain_chroma
        takes a while to import and answering never needs it)."""
        from langchain_chroma import Chroma

        embeddings = (
            self.embedder if isinstance(self.embedder, Embeddings) else _EmbeddingsAdapter(self.embedder)
        )
        return Chroma(
            client=self._client,
            collection_name=self._chunks.name,
            embedding_function=embeddings,
            collection_configuration=_COSINE,
        )

    def _collection(self, name: str) -> Collection:
        # embedding_function=None: Chroma's default downloads a model, and we embed ourselves.
        collection = self._client.get_or_create_collection(
            name, configuration=_COSINE, metadata={"embedder": self.embedder.name}, embedding_function=None
        )
        built_with = (collection.metadata or {}).get("embedder")
        if built_with != self.embedder.name:
            raise IndexStoreError(
                f"index {self.location} collection {name!r} was built with embedder {built_with!r}, "
                f"but this process embeds with {self.embedder.name!r}"
            )
        return collection

    @contextmanager
    def _failing(self, what: str) -> Iterator[None]:
        try:
            yield
        except _STORE_FAILURES as exc:
            hint = _failure_hint(exc, None if self.settings.chroma_url else Path(self.location))
            raise IndexStoreError(f"index store {self.location}: cannot {what}: {exc}{hint}") from exc

    def _call(self, what: str, operation: Callable[[], T]) -> T:
        with self._failing(what):
            return operation()

    # ---- reading (TrialReader) -------------------------------------------------------------

    def all_trials(self) -> Sequence[Trial]:
        return self.trials_at()[0]

    def trials_at(self) -> tuple[Sequence[Trial], str | None]:
        """Every committed trial, and the index generation they are known to be at (None when
        that cannot be told: a write landed while they were read). Past `records_held_whole`
        trials, as the fact store holds them (index/stored_trials.py)."""
        with self._cache_lock:
            self._drop_stale_caches()
            stored = self._stored_trials()
            if stored is not None:
                return stored, self._cached_generation
            return list(self._trials().values()), self._trials_generation

    def _stored_trials(self) -> StoredTrials | None:
        """The index's trials read from the fact store, when there are too many to hold (decided once
        per generation); None when they are held, or the fact store cannot serve them."""
        with self._cache_lock:
            if not self._stored_decided and self._trials_cache is None:
                self._stored_decided = True
                try:
                    facts = self.facts()
                    facts.sync()  # its count, then, is the index's
                    if too_many_to_hold(facts.count(), self.settings):
                        self._stored = stored_trials(facts, self._cached_generation, self.settings)
                except IndexStoreError as exc:
                    log.warning("holding every record in memory: the fact store cannot serve them: %s", exc)
            return self._stored

    def trials_of(self, nct_ids: Sequence[str]) -> list[Trial]:
        """These trials' committed records, read from the store (not the cache)."""
        found: list[Trial] = []
        for batch in _batches(nct_ids):
            got = self._call(
                "read trial records", partial(self._records.get, ids=batch, include=["documents"])
            )
            found += [
                self._parse_trial(ident, document)
                for ident, document in zip(got["ids"], got["documents"] or [], strict=True)
            ]
        return found

    def get_trial(self, nct_id: str) -> Trial | None:
        self._drop_stale_caches()
        if self._stored is not None:
            return self._stored.get(nct_id)
        if self._trials_cache is not None:
            return self._trials_cache.get(nct_id)
        got = self._call(
            f"read trial {nct_id}", lambda: self._records.get(ids=[nct_id], include=["documents"])
        )
        documents = got["documents"] or []
        return self._parse_trial(nct_id, documents[0]) if documents else None

    def all_chunks(self) -> list[Chunk]:
        self._drop_stale_caches()
        if self._chunks_cache is None:
            committed = set(self.records())
            got = self._call("read chunks", lambda: _paged(self._chunks, ["documents", "metadatas"]))
            chunks = [
                _chunk(ident, document, meta)
                for ident, document, meta in zip(
                    got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True
                )
            ]
            chunks = [c for c in chunks if c.nct_id in committed]
            self._chunks_cache = sorted(chunks, key=lambda c: (c.nct_id, int(c.metadata.get("position", 0))))
        return list(self._chunks_cache)

    def search(
        self, query: str, k: int, nct_ids: Sequence[str] | None = None, section: str | None = None
    ) -> list[tuple[Chunk, float]]:
        """Dense search over chunks; score = cosine similarity (higher is better)."""
        if k <= 0 or (nct_ids is not None and not nct_ids):
            return []
        conditions: list[dict[str, Any]] = []
        if nct_ids is not None:
            conditions.append(_where_in("nct_id", nct_ids))
        if section is not None:
            conditions.append({"section": section})
        where: Any = None
        if len(conditions) == 1:
            where = conditions[0]
        elif conditions:
            where = {"$and": conditions}
        vector: Any = self.embedder.embed_query(query)
        got = self._call(
            "search chunks",
            lambda: self._chunks.query(
                query_embeddings=[vector],
                n_results=k,
                where=where,
                include=["documents", "metadatas", "distances"],
            ),
        )
        ids = got["ids"][0]
        documents = (got["documents"] or [[]])[0]
        metadatas = (got["metadatas"] or [[]])[0]
        distances = (got["distances"] or [[]])[0]
        return [
            (_chunk(ident, document, meta), 1.0 - float(distance))
            for ident, document, meta, distance in zip(ids, documents, metadatas, distances, strict=True)
        ]

    def trial_hashes(self) -> dict[str, str]:
        """Every committed trial's record content hash, by NCT ID."""
        return {nct_id: entry.content_hash for nct_id, entry in self.records().items()}

    def chunks_of(self, nct_ids: Sequence[str]) -> list[Chunk]:
        """The stored chunks of these trials (committed or not: the caller names committed ones)."""
        chunks: list[Chunk] = []
        for batch in _batches(nct_ids):
            got = self._call(
                "read chunks",
                partial(
                    self._chunks.get, where=_where_in("nct_id", batch), include=["documents", "metadatas"]
                ),
            )
            chunks += [
                _chunk(ident, document, meta)
                for ident, document, meta in zip(
                    got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True
                )
            ]
        return chunks

    def keywords(self) -> KeywordIndex:
        """Keyword search over this index's chunks: an FTS file derived from them and kept in step
        with them (in TRIALS_HOME; in the per-user cache for an index on a Chroma server)."""
        if self._keywords is None:
            where = hashlib.sha256(self.location.encode()).hexdigest()[:12]
            # an index on a Chroma server keeps nothing in TRIALS_HOME: its keyword index is a
            # per-user cache of this machine's, like a converted model
            folder = self.settings.model_cache if self.settings.chroma_url else Path(self.settings.home)
            path = folder / "keywords" / f"{self._chunks.name}-{where}.sqlite3"
            self._keywords = KeywordIndex(path, self, self.settings.refresh_seconds)
        return self._keywords

    def facts(self) -> FactStore:
        """Facts and fields of this index's trials in SQL: the database at TRIALS_DATABASE_URL, or a
        SQLite file derived from the index and kept in step with it (index/fact_store.py)."""
        with self._cache_lock:
            if self._facts is None:
                url = self.settings.database_url
                if url is not None:
                    engine, where = database_engine(url.get_secret_value())
                else:
                    path = self.settings.fact_store_file()
                    engine, where = sqlite_engine(path), str(path)
                key = store_key(self._records.name, self.location)
                lineage = lineage_key(self._records.name, self.location)
                self._facts = FactStore(engine, key, self, where, self.settings.refresh_seconds, lineage)
            return self._facts

    def generation(self) -> str | None:
        """The id of the index's last committed write (None before any): changes on every write,
        by this process or another, so a caller can tell when what it derived is out of date."""
        got = self._call(
            "read the index generation", lambda: self._meta.get(ids=[_GENERATION_ID], include=["metadatas"])
        )
        metadatas = got["metadatas"] or []
        return str(metadatas[0][_GENERATION_ID]) if metadatas else None

    def _drop_stale_caches(self) -> None:
        # One answer reads the store several times; asking Chroma each time cost ~8 ms an answer
        # (p50 1.9 -> 10.5 ms), so other processes' writes are looked for at most every
        # `refresh_seconds`. This process's own writes invalidate the caches directly.
        now = time.monotonic()
        with self._cache_lock:
            checked_at = self._generation_checked_at
            if checked_at is not None and now - checked_at < self.settings.refresh_seconds:
                return
            self._generation_checked_at = now
            # Read the generation before any cache is filled: a write landing while a cache is
            # being read then shows up as a newer generation on the next call, never as a missed
            # change.
            current = self.generation()
            if current != self._cached_generation:
                self._invalidate()
                self._cached_generation = current

    def _trials(self) -> dict[str, Trial]:
        with self._cache_lock:
            if self._trials_cache is None:
                before = self._cached_generation
                got = self._call("read trial records", lambda: _paged(self._records, ["documents"]))
                read = sorted(zip(got["ids"], got["documents"] or [], strict=True))  # by NCT ID
                self._trials_cache = {ident: self._parse_trial(ident, document) for ident, document in read}
                self._trials_generation = before if self.generation() == before else None
                keep_from_collector()
            return self._trials_cache

    def _parse_trial(self, nct_id: str, document: str | None) -> Trial:
        try:
            return remembered(Trial.model_validate_json(document or ""))
        except ValidationError as exc:
            raise IndexStoreError(
                f"index store {self.location}: trial record {nct_id} does not match the Trial model "
                f"(index built by another version? re-index into a fresh TRIALS_HOME): {exc}"
            ) from exc

    # ---- manifest ------------------------------------------------------------------------------

    def records(self) -> dict[str, RecordEntry]:
        """Every committed trial record's manifest line, by NCT ID."""
        got = self._call("read the manifest", lambda: _paged(self._records, ["metadatas"]))
        return {
            ident: RecordEntry.model_validate(meta)
            for ident, meta in zip(got["ids"], got["metadatas"] or [], strict=True)
        }

    def manifest(self) -> dict[str, SourceEntry]:
        """Indexed source files: source path -> file hash and the NCT IDs read from it."""
        sources: dict[str, SourceEntry] = {}
        for entry in self.records().values():
            source = sources.setdefault(entry.source, SourceEntry(source_hash=entry.source_hash, nct_ids=[]))
            source.nct_ids.append(entry.nct_id)
        return sources

    # ---- writing ---------------------------------------------------------------------------------

    def write_trials(self, writes: Sequence[TrialWrite]) -> None:
        """Replace the chunks of these trials, then commit their records (the commit marker)."""
        if not writes:
            return
        self._invalidate()
        nct_ids = [w.trial.nct_id for w in writes]
        new_ids = {c.id for w in writes for c in w.chunks}
        existing = self._call(
            "list old chunks", lambda: self._chunks.get(where=_where_in("nct_id", nct_ids), include=[])
        )
        stale = [ident for ident in existing["ids"] if ident not in new_ids]
        if stale:
            self._delete_chunks("delete old chunks", stale)
        chunks = [c for w in writes for c in w.chunks]
        vectors = [v for w in writes for v in w.chunk_vectors]
        if chunks:
            self._call(
                "write chunks",
                lambda: self._chunks.upsert(
                    ids=[c.id for c in chunks],
                    embeddings=vectors,  # type: ignore[arg-type]
                    documents=[c.text for c in chunks],
                    metadatas=[c.metadata for c in chunks],  # type: ignore[misc]
                ),
            )
        self._call(
            "write trial records",
            lambda: self._records.upsert(
                ids=nct_ids,
                embeddings=[w.title_vector for w in writes],  # type: ignore[arg-type]
                documents=[w.trial.model_dump_json() for w in writes],
                metadatas=[w.entry.metadata() for w in writes],  # type: ignore[misc]
            ),
        )
        self._bump_generation()

    def update_entries(self, entries: Sequence[RecordEntry]) -> None:
        """Rewrite manifest lines only (e.g. a file changed but these trials in it did not).

        The generation stays: manifest lines are never cached, trials and chunks are unchanged."""
        if entries:
            self._call(
                "update the manifest",
                lambda: self._records.update(
                    ids=[e.nct_id for e in entries],
                    metadatas=[e.metadata() for e in entries],  # type: ignore[misc]
                ),
            )

    def delete_trials(self, nct_ids: Sequence[str]) -> None:
        """Remove trials: record first (so a half-done delete reads as 'not indexed'), then chunks."""
        if not nct_ids:
            return
        self._invalidate()
        for ids in _batches(nct_ids):
            self._call("delete trial records", partial(self._records.delete, ids=ids))
            self._call("delete chunks", partial(self._chunks.delete, where=_where_in("nct_id", ids)))
        self._bump_generation()

    def delete_orphan_chunks(self) -> None:
        """Drop chunks left by an interrupted run whose trial was never committed."""
        records = self.records()
        held = self._call("count chunks", self._chunks.count)
        if held == sum(r.chunk_count for r in records.values()):
            # every chunk is one a committed record counts: none was left behind, and listing every
            # chunk to find out cost 7 s of a 10 s re-run at 1,170 trials
            return
        committed = set(records)
        # Paged, and filtered here: a "$nin" of every committed NCT ID is one SQL variable each.
        got = self._call("list orphan chunks", lambda: _paged(self._chunks, ["metadatas"]))
        orphans = [
            ident
            for ident, meta in zip(got["ids"], got["metadatas"], strict=True)
            if (meta or {}).get("nct_id") not in committed
        ]
        if orphans:
            self._invalidate()
            # No new generation: readers never see uncommitted chunks, so what they read is unchanged.
            self._delete_chunks("delete orphan chunks", orphans)

    def _delete_chunks(self, what: str, ids: Sequence[str]) -> None:
        for batch in _batches(ids):
            self._call(what, partial(self._chunks.delete, ids=batch))

    def counts(self) -> tuple[int, int]:
        """(trial records, chunks) stored."""
        return self._call("count", lambda: (self._records.count(), self._chunks.count()))

    # ---- integrity -----------------------------------------------------------------------------

    def check(self, repair: bool) -> IndexCheck:
        """Find damage the manifest cannot show (and repair it when asked): records that do not
        parse, vectors that cannot be read or are not found by a search for themselves, and chunks
        missing or left over against what each stored record chunks into. Repair rebuilds a damaged
        trial's chunks and vectors from its stored record, so no source file is read."""
        from index.chunks import chunk_trial  # the chunker imports LangChain's splitters: only here

        report = IndexCheck()
        self._invalidate()
        trials, entries = self._check_records(report)
        stored_chunks = self._stored_chunk_ids(report)
        if stored_chunks is not None:
            owner = {ident: nct_id for nct_id in trials for ident in stored_chunks.get(nct_id, ())}
            for nct_id, trial in trials.items():
                expected = {c.id for c in chunk_trial(trial, self.settings)}
                held = stored_chunks.pop(nct_id, set())
                if expected - held:
                    report.damage(nct_id, f"{len(expected - held)} of {len(expected)} chunks missing")
                if held - expected:
                    report.damage(nct_id, f"{len(held - expected)} chunks not made from its record")
            orphans = [ident for held in stored_chunks.values() for ident in held]
            report.orphan_chunks = len(orphans)
            damage, report.unsearchable = self._vector_damage(self._chunks, list(owner))
            for ident, reason in damage.items():
                report.damage(owner[ident], f"chunk {reason}")
            if repair and orphans:
                self._delete_chunks("delete orphan chunks", orphans)
        for ident, reason in self._vector_damage(self._records, list(trials))[0].items():
            report.damage(ident, f"record {reason}")
        report.trials = len(trials)
        if repair and (report.damaged or stored_chunks is None):
            self._repair(report, trials, entries, rebuild_chunks=stored_chunks is None)
        return report

    def _check_records(self, report: IndexCheck) -> tuple[dict[str, Trial], dict[str, RecordEntry]]:
        try:
            got = _paged(self._records, ["documents", "metadatas"])
        except _STORE_FAILURES as exc:
            raise IndexStoreError(
                f"index store {self.location}: the trial records cannot be read ({exc}); the index "
                "cannot be repaired from itself: move TRIALS_HOME aside and run `trials index` on the "
                "record folders again"
            ) from exc
        trials: dict[str, Trial] = {}
        entries: dict[str, RecordEntry] = {}
        for ident, document, meta in zip(
            got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True
        ):
            try:
                trials[ident] = Trial.model_validate_json(document or "")
                entries[ident] = RecordEntry.model_validate(meta)
            except ValidationError:
                report.unreadable_records.append(ident)
        return trials, entries

    def _stored_chunk_ids(self, report: IndexCheck) -> dict[str, set[str]] | None:
        """Chunk ids by NCT ID, or None when the chunk collection cannot be read at all."""
        try:
            got = _paged(self._chunks, ["metadatas"])
        except _STORE_FAILURES as exc:
            report.chunks_unreadable = str(exc)
            return None
        held: dict[str, set[str]] = {}
        for ident, meta in zip(got["ids"], got["metadatas"] or [], strict=True):
            held.setdefault(str((meta or {}).get("nct_id", "")), set()).add(ident)
        report.chunks = len(got["ids"])
        return held

    def _vector_damage(self, collection: Collection, ids: list[str]) -> tuple[dict[str, str], set[str]]:
        """Entries whose vector cannot be read or is not a finite vector of the collection's size
        (an entry missing from the vector index cannot be read: Chroma reads vectors from it), and
        apart, the readable entries a search for their own vector does not return."""
        damage: dict[str, str] = {}
        # Entries with the same vector (the same text, or texts the model cannot tell apart) come
        # back from a search in any order: they are searched for once, as a group, deep enough to
        # hold them all. One compact copy of each distinct vector is kept, not one per entry.
        groups: dict[bytes, list[str]] = {}
        distinct: dict[bytes, array[float]] = {}
        sizes: dict[str, int] = {}
        for start in range(0, len(ids), _CHECK_BATCH):
            for ident, vector in self._read_vectors(collection, ids[start : start + _CHECK_BATCH], damage):
                values = array("f", (float(v) for v in vector)) if vector is not None else array("f")
                if not values or not all(math.isfinite(v) for v in values):
                    damage[ident] = "vector missing or not finite"
                    continue
                key = array("f", (round(v, 5) for v in values)).tobytes()
                groups.setdefault(key, []).append(ident)
                distinct.setdefault(key, values)
                sizes[ident] = len(values)
        if sizes:
            common = Counter(sizes.values()).most_common(1)[0][0]
            for key in [k for k, v in distinct.items() if len(v) != common]:
                damage.update({ident: "vector of the wrong size" for ident in groups.pop(key)})
                del distinct[key]
        return damage, self._unreachable(collection, groups, distinct)

    def _read_vectors(
        self, collection: Collection, batch: list[str], damage: dict[str, str]
    ) -> list[tuple[str, Any]]:
        """(id, vector) of a batch; an entry whose vector cannot be read goes to `damage`."""
        try:
            got = collection.get(ids=batch, include=["embeddings"])
            return list(zip(got["ids"], _vectors(got["embeddings"]), strict=True))
        except _STORE_FAILURES:
            rows: list[tuple[str, Any]] = []
            for ident in batch:  # one bad entry fails its whole batch: find which
                try:
                    one = collection.get(ids=[ident], include=["embeddings"])
                    rows.extend(zip(one["ids"], _vectors(one["embeddings"]), strict=True))
                except _STORE_FAILURES:
                    damage[ident] = "vector unreadable"
            return rows

    def _unreachable(
        self, collection: Collection, groups: dict[bytes, list[str]], distinct: dict[bytes, array[float]]
    ) -> set[str]:
        total = self._call("count", collection.count)
        keys = sorted(groups, key=lambda k: len(groups[k]))  # a batch of similar depths
        missing: set[str] = set()
        for start in range(0, len(keys), _CHECK_BATCH):
            batch = keys[start : start + _CHECK_BATCH]
            found = self._search(collection, batch, distinct, min(total, len(groups[batch[-1]]) + 10))
            for key, hits in zip(batch, found, strict=True):
                missing |= set(groups[key]) - hits
        return missing

    def _search(
        self, collection: Collection, keys: list[bytes], distinct: dict[bytes, array[float]], depth: int
    ) -> list[set[str]]:
        """The ids a search finds for each of these vectors (none when the search fails)."""
        try:
            found = collection.query(
                query_embeddings=[list(distinct[key]) for key in keys],  # type: ignore[arg-type]
                n_results=depth,
                include=[],
            )["ids"]
        except _STORE_FAILURES:
            return [set() for _ in keys]
        return [set(hits) for hits in found]

    def _repair(
        self,
        report: IndexCheck,
        trials: dict[str, Trial],
        entries: dict[str, RecordEntry],
        rebuild_chunks: bool,
    ) -> None:
        from index.chunks import chunk_trial

        if rebuild_chunks:
            name = self._chunks.name
            self._call("drop the unreadable chunk collection", lambda: self._client.delete_collection(name))
            self._chunks = self._call("recreate the chunk collection", lambda: self._collection(name))
            for nct_id in trials:
                report.damage(nct_id, "chunk collection unreadable: rebuilt")
        if report.unreadable_records:
            # A record that does not parse cannot be rebuilt from itself: dropping it makes the
            # next `trials index` of its folder read the source file again.
            self.delete_trials(report.unreadable_records)
        for nct_id in [n for n in report.damaged if n in trials]:
            self._rebuild(trials[nct_id], entries[nct_id], chunk_trial(trials[nct_id], self.settings))
            report.repaired.append(nct_id)

    def _rebuild(self, trial: Trial, entry: RecordEntry, chunks: list[Chunk]) -> None:
        """Write one trial's chunks and record again with fresh vectors."""
        vectors = self.embedder.embed_documents([*(c.text for c in chunks), trial.title])
        nct_id = trial.nct_id
        old = self._call(
            "list damaged chunks", lambda: self._chunks.get(where={"nct_id": nct_id}, include=[])
        )
        # Delete, then add: an update of an entry the vector index lost would fail again.
        if old["ids"]:
            self._call("delete damaged chunks", lambda: self._chunks.delete(ids=old["ids"]))
        self._call("delete the damaged record", lambda: self._records.delete(ids=[nct_id]))
        write = TrialWrite(
            trial=trial,
            chunks=chunks,
            chunk_vectors=vectors[:-1],
            title_vector=vectors[-1],
            entry=entry.model_copy(update={"chunk_count": len(chunks)}),
        )
        self.write_trials([write])

    def looks_damaged(self) -> bool:
        """A cheap test for the commonest damage: the manifest counts more or fewer chunks than
        are stored (vectors lost while the manifest says the trial is indexed)."""
        expected = sum(entry.chunk_count for entry in self.records().values())
        return expected != self.counts()[1]

    def _bump_generation(self) -> None:
        """Mark a committed write, so every reader's caches (in any process) are re-read."""
        new = uuid.uuid4().hex
        self._call(
            "write the index generation",
            lambda: self._meta.upsert(
                ids=[_GENERATION_ID], embeddings=_NO_VECTOR, metadatas=[{_GENERATION_ID: new}]
            ),
        )

    def _invalidate(self) -> None:
        with self._cache_lock:
            self._trials_cache = None
            self._stored = None
            self._stored_decided = False
            self._chunks_cache = None
            self._trials_generation = None


def _paged(collection: Collection, include: list[str]) -> dict[str, list[Any]]:
    """Every entry's id and `include` fields, read a page at a time: one read of a whole large
    collection fails in SQLite ("too many SQL variables")."""
    rows: dict[str, list[Any]] = {"ids": [], **{field: [] for field in include}}
    offset = 0
    while True:
        # Any: chromadb types `include` as a list of literals, which a list[str] is not.
        fields: Any = include
        got: Any = collection.get(include=fields, limit=_READ_PAGE, offset=offset)
        rows["ids"] += got["ids"]
        for field in include:
            rows[field] += got[field] or []
        if len(got["ids"]) < _READ_PAGE:
            return rows
        offset += _READ_PAGE


def _batches(ids: Sequence[str]) -> Iterator[list[str]]:
    """IDs a statement's worth at a time: Chroma's SQLite takes one variable per ID, ~32k at most."""
    for start in range(0, len(ids), _WRITE_BATCH):
        yield list(ids[start : start + _WRITE_BATCH])


def _vectors(embeddings: Any) -> list[Any]:
    # Chroma returns a list of arrays, an array, or None: one row per entry, or nothing.
    return [] if embeddings is None else list(embeddings)


def _where_in(field: str, values: Sequence[str], negate: bool = False) -> Any:
    # Any: chromadb's Where TypedDicts reject a plain list[str] although it accepts it at run time.
    return {field: {"$nin" if negate else "$in": list(values)}}


def _chunk(ident: str, document: str | None, meta: Any) -> Chunk:
    metadata = dict(meta or {})
    number = metadata.get("criterion_number")
    return Chunk(
        id=ident,
        nct_id=str(metadata.get("nct_id", "")),
        section=str(metadata.get("section", "")),
        criterion_number=int(number) if number is not None else None,
        text=document or "",
        metadata=metadata,
    )


def _client_for(settings: Settings) -> tuple[ClientAPI, str]:
    """A Chroma client and a human-readable name of where it points."""
    telemetry_off = chromadb.Settings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = settings.chroma_url
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise IndexStoreError(f"CHROMA_URL={url!r} is not an http(s)://host:port URL")
        ssl = parts.scheme == "https"
        port = parts.port or (443 if ssl else 8000)
        try:
            client = chromadb.HttpClient(host=parts.hostname, port=port, ssl=ssl, settings=telemetry_off)
            client.heartbeat()
        except Exception as exc:  # chromadb surfaces a refused connection as several types
            raise IndexStoreError(f"Chroma server at CHROMA_URL={url} is unreachable: {exc}") from exc
        return client, f"Chroma server {url}"
    path = Path(settings.home) / "chroma"
    try:
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=telemetry_off), str(path)
    except _STORE_FAILURES as exc:
        hint = _failure_hint(exc, path)
        raise IndexStoreError(f"cannot open the local index at {path}: {exc}{hint}") from exc


def _failure_hint(exc: BaseException, folder: Path | None) -> str:
    """What the user can do about a store failure, when its cause can be told (a local index only)."""
    if folder is None:
        return ""
    text = str(exc).lower()
    database = folder / "chroma.sqlite3"
    if "not a database" in text or "malformed" in text:
        return (
            f" ({database} is damaged or not a Chroma index: move {folder} aside and run "
            "`trials index` again to rebuild it)"
        )
    if "readonly" in text or "read-only" in text or isinstance(exc, PermissionError):
        return f" ({folder} is read-only: TRIALS_HOME must be a writable folder)"
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return ""
    if free < _LOW_DISK_BYTES or "disk is full" in text:
        free_mib = free // (1024 * 1024)
        return f" (the disk holding {folder} is full: {free_mib} MiB free; free some space and re-run)"
    return ""


@contextmanager
def index_lock(settings: Settings) -> Iterator[None]:
    """Held by every process that writes the index (`trials index`, its --check), so two never
    write at once: Chroma's local files are not safe for two writers, and interleaved runs left
    vectors unreadable while the manifest said they were indexed. Readers (`serve`, `ask`) take no
    lock. The lock file lives in TRIALS_HOME, so it also orders writers on this machine that share
    a Chroma server through CHROMA_URL with the same home. A shared deployment (CHROMA_URL and a
    PostgreSQL TRIALS_DATABASE_URL) orders writers on every machine by a lock in that database too."""
    home = Path(settings.home)
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise IndexStoreError(f"cannot create TRIALS_HOME {home}: {exc.strerror or exc}") from exc
    path = home / "index.lock"
    lock = FileLock(str(path))
    try:
        lock.acquire(blocking=False)
    except Timeout:
        raise IndexBusyError(
            f"another `trials index` is writing to the index in {home} (it holds {path}); "
            "wait for it to finish, then run this again"
        ) from None
    except OSError as exc:
        raise IndexStoreError(f"cannot take the index lock {path}: {exc.strerror or exc}") from exc
    try:
        if settings.database_url is not None and settings.chroma_url:
            index = f"{settings.collection_name('trials')} on {settings.chroma_url}"
            with shared_writer_lock(settings.database_url.get_secret_value(), index):
                yield
        else:
            yield
    finally:
        lock.release()


def open_store(settings: Settings | None = None, embedder: Embedder | None = None) -> TrialStore:
    settings = settings or get_settings()
    if embedder is None:
        from index.embedding import get_embedder

        embedder = get_embedder(settings)
    client, location = _client_for(settings)
    return TrialStore(client, settings, embedder, location)
