"""The registry of fact kinds (index/facts/kinds/): one module per kind, read by the generic code.

Albumin is the proof that adding a kind is one module: its commit added index/facts/kinds/albumin.py
and its names and units in analytes.yaml, and nothing else; these tests then find it read from real
records, asked about in questions, compared, shown on a trial card and offered to a chat model.
Expected values come from reading the records (quoted beside each).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import InMemoryTrialReader, hand_trial
from pydantic import ValidationError

import index.facts.kinds as kinds
from assistant.llm.reading import ReadValue
from assistant.service import Assistant
from assistant.understand import understand
from index.errors import ConfigurationError
from index.facts import criterion_facts
from index.facts.kinds import KindSpec, registry, spec
from index.facts.labs import lab_facts
from index.language.units import Analyte
from index.memory import read_records
from index.models import Criterion, Fact, FactKind, Trial
from index.settings import Settings
from ui.render import render_trial_card


def _facts(text: str, section: str = "inclusion") -> list[tuple[str, str | None, float | None, str | None]]:
    criterion = Criterion(section=section, number=1, text=text)  # type: ignore[arg-type]
    return [(f.kind, f.comparator, f.value, f.unit) for f in criterion_facts(criterion)]


# ---- the registry ----------------------------------------------------------------------------


def test_every_kind_the_code_names_is_registered() -> None:
    assert {kind.value for kind in FactKind} <= set(registry())


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"name": "Serum Ferritin"}, "Serum Ferritin"),
        ({"name": "ferritin", "plausible": (500, 10)}, "(500.0, 10.0)"),
        ({"name": "ferritin", "analyte": True, "names": "ferritin"}, "analytes.yaml"),
        ({"name": "ferritin", "attribute": "lab:ferritin"}, "analyte"),
        ({"name": "ferritin", "version": 0}, "version 0"),
        ({"name": "ferritin", "names": "ferritin("}, "ferritin("),
    ],
)
def test_a_kind_declared_wrongly_is_refused_naming_what(fields: dict[str, object], named: str) -> None:
    with pytest.raises(ValidationError, match=r"(?s).*" + named.replace("(", r"\(").replace(")", r"\)")):
        KindSpec(display="ferritin", family=lab_facts, order=99, **fields)  # type: ignore[arg-type]


def test_a_fact_of_no_registered_kind_is_refused() -> None:
    with pytest.raises(ValidationError, match="'ferritin' is not a fact kind"):
        Fact(kind="ferritin", source="inclusion", quote="Ferritin < 500 ng/mL")


def test_an_analyte_kind_no_module_declares_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    stray = Analyte(
        kind="ferritin", names=("ferritin",), units=(), canonical=None, bare_number=(), molar_mass=None
    )
    monkeypatch.setattr("index.language.units.analytes", lambda: (stray,))
    with pytest.raises(ConfigurationError, match="'ferritin'"):
        kinds._check_analytes(dict(registry()))


def test_facts_of_one_criterion_come_in_the_registry_order() -> None:
    text = "Platelets >= 100 x 10^9/L, ECOG 0-1 and age 18 years or older"
    assert [kind for kind, *_ in _facts(text)] == ["ecog", "age", "platelets"]


def test_a_kind_version_enters_the_index_fingerprint(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings()
    before = settings.index_fingerprint()
    bumped = {**registry(), "albumin": spec("albumin").model_copy(update={"version": 2})}
    monkeypatch.setattr(kinds, "registry", lambda: bumped)
    assert settings.index_fingerprint() != before


# ---- albumin: a kind added by one module ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "section", "expected"),
    [
        ("Serum albumin of at least 3.2 g/dL", "inclusion", [("albumin", ">=", 32.0, "g/L")]),
        ("Plasma albumin > 30 g/L", "inclusion", [("albumin", ">", 30.0, "g/L")]),
        ("Hypoalbuminaemia: albumin below 2.5 g/dl", "exclusion", [("albumin", "<", 25.0, "g/L")]),
        # a bare number is g/dL below 10 and g/L from 10 (no one lives at 10 g/dL, nor at 9 g/L)
        ("ALB ≥ 3.5", "inclusion", [("albumin", ">=", 35.0, "g/L")]),
        ("ALB ≥ 35", "inclusion", [("albumin", ">=", 35.0, "g/L")]),
        # a value in a unit albumin is not measured in is not taken
        ("albumin less than 0.8 times the upper limit of normal", "exclusion", []),
    ],
)
def test_albumin_limits_are_read_in_one_unit(
    text: str, section: str, expected: list[tuple[str, str, float, str]]
) -> None:
    assert _facts(text, section) == expected


def test_the_same_albumin_phrase_gives_the_same_value_in_a_record_and_a_question() -> None:
    record = _facts("Albumin at least 2.8 g/dL")
    patient = understand("Man of 60, albumin 2.8 g/dL, which trials could he join?", [], set()).patient
    assert patient is not None
    assert record[0][2] == patient.labs["albumin"].value == 28.0


@pytest.fixture(scope="module")
def albumin_trials(ctgov_dir: Path) -> list[Trial]:
    # NCT00003044 "Albumin at least 25 g/L"; NCT00003249 "Albumin at least 3 g/dL"; NCT00005879
    # "Albumin greater than 3.0 g/dL"; NCT00005934 excludes "Serum albumin less than 3g/dl";
    # NCT00460421 "Albumin ≥ 2 g/dL"; NCT00003158 names albumin only as "less than 0.85 times upper
    # limit of normal" within a SWOG-2 condition, no limit in a unit albumin is measured in
    wanted = {"NCT00003044", "NCT00003249", "NCT00005879", "NCT00005934", "NCT00460421", "NCT00003158"}
    trials, _ = read_records(ctgov_dir / "xml_classic_1000", wanted=wanted)
    assert len(trials) == len(wanted)
    return trials


def test_albumin_limits_of_real_records(albumin_trials: list[Trial]) -> None:
    read = {
        t.nct_id: [(f.source, f.comparator, f.value) for f in t.facts_of("albumin")] for t in albumin_trials
    }
    assert read == {
        "NCT00003044": [("inclusion", ">=", 25.0)],
        "NCT00003249": [("inclusion", ">=", 30.0)],
        "NCT00005879": [("inclusion", ">", 30.0)],
        "NCT00005934": [("exclusion", "<", 30.0)],
        "NCT00460421": [("inclusion", ">=", 20.0)],
        "NCT00003158": [],
    }


@pytest.mark.parametrize(
    "question",
    [
        "Which of these studies would take a patient whose albumin is 2.6 g/dL?",
        "Any trials OK with ALB 26 g/L?",
    ],
)
def test_a_set_question_on_albumin(albumin_trials: list[Trial], question: str) -> None:
    answer = Assistant(InMemoryTrialReader(albumin_trials)).ask(question)
    # 26 g/L meets ">= 25 g/L" and ">= 2 g/dL", not ">= 3 g/dL", "> 3.0 g/dL" nor the "< 3g/dl" exclusion
    assert answer.trials == ["NCT00003044", "NCT00460421"]
    assert "NCT00003158" in answer.answer.split("Not stated")[-1]


def test_the_albumin_threshold_of_one_trial(albumin_trials: list[Trial]) -> None:
    answer = Assistant(InMemoryTrialReader(albumin_trials)).ask(
        "What is the albumin cut-off for NCT00005879?"
    )
    assert answer.trials == ["NCT00005879"]
    assert "albumin > 30 g/L" in answer.answer
    assert any(c.quote == "Albumin greater than 3.0 g/dL" for c in answer.citations)


def test_a_patient_below_every_albumin_limit(albumin_trials: list[Trial]) -> None:
    answer = Assistant(InMemoryTrialReader(albumin_trials)).ask(
        "Retired teacher, 58, ECOG 0, albumin 1.9 g/dL after a long admission. Is there a trial for him?"
    )
    checks = {v.nct_id: [c.status for c in v.checks if c.criterion == "albumin"] for v in answer.verdicts}
    for nct_id in ("NCT00003044", "NCT00003249", "NCT00005879", "NCT00005934", "NCT00460421"):
        assert checks[nct_id] == ["not met"], nct_id
    assert checks["NCT00003158"] in ([], ["unknown"])


def test_a_trial_card_lists_albumin_among_the_other_limits() -> None:
    fact = Fact(
        kind="albumin", source="inclusion", quote="Albumin >= 3 g/dL", comparator=">=", value=30, unit="g/L"
    )
    card = render_trial_card(hand_trial("NCT10000009", ["Albumin >= 3 g/dL"], [], [fact]))
    assert "Albumin ≥ 30 g/L" in card


def test_a_chat_model_may_read_an_albumin_value_but_no_unregistered_kind() -> None:
    assert ReadValue(kind="albumin", value=2.9, unit="g/dL", evidence="alb 2.9 g/dL").kind == "albumin"
    assert "albumin" in ReadValue.model_json_schema()["properties"]["kind"]["enum"]
    with pytest.raises(ValidationError, match="'ferritin' is not one of"):
        ReadValue(kind="ferritin", value=300, evidence="ferritin 300")
