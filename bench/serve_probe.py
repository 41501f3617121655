"""`python -m bench.serve_probe HOME KIND=ROUNDS...`: one serving process's answers over the index in
HOME, as `trials serve` opens it, with its memory: what the scale bench runs in a fresh process so the
figure is the server's alone. Each kind is asked once, then ROUNDS times more (warm). Prints one JSON
object: per question kind the first and warm answer times (ms), the answer JSON's size (KiB) and the
process's resident memory after it (MiB), and its peak over them all."""

from __future__ import annotations

import json
import sys
import time
import uuid
from pathlib import Path

from assistant.service import build_assistant
from bench.scale_bench import QUESTIONS, json_kib
from index.settings import Settings


def _memory_mib() -> dict[str, float]:
    status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return {key: int(status[key].split()[0]) / 1024 for key in ("VmRSS", "VmHWM")}


def main(home: str, asked: list[str]) -> dict[str, object]:
    assistant = build_assistant(Settings(home=home, chroma_url=None))
    nct_id = assistant.store.all_trials()[0].nct_id
    answers: dict[str, object] = {}
    for kind, rounds in (item.split("=") for item in asked):
        question = QUESTIONS[kind].format(nct_id=nct_id)
        times = []
        for _ in range(int(rounds) + 1):
            started = time.perf_counter()
            answer = assistant.ask(question, session_id=uuid.uuid4().hex)
            times.append((time.perf_counter() - started) * 1000)
        answers[kind] = {
            "first": times[0],
            "warm": times[1:],
            "kib": json_kib(answer),
            "rss": _memory_mib()["VmRSS"],
        }
    return {"answers": answers, "memory": _memory_mib()}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2:])))
