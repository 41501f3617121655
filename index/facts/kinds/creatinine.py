"""Serum creatinine limits, as written: x ULN, mg/dL or umol/L."""

from index.facts.kinds import KindSpec
from index.facts.labs import lab_facts

SPEC = KindSpec(
    name="creatinine",
    display="creatinine",
    family=lab_facts,
    order=43,
    analyte=True,
    adequate="<=",
    organ="kidney",
    attribute="organ_function",
    card="more",
)
