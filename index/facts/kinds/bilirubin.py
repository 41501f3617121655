"""Bilirubin limits, as written: x ULN, mg/dL or umol/L."""

from index.facts.kinds import KindSpec
from index.facts.labs import lab_facts

SPEC = KindSpec(
    name="bilirubin",
    display="bilirubin",
    family=lab_facts,
    order=47,
    analyte=True,
    adequate="<=",
    organ="liver",
    attribute="organ_function",
    card="more",
)
