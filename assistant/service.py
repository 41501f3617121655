"""The assistant as the UI, HTTP API, CLI and evals use it."""

from __future__ import annotations

import time

from assistant.chain import AnswerChain
from assistant.llm import get_chat_model
from assistant.models import Answer
from index.errors import QuestionError
from index.seams import ChatModel, TrialReader
from index.settings import Settings, get_settings


class Assistant:
    """Answers questions over one trial reader; conversation history is kept per session id."""

    def __init__(
        self, store: TrialReader, settings: Settings | None = None, chat_model: ChatModel | None = None
    ) -> None:
        self.settings = settings or get_settings()
        self.store = store
        self.chain = AnswerChain(store, self.settings, chat_model)

    def ask(self, question: str, session_id: str | None = None) -> Answer:
        """One answer. Raises QuestionError only for an empty or too-long question."""
        text = question.strip()
        if not text:
            raise QuestionError("the question is empty")
        limit = self.settings.max_question_chars
        if len(text) > limit:
            raise QuestionError(
                f"the question is {len(text)} characters long; the limit is {limit} "
                "(TRIALS_MAX_QUESTION_CHARS)"
            )
        started = time.perf_counter()
        answer = self.chain.invoke(text, session_id)
        return answer.model_copy(update={"timing_ms": round((time.perf_counter() - started) * 1000, 2)})

    def reset(self, session_id: str) -> None:
        """Forget a conversation: the next question starts without follow-up context."""
        self.chain.memory.reset(session_id)


def build_assistant(settings: Settings | None = None) -> Assistant:
    """An assistant over the real index (local folder, or the Chroma server at CHROMA_URL)."""
    from index.store import open_store  # chromadb is imported only when a real store is wanted

    settings = settings or get_settings()
    return Assistant(open_store(settings), settings, get_chat_model(settings))
