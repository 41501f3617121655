"""Readers: every expected value below was written by reading the record files, not the code's output."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from index.models import Contact, Site, Sponsor, Trial
from index.readers import FileRead, detect_format, read_file
from index.readers.dose import dose_phrases
from index.readers.normalise import age_in_years, enum_style, iso_date, phases

FIXTURES = Path(__file__).parent / "fixtures" / "readers"


def read_one(path: Path) -> Trial:
    read = read_file(path)
    assert read.errors == [], read.errors
    assert len(read.trials) == 1
    return read.trials[0]


def seed(seeds_dir: Path, prefix: str) -> Path:
    (path,) = seeds_dir.glob(f"{prefix}_*.txt")
    return path


def strings(value: object) -> Iterator[str]:
    """Every text value inside a dumped model."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def assert_fields_verbatim_in_text(trial: Trial) -> None:
    """Every text value the Trial carries occurs in its text (doses are '; '-joined phrases); a value
    stored normalised occurs as the record wrote it (`written`), which is in the dump too."""
    dumped = trial.model_dump(exclude={"text", "source_path", "source_format", *trial.written})
    for value in strings(dumped):
        for piece in value.split("; "):
            assert piece in trial.text, f"{trial.nct_id}: {piece[:80]!r} not in text"


# --- format detection -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("000", "registry_page"),
        ("001", "summary_page"),
        ("002", "registry_page"),
        ("003", "summary_page"),
        ("004", "registry_page"),
    ],
)
def test_detects_seed_formats(seeds_dir: Path, prefix: str, expected: str) -> None:
    assert detect_format(seed(seeds_dir, prefix).read_text(encoding="utf-8")) == expected


def test_detects_structured_formats_and_rejects_others(ctgov_dir: Path) -> None:
    assert detect_format((ctgov_dir / "api_v2" / "NCT03630471.json").read_text()) == "ctgov_json"
    assert detect_format((ctgov_dir / "api_v2" / "nsclc-100-studies.json").read_text()) == "ctgov_json"
    assert detect_format((ctgov_dir / "xml_classic" / "NCT00734539.xml").read_text()) == "ctgov_xml"
    assert detect_format("Shopping list\n\n- milk\n") is None
    assert detect_format('{"name": "not a trial"}') is None
    assert detect_format("<html><body>NCT ID: NCT01234567</body></html>") is None


def test_format_comes_from_content_not_file_name(tmp_path: Path, ctgov_dir: Path, seeds_dir: Path) -> None:
    json_as_text = read_one(FIXTURES / "json_record_saved_as.txt")
    assert (json_as_text.source_format, json_as_text.nct_id) == ("ctgov_json", "NCT09000021")
    xml_as_json = read_one(FIXTURES / "xml_record_saved_as.json")
    assert (xml_as_json.source_format, xml_as_json.nct_id) == ("ctgov_xml", "NCT09000022")

    renamed_page = tmp_path / "record.json"
    shutil.copy(seed(seeds_dir, "000"), renamed_page)
    assert read_one(renamed_page).source_format == "registry_page"
    renamed_study = tmp_path / "study.xml"
    shutil.copy(ctgov_dir / "api_v2" / "NCT03630471.json", renamed_study)
    assert read_one(renamed_study).source_format == "ctgov_json"


# --- registry pages ---------------------------------------------------------------------------


def test_registry_page_000(seeds_dir: Path) -> None:
    path = seed(seeds_dir, "000")
    trial = read_one(path)
    assert trial.nct_id == "NCT05394285"
    assert trial.source_format == "registry_page"
    assert trial.source_path == str(path)
    assert trial.text == path.read_text(encoding="utf-8")
    assert trial.brief_title == (
        "A Clinical Study of Hetrombopag Olamine Tablets for Thrombocytopenia Induced by "
        "Anti-tumor Treatment in Advanced Breast Cancer"
    )
    assert trial.status == "RECRUITING"
    assert trial.phases == ["PHASE2"]
    assert trial.study_type == "INTERVENTIONAL"
    assert (trial.enrollment, trial.enrollment_type) == (60, None)  # "60 participants": type not stated
    assert trial.start_date == "2022-08-19"
    assert trial.completion_date == "2025-08-01"
    assert trial.primary_completion_date is None
    assert trial.last_updated == "2025-07-17"
    assert trial.conditions == ["Breast Cancer"]
    assert (trial.allocation, trial.intervention_model) == ("RANDOMIZED", "PARALLEL")
    assert (trial.primary_purpose, trial.masking) == ("TREATMENT", "NONE")
    assert (trial.min_age, trial.min_age_years) == ("18 Years", 18.0)
    assert (trial.max_age, trial.max_age_years) == ("75 Years", 75.0)
    assert trial.sex == "FEMALE"
    assert trial.healthy_volunteers is False
    assert trial.results_posted is False  # "Results pending"
    assert trial.sponsors == [
        Sponsor(name="Jiangsu HengRui Medicine Co., Ltd.", role="collaborator", agency_class="INDUSTRY"),
        Sponsor(name="Henan Cancer Hospital", role="lead", agency_class="OTHER_GOV"),
    ]
    assert trial.investigators == [
        Contact(name="min yan", role="PRINCIPAL_INVESTIGATOR", affiliation="Henan Cancer Hospital")
    ]
    assert trial.sites == [
        Site(
            facility="Henan Cancer Hospital",
            city="Zhengzhou",
            state="Henan",
            country="China",
            status="RECRUITING",
        ),
        Site(facility="Henan Cancer Hospital", city="Zhengzhou", country="China", status="RECRUITING"),
    ]
    assert trial.contacts == [
        Contact(name="min yan", role="CONTACT", phone="15713857388"),
        Contact(name="Min Yan, Professor", role="PRIMARY", phone="+86 15713857388"),
        Contact(name="Min Yan", role="PRIMARY", phone="+86 15713857388"),
    ]
    assert trial.brief_summary is not None
    assert trial.brief_summary.startswith("This study now plans to explore")
    assert trial.detailed_description is not None
    assert trial.detailed_description.startswith("Cancer therapy-induced thrombocytopenia increases")


