"""The same mechanisms over real ClinicalTrials.gov records: 50 classic XML files read with the readers
and enriched, answers checked against the XML fields this test reads itself with ElementTree."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from fakes import InMemoryTrialReader, read_trials

from assistant.models import Answer
from assistant.service import Assistant
from index.models import Trial

SAMPLE = 50


@pytest.fixture(scope="module")
def sample_files(ctgov_dir: Path) -> list[Path]:
    files = sorted((ctgov_dir / "xml_classic_1000").glob("*.xml"))[:SAMPLE]
    if len(files) < SAMPLE:
        pytest.skip("the 1,000-record XML export is not complete")
    return files


@pytest.fixture(scope="module")
def trials(sample_files: list[Path]) -> list[Trial]:
    return read_trials(sample_files)


@pytest.fixture(scope="module")
def assistant(trials: list[Trial]) -> Assistant:
    return Assistant(InMemoryTrialReader(trials))


@pytest.fixture(scope="module")
def xml_fields(sample_files: list[Path]) -> dict[str, dict[str, str]]:
    fields = {}
    for path in sample_files:
        root = ET.parse(path).getroot()
        fields[root.findtext("id_info/nct_id") or ""] = {
            "phase": root.findtext("phase") or "",
            "status": root.findtext("overall_status") or "",
            "max_age": root.findtext("eligibility/maximum_age") or "N/A",
            "min_age": root.findtext("eligibility/minimum_age") or "N/A",
            "officials": "|".join(o.findtext("last_name") or "" for o in root.iterfind("overall_official")),
            "types": " ".join(i.findtext("intervention_type") or "" for i in root.iterfind("intervention")),
            "lead_sponsor": root.findtext("sponsors/lead_sponsor/agency") or "",
        }
    return fields


def _verified(answer: Answer) -> None:
    assert not any("failed verification" in note for note in answer.notes), answer.notes


def test_maximum_age_matches_the_xml(assistant: Assistant, xml_fields: dict[str, dict[str, str]]) -> None:
    checked = 0
    for nct_id, fields in xml_fields.items():
        written = re.fullmatch(r"(\d+) Years?", fields["max_age"])
        if fields["max_age"] != "N/A" and not written:
            continue  # months/weeks limits are converted; checked by the readers' own tests
        answer = assistant.ask(f"What is the maximum age for {nct_id}?")
        _verified(answer)
        if written:
            assert f"maximum {written.group(1)} years" in answer.answer, (nct_id, answer.answer)
            assert answer.trials == [nct_id]
        else:
            # No registry maximum: either nothing is stated, or a criterion states one (and says so).
            assert "(registry field)" not in answer.answer.split("minimum")[0], (nct_id, answer.answer)
            assert "does not state its maximum age" in answer.answer or "criterion)" in answer.answer
        checked += 1
    assert checked >= 40


def test_sponsor_matches_the_xml(assistant: Assistant, xml_fields: dict[str, dict[str, str]]) -> None:
    for nct_id, fields in list(xml_fields.items())[:20]:
        answer = assistant.ask(f"Who is the sponsor of {nct_id}?")
        _verified(answer)
        assert fields["lead_sponsor"] in answer.answer, (nct_id, answer.answer)


def test_phase_attribute_matches_the_xml(assistant: Assistant, xml_fields: dict[str, dict[str, str]]) -> None:
    for nct_id, fields in list(xml_fields.items())[:20]:
        answer = assistant.ask(f"What phase is {nct_id}?")
        _verified(answer)
        if fields["phase"] in ("", "N/A"):
            assert "Not applicable" in answer.answer or "does not state its phase" in answer.answer
        else:
            for number in re.findall(r"Phase (\d)", fields["phase"]):
                assert f"Phase {number}" in answer.answer, (nct_id, fields["phase"], answer.answer)


def test_phase_2_set_over_the_whole_sample(
    assistant: Assistant, xml_fields: dict[str, dict[str, str]]
) -> None:
    expected = {nct_id for nct_id, f in xml_fields.items() if "Phase 2" in f["phase"]}
    answer = assistant.ask("Which trials are phase 2?")
    _verified(answer)
    assert set(answer.trials) == expected
    assert expected, "the sample should hold phase 2 trials"


def test_completed_set_over_the_whole_sample(
    assistant: Assistant, xml_fields: dict[str, dict[str, str]]
) -> None:
    expected = {nct_id for nct_id, f in xml_fields.items() if f["status"] == "Completed"}
    answer = assistant.ask("How many trials are completed?")
    _verified(answer)
    assert set(answer.trials) == expected
    assert f"{len(expected)} of {len(xml_fields)} trials" in answer.answer


@pytest.fixture(scope="module")
def raw_records(sample_files: list[Path]) -> dict[str, str]:
    """Each record's own words: the XML's element text with its entities decoded, whitespace collapsed."""
    return {
        (root := ET.parse(path).getroot()).findtext("id_info/nct_id") or "": " ".join(
            " ".join(root.itertext()).split()
        ).lower()
        for path in sample_files
    }


@pytest.mark.parametrize(
    "question",
    [
        "Which trials are phase 2?",
        "Which trials have completed?",
        "Which studies are observational?",
        "Which trials are open label?",
        "Which trials are randomized?",
        "Which trials started in 1999?",
        "Which trials are for treatment?",
    ],
)
def test_field_quotes_are_the_records_own_words(
    assistant: Assistant, raw_records: dict[str, str], question: str
) -> None:
    """Structured fields are stored normalised (PHASE2, COMPLETED) and shown in a labelled view: a
    quote holds neither our labels nor our normalised values, only words the XML itself holds."""
    answer = assistant.ask(question)
    assert answer.trials, question
    for citation in answer.citations:
        quote = " ".join(citation.quote.split()).lower()
        assert quote in raw_records[citation.nct_id], (question, citation)


def _years(written: str) -> float | None:
    """'3 Months' -> 0.25: the registry's age field in years; None for 'N/A'."""
    match = re.fullmatch(r"(\d+) (Year|Month|Week|Day)s?", written)
    if match is None:
        return None
    per_year = {"Year": 1, "Month": 12, "Week": 52, "Day": 365}[match.group(2)]
    return int(match.group(1)) / per_year


