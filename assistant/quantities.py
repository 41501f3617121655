"""Numbers, comparators and units in questions, normalised the way the index normalises facts.

Lab values are brought to the fact units (x10^9/L for counts, g/L for haemoglobin, ULN for
liver tests, days for windows) so a question's "45,000/µL" compares with a record's "<50×10⁹/L".
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from index.facts.kinds import registry, spec
from index.language import units
from index.language.units import analytes, display_family, family_of, to_canonical, unit_families

NUMBER = r"(\d+(?:[.,]\d+)*)"

# Comparator words as clinicians write them; longest phrases first so "no more than" wins over "more than".
_COMPARATOR_WORDS: list[tuple[str, str]] = [
    ("no more than", "<="),
    ("not more than", "<="),
    ("no less than", ">="),
    ("not less than", ">="),
    ("at least", ">="),
    ("at most", "<="),
    ("up to", "<="),
    ("less than", "<"),
    ("lower than", "<"),
    ("fewer than", "<"),
    ("below", "<"),
    ("under", "<"),
    ("more than", ">"),
    ("greater than", ">"),
    ("higher than", ">"),
    ("above", ">"),
    ("over", ">"),
    ("exceeding", ">"),
    ("≤", "<="),
    ("<=", "<="),
    ("=<", "<="),
    ("≥", ">="),
    (">=", ">="),
    ("=>", ">="),
    ("<", "<"),
    (">", ">"),
]
COMPARATOR_PATTERN = "|".join(re.escape(word) for word, _ in _COMPARATOR_WORDS)
_COMPARATOR_OF = dict(_COMPARATOR_WORDS)

# Lab names come from the language core, the same names the fact extractor reads in records. eGFR
# is only a lab with its unit written (EGFR is also a gene): analytes.yaml `unit_required`.
LAB_NAMES: dict[str, str] = {
    a.kind: a.pattern for a in analytes() if a.kind is not None and a.kind in registry()
}

_UNIT = (
    r"(?:" + "|".join(f.regex.pattern for f in unit_families()) + r"|x?\s*uln"
    r"|times (?:the )?upper limit of normal|weeks?|wks?|months?|mos?|days?|years?|yrs?|%)"
)
UNIT_PATTERN = _UNIT


class Quantity(BaseModel):
    """A value in the unit the facts use for its kind (unit None when the question gave none)."""

    value: float
    unit: str | None = None


def parse_number(text: str) -> float:
    """'45,000' -> 45000.0, '1.5' -> 1.5, '1,5' -> 1.5 (a decimal comma has one to two digits after it)."""
    if re.fullmatch(r"\d+,\d{1,2}", text):
        return float(text.replace(",", "."))
    return float(text.replace(",", ""))


def comparator_of(word: str | None) -> str | None:
    if word is None:
        return None
    return _COMPARATOR_OF.get(word.strip().lower())


def normalise(kind: str, value: float, unit: str | None) -> Quantity:
    """Bring a question's value to the unit the index stores for that fact kind, with the same rules
    the fact extractor uses (index/language/units.py); a kind compared in days or on a scale of its
    own says so in its module (index/facts/kinds/)."""
    fixed = spec(kind).unit
    if fixed == "days":
        return Quantity(value=to_days(value, unit or "") or value, unit="days")
    if fixed is not None:
        return Quantity(value=value, unit=fixed)
    amount = to_canonical(kind, value, family_of(unit))
    if amount is None:
        return Quantity(value=value, unit=unit)
    return Quantity(value=amount.value, unit=amount.unit)


def to_days(value: float, unit: str) -> float | None:
    unit = unit.lower().rstrip("s")
    factors = {
        "day": 1.0,
        "d": 1.0,
        "week": 7.0,
        "wk": 7.0,
        "month": 30.0,
        "mo": 30.0,
        "year": 365.0,
        "yr": 365.0,
    }
    factor = factors.get(unit)
    return value * factor if factor is not None else None


def convert(quantity: Quantity, unit: str | None, kind: str | None = None) -> float | None:
    """The quantity's value in `unit`, or None when the two units cannot be compared. Lab units go
    through the language core (pint, with the analyte's molar mass for mg/dL <-> µmol/L)."""
    described = units.analyte(kind) if kind is not None and quantity.unit is None else None
    if described is not None and described.bare_number:
        # a lab value written without a unit, read by its analyte's rule for bare numbers ("plt 120")
        read = to_canonical(kind or "", quantity.value, None)
        if read is None:
            return None
        quantity = Quantity(value=read.value, unit=read.unit)
    elif described is not None and unit is not None and display_family(unit) == "ULN":
        return None  # "AST 30" is no multiple of the upper limit of normal: U/L, which it cannot meet
    if unit is None or quantity.unit is None or quantity.unit.lower() == unit.lower():
        return quantity.value
    days_from, days_to = to_days(1, quantity.unit.lower()), to_days(1, unit.lower())
    if days_from is not None and days_to is not None:  # time windows: days, weeks, months, years
        return quantity.value * days_from / days_to
    source, target = display_family(quantity.unit), display_family(unit)
    if source is None or target is None:
        return None
    return units.convert(quantity.value, source, target, kind)


def compare(value: float, comparator: str, bound: float) -> bool:
    return {
        "<": value < bound,
        "<=": value <= bound,
        ">": value > bound,
        ">=": value >= bound,
        "=": value == bound,
        "!=": value != bound,
    }[comparator]


def kind_name(kind: str) -> str:
    """How an answer names a fact kind: 'ECOG', 'ALT/AST', 'platelets' (its module's `display`)."""
    return spec(kind).display
