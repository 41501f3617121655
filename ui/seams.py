"""What the UI needs from the assistant: ask within a conversation, and forget one.

`assistant.service.Assistant` implements it; tests can pass a small fake.
"""

from __future__ import annotations

from typing import Protocol

from assistant.models import Answer


class ConversationalAssistant(Protocol):
    def ask(self, question: str, session_id: str | None = None) -> Answer: ...

    def reset(self, session_id: str) -> None: ...
