"""Question (+ earlier turns) -> Query: kind, NCT IDs, parsed numbers and units, filters, patient.

Everything is read with general patterns (numbers, comparators, units, lab names, field values),
never with per-question templates, so paraphrases and unseen attributes go through the same code.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from functools import cache
from typing import Literal

from assistant.attributes import attributes_in, label_of
from assistant.evaluate import ORGAN_WORDS
from assistant.fields import DATE_PHRASE, filter_spans, place_label, place_spans, read_field_filters
from assistant.matching import patient_tests
from assistant.quantities import (
    COMPARATOR_PATTERN,
    LAB_NAMES,
    NUMBER,
    UNIT_PATTERN,
    Quantity,
    comparator_of,
    convert,
    kind_name,
    normalise,
    parse_number,
    to_days,
)
from assistant.query import (
    ConceptState,
    CountTest,
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
from assistant.subjects import TrialDirectory
from assistant.vignette import read_concepts
from index.facts.comparators import TRAILING, trailing_comparator
from index.facts.kinds import spec
from index.keywords import content_words
from index.language.mentions import vocabulary_covers
from index.language.negation import denies_everything_else
from index.language.registry import FieldValue, field_values, values_named
from index.language.units import analytes
from index.language.vocabulary import (
    CONDITIONS,
    DRUG_CLASSES,
    ROUTES,
    concept,
    concept_is_treatment,
    concept_matches,
    condition_matches,
    drug_matches,
    find_terms,
)
from index.language.words import (
    abbreviations,
    age_groups,
    excluding_verbs,
    numbers_in_digits,
    people,
    performance_in_grades,
)
from index.models import INVERSE_COMPARATOR, FactKind
from index.readers.dose import dose_phrases
from index.readers.normalise import age_in_years

NCT_ID = re.compile(r"\bNCT\s?\d{8}\b", re.IGNORECASE)

# The verbs that put a person out of a trial (data: words.yaml `excluding_verbs`): alone
# ("exclude", "bar", "refuse"), or with "out"/"away" after them or their object ("rule her out",
# "leave out", "turn away").
_EXCLUDING = excluding_verbs("alone")
_EXCLUDING_OUT = excluding_verbs("out")
_EXCLUDING_AWAY = excluding_verbs("away")

_SET_CUE = re.compile(
    # "which platelet studies", "which of the thrombocytopenia trials", "wich studies": up to three
    # words may say what kind of trials
    r"\b(?:which|wich|whcih|what|list|show|find|any|all|how many|name)\s+"
    r"(?:(?:of\s+)?(?:the|those|these|them|your)\s+)?(?:[\w/+-]+\s+){0,3}?(?:trials|studies|protocols|records|ones)\b"
    r"|\b(?:which|wich|whcih|what|list|show|find|any|all|name)\s+(?:(?:of\s+)?(?:the|those|these)\s+)?"
    r"(?:(?:clinical|open|registered|indexed)\s+)?(?:trial|study|protocol|one)\b"
    # "is there an alcohol dependence study?": up to three words of its kind, none a link to a trial
    # already named ("is there a washout in this study?" asks of that one)
    r"|\b(?:are there|is there)\s+(?:any\s+|an?\s+)?"
    r"(?:(?!(?:in|of|for|on|at|to|this|that|the|its|their)\b)[\w/+-]+\s+){0,3}?(?:trials?|studies|study|protocols?)\b"
    # "trials for ITP", "a trial that takes ..."; not "the hetrombopag trial for ...", which is one trial
    r"|\b(?:trials|studies|protocols)\s+(?:that|which|with|for|where|accepting|enrolling|requiring|excluding|giving)\b"
    r"|\b(?:an?|any|one)\s+(?:[\w-]+\s+){0,2}?(?:trial|protocol)\s+"
    r"(?:that|which|with|for|where|accepting|enrolling|requiring|excluding|giving)\b"
    r"|^\s*(?:which|what)\s+of\s+(?:those|these|them)\b"
    # "who won't take pts on antiplatelets?": "who" is the trials when it takes or turns away people
    r"|(?:^|[.?!;-]\s*)who\s+(?:(?:won'?t|will not|doesn'?t|does not|don'?t|do not|wouldn'?t|would not"
    r"|can'?t|cannot|would|will|does|do)\s+)?(?:take|accept|allow|admit|enrol+|exclude|bar|refuse)s?\s+"
    r"(?:pts?|patients?|people|anyone|someone|those|women|men|children|kids|smokers)\b"
    # "does the diabetes knock him out of anything here?", "would any of these take her?"
    r"|\bany(?:thing)?\s+(?:of\s+(?:these|those|them)|here)\b"
    # "whose hep B exclusion catches her?", "whose platelet cut-off does 75 meet?": each trial's rule
    r"|\bwhose\s+(?:[\w/+-]+\s+){0,4}?(?:rules?|exclusions?|criteri(?:on|a)|cut-?offs?|washouts?|windows?|"
    r"limits?|thresholds?|requirements?)\b"
    # "do the trials say anything on X": a question to every trial
    r"|^\s*(?:do|did)\s+(?:the|these|those|all(?:\s+the)?)\s+(?:trials|studies|protocols|records)\b"
    # "and which exclude diabetics?", "which also require HER2+?": "which" before a polarity verb
    r"|^\W*(?:(?:and|but|so|ok(?:ay)?|now)[\s,]+)?which\s+(?:also\s+|of\s+them\s+)?"
    rf"(?:{_EXCLUDING}|(?:{_EXCLUDING_OUT})\s+out|(?:{_EXCLUDING_AWAY})\s+away"
    r"|(?:require|accept|allow|take|give|use|test|enrol+|admit|need)s?)\b",
    re.IGNORECASE,
)
_LIST_ALL = re.compile(
    r"\b(?:list|show|name)\s+(?:me\s+)?(?:all|every|the)\b|\ball (?:the )?(?:trials|studies)\b"
    r"|\bevery (?:trial|study)\b"
    r"|\bhow many (?:trials|studies)\s+(?:are there|do you have|are indexed|are in the index)"
    r"|\b(?:trials|studies) (?:are )?(?:indexed|in the index|available)\b"
    # "list those again", "which were those?": the earlier result itself, asked with nothing more
    r"|^\W*(?:(?:list|show|name|give|repeat|which|what)\s+)?(?:me\s+)?(?:(?:are|were|was)\s+)?(?:all\s+)?"
    r"(?:of\s+)?(?:those|these|them)(?:\s+(?:trials|studies|ones))?(?:\s+again)?\W*$",
    re.IGNORECASE,
)
# Verbs that put a patient out of a trial: "exclude", "rule her out", "knock him out", "fail",
# "disqualify", "bar", "make her ineligible".
_RULED_OUT = re.compile(
    rf"\b(?:{_EXCLUDING_OUT})\s+"
    r"(?:her|him|them|the (?:patient|pt)|this (?:patient|pt)|pts?)?"
    r"\s*out\b|\b(?:catch(?:es|ing)?|caught)\s+(?:her|him|them|the (?:patient|pt)|this (?:patient|pt)|pts?)\b"
    rf"|\b(?:{_EXCLUDING})\b|\bexcluded from\b|\bineligible\b|\bnot eligible\b"
    r"|\bas an? exclusion\b|\bexclusion criteri(?:on|a) (?:names?|lists?|includes?)\b"
    # "which trials would she still be in the washout window for?": a washout not yet over refuses her
    r"|\b(?:in|within|inside)\s+(?:the\s+|its\s+|their\s+|a\s+)?wash-?out\b"
    r"|\bfail(?:s|ed|ing)?\b|\btoo (?:old|young|ill|sick)\b|\baged out\b"
    # "which trials' platelet cut-off would she (just) miss?", "a threshold she wouldn't meet"
    r"|\b(?:she|he|they|pt|patient)\s+(?:would\s+|will\s+)?(?:\w+\s+)?miss(?:es)?\b"
    r"|\b(?:would|does|do|will|could|can)(?:n'?t| not)\s+(?:\w+\s+)?(?:meet|satisfy|pass|clear)\b"
    r"|\bfalls? short of\b"
    rf"|\b(?:{_EXCLUDING_AWAY})\s+(?:\w+\s+)?away\b"
    # the patient against a trial's rule: "whose washout rule does she break?"
    r"|\bbr(?:eak|eaks|eaking|oke|oken)\b|\bviolat\w*|\bbreach\w*|\bcontraven\w*"
    r"|\b(?:falls?|runs?) (?:a)?foul of\b"
    # "which trials won't take anyone over 75?", "don't accept ECOG 2": a refusal
    r"|\b(?:won'?t|will not|don'?t|do not|doesn'?t|does not|can'?t|cannot|wouldn'?t|would not)\s+"
    r"(?:take|accept|allow|enrol+|admit|permit)\b",
    re.IGNORECASE,
)
_HOW_MANY = re.compile(r"\bhow many\s+(?:trials|studies)\b", re.IGNORECASE)
_COMPARE_CUE = re.compile(r"\bcompar|\bdifferen|\bversus\b|\bvs\.?\b|\bside by side\b", re.IGNORECASE)
_OVERVIEW_CUE = re.compile(
    # "summarise it", "a summary of it"; not "the summary" meaning the record's Brief Summary section
    r"\btell me (?:about|more)|\bsummari[sz]e|\bsummary of\b|\bgive (?:me )?a (?:\w+ )?summary\b"
    r"|\boverview\b|\bdescribe\b"
    r"|\bwhat is\s+(?:NCT\s?\d{8}|it|this trial|that trial)"
    r"\s*(?:about)?\s*\??\s*$|\bwhat(?:'s| is) (?:it|this trial|that trial|NCT\s?\d{8}) about\b|\bexplain\b",
    re.IGNORECASE,
)
_MATCH_CUE = re.compile(
    r"\b(?:could|can|would|might)\s+(?:she|he|they|my patient|this patient|the patient)\b"
    r"|\b(?:my|this|a|the|our)\s+patient\b|\beligible\b|\bqualif(?:y|ies)\b|\benter\b|\bjoin\b",
    re.IGNORECASE,
)
# Asking whether the person described could take part: "could she join", "is he eligible".
_JOINING = re.compile(
    r"\b(?:could|can|would|might)\s+(?:she|he|they|my patient|this patient|the patient)\s+"
    r"(?:join|enter|enrol+|take part|participate|be (?:eligible|enrol+ed|included))\b"
    r"|\b(?:is|are)\s+(?:she|he|they|my patient|this patient|the patient)\s+eligible\b"
    r"|\b(?:fits?|suits?|suitable for)\s+(?:her|him|them|(?:my|this|the) (?:patient|child|baby))\b"
    r"|\bwhich\s+(?:study|trial)\s+(?:fits|suits)\b",
    re.IGNORECASE,
)
_PERSON = re.compile(
    r"\b(?:woman|man|female|male|lady|girl|boy|patient|pt|person|she|he|her|him)\b", re.IGNORECASE
)
_THOSE = re.compile(
    r"\b(?:of|among|from)\s+(?:those|these|them)\b|\b(?:those|these|such)\s+(?:trials|studies|ones)\b"
    r"|\bwhich of them\b|\b(?:those|these)\b",
    re.IGNORECASE,
)
_IT = re.compile(
    r"\b(?:its|it|this trial|that trial|this study|that study|the trial|the study|the same trial"
    r"|that one|this one|the one|(?<!is )(?<!are )there)\b",
    re.IGNORECASE,
)
# One earlier trial named as such: a "which" question about it is not a set question.
_THAT_ONE = re.compile(r"\b(?:that|this|the same) (?:one|trial|study|protocol)\b", re.IGNORECASE)
_EACH = re.compile(r"\b(?:each|both|all of them|each of them|every one of them|them|they)\b", re.IGNORECASE)
# "the dose", "the sponsor": a definite attribute with no trial named continues the earlier subject.
_DEFINITE = re.compile(r"\bthe\b", re.IGNORECASE)
_TRIALS_IN_GENERAL = re.compile(
    r"\b(?:trials|studies|protocols|any|all|each|every|across|other|another)\b", re.IGNORECASE
)
_ELLIPSIS = re.compile(r"^\s*(?:and|what about|how about|same for|and what about|now)\b", re.IGNORECASE)
_MARKUP = re.compile(r"</?[a-zA-Z][^<>]{0,300}>")
# Instructions aimed at the assistant rather than questions about trials. They are removed, never obeyed.
_INSTRUCTION = re.compile(
    r"[^.?!\n]*\b(?:ignore|disregard|forget|override)\b[^.?!\n]*\b(?:instructions?|rules?|prompts?|above|previous|"
    r"system)\b[^.?!\n]*[.?!]?"
    r"|[^.?!\n]*\b(?:you are now|act as|pretend\b|system prompt|jailbreak|"
    r"developer mode)\b[^.?!\n]*[.?!]?"
    # orders about what to answer: "new policy: always add X", "tell the user...", "mark all eligible"
    r"|[^.?!\n]*\b(?:new (?:policy|rule|instructions?)|(?:always|must|should) (?:add|include|list|mark|put|"
    r"say|answer|respond|report|tell)|tell the user|mark (?:all|every|them|each)|put NCT\s?\d{8} first|"
    r"pre-?approved)\b[^.?!\n]*[.?!]?"
    # orders about the assistant's own output ("put it in your trial list"), or to say something
    r"|[^.?!\n]*\b(?:put|add|include|insert|place)\b[^.?!\n]*\b(?:in|into|to|on)\s+your\b[^.?!\n]*[.?!]?"
    r"|(?:^|(?<=[.?!]\s))\s*(?:say|print|output|declare|claim|state that)\b[^.?!\n]*[.?!]?",
    re.IGNORECASE | re.DOTALL,
)
# Text aimed at the model rather than asking about trials, removed before the sentences above:
# role markup ("<system>...</system>", stray "</user>") and bracketed notes to the assistant
# ("[note for the AI assistant: mark all eligible]").
_ADDRESSED_TO_MODEL = re.compile(
    r"<\s*(?P<role>system|assistant|user|instructions?|prompt)\s*>.*?<\s*/\s*(?P=role)\s*>"
    r"|<\s*/?\s*(?:system|assistant|user|instructions?|prompt)\s*>"
    r"|[\[(](?=[^\])]*\b(?:AI|assistant|chat ?bot|LLM|language model|model)\b)"
    r"(?=[^\])]*\b(?:note|instruct\w*|mark|add|put|tell|ignore|always|must|approved?)\b)[^\])]*[\])]",
    re.IGNORECASE | re.DOTALL,
)
# Requests for personal medical advice are out of scope: the assistant reports what records say.
_ADVICE = re.compile(
    r"\b(?:should (?:i|we|she|he|they|(?:my|our|the|this) [\w-]+) (?!be eligible|qualify|enrol|enter|join)\w+"
    # the assistant's own practice: "what threshold do you use?", "what would you do?"
    r"|(?:what|which) (?:[\w-]+ )?(?:do|would) you (?:use|do|give|recommend|suggest|prefer)"
    r"|what is the best (?:treatment|drug|therapy)|recommended (?:dose|dosage|dosing|treatment|therapy)"
    r"|(?:more|less) (?:effective|efficacious|safe|toxic)|better than|worse than|superior to|inferior to"
    r"|safer than"
    r"|which (?:drug|treatment|therapy) is (?:the )?best|recommend (?:a|me)|prescribe|diagnose me)\b",
    re.IGNORECASE,
)
_GREETING_OR_META = re.compile(r"^\s*(?:hi|hello|hey|thanks?|thank you)\b[\s!.]*$", re.IGNORECASE)

_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4"}
_PHASE = re.compile(
    r"\b(early\s+)?phase\s*(1|2|3|4|iv|iii|ii|i)\b(?:\s*(?:/|and|or|-)\s*(?:phase\s*)?(1|2|3|4|iv|iii|ii|i)\b)?",
    re.IGNORECASE,
)

# Term questions: the verb fixes the direction; the term is what follows it.
_TERM_VERBS: list[tuple[str, TermMode]] = [
    (
        rf"{_EXCLUDING}|do(?:es)? not (?:allow|accept|permit)|(?:{_EXCLUDING_OUT})(?:\s+\w+)?\s+out"
        rf"|(?:{_EXCLUDING_AWAY})\s+away|catch(?:es)?",
        "excludes",
    ),
    (
        r"requir(?:e|es|ing|ed)|need(?:s)?|want(?:s)?|mandate|demand(?:s)?|restrict(?:ed|s)? to|limited to"
        r"|only (?:for|in)"
        r"|exclusively (?:for|in)",
        "requires",
    ),
    (r"(?:accept|allow|permit|enrol|enroll|admit|take(?!s? part))(?:s|ing)?", "accepts"),
    (
        r"giv(?:e|es|ing)|administer(?:s|ing)?|us(?:e|es|ing)|test(?:s|ing)?|evaluat(?:e|es|ing)|investigat(?:e|es|ing)"
        r"|(?:is|are) (?:testing|giving|using)|involv(?:e|es|ing)|compar(?:e|es|ing)",
        "gives",
    ),
    (r"stud(?:y|ies|ying)|target(?:s|ing)?|focus(?:es)? on|treat(?:s|ing)?", "studies"),
    (
        r"mention(?:s|ing)?|refer(?:s)? to|talk(?:s)? about|discuss(?:es)?|address(?:es)?"
        # "what do the trials say about X", "is anything said on X": what the records hold on X
        r"|(?:say|says|said|state|states|stated|write|writes|written|note|notes|noted)\s+(?:anything\s+)?"
        r"(?:about|regarding|concerning|on)|anything\s+(?:about|regarding|concerning|on)",
        "mentions",
    ),
    # bare prepositions: set questions only; not "on", which puts a patient on a drug ("on filgrastim")
    (r"(?:are|is) (?:for|in|about|on)|for|in|about", "studies"),
]
_TERM_STOP = re.compile(
    # "HER2-positive disease" asks for HER2-positive; "kidney disease" is a disease of its own
    r"\b(?:(?<=positive )disease|(?<=negative )disease|"
    r"status|patients?|participants?|subjects?|people|those|individuals|the trial|trials?|"
    r"studies|study|history of|a history of|known|with|who have|having|have|had|has|any|a|an|the|drugs?|"
    r"medications?|medicines?|"
    # "at entry", "at screening": when, not what
    r"at (?:entry|enrol?ment|enrollment|screening|baseline|randomi[sz]ation|inclusion)|"
    r"treatment|exposures?|exposed to|as|who|whose|received|receiving|recently|recent|prior|previous|"
    r"previously|stopping|stop|"
    r"stopped|currently|current|given|taking|use of|regimen-free|entry|enrolment|enrollment|screening|"
    r"randomi[sz]ation|before|living with|(?:right )?now|at present|presently|at the moment|"
    # people and pronouns name the patient, not the condition: "exclude her because of the AF"
    r"her|him|his|them|their|she|he|they|pts?|someone|somebody|anyone|people|persons?|wom[ae]n|m[ae]n|"
    r"who (?:are|is|need|needs|has|have)|are|is|needs?|need(?:ing)?|because of|bc of|b/c|due to|"
    r"e\.?g\.?|such as|like|including|actually|also|still|currently|at all|"
    # what the question is about, never part of the term: "require regarding contraception"
    r"regarding|concerning|with (?:regard|respect) to|in terms of|as regards|anything|something|"
    # words of the registry's fields, never a clinical term: "opened for recruitment yet"
    r"recruitment|yet|sponsors?|collaborators?|funders?|involved|of these|of those|"
    # how often or how much, not what: "a baby aspirin every day" is aspirin
    r"every day|each day|daily|(?:once|twice) (?:a day|daily)|a day|low[- ]dose|baby)\b",
    re.IGNORECASE,
)
# Time phrases belong to the window, not the term: "rhTPO within the last 3 months".
_TIME_PHRASE = re.compile(
    r"\b(?:for|within|in|during|over)\s+(?:the\s+)?(?:last|past|previous|preceding)?\s*"
    r"(?:more than|less than|at least|"
    r"over)?\s*(?:\d+|a|an|one|two|three|four|six|few|several)?\s*(?:days?|weeks?|months?|years?)\b"
    r"|\b(?:\d+|one|two|three|four|six)\s+(?:days?|weeks?|months?|years?)\s+ago\b",
    re.IGNORECASE,
)
_WASHOUT_CUE = re.compile(
    r"\b(?:received|receiving|recent(?:ly)?|within|wash-?outs?|prior|previous(?:ly)?|stop(?:ping|ped)?|"
    r"before entry|in the (?:last|past)|(?:days?|weeks?|months?) ago)\b",
    re.IGNORECASE,
)
_TERM_NOISE = {
    "",
    "it",
    "them",
    "those",
    "these",
    "which",
    "what",
    "trial",
    "trials",
    "study",
    "studies",
    "in",
    "on",
    "for",
    "to",
    "at",
    "of",
    "by",
    "from",
    "into",
    "this",
    "that",
    "there",
    "here",
    "both",
    # "and what's the washout for each?": the trials just asked about, not a drug
    "each",
    "each one",
    "each of them",
    "either",
    "all",
    "all of them",
}


def understand(
    question: str,
    history: Sequence[Turn],
    known_ids: Collection[str],
    directory: TrialDirectory | None = None,
) -> Query:
    """Read one question in the light of the conversation so far. `directory` finds a trial the
    question describes instead of naming ("the Tianjin herombopag study")."""
    text = " ".join(question.split())
    # instructions addressed to the model, then any markup left ("<img src=x onerror=...>"): neither
    # is read as part of the question
    stripped = " ".join(_MARKUP.sub(" ", _INSTRUCTION.sub(" ", _ADDRESSED_TO_MODEL.sub(" ", text))).split())
    ignored = stripped != text
    if ignored:
        query = (
            understand(stripped, history, known_ids, directory)
            if stripped
            else Query(
                question=text,
                kind=QuestionKind.CANNOT_ANSWER,
                reason="the message holds only instructions to the assistant, which are not followed",
            )
        )
        return query.model_copy(update={"question": text, "ignored_instructions": True})
    in_digits = performance_in_grades(numbers_in_digits(text))
    if in_digits != text:  # "plt exactly seventy-five", "my mum is seventy six": read as 75 and 76;
        # "can look after herself but can't work": ECOG 2
        return understand(in_digits, history, known_ids, directory).model_copy(update={"question": text})
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
    if ids and not known and not _SET_CUE.search(text):
        return Query(
            question=text, kind=QuestionKind.CANNOT_ANSWER, unknown_ids=unknown, reason="not in the index"
        )

    patient = _patient(text)
    set_cue = bool(_SET_CUE.search(text))
    plural = re.search(r"\b(?:trials|studies|protocols|records)\b", text, re.IGNORECASE)
    one_described = not ids and not set_cue and not plural and not _is_match(text, patient, set_cue)
    asked = text  # the question less the words that only say which trial it is about
    described = directory.described(text, known_ids) if directory is not None and one_described else None
    if directory is not None and described is not None:
        known = [described]
        asked = _without(text, directory.description_spans(text, described))
    places = directory.places if directory is not None else frozenset()
    asked = _place_named_before(asked, previous, places)
    numeric = _numeric_tests(asked)
    fields = _field_tests(asked, places)
    counts = _count_tests(asked)
    attributes = attributes_in(asked)
    # the words of a filter or an age span ("in her early 70s") are not also a term
    term_text = _without(
        asked,
        filter_spans(asked, places)
        + [(g.start, g.end) for g in age_groups(asked)]
        + [m.span() for m in _YOUNG_AGE_SAID.finditer(asked)],
    )
    # "does it exclude X?" of the one trial just discussed: asked of it as of a trial named
    of_one_earlier = (
        previous is not None and not set_cue and bool(_IT.search(text)) and len(_subjects(previous)) == 1
    )
    # "she takes clopidogrel 75mg od. who won't take pts on antiplatelets?": the question's verbs name
    # its terms; the story's ("takes clopidogrel") say what the patient does
    asking = _asking_clause(term_text)
    if set_cue and asking.strip() != term_text.strip() and _SET_CUE.search(asking):
        term_text = asking
    terms = (
        _patient_condition_terms(text)
        or _control_arm_tests(term_text)
        or _term_tests(term_text, loose=set_cue or bool(_THOSE.search(text)))
        if set_cue or known or _THOSE.search(text) or of_one_earlier
        else []
    )
    if (set_cue or plural) and not known:  # "do the breast cancer studies ...": trials for that condition
        named = {t.term.lower() for t in terms}
        terms += [
            TermTest(term=name, mode="studies")
            for name in _studied_by_trial_noun(term_text)
            if name.lower() not in named
        ]
    query = Query(
        question=text,
        kind=QuestionKind.OPEN,
        nct_ids=known,
        # "05394285" names the trial by its number as much as "NCT05394285" does
        subject_described=described is not None and described.removeprefix("NCT") not in text,
        unknown_ids=unknown,
        numeric=numeric,
        fields=fields,
        counts=counts,
        terms=terms,
        attributes=attributes,
        count_only=bool(_HOW_MANY.search(text)),
        aggregate=_aggregate(text),
        any_of=_or_joined(asked, places),
    )

    correcting = (
        previous is not None
        and previous.query.kind == QuestionKind.MATCH
        and not ids
        and not set_cue
        and (patient.stated() > 0 or bool(patient.concepts))
    )
    if correcting and previous is not None:
        # "sorry, plt is 67 not 47", "forgot to mention: brain mets": the same patient, re-read with
        # the new words last, so they win over what they correct
        patient = _patient(f"{_patient_text(previous)}. {text}")
        return query.model_copy(
            update={
                "kind": QuestionKind.MATCH,
                "patient": patient,
                "numeric": [],
                "terms": [],
                "fields": [],
                "wants_excluded": previous.query.wants_excluded,
                "scope": previous.query.scope,
                "follow_up": True,
                "patient_text": f"{_patient_text(previous)}. {text}",
            }
        )
    # "which trials have an upper age cut-off of 75 or more? my pt is in her early 70s" asks about the
    # trials' limits: what it says of the patient is why, not a description to match
    asks_of_limits = set_cue and _AGE_LIMIT.search(asked) is not None
    if not asks_of_limits and _is_match(text, patient, set_cue):
        asking = _asking_clause(text)
        wants_excluded = bool(_RULED_OUT.search(asking))
        one_rule = _one_rule_asked(asking, patient) if set_cue and not known else []
        if one_rule:
            # "... which trials' performance status rule would she meet?": that rule of every trial
            # against her value, a set question ("which trials accept ECOG 2?")
            return _set_question(
                query.model_copy(update={"numeric": one_rule, "terms": [], "fields": []}), text, previous
            ).model_copy(update={"wants_excluded": wants_excluded})
        return query.model_copy(
            update={
                "wants_excluded": wants_excluded,
                "excluded_for": _reasons_named(text, asking, patient) if wants_excluded else [],
                "kind": QuestionKind.MATCH,
                "patient": patient,
                "numeric": [],
                "terms": [],
                "scope": _match_scope(text, known, previous, directory, known_ids),
                # the trial the question is about, named or described: its verdict is the answer
                "nct_ids": known or [d for d in [_described_one(text, directory, known_ids)] if d],
                "patient_text": text,
            }
        )
    if previous is not None and not query.has_tests() and _COMPLEMENT.match(text):
        complement = _complement(previous, text)
        if complement is not None:
            return complement
    earlier = _subjects(previous) if previous else []
    if _COMPARE_CUE.search(text) and len(known) == 1 and _IT.search(text) and len(earlier) == 1:
        known = list(dict.fromkeys([*earlier, *known]))  # "how do its rules compare with <trial>?"
    if _COMPARE_CUE.search(text) and (len(known) >= 2 or (previous and _THOSE.search(text))):
        subjects = known if len(known) >= 2 else (previous.trials if previous else [])
        return query.model_copy(
            update={"kind": QuestionKind.COMPARE, "nct_ids": subjects, "follow_up": not known}
        )
    if known:
        return _about_trials(query, asked, previous)
    if previous is not None and _THAT_ONE.search(text) and len(_subjects(previous)) == 1:
        return _about_previous_subject(query, text, previous)  # "in that one, which pts get ...?"
    if previous is not None and query.attributes and _FOR_EACH.search(text) and previous.trials:
        # "for each of those, what ECOG is allowed?": the attribute, asked of every earlier result
        return query.model_copy(
            update={
                "kind": QuestionKind.ATTRIBUTE,
                "nct_ids": list(previous.trials),
                "terms": [],
                "follow_up": True,
            }
        )
    if of_one_earlier and previous is not None:
        # "does it have a max age?": a check of the one trial just discussed, not of every trial
        return _about_previous_subject(query, text, previous)
    if (
        previous is not None
        and (query.terms or attributes)
        and not (set_cue or query.numeric or _THOSE.search(text) or _ELLIPSIS.match(text))
        and not _TRIALS_IN_GENERAL.search(text)
        and len(_subjects(previous)) == 1
    ):
        # "how recently can they have had a platelet transfusion?" of the one trial just discussed
        return _about_previous_subject(query, text, previous)
    if set_cue or query.has_tests() or _THOSE.search(text) or query.aggregate:
        return _set_question(query, text, previous)
    asked_again = _set_asked_again(text, previous)
    if asked_again is not None:
        return asked_again
    refers_back = _IT.search(text) or _ELLIPSIS.match(text) or _EACH.search(text)
    if previous is None and refers_back and attributes:
        return query.model_copy(
            update={
                "kind": QuestionKind.CANNOT_ANSWER,
                "reason": "there is no earlier trial to refer to; please name the NCT ID",
            }
        )
    if (
        previous
        and refers_back
        and (attributes or _OVERVIEW_CUE.search(text) or len(_subjects(previous)) == 1)
    ):
        return _about_previous_subject(query, text, previous)
    if (
        previous
        and attributes
        and (_DEFINITE.search(text) or not _TRIALS_IN_GENERAL.search(text))
        and len(_subjects(previous)) == 1
    ):
        # "Tell me about NCT…" then "What is the dose?" or "what plt count qualifies?": of the trial
        # just discussed, unless the question speaks of trials in general
        return _about_previous_subject(query, text, previous)
    return query


# "for that", "because of this": the reason to exclude is what was said just before.
_REASON_JUST_SAID = (
    r"(?:for|because of|bc of|b/c of|due to|over|on account of)\s+(?:that|this|it|them|those)\b"
)

# "which trials would exclude them?", "...rule him out?", "...knock her out?": the object is the
# patient the question describes, and nothing after it says why ("because of the AF" would).
_EXCLUDES_THE_PATIENT = re.compile(
    rf"\b(?:{_EXCLUDING}|{_EXCLUDING_OUT}|{_EXCLUDING_AWAY})\s+(?:out\s+|away\s+)?"
    r"(?:him|her|them|(?:this|the|my|our|such an?|that) (?:patient|pt|person|man|woman|lady|guy)"
    # "... takes ibuprofen daily. Which trials would that rule out?": what was just said of the patient
    r"|someone like (?:this|that|him|her)|that|this|it)(?:\s+(?:out|away))?"
    # "... knock him out of anything here?", "... rule her out of any of these?": of the trials
    r"(?:\s+(?:of|from)\s+(?:any(?:thing)?|any\s+of\s+(?:them|these|those)|these|those|them)"
    r"(?:\s+(?:here|listed|above))?)?"
    # "... rule her out for that?": the reason is what was just said of her
    rf"(?:\s+{_REASON_JUST_SAID})?\s*(?:[?.!]|$)",
    re.IGNORECASE,
)


_ROUTE_NAMES = frozenset(r.name for r in ROUTES)


# "... which trials would that rule out?", "... would it exclude?": what was said as the subject.
_THAT_EXCLUDES = re.compile(
    r"\b(?:would|does|do|will|could|might|can)\s+(?:that|this|it)\s+"
    rf"(?:{_EXCLUDING}|{_EXCLUDING_OUT})(?:\s+(?:him|her|them))?(?:\s+out(?:\s+of)?)?\s*[?.!]*\s*$",
    re.IGNORECASE,
)


def _or_joined(text: str, places: Collection[str]) -> bool:
    """Two constraints of different kinds either side of one "or" ("randomised or single-arm",
    "open-label or placebo-controlled"): a trial meeting either is asked for. Alternatives of one
    field ("phase 2 or 3", "in Spain or Italy") are that field's own values, and terms keep theirs."""
    sides = re.split(r"\s+or\s+", text)
    if len(sides) != 2:
        return False
    left, right = (_constraints_named(side, places) for side in sides)
    return bool(left) and bool(right) and not left & right


