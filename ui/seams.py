"""What the UI needs from the assistant: ask within a conversation (`client`: the caller's address,
which bounds how many conversations one caller keeps), and forget one.

`assistant.service.Assistant` implements it; tests can pass a small fake.
"""

from __future__ import annotations

from typing import Protocol

from assistant.models import Answer


class ConversationalAssistant(Protocol):
    def ask(self, question: str, session_id: str | None = None, client: str | None = None) -> Answer: ...

    def reset(self, session_id: str) -> None: ...
