"""Patient matching: each trial gets a verdict from the criteria the patient's details can be checked against.

Each check is met / not met / unknown with the deciding quote. Unknown is never counted as met:
one unknown makes the verdict "needs checking", one "not met" makes it "excluded".
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import NamedTuple

from assistant.condition_studied import ConditionJudge, describe, glossary
from assistant.evaluate import TestResult, allowed_sexes, numeric_result
from assistant.evidence import SECTION_OF_SOURCE, criterion_citation, fact_citation, find_quote
from assistant.models import Citation, CriterionCheck, Status, Verdict
from assistant.quantities import kind_name, to_days
from assistant.query import ConceptState, NumericTest, PatientProfile, PriorTreatment
from assistant.terms import mentions_affirmed, named_as_risk
from index.facts.conditions import negated_after
from index.facts.reading import denied_by_lead_in, exception_spans
from index.language.mentions import mentions, vocabulary_terms
from index.language.vocabulary import (
    Term,
    TermMatch,
    concept,
    concept_is_condition,
    concept_is_treatment,
    concept_matches,
    find_terms,
    negated_by_some,
)
from index.language.words import body_sites, disease_words
from index.models import Criterion, Fact, FactKind, Trial

_VERDICT_ORDER = {"likely eligible": 0, "needs checking": 1, "excluded": 2}
_WINDOW = re.compile(
    r"(?:within(?:\s+the)?(?:\s+(?:first|last|past|previous|preceding))?|in the (?:past|last)|<)\s*"
    r"(\d+(?:\.\d+)?|one|two|three|four|six|twelve)\s*"
    r"(days?|weeks?|months?|years?)",
    re.IGNORECASE,
)
_WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "six": 6, "twelve": 12}


def match_patient(
    trials: Sequence[Trial],
    patient: PatientProfile,
    condition_studied: bool = True,
    every_reason: bool = False,
) -> list[tuple[Verdict, list[Citation]]]:
    """Verdicts for every trial, likely eligible first, with the citations behind each.

    A trial is excluded by its first kind of check that refuses the patient: the condition it
    studies, then the patient's numbers, then the rest of its criteria; its verdict holds the checks
    worked out until then, and the inclusion requirements the description does not speak to are not
    listed (they are only ever unknowns, which change no excluded verdict). Most trials of a large
    registry study another condition: they are settled by one check. `every_reason`: every check of
    every trial, for answers that show why each excluded trial is excluded.

    `condition_studied`: also judge whether each trial is for the patient's condition (not when the
    question asks which trials' criteria refuse the patient's values: "who excludes her on ANC?").

    `trials` is read in turn, not held: an index too large to hold reads each record as it comes."""
    reading = _PatientReading(patient, glossary(trials, patient), condition_studied)
    verdicts = [_judge(trial, reading, first_reason=not every_reason) for trial in trials]
    return sorted(verdicts, key=lambda pair: _VERDICT_ORDER[pair[0].verdict])


def check_trial(trial: Trial, patient: PatientProfile) -> tuple[Verdict, list[Citation]]:
    """One trial's verdict with every check, the inclusion requirements the description does not
    speak to included."""
    return _judge(trial, _PatientReading(patient, glossary([trial], patient), condition_studied=True))


class _PatientReading:
    """What every trial's checks ask of one patient, worked out once per question rather than once
    per trial: the numeric tests, and the patient's state for each vocabulary concept."""

    def __init__(self, patient: PatientProfile, glossary: Mapping[str, str], condition_studied: bool) -> None:
        self.profile = patient
        self.tests = patient_tests(patient)
        self._states: dict[str, tuple[ConceptState | None, str]] = {}
        self.conditions = ConditionJudge(describe(patient, glossary)) if condition_studied else None
        self._checks: dict[tuple[str, str, str, str | None, str | None], CriterionCheck] = {}

    def state_for(self, term: Term) -> tuple[ConceptState | None, str]:
        held = self._states.get(term.name)
        if held is None:
            states = self.profile.concepts
            found = _any_medication(self.profile) if term.name == ANY_MEDICATION else _state_for(states, term)
            held = self._states[term.name] = found
        return held

    def shared_check(
        self, name: str, status: Status, trial: Trial, cites: list[Citation], detail: str
    ) -> tuple[CriterionCheck, list[Citation]]:
        """`_check`, one object for the trials whose check says the same: a check carries no trial ID,
        and most trials of a large registry share one ("the trial studies X; the description names Y",
        "patient female; record enrols: female and male")."""
        first = cites[0] if cites else None
        said = (name, status, detail, first.quote if first else None, first.section if first else None)
        held = self._checks.get(said)
        if held is None:
            held = self._checks[said] = _check(name, status, trial, cites, detail)[0]
        return held, cites


# The vocabulary's concept for taking any medicine at all ("Co-medication"): the patient's state is
# read from every treatment the description names, not from one word.
ANY_MEDICATION = "concomitant medication"
_NO_MEDICINES = re.compile(
    r"\b(?:no|not on any|never (?:been )?on any|takes no|on no|without any)\s+(?:regular\s+|other\s+)?"
    r"(?:meds|medications?|medicines|drugs|treatments?)\b",
    re.IGNORECASE,
)


def _any_medication(patient: PatientProfile) -> tuple[ConceptState | None, str]:
    """Present when the description names a treatment taken now ("on apixaban"); absent when it says
    the patient takes none ("no meds"); else unknown."""
    for state in patient.concepts:
        entry = concept(state.name)
        taken_now = state.days_ago is None or _ON_NOW.search(state.clause) is not None
        if state.present and entry is not None and concept_is_treatment(entry) and taken_now:
            return state.model_copy(update={"name": ANY_MEDICATION}), f"takes {state.name}"
    said = _NO_MEDICINES.search(patient.description)
    if said:
        return ConceptState(name=ANY_MEDICATION, present=False, clause=said.group(0)), "takes no medicines"
    return None, ""


def _judge(
    trial: Trial, reading: _PatientReading, first_reason: bool = False
) -> tuple[Verdict, list[Citation]]:
    """`first_reason`: stop at the first kind of check that refuses the patient (`match_patient`)."""
    patient = reading.profile
    studied = _studied_condition(trial, reading)
    settled = [check for check, _ in studied], [c for _, cites in studied for c in cites]
    if first_reason and _refused(*settled):
        return _verdict(trial, *settled)
    checks: list[CriterionCheck] = []
    citations: list[Citation] = []
    for name, test in reading.tests:
        result = numeric_result(trial, test)
        checks.append(_from_result(name, result))
        citations += result.citations
    if first_reason and _refused(checks, citations):
        return _verdict(trial, checks, citations)
    judged = {(c.criterion, c.quote) for c in checks}
    for check, cites in [
        *studied,
        *_sex_checks(trial, reading),
        *_condition_checks(trial, patient),
        *_prior_treatment_checks(trial, patient),
        *_concept_checks(trial, reading),
    ]:
        if (check.criterion, check.quote) in judged:
            continue  # one criterion reached two ways (a prior treatment and a concept): judged once
        judged.add((check.criterion, check.quote))
        checks.append(check)
        citations += cites
    if first_reason and _refused(checks, citations):
        return _verdict(trial, checks, citations)
    to_confirm = _unsaid_requirements(trial, reading)
    checks += [check for check, _ in to_confirm]
    if citations:  # a trial nothing stated could be checked against stays "nothing checkable"
        citations += [c for _, cites in to_confirm for c in cites]
    return _verdict(trial, checks, citations)


