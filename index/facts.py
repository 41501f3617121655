"""Typed facts read from a trial's structured fields and from each eligibility criterion.

A fact is only produced where the text states it: a criterion of a kind nothing here reads
yields no fact (it stays a `Criterion`, searchable as text). Every fact quotes the criterion
(or structured field) it came from, verbatim.

Conventions (see index/models.py `Fact`):
- comparator/value are as written in their section; `required_comparator()` inverts exclusions.
- ECOG/Karnofsky/age facts also carry the ALLOWED range in low/high: ECOG and Karnofsky on
  their integer scales (exclusion "ECOG >= 3" allows 0-2), age as boundary years (the
  comparator tells whether the boundary itself is allowed).
- units are normalised: cell counts x10^9/L, haemoglobin g/L, ULN multiples, mL/min, mg/dL,
  umol/L; windows in `days` (1 week = 7, 1 month = 30, 1 year = 365 days).
- CONDITION facts name a canonical term (index/vocabulary.py). In an exclusion the condition
  excludes; in an inclusion it is required, unless the criterion negates it ("No brain
  metastases", "not a lactating patient"): then `qualifier="absent"`, i.e. it excludes too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from index.models import Comparator, Criterion, Fact, FactKind, Trial
from index.vocabulary import condition_matches, drug_matches

ABSENT = "absent"  # qualifier of an inclusion CONDITION the criterion requires to be absent

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14, "twenty-one": 21, "thirty": 30,
}  # fmt: skip
_DAYS_PER = {"day": 1, "week": 7, "wk": 7, "month": 30, "mo": 30, "year": 365, "yr": 365}

# Comparators as records write them, longest phrasings first, mapped to symbols.
_CMP_WORDS: tuple[tuple[str, Comparator], ...] = (
    (r"(?:greater|more|higher) than or equal to|equal to or (?:greater|more|higher) than", ">="),
    (r"(?:less|lower|fewer) than or equal to|equal to or (?:less|lower) than", "<="),
    (
        r"no (?:less|fewer|lower) than|not (?:less|fewer|lower) than|at least|of at least|minimum(?: of)?",
        ">=",
    ),
    (r"no (?:greater|more|higher) than|not (?:greater|more|higher) than|up to|maximum(?: of)?", "<="),
    (r"(?:should |must |does |do |to )?not (?:to )?exceed(?:ing)?|≯", "<="),
    (r"(?:greater|more|higher) than|above|over|in excess of|exceed(?:s|ing)?", ">"),
    (r"(?:less|lower|fewer) than|below|under", "<"),
    (r"≥|≧|>=|=>|\\?>\s?=|⩾", ">="),
    (r"≤|≦|<=|=<|\\?<\s?=|⩽", "<="),
    (r"\\?>", ">"),
    (r"\\?<", "<"),
)
_CMP = "(?P<cmp>" + "|".join("(?:" + p.replace(" ", r"\s+") + ")" for p, _ in _CMP_WORDS) + ")"
_NUM = r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"


def _comparator(written: str) -> Comparator:
    written = re.sub(r"\s+", " ", written.strip())
    for pattern, symbol in _CMP_WORDS:
        if re.fullmatch(pattern, written, re.IGNORECASE):
            return symbol
    raise ValueError(f"not a comparator: {written!r}")


def _number(written: str) -> float:
    return float(written.replace(",", ""))


def extract_facts(trial: Trial) -> list[Fact]:
    """Structured-field facts first, then each criterion's facts in criterion order."""
    facts = _structured_facts(trial)
    for section in (trial.inclusion, trial.exclusion):
        by_number = {c.number: c for c in section}
        for criterion in section:
            parent = by_number.get(criterion.parent) if criterion.parent is not None else None
            facts.extend(criterion_facts(criterion, parent))
    return facts


def criterion_facts(criterion: Criterion, parent: Criterion | None = None) -> list[Fact]:
    """The facts one criterion states. `parent` gives context to sub-items ("Age:" -> "18 and over")."""
    reading = _Reading(criterion, _heading_of(parent))
    return [
        *reading.performance(),
        *reading.age(),
        *reading.sex(),
        *reading.labs(),
        *reading.life_expectancy(),
        *reading.windows(),
        *reading.conditions(),
    ]


