"""The answer pipeline as one LangChain LCEL Runnable, with conversation history per session id:

    load history | understand | route (set | attribute | overview | compare | match | open | abstain)
      | verify | generate (optional chat model, re-verified) | remember

Set, attribute and match questions are answered from the trial records alone (facts evaluated over
every trial); only open questions use retrieval, so only they may load the embedding model.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from typing import TypeVar

from langchain_core.runnables import Runnable, RunnableBranch, RunnableLambda
from pydantic import BaseModel, ConfigDict, Field

from assistant import candidates, compose
from assistant.attributes import criterion_item, extract, numbered_criterion, without_attribute_words
from assistant.evaluate import (
    TestResult,
    TrialEvaluation,
    evaluate_trial,
    in_scope,
    settled_match,
    settled_results,
)
from assistant.evidence import sentences
from assistant.llm.steps import ModelSteps, ModelTurn
from assistant.matching import match_patient
from assistant.models import Answer
from assistant.query import Query, QuestionKind, Turn
from assistant.record_text import RecordSentence, asked_units, best_sentences
from assistant.retrieve import HybridRetriever, Passage, shared_words
from assistant.subjects import TrialDirectory
from assistant.understand import understand
from assistant.verify import quote_in_record, verify
from index.errors import IndexStoreError
from index.fact_store import FactStore
from index.facts.kinds import spec
from index.heap import collector_paused, keep_from_collector
from index.keywords import content_words
from index.language.canonical import in_canonical_words
from index.language.vocabulary import find_terms
from index.language.words import stem, stems
from index.models import Trial
from index.seams import ChatModel, TrialReader
from index.settings import Settings
from index.stored_trials import StoredTrials
from index.trial_fields import RowFields, row_fields

log = logging.getLogger(__name__)
Found = TypeVar("Found")  # what a question asks of the fact store (candidates.narrow_set...)
MAX_TURNS = 20  # earlier turns kept per session; follow-ups only ever look a few back
# Sessions kept in memory: a server never hears when a browser tab closes, so the least recently
# used conversation is forgotten once this many are open (~20 small turns each: a few MB at most).
MAX_SESSIONS = 1000
_SLASHED = re.compile(r"\b([a-z][\w-]*)/([a-z][\w-]*)\b")
MIN_COVERAGE = 0.5  # an open question is answered only from passages holding most of what it asks
# Passages an open question ranks sentences in, per top_k: a short title outranks the summary that
# explains it, so the pool reaches past the first few.
OPEN_POOL = 2
ABSENT_WEIGHT = 8.0  # above any BM25 idf in a corpus of ~10^3 chunks
RECORD_PASSAGES = 6  # passages of one record ranked by embedding similarity for a question about it
READ_AHEAD = 200  # records of a set answer read at a time (well under `Settings.record_cache`)


class PipelineState(BaseModel):
    """What flows between the stages."""

    model_config = ConfigDict(extra="forbid")

    question: str
    session_id: str | None = None
    history: list[Turn] = Field(default_factory=list)
    query: Query | None = None
    answer: Answer | None = None
    model_turn: ModelTurn | None = None  # the chat model's budget and notes for this answer, if any


class SessionMemory:
    """Earlier turns per session id: each question as understood and the trials its answer gave.

    Bounded: at most `max_turns` turns per session and `max_sessions` sessions, the least recently
    used session dropped first."""

    def __init__(self, max_sessions: int = MAX_SESSIONS, max_turns: int = MAX_TURNS) -> None:
        self._turns: OrderedDict[str, list[Turn]] = OrderedDict()
        self._lock = threading.Lock()
        self.max_sessions = max_sessions
        self.max_turns = max_turns

    def __len__(self) -> int:
        with self._lock:
            return len(self._turns)

    def turns(self, session_id: str | None) -> list[Turn]:
        if session_id is None:
            return []
        with self._lock:
            if session_id not in self._turns:
                return []
            self._turns.move_to_end(session_id)
            return list(self._turns[session_id])

    def remember(self, session_id: str, turn: Turn) -> None:
        with self._lock:
            turns = self._turns.setdefault(session_id, [])
            self._turns.move_to_end(session_id)
            turns.append(turn)
            del turns[: -self.max_turns]
            while len(self._turns) > self.max_sessions:
                self._turns.popitem(last=False)

    def reset(self, session_id: str) -> None:
        with self._lock:
            self._turns.pop(session_id, None)


class AnswerChain:
    """Builds the Runnable over one trial reader."""

    def __init__(self, reader: TrialReader, settings: Settings, chat_model: ChatModel | None = None) -> None:
        self.reader = reader
        self.settings = settings
        self.model_steps = ModelSteps(chat_model, settings) if chat_model is not None else None
        self.memory = SessionMemory()
        self.retriever = HybridRetriever(reader)
        self._catalogue_cache: tuple[object, TrialDirectory, Sequence[Trial]] | None = None
        self._directory_lock = threading.Lock()
        self.runnable: Runnable[PipelineState, PipelineState] = self._build()

    def _build(self) -> Runnable[PipelineState, PipelineState]:
        def kind_is(kind: QuestionKind) -> Callable[[PipelineState], bool]:
            return lambda state: state.query is not None and state.query.kind == kind

        route: Runnable[PipelineState, PipelineState] = RunnableBranch(
            (kind_is(QuestionKind.SET), RunnableLambda(self._set, name="evaluate_set")),
            (kind_is(QuestionKind.ATTRIBUTE), RunnableLambda(self._attribute, name="attribute")),
            (kind_is(QuestionKind.OVERVIEW), RunnableLambda(self._overview, name="overview")),
            (kind_is(QuestionKind.COMPARE), RunnableLambda(self._compare, name="compare")),
            (kind_is(QuestionKind.MATCH), RunnableLambda(self._match, name="match_patient")),
            (kind_is(QuestionKind.OPEN), RunnableLambda(self._open, name="retrieve")),
            RunnableLambda(self._cannot_answer, name="abstain"),
        )
        return (
            RunnableLambda(self._load_history, name="history")
            | RunnableLambda(self._understand, name="understand")
            | route
            | RunnableLambda(self._verify, name="verify")
            | RunnableLambda(self._generate, name="generate")
            | RunnableLambda(self._remember, name="remember")
        )

    def invoke(self, question: str, session_id: str | None = None) -> Answer:
        with collector_paused():  # an answer's results are acyclic, freed as it is (index/heap.py)
            state = self.runnable.invoke(PipelineState(question=question, session_id=session_id))
        assert state.answer is not None  # every route sets it
        return state.answer

    # ---- stages ----

    def _load_history(self, state: PipelineState) -> PipelineState:
        return state.model_copy(update={"history": self.memory.turns(state.session_id)})

    def _understand(self, state: PipelineState) -> PipelineState:
        directory = self._directory()
        known = directory.ids
        if not known:
            empty = Query(
                question=state.question,
                kind=QuestionKind.CANNOT_ANSWER,
                # an index built by another version of the readers is kept apart (its name hashes
                # what shaped it), so after an upgrade the index reads as empty until rebuilt
                reason="the index holds no trials for this version of the assistant; run `trials index` "
                "(again, if the records were indexed before an upgrade).",
            )
            return state.model_copy(update={"query": empty})
        query = understand(state.question, state.history, known, directory)
        if self.model_steps is not None:  # the model may read the numbers the rules left unread
            turn = self.model_steps.turn()

            def reread(text: str) -> Query:
                return understand(text, state.history, known, directory)

            query = self.model_steps.read(query, turn, reread, known)
            return state.model_copy(update={"query": query, "model_turn": turn})
        return state.model_copy(update={"query": query})

    def _directory(self) -> TrialDirectory:
        return self._catalogue()[1]

    def _catalogue(self) -> tuple[object, TrialDirectory, Sequence[Trial]]:
        """Identifying words of every trial, and the trials in the reader's order (those of the
        directory's `order`), rebuilt when the set of trials changes; with what tells that set (the
        index generation, where the reader knows it)."""
        trials, generation = self.reader.trials_at()
        # The index generation tells a change without looking at every trial on every question (at
        # 10k trials that look cost ~40 ms); a reader that cannot tell its generation hands out the
        # same Trial objects until its records change, so their identities tell it instead.
        key: object = generation if generation is not None else frozenset((t.nct_id, id(t)) for t in trials)
        with self._directory_lock:
            if self._catalogue_cache is None or self._catalogue_cache[0] != key:
                self._catalogue_cache = (key, TrialDirectory.of(trials), trials)
                keep_from_collector()  # long-lived, like the records it is built from
            return self._catalogue_cache

    def _with(self, state: PipelineState, answer: Answer) -> PipelineState:
        return state.model_copy(update={"answer": answer})

    def _trials(self, query: Query) -> list[Trial]:
        return [t for i in query.nct_ids if (t := self.reader.get_trial(i)) is not None]

    def _narrowed(
        self, ask: Callable[[FactStore | None, str | None], Found]
    ) -> tuple[Sequence[Trial], str | None, Found]:
        """Every trial, the index generation they are at, and what `ask` finds in the fact store for
        them (candidates.narrow_set); asked of no store (so finding nothing) when it cannot answer
        for these very records, or for fewer trials than make asking worth while."""
        trials, generation = self.reader.trials_at()
        if len(trials) < self.settings.fact_store_min_trials:
            return trials, generation, ask(None, generation)
        try:
            return trials, generation, ask(self.reader.facts(), generation)
        except IndexStoreError as exc:
            # the store only spares work: without it every trial is evaluated, so the answer is the
            # same, only slower; the operator is told why
            log.warning("answering without the fact store (every trial evaluated): %s", exc)
            return trials, generation, ask(None, generation)

    def _set(self, state: PipelineState) -> PipelineState:
        query = _query(state)
        every, generation, narrowing = self._narrowed(
            lambda store, generation: candidates.narrow_set(store, query, generation)
        )
        read, by_id, unread, ruled_out = self._to_read(every, generation, query, narrowing)
        evaluations = self._evaluated(read, by_id, query, narrowing.settled)
        if not any(e.outcome == "match" for e in evaluations) and _described_not_named(query):
            # "which trial starts its TPO-RA on the evening of day 1?": a description, not a term
            # any record names; the records' own sentences are searched for it instead
            searched = self._open(state)
            if searched.answer is not None and not searched.answer.abstained:
                return searched
        answer = compose.compose_set(
            query,
            evaluations,
            by_id,
            self.settings.answer_shown,
            ruled_out=ruled_out,
            unread=unread,
            cited_all=self.settings.answer_cited_all,
        )
        return self._with(state, answer)

    def _to_read(
        self, every: Sequence[Trial], generation: str | None, query: Query, narrowing: candidates.SetNarrowing
    ) -> tuple[list[str], Mapping[str, Trial], Collection[str], int]:
        """The NCT IDs of the trials of the question's scope to evaluate, in the reader's order, and
        their records by ID (read when asked for); the NCT IDs of those known not to state what it
        asks (unread); and how many the store ruled out. By the IDs alone (at 100k trials a look at
        each record costs ~50 ms; an index too large to hold reads none it need not), from the
        directory of the trials at the `generation` the store answered for; else by looking at each."""
        ruled_out, stating = narrowing.ruled_out, narrowing.stating
        at, directory, trials = self._catalogue()
        by_id: Mapping[str, Trial]
        if generation is not None and at == generation:
            by_id = _InOrder(trials, directory.order)
            if query.scope is None and not query.others_than:
                read = directory.in_order((directory.ids if stating is None else stating) - ruled_out)
                not_stating = set() if stating is None else directory.ids - stating - ruled_out
                return read, by_id, not_stating, directory.size - len(read) - len(not_stating)
            scoped = directory.in_order(query.scope if query.scope is not None else directory.ids)
            scoped = [i for i in scoped if i not in query.others_than]
        else:
            trials_in_scope = in_scope(every, query)
            by_id = {t.nct_id: t for t in trials_in_scope}
            scoped = list(by_id)
        read = [i for i in scoped if i not in ruled_out and (stating is None or i in stating)]
        unread = [] if stating is None else [i for i in scoped if i not in stating and i not in ruled_out]
        return read, by_id, unread, len(scoped) - len(read) - len(unread)

    def _evaluated(
        self,
        read: Sequence[str],
        by_id: Mapping[str, Trial],
        query: Query,
        settled: Mapping[str, tuple[candidates.Ends, ...]],
    ) -> list[TrialEvaluation]:
        """Each trial's evaluation, in order. Past the matches the answer cites (evaluated in full, to
        cite them), a trial the fact store settled as matching is worded from its rows, unread."""
        evaluations = []
        matched = 0
        # the matches an answer cites are read whole: those it shows, or all of a modest result
        fully = max(self.settings.answer_shown, self.settings.answer_cited_all)
        worded: dict[tuple[candidates.Ends, ...], list[TestResult]] = {}  # by the ends, shared
        for position, nct_id in enumerate(read):
            if position % READ_AHEAD == 0 and isinstance(by_id, _InOrder):
                ahead = read[position : position + READ_AHEAD]
                by_id.read_ahead([n for n in ahead if matched < fully or n not in settled])
            ends = settled.get(nct_id) if matched >= fully else None
            if ends is None:
                evaluation = evaluate_trial(by_id[nct_id], query)
            else:
                results = worded.get(ends)
                if results is None:
                    results = worded[ends] = settled_results(query, ends)
                evaluation = settled_match(nct_id, results)
            matched += evaluation.outcome == "match"
            evaluations.append(evaluation)
        return evaluations

    def _attribute(self, state: PipelineState) -> PipelineState:
        query = _query(state)
        trials = self._trials(query)
        numbered = numbered_criterion(query.question)
        if numbered is not None and len(trials) == 1:
            item = criterion_item(trials[0], *numbered)
            if item.stated:
                return self._with(
                    state,
                    compose.compose_attribute(
                        query.model_copy(update={"attributes": ["criterion"]}),
                        trials,
                        {},
                        {trials[0].nct_id: [item]},
                    ),
                )
        keys = _attribute_keys(query)
        found = self._record_sentences(without_attribute_words(query.question, keys), trials)
        if not keys and not query.has_tests():
            if found:
                return self._with(state, compose.compose_from_record(trials[0], found))
            return self._with(state, compose.compose_overview(trials))
        query = query.model_copy(update={"attributes": keys})
        checks = {t.nct_id: evaluate_trial(t, query).results for t in trials} if query.has_tests() else {}
        results = {t.nct_id: [extract(k, t) for k in keys] for t in trials}
        lacking = (
            None
            if compose.answered_by_fallback(keys, trials)
            else compose.nothing_stated(trials, checks, results, found)
        )
        if lacking and query.subject_described and not query.terms:
            # the trial is only the assistant's reading of a description: with nothing asked stated,
            # no trial is the answer (one the user named by ID is answered "its record does not state").
            # Whether it excludes or requires something is answered all the same: criteria that do not
            # mention it neither exclude nor require it
            return self._with(state, compose.abstain(lacking))
        answer = compose.compose_attribute(query, trials, checks, results)
        return self._with(state, compose.with_record_sentences(answer, trials, found))

    def _record_sentences(self, question: str, trials: Sequence[Trial]) -> list[RecordSentence]:
        """For a question about one trial: its record's sentences that answer it, if any."""
        if len(trials) != 1:
            return []
        directory = self._directory()
        nct_id = trials[0].nct_id
        # the words that only said which trial ("the Tianjin herombopag trial") are not asked of it
        for start, end in sorted(directory.description_spans(question, nct_id), reverse=True):
            question = question[:start] + " " + question[end:]
        if not asked_units(question):
            return []
        similar = [(c.text, score) for c, score in self.reader.search(question, RECORD_PASSAGES, [nct_id])]
        return best_sentences(trials[0], question, directory.words_of(question, nct_id), similar)

    def _overview(self, state: PipelineState) -> PipelineState:
        return self._with(state, compose.compose_overview(self._trials(_query(state))))

    def _compare(self, state: PipelineState) -> PipelineState:
        query = _query(state)
        return self._with(state, compose.compose_compare(self._trials(query), _attribute_keys(query)))

    def _match(self, state: PipelineState) -> PipelineState:
        query = _query(state)
        if query.patient is None or not (query.patient.stated() or query.patient.concepts):
            return self._with(state, compose.abstain("the question gives no patient details to check"))
        patient = query.patient
        _, directory, every = self._catalogue()
        if query.scope is None:
            trials: Sequence[Trial] = every  # an index too large to hold reads each record in turn
            by_id: Mapping[str, Trial] = _InOrder(every, directory.order)
        else:
            by_id = {t.nct_id: t for i in directory.in_order(query.scope) if (t := self.reader.get_trial(i))}
            trials = list(by_id.values())
        # the excluded trials are the result, or the one trial asked about: why each is excluded is shown
        shows_exclusions = query.wants_excluded or len(trials) == 1
        verdicts = match_patient(
            trials, patient, condition_studied=not query.wants_excluded, every_reason=shows_exclusions
        )
        return self._with(
            state,
            compose.compose_match(
                verdicts,
                by_id,
                self.settings.answer_shown,
                query.wants_excluded,
                query.excluded_for,
                subject=len(trials) == 1 and trials[0].nct_id in query.nct_ids,
                cited_all=self.settings.answer_cited_all,
            ),
        )

    def _open(self, state: PipelineState) -> PipelineState:
        query = _query(state)
        subjects = self._trials(query)
        if len(subjects) == 1:  # one trial: its own record is read whole, not a top-k of chunks
            found = self._record_sentences(query.question, subjects)
            if found:
                return self._with(state, compose.compose_from_record(subjects[0], found))
            # its passages would match the words that only say which trial it is, not what is asked
            return self._with(state, compose.abstain(f"the record of {subjects[0].nct_id} does not say."))
        section = _section_asked(query.question)
        passages = self.retriever.retrieve(
            query.question, self.settings.top_k * OPEN_POOL, nct_ids=query.nct_ids or None, section=section
        )
        relevant = [p for p in passages if self._coverage(query.question, p) >= MIN_COVERAGE]
        if not relevant:
            reason = (
                f"the record of {', '.join(query.nct_ids)} does not say."
                if query.nct_ids
                else "it does not appear to be about the indexed clinical trials, "
                "and no record passage matches it."
            )
            return self._with(state, compose.abstain(reason))
        sentences_of = {p.chunk.id: self._verbatim_sentences(p) for p in relevant}
        return self._with(
            state, compose.compose_open(query.question, relevant, sentences_of, self.retriever.weight)
        )

    def _verbatim_sentences(self, passage: Passage) -> list[str]:
        """Sentences of a chunk that occur in the record itself: chunks of structured fields are
        rendered text ("Maximum age: 75 Years") and cannot be quoted as the record's words."""
        trial = self.reader.get_trial(passage.chunk.nct_id)
        if trial is None:
            return []
        return [s for s in sentences(passage.chunk.text) if quote_in_record(s, trial.text)]

    def _coverage(self, question: str, passage: Passage) -> float:
        """The share of the question's telling words a passage holds, each weighted by its rarity; a
        word no record holds weighs most (a question about deaths or costs the records never mention)."""
        canonical = in_canonical_words(question)
        wanted = content_words(canonical)
        held = content_words(passage.chunk.text) | content_words(" ".join(find_terms(passage.chunk.text)))
        held_stems = stems(held)
        shared = shared_words(wanted, held) | {w for w in wanted if stem(w) in held_stems}
        # "stop/hold": one thing asked in two words, held when either is
        for first, second in _SLASHED.findall(canonical.lower()):
            if {first, second} & shared:
                wanted -= {first, second}
                shared -= {first, second}
                shared.add(first)
                wanted.add(first)
        weights = {w: self.retriever.weight(w) or ABSENT_WEIGHT for w in wanted}
        total = sum(weights.values())
        return sum(weights[w] for w in shared) / total if total else 0.0

    def _cannot_answer(self, state: PipelineState) -> PipelineState:
        query = _query(state)
        if query.unknown_ids:
            listed = ", ".join(query.unknown_ids)
            return self._with(
                state,
                compose.abstain(
                    f"{listed} is not in the index, so I have no record to answer from.",
                    notes=[f"unknown NCT ID: {i}" for i in query.unknown_ids],
                ),
            )
        return self._with(
            state, compose.abstain(query.reason or "the question is outside what the records cover.")
        )

    def _verify(self, state: PipelineState) -> PipelineState:
        answer = _answer(state)
        query = _query(state)
        notes = list(answer.notes)
        if query.ignored_instructions:
            notes.append(
                "The question contained instructions or markup for the assistant; they were ignored."
            )
        if query.unknown_ids and query.kind != QuestionKind.CANNOT_ANSWER:
            notes.append(f"Not in the index: {', '.join(query.unknown_ids)}.")
        return self._with(state, verify(answer.model_copy(update={"notes": notes}), self.reader))

    def _generate(self, state: PipelineState) -> PipelineState:
        if self.model_steps is None:
            return state
        turn = state.model_turn or self.model_steps.turn()
        return self._with(
            state, verify(self.model_steps.write(_answer(state), state.question, turn), self.reader)
        )

    def _remember(self, state: PipelineState) -> PipelineState:
        answer = _answer(state)
        if state.session_id is not None:
            self.memory.remember(
                state.session_id, Turn(query=_query(state), trials=answer.trials, answer_text=answer.answer)
            )
        return state


