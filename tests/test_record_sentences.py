"""A trial's own sentences as answers: lines the registry wrapped mid-sentence are one sentence, and a
line ending in ":" is quoted with the items it leads. The real record is from ../shared/data/ctgov
(expected text read from the file); the hand-written record is written for these tests."""

from __future__ import annotations

from pathlib import Path

from assistant.evidence import sentences
from assistant.record_text import best_sentences
from index.memory import read_records
from index.models import Trial


def test_a_line_wrapped_by_the_registry_goes_on_into_the_next(ctgov_dir: Path) -> None:
    trials, _ = read_records(ctgov_dir / "xml_classic_1000", wanted={"NCT00000708"})
    flat = [" ".join(s.split()) for s in sentences(trials[0].text)]
    whole = [s for s in flat if "SGOT or SGPT > 5" in s]
    assert len(whole) == 1
    assert whole[0].endswith(
        "prothrombin time > 5 seconds over control, or alkaline phosphatase > 2 x upper limit of normal."
    )


def test_short_lines_stay_apart() -> None:
    text = "Conditions\nAsthma\nKeywords\ninhaled steroid"
    assert sentences(text) == ["Conditions", "Asthma", "Keywords", "inhaled steroid"]


LED = (
    "Eligibility Criteria\n"
    "  - Adequate renal function, defined as either of the following:\n"
    "      - serum creatinine at most 1.5 mg/dL\n"
    "      - creatinine clearance of 50 mL/min or more\n"
    "  - No prior pelvic radiotherapy\n"
)


def test_a_line_ending_in_a_colon_is_quoted_with_its_items() -> None:
    trial = Trial(
        nct_id="NCT92200001", brief_title="Hand trial", source_path="hand", source_format="text", text=LED
    )
    found = best_sentences(trial, "how does NCT92200001 define adequate renal function?")
    assert found
    assert "50 mL/min" in found[0].text and "1.5 mg/dL" in found[0].text
    assert "pelvic" not in found[0].text  # the next item of the outer list is not one it leads


def test_words_of_polarity_and_measure_are_not_asked_of_the_sentence() -> None:
    text = "Exclusion Criteria\n- Heart failure of NYHA class III or IV\n- QTcF above 470 ms on screening"
    trial = Trial(
        nct_id="NCT92200002", brief_title="Hand trial", source_path="hand", source_format="text", text=text
    )
    found = best_sentences(trial, "what QTcF interval gets someone excluded from NCT92200002?")
    assert found and "470 ms" in found[0].text


def test_a_long_line_before_a_labelled_field_is_not_wrapped_into_it() -> None:
    text = (
        "Brief Title: Immunogenicity of a Two-dose Vaccine Schedule in Healthy Adolescent Girls\n"
        "Official Title: An Open Study of the Vaccine in Girls 9 to 14"
    )
    assert len(sentences(text)) == 2
