"""Evaluating a set question's tests over every trial — the whole corpus, not the top-k chunks.

Each trial comes out as match / no match / not stated, with the criterion or field that decides
it. Direction is taken from the fact: an exclusion "ECOG >= 3" is stored as the allowed range 0-2,
so ECOG 2 is accepted; a trial with no ECOG criterion is "not stated", never silently dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache, lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.attributes import describe_fact, describe_range, extract
from assistant.evidence import criterion_citation, fact_citation, find_quote, sentences
from assistant.fields import FIELDS, judge
from assistant.models import Citation
from assistant.quantities import (
    COMPARATOR_PATTERN,
    NUMBER,
    Quantity,
    comparator_of,
    compare,
    convert,
    kind_name,
    parse_number,
)
from assistant.query import CountTest, FieldTest, NumericTest, Query, TermTest
from assistant.terms import mentions_affirmed, mentions_itself
from index.facts import COHORT, limits_apart
from index.facts.conditions import ABSENT, ALLOWED, PARTLY_ABSENT
from index.facts.kinds import spec
from index.language.mentions import TextsNaming, mentions
from index.language.registry import values_named
from index.language.units import analyte, analytes
from index.language.vocabulary import (
    concept,
    concept_is_condition,
    concept_is_treatment,
    concept_matches,
    drug_matches,
)
from index.models import Arm, Criterion, Fact, FactKind, Trial
from index.trial_fields import SEXES, criteria_sexes, field_values

Outcome = Literal["match", "no match", "not stated"]


class TestResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Outcome
    reason: str
    citations: list[Citation] = Field(default_factory=list)


class TrialEvaluation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    nct_id: str
    title: str | None  # None: the record was not read (a match the fact store settled: settled_match)
    outcome: Outcome
    results: list[TestResult]

    @property
    def citations(self) -> list[Citation]:
        return [c for r in self.results for c in r.citations]


def evaluate(trials: Iterable[Trial], query: Query) -> list[TrialEvaluation]:
    """Every trial (within the query's scope) against every test of the query."""
    return [evaluate_trial(t, query) for t in in_scope(trials, query)]


def in_scope(trials: Iterable[Trial], query: Query) -> list[Trial]:
    """The trials a set question is about: those of its scope ("which of those"), but the others
    it sets aside ("any other trial")."""
    if query.scope is None and not query.others_than:
        return list(trials)  # every trial: no need to look at each (~10 ms at 10k trials)
    scope = set(query.scope) if query.scope is not None else None
    others = set(query.others_than)
    return [t for t in trials if (scope is None or t.nct_id in scope) and t.nct_id not in others]


def evaluate_trial(trial: Trial, query: Query) -> TrialEvaluation:
    results = [
        *(_numeric_asked(trial, test, query.wants_excluded) for test in query.numeric),
        *(term_result(trial, test) for test in query.terms),
        *(field_result(trial, test) for test in query.fields),
        *(count_result(trial, test) for test in query.counts),
    ]
    if not results:  # "list all trials": every trial matches on its title
        quote = find_quote(trial, [trial.title])
        cites = [Citation(nct_id=trial.nct_id, section="Title", quote=quote)] if quote else []
        results = [TestResult(outcome="match", reason="in the index", citations=cites)]
    return TrialEvaluation(
        nct_id=trial.nct_id,
        title=trial.title,
        outcome=(combine_any if query.any_of else combine)(r.outcome for r in results),
        results=results,
    )


def _numeric_asked(trial: Trial, test: NumericTest, wants_excluded: bool) -> TestResult:
    """A patient value's result, turned round when the question asks which trials exclude it: a
    trial that refuses the value is then the match. 'Not stated' stays 'not stated'."""
    result = numeric_result(trial, test)
    if not wants_excluded or test.mode != "accepts" or result.outcome == "not stated":
        return result
    return result.model_copy(update={"outcome": "no match" if result.outcome == "match" else "match"})


def combine(outcomes: Iterable[Outcome]) -> Outcome:
    """All tests must hold: one 'no match' decides; otherwise one 'not stated' leaves it open."""
    seen = set(outcomes)
    if "no match" in seen:
        return "no match"
    return "not stated" if "not stated" in seen else "match"


def combine_any(outcomes: Iterable[Outcome]) -> Outcome:
    """Any test may hold ("randomised or single-arm"): one 'match' decides; all 'no match' refuse."""
    seen = set(outcomes)
    if "match" in seen:
        return "match"
    return "no match" if seen == {"no match"} else "not stated"


# ---- numbers ---------------------------------------------------------------------------------


def fact_allows(fact: Fact, value: float, unit: str | None) -> bool | None:
    """Whether a patient value satisfies a fact; None when the fact cannot be compared with it."""
    if fact.low is not None or fact.high is not None:
        return (fact.low is None or value >= fact.low) and (fact.high is None or value <= fact.high)
    required = fact.required_comparator()
    if required is None or fact.value is None:
        return None
    converted = convert(Quantity(value=value, unit=unit), fact.unit, fact.kind)
    if converted is None:
        return None
    return compare(converted, required, fact.value)


def numeric_result(trial: Trial, test: NumericTest) -> TestResult:
    if test.high is not None and test.mode == "accepts":
        return _span_result(trial, test)
    if test.mode == "requires":
        return _requires_result(trial, test)
    limits, qualified = _limits_of(trial, test.kind)
    if not limits and test.kind != FactKind.AGE:  # most records, for most labs
        return unstated_result(test.kind)
    facts = _of_one_cohort(list(limits), test) if qualified else list(limits)
    scenarios = _scenarios(facts, test.circumstances) if qualified else [facts]
    verdicts = [_scenario_verdict(applying, test) for applying in scenarios]
    outcomes = {outcome for outcome, _ in verdicts}
    # The registry's age fields, for records whose facts do not carry them already.
    structured = (
        _structured_age(trial, test)
        if test.kind == FactKind.AGE and not any(f.source == "structured" for f in facts)
        else None
    )
    structured_cites = structured.citations if structured else []
    if len(outcomes) > 1:
        # The limit differs by a circumstance the question does not state (liver metastases):
        # neither "accepts" nor "refuses" can be said, whichever way the conditional limits fall.
        return TestResult(
            outcome="not stated",
            reason=f"limit for {test.label} depends on {_depends_on(facts)}",
            citations=_cite(trial, [f for _, decisive in verdicts for f in decisive]),
        )
    outcome = outcomes.pop() if outcomes else "unclear"
    decisive = [f for _, facts_used in verdicts for f in facts_used]
    if outcome == "no match" or (structured and structured.outcome == "no match"):
        cites = _cite(trial, decisive if outcome == "no match" else []) + structured_cites
        return TestResult(outcome="no match", reason=f"does not allow {test.label}", citations=cites)
    if outcome == "match" or (structured and structured.outcome == "match"):
        ranges = decisive if outcome == "match" else []
        lows = [f.low for f in ranges if f.low is not None]
        highs = [f.high for f in ranges if f.high is not None]
        reason = allows_reason(test, max(lows) if lows else None, min(highs) if highs else None)
        if not (lows or highs) and structured and structured.reason:
            reason += f" ({structured.reason})"
        cites = _cite(trial, decisive if outcome == "match" else []) + structured_cites
        return TestResult(outcome="match", reason=reason, citations=cites)
    if decisive:
        return TestResult(
            outcome="not stated",
            # a limit in a unit the value cannot be put in ("AST 30" against "<= 2.5 x ULN")
            reason=f"cannot compare {test.label} with the record's limit: confirm against it",
            citations=_cite(trial, decisive),
        )
    if facts:  # limits only for other circumstances than the one the question states
        return TestResult(
            outcome="not stated",
            reason=f"no {kind_name(test.kind)} limit for patients " + " and ".join(test.circumstances),
            citations=_cite(trial, facts),
        )
    return unstated_result(test.kind)


def _limits_of(trial: Trial, kind: str) -> tuple[tuple[Fact, ...], bool]:
    """The record's limits deciding `kind`: its own, else those of an analyte standing in for it,
    else its organ's function tests as a whole; and whether any is qualified (for a cohort, or for
    patients with or without something), which only some records' are. Read once per record."""

    def read() -> tuple[tuple[Fact, ...], bool]:
        facts = trial.facts_of(kind) or _standing_in_facts(trial, kind) or _organ_function_facts(trial, kind)
        return tuple(facts), any(f.qualifier for f in facts)

    return trial.remembered(f"limits of {kind}", (trial.facts, trial.inclusion, trial.exclusion), read)


def _of_one_cohort(facts: list[Fact], test: NumericTest) -> list[Fact]:
    """The limits that apply to the patient where the record's limits are those of its cohorts
    (`COHORT`): those of the cohorts taking the value, and any other that no such cohort excludes
    (an "up to 30 years" beside cohorts of under and over 1 year still applies); every cohort's when
    none takes it."""
    cohort = [f for f in facts if f.qualifier == COHORT]
    if not cohort:
        return facts
    groups: dict[int | None, list[Fact]] = {}
    for fact in cohort:
        groups.setdefault(fact.criterion_number, []).append(fact)
    taking = [g for g in groups.values() if all(_allows(f, test) is True for f in g)]
    applying = [g for g in groups.values() if g in taking or not any(limits_apart([*g, *t]) for t in taking)]
    kept = [f for g in (applying if taking else groups.values()) for f in g]
    return [f for f in facts if f.qualifier != COHORT] + [
        f.model_copy(update={"qualifier": None}) for f in kept
    ]


def allows_reason(test: NumericTest, low: float | None, high: float | None) -> str:
    """ "allows age 40 (age 18-75 years allowed)": the range all the limits that took the value leave
    (`low`, `high`: the tightest ends of those that are ranges; none when none is)."""
    reason = f"allows {test.label}"
    if low is None and high is None:
        return reason
    return f"{reason} ({describe_range(test.kind, low, high)})"


def settled_results(query: Query, ends: Sequence[tuple[float | None, float | None]]) -> list[TestResult]:
    """What evaluate_trial finds for a trial the fact store showed every numeric test of `query`
    matches (candidates.narrow_set), worded from `ends` (each test's tightest range ends), without
    the citations: an answer cites only the trials it shows, and those are evaluated in full.
    Trials with the same ends share these results (at 100k trials ~20k matches have a few)."""
    return [
        TestResult(outcome="match", reason=allows_reason(test, low, high))
        for test, (low, high) in zip(query.numeric, ends, strict=True)
    ]


def settled_match(nct_id: str, results: list[TestResult]) -> TrialEvaluation:
    """A settled trial's evaluation from its `settled_results`, without reading its record (at 100k
    trials ~20k matches, of which an answer shows and cites the first, read in full)."""
    return TrialEvaluation(nct_id=nct_id, title=None, outcome="match", results=results)


@cache  # one per fact kind, shared: results are not changed once made
def unstated_result(kind: str) -> TestResult:
    """A number asked of a record that sets no limit of its kind."""
    return TestResult(outcome="not stated", reason=f"no {kind_name(kind)} criterion in the record")


def unmentioned_result(term: str) -> TestResult:
    """A term asked of a record whose criteria do not name it."""
    return TestResult(outcome="not stated", reason=f"does not mention {term} in its criteria")


def _span_result(trial: Trial, test: NumericTest) -> TestResult:
    """A value known only to lie in a span ("in her early 70s"): what the trial says at both ends,
    when they agree; otherwise it depends on the exact value. For a group of people of that span
    ("teenagers"), a trial whose range reaches into it from both sides takes some of them."""
    if test.some_of_span:
        ends = [
            numeric_result(trial, test.model_copy(update={"value": end, "high": None, "comparator": cmp}))
            for end, cmp in ((test.value, ">="), (test.high, "<="))
        ]
        outcome = combine(r.outcome for r in ends)
        reason = next((r.reason for r in ends if r.outcome == outcome), "") if outcome != "match" else ""
        return TestResult(
            outcome=outcome,
            reason=reason or f"allows some of {test.label}",
            citations=list({c.quote: c for r in ends for c in r.citations}.values()),
        )
    low, high = (
        numeric_result(trial, test.model_copy(update={"value": v, "high": None}))
        for v in (test.value, test.high)
    )
    if low.outcome == high.outcome:
        return low
    return TestResult(
        outcome="not stated",
        reason=f"allows only part of {test.label}: depends on the exact value",
        citations=list({c.quote: c for c in [*low.citations, *high.citations]}.values()),
    )


def _umbrella_limit(organ: str) -> re.Pattern[str]:
    """A limit on an organ's function tests as a whole, relative to the ULN; `organ` names the organ."""
    return re.compile(
        r"\b(?:" + organ + r")\b[\w\s,/&-]{0,40}?\bfunctions?\b\s*(?:tests?\s*)?(?:of\s*|is\s*|:\s*)?"
        r"\\?("
        + COMPARATOR_PATTERN
        + r")\s*"
        + NUMBER
        + r"\s*(?:×|x|\*|times)?\s*(?:the\s+)?(?:ULN\b|upper limits? of (?:the )?normal)",
        re.IGNORECASE,
    )


# An umbrella "liver function" / "renal function" limit, by how records name the organ; which labs it
# covers is each kind's `organ` (index/facts/kinds/).
ORGAN_WORDS = {"liver": r"liver|hepatic", "kidney": r"kidney|renal"}  # as records and questions name them
_ORGAN_FUNCTION = {organ: _umbrella_limit(words) for organ, words in ORGAN_WORDS.items()}


def _standing_in_facts(trial: Trial, kind: str) -> list[Fact]:
    """Limits of an analyte the language core says decides for `kind` when the record sets none of
    its own (a creatinine clearance against an "eGFR (Cockcroft-Gault) <= 60" exclusion)."""
    described = analyte(kind)
    return [f for other in (described.stands_for if described else ()) for f in trial.facts_of(other)]


def _organ_function_facts(trial: Trial, kind: str) -> list[Fact]:
    """A record with no limit of its own for a lab can still bound it through its organ's function
    tests as a whole: "Liver and kidney function < 1.5 x upper limit of normal" bounds ALT/AST at
    1.5 x ULN. Read from the criterion's own words, only for limits written relative to the ULN."""
    organ = spec(kind).organ
    return [] if organ is None else _umbrella_limits(trial, kind, _ORGAN_FUNCTION[organ])


def _umbrella_limits(trial: Trial, kind: str, umbrella: re.Pattern[str]) -> list[Fact]:
    facts: list[Fact] = []
    for criterion in trial.criteria:
        match = umbrella.search(criterion.text)
        comparator = comparator_of(match.group(1)) if match else None
        if match is None or comparator is None:
            continue
        facts.append(
            Fact(
                kind=kind,
                source=criterion.section,
                criterion_number=criterion.number,
                quote=criterion.text,
                comparator=comparator,  # type: ignore[arg-type]
                value=parse_number(match.group(2)),
                unit="ULN",
            )
        )
    return facts


def _cite(trial: Trial, facts: Iterable[Fact]) -> list[Citation]:
    """One citation per distinct criterion (several facts can come from one criterion)."""
    seen: dict[str, Citation] = {}
    for fact in facts:
        seen.setdefault(fact.quote, fact_citation(trial, fact))
    return list(seen.values())


def _topic(qualifier: str) -> tuple[str, bool]:
    """'without liver metastases' -> ('liver metastases', False); 'with X' -> ('X', True)."""
    if qualifier.startswith("without "):
        return qualifier.removeprefix("without "), False
    return qualifier.removeprefix("with "), True


def _depends_on(facts: Sequence[Fact]) -> str:
    topics = sorted({_topic(f.qualifier)[0] for f in facts if f.qualifier})
    return "whether the patient has " + " or ".join(topics) if topics else "other conditions"


def _scenarios(facts: Sequence[Fact], circumstances: Sequence[str]) -> list[list[Fact]]:
    """The limits that apply to the patient, once per combination of the circumstances the limits
    name ("with/without liver metastases") that the question leaves open.

    A limit for patients with X replaces the general limit of the same criterion kind when X holds
    ("ALT <= 3 x ULN; <= 5 x ULN with liver metastases"); a limit for patients without X applies
    only when X is absent.
    """
    general = [f for f in facts if not f.qualifier]
    qualified = [(f, *_topic(f.qualifier)) for f in facts if f.qualifier]
    if not qualified:  # the common case: one scenario, every limit applies
        return [general]
    stated = dict(_topic(c) for c in circumstances)
    worlds: list[dict[str, bool]] = [{}]
    for topic in sorted({topic for _, topic, _ in qualified}):
        options = [stated[topic]] if topic in stated else [True, False]
        worlds = [{**world, topic: present} for world in worlds for present in options]
    scenarios = []
    for world in worlds:
        conditional = [(f, with_it) for f, topic, with_it in qualified if world[topic] == with_it]
        exception_holds = any(with_it for _, with_it in conditional)
        scenarios.append([*([] if exception_holds else general), *(f for f, _ in conditional)])
    return scenarios


def _scenario_verdict(facts: Sequence[Fact], test: NumericTest) -> tuple[str, list[Fact]]:
    """'no match' when a limit refuses the value, 'match' when some allow it and none refuse,
    'unclear' when no limit can be compared with it; with the facts that decide."""
    allowed: list[Fact] = []
    refused: list[Fact] = []
    unclear: list[Fact] = []
    for fact in facts:
        verdict = _allows(fact, test)
        (unclear if verdict is None else allowed if verdict else refused).append(fact)
    if refused:
        return "no match", refused
    if allowed:
        return "match", allowed
    return "unclear", unclear


def _allows(fact: Fact, test: NumericTest) -> bool | None:
    """Whether a fact allows the value asked, or with a comparator ("children under 12") some value
    beyond it: a range allows some age under 12 when its lower end is below 12."""
    if test.comparator is None:
        return fact_allows(fact, test.value, test.unit)
    below = test.comparator in ("<", "<=")
    inclusive = test.comparator in ("<=", ">=")  # "some age of 70 or over": 70 itself counts
    if fact.low is not None or fact.high is not None:
        end = fact.low if below else fact.high
        if end is None or (end == test.value and inclusive):
            return True
        return end < test.value if below else end > test.value
    required = fact.required_comparator()
    if required is None or fact.value is None:
        return None
    if (required in ("<", "<=")) == below:  # "age <= 16" allows some age under 12
        return True
    if fact.value == test.value and inclusive:
        return required in ("<=", ">=")
    return fact.value < test.value if below else fact.value > test.value


def _structured_age(trial: Trial, test: NumericTest) -> TestResult | None:
    """The registry's minimum/maximum age fields."""
    low, high = trial.min_age_years, trial.max_age_years
    if low is None and high is None:
        return None
    cites = []
    for written, near in ((trial.min_age, "Minimum"), (trial.max_age, "Maximum")):
        quote = find_quote(trial, [written], near=near) if written else None
        if quote:
            cites.append(Citation(nct_id=trial.nct_id, section="Eligibility", quote=quote))
    age = test.value
    if test.comparator == "<":  # "children under 12": some age below 12
        outside = low is not None and low >= age
    elif test.comparator == "<=":
        outside = low is not None and low > age
    elif test.comparator == ">":
        outside = high is not None and high <= age
    elif test.comparator == ">=":
        outside = high is not None and high < age
    else:
        outside = (low is not None and age < low) or (high is not None and age > high)
    if outside:
        return TestResult(outcome="no match", reason="outside the registered age range", citations=cites)
    if high is None:
        registered = f"registered from {low:g} years, no upper age limit stated"
    else:
        registered = (
            f"registered ages {low:g} to {high:g} years"
            if low is not None
            else f"registered up to {high:g} years"
        )
    return TestResult(outcome="match", reason=registered, citations=cites)


def _bound(fact: Fact, upward: bool) -> tuple[str | None, float | None]:
    """The comparison a fact demands: a range fact (ECOG 0-1, age 18-75) gives its upper or lower end."""
    if fact.low is not None or fact.high is not None:
        if upward:
            return (">=", fact.low) if fact.low is not None else (None, None)
        return ("<=", fact.high) if fact.high is not None else (None, None)
    return fact.required_comparator(), fact.value


def _requires_result(trial: Trial, test: NumericTest) -> TestResult:
    """Does the trial demand `comparator value`? An inclusion 'platelets < 30' implies '< 50'."""
    asked = test.comparator or "<"
    upward = asked in (">", ">=")
    facts = trial.facts_of(test.kind)
    if not facts:
        return unstated_result(test.kind)
    implying: list[Fact] = []
    other: list[Fact] = []
    for fact in facts:
        required, value = _bound(fact, upward)
        quantity = Quantity(value=value, unit=fact.unit) if value is not None else None
        bound = convert(quantity, test.unit, fact.kind) if quantity is not None else None
        same_direction = required in ((">", ">=") if upward else ("<", "<="))
        if required is None or bound is None or not same_direction:
            other.append(fact)
            continue
        strict_enough = (
            bound > test.value or (bound == test.value and (required == ">" or asked == ">="))
            if upward
            else bound < test.value or (bound == test.value and (required == "<" or asked == "<="))
        )
        (implying if strict_enough else other).append(fact)
    if implying:
        return TestResult(
            outcome="match",
            reason=f"requires {test.label}",
            citations=[fact_citation(trial, f) for f in implying],
        )
    return TestResult(
        outcome="no match",
        reason=f"does not require {test.label}",
        citations=[fact_citation(trial, f) for f in other],
    )


# ---- named terms -----------------------------------------------------------------------------


_OUTCOME_RANK = {"match": 0, "not stated": 1, "no match": 2}


def term_result(trial: Trial, test: TermTest) -> TestResult:
    """The best outcome over the term and its or-ed alternatives; turned round for a negated verb
    ("do not require X": a trial that does not state X as a requirement does not require it)."""
    if test.negated and test.mode == "accepts":
        # "won't take smokers" asks which trials exclude them: a record silent on it refuses no one
        return term_result(trial, test.model_copy(update={"mode": "excludes", "negated": False}))
    results = [_one_term_result(trial, test.mode, name) for name in test.names]
    best = min(results, key=lambda r: _OUTCOME_RANK[r.outcome])
    if not test.negated:
        return best
    if best.outcome == "match":
        return best.model_copy(update={"outcome": "no match"})
    return TestResult(
        outcome="match", reason=best.reason, citations=best.citations or _record_citation(trial)
    )


def _low_count_limits(trial: Trial, term: str) -> list[Fact]:
    """Inclusion limits keeping a count below the level a low one is called `term`: "platelets < 75
    x10^9/L" asks for thrombocytopenia (analytes.yaml `low_is`)."""
    limits = []
    for described in analytes():
        if described.kind is None or described.low_is is None or not mentions(described.low_is[2], term):
            continue
        below, unit, _ = described.low_is
        for fact in trial.facts_of(described.kind):
            if (
                fact.source != "inclusion"
                or fact.required_comparator() not in ("<", "<=")
                or fact.value is None
            ):
                continue
            value = convert(Quantity(value=fact.value, unit=fact.unit), unit, described.kind)
            if value is not None and value <= below:
                limits.append(fact)
    return limits


def _record_citation(trial: Trial) -> list[Citation]:
    """What to cite for a trial included because its record does not state something: its title, or
    else the first of its criteria, which the statement is about."""
    title = find_quote(trial, [trial.title])
    if title:
        return [Citation(nct_id=trial.nct_id, section="Title", quote=title)]
    return [criterion_citation(trial, c) for c in trial.criteria[:1]]


def _one_term_result(trial: Trial, mode: str, term: str) -> TestResult:
    if mode == "washout":
        return _washout_result(trial, term)
    excluded = _criteria_citations(trial, term, "exclusion")
    included = _criteria_citations(trial, term, "inclusion", affirmed=True)
    if mode in ("excludes", "accepts"):
        # An inclusion that wants the term absent ("No brain metastases") excludes it too, but only
        # where no criterion admits it in part ("No active brain metastases", "... allowed if stable").
        wanted_absent, partly, admitted = _inclusion_absence(trial, term)
        # A trial for patients with the term ("... in Patients With Brain Metastases") wants only some
        # forms of it absent ("No leptomeningeal metastases").
        absent_outright = (
            wanted_absent and not excluded and not (partly or admitted or _studies_term(trial, term))
        )
        refused = excluded or (_cite(trial, wanted_absent) if absent_outright else [])
        reason = f"excludes {term}" if excluded else f"requires the absence of {term}"
        if refused:
            outcome: Outcome = "match" if mode == "excludes" else "no match"
            return TestResult(outcome=outcome, reason=reason, citations=refused)
        if wanted_absent or partly:
            return TestResult(
                outcome="not stated",
                reason=f"excludes {term} only in some cases",
                citations=_cite(trial, [*wanted_absent, *partly, *admitted]),
            )
        if admitted:
            outcome = "no match" if mode == "excludes" else "match"
            return TestResult(outcome=outcome, reason=f"admits {term}", citations=_cite(trial, admitted))
        if included:
            outcome = "no match" if mode == "excludes" else "match"
            reason = f"requires {term}" if mode == "excludes" else f"includes {term}"
            return TestResult(outcome=outcome, reason=reason, citations=included)
        return unmentioned_result(term)
    if mode == "requires":
        limits = _low_count_limits(trial, term)
        if included or limits:
            reason = "; ".join([f"requires {term}", *(describe_fact(f) for f in limits)])
            return TestResult(outcome="match", reason=reason, citations=_cite(trial, limits) + included)
        absent = _absence_citations(trial, term)
        if absent:
            return TestResult(outcome="no match", reason=f"requires the absence of {term}", citations=absent)
        fields = _field_citations(trial, term, [("Conditions", trial.conditions)])
        if fields:
            return TestResult(outcome="match", reason=f"studies {term}", citations=fields)
        if excluded:
            return TestResult(outcome="no match", reason=f"excludes {term}", citations=excluded)
        return unmentioned_result(term)
    if mode == "gives":
        return _gives_result(trial, term)
    if mode == "controls":
        return _control_arm_result(trial, term)
    if mode == "studies":
        cites = (
            _field_citations(
                trial,
                term,
                [("Conditions", trial.conditions), ("Keywords", trial.keywords), ("Title", [trial.title])],
            )
            + included
        )
        if cites:
            return TestResult(outcome="match", reason=f"studies {term}", citations=cites)
        populations = _limit_population_citations(trial, term)
        if populations:  # "ALT <= 5 x ULN for patients with liver metastases" admits that population
            return TestResult(
                outcome="match", reason=f"sets its own limits for patients with {term}", citations=populations
            )
        given = _gives_result(trial, term) if not _names_a_condition(term) else None
        if (
            given is not None and given.outcome == "match"
        ):  # "studies romiplostim": a drug is studied by giving it
            return given
        places = [
            p for site in trial.sites for p in (site.country, site.state, site.city, site.facility) if p
        ]
        located = _field_citations(trial, term, [("Locations", places)])
        if located:  # "trials in China": a place, not a condition
            return TestResult(outcome="match", reason=f"has a site in {term}", citations=located)
        return TestResult(outcome="no match", reason=f"{term} is not among its conditions or sites")
    quote = (
        find_quote(trial, [term]) or next((s for s in sentences(trial.text) if mentions(s, term)), None)
        if mentions(trial.text, term)
        else None
    )
    if quote:
        return TestResult(
            outcome="match",
            reason=f"mentions {term}",
            citations=[Citation(nct_id=trial.nct_id, section="Record", quote=quote)],
        )
    return TestResult(outcome="not stated", reason=f"does not mention {term}")


def _washout_result(trial: Trial, term: str) -> TestResult:
    """A window before entry for a drug or event ("rhTPO within 14 days", "stop chemotherapy 1 month").
    An inclusion "no prior X within 3 months" is a washout too. Without one, an exclusion naming the
    term still answers ("history of thrombosis")."""
    windows = [
        f
        for f in trial.facts_of(FactKind.WASHOUT) + trial.facts_of(FactKind.PLATELET_TRANSFUSION)
        if mentions(f.term, term) or (f.kind == FactKind.PLATELET_TRANSFUSION and mentions(f.quote, term))
    ]
    if windows:
        reason = "; ".join(dict.fromkeys(_window_text(f) for f in windows))
        return TestResult(
            outcome="match", reason=reason, citations=[fact_citation(trial, f) for f in windows]
        )
    if drug_matches(term):
        return TestResult(outcome="not stated", reason=f"no washout window for {term} in the record")
    return _one_term_result(trial, "excludes", term)  # an event, not a drug: "history of thrombosis"


def _limit_population_citations(trial: Trial, term: str) -> list[Citation]:
    """Criteria setting a separate lab limit for patients with the term ("with liver metastases")."""
    return _cite(
        trial,
        [
            f
            for f in trial.facts
            if f.qualifier and _topic(f.qualifier)[1] and mentions(_topic(f.qualifier)[0], term)
        ],
    )


def _window_text(fact: Fact) -> str:
    window = f"within {fact.days:g} days" if fact.days is not None else "a window"
    return f"{fact.term or 'platelet transfusion'} {window}{f' before {fact.anchor}' if fact.anchor else ''}"


def _names_a_condition(term: str) -> bool:
    """A disease is studied, never given: "DM" in a list of drug codes is dexamethasone."""
    entry = concept(term)
    return entry is not None and concept_is_condition(entry)


def _gives_result(trial: Trial, term: str) -> TestResult:
    names = [i.name for i in trial.interventions] + [a.label for a in trial.arms]
    descriptions = [i.description for i in trial.interventions] + [a.description for a in trial.arms]
    cites = _field_citations(trial, term, [("Interventions", names)])
    if not cites:
        cites = _field_citations(trial, term, [("Interventions", [d for d in descriptions if d])])
    if not cites:  # "Romiplostim N01: 200 μg per dose, administered subcutaneously": a dosing line
        cites = _sentences_naming_both(trial, [i.name for i in trial.interventions], term)
    if cites:
        return TestResult(outcome="match", reason=f"gives {term}", citations=cites)
    titled = _field_citations(
        trial, term, [("Title", [t for t in (trial.official_title, trial.brief_title) if t])]
    )
    if titled:  # some pages list only background therapy as interventions; the title names the drug
        return TestResult(outcome="match", reason=f"studies {term} (named in the title)", citations=titled)
    if not trial.interventions and not trial.arms:
        return TestResult(outcome="not stated", reason="the record lists no interventions")
    return TestResult(outcome="no match", reason=f"{term} is not among its interventions")


def _sentences_naming_both(trial: Trial, names: Sequence[str], term: str) -> list[Citation]:
    """Record sentences that name one of the trial's interventions and the term together, outside
    the eligibility criteria (an exclusion of "myeloma" beside "chemotherapy" gives neither)."""
    if not mentions(trial.text, term):  # one look at the whole record spares reading each sentence
        return []
    found = [
        s
        for s in sentences(trial.text)
        if mentions(s, term)
        and any(n and mentions(s, n) for n in names)
        and not _within_criteria(trial, s)
        and find_quote(trial, [s])
    ]
    return [Citation(nct_id=trial.nct_id, section="Interventions", quote=s) for s in found[:2]]


def _within_criteria(trial: Trial, sentence: str) -> bool:
    """Whether a record sentence is (part of) an eligibility criterion; its bullet and closing
    punctuation are not part of the criterion's text."""
    core = sentence.strip("*•·-–;,. ")
    return any(core in c.text for c in trial.criteria)


def _control_arm_result(trial: Trial, term: str) -> TestResult:
    """A control arm giving the term: any arm not typed EXPERIMENTAL (active/placebo/sham comparator,
    no intervention, other) whose label, description or assigned interventions name it."""
    if not trial.arms:
        return TestResult(outcome="not stated", reason="the record lists no arms")
    for arm in trial.arms:
        if not arm.type or arm.type.upper() == "EXPERIMENTAL":
            continue
        cites = _arm_citations(trial, arm, term)
        if cites:
            kind = arm.type.replace("_", " ").lower()
            return TestResult(
                outcome="match", reason=f"control arm {arm.label} ({kind}) gives {term}", citations=cites
            )
    if _INERT_CONTROL.fullmatch(term.strip()):
        # a placebo given at all is a control, whatever the arms are typed: "Arm I (Experimental):
        # letrozole and placebo", "a randomized, double-blind, placebo-controlled study"
        named = [i.name for i in trial.interventions if mentions(i.name, term)]
        written = re.search(rf"\b{re.escape(term.strip())}[- ]controlled\b", trial.text, re.IGNORECASE)
        quote = find_quote(trial, [written.group(0)]) if written else find_quote(trial, named)
        if quote:
            cites = [Citation(nct_id=trial.nct_id, section="Study Design", quote=quote)]
            return TestResult(outcome="match", reason=f"{term}-controlled", citations=cites)
    return TestResult(outcome="no match", reason=f"no control arm gives {term}")


_INERT_CONTROL = re.compile(r"placebos?|sham(?: procedure| surgery)?|vehicle|saline", re.IGNORECASE)


def _arm_citations(trial: Trial, arm: Arm, term: str) -> list[Citation]:
    """The arm's label and first description sentence naming the term, quoted verbatim; the names of
    interventions assigned to the arm only when neither does."""
    own = [arm.label, *(sentences(arm.description) if arm.description else [])]
    assigned = [i.name for i in trial.interventions if arm.label in i.arm_labels]
    for passages in (own, assigned):
        quotes = [find_quote(trial, [p]) for p in passages if mentions(p, term)]
        found = list(dict.fromkeys(q for q in quotes if q))[:2]
        if found:
            return [Citation(nct_id=trial.nct_id, section="Study Groups", quote=q) for q in found]
    return []


def _criteria_citations(trial: Trial, term: str, section: str, affirmed: bool = False) -> list[Citation]:
    """Criteria of one section naming the term (as the fact extractor read them, or in their words);
    `affirmed` skips mentions of its absence ("negative for HIV")."""
    named = mentions_affirmed if affirmed else mentions_itself
    criteria, texts = _patient_criteria(trial, section)
    naming_it = [criteria[place] for place in texts.naming(term)]
    cites = [criterion_citation(trial, c) for c in naming_it if named(c.text, term)]
    if cites or affirmed:
        return cites
    facts = [
        fact_citation(trial, f)
        for f in trial.facts_of(FactKind.CONDITION)
        if f.source == section and mentions(f.term, term)
    ]
    return facts or (_class_citations(trial, term) if section == "exclusion" else [])


def _patient_criteria(trial: Trial, section: str) -> tuple[list[Criterion], TextsNaming]:
    """A section's criteria about the patient, and their texts read for the terms they name (once
    per record)."""

    def read() -> tuple[list[Criterion], TextsNaming]:
        criteria = trial.patient_inclusion if section == "inclusion" else trial.patient_exclusion
        return criteria, TextsNaming([c.text for c in criteria])

    sources = trial.inclusion if section == "inclusion" else trial.exclusion
    return trial.remembered(f"patient {section} naming", (sources,), read)


def _class_citations(trial: Trial, term: str) -> list[Citation]:
    """Exclusions naming a drug class the term belongs to: "antiplatelet drugs" excludes aspirin.
    Only exclusions (an inclusion asking for the class is met by other members too), and only drug
    classes: a disease class is excluded with qualifiers ("serious cardiac disease") a member need
    not meet."""
    classes = drug_classes(term)
    if not classes:
        return []
    return [
        criterion_citation(trial, c)
        for c in trial.patient_exclusion
        if classes & {m.term.name for m in concept_matches(c.text)}
    ]


@lru_cache(maxsize=1_000)
def drug_classes(term: str) -> frozenset[str]:
    """The drug classes the term's drugs belong to (an exclusion of the class excludes them)."""
    named = [m for m in concept_matches(term) if concept_is_treatment(m.term)]
    return frozenset({b for m in named for b in m.term.broader} - {m.term.name for m in named})


def _studies_term(trial: Trial, term: str) -> bool:
    """Whether the trial's conditions, keywords or titles name the term (not as absent)."""
    fields = [*trial.conditions, *trial.keywords, trial.brief_title, trial.official_title]
    return any(mentions_affirmed(value, term) for value in fields if value)


def _inclusion_absence(trial: Trial, term: str) -> tuple[list[Fact], list[Fact], list[Fact]]:
    """Inclusion facts on the term: those requiring it absent outright, those requiring it absent
    only in some cases, and those admitting it (see index/facts/conditions.py)."""
    facts = [
        f
        for f in trial.facts_of(FactKind.CONDITION)
        if f.source == "inclusion" and f.qualifier and mentions(f.term, term)
    ]
    return (
        [f for f in facts if f.qualifier == ABSENT],
        [f for f in facts if f.qualifier == PARTLY_ABSENT],
        [f for f in facts if f.qualifier == ALLOWED],
    )


def _absence_citations(trial: Trial, term: str) -> list[Citation]:
    """Inclusion criteria naming the term only as absent: "Negative for HIV by ELISA"."""
    return [
        criterion_citation(trial, c)
        for c in trial.inclusion
        if mentions(c.text, term) and not mentions_affirmed(c.text, term)
    ]


def _field_citations(trial: Trial, term: str, fields: Sequence[tuple[str, Sequence[str]]]) -> list[Citation]:
    cites = []
    for section, values in fields:
        for value in values:
            if not mentions(value, term):
                continue
            quote = find_quote(trial, [value]) or find_quote(trial, [term])
            if quote:
                cites.append(Citation(nct_id=trial.nct_id, section=section, quote=quote))
                break
    return cites


# ---- structured fields -----------------------------------------------------------------------

_FIELD_LABELS = {
    "sponsor_class": "Sponsors",
    "lead_sponsor_class": "Sponsors",
    "start_year": "Basic Information",
    "completion_year": "Basic Information",
    "status": "Status",
    "phase": "Phase",
    "allocation": "Allocation",
    "intervention_model": "Model",
    "primary_purpose": "Purpose",
    "study_type": "Study",
    "masking": "Masking",
    "intervention_type": "Type",
    "healthy_volunteers": "Healthy",
    "results_posted": "Results",
}


def count_result(trial: Trial, test: CountTest) -> TestResult:
    if trial.enrollment is None:
        return TestResult(outcome="not stated", reason="the record does not state its enrolment")
    cites = extract("enrollment", trial).citations
    hit = compare(float(trial.enrollment), test.comparator, test.value)
    return TestResult(
        outcome="match" if hit else "no match", reason=f"enrolment {trial.enrollment}", citations=cites
    )


def field_result(trial: Trial, test: FieldTest) -> TestResult:
    if test.field == "states":
        return _states_result(trial, test)
    if test.field in ("sex", "accepts_sex"):
        return _sex_result(trial, test)
    if test.field in FIELDS:
        outcome, reason, cites = judge(trial, test)
        return TestResult(outcome=outcome, reason=reason, citations=cites)  # type: ignore[arg-type]
    values = field_values(trial, test.field)
    if not values:
        return _named_by_title(trial, test) or TestResult(
            outcome="not stated", reason=f"the record does not state its {test.field.replace('_', ' ')}"
        )
    hit = [v for v in values if (v in test.values) != test.negated]
    shown = hit or values
    quote = _field_quote(trial, test.field, shown)
    cites = [Citation(nct_id=trial.nct_id, section=_FIELD_LABELS[test.field], quote=quote)] if quote else []
    readable = ", ".join({"TRUE": "yes", "FALSE": "no"}.get(v, v.replace("_", " ").lower()) for v in shown)
    return TestResult(
        outcome="match" if hit else "no match",
        reason=f"{test.field.replace('_', ' ')}: {readable}",
        citations=cites,
    )


# Designs a title states when the registry fields are absent ("a Prospective One-arm Study", "A
# Randomised, Double-blind Trial"); status or phase in a title may be out of date, so not those.
_DESIGNS_IN_TITLES = frozenset({"allocation", "intervention_model", "masking"})


def _named_by_title(trial: Trial, test: FieldTest) -> TestResult | None:
    if test.field not in _DESIGNS_IN_TITLES:
        return None
    for title in (trial.official_title, trial.brief_title):
        named = [v for v, _ in values_named(title or "") if v.field == test.field]
        quote = find_quote(trial, [title]) if named else None
        if quote is None:
            continue
        hit = any(set(v.values) & set(test.values) for v in named) != test.negated
        return TestResult(
            outcome="match" if hit else "no match",
            reason=f"{test.field.replace('_', ' ')}: {named[0].label} (its title)",
            citations=[Citation(nct_id=trial.nct_id, section="Title", quote=quote)],
        )
    return None


def _states_result(trial: Trial, test: FieldTest) -> TestResult:
    """Whether the record states an attribute at all ("sets a maximum age"), with its words."""
    found = extract(test.values[0], trial)
    stated = bool(found.lines and found.citations)
    outcome: Outcome = "match" if stated != test.negated else "no match"
    if stated:
        return TestResult(
            outcome=outcome, reason=f"{found.label}: {found.lines[0]}", citations=found.citations
        )
    # nothing to quote for what a record leaves out: its title says which record was read
    title = find_quote(trial, [trial.title])
    cites = [Citation(nct_id=trial.nct_id, section="Title", quote=title)] if title else []
    return TestResult(outcome=outcome, reason=f"states no {found.label}", citations=cites)


def _field_quote(trial: Trial, field: str, values: list[str]) -> str | None:
    if field in ("sponsor_class", "lead_sponsor_class"):
        names = [s.name for s in trial.sponsors if (s.agency_class or "").upper() in values]
        return find_quote(trial, names)
    if field in ("start_year", "completion_year"):
        stored = "start_date" if field == "start_year" else "completion_date"
        date = trial.written.get(stored) or getattr(trial, stored)
        return find_quote(trial, [date], near="Start" if field == "start_year" else "Completion")
    if field == "results_posted":
        cites = extract("results", trial).citations
        return cites[0].quote if cites else None
    if field == "healthy_volunteers":
        return find_quote(trial, ["Healthy Volunteers"])
    candidates = [c for v in values for c in (v, v.replace("_", " "), v.replace("PHASE", "Phase "))]
    written = trial.written.get("phases" if field == "phase" else field)  # "Active, not recruiting"
    return find_quote(trial, [written, *candidates], near=_FIELD_LABELS[field])


def allowed_sexes(trial: Trial) -> tuple[frozenset[str] | None, list[Citation]]:
    """The sexes a trial enrols: the registry field and any inclusion criterion restricting sex, both
    applied (a conflict between them narrows the set and is reported separately; inclusions for one
    sex each are alternatives: index/trial_fields.py `criteria_sexes`). None: not stated."""
    # read once per record: every vignette giving a sex asks it of every trial of its condition
    allowed, cites = trial.remembered(
        "sexes enrolled", (trial.facts, trial.sex, trial.text), lambda: _sexes(trial)
    )
    return allowed, list(cites)


def _sexes(trial: Trial) -> tuple[frozenset[str] | None, tuple[Citation, ...]]:
    allowed = criteria_sexes(trial)
    facts = [
        f
        for f in trial.facts_of(FactKind.SEX)
        if f.source in ("structured", "inclusion") and SEXES.get((f.term or "").lower()) is not None
    ]
    cites = [fact_citation(trial, fact) for fact in facts]
    if not any(f.source == "structured" for f in facts) and trial.sex:
        sexes = SEXES.get(trial.sex.lower())
        quote = find_quote(trial, [trial.sex], near="Sex")
        if sexes is not None and quote:
            allowed = sexes if allowed is None else allowed & sexes
            cites.append(Citation(nct_id=trial.nct_id, section="Eligibility", quote=quote))
    return (frozenset(allowed) if allowed is not None else None), tuple(cites)


def _sex_result(trial: Trial, test: FieldTest) -> TestResult:
    """'Women only' (the trial enrols exactly that sex) or 'open to men' (it enrols that sex at all)."""
    allowed, cites = allowed_sexes(trial)
    if allowed is None:
        return TestResult(outcome="not stated", reason="the record does not state which sexes it enrols")
    # "women only or men only": enrols exactly one of them; "open to men or women": enrols either
    hit = (
        any(allowed == {v} for v in test.values) if test.field == "sex" else bool(allowed & set(test.values))
    ) != test.negated  # "won't take a male": enrols no man
    shown = " and ".join(sorted(s.lower() for s in allowed)) or "no sex (conflicting statements)"
    return TestResult(outcome="match" if hit else "no match", reason=f"enrols {shown}", citations=cites)
