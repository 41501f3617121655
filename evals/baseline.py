"""The naive-RAG reference: what a user would otherwise build with LangChain over the same index.

Top-k similarity search on the question over the chunk collection (the store's
`langchain_chroma.Chroma`); the answer's trials are the NCT IDs of the retrieved chunks in rank
order, its citations the chunk texts. No question understanding, no fact evaluation, no
conversation memory, never abstains. Scored by the same scorer as the system.
"""

from __future__ import annotations

from typing import Protocol

from langchain_core.documents import Document

from assistant.models import Answer, Citation


class SimilaritySearch(Protocol):
    """The part of a LangChain vector store the baseline uses."""

    def similarity_search(self, query: str, k: int = 4) -> list[Document]: ...


class NaiveRagBaseline:
    def __init__(self, vectorstore: SimilaritySearch, k: int) -> None:
        self.vectorstore = vectorstore
        self.k = k

    def ask(self, question: str, session_id: str | None = None) -> Answer:
        documents = self.vectorstore.similarity_search(question, k=self.k)
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
