"""Candidate queries: the fact store rules out only trials the evaluators would not put in the result,
so a set or matching answer is the same with narrowing as without."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from fakes import InMemoryTrialReader, hand_trial

from assistant.candidates import narrow_set, selected, set_conditions, set_stating
from assistant.models import Answer
from assistant.query import FieldTest, NumericTest, Query, QuestionKind, TermTest
from assistant.service import Assistant
from index.fact_store import FactStore, sqlite_engine
from index.memory import RecordsReader, read_records
from index.models import Fact, FactKind, Site, Trial
from index.settings import Settings

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def limit(kind: FactKind, source: str, number: int, quote: str, **reading: Any) -> Fact:
    return Fact(kind=kind, source=source, criterion_number=number, quote=quote, **reading)  # type: ignore[arg-type]


ECOG_0_1 = hand_trial(
    "NCT00000011",
    ["ECOG 0-1", "Platelets >= 100 x10^9/L"],
    [],
    [
        limit(FactKind.ECOG, "inclusion", 1, "ECOG 0-1", low=0, high=1),
        limit(
            FactKind.PLATELETS,
            "inclusion",
            2,
            "Platelets >= 100 x10^9/L",
            comparator=">=",
            value=100,
            unit="x10^9/L",
        ),
    ],
)
ECOG_0_2 = hand_trial(
    "NCT00000012",
    ["ECOG 0-2"],
    ["Platelets < 50 x10^9/L"],
    [
        limit(FactKind.ECOG, "inclusion", 1, "ECOG 0-2", low=0, high=2),
        limit(
            FactKind.PLATELETS,
            "exclusion",
            1,
            "Platelets < 50 x10^9/L",
            comparator="<",
            value=50,
            unit="x10^9/L",
        ),
    ],
)
# ALT limits that depend on liver metastases: which one applies is not known from "ALT 4 x ULN" alone
CONDITIONAL = hand_trial(
    "NCT00000013",
    ["ALT <= 3 x ULN; <= 5 x ULN with liver metastases"],
    [],
    [
        limit(FactKind.ALT_AST, "inclusion", 1, "ALT <= 3 x ULN", comparator="<=", value=3, unit="ULN"),
        limit(
            FactKind.ALT_AST,
            "inclusion",
            1,
            "<= 5 x ULN with liver metastases",
            comparator="<=",
            value=5,
            unit="ULN",
            qualifier="with liver metastases",
        ),
    ],
)
SILENT = hand_trial("NCT00000014", ["Adults with lymphoma"], [], [])


def with_fields(trial: Trial, **fields: Any) -> Trial:
    return trial.model_copy(update=fields)


CORPUS = [
    with_fields(
        ECOG_0_1,
        status="RECRUITING",
        phases=["PHASE2"],
        start_date="2019-06",
        min_age_years=18,
        max_age_years=65,
        sites=[Site(city="Oslo", country="Norway")],
    ),
    with_fields(
        ECOG_0_2, status="COMPLETED", phases=["PHASE3"], start_date="2016", sites=[Site(facility="Clinic A")]
    ),
    with_fields(CONDITIONAL, status="RECRUITING", phases=[], min_age_years=18),
    SILENT,
]


@pytest.fixture(scope="module")
def reader() -> RecordsReader:
    return RecordsReader(CORPUS)


def out(reader: RecordsReader, query: Query) -> set[str]:
    store = reader.facts()
    assert store is not None
    return selected(store, set_conditions(store, query), reader.trials_at()[1])


def ask(**tests: Any) -> Query:
    return Query(question="q", kind=QuestionKind.SET, **tests)


def accepts(kind: FactKind, value: float, unit: str | None = None) -> NumericTest:
    return NumericTest(kind=kind, mode="accepts", value=value, unit=unit, label=f"{kind} {value}")


def test_a_range_or_a_limit_that_refuses_the_value_rules_a_trial_out(reader: RecordsReader) -> None:
    # ECOG 2: the 0-1 trial refuses it; the 0-2 trial accepts; the others state no ECOG limit
    assert out(reader, ask(numeric=[accepts(FactKind.ECOG, 2)])) == {"NCT00000011"}
    # 45,000/µL is 45 x10^9/L: below the first trial's 100 and inside the second's exclusion (< 50)
    assert out(reader, ask(numeric=[accepts(FactKind.PLATELETS, 45_000, "/µL")])) == {
        "NCT00000011",
        "NCT00000012",
    }
    assert out(reader, ask(numeric=[accepts(FactKind.PLATELETS, 120, "x10^9/L")])) == set()


def test_limits_that_depend_on_an_unstated_circumstance_rule_nothing_out(reader: RecordsReader) -> None:
    # ALT 4 x ULN is refused without liver metastases and allowed with them: "not stated", kept
    assert out(reader, ask(numeric=[accepts(FactKind.ALT_AST, 4, "ULN")])) == set()


def test_the_registry_age_range_rules_out(reader: RecordsReader) -> None:
    assert out(reader, ask(numeric=[accepts(FactKind.AGE, 70, "years")])) == {"NCT00000011"}
    assert out(reader, ask(numeric=[accepts(FactKind.AGE, 16, "years")])) == {"NCT00000011", "NCT00000013"}


def test_people_beyond_a_value_rule_out_no_trial_taking_some_of_them() -> None:
    # "children under 12": a trial for ages 2 to 5 takes them though it refuses age 12 itself
    toddlers = hand_trial(
        "NCT00000041",
        ["Age 2 to 5 years"],
        [],
        [limit(FactKind.AGE, "inclusion", 1, "Age 2 to 5 years", low=2, high=5)],
    )
    reader = RecordsReader([toddlers, SILENT])
    under_12 = accepts(FactKind.AGE, 12, "years").model_copy(update={"comparator": "<"})
    assert out(reader, ask(numeric=[under_12])) == set()
    question = "Which trials accept children under 12?"
    narrowed = Assistant(InMemoryTrialReader([toddlers, SILENT]), Settings(fact_store_min_trials=0))
    assert narrowed.ask(question, "s").trials == ["NCT00000041"]


def test_which_trials_exclude_a_value_is_never_narrowed(reader: RecordsReader) -> None:
    # "which trials exclude ECOG 2?": the refusing trials are the result, not to be left out
    assert out(reader, ask(numeric=[accepts(FactKind.ECOG, 2)], wants_excluded=True)) == set()


def test_registry_fields_rule_out_trials_stating_another_value(reader: RecordsReader) -> None:
    recruiting = FieldTest(field="status", values=["RECRUITING"], label="recruiting")
    assert out(reader, ask(fields=[recruiting])) == {"NCT00000012"}  # the silent trial states no status
    not_recruiting = recruiting.model_copy(update={"negated": True})
    assert out(reader, ask(fields=[not_recruiting])) == {"NCT00000011", "NCT00000013"}
    phase_2 = FieldTest(field="phase", values=["PHASE2"], label="phase 2")
    assert out(reader, ask(fields=[phase_2])) == {"NCT00000012"}  # a trial listing no phase is not stated


def test_dates_compare_a_month_by_its_first_or_last_day(reader: RecordsReader) -> None:
    # fields._judge_date: "after" reads "2019-06" as 2019-06-01, "before" as 2019-06-30
    after = FieldTest(field="start_date", values=["2019-05-31"], operator=">", label="after")
    assert out(reader, ask(fields=[after])) == {"NCT00000012"}  # started in 2016
    before = FieldTest(field="start_date", values=["2019-06-30"], operator="<", label="before")
    assert out(reader, ask(fields=[before])) == {"NCT00000011"}  # June 2019 runs to the 30th


def test_a_place_rules_out_trials_whose_sites_are_all_elsewhere(reader: RecordsReader) -> None:
    # NCT00000011 is in Oslo; NCT00000012's one site has no place ("Clinic A"): where it is is not
    # stated, as for the trials listing no sites, so it is not ruled out
    bergen = FieldTest(field="location", values=["bergen"], label="in Bergen")
    assert out(reader, ask(fields=[bergen])) == {"NCT00000011"}
    oslo = FieldTest(field="location", values=["oslo"], label="in Oslo")
    assert out(reader, ask(fields=[oslo])) == set()
    not_oslo = FieldTest(field="location", values=["oslo"], label="no site in Oslo", negated=True)
    assert out(reader, ask(fields=[not_oslo])) == {"NCT00000011"}
    outside = FieldTest(field="location", values=["oslo"], label="outside Oslo", operator="outside")
    assert out(reader, ask(fields=[outside])) == set()  # a question of each site: read from the record


def test_tests_that_read_record_text_rule_nothing_out(reader: RecordsReader) -> None:
    sponsor = FieldTest(field="sponsor_name", values=["Oslo"], label="sponsored by Oslo")
    assert out(reader, ask(fields=[sponsor])) == set()
    requires = NumericTest(
        kind=FactKind.PLATELETS, mode="requires", value=50, comparator="<", label="plt < 50"
    )
    assert out(reader, ask(numeric=[requires])) == set()


def unstated(reader: RecordsReader, query: Query) -> set[str]:
    """The trials known not to state what is asked: every trial but those that may state it."""
    store = reader.facts()
    assert store is not None
    may_state = set_stating(store, query)
    every = {t.nct_id for t in reader.all_trials()}
    return set() if may_state is None else every - selected(store, [may_state], reader.trials_at()[1])


def test_trials_setting_no_limit_of_the_kind_are_known_unstated_without_reading_them(
    reader: RecordsReader,
) -> None:
    ecog_2 = ask(numeric=[accepts(FactKind.ECOG, 2)])
    assert unstated(reader, ecog_2) == {"NCT00000013", "NCT00000014"}  # an ALT limit only; no limit
    platelets_and_ecog = ask(numeric=[accepts(FactKind.ECOG, 2), accepts(FactKind.PLATELETS, 80, "x10^9/L")])
    assert unstated(reader, platelets_and_ecog) == {"NCT00000013", "NCT00000014"}
    # "which trials exclude ECOG 2?": a trial with no ECOG limit is not stated either way
    assert unstated(reader, ecog_2.model_copy(update={"wants_excluded": True})) == {
        "NCT00000013",
        "NCT00000014",
    }


def test_only_a_question_of_numbers_the_store_sees_whole_is_known_unstated(reader: RecordsReader) -> None:
    # ALT can be bounded by "liver function tests < 1.5 x ULN", read from the criterion's words; age
    # by the registry fields; a field test must be read from the record beside it
    assert unstated(reader, ask(numeric=[accepts(FactKind.ALT_AST, 2, "ULN")])) == set()
    assert unstated(reader, ask(numeric=[accepts(FactKind.AGE, 40, "years")])) == set()
    recruiting = FieldTest(field="status", values=["RECRUITING"], label="recruiting")
    assert unstated(reader, ask(numeric=[accepts(FactKind.ECOG, 2)], fields=[recruiting])) == set()


def excludes(term: str, *alternatives: str, **turned: Any) -> TermTest:
    return TermTest(term=term, mode="excludes", alternatives=list(alternatives), **turned)


def test_trials_naming_none_of_the_terms_asked_are_known_unstated_without_reading_them() -> None:
    reader = RecordsReader(
        [
            hand_trial("NCT00000031", [], ["Known CNS metastases"], []),  # a synonym only
            hand_trial("NCT00000032", [], ["Therapeutic anticoagulation"], []),  # warfarin's class
            # the words of a long term, in another order and joined otherwise
            hand_trial("NCT00000033", ["Concurrent Chemoradiotherapy-induced Thrombocytopenia"], [], []),
            hand_trial("NCT00000034", ["Adults with lymphoma"], ["Pregnancy"], []),
        ]
    )
    assert unstated(reader, ask(terms=[excludes("brain metastases")])) == {
        "NCT00000032",
        "NCT00000033",
        "NCT00000034",
    }
    assert "NCT00000032" not in unstated(reader, ask(terms=[excludes("warfarin")]))
    long_term = excludes("thrombocytopenia caused by concurrent chemoradiotherapy")
    assert "NCT00000033" not in unstated(reader, ask(terms=[long_term]))
    # or-ed names and and-ed tests: a trial naming any of them is read
    assert unstated(reader, ask(terms=[excludes("HIV", "pregnancy")])) == {
        "NCT00000031",
        "NCT00000032",
        "NCT00000033",
    }
    assert unstated(reader, ask(terms=[excludes("HIV"), excludes("brain metastases")])) == {
        "NCT00000032",
        "NCT00000033",
        "NCT00000034",
    }
    # turned round ("do not exclude HIV"), a trial silent on it is the answer: nothing is unstated
    assert unstated(reader, ask(terms=[excludes("HIV", negated=True)])) == set()
    # beside another sort of test, the record is read for it
    recruiting = FieldTest(field="status", values=["RECRUITING"], label="recruiting")
    assert unstated(reader, ask(terms=[excludes("HIV")], fields=[recruiting])) == set()


def test_a_limit_standing_in_for_the_one_asked_keeps_a_trial_read() -> None:
    clearance = hand_trial(
        "NCT00000021",
        ["Creatinine clearance >= 50 mL/min"],
        [],
        [
            limit(
                FactKind.CREATININE_CLEARANCE,
                "inclusion",
                1,
                "Creatinine clearance >= 50 mL/min",
                comparator=">=",
                value=50,
                unit="mL/min",
            )
        ],
    )
    reader = RecordsReader([clearance, SILENT])
    egfr = ask(numeric=[accepts(FactKind.EGFR, 45, "mL/min")])
    assert unstated(reader, egfr) == {"NCT00000014"}  # the clearance limit decides for eGFR


def matching(reader: RecordsReader, query: Query) -> dict[str, list[tuple[float | None, float | None]]]:
    narrowed = narrow_set(reader.facts(), query, reader.trials_at()[1])
    if narrowed.settled:  # one look at each trial's limits answers both
        assert narrowed.ruled_out == out(reader, query), query
    return {nct_id: list(ends) for nct_id, ends in narrowed.settled.items()}


def test_trials_whose_own_limits_take_the_value_are_known_to_match(reader: RecordsReader) -> None:
    # ECOG 2: only the 0-2 range takes it, and says so by its ends; 0-1 refuses it
    assert matching(reader, ask(numeric=[accepts(FactKind.ECOG, 2)])) == {"NCT00000012": [(0, 2)]}
    assert matching(reader, ask(numeric=[accepts(FactKind.ECOG, 0)])) == {
        "NCT00000011": [(0, 1)],
        "NCT00000012": [(0, 2)],
    }
    # 150,000/µL is 150 x10^9/L: at least the first trial's 100, and not under the second's exclusion
    # (< 50); comparators give no range ends
    assert matching(reader, ask(numeric=[accepts(FactKind.PLATELETS, 150_000, "/µL")])) == {
        "NCT00000011": [(None, None)],
        "NCT00000012": [(None, None)],
    }
    # both tests: only a trial taking both values
    both = ask(numeric=[accepts(FactKind.ECOG, 1), accepts(FactKind.PLATELETS, 75, "x10^9/L")])
    assert matching(reader, both) == {"NCT00000012": [(0, 2), (None, None)]}


def test_what_the_store_cannot_settle_alone_is_left_to_reading(reader: RecordsReader) -> None:
    # ALT 2 x ULN is taken by both limits of the conditional trial, yet which applies is the
    # evaluator's to say (scenarios); a platelet count in a unit the limits cannot be compared in
    assert matching(reader, ask(numeric=[accepts(FactKind.ALT_AST, 2, "ULN")])) == {}
    assert matching(reader, ask(numeric=[accepts(FactKind.PLATELETS, 150, "mg/dL")])) == {}
    recruiting = FieldTest(field="status", values=["RECRUITING"], label="recruiting")
    ecog_2 = accepts(FactKind.ECOG, 2)
    for query in (
        ask(numeric=[accepts(FactKind.AGE, 40, "years")]),  # the registry's range joins in
        ask(numeric=[ecog_2], fields=[recruiting]),
        ask(numeric=[ecog_2], wants_excluded=True),
        ask(numeric=[ecog_2.model_copy(update={"high": 3})]),  # a span: "ECOG 2 or 3"
        ask(numeric=[ecog_2.model_copy(update={"comparator": ">="})]),
    ):
        assert matching(reader, query) == {}, query


def test_a_match_the_store_settles_is_worded_and_listed_as_if_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the results cited, a trial the store settles is not evaluated, and the answer is the one
    evaluating every trial gives (its table row's deciding criterion included)."""
    import assistant.chain

    evaluated: list[str] = []
    evaluate_trial = assistant.chain.evaluate_trial

    def counted(trial: Trial, query: Query) -> Any:
        evaluated.append(trial.nct_id)
        return evaluate_trial(trial, query)

    monkeypatch.setattr(assistant.chain, "evaluate_trial", counted)
    settings = Settings(fact_store_min_trials=0, answer_shown=1, answer_cited_all=0)
    narrowed = Assistant(InMemoryTrialReader(CORPUS), settings)
    everything = Assistant(RecordsReader(CORPUS, with_fact_store=False), settings)
    question = "Which trials accept a platelet count of 150 x10^9/L?"
    got = narrowed.ask(question, "s")
    assert evaluated == ["NCT00000011"]  # shown and cited; NCT00000012 settled by the store
    assert contract(got) == contract(everything.ask(question, "s"))
    assert got.trials == ["NCT00000011", "NCT00000012"]
    assert [r.criterion for r in got.results] == ["allows platelets 150 x10^9/L"] * 2


