"""Small Protocols that keep sentence-transformers, Chroma and chat models behind seams."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from index.models import Chunk, Trial


@runtime_checkable
class Embedder(Protocol):
    name: str

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


@runtime_checkable
class ChatModel(Protocol):
    name: str

    def complete(self, system: str, user: str) -> str: ...


@runtime_checkable
class TrialReader(Protocol):
    """What the assistant, UI and evals need from the index (implemented by index.store)."""

    def all_trials(self) -> list[Trial]: ...

    def get_trial(self, nct_id: str) -> Trial | None: ...

    def all_chunks(self) -> list[Chunk]: ...

    def search(
        self, query: str, k: int, nct_ids: Sequence[str] | None = None, section: str | None = None
    ) -> list[tuple[Chunk, float]]: ...
