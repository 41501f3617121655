"""Which concepts a piece of clinical text denies: NegEx (negspacy's spaCy component) over the
concepts the vocabulary found, with its clinical termset changed by `negation.yaml`.

negspacy rather than hand-written cues: its termset carries the pseudo-negations ("no change",
"not ruled out") and terminations ("no fever but AF") that a list of negation words misses, and
each of those misses reads a present condition as absent, which offers a trial the patient is
excluded from. medspaCy's ConText (negation plus history, family and uncertainty) was the first
choice, but on Python 3.11 it pins spaCy < 3.8, which needs NumPy < 2 and would downgrade the
ONNX runtime's ml_dtypes and pandas under the rest of the project; negspacy runs on spaCy 3.8.

The caller chooses the scope: one clause of a patient description is one NegEx sentence, so a cue
never reaches past the clause it was written in. spaCy is imported on first use only (patient
descriptions need it; other questions do not).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from index.language.data import load

if TYPE_CHECKING:
    from spacy.language import Language

_LABEL = "CONCEPT"
_KEYS = {
    "preceding": "preceding_negations",
    "following": "following_negations",
    "pseudo": "pseudo_negations",
    "termination": "termination",
}


def termset() -> dict[str, list[str]]:
    """negspacy's clinical termset with negation.yaml's additions and removals applied."""
    from negspacy.termsets import termset as negspacy_termset

    patterns: dict[str, list[str]] = negspacy_termset("en_clinical").get_patterns()
    changes: dict[str, Any] = load("negation.yaml")
    for key, cues in changes.get("add", {}).items():
        held = patterns[_KEYS[key]]
        held += [str(cue) for cue in cues if str(cue) not in held]
    for key, cues in changes.get("remove", {}).items():
        dropped = {str(cue) for cue in cues}
        patterns[_KEYS[key]] = [cue for cue in patterns[_KEYS[key]] if cue not in dropped]
    return patterns


@cache
def _pipeline() -> Language:
    import negspacy.negation  # noqa: F401  (registers the "negex" factory)
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("negex", config={"neg_termset": termset(), "ent_types": [_LABEL]})
    return nlp


def negated(text: str, spans: Sequence[tuple[int, int]]) -> list[bool]:
    """For each (start, end) character span of `text` that names a concept: whether `text` denies it.
    The whole text is one scope (a clause); overlapping spans are each judged on their own."""
    if not spans:
        return []
    nlp = _pipeline()
    verdicts: list[bool] = []
    for start, end in spans:  # one at a time: spaCy entities may not overlap
        doc = nlp.make_doc(text)
        span = doc.char_span(start, end, label=_LABEL, alignment_mode="expand")
        if span is None:  # only whitespace: nothing to deny
            verdicts.append(False)
            continue
        doc.ents = [span]
        for token in doc:
            token.is_sent_start = token.i == 0
        verdicts.append(bool(nlp.get_pipe("negex")(doc).ents[0]._.negex))
    return verdicts


def denial_only(text: str) -> bool:
    """Whether `text` is nothing but a cue that denies what came before it ("neg", "not detected")."""
    return " ".join(text.lower().split()) in _following_cues()


@cache
def _following_cues() -> frozenset[str]:
    return frozenset(termset()["following_negations"])


def denies_everything_else(text: str) -> bool:
    """Whether `text` says the person has no condition beyond those it names ("otherwise well")."""
    return _nothing_else().search(text) is not None


@cache
def _nothing_else() -> re.Pattern[str]:
    patterns = [str(p).replace(" ", r"\s+") for p in load("negation.yaml")["nothing_else"]]
    alternatives = "|".join(sorted(patterns, key=len, reverse=True))
    return re.compile(r"\b(?:" + alternatives + r")\b", re.IGNORECASE)
