"""Probe a real `trials serve` as issue 11 did: a 300 MB body, a client that never finishes its
headers, 1,001 conversations from one client, and the routes that must be refused.

    python -m bench.hardening_probe CODE_TREE PORT   # TRIALS_HOME must hold an index (trials index seeds)

CODE_TREE is the project folder whose code serves (so an older tree can be probed the same way).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx


def main(tree: str, port: int) -> None:
    env = {**os.environ, "PYTHONPATH": tree}
    command = [sys.executable, "-m", "assistant.cli", "serve", "--port", str(port)]
    server = subprocess.Popen(
        command, cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base)
        _probe(base, server.pid, port)
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_ready(base: str) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit("the server did not become ready")


def _rss_mib(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        return int(status.read().split("VmRSS:")[1].split()[0]) // 1024


def _probe(base: str, pid: int, port: int) -> None:
    def body() -> Iterator[bytes]:
        for _ in range(300):
            yield b"x" * (1 << 20)

    before, started = _rss_mib(pid), time.monotonic()
    headers = {"Content-Type": "application/json", "Content-Length": str(300 << 20)}
    try:
        status: object = httpx.post(
            base + "/api/ask", content=body(), headers=headers, timeout=120
        ).status_code
    except httpx.HTTPError as exc:
        status = type(exc).__name__
    elapsed = time.monotonic() - started
    print(f"300 MB body: {status} after {elapsed:.1f} s; server RSS {before} -> {_rss_mib(pid)} MiB")

    with socket.create_connection(("127.0.0.1", port)) as slow:
        slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        slow.settimeout(40)
        started = time.monotonic()
        try:
            reply = slow.recv(1000)[:12]
        except TimeoutError:
            reply = b"(still open)"
    print(f"client that never finishes its headers: {reply!r} after {time.monotonic() - started:.1f} s")

    def ask(question: str, session: str, client: str) -> list[str]:
        answer = httpx.post(
            base + "/api/ask",
            json={"question": question, "session_id": session},
            headers={"X-Forwarded-For": client},
            timeout=60,
        ).json()
        return list(answer["trials"])

    first = ask("Which trials exclude brain metastases?", "victim", "10.0.0.2")
    started = time.monotonic()
    for number in range(1001):
        ask("Which trials accept ECOG 2?", f"flood{number}", "10.0.0.66")
    flood = time.monotonic() - started
    follow_up = ask("Which of those accept ECOG 2?", "victim", "10.0.0.2")
    print(f"victim {first}; 1,001 sessions from another client in {flood:.1f} s; 'those' then: {follow_up}")

    upload = httpx.post(base + "/gradio_api/upload", files={"files": ("a.txt", b"x" * (20 << 20))})
    print(
        "deep link",
        httpx.get(base + "/gradio_api/deep_link", params={"session_hash": "x"}).status_code,
        "| upload",
        upload.status_code,
        "| PUT /api/ask",
        httpx.put(base + "/api/ask").status_code,
        "| HEAD /healthz",
        httpx.head(base + "/healthz").status_code,
        "| Host evil.example",
        httpx.get(base + "/healthz", headers={"Host": "evil.example"}).status_code,
        "| nosniff",
        httpx.get(base + "/healthz").headers.get("x-content-type-options"),
    )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
