"""Serum albumin limits, in g/L (records write g/dL or g/L; its names and units are in analytes.yaml)."""

from index.facts.kinds import KindSpec
from index.facts.labs import lab_facts

SPEC = KindSpec(
    name="albumin",
    display="albumin",
    family=lab_facts,
    order=48,
    analyte=True,
    adequate=">=",
    attribute="lab:albumin",
    card="more",
)
