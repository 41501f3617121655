"""Record fields a question can filter on beyond the enumerations: dates compared with a date,
places, whether a record lists sites / investigators / contacts at all, and record conflicts.

Each filter is read from the question here and judged against a trial here, so a new one is one
reader and one judge in this module. Dates are parsed with dateutil; places are the ones the
indexed records name (a city no record names is not a filter).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from assistant.evidence import find_quote, sentences
from assistant.models import Citation
from assistant.query import FieldTest
from index.language.words import place_names
from index.models import Trial
from index.readers.dose import dose_phrases
from index.trial_fields import listed_names, parse_date

_DATE_FIELDS: dict[str, tuple[str, str]] = {
    # question word -> (field, how the answer names it)
    "primary completion": ("primary_completion_date", "primary completion date"),
    "completion": ("completion_date", "completion date"),
    "complete": ("completion_date", "completion date"),
    "end": ("completion_date", "completion date"),
    "finish": ("completion_date", "completion date"),
    "start": ("start_date", "start date"),
    "begin": ("start_date", "start date"),
}
_DATE_OPERATORS: tuple[tuple[str, str], ...] = (
    (r"on or before|no later than|not later than|by", "<="),
    (r"on or after|no earlier than|from", ">="),
    (r"before|earlier than|prior to", "<"),
    (r"after|later than", ">"),
)
_DATE_TEXT = (
    r"(?:\d{4}-\d{2}(?:-\d{2})?"  # 2026-12-31, 2026-12
    r"|\d{1,2}(?:st|nd|rd|th)?\s+[A-Za-z]{3,9}\.?,?\s+\d{4}"  # 31 dec 2026
    r"|[A-Za-z]{3,9}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}"  # December 31, 2026
    r"|[A-Za-z]{3,9}\.?\s+\d{4}|\d{4})"  # December 2026, 2026
)
DATE_PHRASE = re.compile(_DATE_TEXT, re.IGNORECASE)
_DATE_FILTER = re.compile(
    r"\b(?P<what>primary completion|completion|complete|end|finish|start|begin)\w*"
    r"(?:\s+(?:date|dates))?(?:\s+(?:is|was|falls?|of|set))?\s+"
    r"(?P<op>" + "|".join(p for p, _ in _DATE_OPERATORS) + r")\s+(?:the\s+)?(?P<date>" + _DATE_TEXT + r")",
    re.IGNORECASE,
)

_LISTED_PARTS: dict[str, tuple[str, str]] = {
    "site": ("has_sites", "sites"),
    "location": ("has_sites", "sites"),
    "principal investigator": ("has_investigator", "a principal investigator"),
    "pi": ("has_investigator", "a principal investigator"),
    "investigator": ("has_investigator", "a principal investigator"),
    "contact": ("has_contacts", "contacts"),
}
_PART = r"(?P<part>sites?|locations?|principal investigators?|investigators?|PIs?|contacts?)"
_ABSENT_PART = re.compile(
    r"\b(?:don'?t|dont|do not|does not|doesn'?t|no|without|lack(?:s|ing)?|missing|never)\s+"
    r"(?:list|name|give|have|state|show|include)?\w*\s*(?:any\s+|a\s+|an\s+)?(?:study\s+)?(?:site\s*/\s*)?"
    + _PART,
    re.IGNORECASE,
)
_PRESENT_PART = re.compile(
    r"\b(?:list|name|give|have|state|show|include|with)s?\s+(?:any\s+|a\s+|an\s+)?(?:study\s+)?" + _PART,
    re.IGNORECASE,
)
_SPONSORED_BY = re.compile(
    # the name ends with its clause: "led by Min Yan - what is its status?"
    r"\b(?:sponsored|funded|led|run|conducted|organi[sz]ed)\s+by\s+(?:the\s+)?(?P<name>\w[^?,;]*?)\s*(?:[?,;:]|\s-\s|$)",
    re.IGNORECASE,
)
_CONFLICT = re.compile(r"\b(?:contradict\w*|conflict\w*|inconsisten\w*|disagree\w*|discrepan\w*)\b", re.I)
_CONFLICT_TOPIC = re.compile(r"\b(sex|gender|age|drug|dose|name|date)\b", re.IGNORECASE)
_PLACE_CUE = re.compile(
    r"\b(?:(?P<outside>outside(?:\s+of)?|beyond|other\s+than|anywhere\s+but|except(?:\s+in)?|apart\s+from)|"
    r"in|at|near|around|from|within)\s+(?:the\s+)?(?:city\s+of\s+)?",
    re.IGNORECASE,
)
# What a place cue says of the trial's sites when written after these: none there ("not in China",
# "no sites in Japan", "without a centre in Italy"); after "only", none elsewhere ("only in Spain").
_SITE_NOUNS = r"(?:sites?|locations?|cent(?:re|er)s?|hospitals?)"
_SITE_WORDS = (
    r"(?:have|has|having|list\w*|run\w*|recruit\w*|enrol\w*|open\w*|based|located|held|conducted|a|an|any|"
    rf"single|one|{_SITE_NOUNS}|with)"
)
_NO_SITE_BEFORE = re.compile(rf"(?:\b(?:not|never|no|none|without)|n't)(?:\s+{_SITE_WORDS}){{0,3}}\s*$", re.I)
_ONLY_BEFORE = re.compile(r"\b(?:only|exclusively|solely)\s*$", re.IGNORECASE)
# The sites a place cue is said of, written before it: "have a site in", "with centres outside".
_SITES_BEFORE = re.compile(
    r"(?:\b(?:have|has|having|with|list\w*)\s+)?(?:(?:a|an|any|one|some)\s+)?"
    rf"\b{_SITE_NOUNS}\s*$",
    re.IGNORECASE,
)


def read_field_filters(text: str, places: Collection[str]) -> list[FieldTest]:
    """Date, place, listed-part, dose and conflict filters in a question."""
    place_lists = _place_lists(text, places)
    tests = [
        *_date_filters(text),
        *_place_filters(place_lists),
        *_part_filters(text, [(found.start, found.end) for found in place_lists]),
        *_dose_filters(text),
    ]
    sponsor = _SPONSORED_BY.search(text)
    if sponsor:
        name = sponsor.group("name").strip()
        names = [n for n in re.split(r"\s+(?:or|either)\s+", name, flags=re.I) if n]  # any of them
        tests.append(FieldTest(field="sponsor_name", values=names, label=f"sponsored by {name}"))
    if _CONFLICT.search(text):
        topic = _CONFLICT_TOPIC.search(text)
        topics = [topic.group(1).lower().replace("gender", "sex")] if topic else []
        label = f"contradicting themselves on {topics[0]}" if topics else "contradicting themselves"
        tests.append(FieldTest(field="conflict", values=topics, label=label))
    return tests


def place_spans(text: str, places: Collection[str]) -> list[tuple[int, int]]:
    """Where the question names places with what it asks of the sites there ("no sites in Japan"):
    those words do not also ask whether a record lists or states sites."""
    return [(found.start, found.end) for found in _place_lists(text, places)]


def filter_spans(text: str, places: Collection[str]) -> list[tuple[int, int]]:
    """Where the question states this module's filters: those words are not also terms ("in China
    with a completion date before 2030" is a place and a date, not a condition)."""
    spans = [m.span() for m in _DATE_FILTER.finditer(text)] + [m.span() for m in _SPONSORED_BY.finditer(text)]
    spans += place_spans(text, places)
    conflict = _CONFLICT.search(text)
    if conflict:  # "disagree with themselves about sex": the topic of the conflict, not a condition
        topic = _CONFLICT_TOPIC.search(text, conflict.end())
        spans.append((conflict.start(), topic.end() if topic else conflict.end()))
    return spans


