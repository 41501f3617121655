"""Shared fixtures. No test reaches the network: every socket connection that is not to
loopback raises, so a forgotten download fails loudly instead of hanging."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
CTGOV = REPO.parent / "shared" / "data" / "ctgov"

_real_connect = socket.socket.connect


def _is_loopback(address: object) -> bool:
    if isinstance(address, tuple) and address:
        host = str(address[0])
        if host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False
    return True  # AF_UNIX paths


def _guarded_connect(self: socket.socket, address: object) -> None:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
        raise RuntimeError(f"network access blocked in tests: {address!r}")
    _real_connect(self, address)  # type: ignore[arg-type]


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def ctgov_dir() -> Path:
    if not CTGOV.is_dir():
        pytest.skip(f"real records not present at {CTGOV}")
    return CTGOV


@pytest.fixture
def trials_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh TRIALS_HOME for one test, with settings re-read."""
    from index.settings import get_settings

    home = tmp_path / "trials-home"
    monkeypatch.setenv("TRIALS_HOME", str(home))
    monkeypatch.delenv("CHROMA_URL", raising=False)
    get_settings.cache_clear()
    yield home
    get_settings.cache_clear()
