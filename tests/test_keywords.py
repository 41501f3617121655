"""The persistent keyword index: BM25 over FTS5, kept in step with its source by content hash."""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import pytest
from fake_embedder import HashingEmbedder

from index.errors import IndexStoreError
from index.keywords import KeywordIndex, tokens
from index.models import Chunk
from index.pipeline import index_paths
from index.settings import Settings
from index.store import open_store

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


class Source:
    """A ChunkSource whose trials the test edits: NCT ID -> passages."""

    def __init__(self, passages: dict[str, list[str]]) -> None:
        self.passages = passages
        self.version = 0
        self.read: list[str] = []

    def change(self, nct_id: str, texts: list[str] | None) -> None:
        if texts is None:
            del self.passages[nct_id]
        else:
            self.passages[nct_id] = texts
        self.version += 1

    def generation(self) -> str | None:
        return f"g{self.version}"

    def trial_hashes(self) -> dict[str, str]:
        return {n: str(hash(tuple(texts))) for n, texts in self.passages.items()}

    def chunks_of(self, nct_ids: Sequence[str]) -> list[Chunk]:
        self.read += nct_ids
        return [
            Chunk(
                id=f"{n}-{i}",
                nct_id=n,
                section="Exclusion Criteria" if "no " in t else "Brief Summary",
                text=t,
            )
            for n in nct_ids
            for i, t in enumerate(self.passages[n])
        ]


def corpus() -> Source:
    return Source(
        {
            "NCT1": ["Eltrombopag for chemotherapy-induced thrombocytopenia", "no prior T-DM1"],
            "NCT2": ["Romiplostim weekly in adults", "no active bleeding"],
            "NCT3": ["Adults with solid tumours receiving chemotherapy", "Platelets below 75"],
            "NCT4": ["Adults with lymphoma", "no pregnancy"],
        }
    )


def ids(found: list[tuple[Chunk, float]]) -> list[str]:
    return [c.id for c, _ in found]


def test_tokens_keep_hyphenated_compounds_whole() -> None:
    assert tokens("Prior T-DM1-induced rash; ANC ≥1.5") == ["prior", "t-dm1-induced", "rash", "anc", "1", "5"]


def test_ranks_rarer_words_first_and_filters_by_trial_and_section() -> None:
    index = KeywordIndex(None, corpus(), refresh_seconds=0)
    # "eltrombopag" is in one chunk, "adults" in three: the eltrombopag chunk leads
    assert ids(index.search(["eltrombopag", "adults"], k=5))[0] == "NCT1-0"
    assert set(ids(index.search(["adults"], k=5))) == {"NCT2-0", "NCT3-0", "NCT4-0"}
    assert ids(index.search(["adults"], k=5, nct_ids=["NCT4"])) == ["NCT4-0"]
    assert index.search(["adults"], k=5, nct_ids=[]) == []
    assert ids(index.search(["t-dm1", "adults"], k=5, section="Exclusion Criteria")) == ["NCT1-1"]
    found, score = index.search(["romiplostim"], k=1)[0]
    assert (found.nct_id, found.text) == ("NCT2", "Romiplostim weekly in adults") and score > 0


def test_weights_are_bm25_idf() -> None:
    index = KeywordIndex(None, corpus(), refresh_seconds=0)
    # 8 chunks; "eltrombopag" in 1 of them, "adults" in 3, "no" in 3
    assert index.weight("eltrombopag") == pytest.approx(math.log((8 - 1 + 0.5) / 1.5))
    assert index.weight("adults") == pytest.approx(math.log((8 - 3 + 0.5) / 3.5))
    assert index.weight("unheard") == 0.0


def test_words_that_are_query_syntax_are_only_words() -> None:
    index = KeywordIndex(None, corpus(), refresh_seconds=0)
    assert index.search(['"', "*", "near", "or", "not", "adults)"], k=5) == []
    assert set(ids(index.search(["no", "and", "or"], k=5))) == {"NCT1-1", "NCT2-1", "NCT4-1"}


def test_a_changed_source_re_reads_only_what_changed(tmp_path: Path) -> None:
    source = corpus()
    index = KeywordIndex(tmp_path / "kw.sqlite3", source, refresh_seconds=0)
    assert index.sync() == 4
    source.read.clear()
    source.change("NCT2", ["Avatrombopag daily"])
    source.change("NCT4", None)
    assert index.sync() == 2 and source.read == ["NCT2"]
    assert index.search(["romiplostim"], k=5) == []
    assert ids(index.search(["avatrombopag"], k=5)) == ["NCT2-0"]
    assert index.search(["lymphoma"], k=5) == []
    assert index.sync() == 0  # same generation: nothing asked of the source


def test_a_second_process_finds_the_file_already_synced(tmp_path: Path) -> None:
    source = corpus()
    KeywordIndex(tmp_path / "kw.sqlite3", source, refresh_seconds=0).sync()
    source.read.clear()
    other = KeywordIndex(tmp_path / "kw.sqlite3", source, refresh_seconds=0)
    assert other.sync() == 0 and source.read == []
    assert ids(other.search(["romiplostim"], k=1)) == ["NCT2-0"]


def test_a_damaged_file_names_itself_and_how_to_recover(tmp_path: Path) -> None:
    path = tmp_path / "kw.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(IndexStoreError, match=r"kw\.sqlite3.*delete the file"):
        KeywordIndex(path, corpus())


def test_indexing_fills_the_file_and_serving_processes_find_it_ready(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", chroma_url=None)
    store = open_store(settings, HashingEmbedder())
    index_paths([SEEDS], store)
    path = store.keywords().path
    assert path is not None and path.is_relative_to(settings.home)
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(DISTINCT nct_id) FROM chunks").fetchone()[0] == 5
    reader = open_store(settings, HashingEmbedder())  # another process: nothing left to sync
    assert reader.keywords().sync(force=True) == 0
    found = reader.keywords().search(["romiplostim"], k=50)
    assert found and all("romiplostim" in c.text.lower() for c, _ in found)
