"""Word forms: "stopped", "stops" and "stopping" are one word when a question meets a record."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import snowballstemmer

from index.language.data import load

_STEMMER = snowballstemmer.stemmer("english")


# Number words as digits, so "thirty-day" meets "30-day" and "two weeks" meets "2 weeks".
_UNITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
_TEENS: tuple[str, ...] = ("eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen")
_TEENS += ("eighteen", "nineteen")
NUMBER_WORDS: dict[str, str] = (
    {word: str(value) for value, word in enumerate(_UNITS)}
    | {word: str(value) for value, word in enumerate(_TEENS, start=11)}
    | {"twenty": "20", "thirty": "30", "forty": "40", "fifty": "50", "sixty": "60", "ninety": "90"}
    | {"hundred": "100"}
)


def _data() -> dict[str, Any]:
    return load("words.yaml")


@cache
def excluding_verbs(said_with: str) -> str:
    """A regex alternation of every form of the verbs that put a person out of a trial, said alone
    (`said_with="alone"`) or with "out" or "away" (data: words.yaml `excluding_verbs`)."""
    verbs = _data()["excluding_verbs"]
    irregular = verbs["irregular"]
    forms = {form for verb in verbs[said_with] for form in verb_forms(verb, irregular.get(verb))}
    return "|".join(sorted(forms, key=lambda form: (-len(form), form)))


def verb_forms(verb: str, past: list[str] | None = None) -> list[str]:
    """A verb's forms: "bar" -> bars, barred, barring; "refuse" -> refuses, refused, refusing;
    "disqualify" -> disqualifies, disqualified, disqualifying. `past`: its irregular past forms
    ("keep": kept), which replace the regular one."""
    if verb.endswith("e"):
        third, regular_past, participle = f"{verb}s", f"{verb}d", f"{verb[:-1]}ing"
    elif verb.endswith("y") and verb[-2:-1] not in tuple("aeiou"):
        third, regular_past, participle = f"{verb[:-1]}ies", f"{verb[:-1]}ied", f"{verb}ing"
    else:
        # one short vowel before a final consonant doubles it: bar -> barred, shut -> shutting
        doubled = len(verb) <= 4 and re.fullmatch(r"[^aeiou]*[aeiou][bdgklmnprt]", verb) is not None
        ending = verb + verb[-1] if doubled else verb
        third = f"{verb}es" if verb.endswith(("s", "sh", "ch", "x")) else f"{verb}s"
        regular_past, participle = f"{ending}ed", f"{ending}ing"
    return [verb, third, participle, *(past if past is not None else [regular_past])]


@cache
def place_names() -> dict[str, str]:
    """Other names of places -> the name the registry writes, lower case (data: words.yaml)."""
    return {str(k).lower().rstrip("."): str(v).lower() for k, v in _data()["place_names"].items()}


@cache
def abbreviations() -> dict[str, str]:
    """Shorthand -> the word it stands for (data: words.yaml)."""
    return {str(k): str(v) for k, v in _data()["abbreviations"].items()}


@cache
def _synonym_stems() -> dict[str, str]:
    """The stem of each synonym -> the stem of its group's first word (data: words.yaml)."""
    groups = [[str(w) for w in group] for group in _data()["synonyms"]]
    return {_stem_word(w): _stem_word(group[0]) for group in groups for w in group}


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The Snowball (Porter 2) stem of a lower-case word, shorthand as its full word ("wks" ->
    "week"), synonyms as their group's first word ("therapy" -> "treatment") and number words as
    digits; a part with digits is kept whole."""
    word = abbreviations().get(word, word)
    parts = [NUMBER_WORDS.get(part, part) for part in word.split("-")]
    return "-".join(
        part if any(c.isdigit() for c in part) else _synonym_of(_stem_word(part)) for part in parts
    )


def _synonym_of(stemmed: str) -> str:
    return _synonym_stems().get(stemmed, stemmed)


# British spellings read as the American ones the registry mostly writes: the medical digraphs
# ("haemorrhage", "oesophageal", "apnoea", "paediatric", "coeliac"), and a few words of their own.
_BRITISH_DIGRAPH = re.compile(r"[ao]e")
_BRITISH_WORDS = (("tumour", "tumor"), ("randomis", "randomiz"))


def american_spelling(word: str) -> str:
    """A lower-case word as American English spells it ("leukaemia" -> "leukemia")."""
    for british, american in _BRITISH_WORDS:
        word = word.replace(british, american)
    return _BRITISH_DIGRAPH.sub("e", word)


def _stem_word(word: str) -> str:
    return str(_STEMMER.stemWord(american_spelling(word)))


def stems(words: Iterable[str]) -> set[str]:
    return {stem(w) for w in words}


@cache
def relatives() -> re.Pattern[str]:
    """The words for a patient's relatives (data: words.yaml)."""
    return re.compile(r"\b(?:" + "|".join(map(str, _data()["relatives"])) + r")(?:'s)?\b", re.IGNORECASE)


