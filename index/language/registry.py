"""How questions name the values of the registry's enumerated fields: "terminated", "open-label",
"device trials", "industry-sponsored" (data: registry.yaml beside this module)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from index.language.data import load
from index.language.words import people


@dataclass(frozen=True)
class FieldValue:
    """One way a question filters on a field: the values it accepts and the words that say so."""

    field: str
    values: tuple[str, ...]
    label: str
    pattern: re.Pattern[str]
    names: re.Pattern[str] | None = None  # the value's own words, never a clinical term


def _compiled(patterns: list[str], fragments: dict[str, str]) -> re.Pattern[str]:
    def expand(pattern: str) -> str:
        for name, fragment in fragments.items():
            pattern = pattern.replace("{" + name + "}", fragment)
        return pattern

    joined = "|".join(expand(str(p)) for p in patterns)
    return re.compile(rf"(?<![\w-])(?:{joined})(?![\w])", re.IGNORECASE)


@cache
def field_values() -> tuple[FieldValue, ...]:
    """Every entry of registry.yaml, in its order (a longer phrase before one it holds)."""
    data = load("registry.yaml")
    fragments = {**data["fragments"], "people": people()}
    return tuple(
        FieldValue(
            field=entry["field"],
            values=tuple(str(v) for v in entry["values"]),
            label=entry["label"],
            pattern=_compiled(entry["patterns"], fragments),
            names=_compiled(entry["names"], fragments) if "names" in entry else None,
        )
        for entry in data["field_values"]
    )


def values_named(text: str) -> list[tuple[FieldValue, re.Match[str]]]:
    """Every registry value `text` names, each phrase read once, by the first entry that reads it
    ("not yet recruiting" is not also "recruiting")."""
    taken: list[tuple[int, int]] = []
    named = []
    for value in field_values():
        for match in value.pattern.finditer(text):
            if not any(start < match.end() and match.start() < end for start, end in taken):
                taken.append(match.span())
                named.append((value, match))
    return named
