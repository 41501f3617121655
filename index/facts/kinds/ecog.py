"""ECOG performance status (Zubrod, WHO): an allowed range on the 0-5 scale."""

from index.facts.kinds import KindSpec
from index.facts.performance import performance_facts

SPEC = KindSpec(
    name="ecog",
    display="ECOG",
    family=performance_facts,
    order=10,
    shown_as="range",
    names=r"ecog|performance status|ps|zubrod",
    plausible=(0, 5),
    whole_numbers=True,
    attribute="ecog",
    card="key",
)
