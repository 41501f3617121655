"""Performance status: ECOG (and WHO/Zubrod, the same 0-5 scale), Karnofsky and Lansky (0-100).

Facts carry the ALLOWED range in low/high on the scale's integer steps: an exclusion
"ECOG >= 3" allows 0-2.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from index.facts.comparators import CMP, comparator
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

_Scale = tuple[Comparator | None, float | None, float, float]  # comparator, value, low, high as written


def performance_facts(reading: Reading) -> Iterator[Fact]:
    """One fact per distinct (scale kind, allowed range) the criterion states."""
    seen: set[tuple[FactKind, float, float]] = set()
    for scale, start in _performance_mentions(reading.text, reading.heading):
        top = 100 if scale in ("Karnofsky", "Lansky") else 5
        written = _scale_reading(reading.text[start : start + 70], top)
        if written is None:
            continue
        allowed = _allowed(reading.section, *written, top)
        kind = FactKind.KARNOFSKY if top == 100 else FactKind.ECOG
        if allowed is None or (kind, *allowed) in seen:
            continue
        seen.add((kind, *allowed))
        yield reading.fact(
            kind, comparator=written[0], value=written[1], low=allowed[0], high=allowed[1], term=scale
        )


def _performance_mentions(text: str, heading: str) -> list[tuple[str, int]]:
    """(scale, offset after the mention) for each performance-status mention.

    A bare "performance status 0-2" reads on the scale the criterion names elsewhere ("... on
    ECOG scale"), ECOG when it names none: ECOG, WHO and Zubrod share one 0-5 scale.
    """
    mentions = [(_scale_name(m.group("scale")), m.end()) for m in _PERFORMANCE.finditer(text)]
    named = mentions[0][0] if mentions else "ECOG"
    for generic in _GENERIC_PERFORMANCE.finditer(text):
        mentions.append((named, generic.end()))
    if not mentions and heading.startswith("performance status") and re.match(r"\s*\d", text):
        mentions.append(("ECOG", 0))  # "Performance status:" heading, item "0-1"
    return mentions


def _scale_name(written: str) -> str:
    word = re.sub(r"\s+", " ", written).upper()
    return _SCALE_NAMES.get(word, "ECOG")  # "E.C.O.G.", "Eastern Cooperative Oncology Group"


def _scale_reading(window: str, top: int) -> _Scale | None:
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
        ("cmp", rf"^[\s:=]*(?:of\s+|is\s+|must be\s+|score\s+)?{CMP}\s*{digit}(?!\d|\.\d)"),
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
            return comparator(m.group("cmp")), float(numbers[-1]), float(numbers[-1]), float(numbers[-1])
        return "=", float(numbers[0]), float(numbers[0]), float(numbers[0])
    return None


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
