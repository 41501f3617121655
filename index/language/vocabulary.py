"""Canonical names for the conditions, drugs and drug classes that eligibility criteria mention.

The vocabulary itself is data, `vocabulary.yaml` beside this module, which a clinician can extend
without touching code. One vocabulary serves the fact extractor (criterion text -> canonical
`term`) and anyone who needs to read a question with the same words (`find_terms`). Each entry lists spelling
variants and synonyms as regular expressions; `broader` names the general term a specific one
also counts as ("heart failure" is a "cardiac disease"), so a question about the general term
finds criteria that only name a specific one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any, Literal

from index.language.abbreviations import restating_asides
from index.language.data import load
from index.models import Trial


@dataclass(frozen=True)
class Term:
    name: str
    patterns: tuple[str, ...]
    broader: tuple[str, ...] = ()
    # Some terms mean something only in one section: an inclusion that mentions a procedure
    # ("stop radiotherapy 1 month before") does not require it, and an exclusion that mentions
    # thrombocytopenia ("thrombocytopenia from other causes") in a thrombocytopenia trial does
    # not exclude the disease under study.
    only_in: Literal["inclusion", "exclusion"] | None = None
    negates: tuple[str, ...] = ()  # "HER2-negative" says the patient does not have "HER2-positive"
    family: str | None = None  # "primary cancer": a patient has one, so another member rules it out
    tested: bool = False  # reported by a laboratory test: "HIV, HBV, HCV, syphilis neg" is each one's result
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        joined = "|".join(self.patterns)
        object.__setattr__(self, "regex", re.compile(rf"(?<![\w-])(?:{joined})(?![\w])", re.IGNORECASE))


def _data() -> dict[str, Any]:
    return load("vocabulary.yaml")


@lru_cache(maxsize=1)
def _broader_closure() -> dict[str, tuple[str, ...]]:
    """Each entry's broader terms with theirs in turn, nearest first: "paclitaxel" is a cytotoxic
    drug, so a chemotherapy, so an anticancer therapy, without every member listing every level."""
    direct: dict[str, list[str]] = {}
    for section in ("conditions", "drug_classes", "routes"):
        for entry in _data()[section]:
            direct.setdefault(entry["name"], []).extend(entry.get("broader", ()))
    closed: dict[str, tuple[str, ...]] = {}
    for name in direct:
        seen: list[str] = []
        queue = list(direct[name])
        while queue:
            term = queue.pop(0)
            if term != name and term not in seen:
                seen.append(term)
                queue.extend(direct.get(term, ()))
        closed[name] = tuple(seen)
    return closed


def _terms(section: str) -> tuple[Term, ...]:
    fragments: dict[str, str] = _data().get("fragments", {})

    def expand(pattern: str) -> str:
        for name, fragment in fragments.items():
            pattern = pattern.replace("{" + name + "}", fragment)
        return pattern

    return tuple(
        Term(
            entry["name"],
            tuple(expand(p) for p in entry["patterns"]),
            broader=_broader_closure()[entry["name"]],
            only_in=entry.get("only_in"),
            negates=tuple(entry.get("negates", ())),
            family=entry.get("family"),
            tested=bool(entry.get("tested", False)),
        )
        for entry in _data()[section]
    )


CONDITIONS: tuple[Term, ...] = _terms("conditions")
DRUG_CLASSES: tuple[Term, ...] = _terms("drug_classes")
_CONDITION_NAMES = frozenset(t.name for t in CONDITIONS)
_TREATMENT_NAMES = frozenset(t.name for t in DRUG_CLASSES)
ROUTES: tuple[Term, ...] = _terms("routes")
# International Nonproprietary Name stems: a word ending in one of these names a drug of that
# family. Used to spot drug names no list knows and to compare drugs of one family.
INN_STEMS: tuple[str, ...] = tuple(_data()["inn_stems"])
_STEM_RE = re.compile(
    r"\b([A-Za-z][a-z]+(?:" + "|".join(sorted(INN_STEMS, key=len, reverse=True)) + r"))\b", re.IGNORECASE
)


@dataclass(frozen=True)
class TermMatch:
    term: Term
    start: int
    end: int


def _scan(text: str, terms: tuple[Term, ...]) -> list[TermMatch]:
    """Every term match in order; where two overlap the longer wins ("heart failure" over "heart").
    A parenthesis restating the words beside it is read past: "CNS (central nervous system)
    metastases" names CNS metastases."""
    asides = restating_asides(text) if "(" in text else []
    if asides:
        return [_back_in(text, asides, m) for m in _scan(_without(text, asides), terms)]
    found = [TermMatch(t, m.start(), m.end()) for t in terms for m in t.regex.finditer(text)]
    found.sort(key=lambda m: (m.start - m.end, m.start))
    kept: list[TermMatch] = []
    for match in found:
        if all(match.end <= k.start or match.start >= k.end for k in kept):
            kept.append(match)
    return sorted(kept, key=lambda m: m.start)


