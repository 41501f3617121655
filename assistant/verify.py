"""Every citation is checked in code before an answer leaves.

A citation whose NCT ID is not in the index, or whose quote does not occur verbatim in that
trial's record text (whitespace and markdown escapes like `\\<` normalised), is removed and the
answer says so; a `[NCT…]` reference to an unindexed trial is struck from the text; an ID in
`trials` left without any verified citation is dropped from `trials`.
"""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.models import Answer, Citation
from index.seams import TrialReader

_MARKDOWN_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>|^~=])")
_REFERENCE = re.compile(r"\[(NCT\d{8})\]")


@lru_cache(maxsize=4096)
def normalise_text(text: str) -> str:
    """Markdown escapes dropped, whitespace collapsed: the form quotes and records are compared in."""
    return " ".join(_MARKDOWN_ESCAPE.sub(r"\1", text).split())


def quote_in_record(quote: str, record_text: str) -> bool:
    needle = normalise_text(quote)
    return bool(needle) and needle in normalise_text(record_text)


def verify(answer: Answer, reader: TrialReader) -> Answer:
    kept: list[Citation] = []
    seen: set[tuple[str, str, str]] = set()
    removed: list[str] = []
    texts: dict[str, str | None] = {}
    for citation in answer.citations:
        if citation.nct_id not in texts:
            trial = reader.get_trial(citation.nct_id)
            texts[citation.nct_id] = trial.text if trial else None
        record = texts[citation.nct_id]
        if record is None:
            removed.append(f"{citation.nct_id} is not in the index")
        elif not quote_in_record(citation.quote, record):
            removed.append(f"a quote attributed to {citation.nct_id} was not found in its record")
        elif (citation.nct_id, citation.section, citation.quote) not in seen:
            seen.add((citation.nct_id, citation.section, citation.quote))
            kept.append(citation)

    text = _strike_unknown_references(answer.answer, reader, removed)
    cited = {c.nct_id for c in kept}
    dropped = [t for t in answer.trials if t not in cited]
    trials = [t for t in answer.trials if t in cited]
    notes = list(answer.notes)
    if removed:
        notes.append(
            f"Removed {len(removed)} citation(s) that failed verification: {'; '.join(sorted(set(removed)))}."
        )
    if dropped:
        notes.append(f"Dropped from the result for lack of a verified citation: {', '.join(dropped)}.")
    if removed or dropped:
        text += (
            "\n\n_Some citations could not be verified against the records and were removed: "
            f"{'; '.join(sorted(set(removed)) or dropped)}._"
        )
    abstained = answer.abstained or (bool(answer.trials) and not trials)
    if abstained and not answer.abstained:  # nothing left to stand on: say so instead of the claims
        text = (
            "I can't answer that from the indexed trial records: "
            "none of the supporting quotes could be verified."
        )
    return answer.model_copy(
        update={"answer": text, "citations": kept, "trials": trials, "notes": notes, "abstained": abstained}
    )


def _strike_unknown_references(text: str, reader: TrialReader, removed: list[str]) -> str:
    def replace(match: re.Match[str]) -> str:
        if reader.get_trial(match.group(1)) is not None:
            return match.group(0)
        removed.append(f"{match.group(1)} is not in the index")
        return "[unverified ID removed]"

    return _REFERENCE.sub(replace, text)
