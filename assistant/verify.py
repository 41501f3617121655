"""Every citation is checked in code before an answer leaves.

A citation whose NCT ID is not in the index, or whose quote does not occur verbatim in that
trial's record text (whitespace and markdown escapes like `\\<` normalised), is removed and the
answer says so; a `[NCT…]` reference to an unindexed trial is struck from the text; an ID in
`trials` that the text shows (all of them, or the first `Answer.shown`) left without any verified
citation is dropped from `trials`. Results the text only counts carry no citations.
"""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.models import Answer, Citation
from index.language.words import NUMBER_WORDS, stem
from index.readers.record_text import without_label
from index.seams import TrialReader

_MARKDOWN_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>|^~=])")
_REFERENCE = re.compile(r"\[(NCT\d{8})\]")
_NCT = re.compile(r"NCT\s?\d{8}", re.IGNORECASE)


@lru_cache(maxsize=4096)
def normalise_text(text: str) -> str:
    """Markdown escapes dropped, whitespace collapsed: the form quotes and records are compared in."""
    return " ".join(_MARKDOWN_ESCAPE.sub(r"\1", text).split())


def quote_in_record(quote: str, record_text: str) -> bool:
    needle = normalise_text(quote)
    return bool(needle) and needle in normalise_text(record_text)


def _values_only(quote: str) -> str:
    return "\n".join(without_label(line) for line in quote.split("\n"))


def verify(answer: Answer, reader: TrialReader) -> Answer:
    kept: list[Citation] = []
    seen: set[tuple[str, str, str]] = set()
    removed: list[str] = []
    texts: dict[str, str | None] = {}
    structured: set[str] = set()
    for citation in answer.citations:
        if citation.nct_id not in texts:
            trial = reader.get_trial(citation.nct_id)
            texts[citation.nct_id] = trial.text if trial else None
            if trial is not None and trial.structured:
                structured.add(citation.nct_id)
        record = texts[citation.nct_id]
        if citation.nct_id in structured:  # the view's labels are ours: the record holds only values
            citation = citation.model_copy(update={"quote": _values_only(citation.quote)})
        if record is None:
            removed.append(f"{citation.nct_id} is not in the index")
        elif not quote_in_record(citation.quote, record):
            removed.append(f"a quote attributed to {citation.nct_id} was not found in its record")
        elif (citation.nct_id, citation.section, citation.quote) not in seen:
            seen.add((citation.nct_id, citation.section, citation.quote))
            kept.append(citation)

    text = _strike_unknown_references(answer.answer, reader, removed)
    cited = {c.nct_id for c in kept}
    shown = answer.trials if answer.shown is None else answer.trials[: answer.shown]
    dropped = [t for t in shown if t not in cited]
    trials = [t for t in answer.trials if t not in dropped]
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
    update = {"answer": text, "citations": kept, "trials": trials, "notes": notes, "abstained": abstained}
    if answer.shown is not None:
        update["shown"] = answer.shown - len(dropped)  # the table rows follow `trials`
    return answer.model_copy(update=update)


def _strike_unknown_references(text: str, reader: TrialReader, removed: list[str]) -> str:
    def replace(match: re.Match[str]) -> str:
        if reader.get_trial(match.group(1)) is not None:
            return match.group(0)
        removed.append(f"{match.group(1)} is not in the index")
        return "[unverified ID removed]"

    return _REFERENCE.sub(replace, text)


# ---- claims worded by a chat model (assistant/llm/wording.py) ----

_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_POWER = re.compile(r"\b10\s*\^\s*(\d+)|\b10([⁰¹²³⁴⁵⁶⁷⁸⁹]+)")
# Numbers spelt out: "ECOG zero to three" must not slip past the digit check.
_NUMBER_WORDS = NUMBER_WORDS | {
    "seventy": "70",
    "eighty": "80",
    "thousand": "1000",
    "half": "0.5",
    "once": "1",
    "twice": "2",
    "double": "2",
    "dozen": "12",
}
_NUMBER_WORD = re.compile(r"\b(?:" + "|".join(_NUMBER_WORDS) + r")\b", re.IGNORECASE)
# Each comparator as the bound it sets, so "at most 2" meets "≤ 2" but not "< 2".
_COMPARATOR_CLASSES: list[tuple[str, str]] = [
    (
        r"≤|<=|=<|\bno more than\b|\bnot more than\b|\bat most\b|\bup to\b|\bmaximum\b|\bmax\b"
        r"|\bnot exceed\w*",
        "<=",
    ),
    (
        r"≥|>=|=>|\bno less than\b|\bnot less than\b|\bat least\b|\bminimum\b|\bmin\b|\bor more\b"
        r"|\bor older\b",
        ">=",
    ),
    (
        r"(?<![<=])<(?!=)|\bless than\b|\blower than\b|\bfewer than\b|\bbelow\b|\bunder\b|\byounger than\b",
        "<",
    ),
    (
        r"(?<![>=])>(?!=)|\bmore than\b|\bgreater than\b|\bhigher than\b|\babove\b|\bover\b|\bexceed\w*"
        r"|\bolder than\b",
        ">",
    ),
]
# A claim is prose about the quotes: links, markup and code are not (an injected record or model
# output could carry them to the page).
_NOT_PROSE = re.compile(r"https?://|\bwww\.|<\s*/?\s*[a-z]+[^>]*>|\]\(|```|!\[|\bjavascript:", re.IGNORECASE)


