"""The faults and abuse a public portal widget meets (issue 11), against a real server on 127.0.0.1
served as `trials serve` serves it: oversize bodies, slow clients, foreign Host headers and origins,
Gradio's deep links and uploads, a full chat queue, one client opening many conversations, odd
NCT IDs and methods, and the start-up readiness."""

from __future__ import annotations

import json
import logging
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from fakes import InMemoryTrialReader, seed_trials
from ui_fixtures import ScriptedAssistant, ecog_answer, ecog_trial, running_server

from assistant.models import Answer, Citation
from assistant.service import EXPIRED_MESSAGE, Assistant, normalise_question
from index.memory import RecordsReader
from index.settings import Settings
from ui.render import render_answer
from ui.server import create_app

HEADER_TIMEOUT = 1.0
BODY_TIMEOUT = 1.5
MAX_BODY = 4096


def hardened_settings(home: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "home": home,
        "allowed_origins": ["https://portal.example"],
        "max_body_bytes": MAX_BODY,
        "header_timeout_seconds": HEADER_TIMEOUT,
        "body_timeout_seconds": BODY_TIMEOUT,
        "chat_concurrency": 2,
        "chat_queue_size": 3,
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


class SlowAssistant(ScriptedAssistant):
    """Holds every answer until released, counting how many run at once."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.running = 0
        self.most_at_once = 0
        self._lock = threading.Lock()

    def ask(self, question: str, session_id: str | None = None, client: str | None = None) -> Answer:
        with self._lock:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        try:
            self.release.wait(timeout=60)
            return ecog_answer(question)
        finally:
            with self._lock:
                self.running -= 1


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hardening-home")


@pytest.fixture(scope="module")
def slow() -> SlowAssistant:
    return SlowAssistant()


@pytest.fixture(scope="module")
def server(home: Path, slow: SlowAssistant) -> Iterator[str]:
    settings = hardened_settings(home)
    app = create_app(slow, RecordsReader([ecog_trial()]), settings)
    with running_server(app, settings=settings) as base_url:
        yield base_url


@pytest.fixture(autouse=True)
def answers_at_once(slow: SlowAssistant) -> Iterator[None]:
    slow.release.set()
    yield
    slow.release.set()


def raw_exchange(
    base_url: str, chunks: list[bytes], pause: float = 0.0, wait: float = 10.0
) -> tuple[bytes, float]:
    """Send raw bytes (pausing between chunks), then read until the server closes; returns the
    reply and the seconds from the last chunk sent to the close."""
    parts = urlsplit(base_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=wait) as sock:
        for chunk in chunks:
            sock.sendall(chunk)
            time.sleep(pause)
        sent = time.monotonic()
        reply = b""
        while True:
            try:
                data = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not data:
                break
            reply += data
        return reply, time.monotonic() - sent


# --- 2: TRIALS_ALLOWED_ORIGINS in both forms --------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["https://a.example, https://b.example:8443", '["https://a.example", "https://b.example:8443"]'],
)
def test_allowed_origins_read_as_comma_list_or_json(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("TRIALS_ALLOWED_ORIGINS", value)
    assert Settings().allowed_origins == ["https://a.example", "https://b.example:8443"]


def test_allowed_hosts_read_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIALS_ALLOWED_HOSTS", "trials.example.org, *.hospital.example, ::1")
    assert Settings().allowed_hosts == ["trials.example.org", "*.hospital.example", "::1"]
    monkeypatch.setenv("TRIALS_ALLOWED_HOSTS", "https://trials.example.org")
    with pytest.raises(ValueError, match="is not a host name"):
        Settings()


def test_a_bad_origin_setting_is_one_line_naming_the_variable(tmp_path: Path) -> None:
    env = {
        "TRIALS_HOME": str(tmp_path),
        "TRIALS_ALLOWED_ORIGINS": "ftp://portal.example",
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "ask", "Which trials accept ECOG 2?"],
        cwd=Path(__file__).resolve().parent.parent,
        env={**env, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "trials ask: invalid setting TRIALS_ALLOWED_ORIGINS: 'ftp://portal.example' is not an origin: "
        "the scheme must be http or https"
    ]


# --- 3: body size and slow clients ---------------------------------------------------------


def test_oversize_body_is_refused_from_its_content_length_without_reading_it(server: str) -> None:
    head = (
        b"POST /api/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 314572800\r\n\r\n"
    )
    reply, _ = raw_exchange(server, [head, b'{"question": "'])
    status, _, body = reply.partition(b"\r\n\r\n")
    assert status.startswith(b"HTTP/1.1 413")
    assert json.loads(body)["detail"] == (
        f"request body is larger than {MAX_BODY} bytes, the limit (TRIALS_MAX_BODY_BYTES)"
    )


def test_oversize_streamed_body_is_refused_while_streaming(server: str) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(100):
            yield b"x" * 1024

    response = httpx.post(server + "/api/ask", content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert "TRIALS_MAX_BODY_BYTES" in response.json()["detail"]


def test_client_slow_with_its_headers_is_timed_out(server: str) -> None:
    reply, waited = raw_exchange(server, [b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"])
    assert reply.startswith(b"HTTP/1.1 408")
    assert b"request headers not received within 1 s" in reply
    assert waited < HEADER_TIMEOUT + 2


def test_client_that_never_sends_a_byte_is_disconnected(server: str) -> None:
    reply, waited = raw_exchange(server, [])
    assert reply.startswith(b"HTTP/1.1 408")
    assert waited < HEADER_TIMEOUT + 2


def test_client_slow_with_its_body_is_timed_out(server: str) -> None:
    head = (
        b"POST /api/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 100\r\n\r\n"
    )
    reply, waited = raw_exchange(server, [head, b'{"question": '])
    assert reply.startswith(b"HTTP/1.1 408")
    assert b"request body not received within 1.5 s" in reply
    assert waited < BODY_TIMEOUT + 2


def test_a_normal_request_still_works_on_a_kept_alive_connection(server: str) -> None:
    with httpx.Client(base_url=server) as client:
        for _ in range(3):
            assert client.get("/healthz").status_code == 200
            time.sleep(HEADER_TIMEOUT * 0.6)  # idle between requests is keep-alive's business


# --- 4, 5: deep links, uploads and what the access log keeps ---------------------------------


def test_deep_links_are_off(server: str, home: Path) -> None:
    response = httpx.get(server + "/gradio_api/deep_link", params={"session_hash": "abc123"})
    assert response.status_code == 404
    assert "turned off" in response.json()["detail"]
    config = httpx.get(server + "/config", params={"deep_link": "planted"}).json()
    assert "deep_link_state" not in config


def test_uploads_are_off(server: str) -> None:
    files = {"files": ("patient.txt", b"68-year-old woman, ECOG 1", "text/plain")}
    response = httpx.post(server + "/gradio_api/upload", files=files)
    assert response.status_code == 404
    assert "upload is turned off" in response.json()["detail"]


@pytest.mark.parametrize(
    "path",
    ["/gradio_api/call/respond", "/gradio_api/run/respond", "/gradio_api/file=/etc/passwd", "/monitoring"],
)
def test_gradio_routes_outside_the_chat_are_off(server: str, path: str) -> None:
    assert httpx.post(server + path, json={"data": ["x"]}).status_code == 404


def join_chat(server: str, session_hash: str, question: str) -> httpx.Response:
    config = httpx.get(server + "/config").json()
    ask = next(d for d in config["dependencies"] if d["targets"] and d["targets"][0][1] == "click")
    return httpx.post(
        server + "/gradio_api/queue/join",
        json={
            "data": [question, None, None],
            "fn_index": ask["id"],
            "session_hash": session_hash,
            "event_data": None,
            "trigger_id": ask["targets"][0][0],
        },
    )


def test_access_log_keeps_no_session_hash_nor_query(server: str) -> None:
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    handler = Collect()
    access = logging.getLogger("uvicorn.access")
    access.addHandler(handler)
    try:
        assert join_chat(server, "secrethash42", "Could a 68-year-old woman enter?").status_code == 200
        with httpx.stream(
            "GET", server + "/gradio_api/queue/data", params={"session_hash": "secrethash42"}
        ) as events:
            for line in events.iter_lines():
                if "process_completed" in line:
                    break
        httpx.get(server + "/embed", params={"question": "68-year-old woman"})
    finally:
        access.removeHandler(handler)
    assert lines, "the access log recorded nothing"
    assert not any("secrethash42" in line or "68-year-old" in line for line in lines), lines


# --- 6: a bounded chat queue, answered concurrently ---------------------------------------------


def test_chat_queue_is_bounded_with_a_busy_message_and_runs_answers_concurrently(
    server: str, slow: SlowAssistant
) -> None:
    slow.release.clear()
    accepted = []
    refused = []
    for number in range(8):
        response = join_chat(server, f"queue{number}", "Which trials accept ECOG 2?")
        (accepted if response.status_code == 200 else refused).append(response)
        time.sleep(0.05)
    try:
        deadline = time.monotonic() + 10
        while slow.running < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert slow.most_at_once == 2  # chat_concurrency answers at once, not one by one
        assert refused, "the queue took every question"
        assert all(r.status_code == 503 for r in refused)
        assert "Queue is full" in refused[0].json()["detail"]
        assert 2 + 3 <= len(accepted) <= 2 + 3 + 1
    finally:
        slow.release.set()


# --- 7: conversations bounded per client -------------------------------------------------------


@pytest.fixture(scope="module")
def seed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = hardened_settings(
        tmp_path_factory.mktemp("seed-home"), max_sessions=6, max_sessions_per_client=3
    )
    reader = InMemoryTrialReader(seed_trials())
    app = create_app(Assistant(reader, settings), reader, settings)
    with running_server(app, settings=settings) as base_url:
        yield base_url


def ask(server: str, question: str, session_id: str, client: str) -> dict[str, object]:
    response = httpx.post(
        server + "/api/ask",
        json={"question": question, "session_id": session_id},
        headers={"X-Forwarded-For": client},  # uvicorn trusts it from 127.0.0.1, like a local proxy's
        timeout=60,
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_one_client_cannot_evict_other_clients_conversations(seed_server: str) -> None:
    # Of the three ECOG 2 trials only NCT07162519 excludes brain metastases: "those" must keep it.
    first = ask(seed_server, "Which trials exclude brain metastases?", "victim", "10.0.0.2")
    assert first["trials"] == ["NCT07162519"]
    for number in range(50):
        ask(seed_server, "Which trials accept ECOG 2?", f"flood-{number}", "10.0.0.66")
    follow_up = ask(seed_server, "Which of those accept ECOG 2?", "victim", "10.0.0.2")
    assert follow_up["trials"] == ["NCT07162519"]


def test_an_expired_conversation_says_so_instead_of_changing_what_those_means(seed_server: str) -> None:
    ask(seed_server, "Which trials exclude brain metastases?", "mine-0", "10.0.0.7")
    for number in range(1, 4):  # a fourth conversation of the same client: the oldest expires
        ask(seed_server, "Which trials accept ECOG 2?", f"mine-{number}", "10.0.0.7")
    expired = ask(seed_server, "Which of those accept ECOG 2?", "mine-0", "10.0.0.7")
    assert expired["answer"] == EXPIRED_MESSAGE
    assert expired["abstained"] is True and expired["trials"] == []
    restated = ask(seed_server, "Which trials exclude brain metastases?", "mine-0", "10.0.0.7")
    assert "NCT07162519" in restated["trials"]  # type: ignore[operator]


# --- 8: Host, origins, nosniff, offline docs ---------------------------------------------------


def test_a_foreign_host_header_is_refused(server: str) -> None:
    response = httpx.get(server + "/healthz", headers={"Host": "rebind.evil.example"})
    assert response.status_code == 400
    assert response.headers["x-content-type-options"] == "nosniff"
    assert httpx.get(server + "/", headers={"Host": "rebind.evil.example:80"}).status_code == 400


def test_a_foreign_forwarded_host_does_not_reach_the_page(server: str) -> None:
    config = httpx.get(server + "/config", headers={"X-Forwarded-Host": "evil.example"}).json()
    assert "evil" not in json.dumps(config)


@pytest.mark.parametrize("scheme", ["https", "ftp"])
def test_same_host_with_another_scheme_is_another_origin(server: str, scheme: str) -> None:
    origin = f"{scheme}://{urlsplit(server).netloc}"
    response = httpx.post(server + "/api/ask", json={"question": "ECOG 2?"}, headers={"Origin": origin})
    assert response.status_code == 403
    assert (
        httpx.post(server + "/api/ask", json={"question": "ECOG 2?"}, headers={"Origin": server}).status_code
        == 200
    )


@pytest.mark.parametrize(
    "path", ["/", "/healthz", "/widget.js", "/embed", "/api/trials/NCT09990002", "/docs"]
)
def test_every_response_says_nosniff(server: str, path: str) -> None:
    assert httpx.get(server + path).headers["x-content-type-options"] == "nosniff"


def test_docs_load_nothing_from_another_host(server: str) -> None:
    page = httpx.get(server + "/docs")
    assert page.status_code == 200
    assert "https://" not in page.text and "http://" not in page.text
    script = next(line.split('"')[1] for line in page.text.splitlines() if "swagger-ui-bundle.js" in line)
    assert httpx.get(server + script).status_code == 200


# --- 9: the smaller list -----------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["NCT٠٩٩٩٠٠٠٢", "NCT０９９９０００２"])
def test_nct_id_digits_must_be_ascii(server: str, bad: str) -> None:
    response = httpx.get(server + f"/api/trials/{bad}")
    assert response.status_code == 404
    assert "is not a ClinicalTrials.gov ID" in response.json()["detail"]


def test_lowercase_padded_id_is_still_found(server: str) -> None:
    assert httpx.get(server + "/api/trials/%20nct09990002%20").json()["nct_id"] == "NCT09990002"


def test_a_long_bad_id_is_not_echoed_whole(server: str) -> None:
    response = httpx.get(server + "/api/trials/" + "A" * 4000)
    assert response.status_code == 404
    assert len(response.json()["detail"]) < 200


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/api/ask", "POST"),
        ("DELETE", "/api/ask", "POST"),
        ("GET", "/api/ask", "POST"),
        ("DELETE", "/api/trials/NCT09990002", "GET, HEAD"),
        ("POST", "/healthz", "GET, HEAD"),
    ],
)
def test_wrong_method_is_a_405(server: str, method: str, path: str, allowed: str) -> None:
    response = httpx.request(method, server + path)
    assert response.status_code == 405
    assert response.headers["allow"] == allowed
    assert f"{method} is not allowed on {path}" in response.json()["detail"]


def test_unknown_api_path_is_a_json_404(server: str) -> None:
    response = httpx.get(server + "/api/nothing")
    assert response.status_code == 404 and "no API endpoint" in response.json()["detail"]


def test_head_healthz(server: str) -> None:
    assert httpx.head(server + "/healthz").status_code == 200


def test_healthz_says_starting_until_warm_up_finishes(home: Path) -> None:
    warmed = threading.Event()
    settings = hardened_settings(home)
    app = create_app(
        ScriptedAssistant(), RecordsReader([ecog_trial()]), settings, warm_up=lambda: warmed.wait(30)
    )
    with running_server(app, settings=settings) as base_url:
        starting = httpx.get(base_url + "/healthz")
        assert (starting.status_code, starting.json()) == (503, {"status": "starting"})
        warmed.set()
        deadline = time.monotonic() + 10
        while httpx.get(base_url + "/healthz").status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert httpx.get(base_url + "/healthz").json() == {"status": "ok"}


@pytest.mark.parametrize(
    "question", ["Which trials accept ＥＣＯＧ ２?", "Which trials accept E\u200bCOG\u00a02?"]
)
def test_full_width_and_invisible_characters_are_normalised(question: str) -> None:
    assistant = Assistant(InMemoryTrialReader(seed_trials()))
    assert assistant.ask(question).trials == assistant.ask("Which trials accept ECOG 2?").trials
    assert normalise_question("platelets ≥ 100 ×10⁹/L") == "platelets ≥ 100 ×10⁹/L"


def test_a_citation_written_inside_a_record_quote_stays_text() -> None:
    quote = "No prior therapy on study [NCT00000002]"
    answer = Answer(
        answer=f"- [NCT00000001] excludes it — “{quote}” (Exclusion Criteria)\n- [NCT00000002] accepts it",
        trials=["NCT00000001", "NCT00000002"],
        citations=[
            Citation(nct_id="NCT00000001", section="Exclusion Criteria", quote=quote),
            Citation(nct_id="NCT00000002", section="Inclusion Criteria", quote="accepts it"),
        ],
    )
    body = render_answer(answer, {}).split('<div class="references">')[0]
    assert "“No prior therapy on study [NCT00000002]”" in body
    assert body.count('class="cite"') == 2  # the answer's own two markers only


def test_entities_in_a_quote_read_the_same_in_the_answer_and_its_references() -> None:
    quote = "platelets &lt; 50 &amp; ANC"
    answer = Answer(
        answer=f"- [NCT00000001] — “{quote}” (Exclusion Criteria)",
        trials=["NCT00000001"],
        citations=[Citation(nct_id="NCT00000001", section="Exclusion Criteria", quote=quote)],
    )
    body, references = render_answer(answer, {}).split('<div class="references">')
    shown_as = "“platelets &amp;lt; 50 &amp;amp; ANC”"
    assert shown_as in body and shown_as in references


def test_feedback_that_cannot_be_saved_is_reported(tmp_path: Path) -> None:
    import gradio as gr

    from ui.chat import ChatHandlers

    (tmp_path / "feedback.jsonl").mkdir()  # the file cannot be written (as on a read-only home)
    handlers = ChatHandlers(ScriptedAssistant(), RecordsReader([ecog_trial()]), Settings(home=tmp_path))
    *_, last = handlers.respond("Which trials accept ECOG 2?", None, [])
    liked = gr.LikeData(None, {"index": 1, "value": [], "liked": True})
    with pytest.warns(UserWarning, match="could not be saved"):
        assert handlers.record_feedback(last[3], last[4], "keep this", liked) == "keep this"


def trials_command(home: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    root = Path(__file__).resolve().parent.parent
    env = {"TRIALS_HOME": str(home), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)}
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
@pytest.mark.parametrize("command", [["serve", "--port", "0"], ["ask", "Which trials accept ECOG 2?"]])
def test_a_damaged_index_database_is_one_line_naming_the_file(
    tmp_path: Path, damage: str, command: list[str]
) -> None:
    database = tmp_path / "chroma" / "chroma.sqlite3"
    database.parent.mkdir(parents=True)
    if damage == "garbage":
        database.write_bytes(bytes(range(256)) * 20)
    else:  # the first pages of a real database: its header is right, its tables are cut off
        with sqlite3.connect(database) as db:
            db.execute("create table t (x)")
            db.executemany("insert into t values (?)", [("x" * 500,) for _ in range(200)])
        database.write_bytes(database.read_bytes()[:8192])
    result = trials_command(tmp_path, *command)
    assert result.returncode in (1, 2)  # `ask` keeps its store-failure code, 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"{database} is damaged or not a Chroma index: move {tmp_path / 'chroma'} aside" in lines[0]


@contextmanager
def mounted_tmpfs(folder: Path, options: str) -> Iterator[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True, check=False
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_full_disk_is_named_as_such(tmp_path: Path, seeds_dir: Path) -> None:
    from fake_embedder import HashingEmbedder

    from index.errors import IndexStoreError
    from index.pipeline import index_paths
    from index.store import open_store

    with (
        mounted_tmpfs(tmp_path / "small-disk", "size=1m") as disk,
        pytest.raises(IndexStoreError, match=r"the disk holding .* is full"),
    ):
        index_paths([seeds_dir], open_store(Settings(home=disk / "home"), embedder=HashingEmbedder()))


def test_serve_on_a_read_only_home_is_one_line(tmp_path: Path) -> None:
    with mounted_tmpfs(tmp_path / "read-only", "ro,size=1m") as home:
        result = trials_command(home, "serve", "--port", "0")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "is read-only: TRIALS_HOME must be a writable folder" in lines[0], (
        result.stderr
    )
