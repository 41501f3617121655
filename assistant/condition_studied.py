"""The condition a trial is for, judged against the patient's: a trial the registry lists for axial
spondyloarthritis is not for a patient described with cirrhosis and asthma, however many of its
other criteria the description happens to meet.

The trial's side is its registry "Conditions" (those that name a disease: not its drug names, nor
"Healthy"). The patient's side is the description: the vocabulary's concepts (with their broader
terms: NSCLC is a solid tumour), every word it affirms (negation by the language core), the
conditions its lab values are called (platelets 45 is thrombocytopenia), and its shorthand read in
the trial record's own definitions ("nr-axSpA" where the record writes "non-radiographic axial
spondyloarthritis (nr-axSpA)").

Met when the patient has one of the trial's conditions; not met when the description names diseases
and none of them is one (or it denies the condition); unknown when it names no disease at all. Words
are matched leniently (the disease word, and half of the rest): a loose "met" leaves the trial to its
other criteria, as before this check existed, while a wrong "not met" would hide a trial.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, replace
from functools import lru_cache

from assistant.evidence import criterion_citation, find_quote
from assistant.models import Citation, Status
from assistant.quantities import convert
from assistant.query import ConceptState, PatientProfile
from assistant.vignette import clauses, continues_denied_list, said_of_a_relative
from index.language.abbreviations import spelt_out_in
from index.language.negation import negated
from index.language.units import analytes
from index.language.vocabulary import Term, concept, concept_is_condition, concept_matches
from index.language.when import days_ago
from index.language.words import asks_for_healthy, condition_qualifiers, disease_words, names_a_measure, stems
from index.models import Criterion, Trial

_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*", re.IGNORECASE)
# Shorthand a record may define: a short token with a capital past its first letter ("CF",
# "nr-axSpA", "ESRD"); not a word capitalised to open a sentence ("Which", "Patient").
_SHORT_FORM = re.compile(r"(?<![\w-])(?=[\w-]+[A-Z])[A-Za-z][\w-]{1,9}(?![\w-])")
_SHOWN_DISEASES = 3
_NO_WORDS: frozenset[str] = frozenset()
_ANY_OF_MANY = re.compile(
    r"cancers?|carcinomas?|tumou?rs?|neoplasms?|malignan\w*|metastas[ie]s|mets|infections?|infected"
)
_IN_THE_PAST = re.compile(r"\b(?:history of|hx of|h/o|prior|previous|past|had|former)\b", re.IGNORECASE)


@dataclass(frozen=True)
class DescribedConditions:
    """What a patient's description says of the patient's conditions, read once per question."""

    words: frozenset[str]  # stems of every word it affirms, concept names and lab-named conditions
    diseases: tuple[str, ...]  # the diseases it names, in its words; empty: it names none
    short_forms: tuple[str, ...]  # its shorthand, to be read in each record's own definitions
    nothing_else: bool = False  # it says the patient has no other condition ("healthy", "otherwise well")


# one object per registry condition (`_condition_name`, `_plain_name`): checks remember what a
# description says of each by identity
@dataclass(frozen=True, eq=False)
class _ConditionName:
    """A registry condition that names a disease, as words to look for in a description."""

    written: str
    terms: tuple[Term, ...]  # the vocabulary's concepts in it
    disease: frozenset[str]  # stems of its disease words ("spondyloarthritis" in "Axial Spondyloarthritis")
    distinctive: frozenset[str]  # stems of every word but its stage and severity


def short_forms(patient: PatientProfile) -> tuple[str, ...]:
    """The description's shorthand ("CF", "nr-axSpA"), to be looked up in the records' definitions."""
    return tuple(dict.fromkeys(_SHORT_FORM.findall(patient.description)))


def glossary(trials: Sequence[Trial], patient: PatientProfile) -> dict[str, str]:
    """The description's shorthand spelt out by the records: each record's own definitions first
    ("cystic fibrosis (CF)"), then the disease names in registry conditions and titles that an
    initialism abbreviates ("PCOS": Polycystic Ovary Syndrome), when the records agree on one."""
    shorthand = [s for s in short_forms(patient) if not concept_matches(s)]  # "HER2", "AF": known
    if not shorthand:  # nothing to spell out: no record need be read
        return {}
    found = {s: t.abbreviations[s] for t in trials for s in shorthand if s in t.abbreviations}
    spelt: dict[str, set[str]] = {}
    for short in (s for s in shorthand if s not in found):
        for trial in trials:
            for phrase in _disease_phrases(tuple(trial.conditions), trial.title):
                if phrase[0].lower() == short[0].lower() and spelt_out_in(short, phrase) == phrase:
                    spelt.setdefault(short, set()).add(phrase.lower())
    return found | {short: next(iter(names)) for short, names in spelt.items() if len(names) == 1}


@lru_cache(maxsize=50_000)
def _disease_phrases(conditions: tuple[str, ...], title: str) -> tuple[str, ...]:
    """Runs of 2 to 6 words ending in a disease word, in the registry conditions and the title."""
    phrases = []
    for name in (*conditions, title):
        words = name.replace(",", " ").split()
        for end, word in enumerate(words):
            if disease_words(word) and not names_a_measure(word):
                phrases += [" ".join(words[start : end + 1]) for start in range(max(0, end - 5), end)]
    return tuple(dict.fromkeys(phrases))


def describe(patient: PatientProfile, glossary: Mapping[str, str]) -> DescribedConditions:
    """`glossary`: long forms the records being matched define for the description's shorthand
    ("CF": "cystic fibrosis"), so that a disease the patient is described with in shorthand is named."""
    present = tuple((s.name, s.days_ago is None) for s in patient.concepts if s.present)
    spelt_out = tuple(sorted(glossary.items()))
    described = _describe(patient.description, present, tuple(_lab_conditions(patient)), spelt_out)
    return replace(described, nothing_else=patient.nothing_else)


class ConditionJudge:
    """The condition each trial is for, judged against one patient's description. What the
    description says of each registry condition is worked out once per question (registries list
    the same conditions for many trials: "Breast Cancer"), each trial's side once per record."""

    def __init__(self, described: DescribedConditions) -> None:
        self.described = described
        self._outcomes: dict[_ConditionName, bool | None] = {}

    def check(
        self, trial: Trial, state_for: Callable[[Term], tuple[ConceptState | None, str]]
    ) -> tuple[Status, str, Citation | None] | None:
        """(status, detail, citation) for the condition the trial is for, or for its asking healthy
        people; None when its registry names no disease, or it also takes healthy volunteers and the
        description names no illness of the patient's (then a patient need not have any).
        `state_for`: the patient's state for a vocabulary concept (passed, not kept: the caller
        holding this judge would otherwise be in a reference cycle with it)."""
        described = self.described
        side = _studied_side(trial)
        if side.healthy is not None:
            return _healthy_check(side.healthy, described)
        names, listed = side.names, side.listed
        if names and trial.healthy_volunteers and described.nothing_else:
            # flagged for healthy volunteers, yet an inclusion asks for what it studies ("Having current
            # acute or sub-acute low back pain"): a patient described as well does not have it
            asking = _inclusion_naming(trial, names)
            if asking is not None:
                detail = f"the trial's inclusion asks for {listed}; the description says the patient is well"
                return "not met", detail, criterion_citation(trial, asking)
        if not names or (trial.healthy_volunteers and not described.diseases):
            return None
        defined = _defined_words(trial, described.short_forms)
        outcomes = [self._has(name, defined, state_for) for name in names]
        for name, outcome in zip(names, outcomes, strict=True):
            if outcome:
                return "met", f"the trial studies {name.written}; the patient has it", _cite(trial, name)
        if trial.healthy_volunteers:
            # the patient has neither what the trial studies nor is a healthy volunteer: ill with another
            said = ", ".join(described.diseases[:_SHOWN_DISEASES])
            detail = f"the trial studies {listed} or takes healthy volunteers; the description names {said}"
            return "not met", detail, side.first
        shared = side.title_diseases & described.words
        if shared:  # "... Thrombocytopenia Caused by Cytotoxic Drugs in Breast Cancer": the patient's part
            quote = find_quote(trial, [trial.title])
            cite = Citation(nct_id=trial.nct_id, section="Title", quote=quote) if quote else None
            return "met", f"the trial's title names {', '.join(sorted(shared))}, which the patient has", cite
        if described.diseases or described.nothing_else or all(outcome is False for outcome in outcomes):
            said = ", ".join(described.diseases[:_SHOWN_DISEASES]) or (
                "no illness" if described.nothing_else else "none of them"
            )
            return "not met", f"the trial studies {listed}; the description names {said}", side.first
        return "unknown", f"the description does not say whether the patient has {listed}", side.first

    def _has(
        self,
        name: _ConditionName,
        defined: frozenset[str],
        state_for: Callable[[Term], tuple[ConceptState | None, str]],
    ) -> bool | None:
        if defined:  # the record's own definitions of the description's shorthand: this trial's alone
            return _has(name, self.described, defined, state_for)
        if name not in self._outcomes:
            self._outcomes[name] = _has(name, self.described, _NO_WORDS, state_for)
        return self._outcomes[name]


