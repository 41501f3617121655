"""Haemoglobin limits, in g/L."""

from index.facts.kinds import KindSpec
from index.facts.labs import lab_facts

SPEC = KindSpec(
    name="hemoglobin",
    display="hemoglobin",
    family=lab_facts,
    order=42,
    analyte=True,
    adequate=">=",
    attribute="lab:hemoglobin",
    card="key",
    card_label="Haemoglobin",
)
