"""The embedding cache: repeats embedded once, vectors reused across runs and stores, safe with two
writers, and a damaged cache file reported once without stopping the index."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from fake_embedder import HashingEmbedder

from index.embedding_cache import CachingEmbedder, EmbeddingCache
from index.pipeline import index_paths
from index.settings import Settings
from index.store import open_store

ROOT = Path(__file__).resolve().parent.parent


def cached(settings: Settings, inner: HashingEmbedder | None = None) -> CachingEmbedder:
    return CachingEmbedder(inner or HashingEmbedder(), EmbeddingCache(settings.embedding_cache_file()))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home")


def test_repeats_in_one_call_are_embedded_once_and_come_back_in_place(settings: Settings) -> None:
    inner = HashingEmbedder()
    embedder = cached(settings, inner)
    texts = ["Not specified", "ECOG 0-1", "Not specified", "Age 18 or older", "ECOG 0-1"]

    vectors = embedder.embed_documents(texts)

    assert inner.texts_embedded == 3  # three distinct texts
    assert vectors == [HashingEmbedder().embed_query(t) for t in texts]
    assert (embedder.requested, embedder.embedded) == (5, 3)
    assert embedder.hit_rate == pytest.approx(2 / 5)


def test_a_second_embedder_on_the_same_home_computes_nothing_it_has_seen(settings: Settings) -> None:
    cached(settings).embed_documents(["ECOG 0-1", "Known brain metastases"])

    inner = HashingEmbedder()
    again = cached(settings, inner)
    vectors = again.embed_documents(["Known brain metastases", "Pregnant women", "ECOG 0-1"])

    assert inner.texts_embedded == 1  # only "Pregnant women" is new
    assert vectors[0] == pytest.approx(HashingEmbedder().embed_query("Known brain metastases"), abs=1e-7)
    assert again.hit_rate == pytest.approx(2 / 3)


def test_vectors_are_kept_per_model_name(settings: Settings) -> None:
    cached(settings, HashingEmbedder(name="model-a")).embed_documents(["ECOG 0-1"])

    other = HashingEmbedder(dimensions=64, name="model-b")
    vectors = cached(settings, other).embed_documents(["ECOG 0-1"])

    assert other.texts_embedded == 1
    assert len(vectors[0]) == 64  # model-b's own vector, not model-a's 256 dimensions


def test_reindexing_into_a_new_index_reuses_every_vector(tmp_path: Path, seeds_dir: Path) -> None:
    # A settings change that keeps the model (here: the collection prefix) starts a new index.
    first = Settings(home=tmp_path / "home")
    embedder = cached(first)
    summary = index_paths([seeds_dir], open_store(first, embedder))
    assert summary.new == 5 and embedder.embedded > 0

    renamed = first.model_copy(update={"collection_prefix": "renamed"})
    inner = HashingEmbedder()
    second = index_paths([seeds_dir], open_store(renamed, cached(renamed, inner)))

    assert (second.new, second.chunks) == (5, summary.chunks)
    assert inner.texts_embedded == 0


def test_a_damaged_cache_file_is_named_once_and_indexing_goes_on(
    settings: Settings, seeds_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = settings.embedding_cache_file()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"these bytes are not an SQLite database" * 200)
    inner = HashingEmbedder()
    embedder = cached(settings, inner)

    summary = index_paths([seeds_dir], open_store(settings, embedder))

    assert (summary.new, summary.failed) == (5, 0)
    assert inner.texts_embedded > 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if "embedding cache" in line]
    assert len(warnings) == 1, warnings  # once, though every batch embeds
    assert str(path) in warnings[0] and "goes on without it" in warnings[0]
    assert path.read_bytes().startswith(b"these bytes")  # the file is the user's to move aside


def test_without_a_usable_cache_repeats_are_still_embedded_once(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    inner = HashingEmbedder()
    # The cache's folder cannot be created: there is a file in the way.
    embedder = CachingEmbedder(inner, EmbeddingCache(blocked / "cache.sqlite3"))

    vectors = embedder.embed_documents(["ECOG 0-1", "ECOG 0-1"])

    assert inner.texts_embedded == 1
    assert vectors[0] == vectors[1]


_WRITER = """
import sys
from pathlib import Path
from index.embedding_cache import EmbeddingCache, text_key
cache = EmbeddingCache(Path(sys.argv[1]))
offset = int(sys.argv[2])
for start in range(0, 600, 50):  # many small transactions, so the two writers interleave
    keys = [text_key(f"text {n}") for n in range(offset + start, offset + start + 50)]
    cache.store("model", [(key, [float(n)] * 4) for n, key in enumerate(keys)])
"""


def test_two_processes_writing_at_once_lose_nothing(settings: Settings) -> None:
    path = settings.embedding_cache_file()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # Texts 0-599 and 300-899: half of each writer's keys are the other's too.
    writers = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(path), offset], env=env, stderr=subprocess.PIPE)
        for offset in ("0", "300")
    ]
    errors = [writer.communicate(timeout=120)[1].decode() for writer in writers]

    assert [w.returncode for w in writers] == [0, 0] and errors == ["", ""], errors
    with sqlite3.connect(path) as connection:
        (rows,) = connection.execute("SELECT count(*) FROM vectors").fetchone()
        (mode,) = connection.execute("PRAGMA journal_mode").fetchone()
    assert rows == 900
    assert mode == "wal"
