"""Opening the small SQLite files beside the index (keyword index, embedding cache) safely when
several processes open them at once.

Both are written by `trials index` and read (or brought up to date) by serving processes. WAL lets
readers go on while one process writes. Switching a new file to WAL takes a lock that SQLite does
not wait for through its busy timeout: two processes opening a fresh file together saw "database is
locked" at once. So the switch is retried for a while before giving up.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

_SWITCH_TRIES = 50
_SWITCH_PAUSE_SECONDS = 0.1


def connect_wal(path: Path, busy_seconds: float, autocommit: bool = False) -> sqlite3.Connection:
    """A connection to `path` in WAL mode (created if absent), usable from any thread (callers
    serialise); `autocommit` leaves transactions to explicit BEGIN/COMMIT. Raises sqlite3.Error when
    the file is not a database or stays locked."""
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = (
        sqlite3.connect(path, timeout=busy_seconds, check_same_thread=False, isolation_level=None)
        if autocommit
        else sqlite3.connect(path, timeout=busy_seconds, check_same_thread=False)
    )
    try:
        for attempt in range(_SWITCH_TRIES):
            try:
                connection.execute("PRAGMA journal_mode=WAL")
                return connection
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == _SWITCH_TRIES - 1:
                    raise
                time.sleep(_SWITCH_PAUSE_SECONDS)
    except BaseException:
        connection.close()
        raise
    return connection
