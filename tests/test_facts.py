"""Fact extraction: every criterion of the five seeds against facts written by hand from the
seed text, a few hand-picked real CT.gov criteria, and a sweep over the 1,000 real records."""

from __future__ import annotations

import collections
import re
from pathlib import Path

import pytest

from index.criteria import split_criteria
from index.enrich import enrich
from index.facts import ABSENT, criterion_facts, extract_facts
from index.facts.kinds import registry
from index.models import Criterion, Fact, FactKind, Trial

SEED_FILES = {
    "NCT05394285": "000_562f3490da6d8b1b.txt",
    "NCT06433830": "001_880babaa4a118efd.txt",
    "NCT07198672": "002_93ae591884bac4af.txt",
    "NCT05236582": "003_1271846d75b9f1f2.txt",
    "NCT07162519": "004_f6f0e8af34722260.txt",
}


def seed_trial(seeds_dir: Path, nct_id: str) -> Trial:
    """A Trial built by hand: the eligibility section cut from the seed page by plain slicing."""
    text = (seeds_dir / SEED_FILES[nct_id]).read_text(encoding="utf-8")
    start = text.index("Inclusion Criteria")
    end = text.find("Minimum Eligible Age")
    end = end if end >= 0 else text.index("Where this trial is running")
    trial = Trial(
        nct_id=nct_id,
        source_path=SEED_FILES[nct_id],
        source_format="seed",
        text=text,
        criteria_text=text[start:end],
    )
    inclusion, exclusion = split_criteria(trial.criteria_text or "")
    return trial.model_copy(update={"inclusion": inclusion, "exclusion": exclusion})


def describe(fact: Fact) -> str:
    """A compact, readable form of a fact for comparing with hand-written expectations."""
    parts = [fact.kind]
    if fact.term:
        parts.append(fact.term)
    if fact.comparator:
        parts.append(fact.comparator)
    if fact.value is not None:
        parts.append(f"{fact.value:g}")
    if fact.unit:
        parts.append(fact.unit)
    if fact.low is not None or fact.high is not None:
        low = "" if fact.low is None else f"{fact.low:g}"
        high = "" if fact.high is None else f"{fact.high:g}"
        parts.append(f"[{low}-{high}]")
    if fact.days is not None:
        parts.append(f"{fact.days:g}d")
    if fact.anchor:
        parts.append(f"@{fact.anchor}")
    if fact.qualifier:
        parts.append(f"({fact.qualifier})")
    return " ".join(parts)


HAEM = "condition haematological disease"
WITH_LM = "(with liver metastases)"
WITHOUT_LM = "(without liver metastases)"

