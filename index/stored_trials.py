"""The trials of an index too large to hold in memory, read from the fact store as questions need them.

Parsed, a record takes ~100 KiB (its text, criteria, facts and the readings answers make of them), so
a process holding 100k records would need ~10 GB. Past `Settings.records_held_whole` trials a reader
hands out a `StoredTrials` instead of its records: the NCT IDs in order and the directory's words
from the fact store (index/fact_store.py), records read by ID when a question evaluates or quotes
them, the most recently read `Settings.record_cache` kept. Iterating it reads every record in turn
(matching over every trial does), in memory bounded by that cache.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from typing import overload

from index.fact_store import FactStore
from index.language.vocabulary import remembered
from index.models import Trial
from index.settings import Settings
from index.trial_fields import RowFields

_READ_BATCH = 200  # records read from the store at a time while iterating
_HOLDERS_KEPT = 4096  # words whose holders are kept (a question asks a few dozen)


class StoredHolders(Mapping[str, frozenset[str]]):
    """The trials holding each identifying word, asked of the fact store word by word (and kept:
    questions repeat words). Iterating would read every word: nothing needs it, so it is refused."""

    def __init__(self, store: FactStore) -> None:
        self._store = store
        self._known: OrderedDict[str, frozenset[str]] = OrderedDict()
        self._lock = threading.Lock()

    def __getitem__(self, word: str) -> frozenset[str]:
        with self._lock:
            held = self._known.get(word)
            if held is not None:
                self._known.move_to_end(word)
        if held is None:
            held = self._store.holders(word)
            with self._lock:
                self._known[word] = held
                while len(self._known) > _HOLDERS_KEPT:
                    self._known.popitem(last=False)
        if not held:
            raise KeyError(word)
        return held

    def __iter__(self) -> Iterator[str]:
        raise TypeError("the words of a stored index are looked up one by one, not listed")

    def __len__(self) -> int:
        raise TypeError("the words of a stored index are looked up one by one, not counted")


class StoredTrials(Sequence[Trial]):
    """Every trial of one index generation, in NCT ID order, records read from the fact store."""

    def __init__(self, store: FactStore, nct_ids: Sequence[str], places: frozenset[str], kept: int) -> None:
        self.nct_ids = tuple(nct_ids)
        self.places = places
        self.holders = StoredHolders(store)
        self._store = store
        self._kept = kept
        self._cache: OrderedDict[str, Trial] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.nct_ids)

    @overload
    def __getitem__(self, index: int) -> Trial: ...

    @overload
    def __getitem__(self, index: slice) -> list[Trial]: ...

    def __getitem__(self, index: int | slice) -> Trial | list[Trial]:
        if isinstance(index, slice):
            return self.of(self.nct_ids[index])
        found = self.of([self.nct_ids[index]])
        if not found:
            raise IndexError(f"{self.nct_ids[index]} is no longer in the fact store")
        return found[0]

    def __iter__(self) -> Iterator[Trial]:
        for start in range(0, len(self.nct_ids), _READ_BATCH):
            yield from self.of(self.nct_ids[start : start + _READ_BATCH])

    def row_fields(self, nct_ids: Sequence[str]) -> Mapping[str, RowFields]:
        """What a result table shows of these trials, without reading their records."""
        return self._store.result_rows(nct_ids)

    def read_ahead(self, nct_ids: Sequence[str]) -> None:
        """Read these records in one go (as many as are kept), soon to be asked for one by one."""
        self.of(nct_ids[: self._kept])

    def get(self, nct_id: str) -> Trial | None:
        found = self.of([nct_id])
        return found[0] if found else None

    def of(self, nct_ids: Sequence[str]) -> list[Trial]:
        """The records of these NCT IDs that the store holds, in that order."""
        with self._lock:
            held = {n: t for n in nct_ids if (t := self._cache.get(n)) is not None}
            for nct_id in held:
                self._cache.move_to_end(nct_id)
        missing = [n for n in dict.fromkeys(nct_ids) if n not in held]
        if missing:
            read = {t.nct_id: remembered(t) for t in self._store.records_of(missing)}
            held |= read
            with self._lock:
                self._cache.update(read)
                while len(self._cache) > self._kept:
                    self._cache.popitem(last=False)
        return [t for n in nct_ids if (t := held.get(n)) is not None]


def too_many_to_hold(trials: int, settings: Settings) -> bool:
    """Whether an index of this many trials is read from the fact store rather than held whole."""
    return trials > settings.records_held_whole


def stored_trials(store: FactStore, generation: str | None, settings: Settings) -> StoredTrials | None:
    """The trials of the index at `generation` as the fact store holds them; None when it is not at
    that generation (or cannot tell)."""
    catalogue = store.catalogue(generation)
    if catalogue is None:
        return None
    nct_ids, places = catalogue
    return StoredTrials(store, nct_ids, places, settings.record_cache)
