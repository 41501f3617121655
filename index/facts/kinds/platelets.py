"""Platelet count limits, in x10^9/L."""

from index.facts.kinds import KindSpec
from index.facts.labs import lab_facts

SPEC = KindSpec(
    name="platelets",
    display="platelets",
    family=lab_facts,
    order=40,
    analyte=True,
    adequate=">=",
    attribute="lab:platelets",
    card="key",
)