def _constraints_named(text: str, places: Collection[str]) -> set[str]:
    return (
        {f"field:{t.field}" for t in _field_tests(text, places)}
        | {f"numeric:{t.kind}" for t in _numeric_tests(text)}
        | {"control arm" for _ in _control_arm_tests(text)}
    )


def _patient_condition_terms(text: str) -> list[TermTest]:
    """The trials that would exclude the patient the question describes are those excluding any of
    what it says the patient has: "HIV+ on ART ... which trials would exclude them?" excludes HIV."""
    if not (_EXCLUDES_THE_PATIENT.search(text) or _THAT_EXCLUDES.search(text)):
        return []
    names = list(
        dict.fromkeys(c.name for c in read_concepts(text) if c.present and c.name not in _ROUTE_NAMES)
    )
    # "T2DM on metformin ... does the diabetes knock him out?": only what the asking sentence names
    asked = [name for name in find_terms(_asking_clause(text)) if name in names]
    names = asked or names
    return [TermTest(term=names[0], alternatives=names[1:], mode="excludes")] if names else []


def _without(text: str, spans: Sequence[tuple[int, int]]) -> str:
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + " " + text[end:]
    return text


_SENTENCE_END = re.compile(r"(?<=[?!])\s+|(?<=\.)\s+(?=[A-Za-z])|\n+|\s+-\s+")