def _refused(checks: list[CriterionCheck], citations: list[Citation]) -> bool:
    """Some check refuses the patient, with the record's words to show for it."""
    return bool(citations) and any(check.status == "not met" for check in checks)


def _verdict(
    trial: Trial, checks: list[CriterionCheck], citations: list[Citation]
) -> tuple[Verdict, list[Citation]]:
    statuses = {c.status for c in checks}
    label = (
        "excluded"
        if "not met" in statuses
        else "needs checking"
        if "unknown" in statuses or not checks
        else "likely eligible"
    )
    return Verdict(nct_id=trial.nct_id, verdict=label, checks=checks), citations  # type: ignore[arg-type]


def _studied_condition(trial: Trial, reading: _PatientReading) -> list[tuple[CriterionCheck, list[Citation]]]:
    if reading.conditions is None:
        return []
    judged = reading.conditions.check(trial, reading.state_for)
    if judged is None:
        return []
    status, detail, citation = judged
    check, cites = reading.shared_check(
        "condition studied", status, trial, [citation] if citation else [], detail
    )
    # a description that names no disease leaves every trial's unknown: that alone checks nothing
    return [(check, cites if status != "unknown" else [])]


def _from_result(name: str, result: TestResult) -> CriterionCheck:
    status: Status = {"match": "met", "no match": "not met", "not stated": "unknown"}[result.outcome]  # type: ignore[assignment]
    if not result.citations:
        return _uncited_check(name, status, result.reason)
    first = result.citations[0]
    return CriterionCheck(
        criterion=name, status=status, quote=first.quote, section=first.section, detail=result.reason
    )


@lru_cache(maxsize=4096)  # most trials set no limit for most of a patient's values: one check for all
def _uncited_check(name: str, status: Status, detail: str | None) -> CriterionCheck:
    return CriterionCheck(criterion=name, status=status, quote=None, section=None, detail=detail)


def patient_tests(patient: PatientProfile) -> list[tuple[str, NumericTest]]:
    """The patient's age, ECOG and lab values as numeric tests, each with the name its check takes."""
    tests: list[tuple[str, NumericTest]] = []
    if patient.age is not None:
        tests.append(
            (
                "age",
                NumericTest(
                    kind=FactKind.AGE,
                    mode="accepts",
                    value=patient.age,
                    high=patient.age_high,
                    unit="years",
                    label=f"age {patient.age:g}" + (f"-{patient.age_high:g}" if patient.age_high else ""),
                ),
            )
        )
    if patient.ecog is not None:
        tests.append(
            (
                "ECOG",
                NumericTest(
                    kind=FactKind.ECOG, mode="accepts", value=patient.ecog, label=f"ECOG {patient.ecog}"
                ),
            )
        )
    for kind, quantity in patient.labs.items():
        unit = f" {quantity.unit}" if quantity.unit else ""
        name = kind_name(kind)
        tests.append(
            (
                name,
                NumericTest(
                    kind=kind,
                    mode="accepts",
                    value=quantity.value,
                    unit=quantity.unit,
                    label=f"{name} {quantity.value:g}{unit}",
                    circumstances=patient.circumstances,
                ),
            )
        )
    return tests


def _sex_checks(trial: Trial, reading: _PatientReading) -> list[tuple[CriterionCheck, list[Citation]]]:
    patient = reading.profile
    if patient.sex is None:
        return []
    allowed, cites = allowed_sexes(trial)
    status: Status = "unknown" if allowed is None else "met" if patient.sex in allowed else "not met"
    shown = "not stated" if allowed is None else " and ".join(sorted(s.lower() for s in allowed)) or "none"
    return [
        reading.shared_check(
            "sex", status, trial, cites, f"patient {patient.sex.lower()}; record enrols: {shown}"
        )
    ]


# A condition naming one of these is a disease a trial may be for; anything else the patient has
# (a biomarker, pregnancy, metastases) is only checked where a criterion names it.
_DISEASE_HEAD = re.compile(
    r"\b(?:cancer|carcinoma|tumou?rs?|neoplasms?|lymphoma|leuka?emia|myeloma|sarcoma|melanoma|glioma|"
    r"thrombocytopenia|an(?:a)?emia|diabetes|disease|syndrome|failure)\b",
    re.IGNORECASE,
)


def _condition_checks(trial: Trial, patient: PatientProfile) -> list[tuple[CriterionCheck, list[Citation]]]:
    """The patient's diseases and states against the trial's criteria, conditions and title."""
    checks = []
    for condition in patient.conditions:
        if find_terms(condition):
            continue  # a vocabulary concept: judged criterion by criterion in _concept_checks
        markers, disease = _condition_parts(condition)
        checks += [c for m in markers if (c := _condition_check(trial, m, required=False)) is not None]
        if disease and (
            check := _condition_check(trial, disease, required=bool(_DISEASE_HEAD.search(disease)))
        ):
            checks.append(check)
    return checks


def _condition_parts(condition: str) -> tuple[list[str], str]:
    """'HER2+ breast cancer' -> (['HER2+'], 'breast cancer'): a biomarker and a disease are checked apart."""
    if re.search(r"[- ](?:positive|negative)$", condition, re.IGNORECASE):
        return [condition], ""
    words = condition.split()
    markers = [w for w in words if re.search(r"\d|[+\-]$", w)]
    return markers, " ".join(w for w in words if w not in markers)


def _condition_check(trial: Trial, part: str, required: bool) -> tuple[CriterionCheck, list[Citation]] | None:
    """Named in an exclusion: not met; in an inclusion, the conditions or title: met. A disease the
    trial does not name is unknown, or not met when the trial is for a different specific cancer."""
    excluded = [c for c in trial.patient_exclusion if mentions(c.text, part)]
    if excluded:
        cites = [criterion_citation(trial, c) for c in excluded]
        return _check(part, "not met", trial, cites, f"{part} is named in an exclusion criterion")
    included = [c for c in trial.patient_inclusion if mentions_affirmed(c.text, part)]
    if included:
        cites = [criterion_citation(trial, c) for c in included]
        return _check(part, "met", trial, cites, f"{part} is named in an inclusion criterion")
    for section, values in (("Conditions", trial.conditions), ("Title", [trial.title])):
        for value in values:
            quote = find_quote(trial, [value]) if mentions(value, part) else None
            if quote:
                cites = [Citation(nct_id=trial.nct_id, section=section, quote=quote)]
                return _check(part, "met", trial, cites, f"the trial studies {part}")
    if not required:
        return None
    other = _other_cancer(trial, part)
    if other is not None:
        return _check(
            part,
            "not met",
            trial,
            [fact_citation(trial, other)],
            f"the trial enrols patients with {other.term}, not {part}",
        )
    return _check(
        part, "unknown", trial, [], f"the record does not say whether it enrols patients with {part}"
    )


