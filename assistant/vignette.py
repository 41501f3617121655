"""What a patient description says about each clinical concept: present or absent, when, and how
controlled, read clause by clause the way clinicians write ("no AF, no stents", "HIV/HBV neg",
"never had RT", "rhTPO 6 wks ago", "1 bag of plts yesterday", "BP controlled on amlodipine").

Concepts come from the shared vocabulary (index/language/vocabulary.yaml), so a patient's "AF" is
the record's "atrial fibrillation". Negation and time are read inside the clause that names the
concept: a cue reaches across a list ("never had rhTPO/IL-11/any TPO-RA") but not past a comma-
separated new finding. Negation is NegEx (index/language/negation.py, negspacy with a clinical
termset), when is index/language/when.py (dateparser after clinicians' shorthand); how controlled
is read here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.query import ConceptState
from index.language.negation import denial_only, negated
from index.language.vocabulary import TermMatch, concept, concept_matches
from index.language.when import days_ago
from index.language.words import relatives

# Clauses: a comma, semicolon, full stop (not a decimal point), parenthesis, dash or line break.
_CLAUSE = re.compile(r"[;,()\n]|(?<!\d)\.(?!\d)|\s[-–—]\s|\.\s")
# A clause that dates the treatment before it: "last dose 8 wks ago", "stopped 5 weeks ago".
_WHEN_GIVEN = re.compile(
    r"\b(?:last|stopped|finished|completed|ended|since)\b"
    # ... or one that opens with when: "(PE) about 4 months ago", "- 3 wks ago"
    r"|^\W*(?:(?:about|around|approx\.?|approximately|roughly|nearly|almost|over|some|~)\s*)?"
    r"(?:\d|an?\b|one|two|three|four|five|six|seven|eight|nine|ten|twelve|yesterday|the day)",
    re.IGNORECASE,
)
_ALL_NEGATIVE = re.compile(r"^[\s\w-]{0,20}?\b(?:all|both|each)\s+(?:neg(?:ative)?|-ve|normal)\b", re.I)
# "serology: HIV, HBsAg, HCV non-reactive": a label before the first item starts the list
_LABEL_ONLY = re.compile(r"^\s*[\w /-]{1,25}:\s*$")
_OWN_POSITIVE = re.compile(r"\+|\bpos(?:itive)?\b|(?<!non-)(?<!non)\breactive\b|\bdetected\b", re.I)
# ... or a result alone after a list of what laboratory tests report: "HIV, HBV, HCV, syphilis neg"
_NEGATIVE_RESULT = re.compile(
    r"^[\s\w-]{0,20}?(?:\bneg(?:ative)?\b|-ve\b|\bnon-?reactive\b|\bnot detected\b)", re.I
)
# "r/o brain mets" is a question still open, "not suitable for SRS" a judgement of what may come:
# neither says the patient has or lacks it (NegEx reads both as absent)
_UNCERTAIN = re.compile(
    r"\b(?:pending|awaited|possible|suspected|query|\?|to be confirmed|unknown|r/o|rule out|evaluate for|"
    r"(?:not|isn'?t|is not|un)\s*(?:suitable|a candidate|eligible|fit|appropriate)\s+for)\b",
    re.I,
)
_CONTROLLED = re.compile(r"\b(?:(?:well|rate|adequately)[- ])?controlled\b|\bstable\b|\btreated\b", re.I)
_UNCONTROLLED = re.compile(r"\b(?:un|poorly |not )controlled\b|\bunstable\b|\buntreated\b|\bactive\b", re.I)
# A concept naming a kind of trial ("a breast cancer study", "any ITP prevention trials?").
# The patient named again after a relative: "her daughter says she has had AF for years".
_THE_PATIENT = re.compile(r"\b(?:she|he|pt|patient|her own|his own)\b", re.IGNORECASE)


def said_of_a_relative(before: str) -> bool:
    """Whether the words just before a concept make it a relative's ("mum had", "FHx of"). The
    writer's own relative is the patient described ("my sister is 44 and has MS")."""
    near = before[-60:]
    found = [m for m in relatives().finditer(near) if not _WRITERS.search(near[: m.start()])]
    return bool(found) and not _THE_PATIENT.search(near[found[-1].end() :])


_WRITERS = re.compile(r"\b(?:my|our)\s+(?:\w+\s+)?$", re.IGNORECASE)  # "my (older) sister"


_NAMES_A_TRIAL = re.compile(
    r"^(?:[\s-]+\w+){0,2}?[\s-]+(?:trials?|stud(?:y|ies)|protocols?)\b", re.IGNORECASE
)

