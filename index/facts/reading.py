"""One criterion being read: its text, the sub-heading it sits under, and how its facts are built."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from index.models import Criterion, Fact, Section


@dataclass
class Reading:
    criterion: Criterion
    heading: str  # the parent sub-heading, lower-cased, or ""
    denied: bool = False  # an item of a list whose lead-in denies it ("None of the following:")

    @property
    def text(self) -> str:
        return self.criterion.text

    @property
    def section(self) -> Section:
        return self.criterion.section

    def fact(self, kind: str, **fields: object) -> Fact:
        """A fact of this criterion, quoting its whole text verbatim for citation."""
        return Fact(
            kind=kind,
            source=self.criterion.section,
            criterion_number=self.criterion.number,
            quote=self.criterion.text,
            **fields,  # type: ignore[arg-type]
        )


# "Diseases other than CIT", "anti-neoplastic therapy (with the exclusion of hormone therapy ...)":
# what follows is the exception, not what the criterion names, up to the end of its clause or the
# next item.
_EXCEPTION = re.compile(
    r"\b(?:other\s+than|besides|except(?:\s+for)?|apart\s+from|with\s+the\s+exclusion\s+of|excluding"
    r"|exclusive\s+of)\b"
    r"[^,;.:]*?(?=[,;.:]|\s(?-i:No|Not)\b|$)",
    re.IGNORECASE,
)


def exception_spans(text: str) -> list[tuple[int, int]]:
    """Where `text` names what its criterion leaves out ("other than CIT", "excluding hormone therapy")."""
    return [m.span() for m in _EXCEPTION.finditer(text)]


def heading_of(parent: Criterion | None) -> str:
    """A parent that is a bare sub-heading ("Performance status:") names what its items measure."""
    if parent is None:
        return ""
    text = parent.text.strip()
    return text.lower() if len(text) < 60 and text.endswith(":") else ""


# A lead-in that denies every item listed under it: "None of the following within the past 6 months:",
# "No uncontrolled illness including, but not limited to, any of the following:".
_DENYING_LEAD_IN = re.compile(
    r"^\s*(?:no|none|not|without|absence of|free of)\b.*:\s*$", re.IGNORECASE | re.DOTALL
)


def denied_by_lead_in(criterion: Criterion, section: Sequence[Criterion]) -> bool:
    """Whether a criterion is an item of a list whose lead-in (a parent criterion, at any depth)
    denies what it lists: "Myocardial infarction" under "None of the following:" means no MI.
    `section`: the criteria of the criterion's own section, in order (number n is at n - 1)."""
    seen: set[int] = set()
    number = criterion.parent
    while number is not None and 0 < number <= len(section) and number not in seen:
        parent = section[number - 1]
        if _DENYING_LEAD_IN.match(parent.text):
            return True
        seen.add(number)
        number = parent.parent
    return False


_NEGATION = re.compile(
    r"\b(?:no|not|without|absence of|free of|negative(?: for)?|non(?![-‐])|never|none)\b", re.IGNORECASE
)
# "including but not limited to", "whether or not": a "not" that negates nothing named.
_NOT_LIMITED = re.compile(r"(?:but )?not limited to|if not|whether or not", re.IGNORECASE)
_LEADING_NEGATION = re.compile(r"\s*(?:no|not|without|absence of|free of|never)\b", re.IGNORECASE)


def negated_at(text: str, position: int) -> bool:
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


def is_negation(word: str) -> bool:
    """Whether a word alone denies what follows it ("no", "without", "never"...)."""
    return _NEGATION.fullmatch(word) is not None


# A criterion that opens by denying what it lists, after an optional heading: "No ...", "Hepatic: No
# ...", "Must not have ...", "Patients should not have ...". Wider than `_LEADING_NEGATION`, whose
# reach `negated_at` limits to the first sentence: a caller reading the whole criterion as denied
# (labs.py) checks for turning words itself.
_DENYING_OPENING = re.compile(
    r"^\s*(?:[A-Za-z][\w /&-]{0,30}:\s*)?(?:no|none|not|without|absence of|free of|never|"
    r"(?:(?:the\s+)?(?:patients?|subjects?|participants?)\s+)?(?:must|should|may|shall|can|will)\s*not)\b",
    re.IGNORECASE,
)


def opens_with_denial(text: str) -> bool:
    return _DENYING_OPENING.match(text) is not None
