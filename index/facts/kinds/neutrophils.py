"""Absolute neutrophil (granulocyte) count limits, in x10^9/L."""

from index.facts.kinds import KindSpec
from index.facts.labs import lab_facts

SPEC = KindSpec(
    name="neutrophils",
    display="neutrophils",
    family=lab_facts,
    order=41,
    analyte=True,
    adequate=">=",
    attribute="lab:neutrophils",
    card="key",
    card_label="ANC",
)