def test_registry_page_000_arms_and_dose(seeds_dir: Path) -> None:
    trial = read_one(seed(seeds_dir, "000"))
    assert [(arm.label, arm.type, arm.interventions) for arm in trial.arms] == [
        ("hetrombopag Olamine tablets", "EXPERIMENTAL", ["Hetrombopag"]),
        ("rhTPO", "OTHER", ["Hetrombopag"]),
    ]
    rhtpo = trial.arms[1]
    assert rhtpo.description is not None
    assert rhtpo.description.startswith("The first anti-tumor treatment cycle")
    assert "Start using rh-TPO 15000 units/day (subcutaneous injection)" in rhtpo.description
    assert "Group Type" not in rhtpo.description and "Intervention Type" not in rhtpo.description
    (hetrombopag,) = trial.interventions
    assert (hetrombopag.name, hetrombopag.type) == ("Hetrombopag", "DRUG")
    assert hetrombopag.arm_labels == ["hetrombopag Olamine tablets", "rhTPO"]
    # rhTPO's own "15000 units/day" names rh-TPO, not hetrombopag: it is not this drug's dose.
    assert hetrombopag.dose_text == "7.5 mg/day"


def test_registry_page_000_criteria(seeds_dir: Path) -> None:
    trial = read_one(seed(seeds_dir, "000"))
    assert trial.criteria_text is not None
    assert trial.criteria_text in trial.text
    assert trial.criteria_text.startswith(
        "Inclusion Criteria\n\n1. The patients signed the informed consent and voluntarily joined the study;"
    )
    assert "\n\nExclusion Criteria\n\n1. Women who are pregnant or breastfeeding;" in trial.criteria_text
    assert "16\\. Received thrombopoietin receptor agonist drugs" in trial.criteria_text
    assert trial.criteria_text.endswith("excipients of Hetrombopag ethanolamine tablets.")
    assert "Minimum Eligible Age" not in trial.criteria_text


def test_registry_page_002(seeds_dir: Path) -> None:
    trial = read_one(seed(seeds_dir, "002"))
    # "More Related Trials" lists NCT03587740 ACTIVE_NOT_RECRUITING PHASE2: another trial's data.
    assert trial.nct_id == "NCT07198672"
    assert trial.status == "NOT_YET_RECRUITING"
    assert trial.phases == ["NA"]
    assert "NCT03587740" not in (trial.criteria_text or "")
    assert (trial.enrollment, trial.enrollment_type) == (45, None)
    assert (trial.start_date, trial.completion_date) == ("2025-10-31", "2028-10-31")
    assert trial.last_updated == "2025-09-30"
    assert trial.conditions == ["HER2-positive Breast Cancer"]
    assert (trial.allocation, trial.intervention_model) == ("NA", "SINGLE_GROUP")
    assert (trial.primary_purpose, trial.masking) == ("PREVENTION", "NONE")
    assert trial.detailed_description is None  # the section holds only its blurb
    assert (trial.min_age, trial.min_age_years) == ("18 Years", 18.0)
    assert (trial.max_age, trial.max_age_years) == (None, None)
    assert trial.sex == "ALL"
    assert trial.healthy_volunteers is False
    assert trial.sponsors == [Sponsor(name="Zhenzhen Liu", role="lead", agency_class="OTHER_GOV")]
    assert trial.investigators == []
    assert trial.sites == []
    assert trial.contacts == [Contact(name="zhenzhen Liu, M.D.", role="CONTACT", phone="13603862755")]
    assert [(arm.label, arm.type, arm.interventions) for arm in trial.arms] == [
        ("Herombopag Group", "EXPERIMENTAL", ["Herombopag"])
    ]
    (herombopag,) = trial.interventions
    assert (herombopag.name, herombopag.type) == ("Herombopag", "DRUG")
    assert herombopag.dose_text == "7.5 mg once daily"
    assert trial.results_posted is False
    assert trial.criteria_text is not None and trial.criteria_text in trial.text
    assert trial.criteria_text.endswith("make participation in this study inappropriate;")