@dataclass(frozen=True)
class _StudiedSide:
    """What a trial is for, as the check reads it."""

    healthy: Citation | None  # the inclusion asking for healthy people, if one does
    names: tuple[_ConditionName, ...]  # the diseases it is for, as words to look for
    listed: str  # them listed
    first: Citation | None  # the record's words for the first
    title_diseases: frozenset[str]


def _studied_side(trial: Trial) -> _StudiedSide:
    """Read once per record: every vignette asks it of every trial."""

    def read() -> _StudiedSide:
        healthy = _asking_for_healthy(trial)
        named = [n for c in trial.conditions if (n := _condition_name(c)) is not None]
        names = tuple(named or _named_by_title(trial))
        quote = find_quote(trial, [names[0].written]) if names else None
        return _StudiedSide(
            healthy=criterion_citation(trial, healthy) if healthy is not None else None,
            names=names,
            listed=", ".join(dict.fromkeys(n.written for n in names)),
            first=Citation(nct_id=trial.nct_id, section="Conditions", quote=quote) if quote else None,
            title_diseases=_title_diseases(trial.title),
        )

    # the quotes are the record text's: a copy of the record under another ID (another text) reads again
    return trial.remembered("condition studied", (trial.inclusion, trial.conditions, trial.text), read)


def _inclusion_naming(trial: Trial, names: Sequence[_ConditionName]) -> Criterion | None:
    """The first inclusion about the patient that affirms one of the trial's conditions: its disease
    words and most of its other words."""
    for criterion in trial.patient_inclusion:
        found = list(_WORD.finditer(criterion.text))
        denied = negated(criterion.text, [(m.start(), m.end()) for m in found])
        words = stems(m.group(0).lower() for m, no in zip(found, denied, strict=True) if not no)
        if any(name.disease and _named_in(name, words) for name in names):
            return criterion
    return None


