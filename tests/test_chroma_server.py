"""CHROMA_URL moves the whole index to a Chroma server: a real `chroma run` on 127.0.0.1."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_embedder import HashingEmbedder

from index.pipeline import index_paths
from index.settings import Settings
from index.store import open_store

SEED_IDS = ["NCT05236582", "NCT05394285", "NCT06433830", "NCT07162519", "NCT07198672"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@pytest.fixture
def chroma_url(tmp_path: Path) -> Iterator[str]:
    chroma = Path(sys.executable).parent / "chroma"
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = (tmp_path / "chroma.log").open("wb")
    server = subprocess.Popen(
        [
            str(chroma),
            "run",
            "--path",
            str(tmp_path / "server-data"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while not _answers(url):
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"chroma run did not answer on {url}: {(tmp_path / 'chroma.log').read_text()}")
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


@pytest.mark.server
def test_index_seeds_on_a_server_and_read_them_back(chroma_url: str, seeds_dir: Path, tmp_path: Path) -> None:
    settings = Settings(chroma_url=chroma_url, home=tmp_path / "unused-local-home")
    summary = index_paths([seeds_dir], open_store(settings, HashingEmbedder()))
    assert (summary.new, summary.failed) == (5, 0)

    reopened = open_store(settings, HashingEmbedder())  # a new client: everything comes from the server
    assert [t.nct_id for t in reopened.all_trials()] == SEED_IDS
    assert {c.nct_id for c in reopened.all_chunks()} == set(SEED_IDS)
    assert set(reopened.manifest()) == {str(p.resolve()) for p in sorted(seeds_dir.iterdir())}
    assert not (tmp_path / "unused-local-home").exists()

    again = index_paths([seeds_dir], reopened)
    assert (again.new, again.unchanged, again.chunks) == (0, 5, 0)
