"""Value normalisation shared by every reader.

Records spell the same thing many ways ("Phase 1/Phase 2", "PHASE1, PHASE2"; "Active, not
recruiting", "ACTIVE_NOT_RECRUITING"; "6 Months", "18 Years"). Readers keep the record's own
wording in `Trial.text` and put the ClinicalTrials.gov API v2 enum spelling in the typed fields,
so a filter written once works across formats.
"""

from __future__ import annotations

import re
from datetime import datetime

NCT_ID = re.compile(r"\bNCT\d{8}\b")
_NCT_ID_EXACT = re.compile(r"NCT\d{8}")

# Spellings whose API v2 enum is not simply the upper-snake form of the words.
_ENUM_ALIASES: dict[str, str] = {
    "N_A": "NA",
    "UNKNOWN_STATUS": "UNKNOWN",
    "ANTICIPATED": "ESTIMATED",
    "U_S_FED": "FED",
    "EDUCATIONAL_COUNSELING_TRAINING": "ECT",
    "PARALLEL_ASSIGNMENT": "PARALLEL",
    "SINGLE_GROUP_ASSIGNMENT": "SINGLE_GROUP",
    "CROSSOVER_ASSIGNMENT": "CROSSOVER",
    "FACTORIAL_ASSIGNMENT": "FACTORIAL",
    "SEQUENTIAL_ASSIGNMENT": "SEQUENTIAL",
    "OBSERVATIONAL_PATIENT_REGISTRY": "OBSERVATIONAL",
    "NONE_OPEN_LABEL": "NONE",
}

_AGE_UNITS_IN_YEARS: dict[str, float] = {
    "year": 1.0,
    "month": 1 / 12,
    "week": 7 / 365.25,
    "day": 1 / 365.25,
    "hour": 1 / (24 * 365.25),
    "minute": 1 / (60 * 24 * 365.25),
}
_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(year|month|week|day|hour|minute)s?\s*$", re.IGNORECASE)

_DATE_FORMATS = ("%B %d, %Y", "%B %Y", "%b %d, %Y", "%b %Y")


def enum_style(value: str | None) -> str | None:
    """'Active, not recruiting' -> 'ACTIVE_NOT_RECRUITING'; 'N/A' -> 'NA'; blank -> None.

    A masking value like 'Quadruple (Participant, Investigator)' keeps only the level before
    the parenthesis, as API v2 does ('QUADRUPLE'); who is masked stays in the record text.
    """
    if value is None:
        return None
    words = value.split("(", 1)[0] if "(" in value and not value.startswith("(") else value
    key = re.sub(r"[^A-Za-z0-9]+", "_", words).strip("_").upper()
    if not key:
        return None
    return _ENUM_ALIASES.get(key, key)


def phases(value: str | None) -> list[str]:
    """'Phase 1/Phase 2' -> ['PHASE1', 'PHASE2']; 'PHASE2' -> ['PHASE2']; 'N/A' -> ['NA']."""
    if value is None or not value.strip():
        return []
    if re.fullmatch(r"\s*N/?A\s*", value, re.IGNORECASE):
        return ["NA"]
    found: list[str] = []
    for part in re.split(r"\s*(?:/|,|\||;|\band\b)\s*", value):
        match = re.fullmatch(r"(early\s*)?phase\s*_?(\d)", part.strip(), re.IGNORECASE)
        if match:
            phase = ("EARLY_PHASE" if match.group(1) else "PHASE") + match.group(2)
        else:
            phase = enum_style(part) or ""
        if phase and phase not in found:
            found.append(phase)
    return found


def age_in_years(value: str | None) -> float | None:
    """'18 Years' -> 18.0, '6 Months' -> 0.5, '5 Days' -> 0.0137; 'N/A' or unparsed -> None."""
    if value is None:
        return None
    match = _AGE.match(value)
    if match is None:
        return None
    return round(float(match.group(1)) * _AGE_UNITS_IN_YEARS[match.group(2).lower()], 4)


def age_as_written(value: str | None) -> str | None:
    """The age limit as the record writes it, or None when the record sets no limit ('N/A')."""
    if value is None or not value.strip() or enum_style(value) == "NA":
        return None
    return value.strip()


def sex(value: str | None) -> str | None:
    """'All' / 'Both' -> ALL, 'Female' -> FEMALE, 'Male' -> MALE; anything else -> None."""
    key = enum_style(value)
    if key == "BOTH":
        return "ALL"
    return key if key in {"ALL", "FEMALE", "MALE"} else None


def yes_no(value: str | None) -> bool | None:
    """'Yes' / 'Accepts Healthy Volunteers' / true -> True, 'No' -> False, else None."""
    key = enum_style(value)
    if key in {"YES", "TRUE", "ACCEPTS_HEALTHY_VOLUNTEERS"}:
        return True
    if key in {"NO", "FALSE"}:
        return False
    return None


def iso_date(value: str | None) -> str | None:
    """'November 2008' -> '2008-11', 'May 11, 2018' -> '2018-05-11'; ISO or unknown kept as written."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    for fmt in _DATE_FORMATS:
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return parsed.strftime("%Y-%m-%d" if "%d" in fmt else "%Y-%m")
    return text


def valid_nct_id(value: str | None) -> str | None:
    """The NCT ID if `value` is exactly one (surrounding whitespace ignored), else None."""
    if value is None:
        return None
    text = value.strip()
    return text if _NCT_ID_EXACT.fullmatch(text) else None