# (section, criterion number) -> facts, written from reading each seed criterion.
EXPECTED: dict[str, dict[tuple[str, int], list[str]]] = {
    "NCT05394285": {
        ("inclusion", 1): [],
        ("inclusion", 2): ["age years [18-75]", "sex all"],  # "Age 18-75 years old, male or female"
        ("inclusion", 3): ["condition breast cancer", "condition solid tumour", "condition malignant tumour"],
        ("inclusion", 4): [],  # platinum regimen for 2 cycles: no window, nothing typed
        ("inclusion", 5): ["platelets < 50 x10^9/L"],  # "\<50×109/L", 109 = mangled 10⁹
        ("inclusion", 6): [],
        ("inclusion", 7): ["neutrophils >= 1 x10^9/L", "hemoglobin >= 80 g/L"],
        ("inclusion", 8): ["life_expectancy >= 12 weeks 84d"],
        ("inclusion", 9): ["ecog ECOG [0-1]"],
        ("inclusion", 10): [],
        ("exclusion", 1): ["condition pregnancy", "condition breastfeeding"],
        ("exclusion", 2): [],
        ("exclusion", 3): [],
        ("exclusion", 4): [
            "condition liver disease",
            "condition infection",  # sepsis
            "condition coagulation disorder",  # disseminated intravascular coagulation
            "condition immune thrombocytopenia",
            HAEM,
        ],
        ("exclusion", 5): [
            "condition angina",
            "condition cardiac disease",
            "condition heart failure",
            "condition hypertension",
            "condition arrhythmia",
            "condition myocardial infarction",
        ],
        ("exclusion", 6): [HAEM, "condition bone marrow involvement"],
        ("exclusion", 7): ["condition radiotherapy"],
        ("exclusion", 8): ["condition thrombosis"],
        ("exclusion", 9): ["condition infection"],
        ("exclusion", 10): ["condition bleeding"],
        ("exclusion", 11): [
            "condition oncological emergency",
            "condition spinal cord compression",
            "condition superior vena cava syndrome",
        ],
        ("exclusion", 12): ["neutrophils < 1 x10^9/L", "hemoglobin < 80 g/L"],
        ("exclusion", 13): [
            f"alt_ast > 3 ULN {WITHOUT_LM}",
            f"bilirubin > 3 ULN {WITHOUT_LM}",
            f"alt_ast >= 5 ULN {WITH_LM}",
            f"bilirubin >= 5 ULN {WITH_LM}",
        ],
        ("exclusion", 14): ["creatinine >= 1.5 ULN", "egfr <= 60 mL/min"],
        ("exclusion", 15): [  # label "16": the inline run 16\. ... 17. ... 18. ...
            "washout thrombopoietin receptor agonist 1 month 30d @screening",
            "washout eltrombopag 1 month 30d @screening",
            "washout romigrastim 1 month 30d @screening",
            "washout recombinant human thrombopoietin 1 month 30d @screening",
            "washout recombinant human interleukin-11 1 month 30d @screening",
        ],
        ("exclusion", 16): ["platelet_transfusion 3 days 3d @randomisation"],
        ("exclusion", 17): ["condition hypersensitivity"],
    },
    "NCT06433830": {
        ("inclusion", 1): ["age >= 18 years [18-]", "sex all"],  # "regardless of gender"
        ("inclusion", 2): ["condition malignant tumour", "condition thrombocytopenia"],
        ("inclusion", 3): ["platelets <= 75 x10^9/L"],  # "≤ 75 × 10\^9/L"
        ("inclusion", 4): ["life_expectancy >= 12 weeks 84d"],
        ("inclusion", 5): ["ecog ECOG [0-2]"],  # "0-2 points"
        ("inclusion", 6): [],  # "...meet the following requirements:" (parent of 7 and 8)
        ("inclusion", 7): ["creatinine <= 1.5 ULN", "creatinine_clearance >= 55 mL/min"],
        ("inclusion", 8): [
            "bilirubin <= 1.5 ULN",
            "alt_ast <= 3 ULN",
            f"bilirubin <= 3 ULN {WITH_LM}",  # "should not exceed 3 times the normal upper limit"
            f"alt_ast <= 5 ULN {WITH_LM}",
        ],
        ("inclusion", 9): [f"condition breastfeeding ({ABSENT})"],  # "And not a lactating patient"
        ("inclusion", 10): ["washout investigational drug 4 weeks 28d @enrolment"],
        ("inclusion", 11): [],
        ("inclusion", 12): [
            f"condition bleeding ({ABSENT})"
        ],  # "No serious complications such as ... bleeding"
        ("inclusion", 13): [],
        ("exclusion", 1): ["condition liver disease", "condition infection", "condition bleeding"],
        ("exclusion", 2): [
            HAEM,
            "condition leukaemia",
            "condition immune thrombocytopenia",
            "condition myeloproliferative disease",
            "condition multiple myeloma",
            "condition myelodysplastic syndrome",
        ],
        ("exclusion", 3): ["condition bone marrow involvement"],
        ("exclusion", 4): ["hemoglobin < 50 g/L", "neutrophils < 1 x10^9/L"],
        ("exclusion", 5): ["washout radiotherapy 3 months 90d @screening", "condition radiotherapy"],
        ("exclusion", 6): ["condition thrombosis"],
        ("exclusion", 7): ["condition bleeding"],
        ("exclusion", 8): ["platelet_transfusion 2 days 2d @enrolment"],
        ("exclusion", 9): [
            "condition cardiac disease",
            "condition arrhythmia",
            "condition atrial fibrillation",
            "condition coronary stent",
            "condition coronary artery bypass graft",
        ],  # "risk of thromboembolism": no
        ("exclusion", 10): [
            "washout recombinant human thrombopoietin 14 days 14d @screening",
            "washout recombinant human interleukin-11 14 days 14d @screening",
            "washout thrombopoietin receptor agonist 14 days 14d @screening",
            "washout eltrombopag 14 days 14d @screening",
            "washout avatrombopag 14 days 14d @screening",
        ],
        ("exclusion", 11): ["condition hypersensitivity"],
        ("exclusion", 12): ["condition breastfeeding"],
        ("exclusion", 13): ["condition psychiatric disorder", "condition pregnancy"],
        ("exclusion", 14): [],
    },
    "NCT07198672": {
        ("inclusion", 1): ["age >= 18 years [18-]", "sex female"],
        ("inclusion", 2): ["condition breast cancer", "condition solid tumour", "condition malignant tumour"],
        ("inclusion", 3): ["condition HER2-positive"],
        ("inclusion", 4): [],
        ("inclusion", 5): ["ecog ECOG [0-2]"],
        ("inclusion", 6): ["life_expectancy > 12 weeks 84d"],
        ("inclusion", 7): [],
        ("exclusion", 1): ["condition hypersensitivity"],
        ("exclusion", 2): [
            "condition aplastic anaemia",
            HAEM,
            "condition immune thrombocytopenia",
            "condition myelodysplastic syndrome",
        ],
        ("exclusion", 3): [
            "condition coagulation disorder",
            "condition bleeding",
            "condition thrombosis",
            "condition cerebrovascular disease",
            "condition transient ischaemic attack",
        ],
        ("exclusion", 4): ["condition hypertension", "condition hypertensive crisis"],
        ("exclusion", 5): ["condition pregnancy", "condition breastfeeding"],
        ("exclusion", 6): ["condition impaired oral absorption"],
        ("exclusion", 7): ["condition psychiatric disorder", "condition substance abuse"],
        ("exclusion", 8): ["washout investigational drug 4 weeks 28d @first dose"],
        ("exclusion", 9): [],
    },
    "NCT05236582": {  # states no ECOG limit: no ECOG fact anywhere
        ("inclusion", 1): ["age >= 18 years [18-]", "sex all"],
        ("inclusion", 2): ["condition chemotherapy-induced thrombocytopenia", "condition thrombocytopenia"],
        ("inclusion", 3): ["washout radiotherapy 1 month 30d", "washout chemotherapy 1 month 30d"],
        ("inclusion", 4): ["platelets < 30 x10^9/L", "condition bleeding"],  # "and bleeding tendency"
        ("inclusion", 5): ["life_expectancy >= 6 months 180d"],
        ("inclusion", 6): [],
        ("inclusion", 7): [],  # "Liver and kidney function\<1.5×upper limit": names no single lab
        ("inclusion", 8): [f"condition pregnancy ({ABSENT})"],  # "negative serum pregnancy test"
        ("exclusion", 1): [
            "condition liver disease",
            "condition heart failure",
            "condition cardiac disease",
            "condition renal disease",
        ],
        ("exclusion", 2): [],
        (
            "exclusion",
            3,
        ): [  # "... and/or hepatitis D virus (HDV), Syphilis; Positive for Epstein-Barr Virus DNA, ..."
            "condition HIV",
            "condition hepatitis B",
            "condition hepatitis C",
            "condition hepatitis D",
            "condition syphilis",
            "condition Epstein-Barr virus",
            "condition cytomegalovirus",
        ],
        ("exclusion", 4): ["condition bleeding"],
        ("exclusion", 5): ["condition cardiac disease", "condition hypertension"],
        ("exclusion", 6): ["condition thrombosis"],
        ("exclusion", 7): ["condition transplantation"],
        ("exclusion", 8): ["condition psychiatric disorder"],
        ("exclusion", 9): [],
        ("exclusion", 10): [
            "condition diabetes",
            "condition heart failure",
            "condition cardiac disease",
            "condition arrhythmia",
            "condition angina",
            "condition autoimmune disease",
        ],
        ("exclusion", 11): ["condition infection", "condition bleeding"],
        ("exclusion", 12): [],  # antiplatelet drugs "at the same time": no window
        ("exclusion", 13): ["condition pregnancy", "condition breastfeeding"],
        ("exclusion", 14): [
            "condition cardiac disease",
            "condition heart failure",
            "condition arrhythmia",
            "condition myocardial infarction",
            "condition atrial fibrillation",
        ],
        ("exclusion", 15): [],
    },
    "NCT07162519": {
        ("inclusion", 1): [],
        ("inclusion", 2): ["age years [18-75]"],
        ("inclusion", 3): ["condition breast cancer", "condition solid tumour", "condition malignant tumour"],
        ("inclusion", 4): [
            "condition breast cancer",
            "condition solid tumour",  # breast cancer is one, and a malignant tumour
            "condition malignant tumour",
            "condition chemotherapy-induced thrombocytopenia",
            "condition thrombocytopenia",
        ],
        ("inclusion", 5): ["washout romiplostim 3 months 90d"],  # "No prior treatment with romiplostim ..."
        ("inclusion", 6): ["ecog ECOG [0-2]"],
        ("inclusion", 7): ["platelets < 75 x10^9/L"],  # "\<75×10⁹/L"
        ("inclusion", 8): ["life_expectancy >= 12 weeks 84d"],
        ("inclusion", 9): [],  # contraception; "male or female condoms" is no sex rule
        ("inclusion", 10): [],
        ("exclusion", 1): [
            HAEM,
            "condition leukaemia",
            "condition immune thrombocytopenia",
            "condition myeloproliferative disease",
            "condition multiple myeloma",
            "condition myelodysplastic syndrome",
        ],
        ("exclusion", 2): ["condition liver disease", "condition infection", "condition bleeding"],
        ("exclusion", 3): ["condition bone marrow involvement"],
        ("exclusion", 4): ["washout radiotherapy 3 months 90d @screening", "condition radiotherapy"],
        ("exclusion", 5): [
            "condition cardiac disease",
            "condition heart failure",
            "condition arrhythmia",
            "condition atrial fibrillation",
            "condition coronary stent",
            "condition coronary artery bypass graft",
        ],
        ("exclusion", 6): ["condition bleeding"],
        ("exclusion", 7): ["condition brain metastases"],
        ("exclusion", 8): [
            "condition oncological emergency",
            "condition spinal cord compression",
            "condition superior vena cava syndrome",
        ],
        ("exclusion", 9): ["neutrophils < 1 x10^9/L", "hemoglobin < 80 g/L"],
        ("exclusion", 10): [
            f"alt_ast > 3 ULN {WITHOUT_LM}",
            f"bilirubin > 3 ULN {WITHOUT_LM}",
            f"alt_ast >= 5 ULN {WITH_LM}",
            f"bilirubin >= 5 ULN {WITH_LM}",
        ],
        ("exclusion", 11): ["creatinine >= 1.5 ULN", "egfr <= 60 mL/min"],
        ("exclusion", 12): ["condition hypersensitivity"],
        ("exclusion", 13): ["condition HIV"],
        ("exclusion", 14): ["condition pregnancy", "condition breastfeeding"],
        ("exclusion", 15): ["washout investigational drug 3 months 90d @screening"],
        ("exclusion", 16): [],
    },
}


