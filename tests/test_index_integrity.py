"""Two writers on one TRIALS_HOME, and `trials index --check` finding and repairing the damage they
used to leave: vectors that cannot be read or searched, and chunks missing while the manifest says
the trial is indexed (issue 11, item 1)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from fake_embedder import HashingEmbedder

from index.pipeline import index_paths
from index.settings import Settings
from index.store import index_lock, open_store

ROOT = Path(__file__).resolve().parent.parent
LOCK_MESSAGE = "another `trials index` is writing to the index in"


def trials(*args: str, home: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "TRIALS_HOME": str(home), "PYTHONPATH": str(ROOT)}
    env.pop("CHROMA_URL", None)
    return subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_two_index_runs_on_one_home_never_write_at_once(tmp_path: Path, seeds_dir: Path) -> None:
    home = tmp_path / "home"
    runs = [trials("index", str(seeds_dir), home=home) for _ in range(2)]
    results = [(run.wait(timeout=600), *run.communicate()) for run in runs]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 3], results
    refused = next(err for code, _, err in results if code == 3)
    assert refused.strip() == (
        f"trials index: {LOCK_MESSAGE} {home} (it holds {home / 'index.lock'}); "
        "wait for it to finish, then run this again"
    )
    winner = next(out for code, out, _ in results if code == 0)
    assert "new 5" in winner
    check = trials("index", "--check", home=home)
    out, err = check.communicate(timeout=600)
    assert check.returncode == 0, err
    assert "no damage" in out


def test_the_lock_is_refused_while_held_and_free_after(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    with index_lock(settings):
        run = trials("index", "--check", home=settings.home)
        _, err = run.communicate(timeout=120)
        assert run.returncode == 3 and LOCK_MESSAGE in err
    with index_lock(settings):
        pass


INDEXER = """
import sys
sys.path.insert(0, {tests!r})
from pathlib import Path
from fake_embedder import HashingEmbedder
from index.pipeline import index_paths
from index.settings import Settings
from index.store import open_store
store = open_store(Settings(home={home!r}), embedder=HashingEmbedder())
{action}
"""


def in_another_process(home: Path, action: str) -> str:
    """Run `action` over the store of `home` in a new process (Chroma keeps one system per path in
    a process, so files damaged underneath this one would not be read again)."""
    script = INDEXER.format(tests=str(ROOT / "tests"), home=str(home), action=action)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=True
    )
    return done.stdout.strip()


def seed_index(home: Path, folder: Path) -> dict[str, str]:
    """Index a folder in another process; returns the chunk collection's id and chunk count."""
    out = in_another_process(
        home,
        f"index_paths([Path({str(folder)!r})], store)\nprint(store._chunks.id, store.counts()[1])",
    )
    collection, chunks = out.split()[-2:]
    return {"collection": collection, "chunks": chunks}


def lose_vectors(home: Path, collection_id: str) -> None:
    """What two interleaved writers did: the chunks' vector index was saved without entries the
    log holds, and marked as up to date."""
    with sqlite3.connect(home / "chroma" / "chroma.sqlite3") as db:
        (segment,) = db.execute(
            "select id from segments where collection = ? and scope = 'VECTOR'", (collection_id,)
        ).fetchone()
        (last,) = db.execute("select max(seq_id) from embeddings_queue").fetchone()
        db.execute("insert or replace into max_seq_id (segment_id, seq_id) values (?, ?)", (segment, last))


# Clean, how many chunks, and the similarity a chunk's own text finds (1.0 when it is searchable).
VERIFY = (
    "found = store.check(repair=False)\n"
    "text = store.all_chunks()[-1].text\n"
    "print(found.clean, store.counts()[1], round(store.search(text, k=1)[0][1], 3))"
)


def test_check_repairs_vectors_that_cannot_be_read_or_searched(tmp_path: Path, ctgov_dir: Path) -> None:
    # Enough chunks (~2,200) for Chroma to have saved its vector index once, which the damage needs.
    home = tmp_path / "home"
    seeded = seed_index(home, ctgov_dir / "xml_classic")
    lose_vectors(home, seeded["collection"])
    damaged = open_store(Settings(home=home), embedder=HashingEmbedder())
    assert not damaged.looks_damaged()  # the manifest cannot tell: only reading the vectors can
    found = damaged.check(repair=True)
    assert found.damaged and len(found.repaired) == len(found.damaged)
    assert all("chunk vector unreadable" in " ".join(reasons) for reasons in found.damaged.values())
    assert in_another_process(home, VERIFY).split()[-3:] == ["True", seeded["chunks"], "1.0"]


def test_check_repairs_chunks_missing_while_the_manifest_says_unchanged(
    tmp_path: Path, seeds_dir: Path
) -> None:
    home = tmp_path / "home"
    seeded = seed_index(home, seeds_dir)
    store = open_store(Settings(home=home), embedder=HashingEmbedder())
    lost = store._chunks.get(where={"nct_id": "NCT07162519"}, include=[])["ids"][:4]
    store._chunks.delete(ids=lost)
    # The bug as reported: a re-run calls the trial unchanged and repairs nothing.
    assert index_paths([seeds_dir], store).unchanged == 5
    assert store.looks_damaged()
    total = store.records()["NCT07162519"].chunk_count
    found = store.check(repair=True)
    assert found.damaged == {"NCT07162519": [f"4 of {total} chunks missing"]}
    assert found.repaired == ["NCT07162519"] and not store.looks_damaged()
    assert in_another_process(home, VERIFY).split()[-3:] == ["True", seeded["chunks"], "1.0"]


def test_check_rebuilds_a_chunk_collection_that_cannot_be_read(tmp_path: Path, seeds_dir: Path) -> None:
    home = tmp_path / "home"
    seeded = seed_index(home, seeds_dir)
    with sqlite3.connect(home / "chroma" / "chroma.sqlite3") as db:
        db.execute(
            "update embeddings_queue set vector = x'0001' where seq_id = "
            "(select max(seq_id) from embeddings_queue where topic like ?)",
            (f"%{seeded['collection']}",),
        )
    found = open_store(Settings(home=home), embedder=HashingEmbedder()).check(repair=True)
    assert found.chunks_unreadable and len(found.repaired) == 5
    assert in_another_process(home, VERIFY).split()[-3:] == ["True", seeded["chunks"], "1.0"]
