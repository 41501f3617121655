"""Karnofsky performance status: an allowed range on the 0-100 scale, in tens."""

from index.facts.kinds import KindSpec
from index.facts.performance import performance_facts

SPEC = KindSpec(
    name="karnofsky",
    display="Karnofsky",
    family=performance_facts,
    order=10,
    shown_as="range",
    analyte=True,  # named in analytes.yaml, so a lab name before "KPS 70" does not take its value
    unit="%",
    plausible=(0, 100),
    attribute="ecog",  # the performance-status attribute shows both scales,
    card="key",
)