@pytest.mark.parametrize("nct_id", list(SEED_FILES))
def test_every_seed_criterion_gives_the_hand_written_facts(seeds_dir: Path, nct_id: str) -> None:
    trial = seed_trial(seeds_dir, nct_id)
    expected = EXPECTED[nct_id]
    assert {(c.section, c.number) for c in trial.criteria} == set(expected)
    by_number = {(c.section, c.number): c for c in trial.criteria}
    mismatches = {}
    for key, criterion in by_number.items():
        parent = by_number.get((criterion.section, criterion.parent)) if criterion.parent else None
        got = sorted(describe(f) for f in criterion_facts(criterion, parent))
        if got != sorted(expected[key]):
            mismatches[key] = {"text": criterion.text, "got": got, "expected": sorted(expected[key])}
    assert not mismatches


def test_seed_facts_cite_their_criterion_and_section(seeds_dir: Path) -> None:
    trial = seed_trial(seeds_dir, "NCT07162519")
    for fact in extract_facts(trial):
        assert fact.source in ("inclusion", "exclusion")
        criterion = next(
            c for c in trial.criteria if c.section == fact.source and c.number == fact.criterion_number
        )
        assert fact.quote == criterion.text
        assert fact.quote in trial.text


def test_no_ecog_fact_where_the_record_states_no_ecog_limit(seeds_dir: Path) -> None:
    trial = seed_trial(seeds_dir, "NCT05236582")
    assert not [f for f in extract_facts(trial) if f.kind == FactKind.ECOG]


