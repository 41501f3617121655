"""Which trials a question's tests surely rule out (or, for numbers alone, surely match), asked of
the fact store (index/fact_store.py).

A set question's trials are evaluated in Python (assistant/evaluate.py); that stays the only judge.
This module only spares it the trials whose answer the stored fields and facts already settle, and
only where that is certain: each query below rules a trial out exactly when the evaluator would find
that test "no match" (one "no match" decides a trial: `evaluate.combine`), from the same values the
evaluator reads (index/trial_fields.py, the trial's facts). A test it cannot settle that way (named
terms, record text, conflicts, doses, sponsor names, anything turned round by "which trials
exclude...") rules nothing out. Trials the store does not hold are never ruled out. Named terms
can still leave a trial unread: one whose criteria name none of them (the store's mention
documents, index/language/mentions.py) states none of them (`set_stating`).

Everything a set answer says of the trials ruled out is their number (compose_set counts them with
the rest that do not match), so leaving them out changes no answer. A trial every numeric test
surely matches (`narrow_set`: its own limits, all for every patient, none refusing the value) is
still read when the answer shows it; past those, its result row is worded from the store's rows as
evaluate.numeric_result words it (evaluate.settled_match).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from sqlalchemy import ColumnElement, Select, Text, and_, case, false, func, not_, or_, select

from assistant.evaluate import drug_classes
from assistant.quantities import Quantity, convert
from assistant.query import CountTest, FieldTest, NumericTest, Query
from index.fact_store import FactStore, facts, trials, values
from index.facts.kinds import spec
from index.language.mentions import mention_query
from index.language.units import analyte
from index.models import FactKind
from index.trial_fields import DATE_FIELDS, ENUMERATED_FIELDS, LISTED_PARTS

_SEX_VALUES = ("FEMALE", "MALE")
# Every value the trials table's `criteria_sexes` can hold: the sexes left open, sorted and joined.
_CRITERIA_SEXES = [",".join(c) for n in range(len(_SEX_VALUES) + 1) for c in combinations(_SEX_VALUES, n)]


def set_conditions(store: FactStore, query: Query) -> list[Select[Any]]:
    """Selects of the NCT IDs each of a set question's tests rules out (an empty list: none)."""
    found = [
        *(_numeric(store, test) for test in query.numeric if not query.wants_excluded),
        *(_field(store, test) for test in query.fields),
        *(_count(store, test) for test in query.counts),
    ]
    if query.any_of:  # or-ed tests rule out only the trials every one of them rules out
        if query.terms or query.wants_excluded or not found or any(c is None for c in found):
            return []
        every = [trials.c.nct_id.in_(c) for c in found if c is not None]
        return [select(trials.c.nct_id).where(store.owned(trials), *every)]
    return [condition for condition in found if condition is not None]


def set_stating(store: FactStore, query: Query) -> Select[Any] | None:
    """A select of the trials that may state what a question of numbers alone asks ("which trials
    accept ECOG 2?"): a limit of a kind it asks, or of a kind standing in for one. Every other trial
    comes out "not stated" for each test (evaluate.numeric_result and _requires_result find no fact
    of the kind) without being read. For a question of named terms alone, the trials whose criteria
    may name them (`_naming`). None: every trial may state it.

    Not for a kind a record can also bound where the store does not look (an organ's function tests
    as a whole, read from the criterion's words; age, from the registry fields), nor beside tests of
    other sorts, which the record must be read for."""
    if query.terms and not (query.numeric or query.fields or query.counts):
        return _naming(store, query)
    if not query.numeric or query.terms or query.fields or query.counts:
        return None
    kinds: set[str] = set()
    for test in query.numeric:
        if test.kind == FactKind.AGE or spec(test.kind).organ is not None:
            return None
        described = analyte(test.kind)
        kinds |= {test.kind, *(described.stands_for if described else ())}
    return select(facts.c.nct_id).where(store.owned(facts), facts.c.kind.in_(sorted(kinds))).distinct()


