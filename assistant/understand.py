"""Question (+ earlier turns) -> Query: kind, NCT IDs, parsed numbers and units, filters, patient.

Everything is read with general patterns (numbers, comparators, units, lab names, field values),
never with per-question templates, so paraphrases and unseen attributes go through the same code.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from assistant.attributes import attributes_in
from assistant.quantities import (
    COMPARATOR_PATTERN,
    LAB_NAMES,
    NUMBER,
    UNIT_PATTERN,
    comparator_of,
    normalise,
    parse_number,
    to_days,
)
from assistant.query import (
    FieldTest,
    NumericTest,
    PatientProfile,
    PriorTreatment,
    Query,
    QuestionKind,
    TermMode,
    TermTest,
    Turn,
)
from index.models import FactKind

NCT_ID = re.compile(r"\bNCT\s?\d{8}\b", re.IGNORECASE)

_SET_CUE = re.compile(
    r"\b(?:which|what|list|show|find|any|all|how many|name)\s+(?:(?:of\s+)?(?:the|those|these|them)\s+)?"
    r"(?:(?:clinical|open|registered|indexed)\s+)?(?:trials?|studies|ones)\b"
    r"|\b(?:are there|is there)\s+(?:any\s+)?(?:trials?|studies)\b"
    r"|\b(?:trials?|studies)\s+(?:that|which|with|for|where|accepting|enrolling|requiring|excluding|giving)\b"
    r"|^\s*(?:which|what)\s+of\s+(?:those|these|them)\b",
    re.IGNORECASE,
)
_HOW_MANY = re.compile(r"\bhow many\s+(?:trials|studies)\b", re.IGNORECASE)
_COMPARE_CUE = re.compile(r"\bcompar|\bdifferen|\bversus\b|\bvs\.?\b|\bside by side\b", re.IGNORECASE)
_OVERVIEW_CUE = re.compile(
    r"\btell me (?:about|more)|\bsummar|\boverview\b|\bdescribe\b"
    r"|\bwhat is\s+(?:NCT\s?\d{8}|it|this trial|that trial)"
    r"\s*(?:about)?\s*\??\s*$|\bwhat(?:'s| is) (?:it|this trial|that trial|NCT\s?\d{8}) about\b|\bexplain\b",
    re.IGNORECASE,
)
_MATCH_CUE = re.compile(
    r"\b(?:could|can|would|might)\s+(?:she|he|they|my patient|this patient|the patient)\b"
    r"|\b(?:my|this|a|the|our)\s+patient\b|\beligible\b|\bqualif(?:y|ies)\b|\benter\b|\bjoin\b",
    re.IGNORECASE,
)
_PERSON = re.compile(r"\b(?:woman|man|female|male|lady|girl|boy|patient|person|she|he)\b", re.IGNORECASE)
_THOSE = re.compile(
    r"\b(?:of|among|from)\s+(?:those|these|them)\b|\b(?:those|these|such)\s+(?:trials|studies|ones)\b"
    r"|\bwhich of them\b|\b(?:those|these)\b",
    re.IGNORECASE,
)
_IT = re.compile(
    r"\b(?:its|it|this trial|that trial|this study|that study|the trial|the study|the same trial)\b",
    re.IGNORECASE,
)
_ELLIPSIS = re.compile(r"^\s*(?:and|what about|how about|same for|and what about|now)\b", re.IGNORECASE)
# Instructions aimed at the assistant rather than questions about trials. They are removed, never obeyed.
_INSTRUCTION = re.compile(
    r"[^.?!\n]*\b(?:ignore|disregard|forget|override)\b[^.?!\n]*\b(?:instructions?|rules?|prompts?|above|previous|"
    r"system)\b[^.?!\n]*[.?!]?"
    r"|[^.?!\n]*\b(?:you are now|act as|pretend (?:to be|you)|system prompt|jailbreak|"
    r"developer mode)\b[^.?!\n]*[.?!]?",
    re.IGNORECASE,
)
# Requests for personal medical advice are out of scope: the assistant reports what records say.
_ADVICE = re.compile(
    r"\b(?:should (?:i|my patient|she|he|they) (?:take|start|stop|get|be given|receive)"
    r"|what is the best (?:treatment|drug|therapy)"
    r"|which (?:drug|treatment|therapy) is (?:the )?best|recommend (?:a|me)|prescribe|diagnose me)\b",
    re.IGNORECASE,
)
_GREETING_OR_META = re.compile(r"^\s*(?:hi|hello|hey|thanks?|thank you)\b[\s!.]*$", re.IGNORECASE)

# Structured-field filters: pattern -> (field, values, label). Order matters: "not yet recruiting"
# before "recruiting", "non-randomized" before "randomized".
_FIELD_PATTERNS: list[tuple[str, str, list[str], str]] = [
    (r"\bnot (?:yet )?recruiting\b", "status", ["NOT_YET_RECRUITING"], "not yet recruiting"),
    (r"\bactive,? (?:but )?not recruiting\b", "status", ["ACTIVE_NOT_RECRUITING"], "active, not recruiting"),
    (
        r"\b(?:currently )?recruiting\b|\benrolling\b|\bopen (?:to|for) (?:enrol|recruit)",
        "status",
        ["RECRUITING"],
        "recruiting",
    ),
    (r"\bcompleted\b", "status", ["COMPLETED"], "completed"),
    (r"\bterminated\b", "status", ["TERMINATED"], "terminated"),
    (r"\bwithdrawn\b", "status", ["WITHDRAWN"], "withdrawn"),
    (r"\bnon[- ]?randomi[sz]ed\b", "allocation", ["NON_RANDOMIZED"], "non-randomised"),
    (r"\brandomi[sz]ed\b|\brandomi[sz]ation\b", "allocation", ["RANDOMIZED"], "randomised"),
    (r"\bsingle[- ](?:arm|group)\b", "intervention_model", ["SINGLE_GROUP"], "single-arm"),
    (r"\bparallel[- ](?:arm|group)s?\b", "intervention_model", ["PARALLEL"], "parallel-group"),
    (r"\bcross[- ]?over\b", "intervention_model", ["CROSSOVER"], "crossover"),
    (
        r"\b(?:wom[ae]n|females?)[- ]only\b|\bonly (?:wom[ae]n|females?)\b|\bfor (?:wom[ae]n|females?)\b"
        r"|\b(?:enrol|recruit|accept)s? only (?:wom[ae]n|females?)\b",
        "sex",
        ["FEMALE"],
        "women only",
    ),
    (
        r"\b(?:m[ae]n|males?)[- ]only\b|\bonly (?:m[ae]n|males?)\b|\bfor (?:m[ae]n|males?)\b",
        "sex",
        ["MALE"],
        "men only",
    ),
    (
        r"\bprevent(?:ive|ative|ion)\b|\bprophyla(?:xis|ctic)\b",
        "primary_purpose",
        ["PREVENTION"],
        "preventive",
    ),
    (r"\bsupportive[- ]care\b", "primary_purpose", ["SUPPORTIVE_CARE"], "supportive care"),
    (r"\bdiagnostic\b", "primary_purpose", ["DIAGNOSTIC"], "diagnostic"),
    (
        r"\btreatment (?:trials|studies)\b|\bprimary purpose (?:of )?treatment\b",
        "primary_purpose",
        ["TREATMENT"],
        "treatment",
    ),
    (r"\binterventional\b", "study_type", ["INTERVENTIONAL"], "interventional"),
    (r"\bobservational\b", "study_type", ["OBSERVATIONAL"], "observational"),
    (r"\bopen[- ]label\b|\bunblinded\b|\bno masking\b", "masking", ["NONE"], "open-label"),
    (
        r"\b(?:double|triple|quadruple)[- ]blind(?:ed)?\b|\bplacebo[- ]controlled\b",
        "masking",
        ["DOUBLE", "TRIPLE", "QUADRUPLE"],
        "double-blind or more",
    ),
    (r"\bhealthy volunteers?\b", "healthy_volunteers", ["TRUE"], "accepting healthy volunteers"),
    (
        r"\bresults? (?:are |were |have been )?(?:posted|published|available|reported)\b"
        r"|\bwith (?:posted )?results\b|\bhave results\b",
        "results_posted",
        ["TRUE"],
        "with results posted",
    ),
]
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4"}
_PHASE = re.compile(
    r"\b(early\s+)?phase\s*(1|2|3|4|iv|iii|ii|i)\b(?:\s*(?:/|and|or|-)\s*(?:phase\s*)?(1|2|3|4|iv|iii|ii|i)\b)?",
    re.IGNORECASE,
)

# Term questions: the verb fixes the direction; the term is what follows it.
_TERM_VERBS: list[tuple[str, TermMode]] = [
    (r"exclud(?:e|es|ing|ed)", "excludes"),
    (r"rule[sd]? out|bar|bars|disallow|do(?:es)? not (?:allow|accept|permit)", "excludes"),
    (r"requir(?:e|es|ing|ed)|need(?:s)?|mandate|demand(?:s)?", "requires"),
    (r"(?:accept|allow|permit|enrol|enroll|admit|take)(?:s|ing)?", "accepts"),
    (
        r"giv(?:e|es|ing)|administer(?:s|ing)?|us(?:e|es|ing)|test(?:s|ing)?|evaluat(?:e|es|ing)|investigat(?:e|es|ing)"
        r"|(?:is|are) (?:testing|giving|using)|involv(?:e|es|ing)|compar(?:e|es|ing)",
        "gives",
    ),
    (
        r"stud(?:y|ies|ying)|target(?:s|ing)?|focus(?:es)? on|(?:are|is) (?:for|in|about|on)"
        r"|for|in|about|on|treat(?:s|ing)?",
        "studies",
    ),
    (r"mention(?:s|ing)?|refer(?:s)? to|talk about", "mentions"),
]
_TERM_STOP = re.compile(
    r"\b(?:disease|status|patients?|participants?|subjects?|people|those|individuals|the trial|trials?|"
    r"studies|"
    r"study|history of|a history of|known|with|who have|having|have|had|any|a|an|the|drugs?|treatment)\b",
    re.IGNORECASE,
)
_TERM_NOISE = {"", "it", "them", "those", "these", "which", "what", "trial", "trials", "study", "studies"}


def understand(question: str, history: Sequence[Turn], known_ids: Collection[str]) -> Query:
    """Read one question in the light of the conversation so far."""
    text = " ".join(question.split())
    stripped = " ".join(_INSTRUCTION.sub(" ", text).split())
    ignored = stripped != text
    if ignored:
        query = (
            understand(stripped, history, known_ids)
            if stripped
            else Query(
                question=text,
                kind=QuestionKind.CANNOT_ANSWER,
                reason="the message holds only instructions to the assistant, which are not followed",
            )
        )
        return query.model_copy(update={"question": text, "ignored_instructions": True})
    if _ADVICE.search(text):
        return Query(
            question=text,
            kind=QuestionKind.CANNOT_ANSWER,
            reason="treatment advice is out of scope; I can only report what the trial records state",
        )
    ids = _ordered_ids(text)
    known = [i for i in ids if i in known_ids]
    unknown = [i for i in ids if i not in known_ids]
    previous = history[-1] if history else None

    if _GREETING_OR_META.match(text):
        return Query(question=text, kind=QuestionKind.CANNOT_ANSWER, reason="no question about trials")
    if ids and not known:
        return Query(
            question=text, kind=QuestionKind.CANNOT_ANSWER, unknown_ids=unknown, reason="not in the index"
        )

    numeric = _numeric_tests(text)
    fields = _field_tests(text)
    attributes = attributes_in(text)
    patient = _patient(text)
    set_cue = bool(_SET_CUE.search(text))
    terms = (
        _term_tests(text, loose=set_cue or bool(_THOSE.search(text)))
        if set_cue or known or _THOSE.search(text)
        else []
    )
    query = Query(
        question=text,
        kind=QuestionKind.OPEN,
        nct_ids=known,
        unknown_ids=unknown,
        numeric=numeric,
        fields=fields,
        terms=terms,
        attributes=attributes,
        count_only=bool(_HOW_MANY.search(text)),
    )

    if _is_match(text, patient, set_cue):
        return query.model_copy(
            update={
                "kind": QuestionKind.MATCH,
                "patient": patient,
                "numeric": [],
                "terms": [],
                "scope": _scope(text, previous),
            }
        )
    if _COMPARE_CUE.search(text) and (len(known) >= 2 or (previous and _THOSE.search(text))):
        subjects = known if len(known) >= 2 else (previous.trials if previous else [])
        return query.model_copy(
            update={"kind": QuestionKind.COMPARE, "nct_ids": subjects, "follow_up": not known}
        )
    if known:
        return _about_trials(query, text, previous)
    if set_cue or query.has_tests() or _THOSE.search(text):
        return _set_question(query, text, previous)
    if (
        previous
        and (_IT.search(text) or _ELLIPSIS.match(text))
        and (attributes or _OVERVIEW_CUE.search(text))
    ):
        return _about_previous_subject(query, text, previous)
    return query


def _ordered_ids(text: str) -> list[str]:
    seen: dict[str, None] = {}
    for match in NCT_ID.finditer(text):
        seen.setdefault(match.group(0).upper().replace(" ", ""), None)
    return list(seen)


def _about_trials(query: Query, text: str, previous: Turn | None) -> Query:
    """A question naming trials: attribute, overview, a check of filters, or an ellipsis follow-up."""
    own_intent = query.attributes or query.has_tests() or _OVERVIEW_CUE.search(text)
    if not own_intent and previous is not None and previous.query.kind != QuestionKind.CANNOT_ANSWER:
        inherited = previous.query
        kind = inherited.kind
        if kind == QuestionKind.SET:
            kind = QuestionKind.ATTRIBUTE  # "and for NCT...?" after a set question: check that trial
        if kind == QuestionKind.OPEN:
            return query.model_copy(update={"follow_up": True})
        return inherited.model_copy(
            update={
                "question": text,
                "kind": kind,
                "nct_ids": query.nct_ids,
                "unknown_ids": query.unknown_ids,
                "scope": None,
                "follow_up": True,
            }
        )
    if query.attributes or query.has_tests():
        return query.model_copy(update={"kind": QuestionKind.ATTRIBUTE})
    if _OVERVIEW_CUE.search(text) or len(text) < 40:
        return query.model_copy(update={"kind": QuestionKind.OVERVIEW})
    return query  # open question restricted to the named trials


def _about_previous_subject(query: Query, text: str, previous: Turn) -> Query:
    subjects = previous.query.nct_ids if previous.query.nct_ids else previous.trials
    if len(subjects) != 1 and not (previous.query.kind == QuestionKind.COMPARE and subjects):
        return query.model_copy(
            update={
                "kind": QuestionKind.CANNOT_ANSWER,
                "reason": "it is not clear which trial 'it' refers to; please name the NCT ID",
                "follow_up": True,
            }
        )
    kind = QuestionKind.ATTRIBUTE if query.attributes else QuestionKind.OVERVIEW
    return query.model_copy(update={"kind": kind, "nct_ids": list(subjects), "follow_up": True})


def _set_question(query: Query, text: str, previous: Turn | None) -> Query:
    scope = _scope(text, previous)
    return query.model_copy(update={"kind": QuestionKind.SET, "scope": scope, "follow_up": scope is not None})


def _scope(text: str, previous: Turn | None) -> list[str] | None:
    if previous is not None and _THOSE.search(text):
        return list(previous.trials)
    return None


def _is_match(text: str, patient: PatientProfile, set_cue: bool) -> bool:
    """A patient description: several patient attributes, or a person plus an eligibility verb."""
    if patient.stated() >= 3:
        return True
    person = bool(_PERSON.search(text))
    return (patient.stated() >= 2 and (person or bool(_MATCH_CUE.search(text)))) or (
        patient.stated() >= 1 and person and bool(_MATCH_CUE.search(text)) and not set_cue
    )


# ---- numbers -------------------------------------------------------------------------------

_ECOG = re.compile(
    r"\b(?:ecog(?:\s*(?:ps|performance status|score|grade))?|performance status|ps)"
    r"\s*(?:of|=|:|is|was|score)?\s*"
    r"(?:(" + COMPARATOR_PATTERN + r")\s*)?([0-5])(?:\s*(?:-|–|to|or)\s*([0-5]))?\b",
    re.IGNORECASE,
)
_AGE = re.compile(
    r"\b(\d{1,3})\s*-?\s*(?:years?|yrs?|y)\s*-?\s*old\b|\b(\d{1,3})\s*-?\s*(?:yo|y/o)\b"
    r"|\baged?\s*(?:of\s*)?(\d{1,3})\b|\b(\d{1,3})\s*(?:years?|yrs?)\s+of\s+age\b"
    r"|\b(?:patients?|people|adults|someone|person)\s+(?:over|above|older than)\s+(\d{1,3})\b",
    re.IGNORECASE,
)


def _numeric_tests(text: str) -> list[NumericTest]:
    tests: list[NumericTest] = []
    requires_verb = re.search(r"\b(?:requir|need|must|mandat|demand)", text, re.IGNORECASE) is not None
    for match in _ECOG.finditer(text):
        high = match.group(3) or match.group(2)
        tests.append(NumericTest(kind=FactKind.ECOG, mode="accepts", value=float(high), label=f"ECOG {high}"))
        break
    age = _age(text)
    if age is not None:
        tests.append(
            NumericTest(kind=FactKind.AGE, mode="accepts", value=age, unit="years", label=f"age {age:g}")
        )
    for kind, value, comparator, unit in _lab_values(text):
        quantity = normalise(kind, value, unit)
        mode = (
            "requires" if comparator is not None and (requires_verb or not _accept_verb(text)) else "accepts"
        )
        shown = (
            f"{kind.value.replace('_', '/')} {comparator + ' ' if mode == 'requires' and comparator else ''}"
            f"{quantity.value:g}{' ' + quantity.unit if quantity.unit else ''}"
        )
        tests.append(
            NumericTest(
                kind=kind,
                mode=mode,
                value=quantity.value,  # type: ignore[arg-type]
                comparator=comparator if mode == "requires" else None,  # type: ignore[arg-type]
                unit=quantity.unit,
                label=shown,
            )
        )
    return tests


def _accept_verb(text: str) -> bool:
    return (
        re.search(r"\b(?:accept|allow|enrol|enroll|admit|eligible|take|permit)", text, re.IGNORECASE)
        is not None
    )


def _age(text: str) -> float | None:
    match = _AGE.search(text)
    if match is None:
        return None
    value = next(g for g in match.groups() if g is not None)
    return float(value)


def _lab_values(text: str) -> list[tuple[FactKind, float, str | None, str | None]]:
    """Every 'lab name [comparator] number [unit]' in the text, one per lab kind."""
    found: list[tuple[FactKind, float, str | None, str | None]] = []
    taken: list[tuple[int, int]] = []
    for kind, names in LAB_NAMES.items():
        pattern = re.compile(
            r"\b(?:" + names + r")\b\s*(?:count|level|value|of|is|was|=|:|at|threshold)?\s*"
            r"(?:of\s+)?(" + COMPARATOR_PATTERN + r")?\s*" + NUMBER + r"\s*(" + UNIT_PATTERN + r")?",
            re.IGNORECASE,
        )
        for match in pattern.finditer(text):
            span = match.span()
            if any(s <= span[0] < e for s, e in taken):
                continue
            if kind == FactKind.EGFR and not match.group(3):
                continue  # "EGFR 19" is a gene exon, not a filtration rate
            taken.append(span)
            comparator = comparator_of(match.group(1))
            found.append((kind, parse_number(match.group(2)), comparator, match.group(3)))
            break
    return found


# ---- structured fields -----------------------------------------------------------------------


def _field_tests(text: str) -> list[FieldTest]:
    tests: list[FieldTest] = []
    used_fields: set[str] = set()
    for pattern, field, values, label in _FIELD_PATTERNS:
        if field in used_fields or not re.search(pattern, text, re.IGNORECASE):
            continue
        used_fields.add(field)
        tests.append(FieldTest(field=field, values=values, label=label))  # type: ignore[arg-type]
    phase = _PHASE.search(text)
    if phase:
        early, first, second = phase.groups()
        values = [f"{'EARLY_' if early else ''}PHASE{_ROMAN.get(first.lower(), first)}"]
        if second:
            values.append(f"PHASE{_ROMAN.get(second.lower(), second)}")
        tests.append(
            FieldTest(
                field="phase", values=values, label=" or ".join(v.replace("PHASE", "phase ") for v in values)
            )
        )
    return tests


# ---- named terms -----------------------------------------------------------------------------

_TERM_END = re.compile(r"[?.;!]|\b(?:and which|which|that|who|whose|where|when|if)\b", re.IGNORECASE)


def _term_tests(text: str, loose: bool) -> list[TermTest]:
    """'exclude brain metastases', 'require HER2-positive disease', 'give romiplostim', 'for breast cancer'.
    Prepositions alone ('for', 'in') only mark a term in a set question (`loose`): in "the maximum age
    for NCT…" they do not."""
    tests: list[TermTest] = []
    text = NCT_ID.sub(" ", text)
    body = re.sub(
        r"^\s*(?:which|what|list|show|find|any|all|how many)\s+(?:of\s+(?:those|these|them)\s+)?"
        r"(?:trials?|studies|ones)?\s*(?:are|is|do|does|can|could|will)?\s*",
        "",
        text,
        flags=re.IGNORECASE,
    )
    for verb, mode in _TERM_VERBS if loose else _TERM_VERBS[:-2]:
        for match in re.finditer(r"\b(?:" + verb + r")\b\s+(.+)", body, re.IGNORECASE):
            tail = _TERM_END.split(match.group(1), maxsplit=1)[0]
            for term in _split_terms(tail):
                if not _is_filter_phrase(term) and term.lower() not in {t.term.lower() for t in tests}:
                    tests.append(TermTest(term=term, mode=mode))
        if tests:
            break  # the first verb that yields a term decides the direction
    return tests