def test_a_store_at_another_generation_rules_nothing_out(reader: RecordsReader) -> None:
    query = ask(numeric=[accepts(FactKind.ECOG, 2)])
    store = reader.facts()
    assert selected(store, set_conditions(store, query), "another generation") == set()
    assert selected(None, [], "anything") == set()


# ---- the same answers over the real records -------------------------------------------------------


class Counting(RecordsReader):
    """Remembers how many trials each of the fact store's answers named (ruled out, or known not to
    state what is asked, or known to match) for each question."""

    def __init__(self, trials: Sequence[Trial]) -> None:
        super().__init__(trials)
        self.ruled_out: list[int] = []
        store = super().facts()
        assert store is not None
        asked = store.selected

        def counting(conditions: Any, generation: str | None) -> set[str] | None:
            found = asked(conditions, generation)
            self.ruled_out.append(len(found or ()))
            return found

        store.selected = counting  # type: ignore[method-assign]
        self.settled: list[int] = []  # rows of trials the store showed matching, per question
        read_rows = store.rows

        def counting_rows(queries: Any, generation: str | None) -> Any:
            found = read_rows(queries, generation)  # each trial's (nct_id, refusing, low, high)
            verdicts = [row[1] for rows in found or () for row in rows]
            self.ruled_out.append(len([n for n in verdicts if n > 0]))
            self.settled.append(len([n for n in verdicts if n == 0]))
            return found

        store.rows = counting_rows  # type: ignore[method-assign]


