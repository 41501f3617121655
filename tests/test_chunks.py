"""Chunking: one chunk per criterion, paragraphs split at max_chunk_chars, flat metadata, stable ids."""

from __future__ import annotations

from index.chunks import chunk_trial
from index.models import Criterion, Fact, FactKind, Trial
from index.settings import Settings

INCLUSION_1 = "Age ≥ 18 years"
INCLUSION_2 = "ECOG performance status 0-2"
EXCLUSION_1 = "Known brain metastases"
SUMMARY = "This study tests drug X in adults with advanced solid tumours."


def make_trial(summary: str = SUMMARY, facts: list[Fact] | None = None) -> Trial:
    criteria_text = (
        f"Inclusion Criteria:\n* {INCLUSION_1}\n* {INCLUSION_2}\nExclusion Criteria:\n* {EXCLUSION_1}"
    )
    return Trial(
        nct_id="NCT00000001",
        brief_title="Drug X in solid tumours",
        status="RECRUITING",
        phases=["PHASE1", "PHASE2"],
        study_type="INTERVENTIONAL",
        min_age="18 Years",
        min_age_years=18.0,
        sex="ALL",
        brief_summary=summary,
        criteria_text=criteria_text,
        inclusion=[
            Criterion(section="inclusion", number=1, text=INCLUSION_1),
            Criterion(section="inclusion", number=2, text=INCLUSION_2),
        ],
        exclusion=[Criterion(section="exclusion", number=1, text=EXCLUSION_1)],
        facts=facts if facts is not None else [],
        source_path="records/x.txt",
        source_format="registry_page",
        text=f"Drug X in solid tumours\n{summary}\n{criteria_text}",
    )


def ecog_fact() -> Fact:
    return Fact(kind=FactKind.ECOG, source="inclusion", criterion_number=2, quote=INCLUSION_2, low=0, high=2)


def test_one_chunk_per_criterion_with_section_and_number() -> None:
    chunks = chunk_trial(make_trial(), Settings())
    criteria = [(c.section, c.criterion_number, c.text) for c in chunks if c.criterion_number is not None]
    assert criteria == [
        ("Inclusion Criteria", 1, INCLUSION_1),
        ("Inclusion Criteria", 2, INCLUSION_2),
        ("Exclusion Criteria", 1, EXCLUSION_1),
    ]
    assert ("Brief Summary", SUMMARY) in [(c.section, c.text) for c in chunks]


def test_metadata_is_flat_scalars_and_omits_unstated_values() -> None:
    chunks = chunk_trial(make_trial(facts=[ecog_fact()]), Settings())
    for chunk in chunks:
        assert all(isinstance(v, str | int | float | bool) for v in chunk.metadata.values()), chunk.metadata
        assert chunk.metadata["nct_id"] == "NCT00000001"
        assert chunk.metadata["section"] == chunk.section
        assert chunk.metadata["phase"] == "PHASE1, PHASE2"
        assert chunk.metadata["min_age_years"] == 18.0
        assert "max_age_years" not in chunk.metadata  # the record states no maximum age
        assert (chunk.metadata["ecog_low"], chunk.metadata["ecog_high"]) == (0, 2)
    exclusion = next(c for c in chunks if c.section == "Exclusion Criteria")
    assert exclusion.metadata["criterion_number"] == 1
    assert exclusion.metadata["verbatim"] is True


def test_ecog_range_absent_when_no_fact_states_it() -> None:
    for chunk in chunk_trial(make_trial(facts=[]), Settings()):
        assert "ecog_low" not in chunk.metadata
        assert "ecog_high" not in chunk.metadata


def test_ids_are_stable_and_follow_content() -> None:
    first = chunk_trial(make_trial(), Settings())
    again = chunk_trial(make_trial(), Settings())
    assert [c.id for c in first] == [c.id for c in again]
    assert len({c.id for c in first}) == len(first)
    changed = chunk_trial(make_trial(summary="A different summary."), Settings())
    criterion_ids = {c.id for c in first if c.criterion_number is not None}
    assert criterion_ids <= {c.id for c in changed}
    assert {c.id for c in first} != {c.id for c in changed}


def test_long_paragraphs_are_split_at_max_chunk_chars() -> None:
    paragraphs = [f"Paragraph {n} " + "word " * 30 for n in range(1, 4)]  # ~165 chars each
    summary = "\n\n".join(p.strip() for p in paragraphs)
    chunks = [c for c in chunk_trial(make_trial(summary=summary), Settings(max_chunk_chars=200))]
    pieces = [c.text for c in chunks if c.section == "Brief Summary"]
    assert len(pieces) == 3
    assert all(len(p) <= 200 for p in pieces)
    assert [p.split()[1] for p in pieces] == ["1", "2", "3"]