def _split_terms(tail: str) -> list[str]:
    parts = re.split(r",|\bor\b|\band\b|\bplus\b", tail, flags=re.IGNORECASE)
    terms = []
    for part in parts:
        if _is_filter_phrase(part.strip()):
            continue
        cleaned = _TERM_STOP.sub(" ", part)
        cleaned = re.sub(r"[^\w+\-/ ]", " ", cleaned)
        cleaned = " ".join(cleaned.split()).strip(" -/")
        if cleaned.lower() not in _TERM_NOISE and len(cleaned) > 1:
            terms.append(cleaned)
    return terms


def _is_filter_phrase(term: str) -> bool:
    """Terms that are really numbers or field filters ('ECOG 2', 'phase 2', 'women') are read elsewhere."""
    if re.search(r"\d", term) and (
        _ECOG.search(term) or _PHASE.search(term) or _AGE.search(term) or _lab_values(term)
    ):
        return True
    if re.fullmatch(r"(?:\d+\s*)?(?:years?|year-old|yrs?)(?:\s*old)?|\d+", term, re.IGNORECASE):
        return True
    return any(re.search(pattern, term, re.IGNORECASE) for pattern, *_ in _FIELD_PATTERNS) or bool(
        re.fullmatch(r"(?:wom[ae]n|m[ae]n|females?|males?|adults?|children|patients?)", term, re.IGNORECASE)
    )