def _date_filters(text: str) -> list[FieldTest]:
    tests = []
    for match in _DATE_FILTER.finditer(text):
        field, name = _DATE_FIELDS[match.group("what").lower()]
        operator = next(
            op for pattern, op in _DATE_OPERATORS if re.fullmatch(pattern, match.group("op"), re.I)
        )
        bound = parse_date(match.group("date"), end_of_period=operator in ("<=", ">"))
        if bound is None:
            continue
        tests.append(
            FieldTest(
                field=field,  # type: ignore[arg-type]
                values=[bound.isoformat()],
                operator=operator,  # type: ignore[arg-type]
                label=f"with a {name} {match.group('op').lower()} {bound.isoformat()}",
            )
        )
    return tests


# Between two places of one list: "China, Japan or Korea", "in Tianjin or in Hangzhou".
_PLACE_JOINT = re.compile(r"\s*(?:,\s*(?:(?:or|and)\s+)?|\s(?:or|and)\s+)(?:in\s+|at\s+)?(?:the\s+)?", re.I)


@dataclass(frozen=True)
class _PlaceList:
    """Known places named together after one place cue, as the question relates a trial's sites to
    them: some site there ("in"), or some site elsewhere ("outside"); `negated`: no such site ("not
    in China": none there; "only in Spain": none elsewhere)."""

    start: int  # from the words that negate the cue ("no sites in")
    end: int
    named: list[str]
    alternatives: bool  # joined by "or": any of them
    operator: Literal["in", "outside"]
    negated: bool


