"""`trials ask` and `trials chat` (interactive, or --jsonl: one question per stdin line)."""

from __future__ import annotations

import json
import os
import sys
import uuid
from collections.abc import Callable
from typing import TextIO

from assistant.models import Answer
from assistant.service import Assistant, build_assistant
from index.errors import QuestionError, TrialsError


def ask_command(question: str, as_json: bool = False) -> int:
    try:
        assistant = build_assistant()
        answer = assistant.ask(question)
    except QuestionError as exc:
        print(f"trials ask: {exc}", file=sys.stderr)
        return 2
    except TrialsError as exc:
        print(f"trials ask: {exc}", file=sys.stderr)
        return 1

    def print_answer() -> int:
        _print_answer(answer, as_json, sys.stdout)
        return 0

    return until_reader_leaves(print_answer)


def chat_command(jsonl: bool = False) -> int:
    try:
        assistant = build_assistant()
    except TrialsError as exc:
        print(f"trials chat: {exc}", file=sys.stderr)
        return 1
    if jsonl:
        return until_reader_leaves(lambda: run_jsonl(assistant, sys.stdin, sys.stdout))
    return until_reader_leaves(lambda: _interactive(assistant))


def until_reader_leaves(run: Callable[[], int]) -> int:
    """Run a command that writes to stdout; when the reader closes the pipe (`trials chat | head`),
    stop quietly instead of with a BrokenPipeError traceback."""
    try:
        return run()
    except BrokenPipeError:
        # Python flushes stdout again at exit, which would raise once more: point it at devnull.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def run_jsonl(assistant: Assistant, lines: TextIO, out: TextIO) -> int:
    """One Answer JSON per question line; an empty line starts a new conversation."""
    session = uuid.uuid4().hex
    for line in lines:
        question = line.strip()
        if not question:
            session = uuid.uuid4().hex
            continue
        try:
            answer = assistant.ask(question, session_id=session)
        except QuestionError as exc:
            answer = Answer(
                answer=f"The question could not be taken: {exc}", abstained=True, kind="CANNOT_ANSWER"
            )
        out.write(json.dumps(answer.contract(), ensure_ascii=False) + "\n")
        out.flush()
    return 0


def _interactive(assistant: Assistant) -> int:
    session = uuid.uuid4().hex
    print("Ask about the indexed trials. '/new' starts a new conversation; Ctrl-D or '/quit' exits.")
    while True:
        try:
            question = input("\n> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if question in ("/quit", "/exit"):
            return 0
        if question == "/new":
            assistant.reset(session)
            session = uuid.uuid4().hex
            print("(new conversation)")
            continue
        if not question:
            continue
        try:
            _print_answer(assistant.ask(question, session_id=session), False, sys.stdout)
        except QuestionError as exc:
            print(f"(question not taken: {exc})")


def _print_answer(answer: Answer, as_json: bool, out: TextIO) -> None:
    if as_json:
        out.write(json.dumps(answer.contract(), ensure_ascii=False, indent=2) + "\n")
        return
    out.write(answer.answer + "\n")
    for note in answer.notes:
        out.write(f"\nNote: {note}\n")
