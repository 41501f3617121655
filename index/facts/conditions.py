"""Named conditions (canonical terms from index/language/vocabulary.yaml) a criterion requires or excludes.

In an exclusion the condition excludes; in an inclusion it is required, unless the criterion
negates it ("No brain metastases", "not a lactating patient"): then the fact's qualifier is
`ABSENT`, i.e. it excludes too. An inclusion that wants the condition absent only in part
("No active brain metastases", "No CNS metastases unless treated", or one that also allows it
"... treated brain metastases allowed") is `PARTLY_ABSENT`: it excludes some patients with the
condition and admits others. An inclusion that admits the condition ("Stable brain metastases
allowed") rather than requiring it is `ALLOWED`.

Records wrap lines anywhere ("history of brain\\n   metastases"), so terms are looked up in the
text with each run of whitespace read as one space. Old PDQ records run their items together in
one paragraph ("... No brain metastases CT required if clinically indicated No meningeal ..."):
what qualifies a mention is read up to the end of its sentence or the next capitalised item.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from index.facts.labs import limit_qualifier_spans
from index.facts.reading import Reading, exception_spans, is_negation, negated_at
from index.language.vocabulary import Term, TermMatch, _data, concept, condition_matches
from index.models import Fact, FactKind

ABSENT = "absent"  # qualifier of an inclusion CONDITION the criterion requires to be absent
PARTLY_ABSENT = "absent in some cases"  # ... requires absent only in some cases (active, untreated...)
ALLOWED = "allowed"  # ... admits, without requiring it

_IF_BEFORE = re.compile(
    r"\b(?:if|in case of|where)\s+(?:it is|there (?:is|are)|the patient has|patients? ha(?:s|ve))?"
    r"\s*(?:an?\s+)?(?:\w+\s+)?$",
    re.I,
)
_RISK_OF = re.compile(r"risk of|increase the risk|risk for", re.IGNORECASE)
# "non" negates as a word ("non smokers"), not as a prefix ("non-Hodgkin's lymphoma").
# Words before a condition that narrow it to some patients ("No active brain metastases"), read back
# from the condition over its own modifiers ("No evidence of active, untreated ..."), unless an
# alternative widens it again ("No symptomatic or known brain metastases").
_LIMITING = re.compile(
    r"active|untreated|symptomatic|uncontrolled|unstable|progressive|progressing|growing|enlarging|evolving|"
    r"new|unresected|unirradiated|non-?irradiated|bulky|significant|steroid[- ]dependent|parenchymal",
    re.IGNORECASE,
)
_MODIFIER = re.compile(
    r"known|clinical|clinically|evidence|of|history|prior|previous|any|suspected|suspicion|documented|"
    r"radiographic|radiologic(?:al)?|confirmed|current|concurrent|existing|presence|diagnosed|newly|"
    r"treated|asymptomatic|stable|a|an|the|or|and|and/or|,|"
    r"cns|brain|cerebral|intracranial|leptomeningeal|meningeal|spinal|dural|epidural",  # sites named together
    re.IGNORECASE,
)
_WIDENING = re.compile(
    r"\b(?:or|and/or)\s+(?:any|known|prior|previous|history of|treated|asymptomatic|stable)\b|"
    r"\b(?:any|known|prior|previous|treated|asymptomatic|stable)\s+(?:or|and/or)\b",
    re.IGNORECASE,
)
# Words after a condition, in its item, that make it conditional ("unless treated", "not amenable to
# local therapy", "that are symptomatic", "(phase I only)") or admit it ("allowed if stable").
_ADMITTING = re.compile(
    r"(?<!not )(?<!not be )\b(?:allowed|permitted|acceptable|eligible(?!\s+for)|accepted|may enroll)\b",
    re.IGNORECASE,
)
# A negation after the condition: "HIV negative", "hepatitis B surface antigen negative"; and, in an
# inclusion, a denial: "brain metastases not allowed", "patients with X are not eligible" (in an
# exclusion a denial only repeats that the condition excludes).
_NEGATIVE_AFTER = re.compile(r"[\s\w-]{0,20}?\b(?:negative|free)\b", re.IGNORECASE)
_DENIED_AFTER = re.compile(
    r"[\s\w-]{0,20}?\b(?:excluded|ineligible|not\s+(?:be\s+)?(?:allowed|permitted|eligible|acceptable))\b|"
    r"[^.;]{0,60}?\b(?:is|are|will be)\s+"
    r"(?:not\s+(?:be\s+)?(?:allowed|permitted|eligible)|ineligible|excluded)\b",
    re.IGNORECASE,
)


# Anywhere later in the item ("No CNS metastases unless treated", "... not amenable to surgery"),
# or right after the condition ("No myocardial infarction within 6 months", "brain metastases that
# are symptomatic", "... must be stable"). An "if" about who the criterion is for ("Negative
# pregnancy test if female") limits nobody with the condition.
_CONDITIONAL_LATER = re.compile(
    r"\b(?:unless|except|other than|if|provided|only|not amenable|with residual)\b", re.IGNORECASE
)
# ... but "other than" or "except" after another condition joined on ("No brain metastases or visceral
# metastases other than lung metastases") leaves out part of that one, not of the first.
_EXCEPTS_ANOTHER = re.compile(r"other than|except", re.IGNORECASE)
_COORDINATED = re.compile(r"\b(?:or|and|nor)\b|,", re.IGNORECASE)
_CONDITIONAL_NEXT = re.compile(
    r"[\s,]*(?:\([^()]{0,20}\)\s*)?(?:that|which|requiring|must|should|within|in the (?:past|last)|"
    r"controlled|stable|untreated|active|symptomatic|uncontrolled)\b",
    re.IGNORECASE,
)
_POPULATION_IF = re.compile(
    r"\bif\s+(?:\w+\s+){0,2}?(?:female|women|woman|male|men|of\s+(?:child|reproductive)|fertile|"
    r"premenopausal|applicable|indicated|appropriate|necessary|required)\w*",
    re.IGNORECASE,
)
# The condition named as what a test looks for ("pregnancy test within 7 days"): what follows is
# about the test.
_TESTED = re.compile(
    r"\s*(?:tests?|testing|screen(?:ing)?|status|antibod(?:y|ies)|serology|assay)\b", re.IGNORECASE
)


# A condition named as what a treatment is for ("whole-brain radiotherapy for brain metastases
# allowed"): what the item allows or requires is the treatment.
_TREATMENT_FOR = re.compile(
    r"\b(?:radiotherapy|radiation|irradiation|radiosurgery|surgery|resection|therapy|treatment|"
    r"steroids?|corticosteroids?|dexamethasone|anticonvulsants?)\b[\w\s,-]{0,25}?\b(?:for|of|to)\s+"
    r"(?:\w+\s+){0,2}$",
    re.IGNORECASE,
)
# The end of an item: a sentence end, or a capitalised word after a lower-case one (items of a PDQ
# paragraph run together: "... brain metastases CT required if ...").
_ITEM_END = re.compile(r"[.;](?:\s|$)|(?<=[a-z0-9%)\]])\s+(?=[A-Z])")
# Headings of the PDQ blocks: the disease under study is described in "DISEASE CHARACTERISTICS".
_BLOCK_HEADING = re.compile(r"\b(?-i:[A-Z][A-Z /]+)\s*(?:CHARACTERISTICS|THERAPY)\s*:", re.IGNORECASE)


@dataclass(frozen=True)
class _Mention:
    term: Term
    start: int
    end: int
    negated: bool
    limited: bool  # narrowed to some patients
    admitted: bool  # allowed rather than required or excluded


def condition_facts(reading: Reading) -> Iterator[Fact]:
    """A CONDITION fact per named condition (and each broader term it implies), once each."""
    text = reading.text
    # "other than CIT"; "patients with liver metastases, ALT <= 5 ULN" (qualifies a lab limit).
    asides = exception_spans(text) + limit_qualifier_spans(text)
    by_term: dict[str, list[_Mention]] = {}
    for match in _matches(reading):
        if any(a <= match.start < b for a, b in asides):
            continue
        if _names_a_risk(text, match.start, match.end):
            continue
        if _IF_BEFORE.search(text[max(0, match.start - 40) : match.start]):
            continue  # "(If it is intrahepatic cholangiocarcinoma, bilirubin ...)": a case, not a rule
        negated = (
            reading.denied or negated_at(text, match.start) or negated_after(text, match.end, reading.section)
        )
        if reading.section == "exclusion" and negated:
            continue  # an exclusion of "patients without X" does not exclude X
        if match.term.only_in and match.term.only_in != reading.section and not negated:
            continue
        treated_for = _TREATMENT_FOR.search(text[max(0, match.start - 60) : match.start])
        if reading.section == "inclusion" and treated_for:
            continue  # "radiotherapy for brain metastases allowed" allows the radiotherapy
        mention = _Mention(
            match.term,
            match.start,
            match.end,
            negated,
            limited=_limited(text, match.start, match.end),
            admitted=_admitted(text, match.end),
        )
        by_term.setdefault(match.term.name, []).append(mention)
    emitted: set[str] = set()
    for mentions in by_term.values():
        qualifier = _qualifier(reading.section, mentions)
        term = mentions[0].term
        for name in (term.name, *term.broader):
            if name != term.name and not _may_stand_in(name, reading.section, mentions):
                continue  # an exclusion of leukaemia is no exclusion of every malignancy
            if name not in emitted:
                emitted.add(name)
                yield reading.fact(FactKind.CONDITION, term=name, qualifier=qualifier)


def negated_after(text: str, end: int, section: str) -> bool:
    """Whether the words after a mention ending at `end` deny it: "HIV negative" anywhere, and in an
    inclusion "brain metastases not allowed" (in an exclusion that only repeats that it excludes)."""
    return _NEGATIVE_AFTER.match(text, end) is not None or (
        section == "inclusion" and _DENIED_AFTER.match(text, end) is not None
    )


def _may_stand_in(broader: str, section: str, mentions: list[_Mention]) -> bool:
    """A broader term is stated by a narrower one only where the broader term itself would be read."""
    entry = concept(broader)
    only_in = entry.only_in if entry is not None else None
    return not only_in or only_in == section or all(m.negated for m in mentions)


def _qualifier(section: str, mentions: list[_Mention]) -> str | None:
    """How an inclusion treats the condition, from every mention of it in the criterion. A criterion
    that first requires it ("acute leukaemia ... No chronic leukaemia in blast crisis") requires it."""
    if section != "inclusion":
        return None
    if not any(m.negated for m in mentions):
        return ALLOWED if all(m.admitted for m in mentions) else None
    first = mentions[0]
    if not (first.negated or first.admitted or first.limited):
        return None
    plain_absence = all(m.negated and not (m.limited or m.admitted) for m in mentions)
    return ABSENT if plain_absence else PARTLY_ABSENT


def _matches(reading: Reading) -> list[TermMatch]:
    """Vocabulary terms in the criterion (whitespace runs read as one space), with the sites of
    disease where the criterion describes the disease under study, in text order."""
    text = reading.text
    collapsed, offsets = _collapse(text)

    def back(match: TermMatch) -> TermMatch:
        return TermMatch(match.term, offsets[match.start], offsets[match.end - 1] + 1)

    found = [back(m) for m in condition_matches(collapsed)]
    taken = [(m.start, m.end) for m in found]
    for term, pattern in _disease_sites():
        for m in pattern.finditer(collapsed):
            site = back(TermMatch(term, m.start(), m.end()))
            overlaps = any(a < site.end and site.start < b for a, b in taken)
            if not overlaps and _describes_disease(reading, site.start) and _bare_site(text, site.start):
                found.append(site)
    return sorted(found, key=lambda m: m.start)


def _collapse(text: str) -> tuple[str, list[int]]:
    """`text` with each whitespace run as one space, and each collapsed character's offset in `text`."""
    chars: list[str] = []
    offsets: list[int] = []
    for m in re.finditer(r"\s+|\S", text):
        chars.append(" " if m.group().isspace() else m.group())
        offsets.append(m.start())
    return "".join(chars), offsets


