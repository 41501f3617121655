"""Fill a read `Trial` with its criteria, facts and conflict notes."""

from __future__ import annotations

from index.conflicts import find_conflicts
from index.criteria import split_criteria
from index.facts import extract_facts
from index.language.abbreviations import defined_abbreviations
from index.language.vocabulary import concept_spans
from index.models import Trial


def enrich(trial: Trial) -> Trial:
    """A copy of `trial` with `inclusion`, `exclusion` (each criterion with the concepts it names),
    `facts`, `abbreviations` and `conflicts` filled."""
    inclusion, exclusion = (
        [c.model_copy(update={"concepts": concept_spans(c.text)}) for c in section]
        for section in split_criteria(trial.criteria_text or "")
    )
    split = trial.model_copy(update={"inclusion": inclusion, "exclusion": exclusion}, deep=True)
    with_facts = split.model_copy(
        update={"facts": extract_facts(split), "abbreviations": defined_abbreviations(trial.text)}
    )
    return with_facts.model_copy(update={"conflicts": find_conflicts(with_facts)})