def _heading_of(parent: Criterion | None) -> str:
    """A parent that is a bare sub-heading ("Performance status:") names what its items measure."""
    if parent is None:
        return ""
    text = parent.text.strip()
    return text.lower() if len(text) < 60 and text.endswith(":") else ""


# ---------------------------------------------------------------- structured fields


def _structured_facts(trial: Trial) -> list[Fact]:
    facts: list[Fact] = []
    fields: tuple[tuple[str | None, float | None, Comparator], ...] = (
        (trial.min_age, trial.min_age_years, ">="),
        (trial.max_age, trial.max_age_years, "<="),
    )
    for written, years, comparator in fields:
        if written is None or years is None or written not in trial.text:
            continue
        facts.append(
            Fact(
                kind=FactKind.AGE,
                source="structured",
                quote=written,
                comparator=comparator,
                value=years,
                low=years if comparator == ">=" else None,
                high=years if comparator == "<=" else None,
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


# ---------------------------------------------------------------- one criterion


@dataclass
class _Reading:
    criterion: Criterion
    heading: str  # the parent sub-heading, lower-cased, or ""

    @property
    def text(self) -> str:
        return self.criterion.text

    def fact(self, kind: FactKind, **fields: object) -> Fact:
        return Fact(
            kind=kind,
            source=self.criterion.section,
            criterion_number=self.criterion.number,
            quote=self.criterion.text,
            **fields,  # type: ignore[arg-type]
        )

    # ------------------------------------------------------------ performance status

    def performance(self) -> Iterator[Fact]:
        seen: set[tuple[FactKind, float, float]] = set()
        for scale, start in _performance_mentions(self.text, self.heading):
            top = 100 if scale in ("Karnofsky", "Lansky") else 5
            reading = _scale_reading(self.text[start : start + 70], top)
            if reading is None:
                continue
            comparator, value, low, high = reading
            allowed = _allowed(self.criterion.section, comparator, value, low, high, top)
            if allowed is None:
                continue
            kind = FactKind.KARNOFSKY if top == 100 else FactKind.ECOG
            if (kind, *allowed) in seen:
                continue
            seen.add((kind, *allowed))
            yield self.fact(
                kind, comparator=comparator, value=value, low=allowed[0], high=allowed[1], term=scale
            )

    # ------------------------------------------------------------ age

    def age(self) -> Iterator[Fact]:
        is_age_item = self.heading.startswith("age")
        if not (is_age_item or _AGE_WORDS.search(self.text)):
            return
        if self.criterion.section == "exclusion" and not _AGE_LEADS.match(self.text):
            return  # "pregnant ... or of childbearing potential (<= 60 years of age)": not an age limit
        if _CONDITIONAL_AGE.search(self.text):
            return  # "Patients 35 years of age and under must have a donor...": a sub-group rule
        bounds = _age_bounds(self.text, unit_optional=is_age_item)
        if not bounds:
            return
        lows: list[float] = []
        highs: list[float] = []
        for comparator, value, bound_low, bound_high in bounds:
            if comparator is not None and value is not None and self.criterion.section == "exclusion":
                # "Age < 18" excluded: 18 is the allowed lower boundary.
                bound_low, bound_high = (value, None) if comparator.startswith("<") else (None, value)
            lows += [bound_low] if bound_low is not None else []
            highs += [bound_high] if bound_high is not None else []
        # Several bounds are alternatives as often as not ("men > 18 or women > 60"): keep the
        # widest range, so no patient is ruled out on a reading the record may not mean.
        single = bounds[0] if len(bounds) == 1 else (None, None, None, None)
        yield self.fact(
            FactKind.AGE,
            comparator=single[0],
            value=single[1],
            low=min(lows) if lows else None,
            high=max(highs) if highs else None,
            unit="years",
        )

    # ------------------------------------------------------------ sex

    def sex(self) -> Iterator[Fact]:
        if self.criterion.section != "inclusion":
            return
        if _REPRODUCTIVE.search(self.text):
            return  # "women of childbearing potential must...", "male or female condoms": no restriction
        if _SEX_ALL.search(self.text):
            yield self.fact(FactKind.SEX, term="all")
            return
        leading = _SEX_LEADING.match(self.text)
        if leading:
            yield self.fact(FactKind.SEX, term="female" if leading.group("female") else "male")

    # ------------------------------------------------------------ laboratory values

    def labs(self) -> Iterator[Fact]:
        triggers = _lab_triggers(self.text)
        for value in _lab_values(self.text):
            trigger = _trigger_for(triggers, value)
            if trigger is None or trigger.kind is None:
                continue
            normalised = _normalise(trigger.kind, value)
            if normalised is None:
                continue
            number, unit = normalised
            yield self.fact(
                trigger.kind,
                comparator=value.comparator,
                value=number,
                unit=unit,
                qualifier=_qualifier(self.text, value.start),
            )

    # ------------------------------------------------------------ life expectancy

    def life_expectancy(self) -> Iterator[Fact]:
        mention = _LIFE.search(self.text)
        if mention is None and not self.heading.startswith("life expectancy"):
            return
        start = mention.end() if mention else 0
        window = self.text[start : start + 70]
        found = re.search(rf"(?:{_CMP}\s*(?:of\s+)?)?{_DURATION}", window, re.IGNORECASE)
        if found is None:
            return
        comparator = _comparator(found.group("cmp")) if found.group("cmp") else None
        after = window[found.end() : found.end() + 25]
        if comparator is None and re.match(r"\s*(?:or|and)\s+(?:more|longer|greater|over)", after):
            comparator = ">="
        amount, unit, days = _duration(found)
        yield self.fact(FactKind.LIFE_EXPECTANCY, comparator=comparator, value=amount, unit=unit, days=days)

    # ------------------------------------------------------------ washouts and transfusions

    def windows(self) -> Iterator[Fact]:
        windows = list(_windows(self.text))
        if not windows:
            return
        transfusion = _TRANSFUSION.search(self.text)
        if transfusion:
            window = _window_near(windows, transfusion.start())
            yield self.fact(
                FactKind.PLATELET_TRANSFUSION,
                days=window.days,
                anchor=window.anchor,
                value=window.amount,
                unit=window.unit,
            )
        seen: set[str] = set()
        for drug in drug_matches(self.text):
            if drug.term.name in seen or (
                transfusion and transfusion.start() <= drug.start < transfusion.end()
            ):
                continue
            if self.text[drug.end : drug.end + 1] == ":":
                continue  # a field label ("Chemotherapy: At least 4 weeks since ..."), not a drug taken
            seen.add(drug.term.name)
            window = _window_near(windows, drug.start)
            yield self.fact(
                FactKind.WASHOUT,
                term=drug.term.name,
                days=window.days,
                anchor=window.anchor,
                value=window.amount,
                unit=window.unit,
            )

    # ------------------------------------------------------------ named conditions

    def conditions(self) -> Iterator[Fact]:
        section = self.criterion.section
        qualifier_spans = (
            [m.span() for m in _QUALIFIERS_ANY.finditer(self.text)] if _has_lab(self.text) else []
        )
        exception_spans = [m.span() for m in _EXCEPTION.finditer(self.text)]
        emitted: set[str] = set()
        for match in condition_matches(self.text):
            if any(a <= match.start < b for a, b in exception_spans):
                continue
            if any(a <= match.start < b for a, b in qualifier_spans):
                continue  # "patients with liver metastases, ALT <= 5 ULN" qualifies a limit
            if _RISK_OF.search(self.text[max(0, match.start - 30) : match.start]) or re.match(
                r"\s*risk", self.text[match.end :]
            ):
                continue  # "arrhythmias that increase the risk of thrombotic events / thromboembolic risk"
            negated = _negated(self.text, match.start)
            if section == "exclusion" and negated:
                continue
            if match.term.only_in and match.term.only_in != section and not negated:
                continue
            qualifier = ABSENT if section == "inclusion" and negated else None
            for name in (match.term.name, *match.term.broader):
                if name not in emitted:
                    emitted.add(name)
                    yield self.fact(FactKind.CONDITION, term=name, qualifier=qualifier)


# ---------------------------------------------------------------- performance helpers

_PERFORMANCE = re.compile(
    r"\b(?P<scale>ECOG|E\.C\.O\.G\.?|Eastern\s+Cooperative\s+Oncology\s+Group|Zubrod|Karnofsky|KPS|Lansky|"
    r"WHO(?=\s*(?:performance|PS|\d)))(?![a-z])"
    r"(?:[\s/=-]*(?:performance|perfomance|status|standard|score|scale|grade|PS|level|of|range|"
    r"for physical condition|"
    r"ECOG|WHO|Zubrod|\([^()]{1,45}\)))*",
    re.IGNORECASE,
)
_GENERIC_PERFORMANCE = re.compile(r"\bperformance\s+status(?:\s*\(PS\))?(?:\s*(?:score|of))*", re.IGNORECASE)


def _performance_mentions(text: str, heading: str) -> list[tuple[str, int]]:
    """(scale, offset after the mention) for each performance-status mention.

    A bare "performance status 0-2" reads on the scale the criterion names elsewhere ("... on
    ECOG scale"), ECOG when it names none: ECOG, WHO and Zubrod share one 0-5 scale.
    """
    mentions = []
    for m in _PERFORMANCE.finditer(text):
        word = re.sub(r"\s+", " ", m.group("scale")).upper()
        scale = (
            "Karnofsky" if word in ("KARNOFSKY", "KPS")
            else "Lansky" if word == "LANSKY"
            else "Zubrod" if word == "ZUBROD"
            else "WHO" if word == "WHO"
            else "ECOG"
        )  # fmt: skip
        mentions.append((scale, m.end()))
    named = mentions[0][0] if mentions else "ECOG"
    for generic in _GENERIC_PERFORMANCE.finditer(text):
        mentions.append((named, generic.end()))
    if not mentions and heading.startswith("performance status") and re.match(r"\s*\d", text):
        mentions.append(("ECOG", 0))
    return mentions


def _scale_reading(window: str, top: int) -> tuple[Comparator | None, float | None, float, float] | None:
    """(comparator, value, low, high) as written just after a scale name, or None."""
    digit = r"(\d{1,3})(?:\s*%)?"
    stop = re.search(r"[;]|\b(?:karnofsky|kps|lansky|ecog|who)\b", window[1:], re.IGNORECASE)
    window = window[: stop.start() + 1] if stop else window
    patterns: list[tuple[str, str]] = [
        (
            "range",
            rf"^[\s:=]*(?:of\s+|is\s+|between\s+)?{digit}\s*(?:-|–|to|through|and)\s*{digit}(?!\d|\.\d)",
        ),
        (
            "list",
            rf"^[\s:=]*(?:of\s+|is\s+)?{digit}(?:\s*,\s*\d{{1,3}})*\s*,?\s*(?:or|and)\s*{digit}(?!\d|\.\d)",
        ),
        ("cmp", rf"^[\s:=]*(?:of\s+|is\s+|must be\s+|score\s+)?{_CMP}\s*{digit}(?!\d|\.\d)"),
        ("exact", rf"^[\s:=]*(?:of\s+|is\s+|=\s*)?{digit}(?!\d|\.\d|\s*%|\s*(?:-|to|or)\s*\d)"),
    ]
    for shape, pattern in patterns:
        m = re.search(pattern, window, re.IGNORECASE)
        if not m:
            continue
        numbers = [int(g) for g in m.groups() if g is not None and g.isdigit()]
        if not numbers or max(numbers) > top:
            return None
        if shape in ("range", "list"):
            return None, None, float(min(numbers)), float(max(numbers))
        if shape == "cmp":
            comparator = _comparator(m.group("cmp"))
            return comparator, float(numbers[-1]), float(numbers[-1]), float(numbers[-1])
        return "=", float(numbers[0]), float(numbers[0]), float(numbers[0])
    return None


def _allowed(
    section: str, comparator: Comparator | None, value: float | None, low: float, high: float, top: int
) -> tuple[float, float] | None:
    """The allowed [low, high] on an integer 0..top scale, given what the section says."""
    step = 1.0 if top == 5 else 10.0  # Karnofsky moves in tens
    if comparator is None:  # a range or list: allowed in an inclusion, excluded in an exclusion
        if section == "inclusion":
            return low, high
        if high >= top - 1 and low > 0:
            return 0.0, low - step
        if low == 0 and high < top:
            return high + step, float(top)
        return None
    assert value is not None
    required = (
        comparator
        if section == "inclusion"
        else {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "=": "!="}[comparator]
    )
    if required == ">=":
        return value, float(top)
    if required == ">":
        return value + step, float(top)
    if required == "<=":
        return 0.0, value
    if required == "<":
        return 0.0, value - step
    if required == "=":
        return value, value
    return None  # exclusion of one exact value: no single range


# ---------------------------------------------------------------- age helpers

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
    rf"\bage[ds]?\s*(?:of\s+|:\s*|must be\s+|is\s+|should be\s+)?{_CMP}\s*{_NUM}(?:\s*{_YEARS})?(?![\d.])",
    rf"{_CMP}\s*(?:the\s+age\s+of\s+)?{_NUM}\s*{_YEARS}",
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
    r"\bfor (?:patients|subjects|participants|those|children|women|men|adults)\b",
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

_Bound = tuple[Comparator | None, float | None, float | None, float | None]  # comparator, value, low, high


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
            if int(m.group("a")) < int(m.group("b")) <= 120:
                yield m, (None, None, float(m.group("a")), float(m.group("b")))
    comparisons = _AGE_COMPARISONS + ((rf"^\s*{_CMP}\s*{_NUM}",) if unit_optional else ())
    for pattern in comparisons:
        for m in re.finditer(pattern, text, re.IGNORECASE):
            value = _number(m.group("num"))
            if value <= 120:
                comparator = _comparator(m.group("cmp"))
                upward = comparator.startswith(">")
                yield m, (comparator, value, value if upward else None, None if upward else value)
    open_ended = _AGE_OPEN_ENDED.replace("{optional}", "?" if unit_optional else "")
    for m in re.finditer(open_ended, text, re.IGNORECASE):
        value = float(m.group("num"))
        if value <= 120:
            upward = m.group("dir").lower() in _UPWARD
            written: Comparator = ">=" if upward else "<="
            yield m, (written, value, value if upward else None, None if upward else value)


# ---------------------------------------------------------------- sex helpers

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


# ---------------------------------------------------------------- laboratory helpers


@dataclass(frozen=True)
class _Trigger:
    kind: FactKind | None  # None: a lab this module does not read (WBC, INR...), so values stop here
    start: int
    end: int


_LAB_NAMES: tuple[tuple[FactKind | None, str], ...] = (
    (None, r"granulocyte colony[- ]stimulating factor|g-csf|platelet transfusions?|red blood cells?"),
    (
        FactKind.CREATININE_CLEARANCE,
        r"(?:endogenous |calculated |measured )?creatinine clearance(?: rate)?|crcl|ccr|clcr",
    ),
    (FactKind.EGFR, r"egfr|(?:estimated )?glomerular filtration rate|gfr"),
    (FactKind.CREATININE, r"(?:serum |blood )?creatinine|s?cr"),
    (FactKind.PLATELETS, r"platelets?(?: counts?)?|plt|thrombocytes?(?: counts?)?"),
    (
        FactKind.NEUTROPHILS,
        r"absolute neutrophils?(?: counts?)?|neutrophils?(?: counts?)?|anc|agc|"
        r"absolute granulocytes?(?: counts?)?|granulocytes?(?: counts?)?|polymorphonuclear\w*",
    ),
    (FactKind.HEMOGLOBIN, r"ha?emoglobin|hgb|hb"),
    (FactKind.ALT_AST, r"alt|ast|sgot|sgpt|transaminases?|aminotransferases?|liver enzymes"),
    (FactKind.BILIRUBIN, r"(?:total |serum |direct )?bilirubin|t-?bil"),
    (
        None,
        r"wbc|white blood cells?(?: counts?)?|leukocytes?(?: counts?)?|lymphocytes?(?: counts?)?|"
        r"cd4\+?(?: cells?| counts?)?|"
        r"inr|pt|ptt|aptt|albumin|alkaline phosphatase|alp|glucose|potassium|calcium|magnesium|sodium|"
        r"psa|lvef|ejection fraction|qtc?|hba1c|ldh|amylase|lipase|proteinuria|urine protein|viral load|"
        r"weight|bmi|blood pressure|bun|urea|uric acid|ferritin|fibrinogen|troponin|hematocrit|hct",
    ),
)
_LAB_TRIGGER = re.compile(
    "|".join(f"(?P<t{i}>(?<![\\w-])(?:{p})(?![\\w]))" for i, (_, p) in enumerate(_LAB_NAMES)), re.IGNORECASE
)

_UNITS: tuple[tuple[str, str], ...] = (
    ("count", r"(?:[×xX]|\\?\*)\s*10\s*(?:\\?\^\s*9|⁹|\(9\)|e9|9)\s*/\s*l(?:iter|itre)?\b|(?-i:G/L)\b"),
    (
        "count",
        r"(?:[×xX]|\\?\*)\s*10\s*(?:\\?\^\s*3|³|\(3\)|e3|3)\s*/\s*(?:µl|μl|ul|mcl|mm\s*3|mm\^3|mm³|cu\.?\s*mm)|k/(?:µl|μl|ul)",
    ),
    (
        "per_mm3",
        r"(?:cells\s*)?/\s*(?:mm\s*3|mm\^3|mm³|µl|μl|ul|mcl|cu\.?\s*mm|cubic mm|microliter)|cells/mm",
    ),
    ("g/dL", r"g(?:m|rams?)?\s*/\s*dl|g(?:m)?\s*%|g/100\s*ml"),
    ("mg/dL", r"mg\s*/\s*dl|mg\s*%"),
    ("umol/L", r"(?:µ|μ|u|micro)mol(?:e|es)?\s*/\s*l"),
    ("mmol/L", r"mmol\s*/\s*l"),
    ("g/L", r"g\s*/\s*l\b"),
    ("mL/min", r"ml\s*/\s*min(?:ute)?(?:\s*/\s*1[.,]73\s*m(?:2|²|\^2))?|ml/mn"),
    (
        "ULN",
        r"(?:[×xX*]\s*|times\s+|-?fold\s+)?(?:the\s+)?(?:institutional\s+)?(?:ULN|upper\s+limits?\s+of\s+"
        r"(?:the\s+)?(?:institutional\s+)?normal(?:\s+range)?|(?:normal\s+upper|upper\s+normal)\s+limits?|ULRR)\b",
    ),
)
_UNIT = "|".join(f"(?P<u{i}>{p})" for i, (_, p) in enumerate(_UNITS))
_ULN_WORD = r"(?:ULN|upper\s+limits?\s+of\s+(?:the\s+)?normal|(?:normal\s+upper|upper\s+normal)\s+limits?)"
_VALUE = re.compile(
    rf"{_CMP}\s*(?:of\s+|than\s+)?(?:the\s+)?"
    rf"(?:{_ULN_WORD}\s*(?:\([^)]{{0,40}}\)\s*)?(?:(?:[×xX*]|times)\s*(?P<uln_num>\d+(?:\.\d+)?))?(?![\d.])"
    rf"|{_NUM}\s*(?:{_UNIT})?)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _Value:
    comparator: Comparator
    number: float
    unit: str | None  # family key from _UNITS, or None when no unit is written
    start: int


def _lab_triggers(text: str) -> list[_Trigger]:
    triggers = []
    for m in _LAB_TRIGGER.finditer(text):
        index = next(i for i, g in enumerate(m.groups()) if g is not None)
        name = m.group()
        if (
            _LAB_NAMES[index][0] in (FactKind.CREATININE, FactKind.HEMOGLOBIN)
            and name.islower()
            and len(name) <= 3
        ):
            continue  # "cr", "hb" in lower case are ordinary word fragments, not lab names
        triggers.append(_Trigger(_LAB_NAMES[index][0], m.start(), m.end()))
    return triggers


def _lab_values(text: str) -> Iterator[_Value]:
    for m in _VALUE.finditer(text):
        comparator = _comparator(m.group("cmp"))
        if m.group("num") is None:  # "<= ULN" or "<= ULN x 1.5"
            yield _Value(comparator, float(m.group("uln_num") or 1), "ULN", m.start())
            continue
        unit = next((_UNITS[i][0] for i in range(len(_UNITS)) if m.group(f"u{i}")), None)
        yield _Value(comparator, _number(m.group("num")), unit, m.start())


_COMPATIBLE: dict[FactKind, tuple[str | None, ...]] = {
    FactKind.PLATELETS: ("count", "per_mm3", None),
    FactKind.NEUTROPHILS: ("count", "per_mm3", None),
    FactKind.HEMOGLOBIN: ("g/dL", "g/L", "mmol/L", None),
    FactKind.CREATININE: ("ULN", "mg/dL", "umol/L"),
    FactKind.CREATININE_CLEARANCE: ("mL/min",),
    FactKind.EGFR: ("mL/min",),
    FactKind.ALT_AST: ("ULN",),
    FactKind.BILIRUBIN: ("ULN", "mg/dL", "umol/L"),
}


def _trigger_for(triggers: list[_Trigger], value: _Value) -> _Trigger | None:
    """The lab a value belongs to: the nearest lab named before it, if the unit fits that lab."""
    before = [t for t in triggers if t.end <= value.start and value.start - t.end <= 90]
    if not before:
        return None
    nearest = before[-1]
    if nearest.kind is None or value.unit not in _COMPATIBLE[nearest.kind]:
        return None
    return nearest


def _normalise(kind: FactKind, value: _Value) -> tuple[float, str] | None:
    """(value, unit) in the normalised unit of `kind`; None when the number cannot be that lab."""
    number, unit = value.number, value.unit
    if kind in (FactKind.PLATELETS, FactKind.NEUTROPHILS):
        per_mm3 = unit == "per_mm3" or (
            unit is None and number >= (1000 if kind == FactKind.PLATELETS else 100)
        )
        return (number / 1000 if per_mm3 else number), "x10^9/L"
    if kind == FactKind.HEMOGLOBIN:
        if unit == "mmol/L":
            return round(number * 16.11, 1), "g/L"  # Hb mmol/L (monomer) -> g/L
        grams_per_dl = unit == "g/dL" or (unit is None and number < 25)
        return (round(number * 10, 3) if grams_per_dl else number), "g/L"
    return number, unit or ""


_QUALIFIERS: tuple[tuple[str, str], ...] = (
    (
        r"without (?:\w+ ){0,2}(?:liver|hepatic) (?:metastas[ie]s|involvement)|"
        r"no (?:liver|hepatic) metastas[ie]s",
        "without liver metastases",
    ),
    (
        r"(?:liver|hepatic) (?:metastas[ie]s|involvement|tumou?r involvement)|liver mets",
        "with liver metastases",
    ),
    (r"gilbert'?s?(?: syndrome| disease)?", "with Gilbert's syndrome"),
)
_QUALIFIERS_ANY = re.compile("|".join(p for p, _ in _QUALIFIERS), re.IGNORECASE)


def _qualifier(text: str, position: int) -> str | None:
    """The population a limit applies to ("with liver metastases"), read around the value.

    Inside parentheses, a qualifier in the same parentheses wins ("(<= 5 x ULN if liver
    metastases)"); otherwise the last qualifier before the value in the same `;` clause, else
    one after it in that clause (parenthesised asides about other values left out).
    """
    open_paren = text.rfind("(", 0, position)
    if open_paren > text.rfind(")", 0, position) and open_paren >= 0:
        close = text.find(")", position)
        inside = text[open_paren : close if close >= 0 else len(text)]
        found = _qualifier_in(inside)
        if found:
            return found
    clause_start = text.rfind(";", 0, position) + 1
    clause = _without_closed_parentheses(text[clause_start:position])
    matches = list(_QUALIFIERS_ANY.finditer(clause))
    if matches:
        return _qualifier_in(matches[-1].group())
    # "<= 5 x ULN in the presence of liver metastases": the qualifier follows in the clause.
    clause_end = text.find(";", position)
    after = _without_closed_parentheses(text[position : clause_end if clause_end >= 0 else len(text)])
    return _qualifier_in(after)


def _qualifier_in(text: str) -> str | None:
    for pattern, name in _QUALIFIERS:
        if re.search(pattern, text, re.IGNORECASE):
            return name
    return None


def _without_closed_parentheses(text: str) -> str:
    return re.sub(r"\([^()]*\)", " ", text)


def _has_lab(text: str) -> bool:
    return any(t.kind is not None for t in _lab_triggers(text)) and _VALUE.search(text) is not None


# ---------------------------------------------------------------- durations and windows

_DURATION = (
    r"(?P<amount>\d+(?:\.\d+)?|" + "|".join(_NUMBER_WORDS) + r")\s*(?:-\s*|\(\d+\)\s*)?"
    r"(?P<unit>days?|weeks?|wks?|months?|mos?|years?|yrs?)\b"
)
_LIFE = re.compile(
    r"life expectancy|expected (?:survival|lifetime|life span)(?: time| period)?|"
    r"estimated survival(?: time| period)?|"
    r"survival expectancy|expected to (?:live|survive)|predicted survival",
    re.IGNORECASE,
)
_ANCHOR = (
    r"(?P<anchor>screening|enrol?l?ment|enrol?ling|randomi[sz]ation|randomi[sz]ed|first dos(?:e|ing)|"
    r"(?:the )?(?:start|initiation) of (?:study )?(?:treatment|therapy|drug)|"
    r"study (?:entry|start|treatment|drug)|"
    r"registration|initial medication(?: use)?|day 1|baseline|inclusion|treatment initiation|consent)"
)
_ANCHORS = (
    ("screening", "screening"), ("enrol", "enrolment"), ("randomi", "randomisation"),
    ("first dos", "first dose"), ("initial medication", "first dose"), ("day 1", "first dose"),
    ("start", "first dose"), ("initiation", "first dose"), ("study treatment", "first dose"),
    ("study drug", "first dose"), ("study entry", "study entry"), ("inclusion", "study entry"),
    ("registration", "registration"), ("baseline", "baseline"), ("consent", "consent"),
)  # fmt: skip
_WINDOW_PATTERNS = (
    rf"\bwithin\s+(?:the\s+)?(?:last\s+|past\s+|previous\s+|prior\s+|first\s+)?{_DURATION}"
    rf"(?:\s*(?:before|prior to|preceding|of|from|after)\s+(?:the\s+)?(?:subject'?s?\s+)?{_ANCHOR})?",
    rf"{_DURATION}\s*(?:before|prior to|preceding)\s+(?:the\s+)?{_ANCHOR}",
    rf"\bat least\s+{_DURATION}\s*(?:since|from|after|before|prior to)",
    rf"\b(?:in|during)\s+the\s+(?:last|past|previous|preceding)\s+{_DURATION}",
    rf"\bfor\s+(?:more than|at least|over|≥|>)\s*{_DURATION}",
)
_TRANSFUSION = re.compile(r"platelet transfusions?|transfusions? of platelets", re.IGNORECASE)
_RISK_OF = re.compile(r"risk of|increase the risk|risk for", re.IGNORECASE)


@dataclass(frozen=True)
class _Window:
    start: int
    amount: float
    unit: str
    days: float
    anchor: str | None


def _duration(m: re.Match[str]) -> tuple[float, str, float]:
    written = m.group("amount").lower()
    amount = float(_NUMBER_WORDS.get(written, 0) or float(written))
    unit = m.group("unit").lower()
    key = next(k for k in ("day", "week", "wk", "month", "mo", "year", "yr") if unit.startswith(k))
    return amount, unit, amount * _DAYS_PER[key]


def _windows(text: str) -> Iterator[_Window]:
    taken: list[int] = []
    for pattern in _WINDOW_PATTERNS:
        for m in re.finditer(pattern, text, re.IGNORECASE):
            if m.start("amount") in taken:
                continue
            taken.append(m.start("amount"))
            amount, unit, days = _duration(m)
            anchor_text = m.groupdict().get("anchor")
            anchor = None
            if anchor_text:
                lowered = anchor_text.lower()
                anchor = next((name for key, name in _ANCHORS if key in lowered), None)
            yield _Window(m.start(), amount, unit, days, anchor)


def _window_near(windows: list[_Window], position: int) -> _Window:
    """The first window after a drug name, else the last one before it."""
    after = [w for w in windows if w.start >= position]
    return after[0] if after else max(windows, key=lambda w: w.start)


# ---------------------------------------------------------------- negation

_NEGATION = re.compile(
    r"\b(?:no|not|without|absence of|free of|negative(?: for)?|non|never|none)\b", re.IGNORECASE
)


_NOT_LIMITED = re.compile(r"(?:but )?not limited to|if not|whether or not", re.IGNORECASE)
# "Diseases other than CIT", "besides thrombocytopenia caused by chemotherapy": what follows is
# the exception, not what the criterion names.
_EXCEPTION = re.compile(r"\b(?:other than|besides|except(?: for)?|apart from)\b[^,;]*", re.IGNORECASE)


_LEADING_NEGATION = re.compile(r"\s*(?:no|not|without|absence of|free of|never)\b", re.IGNORECASE)


def _negated(text: str, position: int) -> bool:
    """Whether a negation governs the words at `position`.

    A criterion that opens with a negation ("No active, symptomatic brain metastases or ...")
    negates its whole first sentence; otherwise a negation a few words back in the same clause.
    """
    first_sentence_end = re.search(r"[;.](?:\s|$)", text)
    if _LEADING_NEGATION.match(text) and (
        first_sentence_end is None or position < first_sentence_end.start()
    ):
        return True
    clause_start = max(text.rfind(c, 0, position) for c in ";,.(") + 1
    before = _NOT_LIMITED.sub(" ", text[max(clause_start, position - 60) : position])
    return _NEGATION.search(before) is not None