def test_structured_age_and_sex_facts_quote_the_fields(seeds_dir: Path) -> None:
    text = (seeds_dir / SEED_FILES["NCT05394285"]).read_text(encoding="utf-8")
    trial = Trial(
        nct_id="NCT05394285",
        source_path="seed",
        source_format="registry_page",
        text=text,
        min_age="18 Years",
        max_age="75 Years",
        min_age_years=18,
        max_age_years=75,
        sex="FEMALE",
    )
    facts = [describe(f) + " <" + f.quote + ">" for f in extract_facts(trial)]
    assert facts == [
        "age >= 18 years [18-] <18 Years>",
        "age <= 75 years [-75] <75 Years>",
        "sex female <FEMALE>",
    ]


# ---------------------------------------------------------------- criterion shapes


def _facts(text: str, section: str = "inclusion", parent: str | None = None) -> list[str]:
    criterion = Criterion(section=section, number=2, text=text, parent=1 if parent else None)  # type: ignore[arg-type]
    parent_criterion = Criterion(section=section, number=1, text=parent) if parent else None  # type: ignore[arg-type]
    return [describe(f) for f in criterion_facts(criterion, parent_criterion)]


@pytest.mark.parametrize(
    ("text", "section", "expected"),
    [
        ("ECOG performance status 0-1", "inclusion", ["ecog ECOG [0-1]"]),
        ("ECOG PS 0, 1 or 2", "inclusion", ["ecog ECOG [0-2]"]),
        ("ECOG ≤ 2", "inclusion", ["ecog ECOG <= 2 [0-2]"]),
        ("ECOG performance status ≥ 3", "exclusion", ["ecog ECOG >= 3 [0-2]"]),
        ("ECOG performance status of 3 or 4", "exclusion", ["ecog ECOG [0-2]"]),
        (
            "Eastern Cooperative Oncology\n   Group (ECOG) performance status of 0 or 1.",
            "inclusion",
            ["ecog ECOG [0-1]"],
        ),
        ("Performance status 0, 1, or 2 on ECOG scale", "inclusion", ["ecog ECOG [0-2]"]),
        ("Karnofsky performance status ≥ 70%", "inclusion", ["karnofsky Karnofsky >= 70 [70-100]"]),
        ("Zubrod 0-1", "inclusion", ["ecog Zubrod [0-1]"]),
        ("ECOG standard score 0-1", "inclusion", ["ecog ECOG [0-1]"]),
    ],
)
def test_performance_status_shapes(text: str, section: str, expected: list[str]) -> None:
    assert _facts(text, section) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Platelets ≥ 100,000/mm3", ["platelets >= 100 x10^9/L"]),
        ("Platelet count ≥ 100 x 10^3/µL", ["platelets >= 100 x10^9/L"]),
        ("platelet count ≥ 100 × 10^9/L", ["platelets >= 100 x10^9/L"]),
        ("PLT \\<50\\*109/L", ["platelets < 50 x10^9/L"]),
        ("Absolute neutrophil count at least 1,500/mm^3", ["neutrophils >= 1.5 x10^9/L"]),
        ("Hemoglobin greater than 10 g/dL", ["hemoglobin > 100 g/L"]),
        ("Creatinine no greater than 1.4 mg/dL", ["creatinine <= 1.4 mg/dL"]),
        ("Creatinine clearance ≥ 60 mL/min", ["creatinine_clearance >= 60 mL/min"]),
        (
            "AST/ALT no greater than 2.5 times upper limit of normal (ULN) (no greater than 5 times ULN if "
            "liver metastases present)",
            ["alt_ast <= 2.5 ULN", f"alt_ast <= 5 ULN {WITH_LM}"],
        ),
        (
            "Bilirubin no greater than 1.5 times ULN (unless due to Gilbert's syndrome)",
            ["bilirubin <= 1.5 ULN"],
        ),
        (
            "Aspartate aminotransferase (AST) and alanine aminotransferase (ALT) ≤ 2.5 × ULN; "
            "≤ 5 × ULN in the presence of liver metastases",
            ["alt_ast <= 2.5 ULN", f"alt_ast <= 5 ULN {WITH_LM}"],
        ),
        (
            "ALT ≤ 2.5 × ULN (≤ 5 × ULN with liver metastases)",
            ["alt_ast <= 2.5 ULN", f"alt_ast <= 5 ULN {WITH_LM}"],
        ),
        ("WBC ≥ 3,000/mm3", []),  # a lab nothing here reads: its value is not a platelet count
    ],
)
def test_lab_threshold_shapes(text: str, expected: list[str]) -> None:
    assert _facts(text) == expected


