"""Record conflicts: structured fields against the criteria, and drug names within one family."""

from __future__ import annotations

from pathlib import Path

from index.conflicts import find_conflicts
from index.enrich import enrich
from index.language.vocabulary import shared_stem
from index.models import Arm, Intervention, Trial


def _trial(criteria: str, **fields: object) -> Trial:
    text = f"Eligibility\n{criteria}\nSex: {fields.get('sex', '')}\n"
    for key in ("min_age", "max_age"):
        if fields.get(key):
            text += f"{fields[key]}\n"
    return Trial(
        nct_id="NCT00000001",
        source_path="hand-made",
        source_format="ctgov_json",
        text=text,
        criteria_text=criteria,
        **fields,  # type: ignore[arg-type]
    )


def test_structured_sex_all_against_a_female_inclusion() -> None:
    trial = enrich(_trial("Inclusion Criteria\n\n1. Female, age ≥18 years;\n", sex="ALL"))
    assert trial.conflicts == [
        'The eligible-sex field says "ALL" (all sexes), but inclusion criterion 1 says '
        '"Female, age ≥18 years" (female).'
    ]


def test_structured_female_against_male_or_female_inclusion() -> None:
    trial = enrich(_trial("Inclusion Criteria\n\n1. Age 18-75 years old, male or female;\n", sex="FEMALE"))
    assert len(trial.conflicts) == 1
    assert '"FEMALE"' in trial.conflicts[0] and '"Age 18-75 years old, male or female"' in trial.conflicts[0]


def test_agreeing_sex_and_age_give_no_note() -> None:
    trial = enrich(
        _trial(
            "Inclusion Criteria\n\n1. Age 18-75 years old, male or female;\n",
            sex="ALL",
            min_age="18 Years",
            max_age="75 Years",
            min_age_years=18,
            max_age_years=75,
        )
    )
    assert trial.conflicts == []


def test_structured_age_against_criteria_age() -> None:
    trial = enrich(
        _trial(
            "Inclusion Criteria:\n\n* Aged 18-70 years\n",
            sex="ALL",
            min_age="18 Years",
            max_age="75 Years",
            min_age_years=18,
            max_age_years=75,
        )
    )
    assert trial.conflicts == [
        'The maximum eligible age field is "75 Years", but inclusion criterion 1 says "Aged 18-70 years" '
        "(maximum 70 years)."
    ]


def test_intervention_named_one_drug_while_its_descriptions_name_another_of_its_family() -> None:
    trial = _trial("", sex="ALL").model_copy(
        update={
            "interventions": [
                Intervention(
                    name="Herombopag", description="Oral administration of eltrombopag ethanolamine tablets."
                )
            ],
            "arms": [Arm(label="Herombopag Group", description="Eltrombopag 7.5 mg once daily.")],
        }
    )
    assert find_conflicts(trial) == [
        'The intervention is named "Herombopag", but the "Herombopag" intervention description and the '
        '"Herombopag Group" arm description name "eltrombopag", a different drug of the same family (-bopag).'
    ]


def test_a_description_naming_the_drug_itself_or_another_arm_is_no_conflict() -> None:
    trial = _trial("", sex="ALL").model_copy(
        update={
            "interventions": [
                Intervention(
                    name="Hetrombopag",
                    description="Hetrombopag 7.5 mg; switch to eltrombopag if no response.",
                ),
                Intervention(
                    name="Avatrombopag", description="Avatrombopag 20 mg, compared with hetrombopag."
                ),
            ],
        }
    )
    assert find_conflicts(trial) == []


def test_inn_stems_compare_drugs_of_one_family() -> None:
    assert shared_stem("herombopag", "eltrombopag") == "bopag"
    assert shared_stem("trastuzumab", "pertuzumab") == "mab"
    assert shared_stem("carboplatin", "cisplatin") == "platin"
    assert shared_stem("trastuzumab", "cisplatin") is None


def test_seed_records_conflicts(seeds_dir: Path) -> None:
    from index.readers import read_file

    notes = {}
    for path in sorted(seeds_dir.glob("*.txt")):
        for trial in read_file(path).trials:
            notes[trial.nct_id] = enrich(trial).conflicts
    # NCT07198672: sex ALL but "Female, age ≥18 years"; Herombopag named, eltrombopag described.
    herombopag = notes["NCT07198672"]
    assert any('"ALL"' in n and '"Female, age ≥18 years"' in n for n in herombopag)
    assert any('"Herombopag"' in n and '"eltrombopag"' in n for n in herombopag)
    # NCT05394285: sex FEMALE but "Age 18-75 years old, male or female".
    assert any('"FEMALE"' in n and "male or female" in n for n in notes["NCT05394285"])
    for nct_id in ("NCT06433830", "NCT05236582", "NCT07162519"):
        assert notes[nct_id] == [], nct_id
