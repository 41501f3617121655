"""Hybrid retrieval for open questions: dense (store.search) + BM25 keyword search, fused by rank.

Reciprocal-rank fusion needs no score calibration between the two, and BM25 keeps exact drug
names and NCT-specific wording that a small embedding model blurs. Only open questions come
here, so set/attribute/match questions never load the embedding model.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from pydantic import BaseModel, ConfigDict

from index.errors import IndexStoreError
from index.keywords import STOPWORDS, content_words, singular, tokens
from index.models import Chunk
from index.seams import TrialReader

RRF_K = 60  # the constant from Cormack et al.; damps the head of each ranking
NEAR_SPELLING_MIN = 8  # letters a word needs before a one-letter difference counts as a typo

# Sentence ranking. A title restates a trial's topic and so matches any question about it, but never
# says why or how; questions asking for a reason are answered from sentences that give one.
TOPIC_SECTIONS = frozenset({"Title"})
CONTEXT_SHARE = 0.5  # a question word only the sentence's passage holds counts half: it sets the context
CAUSE_BONUS = 2.0  # about one telling word: a reason sentence beats a bare restatement of the topic
_EXPLANATORY_QUESTION = re.compile(
    r"\b(?:why|how come|reasons?|rationale|purpose|motivat\w*)\b", re.IGNORECASE
)
_CAUSAL = re.compile(
    r"\b(?:because|due to|since|therefore|thereby|thus|hence|as a result|risks?|lead(?:s|ing)? to"
    r"|result(?:s|ing)? in|caus\w*|increas\w*|reduc\w*|necessitat\w*|compromis\w*|lack\w*|unmet"
    r"|needs?|aims?|purpose|objectives?|in order to|so that|hypothes\w*|however|evidence"
    r"|to (?:evaluate|assess|determine|investigate|explore|prevent|reduce|improve))\b",
    re.IGNORECASE,
)


class Passage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    chunk: Chunk
    score: float  # fused reciprocal-rank score
    overlap: int  # question content words found in the passage


class RankedSentence(BaseModel):
    """One verbatim sentence of a retrieved passage, scored against the question."""

    model_config = ConfigDict(extra="forbid")

    passage: Passage
    text: str
    score: float
    explains: bool  # may stand as the direct answer: not a topic restatement when a reason is asked


def near_spelling(a: str, b: str) -> bool:
    """Two long words one typo apart (an inserted, dropped or changed letter): records spell drug
    names variously ("Hetrombopag" / "Herombopag"); short words are left exact, where one letter
    makes another word."""
    if a == b:
        return True
    if min(len(a), len(b)) < NEAR_SPELLING_MIN or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    first = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), len(a))
    rest = a[first + 1 :] if len(a) == len(b) else a[first:]
    return rest == b[first + 1 :]


def shared_words(wanted: set[str], words: set[str]) -> set[str]:
    """The question's words a text holds: exactly, as singular or plural ("risk" / "risks"), or one
    typo apart."""
    singulars = {singular(w) for w in words}
    return {
        w
        for w in wanted
        if w in words or singular(w) in singulars or any(near_spelling(w, other) for other in words)
    }


def _one_letter_dropped(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _deletion_index(vocabulary: Iterable[str]) -> dict[str, list[str]]:
    """Long words by themselves and by each one-letter-dropped form: two words one typo apart share
    a key (the symmetric-delete lookup of SymSpell), so variants are found without a vocabulary scan."""
    index: dict[str, list[str]] = {}
    for word in vocabulary:
        if len(word) >= NEAR_SPELLING_MIN:
            for key in _one_letter_dropped(word) | {word}:
                index.setdefault(key, []).append(word)
    return index


class HybridRetriever:
    """Dense search + the reader's persistent keyword (BM25) index, fused by rank."""

    def __init__(self, reader: TrialReader, use_dense: bool = True) -> None:
        self._reader = reader
        self._use_dense = use_dense
        # other spellings of long words, from the keyword index's vocabulary at one generation
        self._by_deletion: tuple[str | None, dict[str, list[str]]] | None = None

    def retrieve(
        self, question: str, k: int, nct_ids: Sequence[str] | None = None, section: str | None = None
    ) -> list[Passage]:
        keywords = self._reader.keywords()
        # Function words tell nothing and each is in a large share of all chunks: ranking every chunk
        # holding "of" cost ~0.4 s of an open question at 10k trials.
        words = [w for w in tokens(question) if w not in STOPWORDS] or tokens(question)
        lexical = keywords.search(self._spellings(words), k * 3, nct_ids=nct_ids, section=section)
        fused: dict[str, float] = {}
        by_id: dict[str, Chunk] = {}
        for ranking in ([c for c, _ in lexical], self._dense(question, k * 3, nct_ids, section)):
            for rank, chunk in enumerate(ranking):
                by_id.setdefault(chunk.id, chunk)
                fused[chunk.id] = fused.get(chunk.id, 0.0) + 1 / (RRF_K + rank + 1)
        wanted = content_words(question)
        ranked = sorted(fused.items(), key=lambda item: -item[1])[:k]
        return [
            Passage(
                chunk=by_id[cid],
                score=score,
                overlap=len(shared_words(wanted, content_words(by_id[cid].text))),
            )
            for cid, score in ranked
        ]

    def _spellings(self, query: list[str]) -> list[str]:
        """The query's words plus the corpus's other spellings of them, so a record that writes
        "Herombopag" is found by a question about "hetrombopag"."""
        long_words = [w for w in query if len(w) >= NEAR_SPELLING_MIN]
        if not long_words:
            return query
        by_deletion = self._deletion_index()
        variants = {
            other
            for word in long_words
            for key in _one_letter_dropped(word) | {word}
            for other in by_deletion.get(key, ())
            if other != word and near_spelling(word, other)
        }
        return query + sorted(variants)

    def _deletion_index(self) -> dict[str, list[str]]:
        keywords = self._reader.keywords()
        keywords.sync()
        if self._by_deletion is None or self._by_deletion[0] != keywords.generation:
            self._by_deletion = (keywords.generation, _deletion_index(keywords.vocabulary(NEAR_SPELLING_MIN)))
        return self._by_deletion[1]

    def weight(self, word: str) -> float:
        """How telling a word is in this corpus (BM25 idf; 0 for words no chunk holds)."""
        return self._reader.keywords().weight(word)

    def _dense(
        self, question: str, k: int, nct_ids: Sequence[str] | None, section: str | None
    ) -> list[Chunk]:
        if not self._use_dense:
            return []
        try:
            return [chunk for chunk, _ in self._reader.search(question, k, nct_ids=nct_ids, section=section)]
        except IndexStoreError:
            return []  # the lexical half still answers; the store error is logged by the store


