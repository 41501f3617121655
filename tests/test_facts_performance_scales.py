"""Performance status written on the cooperative groups' scales (SWOG, CALGB, GOG, CTC: the
ECOG/Zubrod 0-5 scale under another name) and exceptions stated in parentheses."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.enrich import enrich
from index.facts import criterion_facts
from index.facts.performance import EXCEPTION
from index.models import Criterion, FactKind, Section, Trial
from tests.test_facts import describe

EXC = f"({EXCEPTION})"


def _facts(text: str, section: Section = "inclusion", heading: str | None = None) -> list[str]:
    parent = Criterion(section=section, number=1, text=heading) if heading else None
    criterion = Criterion(section=section, number=2, text=text, parent=1 if heading else None)
    return [
        describe(f)
        for f in criterion_facts(criterion, parent)
        if f.kind in (FactKind.ECOG, FactKind.KARNOFSKY)
    ]


@pytest.mark.parametrize(
    ("text", "section", "expected"),
    [
        ("WHO performance status 1 or lower", "inclusion", ["ecog WHO <= 1 [0-1]"]),
        ("Zubrod 2 or better", "inclusion", ["ecog Zubrod <= 2 [0-2]"]),  # better: towards 0
        ("Karnofsky 60% or better", "inclusion", ["karnofsky Karnofsky >= 60 [60-100]"]),  # towards 100
        ("ECOG 2 or higher", "exclusion", ["ecog ECOG >= 2 [0-1]"]),
        # "=<" and "=>" typed for "<=" and ">=": the "=" is part of the comparison
        (
            "Karnofsky => 60 or Zubrod performance status =< 2",
            "inclusion",
            ["karnofsky Karnofsky >= 60 [60-100]", "ecog Zubrod <= 2 [0-2]"],
        ),
        ("WHO PS => 3", "exclusion", ["ecog WHO >= 3 [0-2]"]),
    ],
)
def test_a_comparison_written_after_the_score(text: str, section: Section, expected: list[str]) -> None:
    assert _facts(text, section) == expected


@pytest.mark.parametrize(
    ("text", "heading", "expected"),
    [
        ("Performance status: SWOG 0-1", None, ["ecog SWOG [0-1]"]),
        ("SWOG 0 to 3", "Performance status:", ["ecog SWOG [0-3]"]),
        ("Performance status - CALGB 0 or 1", None, ["ecog CALGB [0-1]"]),
        ("Performance status: CALBG 0-2", None, ["ecog CALGB [0-2]"]),
        ("GOG 0-3", "Performance status:", ["ecog GOG [0-3]"]),
        ("Performance status: NCI CTC 0-1", None, ["ecog CTC [0-1]"]),
        ("Southwest Oncology Group performance status of 0 to 2 required", None, ["ecog SWOG [0-2]"]),
        ("Gynecologic Oncology Group performance status 0-1", None, ["ecog GOG [0-1]"]),
    ],
)
def test_cooperative_group_scales_read_as_ecog(text: str, heading: str | None, expected: list[str]) -> None:
    assert _facts(text, heading=heading) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Prior treatment on SWOG 9005 allowed",
        "No peripheral neuropathy above CTC grade 1",
        "Enrolled on GOG 0218 or a similar protocol",
        "CTC 2 or less for any prior toxicity",  # no performance status in sight
    ],
)
def test_group_names_without_performance_status_are_no_scale(text: str) -> None:
    assert _facts(text) == []


def test_a_toxicity_grade_beside_a_performance_status_is_not_read() -> None:
    assert _facts("Neuropathy no worse than CTC grade 1; performance status ECOG 0 or 1") == [
        "ecog ECOG [0-1]"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # An allowance widens the limit for those it names.
        (
            "ECOG 0-1 (ECOG 2 allowed if limited by arthritis alone)",
            ["ecog ECOG [0-1]", f"ecog ECOG [0-2] {EXC}"],
        ),
        (
            "Zubrod 0-2 (3 permitted when caused by bone pain)",
            ["ecog Zubrod [0-2]", f"ecog Zubrod [0-3] {EXC}"],
        ),
        (
            "Performance status: SWOG 0-1 (SWOG 2 or 3 acceptable in some cases)",
            ["ecog SWOG [0-1]", f"ecog SWOG [0-3] {EXC}"],
        ),
        # Another condition replaces it for those it names.
        ("ECOG 0-2 (0-1 for patients older than 75)", ["ecog ECOG [0-2]", f"ecog ECOG [0-1] {EXC}"]),
        # A parenthesis that states no condition is no exception.
        ("ECOG 0-1 (see appendix B)", ["ecog ECOG [0-1]"]),
    ],
)
def test_exceptions_in_parentheses(text: str, expected: list[str]) -> None:
    assert _facts(text) == expected


def test_an_inclusion_limit_written_less_than_one_allows_only_zero() -> None:
    assert _facts("ECOG performance status less than 1") == ["ecog ECOG < 1 [0-0]"]


# ---------------------------------------------------------------- answers


def _hand_trial(nct_id: str, inclusion: list[str]) -> Trial:
    from index.facts import extract_facts

    criteria = [Criterion(section="inclusion", number=i + 1, text=t) for i, t in enumerate(inclusion)]
    text = "\n".join(inclusion)
    trial = Trial(
        nct_id=nct_id,
        source_path="hand",
        source_format="seed",
        text=text,
        criteria_text=text,
        inclusion=criteria,
    )
    return trial.model_copy(update={"facts": extract_facts(trial)})


@pytest.mark.parametrize(
    ("criterion", "ecog", "outcome"),
    [
        ("ECOG 0-1 (ECOG 2 allowed if limited by arthritis alone)", 1, "match"),
        ("ECOG 0-1 (ECOG 2 allowed if limited by arthritis alone)", 2, "not stated"),
        ("ECOG 0-1 (ECOG 2 allowed if limited by arthritis alone)", 3, "no match"),
        ("Performance status: GOG 0-2", 2, "match"),
        ("Performance status: GOG 0-2", 3, "no match"),
    ],
)
def test_ecog_answers_over_exceptions_and_group_scales(criterion: str, ecog: int, outcome: str) -> None:
    from assistant.evaluate import numeric_result
    from assistant.query import NumericTest

    trial = _hand_trial("NCT90000001", [criterion])
    test = NumericTest(kind=FactKind.ECOG, mode="accepts", value=ecog, label=f"ECOG {ecog}")
    assert numeric_result(trial, test).outcome == outcome


# ---------------------------------------------------------------- real records


def _real(ctgov_dir: Path, nct_id: str) -> list[str]:
    from index.readers import read_file

    trial = enrich(read_file(ctgov_dir / "xml_classic_1000" / f"{nct_id}.xml").trials[0])
    return [describe(f) for f in trial.facts if f.kind == FactKind.ECOG]


@pytest.mark.parametrize(
    ("nct_id", "expected"),
    [
        ("NCT00003127", ["ecog SWOG [0-2]"]),  # "Performance status: SWOG 0-2" (run-together PDQ)
        ("NCT00003192", ["ecog CALGB [0-2]"]),  # "Performance status: CALGB 0-2"
        ("NCT00003387", ["ecog CALGB [0-1]"]),  # "Performance status: CALBG 0-1" (letters swapped)
        ("NCT00003382", ["ecog GOG [0-2]"]),  # heading "Performance status:", item "GOG 0-2"
        ("NCT00004856", ["ecog CTC [0-2]"]),  # "Performance status - CTC 0-2"
        # "Southwest Oncology Group performance status criteria of 0 - 1 (0= fully active, ...)"
        ("NCT00005097", ["ecog SWOG [0-1]"]),
        # "ECOG 0-2 (ECOG 3 allowed if increase due only to pain)"
        ("NCT00002881", ["ecog ECOG [0-2]", f"ecog ECOG [0-3] {EXC}"]),
        # heading "Performance status:", item "SWOG 0-2 (SWOG 3 or 4 based solely on bone pain allowed)"
        ("NCT00002548", ["ecog SWOG [0-2]", f"ecog SWOG [0-4] {EXC}"]),
        # "Subject Exclusion Criteria" heads the exclusions; the ECOG item is an inclusion: only ECOG 0
        ("NCT00493857", ["ecog ECOG < 1 [0-0]"]),
        # "ECOG performance status 2 or less.": the comparison after the number
        ("NCT00496444", ["ecog ECOG <= 2 [0-2]"]),
        # inclusion "ECOG performance status of 0-2."; exclusion "... of 3 or more.": 0-2 allowed
        ("NCT00001637", ["ecog ECOG [0-2]", "ecog ECOG >= 3 [0-2]"]),
    ],
)
def test_real_records(ctgov_dir: Path, nct_id: str, expected: list[str]) -> None:
    assert _real(ctgov_dir, nct_id) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a time after a performance-status heading is a misplaced life expectancy, not a score
        ("Performance status: Greater than 2 months", []),
        # a rule for the patients of some scores is no limit on anyone's
        ("Subjects with WHO performance status 0-1 should have failed first-line therapy", []),
        # an alternative offered on a condition widens the range for those it names only
        (
            "Zubrod 0-1 or Zubrod 2 if due to bone pain",
            ["ecog Zubrod [0-1]", "ecog Zubrod [0-2] (with the criterion's stated exception)"],
        ),
    ],
)
def test_readings_that_are_no_plain_limit(text: str, expected: list[str]) -> None:
    assert _facts(text) == expected