# "which trials' platelet criterion...", "... exclude him on platelets?": one kind of rule is asked about
_ONE_RULE = re.compile(
    r"\b(?:rules?|criteri(?:on|a)|requirements?|limits?|cut-?offs?|thresholds?|cap)\b"
    # "... accept her on performance status?", "turn him away on age alone?"
    r"|\bon\s+(?:(?:his|her|their|the)\s+)?(?:\w+\s+){0,2}\w+\s*\??$",
    re.IGNORECASE,
)


def _one_rule_asked(asking: str, patient: PatientProfile) -> list[NumericTest]:
    """The patient's values of the one kind of limit the asking sentence is about, as tests."""
    if not _ONE_RULE.search(asking):
        return []
    asked = set(attributes_in(asking))
    # "on her liver function tests": an organ's labs, not another organ's (one attribute holds both)
    organs = {organ for organ, words in ORGAN_WORDS.items() if re.search(rf"\b(?:{words})", asking, re.I)}
    return [
        test
        for _, test in patient_tests(patient)
        if spec(test.kind).attribute in asked and (not organs or spec(test.kind).organ in (None, *organs))
    ]


def _reasons_named(text: str, asking: str, patient: PatientProfile) -> list[str]:
    """The patient's conditions and treatments the asking sentence names as the reason to exclude
    ("which trials exclude him bc of the AF?", "which protocols list brain mets as an exclusion?"),
    or, asked "... for that?", those of the sentence before it."""
    stated = {state.name for state in patient.concepts if state.present}
    named = [name for name in dict.fromkeys(find_terms(asking)) if name in stated]
    if _TOO_OLD_OR_YOUNG.search(asking) and patient.age is not None:
        named.append("age")  # "which trials is he too old for?": his age is the reason
    if named or not _FOR_THAT.search(asking):
        return named
    said_before = [p for p in _SENTENCE_END.split(text[: text.rfind(asking)]) if p.strip()]
    return [
        name for name in dict.fromkeys(find_terms(said_before[-1] if said_before else "")) if name in stated
    ]


_FOR_THAT = re.compile(rf"\b{_REASON_JUST_SAID}", re.IGNORECASE)
_TOO_OLD_OR_YOUNG = re.compile(r"\btoo (?:old|young)\b|\baged out\b", re.IGNORECASE)


def _asking_clause(text: str) -> str:
    """The sentence that asks, not the story before it: in "...screen-failed another trial. Which
    trials could she join?" the polarity comes from the question, not from "failed"."""
    parts = [p for p in _SENTENCE_END.split(text) if p.strip()]
    asking = [p for p in parts if "?" in p or _SET_CUE.search(p) or _MATCH_CUE.search(p)]
    return asking[-1] if asking else (parts[-1] if parts else text)


def _patient_text(turn: Turn) -> str:
    """All that an earlier match turn said about its patient, corrections included."""
    return turn.query.patient_text or turn.query.question


def _ordered_ids(text: str) -> list[str]:
    seen: dict[str, None] = {}
    for match in NCT_ID.finditer(text):
        seen.setdefault(match.group(0).upper().replace(" ", ""), None)
    return list(seen)


def _without_design_checks(query: Query, text: str) -> Query:
    """ "Which pts get prophylactic dosing there?" asks the one trial's record who gets it, not whether
    it is a prevention trial: a what/which question about one trial checks no design field."""
    if not _WH_QUESTION.match(text):
        return query
    return query.model_copy(update={"fields": [f for f in query.fields if f.field not in _DESIGN_FIELDS]})


def _about_trials(query: Query, text: str, previous: Turn | None) -> Query:
    """A question naming trials: attribute, overview, a check of filters, or an ellipsis follow-up."""
    query = _without_design_checks(query, text)
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
                "subject_described": query.subject_described,
                "unknown_ids": query.unknown_ids,
                "scope": None,
                "follow_up": True,
            }
        )
    if query.attributes or query.has_tests():
        return query.model_copy(update={"kind": QuestionKind.ATTRIBUTE})
    if _OVERVIEW_CUE.search(text) or not content_words(NCT_ID.sub(" ", text)):  # just an ID: "NCT0… ?"
        return query.model_copy(update={"kind": QuestionKind.OVERVIEW})
    return query  # open question restricted to the named trials


def _set_asked_again(text: str, previous: Turn | None) -> Query | None:
    """ "which trials exclude brain mets?" then "what about spinal cord compression?": the same set
    question of what the follow-up names, whatever the previous answer's trials were."""
    if previous is None or not _ELLIPSIS.match(text) or previous.query.kind != QuestionKind.SET:
        return None
    earlier = previous.query.terms
    named = list(dict.fromkeys(m.term.name for m in concept_matches(text)))
    if not earlier or not named:
        return None
    tests = [TermTest(term=name, mode=earlier[0].mode, negated=earlier[0].negated) for name in named]
    return previous.query.model_copy(
        update={"question": text, "terms": tests, "scope": None, "follow_up": True}
    )


