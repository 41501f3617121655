"""Incremental indexing: files -> Trials -> enriched -> chunks -> vectors -> store.

What a run does, in order:
1. Walk the paths (sorted). In folders, hidden files and obvious non-record documents
   (README*, LICENSE*, *.md) are skipped and counted; a file named explicitly is always tried.
2. A file whose bytes hash to what the manifest recorded, and whose every record is
   committed, is not read at all: its trials are unchanged. Other files are read; a trial
   whose text hash matches its stored record is unchanged too. Nothing unchanged is
   enriched or embedded, so a re-run is fast.
3. The same NCT ID in two files: the record with the newer `last_updated` wins (the first
   one seen on a tie) and the run reports it. Files that lost are read again on each run,
   so the duplicate is reported every time, not only once.
4. New and changed trials are enriched, chunked and embedded in batches spanning many
   records (the model is fastest on full batches), the model on one batch while the next is
   enriched and the one before committed; each batch writes chunks first and trial records
   last, so the record marks a trial as committed and a killed run is completed by the next one.
5. Records are removed only when their source is inside this run's scope (under a folder
   being indexed, or a file named explicitly) and that source is gone or no longer yields the
   trial. Indexing folder B therefore never touches records read from folder A. A source that
   failed to read keeps its previous records: a file that is briefly unreadable should not
   empty the index.
"""

from __future__ import annotations

import hashlib
import re
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

from pydantic import BaseModel, Field
from tqdm import tqdm

from index.chunks import chunk_trial
from index.errors import IndexBusyError, TrialsError
from index.models import Chunk, Trial
from index.store import IndexCheck, RecordEntry, TrialStore, TrialWrite

# Chunks embedded per model call: many of the model's own batches, spanning records. The model
# sorts each call's texts by length, so bigger calls pad less (32 batches measured ~10% faster
# than 8 on the ctgov sample); a killed run redoes at most two calls' worth (one embedding, one
# being committed).
_CHUNKS_PER_FLUSH_BATCHES = 32
_NOT_RECORDS = re.compile(r"^(readme|license|licence)|\.md$", re.IGNORECASE)


class IndexSummary(BaseModel):
    """What a run did. new/updated/unchanged/removed count trials (NCT IDs); read and skipped
    count files; failed counts files that could not be read and records that could not be
    enriched."""

    read: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: int = 0
    skipped: int = 0
    chunks: int = 0
    seconds: float = 0.0
    failures: list[str] = Field(default_factory=list)
    duplicates: list[str] = Field(default_factory=list)

    def line(self) -> str:
        rate = f" ({self.chunks / self.seconds:.0f} chunks/s)" if self.chunks and self.seconds else ""
        duplicates = f", duplicates {len(self.duplicates)}" if self.duplicates else ""
        return (
            f"indexed: read {self.read}, new {self.new}, updated {self.updated}, "
            f"unchanged {self.unchanged}, removed {self.removed}, failed {self.failed}, "
            f"skipped {self.skipped}{duplicates}, chunks {self.chunks}, {self.seconds:.1f} s{rate}"
        )


class _Candidate(BaseModel):
    trial: Trial
    source: str
    source_hash: str
    source_items: int
    replaces: bool = False  # a record of this NCT ID is already stored (an update, not new)


class _Walk(BaseModel):
    files: list[Path] = Field(default_factory=list)
    scope_dirs: list[Path] = Field(default_factory=list)
    scope_files: list[Path] = Field(default_factory=list)

    def in_scope(self, source: str) -> bool:
        path = Path(source)
        return path in self.scope_files or any(path.is_relative_to(d) for d in self.scope_dirs)


def index_paths(paths: Sequence[Path], store: TrialStore, show_progress: bool = False) -> IndexSummary:
    started = time.perf_counter()
    summary = IndexSummary()
    walk = _walk(paths, summary)
    records = store.records()
    candidates, produced, failed_sources = _read_changed(walk.files, records, summary, show_progress)
    winners = _resolve_duplicates(candidates, records, summary, _still_held(records, walk, produced))
    to_write: list[_Candidate] = []
    refreshed: list[RecordEntry] = []
    for candidate in winners:
        stored = records.get(candidate.trial.nct_id)
        entry = _entry(candidate, chunk_count=stored.chunk_count if stored else 0)
        if stored and stored.source == candidate.source and stored.content_hash == entry.content_hash:
            summary.unchanged += 1
            if (stored.source_hash, stored.source_items) != (candidate.source_hash, candidate.source_items):
                refreshed.append(entry)  # the file changed elsewhere (another study in a list)
        else:
            candidate.replaces = stored is not None
            to_write.append(candidate)
    store.update_entries(refreshed)
    _write(to_write, store, summary, show_progress)
    gone = _removed(records, walk, produced, failed_sources, {c.trial.nct_id for c in winners})
    store.delete_trials(gone)
    summary.removed = len(gone)
    store.delete_orphan_chunks()
    store.keywords().sync(force=True)  # here, not on the first question after the run
    store.facts().sync(force=True)
    summary.seconds = time.perf_counter() - started
    return summary


