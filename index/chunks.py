"""Turn an enriched Trial into embeddable Chunks: one per criterion, one per section paragraph.

Criterion chunks carry the criterion text verbatim, so a retrieved chunk can be quoted as is.
Section chunks (summary, description, arms, interventions, outcomes, design...) are split at
`max_chunk_chars` on paragraph, line and sentence boundaries. Every chunk carries flat scalar
metadata (Chroma rejects lists and None): a value the record does not state is left out,
never filled with a placeholder.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from langchain_text_splitters import RecursiveCharacterTextSplitter

from index.models import Chunk, ChunkMeta, FactKind, Trial
from index.settings import Settings

INCLUSION = "Inclusion Criteria"
EXCLUSION = "Exclusion Criteria"
_CRITERION_SECTION = {"inclusion": INCLUSION, "exclusion": EXCLUSION}


def chunk_id(nct_id: str, section: str, number: int | None, text: str) -> str:
    """Content address: the same passage of the same trial always gets the same id."""
    key = "\x1f".join([nct_id, section, "" if number is None else str(number), text])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def trial_metadata(trial: Trial) -> ChunkMeta:
    """Trial-level scalars shared by every chunk of the trial (filters and display)."""
    values: dict[str, str | int | float | bool | None] = {
        "nct_id": trial.nct_id,
        "title": trial.title,
        "source": trial.source_path,
        "status": trial.status,
        "phase": ", ".join(trial.phases) or None,
        "sex": trial.sex,
        "min_age_years": trial.min_age_years,
        "max_age_years": trial.max_age_years,
        "study_type": trial.study_type,
        "content_hash": trial.content_hash,
    }
    values.update(_ecog_range(trial))
    return {key: value for key, value in values.items() if value is not None}


def _ecog_range(trial: Trial) -> dict[str, float | None]:
    """The ECOG range every ECOG fact allows (their intersection); absent when none states a bound."""
    ecog = trial.facts_of(FactKind.ECOG)
    lows = [f.low for f in ecog if f.low is not None]
    highs = [f.high for f in ecog if f.high is not None]
    return {"ecog_low": max(lows) if lows else None, "ecog_high": min(highs) if highs else None}


def chunk_trial(trial: Trial, settings: Settings) -> list[Chunk]:
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=settings.max_chunk_chars,
        chunk_overlap=0,
        separators=["\n\n", "\n", ". ", "; ", " ", ""],
        keep_separator="end",
    )
    shared = trial_metadata(trial)
    chunks: dict[str, Chunk] = {}
    for position, (section, number, text) in enumerate(_passages(trial, splitter)):
        ident = chunk_id(trial.nct_id, section, number, text)
        if ident in chunks:  # the same passage twice in one section adds nothing to retrieval
            continue
        metadata: ChunkMeta = {
            **shared,
            "section": section,
            "position": position,
            "verbatim": text in trial.text,
        }
        if number is not None:
            metadata["criterion_number"] = number
        chunks[ident] = Chunk(
            id=ident,
            nct_id=trial.nct_id,
            section=section,
            criterion_number=number,
            text=text,
            metadata=metadata,
        )
    return list(chunks.values())


def _passages(
    trial: Trial, splitter: RecursiveCharacterTextSplitter
) -> Iterator[tuple[str, int | None, str]]:
    """(section, criterion number, text) for every passage worth embedding, in record order."""
    for section, text in _section_texts(trial):
        for piece in _pieces(text, splitter):
            yield section, None, piece
    if trial.criteria:
        for criterion in trial.criteria:
            # A criterion within max_chunk_chars stays whole: its chunk is its verbatim quote.
            for piece in _pieces(criterion.text, splitter):
                yield _CRITERION_SECTION[criterion.section], criterion.number, piece
    elif trial.criteria_text:
        # The splitter found no items: keep the eligibility text searchable as paragraphs.
        for piece in _pieces(trial.criteria_text, splitter):
            yield "Eligibility Criteria", None, piece


def _pieces(text: str, splitter: RecursiveCharacterTextSplitter) -> list[str]:
    return [piece.strip() for piece in splitter.split_text(text) if piece.strip()]


def _section_texts(trial: Trial) -> Iterator[tuple[str, str]]:
    """Each section of the record as one text; sections the record leaves empty are skipped.

    Site lists are left out: they run to hundreds of lines, cost embedding time out of
    proportion, and "where" questions are answered from `Trial.sites`, not by similarity.
    """
    titles = dict.fromkeys(t for t in (trial.brief_title, trial.official_title) if t)
    candidates: list[tuple[str, str | None]] = [
        *(("Title", title) for title in titles),
        ("Brief Summary", trial.brief_summary),
        ("Detailed Description", trial.detailed_description),
        ("Conditions", _joined("Conditions", trial.conditions, "Keywords", trial.keywords)),
    ]
    for arm in trial.arms:
        head = f"{arm.label} ({arm.type})" if arm.type else arm.label
        lines = [head, arm.description or "", _listed("Interventions", arm.interventions)]
        candidates.append(("Arm", "\n".join(line for line in lines if line)))
    for intervention in trial.interventions:
        head = f"{intervention.type}: {intervention.name}" if intervention.type else intervention.name
        candidates.append(("Intervention", "\n".join(p for p in (head, intervention.description) if p)))
    for label, outcomes in (
        ("Primary Outcome", trial.primary_outcomes),
        ("Secondary Outcome", trial.secondary_outcomes),
    ):
        for outcome in outcomes:
            parts = [
                outcome.measure,
                outcome.description,
                f"Time frame: {outcome.time_frame}" if outcome.time_frame else None,
            ]
            candidates.append((label, "\n".join(p for p in parts if p)))
    candidates.append(("Design", _design_text(trial)))
    candidates.append(("Eligibility", _eligibility_text(trial)))
    sponsors = [s.name for s in trial.sponsors]
    candidates.append(("Sponsors", _listed("Sponsors", sponsors)))
    for section, text in candidates:
        if text and text.strip():
            yield section, text.strip()


def _listed(label: str, items: list[str]) -> str:
    return f"{label}: {'; '.join(items)}" if items else ""


def _joined(label_a: str, items_a: list[str], label_b: str, items_b: list[str]) -> str:
    return "\n".join(p for p in (_listed(label_a, items_a), _listed(label_b, items_b)) if p)


def _design_text(trial: Trial) -> str:
    enrollment = None
    if trial.enrollment is not None:
        enrollment = (
            f"{trial.enrollment} ({trial.enrollment_type})"
            if trial.enrollment_type
            else str(trial.enrollment)
        )
    fields = {
        "Study type": trial.study_type,
        "Phase": ", ".join(trial.phases) or None,
        "Status": trial.status,
        "Allocation": trial.allocation,
        "Intervention model": trial.intervention_model,
        "Primary purpose": trial.primary_purpose,
        "Masking": trial.masking,
        "Enrollment": enrollment,
        "Start date": trial.start_date,
        "Primary completion date": trial.primary_completion_date,
        "Completion date": trial.completion_date,
    }
    return "\n".join(f"{name}: {value}" for name, value in fields.items() if value)


def _eligibility_text(trial: Trial) -> str:
    volunteers = None
    if trial.healthy_volunteers is not None:
        volunteers = "Yes" if trial.healthy_volunteers else "No"
    fields = {
        "Minimum age": trial.min_age,
        "Maximum age": trial.max_age,
        "Sex": trial.sex,
        "Healthy volunteers": volunteers,
    }
    return "\n".join(f"{name}: {value}" for name, value in fields.items() if value)
