"""Lab limits written as a range, with a misspelt comparator, with a per-litre unit that lost its
micro sign, and without a comparator under an "adequate ... defined by" lead."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.enrich import enrich
from index.facts import criterion_facts
from index.models import Criterion, FactKind, Section
from tests.test_facts import describe

_LABS = (
    FactKind.PLATELETS,
    FactKind.NEUTROPHILS,
    FactKind.HEMOGLOBIN,
    FactKind.CREATININE,
    FactKind.CREATININE_CLEARANCE,
    FactKind.BILIRUBIN,
    FactKind.ALT_AST,
)


def _facts(text: str, section: Section = "inclusion") -> list[str]:
    criterion = Criterion(section=section, number=1, text=text)
    return [describe(f) for f in criterion_facts(criterion) if f.kind in _LABS]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Platelets 75,000/µL to 450,000/µL", ["platelets >= 75 x10^9/L", "platelets <= 450 x10^9/L"]),
        ("Platelet count: 150 - 600 x 10^9/L", ["platelets >= 150 x10^9/L", "platelets <= 600 x10^9/L"]),
        ("platelets between 90 and 300 x10^9/L", ["platelets >= 90 x10^9/L", "platelets <= 300 x10^9/L"]),
        ("Haemoglobin 8.5-14 g/dL", ["hemoglobin >= 85 g/L", "hemoglobin <= 140 g/L"]),
        # no unit and no "between": days, not a range of counts
        ("Platelet transfusion support 3-5 days before surgery", []),
        ("Platelets measured 7-10 days after the last dose", []),
        # an exception in parentheses or with a condition is no plain limit
        (
            "Platelets at least 100,000/mm3 (between 40,000-100,000/mm3 if due to marrow involvement)",
            ["platelets >= 100 x10^9/L"],
        ),
        (
            "Platelet count at least 120,000/mm3. Counts between 60,000-120,000/mm3 allowed if stable",
            ["platelets >= 120 x10^9/L"],
        ),
        (
            "Creatinine clearance above 50 mL/min if creatinine high (1.4-2.0 mg/dL)",
            ["creatinine_clearance > 50 mL/min"],
        ),
    ],
)
def test_ranges_in_an_inclusion(text: str, expected: list[str]) -> None:
    assert _facts(text) == expected


@pytest.mark.parametrize(
    ("text", "section", "expected"),
    [
        ("Neutrophils 1,200/µL or higher", "inclusion", ["neutrophils >= 1.2 x10^9/L"]),
        ("Haemoglobin 10 g/dL or above", "inclusion", ["hemoglobin >= 100 g/L"]),
        ("AST/ALT 2.5 x ULN or lower", "inclusion", ["alt_ast <= 2.5 ULN"]),
        ("Serum creatinine of 2 mg/dL or more", "exclusion", ["creatinine >= 2 mg/dL"]),
    ],
)
def test_a_comparison_written_after_the_value(text: str, section: Section, expected: list[str]) -> None:
    assert _facts(text, section) == expected


def test_a_range_in_an_exclusion_is_no_single_limit() -> None:
    assert _facts("Platelets 20,000/µL to 50,000/µL", "exclusion") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Platelet count at lest 90,000/mm3", ["platelets >= 90 x10^9/L"]),
        ("ANC atleast 1,200/mm3", ["neutrophils >= 1.2 x10^9/L"]),
        ("Hemoglobin at  least 9 g/dL", ["hemoglobin >= 90 g/L"]),
    ],
)
def test_misspelt_at_least(text: str, expected: list[str]) -> None:
    assert _facts(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "/L" after a cell count lost its micro sign (or its x10^9): read by size, never per litre
        ("Platelets >= 125,000/L", ["platelets >= 125 x10^9/L"]),
        ("Platelets >= 80/L", ["platelets >= 80 x10^9/L"]),
        ("ANC > 1,000 /L", ["neutrophils > 1 x10^9/L"]),
    ],
)
def test_a_count_per_litre_is_read_by_size(text: str, expected: list[str]) -> None:
    assert _facts(text) == expected


def test_values_without_comparator_under_an_adequate_function_lead() -> None:
    text = (
        "Adequate marrow and organ function, defined as: an absolute neutrophil count of 1,200/L; "
        "a platelet count of 90,000/L; total bilirubin of 2 mg/dL; creatinine clearance of 45 mL/min"
    )
    assert _facts(text) == [
        "neutrophils >= 1.2 x10^9/L",
        "platelets >= 90 x10^9/L",
        "bilirubin <= 2 mg/dL",
        "creatinine_clearance >= 45 mL/min",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "A platelet count of 100,000 at screening will be repeated",  # no adequacy lead: no limit
        "Adequate organ function",  # a lead with no values
        "Patients with a platelet count of 30,000 need a transfusion",
    ],
)
def test_no_limit_without_comparator_elsewhere(text: str) -> None:
    assert _facts(text) == []


# ---------------------------------------------------------------- real records


def _real(ctgov_dir: Path, nct_id: str) -> list[str]:
    from index.readers import read_file

    trial = enrich(read_file(ctgov_dir / "xml_classic_1000" / f"{nct_id}.xml").trials[0])
    return [describe(f) for f in trial.facts if f.kind == FactKind.PLATELETS]


@pytest.mark.parametrize(
    ("nct_id", "expected"),
    [
        # "-  Platelet count 50,000/mm3 to 500,000/mm^3"
        ("NCT00002589", ["platelets >= 50 x10^9/L", "platelets <= 500 x10^9/L"]),
        # "Adequate organ function as defined by ... a platelet count of 100,000/L; ..."
        ("NCT00003126", ["platelets >= 100 x10^9/L"]),
        # "Platelet count at lest 80,000/mm3"
        ("NCT00006043", ["platelets >= 80 x10^9/L"]),
        # "Platelet count at least 75,000/mm3 (between 20,000-75,000/mm3, if due to bone marrow
        # infiltration by malignancy)": the parenthesis is an exception, not an upper limit
        ("NCT00003754", ["platelets >= 75 x10^9/L"]),
        # "Platelets at least 100,000 (transfusion independent) Counts between 70,000-100,000
        # allowed provided: ..."
        ("NCT00002730", ["platelets >= 100 x10^9/L"]),
    ],
)
def test_real_records(ctgov_dir: Path, nct_id: str, expected: list[str]) -> None:
    assert _real(ctgov_dir, nct_id) == expected


def test_real_record_adequate_function_reads_every_lab(ctgov_dir: Path) -> None:
    from index.readers import read_file

    # NCT00003126: "... a platelet count of 100,000/L; a Hemoglobin level of 10 g/dL; a serum
    # creatinine of 1.5 mg/dL or creatinine clearance of 60 mL/min; and a direct bilirubin level of
    # 1.5 mg/dL."
    trial = enrich(read_file(ctgov_dir / "xml_classic_1000" / "NCT00003126.xml").trials[0])
    labs = [describe(f) for f in trial.facts if f.kind in _LABS]
    assert labs == [
        "platelets >= 100 x10^9/L",
        "hemoglobin >= 100 g/L",
        "creatinine <= 1.5 mg/dL",
        "creatinine_clearance >= 60 mL/min",
        "bilirubin <= 1.5 mg/dL",
    ]


def test_angle_quotation_marks_typed_for_the_signs() -> None:
    assert _facts("Platelet count ‹75×109/L at screening") == ["platelets < 75 x10^9/L"]
    assert _facts("ANC ›1.0×109/L") == ["neutrophils > 1 x10^9/L"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # an inclusion denying an abnormal value asks for the opposite, across the list it opens
        (
            "No haemoglobin below 9 g/dL; no prior pelvic radiotherapy; and neutrophil count under 1,500/mm3",
            ["hemoglobin >= 90 g/L", "neutrophils >= 1.5 x10^9/L"],
        ),
        ("Must not have total bilirubin above 2 mg/dL", ["bilirubin <= 2 mg/dL"]),
        ("Renal: no creatinine clearance less than 50 mL/min", ["creatinine_clearance >= 50 mL/min"]),
        ("Subjects should not have ALT or AST of 3 x ULN or higher", ["alt_ast < 3 ULN"]),
        ("platelet count must not be less than 75,000/mm3", ["platelets >= 75 x10^9/L"]),
        # a limit written the adequate way is asked as written, whatever denial opens the list
        ("No active infection; platelet count >= 75,000/mm3", ["platelets >= 75 x10^9/L"]),
        # ... and a trial for low counts keeps asking for them
        ("Platelet count below 30,000/µL at screening", ["platelets < 30 x10^9/L"]),
        ("No response to steroids, but platelets under 30,000/µL now", ["platelets < 30 x10^9/L"]),
    ],
)
def test_an_inclusion_denying_an_abnormal_value(text: str, expected: list[str]) -> None:
    assert _facts(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # an offset from the normal limit states no single limit
        ("Creatinine not more than 0.2 mg/dL over the upper limit of normal", []),
        ("Bilirubin ≤ 2 times greater than the institutional upper limit of normal", ["bilirubin <= 2 ULN"]),
        # other tests' values after a lab are not that lab's
        ("Platelets over 90,000/mm3 and prothrombin time less than 14 seconds", ["platelets > 90 x10^9/L"]),
        ("Neutrophils at least 1,000/mm3; reticulocyte count below 20,000/mm3", ["neutrophils >= 1 x10^9/L"]),
        ("Creatinine normal and phosphorus at least 2.5 mg/dL", []),
    ],
)
def test_values_that_are_not_the_labs_limit(text: str, expected: list[str]) -> None:
    assert _facts(text) == expected