# A reading of a measure ("BP 138/84", "blood pressure of 150/95"): the measurement, which says
# nothing of whether the patient has the condition the measure's name also stands for.
_A_READING = re.compile(r"^\s*(?:of|was|is|:|=)?\s*\d{2,3}\s*/\s*\d{2,3}\b", re.IGNORECASE)
_STATE_OF_MEASURE = re.compile(r"\b(?:high|raised|elevated|uncontrolled|controlled|low)\b", re.IGNORECASE)


# A clause that only lists more concepts ("IL-11 or any TPO-RA" after "never given rhTPO") goes
# on with the clause before it.
_LIST_ONLY = re.compile(r"^(?:\s|\b(?:or|and|nor|any|other|the|a|an|ever|either)\b|/|\+|&)*$", re.IGNORECASE)


# Words that start a clause of its own rather than name one more item of a list: "no fever, she has
# AF", "no AF, but HTN", "no MI, now on apixaban".
_CLAUSE_WORDS = re.compile(
    r"\b(?:s?he|they|pt|patient|has|have|had|is|was|are|were|with|on|but|now|takes?|taking|however|"
    r"although|yet|though|except|known|history|hx|h/o|s/p|since|after|due)\b",
    re.IGNORECASE,
)


_DENIAL_LEAD = re.compile(r"^\s*(?:no|nil|denies|never|without|not)\b", re.IGNORECASE)


def continues_denied_list(clause: str) -> bool:
    """A short clause going on with a list of alternatives after a denied item, with no words of a
    clause of its own: "no heart, kidney or liver problems" denies all three."""
    return _short_alternatives(clause, clause)


def _other_items_only(clause: str, residue: str) -> bool:
    """A short clause ending a list of alternatives with items the vocabulary does not know ("no hx
    pancreatitis, neuropathy or hemophilia"): it goes on with the list of the clause before. Not a
    clause of its own with a word no list item is ("carbo/paclitaxel C2" after "(no RT)")."""
    unknown = [w for w in re.findall(r"[\w-]+", residue) if not _LIST_ONLY.match(w)]
    return (
        _short_alternatives(clause, residue)
        and len(unknown) <= 2
        and all(w.isalpha() and len(w) >= 4 for w in unknown)
    )


def _short_alternatives(clause: str, joined: str) -> bool:
    """A clause of a few words, none starting a clause of its own, whose `joined` part (the clause,
    or what it holds besides vocabulary concepts) joins alternatives with "or"/"nor"."""
    return (
        len(clause.split()) <= 5
        and re.search(r"\b(?:or|nor)\b", joined, re.IGNORECASE) is not None
        and not _CLAUSE_WORDS.search(clause)
    )


def _tested(name: str) -> bool:
    entry = concept(name)
    return entry is not None and entry.tested


def clauses(text: str) -> list[str]:
    return [clause for clause in _CLAUSE.split(text) if clause.strip()]


# What joins the items of one list of concepts: "AF and DVT last year" dates both.
_LIST_JOIN = re.compile(r"[\s,;/&+]*(?:(?:and|or|plus|with)\b[\s,]*)?", re.IGNORECASE)


def _when_of_each(clause: str, matches: Sequence[TermMatch]) -> dict[int, float | None]:
    """How long ago the clause dates each concept (by its start): the time said beside it. Where the
    clause names things apart ("on coumadin for a DVT last year"), a time belongs to the words from
    the concept before it up to the next one: the DVT's, not the coumadin's."""
    whole = days_ago(clause)
    groups: list[list[TermMatch]] = []
    for match in matches:
        if groups and _LIST_JOIN.fullmatch(clause, groups[-1][-1].end, match.start):
            groups[-1].append(match)
        else:
            groups.append([match])
    if whole is None or len(groups) < 2:
        return {m.start: whole for m in matches}
    bounds = [0, *(group[0].start for group in groups[1:]), len(clause)]
    own = [days_ago(clause[bounds[i] : bounds[i + 1]]) for i in range(len(groups))]
    if all(days is None for days in own):  # the time spans the parts: the clause's for all
        own = [whole] * len(groups)
    return {m.start: days for group, days in zip(groups, own, strict=True) for m in group}


