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

ZUBROD = "Could my patient enter any trial? 70-year-old man, zubrod 2, platelets 60 x10^9/L"


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
    as_ecog = Assistant(reader, Settings()).ask(ZUBROD.replace("zubrod", "ECOG"))
    assert answer.trials == as_ecog.trials and answer.verdicts == as_ecog.verdicts
    assert any("read 'zubrod 2'" in n for n in answer.notes)
    assert any(n.startswith("Worded by the chat model faithful") for n in answer.notes), answer.notes
    read, write = stub.requests
    # structured output as the provider package sends it: a JSON schema of QuestionReading
    assert read["response_format"]["type"] == "json_schema"
    assert read["response_format"]["json_schema"]["name"] == "QuestionReading"
    assert read["temperature"] == 0 and "response_format" not in write
    assert "<question>\n" + ZUBROD + "\n</question>" in read["messages"][-1]["content"]


def test_a_wrong_server_cannot_change_the_answer(stub: StubServer, reader: InMemoryTrialReader) -> None:
    plain = Assistant(reader, Settings()).ask(ZUBROD)
    answer = ask(reader, stub.url, "openai:wrong", ZUBROD)
    assert (answer.answer, answer.trials, answer.citations, answer.verdicts) == (
        plain.answer,
        plain.trials,
        plain.citations,
        plain.verdicts,
    )
    assert any("reading of the question was not used" in n and "NCT09999999" in n for n in answer.notes)
    assert any("wording was not used" in n for n in answer.notes)


def test_garbage_from_the_server_costs_only_the_models_part(
    stub: StubServer, reader: InMemoryTrialReader
) -> None:
    plain = Assistant(reader, Settings()).ask(ZUBROD)
    answer = ask(reader, stub.url, "openai:garbage", ZUBROD)
    assert (answer.answer, answer.trials) == (plain.answer, plain.trials)
    assert sum("not used" in n for n in answer.notes) == 2


def test_a_slow_server_times_out(stub: StubServer, reader: InMemoryTrialReader) -> None:
    started = time.perf_counter()
    answer = ask(reader, stub.url, "openai:slow", ZUBROD, llm_timeout_seconds=0.5, llm_budget_seconds=0.8)
    assert time.perf_counter() - started < 2.5  # the stub takes 3 s per call
    assert answer.trials == Assistant(reader, Settings()).ask(ZUBROD).trials
    assert any("no reply within 0.5 s" in n for n in answer.notes)


def test_a_server_that_is_down_costs_only_the_models_part(reader: InMemoryTrialReader) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    answer = ask(reader, f"http://127.0.0.1:{port}/v1", "openai:any", ZUBROD)
    assert answer.trials == Assistant(reader, Settings()).ask(ZUBROD).trials
    assert sum("ConnectionError" in n for n in answer.notes) == 2, answer.notes
