"""Incremental indexing with the fake embedder: unchanged, updated, removed, bad files,
duplicate NCT IDs, interrupted runs. Records are small ClinicalTrials.gov API v2 JSON files
written by each test."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from chromadb.api.models.Collection import Collection
from fake_embedder import HashingEmbedder

from index.models import Trial
from index.pipeline import index_command, index_paths
from index.settings import Settings
from index.store import TrialStore, open_store

TESTS = Path(__file__).resolve().parent


def study(
    nct_id: str, title: str, exclusion: str = "Known brain metastases", updated: str = "2024-01-15"
) -> Any:
    criteria = (
        "Inclusion Criteria:\n\n* Age 18 years or older\n* ECOG 0-1\n\n"
        f"Exclusion Criteria:\n\n* {exclusion}\n"
    )
    return {
        "protocolSection": {
            "identificationModule": {"nctId": nct_id, "briefTitle": title},
            "statusModule": {"overallStatus": "RECRUITING", "lastUpdatePostDateStruct": {"date": updated}},
            "descriptionModule": {"briefSummary": f"{title}: a study in adults with solid tumours."},
            "eligibilityModule": {"eligibilityCriteria": criteria, "sex": "ALL", "minimumAge": "18 Years"},
        }
    }


def write_study(folder: Path, name: str, record: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(record), encoding="utf-8")
    return path


def chunk_texts(store: TrialStore) -> list[str]:
    return [c.text for c in store.all_chunks()]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home")


@pytest.fixture
def records(tmp_path: Path) -> Path:
    folder = tmp_path / "records"
    write_study(folder, "a.json", study("NCT00000001", "Drug A in lung cancer"))
    write_study(folder, "b.json", study("NCT00000002", "Drug B in breast cancer"))
    write_study(folder, "c.json", study("NCT00000003", "Drug C in melanoma"))
    return folder


def test_second_run_is_unchanged_and_embeds_nothing(records: Path, settings: Settings) -> None:
    first = index_paths([records], open_store(settings, HashingEmbedder()))
    assert (first.read, first.new, first.unchanged, first.failed) == (3, 3, 0, 0)
    assert first.chunks > 0

    embedder = HashingEmbedder()
    store = open_store(settings, embedder)
    second = index_paths([records], store)
    assert (second.new, second.updated, second.unchanged, second.removed, second.chunks) == (0, 0, 3, 0, 0)
    assert embedder.calls == 0
    assert [t.nct_id for t in store.all_trials()] == ["NCT00000001", "NCT00000002", "NCT00000003"]


def test_modified_file_is_updated_and_its_old_chunks_are_gone(records: Path, settings: Settings) -> None:
    index_paths([records], open_store(settings, HashingEmbedder()))
    write_study(
        records, "b.json", study("NCT00000002", "Drug B in breast cancer", exclusion="Active hepatitis B")
    )
    store = open_store(settings, HashingEmbedder())
    summary = index_paths([records], store)
    assert (summary.new, summary.updated, summary.unchanged) == (0, 1, 2)
    b_texts = [c.text for c in store.all_chunks() if c.nct_id == "NCT00000002"]
    assert any("Active hepatitis B" in t for t in b_texts)
    assert not any("brain metastases" in t for t in b_texts)
    hits = store.search("Known brain metastases", k=50, nct_ids=["NCT00000002"])
    assert not any("brain metastases" in c.text for c, _ in hits)  # deleted, not merely hidden


def test_deleted_file_is_removed(records: Path, settings: Settings) -> None:
    index_paths([records], open_store(settings, HashingEmbedder()))
    (records / "c.json").unlink()
    store = open_store(settings, HashingEmbedder())
    summary = index_paths([records], store)
    assert (summary.removed, summary.unchanged) == (1, 2)
    assert store.get_trial("NCT00000003") is None
    assert "NCT00000003" not in {c.nct_id for c in store.all_chunks()}
    assert store.search("melanoma", k=50, nct_ids=["NCT00000003"]) == []


def test_indexing_one_folder_never_removes_another_folders_records(
    tmp_path: Path, settings: Settings
) -> None:
    folder_a = tmp_path / "a"
    folder_b = tmp_path / "b"
    write_study(folder_a, "one.json", study("NCT00000001", "Drug A"))
    write_study(folder_b, "two.json", study("NCT00000002", "Drug B"))
    store = open_store(settings, HashingEmbedder())
    index_paths([folder_a], store)
    index_paths([folder_b], store)
    (folder_a / "one.json").unlink()
    assert index_paths([folder_b], store).removed == 0
    assert store.get_trial("NCT00000001") is not None
    assert index_paths([folder_a], store).removed == 1
    assert [t.nct_id for t in store.all_trials()] == ["NCT00000002"]


def test_bad_files_are_reported_and_the_rest_indexed(
    records: Path, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    (records / "broken.json").write_text('{"protocolSection": {', encoding="utf-8")
    (records / "empty.txt").write_text("", encoding="utf-8")
    (records / "README.md").write_text("# About these records\n", encoding="utf-8")
    (records / ".hidden.json").write_text("{}", encoding="utf-8")
    store = open_store(settings, HashingEmbedder())
    summary = index_paths([records], store)
    assert (summary.new, summary.failed, summary.skipped) == (3, 2, 2)
    errors = capsys.readouterr().err.splitlines()
    assert len([line for line in errors if "broken.json" in line]) == 1
    assert len([line for line in errors if "empty.txt" in line]) == 1
    assert not any("README" in line or ".hidden" in line for line in errors)
    assert len(store.all_trials()) == 3


def test_a_record_that_breaks_enrichment_fails_alone(
    records: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import index.enrich

    real_enrich = index.enrich.enrich

    def enrich(trial: Trial) -> Trial:
        if trial.nct_id == "NCT00000002":
            raise ValueError("unexpected criteria layout")
        return real_enrich(trial)

    monkeypatch.setattr(index.enrich, "enrich", enrich)
    store = open_store(settings, HashingEmbedder())
    summary = index_paths([records], store)
    assert (summary.new, summary.failed) == (2, 1)
    assert "b.json" in summary.failures[0] and "NCT00000002" in summary.failures[0]
    assert [t.nct_id for t in store.all_trials()] == ["NCT00000001", "NCT00000003"]


def test_missing_path_and_named_file_are_tried(records: Path, settings: Settings) -> None:
    readme = write_study(records, "README.json", study("NCT00000009", "Named explicitly"))
    store = open_store(settings, HashingEmbedder())
    summary = index_paths([readme, records / "nope.json"], store)
    assert (summary.new, summary.failed) == (1, 1)
    assert "nope.json" in summary.failures[0]


def test_index_command_exit_codes(
    records: Path, trials_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import index.store

    real_open_store = index.store.open_store
    monkeypatch.setattr(index.store, "open_store", lambda s=None: real_open_store(s, HashingEmbedder()))
    assert index_command([str(records)]) == 0
    assert "new 3" in capsys.readouterr().out
    (records / "broken.json").write_text("not a record", encoding="utf-8")
    assert index_command([str(records)]) == 1
    out, err = capsys.readouterr()
    assert "unchanged 3" in out and "failed 1" in out
    assert "broken.json" in err


def test_duplicate_nct_ids_keep_the_newer_record(tmp_path: Path, settings: Settings) -> None:
    folder = tmp_path / "dups"
    write_study(folder, "1-newer.json", study("NCT00000005", "Newer title", updated="2025-03-01"))
    write_study(folder, "2-older.json", study("NCT00000005", "Older title", updated="2023-11-20"))
    store = open_store(settings, HashingEmbedder())
    summary = index_paths([folder], store)
    assert (summary.new, summary.failed) == (1, 0)
    assert len(summary.duplicates) == 1
    assert "1-newer.json" in summary.duplicates[0] and "2-older.json" in summary.duplicates[0]
    assert "duplicates 1" in summary.line()
    trial = store.get_trial("NCT00000005")
    assert trial is not None and trial.brief_title == "Newer title"

    again = index_paths([folder], store)
    assert (again.new, again.updated, again.unchanged, len(again.duplicates)) == (0, 0, 1, 1)
    assert store.get_trial("NCT00000005") == trial


class FailingEmbedder(HashingEmbedder):
    """Raises on the call after `fail_after` calls, like a run killed in the middle of embedding."""

    def __init__(self, fail_after: int) -> None:
        super().__init__()
        self.fail_after = fail_after

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        if self.calls >= self.fail_after:
            raise KeyboardInterrupt
        return super().embed_documents(texts)


def many_records(folder: Path, count: int) -> None:
    for n in range(1, count + 1):
        write_study(folder, f"r{n:02d}.json", study(f"NCT{n:08d}", f"Drug {n} in solid tumours"))


def test_run_interrupted_while_embedding_is_completed_by_the_next(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", embedding_batch_size=1)  # a flush every 32 chunks
    folder = tmp_path / "records"
    many_records(folder, 20)  # ~7 chunks each: about 5 flushes
    with pytest.raises(KeyboardInterrupt):
        index_paths([folder], open_store(settings, FailingEmbedder(fail_after=2)))
    store = open_store(settings, HashingEmbedder())
    committed = len(store.all_trials())
    assert 0 < committed < 20
    summary = index_paths([folder], store)
    assert (summary.new, summary.unchanged) == (20 - committed, committed)
    assert len(store.all_trials()) == 20


def test_the_model_embeds_the_next_batch_while_one_is_committed(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", embedding_batch_size=1)  # a flush every 32 chunks
    folder = tmp_path / "records"
    many_records(folder, 20)
    second_call_started = threading.Event()
    committed_after_it: list[bool] = []

    class WatchedEmbedder(HashingEmbedder):
        def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
            if self.calls == 1:
                second_call_started.set()
            return super().embed_documents(texts)

    store = open_store(settings, WatchedEmbedder())
    write_trials = store.write_trials

    def first_write_waits(writes: Any) -> None:
        if not committed_after_it:  # the first batch: the model should have the second by now
            committed_after_it.append(second_call_started.wait(timeout=30))
        write_trials(writes)

    store.write_trials = first_write_waits  # type: ignore[method-assign]
    summary = index_paths([folder], store)
    assert committed_after_it == [True]
    assert summary.new == 20 and len(store.all_trials()) == 20


def test_run_interrupted_inside_a_list_file_is_finished_by_the_next(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", embedding_batch_size=1)
    folder = tmp_path / "records"
    studies = [study(f"NCT{n:08d}", f"Drug {n} in solid tumours") for n in range(1, 7)]
    write_study(folder, "six-studies.json", {"studies": studies})  # ~42 chunks: two flushes
    with pytest.raises(KeyboardInterrupt):
        index_paths([folder], open_store(settings, FailingEmbedder(fail_after=1)))
    store = open_store(settings, HashingEmbedder())
    committed = len(store.all_trials())
    assert 0 < committed < 6
    summary = index_paths([folder], store)  # same file, same bytes: still not finished
    assert (summary.new, summary.unchanged) == (6 - committed, committed)
    assert index_paths([folder], store).unchanged == 6


def test_list_file_with_a_bad_study_is_reported_on_every_run(tmp_path: Path, settings: Settings) -> None:
    folder = tmp_path / "records"
    bad = {"protocolSection": {"identificationModule": {"briefTitle": "No NCT ID here"}}}
    write_study(folder, "list.json", [study("NCT00000001", "Drug A"), bad, study("NCT00000002", "Drug B")])
    store = open_store(settings, HashingEmbedder())
    first = index_paths([folder], store)
    assert (first.new, first.failed) == (2, 1)
    second = index_paths([folder], store)
    assert (second.new, second.unchanged, second.failed, second.chunks) == (0, 2, 1, 0)
    assert "list.json" in second.failures[0]


def test_chunks_without_a_record_are_replaced(
    records: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    records_collection = settings.collection_name("trials")
    real_upsert = Collection.upsert

    def die_before_commit(self: Collection, *args: Any, **kwargs: Any) -> None:
        if self.name == records_collection:
            raise KeyboardInterrupt  # chunks are written, the commit marker is not
        real_upsert(self, *args, **kwargs)

    monkeypatch.setattr(Collection, "upsert", die_before_commit)
    with pytest.raises(KeyboardInterrupt):
        index_paths([records], open_store(settings, HashingEmbedder()))
    monkeypatch.undo()

    store = open_store(settings, HashingEmbedder())
    assert store.all_trials() == [] and store.all_chunks() == []  # orphans are never read
    write_study(
        records, "a.json", study("NCT00000001", "Drug A in lung cancer", exclusion="Prior stem cell graft")
    )
    summary = index_paths([records], store)
    assert summary.new == 3
    hits = store.search("Known brain metastases", k=100, nct_ids=["NCT00000001"])
    assert hits and not any("brain metastases" in c.text for c, _ in hits)
    assert sum(e.chunk_count for e in store.records().values()) == store.counts()[1]


KILLED_INDEXER = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {tests!r})
    from fake_embedder import HashingEmbedder
    from index.pipeline import index_paths
    from index.settings import Settings
    from index.store import open_store

    class SlowEmbedder(HashingEmbedder):
        def embed_documents(self, texts):
            vectors = super().embed_documents(texts)
            print("embedded", self.calls, flush=True)
            time.sleep(0.3)
            return vectors

    settings = Settings(home={home!r}, embedding_batch_size=1)
    index_paths([__import__("pathlib").Path({folder!r})], open_store(settings, SlowEmbedder()))
    print("finished", flush=True)
    """
)