@pytest.mark.parametrize(
    ("text", "section", "parent", "expected"),
    [
        ("Aged ≥18", "inclusion", None, ["age >= 18 years [18-]"]),
        ("18 years of age or older", "inclusion", None, ["age >= 18 years [18-]"]),
        ("Between 18 and 65 years of age", "inclusion", None, ["age years [18-65]"]),
        ("18 and over", "inclusion", "Age:", ["age >= 18 years [18-]"]),
        ("Age < 18 years", "exclusion", None, ["age < 18 years [18-]"]),
        # a number right after "age" needs no unit
        ("Aged 40 or under at enrolment", "inclusion", None, ["age <= 40 years [-40]"]),
        ("Subjects age 55 and older", "inclusion", None, ["age >= 55 years [55-]"]),
        # ... but not in an aside choosing a scale, nor in a rule for those of that age
        ("Lansky play score 50-100 (age 12 and under) or Karnofsky", "inclusion", None, []),
        ("Those aged 60 or over must have a cardiology review", "inclusion", None, []),
        (
            "At least 4 weeks since prior chemotherapy",
            "inclusion",
            None,
            ["washout chemotherapy 4 weeks 28d"],
        ),
        ("At least 12 weeks", "inclusion", "Life expectancy:", ["life_expectancy >= 12 weeks 84d"]),
        ("Life expectancy of at least 3 months", "inclusion", None, ["life_expectancy >= 3 months 90d"]),
        ("No known brain metastases", "inclusion", None, [f"condition brain metastases ({ABSENT})"]),
        ("Known CNS metastases", "exclusion", None, ["condition brain metastases"]),
        ("Women who are nursing", "exclusion", None, ["condition breastfeeding"]),
        ("Haemorrhage within 4 weeks", "exclusion", None, ["condition bleeding"]),
        (
            "Female patients with breast cancer",
            "inclusion",
            None,
            ["sex female", "condition breast cancer", "condition solid tumour", "condition malignant tumour"],
        ),
        ("Women of child-bearing potential must use contraception", "inclusion", None, []),
        ("Boys and girls aged 6-17 years", "inclusion", None, ["age years [6-17]", "sex all"]),
        ("Patients 35 years of age and under must have a matched donor", "inclusion", None, []),
        ("Consent of parent or guardian in patients less than 18 years of age", "inclusion", None, []),
        ("At least 1 year of amenorrhea", "inclusion", None, []),
        # an age inside a definition of menopause is not an age limit of the trial
        ("Aged over 50 with no menses for a year, or FSH in the postmenopausal range", "inclusion", None, []),
        ("Younger than 60 and post-menopausal by bilateral oophorectomy", "inclusion", None, []),
        ("Postnatal age <= 72 h", "inclusion", None, []),
    ],
)
def test_other_shapes(text: str, section: str, parent: str | None, expected: list[str]) -> None:
    assert _facts(text, section, parent) == expected


