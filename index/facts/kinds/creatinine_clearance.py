"""Creatinine clearance limits (measured or Cockcroft-Gault), in mL/min."""

from index.facts.kinds import KindSpec
from index.facts.labs import lab_facts

SPEC = KindSpec(
    name="creatinine_clearance",
    display="creatinine clearance",
    family=lab_facts,
    order=44,
    analyte=True,
    adequate=">=",
    attribute="organ_function",
    card="more",
    card_label="CrCl",
)