def _naming(store: FactStore, query: Query) -> Select[Any] | None:
    """Trials whose criteria (or the facts read from them) may name one of the question's terms, or a
    drug class of one: whether the others exclude or accept it, each test then comes out "not
    stated" (evaluate._one_term_result finds nothing to cite). Not for a test turned round ("do not
    exclude X": a trial silent on it matches) nor for other ways of naming a term (what a trial
    requires, gives or studies is also read from its limits, fields and arms)."""
    if query.wants_excluded or any(t.negated or t.mode not in ("excludes", "accepts") for t in query.terms):
        return None
    ways = [mention_query(name, drug_classes(name)) for test in query.terms for name in test.names]
    return store.mentioning(" OR ".join(f"({way})" for way in ways if way)) if all(ways) else None


# ---- numbers: ECOG, age, labs ----------------------------------------------------------------------


def _numeric(store: FactStore, test: NumericTest) -> Select[Any] | None:
    """A patient value a trial's own limits refuse (evaluate.numeric_result says "no match"): one
    limit refusing it decides where all apply to every patient (`_limits`). For age, also the
    registry's age range, which the evaluator reads when no age fact was taken from it."""
    limits = _limits(store, test)
    if limits is None:
        return None
    verdicts = limits.subquery()
    condition: ColumnElement[bool] = trials.c.nct_id.in_(
        select(verdicts.c.nct_id).where(verdicts.c.refusing > 0)
    )
    if test.kind == FactKind.AGE:
        registry_refuses = or_(
            and_(trials.c.min_age_years.is_not(None), trials.c.min_age_years > test.value),
            and_(trials.c.max_age_years.is_not(None), trials.c.max_age_years < test.value),
        )
        from_registry = select(facts.c.nct_id).where(
            store.owned(facts), facts.c.kind == test.kind, facts.c.source == "structured"
        )
        condition = or_(condition, and_(registry_refuses, trials.c.nct_id.not_in(from_registry)))
    return select(trials.c.nct_id).where(store.owned(trials), condition)


def _limits(store: FactStore, test: NumericTest) -> Select[Any] | None:
    """(nct_id, refusing, low, high) for each trial whose limits of the test's kind all apply to
    every patient (none is for patients with or without some condition, so evaluate._scenarios gives
    one scenario) and some of which refuse or take the value: `refusing`, how many refuse it (one
    decides "no match"); with none refusing, one takes it ("match"), and `low`/`high` are the
    tightest ends of the ranges taking it (evaluate.numeric_result words its "allows" from them).
    A limit that cannot be compared with the value (another unit) neither refuses nor takes it."""
    if test.mode != "accepts" or test.high is not None or test.comparator is not None:
        # "requires platelets < 50" rules out by what the limits imply, a span of values ("early
        # 70s") only where both ends are refused, and "children under 12" where no age under 12 is
        # taken (an age range of 2-5 takes them though it refuses 12): none is settled here
        return None
    ranged = or_(facts.c.low.is_not(None), facts.c.high.is_not(None))
    range_takes = and_(
        ranged,
        or_(facts.c.low.is_(None), facts.c.low <= test.value),
        or_(facts.c.high.is_(None), facts.c.high >= test.value),
    )
    # A comparator limit is compared with the value converted to the limit's own unit, once for each
    # unit the limits are written in (as evaluate.fact_allows converts it).
    comparator_takes, comparator_refuses = [], []
    for unit, converted in _converted(store, test):
        same_unit = facts.c.unit.is_(None) if unit is None else facts.c.unit == unit
        comparator_takes.append(and_(same_unit, facts.c.required.is_not(None), not_(_refuses(converted))))
        comparator_refuses.append(and_(same_unit, _refuses(converted)))
    unranged = and_(facts.c.low.is_(None), facts.c.high.is_(None), facts.c.value.is_not(None))
    takes = or_(range_takes, and_(unranged, or_(false(), *comparator_takes)))
    refuses = or_(and_(ranged, not_(range_takes)), and_(unranged, or_(false(), *comparator_refuses)))
    conditional = not_(or_(facts.c.qualifier.is_(None), facts.c.qualifier == ""))

    def counted(condition: Any) -> Any:
        return func.sum(case((condition, 1), else_=0))

    return (
        select(
            facts.c.nct_id,
            counted(refuses).label("refusing"),
            func.max(case((range_takes, facts.c.low))).label("low"),
            func.min(case((range_takes, facts.c.high))).label("high"),
        )
        .where(store.owned(facts), facts.c.kind == test.kind)
        .group_by(facts.c.nct_id)
        .having(counted(conditional) == 0, or_(counted(refuses) > 0, counted(takes) > 0))
    )


