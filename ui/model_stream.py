"""Streaming the chat model's wording: while the assistant answers in a worker thread, the claims
the model has written so far, each already checked against the quotes it cites, are handed out as
they come; the finished answer (with its verified citations) comes last. Without a chat model, or
with its wording off, nothing streams and only the answer comes."""

from __future__ import annotations

import contextvars
import queue
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

from assistant.llm.steps import CLAIM_SINK

T = TypeVar("T")


class Claims(list[str]):
    """The model's checked claims so far (a new try starts again from none)."""


def with_claims(ask: Callable[[], T]) -> Iterator[Claims | T]:
    """Yields `Claims` while `ask()` runs, then its result (an exception it raises is re-raised)."""
    updates: queue.Queue[tuple[str, object]] = queue.Queue()

    def run() -> None:
        CLAIM_SINK.set(lambda claims: updates.put(("claims", Claims(claims))))
        try:
            updates.put(("done", ask()))
        except BaseException as exc:  # handed to the consuming thread
            updates.put(("error", exc))

    threading.Thread(target=contextvars.copy_context().run, args=(run,), daemon=True).start()
    while True:
        kind, value = updates.get()
        if kind == "claims":
            yield value  # type: ignore[misc]
        elif kind == "error":
            raise value  # type: ignore[misc]
        else:
            yield value  # type: ignore[misc]
            return