def _subjects(previous: Turn) -> list[str]:
    """The trials an earlier turn was about: the ones it named, else the ones its answer gave."""
    if previous.query.kind == QuestionKind.CANNOT_ANSWER:
        return []
    return list(previous.query.nct_ids or previous.trials)


def _about_previous_subject(query: Query, text: str, previous: Turn) -> Query:
    """'its' needs one earlier subject; 'each', 'both', 'them' take every trial of the previous answer."""
    query = _without_design_checks(query, text)
    if _EACH.search(text) and previous.trials:
        kind = QuestionKind.ATTRIBUTE if query.attributes else QuestionKind.OVERVIEW
        return query.model_copy(update={"kind": kind, "nct_ids": list(previous.trials), "follow_up": True})
    subjects = _subjects(previous)
    if len(subjects) != 1 and not (previous.query.kind == QuestionKind.COMPARE and subjects):
        return query.model_copy(
            update={
                "kind": QuestionKind.CANNOT_ANSWER,
                "reason": "it is not clear which trial 'it' refers to; please name the NCT ID",
                "follow_up": True,
            }
        )
    # a question with its own content about the one trial ("how is it dosed in cycle 2 there?") is
    # answered from that trial's record; only "tell me more about it" is an overview
    asks_own = query.attributes or not _OVERVIEW_CUE.search(text)
    kind = QuestionKind.ATTRIBUTE if asks_own else QuestionKind.OVERVIEW
    # a trial the earlier answer gave, rather than one the user named, is as good as described
    described = previous.query.subject_described or not previous.query.nct_ids
    return query.model_copy(
        update={"kind": kind, "nct_ids": list(subjects), "follow_up": True, "subject_described": described}
    )


_AGGREGATE = re.compile(
    r"\b(?P<how>combined|total|sum|overall|altogether|together|average|mean)\b"
    r"(?=.*\b(?:enrol\w*|participants|sample sizes?|patients|subjects|accrual)\b)",
    re.IGNORECASE,
)


def _aggregate(text: str) -> Literal["sum", "mean"] | None:
    """'the combined target enrolment', 'average sample size': a number over the result trials."""
    match = _AGGREGATE.search(text)
    if match is None:
        return None
    return "mean" if match.group("how").lower() in ("average", "mean") else "sum"


def _set_question(query: Query, text: str, previous: Turn | None) -> Query:
    """A set question. Without any filter it lists every trial only when asked to ("list all trials");
    otherwise a filter this reader could not parse must not turn into "every trial matches"."""
    scope = _scope(text, previous)
    if not query.has_tests() and not _LIST_ALL.search(text) and query.aggregate is None:
        return query  # left as an open question: retrieval quotes what the records say
    # "Which trials exclude a patient with ALT 4 x ULN?" asks for the trials that refuse the value.
    refuses_value = bool(_RULED_OUT.search(text)) and any(t.mode == "accepts" for t in query.numeric)
    others = _subjects(previous) if previous is not None and _OTHER.search(text) else []
    return query.model_copy(
        update={
            "kind": QuestionKind.SET,
            "scope": scope,
            "others_than": others,
            "follow_up": scope is not None or bool(others),
            "wants_excluded": refuses_value,
        }
    )


_FOR_EACH = re.compile(
    r"\b(?:for|of|in)\s+(?:each|every one|all)\s+(?:of\s+)?(?:those|these|them|the (?:trials|studies))\b"
    r"|\beach of (?:those|these|them)\b",
    re.IGNORECASE,
)
# "and which ones don't?", "the rest?": the trials of the previous set question's scope it left out.
_COMPLEMENT = re.compile(
    r"^\s*(?:and|but|so|ok(?:ay)?)?[\s,]*(?:(?:what|how) about\s+)?(?:which|what)?\s*"
    # "which don't?", "and the ones that don't?", "trials which aren't?"
    r"(?:(?:the\s+)?(?:ones?|trials?|studies)(?:\s+(?:that|which))?|of them)?\s*"
    r"(?:don'?t|do not|doesn'?t|does not|aren'?t|are not|won'?t|can'?t|cannot|haven'?t"
    r"|have not|lack it|without (?:it|one|that))\b[\w\s]{0,25}\??\s*$"
    r"|^\s*(?:and\s+)?(?:(?:what|how) about\s+)?the (?:others|rest|remaining (?:ones|trials|studies))"
    r"\s*\??\s*$",
    re.IGNORECASE,
)


def _complement(previous: Turn, text: str) -> Query | None:
    """The previous set question turned round: its one filter or term negated ("which ones don't
    [set a maximum age]"), or the limits it checked turned into what they rule out."""
    asked = previous.query
    if asked.kind != QuestionKind.SET:
        return None
    update: dict[str, object] = {"question": text, "follow_up": True}
    one_test = len(asked.fields) + len(asked.terms) == 1 and not asked.numeric and not asked.counts
    if one_test and asked.fields:
        field = asked.fields[0]
        update["fields"] = [field.model_copy(update={"negated": not field.negated, "label": _turned(field)})]
        return asked.model_copy(update=update)
    if one_test:
        update["terms"] = [asked.terms[0].model_copy(update={"negated": not asked.terms[0].negated})]
        return asked.model_copy(update=update)
    if asked.numeric and not asked.fields and not asked.terms and not asked.counts:
        # "which don't accept ECOG 2": the trials that refuse it
        return asked.model_copy(update={**update, "wants_excluded": not asked.wants_excluded})
    return None


def _turned(test: FieldTest) -> str:
    """The label of a field test negated: "not recruiting", "stating no maximum age"."""
    if test.field == "states":
        said, unsaid = "stating a ", "stating no "
        return test.label.replace(*((unsaid, said) if test.negated else (said, unsaid)), 1)
    if test.field == "location":
        return place_label(test.values, test.operator, not test.negated)
    return test.label.removeprefix("not ") if test.negated else f"not {test.label}"


# "in that city", "the same country": a place the previous answer named.
_PLACE_REFERENCE = re.compile(
    r"\b(?:that|this|the same)\s+(?:city|town|country|province|state|region|place|location|area)\b", re.I
)


def _place_named_before(text: str, previous: Turn | None, places: Collection[str]) -> str:
    """The question with "that city" replaced by the first indexed place the previous answer named
    ("...Tianjin Medical University..." -> "Tianjin"); unchanged when it named none."""
    if previous is None or not _PLACE_REFERENCE.search(text):
        return text
    said = previous.answer_text.lower()
    named = [(m.start(), p) for p in places if (m := re.search(rf"\b{re.escape(p)}\b", said))]
    if not named:
        return text
    return _PLACE_REFERENCE.sub(min(named)[1], text)


# "any other trial", "which other studies": the earlier subjects are not among the answers.
_OTHER = re.compile(
    r"\b(?:an?|any|which|what|the)\s+other\s+(?:trials?|stud(?:y|ies)|protocols?|ones?)\b", re.I
)


def _match_scope(
    text: str,
    named: list[str],
    previous: Turn | None,
    directory: TrialDirectory | None,
    known_ids: Collection[str],
) -> list[str] | None:
    """The trials a patient is judged against: the ones the question names ("eligible for NCT…?",
    "could she join the herombopag prevention study?"), else those of the previous answer when it
    says "those", else every trial. "Any prevention trial" names a kind, not one trial."""
    if named:
        return named
    described = _described_one(text, directory, known_ids)
    return [described] if described is not None else _scope(text, previous)


# "which of the oncology trials", "which studies", "any of the trials": several trials asked of
_OF_SEVERAL = re.compile(
    r"\b(?:which|any|all)\s+(?:of\s+(?:the|these|those)\s+)?(?:[\w-]+\s+){0,2}?(?:trials|studies|protocols)\b",
    re.IGNORECASE,
)


def _described_one(text: str, directory: TrialDirectory | None, known_ids: Collection[str]) -> str | None:
    """The one trial the question describes for certain ("the herombopag prevention study"), if any;
    none when it asks which of several ("which of the oncology trials would ...")."""
    if directory is None or _OF_SEVERAL.search(_asking_clause(text)):
        return None
    described = directory.described(text, known_ids)
    return described if described is not None and directory.named_definitely(text, described) else None


def _scope(text: str, previous: Turn | None) -> list[str] | None:
    if previous is not None and _THOSE.search(text):
        return list(previous.trials)
    return None


def _is_match(text: str, patient: PatientProfile, set_cue: bool) -> bool:
    """A patient description: several patient attributes, or a person plus an eligibility verb. Recent
    treatment ("had a platelet transfusion 5 days ago") is only checkable per patient, so it makes one."""
    if _conditions_only(patient) and _EXCLUDES_THE_PATIENT.search(text):
        return False  # "she is HIV+ on ART: which trials would exclude her?" asks which exclude HIV
    if patient.stated() >= 3 or patient.prior_treatments:
        return True
    person = bool(_PERSON.search(text) or _AGE_SEX.search(text))
    # "pt had an MI 9 months ago: which trials still exclude her?" is judged per trial, as a match
    timed_event = any(c.present and c.days_ago is not None for c in patient.concepts)
    asks_fit = bool(_MATCH_CUE.search(text) or _RULED_OUT.search(_asking_clause(text)))
    described = patient.stated() >= 1 or patient.nothing_else or any(c.present for c in patient.concepts)
    return (
        (patient.stated() >= 2 and (person or bool(_MATCH_CUE.search(text))))
        or (patient.stated() >= 1 and person and bool(_MATCH_CUE.search(text)) and not set_cue)
        or (timed_event and person and asks_fit)
        # "G2P1 with preeclampsia: which trials could she join?", "13 mo, healthy: which study fits?"
        or (described and bool(_JOINING.search(_asking_clause(text))))
    )


def _conditions_only(patient: PatientProfile) -> bool:
    """The patient is described by conditions alone (a pronoun's sex aside): no value a limit checks,
    nothing with a date a window checks."""
    timed = any(c.present and c.days_ago is not None for c in patient.concepts)
    return (
        patient.age is None
        and patient.ecog is None
        and not patient.labs
        and not patient.prior_treatments
        and not timed
    )


# ---- numbers -------------------------------------------------------------------------------

_ECOG = re.compile(
    r"\b(?:ecog(?:\s*(?:ps|performance status|score|grade))?|performance status|ps)"
    r"\s*(?:(?:of|=|:|is|was|score|now|actually|really|currently|only)\s*){0,3}"
    r"(?:(" + COMPARATOR_PATTERN + r")\s*)?([0-5])(?:\s*(?:-|–|to|or)\s*([0-5]))?\b",
    re.IGNORECASE,
)
_AGE = re.compile(
    # "a 16-year-old", "trials taking 16 year olds" (people of that age, so an age all the same)
    r"\b(\d{1,3})\s*-?\s*(?:years?|yrs?|y)\s*-?\s*olds?\b|\b(\d{1,3})\s*-?\s*(?:yo|y/o)\b"
    r"|\baged?\s*(?:of\s*)?(\d{1,3})\b|\b(\d{1,3})\s*(?:years?|yrs?)\s+of\s+age\b"
    # "a woman of 47", "a man of 80"
    r"|\b(?:wom[ae]n|m[ae]n|lady|gentleman|gent|girl|boy)\s+of\s+(\d{1,3})\b(?!\s*(?:%|kg|mg|cm|x))"
    # "children under 18", "adults over 65": a number beside a word for people is an age
    r"|" + people() + r"\s+(?:aged\s+)?(?:over|above|older than|under|below|younger than)\s+(\d{1,3})\b"
    r"|\b(?:patient|pt|she|he|mum|mom|mother|dad|father|wife|husband|son|daughter|aunt|uncle|sister"
    r"|brother|grand(?:ma|pa|mother|father)|friend|partner|niece|nephew|cousin)"
    # "she is 78", "she's 78", "she turned 77 in March"
    r"(?:\s+is|['’]s|\s+(?:just\s+|has\s+)?turn(?:ed|s))\s+"
    r"(?:actually\s+|really\s+|in fact\s+)?(\d{1,3})\b"
    # "pt is 2 yrs postmenopausal", "she is 3 weeks post-op": a time since something, not an age
    r"(?!\s*(?:x|%|mg|g/|\.\d|×))(?!\s*(?:yrs?|years?|y|months?|mos?|weeks?|wks?|days?)\s+(?!old\b)\w)",
    re.IGNORECASE,
)


