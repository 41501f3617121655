"""The model path end to end against a real OpenAI-compatible HTTP server on 127.0.0.1 (a stub
speaking the chat-completions protocol: tests/openai_stub.py), through the provider package that
`TRIALS_LLM=openai:<model>` builds with `init_chat_model`."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from fakes import InMemoryTrialReader, seed_trials
from openai_stub import StubServer

from assistant.llm import get_chat_model
from assistant.models import Answer
from assistant.service import Assistant
from index.settings import Settings

# The rules take "zubrod 2" for a term no record names; the model reads it, then words the answer.
ZUBROD = "Which trials accept zubrod 2?"
ECOG2 = "Which trials accept ECOG 2?"


@pytest.fixture(scope="module")
def stub() -> Iterator[StubServer]:
    server = StubServer()
    yield server
    server.close()


@pytest.fixture(scope="module")
def reader() -> InMemoryTrialReader:
    return InMemoryTrialReader(seed_trials())


def ask(
    reader: InMemoryTrialReader, base_url: str | None, llm: str, question: str, **settings: object
) -> Answer:
    config = Settings(llm=llm, llm_base_url=base_url, llm_max_retries=0, **settings)  # type: ignore[arg-type]
    return Assistant(reader, config, chat_model=get_chat_model(config)).ask(question)


def test_a_faithful_server_reads_and_words_through_the_openai_protocol(
    stub: StubServer, reader: InMemoryTrialReader
) -> None:
    stub.requests.clear()
    answer = ask(reader, stub.url, "openai:faithful", ZUBROD)
    as_ecog = Assistant(reader, Settings()).ask(ECOG2)
    assert answer.trials == as_ecog.trials == ["NCT06433830", "NCT07198672", "NCT07162519"]
    assert answer.citations == as_ecog.citations
    assert any("read 'zubrod 2'" in n for n in answer.notes)
    assert any(n.startswith("Worded by the chat model faithful") for n in answer.notes), answer.notes
    read, write = stub.requests
    # structured output as the provider package sends it: a JSON schema of QuestionReading
    assert read["response_format"]["type"] == "json_schema"
    assert read["response_format"]["json_schema"]["name"] == "QuestionReading"
    assert read["temperature"] == 0 and "response_format" not in write
    assert "<question>\n" + ZUBROD + "\n</question>" in read["messages"][-1]["content"]


def _same_as_without_a_model(answer: Answer, question: str, reader: InMemoryTrialReader) -> bool:
    plain = Assistant(reader, Settings()).ask(question)
    return (answer.answer, answer.trials, answer.citations) == (plain.answer, plain.trials, plain.citations)


def test_a_wrong_server_cannot_change_the_answer(stub: StubServer, reader: InMemoryTrialReader) -> None:
    read = ask(reader, stub.url, "openai:wrong", ZUBROD)
    assert _same_as_without_a_model(read, ZUBROD, reader)
    assert any("reading of the question was not used" in n and "NCT09999999" in n for n in read.notes)
    worded = ask(reader, stub.url, "openai:wrong", ECOG2)
    assert _same_as_without_a_model(worded, ECOG2, reader)
    assert any("wording was not used" in n and "not in its quotes" in n for n in worded.notes)


@pytest.mark.parametrize("question", [ZUBROD, ECOG2])
def test_garbage_from_the_server_costs_only_the_models_part(
    stub: StubServer, reader: InMemoryTrialReader, question: str
) -> None:
    answer = ask(reader, stub.url, "openai:garbage", question)
    assert _same_as_without_a_model(answer, question, reader)
    assert sum("not used" in n for n in answer.notes) == 1


def test_a_slow_server_times_out(stub: StubServer, reader: InMemoryTrialReader) -> None:
    started = time.perf_counter()
    # a budget well past one timeout: the first call gets its whole 0.5 s even when reading the question
    # took a while (a budget of 0.8 s left a call "0.4 s" on a busy machine)
    answer = ask(reader, stub.url, "openai:slow", ECOG2, llm_timeout_seconds=0.5, llm_budget_seconds=1.5)
    assert time.perf_counter() - started < 2.5  # the stub takes 3 s per call
    assert _same_as_without_a_model(answer, ECOG2, reader)
    assert any("no reply within 0.5 s" in n for n in answer.notes)


@pytest.mark.parametrize("question", [ZUBROD, ECOG2])
def test_a_server_that_is_down_costs_only_the_models_part(reader: InMemoryTrialReader, question: str) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    answer = ask(reader, f"http://127.0.0.1:{port}/v1", "openai:any", question)
    assert _same_as_without_a_model(answer, question, reader)
    assert sum("ConnectionError" in n for n in answer.notes) == 1, answer.notes
