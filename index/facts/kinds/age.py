"""The patient's age at entry: an allowed range in years, from criteria and the registry's fields."""

from index.facts.demographics import age_facts
from index.facts.kinds import KindSpec

SPEC = KindSpec(
    name="age",
    display="age",
    family=age_facts,
    order=20,
    shown_as="range",
    names=r"\b(?:years?|yrs?|yo|y/?o|aged?|old)\b|-year",
    unit="years",
    plausible=(0, 120),
    attribute="age",
)
