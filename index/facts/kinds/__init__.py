"""The registry of fact kinds: one module per kind in this package, each declaring a `SPEC`.

A kind's module says everything the rest of the program needs to know about it: which extractor
reads it from a criterion (`family`: kinds read together, like every lab, share one), how
questions name it (`names`, or the analyte's names in index/language/analytes.yaml), how a value is
compared with it (`unit`, `plausible`, `whole_numbers`, `adequate`, `organ`), how answers name and
show it (`display`, `shown_as`), and which attribute answers "what is its X?" (`attribute`).
Adding a kind is one module here plus its tests (and, for a lab, its names and units as data in
analytes.yaml); nothing else is edited. `versions()` enters the index fingerprint, so bumping a
kind's `version` (or adding one) rebuilds the stored facts.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Iterable
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from index.errors import ConfigurationError

if TYPE_CHECKING:
    from index.facts.reading import Reading
    from index.models import Fact

if TYPE_CHECKING:
    Family = Callable[[Reading], Iterable[Fact]]
else:  # pydantic cannot resolve the records here without an import cycle; the type is for mypy
    Family = Callable[[Any], Any]
Organ = Literal["liver", "kidney"]
# How an answer shows one fact of the kind: a limit ("platelets >= 100 x10^9/L (inclusion)"), an
# allowed range ("ECOG 0-2 allowed"), a window before a time point ("rhTPO within 14 days before
# enrolment") or a named term ("brain metastases (exclusion)").
ShownAs = Literal["limit", "range", "window", "term"]


class KindSpec(BaseModel):
    """What one fact kind is, checked when its module is loaded (errors name the bad value)."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    name: str  # stored in Fact.kind; snake_case
    version: int = 1  # bump when what the kind reads or means changes
    display: str  # how an answer names it: "ECOG", "ALT/AST", "platelets"
    family: Family  # the extractor that reads it from one criterion
    order: int  # where its family's facts come in a criterion's list (lower first)
    shown_as: ShownAs = "limit"
    analyte: bool = False  # a lab: its names, units and bare-number rules are in analytes.yaml
    names: str | None = None  # how questions name a kind that is no analyte (a regex)
    unit: str | None = None  # the unit a non-lab value is compared in ("years", "%", "days")
    plausible: tuple[float, float] | None = None  # the values a patient can have
    whole_numbers: bool = False  # a score that moves in whole steps (ECOG)
    adequate: Literal[">=", "<="] | None = None  # the way an "adequate X, defined as:" limit points
    organ: Organ | None = None  # an organ-function limit as a whole ("liver function < 1.5 ULN") bounds it
    # the attribute key answering "what is its X?": "lab:<name>" makes one of its own, named by the
    # kind's names; another key ("ecog", "organ_function") is an attribute that already covers it
    attribute: str | None = None
    card: Literal["key", "more"] | None = None  # where a trial card lists its facts: headline or "more"
    card_label: str | None = None  # a shorter name there ("ANC"); else the display name, capitalised

    @field_validator("name")
    @classmethod
    def _snake_case(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", value):
            raise ValueError(f"kind name {value!r} is not snake_case")
        return value

    @field_validator("version")
    @classmethod
    def _positive(cls, value: int) -> int:
        if value < 1:
            raise ValueError(f"version {value} is not a positive number")
        return value

    @field_validator("names")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as error:
                raise ValueError(f"names {value!r} is not a regular expression: {error}") from None
        return value

    @model_validator(mode="after")
    def _consistent(self) -> KindSpec:
        if self.plausible is not None and not self.plausible[0] < self.plausible[1]:
            raise ValueError(f"{self.name}: plausible range {self.plausible} is empty")
        if self.analyte and self.names is not None:
            raise ValueError(f"{self.name}: an analyte is named in analytes.yaml, not by `names`")
        if self.attribute == f"lab:{self.name}" and not self.analyte:
            raise ValueError(f"{self.name}: a 'lab:' attribute is named by an analyte's names")
        return self

    @property
    def card_name(self) -> str:
        """How a trial card names the kind: a listed kind's label, capitalised; others as answers do."""
        if self.card is None:
            return self.display
        return self.card_label or self.display[:1].upper() + self.display[1:]

    @property
    def reads_a_value(self) -> bool:
        """A kind a patient has a number of (a lab, a score, an age), which questions can state."""
        return self.analyte or self.plausible is not None


@cache
def registry() -> dict[str, KindSpec]:
    """Every kind, by name, in listing order: the `SPEC` of each module of this package."""
    specs: list[KindSpec] = []
    for module in pkgutil.iter_modules(__path__):
        spec = getattr(importlib.import_module(f"{__name__}.{module.name}"), "SPEC", None)
        if not isinstance(spec, KindSpec):
            raise ConfigurationError(f"index/facts/kinds/{module.name}.py: no SPEC = KindSpec(...) in it")
        specs.append(spec)
    by_name: dict[str, KindSpec] = {}
    for spec in sorted(specs, key=lambda s: (s.order, s.name)):
        if spec.name in by_name:
            raise ConfigurationError(f"fact kind {spec.name!r} is declared twice")
        by_name[spec.name] = spec
    _check_analytes(by_name)
    return by_name


def _check_analytes(by_name: dict[str, KindSpec]) -> None:
    """Each analyte kind has its analytes.yaml entry, and every kind that file names is registered."""
    from index.language.units import analytes

    described = {a.kind for a in analytes() if a.kind is not None}
    for kind in described - by_name.keys():
        raise ConfigurationError(
            f"analytes.yaml names the fact kind {kind!r}, which no kinds/ module declares"
        )
    for spec in by_name.values():
        if spec.analyte and spec.name not in described:
            raise ConfigurationError(f"fact kind {spec.name!r} is an analyte with no entry in analytes.yaml")


def spec(name: str) -> KindSpec:
    try:
        return registry()[name]
    except KeyError:
        raise ConfigurationError(f"{name!r} is not a fact kind (index/facts/kinds/)") from None


def known(name: str) -> str:
    """`name` when it is a registered kind (a validator: a ValueError naming it otherwise)."""
    if name not in registry():
        raise ValueError(f"{name!r} is not a fact kind (index/facts/kinds/)")
    return name


def families() -> tuple[Family, ...]:
    """Each extractor once, in the order its kinds are listed."""
    return tuple(dict.fromkeys(s.family for s in registry().values()))


def versions() -> dict[str, int]:
    """Kind name -> version: part of the index fingerprint."""
    return {name: s.version for name, s in registry().items()}