def _other_cancer(trial: Trial, disease: str) -> Fact | None:
    """An inclusion requiring a specific cancer (breast, lung...) that the patient's disease is not."""
    patients = vocabulary_terms(disease)
    for fact in trial.facts_of(FactKind.CONDITION):
        term = fact.term or ""
        if fact.source == "inclusion" and term.endswith(" cancer") and patients and term not in patients:
            return fact
    return None


def _prior_treatment_checks(
    trial: Trial, patient: PatientProfile
) -> list[tuple[CriterionCheck, list[Citation]]]:
    return [c for prior in patient.prior_treatments if (c := _washout_check(trial, prior)) is not None]


def _washout_check(trial: Trial, prior: PriorTreatment) -> tuple[CriterionCheck, list[Citation]] | None:
    """A drug the patient had N days ago against the record's washout windows for it."""
    name = f"{prior.term} washout"
    transfusion = mentions(prior.term, "transfusion")
    judged = []
    for fact in trial.facts_of(FactKind.WASHOUT) + trial.facts_of(FactKind.PLATELET_TRANSFUSION):
        named = mentions(fact.quote, prior.term) or mentions(fact.term, prior.term)
        if fact.kind == FactKind.PLATELET_TRANSFUSION:
            named = transfusion and mentions(fact.quote, "platelet")
        if fact.days is None or not named:
            continue
        cites = [fact_citation(trial, fact)]
        patients = _given_for_the_patients(fact.quote, prior)
        if _for_others(fact.quote, prior.term):
            judged.append(_check(name, "unknown", trial, cites, _OTHERS_DETAIL.format(term=prior.term)))
        elif patients is None:
            judged.append(_check(name, "unknown", trial, cites, _PURPOSE_DETAIL.format(term=prior.term)))
        elif patients:  # else "since prior radiotherapy for brain metastases", and the patient's was pelvic
            judged.append(_window_check(name, trial, prior, fact.days, fact.source, cites))
    if judged:  # several windows for it ("2 weeks since prior RT"; "6 months since RT for brain mets"):
        # one that refuses the patient decides, as any refusing criterion does; then one left to confirm
        return min(judged, key=lambda check: _WASHOUT_ORDER[check[0].status])
    for criterion in trial.patient_criteria:
        if not mentions(criterion.text, prior.term):
            continue
        patients = _given_for_the_patients(criterion.text, prior)
        window = _window_days(criterion.text, prior.term)
        cites = [criterion_citation(trial, criterion)]
        if patients is False or (window is None and criterion.section == "exclusion"):
            continue  # for another condition's; or named without a time window (an allergy to it)
        if _for_others(criterion.text, prior.term):
            return _check(name, "unknown", trial, cites, _OTHERS_DETAIL.format(term=prior.term))
        if patients is None:
            return _check(name, "unknown", trial, cites, _PURPOSE_DETAIL.format(term=prior.term))
        if window is None or (
            criterion.section != "exclusion" and not _TIME_SINCE_REQUIRED.search(criterion.text)
        ):
            return _check(
                name,
                "unknown",
                trial,
                cites,
                f"{prior.term} is named in a {criterion.section} criterion; "
                f"patient had it {prior.days_ago:g} days ago",
            )
        return _window_check(name, trial, prior, window, criterion.section, cites)
    return None


# "any glucose-lowering medications not included in inclusion criterion 3 within 3 months": a window
# for the others of the class, not for those the trial allows
_FOR_OTHERS_AFTER = re.compile(
    r"\s*,?\s*(?:(?:which|that) (?:are|is) )?(?:not (?:included|listed|specified|permitted|allowed|mentioned)"
    r"|other than|except|besides|apart from)\b",
    re.IGNORECASE,
)
_OTHERS_DETAIL = (
    "the window is for {term} other than those the trial allows: confirm the patient's is one of them"
)


def _for_others(text: str, term: str) -> bool:
    return any(
        (m.term.name == term or term in m.term.broader) and _FOR_OTHERS_AFTER.match(text, m.end)
        for m in concept_matches(text)
    )


# A window for the treatment given for one condition: "since prior radiotherapy for brain metastases".
_GIVEN_FOR = re.compile(
    r"\s*(?:given |administered |received )?(?:for|to treat|for the treatment of)\s+(.{3,60})", re.IGNORECASE
)


_WASHOUT_ORDER = {"not met": 0, "unknown": 1, "met": 2}
_PURPOSE_DETAIL = "the window is for {term} given for one condition: confirm what the patient's was for"


def _given_for_the_patients(quote: str, prior: PriorTreatment) -> bool | None:
    """Whether a window applies to the patient's treatment: True when it names no condition or site
    the treatment was given for, or the patient's description of it names one of them too; False
    when the description names others only ("pelvic radiotherapy" against "radiotherapy for brain
    metastases"); None when it names none (to confirm)."""
    for match in concept_matches(quote):
        if match.term.name != prior.term and prior.term not in match.term.broader:
            continue
        given_for = _GIVEN_FOR.match(quote, match.end)
        if given_for is None:
            continue  # most windows name no purpose: the description is then not read at all
        purpose = {m.term.name for m in concept_matches(given_for.group(1))} | body_sites(given_for.group(1))
        purpose.discard(prior.term)
        named = {m.term.name for m in concept_matches(prior.clause)} | body_sites(prior.clause)
        if purpose and not purpose & named:
            return False if named - {prior.term} else None
    return True


# An inclusion asking for time since the treatment, as classic records write washouts: "At least 4
# weeks since prior radiotherapy and recovered", "More than 6 months since the last dose of ...".
_TIME_SINCE_REQUIRED = re.compile(
    r"\b(?:at least|a minimum of|minimum of|more than|over|no less than|not less than|>=?|≥)\s*"
    r"(\d+(?:\.\d+)?|one|two|three|four|six|twelve)\s*(?:-\s*)?(days?|weeks?|months?|years?)\s+"
    r"(?:must (?:have )?(?:passed|elapsed) )?(?:have (?:passed|elapsed) )?(?:since|after|from|following)\b",
    re.IGNORECASE,
)