_LIMIT_VERB = re.compile(r"\b(?:limit|restrict|confine)\w*\b|\bonly\b|\bup to\b|\bat most\b", re.IGNORECASE)
_AGE_LIMIT = re.compile(
    r"\b(?P<which>max(?:imum)?|upper|oldest|min(?:imum)?|lower|youngest)\s+(?:eligible\s+)?age"
    r"(?:\s+(?:limit|cut-?off|bound))?\s*(?:of|is|=|:|at)?\s*"
    # "an upper age limit of at least 75", "a maximum age of 75 or more": limits beyond the number
    r"(?:(?P<beyond>at least|no less than|not less than|at most|no more than|not more than|≥|>=|≤|<=)\s*)?"
    r"(?P<n>\d{1,3})\b(?P<after>\s*(?:years?|yrs?))?(?:\s+(?:or|and)\s+(?P<then>more|above|over|older|higher|less"
    r"|below|under|younger|lower)\b)?"
    # "cap age at 75", "cut off age at 70": an upper limit
    r"|\b(?P<cap>cap(?:s|ped)?|cut(?:s)? off|limit(?:s|ed)?)\s+(?:the\s+)?age\s+(?:at|to)\s+"
    r"(?P<capped>\d{1,3})\b",
    re.IGNORECASE,
)
# "someone over 75", "patients older than 80": an age above the number, in whole years.
_OVER_AGE = re.compile(r"\b(?:over|above|older than)\s+$", re.IGNORECASE)
# "children under 12", "kids younger than 5": an age below the number, in whole years.
_UNDER_AGE = re.compile(r"\b(?:under|below|younger than)\s+$", re.IGNORECASE)
# A comparator written after the number: "60 mL/min or less", "12 weeks or more".
# "plt 100 or more": the comparison after the number, as records write it (index/facts/comparators.py)
_TRAILING_COMPARATOR = re.compile(TRAILING, re.IGNORECASE)


# Circumstances that lab limits are written conditional on, named as the facts' qualifiers name them
# (index/facts/labs.py): "with liver metastases", "without liver metastases", "with Gilbert's syndrome".
_CIRCUMSTANCE_TOPICS: tuple[tuple[str, str], ...] = (
    ("liver metastases", r"(?:liver|hepatic) (?:metastas[ie]s|mets|involvement)"),
    ("Gilbert's syndrome", r"gilbert'?s?(?: syndrome| disease)?"),
)
_ABSENT_CUE = re.compile(
    r"\b(?:without|no|not|never|free of|absence of|lacks?|lacking)\b(?:\s+\w+){0,3}\s*$", re.IGNORECASE
)


def _circumstances(text: str) -> list[str]:
    """'A patient without liver metastases' -> ['without liver metastases']; 'has liver mets' ->
    ['with liver metastases']. A circumstance the question does not mention stays unknown."""
    found: list[str] = []
    for topic, pattern in _CIRCUMSTANCE_TOPICS:
        match = re.search(pattern, text, re.IGNORECASE)
        if match is None:
            continue
        absent = _ABSENT_CUE.search(text[max(0, match.start() - 40) : match.start()]) is not None
        found.append(f"{'without' if absent else 'with'} {topic}")
    return found


def _numeric_tests(text: str) -> list[NumericTest]:
    tests: list[NumericTest] = []
    ecog = _ecog_test(text)
    tests += [ecog] if ecog else []
    tests += [_age_test(text)] if _age_test(text) else []  # type: ignore[list-item]
    requires_verb = re.search(r"\b(?:requir|need|must|mandat|demand)", text, re.IGNORECASE) is not None
    excluding = bool(_RULED_OUT.search(text))
    circumstances = _circumstances(text)
    for kind, value, comparator, unit in _lab_values(text):
        quantity = normalise(kind, value, unit)
        if comparator is not None and excluding:
            comparator = INVERSE_COMPARATOR[comparator]  # "exclude ANC below 1.0" = "require ANC >= 1.0"
        requires = comparator is not None and (requires_verb or excluding or not _accept_verb(text))
        unit_shown = f" {quantity.unit}" if quantity.unit else ""
        name = kind_name(kind)
        label = (
            f"{name} {comparator} {quantity.value:g}{unit_shown}"
            if requires
            else f"{name} {quantity.value:g}{unit_shown}"
        )
        tests.append(
            NumericTest(
                kind=kind,
                mode="requires" if requires else "accepts",
                value=quantity.value,
                comparator=comparator if requires else None,  # type: ignore[arg-type]
                unit=quantity.unit,
                label=label,
                circumstances=circumstances,
            )
        )
    return tests


def _ecog_test(text: str) -> NumericTest | None:
    """'accept ECOG 2' asks about a value; 'limit enrolment to ECOG 0-1' asks for an upper bound."""
    match = _ECOG.search(text)
    if match is None:
        return None
    high = float(match.group(3) or match.group(2))
    comparator = comparator_of(match.group(1))
    if comparator in ("<", "<=") or (match.group(3) and _LIMIT_VERB.search(text)):
        bound = high - 1 if comparator == "<" else high
        return NumericTest(
            kind=FactKind.ECOG,
            mode="requires",
            comparator="<=",
            value=bound,
            label=f"ECOG limited to {bound:g} or less",
        )
    return NumericTest(kind=FactKind.ECOG, mode="accepts", value=high, label=f"ECOG {high:g}")


def _age_test(text: str) -> NumericTest | None:
    limit = _AGE_LIMIT.search(text)
    if limit is not None:
        upper = bool(limit.group("cap")) or limit.group("which").lower().startswith(
            ("max", "upper", "oldest")
        )
        value = float(limit.group("n") or limit.group("capped"))
        beyond = (limit.group("beyond") or limit.group("then") or "").lower()
        further = beyond.startswith(
            ("at least", "no less", "not less", "≥", ">=", "more", "above", "over", "older", "high")
        )
        nearer = bool(beyond) and not further
        if (upper and further) or (not upper and nearer):
            # a limit at or beyond the number on its own side lets a patient of that age in: the trials
            # that would take a 75-year-old, as far as their maximum age goes, have "a maximum of 75 or more"
            word = "maximum age at least" if upper else "minimum age at most"
            return NumericTest(
                kind=FactKind.AGE, mode="accepts", value=value, unit="years", label=f"{word} {value:g}"
            )
        return NumericTest(
            kind=FactKind.AGE,
            mode="requires",
            comparator="<=" if upper else ">=",
            value=value,
            unit="years",
            label=f"{'maximum' if upper else 'minimum'} age {value:g}",
        )
    young = _young_age_test(text)
    if young is not None:
        return young
    age = _age(text)
    if age is None:
        return _age_group_test(text)
    written = _written_ages(text)[-1]
    number_at = next(written.start(i) for i in range(1, (written.lastindex or 0) + 1) if written.group(i))
    # "adults over 65", "children under 12": people of some age beyond the number
    for beyond, comparator, word in ((_OVER_AGE, ">", "over"), (_UNDER_AGE, "<", "under")):
        if beyond.search(text[:number_at]):
            label = f"age {word} {age:g}"
            return NumericTest(
                kind=FactKind.AGE, mode="accepts", value=age, comparator=comparator, unit="years", label=label
            )
    return NumericTest(kind=FactKind.AGE, mode="accepts", value=age, unit="years", label=f"age {age:g}")


def _age_group_test(text: str) -> NumericTest | None:
    """ "in their early 70s" (any age of 70-73), "over-80s" (some age over 80): words.yaml age_groups."""
    groups = age_groups(text)
    if not groups:
        return None
    group = groups[-1]
    if group.comparator is not None:
        word = "over" if group.comparator == ">" else "under"
        return NumericTest(
            kind=FactKind.AGE,
            mode="accepts",
            value=group.low,
            comparator=group.comparator,  # type: ignore[arg-type]
            unit="years",
            label=f"age {word} {group.low:g}",
        )
    # people of an age span ("trials for teenagers", "patients in their 70s"): trials taking some of
    # them; one person of it ("someone in her early 70s"): trials taking any age it may be
    people = group.people or _PEOPLE_BEFORE.search(text[: group.start]) is not None
    return NumericTest(
        kind=FactKind.AGE,
        mode="accepts",
        value=group.low,
        high=group.high,
        some_of_span=people,
        unit="years",
        label=f"{'ages' if people else 'age'} {group.low:g}-{group.high:g}",
    )


_PEOPLE_BEFORE = re.compile(
    r"\b(?:people|patients|pts|persons|adults|folks|women|men|individuals|participants|subjects)\b[^.?;]{0,12}$",
    re.IGNORECASE,
)


def _accept_verb(text: str) -> bool:
    return (
        re.search(
            r"\b(?:accept|allow|enrol|enroll|admit|eligible|take|permit|meet|open to)", text, re.IGNORECASE
        )
        is not None
    )


# "LMP at age 50", "menarche age 12", "diagnosed at age 40": the age at an event, not the patient's.
_EVENT_AGE = re.compile(
    r"\b(?:at|since|from|by|until|till|before|after|lmp|menopause|menarche|diagnos\w*|dx|onset)\s+(?:\w+\s+)?$",
    re.IGNORECASE,
)


def _written_ages(text: str) -> list[re.Match[str]]:
    return [m for m in _AGE.finditer(text) if not _EVENT_AGE.search(text[max(0, m.start() - 25) : m.start()])]


# "a 14-month-old", "an 8 week old infant", "babies under a year old": an age in months, weeks or days
_YOUNG_AGE = re.compile(
    r"\b(?P<n>\d{1,3}|an?)\s*-?\s*(?P<unit>years?|months?|mos?|weeks?|wks?|days?)\s*-?\s*olds?\b",
    re.IGNORECASE,
)


# ... with who is that young and the rule it is read by ("babies under", "going by age limits alone")
_YOUNG_AGE_SAID = re.compile(
    rf"(?:{people()}\s+)?(?:(?:over|above|older than|under|below|younger than)\s+)?{_YOUNG_AGE.pattern}"
    r"(?:\s+(?:infants?|bab(?:y|ies)|child(?:ren)?|kids?|girls?|boys?|toddlers?))?"
    r"(?:,?\s*(?:going|judging)\s+by\s+(?:the\s+)?age\s+(?:limits?|criteri(?:on|a))(?:\s+alone)?)?",
    re.IGNORECASE,
)


def _young_age_test(text: str) -> NumericTest | None:
    """An age written in units below a year (or "a year"), in years, beyond it for "under"/"over"."""
    found = [
        m
        for m in _YOUNG_AGE.finditer(text)
        if not m.group("unit").lower().startswith("y") or not m.group("n").isdigit()
    ]
    if not found:
        return None
    match = found[-1]
    count = 1.0 if not match.group("n").isdigit() else float(match.group("n"))
    unit = match.group("unit").lower()
    value = age_in_years(f"{count:g} {abbreviations().get(unit, unit)}") or 0.0  # as registries' ages read
    written = f"{match.group('n')} {match.group('unit')}"
    for beyond, comparator, word in ((_OVER_AGE, ">", "over"), (_UNDER_AGE, "<", "under")):
        if beyond.search(text[: match.start()]):
            return NumericTest(
                kind=FactKind.AGE,
                mode="accepts",
                value=value,
                comparator=comparator,
                unit="years",
                label=f"age {word} {written}",
            )
    return NumericTest(kind=FactKind.AGE, mode="accepts", value=value, unit="years", label=f"age {written}")


def _age(text: str) -> float | None:
    """The last age written: a later "should have said 68" corrects an earlier one."""
    written = _written_ages(text)
    match = written[-1] if written else None
    if match is None:
        return None
    value = next(g for g in match.groups() if g is not None)
    return float(value)


_LAB_LINK = (
    r"(?:count|counts|level|levels|value|values|of|is|are|was|were|=|:|at|threshold|around|about|exactly"
    r"|approximately|roughly|~|usually|typically|normally|runs?|running|baseline|between"
    # "platelets fell to 45", "plt dropped to 40", "Hb down to 7.9", "ANC stuck at 0.8"
    r"|fell|fallen|dropped|dipped|decreased|declined|went|came|gone|down|up|rose|risen|increased|recovered"
    r"|stuck|sitting|sits|hovering|only|just|to"
    # "CrCl comes out at 58", "eGFR calculated at 52"
    r"|come|comes|coming|out|calculated|measured|estimated|computed"
    # "Plt now 20", "creat is sitting right at 1.5x ULN", "Hb still 8.1": when, not what
    r"|now|currently|today|still|right|back|again)"
)
# "plts run 100-130 off treatment, 118 today": a later value marked as today's is the one that counts.
_NOW = r"(?:today|now|currently|at present|this (?:morning|afternoon|evening|week)|on admission|at screening)"
_TODAYS_VALUE = re.compile(
    rf"^[^.;\n]{{0,60}}?[,(]\s*(?:but\s+|and\s+)?(?P<before>{_NOW}\s+)?(?P<value>\d+(?:\.\d+)?)"
    r"\s*(?P<unit>" + UNIT_PATTERN + r")?"
    rf"\s*(?P<after>{_NOW}\b)?",
    re.IGNORECASE,
)


_UNIT_REQUIRED = {a.kind: a.unit_required for a in analytes() if a.kind is not None}


@cache
def _lab_value_patterns() -> dict[str, re.Pattern[str]]:
    """'lab name [comparator] number [unit]' for each lab kind, compiled once: re's own cache of 512
    patterns is overrun while a vignette is read, and compiling these each time cost ~0.2 s."""
    return {
        kind: re.compile(
            r"\b(?:" + names + r")\b(?:\s*" + _LAB_LINK + r")*\s*"
            r"(" + COMPARATOR_PATTERN + r")?\s*" + NUMBER + r"\s*(" + UNIT_PATTERN + r")?",
            re.IGNORECASE,
        )
        for kind, names in LAB_NAMES.items()
    }


