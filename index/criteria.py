"""Split an eligibility text into numbered inclusion and exclusion `Criterion` items.

Records write criteria in many shapes: headed sections ("Inclusion Criteria:", "- INCLUSION
CRITERIA:", "Key Exclusion Criteria:", "Subject Exclusion Criteria", "Patients may be eligible for
this study if they:"),
`*`/`-`/`•` bullets, `1.`/`1)`/`a)`/`(i)` lists, indented sub-lists, whole runs of numbered
items on one line (`16\\. ... 17. ...; 18. ...`), wrapped paragraphs (classic XML), and
PDQ-style blocks with no inclusion/exclusion heading at all (all read as inclusion).

Every item's text is a slice of the criteria text (marker removed, trailing `;` and space
trimmed), so it can be cited verbatim; nothing is dropped but empty markers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.language.words import other_person
from index.models import Criterion, Section

_HEADING = re.compile(
    r"""^[ \t]*(?:[-*•]\s*)?
    (?:
        (?:(?:key|main|general|additional|major|other|specific)\s+)?
            (?P<kind>(?:non[- ]?)?i+nclusion|exclusion)
            (?P<criteria>\s+criteri(?:a|on)s?)?
      | (?-i:(?:[A-Z][A-Za-z]+[ \t]+){1,2})(?P<kind_led>inclusion|exclusion)
            [ \t]+criteri(?:a|on)s?(?=[ \t]*:?[ \t]*$)
      | criteria\s+for\s+(?P<kind_for>inclusion|exclusion)
      | (?P<eligible>[\w/ ,'()-]{0,60}?\bmay\s+be\s+eligible\b)
      | (?P<ineligible>[\w/ ,'()-]{0,60}?\b(?:will|may|are|is)\s+not\s+(?:be\s+)?eligible\b)
    )
    (?P<tail>[^:\n]{0,70}?)[ \t]*(?P<end>:|\s-\s|\s-$|$)
    """,
    re.IGNORECASE | re.VERBOSE | re.MULTILINE,
)

_MARKER = re.compile(
    r"""[ \t]*(?:
        (?P<bullet>[-*•·–▪◦o])[ \t]+
      | (?P<num>\d{1,2})\\?[.)](?![\d.])[ \t]*
      | \((?P<pnum>\d{1,2})\)[ \t]*
      | (?P<roman>(?:i{1,3}|iv|vi{0,3}|ix|x))[.)][ \t]+
      | (?P<letter>[a-zA-Z])[.)][ \t]+
      | \((?P<pletter>[a-zA-Z]|[ivx]{1,4})\)[ \t]+
    )(?=\S)""",
    re.VERBOSE,
)

# A wrapped line that ends one of these is not the end of a sentence.
_ABBREVIATION_END = re.compile(r"(?:e\.g|i\.e|vs|etc|approx|incl|no|dr|st)\.$", re.IGNORECASE)


@dataclass
class _Item:
    section: Section
    start: int
    end: int
    indent: float  # nesting key: marker column (a bare "Heading:" line nests its same-column items)
    label: str | None
    marked: bool
    parent: _Item | None = None
    about: str | None = None  # the person other than the patient its heading names ("- DONOR:")


@dataclass
class _Line:
    start: int
    end: int  # without the newline
    text: str
    shift: int = 0  # indentation lost when the text was stripped (first line only)

    @property
    def lead(self) -> int:
        """Characters of leading whitespace in the text itself."""
        return len(self.text) - len(self.text.lstrip(" \t"))

    @property
    def column(self) -> int:
        """Indentation for nesting, counting what stripping took off the first line."""
        return self.lead + self.shift


def split_criteria(criteria_text: str) -> tuple[list[Criterion], list[Criterion]]:
    """(inclusion, exclusion) criteria of an eligibility text; texts are exact slices of it."""
    builder = _Builder(criteria_text)
    for line in _lines(criteria_text):
        builder.feed(line)
    items = [
        piece
        for item in builder.items
        for run_item in _split_inline_run(criteria_text, item)
        for piece in _split_labelled_run(criteria_text, run_item)
    ]
    return _criteria(criteria_text, items, "inclusion"), _criteria(criteria_text, items, "exclusion")


def _lines(text: str) -> list[_Line]:
    lines = []
    for m in re.finditer(r"[^\n]*", text):
        if m.start() > 0 and m.start() == m.end() and text[m.start() - 1 : m.start()] != "\n":
            continue  # finditer's empty match right after a non-empty line
        lines.append(_Line(m.start(), m.end(), m.group().rstrip("\r")))
    # A stripped text block starts at column 0 while its other lines keep their indentation:
    # give the first line the smallest indentation seen below it.
    later = [line.column for line in lines[1:] if line.text.strip()]
    if lines and lines[0].column == 0 and later and min(later) > 0:
        lines[0].shift = min(later)
    return lines


class _Builder:
    """Turns lines into items, tracking the current section and the open parents."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.section: Section = "inclusion"
        self.items: list[_Item] = []
        self.open: list[int] = []  # indexes of items that may still take children
        self.about: str | None = None  # "EXCLUSION CRITERIA - DONOR:": whom the items below are about
        self.blank_before = False

    def feed(self, line: _Line) -> None:
        if not line.text.strip():
            self.blank_before = True
            return
        heading = _HEADING.match(line.text)
        if heading and _is_heading(heading):
            self._switch_section(heading)
            rest = line.start + heading.end()
            if self.text[rest : line.end].strip():
                self._new_item(rest + _leading_space(self.text[rest : line.end]), line.end, 0, None, False)
            self.blank_before = False
            return
        marker = _MARKER.match(line.text)
        if marker:
            label = next((g for g in marker.groups() if g and g not in "-*•·–▪◦o"), None)
            if marker.group("bullet"):
                label = None
            self._new_item(line.start + marker.end(), line.end, line.column, label, True)
        elif self._continues(line):
            self.items[-1].end = line.end
        else:
            self._new_item(line.start + line.lead, line.end, line.column, None, False)
        self.blank_before = False

    def _switch_section(self, heading: re.Match[str]) -> None:
        kind = (heading.group("kind") or heading.group("kind_led") or heading.group("kind_for") or "").lower()
        tail = heading.group("tail").lower()
        # "Non-inclusion criteria" (a French registry's usual heading) are exclusions
        if heading.group("ineligible") or kind == "exclusion" or kind.startswith("non"):
            new: Section | None = "exclusion"
        elif heading.group("eligible") or kind.endswith("nclusion"):
            new = "inclusion"
        else:
            new = None
        if new == "inclusion" and "exclusion" in tail:
            new = None  # "INCLUSION / EXCLUSION CRITERIA": a heading over both, no switch
        if new is not None:
            self.section = new
        self.about = other_person(heading.group("tail").strip(" -()"))
        self.open = []

    def _continues(self, line: _Line) -> bool:
        """Whether an unmarked line carries on the last item rather than starting one."""
        if not self.items or self.items[-1].section != self.section:
            return False
        last = self.items[-1]
        if last.marked:
            return line.column > last.indent and not (self.blank_before and line.column <= last.indent)
        if self.blank_before:
            return False
        previous = self.text[last.start : last.end].rstrip()
        previous_line = previous.rsplit("\n", 1)[-1].strip()
        # A long line ending in ":" is a wrap inside "Life expectancy: At least..." runs; a short
        # one is a sub-heading ("Hepatic:") whose items follow.
        sentence_ended = (previous.endswith((".", ";")) and not _ABBREVIATION_END.search(previous)) or (
            previous.endswith(":") and len(previous_line) < 60
        )
        starts_new = bool(re.match(r"[A-Z0-9]", line.text.lstrip()))
        return not (sentence_ended and starts_new)

    def _new_item(self, start: int, end: int, column: int, label: str | None, marked: bool) -> None:
        line_text = self.text[start:end].strip()
        # A short bare "Heading:" line nests the items that follow at its own column (a long
        # line ending in ":" is a wrapped paragraph).
        is_heading = not marked and line_text.endswith(":") and len(line_text) < 60
        nest = column - 0.5 if is_heading else float(column)
        while self.open and self.items[self.open[-1]].indent >= nest:
            self.open.pop()
        parent = self.items[self.open[-1]] if self.open else None
        self.items.append(_Item(self.section, start, end, nest, label, marked, parent, self.about))
        self.open.append(len(self.items) - 1)


def _is_heading(match: re.Match[str]) -> bool:
    if (match.group("eligible") or match.group("ineligible")) and (
        match.group("end") != ":" or re.search(r"[.;]\s", match.group("tail"))
    ):
        # "Patients will not be eligible for this study if they:" opens a section; a line that
        # ends otherwise ("... are not eligible for this trial.") is a sentence, often the
        # wrapped end of an item.
        return False
    if match.group("kind") and not match.group("criteria"):
        # A bare word ("Inclusion:") is a heading only when it stands alone.
        # "INCLUSION / EXCLUSION CRITERIA" is a heading too (over both sections).
        tail = match.group("tail")
        return (not tail.strip() and match.group("end") in (":", "")) or "criteri" in tail.lower()
    return True


def _leading_space(text: str) -> int:
    return len(text) - len(text.lstrip())


def _split_inline_run(text: str, item: _Item) -> list[_Item]:
    """Split `12. A; 13.B; 14. C` written on one line into items 12, 13, 14.

    Only the next number in sequence after a `;` or `.` counts, so decimals ("1.5ULN",
    "7.5 mg") and "No. 3" never split.
    """
    if item.label is None or not item.label.isdigit():
        return [item]
    pieces = [item]
    number = int(item.label)
    while True:
        current = pieces[-1]
        pattern = re.compile(rf"[;.]\s*({number + 1})\\?\.(?!\d)\s*(?=\S)")
        found = pattern.search(text, current.start, current.end)
        if not found:
            return pieces
        tail = _Item(
            item.section,
            found.end(),
            current.end,
            item.indent,
            str(number + 1),
            True,
            item.parent,
            item.about,
        )
        current.end = found.start() + 1
        pieces.append(tail)
        number += 1


# PDQ-style records run labelled fields together in one paragraph: "PATIENT CHARACTERISTICS:
# Age: 18 and over Performance status: ECOG 0-2 Life expectancy: At least 12 weeks ...".
_FIELD_LABEL = re.compile(
    r"(?<=\s)(?:Age|Sex|Menopausal status|Performance status|Life expectancy|Hematopoietic|Haematopoietic|"
    r"Hepatic|Renal|Cardiovascular|Cardiac|Pulmonary|Neurologic|Other|Biologic therapy|Chemotherapy|"
    r"Endocrine therapy|Radiotherapy|Surgery|Immunologic|Gastrointestinal|Hormone receptor status)"
    r"(?:\s*\([^()]{0,40}\))?:(?=\s)",
    re.IGNORECASE,
)


def _split_labelled_run(text: str, item: _Item) -> list[_Item]:
    """Split a paragraph of run-together "Label: value" fields into one item per field.

    The item itself keeps the first piece, so sub-items that name it as parent still do.
    """
    starts = [m.start() for m in _FIELD_LABEL.finditer(text, item.start, item.end)]
    if len(starts) < 2:
        return [item]
    if not text[item.start : starts[0]].strip():
        starts = starts[1:]
    ends = [*starts[1:], item.end]
    pieces = [
        _Item(item.section, start, end, item.indent, None, False, item.parent, item.about)
        for start, end in zip(starts, ends, strict=True)
    ]
    item.end = starts[0]
    return [item, *pieces]


def _criteria(text: str, items: list[_Item], section: Section) -> list[Criterion]:
    criteria: list[Criterion] = []
    numbers: dict[int, int] = {}  # id(item) -> its criterion number, for sub-items' `parent`
    about: dict[int, str | None] = {}  # id(item) -> whom it is about, for sub-items
    for item in items:
        if item.section != section:
            continue
        start, end = item.start, item.end
        while end > start and (text[end - 1].isspace() or text[end - 1] == ";"):
            end -= 1
        if end <= start:
            continue
        parent = numbers.get(id(item.parent)) if item.parent is not None else None
        # under a heading naming someone else, a sub-item of an item about them, or naming them first
        about[id(item)] = item.about or about.get(id(item.parent)) or other_person(text[start:end])
        criteria.append(
            Criterion(
                section=section,
                number=len(criteria) + 1,
                label=item.label,
                text=text[start:end],
                parent=parent,
                about=about[id(item)],
            )
        )
        numbers[id(item)] = len(criteria)
    return criteria