# ---- patient profile -------------------------------------------------------------------------

_FEMALE = re.compile(r"\b(?:woman|female|lady|girl|she|her)\b", re.IGNORECASE)
_MALE = re.compile(r"\b(?:man|male|gentleman|boy|he|his|him)\b", re.IGNORECASE)
_PRIOR = re.compile(
    r"\b(?:had|received|got|took|was given|treated with|last dose of|dose of|on)\s+"
    r"(?P<drug>[A-Za-z][\w\-+]*(?:\s+[A-Za-z][\w\-+]*)?)\s+(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>days?|weeks?|months?|years?)"
    r"\s+ago\b",
    re.IGNORECASE,
)
_CONDITION = re.compile(
    r"\bwith\s+(?P<cond>[^,;.?]+?)(?=,|;|\.|\?|\s+(?:and|who|ECOG|platelets?|had|has|which|—|-{1,2}\s)|$)",
    re.IGNORECASE,
)


def _patient(text: str) -> PatientProfile:
    ecog = _ECOG.search(text)
    labs = {kind: normalise(kind, value, unit) for kind, value, _, unit in _lab_values(text)}
    priors = []
    for match in _PRIOR.finditer(text):
        days = to_days(float(match.group("n")), match.group("unit"))
        if days is not None:
            priors.append(PriorTreatment(term=match.group("drug").strip(), days_ago=days))
    conditions = []
    for match in _CONDITION.finditer(text):
        condition = " ".join(match.group("cond").split())
        if (
            condition
            and not _is_filter_phrase(condition)
            and not re.match(r"^(?:a|an)\s+ecog", condition, re.I)
        ):
            conditions.append(condition)
    sex = "FEMALE" if _FEMALE.search(text) else "MALE" if _MALE.search(text) else None
    return PatientProfile(
        age=_age(text),
        sex=sex,  # type: ignore[arg-type]
        ecog=int(ecog.group(3) or ecog.group(2)) if ecog else None,
        labs=labs,
        conditions=conditions,
        prior_treatments=priors,
    )