def _place_filters(place_lists: Sequence[_PlaceList]) -> list[FieldTest]:
    """Places the records name, after "in", "at", "near", "outside"...: "anything running in
    Hangzhou?". A list joined by "or" is one filter taking any of them; joined by "and", one filter
    each, but one filter where the sites must avoid them all ("not in China or Japan")."""
    groups: list[tuple[tuple[str, ...], str, bool]] = []
    for found in place_lists:
        together = found.alternatives or found.negated or found.operator == "outside"
        named = [found.named] if together else [[p] for p in found.named]
        groups += [(tuple(dict.fromkeys(g)), found.operator, found.negated) for g in named]
    return [
        FieldTest(
            field="location",
            values=list(g),
            label=place_label(g, operator, negated),
            operator=operator,  # type: ignore[arg-type]
            negated=negated,
        )
        for g, operator, negated in dict.fromkeys(groups)
    ]


def place_label(named: Sequence[str], operator: str, negated: bool) -> str:
    """How an answer names a place filter: "with a site outside China", "with no site in Japan"."""
    places = " or ".join(p.title() for p in named)
    if operator == "outside":
        return f"with sites only in {places}" if negated else f"with a site outside {places}"
    return f"with no site in {places}" if negated else f"with a site in {places}"


def _place_lists(text: str, places: Collection[str]) -> list[_PlaceList]:
    """Each list of known places after a place cue, and each place naming sites ("no US site")."""
    lists: list[_PlaceList] = []
    for cue in _PLACE_CUE.finditer(text):
        if lists and cue.start() < lists[-1].end:
            continue  # "in Tianjin" of "in Zhengzhou or in Tianjin": read with the list
        found = _place_at(text, cue.end(), places)
        named: list[str] = []
        alternatives = False
        end = cue.end()
        while found is not None:
            named.append(found[0])
            end = found[1]
            joint = _PLACE_JOINT.match(text, end)
            found = _place_at(text, joint.end(), places) if joint else None
            alternatives |= found is not None and joint is not None and "or" in joint.group().lower().split()
        if not named:
            continue
        before = text[: cue.start()]
        no_site, only = _NO_SITE_BEFORE.search(before), _ONLY_BEFORE.search(before)
        outside = cue.group("outside") is not None
        said = no_site or only or _SITES_BEFORE.search(before)
        lists.append(
            _PlaceList(
                start=said.start() if said else cue.start(),  # "no sites in": not also "listing no sites"
                end=end,
                named=named,
                alternatives=alternatives,
                # "only in Spain": no site outside it; "not only in Spain": some site outside it
                operator="outside" if outside != (only is not None) else "in",
                negated=(no_site is not None) != (only is not None),
            )
        )
    of_sites = [
        p
        for p in _places_of_sites(text, places)
        if not any(p.start < q.end and q.start < p.end for q in lists)
    ]
    return sorted([*lists, *of_sites], key=lambda found: found.start)


# A place naming the sites it is said of: "no US site", "any German centres", "a UK hospital".
_DETERMINER = re.compile(r"\b(?P<det>no|any|a|an|some|without|with|have|has)\s+", re.IGNORECASE)
_SITE_NOUN = re.compile(rf"\s+{_SITE_NOUNS}\b", re.IGNORECASE)


def _places_of_sites(text: str, places: Collection[str]) -> list[_PlaceList]:
    found = []
    for determiner in _DETERMINER.finditer(text):
        place = _place_at(text, determiner.end(), places)
        sites = _SITE_NOUN.match(text, place[1]) if place else None
        if place is None or sites is None:
            continue
        before = text[: determiner.start()]
        denied = (
            determiner.group("det").lower() in ("no", "without") or _NO_SITE_BEFORE.search(before) is not None
        )
        found.append(_PlaceList(determiner.start(), sites.end(), [place[0]], False, "in", denied))
    return found


