"""Performance status: ECOG (and WHO, Zubrod and the cooperative groups' SWOG/CALGB/GOG/CTC
scales, all the same 0-5 scale), Karnofsky and Lansky (0-100).

Facts carry the ALLOWED range in low/high on the scale's integer steps: an exclusion
"ECOG >= 3" allows 0-2. An exception the criterion states in parentheses ("ECOG 0-2 (3 allowed
if due to pain)") is a fact of its own, qualified `EXCEPTION`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from index.facts.comparators import CMP, TRAILING, comparator, trailing_comparator
from index.facts.reading import Reading
from index.models import Comparator, Fact, FactKind

_PERFORMANCE = re.compile(
    r"\b(?P<scale>ECOG|E\.C\.O\.G\.?|Eastern\s+Cooperative\s+Oncology\s+Group|Zubrod|Karnofsky|KPS|Lansky|"
    r"WHO(?=\s*(?:performance|PS|\d)))(?![a-z])"
    r"(?:[\s/=-]*(?:performance|perfomance|status|standard|score|scale|grade|PS|level|of|range|"
    r"for physical condition|"
    r"ECOG|WHO|Zubrod|\([^()]{1,45}\)))*",
    re.IGNORECASE,
)
# Cooperative groups that grade performance on the ECOG/Zubrod 0-5 scale under their own name
# ("Performance status: SWOG 0-2", "GOG 0-1", "CTC 0-2"). Their names also head protocol numbers
# and toxicity grades ("CTC grade 2 neuropathy"), so they are read as a performance scale only
# where the criterion (or its heading) speaks of performance status, and never before "grade".
_GROUP_SCALES: tuple[tuple[str, str], ...] = (
    (r"SWOG|South\s*west\s+Oncology\s+Group", "SWOG"),
    (r"CAL(?:GB|BG)|Cancer\s+and\s+Leukemia\s+Group\s+B", "CALGB"),
    (r"GOG|Gynecologic\s+Oncology\s+Group", "GOG"),
    (r"(?:NCI[\s-]+)?CTC|(?:NCI\s+)?Common\s+Toxicity\s+Criteria", "CTC"),
)
_GROUP = re.compile(
    r"\b(?P<scale>" + "|".join(p for p, _ in _GROUP_SCALES) + r")(?![a-z])"
    r"(?:[\s/=-]*(?:performance|perfomance|status|standard|score|scale|PS|level|criteria|of))*"
    r"(?![\s/=-]*grade)",
    re.IGNORECASE,
)
_GENERIC_PERFORMANCE = re.compile(r"\bperformance\s+status(?:\s*\(PS\))?(?:\s*(?:score|of))*", re.IGNORECASE)
_SCALE_NAMES = {
    "KARNOFSKY": "Karnofsky",
    "KPS": "Karnofsky",
    "LANSKY": "Lansky",
    "ZUBROD": "Zubrod",
    "WHO": "WHO",
}
# The inverse of each comparator: what an exclusion leaves allowed ("ECOG > 2" excluded: <= 2).
_ALLOWED_BY_EXCLUSION: dict[Comparator, str] = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "=": "!="}

# A second reading in parentheses that states a condition is an exception to the criterion's limit,
# not a second limit: "ECOG 0-2 (ECOG 3 allowed if due to bone pain)", "(2 allowed if symptoms are
# due to the lymphoma)", "(0-1 for patients over 70)". Allowing words widen the limit; other
# conditions replace it for the patients they name. Either way the fact carries this qualifier,
# so a question that does not say whether the exception applies gets "depends", not a verdict.
EXCEPTION = "with the criterion's stated exception"
_ALLOWING = re.compile(r"\b(?:allowed|permitted|acceptable|eligible|accepted)\b", re.IGNORECASE)
_CONDITION = re.compile(
    r"\b(?:if|unless|when|except|due\s+to|based\s+(?:solely\s+|only\s+)?on|for\s+patients|in\s+patients|"
    r"in\s+some\s+cases|provided)\b",
    re.IGNORECASE,
)

# A group the criterion sets a rule for, not a limit: "Patients with ECOG 0-1 must be ineligible for ..."
_RULE_FOR_A_GROUP_BEFORE = re.compile(
    r"\b(?:patients?|subjects?|participants?|those)\s+(?:with|who have|having)\s+[^.;,]{0,60}$", re.IGNORECASE
)
_RULE_AFTER = re.compile(r"\s*(?:\([^)]*\)\s*)?(?:must|should|needs?|are required|will be)\b", re.IGNORECASE)
# A second reading offered as an alternative on a condition: "0-2 or reversible ECOG 3 following ...",
# "0-1 or Zubrod 2 if due to bone pain".
_ALTERNATIVE = re.compile(r"\s*,?\s*or\b", re.IGNORECASE)
_ON_A_CONDITION = re.compile(
    r"\b(?:reversible|if|when|due to|following|because of|related to|attributable)\b", re.IGNORECASE
)

_Scale = tuple[Comparator | None, float | None, float, float]  # comparator, value, low, high as written


@dataclass(frozen=True)
class _Mention:
    scale: str
    start: int  # where the scale's reading starts (after its name)
    written: _Scale
    end: int  # where the reading ends

    @property
    def top(self) -> int:
        return 100 if self.scale in ("Karnofsky", "Lansky") else 5

    @property
    def kind(self) -> str:
        return FactKind.KARNOFSKY if self.top == 100 else FactKind.ECOG


def performance_facts(reading: Reading) -> Iterator[Fact]:
    """One fact per distinct (scale kind, allowed range, exception) the criterion states."""
    text = reading.text
    seen: set[tuple[str, float, float, str | None]] = set()
    general: dict[str, tuple[float, float]] = {}  # the first limit of each kind outside exceptions
    previous_end = None
    for mention in _mentions(text, reading.heading):
        if _RULE_FOR_A_GROUP_BEFORE.search(text[: mention.start]) and _RULE_AFTER.match(text, mention.end):
            continue  # "Patients with ECOG 0-1 must be ineligible for ...": a rule for them, no limit
        exception = _exception_kind(text, mention.start)
        if (
            exception is None
            and previous_end is not None
            and _ALTERNATIVE.match(text, previous_end)
            and _ON_A_CONDITION.search(re.split(r"[.;]", text[previous_end : mention.end + 40])[0])
        ):
            exception = "widens"  # "ECOG 0-2 or reversible ECOG 3 following intensive care"
        previous_end = mention.end
        section = "inclusion" if exception == "widens" else reading.section
        allowed = _allowed(section, *mention.written, mention.top)
        if allowed is None:
            continue
        qualifier = None
        if exception is not None:
            qualifier = EXCEPTION
            main = general.get(mention.kind)
            if exception == "widens" and main is not None:
                allowed = (min(allowed[0], main[0]), max(allowed[1], main[1]))
        else:
            general.setdefault(mention.kind, allowed)
        key = (mention.kind, *allowed, qualifier)
        if key in seen:
            continue
        seen.add(key)
        comparator, value = mention.written[:2]
        if exception == "widens":
            comparator = value = None  # the widened range is no single comparison as written
        yield reading.fact(
            mention.kind,
            comparator=comparator,
            value=value,
            low=allowed[0],
            high=allowed[1],
            term=mention.scale,
            qualifier=qualifier,
        )


def _mentions(text: str, heading: str) -> list[_Mention]:
    """Every scale reading in the criterion, in text order, with a bare-number exception right
    after a reading ("ECOG 0-1 (2 allowed if ...)") read on that reading's scale."""
    found: list[_Mention] = []
    for scale, start in _performance_mentions(text, heading):
        mention = _read_at(text, scale, start)
        if mention is None:
            continue
        found.append(mention)
        bare = re.match(r"\s*\(\s*(?=\d)", text[mention.end :])
        if bare:  # only as an exception: "(0 = fully active, ...)" is the scale's legend
            extra = _read_at(text, scale, mention.end + bare.end())
            if extra is not None and _exception_kind(text, extra.start) is not None:
                found.append(extra)
    found.sort(key=lambda m: m.start)
    return found