def test_registry_page_004(seeds_dir: Path) -> None:
    trial = read_one(seed(seeds_dir, "004"))
    assert trial.nct_id == "NCT07162519"
    assert trial.status == "NOT_YET_RECRUITING"
    assert trial.phases == ["NA"]
    assert trial.enrollment == 68
    assert (trial.start_date, trial.completion_date, trial.last_updated) == (
        "2025-09-20",
        "2026-11-30",
        "2025-09-09",
    )
    # The page prints the conditions run together on one line; they are not split by guesswork.
    assert trial.conditions == ["Cytotoxic Drugs Romiplostim N01 Breast Cancer"]
    assert (trial.allocation, trial.intervention_model, trial.primary_purpose, trial.masking) == (
        "NA",
        "SINGLE_GROUP",
        "TREATMENT",
        "NONE",
    )
    assert (trial.min_age_years, trial.max_age_years, trial.sex) == (18.0, 75.0, "ALL")
    assert [(s.name, s.role) for s in trial.sponsors] == [
        ("Affiliated Hospital of Hebei University", "collaborator"),
        (
            "Union Hospital, Tongji Medical College, Huazhong University of Science and Technology",
            "collaborator",
        ),
        ("Shandong Cancer Hospital and Institute", "collaborator"),
        ("Tangshan People's Hospital", "collaborator"),
        ("Tianjin Medical University Cancer Institute and Hospital", "lead"),
    ]
    assert {s.agency_class for s in trial.sponsors} == {"OTHER"}
    assert trial.contacts == [Contact(name="Yehui Shi", role="CONTACT", phone="+8618622221183")]
    (arm,) = trial.arms
    assert (arm.label, arm.type, arm.description) == (
        "Drug Intervention Group - Treated with Romiplostim N01",
        "EXPERIMENTAL",
        None,
    )
    assert arm.interventions == ["romiplostim N01"]
    (drug,) = trial.interventions
    assert (drug.name, drug.type) == ("romiplostim N01", "DRUG")
    # Stated in the brief summary: "Romiplostim N01: 200 μg per dose, administered subcutaneously".
    assert drug.dose_text == "200 μg per dose"
    assert trial.results_posted is False
    assert trial.criteria_text is not None and trial.criteria_text in trial.text
    assert "13.HIV-infected patients; 14.Pregnant or lactating women;" in trial.criteria_text


# --- summary pages ----------------------------------------------------------------------------


def test_summary_page_001(seeds_dir: Path) -> None:
    path = seed(seeds_dir, "001")
    trial = read_one(path)
    assert trial.nct_id == "NCT06433830"
    assert trial.source_format == "summary_page"
    assert trial.text == path.read_text(encoding="utf-8")
    assert trial.brief_title == "Hetrombopag for treating low platelet counts during cancer therapy"
    assert trial.official_title == (
        "A Single-arm, Phase II Trial of Hetrombopag for the Treatment of Concurrent "
        "Chemoradiotherapy-induced Thrombocytopenia in Patients With Advanced Solid Tumors"
    )
    assert trial.status is None  # the page has no recruitment status
    assert trial.phases == ["PHASE2"]
    assert trial.study_type == "INTERVENTIONAL"
    assert (trial.enrollment, trial.enrollment_type) == (50, "ESTIMATED")
    assert (trial.min_age, trial.min_age_years) == ("18 Years", 18.0)
    assert (trial.max_age, trial.max_age_years) == (None, None)  # "18 Years and up"
    assert trial.sex == "ALL"
    assert trial.sponsors == [Sponsor(name="Sir Run Run Shaw Hospital", role="lead", agency_class="OTHER")]
    assert trial.sites == [Site(city="Hangzhou", state="Zhejiang")]
    assert trial.conditions == [
        "Thrombocytopenia",
        "Radiotherapy Side Effect",
        "hetrombopag",
        "thrombocytopenia",
    ]
    assert [item.name for item in trial.interventions] == ["chemotherapy", "radiation"]
    # "Last reviewed 2026-05-15 by the ... editorial team" dates the page, not the registry record.
    assert trial.last_updated is None
    assert trial.results_posted is None
    assert (trial.start_date, trial.allocation, trial.healthy_volunteers) == (None, None, None)
    assert trial.criteria_text is not None and trial.criteria_text in trial.text
    assert trial.criteria_text.startswith(
        "Inclusion Criteria:\n\n* Age ≥ 18 years old, regardless of gender;"
    )
    assert "\n\nExclusion Criteria:\n\n* Screening for thrombocytopenia" in trial.criteria_text
    assert trial.criteria_text.endswith(
        "The researcher believes that the participants are not suitable for enrollment."
    )
    assert "Show full inclusion" not in trial.criteria_text


