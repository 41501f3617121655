"""Answering a question about one trial from that trial's own words.

When no field or fact answers a question about one trial ("how long are platelet counts followed?",
"what is in the tablets?"), the best verbatim sentences of its record are the answer. Sentences
are ranked by the question's telling words they hold, each word weighed by how rare it is within
this record (a word on every line of it says nothing about which line answers), with the
vocabulary's canonical names added so "plt" meets "platelet" and "SVCO" meets "superior vena
cava". Only the one record is read: the cost does not grow with the corpus.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass

from assistant.evidence import sentences
from assistant.retrieve import shared_words
from assistant.verify import quote_in_record
from index.keywords import content_words
from index.language.canonical import in_canonical_words, named_spans
from index.language.vocabulary import concept
from index.language.words import NUMBER_WORDS, stem, stems
from index.models import Trial

# A sentence answers when it holds at least this share of what the question asks (by weight);
# others near the best are shown with it.
MIN_SHARE = 0.34
IN_PART = 0.5  # what naming only the class of a concept asked counts for, against naming it
NEAR_BEST = 0.6
MAX_SENTENCES = 4
# What the best passage's embedding similarity adds to a sentence's share of the question's words
# (a sentence needs half the share on its own words).
DENSE_WEIGHT = 0.3


@dataclass(frozen=True)
class RecordSentence:
    text: str
    score: float


# Words that shape a question about a record without saying what to look for in it.
_SCAFFOLD = frozenset(
    {"whenever"}
    | {"many", "much", "long", "often", "within", "must", "taken", "given", "need", "needs", "set", "sets"}
    | {"use", "uses", "used", "have", "has", "get", "gets", "anywhere", "defined", "define", "mean", "means"}
    | {"list", "lists", "listed", "claim", "claims", "quote", "quotes", "actually", "still", "exactly"}
    | {"pt", "pts", "whats", "other", "over", "section", "summary", "background", "cutoff", "cutoffs"}
    | {"threshold", "thresholds", "limit", "limits", "say", "said", "they", "their", "there"}
    | {"give", "gives", "giving"}
    # "is there a weight requirement?": whether a rule exists, answered by the rule's own words
    | {"requirement", "requirements", "required", "criterion", "criteria", "rule", "rules", "restriction"}
    | {"restrictions"}
    # "body weight", "body temperature": the measure is the telling word, which records write alone
    | {"body"}
    # "what QT interval gets you excluded?": the section gives the polarity and "QT" the measure;
    # records write "QT >450 msec" without either word
    | {"excluded", "exclude", "excludes", "exclusion", "included", "include", "includes", "inclusion"}
    | {"interval", "level", "levels", "value", "values"}
    # "what A1c range do they want?": the limits asked for, in words no record uses for them
    | {"range", "ranges", "want", "wants", "wanted", "allowed", "allow", "allows", "okay", "ok"}
    | {"accept", "accepts", "accepted", "acceptable", "permitted"}
)
# Words that ask for a kind of answer (ANSWER_SHAPES), not for themselves.
_SHAPE_WORDS = frozenset({"duration", "length", "incidence", "rate", "rates", "percent", "proportion"})
_SHAPE_WORDS |= {"phone", "telephone", "number", "email", "e-mail"}
_CUT_OFF = re.compile(r"\bcut[\s-]?offs?\b", re.IGNORECASE)
_NCT = re.compile(r"\bNCT\s?\d{8}\b|\b\d{8}\b", re.IGNORECASE)


@dataclass(frozen=True)
class AskedUnit:
    """One thing the question asks, and the ways a sentence may say it: the question's own word, or
    every word of the canonical name of the concept or analyte it names ("plt" -> "platelets"), or,
    for the kind of answer asked ("how long?"), an expression of that kind ("over 24 weeks")."""

    word: str
    alternatives: tuple[frozenset[str], ...] = ()
    shape: re.Pattern[str] | None = None
    # the classes the concept it names belongs to: a sentence naming only one of those says it in
    # part ("platinum" asked; "chemotherapy" says less than "platinum-containing chemotherapy")
    classes: tuple[frozenset[str], ...] = ()


_NUMBER = r"(?:\d+(?:\.\d+)?|" + "|".join(NUMBER_WORDS) + r")"
_TIME_UNIT = r"(?:days?|weeks?|wks?|months?|mos?|years?|yrs?|hours?|hrs?|cycles?|doses?)\b"
# The kinds of answer a question can ask for, each as (how a question asks it, how a sentence gives
# one): "how long are counts followed?" is answered by a sentence holding a duration.
ANSWER_SHAPES: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    "(a duration)": (
        re.compile(r"\bhow long\b|\bduration\b|\blength\b|\bfor how many\b", re.I),
        re.compile(rf"\b{_NUMBER}\s*(?:-|to|–)?\s*(?:{_NUMBER}\s*)?-?\s*{_TIME_UNIT}", re.I),
    ),
    "(a definition)": (
        re.compile(
            r"\bdefin\w*|\bwhat counts as\b|\bwhat (?:is|are|does) .{1,40}\bmean\b|\bcriteria for\b", re.I
        ),
        re.compile(r"\bdefin(?:ed|ition)\b|\bmeans?\b|\bi\.e\.|\brefers? to\b|\bconsidered\b", re.I),
    ),
    "(a figure)": (
        re.compile(r"\bwhat (?:percent|proportion|share|fraction)|\b(?:incidence|rates?)\b|%", re.I),
        re.compile(r"\d(?:\.\d+)?\s*%|\bper ?cent\b", re.I),
    ),
    "(a phone number)": (
        re.compile(r"\b(?:tele)?phone\b|\bnumber to call\b|\bwho (?:do|can|should) i call\b", re.I),
        re.compile(r"\+?\d[\d ()-]{6,}\d"),
    ),
    "(an email address)": (re.compile(r"\be-?mail\b", re.I), re.compile(r"[\w.+-]+@[\w-]+\.\w+")),
    "(a range of values)": (
        re.compile(r"\brange\b|\bhow (?:high|low)\b", re.I),
        re.compile(
            r"(?:[≥≤<>=]|\b(?:at least|at most|greater|less|more|fewer|above|below|between|up to|"
            r"exceed\w*)\b)[^.;]{0,25}\d",
            re.I,
        ),
    ),
}


def asked_units(question: str) -> list[AskedUnit]:
    """What the question asks of the record: its telling words and the kinds of answer it wants."""
    # "the QTc cut off" asks for a limit without saying any word of it
    question = _CUT_OFF.sub(" ", _NCT.sub(" ", question))
    named = named_spans(question)
    units = []
    for match in re.finditer(r"[\w][\w-]*", question):
        word = match.group().lower()
        if word not in content_words(word) or word in _SCAFFOLD or word in _SHAPE_WORDS:
            continue
        names = [name for start, end, name in named if start <= match.start() < end]
        # "ibuprofen" is also said, in part, by a sentence about "NSAIDs", the class it belongs to
        classes = [broader for name in names if (entry := concept(name)) for broader in entry.broader]
        alternatives = (frozenset({stem(word)}), *(frozenset(stems(content_words(n))) for n in names))
        units.append(
            AskedUnit(word, alternatives, classes=tuple(frozenset(stems(content_words(n))) for n in classes))
        )
    shapes = ANSWER_SHAPES.items()
    units += [AskedUnit(name, shape=shape) for name, (asks, shape) in shapes if asks.search(question)]
    return list({u.word: u for u in units}.values())


def best_sentences(
    trial: Trial,
    question: str,
    context: Collection[str] = (),
    similar: Sequence[tuple[str, float]] = (),
) -> list[RecordSentence]:
    """The record's verbatim sentences that answer the question, best first (empty when none does).

    `context`: the question's words that name this trial itself ("Jiangsu HengRui" for its sponsor's
    trial); they rank sentences but do not count as said when deciding whether the record answers
    the rest ("the share price of Jiangsu HengRui today" is not answered by the sponsor's name).

    `similar`: passages of this record with their embedding similarity to the question; a sentence
    inside one gains up to DENSE_WEIGHT, so "stopped" meets "discontinued" and "longest" meets
    "maximum" where no word is shared."""
    units = asked_units(question)
    shapes = [u.shape for u in units if u.shape is not None]
    # a sentence of none of the kinds of answer asked ("how long?" wants a duration) does not answer
    lines = [
        s
        for s in dict.fromkeys(sentences(trial.text))
        if quote_in_record(s, trial.text) and (not shapes or any(shape.search(s) for shape in shapes))
    ]
    if not units or not lines:
        return []
    # each sentence's words, and the canonical names of what it names ("NSAIDS" -> "nonsteroidal ...")
    words_of = {line: stems(content_words(line) | content_words(in_canonical_words(line))) for line in lines}

    def shares(ways: Iterable[frozenset[str]], line: str) -> bool:
        return any(len(shared_words(set(a), words_of[line])) == len(a) for a in ways)

    def held_as(unit: AskedUnit, line: str) -> str | None:
        """The unit's word when the line says it, its `_in_part` form when it names only its class."""
        if unit.shape is not None:
            return unit.word if unit.shape.search(line) is not None else None
        if shares(unit.alternatives, line):
            return unit.word
        return _in_part(unit.word) if shares(unit.classes, line) else None

    held = {line: frozenset(w for u in units if (w := held_as(u, line)) is not None) for line in lines}
    # A unit the record never says still counts in what was asked, as much as the rarest word:
    # a question about fibrosis is not answered by sentences about the bone marrow.
    rarest = math.log(1 + len(lines))
    weight = {}
    unsaid = 0
    for unit in units:
        holding = sum(1 for words in held.values() if unit.word in words) or sum(
            1 for words in held.values() if _in_part(unit.word) in words
        )
        weight[unit.word] = math.log(1 + len(lines) / holding) if holding else rarest
        weight[_in_part(unit.word)] = IN_PART * weight[unit.word]
        unsaid += not holding and unit.word not in context
    asked = sum(1 for u in units if u.word not in context)
    if not asked or unsaid * 2 > asked:
        # words that only say which trial ask nothing of it; and the record does not speak of most of
        # what is asked ("the sponsor's share price")
        return []
    total = sum(weight[u.word] for u in units)
    top_similarity = max((score for _, score in similar), default=0.0)

    def closeness(line: str) -> float:
        inside = [score for passage, score in similar if line in passage]
        return max(inside, default=0.0) / top_similarity if top_similarity > 0 else 0.0

    candidates = {line: (held[line], closeness(line)) for line in lines}
    candidates |= _continued(trial, lines, held, closeness)
    for lead, (text, said, near) in _with_items_led(trial, lines, held, closeness).items():
        del candidates[lead]  # the lead alone says less than with its items
        candidates[text] = (said, near)
    scored = []
    for text, (words, near) in candidates.items():
        share = sum(
            weight[w] for w in words if not (w.endswith(_IN_PART) and w.removesuffix(_IN_PART) in words)
        )
        share /= total
        if share >= MIN_SHARE / 2:  # similarity alone never makes an answer
            scored.append(RecordSentence(text, share + DENSE_WEIGHT * near))
    scored.sort(key=lambda s: (-s.score, len(s.text)))
    if not scored or scored[0].score < MIN_SHARE:
        return []
    best = scored[0].score
    chosen: list[RecordSentence] = []
    for sentence in scored:
        if sentence.score >= NEAR_BEST * best and not any(sentence.text in c.text for c in chosen):
            chosen.append(sentence)
    return chosen[:MAX_SENTENCES]


_IN_PART = " (in part)"


def _in_part(word: str) -> str:
    """How a sentence naming only the class of what a word names holds it (`AskedUnit.classes`)."""
    return word + _IN_PART


_LED_ITEMS = 4  # items a line ending in ":" leads, quoted with it
_STARTS_ITEM = re.compile(r"\s*(?:[*•·▪-]|\d{1,2}[.)]\s)")


def _ends_item(sentence: str) -> bool:
    return sentence.rstrip().endswith(";")


def _continued(
    trial: Trial,
    lines: Sequence[str],
    held: dict[str, frozenset[str]],
    closeness: Callable[[str], float],
) -> dict[str, tuple[frozenset[str], float]]:
    """Two sentences in a row that together say what neither says alone ("...must use
    contraception." + "Exceptions include ... postmenopausal status for over 1 year."): one quote."""
    joined = {}
    for first, second in itertools.pairwise(lines):
        both = held[first] | held[second]
        if both in (held[first], held[second]) or _ends_item(first) or _STARTS_ITEM.match(second):
            continue  # one sentence says it all, or they are two criteria of a list
        text = f"{first} {second}"
        if quote_in_record(text, trial.text):
            joined[text] = (both, max(closeness(first), closeness(second)))
    return joined


def _with_items_led(
    trial: Trial,
    lines: Sequence[str],
    held: dict[str, frozenset[str]],
    closeness: Callable[[str], float],
) -> dict[str, tuple[str, frozenset[str], float]]:
    """A sentence ending in ":" ("Postmenopausal, as defined by any of the following:") quoted with
    the items it leads, which say what it announces (whatever kind of answer was asked): by lead,
    the joined quote, what it says and its closeness."""
    every = list(dict.fromkeys(sentences(trial.text)))
    led = {}
    for lead in (line for line in lines if line.rstrip().endswith(":") and line in every):
        items = _items_after(trial.text, every, every.index(lead))
        text = " ".join([lead, *items])
        if items and quote_in_record(text, trial.text):
            said = frozenset().union(held[lead], *(held.get(item, frozenset()) for item in items))
            led[lead] = (text, said, closeness(lead))
    return led


def _items_after(text: str, every: Sequence[str], at: int) -> list[str]:
    """The sentences after every[at] indented deeper than it, up to _LED_ITEMS, none a lead itself."""
    items = []
    for sentence in every[at + 1 : at + 1 + _LED_ITEMS]:
        if sentence.rstrip().endswith(":") or _column(text, sentence) <= _column(text, every[at]):
            break
        items.append(sentence)
    return items


def _column(text: str, sentence: str) -> int:
    """How far in the record indents the line a sentence starts on (list items sit deeper)."""
    at = text.find(sentence)
    return at - text.rfind("\n", 0, at) - 1 if at >= 0 else -1