@cache
def people() -> str:
    """A regular expression for the words that name the people a trial takes (data: words.yaml)."""
    return r"\b(?:" + "|".join(map(str, _data()["people"])) + r")\b"


@cache
def _site_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    sites = _data()["body_sites"]
    return tuple(
        (str(site), re.compile(r"(?<!\w)(?:" + "|".join(map(str, patterns)) + r")(?!\w)", re.IGNORECASE))
        for site, patterns in sites.items()
    )


def body_sites(text: str) -> set[str]:
    """The body sites `text` names, by their words.yaml names ("RT to a T12 vertebral met" -> spine)."""
    return {site for site, pattern in _site_patterns() if pattern.search(text)}


@cache
def _disease_words() -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(map(str, _data()["disease_words"])) + r")\b", re.IGNORECASE)


def disease_words(text: str) -> list[re.Match[str]]:
    """The words of `text` that name a disease by their form or head ("cirrhosis", "... disease")."""
    return list(_disease_words().finditer(text))


@cache
def _measure_words() -> re.Pattern[str]:
    return re.compile(r"(?:" + "|".join(map(str, _data()["measure_words"])) + r")", re.IGNORECASE)


def names_a_measure(name: str) -> bool:
    """Whether a name is a scale or criteria rather than a disease, by its words (words.yaml)."""
    return any(_measure_words().fullmatch(word) for word in re.findall(r"[A-Za-z]+", name))


@cache
def condition_qualifiers() -> frozenset[str]:
    """Words of a condition's name that say its stage or severity, not which disease (words.yaml)."""
    return frozenset(str(w) for w in _data()["condition_qualifiers"])


@cache
def _healthy() -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(map(str, _data()["healthy"])) + r")\b", re.IGNORECASE)


@lru_cache(maxsize=200_000)  # every trial's inclusions, for every vignette
def asks_for_healthy(text: str) -> re.Match[str] | None:
    """Where `text` asks for people without illness ("Healthy adults"), if it does (words.yaml)."""
    return _healthy().search(text)


@cache
def _other_person_first() -> re.Pattern[str]:
    person = "|".join(map(str, _data()["other_people"]))
    # "Donor: ...", "Donor HIV positive", "Donors must ...": the person leads; "Donor available"
    # (the patient has one) and "Donor's ..." followed by the patient's own need do not count
    return re.compile(
        rf"^\W*(?:(?:the|a|an|any|potential|prospective|intended|HLA[- ][\w/-]+|matched|identical)\s+)*"
        rf"(?P<person>{person})\b(?!\s+(?:is\s+|must be\s+)?(?:available|identified|search|type|source))",
        re.IGNORECASE,
    )


def other_person(text: str) -> str | None:
    """The person other than the patient a criterion or heading is about, by its first words
    ("DONOR: Age < 75 years" -> "donor"), else None (words.yaml `other_people`)."""
    match = _other_person_first().match(text)
    return match.group("person").lower() if match else None


