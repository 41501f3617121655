"""Markdown answers for clinicians: the direct answer first, then per-trial evidence, IDs as `[NCT…]`.

Composition only arranges what the evaluation found; every statement it writes is backed by a
citation it passes on, and verification (assistant.verify) checks those before the answer leaves.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Collection, Mapping, Sequence
from itertools import chain

from assistant.attributes import BY_KEY, AttributeResult
from assistant.evaluate import TestResult, TrialEvaluation, unmentioned_result, unstated_result
from assistant.evidence import find_quote, md_quote
from assistant.models import Answer, Citation, Status, Verdict
from assistant.query import Query, QuestionKind
from assistant.record_text import RecordSentence
from assistant.results import ResultTable, counted_group, listed, ref, trials_count
from assistant.retrieve import Passage, RankedSentence, rank_sentences
from index.language.vocabulary import concept
from index.models import Trial

OPEN_SENTENCES = 3  # at most this many verbatim sentences form an open question's direct answer
OPEN_SUPPORT = 3  # further passages quoted beneath the direct answer
DIRECT_SHARE = 0.6  # a sentence joins the direct answer only when it scores this share of the best
_NOT_STATED_LIMIT = 25
_STATUS_MARK = {"met": "✅ met", "not met": "❌ not met", "unknown": "❓ unknown"}


def _first_quote(citations: Sequence[Citation]) -> str:
    return f" — {md_quote(citations[0].quote, 220)} ({citations[0].section})" if citations else ""


def _conflict_lines(trials: Sequence[Trial]) -> list[str]:
    return [f"- ⚠️ {ref(t.nct_id)} record conflict: {c}" for t in trials for c in t.conflicts]


_PARTICIPLES = ("with ", "listing ", "contradicting ", "giving ", "sponsored ", "stating ", "testing ")


def question_phrase(query: Query) -> str:
    """What the set question asks, as the answer repeats it: 'accept ECOG 2 and are phase 2'."""
    verbs = {
        "excludes": "exclude",
        "requires": "require",
        "accepts": "accept patients with",
        "studies": "are for or in",
        "gives": "give",
        "controls": "have a control arm of",
        "mentions": "mention",
        "washout": "set a washout window or exclusion for",
    }
    accepts = "exclude patients with" if query.wants_excluded else "accept"
    parts = [f"{accepts if t.mode == 'accepts' else 'require'} {t.label}" for t in query.numeric]
    parts += [
        f"{_negated(verbs[t.mode]) if t.negated else verbs[t.mode]} {' or '.join(t.names)}"
        for t in query.terms
    ]
    parts += [f.label if f.label.startswith(_PARTICIPLES) else f"are {f.label}" for f in query.fields]
    parts += [f"have {c.label}" for c in query.counts]
    return (" or " if query.any_of else " and ").join(parts) or "are in the index"


def _negated(verb: str) -> str:
    """'are for or in' -> 'are not for or in'; 'exclude' -> 'do not exclude'."""
    return verb.replace("are ", "are not ", 1) if verb.startswith("are ") else f"do not {verb}"


# ---- set questions ---------------------------------------------------------------------------


def compose_set(
    query: Query,
    evaluations: Sequence[TrialEvaluation],
    by_id: Mapping[str, Trial],
    shown: int,
    ruled_out: int = 0,
    unread: Collection[str] = frozenset(),
    cited_all: int = 0,
) -> Answer:
    """The matching trials: the first `shown` named with their evidence and cited, the rest counted
    (all of them in `trials` and `results`); trials that do not match are counted, not cited.
    `by_id`: the evaluated records.
    `ruled_out`: trials of the question's scope not evaluated because the fact store showed they do
    not match (assistant/candidates.py); they are counted with the others that do not match.
    `unread`: trials of the scope not evaluated because the fact store showed they set no limit of
    the kinds a question of numbers asks, or name none of the terms a question of terms asks: each
    test is "not stated" for them, as reading would find.
    Trials not stated either way are listed by NCT ID.
    `cited_all`: with at most this many matches, every one is cited (its first quote), not only those
    shown, so each trial of a modest result can be checked against its record."""
    matches = [e for e in evaluations if e.outcome == "match"]
    refused = len([e for e in evaluations if e.outcome == "no match"]) + ruled_out
    read_unstated = [e for e in evaluations if e.outcome == "not stated"]
    unstated = len(read_unstated) + len(unread)
    # the first few by NCT ID are named (~75k at 100k trials: not all sorted to name a few)
    named_unstated = heapq.nsmallest(_NOT_STATED_LIMIT, chain((e.nct_id for e in read_unstated), unread))
    reasons = {r.reason for e in read_unstated for r in e.results if r.outcome == "not stated"}
    if unread:  # each test as reading them finds it (candidates.set_stating)
        reasons |= {unstated_result(test.kind).reason for test in query.numeric}
        reasons |= {unmentioned_result(test.names[0]).reason for test in query.terms}
    total = len(evaluations) + len(unread) + ruled_out
    head = matches[:shown]
    phrase = question_phrase(query)
    scope = f" (of the {total} trials from the previous answer)" if query.scope is not None else ""
    if matches:
        ids = listed([e.nct_id for e in head], len(matches))
        lines = [f"**{len(matches)} of {total} trials{scope} {phrase}:** {ids}."]
    else:
        lines = [f"**No trial{scope} {_singular(phrase)}.**"]
    lines += ["", *[_evaluation_line(e) for e in head]]
    if len(matches) > len(head):
        rest = len(matches) - len(head)
        lines.append(
            f"- …and {rest} more: all {len(matches)} are in the results table (`trials` in the JSON)."
        )
    if refused and not query.count_only:
        lines += ["", f"**Not matching: {trials_count(refused)}** (counted, not listed)."]
    if unstated:
        lines += ["", _unstated_line(named_unstated, unstated, reasons)]
    head_trials = [by_id[e.nct_id] for e in head if e.nct_id in by_id]
    # the aggregate reads every match's record: only when asked (an index too large to hold reads
    # the records from the fact store)
    matched = [by_id[e.nct_id] for e in matches if e.nct_id in by_id] if query.aggregate else []
    aggregate_lines, aggregate_citations = _aggregate_lines(query, matched, shown)
    lines = aggregate_lines + lines if aggregate_lines else lines
    lines += _block(_conflict_lines(head_trials))
    notes = (
        [f"{unstated} trial(s) do not state this: listed as not stated, neither included nor excluded."]
        if unstated
        else []
    )
    return Answer(
        answer="\n".join(lines).strip(),
        trials=[e.nct_id for e in matches],
        citations=[c for e in head for c in e.citations]
        + _first_citations([e.citations for e in matches[len(head) :]], len(matches) <= cited_all)
        + aggregate_citations,
        kind=QuestionKind.SET,
        notes=notes,
        shown=len(head),
    ).with_rows(ResultTable(by_id, _deciding_criteria(matches)))


def _deciding_criteria(matches: Sequence[TrialEvaluation]) -> dict[str, tuple[None, str]]:
    """Each match's deciding criterion for its table row. Trials the fact store settled share their
    results (chain._evaluated): each distinct set of them is worded once (~20k matches at 100k)."""
    worded: dict[tuple[object, ...], tuple[None, str]] = {}
    decided = {}
    for evaluation in matches:
        said = (evaluation.outcome, *map(id, evaluation.results))
        criterion = worded.get(said)
        if criterion is None:
            criterion = worded[said] = (None, _decisive(evaluation))
        decided[evaluation.nct_id] = criterion
    return decided


def _singular(phrase: str) -> str:
    """What the set question asks, said of no trial: "is for or in myeloma", "is stated to exclude X"."""
    if phrase.startswith(_PARTICIPLES):
        return f"found {phrase}"
    return f"is {phrase.removeprefix('are ')}" if phrase.startswith("are ") else f"is stated to {phrase}"


def _unstated_line(named: Sequence[str], count: int, reasons: Collection[str]) -> str:
    """The trials not stating what is asked: `count` of them, the first few by NCT ID `named`."""
    more = f" and {count - len(named)} more" if count > len(named) else ""
    return f"**Not stated in the record ({count}):** {', '.join(named)}{more} — {'; '.join(sorted(reasons))}."


def _aggregate_lines(query: Query, trials: Sequence[Trial], shown: int) -> tuple[list[str], list[Citation]]:
    """'The combined target enrolment is 273': the number first, then each trial's part, the first
    `shown` of them named and cited, the rest summed."""
    if query.aggregate is None:
        return [], []
    stated = [(t, t.enrollment) for t in trials if t.enrollment is not None]
    missing = [t.nct_id for t in trials if t.enrollment is None]
    if not stated:
        return ["**None of these records states its enrolment.**", ""], []
    numbers = [n for _, n in stated]
    total = sum(numbers)
    headline = (
        f"**The combined enrolment of these {len(stated)} trials is {total}**"
        if query.aggregate == "sum"
        else f"**The mean enrolment of these {len(stated)} trials is {total / len(stated):.1f}**"
    )
    parts = " + ".join(f"{n} ({ref(t.nct_id)})" for t, n in stated[:shown])
    rest = stated[shown:]
    if rest:
        parts += f" + {sum(n for _, n in rest)} (the other {len(rest)} trials)"
    lines = [f"{headline} = {parts}."]
    if missing:
        more = f" and {len(missing) - shown} more" if len(missing) > shown else ""
        lines.append(f"Not stated, so not counted: {', '.join(missing[:shown])}{more}.")
    citations = [c for t, _ in stated[:shown] for c in BY_KEY["enrollment"].extract(t).citations]
    return [*lines, ""], citations


def _decisive_results(evaluation: TrialEvaluation) -> list[TestResult]:
    return [r for r in evaluation.results if r.outcome == evaluation.outcome] or evaluation.results


def _decisive(evaluation: TrialEvaluation) -> str:
    return "; ".join(r.reason for r in _decisive_results(evaluation))


def _evaluation_line(evaluation: TrialEvaluation) -> str:
    parts = [f"{r.reason}{_first_quote(r.citations)}" for r in _decisive_results(evaluation)]
    return f"- {ref(evaluation.nct_id)} {evaluation.title}: " + "; ".join(parts)


def _block(lines: list[str]) -> list[str]:
    return ["", *lines] if lines else []


# ---- one trial: attributes and checks --------------------------------------------------------

_FALLBACK = {"max_age": "min_age", "min_age": "max_age"}


def answered_by_fallback(keys: Sequence[str], trials: Sequence[Trial]) -> bool:
    """Whether a bound asked for and not stated is answered by the other ("no maximum age; 18 and up")."""
    return any(k in _FALLBACK and BY_KEY[_FALLBACK[k]].extract(t).stated for k in keys for t in trials)


def compose_attribute(
    query: Query,
    trials: Sequence[Trial],
    checks: dict[str, list[TestResult]],
    results: dict[str, list[AttributeResult]],
) -> Answer:
    """Per trial: the yes/no of any tests asked, then each attribute asked, or 'not stated'."""
    lines: list[str] = []
    citations: list[Citation] = []
    answered: list[str] = []
    notes: list[str] = []
    for trial in trials:
        trial_lines: list[str] = []
        for check in checks.get(trial.nct_id, []):
            verdict = {"match": "**Yes**", "no match": "**No**", "not stated": "**Not stated in the record**"}
            said = verdict[check.outcome]
            if check.outcome == "not stated" and not check.citations and query.terms:
                # "do they exclude hep B?" of criteria that never mention it: no criterion does
                said = "**No criterion mentions it**"
            evidence = _first_quote(check.citations)
            trial_lines.append(f"{said} — {ref(trial.nct_id)} {check.reason}{evidence}")
            citations += check.citations
        for key, result in zip(query.attributes, results.get(trial.nct_id, []), strict=True):
            if result.stated:
                trial_lines.append(_attribute_line(trial, result))
                citations += result.citations
                continue
            trial_lines.append(f"The record for {ref(trial.nct_id)} does not state its {result.label}.")
            notes.append(f"{trial.nct_id}: {result.label} not stated in the record")
            fallback = BY_KEY[_FALLBACK[key]].extract(trial) if key in _FALLBACK else None
            if fallback is not None and fallback.stated:
                trial_lines.append(_attribute_line(trial, fallback))
                citations += fallback.citations
        if not any(c.nct_id == trial.nct_id for c in citations):
            # Nothing asked is stated: the answer is about this record all the same, cited by its title.
            title = find_quote(trial, [trial.title])
            citations += [Citation(nct_id=trial.nct_id, section="Title", quote=title)] if title else []
        if any(c.nct_id == trial.nct_id for c in citations):
            answered.append(trial.nct_id)
        lines += trial_lines + _conflict_lines([trial]) + [""]
    abstained = not answered
    return Answer(
        answer="\n".join(lines).strip(),
        trials=answered,
        citations=citations,
        kind=QuestionKind.CANNOT_ANSWER if abstained else QuestionKind.ATTRIBUTE,
        abstained=abstained,
        notes=notes,
    )


def nothing_stated(
    trials: Sequence[Trial],
    checks: dict[str, list[TestResult]],
    results: dict[str, list[AttributeResult]],
    found: Sequence[RecordSentence] = (),
) -> str | None:
    """What the records lack when they state nothing asked of them (every check undecided, every
    attribute unstated or stated as absent, no sentence of theirs answering), said as an abstention's
    reason; None when they state something. A record that says it has none of what is asked ("Results
    pending") has no other sentence that gives it."""
    decided = any(c.outcome != "not stated" for done in checks.values() for c in done)
    attributes = [r for done in results.values() for r in done]
    if decided or any(r.stated and not r.absent for r in attributes):
        return None
    if found and not any(r.absent for r in attributes):
        return None
    lacks = [
        f"the record of {t.nct_id} {_lacks(checks.get(t.nct_id, []), results.get(t.nct_id, []))}"
        for t in trials
    ]
    return "; ".join(lacks) + "."


def _lacks(checks: Sequence[TestResult], results: Sequence[AttributeResult]) -> str:
    said = [f"says {r.lines[0][:1].lower()}{r.lines[0][1:]}" for r in results if r.absent and r.lines]
    unstated = [r.label for r in results if not r.stated]
    parts = ([f"does not state its {' or '.join(unstated)}"] if unstated else []) + said
    return "; ".join(parts + [c.reason for c in checks]) or "does not state it"


def _attribute_line(trial: Trial, result: AttributeResult) -> str:
    head = f"**{ref(trial.nct_id)} {result.label}:**"
    if len(result.lines) == 1:
        return f"{head} {result.lines[0]}{_first_quote(result.citations)}"
    pairs = zip(result.lines, _align(result), strict=False)
    return head + "\n" + "\n".join(f"- {line}{_first_quote(cites)}" for line, cites in pairs)


def _align(result: AttributeResult) -> list[list[Citation]]:
    """One citation per line when the counts agree; otherwise the lines share the citations."""
    if len(result.citations) == len(result.lines):
        return [[c] for c in result.citations]
    return [result.citations[:1]] * len(result.lines)


# ---- overview and comparison -----------------------------------------------------------------

OVERVIEW_KEYS = [
    "status",
    "phase",
    "enrollment",
    "conditions",
    "interventions",
    "design",
    "age",
    "sex",
    "ecog",
    "lab:platelets",
    "objective",
    "dates",
    "sponsor",
    "results",
]
COMPARE_KEYS = [
    "phase",
    "status",
    "enrollment",
    "design",
    "age",
    "ecog",
    "lab:platelets",
    "washout",
    "sponsor",
]


def compose_overview(trials: Sequence[Trial]) -> Answer:
    lines: list[str] = []
    citations: list[Citation] = []
    for trial in trials:
        lines.append(f"**{ref(trial.nct_id)} {trial.title}**")
        for key in OVERVIEW_KEYS:
            result = BY_KEY[key].extract(trial)
            if result.stated:
                lines.append(
                    f"- {_capital(result.label)}: {'; '.join(result.lines[:4])}"
                    f"{_first_quote(result.citations)}"
                )
                citations += result.citations
            else:
                lines.append(f"- {_capital(result.label)}: not stated in the record")
        lines += [*_conflict_lines([trial]), ""]
    answered = [t.nct_id for t in trials if any(c.nct_id == t.nct_id for c in citations)]
    return Answer(
        answer="\n".join(lines).strip(), trials=answered, citations=citations, kind=QuestionKind.OVERVIEW
    )


def compose_compare(trials: Sequence[Trial], keys: Sequence[str]) -> Answer:
    # Side by side, an age limit reads best as the whole range (one trial may state only a minimum).
    keys = list(dict.fromkeys("age" if k in ("max_age", "min_age") else k for k in keys)) or COMPARE_KEYS
    header = "| | " + " | ".join(ref(t.nct_id) for t in trials) + " |"
    lines = [
        f"**Comparison of {', '.join(ref(t.nct_id) for t in trials)}:**",
        "",
        header,
        "|---" * (len(trials) + 1) + "|",
    ]
    citations: list[Citation] = []
    for key in keys:
        cells = []
        for trial in trials:
            result = BY_KEY[key].extract(trial)
            citations += result.citations
            cells.append(_cell(result))
        lines.append(f"| **{_capital(BY_KEY[key].label)}** | " + " | ".join(cells) + " |")
    lines += _block(_conflict_lines(trials))
    answered = [t.nct_id for t in trials if any(c.nct_id == t.nct_id for c in citations)]
    return Answer(answer="\n".join(lines), trials=answered, citations=citations, kind=QuestionKind.COMPARE)


def _capital(label: str) -> str:
    return label[:1].upper() + label[1:]


def _cell(result: AttributeResult) -> str:
    if not result.stated:
        return "not stated"
    parts = [
        f"{line} {md_quote(c[0].quote, 160) if c else ''}".strip()
        for line, c in zip(result.lines, _align(result), strict=False)
    ]
    return "<br>".join(parts).replace("|", "\\|").replace("\n", " ")


# ---- patient matching ------------------------------------------------------------------------


def _first_citations(cited: Sequence[Sequence[Citation]], wanted: bool) -> list[Citation]:
    """The first citation of each result trial past those shown, when the answer cites them all."""
    return [cites[0] for cites in cited if cites] if wanted else []


def compose_match(
    verdicts: Sequence[tuple[Verdict, list[Citation]]],
    by_id: Mapping[str, Trial],
    shown: int,
    wants_excluded: bool = False,
    excluded_for: Sequence[str] = (),
    subject: bool = False,
    cited_all: int = 0,
) -> Answer:
    """Verdict groups first, then the checks of the first `shown` result trials, which alone are
    cited; the other groups are counted, with the criteria that decided them. A trial none of whose
    criteria could be checked against the patient is reported as such, not offered as a candidate.
    `wants_excluded` ("which trials does that rule out?") makes the excluded trials the result;
    `excluded_for` ("... because of the AF?") only those a criterion naming one of these excludes.
    `subject`: the question is about the one trial matched ("does that knock her out of NCT…?"): its
    verdict, whatever it is, with every check, is the answer, and the trial its result unless a
    stated fact excludes the patient (whichever way the question is put). `cited_all`: as in
    compose_set."""
    if subject and len(verdicts) == 1:
        return _subject_verdict(*verdicts[0], by_id)
    cited = {v.nct_id: cites for v, cites in verdicts}
    result_labels = ("excluded",) if wants_excluded else ("likely eligible", "needs checking")
    others = (_EXCLUDED_OTHERWISE,) if wants_excluded and excluded_for else ()
    order = (*result_labels, *(label for label in _GROUP_ORDER if label not in result_labels), *others)
    groups: dict[str, list[Verdict]] = {label: [] for label in order}  # what was asked for leads
    reasons = _with_broader(excluded_for)
    unchecked: list[Verdict] = []
    for verdict, cites in verdicts:
        label: str = verdict.verdict
        if (
            others
            and label == "excluded"
            and not any(c.status == "not met" and c.criterion in reasons for c in verdict.checks)
        ):
            label = _EXCLUDED_OTHERWISE
        (groups[label] if cites else unchecked).append(verdict)
    results = [v for label in result_labels for v in groups[label]]
    head = results[:shown]
    head_ids = {v.nct_id for v in head}
    lines = [_result_group_line(label, groups[label], head_ids) for label in result_labels]
    citations = [c for v in head for c in cited[v.nct_id]]
    citations += _first_citations([cited[v.nct_id] for v in results[len(head) :]], len(results) <= cited_all)
    for label in order[len(result_labels) :]:
        counted, examples = counted_group(label, groups[label], _DECIDED_BY[label])
        lines += ["", *counted]
        citations += examples
    lines += _unchecked_lines(unchecked)
    lines += [
        "",
        _CHECKED_ONLY,
        "",
    ]
    for verdict in head:
        lines += _verdict_lines(verdict)
    lines += _conflict_lines([by_id[v.nct_id] for v in head if v.nct_id in by_id])
    return Answer(
        answer="\n".join(lines).strip(),
        trials=[v.nct_id for v in results],
        citations=citations,
        kind=QuestionKind.MATCH,
        verdicts=[v for v, _ in verdicts],
        shown=len(head),
    ).with_rows(ResultTable(by_id, {v.nct_id: (v.verdict, None) for v in results}))


def _subject_verdict(verdict: Verdict, citations: list[Citation], by_id: Mapping[str, Trial]) -> Answer:
    lines = [
        *_verdict_lines(verdict, with_met=True),
        _CHECKED_ONLY,
        "",
        *_conflict_lines([by_id[verdict.nct_id]] if verdict.nct_id in by_id else []),
    ]
    return Answer(
        answer="\n".join(lines).strip(),
        trials=[verdict.nct_id] if verdict.verdict != "excluded" else [],
        citations=citations,
        kind=QuestionKind.MATCH,
        verdicts=[verdict],
        shown=1,
    ).with_rows(ResultTable(by_id, {verdict.nct_id: (verdict.verdict, None)}))


_CHECKED_ONLY = (
    "Only criteria the patient's details can be checked against were checked; unknowns are not "
    "counted as met. Confirm every criterion against the full record."
)
_GROUP_ORDER = ("likely eligible", "needs checking", "excluded")
_EXCLUDED_OTHERWISE = "excluded for other reasons"
# What a group that is not the result is counted by: the checks that put its trials there.
_DECIDED_BY: dict[str, Status] = {
    "excluded": "not met",
    _EXCLUDED_OTHERWISE: "not met",
    "needs checking": "unknown",
    "likely eligible": "met",
}


def _with_broader(names: Sequence[str]) -> frozenset[str]:
    """The concepts and the classes they belong to: a criterion excluding arrhythmia excludes a
    patient for the atrial fibrillation the question names."""
    found = set(names)
    for name in names:
        entry = concept(name)
        found.update(entry.broader if entry is not None else ())
    return frozenset(found)


def _result_group_line(label: str, members: Sequence[Verdict], head: set[str]) -> str:
    return f"**{label.capitalize()} ({len(members)}):** " + listed(
        [v.nct_id for v in members if v.nct_id in head], len(members)
    )


def _unchecked_lines(unchecked: Sequence[Verdict]) -> list[str]:
    if not unchecked:
        return []
    shown = ", ".join(v.nct_id for v in unchecked[:_NOT_STATED_LIMIT])
    more = f" and {len(unchecked) - _NOT_STATED_LIMIT} more" if len(unchecked) > _NOT_STATED_LIMIT else ""
    return ["", f"**Nothing checkable in the record ({len(unchecked)}):** {shown}{more}"]


def _verdict_lines(verdict: Verdict, with_met: bool = False) -> list[str]:
    """The deciding criteria first: what excludes, then what to confirm; what is met is named (or,
    `with_met`, shown like the others: the one trial a question is about)."""
    lines = [f"**{ref(verdict.nct_id)} — {verdict.verdict}**"]
    for status in ("not met", "unknown", *(("met",) if with_met else ())):
        for check in (c for c in verdict.checks if c.status == status and (c.quote or status == "not met")):
            quote = f" — {md_quote(check.quote, 200)}" if check.quote else ""
            lines.append(f"- {check.criterion}: {_STATUS_MARK[check.status]} ({check.detail}){quote}")
    # "no ECOG criterion in the record" for each lab the patient gave: one line, not one each
    unstated = list(
        dict.fromkeys(c.criterion for c in verdict.checks if c.status == "unknown" and not c.quote)
    )
    if unstated:
        lines.append(f"- {_STATUS_MARK['unknown']}, no criterion in the record: {', '.join(unstated)}")
    met = list(dict.fromkeys(c.criterion for c in verdict.checks if c.status == "met"))
    if met and not with_met:
        lines.append(f"- {_STATUS_MARK['met']}: {', '.join(met)} (details in the verdict table)")
    return [*lines, ""]


# ---- open questions and abstention -----------------------------------------------------------


def compose_open(
    question: str,
    passages: Sequence[Passage],
    sentences_of: dict[str, list[str]],
    weight: Callable[[str], float],
) -> Answer:
    """Extractive: the direct answer first, as the best 1-3 verbatim sentences with their trial IDs,
    then the best sentence of each other passage that supports it. Every quote is cited."""
    ranked = _distinct(rank_sentences(question, passages, sentences_of, weight))
    if not ranked:
        return abstain("No passage in the indexed records answers this question.")
    direct = _direct_answer(ranked)
    shown = {s.passage.chunk.id for s in direct}
    support = [s for s in _best_per_passage(ranked) if s.passage.chunk.id not in shown][:OPEN_SUPPORT]
    lines = ["According to the records:"]
    lines += [f"- {md_quote(s.text, 400)} {ref(s.passage.chunk.nct_id)}" for s in direct]
    if support:
        lines += ["", "**Supporting passages:**"]
        lines += [
            f"- {ref(s.passage.chunk.nct_id)} ({s.passage.chunk.section}): {md_quote(s.text)}"
            for s in support
        ]
    quoted = [*direct, *support]
    return Answer(
        answer="\n".join(lines),
        trials=list(dict.fromkeys(s.passage.chunk.nct_id for s in quoted)),
        citations=[
            Citation(nct_id=s.passage.chunk.nct_id, section=s.passage.chunk.section, quote=s.text)
            for s in quoted
        ],
        kind=QuestionKind.OPEN,
        notes=["Extractive answer: passages quoted from the records, not a generated summary."],
    )


def _distinct(ranked: Sequence[RankedSentence]) -> list[RankedSentence]:
    """Each sentence once per trial (overlapping chunks repeat sentences), keeping its best score."""
    seen: set[tuple[str, str]] = set()
    kept: list[RankedSentence] = []
    for sentence in ranked:
        key = (sentence.passage.chunk.nct_id, sentence.text)
        if key not in seen:
            seen.add(key)
            kept.append(sentence)
    return kept


def _direct_answer(ranked: Sequence[RankedSentence]) -> list[RankedSentence]:
    """The best sentences that may answer (titles restate the topic, they do not give a reason),
    as long as each scores near the best; with none such, the best sentences of all."""
    candidates = [s for s in ranked if s.explains] or list(ranked)
    floor = DIRECT_SHARE * candidates[0].score
    return [s for s in candidates if s.score >= floor][:OPEN_SENTENCES]


def _best_per_passage(ranked: Sequence[RankedSentence]) -> list[RankedSentence]:
    best: dict[str, RankedSentence] = {}
    for sentence in ranked:
        best.setdefault(sentence.passage.chunk.id, sentence)
    return list(best.values())


def abstain(reason: str, notes: Sequence[str] = ()) -> Answer:
    return Answer(
        answer=f"I can't answer that from the indexed trial records: {reason}",
        abstained=True,
        kind=QuestionKind.CANNOT_ANSWER,
        notes=list(notes),
    )


def record_sentence_lines(trial: Trial, found: Sequence[RecordSentence]) -> tuple[list[str], list[Citation]]:
    """The record's own sentences that answer a question about it, each quoted and cited."""
    lines = [f"- {md_quote(s.text, 400)} {ref(trial.nct_id)}" for s in found]
    return lines, [Citation(nct_id=trial.nct_id, section="Record", quote=s.text) for s in found]


def compose_from_record(trial: Trial, found: Sequence[RecordSentence]) -> Answer:
    """A question about one trial answered by its record's own sentences."""
    lines, citations = record_sentence_lines(trial, found)
    return Answer(
        answer="\n".join([f"From the record of {ref(trial.nct_id)}:", *lines]),
        trials=[trial.nct_id],
        citations=citations,
        kind=QuestionKind.OPEN,
        notes=["Extractive answer: sentences quoted from the record, not a generated summary."],
    )


def with_record_sentences(answer: Answer, trials: Sequence[Trial], found: Sequence[RecordSentence]) -> Answer:
    """An attribute answer about one trial, followed by the record's own sentences on what was asked
    that it does not already quote."""
    quoted = {" ".join(c.quote.split()) for c in answer.citations}
    extra = [s for s in found if " ".join(s.text.split()) not in quoted]
    if not extra or len(trials) != 1:
        return answer
    lines, citations = record_sentence_lines(trials[0], extra)
    return answer.model_copy(
        update={
            "answer": "\n".join([answer.answer, "", "**The record also says:**", *lines]),
            "citations": [*answer.citations, *citations],
            "trials": answer.trials or [trials[0].nct_id],
            "abstained": False,
        }
    )