# Conversations (one question per line, each conversation in one session) in our own words; the
# flag says whether the fact store must have narrowed the last question (ruled out some trial, or
# found some that state nothing of what it asks).
BATTERY: list[tuple[list[str], bool]] = [
    (["Which trials accept ECOG 2?"], True),
    (["Which trials have no site in the United States?"], True),
    (["Which studies run in France or in Germany?"], True),
    (["Which trials have centres outside the USA?"], False),  # a question of each site: read
    (["Which trials won't take a male patient?"], False),  # the trials leaving men out are the answer
    (["Which studies would take someone with a performance status of 3?"], True),
    (["Which trials accept a patient with ECOG 0?"], False),
    (["Which trials accept platelets of 50 x10^9/L?"], True),
    (["Which trials allow a platelet count of 75,000/µL?"], True),
    (["Which trials accept an ANC of 1.0 x10^9/L?"], True),
    (["Which studies accept haemoglobin 9 g/dL?"], True),
    (["Which trials accept a creatinine of 2 mg/dL?"], True),
    (["Which trials accept a creatinine clearance of 40 mL/min?"], True),
    (["Which trials accept a 17-year-old?"], True),
    (["Which trials are open to patients aged 80?"], True),
    (["Which studies would take a child younger than 10?"], False),
    (["Which trials enrol people over 75?"], False),
    (["Which trials take women aged 45?"], True),
    (["Which trials only enrol men?"], True),
    # named terms: trials whose criteria name none of them are known not to state them
    (["Which trials exclude brain metastases?"], True),
    (["Which trials exclude HIV?"], True),
    (["Which trials exclude pregnant women?"], True),
    (["Which studies rule out people with a history of stroke?"], True),
    (["Which trials accept people with hepatitis B?"], True),
    (["Which studies exclude patients with active tuberculosis or hepatitis C?"], True),
    (["Which trials exclude prior allogeneic stem cell transplantation?"], True),
    (["Which trials won't take smokers?"], False),  # turned round: a trial silent on it matches
    (["Which trials do not exclude HIV?"], False),
    (["Which phase 2 trials are recruiting?"], True),
    (["Which completed phase 3 trials have sites in the United States?"], True),
    (["Which trials have a site in China?"], True),
    (["Which trials started after 2018?"], True),
    (["Which trials have a completion date before 2020?"], True),
    (["Which industry-sponsored trials accept ECOG 2?"], True),
    (["Which recruiting trials exclude brain metastases?"], True),
    (["Which phase 1 trials accept platelets of 75 x10^9/L and ECOG 2?"], True),
    (["Which trials enrol more than 300 participants?"], True),
    (["Which randomized trials are double-blind?"], True),
    (["Which trials accept healthy volunteers?"], True),
    (["Which trials exclude patients with ALT 4 x ULN?"], False),
    (["Which trials are recruiting?", "Which of those accept ECOG 2?"], True),
    (["Which trials accept ECOG 2?", "Which ones don't?"], False),
    # patient questions: the store narrows none (matching settles most trials by one check), and
    # their answers are the same with and without it
    (["Could a 68-year-old woman, ECOG 1, platelets 45 x10^9/L, enter any trial?"], False),
    (
        ["72M, ECOG 2, ANC 0.9, Hb 8.5 g/dL, creatinine 1.8 mg/dL, HIV positive: which trials for him?"],
        False,
    ),
    (
        ["A 35-year-old pregnant woman with breast cancer, ECOG 0, platelets 180: which trials fit her?"],
        False,
    ),
    (
        ["54F, NSCLC, untreated brain metastases, ECOG 1, plt 90k, bilirubin 1.2 mg/dL. Any trials?"],
        False,
    ),
    (["An 8-year-old boy with leukaemia and platelets of 20 x10^9/L: which studies could he join?"], False),
    (
        ["61M NSCLC, ECOG 1, plt 120, ANC 2.0, creat nl, treated brain mets. Which studies could he enter?"],
        False,
    ),
    (["Which trials would exclude a 90-year-old man with ECOG 3?"], False),
]