def _without(text: str, spans: Sequence[tuple[int, int]]) -> str:
    kept, at = [], 0
    for start, end in spans:
        kept.append(text[at:start])
        at = end
    return "".join([*kept, text[at:]])


def _back_in(text: str, spans: Sequence[tuple[int, int]], match: TermMatch) -> TermMatch:
    """A match in the text without `spans`, placed in the text with them."""

    def place(position: int, ending: bool) -> int:
        for start, end in spans:
            if position > start or (position == start and not ending):
                position += end - start
        return position

    return TermMatch(match.term, place(match.start, ending=False), place(match.end, ending=True))


def condition_matches(text: str) -> list[TermMatch]:
    return _scan(text, CONDITIONS)


def drug_matches(text: str) -> list[TermMatch]:
    """Named drug classes and single drugs (by INN stem), in order of appearance."""
    matches = _scan(text, DRUG_CLASSES)
    for m in _STEM_RE.finditer(text):
        if any(x.start <= m.start() < x.end for x in matches):
            continue
        name = m.group(1).lower()
        matches.append(TermMatch(Term(name, (re.escape(name),)), m.start(), m.end()))
    matches.sort(key=lambda x: x.start)
    return matches


def shared_stem(first: str, second: str) -> str | None:
    """The longest INN stem both drug names end with ("herombopag", "eltrombopag" -> "bopag")."""
    a, b = first.lower(), second.lower()
    for stem in sorted(INN_STEMS, key=len, reverse=True):
        if a.endswith(stem) and b.endswith(stem) and min(len(a), len(b)) >= len(stem) + 2:
            return stem
    return None


def drug_names(text: str) -> Iterator[tuple[str, int]]:
    """Single drug names (words with an INN stem) in `text`, lower-cased, with their offsets."""
    for m in _STEM_RE.finditer(text):
        yield m.group(1).lower(), m.start()


@cache
def _all_terms() -> tuple[Term, ...]:
    return CONDITIONS + DRUG_CLASSES + ROUTES


@cache
def concept(name: str) -> Term | None:
    """The vocabulary entry with this canonical name."""
    return next((t for t in _all_terms() if t.name == name), None)


def concept_is_condition(term: Term) -> bool:
    """Diseases, findings and states a patient has (the conditions section)."""
    return term.name in _CONDITION_NAMES


def concept_is_treatment(term: Term) -> bool:
    """Drugs, drug classes, regimens and procedures given to a patient (the drug_classes section)."""
    return term.name in _TREATMENT_NAMES


@cache
def negated_by_some(name: str) -> bool:
    """Whether some concept says a patient lacks this one ("HER2-negative" for "HER2-positive")."""
    return any(name in t.negates for t in _all_terms())


def concept_matches(text: str) -> list[TermMatch]:
    """Every vocabulary concept (condition, drug or class, route) `text` names, in order."""
    stored = _stored.get(text)
    return list(stored if stored is not None else _concept_matches(text))


def concept_spans(text: str) -> list[tuple[int, int, int]]:
    """What `concept_matches(text)` finds, as (place in the vocabulary, start, end): what a criterion
    stores when it is indexed (Criterion.concepts)."""
    place = _places()
    return [(place[id(m.term)], m.start, m.end) for m in _concept_matches(text)]


def remember_concepts(text: str, spans: Sequence[tuple[int, int, int]]) -> None:
    """Take back what `concept_spans(text)` found when a record was indexed: the stored record was
    read with this very vocabulary (it is part of the index's fingerprint), so its spans are what a
    scan would find now, without the ~150 patterns being run over the text again."""
    if text in _stored or len(_stored) >= _STORED_LIMIT:
        return
    terms = _all_terms()
    _stored[text] = tuple(TermMatch(terms[i], start, end) for i, start, end in spans)


def remembered(trial: Trial) -> Trial:
    """The trial, its criteria's stored concepts taken back (`remember_concepts`)."""
    for criterion in trial.criteria:
        if criterion.concepts is not None:
            remember_concepts(criterion.text, criterion.concepts)
    return trial


# Concepts of criterion texts taken back from stored records (remember_concepts), at most this many
# texts: a serving process holds every record anyway, and the texts of several generations of an
# index are mostly the same.
_STORED_LIMIT = 2_000_000
_stored: dict[str, tuple[TermMatch, ...]] = {}


@cache
def _places() -> dict[int, int]:
    return {id(term): place for place, term in enumerate(_all_terms())}


@lru_cache(maxsize=200_000)
def _concept_matches(text: str) -> tuple[TermMatch, ...]:
    # Matching judges every criterion of every trial against a vignette: criteria repeat across
    # questions, so each is scanned once per process.
    return tuple(_scan(text, _all_terms()))


def find_terms(text: str) -> list[str]:
    """Canonical names of every condition or drug class `text` mentions (e.g. in a question)."""
    names: list[str] = []
    for match in concept_matches(text):  # a criterion's, as stored when it was indexed
        for name in (match.term.name, *match.term.broader):
            if name not in names:
                names.append(name)
    return names
