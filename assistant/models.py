"""The Answer contract (DESIGN.md): CLI --json, HTTP API, widget and evals all use this shape.

The four keys `answer`, `trials`, `citations`, `abstained` never change; extra keys may be added.
An Answer in the process holds its whole result (a verdict per trial, and a table row per result
trial, made when asked for); its JSON holds one page of those (README, "Answer JSON"), so an answer
over thousands of trials stays small.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

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


class ResultRow(BaseModel):
    """One result trial as a table lists it: the chat's side panel, a portal paging the results."""

    model_config = ConfigDict(extra="forbid")

    nct_id: str
    title: str
    status: str | None = None
    phase: str | None = None
    location: str | None = None  # the countries of its sites, as the record states them
    verdict: VerdictLabel | None = None  # patient matching
    criterion: str | None = None  # set questions: what decided the match, e.g. "ECOG 0-2 includes 2"


class RowSource(Protocol):
    """Makes the table rows of result trials (assistant/results.py `ResultTable`)."""

    def rows(self, nct_ids: Sequence[str]) -> list[ResultRow]: ...


class Page(BaseModel):
    """Which results a JSON answer holds: `limit` of `total` from `offset`."""

    model_config = ConfigDict(extra="forbid")

    offset: int
    limit: int
    total: int


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
    # The first `shown` of `trials` are the ones the text shows and cites; None: all of them.
    shown: int | None = None
    # The table rows of `trials`, made when asked for (`results`, `result_rows`): a set answer at 100k
    # trials has ~20k results, of which a page, or the chat's side panel, shows the rows.
    _rows: RowSource | None = PrivateAttr(default=None)

    def with_rows(self, source: RowSource) -> Answer:
        self._rows = source
        return self

    @property
    def results(self) -> list[ResultRow]:
        """A row per trial in `trials`, in order."""
        return self.result_rows()

    def result_rows(self, offset: int = 0, limit: int | None = None) -> list[ResultRow]:
        """The rows of `limit` result trials from `offset` (all of them after it: None)."""
        if self._rows is None:
            return []
        return self._rows.rows(self.trials[offset : None if limit is None else offset + limit])

    def contract(self, offset: int = 0, limit: int | None = None) -> dict[str, object]:
        """The JSON form: the four contract keys first, extra keys after; `results` and `verdicts`
        only for the `limit` result trials from `offset` (by default those the text shows)."""
        total = len(self.trials)
        size = limit if limit is not None else (self.shown if self.shown is not None else total)
        page_ids = set(self.trials[offset : offset + size])
        data = self.model_dump(mode="json", exclude={"verdicts"})
        data["results"] = [r.model_dump(mode="json") for r in self.result_rows(offset, size)]
        data["verdicts"] = [
            v.model_dump(mode="json", exclude_none=True) for v in self.verdicts if v.nct_id in page_ids
        ]
        data["page"] = Page(offset=offset, limit=size, total=total).model_dump()
        return data
