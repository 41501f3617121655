"""The Chroma store with the fake embedder: round trip, search filters, deletes, collection names."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_embedder import HashingEmbedder

from index.chunks import chunk_trial
from index.errors import IndexStoreError
from index.models import Chunk, Criterion, Trial
from index.settings import Settings
from index.store import RecordEntry, TrialStore, TrialWrite, open_store


def make_trial(nct_id: str, inclusion: list[str], exclusion: list[str], title: str) -> Trial:
    text = "\n".join([title, "Inclusion Criteria:", *inclusion, "Exclusion Criteria:", *exclusion])
    return Trial(
        nct_id=nct_id,
        brief_title=title,
        status="RECRUITING",
        phases=["PHASE2"],
        inclusion=[Criterion(section="inclusion", number=n, text=t) for n, t in enumerate(inclusion, 1)],
        exclusion=[Criterion(section="exclusion", number=n, text=t) for n, t in enumerate(exclusion, 1)],
        source_path=f"/records/{nct_id}.txt",
        source_format="registry_page",
        text=text,
    )


PLATELETS = make_trial(
    "NCT00000011",
    ["Platelet count below 75 x10^9/L", "ECOG performance status 0-2"],
    ["Known brain metastases", "Active bleeding"],
    "Hetrombopag for low platelets",
)
LUNG = make_trial(
    "NCT00000022",
    ["Histologically confirmed non-small cell lung cancer", "Age 18 to 75 years"],
    ["Prior treatment with immunotherapy"],
    "Immunotherapy in lung cancer",
)


def write(store: TrialStore, trial: Trial) -> None:
    chunks = chunk_trial(trial, store.settings)
    vectors = store.embedder.embed_documents([c.text for c in chunks])
    entry = RecordEntry(
        nct_id=trial.nct_id,
        source=trial.source_path,
        source_hash="f" * 16,
        content_hash=trial.content_hash,
        chunk_count=len(chunks),
    )
    title_vector = store.embedder.embed_query(trial.title)
    store.write_trials(
        [
            TrialWrite(
                trial=trial, chunks=chunks, chunk_vectors=vectors, title_vector=title_vector, entry=entry
            )
        ]
    )


@pytest.fixture
def store(tmp_path: Path) -> TrialStore:
    return open_store(Settings(home=tmp_path / "home"), HashingEmbedder())


def test_round_trip_get_all_and_delete(store: TrialStore) -> None:
    write(store, PLATELETS)
    write(store, LUNG)
    assert store.get_trial("NCT00000011") == PLATELETS
    assert store.get_trial("NCT09999999") is None
    assert [t.nct_id for t in store.all_trials()] == ["NCT00000011", "NCT00000022"]
    assert store.all_trials()[1] == LUNG
    texts = {c.text for c in store.all_chunks()}
    assert "Known brain metastases" in texts and "Prior treatment with immunotherapy" in texts
    assert set(store.manifest()) == {"/records/NCT00000011.txt", "/records/NCT00000022.txt"}

    store.delete_trials(["NCT00000011"])
    assert store.get_trial("NCT00000011") is None
    assert [t.nct_id for t in store.all_trials()] == ["NCT00000022"]
    assert {c.nct_id for c in store.all_chunks()} == {"NCT00000022"}


def test_reopened_store_reads_what_was_written(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    write(open_store(settings, HashingEmbedder()), LUNG)
    assert open_store(settings, HashingEmbedder()).all_trials() == [LUNG]


def test_search_ranks_the_matching_criterion_and_filters(store: TrialStore) -> None:
    write(store, PLATELETS)
    write(store, LUNG)
    best, score = store.search("brain metastases", k=3)[0]
    assert (best.nct_id, best.section, best.criterion_number) == ("NCT00000011", "Exclusion Criteria", 1)
    assert best.text == "Known brain metastases"
    assert 0.0 < score <= 1.0

    only_lung = store.search("brain metastases", k=20, nct_ids=["NCT00000022"])
    assert only_lung and {c.nct_id for c, _ in only_lung} == {"NCT00000022"}
    exclusions = store.search("platelets", k=20, section="Exclusion Criteria")
    assert {c.text for c, _ in exclusions} == {
        "Known brain metastases",
        "Active bleeding",
        "Prior treatment with immunotherapy",
    }
    both = store.search("lung", k=20, nct_ids=["NCT00000022"], section="Inclusion Criteria")
    assert {c.criterion_number for c, _ in both} == {1, 2}
    assert store.search("lung", k=5, nct_ids=[]) == []


def test_langchain_vectorstore_reads_the_chunk_collection(store: TrialStore) -> None:
    write(store, PLATELETS)
    write(store, LUNG)
    documents = store.vectorstore.similarity_search("Prior treatment with immunotherapy", k=1)
    assert documents[0].page_content == "Prior treatment with immunotherapy"
    assert documents[0].metadata["nct_id"] == "NCT00000022"
    assert documents[0].metadata["section"] == "Exclusion Criteria"


def test_rewrite_replaces_old_chunks(store: TrialStore) -> None:
    write(store, PLATELETS)
    edited = PLATELETS.model_copy(
        update={"exclusion": [Criterion(section="exclusion", number=1, text="Pregnancy")]}
    )
    write(store, edited)
    texts = {c.text for c in store.all_chunks()}
    assert "Pregnancy" in texts
    assert "Known brain metastases" not in texts
    assert store.get_trial("NCT00000011") == edited


def test_collection_name_follows_model_and_chunk_size() -> None:
    default = Settings().collection_name("chunks")
    assert Settings(embedding_model="another-model").collection_name("chunks") != default
    assert Settings(max_chunk_chars=500).collection_name("chunks") != default
    assert Settings(top_k=3).collection_name("chunks") == default  # retrieval settings do not shape the index
    assert Settings().collection_name("trials") != default


def test_opening_an_index_with_another_embedder_is_refused(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    open_store(settings, HashingEmbedder(name="fake-a"))
    with pytest.raises(IndexStoreError, match="fake-a"):
        open_store(settings, HashingEmbedder(name="fake-b"))


def test_unreachable_server_is_named() -> None:
    settings = Settings(chroma_url="http://127.0.0.1:9")  # discard port: nothing listens
    with pytest.raises(IndexStoreError, match=r"http://127.0.0.1:9.*unreachable"):
        open_store(settings, HashingEmbedder())


def test_missing_embedding_model_names_the_setting(tmp_path: Path) -> None:
    from index.embedding import EmbeddingModelError, SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder(str(tmp_path / "no-such-model"))
    with pytest.raises(EmbeddingModelError, match="TRIALS_EMBEDDING_MODEL"):
        embedder.embed_query("platelets")


def test_every_committed_write_is_seen_by_another_store_on_its_next_read(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", refresh_seconds=0)
    writer, reader = open_store(settings, HashingEmbedder()), open_store(settings, HashingEmbedder())
    assert reader.generation() is None  # nothing written yet
    assert reader.all_trials() == [] and reader.all_chunks() == []

    write(writer, PLATELETS)
    first = reader.generation()
    assert first is not None
    assert reader.get_trial("NCT00000011") == PLATELETS
    assert {c.nct_id for c in reader.all_chunks()} == {"NCT00000011"}

    write(writer, LUNG)
    assert reader.generation() not in (None, first)
    assert [t.nct_id for t in reader.all_trials()] == ["NCT00000011", "NCT00000022"]

    writer.delete_trials(["NCT00000011"])
    assert reader.get_trial("NCT00000011") is None
    assert {c.nct_id for c in reader.all_chunks()} == {"NCT00000022"}


def test_reads_without_writes_keep_the_generation(store: TrialStore) -> None:
    write(store, LUNG)
    before = store.generation()
    assert store.all_trials() == [LUNG] and store.get_trial("NCT00000022") == LUNG and store.all_chunks()
    store.update_entries(
        [
            RecordEntry(
                nct_id=LUNG.nct_id, source="/moved.txt", source_hash="0" * 16, content_hash=LUNG.content_hash
            )
        ]
    )
    assert store.generation() == before


def test_other_writes_are_looked_for_at_most_every_refresh_seconds(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", refresh_seconds=3600)
    writer, reader = open_store(settings, HashingEmbedder()), open_store(settings, HashingEmbedder())
    assert reader.all_trials() == []
    write(writer, LUNG)
    assert reader.all_trials() == []  # within the refresh interval the cache is served as it is
    reader.settings = settings.model_copy(update={"refresh_seconds": 0})
    assert reader.all_trials() == [LUNG]


@pytest.mark.slow
def test_reads_and_deletes_past_sqlites_variable_limit(store: TrialStore) -> None:
    # 1,100 trials of 32 chunks: 35,200 chunks, more than the ~32k variables SQLite takes in one
    # statement, which a whole-collection read or a "$nin" of every NCT ID needs (a real index of
    # 1,000 CT.gov records holds 33,252 chunks).
    trials, per_trial = 1100, 32
    writes = []
    for n in range(trials):
        nct_id = f"NCT{n:08d}"
        trial = make_trial(nct_id, ["Adults"], ["Pregnancy"], f"Trial {n}")
        chunks = [
            Chunk(
                id=f"{nct_id}-{i}",
                nct_id=nct_id,
                section="Brief Summary",
                text=f"passage {i}",
                metadata={"nct_id": nct_id, "section": "Brief Summary", "position": i},
            )
            for i in range(per_trial)
        ]
        entry = RecordEntry(
            nct_id=nct_id,
            source=trial.source_path,
            source_hash="f" * 16,
            content_hash=trial.content_hash,
            chunk_count=per_trial,
        )
        writes.append(
            TrialWrite(
                trial=trial,
                chunks=chunks,
                chunk_vectors=[[1.0, 0.0]] * per_trial,
                title_vector=[0.0, 1.0],
                entry=entry,
            )
        )
    for start in range(0, trials, 100):
        store.write_trials(writes[start : start + 100])

    assert len(store.records()) == trials
    assert len(store.all_trials()) == trials
    assert len(store.all_chunks()) == trials * per_trial
    store.delete_orphan_chunks()  # every chunk has its committed trial: nothing to drop
    assert store.counts() == (trials, trials * per_trial)
    store.delete_trials([t.trial.nct_id for t in writes])
    assert store.counts() == (0, 0)
