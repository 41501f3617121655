"""The clinical language core: one reading of units and vocabulary for records and questions.

The properties run over every analyte, unit family and vocabulary entry in the data files, so an
entry a clinician adds is checked without a new test.
"""

from __future__ import annotations

import itertools
import re

import pytest

from assistant.understand import understand
from index.facts import criterion_facts
from index.language.units import analyte, analytes, to_canonical, unit_families
from index.language.vocabulary import CONDITIONS, DRUG_CLASSES, ROUTES, find_terms
from index.language.words import excluding_verbs, numbers_in_digits, verb_forms
from index.models import Criterion, FactKind

# A unit as a record and a question both write it, per family (the data file's own spellings are
# regexes; these are plain spellings a person types).
_WRITTEN = {
    "count": "x10^9/L",
    "per_uL": "/µL",
    "g/dL": "g/dL",
    "g/L": "g/L",
    "mg/dL": "mg/dL",
    "umol/L": "µmol/L",
    "mmol/L": "mmol/L",
    "mL/min": "mL/min",
    "ULN": "x ULN",
}
_NAMES = {
    FactKind.PLATELETS: "platelet count",
    FactKind.NEUTROPHILS: "ANC",
    FactKind.HEMOGLOBIN: "haemoglobin",
    FactKind.CREATININE: "serum creatinine",
    FactKind.CREATININE_CLEARANCE: "creatinine clearance",
    FactKind.EGFR: "eGFR",
    FactKind.ALT_AST: "ALT",
    FactKind.BILIRUBIN: "total bilirubin",
}
_CASES = [
    (kind, family, value)
    for kind, name in _NAMES.items()
    if (a := analyte(kind)) is not None
    for family in a.units
    if family != "bare"
    for value in (2.5, 60.0, 1500.0)
]


def _record_value(kind: FactKind, text: str) -> tuple[float, str] | None:
    criterion = Criterion(section="inclusion", number=1, text=text)
    facts = [f for f in criterion_facts(criterion, None) if f.kind == kind]
    return (facts[0].value, facts[0].unit) if facts and facts[0].value is not None else None  # type: ignore[return-value]


def _question_value(kind: FactKind, text: str) -> tuple[float, str | None] | None:
    query = understand(f"Which trials accept a patient with {text}?", [], {"NCT00000001"})
    tests = [t for t in query.numeric if t.kind == kind]
    return (tests[0].value, tests[0].unit) if tests else None


@pytest.mark.parametrize(("kind", "family", "value"), _CASES)
def test_a_lab_value_reads_the_same_in_a_record_and_in_a_question(
    kind: FactKind, family: str, value: float
) -> None:
    phrase = f"{_NAMES[kind]} {value:g} {_WRITTEN[family]}"
    record = _record_value(kind, f"{_NAMES[kind]} >= {value:g} {_WRITTEN[family]}")
    question = _question_value(kind, phrase)
    assert record is not None, f"record side does not read {phrase!r}"
    assert question is not None, f"question side does not read {phrase!r}"
    assert record[0] == pytest.approx(question[0]) and record[1] == question[1], phrase


@pytest.mark.parametrize("kind", [FactKind.PLATELETS, FactKind.NEUTROPHILS, FactKind.HEMOGLOBIN])
@pytest.mark.parametrize("value", [0.8, 7.2, 45, 101, 800, 1500, 45000])
def test_a_bare_number_reads_the_same_in_a_record_and_in_a_question(kind: FactKind, value: float) -> None:
    record = _record_value(kind, f"{_NAMES[kind]} >= {value:g}")
    question = _question_value(kind, f"{_NAMES[kind]} {value:g}")
    assert record is not None and question is not None
    assert record[0] == pytest.approx(question[0]) and record[1] == question[1]


@pytest.mark.parametrize(
    ("kind", "value", "family", "expected"),
    [
        # Worked by hand: 800 cells/µL = 800e6 /L = 0.8e9 /L.
        (FactKind.NEUTROPHILS, 800, None, 0.8),
        (FactKind.NEUTROPHILS, 1.5, None, 1.5),
        (FactKind.PLATELETS, 75_000, "per_uL", 75),
        (FactKind.PLATELETS, 75, "count", 75),
        (FactKind.HEMOGLOBIN, 9, "g/dL", 90),
        (FactKind.HEMOGLOBIN, 9, None, 90),  # nobody has 9 g/L haemoglobin
        (FactKind.HEMOGLOBIN, 90, None, 90),
        (FactKind.HEMOGLOBIN, 6.0, "mmol/L", 96.687),  # x 16.1145 g/mmol (haemoglobin monomer)
    ],
)
def test_values_come_to_the_unit_they_are_compared_in(
    kind: FactKind, value: float, family: str | None, expected: float
) -> None:
    amount = to_canonical(kind, value, family)
    assert amount is not None and amount.value == pytest.approx(expected, rel=1e-3)


