"""Places where a record contradicts itself, as readable notes quoting both sides.

General checks, not per-record rules: the structured sex and age fields against what the
inclusion criteria say, and each named intervention against drugs of the same family (same
INN stem) that its arm or intervention descriptions name instead.
"""

from __future__ import annotations

from index.language.vocabulary import drug_names, shared_stem
from index.models import Fact, FactKind, Trial

_SEX_WORDS = {"all": "all sexes", "female": "female", "male": "male"}


def find_conflicts(trial: Trial) -> list[str]:
    """Readable notes, one per contradiction found; empty when the record agrees with itself."""
    return [*_sex_conflicts(trial), *_age_conflicts(trial), *_drug_conflicts(trial)]


def _structured(trial: Trial, kind: FactKind) -> list[Fact]:
    return [f for f in trial.facts_of(kind) if f.source == "structured"]


def _criterion_facts(trial: Trial, kind: FactKind) -> list[Fact]:
    return [f for f in trial.facts_of(kind) if f.source != "structured"]


def _sex_conflicts(trial: Trial) -> list[str]:
    if not trial.sex:
        return []
    structured = trial.sex.lower()
    field = next((f.quote for f in _structured(trial, FactKind.SEX)), trial.sex)
    notes = []
    named = _criterion_facts(trial, FactKind.SEX)
    # "men aged 55 or over", "women aged 65 or over": inclusions for each sex are alternatives that
    # together take all sexes, as the field says (index/trial_fields.py `criteria_sexes`)
    alternatives = structured == "all" and {"male", "female"} <= {
        f.term for f in named if f.source == "inclusion"
    }
    for fact in named:
        if alternatives and fact.source == "inclusion":
            continue
        if fact.term and fact.term != structured:
            notes.append(
                f'The eligible-sex field says "{field}" ({_SEX_WORDS.get(structured, structured)}), but '
                f'{fact.source} criterion {fact.criterion_number} says "{fact.quote}" '
                f"({_SEX_WORDS.get(fact.term, fact.term)})."
            )
    return notes


def _age_conflicts(trial: Trial) -> list[str]:
    notes = []
    for fact in _criterion_facts(trial, FactKind.AGE):
        for bound, field_years, written, name in (
            (fact.low, trial.min_age_years, trial.min_age, "minimum"),
            (fact.high, trial.max_age_years, trial.max_age, "maximum"),
        ):
            # A field the record does not state is not evidence of anything: compare stated ones.
            if bound is None or field_years is None or bound == field_years:
                continue
            if fact.comparator in ("<", ">") and abs(bound - field_years) <= 1:
                continue  # "under 50" and a field of "49 Years" say the same in whole years
            notes.append(
                f'The {name} eligible age field is "{written}", but {fact.source} criterion '
                f'{fact.criterion_number} says "{fact.quote}" ({name} {bound:g} years).'
            )
    return notes


def _drug_conflicts(trial: Trial) -> list[str]:
    """An intervention named X whose descriptions name a different drug of X's family instead."""
    names = {i.name.lower() for i in trial.interventions}
    notes = []
    for intervention in trial.interventions:
        own = intervention.name.split()[0].lower()
        places = [(f'the "{intervention.name}" intervention description', intervention.description)]
        places += [
            (f'the "{arm.label}" arm description', arm.description)
            for arm in trial.arms
            if not arm.interventions or intervention.name.lower() in (n.lower() for n in arm.interventions)
        ]
        found: dict[str, tuple[str, list[str]]] = {}  # drug (lower case) -> (as first written, where)
        for where, text in places:
            if not text or own in text.lower():
                continue  # the description names the drug itself: another name is not a swap
            for other, offset in drug_names(text):
                if other not in names and other != own and shared_stem(own, other):
                    written_here = text[offset : offset + len(other)]
                    wheres = found.setdefault(other, (written_here, []))[1]
                    if where not in wheres:
                        wheres.append(where)
        for written, wheres in found.values():
            notes.append(
                f'The intervention is named "{intervention.name}", but {" and ".join(wheres)} '
                f'name{"s" if len(wheres) == 1 else ""} "{written}", a different drug of the same '
                f"family (-{shared_stem(own, written)})."
            )
    return notes
