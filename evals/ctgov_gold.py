"""A second gold set over real ClinicalTrials.gov records, its gold taken from their structured fields.

The records are classic XML files; the gold (max/min age, phase, overall status, sex, enrolment,
lead sponsor) is parsed here with ElementTree, independently of index.readers, so the gold is
not produced by the code under test. The sample is fixed: the first small files of the folder in
name order, so every run asks the same questions about the same records.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

from evals.gold import GoldCase

CTGOV_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "ctgov"
CATEGORY = "ctgov_structured"
SAMPLE_SIZE = 20
# Indexing time grows with record size (results sections and site lists make some records
# 100x larger); larger records are left out so `trials eval` stays within its time budget.
MAX_RECORD_BYTES = 25_000
_NOT_STATED = (
    r"(?i)not stated|does not (state|specify|set)|doesn.t state|not specified"
    r"|no (upper|maximum|minimum|lower)"
)


def sample_paths(ctgov_dir: Path = CTGOV_DIR, size: int = SAMPLE_SIZE) -> list[Path]:
    """The fixed sample: the first `size` classic-XML records in name order up to MAX_RECORD_BYTES.

    A file repeating an NCT ID already sampled is skipped (the folder has one whose name and
    content disagree): with two versions indexed, the gold could describe the one that lost.
    """
    folder = ctgov_dir / "xml_classic"
    if not folder.is_dir():
        return []
    chosen: dict[str, Path] = {}
    for path in sorted(folder.glob("*.xml")):
        if path.stat().st_size > MAX_RECORD_BYTES:
            continue
        nct = _nct_id(ET.parse(path).getroot(), path)
        chosen.setdefault(nct, path)
    return list(chosen.values())[:size]


def _nct_id(root: ET.Element, path: Path) -> str:
    nct = (root.findtext("id_info/nct_id") or "").strip()
    if not nct:
        raise ValueError(f"{path}: classic XML without id_info/nct_id")
    return nct


def build_ctgov_gold(paths: list[Path]) -> list[GoldCase]:
    """Two structured-field questions per record, the kinds rotating through the sample."""
    cases: list[GoldCase] = []
    for position, path in enumerate(paths):
        root = ET.parse(path).getroot()
        nct = _nct_id(root, path)
        for offset in (0, 3):
            kind = _KINDS[(position + offset) % len(_KINDS)]
            case = kind(root, nct)
            if case is not None:
                cases.append(case)
    return cases


def _case(
    nct: str, kind: str, question: str, values: list[str], source: str, not_stated: bool = False
) -> GoldCase:
    return GoldCase(
        id=f"ctgov-{nct}-{kind}",
        category=CATEGORY,
        turns=[question],
        trials=[nct],
        values=values,
        must_abstain=None if not_stated else False,  # "not stated" may come as an abstention
        source=[source],
    )


def _text(root: ET.Element, path: str) -> str | None:
    value = root.findtext(path)
    return value.strip() if value and value.strip() else None


def _age_case(root: ET.Element, nct: str, which: str) -> GoldCase:
    field = f"eligibility/{which}imum_age"
    written = _text(root, field)
    question = f"What is the {which}imum age to enter {nct}?"
    if written is None or written.upper() == "N/A":
        note = f"note: {field} is {written or 'absent'}"
        return _case(nct, f"{which}-age", question, [_NOT_STATED], note, not_stated=True)
    number, _, unit = written.partition(" ")
    values = [rf"\b{re.escape(number)}\b"]
    if unit and not unit.lower().startswith("year"):
        values.append(rf"(?i){re.escape(unit.rstrip('s').lower())}")  # "6 Months" must say months
    return _case(nct, f"{which}-age", question, values, f"{nct}: {written}")


def _max_age(root: ET.Element, nct: str) -> GoldCase:
    return _age_case(root, nct, "max")


def _min_age(root: ET.Element, nct: str) -> GoldCase:
    return _age_case(root, nct, "min")


def _phase(root: ET.Element, nct: str) -> GoldCase | None:
    written = _text(root, "phase")
    if written is None:
        return None
    if written.upper() == "N/A":
        values = [r"(?i)\bN/?A\b|not applicable"]
    else:  # "Phase 1/Phase 2", "Early Phase 1": every phase number must be named
        values = [rf"(?i)phase ?{n}|phase{n}" for n in re.findall(r"\d", written)]
    return _case(nct, "phase", f"What phase is {nct}?", values, f"{nct}: {written}")


def _status(root: ET.Element, nct: str) -> GoldCase | None:
    written = _text(root, "overall_status")
    if written is None:
        return None
    words = [w for w in re.findall(r"[A-Za-z]+", written) if w.lower() != "status"]
    pattern = "(?i)" + r"[\W_]+".join(re.escape(w) for w in words)
    if written.lower() == "recruiting":  # and not "not yet recruiting" / "active, not recruiting"
        pattern = r"(?i)(?<!not )(?<!not_)(?<!yet )(?<!yet_)\brecruiting"
    return _case(nct, "status", f"What is the overall status of {nct}?", [pattern], f"{nct}: {written}")


_SEX_PATTERNS = {
    "all": r"(?i)\ball\b|both|male and female|men and women|any sex",
    "female": r"(?i)female|\bwomen\b",
    "male": r"(?i)(?<!fe)male\b|\bmen\b",
}


def _sex(root: ET.Element, nct: str) -> GoldCase | None:
    written = _text(root, "eligibility/gender")
    if written is None or written.lower() not in _SEX_PATTERNS:
        return None
    question = f"Can both men and women enrol in {nct}?"
    return _case(nct, "sex", question, [_SEX_PATTERNS[written.lower()]], f"{nct}: {written}")


def _enrollment(root: ET.Element, nct: str) -> GoldCase | None:
    written = _text(root, "enrollment")
    if written is None or not written.isdigit():
        return None
    spellings = sorted({written, f"{int(written):,}"})  # 1200 may be written 1,200
    pattern = r"\b(" + "|".join(re.escape(s) for s in spellings) + r")\b"
    question = f"How many participants does {nct} enrol?"
    return _case(nct, "enrollment", question, [pattern], f"{nct}: {written}")


def _lead_sponsor(root: ET.Element, nct: str) -> GoldCase | None:
    written = _text(root, "sponsors/lead_sponsor/agency")
    if written is None:
        return None
    pattern = "(?i)" + r"\s+".join(re.escape(word) for word in written.split())
    return _case(nct, "sponsor", f"Who is the lead sponsor of {nct}?", [pattern], f"{nct}: {written}")


_KINDS: list[Callable[[ET.Element, str], GoldCase | None]] = [
    _max_age,
    _phase,
    _status,
    _sex,
    _enrollment,
    _lead_sponsor,
    _min_age,
]
