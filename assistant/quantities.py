"""Numbers, comparators and units in questions, normalised the way the index normalises facts.

Lab values are brought to the fact units (x10^9/L for counts, g/L for haemoglobin, ULN for
liver tests, days for windows) so a question's "45,000/µL" compares with a record's "<50×10⁹/L".
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from index.models import FactKind

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

# Lab names as questions write them. eGFR is only a lab when a number follows (EGFR is also a gene).
LAB_NAMES: dict[FactKind, str] = {
    FactKind.PLATELETS: r"platelets?(?: counts?)?|plts?",
    FactKind.NEUTROPHILS: r"absolute neutrophil counts?|neutrophils?(?: counts?)?|anc",
    FactKind.HEMOGLOBIN: r"ha?emoglobin|hgb|hb",
    FactKind.CREATININE_CLEARANCE: r"creatinine clearance|crcl|ccr",
    FactKind.CREATININE: r"serum creatinine|creatinine",
    FactKind.EGFR: r"egfr",
    FactKind.ALT_AST: r"alt/ast|ast/alt|alt|ast|transaminases?",
    FactKind.BILIRUBIN: r"total bilirubin|bilirubin|tbil",
    FactKind.LIFE_EXPECTANCY: r"life expectancy|expected survival|estimated survival",
    FactKind.KARNOFSKY: r"karnofsky(?: performance status| score)?|kps",
}

_UNIT = (
    r"(?:[x×*]\s*10\s*\^?\s*(?:9|⁹)\s*/\s*l|10\s*\^?\s*(?:9|⁹)\s*/\s*l|g/l|g/dl|mg/dl|µmol/l|umol/l|μmol/l"
    r"|ml/min(?:/1\.73\s*m(?:2|²))?|/\s*(?:µl|ul|μl|mm3|mm³)|cells/\s*(?:µl|ul|μl|mm3)|x?\s*uln"
    r"|times (?:the )?upper limit of normal|weeks?|months?|days?|years?|%)"
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


def normalise(kind: FactKind, value: float, unit: str | None) -> Quantity:
    """Bring a question's value to the unit the index stores for that fact kind."""
    raw = re.sub(r"\s+", "", unit or "").lower().replace("μ", "µ").replace("⁹", "9").replace("³", "3")
    if kind in (FactKind.PLATELETS, FactKind.NEUTROPHILS):
        per_microlitre = raw.endswith(("/µl", "/ul", "/mm3"))
        if per_microlitre or (not raw and value >= 1000):
            return Quantity(value=value / 1000, unit="x10^9/L")
        return Quantity(value=value, unit="x10^9/L")
    if kind == FactKind.HEMOGLOBIN:
        if raw == "g/dl" or (not raw and value < 25):
            return Quantity(value=value * 10, unit="g/L")
        return Quantity(value=value, unit="g/L")
    if kind in (FactKind.ALT_AST, FactKind.BILIRUBIN) and ("uln" in raw or "upperlimit" in raw):
        return Quantity(value=value, unit="ULN")
    if kind == FactKind.CREATININE:
        if raw in ("mg/dl", "umol/l", "µmol/l"):
            return Quantity(value=value, unit="mg/dL" if raw == "mg/dl" else "umol/L")
        if "uln" in raw:
            return Quantity(value=value, unit="ULN")
    if kind in (FactKind.CREATININE_CLEARANCE, FactKind.EGFR):
        return Quantity(value=value, unit="mL/min")
    if kind == FactKind.LIFE_EXPECTANCY:
        return Quantity(value=to_days(value, raw) or value, unit="days")
    if kind == FactKind.KARNOFSKY:
        return Quantity(value=value, unit="%")
    return Quantity(value=value, unit=unit)


def to_days(value: float, unit: str) -> float | None:
    unit = unit.lower().rstrip("s")
    factors = {"day": 1.0, "d": 1.0, "week": 7.0, "wk": 7.0, "month": 30.0, "mo": 30.0, "year": 365.0}
    factor = factors.get(unit)
    return value * factor if factor is not None else None


def convert(quantity: Quantity, unit: str | None) -> float | None:
    """The quantity's value in `unit`, or None when the two units cannot be compared."""
    if unit is None or quantity.unit is None or quantity.unit.lower() == unit.lower():
        return quantity.value
    pair = (quantity.unit.lower(), unit.lower())
    days_from, days_to = to_days(1, pair[0]), to_days(1, pair[1])
    if days_from is not None and days_to is not None:  # time windows: days, weeks, months, years
        return quantity.value * days_from / days_to
    if pair == ("mg/dl", "umol/l"):
        return quantity.value * 88.4
    if pair == ("umol/l", "mg/dl"):
        return quantity.value / 88.4
    if pair == ("g/l", "g/dl"):
        return quantity.value / 10
    return None


def compare(value: float, comparator: str, bound: float) -> bool:
    return {
        "<": value < bound,
        "<=": value <= bound,
        ">": value > bound,
        ">=": value >= bound,
        "=": value == bound,
        "!=": value != bound,
    }[comparator]


# How an answer names each kind of fact ("no ECOG criterion", not the enum's "ecog").
_KIND_NAMES: dict[FactKind, str] = {
    FactKind.ECOG: "ECOG",
    FactKind.KARNOFSKY: "Karnofsky",
    FactKind.CREATININE_CLEARANCE: "creatinine clearance",
    FactKind.EGFR: "eGFR",
    FactKind.ALT_AST: "ALT/AST",
    FactKind.LIFE_EXPECTANCY: "life expectancy",
    FactKind.PLATELET_TRANSFUSION: "platelet transfusion",
}


def kind_name(kind: FactKind) -> str:
    """The display name of a fact kind: 'ECOG', 'ALT/AST', 'platelets'."""
    return _KIND_NAMES.get(kind, kind.value.replace("_", " "))
