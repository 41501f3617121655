"""The Answer contract (DESIGN.md): CLI --json, HTTP API, widget and evals all use this shape.

The four keys `answer`, `trials`, `citations`, `abstained` never change; extra keys may be added.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

CANNOT_ANSWER = "CANNOT_ANSWER"  # sentinel kind tests can assert on (Answer.kind)

Status = Literal["met", "not met", "unknown"]
VerdictLabel = Literal["likely eligible", "excluded", "needs checking"]


class Citation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    nct_id: str
    section: str
    quote: str


class CriterionCheck(BaseModel):
    """One patient attribute checked against one criterion (patient matching)."""

    model_config = ConfigDict(extra="forbid")

    criterion: str  # what was checked: "ECOG", "platelets", "age", "rhTPO washout"...
    status: Status
    quote: str | None = None  # the criterion text that decides it, verbatim
    section: str | None = None
    detail: str | None = None  # e.g. "patient 45 x10^9/L; requires < 50 x10^9/L"


class Verdict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    nct_id: str
    verdict: VerdictLabel
    checks: list[CriterionCheck] = Field(default_factory=list)


class Answer(BaseModel):
    model_config = ConfigDict(extra="allow")

    answer: str
    trials: list[str] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    abstained: bool = False
    kind: str | None = None  # set | attribute | overview | compare | match | open | CANNOT_ANSWER
    notes: list[str] = Field(default_factory=list)
    verdicts: list[Verdict] = Field(default_factory=list)
    timing_ms: float | None = None

    def contract(self) -> dict[str, object]:
        """The JSON form: the four contract keys first, extra keys after."""
        return self.model_dump(mode="json")
