"""Section headings the splitter must (and must not) take as a switch between inclusion and exclusion:
a sentence that says someone "is not eligible" is an item, not a heading; a heading led by a
word such as "Subject" or "Patient" is still a heading."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.criteria import split_criteria
from index.models import Criterion


def texts(criteria: list[Criterion]) -> list[str]:
    return [" ".join(c.text.split()) for c in criteria]


def test_a_wrapped_sentence_ending_in_not_eligible_is_no_heading() -> None:
    text = (
        "Inclusion Criteria\n\n"
        "  -  Disease progression on a prior taxane. Patients who stopped the taxane for\n"
        "     toxicity alone are not eligible for this study.\n\n"
        "  -  WHO performance status 0 to 2\n\n"
        "Exclusion Criteria\n\n"
        "  -  Pregnancy\n"
    )
    inclusion, exclusion = split_criteria(text)
    assert texts(inclusion)[1] == "WHO performance status 0 to 2"
    assert texts(exclusion) == ["Pregnancy"]


@pytest.mark.parametrize(
    "line",
    [
        "People who live far from the clinic will not be eligible.",
        "Adults on dialysis may be eligible. Children: see below",
        "those enrolled earlier are not eligible",
    ],
)
def test_eligibility_sentences_do_not_switch_section(line: str) -> None:
    inclusion, exclusion = split_criteria(f"Inclusion Criteria:\n\n- Age over 18\n\n{line}\n\n- Normal ECG\n")
    assert exclusion == []
    assert texts(inclusion)[-1] == "Normal ECG"


@pytest.mark.parametrize(
    ("inclusion_heading", "exclusion_heading"),
    [
        ("Subject Inclusion Criteria", "Subject Exclusion Criteria"),
        ("Patient Inclusion Criteria:", "Patient Exclusion Criteria:"),
        ("Main Study Inclusion Criteria", "Main Study Exclusion Criteria"),
    ],
)
def test_headings_led_by_a_noun(inclusion_heading: str, exclusion_heading: str) -> None:
    text = f"{inclusion_heading}\n\n- ECOG 0-1\n\n{exclusion_heading}\n\n- Known brain metastases\n"
    inclusion, exclusion = split_criteria(text)
    assert texts(inclusion) == ["ECOG 0-1"]
    assert texts(exclusion) == ["Known brain metastases"]


@pytest.mark.parametrize(
    "line",
    [
        "-  Failure to meet inclusion criteria.",
        "There are no exclusion criteria.",
        "Absence of exclusion criteria.",
    ],
)
def test_sentences_about_criteria_are_no_headings(line: str) -> None:
    inclusion, exclusion = split_criteria(f"Inclusion Criteria:\n\n- Age over 18\n\n{line}\n")
    assert exclusion == [] and len(inclusion) == 2


def test_real_record_with_a_led_exclusion_heading_and_a_not_eligible_sentence(ctgov_dir: Path) -> None:
    from index.readers import read_file

    # NCT00493857: an inclusion item ends "... are not eligible for this trial." on a wrapped
    # line; the exclusion block is headed "Subject Exclusion Criteria".
    trial = read_file(ctgov_dir / "xml_classic_1000" / "NCT00493857.xml").trials[0]
    inclusion, exclusion = split_criteria(trial.criteria_text or "")
    assert "ECOG performance status less than 1" in texts(inclusion)
    assert any(t.endswith("are not eligible for this trial.") for t in texts(inclusion))
    assert texts(exclusion)[0].startswith("Patients who have had chemotherapy or radiotherapy within 4 weeks")
    assert "No other investigational agents." in texts(exclusion)


@pytest.mark.parametrize(
    "heading", ["Non-inclusion criteria:", "NON INCLUSION CRITERIA", "Noninclusion criteria:"]
)
def test_non_inclusion_criteria_are_exclusions(heading: str) -> None:
    text = f"Inclusion criteria:\n1. Adults with asthma\n{heading}\n1. Current smokers\n2. Pregnancy"
    inclusion, exclusion = split_criteria(text)
    assert texts(inclusion) == ["Adults with asthma"]
    assert texts(exclusion) == ["Current smokers", "Pregnancy"]


def test_real_record_headed_non_inclusion(ctgov_dir: Path) -> None:
    from index.readers import read_file

    # NCT02679963 (a French registry record) heads its exclusions "Non-inclusion criteria:"; its
    # 16th is "Patients with myelodysplastic syndrome/acute myeloid leukaemia."
    trial = read_file(ctgov_dir / "xml_classic" / "NCT02679963.xml").trials[0]
    inclusion, exclusion = split_criteria(trial.criteria_text or "")
    assert "Histological diagnosis of NSCLC" in texts(inclusion)
    assert "Patients with myelodysplastic syndrome/acute myeloid leukaemia." in texts(exclusion)
    assert not any("myelodysplastic" in t for t in texts(inclusion))
