"""Age and sex: from a trial's structured eligibility fields and from criteria.

Age facts carry the allowed range as boundary years in low/high; the comparator tells whether
the boundary itself is allowed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from index.facts.comparators import CMP, NUM, comparator, number
from index.facts.reading import Reading
from index.models import Comparator, Fact, FactKind, Trial

# ---------------------------------------------------------------- structured fields


def structured_facts(trial: Trial) -> list[Fact]:
    """Age limits and sex from the structured fields, where the record text shows them to quote."""
    facts: list[Fact] = []
    fields: tuple[tuple[str | None, float | None, Comparator], ...] = (
        (trial.min_age, trial.min_age_years, ">="),
        (trial.max_age, trial.max_age_years, "<="),
    )
    for written, years, limit in fields:
        if written is None or years is None or written not in trial.text:
            continue
        facts.append(
            Fact(
                kind=FactKind.AGE,
                source="structured",
                quote=written,
                comparator=limit,
                value=years,
                low=years if limit == ">=" else None,
                high=years if limit == "<=" else None,
                unit="years",
            )
        )
    sex = _structured_sex_quote(trial)
    if trial.sex and sex:
        facts.append(Fact(kind=FactKind.SEX, source="structured", quote=sex, term=trial.sex.lower()))
    return facts


def _structured_sex_quote(trial: Trial) -> str | None:
    """The sex field as the record text writes it ("FEMALE", "All"), preferring a labelled one."""
    if not trial.sex:
        return None
    word = re.escape(trial.sex)
    labelled = re.search(rf"(?:sex|gender)[^A-Za-z]{{0,6}}({word})\b", trial.text, re.IGNORECASE)
    if labelled:
        return labelled.group(1)
    anywhere = re.search(rf"\b{word}\b", trial.text)
    return anywhere.group() if anywhere else None


# ---------------------------------------------------------------- age in a criterion

_AGE_WORDS = re.compile(r"\bage[ds]?\b|years? old|years? of age|yrs? old|year-old", re.IGNORECASE)
_YEARS = r"(?:years?|yrs?)(?:\s*(?:old|of age))?"
_AGE_RANGES = (
    r"\bage[ds]?\s*(?:of\s+|:\s*|is\s+|between\s+|from\s+)?"
    r"(?P<a>\d{1,3})\s*(?:-|–|to|and)\s*(?P<b>\d{1,3})(?![\d.])",
    rf"\bbetween\s+(?:the\s+)?(?:ages?\s+(?:of\s+)?)?(?P<a>\d{{1,3}})\s*(?:{_YEARS}\s*)?"
    rf"(?:and|-|to)\s*(?P<b>\d{{1,3}})\s*{_YEARS}",
    rf"(?<!within )(?<!for )(?<!past )(?P<a>\b\d{{1,3}})\s*(?:-|–|to)\s*(?P<b>\d{{1,3}})\s*{_YEARS}",
)
_AGE_COMPARISONS = (
    rf"\bage[ds]?\s*(?:of\s+|:\s*|must be\s+|is\s+|should be\s+)?{CMP}\s*{NUM}(?:\s*{_YEARS})?(?![\d.])",
    rf"{CMP}\s*(?:the\s+age\s+of\s+)?{NUM}\s*{_YEARS}",
)
_AGE_LEADS = re.compile(
    r"\W*(?:(?:patients?|subjects?|participants?|individuals?)\s+)?(?:age[ds]?\b|younger|older|under|over|"
    r"less than|more than|[<>≤≥]|\\[<>])",
    re.IGNORECASE,
)
# An age limit opens its criterion ("Age 18-75", "Female, age >= 18 years"); an age deep inside
# one, or in a conditional one, limits a sub-group ("... consent of parent if under 18").
_AGE_LEAD_CHARS = 45
_CONDITIONAL_AGE = re.compile(
    r"\bif\b|\bwhen\b|\bmust have\b|\bconsent of\b|\bdonors?\b|\bpriority\b|\bstratum\b|"
    # "Patients age 50 and under must be HLA typed": a rule for those of that age
    r"\b(?:and|or)\s+(?:under|over|older|younger|above|below)\s+(?:must|should|will|need|are to)\b|"
    r"\bfor (?:patients|subjects|participants|those|children|women|men|adults)\b|"
    # "under 55 years of age and amenorrheic for 12 months OR FSH >= 40": a menopause definition
    r"\bamenorrh\w*|\bmenopaus\w*|\bFSH\b|follicle[- ]stimulating|\boophorectomy\b",
    re.IGNORECASE,
)
# "at least 1 year of amenorrhea", "2 years since diagnosis": a duration, not an age.
_NOT_AN_AGE = re.compile(
    r"\s*(?:months?|weeks?|wks?|days?|hours?|hrs?|h)\b|\s+(?:of\s+(?!age)|since|after|ago|before|prior|from|duration|post)",
    re.IGNORECASE,
)
_UPWARD = ("older", "over", "above", "greater", "more", "up")
_AGE_OPEN_ENDED = (
    r"(?P<num>\b\d{1,3})(?:\s*" + _YEARS + r"){optional}\s*(?:or|and)\s+"
    r"(?P<dir>older|over|above|greater|more|up|younger|under|below|less)\b"
)
_MAX_AGE = 120  # a larger number next to "years" is not an age

_Bound = tuple[Comparator | None, float | None, float | None, float | None]  # comparator, value, low, high


def age_facts(reading: Reading) -> Iterator[Fact]:
    """At most one AGE fact: the widest range the criterion's age bounds allow."""
    is_age_item = reading.heading.startswith("age")
    if not (is_age_item or _AGE_WORDS.search(reading.text)):
        return
    if reading.section == "exclusion" and not _AGE_LEADS.match(reading.text):
        return  # "pregnant ... or of childbearing potential (<= 60 years of age)": not an age limit
    if _CONDITIONAL_AGE.search(reading.text):
        return  # "Patients 35 years of age and under must have a donor...": a sub-group rule
    bounds = _age_bounds(reading.text, unit_optional=is_age_item)
    if not bounds:
        return
    low, high = _widest_allowed(bounds, reading.section)
    single = bounds[0] if len(bounds) == 1 else (None, None, None, None)
    yield reading.fact(FactKind.AGE, comparator=single[0], value=single[1], low=low, high=high, unit="years")


