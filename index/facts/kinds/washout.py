"""A drug or treatment not allowed within a window before a time point (term, days, anchor)."""

from index.facts.kinds import KindSpec
from index.facts.windows import window_facts

SPEC = KindSpec(
    name="washout", display="washout", family=window_facts, order=60, shown_as="window", attribute="washout"
)