@cache
def _disease_sites() -> tuple[tuple[Term, re.Pattern[str]], ...]:
    """(term, pattern) for each `as_disease_site` list in the vocabulary."""
    sites = []
    for entry in _data()["conditions"]:
        if entry.get("as_disease_site"):
            term = Term(entry["name"], tuple(entry["patterns"]), broader=tuple(entry.get("broader", ())))
            joined = "|".join(entry["as_disease_site"])
            sites.append((term, re.compile(rf"(?<![\w-])(?:{joined})(?![\w])", re.IGNORECASE)))
    return tuple(sites)


def _describes_disease(reading: Reading, position: int) -> bool:
    """Whether the words at `position` describe the disease under study: under a "Disease
    characteristics" heading, or inside a "DISEASE CHARACTERISTICS:" block of the criterion."""
    if reading.heading.startswith("disease characteristics"):
        return True
    headings = [m for m in _BLOCK_HEADING.finditer(reading.text) if m.start() < position]
    return bool(headings) and headings[-1].group().upper().startswith("DISEASE CHARACTERISTICS")


def _bare_site(text: str, start: int) -> bool:
    """Whether a site of disease stands on its own ("No known CNS disease") rather than naming a kind
    of disease at that site ("No ischemic or degenerative CNS disease"): read back over its
    modifiers, the next word is a negation or the start of the clause."""
    clause_start = max(text.rfind(c, 0, start) for c in ";.(") + 1
    words = re.findall(r"[\w/-]+|,", text[max(clause_start, start - 80) : start])
    while words and (_LIMITING.fullmatch(words[-1]) or _MODIFIER.fullmatch(words[-1])):
        words.pop()
    return not words or is_negation(words[-1])


