"""The blind dev-set scoring (evals/dev_seeds.py, evals/dev_ctgov.py, evals/dev_sets.py).

The rule tests use hand-made records, gold and answers only; nothing here is taken from the dev
sets. The last test runs the CT.gov label suite on the real records (no embedding) and its gate.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.models import Answer, Citation
from evals.dev_ctgov import (
    DevLabels,
    build_questions,
    keyword_baseline,
    platelet_accepts,
    run_ctgov_dev,
    score_set,
)
from evals.dev_seeds import (
    DevCase,
    ask_dev_conversation,
    load_dev_cases,
    normalise_record,
    run_dev_cases,
    score_dev_answer,
    summarise_dev,
)
from evals.dev_sets import (
    CTGOV_DEV,
    DEFAULT_DEV_DIR,
    REPO,
    SEEDS_DEV,
    check_dev_gate,
    ci_enabled,
    dev_dir,
    locate_dev_sets,
)
from index.errors import QuestionError
from index.memory import RecordsReader
from index.models import Criterion, Trial
from index.seams import TrialReader

A, B, C = "NCT90000001", "NCT90000002", "NCT90000003"
RECORDS = {
    A: normalise_record("Inclusion Criteria:\n1. Platelet   count ≥ 75 ×10^9/L;\n2. Age 18\\-70 years"),
    B: normalise_record("Exclusion Criteria:\n- Known CNS lesions requiring steroids"),
}


def _cite(nct: str, quote: str) -> Citation:
    return Citation(nct_id=nct, section="Inclusion Criteria", quote=quote)


def _case(**gold: object) -> DevCase:
    return DevCase.model_validate({"id": "D-S99", "turns": ["a hand-made question"], **gold})


def _answer(
    trials: list[str], text: str = "", cites: list[Citation] | None = None, **extra: object
) -> Answer:
    return Answer(answer=text, trials=trials, citations=cites or [], **extra)  # type: ignore[arg-type]


GOOD = _answer([A], "A accepts platelets 75.", [_cite(A, "Platelet count ≥ 75 ×10^9/L")])


# ---------------------------------------------------------------- the seed dev rules


def test_an_answer_meeting_every_rule_passes() -> None:
    case = _case(trials=[A], answer=[r"(?i)platelets?\s+75"], forbid=[C])
    score = score_dev_answer(case, GOOD, RECORDS)
    assert score.passed and score.reasons == [] and score.category == "D-S"


def test_a_missing_trial_fails() -> None:
    score = score_dev_answer(_case(trials=[A, B]), GOOD, RECORDS)
    assert score.reasons == [f"trials ['{A}'] want ['{A}', '{B}']"]


def test_an_extra_trial_fails_unless_allowed() -> None:
    answer = _answer([A, B], "", [_cite(A, "Platelet count ≥ 75"), _cite(B, "Known CNS lesions")])
    assert score_dev_answer(_case(trials=[A]), answer, RECORDS).reasons == [
        f"trials ['{A}', '{B}'] want ['{A}']"
    ]
    assert score_dev_answer(_case(trials=[A], allow=[B]), answer, RECORDS).passed
    # an allowed trial alone does not stand in for a wanted one
    only_b = _answer([B], "", [_cite(B, "Known CNS lesions")])
    assert not score_dev_answer(_case(trials=[A], allow=[B]), only_b, RECORDS).passed


def test_a_regex_the_answer_lacks_fails() -> None:
    case = _case(trials=[A], answer=[r"(?i)platelets?\s+75", r"\b18\b"])
    assert score_dev_answer(case, GOOD, RECORDS).reasons == [r"answer lacks /\b18\b/"]


def test_a_quote_not_in_the_record_fails_and_normalisation_is_whitespace_backslash_and_case() -> None:
    paraphrase = _answer([A], "", [_cite(A, "platelets of at least 75")])
    assert score_dev_answer(_case(trials=[A]), paraphrase, RECORDS).reasons == [
        f"no verbatim cited quote for {A}"
    ]
    uncited = _answer([A], "", [_cite(B, "Known CNS lesions")])  # a true quote, of another trial
    assert score_dev_answer(_case(trials=[A]), uncited, RECORDS).reasons == [
        f"no verbatim cited quote for {A}"
    ]
    loose = _answer([A], "", [_cite(A, "PLATELET COUNT\n ≥ 75 ×10^9/l;  2. age 18-70")])
    assert score_dev_answer(_case(trials=[A]), loose, RECORDS).passed
    escaped = _answer([A], "", [_cite(A, r"Age 18\-70 years")])  # a markdown escape is dropped
    assert score_dev_answer(_case(trials=[A]), escaped, RECORDS).passed


def test_a_trial_without_a_record_is_not_checked_for_quotes() -> None:
    answer = _answer([C], "C")
    assert score_dev_answer(_case(trials=[C]), answer, RECORDS).passed


def test_a_forbidden_string_in_the_text_or_the_trials_fails() -> None:
    in_text = score_dev_answer(_case(trials=[A], forbid=["platelets 75"]), GOOD, RECORDS)
    assert in_text.reasons == ["names platelets 75"]
    answer = _answer([A, B], "", [_cite(A, "Platelet count"), _cite(B, "Known CNS lesions")])
    as_trial = score_dev_answer(_case(trials=[A], allow=[B], forbid=[B]), answer, RECORDS)
    assert as_trial.reasons == [f"names {B}"]


def test_abstention_is_required_when_the_gold_says_so() -> None:
    case = _case(trials=[], abstain=True)
    named = _answer([A], "A might fit.", [_cite(A, "Platelet count")])
    assert score_dev_answer(case, named, RECORDS).reasons == [
        f"trials ['{A}'] want []",
        "did not abstain",
    ]
    assert score_dev_answer(case, _answer([], "I cannot answer that.", abstained=True), RECORDS).passed
    assert score_dev_answer(case, _answer([], "No trial fits."), RECORDS).passed  # names no trial
    allowed = score_dev_answer(_case(trials=[], allow=[A], abstain=True), named, RECORDS)
    assert allowed.reasons == ["did not abstain"]


def test_an_error_fails_the_case() -> None:
    score = score_dev_answer(_case(trials=[]), _answer([]), RECORDS, error="RuntimeError: boom")
    assert score.reasons == ["error: RuntimeError: boom"]


class _Scripted:
    """Answers from a script; records which session each question came in."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str | None]] = []
        self.resets: list[str] = []

    def ask(self, question: str, session_id: str | None = None) -> Answer:
        self.asked.append((question, session_id))
        if question == "too long":
            raise QuestionError("the question is too long")
        if question == "crash":
            raise RuntimeError("boom")
        return GOOD if question == "second" else _answer([], "first")

    def reset(self, session_id: str) -> None:
        self.resets.append(session_id)


