"""One model contribution within its limits: each call has `llm_timeout_seconds`, a failed or
garbled call is tried again up to `llm_max_retries` times, and all calls for one answer share
`llm_budget_seconds`. A failure costs only that contribution: the caller keeps its deterministic
result and notes why."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from index.settings import Settings

T = TypeVar("T")


class ModelFailure(Exception):
    """The model gave nothing usable: down, slow, over budget, or garbage every time."""


class Budget:
    """The time the model may still take for one answer."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    def remaining(self) -> float:
        return max(0.0, self.deadline - time.monotonic())


def call_model(task: Callable[[], T], settings: Settings, budget: Budget) -> T:
    """`task()`'s result, tried up to 1 + llm_max_retries times while the budget lasts. A task
    raises to reject what the model said (unparseable, invalid), which counts as a failed try."""
    failures: list[str] = []
    for _ in range(1 + settings.llm_max_retries):
        limit = min(settings.llm_timeout_seconds, budget.remaining())
        if limit <= 0:
            failures.append("the answer's model budget was spent")
            break
        try:
            return _within(task, limit)
        except TimeoutError:
            failures.append(f"no reply within {limit:.1f} s")
        except Exception as exc:  # any model or parsing error is one failed try, never the answer's
            failures.append(f"{type(exc).__name__}: {_clip(str(exc))}")
    raise ModelFailure("; ".join(failures))


def _within(task: Callable[[], T], seconds: float) -> T:
    """Run `task` in a daemon thread and wait at most `seconds`. A call that overruns is abandoned
    (the HTTP client's own timeout ends it soon after); the answer does not wait for it."""
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["value"] = task()
        except BaseException as exc:  # handed to the waiting thread below
            outcome["error"] = exc

    worker = threading.Thread(target=run, name="chat-model-call", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise TimeoutError
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


def _clip(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
