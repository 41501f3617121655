"""`trials ask` and `trials chat` (interactive, or --jsonl: one question per stdin line)."""

from __future__ import annotations

import json
import os
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

from assistant.models import Answer
from assistant.service import Assistant, build_assistant
from index.errors import QuestionError, TrialsError


@dataclass(frozen=True)
class Paging:
    """Which result rows and verdicts `trials ask` prints: by default those the answer text shows."""

    offset: int = 0
    limit: int | None = None
    everything: bool = False

    def bounds(self, answer: Answer) -> tuple[int, int | None]:
        return self.offset, (len(answer.trials) if self.everything else self.limit)

    @property
    def asked(self) -> bool:
        return self.everything or self.limit is not None or self.offset > 0


def ask_command(question: str, as_json: bool = False, page: Paging = Paging()) -> int:
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
        _print_answer(answer, as_json, sys.stdout, page)
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


def _print_answer(answer: Answer, as_json: bool, out: TextIO, page: Paging = Paging()) -> None:
    contract = answer.contract(*page.bounds(answer))
    if as_json:
        out.write(json.dumps(contract, ensure_ascii=False, indent=2) + "\n")
        return
    out.write(answer.answer + "\n")
    for note in answer.notes:
        out.write(f"\nNote: {note}\n")
    if page.asked:
        _print_rows(contract, out)


def _print_rows(contract: dict[str, Any], out: TextIO) -> None:
    """The page of result rows, one tab-separated line each, under a line saying which they are."""
    rows, page = contract["results"], contract["page"]
    first = page["offset"] + 1
    out.write(
        f"\nResults {first}-{page['offset'] + len(rows)} of {page['total']}:\n"
        if rows
        else "\nNo results on this page.\n"
    )
    for row in rows:
        cells = [
            row["nct_id"],
            row["title"],
            row["status"],
            row["phase"],
            row["location"],
            row["verdict"] or row["criterion"],
        ]
        out.write("\t".join(cell or "" for cell in cells) + "\n")