def test_run_killed_with_sigkill_leaves_a_usable_index(tmp_path: Path) -> None:
    home, folder = tmp_path / "home", tmp_path / "records"
    many_records(folder, 30)  # ~7 chunks each, a flush every 32 chunks: about 7 flushes
    script = KILLED_INDEXER.format(tests=str(TESTS), home=str(home), folder=str(folder))
    child = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env={**os.environ}
    )
    assert child.stdout is not None
    deadline = time.monotonic() + 120
    for line in child.stdout:
        if line.startswith("embedded 4") or time.monotonic() > deadline:
            break
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL

    store = open_store(Settings(home=home, embedding_batch_size=1), HashingEmbedder())
    committed = len(store.all_trials())
    assert 0 < committed < 30
    summary = index_paths([folder], store)
    assert (summary.new, summary.unchanged, summary.failed) == (30 - committed, committed, 0)
    assert len(store.all_trials()) == 30
    assert sum(e.chunk_count for e in store.records().values()) == store.counts()[1]


@pytest.mark.slow
def test_seeds_with_the_real_model_find_a_criterion_by_paraphrase(seeds_dir: Path, tmp_path: Path) -> None:
    from index.embedding import get_embedder

    settings = Settings(home=tmp_path / "home")
    store = open_store(settings, get_embedder(settings))
    summary = index_paths([seeds_dir], store)
    assert (summary.new, summary.failed) == (5, 0)
    # NCT07162519 excludes "7. Brain tumors or brain metastases;" — no seed words it like the query.
    best, score = store.search("patients whose cancer has spread to the brain", k=3)[0]
    assert (best.nct_id, best.section) == ("NCT07162519", "Exclusion Criteria")
    assert "brain metastases" in best.text
    assert score > 0.4
    # NCT05236582 excludes positive serology for HIV, HBV, HCV...
    hits = store.search("people with a hepatitis C infection", k=3, section="Exclusion Criteria")
    assert "NCT05236582" in [c.nct_id for c, _ in hits]