def _place_at(text: str, at: int, places: Collection[str]) -> tuple[str, int] | None:
    """The known place (up to four words) that starts at `at`, and where it ends. Other names of a
    place (words.yaml `place_names`: "the US") are read as the registry's; a short one only in
    capitals ("US", not the "us" of "near us")."""
    words = list(re.finditer(r"[\w'.-]+", text[at : at + 60]))
    if not words or words[0].start() > 0:
        return None
    for n in range(min(4, len(words)), 0, -1):
        written = " ".join(w.group() for w in words[:n]).rstrip(".")
        candidate = written.lower()
        alias = place_names().get(candidate)
        if alias is not None and (written.isupper() or len(candidate.replace(".", "")) > 3):
            candidate = alias
        if candidate in places:  # ends before a full stop ("... in China.")
            return candidate, at + words[n - 1].start() + len(words[n - 1].group().rstrip("."))
    return None


def _part_filters(text: str, place_spans: Sequence[tuple[int, int]]) -> list[FieldTest]:
    """Whether a record lists sites, investigators, contacts at all; not the sites of a place filter
    ("no sites in Japan", `place_spans`)."""
    tests: list[FieldTest] = []
    for pattern, present in ((_ABSENT_PART, False), (_PRESENT_PART, True)):
        for match in pattern.finditer(text):
            if any(start <= match.start() < end for start, end in place_spans):
                continue
            part = match.group("part").lower().rstrip("s")
            field, name = _LISTED_PARTS.get(part, _LISTED_PARTS.get(part.replace("principal ", ""), ("", "")))
            if not field or any(t.field == field for t in tests):
                continue
            label = f"listing {name}" if present else f"listing no {name}"
            tests.append(FieldTest(field=field, values=["TRUE" if present else "FALSE"], label=label))  # type: ignore[arg-type]
    return tests


# Spellings of one dose unit ("mcg", "µg", "ug" are one unit).
_DOSE_UNITS = {
    "mcg": "µg",
    "μg": "µg",
    "ug": "µg",
    "µg": "µg",
    "iu": "IU",
    "units": "IU",
    "unit": "IU",
    "u": "IU",
}
# Units of an amount given; volumes and rates ("40 mL/min") are lab values, not doses.
_AMOUNT_UNITS = frozenset({"mg", "µg", "g", "ng", "IU", "miu"})
_DOSE_AMOUNT = re.compile(r"(\d+(?:,\d{3})*(?:\.\d+)?)\s?([a-zA-Zµμ]+)")


def _dose_key(phrase: str) -> tuple[float, str] | None:
    """'200 μg per dose' -> (200.0, 'µg'): the amount and its unit, spellings made one."""
    match = _DOSE_AMOUNT.match(phrase.strip())
    if match is None:
        return None
    unit = match.group(2).lower()
    return float(match.group(1).replace(",", "")), _DOSE_UNITS.get(unit, unit)


def _dose_filters(text: str) -> list[FieldTest]:
    """A dose the question gives ("200 mcg sc once a week"): trials giving that amount."""
    keys = [
        k for phrase in dose_phrases(text) if (k := _dose_key(phrase)) is not None and k[1] in _AMOUNT_UNITS
    ]
    return [
        FieldTest(field="dose", values=[f"{amount:g}", unit], label=f"giving {amount:g} {unit} doses")
        for amount, unit in keys[:1]
    ]


def _judge_dose(trial: Trial, test: FieldTest) -> tuple[str, str, list[Citation]]:
    wanted = (float(test.values[0]), test.values[1])
    for phrase in dose_phrases(trial.text):
        if _dose_key(phrase) == wanted:
            sentence = next((s for s in sentences(trial.text) if phrase in s), phrase)
            quote = find_quote(trial, [sentence, phrase])
            cites = [Citation(nct_id=trial.nct_id, section="Interventions", quote=quote)] if quote else []
            return "match", f"gives {phrase}", cites
    return "no match", f"no {test.values[0]} {test.values[1]} dose in the record", []


# ---- judging a trial -------------------------------------------------------------------------

Judge = Callable[[Trial, FieldTest], tuple[str, str, list[Citation]]]


def judge(trial: Trial, test: FieldTest) -> tuple[str, str, list[Citation]]:
    """(outcome, reason, citations) of one trial against one of this module's filters."""
    return _JUDGES[test.field](trial, test)


def _judge_date(trial: Trial, test: FieldTest) -> tuple[str, str, list[Citation]]:
    written: str | None = getattr(trial, test.field)
    name = test.field.replace("_", " ")
    if not written:
        return "not stated", f"the record does not state its {name}", []
    stated = parse_date(written, end_of_period=test.operator in ("<", "<="))
    if stated is None:
        return "not stated", f"its {name} '{written}' is not a date", []
    bound = date.fromisoformat(test.values[0])
    hit = {"<=": stated <= bound, "<": stated < bound, ">=": stated >= bound, ">": stated > bound}[
        test.operator
    ]
    quote = find_quote(trial, [written])
    cites = [Citation(nct_id=trial.nct_id, section="Dates", quote=quote)] if quote else []
    return ("match" if hit else "no match"), f"{name} {written}", cites


