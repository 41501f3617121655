"""The naive-RAG reference: what a user would otherwise build with LangChain over the same index.

Top-k similarity search on the question over the chunk collection (the store's
`langchain_chroma.Chroma`); the answer's trials are the NCT IDs of the retrieved chunks in rank
order, its citations the chunk texts. No question understanding, no fact evaluation, no
conversation memory, never abstains. Scored by the same scorer as the system.

`embed_ahead` embeds the questions of a run in one batch, which is what `similarity_search` would
compute one question at a time (same embedder, same vectors) at a fraction of the cost; the
baseline's latencies then leave out the question embedding.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from assistant.models import Answer, Citation


class VectorSearch(Protocol):
    """The part of a LangChain vector store (langchain_chroma.Chroma) the baseline uses."""

    @property
    def embeddings(self) -> Embeddings | None: ...

    def similarity_search(self, query: str, k: int = 4) -> list[Document]: ...

    def similarity_search_by_vector(self, embedding: list[float], k: int = 4) -> list[Document]: ...


class NaiveRagBaseline:
    def __init__(self, vectorstore: VectorSearch, k: int) -> None:
        self.vectorstore = vectorstore
        self.k = k
        self._vectors: dict[str, list[float]] = {}

    def embed_ahead(self, questions: Sequence[str]) -> None:
        embeddings = self.vectorstore.embeddings
        unique = list(dict.fromkeys(questions))
        if embeddings is not None and unique:
            self._vectors.update(zip(unique, embeddings.embed_documents(unique), strict=True))

    def ask(self, question: str, session_id: str | None = None) -> Answer:
        vector = self._vectors.get(question)
        documents = (
            self.vectorstore.similarity_search(question, k=self.k)
            if vector is None
            else self.vectorstore.similarity_search_by_vector(vector, k=self.k)
        )
        citations = [
            Citation(
                nct_id=str(doc.metadata.get("nct_id", "")),
                section=str(doc.metadata.get("section", "")),
                quote=doc.page_content,
            )
            for doc in documents
        ]
        trials = list(dict.fromkeys(c.nct_id for c in citations if c.nct_id))
        lines = [f"- [{c.nct_id}] {c.section}: {c.quote}" for c in citations]
        return Answer(answer="\n".join(lines), trials=trials, citations=citations, kind="baseline")

    def reset(self, session_id: str) -> None:
        """Nothing to forget: the baseline keeps no conversation."""