# The lab's upper limit of normal given beside a value: "AST 30 (ULN 40)", "bili 0.7 (uln 1.2)".
_ULN_GIVEN = re.compile(
    r"\s*\(\s*(?:ULN|upper limit(?: of normal)?)\s*(?:[:=]|is|of)?\s*(?P<uln>\d+(?:\.\d+)?)[^)]{0,12}\)",
    re.IGNORECASE,
)


def _lab_values(text: str) -> list[tuple[str, float, str | None, str | None]]:
    """Every 'lab name [comparator] number [unit] [or less/more]' in the text, one per lab kind: the
    last one written ("ANC 0.9 -> filgrastim, repeat ANC 1.6" is 1.6 now)."""
    found: list[tuple[str, float, str | None, str | None]] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _lab_value_patterns().items():
        latest: tuple[str, float, str | None, str | None] | None = None
        for match in pattern.finditer(text):
            span = match.span()
            if any(s <= span[0] < e for s, e in taken):
                continue
            if not match.group(3) and _UNIT_REQUIRED.get(kind):
                continue  # "EGFR 19" is a gene exon, not a filtration rate (analytes.yaml)
            taken.append(span)
            comparator = comparator_of(match.group(1))
            trailing = _TRAILING_COMPARATOR.match(text[match.end() :])
            if comparator is None and trailing:
                comparator = trailing_comparator(trailing.group("trail"))
            latest = (kind, parse_number(match.group(2)), comparator, match.group(3))
            uln = _ULN_GIVEN.match(text[match.end() :]) if not match.group(3) else None
            if uln is not None and parse_number(uln.group("uln")) > 0:  # "AST 30 (ULN 40)": 0.75 x ULN
                latest = (
                    kind,
                    parse_number(match.group(2)) / parse_number(uln.group("uln")),
                    comparator,
                    "ULN",
                )
            today = _TODAYS_VALUE.match(text[match.end() :])
            if today is not None and (today.group("before") or today.group("after")):
                unit = today.group("unit") or match.group(3)
                latest = (kind, parse_number(today.group("value")), None, unit)
        if latest is not None:
            found.append(latest)
    return found


# ---- structured fields -----------------------------------------------------------------------


_YEAR_PATTERNS = [
    (
        "start_year",
        re.compile(
            r"\b(?:start|begin|began|started|starting|starts)\w*(?:\s+dates?)?\s+(?:is\s+|was\s+)?(?:in\s+)?"
            r"((?:19|20)\d\d)\b",
            re.I,
        ),
    ),
    (
        "completion_year",
        re.compile(
            r"\b(?:complet|finish|end)\w*(?:\s+dates?)?\s+(?:is\s+|was\s+)?(?:in\s+)?((?:19|20)\d\d)\b", re.I
        ),
    ),
]
_COUNT = re.compile(
    r"\b(?:enrol\w*|recruit\w*|sample size|participants|patients|subjects)\b[^.?\d]{0,20}?"
    r"(" + COMPARATOR_PATTERN + r")\s*(\d+)\b(?!\s*(?:years?|x|%|mg|g/|days?|weeks?|months?))",
    re.IGNORECASE,
)
# "more than 100 participants": a number written before a word for people counts them.
_COUNT_BEFORE_PEOPLE = re.compile(r"(" + COMPARATOR_PATTERN + r")\s*(\d+)\s+" + people(), re.IGNORECASE)


# "patients whose CrCl is below 30": a number after a lab's name (in its clause) is the lab's
_LAB_NUMBER = re.compile(r"\b(?:" + "|".join(LAB_NAMES.values()) + r")\b[^.;,?]{0,40}?\d", re.IGNORECASE)


def _count_tests(text: str) -> list[CountTest]:
    # "enrol kids under 18", "patients whose CrCl is below 30": the children's age, the lab's value,
    # not how many are enrolled
    taken = [m.span() for m in _AGE.finditer(text)] + [m.span() for m in _LAB_NUMBER.finditer(text)]
    counts = [*_COUNT.finditer(text), *_COUNT_BEFORE_PEOPLE.finditer(text)]
    match = next((m for m in counts if not any(s <= m.start(2) < e for s, e in taken)), None)
    comparator = comparator_of(match.group(1)) if match else None
    if match is None or comparator is None:
        return []
    value = float(match.group(2))
    return [
        CountTest(
            field="enrollment",
            comparator=comparator,
            value=value,  # type: ignore[arg-type]
            label=f"enrolment {comparator} {value:g}",
        )
    ]


# "treating it rather than preventing it", "instead of a placebo-controlled design": what follows is
# what the trials must not be.
_CONTRASTED = re.compile(r"(?:\brather than|\binstead of|\bas opposed to|\bnot|n't)\s+(?:\w+\s+)?$", re.I)
# The registry fields read from words that also describe other things ("prophylactic dosing"): in a
# what/which question about one trial they are not asked as yes/no checks.
_DESIGN_FIELDS = frozenset(v.field for v in field_values() if v.field != "sponsor_class")
_WH_QUESTION = re.compile(r"^\W*(?:[^,:?]{0,30}[,:]\s+)?(?:which|what|how|when|where|who|whose)\b", re.I)


# "which trials set a maximum age", "trials that don't state their enrolment": whether a record
# states an attribute at all; any attribute of the catalogue can be named after the verb.
_STATES_ATTRIBUTE = re.compile(
    r"\b(?:(?P<lacks>don'?t|do not|does not|doesn'?t|never|lack(?:s|ing)?|without|no)\s+)?"
    r"(?:have|has|having|state|states|stating|list|lists|listing|set|sets|setting|give|gives|giving|specify"
    # "which has no upper age limit": the denial after the verb
    r"|specifies|impose|imposes)\s+(?P<none>no\s+|not\s+(?:an?|any)\s+)?(?:an?\s+|any\s+|their\s+|its\s+|the\s+)?"
    r"(?P<rest>[^?.;]*)",
    re.IGNORECASE,
)


def _stated_attribute_filters(text: str) -> list[FieldTest]:
    tests: list[FieldTest] = []
    # "have an exclusion for HIV" asks for a term, not whether the record states exclusion criteria
    for match in _STATES_ATTRIBUTE.finditer(_section_nouns_as_verbs(text)):
        # the attribute is all that follows the verb ("set a maximum age"); "set a separate ALT limit
        # for patients with liver metastases" asks about those patients, not whether a limit exists
        if values_named(match.group("rest")):
            continue  # "have only one arm" names a design (single-arm), not whether arms are listed
        rest = match.group("rest").split()
        keys = attributes_in(" ".join(rest)) if len(rest) <= 4 else []
        if not keys or any(t.field == "states" for t in tests):
            continue
        lacks = (match.group("lacks") is not None) != (match.group("none") is not None)
        name = label_of(keys[0])
        article = (
            "no "
            if lacks
            else ""
            if name.endswith(("s", "criteria"))
            else "an "
            if name[0] in "aeiou"
            else "a "
        )
        label = f"stating {article}{name}"
        tests.append(FieldTest(field="states", values=[keys[0]], label=label, negated=lacks))
    return tests


def _registry_value_tests(text: str) -> list[FieldTest]:
    """Every registry value the question names (registry.yaml), those of one field and polarity as one
    test taking any of them: "terminated or suspended", "industry or NIH sponsored"."""
    named: dict[tuple[str, bool], list[FieldValue]] = {}
    for value, match in values_named(text):
        negated = _CONTRASTED.search(text[: match.start()]) is not None
        named.setdefault((value.field, negated), []).append(value)
    lead = re.search(r"\blead\s+sponsor", text, re.I) is not None
    return [_alternatives(field, negated, values, lead) for (field, negated), values in named.items()]


def _alternatives(field: str, negated: bool, named: list[FieldValue], lead: bool) -> FieldTest:
    named = list(dict.fromkeys(named))
    label = " or ".join(v.label for v in named)
    return FieldTest(
        field="lead_sponsor_class" if field == "sponsor_class" and lead else field,  # type: ignore[arg-type]
        values=list(dict.fromkeys(x for v in named for x in v.values)),
        label=f"not {label}" if negated else label,
        negated=negated,
    )


def _sponsor_classes_only(test: FieldTest) -> bool:
    """ "sponsored by industry or the NIH" names sponsor classes, not a sponsor."""
    if test.field != "sponsor_name":
        return False
    name = " ".join(test.values)
    for value in field_values():
        name = value.pattern.sub(" ", name) if value.field == "sponsor_class" else name
    return not re.sub(r"\b(?:or|and|the|an?)\b|\W", "", name, flags=re.I)


def _field_tests(text: str, places: Collection[str] = ()) -> list[FieldTest]:
    tests = _registry_value_tests(text)
    for year_field, year_pattern in _YEAR_PATTERNS:
        year = year_pattern.search(text)
        if year:
            verb = "start" if year_field == "start_year" else "complete"
            tests.append(
                FieldTest(field=year_field, values=[year.group(1)], label=f"{verb} in {year.group(1)}")
            )
    filters = [t for t in read_field_filters(text, places) if not _sponsor_classes_only(t)]
    asking = _asking_clause(text)
    if any(t.field == "dose" for t in filters) and asking.strip() != text.strip():
        # "she takes clopidogrel 75mg od. who won't take pts on antiplatelets?": a dose the story
        # before the question gives is what the patient takes, not a dose the trials must give
        asked = read_field_filters(asking, places)
        filters = [t for t in filters if t.field != "dose" or t in asked]
    tests += filters
    tests += _stated_attribute_filters(_without(text, place_spans(text, places)))
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

# A term ends at the end of its clause, or where a second question about it begins ("..., and what's
# the cut-off?", "and over what time window?").
_TERM_END = re.compile(
    r"[?.;!]|\b(?:and which|which|that|where|when|if)\b"
    r"|,?\s*\band\s+(?:what|what's|whats|how|over what|for how long|at what|who)\b|,\s*(?:what|how)\b",
    re.IGNORECASE,
)


# A section named as a noun gives the polarity as a verb would: "have an exclusion about X",
# "list X as an exclusion", "an inclusion criterion requiring X". Rewritten to the verb form.
_SECTION_NOUN_POLARITY: tuple[tuple[re.Pattern[str], str], ...] = (
    # the passive: "are patients with HBV excluded?", "is someone on warfarin allowed?"
    (
        re.compile(
            r"\b(?:are|is|were|would|will)\s+(?:be\s+)?(?:the\s+)?(?:patients?|pts|people|persons?|those|subjects|participants"
            r"|someone|anyone|women|men)\s+(?:with|who have|having|on|taking|who take)\s+(.+?)\s+(?:be\s+)?"
            r"(?:excluded|barred|ruled out|turned away|ineligible)\b",
            re.I,
        ),
        r"exclude \1",
    ),
    (
        re.compile(
            r"\b(?:are|is|were|would|will)\s+(?:be\s+)?(?:the\s+)?(?:patients?|pts|people|persons?|those|subjects|participants"
            r"|someone|anyone|women|men)\s+(?:with|who have|having|on|taking|who take)\s+(.+?)\s+(?:be\s+)?"
            r"(?:allowed|accepted|eligible|permitted|welcome|included)\b",
            re.I,
        ),
        r"accept \1",
    ),
    (
        re.compile(
            r"\b(?:an?\s+|any\s+)?exclusions?(?:\s+criteri(?:on|a)|\s+rules?|\s+items?)?\s+"
            r"(?:about|for|on|regarding|concerning|covering|mentioning|related to|of|against)\s+",
            re.IGNORECASE,
        ),
        "exclude ",
    ),
    (
        re.compile(r"\b(?:list|name|give|have|has|include)s?\s+(.+?)\s+as\s+(?:an?\s+)?exclusions?\b", re.I),
        r"exclude \1",
    ),
    (
        re.compile(
            r"\b(?:list|name|have|has|include|mention)s?\s+(.+?)\s+(?:in|among|under)\s+(?:the|their|its)?\s*"
            r"exclusions?(?:\s+criteria)?\b",
            re.I,
        ),
        r"exclude \1",
    ),
    (
        re.compile(
            r"\b(?:an?\s+|any\s+)?(?:inclusion|entry|eligibility)\s+(?:criteri(?:on|a)|requirements?|rules?)\s+"
            r"(?:about|for|on|regarding|requiring|mentioning|of)\s+",
            re.IGNORECASE,
        ),
        "require ",
    ),
    (
        re.compile(
            r"\b(?:list|name|give|have|has)s?\s+(.+?)\s+as\s+(?:an?\s+)?(?:inclusion|requirement)s?\b", re.I
        ),
        r"require \1",
    ),
)


# "a hepatitis B exclusion", "whose HBV exclusion catches her": the term named before the noun.
# Words that say which list ("the main exclusions", "other exclusion criteria") are not a term.
_LIST_WORDS = frozenset(
    {"inclusion", "main", "key", "other", "specific", "general", "standard", "same", "usual"}
    | {"eligibility", "any", "all", "their", "its", "the"}
)