def _judge_location(trial: Trial, test: FieldTest) -> tuple[str, str, list[Citation]]:
    """Some site in any of the places, or (operator "outside") some site in none of them; negated:
    no such site. A site the record gives no place for is neither."""
    wanted = set(test.values)  # any of them: "in China or Japan"
    placed = [names for s in trial.sites if (names := [p for p in (s.city, s.state, s.country) if p])]
    if not placed:
        return "not stated", "no site's place is given" if trial.sites else "the record lists no sites", []
    there = [n for names in placed for n in names if n.lower() in wanted]
    elsewhere = [names[-1] for names in placed if not any(n.lower() in wanted for n in names)]
    asked = " or ".join(p.title() for p in test.values)
    found = there if test.operator == "in" else elsewhere
    if found and not test.negated:
        return "match", f"has a site in {found[0]}", _site_citations(trial, found)
    if found:  # negated: the site that should not be there is
        return "no match", f"has a site in {found[0]}", []
    if test.negated:  # none there: every site elsewhere, or every site in the places
        cited = elsewhere if test.operator == "in" else there
        reason = f"no site in {asked}" if test.operator == "in" else f"every site in {asked}"
        return "match", reason, _site_citations(trial, cited)
    return "no match", f"no site in {asked}" if test.operator == "in" else f"every site in {asked}", []


def _site_citations(trial: Trial, names: Sequence[str]) -> list[Citation]:
    quote = find_quote(trial, list(dict.fromkeys(names)))
    return [Citation(nct_id=trial.nct_id, section="Locations", quote=quote)] if quote else []


def _judge_part(trial: Trial, test: FieldTest) -> tuple[str, str, list[Citation]]:
    names = listed_names(trial, test.field)  # type: ignore[arg-type]
    wanted = test.values == ["TRUE"]
    part = test.field.removeprefix("has_").replace("_", " ")
    if names:
        quote = find_quote(trial, names)
        cites = [Citation(nct_id=trial.nct_id, section=part.title(), quote=quote)] if quote else []
        return ("match" if wanted else "no match"), f"lists {part}: {', '.join(names[:3])}", cites
    # Nothing listed: the record's title is what can be cited for a record that lists none.
    title = find_quote(trial, [trial.title])
    cites = [Citation(nct_id=trial.nct_id, section="Title", quote=title)] if title else []
    return ("no match" if wanted else "match"), f"lists no {part}", cites


def _judge_sponsor(trial: Trial, test: FieldTest) -> tuple[str, str, list[Citation]]:
    wanted = [" ".join(v.lower().split()) for v in test.values]
    named = [s for s in trial.sponsors if any(w in " ".join(s.name.lower().split()) for w in wanted)]
    if not trial.sponsors:
        return "not stated", "the record names no sponsor", []
    if not named:
        return "no match", f"sponsors: {', '.join(s.name for s in trial.sponsors)}", []
    quote = find_quote(trial, [s.name for s in named])
    cites = [Citation(nct_id=trial.nct_id, section="Sponsors", quote=quote)] if quote else []
    return "match", f"{named[0].role or 'sponsor'}: {named[0].name}", cites


def _judge_conflict(trial: Trial, test: FieldTest) -> tuple[str, str, list[Citation]]:
    topic = test.values[0] if test.values else None
    notes = [c for c in trial.conflicts if topic is None or re.search(rf"\b{topic}", c, re.IGNORECASE)]
    if not notes:
        return "no match", "no record conflict" + (f" on {topic}" if topic else ""), []
    quotes = [q for q in re.findall(r"[\"“']([^\"”']{3,200})[\"”']", " ".join(notes)) if q]
    cites = [
        Citation(nct_id=trial.nct_id, section="Record", quote=q) for q in quotes if find_quote(trial, [q])
    ]
    return "match", notes[0], cites


_JUDGES: dict[str, Judge] = {
    "start_date": _judge_date,
    "completion_date": _judge_date,
    "primary_completion_date": _judge_date,
    "location": _judge_location,
    "has_sites": _judge_part,
    "has_investigator": _judge_part,
    "has_contacts": _judge_part,
    "conflict": _judge_conflict,
    "dose": _judge_dose,
    "sponsor_name": _judge_sponsor,
}
FIELDS = frozenset(_JUDGES)