def _item_end(text: str, position: int) -> int:
    """Where the item holding `position` ends (boundaries inside parentheses opened after it do not count)."""
    for found in _ITEM_END.finditer(text, position):
        between = text[position : found.start()]
        if between.count("(") <= between.count(")"):
            return found.start()
    return len(text)


def _limited(text: str, start: int, end: int) -> bool:
    """Whether the criterion narrows the condition to some patients: a limiting word among the words
    that modify it ("No active, untreated CNS metastases") or a condition after it in its item
    ("No CNS metastases unless treated", "No brain metastases not amenable to local therapy")."""
    clause_start = max(text.rfind(c, 0, start) for c in ";.") + 1
    words = re.findall(r"[\w/-]+|,", text[max(clause_start, start - 80) : start])
    modifiers: list[str] = []
    for word in reversed(words):
        if not (_LIMITING.fullmatch(word) or _MODIFIER.fullmatch(word)):
            break
        modifiers.insert(0, word)
    before = " ".join(modifiers)
    if any(_LIMITING.fullmatch(w) for w in modifiers) and not _WIDENING.search(before):
        return True
    after = text[end : _item_end(text, end)]
    if _TESTED.match(after):
        return False
    after = _POPULATION_IF.sub(" ", after)
    return _CONDITIONAL_NEXT.match(after) is not None or any(
        not _EXCEPTS_ANOTHER.match(m.group()) or not _COORDINATED.search(after, 0, m.start())
        for m in _CONDITIONAL_LATER.finditer(after)
    )


def _admitted(text: str, end: int) -> bool:
    """Whether the item admits the condition ("CNS metastases allowed provided ...")."""
    return _ADMITTING.search(text[end : _item_end(text, end)]) is not None


def _names_a_risk(text: str, start: int, end: int) -> bool:
    """Whether the condition is named as a risk ("increase the risk of thrombosis", "thromboembolic risk")."""
    return bool(_RISK_OF.search(text[max(0, start - 30) : start]) or re.match(r"\s*risk", text[end:]))