def test_summary_page_003(seeds_dir: Path) -> None:
    trial = read_one(seed(seeds_dir, "003"))
    assert trial.nct_id == "NCT05236582"
    assert trial.status is None
    assert trial.phases == ["PHASE2"]
    assert (trial.enrollment, trial.enrollment_type) == (50, "ESTIMATED")
    assert (trial.min_age_years, trial.max_age_years, trial.sex) == (18.0, None, "ALL")
    assert trial.sponsors == [
        Sponsor(
            name="Institute of Hematology & Blood Diseases Hospital, China", role="lead", agency_class="OTHER"
        )
    ]
    assert trial.sites == [Site(city="Tianjin", state="Tianjin Municipality")]
    assert trial.conditions == ["Chemotherapy-induced Thrombocytopenia", "Herombopag"]
    assert [item.name for item in trial.interventions] == ["chemotherapy"]
    assert trial.last_updated is None
    assert trial.criteria_text is not None and trial.criteria_text in trial.text
    assert trial.criteria_text.endswith(
        "Researchers believe that patients should not participate in the test of any other condition."
    )


def test_page_fields_quoted_from_the_page_are_verbatim(seeds_dir: Path) -> None:
    """Titles, descriptions, names and criteria are slices of the page (enums are normalised)."""
    for path in sorted(seeds_dir.glob("*.txt")):
        trial = read_one(path)
        quoted = [trial.brief_title, trial.official_title, trial.brief_summary, trial.detailed_description]
        quoted += [trial.criteria_text, trial.min_age, trial.max_age, *trial.conditions]
        quoted += [s.name for s in trial.sponsors] + [site.facility for site in trial.sites]
        quoted += [arm.label for arm in trial.arms] + [arm.description for arm in trial.arms]
        quoted += [item.name for item in trial.interventions] + [
            item.description for item in trial.interventions
        ]
        quoted += [piece for item in trial.interventions for piece in (item.dose_text or "").split("; ")]
        for value in quoted:
            assert value is None or value in trial.text, f"{path.name}: {value!r}"


# --- ClinicalTrials.gov API v2 JSON -----------------------------------------------------------


def test_api_v2_single_studies_all_read(ctgov_dir: Path) -> None:
    paths = sorted((ctgov_dir / "api_v2").glob("NCT*.json"))
    assert len(paths) == 13
    for path in paths:
        trial = read_one(path)
        assert trial.source_format == "ctgov_json"
        assert trial.criteria_text is None or trial.criteria_text in trial.text
        assert_fields_verbatim_in_text(trial)


def test_api_v2_study_with_results(ctgov_dir: Path) -> None:
    trial = read_one(ctgov_dir / "api_v2" / "NCT02552212.json")
    assert trial.nct_id == "NCT02552212"
    assert trial.brief_title == (
        "Multicenter Study Evaluating Certolizumab Pegol Compared to Placebo in Subjects With axSpA "
        "Without X-ray Evidence of AS"
    )
    assert trial.status == "COMPLETED"
    assert trial.phases == ["PHASE3"]
    assert (trial.enrollment, trial.enrollment_type) == (317, "ACTUAL")
    assert (trial.start_date, trial.primary_completion_date, trial.completion_date) == (
        "2015-09",
        "2018-05",
        "2020-05",
    )
    assert trial.last_updated == "2022-08-18"
    assert trial.conditions == [
        "Axial Spondyloarthritis",
        "Nonradiographic Axial Spondyloarthritis",
        "Nr-axSpA",
    ]
    assert "Certolizumab Pegol" in trial.keywords
    assert (trial.allocation, trial.intervention_model, trial.primary_purpose, trial.masking) == (
        "RANDOMIZED",
        "PARALLEL",
        "TREATMENT",
        "QUADRUPLE",
    )
    assert trial.sponsors == [Sponsor(name="UCB BIOSCIENCES GmbH", role="lead", agency_class="INDUSTRY")]
    assert trial.results_posted is True
    assert (trial.min_age, trial.max_age, trial.sex, trial.healthy_volunteers) == (
        "18 Years",
        None,
        "ALL",
        False,
    )
    assert [(arm.label, arm.type, arm.interventions) for arm in trial.arms] == [
        ("Certolizumab Pegol 200 mg Q2W", "EXPERIMENTAL", ["Certolizumab Pegol"]),
        ("Placebo", "PLACEBO_COMPARATOR", ["Placebo"]),
    ]
    czp, placebo = trial.interventions
    assert (czp.name, czp.type, czp.arm_labels) == (
        "Certolizumab Pegol",
        "BIOLOGICAL",
        ["Certolizumab Pegol 200 mg Q2W"],
    )
    assert czp.dose_text is not None and "400 mg" in czp.dose_text.split("; ")  # "(CZP) 400 mg subcutaneous"
    # "certolizumab pegol (CZP) 200 mg every two weeks or placebo": the dose is CZP's, not placebo's.
    assert placebo.dose_text is None
    assert trial.primary_outcomes[0].time_frame == "Week 52"
    assert len(trial.primary_outcomes) == 11
    assert trial.investigators == [
        Contact(name="UCB Cares", role="STUDY_DIRECTOR", affiliation="1-844-599-2273 (UCB)")
    ]
    assert trial.sites[0] == Site(
        facility="As0006 125", city="Birmingham", state="Alabama", country="United States"
    )