def test_a_unit_that_does_not_fit_the_analyte_is_refused() -> None:
    assert to_canonical(FactKind.PLATELETS, 100, "mL/min") is None
    assert to_canonical(FactKind.ALT_AST, 40, None) is None  # a bare ALT is U/L, which facts do not compare


def test_every_unit_family_converts_to_itself() -> None:
    from index.language.units import convert

    for family in unit_families():
        assert convert(3.0, family.key, family.key) == 3.0


def test_creatinine_and_bilirubin_convert_through_their_molar_mass() -> None:
    from index.language.units import convert

    # 1 mg/dL creatinine = 10 mg/L / 113.12 mg/mmol = 88.4 µmol/L; bilirubin 1 mg/dL = 17.1 µmol/L.
    assert convert(1.0, "mg/dL", "umol/L", FactKind.CREATININE) == pytest.approx(88.4, rel=1e-3)
    assert convert(1.0, "mg/dL", "umol/L", FactKind.BILIRUBIN) == pytest.approx(17.1, rel=1e-2)


def test_every_analyte_with_a_canonical_unit_accepts_it() -> None:
    for a in analytes():
        if a.canonical not in (None, "as_written"):
            assert a.canonical in a.units, a


@pytest.mark.parametrize("term", CONDITIONS + DRUG_CLASSES + ROUTES, ids=lambda t: t.name)
def test_every_vocabulary_entry_is_found_by_its_own_name(term: object) -> None:
    """A canonical name an answer shows must read back as itself when a user types it."""
    name = term.name  # type: ignore[attr-defined]
    assert name in find_terms(name)


@pytest.mark.parametrize("term", CONDITIONS + DRUG_CLASSES + ROUTES, ids=lambda t: t.name)
def test_broader_terms_name_entries_that_exist(term: object) -> None:
    names = {t.name for t in itertools.chain(CONDITIONS, DRUG_CLASSES, ROUTES)}
    for broader in term.broader:  # type: ignore[attr-defined]
        assert broader in names


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("on carboplatin and paclitaxel", "platinum-based chemotherapy"),
        ("XELOX stopped last month", "platinum-based chemotherapy"),
        ("pegfilgrastim after each cycle", "granulocyte colony-stimulating factor"),
        ("known atrial flutter", "arrhythmia"),
        ("clopidogrel since her PCI", "antiplatelet drugs"),
        ("on rivaroxaban", "anticoagulants"),
        ("one dose of eltrombopag", "thrombopoietin receptor agonist"),
        ("darbepoetin for anaemia", "erythropoietin"),
        ("metastatic spinal cord compression", "oncological emergency"),
        ("von Willebrand's disease type 2", "coagulation disorder"),
        ("SABR to a lung nodule", "radiotherapy"),
        ("large bowel cancer of the sigmoid", "colorectal cancer"),
    ],
)
def test_members_count_as_their_class(written: str, expected: str) -> None:
    assert expected in find_terms(written)


def test_a_criterion_and_a_question_name_the_same_concepts() -> None:
    criterion = "History of TIA or stroke, or a drug-eluting stent within 12 months"
    question = "a patient who had a transient ischemic attack and coronary stents placed"
    assert {"transient ischaemic attack", "coronary stent"} <= set(find_terms(criterion)) & set(
        find_terms(question)
    )


def test_every_shorthand_stems_as_the_word_it_stands_for() -> None:
    from index.language.words import abbreviations, stem

    for short, full in abbreviations().items():
        assert stem(short) == stem(full), short
    assert stem("wks") == stem("weeks") and stem("max") == stem("maximum")


def test_words_of_one_synonym_group_stem_alike() -> None:
    from index.language.words import _data, stem

    for group in _data()["synonyms"]:
        assert len({stem(str(w)) for w in group}) == 1, group
    assert stem("anti-tumour") == stem("anti-tumor")
    assert stem("resumed") == stem("restarting") and stem("therapies") == stem("treatment")


