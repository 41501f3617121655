"""Transaminase (ALT/AST) limits, as multiples of the upper limit of normal."""

from index.facts.kinds import KindSpec
from index.facts.labs import lab_facts

SPEC = KindSpec(
    name="alt_ast",
    display="ALT/AST",
    family=lab_facts,
    order=46,
    analyte=True,
    adequate="<=",
    organ="liver",
    attribute="organ_function",
    card="more",
)