def test_api_v2_study_without_results(ctgov_dir: Path) -> None:
    trial = read_one(ctgov_dir / "api_v2" / "NCT03630471.json")
    assert trial.nct_id == "NCT03630471"
    assert trial.status == "COMPLETED"
    assert trial.phases == ["NA"]
    assert (trial.enrollment, trial.enrollment_type) == (250, "ACTUAL")
    assert (trial.start_date, trial.completion_date, trial.last_updated) == (
        "2018-08-20",
        "2019-02-28",
        "2019-05-21",
    )
    assert trial.masking == "DOUBLE"
    assert trial.keywords == ["Adolescents"]
    assert (trial.min_age, trial.min_age_years, trial.max_age, trial.max_age_years) == (
        "13 Years",
        13.0,
        "20 Years",
        20.0,
    )
    assert (trial.sex, trial.healthy_volunteers, trial.results_posted) == ("ALL", False, False)
    assert trial.sponsors == [
        Sponsor(name="Sangath", role="lead", agency_class="OTHER"),
        Sponsor(name="Harvard Medical School (HMS and HSDM)", role="collaborator", agency_class="OTHER"),
        Sponsor(
            name="London School of Hygiene and Tropical Medicine", role="collaborator", agency_class="OTHER"
        ),
    ]
    assert trial.sites == [Site(facility="Sangath", city="New Delhi", state="Delhi", country="India")]
    assert trial.investigators == [
        Contact(
            name="Vikram Patel, PhD",
            role="PRINCIPAL_INVESTIGATOR",
            affiliation="Harvard Medical School (HMS and HSDM)",
        )
    ]
    assert [(arm.label, arm.interventions) for arm in trial.arms] == [
        ("Control", ["Enhanced usual care"]),
        ("Intervention", ["PRIDE 'Step 1' problem-solving intervention"]),
    ]
    assert trial.criteria_text is not None
    assert trial.criteria_text.startswith("Eligibility criteria:\n\nFor adolescent participants:")
    assert trial.criteria_text in trial.text


def test_api_v2_study_with_identification_only(ctgov_dir: Path) -> None:
    trial = read_one(ctgov_dir / "api_v2" / "NCT00465816.json")
    assert (trial.nct_id, trial.brief_title) == ("NCT00465816", "Primary Study to Demonstrate...")
    assert trial.official_title == "Non-inferiority of GSK Biologicals..."
    assert (trial.status, trial.phases, trial.criteria_text, trial.sex) == (None, [], None, None)
    assert trial.results_posted is True  # "hasResults": true


def test_api_v2_list_of_100(ctgov_dir: Path) -> None:
    read = read_file(ctgov_dir / "api_v2" / "nsclc-100-studies.json")
    assert read.errors == []
    assert len(read.trials) == 100
    assert len({trial.nct_id for trial in read.trials}) == 100
    first, last = read.trials[0], read.trials[-1]
    assert first.nct_id == "NCT06576635"
    assert last.nct_id == "NCT04007835"
    assert first.brief_title is not None and first.brief_title.startswith("LUNG-05:")
    assert (first.status, first.phases) == ("RECRUITING", ["NA"])
    assert (first.enrollment, first.enrollment_type) == (29, "ESTIMATED")
    assert (first.start_date, first.primary_completion_date, first.last_updated) == (
        "2024-12-16",
        "2026-09",
        "2025-11-06",
    )
    assert first.conditions == ["NSCLC"]
    assert first.sponsors == [
        Sponsor(name="University of Illinois at Chicago", role="lead", agency_class="OTHER")
    ]
    assert first.contacts[:2] == [
        Contact(
            name="Frank Weinberg, MD, PhD", role="CONTACT", phone="(312) 413-7494", email="fweinb1@uic.edu"
        ),
        Contact(name="Ruihong Yin", role="CONTACT", phone="(312) 355-2545", email="ryin6@uic.edu"),
    ]
    assert first.sites[0] == Site(
        facility="University of Illinois Cancer Center",
        city="Chicago",
        state="Illinois",
        country="United States",
        status="RECRUITING",
    )
    doses = {item.name: item.dose_text for item in first.interventions}
    assert doses["Docetaxel"] == "75 mg/m2"
    assert doses["Gemcitabine"] == "1000 mg/m2; 1,250 mg/m2"
    assert first.arms[0].interventions == [
        "Docetaxel",
        "Paclitaxel",
        "Gemcitabine",
        "Pemetrexed",
        "Vinorelbine",
    ]
    assert first.results_posted is False
    for trial in read.trials:
        assert trial.criteria_text is None or trial.criteria_text in trial.text
        assert_fields_verbatim_in_text(trial)


def test_json_list_with_one_bad_study_keeps_the_good_ones() -> None:
    path = FIXTURES / "list_one_bad.json"
    read = read_file(path)
    assert [trial.nct_id for trial in read.trials] == ["NCT09000011", "NCT09000013"]
    (error,) = read.errors
    assert error.path == str(path)
    assert "study 2 of 3 (NCT09000012)" in error.reason
    assert "'count'" in error.reason
    good = read.trials[0]
    assert (good.status, good.phases, good.enrollment, good.enrollment_type) == (
        "RECRUITING",
        ["PHASE1", "PHASE2"],
        40,
        "ESTIMATED",
    )
    assert (good.min_age, good.min_age_years, good.max_age_years, good.sex) == (
        "6 Months",
        0.5,
        17.0,
        "FEMALE",
    )
    assert good.criteria_text == "Inclusion Criteria:\n\n* ECOG 0-1\n\nExclusion Criteria:\n\n* Pregnancy"
    assert good.criteria_text in good.text
    assert read.trials[1].results_posted is True


