"""In-process stand-ins for the index, for tests that are not about Chroma or embeddings."""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from fake_embedder import HashingEmbedder

from assistant.service import Assistant
from index.enrich import enrich
from index.memory import RecordsReader
from index.models import Chunk, Criterion, Fact, Trial
from index.readers import read_file
from index.settings import Settings

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


class InMemoryTrialReader(RecordsReader):
    """A RecordsReader whose `search` also ranks chunks, with a hashing embedder."""

    def __init__(self, trials: Sequence[Trial], settings: Settings | None = None) -> None:
        super().__init__(trials, settings or Settings())
        self._chunks = self.chunks_of(list(self._trials))
        self._embedder = HashingEmbedder()
        self._vectors = self._embedder.embed_documents([c.text for c in self._chunks])
        self.search_calls = 0

    def search(
        self, query: str, k: int, nct_ids: Sequence[str] | None = None, section: str | None = None
    ) -> list[tuple[Chunk, float]]:
        self.search_calls += 1
        wanted = self._embedder.embed_query(query)
        scored = [
            (chunk, _cosine(wanted, vector))
            for chunk, vector in zip(self._chunks, self._vectors, strict=True)
            if (not nct_ids or chunk.nct_id in nct_ids) and (section is None or chunk.section == section)
        ]
        return sorted(scored, key=lambda pair: -pair[1])[:k]


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


def read_trials(paths: Sequence[Path]) -> list[Trial]:
    """Read and enrich record files as the indexer does (readers, then criteria + facts)."""
    trials = []
    for path in paths:
        read = read_file(path)
        trials += [enrich(t) for t in read.trials]
    return trials


@cache
def _seed_trials() -> tuple[Trial, ...]:
    return tuple(read_trials(sorted(SEEDS.glob("*.txt"))))


def seed_trials() -> list[Trial]:
    """The five seed records, read and enriched (cached: they are immutable pydantic models)."""
    return list(_seed_trials())


def hand_trial(nct_id: str, inclusion: list[str], exclusion: list[str], facts: list[Fact]) -> Trial:
    """A small hand-written trial whose record text is exactly its criteria, with facts given."""
    text = "\n".join(["Inclusion Criteria", *inclusion, "Exclusion Criteria", *exclusion])
    return Trial(
        nct_id=nct_id,
        brief_title=f"Hand-written trial {nct_id}",
        source_path="hand",
        source_format="ctgov_json",
        text=text,
        inclusion=[Criterion(section="inclusion", number=i + 1, text=t) for i, t in enumerate(inclusion)],
        exclusion=[Criterion(section="exclusion", number=i + 1, text=t) for i, t in enumerate(exclusion)],
        facts=facts,
    )


def written_trial(
    nct_id: str,
    condition: str,
    inclusion: Sequence[str],
    exclusion: Sequence[str],
    source_format: str = "ctgov_json",
) -> Trial:
    """A record written for a test, read as any record is (its criteria parsed, facts read from them)."""
    criteria = "\n\n".join(
        [
            "Inclusion Criteria:",
            "\n".join(f"* {text}" for text in inclusion),
            "Exclusion Criteria:",
            "\n".join(f"* {text}" for text in exclusion),
        ]
    )
    return enrich(
        Trial(
            nct_id=nct_id,
            brief_title=f"A study of {condition}",
            source_path="hand",
            source_format=source_format,
            conditions=[condition],
            criteria_text=criteria,
            text=f"{nct_id}\nConditions: {condition}\nEligibility Criteria:\n{criteria}",
        )
    )


# The two ways an answer is worked out, which must give the same answers: the fact store narrowing
# (at any corpus size) and every trial read.
NARROWED_OR_NOT = ["with the store", "every trial read"]


def assistant_over(trials: Sequence[Trial], how: str) -> Assistant:
    """An assistant over `trials`, answering one of the `NARROWED_OR_NOT` ways."""
    if how == "with the store":
        return Assistant(InMemoryTrialReader(trials), Settings(fact_store_min_trials=0))
    return Assistant(RecordsReader(trials, with_fact_store=False))
