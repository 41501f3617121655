"""The sex a trial enrols (term: female / male), from criteria and the registry's field."""

from index.facts.demographics import sex_facts
from index.facts.kinds import KindSpec

SPEC = KindSpec(name="sex", display="sex", family=sex_facts, order=30, shown_as="term", attribute="sex")