# --- ClinicalTrials.gov classic XML -----------------------------------------------------------


def test_xml_classic_record(ctgov_dir: Path) -> None:
    trial = read_one(ctgov_dir / "xml_classic" / "NCT00734539.xml")
    assert trial.nct_id == "NCT00734539"
    assert trial.source_format == "ctgov_xml"
    assert (
        trial.official_title
        == "Fluconazole Prophylaxis for the Prevention of Candidiasis in Infants < 750 Grams Birth"
    )
    assert (trial.status, trial.phases, trial.study_type) == ("COMPLETED", ["PHASE3"], "INTERVENTIONAL")
    assert (trial.enrollment, trial.enrollment_type) == (362, "ACTUAL")
    assert (trial.start_date, trial.primary_completion_date, trial.completion_date) == (
        "2008-11",
        "2011-12",
        "2013-04",
    )
    assert trial.last_updated == "2014-08-01"  # <last_update_posted>August 1, 2014
    assert trial.conditions == ["Candidiasis"]
    assert (trial.allocation, trial.intervention_model, trial.primary_purpose, trial.masking) == (
        "RANDOMIZED",
        "PARALLEL",
        "PREVENTION",
        "QUADRUPLE",
    )
    assert (trial.min_age, trial.min_age_years) == (None, None)  # N/A
    assert trial.max_age == "5 Days"
    assert trial.max_age_years == pytest.approx(5 / 365.25, abs=1e-4)
    assert (trial.sex, trial.healthy_volunteers, trial.results_posted) == ("ALL", False, True)
    assert trial.sponsors == [
        Sponsor(name="Daniel Benjamin", role="lead", agency_class="OTHER"),
        Sponsor(
            name="Eunice Kennedy Shriver National Institute of Child Health and Human Development (NICHD)",
            role="collaborator",
            agency_class="NIH",
        ),
        Sponsor(name="Thrasher Research Fund", role="collaborator", agency_class="OTHER"),
        Sponsor(name="Food and Drug Administration (FDA)", role="collaborator", agency_class="FED"),
    ]
    assert trial.investigators[0] == Contact(
        name="Daniel K Benjamin, MD MPH PhD",
        role="PRINCIPAL_INVESTIGATOR",
        affiliation="Duke Univerisity Medical Center, Duke Clinical Research Institute",
    )
    assert len(trial.sites) == 33
    assert trial.sites[0] == Site(
        facility="University of Alabama at Birmingham",
        city="Birmingham",
        state="Alabama",
        country="United States",
    )
    assert [(arm.label, arm.type, arm.interventions) for arm in trial.arms] == [
        ("1", "EXPERIMENTAL", ["fluconazole"]),
        ("2", "PLACEBO_COMPARATOR", ["placebo"]),
    ]
    fluconazole, placebo = trial.interventions
    assert (fluconazole.type, fluconazole.arm_labels) == ("DRUG", ["1"])
    assert fluconazole.dose_text is not None and fluconazole.dose_text.startswith("6mg/kg")
    assert placebo.dose_text is None  # "fluconazole (6 mg/kg) or placebo" is fluconazole's dose
    assert trial.primary_outcomes[0].measure == "Death or Candidiasis"
    assert trial.primary_outcomes[0].time_frame == "study day 49"
    assert len(trial.secondary_outcomes) == 11
    assert trial.criteria_text is not None
    assert trial.criteria_text.startswith("Inclusion Criteria:\n\n  -  Informed consent from the legally")
    assert "  -  liver failure (AST and ALT > 250 U/L)" in trial.criteria_text
    assert trial.criteria_text.endswith("triplet or higher multiple gestations")
    assert trial.criteria_text in trial.text


def test_xml_classic_combined_phase_and_no_age_limits(ctgov_dir: Path) -> None:
    trial = read_one(ctgov_dir / "xml_classic" / "NCT00023673.xml")
    assert trial.phases == ["PHASE1", "PHASE2"]  # <phase>Phase 1/Phase 2</phase>
    assert (trial.start_date, trial.enrollment, trial.enrollment_type) == ("2001-07", 63, "ACTUAL")
    assert (trial.min_age, trial.max_age, trial.min_age_years, trial.max_age_years) == (
        None,
        None,
        None,
        None,
    )
    assert trial.conditions[0] == "Lung Cancer"
    assert trial.last_updated == "2017-12-22"
    assert [s.name for s in trial.sponsors] == [
        "Radiation Therapy Oncology Group",
        "National Cancer Institute (NCI)",
    ]
    assert trial.criteria_text is not None and trial.criteria_text.startswith("DISEASE CHARACTERISTICS:")


def test_xml_classic_overall_contact(ctgov_dir: Path) -> None:
    trial = read_one(ctgov_dir / "xml_classic" / "NCT00001177.xml")
    assert trial.contacts[0] == Contact(
        name="Peter J Schmidt, M.D.",
        role="CONTACT",
        phone="(301) 496-6120",
        email="peterschmidt@mail.nih.gov",
    )
    assert trial.results_posted is False


