"""A named condition, biomarker or treatment a criterion requires or excludes (term, qualifier)."""

from index.facts.conditions import condition_facts
from index.facts.kinds import KindSpec

SPEC = KindSpec(name="condition", display="condition", family=condition_facts, order=70, shown_as="term")