def _converted(store: FactStore, test: NumericTest) -> list[tuple[str | None, float]]:
    """The test's value in each unit this kind's limits are written in, where it converts
    (as evaluate.fact_allows converts it for each limit)."""
    found = []
    for unit in store.units_of(test.kind):
        converted = convert(Quantity(value=test.value, unit=test.unit), unit, test.kind)
        if converted is not None:
            found.append((unit, converted))
    return found


def _refuses(value: float) -> Any:
    """A limit (`required` comparator, bound `facts.value`) that `value` does not satisfy."""
    bound = facts.c.value
    failing = {
        "<": bound <= value,
        "<=": bound < value,
        ">": bound >= value,
        ">=": bound > value,
        "=": bound != value,
        "!=": bound == value,
    }
    return or_(*(and_(facts.c.required == comparator, fails) for comparator, fails in failing.items()))


# ---- registry fields --------------------------------------------------------------------------------


def _field(store: FactStore, test: FieldTest) -> Select[Any] | None:
    if test.field in ENUMERATED_FIELDS:
        return _enumerated(store, test)
    if test.field in DATE_FIELDS:
        return _date(store, test)
    if test.field == "location":
        return _location(store, test)
    if test.field in LISTED_PARTS:
        listed = trials.c[f"lists_{test.field.removeprefix('has_')}"]
        return select(trials.c.nct_id).where(store.owned(trials), listed == (test.values != ["TRUE"]))
    if test.field in ("sex", "accepts_sex"):
        # "won't take a male": the trials leaving men out are the answer, not to be ruled out
        return None if test.negated else _sexes(store, set(test.values))
    return None  # a sponsor's name, record conflicts, doses, what a record states: read from the record


# Enumerated fields of one value each, which the trials table keeps as text beside the values rows
# (status, masking...): a filter on one reads that column instead of every trial's values rows.
_ONE_TEXT_VALUE = frozenset(
    f for f in ENUMERATED_FIELDS if f in trials.c and isinstance(trials.c[f].type, Text)
)


def _enumerated(store: FactStore, test: FieldTest) -> Select[Any]:
    """Trials stating the field, none of whose values the filter takes (evaluate.field_result: a
    value hits when it is among the filter's values, or, negated, when it is not)."""
    if test.field in _ONE_TEXT_VALUE:  # its column holds the value the values table holds
        column = trials.c[test.field]
        refused = column.in_(test.values) if test.negated else column.not_in(test.values)
        return select(trials.c.nct_id).where(store.owned(trials), column.is_not(None), refused)
    taken = values.c.value.in_(test.values)

    def holding(*condition: Any) -> Select[Any]:  # by the (store, field, value) index
        return select(values.c.nct_id).where(store.owned(values), values.c.field == test.field, *condition)

    return select(trials.c.nct_id).where(
        store.owned(trials),
        trials.c.nct_id.in_(holding()),
        trials.c.nct_id.not_in(holding(not_(taken) if test.negated else taken)),
    )


def _date(store: FactStore, test: FieldTest) -> Select[Any] | None:
    """A stated date on the wrong side of the bound (fields._judge_date): "before" compares a month
    or year written alone by its last day, "after" by its first."""
    end = "last" if test.operator in ("<", "<=") else "first"
    stated = trials.c[f"{test.field}_{end}"]
    bound = test.values[0]
    failing = {"<": stated >= bound, "<=": stated > bound, ">": stated <= bound, ">=": stated < bound}
    if test.operator not in failing:
        return None
    return select(trials.c.nct_id).where(store.owned(trials), stated.is_not(None), failing[test.operator])