def test_xml_classic_60_records(ctgov_dir: Path) -> None:
    paths = sorted((ctgov_dir / "xml_classic").glob("*.xml"))
    assert len(paths) == 60
    for path in paths:
        trial = read_one(path)
        # NCT00980226.xml holds NCT00081588, which lists NCT00980226 as an <nct_alias>.
        assert trial.nct_id == path.stem or f"<nct_alias>{path.stem}</nct_alias>" in path.read_text()
        assert_fields_verbatim_in_text(trial)


def test_xml_classic_1000_sweep(ctgov_dir: Path) -> None:
    paths = sorted((ctgov_dir / "xml_classic_1000").glob("*.xml"))
    assert len(paths) == 1000
    started = time.perf_counter()
    reads: list[tuple[Path, FileRead]] = [(path, read_file(path)) for path in paths]
    elapsed = time.perf_counter() - started
    assert [error for _, read in reads for error in read.errors] == []
    for path, read in reads:
        (trial,) = read.trials
        assert trial.nct_id == path.stem
        assert trial.criteria_text is not None and trial.criteria_text in trial.text
    assert elapsed < 30, f"reading 1,000 XML records took {elapsed:.1f} s"


# --- bad files --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("empty.txt", "file is empty"),
        ("non_utf8.txt", "not valid UTF-8: byte 0xe9 at offset 24"),
        ("truncated.json", "truncated JSON"),
        ("truncated.xml", "truncated XML"),
        ("unknown_format.txt", "unknown format"),
        ("no_nct_id.json", "record has no NCT ID"),
        ("no_nct_id.xml", "record has no NCT ID"),
        ("entity_expansion.xml", "DTD or entity declarations is refused"),
    ],
)
def test_bad_file_gives_one_clear_error(name: str, reason: str) -> None:
    path = FIXTURES / name
    read = read_file(path)
    assert read.trials == []
    (error,) = read.errors
    assert error.path == str(path)
    assert reason in error.reason
    assert str(error).startswith(f"{path}: ")
    assert "\n" not in str(error)


def test_missing_file_and_folder_are_errors(tmp_path: Path) -> None:
    missing = read_file(tmp_path / "absent.json")
    assert missing.trials == [] and "cannot read" in missing.errors[0].reason
    folder = read_file(tmp_path)
    assert folder.trials == [] and "folder" in folder.errors[0].reason


def test_whitespace_only_file_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "blank.txt"
    path.write_text("  \n\n\t\n", encoding="utf-8")
    assert read_file(path).errors[0].reason == "file is empty"


def test_page_without_nct_id_line_is_not_a_registry_page(tmp_path: Path, seeds_dir: Path) -> None:
    text = seed(seeds_dir, "000").read_text(encoding="utf-8").replace("NCT ID: NCT05394285\n", "")
    path = tmp_path / "page.txt"
    path.write_text(text, encoding="utf-8")
    (error,) = read_file(path).errors
    assert "unknown format" in error.reason


# --- normalisation and dose phrases -----------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Phase 1/Phase 2", ["PHASE1", "PHASE2"]),
        ("PHASE2", ["PHASE2"]),
        ("N/A", ["NA"]),
        ("NA", ["NA"]),
        ("Early Phase 1", ["EARLY_PHASE1"]),
        ("PHASE1, PHASE2", ["PHASE1", "PHASE2"]),
        ("", []),
    ],
)
def test_phases(raw: str, expected: list[str]) -> None:
    assert phases(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Active, not recruiting", "ACTIVE_NOT_RECRUITING"),
        ("Unknown status", "UNKNOWN"),
        ("Not yet recruiting", "NOT_YET_RECRUITING"),
        ("Single Group Assignment", "SINGLE_GROUP"),
        ("None (Open Label)", "NONE"),
        ("Double (Participant, Investigator)", "DOUBLE"),
        ("Anticipated", "ESTIMATED"),
        ("U.S. Fed", "FED"),
        ("N/A", "NA"),
        ("  ", None),
    ],
)
def test_enum_style(raw: str, expected: str | None) -> None:
    assert enum_style(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("18 Years", 18.0), ("6 Months", 0.5), ("1 Year", 1.0), ("N/A", None), ("", None), ("adult", None)],
)
def test_age_in_years(raw: str, expected: float | None) -> None:
    assert age_in_years(raw) == expected


def test_iso_dates() -> None:
    assert iso_date("November 2008") == "2008-11"
    assert iso_date("May 11, 2018") == "2018-05-11"
    assert iso_date("2022-08-19") == "2022-08-19"
    assert iso_date("  ") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("oral hetrombopag 7.5 mg/day was started", ["7.5 mg/day"]),
        ("Start using rh-TPO 15000 units/day (subcutaneous injection)", ["15000 units/day"]),
        ("Romiplostim N01: 200 μg per dose, administered subcutaneously", ["200 μg per dose"]),
        ("starting at a dose of 7.5 mg once daily.", ["7.5 mg once daily"]),
        ("1000 mg/m2 IV over 30 minutes or 1,250 mg/m2 IV", ["1000 mg/m2", "1,250 mg/m2"]),
        ("hemoglobin ≥ 80g/L, creatinine > 2 mg/dL, platelets < 50 x 10^9/L", []),
        ("Age 18-75 years old", []),
    ],
)
def test_dose_phrases(text: str, expected: list[str]) -> None:
    assert dose_phrases(text) == expected


