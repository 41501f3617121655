"""Long-lived records kept out of the cyclic garbage collector's scans.

A reader holds every enriched trial in memory (millions of small objects at 1,000+ trials) for its
whole life, and each answer allocates tens of thousands of short-lived results. Every collection
of the oldest generation then re-scans the whole corpus: measured at 10k trials, about 40% of a set
question's time. `gc.freeze()` moves what exists now into a permanent generation the collector
skips. Frozen objects are still freed by reference counting when the reader drops them; only
reference cycles among them would stay until exit, and trial records hold none. Readings of the
records made later, during answers, are frozen the same way (`note_long_lived`).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


def keep_from_collector() -> None:
    """Call right after loading a large, long-lived structure (a reader's trial records)."""
    global _made_since_frozen
    gc.freeze()
    _made_since_frozen = 0


# Readings each record remembers (Trial.remembered) live as long as the records, but are made during
# the first answers that need them (at 10k trials, tens of thousands of objects per kind): frozen like
# the records once an answer has made this many, not re-scanned by every collection after it
# (measured: a 0.1-0.2 s collection in the answers after each first one). What is frozen with them
# and is not long-lived is still freed by reference counting; a reference cycle among it would stay,
# so this happens only when readings are made, not after every answer.
FREEZE_AFTER_READINGS = 1_000
_made_since_frozen = 0


def note_long_lived(count: int = 1) -> None:
    """Count objects made to live as long as the records (frozen at the end of the answer)."""
    global _made_since_frozen
    _made_since_frozen += count


_pauses = 0
_pauses_lock = threading.Lock()


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection while an answer is worked out (a verdict per trial, each with its checks
    and citations). Collections in the middle of it find nothing to free, yet scan the growing
    result again in each generation it is promoted through: measured at 10k trials, ~0.2 s of a
    0.6 s matching answer. Reference counting still frees everything; a cycle made meanwhile waits
    for the next collection. Nested and concurrent pauses end with the last one."""
    global _pauses
    with _pauses_lock:
        _pauses += 1
        gc.disable()
    try:
        yield
    finally:
        with _pauses_lock:
            _pauses -= 1
            if _pauses == 0:
                if _made_since_frozen >= FREEZE_AFTER_READINGS:
                    keep_from_collector()
                gc.enable()