def _asking_for_healthy(trial: Trial) -> Criterion | None:
    for criterion in trial.patient_inclusion:
        found = asks_for_healthy(criterion.text)
        if found and not negated(criterion.text, [found.span()])[0]:
            return criterion
    return None


def _healthy_check(cite: Citation, described: DescribedConditions) -> tuple[Status, str, Citation | None]:
    if described.diseases:
        said = ", ".join(described.diseases[:_SHOWN_DISEASES])
        return "not met", f"the trial takes healthy people; the description names {said}", cite
    if described.nothing_else:
        return "met", "the trial takes healthy people; the description says the patient is well", cite
    return "unknown", "the trial takes healthy people: confirm the patient has no illness", cite


def _has(
    name: _ConditionName,
    described: DescribedConditions,
    defined: frozenset[str],
    state_for: Callable[[Term], tuple[ConceptState | None, str]],
) -> bool | None:
    """True: the patient has it; False: the description denies it; None: it does not say."""
    for term in name.terms:
        state, _ = state_for(term)
        if state is not None:
            return state.present
    return True if _named_in(name, described.words | defined) else None


def _named_in(name: _ConditionName, words: Set[str]) -> bool:
    """Whether word stems name the condition: its disease words, and half of its other words."""
    if not name.distinctive or not name.disease <= words:
        return False
    return len(name.distinctive & words) >= math.ceil(len(name.distinctive) / 2)


def _cite(trial: Trial, name: _ConditionName) -> Citation | None:
    quote = find_quote(trial, [name.written])
    return Citation(nct_id=trial.nct_id, section="Conditions", quote=quote) if quote else None


def _defined_words(trial: Trial, short_forms: tuple[str, ...]) -> frozenset[str]:
    """The words the record's own definitions give the description's shorthand."""
    long_forms = [trial.abbreviations[s] for s in short_forms if s in trial.abbreviations]
    if not long_forms:  # most records define none of them
        return _NO_WORDS
    return frozenset(stems(w.lower() for form in long_forms for w in _WORD.findall(form)))


@lru_cache(maxsize=50_000)
def _title_diseases(title: str) -> frozenset[str]:
    """Stems of the specific diseases a title names: not "cancer" or "infection", which any of many is."""
    words = [w.lower() for m in disease_words(title) for w in _WORD.findall(m.group(0))]
    return frozenset(
        stems(w for w in words if w not in condition_qualifiers() and not _ANY_OF_MANY.fullmatch(w))
    )


def _named_by_title(trial: Trial) -> list[_ConditionName]:
    """Registry conditions in words no disease list knows ("Tennis Elbow"), when the title names a
    disease ("... Chronic Lateral Epicondylitis"): the trial is for a disease, which the patient has
    when the description says those words or the title's."""
    if not _title_diseases(trial.title) or any(asks_for_healthy(c) for c in trial.conditions):
        return []
    return [_plain_name(written) for written in (*trial.conditions, trial.title)]