def test_crlf_and_byte_order_mark_read_like_plain_newlines(tmp_path: Path, seeds_dir: Path) -> None:
    text = seed(seeds_dir, "004").read_text(encoding="utf-8")
    path = tmp_path / "windows.txt"
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    trial = read_one(path)
    assert trial.text == text
    assert (trial.nct_id, trial.status, trial.max_age) == ("NCT07162519", "NOT_YET_RECRUITING", "75 Years")


def test_json_value_outside_the_model_is_a_per_study_error(tmp_path: Path) -> None:
    path = tmp_path / "studies.json"
    path.write_text(
        '[{"protocolSection": {"identificationModule": {"nctId": "NCT09000031"}}},'
        ' {"protocolSection": {"identificationModule": {"nctId": "NCT09000032"},'
        ' "armsInterventionsModule": {"armGroups": [{"type": "EXPERIMENTAL"}]}}}]',
        encoding="utf-8",
    )
    read = read_file(path)
    assert [trial.nct_id for trial in read.trials] == ["NCT09000031"]
    (error,) = read.errors
    assert "study 2 of 2 (NCT09000032)" in error.reason and "'label'" in error.reason


def test_registry_page_arm_with_two_interventions() -> None:
    path = FIXTURES / "registry_page_two_arms.txt"
    trial = read_one(path)
    assert trial.nct_id == "NCT09000041"  # not NCT09999999 from "More Related Trials"
    assert trial.status == "ACTIVE_NOT_RECRUITING"  # not that trial's RECRUITING
    assert trial.phases == ["PHASE1", "PHASE2"]
    assert (trial.enrollment, trial.start_date, trial.primary_completion_date) == (1200, "2023-01", "2025-06")
    assert [(arm.label, arm.type, arm.description, arm.interventions) for arm in trial.arms] == [
        ("Combination", "EXPERIMENTAL", "Drug X with Drug Y.", ["Drug X", "Drug Y"]),
        ("Monotherapy", "ACTIVE_COMPARATOR", None, ["Drug X"]),
    ]
    assert [(item.name, item.type, item.dose_text, item.arm_labels) for item in trial.interventions] == [
        ("Drug X", "DRUG", "10 mg twice daily", ["Combination", "Monotherapy"]),
        ("Drug Y", "BIOLOGICAL", "3 mg/kg every 3 weeks", ["Combination"]),
    ]
    assert (trial.min_age, trial.min_age_years, trial.max_age, trial.max_age_years) == (
        "6 Months",
        0.5,
        None,
        None,
    )
    assert (trial.sex, trial.healthy_volunteers) == ("MALE", True)
    assert trial.sites == [
        Site(facility="City Hospital", city="Lyon", country="France", status="ACTIVE_NOT_RECRUITING")
    ]
    assert trial.criteria_text == (
        "Inclusion Criteria\n\n1. Adults with measurable disease.\n\nExclusion Criteria\n\n1. Prior Drug Y."
    )


def test_registry_page_arms_without_an_interventions_section(tmp_path: Path) -> None:
    """Without descriptions to compare, prose paragraphs end an intervention, a bare line starts an arm."""
    text = (FIXTURES / "registry_page_two_arms.txt").read_text(encoding="utf-8")
    start, end = text.index("Interventions\n\nLearn about"), text.index("Eligibility Criteria\n")
    path = tmp_path / "page.txt"
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    trial = read_one(path)
    assert [(arm.label, arm.interventions) for arm in trial.arms] == [
        ("Combination", ["Drug X", "Drug Y"]),
        ("Monotherapy", ["Drug X"]),
    ]
    assert [(item.name, item.type, item.arm_labels) for item in trial.interventions] == [
        ("Drug X", "DRUG", ["Combination", "Monotherapy"]),
        ("Drug Y", "BIOLOGICAL", ["Combination"]),
    ]


def test_other_identifiers_in_every_format(seeds_dir: Path, ctgov_dir: Path) -> None:
    # seeds/004: "Other Identifiers / QL-CTIT-RULS-1002 / Identifier Source: org_study_id"
    assert read_one(next(seeds_dir.glob("004_*.txt"))).other_ids == ["QL-CTIT-RULS-1002"]
    # <id_info><org_study_id>06254</org_study_id><secondary_id>NCI-2010-00353</secondary_id>...
    xml = read_one(ctgov_dir / "xml_classic_1000" / "NCT00499655.xml")
    assert xml.other_ids == ["06254", "NCI-2010-00353", "CDR0000549751"]
    # identificationModule.secondaryIdInfos: [{"id": "2015-001894-41", "type": "EUDRACT_NUMBER"}]
    assert read_one(ctgov_dir / "api_v2" / "NCT02278341.json").other_ids == ["2015-001894-41"]