def contract(answer: Answer) -> dict[str, Any]:
    """Everything the answer says, every result row and verdict included, but its timing."""
    whole = answer.contract(0, len(answer.trials))
    whole.pop("timing_ms")
    return whole


@pytest.fixture(scope="module")
def every_record() -> list[Trial]:
    ctgov = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "ctgov"
    if not ctgov.is_dir():
        pytest.skip(f"real records not present at {ctgov}")
    real, _ = read_records(ctgov, pattern="*")
    seeds, _ = read_records(SEEDS, pattern="*.txt")
    assert len(real) == 1170 and len(seeds) == 5
    return real + seeds


@pytest.mark.slow
def test_narrowed_answers_are_the_answers_over_every_trial(every_record: list[Trial]) -> None:
    narrowed_reader = Counting(every_record)
    narrowed = Assistant(narrowed_reader)
    everything = Assistant(RecordsReader(every_record, with_fact_store=False))
    for number, (questions, narrows) in enumerate(BATTERY):
        session = f"conversation-{number}"
        for question in questions:
            narrowed_reader.ruled_out.clear()
            got, expected = narrowed.ask(question, session), everything.ask(question, session)
            assert contract(got) == contract(expected), question
            assert got.kind in ("set", "match"), question  # each question is one the store can narrow
        if narrows:
            assert narrowed_reader.ruled_out and max(narrowed_reader.ruled_out) > 0, questions[-1]
    # questions of numbers alone ("which trials accept ECOG 2?") were answered past the shown results
    # from the store's rows, and still alike
    assert max(narrowed_reader.settled) > 0