def _window_check(
    name: str, trial: Trial, prior: PriorTreatment, days: float, source: str, cites: list[Citation]
) -> tuple[CriterionCheck, list[Citation]]:
    detail = f"patient had it {prior.days_ago:g} days ago; window {days:g} days"
    # An inclusion may ask for the treatment within the window ("received rhTPO within 3 months"); one
    # asking for time since it ("At least 4 weeks since prior chemotherapy") refuses a patient inside
    # the window. Past it, the rest of the criterion is still to confirm: classic records run more
    # into it ("No prior regimens containing docetaxel ... At least 4 weeks since ...").
    inclusion = source != "exclusion"
    if inclusion and not (prior.days_ago < days and any(_TIME_SINCE_REQUIRED.search(c.quote) for c in cites)):
        return _check(name, "unknown", trial, cites, detail)
    limited_to = {site for c in cites for site in body_sites(c.quote)}
    if limited_to and prior.days_ago < days:
        given_to = body_sites(prior.clause)
        if not given_to:
            return _check(name, "unknown", trial, cites, detail + "; confirm the site it was given to")
        if not given_to & limited_to:
            status: Status = "unknown" if inclusion else "met"
            return _check(name, status, trial, cites, detail + "; given to another site")
    return _check(name, "not met" if prior.days_ago < days else "met", trial, cites, detail)


def _window_days(text: str, term: str) -> float | None:
    """The time window of the sentence naming the drug: 'rhTPO ... within 1 month' -> 30 days, 'at
    least 4 weeks since prior chemotherapy' -> 28 days."""
    clauses = [c for c in re.split(r"(?<=[;.])\s+|\s+\d+\.\s*(?=[A-Z])", text) if mentions(c, term)]
    for clause in clauses or [text]:
        match = _WINDOW.search(clause) or _TIME_SINCE_REQUIRED.search(clause)
        if match:
            number = match.group(1).lower()
            value = float(_WORD_NUMBERS.get(number, 0) or number)
            return to_days(value, match.group(2))
    return None


def _check(
    name: str, status: Status, trial: Trial, cites: list[Citation], detail: str
) -> tuple[CriterionCheck, list[Citation]]:
    first = cites[0] if cites else None
    return CriterionCheck(
        criterion=name,
        status=status,
        quote=first.quote if first else None,
        section=first.section if first else SECTION_OF_SOURCE.get("structured"),
        detail=detail,
    ), cites


# ---- every criterion that names a concept the patient's description speaks to -------------------

# Words that make a criterion exclude only some forms of a condition: a patient whose condition is
# controlled is not excluded by "uncontrolled hypertension", and one who does not say is unknown.
# Words before a condition that make a criterion exclude only some forms of it ("uncontrolled
# hypertension"), and words after it that do ("arrhythmia requiring treatment": not the MI after it).
_STATE_QUALIFIER = (
    r"uncontrolled|(?:poorly|inadequately|insufficiently|badly) controlled|un(?:able to be )?controllable"
    r"|unstable|active|symptomatic|untreated|(?:actively )?progress(?:ing|ive)"
)
_POST_QUALIFIER = (
    r"(?:requiring|needing|that requires?|which requires?) (?:treatment|therapy)"
    rf"|(?:that|which) (?:is|are) (?:{_STATE_QUALIFIER})|not (?:well |adequately )?controlled"
)
_BEFORE_QUALIFIER = re.compile(
    rf"\b(?:{_STATE_QUALIFIER}|severe|clinically significant|serious|significant)\b", re.IGNORECASE
)
_AFTER_QUALIFIER = re.compile(rf"\b(?:{_POST_QUALIFIER})\b", re.IGNORECASE)
# A class with examples: "serious diseases (such as diabetes; severe heart failure)". The examples are
# what the authors call serious, so a severity word on the class does not make them conditional; a
# state ("uncontrolled diseases such as diabetes") still does.
_EXAMPLES_CUE = re.compile(r"\b(?:such as|including|e\.g\.?|for example|like)\s*$", re.IGNORECASE)
_ITEM_END = re.compile(r"[;,()]|\b(?:such as|including|e\.g\.|for example)\b", re.IGNORECASE)