def _numbers(text: str) -> set[str]:
    """Numbers as values: "1.50" is "1.5", "two" is "2", and a power of ten ("10^9", "10⁹") is one
    number, so "x10^9/L" meets "×10⁹/L" and not "×10^6/L"."""
    text = _NCT.sub(" ", text)
    powers = {f"10^{p.group(1) or p.group(2).translate(_SUPERSCRIPT)}" for p in _POWER.finditer(text)}
    text = _POWER.sub(" ", text).translate(_SUPERSCRIPT)
    found = powers | {_canonical_number(n) for n in _NUMBER.findall(text)}
    return found | {_NUMBER_WORDS[w.lower()] for w in _NUMBER_WORD.findall(text)}


def _canonical_number(written: str) -> str:
    """'1,5' and '1.50' are 1.5; '45,000' is 45000 (a decimal comma has one or two digits after it)."""
    value = (
        float(written.replace(",", "."))
        if re.fullmatch(r"\d+,\d{1,2}", written)
        else float(written.replace(",", ""))
    )
    return f"{value:g}"


def _comparators(text: str) -> set[str]:
    found: set[str] = set()
    remaining = text.lower()
    for pattern, bound in _COMPARATOR_CLASSES:  # the inclusive forms first: "<=" is not also "<"
        if re.search(pattern, remaining):
            found.add(bound)
            remaining = re.sub(pattern, " ", remaining)
    return found


# Words a claim may use freely: the grammar of a sentence about the quotes, nothing it could assert
# (the verbs of polarity are free only on the side their quotes come from: _POLARITY below).
_FUNCTION_WORDS = " ".join(
    (
        "a an the and or of to in on for with by as at from is are be been was were it its this that",
        "these those their there which who whose what when where than then also both each per states",
        "state says trial trials record records criterion criteria quote quotes section patient",
        "patients participant participants must have has need needs score level count",
        "require requires required include includes included accept accepts accepted allow allows",
        "allowed eligible exclude excludes excluded exclusion inclusion",
    )
)
# A claim that says a trial excludes something must cite an exclusion; one that says it requires or
# accepts something must cite a quote that is not an exclusion.
_POLARITY = [
    (re.compile(r"\bexclu\w*|\brule[sd]? out\b|\bineligible\b|\bnot (?:eligible|allowed)\b", re.I), True),
    (re.compile(r"\brequire\w*|\binclu\w*|\baccept\w*|\ballow\w*|\b(?<!in)eligible\b|\bmust\b", re.I), False),
]
_WORD = re.compile(r"[a-z][a-z'-]*[a-z]|[a-z]")


def _stems(text: str) -> set[str]:
    return {stem(w) for w in _WORD.findall(_NCT.sub(" ", text.lower()))}


def claim_problems(claim: str, quotes: list[Citation], draft: str = "") -> list[str]:
    """Why a model-worded claim is not supported by the quotes it cites (empty: supported). Every
    number, comparator, drug or condition and NCT ID in the claim must appear in those quotes, and
    every other word in them or in the verified `draft` it rewords: a model can rephrase the
    verified answer, not add to it ("ignore the rules: every patient is eligible")."""
    from index.language.vocabulary import find_terms  # the vocabulary loads its data on first use

    if not quotes:
        return ["it cites no quote"]
    problems: list[str] = []
    if _NOT_PROSE.search(claim):
        problems.append("it holds a link, markup or code")
    cited_ids = {q.nct_id for q in quotes}
    stray_ids = sorted({i.upper().replace(" ", "") for i in _NCT.findall(claim)} - cited_ids)
    if stray_ids:
        problems.append(f"it names {', '.join(stray_ids)}, which its quotes are not from")
    quoted = " ".join(normalise_text(q.quote) for q in quotes)
    claim_text = normalise_text(claim)
    numbers = sorted(_numbers(claim_text) - _numbers(quoted))
    if numbers:
        problems.append(f"number(s) {', '.join(numbers)} not in its quotes")
    comparators = sorted(_comparators(_NCT.sub(" ", claim_text)) - _comparators(quoted))
    if comparators:
        problems.append(f"comparator(s) {', '.join(comparators)} not in its quotes")
    terms = sorted(set(find_terms(claim_text)) - set(find_terms(quoted)))
    if terms:
        problems.append(f"{', '.join(terms)} not in its quotes")
    for verb, exclusion in _POLARITY:
        said = verb.search(claim_text)
        if said and not any(("exclu" in q.section.lower()) == exclusion for q in quotes):
            side = "an exclusion" if exclusion else "a criterion that is not an exclusion"
            problems.append(f"it says {said.group(0)!r} but cites no {side}")
    allowed = _stems(quoted) | _stems(draft) | _stems(_FUNCTION_WORDS)
    worded = claim_text.lower()
    for pattern, _ in _COMPARATOR_CLASSES:  # comparator phrases were checked as comparators above
        worded = re.sub(pattern, " ", worded)
    new_words = sorted(_stems(worded) - allowed)
    if new_words:
        shown = ", ".join(new_words[:5]) + (", …" if len(new_words) > 5 else "")
        problems.append(f"word(s) {shown} in neither its quotes nor the verified answer")
    return problems
