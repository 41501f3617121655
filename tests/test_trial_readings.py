"""Readings a record remembers (Trial.remembered) belong to that record object: a copy under another
ID (model_copy, as the scale bench's replicas and tests make) reads its own."""

from __future__ import annotations

from fakes import hand_trial


def test_a_copy_reads_its_own_readings_and_leaves_the_original_its_own() -> None:
    original = hand_trial("NCT00000041", ["Adults with asthma"], [], [])
    assert original.remembered("whose", (original.inclusion,), lambda: original.nct_id) == "NCT00000041"
    copy = original.model_copy(update={"nct_id": "NCT00000042"})
    # the copy shares the criteria list, so only its own readings tell the two apart
    assert copy.inclusion is original.inclusion
    assert copy.remembered("whose", (copy.inclusion,), lambda: copy.nct_id) == "NCT00000042"
    assert original.remembered("whose", (original.inclusion,), lambda: "read again") == "NCT00000041"