def _read_at(text: str, scale: str, start: int) -> _Mention | None:
    top = 100 if scale in ("Karnofsky", "Lansky") else 5
    read = _scale_reading(text[start : start + 70], top)
    if read is None:
        return None
    written, length = read
    return _Mention(scale, start, written, start + length)


def _exception_kind(text: str, position: int) -> str | None:
    """'widens' or 'limits' when the reading at `position` sits inside parentheses that state a
    condition ("(ECOG 3 allowed if ...)"), else None."""
    opened = text.rfind("(", 0, position)
    if opened < 0 or text.rfind(")", 0, position) > opened:
        return None
    closed = text.find(")", position)
    inside = text[opened + 1 : closed if closed >= 0 else len(text)]
    if _ALLOWING.search(inside):
        return "widens"
    if _CONDITION.search(inside):
        return "limits"
    return None


def _performance_mentions(text: str, heading: str) -> list[tuple[str, int]]:
    """(scale, offset after the mention) for each performance-status mention.

    A bare "performance status 0-2" reads on the scale the criterion names elsewhere ("... on
    ECOG scale"), ECOG when it names none: ECOG, WHO, Zubrod and the cooperative groups' scales
    are one 0-5 scale.
    """
    mentions = [(_scale_name(m.group("scale")), m.end()) for m in _PERFORMANCE.finditer(text)]
    performance_context = heading.startswith("performance") or _GENERIC_PERFORMANCE.search(text) is not None
    if performance_context:
        mentions += [(_group_name(m.group("scale")), m.end()) for m in _GROUP.finditer(text)]
        mentions.sort(key=lambda mention: mention[1])
    named = mentions[0][0] if mentions else "ECOG"
    named_ends = {end for _, end in mentions}
    for generic in _GENERIC_PERFORMANCE.finditer(text):
        if generic.end() not in named_ends:  # not the end of a scale's own name ("Zubrod performance status")
            mentions.append((named, generic.end()))
    if not mentions and heading.startswith("performance status") and re.match(r"\s*\d", text):
        mentions.append(("ECOG", 0))  # "Performance status:" heading, item "0-1"
    return mentions


