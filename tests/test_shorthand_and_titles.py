"""A description's shorthand spelt out by the disease names the records give (registry conditions and
titles: "AMD" is Age-Related Macular Degeneration), and registry conditions in words no disease list
knows, when the title names the disease. Real records from ../shared/data/ctgov (their conditions
and titles read from the files); descriptions and the hand trial are written for these tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import InMemoryTrialReader, hand_trial

from assistant.condition_studied import glossary
from assistant.service import Assistant
from assistant.understand import understand
from index.language.abbreviations import spelt_out_in
from index.memory import read_records
from index.models import Trial

# NCT00000167: "Complications of Age-Related Macular Degeneration Prevention Trial" (Macular
# Degeneration); NCT00006292: rheumatoid arthritis
REAL = ("NCT00000167", "NCT00006292")


@pytest.fixture(scope="module")
def real(ctgov_dir: Path) -> list[Trial]:
    trials, _ = read_records(ctgov_dir / "xml_classic_1000", wanted=set(REAL))
    return trials


@pytest.mark.parametrize(
    ("short", "name", "expected"),
    [
        (
            "AMD",
            "Complications of Age-Related Macular Degeneration Prevention Trial",
            "Age-Related Macular Degeneration",
        ),
        (
            "COPD",
            "Tiotropium in Chronic Obstructive Pulmonary Disease",
            "Chronic Obstructive Pulmonary Disease",
        ),
        ("PSA", "Prostatic Hypertrophy, Benign", None),  # P-S-A do not open its words
        ("TURP", "Laser Surgery of Benign Prostate Hypertrophy", None),
        ("MS", "Multiple Sclerosis", None),  # two letters name too many things
    ],
)
def test_an_initialism_spelt_out_by_a_name(short: str, name: str, expected: str | None) -> None:
    assert spelt_out_in(short, name) == expected


def test_the_records_spell_out_the_descriptions_shorthand(real: list[Trial]) -> None:
    patient = understand(
        "78F with wet AMD in her left eye, on monthly injections. Any trial?", [], set()
    ).patient
    assert patient is not None
    assert glossary(real, patient) == {"AMD": "age-related macular degeneration"}
    verdicts = {
        v.nct_id: v.verdict
        for v in Assistant(InMemoryTrialReader(real))
        .ask("78F with wet AMD in her left eye, on monthly injections. Any trial?")
        .verdicts
    }
    assert verdicts["NCT00006292"] == "excluded"  # rheumatoid arthritis is not hers


SHOULDER_TRIAL = hand_trial("NCT93400001", ["Adults aged 40 to 70"], [], []).model_copy(
    update={"conditions": ["Frozen Shoulder"], "brief_title": "Hydrodilatation for Adhesive Capsulitis"}
)


@pytest.mark.parametrize(
    ("description", "excluded"),
    [
        ("55F, frozen shoulder for 7 months, no diabetes. Any trial?", False),
        ("55F with COPD on inhalers, otherwise ok. Any trial?", True),
        ("55F with brittle asthma, two admissions this year. Any trial?", True),
    ],
)
def test_a_condition_in_plain_words_with_the_disease_in_the_title(description: str, excluded: bool) -> None:
    verdicts = {
        v.nct_id: v.verdict
        for v in Assistant(InMemoryTrialReader([SHOULDER_TRIAL])).ask(description).verdicts
    }
    assert (verdicts["NCT93400001"] == "excluded") == excluded
