"""Laboratory limits: blood counts (platelets, ANC, haemoglobin) and organ function (creatinine,
creatinine clearance, eGFR, ALT/AST, bilirubin), with units normalised.

A value belongs to the nearest lab named before it, and only if its unit fits that lab; labs
this module does not read (WBC, INR, albumin...) are recognised too, so their values are not
misread as the previous lab's. Normalised units: cell counts x10^9/L, haemoglobin g/L, ULN
multiples, mL/min, mg/dL, umol/L.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from index.facts.comparators import CMP, NUM, TRAILING, comparator, number, trailing_comparator
from index.facts.kinds import spec
from index.facts.reading import Reading, negated_at, opens_with_denial
from index.language.units import analytes, family_of_match, to_canonical, unit_pattern
from index.models import INVERSE_COMPARATOR, Comparator, Fact, FactKind


def lab_facts(reading: Reading) -> Iterator[Fact]:
    """A fact per value whose lab and unit are recognised, with the population it applies to."""
    triggers = _lab_triggers(reading.text)
    values = [*_lab_values(reading.text), *_adequate_values(reading.text, triggers)]
    if reading.section == "inclusion":  # an excluded range ("platelets 50-100") is no single limit
        values += _range_values(reading.text, triggers)
    for value in sorted(values, key=lambda v: v.start):
        trigger = _lab_of(triggers, value)
        if trigger is None or trigger.kind is None:
            continue
        kind = trigger.kind
        amount, unit = _normalise(kind, value)
        yield reading.fact(
            kind,
            comparator=_as_meant(reading, trigger, value.comparator),
            value=amount,
            unit=unit,
            qualifier=_qualifier(reading.text, value.start),
        )


@dataclass(frozen=True)
class _Trigger:
    kind: str | None  # None: a lab this module does not read (WBC, INR...), so values stop here
    start: int
    end: int


# Analyte names and units live in the language core (index/language/analytes.yaml), shared with the
# question reader; where one name starts another the longer comes first there.
_LAB_NAMES: tuple[tuple[str | None, str], ...] = tuple((a.kind, a.pattern) for a in analytes())
_LAB_TRIGGER = re.compile(
    "|".join(f"(?P<t{i}>(?<![\\w-])(?:{p})(?![\\w]))" for i, (_, p) in enumerate(_LAB_NAMES)), re.IGNORECASE
)

_UNIT = unit_pattern()
_ULN_WORD = r"(?:ULN|upper\s+limits?\s+of\s+(?:the\s+)?normal|(?:normal\s+upper|upper\s+normal)\s+limits?)"
_VALUE = re.compile(
    rf"{CMP}\s*(?:of\s+|than\s+)?(?:the\s+)?"
    rf"(?:{_ULN_WORD}\s*(?:\([^)]{{0,40}}\)\s*)?(?:(?:[×xX*]|times)\s*(?P<uln_num>\d+(?:\.\d+)?))?(?![\d.])"
    rf"|{NUM}\s*(?:{_UNIT})?)",
    re.IGNORECASE,
)


# The comparison after the value: "Platelet count 100,000/mm3 or more", "creatinine 1.5 mg/dL or less".
_VALUE_THEN_CMP = re.compile(rf"(?<![\d.,]){NUM}\s*(?:{_UNIT})?{TRAILING}", re.IGNORECASE)


@dataclass(frozen=True)
class _Value:
    comparator: Comparator
    number: float
    unit: str | None  # unit family (index/language/analytes.yaml), or None when no unit is written
    start: int


def _lab_triggers(text: str) -> list[_Trigger]:
    triggers = []
    for m in _LAB_TRIGGER.finditer(text):
        index = next(i for i, g in enumerate(m.groups()) if g is not None)
        name = m.group()
        if (
            _LAB_NAMES[index][0] in (FactKind.CREATININE, FactKind.HEMOGLOBIN)
            and name.islower()
            and len(name) <= 3
        ):
            continue  # "cr", "hb" in lower case are ordinary word fragments, not lab names
        triggers.append(_Trigger(_LAB_NAMES[index][0], m.start(), m.end()))
    return triggers


# "no greater than 0.3 mg/dL above the upper limit of normal": an offset from the normal limit, which
# no single value states; neither the 0.3 mg/dL nor the "above the upper limit" is the limit.
_OFFSET_BEFORE = re.compile(rf"{NUM}\s*(?:{_UNIT})\s*$", re.IGNORECASE)
_OFFSET_AFTER = re.compile(
    rf"\s*(?:above|over|more than|greater than)\s+(?:the\s+)?(?:institutional\s+)?{_ULN_WORD}", re.IGNORECASE
)


def _lab_values(text: str) -> Iterator[_Value]:
    for m in _VALUE.finditer(text):
        offset_at = m.group("cmp")[0].isalpha() and _OFFSET_BEFORE.search(
            text, max(0, m.start() - 40), m.start()
        )
        if offset_at or (m.group("num") is not None and _OFFSET_AFTER.match(text, m.end())):
            continue
        written = comparator(m.group("cmp"))
        if m.group("num") is None:  # "<= ULN" or "<= ULN x 1.5"
            yield _Value(written, float(m.group("uln_num") or 1), "ULN", m.start())
            continue
        yield _Value(written, number(m.group("num")), family_of_match(m), m.start())
    for m in _VALUE_THEN_CMP.finditer(text):
        yield _Value(
            trailing_comparator(m.group("trail")), number(m.group("num")), family_of_match(m), m.start()
        )


# A count per litre ("100,000/L") is a unit no cell count is written in: the micro sign or the
# x10^9 was lost. Such a number is read by its size, as if no unit were written, never as per litre.
_PER_LITRE = r"(?:\s*/\s*L\b(?!\s*[a-z]))"
_ANY_UNIT = re.sub(r"\(\?P<u\d+>", "(?:", _UNIT)  # the units without their group names, to use twice
# A range of values: "Platelet count 50,000/mm3 to 500,000/mm^3", "platelets between 100 and
# 400 x10^9/L". Read only right after the lab's name, with a unit written or after "between" (so
# "platelets 7-10 days" is no range), outside parentheses and with no condition after it in its
# clause: "(between 20,000-75,000/mm3 if due to marrow infiltration)" or "Counts between 70,000-
# 100,000 allowed provided ..." state exceptions, not the limit. In an inclusion a range gives a
# lower and an upper limit.
_NUMBER = NUM.replace("?P<num>", "")  # NUM without its group name, to use twice
_RANGE = re.compile(
    rf"(?P<between>between\s+)?(?P<low>{_NUMBER})\s*(?P<low_unit>{_ANY_UNIT})?{_PER_LITRE}?"
    rf"\s*(?:-|–|to|and)\s*(?P<high>{_NUMBER})\s*(?P<high_unit>{_ANY_UNIT})?{_PER_LITRE}?",
    re.IGNORECASE,
)
_RANGE_LEAD = re.compile(
    r"\s*(?:counts?|levels?|values?)?\s*(?::|=|of|is|must be|should be|within|in the range(?: of)?)?\s*",
    re.IGNORECASE,
)
_RANGE_CONDITION = re.compile(
    r"\b(?:if|unless|allowed|permitted|acceptable|eligible|provided|except|only|when|for patients)\b",
    re.IGNORECASE,
)


def _range_values(text: str, triggers: list[_Trigger]) -> Iterator[_Value]:
    for m in _RANGE.finditer(text):
        if m.group("between") is None and m.group("low_unit") is None and m.group("high_unit") is None:
            continue
        before = [t for t in triggers if t.end <= m.start()]
        if not before or not _RANGE_LEAD.fullmatch(text, before[-1].end, m.start()):
            continue
        if text.rfind("(", 0, m.start()) > text.rfind(")", 0, m.start()):
            continue
        clause_end = min((i for i in (text.find(c, m.end()) for c in ";.") if i >= 0), default=len(text))
        following = [t.start for t in triggers if t.start >= m.end()]
        if _RANGE_CONDITION.search(text, m.end(), min([clause_end, *following])):
            continue
        low, high = number(m.group("low")), number(m.group("high"))
        low_unit = _unit_in(m.group("low_unit"))
        high_unit = _unit_in(m.group("high_unit"))
        if low >= high and (low_unit or high_unit) == (high_unit or low_unit):
            continue
        yield _Value(">=", low, low_unit or high_unit, m.start("low"))
        yield _Value("<=", high, high_unit or low_unit, m.start("high"))


def _unit_in(written: str | None) -> str | None:
    """The unit family of a unit matched inside a larger pattern."""
    if written is None:
        return None
    match = re.fullmatch(_UNIT, written.strip(), re.IGNORECASE)
    return family_of_match(match) if match else None


# "Adequate organ function as defined by ... a platelet count of 100,000": a limit written with no
# comparator, under a lead that says the values define what is adequate. Each kind's `adequate`
# (index/facts/kinds/) says which way: at least that much of a count, at most that much of an enzyme.
_ADEQUATE = re.compile(
    r"\b(?:adequate|sufficient)\b[^.;]{0,60}?\b(?:defined|as follows|following|documented)\b|"
    r"\b(?:adequate|sufficient)\s+[\w\s]{0,40}?function\s*:",
    re.IGNORECASE,
)
_WRITTEN_BARE = re.compile(
    rf"\s*(?:counts?|levels?|concentrations?|values?)?\s*(?:of|=|:)\s*{NUM}\s*(?:{_UNIT}|{_PER_LITRE})?",
    re.IGNORECASE,
)


def _adequate_values(text: str, triggers: list[_Trigger]) -> Iterator[_Value]:
    lead = _ADEQUATE.search(text)
    if lead is None:
        return
    for trigger in triggers:
        direction = spec(trigger.kind).adequate if trigger.kind is not None else None
        m = _WRITTEN_BARE.match(text, trigger.end)
        if direction is None or m is None or trigger.start < lead.start():
            continue
        yield _Value(direction, number(m.group("num")), family_of_match(m), m.start("num"))


# How far (characters) a value may sit from its lab name: "Platelet count (within 7 days of
# enrolment) >= 100 x 10^9/L" still belongs to the platelets; further away, to nothing.
_NAME_REACH = 90


def _lab_of(triggers: list[_Trigger], value: _Value) -> _Trigger | None:
    """The naming of the lab a value belongs to: the nearest lab named before it, if the unit fits."""
    before = [t for t in triggers if t.end <= value.start and value.start - t.end <= _NAME_REACH]
    if not before:
        return None
    nearest = before[-1]
    if nearest.kind is None or to_canonical(nearest.kind, value.number, value.unit) is None:
        return None  # the unit does not fit the lab: "platelets 100 mL/min" is nobody's platelets
    return nearest


# Words before a limit after which a denial no longer reaches it: "No response to steroids, but
# platelets under 30,000".
_DENIAL_TURNS = re.compile(
    r"\b(?:but|however|unless|except|allowed|permitted|eligible|acceptable)\b", re.IGNORECASE
)


def _as_meant(reading: Reading, trigger: _Trigger, written: Comparator) -> Comparator:
    """The comparison an inclusion asks of the patient. One that denies an abnormal value asks for
    the opposite: "No platelet count less than 100,000", "Must not have serum creatinine greater than
    3.0 mg/dl", "No anemia requiring transfusions; ...; and platelet count less than 100,000" ask for
    platelets >= 100,000 and creatinine <= 3.0. Only a limit written towards the abnormal side (away
    from the kind's `adequate` way) is turned: an item "platelets >= 100,000" in a list opened by "No
    active infection;" is asked as written."""
    assert trigger.kind is not None
    adequate = spec(trigger.kind).adequate
    if reading.section != "inclusion" or adequate is None or written == "=" or written[0] == adequate[0]:
        return written
    text = reading.text
    if _DENIAL_TURNS.search(text, 0, trigger.start):
        return written
    denied = reading.denied or negated_at(text, trigger.start) or opens_with_denial(text)
    return INVERSE_COMPARATOR[written] if denied else written  # type: ignore[return-value]


def _normalise(kind: str, value: _Value) -> tuple[float, str]:
    """(value, unit) in the unit `kind` is compared in; a number without a unit is read by its size
    (the rule for each analyte is in index/language/analytes.yaml)."""
    amount = to_canonical(kind, value.number, value.unit)
    assert amount is not None, "_lab_of only gives a kind whose units fit the value"
    return amount.value, amount.unit


_QUALIFIERS: tuple[tuple[str, str], ...] = (
    (
        r"without (?:\w+ ){0,2}(?:liver|hepatic) (?:metastas[ie]s|involvement)|"
        r"no (?:liver|hepatic) metastas[ie]s",
        "without liver metastases",
    ),
    (
        r"(?:liver|hepatic) (?:metastas[ie]s|involvement|tumou?r involvement)|liver mets",
        "with liver metastases",
    ),
    (r"gilbert'?s?(?: syndrome| disease)?", "with Gilbert's syndrome"),
)
_QUALIFIERS_ANY = re.compile("|".join(p for p, _ in _QUALIFIERS), re.IGNORECASE)


def _qualifier(text: str, position: int) -> str | None:
    """The population a limit applies to ("with liver metastases"), read around the value.

    Inside parentheses, a qualifier in the same parentheses wins ("(<= 5 x ULN if liver
    metastases)"); otherwise the last qualifier before the value in the same `;` clause, else
    one after it in that clause (parenthesised asides about other values left out).
    """
    open_paren = text.rfind("(", 0, position)
    if open_paren > text.rfind(")", 0, position) and open_paren >= 0:
        close = text.find(")", position)
        inside = text[open_paren : close if close >= 0 else len(text)]
        found = _qualifier_in(inside)
        if found:
            return found
    clause_start = text.rfind(";", 0, position) + 1
    clause = _without_closed_parentheses(text[clause_start:position])
    matches = list(_QUALIFIERS_ANY.finditer(clause))
    if matches:
        return _qualifier_in(matches[-1].group())
    # "<= 5 x ULN in the presence of liver metastases": the qualifier follows in the clause.
    clause_end = text.find(";", position)
    after = _without_closed_parentheses(text[position : clause_end if clause_end >= 0 else len(text)])
    return _qualifier_in(after)


def _qualifier_in(text: str) -> str | None:
    for pattern, name in _QUALIFIERS:
        if re.search(pattern, text, re.IGNORECASE):
            return name
    return None


def _without_closed_parentheses(text: str) -> str:
    return re.sub(r"\([^()]*\)", " ", text)


def limit_qualifier_spans(text: str) -> list[tuple[int, int]]:
    """Where a criterion that states a lab limit names the population it applies to.

    "patients with liver metastases, ALT <= 5 ULN": the liver metastases there qualify the limit,
    they are not a condition the criterion requires or excludes.
    """
    if not _has_lab(text):
        return []
    return [m.span() for m in _QUALIFIERS_ANY.finditer(text)]


def _has_lab(text: str) -> bool:
    return any(t.kind is not None for t in _lab_triggers(text)) and _VALUE.search(text) is not None
