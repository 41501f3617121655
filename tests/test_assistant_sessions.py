"""Conversation memory (bounded), follow-ups after an overview, and `trials chat` into a closed pipe."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from fakes import InMemoryTrialReader, seed_trials

from assistant.chain import SessionMemory
from assistant.query import Query, QuestionKind, Turn
from assistant.service import Assistant

ROOT = Path(__file__).resolve().parent.parent


def _turn(nct_id: str) -> Turn:
    return Turn(query=Query(question=f"Tell me about {nct_id}", kind=QuestionKind.OVERVIEW), trials=[nct_id])


def test_memory_keeps_only_the_most_recent_sessions() -> None:
    memory = SessionMemory(max_sessions=3, max_turns=5)
    for session in ("a", "b", "c"):
        memory.remember(session, _turn("NCT00000001"))
    memory.turns("a")  # reading a conversation makes it recent again
    memory.remember("d", _turn("NCT00000002"))
    assert len(memory) == 3
    assert memory.turns("b") == []  # least recently used: forgotten
    assert [t.trials for t in memory.turns("a")] == [["NCT00000001"]]
    assert memory.turns("d") != []


def test_memory_caps_turns_per_session() -> None:
    memory = SessionMemory(max_sessions=10, max_turns=2)
    for number in range(1, 6):
        memory.remember("s", _turn(f"NCT0000000{number}"))
    assert [t.trials for t in memory.turns("s")] == [["NCT00000004"], ["NCT00000005"]]


def test_the_default_memory_is_bounded() -> None:
    assistant = Assistant(InMemoryTrialReader([]))
    assert 0 < assistant.chain.memory.max_sessions <= 10_000
    assert 0 < assistant.chain.memory.max_turns <= 100


@pytest.fixture(scope="module")
def seed_assistant() -> Assistant:
    return Assistant(InMemoryTrialReader(seed_trials()))


def test_a_definite_attribute_after_an_overview_keeps_the_trial(seed_assistant: Assistant) -> None:
    seed_assistant.ask("Tell me about NCT07162519.", session_id="dose")
    answer = seed_assistant.ask("What is the dose?", session_id="dose")
    # NCT07162519 intervention: "Romiplostim N01: 200 μg per dose, administered subcutaneously, once weekly."
    assert answer.trials == ["NCT07162519"]
    assert "200 μg" in answer.answer


def test_a_definite_attribute_with_no_single_subject_is_not_pinned_to_one_trial(
    seed_assistant: Assistant,
) -> None:
    seed_assistant.ask("Which trials accept ECOG 2?", session_id="many")  # three trials
    answer = seed_assistant.ask("What is the dose?", session_id="many")
    assert answer.kind != QuestionKind.ATTRIBUTE or len(answer.trials) != 1


def test_output_into_a_closed_pipe_exits_quietly() -> None:
    # The reader (`head -c 1`) leaves after one byte; the writer must not print a traceback.
    writer = (
        "import sys\n"
        "from assistant.commands import until_reader_leaves\n"
        "def flood() -> int:\n"
        "    for _ in range(100_000):\n"
        "        sys.stdout.write('x' * 100 + '\\n')\n"
        "    return 0\n"
        "sys.exit(until_reader_leaves(flood))\n"
    )
    result = subprocess.run(
        f"'{sys.executable}' -c \"$WRITER\" | head -c 1",
        shell=True,
        cwd=ROOT,
        env={"WRITER": writer, "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.stdout == "x"
    assert "BrokenPipeError" not in result.stderr
    assert result.stderr == ""
