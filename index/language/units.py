"""Lab values and their units, read the same way on the record side and the question side.

`analytes.yaml` names every analyte, the units its values come in and the unit they are compared
in; conversions go through pint, with each analyte's molar mass where mass and molar
concentrations meet (creatinine mg/dL <-> µmol/L). A bare number is read by its size, by the rule
in the data file ("ANC 800" is 800 /µL = 0.8 x10^9/L on both sides).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from index.language.data import load

if TYPE_CHECKING:
    import pint

BARE = "bare"  # the unit family of a number written without a unit
AS_WRITTEN = "as_written"  # facts of this analyte keep the unit the record wrote


@dataclass(frozen=True)
class UnitFamily:
    key: str
    pint: str
    display: str
    regex: re.Pattern[str]


@dataclass(frozen=True)
class Analyte:
    kind: str | None  # None: recognised only so its values are not given to a neighbour
    names: tuple[str, ...]
    units: tuple[str, ...]
    canonical: str | None
    bare_number: tuple[tuple[str, float, str], ...]  # (at_least | below, threshold, unit family)
    molar_mass: str | None
    stands_for: tuple[str, ...] = ()
    low_is: tuple[float, str, str] | None = None  # (below, display unit, the condition it is called)
    normal_from: float | None = None  # in low_is's unit: at or above it, the patient lacks that condition
    unit_required: bool = False  # a value without a unit is not this analyte's ("EGFR 19" is a gene exon)

    @property
    def pattern(self) -> str:
        return "|".join(self.names)


@dataclass(frozen=True)
class Amount:
    """A value in the unit its analyte is compared in (`unit` is the family's display name)."""

    value: float
    unit: str


def _data() -> dict[str, Any]:
    return load("analytes.yaml")


@cache
def _registry() -> pint.UnitRegistry[Any]:
    import pint  # here: its import (0.4 s) is paid only by a question or record that converts units

    registry: pint.UnitRegistry[Any] = pint.UnitRegistry()
    registry.define("ULN = [upper_limit_of_normal]")  # a multiple of the laboratory's upper limit
    return registry


@cache
def unit_families() -> tuple[UnitFamily, ...]:
    return tuple(
        UnitFamily(f["key"], f["pint"], f["display"], re.compile("|".join(f["written"]), re.IGNORECASE))
        for f in _data()["unit_families"]
    )


@cache
def analytes() -> tuple[Analyte, ...]:
    return tuple(
        Analyte(
            kind=a.get("kind") or None,
            names=tuple(a["names"]),
            units=tuple(a.get("units", ())),
            canonical=a.get("canonical"),
            bare_number=tuple(
                (rule_key, float(rule[rule_key]), rule["unit"])
                for rule in a.get("bare_number", ())
                for rule_key in ("at_least", "below")
                if rule_key in rule
            ),
            molar_mass=a.get("molar_mass"),
            stands_for=tuple(a.get("stands_for", ())),
            low_is=(
                (float(a["low_is"]["below"]), str(a["low_is"]["unit"]), str(a["low_is"]["condition"]))
                if "low_is" in a
                else None
            ),
            normal_from=float(a["low_is"]["normal_from"]) if "normal_from" in a.get("low_is", {}) else None,
            unit_required=bool(a.get("unit_required", False)),
        )
        for a in _data()["analytes"]
    )


@cache
def analyte(kind: str) -> Analyte | None:
    return next((a for a in analytes() if a.kind == kind), None)


@cache
def unit_pattern() -> str:
    """One regex alternation of every written unit, as named groups `u0`, `u1`... in family order."""
    return "|".join(f"(?P<u{i}>{family.regex.pattern})" for i, family in enumerate(unit_families()))


def family_of_match(match: re.Match[str]) -> str | None:
    """The unit family a match of `unit_pattern()` found, or None when no unit was written."""
    return next(
        (family.key for i, family in enumerate(unit_families()) if match.group(f"u{i}")),
        None,
    )


def family_of(written: str | None) -> str | None:
    """The unit family of a unit as written ("/uL", "x 10^9/L", "g/dl"), or None."""
    if not written or not written.strip():
        return None
    return next((f.key for f in unit_families() if f.regex.fullmatch(written.strip())), None)


def _family(key: str) -> UnitFamily:
    return next(f for f in unit_families() if f.key == key)


def _bare_family(analyte_: Analyte, value: float) -> str | None:
    for rule, threshold, family in analyte_.bare_number:
        if (rule == "at_least" and value >= threshold) or (rule == "below" and value < threshold):
            return family
    return None


def to_canonical(kind: str, value: float, family: str | None) -> Amount | None:
    """`value` written in unit `family` (None: a bare number) in the unit its analyte is compared in.
    None when the unit does not fit the analyte (a platelet count in mL/min)."""
    analyte_ = analyte(kind)
    if analyte_ is None or analyte_.canonical is None:
        return None
    if family is None:
        if BARE not in analyte_.units:
            return None
        family = _bare_family(analyte_, value)
        if family is None:
            return None
    elif family not in analyte_.units:
        return None
    if analyte_.canonical == AS_WRITTEN:
        return Amount(value, _family(family).display)
    target = _family(analyte_.canonical)
    converted = convert(value, family, target.key, kind)
    return Amount(converted, target.display) if converted is not None else None


def convert(value: float, from_family: str, to_family: str, kind: str | None = None) -> float | None:
    """`value` from one unit family to another through pint; a mass <-> molar conversion uses the
    analyte's molar mass. None when the two cannot be compared."""
    factor = _factor(from_family, to_family, kind)
    return round(value * factor, 6) if factor is not None else None


@lru_cache(maxsize=4096)
def _factor(from_family: str, to_family: str, kind: str | None) -> float | None:
    """What one unit of `from_family` is in `to_family`, None when they cannot be compared: lab
    units are all proportional (no offsets), so pint is asked once per pair, not once per value
    (a patient matched against 1,000 trials)."""
    registry = _registry()
    quantity = 1.0 * registry.Quantity(_family(from_family).pint)
    target: pint.Quantity[Any] = registry.Quantity(
        _family(to_family).pint
    )  # may carry a factor: "1e9 / liter"
    if quantity.dimensionality != target.dimensionality:
        analyte_ = analyte(kind) if kind is not None else None
        if analyte_ is None or analyte_.molar_mass is None:
            return None
        molar_mass: pint.Quantity[Any] = registry.Quantity(analyte_.molar_mass)
        quantity = (
            quantity * molar_mass if quantity.check("[substance]/[length]**3") else quantity / molar_mass
        )
    ratio = quantity / target
    if not ratio.dimensionless:  # "x ULN" against mg/dL: no molar mass makes them comparable
        return None
    return float(ratio.to("dimensionless").magnitude)


def display_family(display: str) -> str | None:
    """The unit family whose display name is `display` ("x10^9/L" -> "count")."""
    return next((f.key for f in unit_families() if f.display.lower() == display.lower()), None)