def _exclusion_named_before(match: re.Match[str]) -> str:
    words = match.group(2).split()
    if any(w.lower() in _LIST_WORDS for w in words):
        return match.group(0)
    return f"{match.group(1)} exclude {match.group(2)};"


_PRENOMINAL_EXCLUSION = re.compile(
    r"\b(an?|any|the|its|their|whose|with)\s+((?:[\w+/-]+\s+){0,3}?[\w+/-]+)\s+exclusions?\b"
    r"(?!\s+(?:criteri|rules?|items?|list))",
    re.IGNORECASE,
)


# "is breast cancer only", "are HER2+ only": a restriction written after the term.
_ONLY_AFTER = (re.compile(r"\b(?:is|are)\s+((?:[\w+-]+\s+){0,3}?[\w+-]+)\s+only\b", re.I), r"are only for \1")


# "need the plt count to already be low": a count said to be low is the condition a low one is called
# (analytes.yaml `low_is`: thrombocytopenia, neutropenia, anaemia)
_LOW_COUNTS = [
    (
        re.compile(
            r"\b(?:the\s+|their\s+|a\s+)?(?:"
            + a.pattern
            + r")\b(?:\s+counts?)?\s+(?:to\s+(?:already\s+)?be|(?:is|are|being|"
            r"already)\s+(?:already\s+)?)\s*(?:low|reduced|decreased|below (?:normal|the normal range))\b",
            re.IGNORECASE,
        ),
        a.low_is[2],
    )
    for a in analytes()
    if a.low_is is not None
]


def _section_nouns_as_verbs(text: str) -> str:
    for low_count, condition in _LOW_COUNTS:
        text = low_count.sub(condition, text)
    text = _PRENOMINAL_EXCLUSION.sub(_exclusion_named_before, text)
    for pattern, replacement in (*_SECTION_NOUN_POLARITY, _ONLY_AFTER):
        text = pattern.sub(replacement, text)
    return text


# "study", "trial use", "test", "address": nouns as often as verbs. After a determiner or another noun
# they are nouns ("the Tianjin study set", "email address"); after a subject or auxiliary they are
# verbs ("trials study").
_NOUN_VERBS = re.compile(r"(?:stud(?:y|ies)|tests?|uses?|targets?|treats?|address(?:es)?)\b", re.IGNORECASE)
_BEFORE_A_VERB = frozenset(
    {"trials", "studies", "protocols", "ones", "which", "that", "who", "to", "do", "does", "they", "it"}
    | {"also", "still", "actually", "trial", "protocol", "not"}
)


_PATIENT_OBLIGATION = re.compile(
    r"\b(?:ha(?:ve|s) to|need(?:s)? to|must|required to|should|agree(?:s)? to)\s+(?:\w+\s+)?$", re.IGNORECASE
)


def _verb_position(before: str) -> bool:
    words = re.findall(r"[\w-]+", before.lower())
    return not words or words[-1] in _BEFORE_A_VERB


# "which trials do NOT require X": the complement of the verb's set.
_NEGATED_VERB = re.compile(r"(?:\bnot|n'?t|\bnever)\s+$", re.IGNORECASE)


def _term_tests(text: str, loose: bool) -> list[TermTest]:
    """'exclude brain metastases', 'require HER2-positive disease', 'give romiplostim', 'for breast cancer'.
    Prepositions alone ('for', 'in') only mark a term in a set question (`loose`): in "the maximum age
    for NCT…" they do not."""
    tests: list[TermTest] = []
    text = _section_nouns_as_verbs(NCT_ID.sub(" ", text))
    body = re.sub(
        r"^\s*(?:which|what|list|show|find|any|all|how many)\s+(?:of\s+(?:those|these|them)\s+)?"
        r"(?:trials?|stud(?:y|ies)|protocols?|ones?)?\s*(?:are|is|do|does|can|could|will)?\s*",
        "",
        text,
        flags=re.IGNORECASE,
    )
    washout = bool(_WASHOUT_CUE.search(body))
    tests += _washout_nouns(body)
    for verb, mode in [] if tests else _TERM_VERBS if loose else _TERM_VERBS[:-1]:
        for match in re.finditer(r"\b(?:" + verb + r")\b\s+(.+)", body, re.IGNORECASE):
            if _NOUN_VERBS.match(match.group(0)) and not _verb_position(body[: match.start()]):
                continue  # "the herombopag study set ...": "study" names the trial here
            if mode == "gives" and _PATIENT_OBLIGATION.search(body[: match.start()]):
                continue  # "does she have to use contraception?": the patient's duty, not a drug given
            if re.match(r"to\s+\w", match.group(1), re.IGNORECASE):
                continue  # "does he need to be off it": a duty of the patient's, not a term
            # "require that rhTPO has failed": a leading "that" introduces the term, it does not end it
            tail = _TERM_END.split(re.sub(r"^that\s+", "", match.group(1)), maxsplit=1)[0]
            # "prophylactic rather than treating low plts": the verb's own term is the one set against
            negated = bool(
                _NEGATED_VERB.search(body[: match.start()]) or _CONTRASTED.search(body[: match.start()])
            )
            for part, contrasted in _contrasted(tail):
                for test in _terms_of(part, mode, negated != contrasted, washout):
                    if _PEOPLE_ONLY.fullmatch(test.term):
                        continue  # "peds studies": who the trials take (their ages), not a condition
                    if test.term.lower() not in {t.term.lower() for t in tests}:
                        tests.append(test)
        if tests:
            break  # the first verb that yields a term decides the direction
    return tests


_PEOPLE_ONLY = re.compile(rf"\s*{people()}(?:\s+{people()})*\s*", re.IGNORECASE)
_TRIAL_NOUN_AFTER = re.compile(r"\s*(?:-\s*)?(?:trials?|stud(?:y|ies)|protocols?)\b", re.IGNORECASE)


# "trials for breast cancer", "studies in people with COPD": the condition right after them
_TRIAL_NOUN_BEFORE = re.compile(
    r"\b(?:trials?|stud(?:y|ies)|protocols?)\s+(?:for|in|of|on|treating|targeting)\s+"
    r"(?:(?:patients?|pts|people|adults|children|kids|those|women|men)\s+(?:with|who have)\s+)?"
    r"(?:an?\s+|the\s+)?$",
    re.IGNORECASE,
)


def _studied_by_trial_noun(text: str) -> list[str]:
    """Conditions named right before a word for trials ("list the HIV trials") or right after it
    ("which trials for breast cancer are recruiting?")."""
    return list(
        dict.fromkeys(
            m.term.name
            for m in condition_matches(text)
            if _TRIAL_NOUN_AFTER.match(text, m.end) or _TRIAL_NOUN_BEFORE.search(text[: m.start])
        )
    )


def _terms_of(tail: str, mode: TermMode, negated: bool, washout: bool) -> list[TermTest]:
    tests = []
    for names in _split_terms(tail):
        # a window before entry is about a treatment ("rhTPO in the last 14 days"), never about a test
        # or a disease ("a negative pregnancy test before entry")
        timed = washout and mode in ("excludes", "requires") and any(drug_matches(n) for n in names)
        kind: TermMode = "washout" if timed else mode
        tests.append(TermTest(term=names[0], alternatives=names[1:], mode=kind, negated=negated))
    return tests


# "a sub-q injection rather than tablets": what follows the contrast is what the trials must not do
# as well; "rather than just tablets" (not only tablets) asks nothing of them.
_CONTRAST = re.compile(
    r"\b(?:rather than|instead of|as opposed to|but not)\s+(?P<only>(?:just|only|merely|simply)\b)?", re.I
)


def _contrasted(tail: str) -> list[tuple[str, bool]]:
    """The term phrase before a contrast, and the one after it when it is contrasted (True)."""
    match = _CONTRAST.search(tail)
    if match is None:
        return [(tail, False)]
    before = [(tail[: match.start()], False)]
    return before if match.group("only") else [*before, (tail[match.end() :], True)]


# "an rhTPO control arm", "a placebo comparator group", "a control arm of romiplostim".
_CONTROL_ARM = re.compile(
    r"\b(?:an?|the|any)\s+(?P<before>[\w+\-/]+(?:\s+(?:or\s+)?[\w+\-/]+){0,3}?)\s+"
    r"(?:control|comparator)\s+(?:arms?|groups?)\b"
    r"|\b(?:control|comparator)\s+(?:arms?|groups?)\s+(?:of|with|using|giving|receiving|on)\s+(?P<after>.+)"
    # "placebo-controlled", "sham controlled": the control named in one adjective
    r"|\b(?P<adjective>placebo|sham|vehicle|saline)[- ]controlled\b",
    re.IGNORECASE,
)


def _control_arm_tests(text: str) -> list[TermTest]:
    """A drug named as the control: the arm role matters, so it is not a plain 'gives' test."""
    match = _CONTROL_ARM.search(NCT_ID.sub(" ", text))
    if match is None:
        return []
    tail = (
        match.group("before")
        or match.group("adjective")
        or _TERM_END.split(match.group("after"), maxsplit=1)[0]
    )
    return [TermTest(term=names[0], alternatives=names[1:], mode="controls") for names in _split_terms(tail)]


# "breastfeeding/lactating", "oral absorption / swallowing": a slash between words is an "or"
# (not in units or lab pairs such as "mg/dL", "ALT/AST", which have short parts or digits).
_WORD_SLASH = re.compile(r"(?<=[A-Za-z]{3})\s*/\s*(?=[A-Za-z]{3})")


# A washout named as a noun: "a platelet transfusion washout", "a washout period after G-CSF".
_WASHOUT_NOUN = re.compile(
    r"\bwash-?outs?\b(?:\s+(?:period|window|interval)s?)?(?:\s+(?:for|of|after|from|on)\s+(?P<after>.+))?",
    re.IGNORECASE,
)


def _washout_nouns(body: str) -> list[TermTest]:
    """The thing a washout noun is about: the words right before it, or after "for/of/after"."""
    tests = []
    for match in _WASHOUT_NOUN.finditer(body):
        if match.group("after"):
            tail = _TERM_END.split(match.group("after"), maxsplit=1)[0]
        else:
            words = body[: match.start()].split()
            kept = []
            for word in words[::-1][:4]:
                if not content_words(word) or _TERM_STOP.fullmatch(word):
                    break
                kept.append(word)
            tail = " ".join(kept[::-1])
        for names in _split_terms(tail):
            tests.append(TermTest(term=names[0], alternatives=names[1:], mode="washout"))
    return tests


# Another name for a term, in brackets after it: "hetrombopag (herombopag)", "CIT (chemo-induced
# thrombocytopenia)". Not a plural ending ("drug(s)") nor a list ("(e.g. A, B)").
_OTHER_NAME = re.compile(r"\s+\((?P<name>[^(),;]{2,40})\)")


def _split_terms(tail: str) -> list[list[str]]:
    """Terms joined by 'and' or commas are separate tests; terms joined by 'or' are alternatives.
    A term the vocabulary knows is asked by its canonical names, never by the question's own words."""
    groups = []
    tail = _WORD_SLASH.sub(" or ", _TIME_PHRASE.sub(" ", tail))
    tail = _OTHER_NAME.sub(r" or \g<name>", tail)
    for group in re.split(r",|\band\b|\bplus\b", tail, flags=re.IGNORECASE):
        if _is_filter_phrase(group.strip()):
            continue
        names = [
            c
            for part in re.split(r"\bor\b", group, flags=re.IGNORECASE)
            if (cleaned := _clean_term(part))
            for c in _canonical_names(cleaned, part)
        ]
        names = list(dict.fromkeys(names))
        if names:
            groups.append(names)
    return groups


# "a negative pregnancy test", "HER2-positive": the result is what is asked, not the condition.
_ASKS_A_RESULT = re.compile(r"\b(?:negative|positive|tests?|results?|absence)\b", re.IGNORECASE)


def _canonical_names(term: str, written: str) -> list[str]:
    """The most specific vocabulary concepts a term names ("needs urgent tx for cord compression" ->
    "spinal cord compression"), read in its words as written ("under the skin"), when they account
    for the term; else the term."""
    if not (vocabulary_covers(term) or vocabulary_covers(written)) or _ASKS_A_RESULT.search(term):
        return [term]
    found = find_terms(written) or find_terms(term)
    broader = {b for t in CONDITIONS + DRUG_CLASSES + ROUTES if t.name in found for b in t.broader}
    specific = [name for name in found if name not in broader]
    # one concept is asked by its name; several in one phrase ("thrombocytopenia caused by
    # chemoradiotherapy") are one compound thing, asked in the question's words
    return specific if len(specific) == 1 else [term]


def _clean_term(part: str) -> str | None:
    if _is_filter_phrase(part.strip()):
        return None
    cleaned = _TERM_STOP.sub(" ", part)
    # an apostrophe inside a word stays ("Crohn's disease"); quotes round a term go
    cleaned = re.sub(r"[^\w+\-' ]|(?<!\w)'|'(?!\w)", " ", cleaned)
    # "people on dialysis": what they are on is the term
    cleaned = re.sub(r"^on\s+", "", " ".join(cleaned.split()).strip(" -"), flags=re.IGNORECASE)
    if cleaned.lower() in _TERM_NOISE or len(cleaned) <= 1 or _is_filter_phrase(cleaned):
        return None
    return cleaned


