"""No platelet transfusion within a window before a time point (days, anchor)."""

from index.facts.kinds import KindSpec
from index.facts.windows import window_facts

SPEC = KindSpec(
    name="platelet_transfusion",
    display="platelet transfusion",
    family=window_facts,
    order=60,
    shown_as="window",
    attribute="transfusion",
)
