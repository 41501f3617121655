"""The two places the answer chain lets the chat model contribute, each within the answer's budget:
`read` after the rule-based reader, `write` after verification. Either returns the deterministic
result unchanged, with a note, when the model fails or says something the checks reject."""

from __future__ import annotations

from collections.abc import Callable, Collection
from contextvars import ContextVar

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, ConfigDict, Field

import prompts
from assistant.llm.calls import Budget, ModelFailure, call_model
from assistant.llm.data import prompt
from assistant.llm.reading import QuestionReading, resolve, unread_numbers
from assistant.llm.wording import write
from assistant.models import Answer
from assistant.query import Query, QuestionKind
from index.settings import Settings

# Questions whose numbers the model may help read: which trials, could this patient enter, and
# open questions in which the rules found no trial and no test. Guards (instructions, advice,
# unknown trials) and questions about one named trial are the rules' alone.
_READ_KINDS = (QuestionKind.SET, QuestionKind.MATCH, QuestionKind.OPEN)


# Where a caller that streams (the chat UI) wants the model's checked claims as they come: set
# around `Assistant.ask`; unset, the wording arrives whole with the answer.
CLAIM_SINK: ContextVar[Callable[[list[str]], None] | None] = ContextVar("claim_sink", default=None)


class ModelTurn(BaseModel):
    """The model's part in one answer: its time budget and what the answer should note."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    budget: Budget
    notes: list[str] = Field(default_factory=list)


class ModelSteps:
    def __init__(self, model: BaseChatModel, settings: Settings) -> None:
        self.model = model
        self.settings = settings

    def turn(self) -> ModelTurn:
        return ModelTurn(budget=Budget(self.settings.llm_budget_seconds))

    def read(
        self, query: Query, turn: ModelTurn, reread: Callable[[str], Query], known_ids: Collection[str]
    ) -> Query:
        """The rules' Query, with what the model validly read of the numbers they left unread."""
        if not self.settings.llm_parse or query.kind not in _READ_KINDS:
            return query
        if query.kind == QuestionKind.OPEN and (query.nct_ids or query.has_tests()):
            return query  # read enough to be answered from the records: nothing a reading could add
        unread = unread_numbers(query, reread)
        if not unread:
            return query
        structured = self.model.with_structured_output(QuestionReading, include_raw=True)
        conversation = [
            SystemMessage(prompts.load("read_system")),
            HumanMessage(
                prompt("read_user", question=query.question, unread="\n".join(u.context for u in unread))
            ),
        ]

        def task() -> tuple[Query, list[str]]:
            reply = structured.invoke(conversation)
            parsed = reply["parsed"] if isinstance(reply, dict) else None
            if not isinstance(parsed, QuestionReading):
                error = reply.get("parsing_error") if isinstance(reply, dict) else None
                raise ValueError(f"no valid reading ({error or 'nothing parsed'})")
            return resolve(parsed, query, unread, known_ids)

        try:
            resolved, notes = call_model(task, self.settings, turn.budget)
        except ModelFailure as failure:
            turn.notes.append(f"The chat model's reading of the question was not used ({failure}).")
            return query
        turn.notes.extend(notes)
        return resolved

    def write(self, answer: Answer, question: str, turn: ModelTurn) -> Answer:
        """The verified answer, worded by the model as checked claims when it can be."""
        noted = answer.model_copy(update={"notes": [*answer.notes, *turn.notes]})
        if not self.settings.llm_write:
            return noted
        return write(noted, question, self.model, self.settings, turn.budget, CLAIM_SINK.get())
