"""Streaming the chat model's wording: claims reach the chat and the widget one by one, each
checked against the quotes it cites before it is shown; the verified citations come with the
finished answer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fakes import InMemoryTrialReader, seed_trials
from fastapi import FastAPI
from fastapi.testclient import TestClient
from llm_fakes import scripted
from test_llm import ECOG2, FAITHFUL

from assistant.llm.calls import Budget
from assistant.llm.wording import write
from assistant.service import Assistant
from index.settings import Settings
from ui.chat import ChatHandlers
from ui.stream_api import stream_router

SETTINGS = Settings(llm_timeout_seconds=5, llm_budget_seconds=5, llm_max_retries=0)


@pytest.fixture(scope="module")
def reader() -> InMemoryTrialReader:
    return InMemoryTrialReader(seed_trials())


def test_claims_stream_one_by_one_once_checked(reader: InMemoryTrialReader) -> None:
    draft = Assistant(reader, SETTINGS).ask(ECOG2)
    streamed: list[list[str]] = []
    answer = write(draft, ECOG2, scripted([FAITHFUL]), SETTINGS, Budget(5), streamed.append)
    # the fake model streams word by word; the claims arrive a line at a time, growing
    assert [len(s) for s in streamed] == [0, 1, 2, 3]
    assert streamed[-1] == answer.answer.split("\n\n")[1].splitlines()  # the claims, under the lead


def test_a_stream_stops_at_the_first_unsupported_claim(reader: InMemoryTrialReader) -> None:
    draft = Assistant(reader, SETTINGS).ask(ECOG2)
    streamed: list[list[str]] = []
    wrong = FAITHFUL.replace("of 0-2 [2]", "of 0-3 [2]")  # the second claim changes a number
    answer = write(draft, ECOG2, scripted([wrong]), SETTINGS, Budget(5), streamed.append)
    assert [len(s) for s in streamed] == [0, 1]  # "0-3" was never shown
    assert answer.answer == draft.answer


def test_the_chat_shows_streamed_claims_then_the_cited_answer(
    reader: InMemoryTrialReader, tmp_path: Path
) -> None:
    settings = SETTINGS.model_copy(update={"home": tmp_path})
    assistant = Assistant(reader, settings, chat_model=scripted([FAITHFUL]))
    updates = list(ChatHandlers(assistant, reader, settings).respond(ECOG2, None, []))
    replies = [update[0][-1]["content"] for update in updates]
    # the claims alone, before the engine's result line and the citations are attached
    streamed = [r for r in replies if r.startswith("<ul><li>[NCT06433830] requires")]
    assert len(streamed) == 3 and not any('class="cite"' in r for r in streamed)
    assert "requires an ECOG PS score of 0-2" in replies[-1] and 'class="cite"' in replies[-1]
    assert "NCT07162519" in replies[-1] and "Worded by the chat model" in replies[-1]


def _events(client: TestClient, question: str) -> list[dict[str, Any]]:
    with client.stream("POST", "/api/ask/stream", json={"question": question}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/x-ndjson"
        return [json.loads(line) for line in response.iter_lines() if line]


def test_the_widget_stream_sends_checked_claims_then_the_answer(reader: InMemoryTrialReader) -> None:
    model = Assistant(reader, SETTINGS, chat_model=scripted([FAITHFUL]))
    *claims, last = _events(TestClient(_app(model)), ECOG2)
    assert [len(event["claims"]) for event in claims] == [0, 1, 2, 3]
    answer = last["answer"]
    assert list(answer)[:4] == ["answer", "trials", "citations", "abstained"]  # the Answer contract
    assert answer["trials"] == ["NCT06433830", "NCT07198672", "NCT07162519"]
    assert claims[-1]["claims"][-1] in answer["answer"]


def test_without_a_model_the_widget_stream_is_the_answer_alone(reader: InMemoryTrialReader) -> None:
    plain = Assistant(reader, SETTINGS)
    events = _events(TestClient(_app(plain)), ECOG2)
    assert len(events) == 1
    assert {k: v for k, v in events[0]["answer"].items() if k != "timing_ms"} == {
        k: v for k, v in plain.ask(ECOG2).contract().items() if k != "timing_ms"
    }


def test_the_widget_stream_refuses_a_too_long_question(reader: InMemoryTrialReader) -> None:
    response = TestClient(_app(Assistant(reader, SETTINGS))).post(
        "/api/ask/stream", json={"question": "x" * (SETTINGS.max_question_chars + 1)}
    )
    assert response.status_code == 422 and "limit" in response.json()["detail"]


def _app(assistant: Assistant) -> FastAPI:
    app = FastAPI()
    app.include_router(stream_router(assistant, SETTINGS))
    return app