def rank_sentences(
    question: str,
    passages: Sequence[Passage],
    sentences_of: dict[str, list[str]],
    weight: Callable[[str], float],
) -> list[RankedSentence]:
    """Sentences of the passages sharing a word with the question, best first.

    A sentence scores the corpus weight of the question words it holds, plus half the weight of
    those only its passage holds (the passage names the drug, the sentence gives the reason); for a
    why-question, causal or purpose wording adds CAUSE_BONUS and titles cannot be the answer. Ties
    go to fuller sentences, then to the better-retrieved passage."""
    wanted = content_words(question)
    explanatory = bool(_EXPLANATORY_QUESTION.search(question))
    ranked: list[RankedSentence] = []
    for rank, passage in enumerate(passages):
        in_passage = shared_words(wanted, content_words(passage.chunk.text))
        for sentence in sentences_of.get(passage.chunk.id, []):
            shared = shared_words(wanted, content_words(sentence))
            if not shared:
                continue
            score = sum(weight(w) for w in shared) + CONTEXT_SHARE * sum(
                weight(w) for w in in_passage - shared
            )
            if explanatory and _CAUSAL.search(sentence):
                score += CAUSE_BONUS
            score += min(len(sentence.split()), 25) / 100 - rank / 1000
            explains = not (explanatory and passage.chunk.section in TOPIC_SECTIONS)
            ranked.append(RankedSentence(passage=passage, text=sentence, score=score, explains=explains))
    return sorted(ranked, key=lambda s: -s.score)
