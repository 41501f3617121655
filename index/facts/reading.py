"""One criterion being read: its text, the sub-heading it sits under, and how its facts are built."""

from __future__ import annotations

from dataclasses import dataclass

from index.models import Criterion, Fact, FactKind, Section


@dataclass
class Reading:
    criterion: Criterion
    heading: str  # the parent sub-heading, lower-cased, or ""

    @property
    def text(self) -> str:
        return self.criterion.text

    @property
    def section(self) -> Section:
        return self.criterion.section

    def fact(self, kind: FactKind, **fields: object) -> Fact:
        """A fact of this criterion, quoting its whole text verbatim for citation."""
        return Fact(
            kind=kind,
            source=self.criterion.section,
            criterion_number=self.criterion.number,
            quote=self.criterion.text,
            **fields,  # type: ignore[arg-type]
        )


def heading_of(parent: Criterion | None) -> str:
    """A parent that is a bare sub-heading ("Performance status:") names what its items measure."""
    if parent is None:
        return ""
    text = parent.text.strip()
    return text.lower() if len(text) < 60 and text.endswith(":") else ""
