"""The model reads what the rule-based reader left unread; a deterministic resolver decides what of
its reading is used.

A number in the question is *unread* when taking it out leaves the rules' `Query` unchanged: the
rules did not use it. Only then is the model asked, through `with_structured_output`, for a
`QuestionReading`. The resolver accepts a reading only when every field holds:
- NCT IDs exist in the index and are written in the question;
- each value quotes its evidence from the question, the evidence holds an unread number, the value
  is a number of the evidence, its comparator is written there, its unit is written there and
  converts (index/language/units.py), and the evidence ties the number to its kind (the analyte's
  name or one of its units; the scale's name for ECOG and Karnofsky; an age word for age) without
  naming another analyte;
- values lie in their kind's range.
One invalid field discards the whole reading (a model that got one thing wrong is not trusted with
the rest). Accepted values only fill what the rules left empty; the rules' reading always wins. The
engine then evaluates the `Query` over the records as for any question: the model never says which
trials match.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, WithJsonSchema

from assistant.quantities import (
    COMPARATOR_PATTERN,
    LAB_NAMES,
    Quantity,
    comparator_of,
    kind_name,
    normalise,
    parse_number,
)
from assistant.query import NumericTest, PatientProfile, Query, QuestionKind
from index.facts.kinds import registry, spec
from index.language.units import analytes, family_of, family_of_match, unit_pattern
from index.models import FactKind

# The kinds a patient has a number of (index/facts/kinds/: labs, scores, age), offered to the model
# by name and checked on the way back.
_VALUE_KINDS = [name for name, kind in registry().items() if kind.reads_a_value]


def _value_kind(name: str) -> str:
    if name not in _VALUE_KINDS:
        raise ValueError(f"{name!r} is not one of {', '.join(_VALUE_KINDS)}")
    return name


ValueKind = Annotated[
    str, AfterValidator(_value_kind), WithJsonSchema({"type": "string", "enum": _VALUE_KINDS})
]


class ReadValue(BaseModel):
    """A number the question states about a patient, or asks trials to accept."""

    kind: ValueKind = Field(description="What the number measures.")
    value: float = Field(description="The number exactly as the question writes it.")
    comparator: Literal["<", "<=", ">", ">=", "="] | None = Field(
        default=None, description="Only when the question writes one."
    )
    unit: str | None = Field(default=None, description="The unit as the question writes it, if any.")
    evidence: str = Field(description="The exact words of the question the value was read from.")


class QuestionReading(BaseModel):
    """A clinician's question about clinical trials, read into fields. It does not answer it."""

    kind: Literal["match", "set", "other"] = Field(
        description="match: could a described patient enter trials; set: which trials accept/require "
        "something; other: anything else."
    )
    nct_ids: list[str] = Field(default_factory=list, description="NCT IDs written in the question.")
    values: list[ReadValue] = Field(default_factory=list, description="Numbers the question states.")


class InvalidReading(ValueError):
    """A field of the model's reading failed the resolver; the message says which and why."""


# ---- what the rules left unread ----

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NOT_A_VALUE = re.compile(r"\bNCT\s?\d{8}\b|\b\d{4}-\d{2}(?:-\d{2})?\b", re.IGNORECASE)
_CONTEXT_WORDS = 3
_TIE_WORDS = 4  # a value's name or comparator is at most this many words before it


class Unread(BaseModel):
    start: int  # where the number starts in the question
    context: str  # the number with a few words either side, shown to the model


def unread_numbers(query: Query, reread: Callable[[str], Query]) -> list[Unread]:
    """Numbers of the question the rules' reading does not depend on. `reread` is the rule-based
    reader in the same conversation; each number is taken out in turn and the question read again."""
    text = query.question
    # NCT IDs, dates and the digits of units ("x10^9/L") are not values
    skipped = [m.span() for m in _NOT_A_VALUE.finditer(text)]
    skipped += [m.span() for m in re.finditer(unit_pattern(), text, re.IGNORECASE) if m.group(0).strip()]
    found: list[Unread] = []
    reading = _comparable(query)
    for match in _NUMBER.finditer(text):
        if any(start <= match.start() < end for start, end in skipped):
            continue
        without = text[: match.start()] + " " + text[match.end() :]
        if _comparable(reread(without)) == reading:
            found.append(Unread(start=match.start(), context=_context(text, match.start())))
    return found