def _walk(paths: Sequence[Path], summary: IndexSummary) -> _Walk:
    walk = _Walk()
    for given in paths:
        path = Path(given).resolve()
        if path.is_dir():
            walk.scope_dirs.append(path)
            for file in _files_under(path):
                if _looks_like_record(file, path):
                    walk.files.append(file)
                else:
                    summary.skipped += 1
        elif path.is_file():
            walk.scope_files.append(path)
            walk.files.append(path)
        else:
            _fail(summary, f"{given}: no such file or folder")
    walk.files = sorted(dict.fromkeys(walk.files))
    summary.read = len(walk.files)
    return walk


def _files_under(folder: Path) -> Iterator[Path]:
    return (p for p in sorted(folder.rglob("*")) if p.is_file())


def _looks_like_record(file: Path, root: Path) -> bool:
    hidden = any(part.startswith(".") for part in file.relative_to(root).parts)
    return not hidden and not _NOT_RECORDS.search(file.name)


def _read_changed(
    files: Sequence[Path], records: dict[str, RecordEntry], summary: IndexSummary, show_progress: bool
) -> tuple[list[_Candidate], set[tuple[str, str]], set[str]]:
    """Candidates from files that changed; (source, NCT ID) pairs seen; sources that failed."""
    from index.readers import read_file

    by_source: dict[str, list[RecordEntry]] = {}
    for entry in records.values():
        by_source.setdefault(entry.source, []).append(entry)
    candidates: list[_Candidate] = []
    produced: set[tuple[str, str]] = set()
    failed: set[str] = set()
    for file in tqdm(files, desc="reading", unit="file", disable=not show_progress):
        source = str(file)
        try:
            source_hash = _file_hash(file)
        except OSError as exc:
            _fail(summary, f"{file}: cannot read: {exc.strerror or exc}")
            failed.add(source)
            continue
        known = by_source.get(source, [])
        if known and all(e.source_hash == source_hash and e.source_items == len(known) for e in known):
            summary.unchanged += len(known)
            produced.update((source, e.nct_id) for e in known)
            continue
        try:
            result = read_file(file)
        except Exception as exc:  # one bad file (or a reader bug on it) must not stop the run
            _fail(summary, f"{file}: {_reason(exc)}")
            failed.add(source)
            continue
        if result.errors:
            failed.add(source)
            summary.failed += 1
            for error in result.errors:
                _report(summary, str(error))
        items = len(result.trials) + len(result.errors)
        for trial in result.trials:
            produced.add((source, trial.nct_id))
            candidates.append(
                _Candidate(trial=trial, source=source, source_hash=source_hash, source_items=items)
            )
    return candidates, produced, failed


def _still_held(records: dict[str, RecordEntry], walk: _Walk, produced: set[tuple[str, str]]) -> set[str]:
    """NCT IDs whose stored record still stands: its file exists and, if examined now, still yields it."""
    return {
        nct_id
        for nct_id, entry in records.items()
        if Path(entry.source).is_file()
        and ((entry.source, nct_id) in produced or not walk.in_scope(entry.source))
    }


def _resolve_duplicates(
    candidates: list[_Candidate], records: dict[str, RecordEntry], summary: IndexSummary, held: set[str]
) -> list[_Candidate]:
    """One candidate per NCT ID; a stored record still held by another file can also win."""
    winners: dict[str, _Candidate] = {}
    for candidate in candidates:
        nct_id = candidate.trial.nct_id
        first = winners.get(nct_id)
        if first is None:
            winners[nct_id] = candidate
            continue
        keep_new = _newer(candidate.trial.last_updated, first.trial.last_updated)
        kept, dropped = (candidate, first) if keep_new else (first, candidate)
        winners[nct_id] = kept
        summary.duplicates.append(_duplicate_note(nct_id, kept, dropped.source, dropped.trial.last_updated))
    result: list[_Candidate] = []
    for nct_id, candidate in winners.items():
        stored = records.get(nct_id)
        if stored and stored.source != candidate.source and nct_id in held:
            if not _newer(candidate.trial.last_updated, stored.last_updated):
                note = _duplicate_note(nct_id, None, candidate.source, candidate.trial.last_updated, stored)
                summary.duplicates.append(note)
                continue
            summary.duplicates.append(_duplicate_note(nct_id, candidate, stored.source, stored.last_updated))
        result.append(candidate)
    return result


