"""Enriched trials held in memory, without vectors: for evals and benchmarks over the real records
that ask set, filter, one-trial and matching questions (none of which search vectors), and for
tests of parts that only look trials up.

`read_records` reads record files as the indexer does (readers, then criteria, facts and conflicts)
without embedding; `RecordsReader` serves them through the TrialReader seam, with keyword search
from an in-memory FTS index and facts in an in-memory SQLite fact store.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection, Sequence
from pathlib import Path

from index.chunks import chunk_trial
from index.enrich import enrich
from index.fact_store import FactStore, sqlite_engine
from index.heap import keep_from_collector
from index.keywords import KeywordIndex
from index.language.vocabulary import remembered
from index.models import Chunk, Trial
from index.readers import read_file
from index.settings import Settings
from index.stored_trials import StoredTrials, stored_trials, too_many_to_hold


class RecordsReader:
    """A TrialReader over enriched Trials in memory: no vectors (dense search finds nothing)."""

    def __init__(
        self, trials: Sequence[Trial], settings: Settings | None = None, with_fact_store: bool = True
    ) -> None:
        """`with_fact_store=False`: no fact store, so every set and matching question evaluates every
        trial (what the store's answers are compared with, in tests and the scale bench)."""
        self._settings = settings or Settings(chroma_url=None)
        self._trials = {t.nct_id: remembered(t) for t in trials}
        self._generation = uuid.uuid4().hex  # the trials never change
        keep_from_collector()
        self._keywords: KeywordIndex | None = None
        self._facts: FactStore | None = None
        self._with_fact_store = with_fact_store
        self._stored: StoredTrials | None = None

    def all_trials(self) -> Sequence[Trial]:
        return self.trials_at()[0]

    def trials_at(self) -> tuple[Sequence[Trial], str | None]:
        """Past `records_held_whole` trials, as the fact store holds them (as a serving process reads
        an index that large: index/stored_trials.py), though these are held here anyway."""
        stored = self._stored_trials()
        return (stored if stored is not None else list(self._trials.values())), self._generation

    def _stored_trials(self) -> StoredTrials | None:
        if self._stored is None and too_many_to_hold(len(self._trials), self._settings):
            facts = self.facts()
            if facts is not None:
                self._stored = stored_trials(facts, self._generation, self._settings)
        return self._stored

    def trials_of(self, nct_ids: Sequence[str]) -> list[Trial]:
        return [t for n in nct_ids if (t := self._trials.get(n)) is not None]

    def get_trial(self, nct_id: str) -> Trial | None:
        stored = self._stored_trials()
        return stored.get(nct_id) if stored is not None else self._trials.get(nct_id)

    def generation(self) -> str | None:
        return self._generation

    def trial_hashes(self) -> dict[str, str]:
        return {nct_id: trial.content_hash for nct_id, trial in self._trials.items()}

    def chunks_of(self, nct_ids: Sequence[str]) -> list[Chunk]:
        return [c for n in nct_ids if (t := self._trials.get(n)) for c in chunk_trial(t, self._settings)]

    def facts(self) -> FactStore | None:
        if not self._with_fact_store:
            return None
        if self._facts is None:  # filled on the first question that asks it
            self._facts = FactStore(sqlite_engine(None), "memory", self, "in memory")
        return self._facts

    def keywords(self) -> KeywordIndex:
        if self._keywords is None:  # only open questions ask; chunks are made then
            self._keywords = KeywordIndex(None, self)
        return self._keywords

    def search(
        self, query: str, k: int, nct_ids: Sequence[str] | None = None, section: str | None = None
    ) -> list[tuple[Chunk, float]]:
        return []


def read_records(
    folder: Path, wanted: Collection[str] | None = None, pattern: str = "*.xml"
) -> tuple[list[Trial], list[str]]:
    """The enriched Trials read from the record files matching `pattern` under `folder` (only the
    `wanted` NCT IDs when given), and the problems met. Every file is read (a name need not match
    its content). An NCT ID in two files keeps the more recently updated record, as indexing does."""
    found: dict[str, Trial] = {}
    problems: list[str] = []
    for path in sorted(p for p in folder.rglob(pattern) if p.is_file()):
        result = read_file(path)
        problems += [str(error) for error in result.errors]
        for trial in result.trials:
            if wanted is not None and trial.nct_id not in wanted:
                continue
            held = found.get(trial.nct_id)
            if held is None or _date_key(trial.last_updated) > _date_key(held.last_updated):
                found[trial.nct_id] = trial
    trials: list[Trial] = []
    for trial in found.values():
        try:
            trials.append(enrich(trial))
        except Exception as exc:  # an extraction bug on one record is reported, not fatal
            problems.append(f"{trial.nct_id}: enrich failed: {type(exc).__name__}: {exc}")
    return trials, problems


def _date_key(value: str | None) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", value or ""))
