"""The words a trial is known by ("the Tianjin herombopag trial", "the randomised one"): its directory
keys. The fact store keeps them per trial (index/fact_store.py) and the assistant's directory reads
questions with the same keys (assistant/subjects.py), so both sides are derived here."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from index.keywords import content_words, singular
from index.models import Trial

# Words that describe any trial: they never identify one.
GENERIC = frozenset(
    {"study", "trial", "protocol", "phase", "clinical", "treatment", "therapy", "patients", "cancer", "one"}
    | {"hospital", "university", "randomized", "randomised", "single", "arm", "open", "label"}
    | {"multicenter", "multi", "center", "prospective", "drug", "drugs", "medicine", "medicines", "tablet"}
    | {"tablets", "injection", "participants", "people", "subjects", "efficacy", "safety", "evaluation"}
)
# Registry fields a trial is described by ("the randomised one", "the open-label study"), read with
# the words questions use for their values (index/language/registry.yaml).
DESCRIBING_FIELDS = ("status", "allocation", "intervention_model", "masking", "primary_purpose")


def identity_keys(trial: Trial) -> set[str]:
    """Every key the trial holds: its identifying words (singular forms) and registry values."""
    keys = _value_keys(trial)
    for text in _identity_text(trial):
        keys.update(word_keys(text))
    return keys


@lru_cache(maxsize=65_536)  # records repeat their sites' cities and countries, and sponsors
def word_keys(text: str) -> frozenset[str]:
    """The identifying words of a text, as keys (singular forms)."""
    return frozenset(singular(word) for word in content_words(text) - GENERIC)


def value_key(field: str, value: str) -> str:
    return f"{field}={value.upper()}"


def _identity_text(trial: Trial) -> Iterable[str]:
    yield from (trial.brief_title or "", trial.official_title or "")
    yield from trial.conditions
    yield from trial.keywords
    yield from (i.name for i in trial.interventions)
    yield from (s.name for s in trial.sponsors)
    for site in trial.sites:
        yield from (site.facility or "", site.city or "", site.state or "", site.country or "")
    yield from (c.affiliation or "" for c in trial.investigators)
    yield from (c.name or "" for c in trial.investigators)
    yield from (a.label for a in trial.arms)  # "the one with the rhTPO arm"
    yield from trial.other_ids  # the sponsor's own protocol number: "trial HNCH-MBC10"


def _value_keys(trial: Trial) -> set[str]:
    """The trial's registry values as keys: "allocation=RANDOMIZED"."""
    values = [(f, getattr(trial, f)) for f in DESCRIBING_FIELDS]
    values += [("intervention_type", i.type) for i in trial.interventions]
    return {value_key(field, value) for field, value in values if value}
