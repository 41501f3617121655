"""Estimated glomerular filtration rate limits, in mL/min."""

from index.facts.kinds import KindSpec
from index.facts.labs import lab_facts

SPEC = KindSpec(
    name="egfr",
    display="eGFR",
    family=lab_facts,
    order=45,
    analyte=True,
    adequate=">=",
    attribute="organ_function",
    card="more",
)
