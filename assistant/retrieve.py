"""Hybrid retrieval for open questions: dense (store.search) + BM25 over every chunk, fused by rank.

Reciprocal-rank fusion needs no score calibration between the two, and BM25 keeps exact drug
names and NCT-specific wording that a small embedding model blurs. Only open questions come
here, so set/attribute/match questions never load the embedding model.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict
from rank_bm25 import BM25Okapi

from index.errors import IndexStoreError
from index.models import Chunk
from index.seams import TrialReader

RRF_K = 60  # the constant from Cormack et al.; damps the head of each ranking
_STOPWORD_LINES = (
    "a an the of in on for to and or with without by from at as is are was were be been being do does did",
    "what which who whom whose why how when where there this that these those it its they them their i me my",
    "we our you your he she his her can could would should will shall may might must about any all some into",
    "than then so such not no yes if also tell please trial trials study studies record records patient",
    "patients participants being studied used use criteria criterion inclusion exclusion mention mentions",
    "say says state states stated",
)
_STOPWORDS = frozenset(word for line in _STOPWORD_LINES for word in line.split())


class Passage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    chunk: Chunk
    score: float  # fused reciprocal-rank score
    overlap: int  # question content words found in the passage


def tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", text.lower())


def content_words(text: str) -> set[str]:
    return {t for t in tokens(text) if t not in _STOPWORDS and len(t) > 1}


class HybridRetriever:
    """Dense + BM25 over one reader's chunks. The BM25 index is built once per chunk set."""

    def __init__(self, reader: TrialReader, use_dense: bool = True) -> None:
        self._reader = reader
        self._use_dense = use_dense
        self._chunks: list[Chunk] = []
        self._bm25: BM25Okapi | None = None
        self._key: tuple[int, str] | None = None

    def _index(self) -> tuple[list[Chunk], BM25Okapi | None]:
        chunks = self._reader.all_chunks()
        key = (len(chunks), chunks[-1].id if chunks else "")
        if key != self._key:
            self._chunks = chunks
            self._bm25 = BM25Okapi([tokens(c.text) for c in chunks]) if chunks else None
            self._key = key
        return self._chunks, self._bm25

    def retrieve(
        self, question: str, k: int, nct_ids: Sequence[str] | None = None, section: str | None = None
    ) -> list[Passage]:
        chunks, bm25 = self._index()
        if bm25 is None:
            return []
        allowed = [
            i
            for i, c in enumerate(chunks)
            if (not nct_ids or c.nct_id in nct_ids) and (section is None or c.section == section)
        ]
        scores = bm25.get_scores(tokens(question))
        lexical = sorted((i for i in allowed if scores[i] > 0), key=lambda i: -scores[i])[: k * 3]
        fused: dict[str, float] = {}
        by_id = {c.id: c for c in chunks}
        for rank, index in enumerate(lexical):
            fused[chunks[index].id] = fused.get(chunks[index].id, 0.0) + 1 / (RRF_K + rank + 1)
        for rank, chunk in enumerate(self._dense(question, k * 3, nct_ids, section)):
            by_id.setdefault(chunk.id, chunk)
            fused[chunk.id] = fused.get(chunk.id, 0.0) + 1 / (RRF_K + rank + 1)
        wanted = content_words(question)
        ranked = sorted(fused.items(), key=lambda item: -item[1])[:k]
        return [
            Passage(chunk=by_id[cid], score=score, overlap=len(wanted & content_words(by_id[cid].text)))
            for cid, score in ranked
        ]

    def weight(self, word: str) -> float:
        """How telling a word is in this corpus (BM25 idf; 0 for words no chunk holds)."""
        _, bm25 = self._index()
        return max(bm25.idf.get(word, 0.0), 0.0) if bm25 is not None else 0.0

    def _dense(
        self, question: str, k: int, nct_ids: Sequence[str] | None, section: str | None
    ) -> list[Chunk]:
        if not self._use_dense:
            return []
        try:
            return [chunk for chunk, _ in self._reader.search(question, k, nct_ids=nct_ids, section=section)]
        except IndexStoreError:
            return []  # the lexical half still answers; the store error is logged by the store