def _location(store: FactStore, test: FieldTest) -> Select[Any] | None:
    """Trials giving places for their sites, none of them in the places (fields._judge_location);
    negated ("no site in China"), those with a site there. Whether some site is elsewhere ("outside
    China") is a question of each site, which the store does not keep: read from the record."""
    if test.operator != "in":
        return None

    there = select(values.c.nct_id).where(
        store.owned(values), values.c.field == "place", values.c.value.in_(test.values)
    )
    if test.negated:
        return select(trials.c.nct_id).where(store.owned(trials), trials.c.nct_id.in_(there))
    return select(trials.c.nct_id).where(
        store.owned(trials), trials.c.places > 0, trials.c.nct_id.not_in(there)
    )


def _sexes(store: FactStore, wanted: set[str]) -> Select[Any]:
    """Trials whose sex facts already leave out a sex the filter or patient needs. The registry's own
    sex field can only leave out more (evaluate.allowed_sexes), so these are refused whatever it
    says; "enrols exactly these" and "accepts these" both need every wanted sex left open."""
    refusing = [held for held in _CRITERIA_SEXES if not wanted <= set(filter(None, held.split(",")))]
    return select(trials.c.nct_id).where(store.owned(trials), trials.c.criteria_sexes.in_(refusing))


def _count(store: FactStore, test: CountTest) -> Select[Any]:
    """A stated enrolment the comparison fails (evaluate.count_result)."""
    stated = trials.c.enrollment
    failing = {
        "<": stated >= test.value,
        "<=": stated > test.value,
        ">": stated <= test.value,
        ">=": stated < test.value,
        "=": stated != test.value,
    }
    return select(trials.c.nct_id).where(store.owned(trials), stated.is_not(None), failing[test.comparator])


def selected(store: FactStore | None, conditions: Sequence[Select[Any]], generation: str | None) -> set[str]:
    """The NCT IDs the conditions select, or none when the store cannot answer for the records the
    caller holds (no store, or rows of another generation)."""
    if store is None or not conditions:
        return set()
    return store.selected(conditions, generation) or set()


def stating(store: FactStore, query: Query, generation: str | None) -> set[str] | None:
    """The NCT IDs of the trials that may state what the question asks (`set_stating`); None when any
    may, or the store cannot answer for the records the caller holds."""
    may_state = set_stating(store, query)
    return None if may_state is None else store.selected([may_state], generation)


Ends = tuple[float | None, float | None]  # the tightest ends of the ranges taking a value


@dataclass(frozen=True)
class SetNarrowing:
    """What the fact store settles of a set question, so those trials need not be read.
    `ruled_out`: trials that surely do not match; `stating`: the only trials that may state what is
    asked (`set_stating`; None: any may), every other is "not stated" for each test; `settled`: trials
    that surely match, each with the `Ends` of each numeric test."""

    ruled_out: set[str] = field(default_factory=set)
    stating: set[str] | None = None
    settled: dict[str, tuple[Ends, ...]] = field(default_factory=dict)


def narrow_set(store: FactStore | None, query: Query, generation: str | None) -> SetNarrowing:
    """The trials of a set question the store settles; nothing when it cannot answer for the
    records the caller holds (no store, or rows of another generation).

    For a question of numbers alone (not age, whose registry range joins in; not or-ed, nor
    "which trials exclude..."), one select per test gives each trial's verdicts, so the store also
    says which trials match and how their ranges word it (`_limits`); otherwise only which it
    rules out (`set_conditions`)."""
    if store is None:
        return SetNarrowing()
    others = query.terms or query.fields or query.counts or query.any_of or query.wants_excluded
    plain = not others and all(test.kind != FactKind.AGE for test in query.numeric)
    limits = [_limits(store, test) for test in query.numeric] if plain else []
    if not limits or any(s is None for s in limits):
        return SetNarrowing(
            ruled_out=selected(store, set_conditions(store, query), generation),
            stating=stating(store, query, generation),
        )
    found = store.rows([s for s in limits if s is not None], generation)
    if found is None:
        return SetNarrowing()
    refused = {row[0] for rows in found for row in rows if row[1] > 0}
    taking = [{row[0]: (row[2], row[3]) for row in rows if row[1] == 0} for rows in found]
    matching = set(taking[0]).intersection(*taking[1:])
    return SetNarrowing(
        ruled_out=refused,
        stating=stating(store, query, generation),
        settled={nct_id: tuple(ends[nct_id] for ends in taking) for nct_id in matching},
    )