@lru_cache(maxsize=10_000)
def numbers_in_digits(text: str) -> str:
    """Numbers written in words as digits ("seventy-five" -> "75", "forty five" -> "45"), by text2num;
    as its default does, lone small numbers stay words ("one of two patients", "no one")."""
    from text_to_num import alpha2digit  # here: only questions that hold words pay its import

    return str(alpha2digit(text, "en"))


@cache
def _performance_patterns() -> tuple[tuple[int, re.Pattern[str]], ...]:
    described = _data()["performance_described"]
    return tuple(
        (int(grade), re.compile(r"(?<!\w)(?:" + "|".join(map(str, patterns)) + r")(?!\w)", re.IGNORECASE))
        for grade, patterns in sorted(described.items(), key=lambda item: -int(item[0]))
    )


def performance_in_grades(text: str) -> str:
    """A performance status described in words as its ECOG grade: "up and about more than half the
    day, can look after herself but can't work" -> "ECOG 2" (the descriptions are data, words.yaml)."""
    for grade, pattern in _performance_patterns():
        found = pattern.search(text)
        if found:
            return f"{text[: found.start()]}ECOG {grade}{text[found.end() :]}"
    return text


@dataclass(frozen=True)
class AgeGroup:
    """Ages written as a span of years: "in her early 70s" is 70-73; "over-80s" is over 80."""

    low: float
    high: float | None  # None: open above ("over-80s"), or `low` is an upper bound ("under-18s")
    comparator: str | None  # ">" over-..., "<" under-..., None: the span low..high
    start: int
    end: int
    people: bool = False  # names a group of people ("teenagers"), not one person's age


@cache
def _age_group_pattern() -> re.Pattern[str]:
    groups = _data()["age_groups"]
    decade_words = "|".join([*groups["decades"], *groups["genarians"]])
    parts = "|".join(groups["parts"])
    named = "|".join(groups["named"])
    return re.compile(
        # "in her early 70s", "in their mid-sixties", "late 60's", "an octogenarian"
        rf"\b(?:in\s+(?:his|her|their|the|my|your|our)\s+)?(?:(?P<part>{parts})[\s-]*)?"
        rf"(?:(?P<decade>[1-9]0)['’]?s|(?P<word>{decade_words}))\b"
        # "over-80s", "the over 65s", "under-18s"
        rf"|\b(?P<beyond>over|under)[\s-]*(?P<bound>[1-9]\d)['’]?s\b"
        rf"|\b(?P<named>{named})\b",
        re.IGNORECASE,
    )


def age_groups(text: str) -> list[AgeGroup]:
    """Every age span `text` writes (words.yaml `age_groups`), in order. A bare "70s" needs a
    qualifier or "in her ..." before it: "the 1970s" and "70s" alone may be years, not ages."""
    groups = _data()["age_groups"]
    found = []
    for m in _age_group_pattern().finditer(text):
        if m.group("beyond"):
            comparator = ">" if m.group("beyond").lower() == "over" else "<"
            found.append(AgeGroup(float(m.group("bound")), None, comparator, m.start(), m.end()))
        elif m.group("named"):
            low, high = next(
                span for name, span in groups["named"].items() if re.fullmatch(name, m.group("named"), re.I)
            )
            found.append(AgeGroup(float(low), float(high), None, m.start(), m.end(), people=True))
        else:
            written = (m.group("word") or "").lower()
            if m.group("decade") and not (m.group("part") or m.group(0).lower().startswith("in ")):
                continue
            start = float(m.group("decade") or groups["decades"].get(written) or groups["genarians"][written])
            low, high = groups["parts"][m.group("part").lower()] if m.group("part") else (0, 9)
            found.append(AgeGroup(start + low, start + high, None, m.start(), m.end()))
    return found