def test_every_registry_value_filters_a_field_questions_can_name() -> None:
    from typing import get_args

    from assistant.query import FieldName
    from index.language.registry import field_values

    for value in field_values():
        assert value.field in get_args(FieldName) and value.values, value.label


def test_words_for_people_are_read_as_whole_words() -> None:
    import re

    from index.language.words import people

    assert re.search(people(), "how many ppl will it take", re.IGNORECASE)
    assert re.search(people(), "open to older adults", re.IGNORECASE)
    assert not re.search(people(), "a pediatrician's note", re.IGNORECASE)


@pytest.mark.parametrize(
    "written",
    [
        "two metastases in the left frontal lobe",
        "brainstem mets on the staging MRI",
        "Known secondaries in the posterior fossa are excluded",
        "ring-enhancing lesions within the cerebellum",
    ],
)
def test_brain_metastases_named_by_their_part_of_the_brain(written: str) -> None:
    assert "brain metastases" in find_terms(written)


def test_a_brain_lesion_alone_is_not_a_metastasis() -> None:
    assert "brain metastases" not in find_terms("an old ischaemic lesion in the brain from a stroke")


def test_her2_scored_one_plus_is_not_positive() -> None:
    terms = find_terms("ER 8/8, HER2 IHC 1+ on the core biopsy")
    assert "HER2-negative" in terms and "HER2-positive" not in terms


@pytest.mark.parametrize(
    ("written", "digits"),
    [
        ("platelets were forty-five on Monday", "platelets were 45 on Monday"),
        ("she turned eighty-one in May", "she turned 81 in May"),
        ("one of two trials", "one of two trials"),  # lone small numbers stay words
    ],
)
def test_numbers_written_in_words(written: str, digits: str) -> None:
    assert numbers_in_digits(written) == digits


@pytest.mark.parametrize(
    ("written", "named"),
    [
        ("earlier treated or newly found CNS (central nervous system) metastases", "brain metastases"),
        ("acute myeloid leukemia (AML) in first remission", "acute myeloid leukaemia"),
        ("HIV (human immunodeficiency virus) infection", "HIV"),
    ],
)
def test_a_parenthesis_restating_a_short_form_is_read_past(written: str, named: str) -> None:
    assert named in find_terms(written)


def test_a_parenthesis_saying_something_else_still_parts_the_words() -> None:
    # "(treated)" restates nothing: "CNS" and "metastases" are no longer one name
    assert "brain metastases" not in find_terms("CNS (treated) metastases")


@pytest.mark.parametrize(
    ("written", "kind"),
    [
        ("Diabetes mellitus, type II", "type 2 diabetes"),
        ("NIDDM on two oral agents", "type 2 diabetes"),
        ("insulin-dependent diabetes since childhood", "type 1 diabetes"),
        ("T1D for 5 years", "type 1 diabetes"),
    ],
)
def test_the_kind_of_diabetes_is_read_and_counts_as_diabetes(written: str, kind: str) -> None:
    other = {"type 1 diabetes", "type 2 diabetes"} - {kind}
    found = find_terms(written)
    assert kind in found and "diabetes" in found and not other & set(found)


@pytest.mark.parametrize("written", ["s/p CABG x3 in May", "coronary artery bypass surgery last year"])
def test_a_bypass_graft_is_a_cardiac_history(written: str) -> None:
    assert {"coronary artery bypass graft", "cardiac disease"} <= set(find_terms(written))


@pytest.mark.parametrize(
    ("written", "involved"),
    [
        ("trephine biopsy of the marrow... marrow biopsy showed metastatic carcinoma", True),
        ("BM infiltration confirmed last week", True),
        ("marrow biopsy was normal", False),
    ],
)
def test_a_marrow_examination_finding_is_marrow_involvement(written: str, involved: bool) -> None:
    assert ("bone marrow involvement" in find_terms(written)) is involved


def test_verbs_are_read_in_every_form() -> None:
    assert verb_forms("bar") == ["bar", "bars", "barring", "barred"]
    assert verb_forms("refuse") == ["refuse", "refuses", "refusing", "refused"]
    assert verb_forms("disqualify") == ["disqualify", "disqualifies", "disqualifying", "disqualified"]
    assert verb_forms("keep", ["kept"]) == ["keep", "keeps", "keeping", "kept"]
    assert verb_forms("screen") == ["screen", "screens", "screening", "screened"]
    out = re.compile(rf"\b(?:{excluding_verbs('out')})\b")
    assert out.fullmatch("left") and out.fullmatch("ruled") and not out.fullmatch("leaved")
