"""CHROMA_URL moves the whole index to a Chroma server: a real `chroma run` on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_embedder import HashingEmbedder

from index.pipeline import index_paths
from index.settings import Settings
from index.store import open_store

SEED_IDS = ["NCT05236582", "NCT05394285", "NCT06433830", "NCT07162519", "NCT07198672"]


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
