"""The result list of a set or patient-matching answer: a row per result trial, and how the text
names the first results and counts the rest."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

from assistant.evidence import md_quote
from assistant.models import Citation, CriterionCheck, ResultRow, Status, Verdict, VerdictLabel
from index.models import Trial
from index.trial_fields import RowFields, row_fields

REASONS_NAMED = 5  # deciding reasons a counted verdict group names, each with one cited example


def ref(nct_id: str) -> str:
    return f"[{nct_id}]"


@runtime_checkable
class RowFieldSource(Protocol):
    """Trials that give their row fields without their records being read (index/stored_trials.py)."""

    def row_fields(self, nct_ids: Sequence[str]) -> Mapping[str, RowFields]: ...


class ResultTable:
    """The table rows of an answer's result trials, made when asked for (`Answer.result_rows`): what
    decided each (a set answer's deciding criterion, a matching answer's verdict) is kept per trial,
    the rest read from the record when its row is shown."""

    def __init__(
        self, trials: Mapping[str, Trial], decided: Mapping[str, tuple[VerdictLabel | None, str | None]]
    ):
        self._trials = trials
        self._decided = decided

    def rows(self, nct_ids: Sequence[str]) -> list[ResultRow]:
        if isinstance(self._trials, RowFieldSource):
            fields = self._trials.row_fields(nct_ids)
        else:
            fields = {n: row_fields(t) for n in nct_ids if (t := self._trials.get(n)) is not None}
        return [self._row(nct_id, fields[nct_id]) for nct_id in nct_ids if nct_id in fields]

    def _row(self, nct_id: str, fields: RowFields) -> ResultRow:
        verdict, criterion = self._decided.get(nct_id, (None, None))
        return ResultRow(nct_id=nct_id, verdict=verdict, criterion=criterion, **fields)


def listed(nct_ids: Sequence[str], total: int) -> str:
    """The shown IDs as references, then how many of `total` are not shown: exact counts always."""
    more = total - len(nct_ids)
    if not nct_ids:
        return f"{total} not listed here (all in `trials` and the results table)" if total else "none"
    return ", ".join(ref(i) for i in nct_ids) + (f" and {more} more" if more else "")


def trials_count(n: int) -> str:
    return f"{n} trial" if n == 1 else f"{n} trials"


def counted_group(label: str, members: Sequence[Verdict], status: Status) -> tuple[list[str], list[Citation]]:
    """A verdict group that is not the result, counted: the commonest deciding reasons with how many
    trials each decided and one cited example, so the answer says why without citing every trial."""
    heading = f"**{label.capitalize()} ({len(members)}):**"
    if not members:
        return [f"{heading} none"], []
    counts: Counter[tuple[str, str | None]] = Counter()
    examples: dict[tuple[str, str | None], tuple[str, CriterionCheck]] = {}
    for verdict in members:
        keys = {(c.criterion, c.detail): c for c in verdict.checks if c.status == status}
        counts.update(keys.keys())
        for key, check in keys.items():
            if key not in examples:
                examples[key] = (verdict.nct_id, check)
    lines = [f"{heading} counted, not listed; what decided them:"]
    citations = []
    for key, n in counts.most_common(REASONS_NAMED):
        nct_id, check = examples[key]
        example = f" — e.g. {ref(nct_id)} {md_quote(check.quote, 200)}" if check.quote else ""
        lines.append(f"- {check.criterion}: {check.detail or check.status} ({trials_count(n)}){example}")
        if check.quote:
            citations.append(Citation(nct_id=nct_id, section=check.section or "", quote=check.quote))
    if len(counts) > REASONS_NAMED:
        lines.append(f"- …and {len(counts) - REASONS_NAMED} other reasons")
    return lines, citations
