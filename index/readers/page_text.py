"""Slicing a plain-text page into headed sections and paragraphs, keeping exact offsets.

Page readers take every value as a slice of the page, so whatever a Trial field holds is an
exact substring of `Trial.text` (the page as read) and can be cited verbatim.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_BLANK_LINES = re.compile(r"\n[ \t]*\n")
_LINE = re.compile(r"[^\n]*")


@dataclass(frozen=True)
class Span:
    """A stretch of the page: `page[start:end]`, stripped."""

    page: str
    start: int
    end: int

    @property
    def text(self) -> str:
        return self.page[self.start : self.end]


def span(page: str, start: int, end: int) -> Span:
    """The span of page[start:end] without its outer whitespace."""
    while start < end and page[start].isspace():
        start += 1
    while end > start and page[end - 1].isspace():
        end -= 1
    return Span(page, start, end)


def joined(spans: list[Span]) -> str | None:
    """The page text from the first span's start to the last span's end (verbatim), or None."""
    if not spans:
        return None
    return spans[0].page[spans[0].start : spans[-1].end] or None


def paragraphs(section: Span) -> list[Span]:
    """The blank-line separated paragraphs of a section."""
    found: list[Span] = []
    start = section.start
    for gap in _BLANK_LINES.finditer(section.page, section.start, section.end):
        found.append(span(section.page, start, gap.start()))
        start = gap.end()
    found.append(span(section.page, start, section.end))
    return [item for item in found if item.text]


def lines(section: Span) -> list[Span]:
    """The non-empty lines of a section."""
    found = (
        span(section.page, m.start(), m.end())
        for m in _LINE.finditer(section.page, section.start, section.end)
    )
    return [item for item in found if item.text]


@dataclass(frozen=True)
class Heading:
    label: str
    line_start: int  # where the heading line starts
    body_start: int  # just after the heading line


def headed_sections(page: str, headings: Iterable[Heading], end: int) -> dict[str, Span]:
    """Each heading's body, up to the next heading; the first occurrence of a label wins."""
    ordered = sorted(headings, key=lambda heading: heading.line_start)
    sections: dict[str, Span] = {}
    for heading, following in zip(ordered, [*ordered[1:], None], strict=True):
        body_end = following.line_start if following else end
        sections.setdefault(heading.label, span(page, heading.body_start, body_end))
    return sections


def heading_lines(page: str, labels: Iterable[str], start: int = 0, end: int | None = None) -> list[Heading]:
    """Every line in page[start:end] that is exactly one of `labels` (surrounding spaces ignored)."""
    wanted = set(labels)
    stop = len(page) if end is None else end
    found = []
    for match in _LINE.finditer(page, start, stop):
        label = match.group(0).strip()
        if label in wanted:
            found.append(Heading(label, match.start(), match.end()))
    return found
