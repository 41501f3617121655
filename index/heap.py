"""Long-lived records kept out of the cyclic garbage collector's scans.

A reader holds every enriched trial in memory (millions of small objects at 1,000+ trials) for its
whole life, and each answer allocates tens of thousands of short-lived results. Every collection
of the oldest generation then re-scans the whole corpus: measured at 10k trials, about 40% of a set
question's time. `gc.freeze()` moves what exists now into a permanent generation the collector
skips. Frozen objects are still freed by reference counting when the reader drops them; only
reference cycles among them would stay until exit, and trial records hold none.
"""

from __future__ import annotations

import gc


def keep_from_collector() -> None:
    """Call right after loading a large, long-lived structure (a reader's trial records)."""
    gc.freeze()
