"""Criteria splitting: every item style the seeds and the real CT.gov records use."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.criteria import split_criteria
from index.models import Criterion


def texts(criteria: list[Criterion]) -> list[str]:
    return [c.text for c in criteria]


def test_seed_000_inline_run_after_an_escaped_number() -> None:
    text = (
        "Exclusion Criteria\n\n"
        "14. Abnormal renal function: serum creatinine ≥ 1.5ULN or eGFR ≤ 60 ml/min "
        "(Cockcroft-Gault formula);\n\n"
        "16\\. Received thrombopoietin receptor agonist drugs (such as Eltrombopag, Romigrastim), "
        "or recombinant human thrombopoietin (rhTPO), recombinant human interleukin-11 (rhIL) "
        "within 1 month before screening -11) Treatment; 17. Received platelet transfusion within "
        "3 days before randomization; 18. Patients with known or expected hypersensitivity.\n"
    )
    inclusion, exclusion = split_criteria(text)
    assert inclusion == []
    assert [(c.number, c.label) for c in exclusion] == [(1, "14"), (2, "16"), (3, "17"), (4, "18")]
    assert texts(exclusion) == [
        "Abnormal renal function: serum creatinine ≥ 1.5ULN or eGFR ≤ 60 ml/min (Cockcroft-Gault formula)",
        "Received thrombopoietin receptor agonist drugs (such as Eltrombopag, Romigrastim), "
        "or recombinant human thrombopoietin (rhTPO), recombinant human interleukin-11 (rhIL) "
        "within 1 month before screening -11) Treatment",
        "Received platelet transfusion within 3 days before randomization",
        "Patients with known or expected hypersensitivity.",
    ]


def test_seed_004_inline_run_without_spaces_after_the_numbers() -> None:
    text = (
        "Exclusion Criteria\n\n"
        "11. Renal dysfunction: Serum creatinine ≥1.5×ULN or eGFR ≤60 mL/min;\n"
        "12. Known or expected hypersensitivity or intolerance to romiplostim N01 or excipients of rhTPO; "
        "13.HIV-infected patients; 14.Pregnant or lactating women; 15.Participation in any other clinical "
        "trial within 3 months prior to screening; 16.Other situations deemed by the investigator.\n"
    )
    _, exclusion = split_criteria(text)
    assert [c.label for c in exclusion] == ["11", "12", "13", "14", "15", "16"]
    assert texts(exclusion)[1:4] == [
        "Known or expected hypersensitivity or intolerance to romiplostim N01 or excipients of rhTPO",
        "HIV-infected patients",
        "Pregnant or lactating women",
    ]


@pytest.mark.parametrize(
    "item",
    [
        "ALT ≤ 1.5ULN and hetrombopag 7.5 mg daily",
        "Neutrophil count ≥ 1.0×109/L; see No. 3 above for the 2. cycle rule",
        "Hemoglobin ≥ 9.0 g/dL. 2.5 mg dose allowed",
    ],
)
def test_decimals_and_no_dot_never_split(item: str) -> None:
    inclusion, _ = split_criteria(f"Inclusion Criteria:\n\n1. {item}\n2. Next item\n")
    assert texts(inclusion) == [item, "Next item"]


def test_seed_001_nested_numbered_list_under_a_bullet() -> None:
    text = (
        "Inclusion Criteria:\n\n"
        "* ECOG PS score for physical condition: 0-2 points;\n"
        "* The laboratory inspection indicators meet the following requirements:\n\n"
        "  1. Renal function: Cr ≤ ULN (upper limit of normal value) x 1.5;\n"
        "  2. Liver function: Total bilirubin ≤ ULN × 1.5; ALT and AST ≤ ULN × 3;\n"
        "* Women of childbearing age agree to use contraception;\n\n"
        "Exclusion Criteria:\n\n"
        "* Breastfeeding women;\n"
    )
    inclusion, exclusion = split_criteria(text)
    assert [(c.number, c.label, c.parent) for c in inclusion] == [
        (1, None, None),
        (2, None, None),
        (3, "1", 2),
        (4, "2", 2),
        (5, None, None),
    ]
    assert inclusion[3].text == "Liver function: Total bilirubin ≤ ULN × 1.5; ALT and AST ≤ ULN × 3"
    assert texts(exclusion) == ["Breastfeeding women"]


@pytest.mark.parametrize(
    ("inclusion_heading", "exclusion_heading"),
    [
        ("Inclusion Criteria", "Exclusion Criteria"),
        ("Inclusion Criteria:", "Exclusion Criteria:"),
        ("INCLUSION CRITERIA:", "EXCLUSION CRITERIA:"),
        ("Key Inclusion Criteria:", "Key Exclusion Criteria:"),
        ("-  INCLUSION CRITERIA:", "Exclusion criteria -"),
        (
            "Patients may be eligible for this study if they:",
            "Patients will not be eligible for this study if they:",
        ),
        ("CRITERIA FOR INCLUSION:", "CRITERIA FOR EXCLUSION:"),
    ],
)
def test_heading_styles(inclusion_heading: str, exclusion_heading: str) -> None:
    text = (
        f"{inclusion_heading}\n\n- Age 18-75 years\n- ECOG 0-1\n\n{exclusion_heading}\n\n- Pregnant women\n"
    )
    inclusion, exclusion = split_criteria(text)
    assert texts(inclusion) == ["Age 18-75 years", "ECOG 0-1"]
    assert texts(exclusion) == ["Pregnant women"]


def test_heading_with_content_on_the_same_line_and_bullets_of_every_kind() -> None:
    text = (
        "Inclusion Criteria: Adults with NSCLC\n• Measurable disease\n* ECOG 0-1\n"
        "Exclusion Criteria: Prior EGFR TKI\n"
    )
    inclusion, exclusion = split_criteria(text)
    assert texts(inclusion) == ["Adults with NSCLC", "Measurable disease", "ECOG 0-1"]
    assert texts(exclusion) == ["Prior EGFR TKI"]


def test_a_heading_over_both_sections_does_not_switch() -> None:
    inclusion, exclusion = split_criteria("INCLUSION / EXCLUSION CRITERIA:\n\n- Age over 18\n")
    assert texts(inclusion) == ["Age over 18"] and exclusion == []


def test_wrapped_classic_xml_paragraphs_and_lettered_items() -> None:
    text = (
        "Inclusion Criteria:\n\n"
        "        Patients must have histologically confirmed adenocarcinoma of the\n"
        "        prostate and rising PSA.\n\n"
        "        Patients must meet one of:\n\n"
        "          a) prior prostatectomy, or\n\n"
        "          b) prior radiotherapy to the prostate\n\n"
        "Exclusion Criteria:\n\n"
        "          -  history within the last two years of at least six months with mood\n"
        "             disturbances of at least moderate severity;\n"
    )
    inclusion, exclusion = split_criteria(text)
    assert texts(inclusion) == [
        "Patients must have histologically confirmed adenocarcinoma of the\n        prostate and rising PSA.",
        "Patients must meet one of:",
        "prior prostatectomy, or",
        "prior radiotherapy to the prostate",
    ]
    assert [(c.label, c.parent) for c in inclusion[2:]] == [("a", 2), ("b", 2)]
    assert texts(exclusion) == [
        "history within the last two years of at least six months with mood\n"
        "             disturbances of at least moderate severity"
    ]


def test_no_headings_reads_everything_as_inclusion_and_splits_labelled_runs() -> None:
    text = (
        "DISEASE CHARACTERISTICS: Histologically confirmed ovarian cancer\n\n"
        "PATIENT CHARACTERISTICS: Age: 18 and over Performance status: ECOG 0-2 Life\n"
        "expectancy: At least 12 weeks\n"
    )
    inclusion, exclusion = split_criteria(text)
    assert exclusion == []
    assert texts(inclusion) == [
        "DISEASE CHARACTERISTICS: Histologically confirmed ovarian cancer",
        "PATIENT CHARACTERISTICS:",
        "Age: 18 and over",
        "Performance status: ECOG 0-2 Life\nexpectancy: At least 12 weeks",
    ]


def test_unwrapped_json_lines_are_separate_items() -> None:
    text = (
        "Inclusion Criteria:\n\nAge ≥ 18 years.\nSigned informed consent.\n\n"
        "Exclusion Criteria:\n\nPregnancy.\n"
    )
    inclusion, exclusion = split_criteria(text)
    assert texts(inclusion) == ["Age ≥ 18 years.", "Signed informed consent."]
    assert texts(exclusion) == ["Pregnancy."]


def test_empty_text_gives_no_criteria() -> None:
    assert split_criteria("") == ([], [])


def _check_split(criteria_text: str) -> tuple[list[Criterion], list[Criterion]]:
    inclusion, exclusion = split_criteria(criteria_text)
    for section in (inclusion, exclusion):
        assert [c.number for c in section] == list(range(1, len(section) + 1))
        for criterion in section:
            assert criterion.text and criterion.text == criterion.text.strip()
            assert criterion.text in criteria_text
            assert criterion.parent is None or criterion.parent < criterion.number
    return inclusion, exclusion


@pytest.mark.parametrize("folder", ["xml_classic", "xml_classic_1000"])
def test_real_ctgov_records_split_into_verbatim_items(ctgov_dir: Path, folder: str) -> None:
    from index.readers import read_file

    paths = sorted((ctgov_dir / folder).glob("*.xml"))
    assert paths
    for path in paths:
        for trial in read_file(path).trials:
            if trial.criteria_text:
                inclusion, exclusion = _check_split(trial.criteria_text)
                assert inclusion or exclusion, trial.nct_id


def test_real_record_with_free_text_and_nested_bullets(ctgov_dir: Path) -> None:
    from index.readers import read_file

    trial = read_file(ctgov_dir / "xml_classic" / "NCT00001177.xml").trials[0]
    inclusion, exclusion = _check_split(trial.criteria_text or "")
    assert inclusion[0].text == "The subjects of this study will be women who meet the following criteria:"
    age = next(c for c in inclusion if c.text == "age 18 to 50")
    assert age.parent == 1
    assert [c.text.split()[:3] for c in exclusion] == [
        ["Subjects", "should", "have"],
        ["Current", "alcohol", "or"],
    ]