def test_turns_are_asked_in_one_session_and_the_last_answer_is_scored() -> None:
    system = _Scripted()
    case = DevCase(id="D-M98", turns=["first", "second"], trials=[A])
    answer, error = ask_dev_conversation(system, case)
    assert error is None and answer == GOOD
    assert [q for q, _ in system.asked] == ["first", "second"]
    assert len({s for _, s in system.asked}) == 1 and system.resets == ["dev-D-M98", "dev-D-M98"]
    refused, error = ask_dev_conversation(system, DevCase(id="D-X98", turns=["too long"], abstain=True))
    assert error is None and refused.abstained and refused.trials == []
    _, error = ask_dev_conversation(system, DevCase(id="D-X97", turns=["crash"]))
    assert error == "RuntimeError: boom"


def test_counts_per_category_and_in_total() -> None:
    system = _Scripted()
    cases = [
        DevCase(id="D-M01", turns=["first", "second"], trials=[A]),
        DevCase(id="D-M02", turns=["second"], trials=[B]),
        DevCase(id="D-X01", turns=["too long"], abstain=True),
    ]
    run = run_dev_cases("system", system, cases, RECORDS)
    assert {k: (v.passed, v.cases) for k, v in run.by_category.items()} == {"D-M": (1, 2), "D-X": (1, 1)}
    assert (run.total.passed, run.total.cases) == (2, 3)
    assert [c.id for c in run.failing()] == ["D-M02"]
    assert run.counts()["overall"] == (2, 3)
    assert summarise_dev("empty", []).total.cases == 0