def _scale_name(written: str) -> str:
    word = re.sub(r"\s+", " ", written).upper()
    return _SCALE_NAMES.get(word, "ECOG")  # "E.C.O.G.", "Eastern Cooperative Oncology Group"


def _group_name(written: str) -> str:
    return next(name for pattern, name in _GROUP_SCALES if re.fullmatch(pattern, written, re.IGNORECASE))


_OTHER_SCALE = re.compile(
    r"[;]|\b(?:karnofsky|kps|lansky|ecog|who|zubrod|" + "|".join(p for p, _ in _GROUP_SCALES) + r")\b",
    re.IGNORECASE,
)


def _scale_reading(window: str, top: int) -> tuple[_Scale, int] | None:
    """(comparator, value, low, high) as written just after a scale name, and the length read; or None."""
    digit = r"(\d{1,3})(?:\s*%)?"
    # what may stand between the scale's name and its value: not the "=" of "=<" or "=>" (ECOG =< 2)
    lead = r"^(?:[\s:]|=(?![<>]))*"
    stop = _OTHER_SCALE.search(window[1:])
    window = window[: stop.start() + 1] if stop else window
    patterns: list[tuple[str, str]] = [
        (
            "range",
            rf"{lead}(?:of\s+|is\s+|between\s+)?{digit}\s*(?:-|–|to|through|and)\s*{digit}(?!\d|\.\d)",
        ),
        (
            "list",
            rf"{lead}(?:of\s+|is\s+)?{digit}(?:\s*,\s*\d{{1,3}})*\s*,?\s*(?:or|and)\s*{digit}(?!\d|\.\d)",
        ),
        ("cmp", rf"{lead}(?:of\s+|is\s+|must be\s+|score\s+)?{CMP}\s*{digit}(?!\d|\.\d)"),
        # "ECOG 2 or less", "Karnofsky 70 or better": the comparison after the number
        ("trail", rf"{lead}(?:of\s+|is\s+|=\s*)?{digit}(?:{TRAILING}|\s*or\s+(?P<quality>better|worse)\b)"),
        ("exact", rf"{lead}(?:of\s+|is\s+|=\s*)?{digit}(?!\d|\.\d|\s*%|\s*(?:-|to|or)\s*\d)"),
    ]
    # "Performance status: At least 3 months": a time (a misplaced life expectancy), not a score
    time_after = re.compile(r"\s*(?:days?|weeks?|wks?|months?|mos?|years?|yrs?)\b", re.IGNORECASE)
    for shape, pattern in patterns:
        m = re.search(pattern, window, re.IGNORECASE)
        if not m:
            continue
        numbers = [int(g) for g in m.groups() if g is not None and g.isdigit()]
        if not numbers or max(numbers) > top or time_after.match(window, m.end()):
            return None
        if shape in ("range", "list"):
            return (None, None, float(min(numbers)), float(max(numbers))), m.end()
        if shape == "cmp":
            value = float(numbers[-1])
            return (comparator(m.group("cmp")), value, value, value), m.end()
        if shape == "trail":
            value = float(numbers[0])
            return (_trailing(m, top), value, value, value), m.end()
        return ("=", float(numbers[0]), float(numbers[0]), float(numbers[0])), m.end()
    return None


def _trailing(match: re.Match[str], top: int) -> Comparator:
    """The comparison after a scale's number: "or less"; "or better" is towards full activity,
    ECOG 0 but Karnofsky 100."""
    if match.group("trail"):
        return trailing_comparator(match.group("trail"))
    towards_zero = (match.group("quality").lower() == "better") == (top == 5)
    return "<=" if towards_zero else ">="


def _allowed(
    section: str, written: Comparator | None, value: float | None, low: float, high: float, top: int
) -> tuple[float, float] | None:
    """The allowed [low, high] on an integer 0..top scale, given what the section says."""
    step = 1.0 if top == 5 else 10.0  # Karnofsky moves in tens
    if written is None:  # a range or list: allowed in an inclusion, excluded in an exclusion
        if section == "inclusion":
            return low, high
        if high >= top - 1 and low > 0:
            return 0.0, low - step
        if low == 0 and high < top:
            return high + step, float(top)
        return None
    assert value is not None
    required = written if section == "inclusion" else _ALLOWED_BY_EXCLUSION[written]
    ranges = {
        ">=": (value, float(top)),
        ">": (value + step, float(top)),
        "<=": (0.0, value),
        "<": (0.0, value - step),
        "=": (value, value),
    }
    return ranges.get(required)  # None for an excluded exact value ("!="): no single range
