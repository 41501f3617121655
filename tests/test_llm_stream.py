"""Streaming the chat model's wording: claims reach the chat one by one, each checked against the
quotes it cites before it is shown; the verified citations come with the finished answer."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import InMemoryTrialReader, seed_trials
from llm_fakes import scripted
from test_llm import ECOG2, FAITHFUL

from assistant.llm.calls import Budget
from assistant.llm.wording import write
from assistant.service import Assistant
from index.settings import Settings
from ui.chat import ChatHandlers

SETTINGS = Settings(llm_timeout_seconds=5, llm_budget_seconds=5, llm_max_retries=0)


@pytest.fixture(scope="module")
def reader() -> InMemoryTrialReader:
    return InMemoryTrialReader(seed_trials())


def test_claims_stream_one_by_one_once_checked(reader: InMemoryTrialReader) -> None:
    draft = Assistant(reader, SETTINGS).ask(ECOG2)
    streamed: list[list[str]] = []
    answer = write(draft, ECOG2, scripted([FAITHFUL]), SETTINGS, Budget(5), streamed.append)
    # the fake model streams word by word; the claims arrive a line at a time, growing
    assert [len(s) for s in streamed] == [0, 1, 2, 3, 4]
    assert streamed[-1] == answer.answer.split("\n\n", 1)[1].splitlines()


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
    assert len(streamed) == 4 and not any('class="cite"' in r for r in streamed)
    assert "requires an ECOG PS score of 0-2" in replies[-1] and 'class="cite"' in replies[-1]
    assert "NCT07162519" in replies[-1] and "Worded by the chat model" in replies[-1]