def test_children_under_an_age_over_the_whole_sample(
    assistant: Assistant, xml_fields: dict[str, dict[str, str]]
) -> None:
    # "younger than 12": some age below 12 within the registry's age fields (both N/A: not stated)
    expected = set()
    for nct_id, fields in xml_fields.items():
        low, high = _years(fields["min_age"]), _years(fields["max_age"])
        if (low is not None or high is not None) and (low is None or low < 12):
            expected.add(nct_id)
    answer = assistant.ask("Which studies take kids younger than 12?")
    _verified(answer)
    assert set(answer.trials) == expected
    assert expected, "the sample should hold trials for children"


def test_two_statuses_joined_by_or_over_the_whole_sample(
    assistant: Assistant, xml_fields: dict[str, dict[str, str]]
) -> None:
    expected = {nct_id for nct_id, f in xml_fields.items() if f["status"] in ("Terminated", "Withdrawn")}
    answer = assistant.ask("Which of the studies were withdrawn or terminated?")
    _verified(answer)
    assert set(answer.trials) == expected
    assert expected, "the sample should hold stopped trials"


def test_two_intervention_types_joined_by_or_over_the_whole_sample(
    assistant: Assistant, xml_fields: dict[str, dict[str, str]]
) -> None:
    expected = {
        nct_id for nct_id, f in xml_fields.items() if {"Device", "Behavioral"} & set(f["types"].split())
    }
    answer = assistant.ask("which trials test behavioral or device interventions?")
    _verified(answer)
    assert set(answer.trials) == expected
    assert expected, "the sample should hold device or behavioural trials"


def test_a_patients_condition_asks_the_same_set_as_the_condition(assistant: Assistant) -> None:
    direct = assistant.ask("Which trials exclude HIV infection?")
    through = assistant.ask(
        "Pt is HIV-positive, stable on antiretroviral therapy. Which trials would exclude this patient?"
    )
    _verified(through)
    assert through.kind == "set" and set(through.trials) == set(direct.trials)
    assert direct.trials, "the sample should hold trials excluding HIV"


def test_investigators_match_the_xml(assistant: Assistant, xml_fields: dict[str, dict[str, str]]) -> None:
    named = [(nct_id, f["officials"].split("|")) for nct_id, f in xml_fields.items() if f["officials"]]
    for nct_id, officials in named[:15]:
        answer = assistant.ask(f"Who are the principal investigators of {nct_id}?")
        _verified(answer)
        assert all(name in answer.answer for name in officials), (nct_id, officials, answer.answer)
    assert named, "the sample should name overall officials"