@lru_cache(maxsize=50_000)
def _plain_name(written: str) -> _ConditionName:
    words = [w.lower() for w in _with_parts(_WORD.findall(written))]
    qualifiers = condition_qualifiers()
    distinctive = stems(w for w in words if w not in qualifiers and len(w) > 1 and "-" not in w)
    return _ConditionName(written=written, terms=(), disease=frozenset(), distinctive=frozenset(distinctive))


@lru_cache(maxsize=50_000)
def _condition_name(written: str) -> _ConditionName | None:
    terms = tuple(m.term for m in concept_matches(written) if concept_is_condition(m.term))
    disease = [w.lower() for m in disease_words(written) for w in _WORD.findall(m.group(0))]
    if not terms and not disease:
        return None  # a drug, "Healthy", "Radiotherapy Side Effect": not a disease a patient has
    qualifiers = condition_qualifiers()
    words = [w.lower() for w in _WORD.findall(written)]
    return _ConditionName(
        written=written,
        terms=terms,
        disease=frozenset(stems(w for w in disease if w not in qualifiers)),
        distinctive=frozenset(
            stems(w for w in _with_parts(words) if w not in qualifiers and len(w) > 1 and "-" not in w)
        ),
    )


def _with_parts(words: Iterable[str]) -> list[str]:
    """Hyphenated words with their parts ("chemotherapy-induced" also "chemotherapy", "induced"): a
    description says "thrombocytopenia after chemo" where a registry writes "Chemotherapy-induced";
    and written as one word ("pre-eclampsia" also "preeclampsia")."""
    return [
        part
        for word in words
        for part in (word, *((*word.split("-"), word.replace("-", "")) if "-" in word else ()))
    ]


def _lab_conditions(patient: PatientProfile) -> list[str]:
    """The conditions the patient's lab values are called: platelets 45 x10^9/L is thrombocytopenia."""
    named = []
    for analyte in analytes():
        quantity = patient.labs.get(analyte.kind) if analyte.kind is not None else None
        if quantity is None or analyte.low_is is None:
            continue
        below, unit, condition = analyte.low_is
        value = convert(quantity, unit, analyte.kind)
        if value is not None and value < below:
            named.append(condition)
    return named


@lru_cache(maxsize=1_000)
def _describe(
    description: str,
    present: tuple[tuple[str, bool], ...],  # concepts the patient has, and whether now (not only in the past)
    lab_conditions: tuple[str, ...],
    spelt_out: tuple[tuple[str, str], ...],
) -> DescribedConditions:
    words: set[str] = set()
    diseases: list[str] = []
    affirmed_text: set[str] = set()  # the words it affirms as written, for its shorthand
    carried = False  # the clause before ended denied ("no heart", then "kidney or liver problems")
    for clause in clauses(description):
        if said_of_a_relative(clause):
            carried = False
            continue  # "mum had breast cancer at 68": not what the patient has
        found = list(_WORD.finditer(clause))
        continued = carried and continues_denied_list(clause)
        denied = [True] * len(found) if continued else negated(clause, [(m.start(), m.end()) for m in found])
        carried = bool(denied) and denied[-1]
        affirmed = [m.group(0) for m, no in zip(found, denied, strict=True) if not no]
        affirmed_text.update(affirmed)
        words |= stems(w.lower() for w in _with_parts(affirmed))
        if _IN_THE_PAST.search(clause) or days_ago(clause) is not None:
            continue  # "MI ~9 months ago", "hx of DVT": the patient's history, not what they have now
        named = [m for m in disease_words(clause) if m.group(0).lower() not in condition_qualifiers()]
        denied = [True] * len(named) if continued else negated(clause, [(m.start(), m.end()) for m in named])
        diseases += [m.group(0).lower() for m, no in zip(named, denied, strict=True) if not no]
    for name, current in present:
        entry = concept(name)
        if entry is None:
            continue
        for written in (entry.name, *entry.broader):
            words |= stems(w.lower() for w in _WORD.findall(written))
        if current and concept_is_condition(entry):
            diseases.insert(0, entry.name)
    for condition in lab_conditions:  # evidence a trial for it is the patient's, never a diagnosis
        words |= stems(w.lower() for w in _WORD.findall(condition))
    for short, long_form in spelt_out:
        if short in affirmed_text and disease_words(long_form) and not names_a_measure(long_form):
            words |= stems(w.lower() for w in _WORD.findall(long_form))
            diseases.append(long_form.lower())
    return DescribedConditions(
        words=frozenset(words),
        diseases=tuple(dict.fromkeys(diseases)),
        short_forms=tuple(dict.fromkeys(_SHORT_FORM.findall(description))),
    )
