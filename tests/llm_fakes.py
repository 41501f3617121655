"""In-process chat models for the model path: LangChain's GenericFakeChatModel, scripted."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import Any

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatResult


class ScriptedChatModel(GenericFakeChatModel):
    """Replies with the scripted messages in turn and records what it was sent. It accepts tools
    (returning itself), so `with_structured_output` works on it as on a provider's model: a reply
    carrying a tool call named after the schema is the structured output."""

    sent: list[list[BaseMessage]] = []
    delay_seconds: float = 0.0

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> ScriptedChatModel:  # type: ignore[override]
        return self

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        self.sent.append(messages)
        time.sleep(self.delay_seconds)
        return super()._generate(messages, *args, **kwargs)


def scripted(replies: Sequence[AIMessage | str], delay_seconds: float = 0.0) -> ScriptedChatModel:
    return ScriptedChatModel(messages=iter(list(replies)), sent=[], delay_seconds=delay_seconds)


def reading(**args: Any) -> AIMessage:
    """A structured reply: the model's QuestionReading as a tool call."""
    return AIMessage(content="", tool_calls=[{"name": "QuestionReading", "args": args, "id": "call-1"}])


def endless(reply: AIMessage | str) -> Iterator[AIMessage | str]:
    while True:
        yield reply
