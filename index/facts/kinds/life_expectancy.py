"""Life expectancy a trial requires, in days."""

from index.facts.kinds import KindSpec
from index.facts.windows import life_expectancy_facts

SPEC = KindSpec(
    name="life_expectancy",
    display="life expectancy",
    family=life_expectancy_facts,
    order=50,
    analyte=True,  # named in analytes.yaml, so "life expectancy > 3 months" never lends a lab its value
    unit="days",
    attribute="life_expectancy",
    card="more",
)
