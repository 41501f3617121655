"""Helpers for the UI tests: a scripted assistant, a dict-backed trial reader, hand-written
records (one of them hostile), and real servers on free loopback ports."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import uvicorn
from fastapi import FastAPI

from assistant.models import Answer, Citation
from index.errors import QuestionError
from index.models import Criterion, Fact, FactKind, Trial
from index.settings import Settings
from ui.server import uvicorn_config

HOSTILE_NCT = "NCT09990001"
HOSTILE_SCRIPT = "<script>window.__pwned = 1</script>"
HOSTILE_LINK = "[click here](https://evil.example/phish)"
HOSTILE_IMAGE = "![x](https://evil.example/pixel.png)"
HOSTILE_CRITERION = f"ECOG 0-2 {HOSTILE_SCRIPT} see {HOSTILE_LINK} {HOSTILE_IMAGE}"

ECOG_TRIAL_TEXT = """Hetrombopag for chemoradiotherapy-induced thrombocytopenia

NCT ID: NCT09990002

Inclusion Criteria:

* ECOG PS score for physical condition: 0-2 points;
* Platelet count < 75 x10^9/L
"""


def hostile_trial() -> Trial:
    """A record whose eligibility text carries HTML and Markdown that must render as text."""
    text = (
        f"A <b>bold</b> trial title\n\nNCT ID: {HOSTILE_NCT}\n\n"
        f"Inclusion Criteria:\n\n1. {HOSTILE_CRITERION}\n"
    )
    return Trial(
        nct_id=HOSTILE_NCT,
        brief_title="A <b>bold</b> trial title",
        status="RECRUITING",
        phases=["PHASE2"],
        enrollment=12,
        enrollment_type="ESTIMATED",
        min_age="18 Years",
        sex="ALL",
        last_updated="2025-01-02",
        criteria_text=f"1. {HOSTILE_CRITERION}",
        inclusion=[Criterion(section="inclusion", number=1, label="1", text=HOSTILE_CRITERION)],
        facts=[
            Fact(
                kind=FactKind.ECOG,
                source="inclusion",
                criterion_number=1,
                quote=HOSTILE_CRITERION,
                low=0,
                high=2,
            )
        ],
        source_path="tests/hostile.txt",
        source_format="registry_page",
        text=text,
    )


def ecog_trial() -> Trial:
    ecog = "ECOG PS score for physical condition: 0-2 points;"
    platelets = "Platelet count < 75 x10^9/L"
    return Trial(
        nct_id="NCT09990002",
        brief_title="Hetrombopag for chemoradiotherapy-induced thrombocytopenia",
        status="RECRUITING",
        phases=["PHASE2"],
        enrollment=50,
        enrollment_type="ESTIMATED",
        min_age="18 Years",
        sex="ALL",
        last_updated="2025-06-01",
        inclusion=[
            Criterion(section="inclusion", number=1, text=ecog),
            Criterion(section="inclusion", number=2, text=platelets),
        ],
        facts=[
            Fact(kind=FactKind.ECOG, source="inclusion", criterion_number=1, quote=ecog, low=0, high=2),
            Fact(
                kind=FactKind.PLATELETS,
                source="inclusion",
                criterion_number=2,
                quote=platelets,
                comparator="<",
                value=75,
                unit="x10^9/L",
            ),
        ],
        source_path="tests/ecog.txt",
        source_format="registry_page",
        text=ECOG_TRIAL_TEXT,
    )


def ecog_answer(question: str) -> Answer:
    quote = "ECOG PS score for physical condition: 0-2 points;"
    return Answer(
        answer="One trial accepts ECOG 2: NCT09990002 [NCT09990002].",
        trials=["NCT09990002"],
        citations=[Citation(nct_id="NCT09990002", section="Inclusion Criteria", quote=quote)],
        kind="set",
    )


class ScriptedAssistant:
    """Answers with `reply(question)`, records every call, raises what it is told to."""

    def __init__(self, reply: Callable[[str], Answer] = ecog_answer) -> None:
        self.reply = reply
        self.calls: list[tuple[str, str | None]] = []
        self.clients: list[str | None] = []
        self.resets: list[str] = []
        self.fail_with: Exception | None = None

    def ask(self, question: str, session_id: str | None = None, client: str | None = None) -> Answer:
        self.calls.append((question, session_id))
        self.clients.append(client)
        if self.fail_with is not None:
            raise self.fail_with
        if not question.strip():
            raise QuestionError("question is empty")
        return self.reply(question)

    def reset(self, session_id: str) -> None:
        self.resets.append(session_id)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running_server(
    app: FastAPI, start_timeout_s: float = 60.0, settings: Settings | None = None
) -> Iterator[str]:
    """Serve `app` with uvicorn on a free 127.0.0.1 port in a thread; yields the base URL. With
    `settings`, it is served exactly as `trials serve` serves it (timeouts, limits, log filter)."""
    port = free_port()
    if settings is not None:
        config = uvicorn_config(app, "127.0.0.1", port, settings)
    else:
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"test server did not start on port {port}")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextlib.contextmanager
def serving_page(body: bytes, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve one HTML page at /<any path> from another port (another origin); yields its URL."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{httpd.server_address[1]}/demo.html"
    finally:
        httpd.shutdown()
        httpd.server_close()