def _comparable(query: Query) -> object:
    """A Query without the text it was read from (question, clauses), to compare two readings. A
    number inside a term's name was not read as a value ("accept zubrod 2" as the term "zubrod 2"),
    so term names are compared without their numbers."""

    def strip(value: object, key: str = "") -> object:
        if isinstance(value, dict):
            return {
                k: strip(v, k)
                for k, v in value.items()
                if k not in ("question", "patient_text", "clause", "description")
            }
        if isinstance(value, list):
            return [strip(v, key) for v in value]
        if key in ("term", "alternatives") and isinstance(value, str):
            return " ".join(_NUMBER.sub(" ", value).split())
        return value

    return strip(query.model_dump(mode="json"))


def _context(text: str, start: int) -> str:
    """The number and the words around it, as written: "docetaxel C3 D11, plt 41 today"."""
    words = list(re.finditer(r"\S+", text))
    at = next(i for i, word in enumerate(words) if word.end() > start)
    first, last = words[max(0, at - _CONTEXT_WORDS)], words[min(len(words) - 1, at + _CONTEXT_WORDS)]
    return text[first.start() : last.end()]


# ---- the resolver ----

# How each kind is named next to its value: a lab by its analytes.yaml names, a score or age by its module.
_NAMES: dict[str, str] = {name: LAB_NAMES.get(name) or kind.names or "" for name, kind in registry().items()}
_NAMES = {name: names for name, names in _NAMES.items() if names and name in _VALUE_KINDS}
_NUDGE = {"<": -1e-6, ">": 1e-6}  # a patient's "plt < 50" is just under 50, as the rules read it


def _names(kind: str, text: str) -> bool:
    return re.search(rf"(?<![\w-])(?:{_NAMES[kind]})(?![\w])", text, re.IGNORECASE) is not None


def _spans(evidence: str, question: str) -> list[tuple[int, int]]:
    wanted = re.escape(" ".join(evidence.split())).replace(r"\ ", r"\s+")
    return [m.span() for m in re.finditer(wanted, question, re.IGNORECASE)] if evidence.strip() else []


def check_value(read: ReadValue, question: str, unread: list[Unread]) -> tuple[str, Quantity]:
    """The value as the engine compares it, or InvalidReading saying which check it failed.

    The value must be an unread number of the evidence, and what ties it to its kind must sit right
    by it: the name (or comparator) in the few words before it with no other number between, the
    unit right after it. "ECOG 1, plt 45k, 3 cycles" gives platelets 45, never platelets 3."""
    kind = read.kind
    described = spec(kind)
    where = f"{read.kind} {read.value:g}"  # the model's own words are not echoed into the answer's notes
    spans = _spans(read.evidence, question)
    if not spans:
        raise InvalidReading(f"{where}: the evidence is not in the question")
    unread_starts = {u.start for u in unread}
    found = [
        (start, start + m.start(), start + m.end(), end)
        for start, end in spans
        for m in _NUMBER.finditer(question[start:end])
        if start + m.start() in unread_starts and parse_number(m.group(0)) == read.value
    ]
    if not found:
        raise InvalidReading(f"{where}: {read.value:g} is not a number of the evidence the rules left unread")
    start, number_start, number_end, end = found[0]
    lead = " ".join(re.split(r"\d", question[start:number_start])[-1].split()[-_TIE_WORDS:])
    tail = question[number_end:end]
    written = {comparator_of(m.group(0)) for m in re.finditer(COMPARATOR_PATTERN, lead, re.IGNORECASE)}
    if read.comparator not in (None, "=") and read.comparator not in written:
        raise InvalidReading(f"{where}: the comparator {read.comparator} is not written before the value")
    if read.unit is not None and not tail.lower().lstrip().startswith(read.unit.strip().lower()):
        raise InvalidReading(f"{where}: the unit {read.unit!r} is not written after the value")
    if any(_names(other, lead) for other in _NAMES if other != kind) and not _names(kind, lead):
        raise InvalidReading(f"{where}: the words before the value name another measure")
    low, high = described.plausible or (0, float("inf"))
    if not low <= read.value <= high or (described.whole_numbers and read.value != int(read.value)):
        raise InvalidReading(f"{where}: out of range for {kind_name(kind)}")
    if described.plausible is not None:  # a score or an age, named by the words around it
        if not _names(kind, lead + " " + " ".join(tail.split()[:1])):  # "ECOG 1", "68 years old"
            raise InvalidReading(f"{where}: {kind_name(kind)} is not named by the value")
        return kind, Quantity(value=read.value, unit=described.unit)
    unit = re.match(rf"\s*(?:{unit_pattern()})", tail, re.IGNORECASE)
    # Without its name, only a unit no other analyte is measured in ties a value to its kind: the
    # model may not choose between platelets and neutrophils for "thrombo 45 x10^9/L".
    family = family_of_match(unit) if unit is not None else None
    measured_in = [a.kind for a in analytes() if a.kind and family in a.units] if family else []
    if not (_names(kind, lead) or measured_in == [kind]):
        raise InvalidReading(
            f"{where}: neither {kind_name(kind)} nor a unit only it is measured in is written by the value"
        )
    if read.unit is not None and family_of(read.unit) is None:
        raise InvalidReading(f"{where}: the unit {read.unit!r} is not one the units table converts")
    quantity = normalise(kind, read.value, read.unit)
    if read.unit is not None and quantity.unit == read.unit:  # normalise leaves what it cannot convert
        raise InvalidReading(f"{where}: {read.unit!r} does not convert for {kind_name(kind)}")
    return kind, quantity.model_copy(
        update={"value": quantity.value + _NUDGE.get(read.comparator or "", 0.0)}
    )


