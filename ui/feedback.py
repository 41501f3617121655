"""Thumbs up/down on answers, with an optional comment, kept as JSON lines for later review."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Rating = Literal["up", "down", "withdrawn"]

_write_lock = threading.Lock()  # one line per record even when two browser sessions rate at once


class FeedbackRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    time: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    session_id: str | None
    rating: Rating
    comment: str | None = None
    question: str
    answer: str
    trials: list[str] = Field(default_factory=list)


def feedback_path(home: Path) -> Path:
    return home / "feedback.jsonl"


def append_feedback(path: Path, record: FeedbackRecord) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    line = record.model_dump_json() + "\n"
    with _write_lock, path.open("a", encoding="utf-8") as handle:
        handle.write(line)