# ---------------------------------------------------------------- real records


def _read(path: Path) -> list[Trial]:
    from index.readers import read_file

    return read_file(path).trials


def test_seed_reads_enrich_with_quotes_in_the_record_text(seeds_dir: Path) -> None:
    for path in sorted(seeds_dir.glob("*.txt")):
        for trial in _read(path):
            enriched = enrich(trial)
            assert enriched.facts, trial.nct_id
            for fact in enriched.facts:
                assert fact.quote in trial.text, (trial.nct_id, fact.quote)
            structured = [describe(f) for f in enriched.facts if f.source == "structured"]
            assert "age >= 18 years [18-]" in structured


def test_hand_checked_real_criteria(ctgov_dir: Path) -> None:
    xml = ctgov_dir / "xml_classic_1000"
    # NCT00462423: "-  ECOG performance status of 0-1."
    ecog = enrich(_read(xml / "NCT00462423.xml")[0])
    assert "ecog ECOG [0-1]" in [describe(f) for f in ecog.facts]
    # NCT00004008 (PDQ style): "Platelet count at least 100,000/mm3", "Hemoglobin at least 10 g/dL",
    # "Bilirubin no greater than 1.7 mg/dL", "WHO 0-2" under "Performance status:", "At least 12 weeks"
    # under "Life expectancy:", "Age:" then "18 and over".
    pdq = [describe(f) for f in enrich(_read(xml / "NCT00004008.xml")[0]).facts if f.source != "structured"]
    for expected in (
        "platelets >= 100 x10^9/L",
        "hemoglobin >= 100 g/L",
        "bilirubin <= 1.7 mg/dL",
        "ecog WHO [0-2]",
        "life_expectancy >= 12 weeks 84d",
        "age >= 18 years [18-]",
        "alt_ast <= 2.5 ULN",
        f"alt_ast <= 5 ULN {WITH_LM}",
        "creatinine <= 1.4 mg/dL",
        # "No active, symptomatic brain metastases (e.g., cerebral edema ...)": only active ones
        "condition brain metastases (absent in some cases)",
        "condition pregnancy (absent)",
        "condition breastfeeding (absent)",
    ):
        assert expected in pdq, expected


@pytest.mark.slow
def test_sweep_over_the_1000_real_xml_records(ctgov_dir: Path) -> None:
    paths = sorted((ctgov_dir / "xml_classic_1000").glob("*.xml"))
    assert len(paths) == 1000
    kinds: collections.Counter[str] = collections.Counter()
    ecog_mentioned = ecog_found = 0
    for path in paths:
        for trial in _read(path):
            enriched = enrich(trial)
            for fact in enriched.facts:
                assert fact.quote in trial.text, (trial.nct_id, fact.quote)
                kinds[fact.kind] += 1
            if re.search(r"\bECOG\b", trial.criteria_text or ""):
                ecog_mentioned += 1
                ecog_found += any(f.kind == FactKind.ECOG for f in enriched.facts)
    # Every kind the extractor knows turns up somewhere in 1,000 real records.
    assert set(kinds) == set(registry())
    assert ecog_found >= 0.95 * ecog_mentioned
