"""A criterion's vocabulary concepts are read when it is indexed and stored with it, so a process that
loads the records answers its first concept question without scanning every criterion again."""

from __future__ import annotations

from pathlib import Path

from index.language import vocabulary
from index.language.vocabulary import concept_matches, remembered
from index.memory import RecordsReader, read_records
from index.models import Criterion, Trial

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def forget_everything() -> None:
    vocabulary._concept_matches.cache_clear()
    vocabulary._stored.clear()


def scanned(text: str) -> list[tuple[str, int, int]]:
    return [(m.term.name, m.start, m.end) for m in vocabulary._scan(text, vocabulary._all_terms())]


def test_indexed_criteria_carry_what_a_scan_finds() -> None:
    trials, _ = read_records(SEEDS, pattern="*.txt")
    criteria = [c for t in trials for c in t.criteria]
    assert criteria and all(c.concepts is not None for c in criteria)
    terms = vocabulary._all_terms()
    named = 0
    for criterion in criteria:
        assert criterion.concepts is not None
        stored = [(terms[i].name, start, end) for i, start, end in criterion.concepts]
        assert stored == scanned(criterion.text), criterion.text
        named += bool(stored)
    assert named > 20  # the seeds' criteria name brain metastases, HBV, pregnancy, chemotherapy...


def test_a_process_loading_stored_records_does_not_scan_their_criteria() -> None:
    trials, _ = read_records(SEEDS, pattern="*.txt")
    stored = [t.model_dump_json() for t in trials]  # as the index holds them
    forget_everything()
    loaded = [Trial.model_validate_json(document) for document in stored]
    RecordsReader(loaded)  # a reader takes back what its records stored
    before = vocabulary._concept_matches.cache_info()
    for criterion in (c for t in loaded for c in t.criteria):
        assert [(m.term.name, m.start, m.end) for m in concept_matches(criterion.text)] == scanned(
            criterion.text
        )
    after = vocabulary._concept_matches.cache_info()
    assert (after.hits, after.misses) == (before.hits, before.misses)  # no criterion was scanned


def test_a_criterion_stored_without_its_concepts_is_scanned() -> None:
    forget_everything()
    old = Criterion(section="exclusion", number=1, text="Known HIV infection or active hepatitis B")
    trial = Trial(
        nct_id="NCT00000099",
        brief_title="t",
        exclusion=[old],
        source_path="hand",
        source_format="ctgov_json",
        text="t",
    )
    remembered(trial)
    assert [m.term.name for m in concept_matches(old.text)] == [name for name, _, _ in scanned(old.text)]
    assert vocabulary._concept_matches.cache_info().misses == 1