def read_concepts(text: str) -> list[ConceptState]:
    """Every vocabulary concept the description names, with what it says about each."""
    states: dict[str, ConceptState] = {}
    carried = False  # the negation of the clause before, for a clause that only lists concepts
    previous: list[str] = []  # the concepts of the last clause that named any
    listed: list[str] = []  # concepts of the run of clauses that only list concepts ("HIV, HBV, HCV")
    for clause in clauses(text):
        matches = concept_matches(clause)
        residue = clause
        for match in reversed(matches):
            residue = residue[: match.start] + residue[match.end :]
        ends_list = bool(matches) and not _LIST_ONLY.match(residue) and _other_items_only(clause, residue)
        continues_list = bool(matches) and (bool(_LIST_ONLY.match(residue)) or ends_list)
        clause_negated = carried if continues_list else False
        denied = negated(clause, [(m.start, m.end) for m in matches])
        when = _when_of_each(clause, matches)
        for match, match_denied in zip(matches, denied, strict=True):
            before, after = clause[: match.start], clause[match.end :]
            if _UNCERTAIN.search(after[:30]) or _UNCERTAIN.search(before[-20:]):
                continue  # "FISH pending": says nothing yet
            if _NAMES_A_TRIAL.match(after):
                continue  # "any thrombocytopenia prevention trial for her?": the trial's topic, not hers
            if said_of_a_relative(before):
                continue  # "mum had breast cancer at 68": her relative's, not hers
            if _A_READING.match(after) and not _STATE_OF_MEASURE.search(clause[match.start : match.end]):
                continue  # "BP 138/84": a reading, not hypertension
            absent = clause_negated or match_denied
            controlled = (
                False if _UNCONTROLLED.search(clause) else True if _CONTROLLED.search(clause) else None
            )
            name = match.term.name
            if not absent:  # "HER2-negative" also says "not HER2-positive"
                states.update(
                    {
                        n: ConceptState(name=n, present=False, clause=clause.strip())
                        for n in match.term.negates
                    }
                )
            if absent and name in states and states[name].present:
                # "on chest wall RT ... no pelvic/spinal RT": a denial of some forms does not take
                # back what was said present (a wrong "absent" could offer a trial)
                continue
            earlier = states.get(name)
            if not absent and earlier is not None and earlier.present:
                # "MI ~9 months ago ... whose MI window excludes her?": a later bare mention keeps
                # what the earlier one said of when and how controlled
                days = when[match.start]
                states[name] = earlier.model_copy(
                    update={
                        "days_ago": earlier.days_ago if days is None else days,
                        "controlled": earlier.controlled if controlled is None else controlled,
                    }
                )
                continue
            states[name] = ConceptState(
                name=name,
                present=not absent,
                days_ago=None if absent else when[match.start],
                controlled=None if absent else controlled,
                clause=clause.strip(),
            )
        tail = clause[matches[-1].end :] if matches else clause
        tested_only = all(_tested(name) for name in [*listed, *(m.term.name for m in matches)])
        if listed and (_ALL_NEGATIVE.match(tail) or (tested_only and _NEGATIVE_RESULT.match(tail))):
            # "HIV, HBV, HCV all neg": the result after the last item is every item's (only with
            # "all"/"both", or when every item is a test's: in "AF, HIV neg" the AF is not negative)
            for name in [*listed, *(m.term.name for m in matches)]:
                if _OWN_POSITIVE.search(states[name].clause):
                    continue  # "HIV+, HBV, HCV neg": the HIV has its own result
                states[name] = states[name].model_copy(update={"present": False, "days_ago": None})
        short_item = not matches and len(clause.split()) <= 2 and not denial_only(clause)
        if matches and (_LIST_ONLY.match(residue) or _LABEL_ONLY.match(residue)):
            listed = [*listed, *(m.term.name for m in matches)]
        elif not short_item:  # an item no vocabulary names ("HDV") keeps the list going
            listed = []
        timing = days_ago(clause) if not matches and _WHEN_GIVEN.search(clause) else None
        if timing is not None and previous:
            # "came off a trial drug (investigational), last dose 8 wks ago": when, for the clause before
            for name in previous:
                if states[name].present and states[name].days_ago is None:
                    states[name] = states[name].model_copy(update={"days_ago": timing})
        lead = clause[: matches[0].start] if matches else clause
        cue = _UNCONTROLLED.search(lead) or _CONTROLLED.search(lead)
        if previous and cue and lead[cue.end() :].strip():  # "unstable angina" is about the angina
            # "paroxysmal AF, rate controlled on ...": the state belongs to the clause before
            controlled = not _UNCONTROLLED.search(lead[: cue.end()])
            for name in previous:
                if states[name].present:
                    states[name] = states[name].model_copy(update={"controlled": controlled})
        previous = [m.term.name for m in matches] if matches else previous
        # a denial before the clause's last concept goes on to a next clause that only lists more
        if ends_list:  # "..., neuropathy or hemophilia": the list ends with its alternatives
            carried = False
        elif matches:
            last = matches[-1]
            carried = clause_negated or negated(clause[: last.end], [(last.start, last.end)])[0]
        else:  # "no hx pancreatitis, ...": a denial of items the vocabulary does not know goes on too
            carried = len(clause.split()) <= 5 and _DENIAL_LEAD.match(clause) is not None
    return list(states.values())