def test_hand_trials_answer_alike_with_and_without_the_store() -> None:
    questions = [q for conversation, _ in BATTERY for q in conversation]
    narrowed = Assistant(InMemoryTrialReader(CORPUS), Settings(fact_store_min_trials=0))
    everything = Assistant(RecordsReader(CORPUS, with_fact_store=False))
    for question in questions:
        assert contract(narrowed.ask(question, "s")) == contract(everything.ask(question, "s")), question


class DamagedStoreReader(RecordsReader):
    """Trials whose fact store is a damaged file: asking it fails, as a database that is down does."""

    def __init__(self, trials: Sequence[Trial], path: Path) -> None:
        super().__init__(trials)
        self._path = path

    def facts(self) -> FactStore:
        return FactStore(sqlite_engine(self._path), "k", self, str(self._path))


def test_a_failing_store_is_answered_without_and_the_operator_told(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    damaged = tmp_path / "facts.sqlite3"
    damaged.write_bytes(b"not a database " * 200)
    failing = Assistant(DamagedStoreReader(CORPUS, damaged), Settings(fact_store_min_trials=0))
    everything = Assistant(RecordsReader(CORPUS, with_fact_store=False))
    question = "Which trials accept ECOG 2?"
    with caplog.at_level("WARNING", logger="assistant.chain"):
        got = failing.ask(question, "s")
    assert contract(got) == contract(everything.ask(question, "s"))
    assert "without the fact store" in caplog.text and "facts.sqlite3" in caplog.text
    patient = "Could a 60-year-old with ECOG 1 and platelets 80 enter?"  # matching never asks the store
    assert contract(failing.ask(patient, "s")) == contract(everything.ask(patient, "s"))