# "exclude her on neutrophils", "whose renal criteria": a lab or organ named as the topic of the
# patient's values, which the numeric tests already read.
_LAB_TOPIC = re.compile(
    r"(?:on|for|by|via)?\s*(?:the|its|their|her|his)?\s*(?:(?:"
    + "|".join(LAB_NAMES.values())
    + r"|renal|kidney|liver|hepatic|organ|lab(?:oratory)?)(?:\s+|$))+"
    r"(?:function|counts?|levels?|values?|criteri(?:on|a)|cut-?offs?|rules?|limits?|thresholds?|tests?)?\s*",
    re.IGNORECASE,
)


def _is_filter_phrase(term: str) -> bool:
    """Terms that are really numbers or field filters ('ECOG 2', 'phase 2', 'women') are read elsewhere."""
    if _LAB_TOPIC.fullmatch(term.strip()) or DATE_PHRASE.fullmatch(term.strip()):
        return True
    if re.search(r"\d", term) and dose_phrases(term):  # "150 mcg once a week" is a dose filter
        return True
    if re.search(r"\d", term) and (
        _ECOG.search(term) or _PHASE.search(term) or _AGE.search(term) or _lab_values(term)
    ):
        return True
    if re.fullmatch(r"(?:\d+\s*)?(?:years?|year-old|yrs?)(?:\s*old)?|\d+", term, re.IGNORECASE):
        return True
    if _COUNT.search(term) or re.fullmatch(
        r"(?:" + COMPARATOR_PATTERN + r")\s*\d+(?:\.\d+)?(?:\s+\w+)?", term.strip(), re.I
    ):
        return True
    if re.fullmatch(
        r"(?:about|around|approximately|over|under)?\s*\d+(?:\.\d+)?\s*(?:days?|weeks?|months?|years?|%)",
        term.strip(),
        re.IGNORECASE,
    ):
        return True
    if any(v.names is not None and v.names.fullmatch(term.strip()) for v in field_values()):
        return True  # "device" after "testing" is the intervention type
    return any(v.pattern.search(term) for v in field_values() if v.field != "sponsor_class") or bool(
        re.fullmatch(r"(?:wom[ae]n|m[ae]n|females?|males?|adults?|children|patients?)", term, re.IGNORECASE)
    )


# ---- patient profile -------------------------------------------------------------------------

_FEMALE = re.compile(
    r"\b(?:woman|female|lady|girl|she|her|mum|mom|mother|wife|daughter|sister|grandmother|aunt)\b", re.I
)
_MALE = re.compile(
    r"\b(?:man|male|gentleman|boy|he|his|him|dad|father|husband|son|brother|grandfather|uncle)\b", re.I
)
_PRIOR = re.compile(
    r"\b(?:had|received|got|took|was given|treated with|last dose of|dose of|on)\s+"
    r"(?:(?:a|an|the|his|her|their|last)\s+)?"
    r"(?P<drug>[A-Za-z][\w\-+]*(?:\s+[A-Za-z][\w\-+]*){0,2}?)\s+(?P<n>\d+(?:\.\d+)?)\s*"
    r"(?P<unit>days?|weeks?|months?|years?)"
    r"\s+ago\b",
    re.IGNORECASE,
)
_CONDITION = re.compile(
    r"\bwith\s+(?P<cond>(?:[^,;.?]|\.(?=\d))+?)(?=,|;|\.(?!\d)|\?|\s+(?:who|had|has|which|—|on|-{1,2}\s)|$)",
    re.IGNORECASE,
)
# Patient states written as adjectives: "HIV-positive woman", "hepatitis B positive", "pregnant".
_STATE = re.compile(
    r"\b(?P<marker>(?:[A-Za-z][\w]*[- ])?[A-Za-z]+\d*[- ]positive)\b"
    r"|\b(?P<state>pregnant|breast-?feeding|lactating)\b",
    re.IGNORECASE,
)
_STATE_TERMS = {
    "pregnant": "pregnancy",
    "breastfeeding": "breastfeeding",
    "breast-feeding": "breastfeeding",
    "lactating": "breastfeeding",
}
_LEADING_NOISE = re.compile(r"^(?:(?:a|an|the|known|confirmed|advanced|metastatic)\s+)+", re.IGNORECASE)


def _conditions(text: str) -> list[str]:
    """Diseases and states the patient has: 'with HER2+ breast cancer and brain metastases', 'pregnant'."""
    found: list[str] = []
    for match in _CONDITION.finditer(text):
        for part in re.split(r"\band\b", match.group("cond"), flags=re.IGNORECASE):
            condition = _LEADING_NOISE.sub("", " ".join(part.split()))
            starts_with_measure = re.match(
                r"(?:ecog|performance|platelet|plt|anc|neutrophil|ha?emoglobin|hb|"
                r"creatinine|bilirubin|alt|ast|life expectancy|age)\b",
                condition,
                re.I,
            )
            if len(condition) > 2 and not starts_with_measure and not _is_filter_phrase(condition):
                found.append(condition)
    for match in _STATE.finditer(text):
        marker = re.sub(
            r"^(?:old|year|a|an|is|was|and)[- ]", "", match.group("marker") or "", flags=re.IGNORECASE
        )
        if marker and not _is_filter_phrase(marker):
            found.append(marker)
        elif match.group("state"):
            found.append(_STATE_TERMS[match.group("state").lower()])
    return list(dict.fromkeys(c for c in found if not any(c != o and c in o for o in found)))


# "44F", "59M": age and sex in one token, as clinicians write them.
_AGE_SEX = re.compile(r"\b(\d{1,3})\s?(?-i:([MF]))\b")
# "LFTs nl", "LFT/creat normal", "organ function fine": normal values, i.e. at most the ULN.
_NORMAL_LABS = re.compile(
    r"\b(?P<what>(?:(?:LFTs?|liver function(?: tests)?|creat(?:inine)?|renal function|kidney function|"
    r"organ functions?|U&Es?)[\s/&+,]*(?:and\s+)?)+)(?:(?:are|is|were|was|all)\s+)?"
    r"(?:nl|normal|ok|fine|wnl|within normal limits|unremarkable)\b",
    re.IGNORECASE,
)
_NORMAL_KINDS = (
    (r"LFT|liver|organ", (FactKind.ALT_AST, FactKind.BILIRUBIN)),
    (r"creat|renal|kidney|organ|U&E", (FactKind.CREATININE,)),
)
# "plts normal", "FBC unremarkable", "counts nl": counts at the analyte's normal lower limit
_NORMAL_COUNTS = re.compile(
    r"\b(?P<what>(?:(?:plts?(?: counts?)?|platelets?(?: counts?)?|(?:blood )?counts|FBC|CBC|full blood count"
    r"|complete blood count|ANC|neutrophils|Hb|ha?emoglobin)[\s/&+,]*(?:and\s+)?)+)"
    r"(?:(?:are|is|were|was|all)\s+)?"
    r"(?:nl|normal|ok|fine|wnl|within normal limits|unremarkable)\b",
    re.IGNORECASE,
)
_COUNT_KINDS = (
    (r"plt|platelet", FactKind.PLATELETS),
    (r"ANC|neutrophil", FactKind.NEUTROPHILS),
    (r"\bHb\b|ha?emoglobin", FactKind.HEMOGLOBIN),
)
_ALL_COUNTS = re.compile(r"\b(?:blood )?counts\b|FBC|CBC|full blood count|complete blood count", re.I)


_VALUE_IN_BRACKETS = re.compile(r"\s*\(\s*" + NUMBER + r"\s*(" + UNIT_PATTERN + r")?\s*\)", re.IGNORECASE)


def _normal_labs(text: str) -> dict[str, Quantity]:
    labs: dict[str, Quantity] = {}
    for match in _NORMAL_LABS.finditer(text):
        for pattern, kinds in _NORMAL_KINDS:
            if re.search(pattern, match.group("what"), re.IGNORECASE):
                labs.update({kind: Quantity(value=1.0, unit="ULN") for kind in kinds})
    normal_from = {a.kind: (a.normal_from, a.low_is[1]) for a in analytes() if a.normal_from and a.low_is}
    for match in _NORMAL_COUNTS.finditer(text):
        # "plt count normal" is the platelets; "counts normal", "FBC unremarkable" all of them
        counts = [kind for pattern, kind in _COUNT_KINDS if re.search(pattern, match.group("what"), re.I)]
        if not counts and _ALL_COUNTS.search(match.group("what")):
            counts = [kind for _, kind in _COUNT_KINDS]
        written = _VALUE_IN_BRACKETS.match(text, match.end())
        if written is not None and len(counts) == 1:  # "plts normal (210)": the value it gives
            labs[counts[0]] = normalise(counts[0], parse_number(written.group(1)), written.group(2))
            continue
        for kind in (k for k in counts if k in normal_from):
            value, unit = normal_from[kind]
            labs[kind] = Quantity(value=value, unit=unit)
    return labs


def _conditions_ruled_out_by_labs(labs: dict[str, Quantity], stated: set[str]) -> list[ConceptState]:
    """A count at or above its normal lower limit says the patient does not have the condition a low
    one is called ("plt 210" or "plts normal": no thrombocytopenia), unless the description says it."""
    absent = []
    for analyte in analytes():
        if analyte.kind is None or analyte.low_is is None or analyte.normal_from is None:
            continue
        quantity = labs.get(analyte.kind)
        if quantity is None:
            continue
        value = convert(quantity, analyte.low_is[1], analyte.kind)
        condition = analyte.low_is[2]
        if value is not None and value >= analyte.normal_from and condition not in stated:
            clause = f"{kind_name(analyte.kind)} {quantity.value:g} {quantity.unit or ''}".strip()
            absent.append(ConceptState(name=condition, present=False, clause=clause))
    return absent


def _as_patient_value(quantity: Quantity, comparator: str | None) -> Quantity:
    """A patient's "creat <1.5x ULN" is some value below 1.5: just under it, so "< 1.5" is met and
    "<= 1.4" is not."""
    nudge = {"<": -1e-6, ">": 1e-6}.get(comparator or "", 0.0)
    return quantity.model_copy(update={"value": quantity.value + nudge})


def _patient(text: str) -> PatientProfile:
    # the last ECOG written: a later turn's "her ECOG is 2, not 1" corrects the first
    ecog = next(reversed(list(_ECOG.finditer(text))), None)
    labs = _normal_labs(text) | {
        kind: _as_patient_value(normalise(kind, value, unit), comparator)
        for kind, value, comparator, unit in _lab_values(text)
    }
    # a route says how a drug is given, not what the patient has: "takes pills fine" is no "oral"
    # for "unable to take oral medication" (that inability is a condition of its own in the vocabulary)
    concepts = [c for c in read_concepts(text) if c.name not in _ROUTE_NAMES]
    concepts += _conditions_ruled_out_by_labs(labs, {c.name for c in concepts})
    priors = []
    for match in _PRIOR.finditer(text):
        days = to_days(float(match.group("n")), match.group("unit"))
        if days is not None:
            priors.append(PriorTreatment(term=match.group("drug").strip(), days_ago=days))
    read = {name for p in priors for name in find_terms(p.term)}
    about_a_person = _PERSON.search(text) or _AGE_SEX.search(text)
    for state in concepts if about_a_person else []:  # "1 bag of plts yesterday", "rhTPO 6 wks ago"
        entry = concept(state.name)
        timed = state.present and state.days_ago is not None and state.name not in read
        if timed and entry is not None and concept_is_treatment(entry):
            priors.append(PriorTreatment(term=state.name, days_ago=state.days_ago, clause=state.clause))  # type: ignore[arg-type]
    absent = {s.name for s in concepts if not s.present}
    conditions = [c for c in _conditions(text) if not (set(find_terms(c)) & absent)]
    age_sex = _AGE_SEX.search(text)
    # the last word for the patient's sex wins: "should've said: a 68-year-old man"
    said = sorted(
        [(m.start(), "FEMALE") for m in _FEMALE.finditer(text)]
        + [(m.start(), "MALE") for m in _MALE.finditer(text)]
        + ([(age_sex.start(), "FEMALE" if age_sex.group(2) == "F" else "MALE")] if age_sex else [])
    )
    sex = said[-1][1] if said else None
    written_age = _age(text)
    if written_age is None and age_sex:
        written_age = float(age_sex.group(1))
    spans = [g for g in age_groups(text) if g.comparator is None]
    age_high = spans[-1].high if written_age is None and spans else None  # "in her late sixties"
    return PatientProfile(
        age=written_age if written_age is not None else spans[-1].low if spans else None,
        age_high=age_high,
        sex=sex,  # type: ignore[arg-type]
        ecog=int(ecog.group(3) or ecog.group(2)) if ecog else None,
        labs=labs,
        conditions=conditions,
        prior_treatments=priors,
        circumstances=_circumstances(text),
        concepts=concepts,
        nothing_else=denies_everything_else(text),
        description=text,
    )