def _widest_allowed(bounds: list[_Bound], section: str) -> tuple[float | None, float | None]:
    """The allowed (low, high) years over all bounds.

    Several bounds are alternatives as often as not ("men > 18 or women > 60"): keep the widest
    range, so no patient is ruled out on a reading the record may not mean.
    """
    lows: list[float] = []
    highs: list[float] = []
    for written, value, low, high in bounds:
        if written is not None and value is not None and section == "exclusion":
            low, high = _one_sided(
                value, upward=written.startswith("<")
            )  # "Age < 18" excluded: 18 is the low
        lows += [low] if low is not None else []
        highs += [high] if high is not None else []
    return (min(lows) if lows else None), (max(highs) if highs else None)


def _one_sided(value: float, upward: bool) -> tuple[float | None, float | None]:
    """(low, high) of a limit open upwards ("18 or older") or downwards ("75 or younger")."""
    return (value, None) if upward else (None, value)


def _age_bounds(text: str, unit_optional: bool) -> list[_Bound]:
    """(comparator, value, low, high) for each age bound the text states, each span read once.

    `unit_optional`: the item sits under an "Age:" heading, so "18 and over" needs no "years".
    """
    bounds: list[_Bound] = []
    taken: list[tuple[int, int]] = []
    for match, bound in _age_matches(text, unit_optional):
        if _NOT_AN_AGE.match(text, match.end()) or match.start() > _AGE_LEAD_CHARS:
            continue
        if all(match.end() <= a or match.start() >= b for a, b in taken):
            bounds.append(bound)
            taken.append(match.span())
    return bounds


def _age_matches(text: str, unit_optional: bool) -> Iterator[tuple[re.Match[str], _Bound]]:
    """Candidate age bounds, most specific shapes first."""
    for pattern in _AGE_RANGES:
        for m in re.finditer(pattern, text, re.IGNORECASE):
            if int(m.group("a")) < int(m.group("b")) <= _MAX_AGE:
                yield m, (None, None, float(m.group("a")), float(m.group("b")))
    comparisons = _AGE_COMPARISONS + ((rf"^\s*{CMP}\s*{NUM}",) if unit_optional else ())
    for pattern in comparisons:
        for m in re.finditer(pattern, text, re.IGNORECASE):
            value = number(m.group("num"))
            if value <= _MAX_AGE:
                written = comparator(m.group("cmp"))
                yield m, (written, value, *_one_sided(value, upward=written.startswith(">")))
    open_ended = _AGE_OPEN_ENDED.replace("{optional}", "?" if unit_optional else "")
    # right after "age" the number is one without its unit: "Aged 30 or under", "Age: 65 and over";
    # not in an aside choosing between scales ("Karnofsky 60-100% (age 10 and over) or Lansky")
    after_age = r"(?<!\()\bage[ds]?\s*(?:of\s+|:\s*|is\s+)?" + _AGE_OPEN_ENDED.replace("{optional}", "?")
    for m in (*re.finditer(open_ended, text, re.IGNORECASE), *re.finditer(after_age, text, re.IGNORECASE)):
        value = float(m.group("num"))
        if value <= _MAX_AGE:
            upward = m.group("dir").lower() in _UPWARD
            yield m, (">=" if upward else "<=", value, *_one_sided(value, upward))


# ---------------------------------------------------------------- sex in a criterion

_SEX_ALL = re.compile(
    r"\b(?:male or female|female or male|males? (?:and|or) females?|females? (?:and|or) males?|"
    r"men (?:and|or) women|women (?:and|or) men|both (?:sexes|genders)|either (?:sex|gender)|"
    r"regardless of (?:sex|gender)|all (?:sexes|genders)|males?\s*(?:/|,)\s*females?|"
    r"boys? (?:and|or) girls?|girls? (?:and|or) boys?)\b",
    re.IGNORECASE,
)
_SEX_LEADING = re.compile(
    r"\s*(?:(?:patients?|subjects?|participants?)\s+(?:must be\s+)?)?"
    r"(?:(?:adult|post-?menopausal|pre-?menopausal)\s+)?"
    r"(?:(?P<female>females?|women|woman|girls?)|(?P<male>males?|men|man|boys?))\b",
    re.IGNORECASE,
)
_REPRODUCTIVE = re.compile(
    r"child-?\s?bearing|pregnan|contracept|lactat|breast-?\s?feed|nursing|fertile|reproductive|"
    r"sexually active|condom|birth control|abstinence|sterili[sz]",
    re.IGNORECASE,
)


def sex_facts(reading: Reading) -> Iterator[Fact]:
    """A SEX fact from an inclusion that opens with a sex or admits both."""
    if reading.section != "inclusion":
        return
    if _REPRODUCTIVE.search(reading.text):
        return  # "women of childbearing potential must...", "male or female condoms": no restriction
    if _SEX_ALL.search(reading.text):
        yield reading.fact(FactKind.SEX, term="all")
        return
    leading = _SEX_LEADING.match(reading.text)
    if leading:
        yield reading.fact(FactKind.SEX, term="female" if leading.group("female") else "male")