def resolve(
    reading: QuestionReading, query: Query, unread: list[Unread], known_ids: Collection[str]
) -> tuple[Query, list[str]]:
    """The Query with what the model validly read added where the rules left it empty, and notes
    naming each addition. Raises InvalidReading when any field fails its check."""
    written_ids = {
        m.group(0).upper().replace(" ", "") for m in re.finditer(r"NCT\s?\d{8}", query.question, re.I)
    }
    for nct_id in reading.nct_ids:
        if nct_id not in known_ids or nct_id not in written_ids:
            named = nct_id if re.fullmatch(r"NCT\d{8}", nct_id) else "a malformed NCT ID"
            raise InvalidReading(f"it named {named}, which is not an indexed trial written in the question")
    values = [(read, *check_value(read, query.question, unread)) for read in reading.values]
    kind = query.kind
    if kind == QuestionKind.OPEN and not query.nct_ids and not query.has_tests() and values:
        kind = {"set": QuestionKind.SET, "match": QuestionKind.MATCH}.get(reading.kind, kind)
    notes: list[str] = []
    if kind == QuestionKind.MATCH:
        patient = query.patient or PatientProfile()
        for read, fact_kind, quantity in values:
            patient, added = _fill(patient, fact_kind, quantity)
            if added:
                notes.append(_note(read, fact_kind, quantity))
        update: dict[str, object] = {"kind": kind, "patient": patient}
        if query.patient_text is None:
            update["patient_text"] = query.question
        return query.model_copy(update=update), notes
    if kind == QuestionKind.SET:
        numeric, terms = list(query.numeric), list(query.terms)
        for read, fact_kind, quantity in values:
            if all(t.kind != fact_kind for t in numeric):
                # a term the rules made of these very words ("zubrod 2") is this value, not a term
                terms = [t for t in terms if not any(_same_words(name, read.evidence) for name in t.names)]
                label = f"{kind_name(fact_kind)} {read.value:g}" + (
                    f" {quantity.unit}" if quantity.unit else ""
                )
                numeric.append(
                    NumericTest(
                        kind=fact_kind, mode="accepts", value=quantity.value, unit=quantity.unit, label=label
                    )
                )
                notes.append(_note(read, fact_kind, quantity))
        return query.model_copy(update={"kind": kind, "numeric": numeric, "terms": terms}), notes
    return query, notes


def _same_words(name: str, evidence: str) -> bool:
    """Whether a term's name is the evidence, or lies within it ("zubrod 2" in "accept zubrod 2")."""
    name, evidence = " ".join(name.lower().split()), " ".join(evidence.lower().split())
    return bool(name) and name in evidence


def _fill(patient: PatientProfile, kind: str, quantity: Quantity) -> tuple[PatientProfile, bool]:
    """The patient with one value added where the rules left it empty (they always win)."""
    if kind == FactKind.AGE:
        return (
            (patient.model_copy(update={"age": quantity.value}), True)
            if patient.age is None
            else (patient, False)
        )
    if kind == FactKind.ECOG:
        if patient.ecog is not None:
            return patient, False
        return patient.model_copy(update={"ecog": int(quantity.value)}), True
    if kind in patient.labs:
        return patient, False
    return patient.model_copy(update={"labs": {**patient.labs, kind: quantity}}), True


def _note(read: ReadValue, kind: str, quantity: Quantity) -> str:
    unit = f" {quantity.unit}" if quantity.unit and kind != FactKind.AGE else ""
    return (
        f"The chat model read {read.evidence!r} (words the rules did not read) as "
        f"{kind_name(kind)} {quantity.value:g}{unit}; check that this is what you meant."
    )
