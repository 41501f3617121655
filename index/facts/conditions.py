"""Named conditions (canonical terms from index/language/vocabulary.yaml) a criterion requires or excludes.

In an exclusion the condition excludes; in an inclusion it is required, unless the criterion
negates it ("No brain metastases", "not a lactating patient"): then the fact's qualifier is
`ABSENT`, i.e. it excludes too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from index.facts.labs import limit_qualifier_spans
from index.facts.reading import Reading
from index.language.vocabulary import condition_matches
from index.models import Fact, FactKind

ABSENT = "absent"  # qualifier of an inclusion CONDITION the criterion requires to be absent

_RISK_OF = re.compile(r"risk of|increase the risk|risk for", re.IGNORECASE)
# "Diseases other than CIT", "besides thrombocytopenia caused by chemotherapy": what follows is
# the exception, not what the criterion names.
_EXCEPTION = re.compile(r"\b(?:other than|besides|except(?: for)?|apart from)\b[^,;]*", re.IGNORECASE)
_NEGATION = re.compile(
    r"\b(?:no|not|without|absence of|free of|negative(?: for)?|non|never|none)\b", re.IGNORECASE
)
# "including but not limited to", "whether or not": a "not" that negates nothing named.
_NOT_LIMITED = re.compile(r"(?:but )?not limited to|if not|whether or not", re.IGNORECASE)
_LEADING_NEGATION = re.compile(r"\s*(?:no|not|without|absence of|free of|never)\b", re.IGNORECASE)


def condition_facts(reading: Reading) -> Iterator[Fact]:
    """A CONDITION fact per named condition (and each broader term it implies), once each."""
    # "other than CIT"; "patients with liver metastases, ALT <= 5 ULN" (qualifies a lab limit).
    asides = [m.span() for m in _EXCEPTION.finditer(reading.text)] + limit_qualifier_spans(reading.text)
    emitted: set[str] = set()
    for match in condition_matches(reading.text):
        if any(a <= match.start < b for a, b in asides):
            continue
        if _names_a_risk(reading.text, match.start, match.end):
            continue
        negated = _negated(reading.text, match.start)
        if reading.section == "exclusion" and negated:
            continue  # an exclusion of "patients without X" does not exclude X
        if match.term.only_in and match.term.only_in != reading.section and not negated:
            continue
        qualifier = ABSENT if reading.section == "inclusion" and negated else None
        for name in (match.term.name, *match.term.broader):
            if name not in emitted:
                emitted.add(name)
                yield reading.fact(FactKind.CONDITION, term=name, qualifier=qualifier)


def _names_a_risk(text: str, start: int, end: int) -> bool:
    """Whether the condition is named as a risk ("increase the risk of thrombosis", "thromboembolic risk")."""
    return bool(_RISK_OF.search(text[max(0, start - 30) : start]) or re.match(r"\s*risk", text[end:]))


def _negated(text: str, position: int) -> bool:
    """Whether a negation governs the words at `position`.

    A criterion that opens with a negation ("No active, symptomatic brain metastases or ...")
    negates its whole first sentence; otherwise a negation a few words back in the same clause.
    """
    first_sentence_end = re.search(r"[;.](?:\s|$)", text)
    if _LEADING_NEGATION.match(text) and (
        first_sentence_end is None or position < first_sentence_end.start()
    ):
        return True
    clause_start = max(text.rfind(c, 0, position) for c in ";,.(") + 1
    before = _NOT_LIMITED.sub(" ", text[max(clause_start, position - 60) : position])
    return _NEGATION.search(before) is not None