def _newer(challenger: str | None, holder: str | None) -> bool:
    """True when `challenger` is strictly more recent (a missing date never wins)."""
    return _date_key(challenger) > _date_key(holder)


def _date_key(value: str | None) -> tuple[int, ...]:
    # "2025-07-17", "2025-07", "July 17, 2025" all reduce to comparable numbers when ISO-like;
    # anything without digits sorts as oldest.
    return tuple(int(n) for n in re.findall(r"\d+", value or ""))


def _duplicate_note(
    nct_id: str,
    kept: _Candidate | None,
    other_source: str,
    other_updated: str | None,
    stored: RecordEntry | None = None,
) -> str:
    if kept is not None:
        kept_source, kept_updated = kept.source, kept.trial.last_updated
    else:
        assert stored is not None
        kept_source, kept_updated = stored.source, stored.last_updated
    return (
        f"{nct_id} is in {kept_source} (last updated {kept_updated or 'not stated'}) and "
        f"{other_source} (last updated {other_updated or 'not stated'}): kept {kept_source}"
    )


def _write(
    candidates: list[_Candidate], store: TrialStore, summary: IndexSummary, show_progress: bool
) -> None:
    """Enrich, chunk, embed and commit the candidates in batches. The model embeds one batch in a
    worker thread while this thread enriches and chunks the next and commits the one before: a
    quarter of a first index is not the model (164 of 677 s for the 1,170 CT.gov records), and the
    model, in native code, leaves the interpreter free meanwhile. Only the embedder runs in the worker, one
    call at a time; every write to the stores stays here, in order."""
    from index.enrich import enrich

    flush_at = store.settings.embedding_batch_size * _CHUNKS_PER_FLUSH_BATCHES
    pending: list[tuple[_Candidate, Trial, list[Chunk]]] = []
    embedding: _Embedding | None = None  # the batch the model is working on
    bar = tqdm(total=len(candidates), desc="indexing", unit="trial", disable=not show_progress)
    model = ThreadPoolExecutor(max_workers=1, thread_name_prefix="trials-embed")
    try:
        with bar:
            for candidate in candidates:
                try:
                    trial = enrich(candidate.trial)
                    chunks = chunk_trial(trial, store.settings)
                except Exception as exc:  # an extraction bug on one record must not stop the run
                    _fail(summary, f"{candidate.source}: {candidate.trial.nct_id}: {_reason(exc)}")
                    bar.update(1)
                    continue
                pending.append((candidate, trial, chunks))
                if sum(len(c) for _, _, c in pending) >= flush_at:
                    embedding = _hand_over(embedding, _embed(pending, store, model), store, summary, bar)
                    pending = []
            last = _hand_over(embedding, _embed(pending, store, model), store, summary, bar)
            _hand_over(last, None, store, summary, bar)
    finally:
        # after a failure, no batch waits for the model (the one it is computing still ends)
        model.shutdown(wait=False, cancel_futures=True)


class _Embedding(NamedTuple):
    """A batch of records and the model's future vectors for their chunks, then their titles."""

    pending: list[tuple[_Candidate, Trial, list[Chunk]]]
    vectors: Future[list[list[float]]]


def _embed(
    pending: list[tuple[_Candidate, Trial, list[Chunk]]], store: TrialStore, model: ThreadPoolExecutor
) -> _Embedding | None:
    """The chunks and titles of several records, handed to the model in one call."""
    if not pending:
        return None
    texts = [chunk.text for _, _, chunks in pending for chunk in chunks]
    titles = [trial.title for _, trial, _ in pending]
    return _Embedding(pending, model.submit(store.embedder.embed_documents, [*texts, *titles]))