def test_a_reader_sees_what_another_store_indexed_without_reopening(
    records: Path, tmp_path: Path, settings: Settings
) -> None:
    index_paths([records], open_store(settings, HashingEmbedder()))
    reader = open_store(settings.model_copy(update={"refresh_seconds": 0}), HashingEmbedder())
    assert len(reader.all_trials()) == 3 and reader.all_chunks()  # both caches are now warm
    assert reader.get_trial("NCT00000004") is None

    write_study(records, "d.json", study("NCT00000004", "Drug D in glioma", exclusion="Prior radiotherapy"))
    (records / "c.json").unlink()
    summary = index_paths([records], open_store(settings, HashingEmbedder()))
    assert (summary.new, summary.removed) == (1, 1)

    assert [t.nct_id for t in reader.all_trials()] == ["NCT00000001", "NCT00000002", "NCT00000004"]
    trial = reader.get_trial("NCT00000004")
    assert trial is not None and trial.title == "Drug D in glioma"
    assert reader.get_trial("NCT00000003") is None
    assert "Prior radiotherapy" in chunk_texts(reader)
    assert "NCT00000003" not in {c.nct_id for c in reader.all_chunks()}


SEPARATE_INDEXER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {tests!r})
    from pathlib import Path
    from fake_embedder import HashingEmbedder
    from index.pipeline import index_paths
    from index.settings import Settings
    from index.store import open_store

    print(index_paths([Path({folder!r})], open_store(Settings(home={home!r}), HashingEmbedder())).new)
    """
)


def test_a_reader_sees_what_a_separate_index_process_committed(records: Path, settings: Settings) -> None:
    reader = open_store(settings.model_copy(update={"refresh_seconds": 0}), HashingEmbedder())
    assert reader.all_trials() == [] and reader.all_chunks() == []  # cached while the index is empty
    script = SEPARATE_INDEXER.format(tests=str(TESTS), home=str(settings.home), folder=str(records))
    child = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert child.stdout.split()[-1] == "3"
    assert [t.nct_id for t in reader.all_trials()] == ["NCT00000001", "NCT00000002", "NCT00000003"]
    assert "Known brain metastases" in chunk_texts(reader)