def test_dev_cases_load_from_jsonl_ignoring_notes(tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    rows = [{"id": "D-Q90", "turns": ["hand-made"], "trials": [A], "why": "for people"}, {}]
    path.write_text(json.dumps(rows[0]) + "\n\n", encoding="utf-8")
    [case] = load_dev_cases(path)
    assert (case.category, case.allow, case.answer, case.abstain, case.forbid) == ("D-Q", [], [], False, [])
    path.write_text(json.dumps(rows[0]) + "\n" + json.dumps(rows[0]) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="duplicate"):
        load_dev_cases(path)


# ---------------------------------------------------------------- where the sets are, CI, the gate


def test_the_dev_folder_is_beside_the_repository_unless_overridden(tmp_path: Path) -> None:
    assert dev_dir({}) == DEFAULT_DEV_DIR == REPO.parent / "shared" / "evals"
    assert dev_dir({"TRIALS_DEV_EVALS": str(tmp_path)}) == tmp_path
    assert dev_dir({"TRIALS_DEV_EVALS": "elsewhere/evals"}) == REPO / "elsewhere" / "evals"
    assert ci_enabled({"CI": "true"}) and ci_enabled({"CI": "1"})
    assert not ci_enabled({}) and not ci_enabled({"CI": ""}) and not ci_enabled({"CI": "false"})


def test_an_absent_dev_folder_skips_both_suites_with_the_reason(tmp_path: Path) -> None:
    found = locate_dev_sets(tmp_path / "nowhere")
    assert found.seeds is None and found.ctgov_labels is None
    assert set(found.skipped) == {SEEDS_DEV, CTGOV_DEV}
    assert all("TRIALS_DEV_EVALS" in why and "not found" in why for why in found.skipped.values())
    (tmp_path / "evals").mkdir()
    (tmp_path / "evals" / "ctgov_criteria_dev.json").write_text("{}", encoding="utf-8")
    labels_only = locate_dev_sets(tmp_path / "evals")  # the labelled records are missing
    assert "xml_classic_1000" in labels_only.skipped[CTGOV_DEV]


def test_a_skipped_dev_suite_fails_the_gate_only_under_ci() -> None:
    skipped = {SEEDS_DEV: "not found", CTGOV_DEV: "not found"}
    thresholds = {SEEDS_DEV: {"overall": {"passed": 1.0}}, CTGOV_DEV: {"ecog2": {"recall": 0.5}}}
    assert check_dev_gate(None, None, skipped, thresholds, ci=False) == []
    failures = check_dev_gate(None, None, skipped, thresholds, ci=True)
    assert len(failures) == 2 and all("SKIPPED under CI" in f for f in failures)


def test_the_dev_gate_compares_counts_and_precision_recall() -> None:
    thresholds = {
        SEEDS_DEV: {"D-S": {"passed": 3.0}, "D-Q": {"passed": 1.0}, "overall": {"passed": 4.0}},
        CTGOV_DEV: {"ecog2": {"precision": 0.9, "recall": 0.8}, "platelets_75": {"recall": 0.5}},
    }
    seeds = {"D-S": (3, 5), "D-Q": (0, 2), "overall": (3, 7)}
    ctgov = {"ecog2": (0.95, 0.79), "platelets_75": (1.0, 0.5)}
    assert check_dev_gate(seeds, ctgov, {}, thresholds, ci=True) == [
        "seeds_dev/D-Q passed 0/2, below the minimum 1",
        "seeds_dev/overall passed 3/7, below the minimum 4",
        "ctgov_criteria_dev/ecog2 recall = 0.790, below the minimum 0.8",
    ]
    missing = check_dev_gate({"overall": (9, 9)}, {}, {}, thresholds, ci=False)
    assert "seeds_dev/D-S: no cases in this category" in missing
    assert "ctgov_criteria_dev/ecog2: no such question was scored" in missing


def test_the_dev_thresholds_cover_every_category_and_question() -> None:
    from evals.runner import load_thresholds

    thresholds = load_thresholds()
    assert set(thresholds[SEEDS_DEV]) == {"D-S", "D-Q", "D-P", "D-M", "D-X", "overall"}
    assert set(thresholds[CTGOV_DEV]) == {
        "ecog2",
        "brain_mets",
        "platelets_50",
        "platelets_75",
        "platelets_100",
    }
    assert all(set(b) == {"precision", "recall"} for b in thresholds[CTGOV_DEV].values())


# ---------------------------------------------------------------- the CT.gov label scoring

LABELS = DevLabels(
    records=["NCT1", "NCT2", "NCT3", "NCT4", "NCT5", "NCT6"],
    labels={
        "ecog2": {
            "NCT1": {"label": "yes"},
            "NCT2": {"label": "no"},
            "NCT3": {"label": "kps_only"},
            "NCT4": {"label": "conditional"},
            "NCT9": {"label": "yes"},  # outside `records`: held out, never counted
        },
        "brain_mets": {
            "NCT1": {"label": "excluded"},
            "NCT2": {"label": "conditional"},
            "NCT3": {"label": "required"},
            "NCT5": {"label": "excluded"},
        },
        "platelets": {
            "NCT1": {"label": "min", "value": 100, "comparator": ">="},
            "NCT2": {"label": "min", "value": 75, "comparator": ">"},
            "NCT3": {"label": "min", "value": 50, "comparator": ">="},
            "NCT4": {"label": "conditional"},
            "NCT6": {"label": "min", "value": 20, "comparator": ">"},
        },
    },
    side_notes={"brain_mets_not_metastases_cns_involvement": ["NCT5"], "platelets_ambiguous": {"NCT6": "x"}},
)


def test_the_questions_want_the_labelled_records_and_leave_the_rest_neutral() -> None:
    questions = {q.key: q for q in build_questions(LABELS, platelet_counts=(75, 100))}
    assert (questions["ecog2"].wanted, questions["ecog2"].neutral) == (["NCT1"], ["NCT3", "NCT4"])
    brain = questions["brain_mets"]
    assert (brain.wanted, brain.neutral) == (["NCT1"], ["NCT2", "NCT5"])  # CNS side note: either way
    assert (questions["platelets_75"].wanted, questions["platelets_75"].neutral) == (
        ["NCT3"],
        ["NCT4", "NCT6"],
    )
    assert questions["platelets_100"].wanted == ["NCT1", "NCT2", "NCT3"]  # 100 > 75 and 100 >= 100
    assert platelet_accepts(75, {"value": 75, "comparator": ">"}) is False
    assert platelet_accepts(75, {"value": 75, "comparator": ">="}) is True
    assert platelet_accepts(75, {"label": "min"}) is None


def test_precision_and_recall_skip_neutral_and_held_out_records() -> None:
    ecog = next(q for q in build_questions(LABELS) if q.key == "ecog2")
    records = set(LABELS.records)
    score = score_set(["NCT1", "NCT3", "NCT4", "NCT9"], ecog, records)  # neutral and held out only extra
    assert (score.precision, score.recall, score.false_positives, score.returned) == (1.0, 1.0, [], 3)
    score = score_set(["NCT2", "NCT5"], ecog, records)
    assert (score.precision, score.recall) == (0.0, 0.0)
    assert (score.false_positives, score.false_negatives) == (["NCT2", "NCT5"], ["NCT1"])
    nothing = score_set([], ecog, records)
    assert (nothing.precision, nothing.recall) == (1.0, 0.0)


def _trial(nct: str, *criteria: str) -> Trial:
    return Trial(
        nct_id=nct,
        source_path="hand",
        source_format="ctgov_xml",
        text="\n".join(criteria),
        criteria_text="\n".join(criteria),
        inclusion=[Criterion(section="inclusion", number=i, text=t) for i, t in enumerate(criteria, 1)],
    )


def test_the_keyword_baseline_needs_every_keyword_in_one_criterion() -> None:
    trials = [
        _trial("NCT1", "Performance status ECOG 0-2"),
        _trial("NCT2", "ECOG 0-1", "Age 2 years or older"),  # keywords in two criteria
        _trial("NCT3", "ECOG performance status below 12"),  # "2" only inside a number
        _trial("NCT4", "Platelets at least 100,000/mm3"),
        _trial("NCT5", "Platelets at least 1000/mm3"),
    ]
    assert keyword_baseline(trials, ["ecog", "2"]) == ["NCT1"]
    assert keyword_baseline(trials, ["platelet", "100"]) == ["NCT4"]


def test_the_records_reader_is_a_trial_reader_without_vectors() -> None:
    reader = RecordsReader([_trial("NCT1", "ECOG 0-2")])
    assert isinstance(reader, TrialReader)
    assert reader.get_trial("NCT1") is not None and reader.search("ECOG", k=3) == []
    assert reader.all_trials()[0].nct_id == "NCT1"
    found = reader.keywords().search(["ecog"], k=3)  # keyword search works without vectors
    assert [c.nct_id for c, _ in found] == ["NCT1"]


@pytest.mark.evals
@pytest.mark.slow
def test_the_ctgov_label_suite_scores_the_system_and_passes_its_gate() -> None:
    from evals.runner import load_thresholds

    found = locate_dev_sets(dev_dir())
    if found.ctgov_labels is None or found.ctgov_records is None:
        reason = found.skipped[CTGOV_DEV]
        if ci_enabled():
            pytest.fail(f"the CT.gov dev labels must be present in CI: {reason}")
        pytest.skip(reason)
    result = run_ctgov_dev(found.ctgov_labels, found.ctgov_records)
    labels = json.loads(found.ctgov_labels.read_text(encoding="utf-8"))
    assert result.records == len(labels["records"]) and result.missing == [] and result.problems == []
    assert [q.key for q in result.questions] == [
        "ecog2",
        "brain_mets",
        "platelets_50",
        "platelets_75",
        "platelets_100",
    ]
    assert all(q.system.error is None and q.wanted > 0 for q in result.questions)
    failures = check_dev_gate(None, result.scores(), {}, load_thresholds(), ci=False)
    assert failures == [], "\n".join(failures)


def test_the_report_shows_the_dev_figures_escaped_and_says_when_a_suite_was_skipped(tmp_path: Path) -> None:
    from evals.dev_ctgov import CtgovDevResult, QuestionResult
    from evals.dev_seeds import SeedsDevResult
    from evals.report import format_table, write_report
    from evals.runner import EvalResults

    hostile = "<script>alert('x')</script>"
    system = run_dev_cases("system", _Scripted(), [DevCase(id="D-P01", turns=[hostile], trials=[A])], RECORDS)
    seeds = SeedsDevResult(source="dev.jsonl", description="1 conversation", system=system, baseline=None)
    ecog = next(q for q in build_questions(LABELS) if q.key == "ecog2")
    score = score_set(["NCT2"], ecog, set(LABELS.records))
    question = QuestionResult(
        key="ecog2", question=ecog.question, wanted=1, neutral=2, system=score, baseline=score
    )
    ctgov = CtgovDevResult(
        source="labels.json",
        description="1 set question",
        records=6,
        read_seconds=1.0,
        ask_seconds=0.5,
        seconds=1.5,
        questions=[question],
    )
    results = EvalResults(
        suites=[], skipped=[], gate_failures=[], seconds=1.0, seeds_dev=seeds, ctgov_dev=ctgov
    )
    write_report(results, tmp_path)
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "<script" not in page and "&lt;script&gt;" in page and "D-P01" in page
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert "| D-P | 1 | 0 | n/a |" in summary and "`ecog2` false positives: NCT2" in summary
    table = format_table(results)
    assert "D-P01: trials [] want" in table and "0.000 / 0.000" in table
    assert EvalResults.model_validate_json((tmp_path / "results.json").read_text()).seeds_dev == seeds

    skipped = EvalResults(
        suites=[],
        skipped=["seeds_dev: SKIPPED, x not found - this FAILS the gate: CI is set"],
        gate_failures=["seeds_dev: SKIPPED under CI (x not found); the dev suites must run in CI"],
        seconds=1.0,
        dev_skipped={SEEDS_DEV: "x not found"},
        ci=True,
    )
    write_report(skipped, tmp_path)
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert "**seeds_dev SKIPPED**: x not found (fails the gate: CI is set)" in summary
    assert "Gate: **FAILED**" in summary
    assert "seeds_dev SKIPPED: x not found. It fails the gate" in (tmp_path / "index.html").read_text()


def test_matching_answers_count_unsafe_verdicts_and_over_exclusions() -> None:
    offered = _answer([A, C], "A and C.", [_cite(A, "Platelet count ≥ 75 ×10^9/L")], kind="match")
    score = score_dev_answer(_case(trials=[A, B]), offered, RECORDS)
    assert (score.unsafe, score.over_excluded) == ([C], [B])
    set_answer = _answer([A, C], "A and C.", [_cite(A, "Platelet count ≥ 75 ×10^9/L")], kind="set")
    assert score_dev_answer(_case(trials=[A, B]), set_answer, RECORDS).unsafe == []  # not a verdict


def test_the_gate_fails_above_the_unsafe_maximum() -> None:
    thresholds = {"seeds_dev_matching": {"verdicts": {"unsafe_max": 0.0, "over_excluded_max": 2.0}}}
    failures = check_dev_gate(None, None, {}, thresholds, ci=False, verdict_errors=(1, 2))
    assert failures == ["seeds_dev_matching unsafe_max: 1, above the maximum 0"]
