"""Small Protocols that keep sentence-transformers, Chroma and chat models behind seams."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeAlias, runtime_checkable

from langchain_core.language_models import BaseChatModel

from index.fact_store import FactStore
from index.keywords import KeywordIndex
from index.models import Chunk, Trial


@runtime_checkable
class Embedder(Protocol):
    name: str

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


# The chat model is LangChain's own interface: any provider package's model, or an in-process fake.
ChatModel: TypeAlias = BaseChatModel


@runtime_checkable
class TrialReader(Protocol):
    """What the assistant, UI and evals need from the index (implemented by index.store)."""

    def all_trials(self) -> Sequence[Trial]: ...

    def trials_at(self) -> tuple[Sequence[Trial], str | None]:
        """Every trial, and the index generation they are known to be at (None: not known). An index
        too large to hold gives an `index.stored_trials.StoredTrials`, reading records when asked."""
        ...

    def facts(self) -> FactStore | None:
        """The fact store over these trials (None: none; every trial is then evaluated)."""
        ...

    def get_trial(self, nct_id: str) -> Trial | None: ...

    def trials_of(self, nct_ids: Sequence[str]) -> list[Trial]:
        """The trials of these NCT IDs that it holds, in that order."""
        ...

    def keywords(self) -> KeywordIndex: ...

    def search(
        self, query: str, k: int, nct_ids: Sequence[str] | None = None, section: str | None = None
    ) -> list[tuple[Chunk, float]]: ...
