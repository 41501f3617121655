"""An index past `records_held_whole` trials is served from the fact store (index/stored_trials.py):
records read by NCT ID through a bounded cache, the directory's words asked word by word. Its answers
must be those of the same trials held whole, and the records it reads those that were indexed."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from fake_embedder import HashingEmbedder
from fakes import read_trials

from assistant.service import Assistant
from assistant.subjects import TrialDirectory
from index.memory import RecordsReader
from index.models import Trial
from index.pipeline import index_paths
from index.settings import Settings
from index.store import open_store
from index.stored_trials import StoredTrials

SAMPLE = 150  # real records: more than `fact_store_min_trials`, so the store narrows set questions
SEEDS = Path(__file__).resolve().parent.parent / "seeds"
# Questions of each kind the stored path changes: set (numbers, concepts, fields), follow-up over
# the last result, patient matching, one trial, and a count
QUESTIONS = (
    "Which trials would take someone with an ECOG score of 2?",
    "Which studies keep out anyone with metastases in the brain?",
    "Which trials have sites in Canada?",
    "Of those, which are randomised?",
    "A 58-year-old man with prostate cancer, ECOG 1, platelets 180. What trials might suit him?",
    "How many studies are phase 2?",
)


@pytest.fixture(scope="module")
def sample_files(ctgov_dir: Path) -> list[Path]:
    # every sixth of the 1,000 files: records of every decade, not only the oldest NCT IDs
    files = sorted((ctgov_dir / "xml_classic_1000").glob("*.xml"))[::6][:SAMPLE]
    if len(files) < SAMPLE:
        pytest.skip("the 1,000-record XML export is not complete")
    return files


@pytest.fixture(scope="module")
def real_trials(sample_files: list[Path]) -> list[Trial]:
    # in NCT ID order, as an index lists them (so held and stored trials come in one order)
    return sorted(read_trials(sample_files), key=lambda t: t.nct_id)


def _reader(trials: list[Trial], held_whole: int, cache: int = 2000) -> RecordsReader:
    return RecordsReader(trials, Settings(chroma_url=None, records_held_whole=held_whole, record_cache=cache))


def _answers(reader: RecordsReader, questions: tuple[str, ...]) -> list[tuple[object, ...]]:
    """Each answer's text, trials, quotes and every result row (read from the fact store's rows when
    the trials are stored: the side panel's table of thousands of results reads no record)."""
    assistant = Assistant(reader, reader._settings)
    answers = [assistant.ask(q, session_id="one conversation") for q in questions]
    return [(a.answer, a.trials, [c.quote for c in a.citations], a.results) for a in answers]


def test_trials_past_the_limit_are_read_from_the_fact_store(real_trials: list[Trial]) -> None:
    assert isinstance(_reader(real_trials, SAMPLE - 1).all_trials(), StoredTrials)
    assert not isinstance(_reader(real_trials, SAMPLE).all_trials(), StoredTrials)


def test_answers_from_stored_trials_are_those_of_the_trials_held_whole(real_trials: list[Trial]) -> None:
    held = _answers(_reader(real_trials, SAMPLE), QUESTIONS)
    # a cache smaller than any answer's reading: records are read again and again, answers the same
    stored = _answers(_reader(real_trials, 0, cache=7), QUESTIONS)
    for question, whole, read in zip(QUESTIONS, held, stored, strict=True):
        assert read == whole, question
    assert all(answer[1] and answer[3] for answer in held[:3])  # they found trials, with rows


def test_a_trial_described_by_its_title_is_found_from_the_stored_words(real_trials: list[Trial]) -> None:
    held = TrialDirectory.of(real_trials)
    stored_trials = _reader(real_trials, 0).all_trials()
    stored = TrialDirectory.of(stored_trials)
    assert stored.ids == held.ids and stored.places == held.places
    found = 0
    for trial in real_trials:
        question = f"Who sponsors the {trial.brief_title} study?"
        assert stored.described(question, stored.ids) == held.described(question, held.ids), question
        found += held.described(question, held.ids) == trial.nct_id
    assert found > SAMPLE // 2  # most titles name their trial: the words were really compared


def test_a_stored_record_is_the_record_indexed(real_trials: list[Trial], sample_files: list[Path]) -> None:
    stored = _reader(real_trials, 0).all_trials()
    assert [t.nct_id for t in stored] == [t.nct_id for t in real_trials]
    by_id = {t.nct_id: t for t in real_trials}
    assert all(t.model_dump_json() == by_id[t.nct_id].model_dump_json() for t in stored)
    # and the answer about one record's field reads it: the maximum age its XML states
    for path in sample_files:
        root = ET.parse(path).getroot()
        maximum = root.findtext("eligibility/maximum_age") or ""
        if re.fullmatch(r"\d+ Years?", maximum):
            nct_id = root.findtext("id_info/nct_id")
            break
    else:
        pytest.skip("no sampled record states a maximum age in years")
    reader = _reader(real_trials, 0)
    answer = Assistant(reader, reader._settings).ask(f"What is the upper age limit of {nct_id}?")
    assert answer.trials == [nct_id]
    assert maximum.split()[0] in answer.answer


def test_a_process_keeps_only_the_most_recently_read_records(real_trials: list[Trial]) -> None:
    stored = _reader(real_trials, 0, cache=5).all_trials()
    assert isinstance(stored, StoredTrials)
    first = stored.get(real_trials[0].nct_id)
    assert stored.get(real_trials[0].nct_id) is first  # kept
    stored.of([t.nct_id for t in real_trials[1:6]])  # five others read since
    again = stored.get(real_trials[0].nct_id)
    assert again is not first and again is not None and again.nct_id == first.nct_id
    assert stored.get("NCT99999999") is None


def test_an_index_store_past_the_limit_serves_from_the_fact_store(tmp_path: Path) -> None:
    home = tmp_path / "home"
    index_paths([SEEDS], open_store(Settings(home=home, chroma_url=None), HashingEmbedder()))
    small = Settings(home=home, chroma_url=None, records_held_whole=2, refresh_seconds=0)
    store = open_store(small, HashingEmbedder())
    trials = store.all_trials()
    assert isinstance(trials, StoredTrials) and len(trials) == 5
    whole = open_store(Settings(home=home, chroma_url=None), HashingEmbedder())
    question = "Which trials accept ECOG 2?"
    assert Assistant(store, small).ask(question).answer == Assistant(whole).ask(question).answer
    # seeds/000_*.txt: "Maximum Eligible Age 75 Years"
    held = store.get_trial("NCT05394285")
    assert held is not None and held.max_age_years == 75
    left = sorted(t.nct_id for t in whole.all_trials() if t.nct_id != "NCT05394285")
    store.delete_trials(["NCT05394285"])  # a write: the next read sees the index as it is now
    assert store.get_trial("NCT05394285") is None
    assert [t.nct_id for t in store.all_trials()] == left