def _item_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Where the list item holding text[start:end] begins and ends ("(such as diabetes; severe ...")."""
    before = [m.end() for m in _ITEM_END.finditer(text, max(0, start - 60), start)]
    after = _ITEM_END.search(text, end, end + 40)
    item_start = before[-1] if before else max(0, start - 40)
    return item_start, (after.start() if after else min(len(text), end + 30))


def _qualifier(text: str, start: int, end: int) -> re.Match[str] | None:
    """The word that makes the criterion exclude only some forms of the concept at text[start:end]:
    within its own list item, among modifiers listed before it, or a state word on the class the
    item is an example of."""
    item_start, item_end = _item_bounds(text, start, end)
    own = (
        _BEFORE_QUALIFIER.search(text, item_start, start)
        or _AFTER_QUALIFIER.search(text, end, item_end)
        or _listed_qualifier(text, item_start, start)
    )
    if own is not None or not _EXAMPLES_CUE.search(text[max(0, item_start - 20) : item_start]):
        return own
    head = text[max(0, item_start - 120) : item_start]
    return re.search(rf"\b(?:{_STATE_QUALIFIER}|{_POST_QUALIFIER})\b", head, re.IGNORECASE)


# Modifiers listed before the last one, which the condition follows: "Symptomatic, untreated, or
# actively progressing CNS metastases" excludes each of those forms of it.
_OR_AND = re.compile(r"\s*(?:or|and)\b", re.IGNORECASE)
_LISTED_MODIFIERS = re.compile(r"(?:(?<![\w-])[a-z-]+(?: [a-z-]+)?\s*,\s*)+$", re.IGNORECASE)


def _listed_qualifier(text: str, item_start: int, start: int) -> re.Match[str] | None:
    """A state word among the modifiers listed before the item holding the condition, when that item
    opens with "or"/"and" and those before it are modifiers alone: no condition of their own ("No
    uncontrolled diabetes, hypertension, or CNS metastases" does not qualify the metastases)."""
    if not _OR_AND.match(text, item_start, start):
        return None
    listed = _LISTED_MODIFIERS.search(text, max(0, item_start - 80), item_start)
    if listed is None:
        return None
    words = listed.group(0)
    if concept_matches(words) or disease_words(words):
        return None
    return _BEFORE_QUALIFIER.search(text, listed.start(), listed.end())


# "No brain metastases" negates the concept; "no response after rhTPO" negates the response.
_CRITERION_NEGATION = re.compile(
    # "non" as a word ("non smokers"), not the prefix of "non-steroidal", "non-small cell"
    r"\b(?:no|not|without|absence of|negative|free of|non(?![-‐]))\b"
    r"(?!\s+(?:response|effect|improvement|benefit|increase|recovery))[^;:.]{0,40}$",
    re.IGNORECASE,
)
# An item of a list of examples takes the negation of the list's head: "no concurrent drugs that
# interact with CYP3A4 family, including enzyme-inducing antiepileptic drugs, warfarin" denies warfarin.
_EXAMPLES_OPENING = re.compile(r"\b(?:such as|including|e\.g\.?|for example)(?=[\s,:])", re.IGNORECASE)
_HEAD_NEGATION = re.compile(r"\b(?:no|not|without|absence of|free of)\b[^;:.]{0,80}$", re.IGNORECASE)


@lru_cache(maxsize=200_000)  # criteria repeat across questions: each mention is read once per process
def _negated_before(text: str, start: int) -> bool:
    """Whether the mention at `start` is denied by words before it: a negation just before it, or
    one on the head of the list of examples it is an item of."""
    if _CRITERION_NEGATION.search(text[max(0, start - 60) : start]):
        return True
    clause_start = max(text.rfind(c, 0, start) for c in ";.") + 1
    opening = list(_EXAMPLES_OPENING.finditer(text, clause_start, start))
    if not opening:
        return False
    head = opening[-1].start()
    return _HEAD_NEGATION.search(text[max(clause_start, head - 100) : head]) is not None


_RISK_OF = re.compile(r"\brisks?\b", re.IGNORECASE)
_CONDITIONAL = re.compile(r"\b(?:if|unless|except|when|where|in case of|for patients with)\b[^.;]*$", re.I)
# An inclusion about the diagnosis itself: "histologically confirmed breast cancer".
_DIAGNOSIS = re.compile(
    r"\b(?:diagnos\w*|confirm\w*|histolog\w*|patholog\w*|cytolog\w*|patients?|subjects?)\b", re.I
)
# An inclusion naming a treatment asks for it only in these words ("planned to receive T-DM1",
# "receiving a platinum-containing regimen"), not in "stop chemotherapy for 1 month".
_TREATMENT_REQUIRED = re.compile(
    r"\b(?:planned|plan(?:s|ning)? to|(?<!can )(?<!may )receiv(?:e|es|ing)|undergo(?:es|ing)?|currently on|"
    r"must be|concurrent|synchronous|during|accept the current|treated with)\b",
    re.IGNORECASE,
)
# ... or as a treatment the patient must have had before ("ineffective after rhTPO or IL-11").
_TREATMENT_BEFORE = re.compile(
    r"\b(?:ineffective after|after (?:repeated |prior )?treatment with|failed|refractory to|resistant to|"
    r"previously treated with|no response to|progress(?:ed|ion) (?:on|after)|progressive disease despite|"
    # "failure after receiving at least one chemotherapy regimen", ">= 1 prior chemotherapy regimens"
    r"failure (?:after|of|on)|despite|at least (?:one|two|1|2)|(?:>=?|≥)\s*(?:1|2) prior)\b",
    re.IGNORECASE,
)
_OTHER_BEFORE = re.compile(r"\b(?:other|another|additional|different)\s+(?:\w+\s+)?$", re.IGNORECASE)
# "Prior EGFR inhibitor for the treatment of cancer": in an exclusion the disease a treatment was for
# says what the treatment is, not that the disease excludes.
_PURPOSE_OF_TREATMENT = re.compile(
    r"\b(?:(?:for|in) the (?:treatment|management|therapy) of|to treat|used (?:for|in)|indicated for)"
    r"\s+(?:\w+\s+){0,2}$",
    re.IGNORECASE,
)
# "[grade 1 to 2 allergies to L-asparaginase will be allowed]": an exclusion that lets some through.
_SOME_ALLOWED = re.compile(
    r"\b(?:will be|are|is|may be|can be)\s+(?:allowed|permitted|eligible|acceptable|accepted)\b",
    re.IGNORECASE,
)


def _concept_checks(trial: Trial, reading: _PatientReading) -> list[tuple[CriterionCheck, list[Citation]]]:
    """Each criterion naming a concept the patient's description states (present or absent)."""
    patient = reading.profile
    checks: list[tuple[CriterionCheck, list[Citation]]] = []
    if not patient.nothing_else and all(reading.state_for(t)[0] is None for t in _concepts_named_in(trial)):
        return checks  # most records name none of the concepts the description speaks to
    for criterion, named in _concept_mentions(trial):
        judged: set[str] = set()
        requirements: list[tuple[TermMatch, tuple[CriterionCheck, list[Citation]]]] = []
        for match, excluding in named:
            state, how = reading.state_for(match.term)
            if (state is None and not patient.nothing_else) or match.term.name in judged:
                continue
            if state is None and not excluding:
                state, how = _nothing_else(trial, patient, match.term)
            if state is None:
                continue
            check = (
                _excluding_check(trial, criterion, match, state, how)
                if excluding
                else _requiring_check(trial, criterion, match, state, how)
            )
            if check is not None:  # else a later mention may still decide ("..., or current RT")
                judged.add(match.term.name)
                if excluding:
                    checks.append(check)
                else:
                    requirements.append((match, check))
        if requirements:
            checks += _either_met(criterion, requirements)
    return checks


def _concept_mentions(trial: Trial) -> list[tuple[Criterion, list[tuple[TermMatch, bool]]]]:
    """The patient criteria naming vocabulary concepts in a way that can decide, each such mention
    with whether it keeps out those who have it (an exclusion, or an inclusion denying it: "no prior
    chemotherapy") rather than asking for it as what the trial is for (`_is_requirement`); other
    mentions are context ("stop chemotherapy 1 month before"). Read once per record, as no patient
    changes it."""

    def read() -> list[tuple[Criterion, list[tuple[TermMatch, bool]]]]:
        mentioned = []
        for criterion in trial.patient_criteria:
            named = [(m, _keeps_out(trial, criterion, m)) for m in concept_matches(criterion.text)]
            deciding = [(m, out) for m, out in named if out or _is_requirement(trial, criterion, m)]
            if deciding:
                mentioned.append((criterion, deciding))
        return mentioned

    return trial.remembered("concept mentions", (trial.inclusion, trial.exclusion, trial.interventions), read)


def _concepts_named_in(trial: Trial) -> list[Term]:
    """Each concept its patient criteria name in a way that can decide, once."""
    return trial.remembered(
        "concepts named",
        (trial.inclusion, trial.exclusion, trial.interventions),
        lambda: list(
            {m.term.name: m.term for _, named in _concept_mentions(trial) for m, _ in named}.values()
        ),
    )


def _keeps_out(trial: Trial, criterion: Criterion, match: TermMatch) -> bool:
    denied = (
        denied_by_lead_in(criterion, _section(trial, criterion))
        or _negated_before(criterion.text, match.start)
        or negated_after(criterion.text, match.end, criterion.section)
    )
    return (criterion.section == "exclusion") != denied


_EITHER = re.compile(r"\b(?:or|either)\b|/", re.IGNORECASE)


def _either_met(
    criterion: Criterion, requirements: list[tuple[TermMatch, tuple[CriterionCheck, list[Citation]]]]
) -> list[tuple[CriterionCheck, list[Citation]]]:
    """One inclusion asking for one of several of a kind ("melanoma or renal cell carcinoma") is met
    by any: the alternatives the patient lacks are then not failures. Requirements of different
    kinds in one criterion ("cancer patients receiving chemoradiotherapy") are each required."""
    met = [m for m, (c, _) in requirements if c.status == "met"]
    return [
        check
        for match, check in requirements
        if check[0].status != "not met" or not any(_alternatives(criterion.text, match, m) for m in met)
    ]


def _alternatives(text: str, first: TermMatch, second: TermMatch) -> bool:
    """Two concepts of one family written as choices: "melanoma or RCC", "AML/ALL"."""
    family = first.term.family
    if family is None or family != second.term.family:
        return False
    start, end = sorted(((first.start, first.end), (second.start, second.end)))
    return _EITHER.search(text[start[1] : end[0]]) is not None


def _section(trial: Trial, criterion: Criterion) -> list[Criterion]:
    return trial.patient_inclusion if criterion.section == "inclusion" else trial.patient_exclusion


def _opens(criterion: Criterion, match: TermMatch) -> bool:
    return not criterion.text[: match.start].strip()


def _conditions_studied(trial: Trial) -> frozenset[str]:
    return _concepts_named(tuple(trial.conditions))


@lru_cache(maxsize=100_000)
def _concepts_named(conditions: tuple[str, ...]) -> frozenset[str]:
    return frozenset(
        n
        for condition in conditions
        for m in concept_matches(condition)
        for n in (m.term.name, *m.term.broader)
    )


def _absent(how: str, name: str) -> str:
    """How the patient is known to lack a concept, in words: "no AF", "HER2-negative"."""
    return how if how and how != "stated" else f"no {name}"


def _nothing_else(trial: Trial, patient: PatientProfile, term: Term) -> tuple[ConceptState | None, str]:
    """A condition the description does not name, when it says there is nothing else ("otherwise
    well"): absent. Asked only of what a trial requires, and only of a condition the registry lists
    the trial as being for (its heart failure, not the "intracranial lesions" that a brain-metastases
    trial asks for, which a description may call by a name the vocabulary lacks); an exclusion needs
    the patient's own word."""
    if not patient.nothing_else or not concept_is_condition(term):
        return None, ""
    if not {term.name, *term.broader} & _conditions_studied(trial):
        return None, ""
    absent = ConceptState(name=term.name, present=False, clause="otherwise well")
    return absent, f"no {term.name} (otherwise well)"


# A treatment last given longer ago than this is not the one the patient is on now.
CURRENT_TREATMENT_DAYS = 28


# A condition dated longer ago than this, with nothing saying the patient has it now ("prostate ca
# treated 7 years ago, PSA undetectable since"), may be long resolved: it does not meet a trial's
# requirement of it unconfirmed.
PAST_CONDITION_DAYS = 365


# ... but a date of diagnosis is when the condition began ("breast ca dx 3 yrs ago").
_DIAGNOSED = re.compile(r"\b(?:dx|diagnos\w*)\b", re.IGNORECASE)


def _only_in_the_past(state: ConceptState) -> bool:
    return (
        state.days_ago is not None
        and state.days_ago > PAST_CONDITION_DAYS
        and not _ON_NOW.search(state.clause)
        and not _DIAGNOSED.search(state.clause)
    )


def _long_ago(state: ConceptState) -> bool:
    return state.present and state.days_ago is not None and state.days_ago > CURRENT_TREATMENT_DAYS


def _state_for(states: Sequence[ConceptState], term: Term) -> tuple[ConceptState | None, str]:
    """The patient's state that speaks to `term`, and how: the concept itself, a narrower one the
    patient has ("AF" is an arrhythmia), a broader one the patient lacks (no cardiac disease, no
    AF), one that negates it (HER2-negative), or another of its family (another primary cancer)."""
    for state in states:
        if state.name == term.name:
            return state, "stated"
    for state in states:
        entry = concept(state.name)
        if entry is None:
            continue
        if state.present and term.name in entry.broader:
            return state, f"{state.name} is a {term.name}"
        if not state.present and state.name in term.broader:
            return state, f"no {state.name}"
        if _long_ago(state) and state.name in term.broader and concept_is_treatment(term):
            # "palliative RT three years ago, nothing since": not on chemoradiotherapy now
            return state.model_copy(
                update={"present": False}
            ), f"last {state.name} {state.days_ago:g} days ago"
        if state.present and term.name in entry.negates:
            return state.model_copy(update={"present": False}), f"{state.name}"
    if term.family is not None:
        for state in states:
            entry = concept(state.name)
            if state.present and entry is not None and entry.family == term.family:
                return state.model_copy(update={"present": False}), f"{state.name}, not {term.name}"
    return None, ""


def _excluding_check(
    trial: Trial, criterion: Criterion, match: TermMatch, state: ConceptState, how: str
) -> tuple[CriterionCheck, list[Citation]] | None:
    """A criterion that excludes the concept: a patient stated to lack it meets it; one who has it
    does not, unless the criterion only excludes uncontrolled or recent forms and the patient's
    is controlled or older."""
    name = match.term.name
    if concept_is_treatment(match.term):
        # treatments are judged by their washout windows, not by ever having had them; only an
        # exclusion of current use ("or current/scheduled radiotherapy") is judged here
        item_start, item_end = _item_bounds(criterion.text, match.start, match.end)
        text = criterion.text
        # the cue must qualify the treatment, not be part of its name ("concurrent chemoradiotherapy"),
        # and the treatment must be what is excluded, not the cause of it ("caused by concurrent RT")
        cue = _CURRENT_USE.search(text, max(0, item_start - 20), match.start) or _CURRENT_USE.search(
            text, match.end, item_end
        )
        if _CAUSE_OF.search(text[max(0, match.start - 40) : match.start]):
            return None
        if cue is not None:
            return _current_use_check(trial, criterion, name, state)
        if state.present and _FOR_OTHERS_AFTER.match(text, match.end):
            cites = [criterion_citation(trial, criterion)]
            return _check(f"{name} washout", "unknown", trial, cites, _OTHERS_DETAIL.format(term=name))
        window = _window_days(text, name) if _WINDOW.search(text) else None
        days_ago = state.days_ago
        if (
            days_ago is None
            and state.present
            and _ON_NOW.search(state.clause)
            and not _IN_THE_PAST.search(state.clause)
        ):
            days_ago = 0  # "on cisplatin + pelvic EBRT, wk 4": receiving it now is within any window
        if window is not None and state.present and days_ago is not None:
            # "radiotherapy to the spine within 3 months" against "RT to T12, completed 5 wks ago"
            given = PriorTreatment(term=name, days_ago=days_ago, clause=state.clause)
            judged = _window_check(
                f"{name} washout", trial, given, window, "exclusion", [criterion_citation(trial, criterion)]
            )
            if state.days_ago is not None or judged[0].status == "not met":
                return judged
            # receiving it now, outside this window's sites: a later "or current RT" may still decide
        return None
    said = _exclusion_wording(criterion.text, match.start, match.end, name)
    if said.as_risk or (said.risk_near and not state.present):
        return None  # "arrhythmias that raise thromboembolic risk" does not exclude a thrombosis
    if said.purpose_of_treatment:
        return None
    cites = [criterion_citation(trial, criterion)]
    if said.left_out:
        # "Known CNS disease except for treated brain metastasis": what the exclusion leaves out
        if not state.present:
            return None
        detail = f"the criterion leaves out some patients with {name}: confirm the patient's is one of them"
        return _check(name, "unknown", trial, cites, detail)
    if state.present and said.some_allowed:
        detail = f"the criterion allows some patients with {name}: confirm which the patient's is"
        return _check(name, "unknown", trial, cites, detail)
    if state.present and (said.other_kind or _required_by_inclusion(trial, name)):
        # "other irregular bleeding" in a trial whose inclusion asks for a bleeding tendency: the
        # exclusion is about other forms than the one the trial is for
        detail = f"confirm the patient's {name} is not the kind this exclusion means"
        return _check(name, "unknown", trial, cites, detail)
    if not state.present:
        return _check(name, "met", trial, cites, f"patient: {_absent(how, name)}; criterion excludes {name}")
    qualifier = said.qualifier
    if qualifier:
        if state.controlled is True:
            return _check(
                name, "met", trial, cites, f"patient's {name} is controlled; criterion: {qualifier}"
            )
        if state.controlled is None:
            return _check(name, "unknown", trial, cites, f"confirm whether the {name} is {qualifier}")
    window = said.window_days
    if window is not None:
        if state.days_ago is None and not _IN_THE_PAST.search(state.clause):
            # "w/ paroxysmal afib": a condition the patient has now falls within any look-back window
            detail = f"patient has {name} now ({state.clause}); the criterion looks back {window:g} days"
            return _check(name, "not met", trial, cites, detail)
        if state.days_ago is None:
            return _check(
                name, "unknown", trial, cites, f"confirm when; the criterion looks back {window:g} days"
            )
        status: Status = "not met" if state.days_ago <= window else "met"
        detail = f"patient: {name} {state.days_ago:g} days ago; window {window:g} days"
        return _check(name, status, trial, cites, detail)
    return _check(
        name, "not met", trial, cites, f"patient has {name} ({state.clause}); criterion excludes it"
    )


# What a criterion leaves out, read once per criterion text: every patient reaches the same mentions.
_left_out = lru_cache(maxsize=100_000)(exception_spans)


class _ExclusionWording(NamedTuple):
    """What an exclusion's words say around one mention of a condition, whoever the patient is."""

    as_risk: bool  # named as a risk of something else ("raise thromboembolic risk")
    risk_near: bool  # "risk" near it
    purpose_of_treatment: bool  # what a treatment is for ("anticoagulation for ...")
    left_out: bool  # within what the exclusion leaves out ("except for treated brain metastasis")
    some_allowed: bool  # the criterion goes on to allow some patients with it
    other_kind: bool  # "other irregular bleeding"
    qualifier: str | None  # the word excluding only some forms of it ("uncontrolled")
    window_days: float | None  # the look-back window of its sentence


@lru_cache(maxsize=200_000)  # criteria repeat across questions: each mention is read once per process
def _exclusion_wording(text: str, start: int, end: int, name: str) -> _ExclusionWording:
    qualifier = _qualifier(text, start, end)
    return _ExclusionWording(
        as_risk=named_as_risk(text, start, end),
        risk_near=_RISK_OF.search(text[max(0, start - 40) : end + 40]) is not None,
        purpose_of_treatment=_PURPOSE_OF_TREATMENT.search(text[max(0, start - 50) : start]) is not None,
        left_out=any(left <= start < right for left, right in _left_out(text)),
        some_allowed=_SOME_ALLOWED.search(text, end) is not None,
        other_kind=_OTHER_BEFORE.search(text[max(0, start - 30) : start]) is not None,
        qualifier=qualifier.group(0) if qualifier else None,
        window_days=_window_days(text, name) if _WINDOW.search(text) else None,
    )


# An exclusion of a treatment the patient is receiving now, not of ever having had it.
_CURRENT_USE = re.compile(
    r"\b(?:current(?:ly)?|present|concurrent|concomitant|simultaneous|ongoing|on-going|scheduled|planned|receiving)\b",
    re.IGNORECASE,
)
_CAUSE_OF = re.compile(
    r"\b(?:caused by|induced by|due to|associated with|secondary to|related to|after|following)"
    r"\s+(?:\w+\s+)?$",
    re.IGNORECASE,
)
# A patient's clause saying the treatment is going on now ("now on ... RT, wk 4", "currently receiving").
_IN_THE_PAST = re.compile(
    r"\b(?:had|prior|previous(?:ly)?|history of|hx(?: of)?|h/o|s/p|completed|finished|ago|old|remote|"
    r"resolved|former|past|in (?:19|20)\d\d)\b",
    re.IGNORECASE,
)
_ON_NOW = re.compile(
    r"\b(?:now|currently|on|receiving|undergoing|ongoing|concurrent|(?:wk|week|day|cycle)\s*\d+|[CD]\d{1,2}"
    # a regular dose is taken now ("estradiol gel daily"); "takes naproxen PRN" need not be
    r"|daily|twice a day|once a day|(?:b|t|q)id|[qo]d)\b",
    re.IGNORECASE,
)


def _current_use_check(
    trial: Trial, criterion: Criterion, name: str, state: ConceptState
) -> tuple[CriterionCheck, list[Citation]]:
    cites = [criterion_citation(trial, criterion)]
    if not state.present or _long_ago(state):
        detail = f"patient is not on {name} now; criterion excludes current use"
        return _check(name, "met", trial, cites, detail)
    if state.days_ago is None and _ON_NOW.search(state.clause):
        detail = f"patient is on {name} now ({state.clause}); criterion excludes current use"
        return _check(name, "not met", trial, cites, detail)
    return _check(name, "unknown", trial, cites, f"confirm whether the patient is receiving {name} now")


def _required_by_inclusion(trial: Trial, name: str) -> bool:
    return name in _concepts_required(trial)


def _concepts_required(trial: Trial) -> frozenset[str]:
    """The concepts the inclusion criteria ask for, with their broader ones ("NSCLC" asks for a
    malignant tumour): read once per record."""
    return trial.remembered(
        "concepts required",
        (trial.inclusion,),
        lambda: frozenset(
            name
            for c in trial.patient_inclusion
            for m in concept_matches(c.text)
            if not _negated_before(c.text, m.start)
            and not negated_after(c.text, m.end, "inclusion")
            and not denied_by_lead_in(c, trial.patient_inclusion)
            for name in (m.term.name, *m.term.broader)
        ),
    )


def _is_requirement(trial: Trial, criterion: Criterion, match: TermMatch) -> bool:
    """Whether an inclusion names the concept as what the trial is for: the primary cancer, a
    receptor status, a treatment the patient must be receiving or have had."""
    term = match.term
    if _CONDITIONAL.search(criterion.text[: match.start][-80:]):
        return False  # "(if it is intrahepatic cholangiocarcinoma, bilirubin ...)": not a requirement
    if term.family is not None and not (_DIAGNOSIS.search(criterion.text) or _opens(criterion, match)):
        return False  # a criterion that opens with the disease ("AML requiring HSCT") is about it
    treatment = concept_is_treatment(term)
    if treatment and any(mentions(i.name, term.name) for i in trial.interventions):
        return False  # the trial's own study drug: given in the trial, not asked of the patient
    current = treatment and _TREATMENT_REQUIRED.search(criterion.text) is not None
    before_entry = treatment and _TREATMENT_BEFORE.search(criterion.text) is not None
    judged = (
        term.family is not None
        or negated_by_some(term.name)
        or current
        or before_entry
        or (
            concept_is_condition(term)
            and _names_the_patients_condition(criterion.text, match.start, match.end)
        )
    )
    # a treatment the wording asks the patient to be on or to have had is required whatever the
    # vocabulary says of its bare mentions ("chemotherapy" alone is read only in exclusions)
    return judged and (match.term.only_in != "exclusion" or current or before_entry)


# An inclusion naming a condition as the patient's own: "men and women with class III-IV heart
# failure", "a current diagnosis of essential hypertension", "must have had paroxysmal AF" ...
_HAS_CONDITION = re.compile(
    r"\b(?:with|diagnos\w*|must have(?: had)?|ha(?:ve|s) had|history of|suffer\w* from|documented|"
    r"confirmed|presenting with)\b[^.;:]{0,60}$",
    re.IGNORECASE,
)
# ... but not one the trial only allows ("patients with treated brain metastases are eligible"),
# nor the subject of a rule for those who have it ("patients with hypertension must be controlled").
_ALLOWED_ONLY = re.compile(
    r"\b(?:eligible|allowed|permitted|acceptable|(?:may|can) be (?:included|enrolled|entered))\b",
    re.IGNORECASE,
)
_RULE_FOR_THOSE_WITH = re.compile(
    r"^[^.;]{0,40}?\b(?:must|should|needs?|(?:are|is) required)\b", re.IGNORECASE
)


# ... or the condition first, as the criterion's subject ("CHF patients with lower limb oedema").
_ITS_PATIENTS = re.compile(r"^\s*(?:patients?|subjects?|participants?|cases?)\b", re.IGNORECASE)


# ... or opening the criterion after only its grade ("NYHA class III or IV chronic heart failure").
_GRADE_ONLY = re.compile(
    r"^(?:\s|[,/()-]|\b(?:nyha|class|stage|grade|functional|chronic|acute|symptomatic|persistent|"
    r"paroxysmal|documented|confirmed|advanced|metastatic|recurrent|relapsed|refractory|[ivx]+|[a-d]|\d+|"
    r"or|and|to)\b)*$",
    re.IGNORECASE,
)


@lru_cache(maxsize=200_000)
def _names_the_patients_condition(text: str, start: int, end: int) -> bool:
    # criteria repeat across questions: each mention is read once per process
    before = text[max(0, start - 100) : start]
    said_first = (start <= 100 and _GRADE_ONLY.match(before) is not None) or _ITS_PATIENTS.match(
        text[end:]
    ) is not None
    return (
        (said_first or _HAS_CONDITION.search(before) is not None)
        and _ALLOWED_ONLY.search(text) is None
        and _RULE_FOR_THOSE_WITH.search(text[end:]) is None
        and not named_as_risk(text, start, end)
    )


def _unsaid_requirements(
    trial: Trial, reading: _PatientReading
) -> list[tuple[CriterionCheck, list[Citation]]]:
    """Inclusion requirements the description does not speak to ("during concurrent
    chemoradiotherapy" for a patient said only to be on carboplatin): to confirm, never met."""
    patient = reading.profile
    checks = []
    named: set[str] = set()
    for criterion, match in _requirements_named(trial):
        if match.term.name in named or reading.state_for(match.term)[0] is not None:
            continue
        if _nothing_else(trial, patient, match.term)[0] is not None:
            continue  # judged as absent by _concept_checks
        named.add(match.term.name)
        detail = f"the description does not say; the trial requires {match.term.name}"
        checks.append(
            _check(match.term.name, "unknown", trial, [criterion_citation(trial, criterion)], detail)
        )
    return checks


def _requirements_named(trial: Trial) -> list[tuple[Criterion, TermMatch]]:
    """Every concept mention of the trial's inclusions that asks it of the patient, in order: read
    once per record, as no patient changes it."""
    return trial.remembered(
        "requirements named",
        (trial.inclusion, trial.interventions),
        lambda: [
            (criterion, match)
            for criterion in trial.patient_inclusion
            for match in _requirement_mentions(trial, criterion)
        ],
    )


def _requirement_mentions(trial: Trial, criterion: Criterion) -> list[TermMatch]:
    matches = concept_matches(criterion.text)
    if not matches or denied_by_lead_in(criterion, trial.patient_inclusion):
        return []
    classes = {m.term.name for m in matches}
    return [
        match
        for match in matches
        # "platinum-containing (lobaplatin, carboplatin...)": the class is what is required
        if not classes & set(match.term.broader)
        and not _negated_before(criterion.text, match.start)
        and not negated_after(criterion.text, match.end, "inclusion")
        and _is_requirement(trial, criterion, match)
    ]


def _requiring_check(
    trial: Trial, criterion: Criterion, match: TermMatch, state: ConceptState, how: str
) -> tuple[CriterionCheck, list[Citation]]:
    """An inclusion naming the concept as what the trial is for (`_is_requirement`): the primary
    cancer, a receptor status, a treatment the patient must be receiving."""
    term = match.term
    treatment = concept_is_treatment(term)
    current = treatment and _TREATMENT_REQUIRED.search(criterion.text) is not None
    before_entry = treatment and _TREATMENT_BEFORE.search(criterion.text) is not None
    cites = [criterion_citation(trial, criterion)]
    if state.present and current and not before_entry and _long_ago(state):
        detail = f"patient's last {term.name} was {state.days_ago:g} days ago; the trial requires it now"
        return _check(term.name, "not met", trial, cites, detail)
    if state.present and not treatment and _only_in_the_past(state):
        detail = f"patient had {term.name} {state.days_ago:g} days ago; confirm it is current"
        return _check(term.name, "unknown", trial, cites, detail)
    if state.present:
        return _check(term.name, "met", trial, cites, f"patient: {state.clause or term.name}")
    return _check(
        term.name,
        "not met",
        trial,
        cites,
        f"patient: {_absent(how, term.name)}; the trial requires {term.name}",
    )