class _InOrder(Mapping[str, Trial]):
    """Trials by NCT ID from a sequence in the directory's order: a record is only read when asked
    for (an index too large to hold reads it from the fact store then)."""

    def __init__(self, trials: Sequence[Trial], order: Mapping[str, int]) -> None:
        self._trials = trials
        self._order = order

    def __getitem__(self, nct_id: str) -> Trial:
        return self._trials[self._order[nct_id]]

    def __contains__(self, nct_id: object) -> bool:
        return nct_id in self._order

    def read_ahead(self, nct_ids: Sequence[str]) -> None:
        """Read these records together, soon to be asked for one by one (an index too large to hold
        reads them from the fact store in one query, not one each)."""
        if isinstance(self._trials, StoredTrials):
            self._trials.read_ahead(nct_ids)

    def row_fields(self, nct_ids: Sequence[str]) -> Mapping[str, RowFields]:
        """What the result table shows of these trials: from the fact store for an index too large to
        hold (thousands of results, no record read), else from the records."""
        if isinstance(self._trials, StoredTrials):
            return self._trials.row_fields(nct_ids)
        return {n: row_fields(self[n]) for n in nct_ids if n in self}

    def __iter__(self) -> Iterator[str]:
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._order)


# A term of this many telling words is a description ("its TPO-RA in the evening on day 1 of each
# cycle"), which records word in their own way, rather than a name.
DESCRIPTION_WORDS = 4


def _described_not_named(query: Query) -> bool:
    return any(len(content_words(name)) >= DESCRIPTION_WORDS for t in query.terms for name in t.names)


def _query(state: PipelineState) -> Query:
    assert state.query is not None, "understand runs before every route"
    return state.query


def _answer(state: PipelineState) -> Answer:
    assert state.answer is not None, "every route sets an answer"
    return state.answer


_FIELD_ATTRIBUTE = {
    "results_posted": "results",
    "allocation": "design",
    "intervention_model": "design",
    "masking": "design",
    "study_type": "design",
    "primary_purpose": "purpose",
}


# Attributes that a parsed test already answers (a phase filter answers "phase", a platelet value
# answers the platelet threshold) are not repeated.
def _attribute_keys(query: Query) -> list[str]:
    covered = {spec(t.kind).attribute for t in query.numeric}
    covered |= {_FIELD_ATTRIBUTE.get(f.field, f.field) for f in query.fields}
    return [k for k in query.attributes if k not in covered]


def _section_asked(question: str) -> str | None:
    lowered = question.lower()
    if "exclusion" in lowered:
        return "Exclusion Criteria"
    if "inclusion" in lowered:
        return "Inclusion Criteria"
    return None