def _hand_over(
    done: _Embedding | None,
    next_batch: _Embedding | None,
    store: TrialStore,
    summary: IndexSummary,
    bar: tqdm,
) -> _Embedding | None:
    """Commit `done` (waiting for its vectors) while the model works on `next_batch`, already
    submitted; returns `next_batch`."""
    if done is None:
        return next_batch
    pending, vectors = done.pending, done.vectors.result()
    chunk_count = sum(len(chunks) for _, _, chunks in pending)
    chunk_vectors = iter(vectors[:chunk_count])
    writes = [
        TrialWrite(
            trial=trial,
            chunks=chunks,
            chunk_vectors=[next(chunk_vectors) for _ in chunks],
            title_vector=title_vector,
            entry=_entry(candidate, chunk_count=len(chunks)),
        )
        for (candidate, trial, chunks), title_vector in zip(pending, vectors[chunk_count:], strict=True)
    ]
    store.write_trials(writes)
    summary.updated += sum(1 for candidate, _, _ in pending if candidate.replaces)
    summary.new += sum(1 for candidate, _, _ in pending if not candidate.replaces)
    summary.chunks += chunk_count
    bar.update(len(pending))
    bar.set_postfix(chunks=summary.chunks)
    return next_batch


def _removed(
    records: dict[str, RecordEntry],
    walk: _Walk,
    produced: set[tuple[str, str]],
    failed_sources: set[str],
    kept: set[str],
) -> list[str]:
    """Stored trials whose in-scope source is gone or no longer yields them (see module doc)."""
    return [
        nct_id
        for nct_id, entry in records.items()
        if walk.in_scope(entry.source)
        and entry.source not in failed_sources
        and (entry.source, nct_id) not in produced
        and nct_id not in kept
    ]


def _entry(candidate: _Candidate, chunk_count: int) -> RecordEntry:
    return RecordEntry(
        nct_id=candidate.trial.nct_id,
        source=candidate.source,
        source_hash=candidate.source_hash,
        content_hash=candidate.trial.content_hash,
        last_updated=candidate.trial.last_updated,
        chunk_count=chunk_count,
        source_items=candidate.source_items,
    )


def _file_hash(file: Path) -> str:
    return hashlib.sha256(file.read_bytes()).hexdigest()[:16]


def _reason(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, TrialsError) else f"{type(exc).__name__}: {exc}"


def _fail(summary: IndexSummary, line: str) -> None:
    summary.failed += 1
    _report(summary, line)


def _report(summary: IndexSummary, line: str) -> None:
    summary.failures.append(line)
    print(line, file=sys.stderr)


def index_command(paths: Iterable[str]) -> int:
    """`trials index PATH...`: 0 when every file indexed, 1 when any failed, 2 when the store failed,
    3 when another `trials index` holds the index lock."""
    from index.settings import get_settings
    from index.store import index_lock, open_store

    settings = get_settings()
    try:
        with index_lock(settings):
            store = open_store(settings)
            if store.looks_damaged():
                # The manifest would call damaged trials unchanged: repair them before indexing.
                print("trials index: the index does not match its manifest; checking it", file=sys.stderr)
                _print_check(store.check(repair=True))
            summary = index_paths([Path(p) for p in paths], store, show_progress=sys.stderr.isatty())
    except IndexBusyError as exc:
        print(f"trials index: {exc}", file=sys.stderr)
        return 3
    except TrialsError as exc:
        print(f"trials index: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "trials index: interrupted; committed trials are usable, re-run to finish (exiting once "
            "the model ends the batch it is embedding)",
            file=sys.stderr,
        )
        return 130
    for note in summary.duplicates:
        print(f"duplicate: {note}")
    print(summary.line())
    return 1 if summary.failed else 0


def check_command() -> int:
    """`trials index --check`: 0 when the index is sound or was repaired, 1 when damage remains,
    2 when the store failed, 3 when another `trials index` holds the index lock."""
    from index.settings import get_settings
    from index.store import index_lock, open_store

    settings = get_settings()
    try:
        with index_lock(settings):
            store = open_store(settings)
            found = store.check(repair=True)
            _print_check(found)
            if found.clean:
                return 0
            after = store.check(repair=False)
    except IndexBusyError as exc:
        print(f"trials index --check: {exc}", file=sys.stderr)
        return 3
    except TrialsError as exc:
        print(f"trials index --check: {exc}", file=sys.stderr)
        return 2
    if after.clean:
        print(f"index verified after repair: {after.trials} trials, {after.chunks} chunks")
        return 0
    for line in after.lines():
        print(f"still damaged: {line}", file=sys.stderr)
    return 1


def _print_check(found: IndexCheck) -> None:
    note = found.note()
    if note:
        print(note)
    if found.clean:
        print(f"index checked: {found.trials} trials, {found.chunks} chunks, no damage")
        return
    for line in found.lines():
        print(f"damaged: {line}")
    dropped = (
        f"; {len(found.unreadable_records)} unreadable records dropped (re-run `trials index` on "
        "their folders to read them again)"
        if found.unreadable_records
        else ""
    )
    print(f"repaired {len(found.repaired)} trials from their stored records{dropped}")
