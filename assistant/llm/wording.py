"""The model words a verified answer as claims, each ending with the numbers of the quotes it
cites. The wording is used only when every claim passes `claim_problems` against the quotes it
cites and the claims name every result trial; otherwise the deterministic wording stays, with a
note. The result (`trials`, `citations`, `abstained`) never comes from the model.

Claims are checked one by one as the model's lines complete, so a stream shows only checked text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

import prompts
from assistant.llm.calls import Budget, ModelFailure, call_model
from assistant.llm.data import prompt
from assistant.models import Answer, Citation
from assistant.verify import claim_problems
from index.settings import Settings

# "- claim text [1][3]" or "- claim text [1, 3]." : the citation numbers close the line.
_CLAIM = re.compile(
    r"^\s*(?:[-*•]|\d+[.)])?\s*(?P<text>.*?\S)\s*(?P<cites>(?:\[\s*\d+(?:\s*,\s*\d+)*\s*\]\s*)+)\.?\s*$"
)


# Answers whose evidence is a list of quoted facts. Patient matching (verdicts criterion by
# criterion) and comparisons (a table) keep the engine's layout, which is part of their result.
WORDED_KINDS = frozenset({"set", "attribute", "overview", "open"})
_QUOTED = re.compile(r"“[^”]*”")  # a verbatim quote in the engine's wording
_HEADING = re.compile(r"^\s*\*\*[^*]+:\*\*\s*$")  # "**Not matching (2):**" alone on its line


class Rejected(ValueError):
    """The model's wording cannot be used; the message says why."""


@dataclass(frozen=True)
class Claim:
    text: str
    quotes: list[Citation]

    def render(self) -> str:
        ids = list(dict.fromkeys(q.nct_id for q in self.quotes))
        named = set(re.findall(r"NCT\d{8}", self.text))
        missing = "".join(f" [{i}]" for i in ids if i not in named)
        return f"- {self.text}{missing}"


def messages(answer: Answer, question: str) -> list[SystemMessage | HumanMessage]:
    quotes = "\n".join(
        f"[{n}] {c.nct_id} ({c.section}): {c.quote}" for n, c in enumerate(answer.citations, start=1)
    )
    return [
        SystemMessage(prompts.load("write_system")),
        HumanMessage(prompt("write_user", question=question, draft=answer.answer, quotes=quotes)),
    ]


def read_claim(line: str, citations: list[Citation], draft: str) -> Claim | None:
    """One line of the model's wording as a checked claim; None for a blank line. Raises Rejected
    for a line that is not a cited claim or that its quotes do not support."""
    if not line.strip():
        return None
    match = _CLAIM.match(line)
    if match is None:
        raise Rejected("a line cites no quote")
    numbers = [int(n) for n in re.findall(r"\d+", match.group("cites"))]
    if any(not 1 <= n <= len(citations) for n in numbers):
        raise Rejected("a claim cites a quote that does not exist")
    claim = Claim(match.group("text"), [citations[n - 1] for n in dict.fromkeys(numbers)])
    problems = claim_problems(claim.text, claim.quotes, draft)
    if problems:
        raise Rejected(f"a claim its quotes do not support: {'; '.join(problems)}")
    return claim


def worded(answer: Answer, claims: list[Claim], model_name: str) -> Answer:
    """The answer with the model's checked claims in place of its quoted evidence, once they name
    every trial the answer cites. The engine's own lines stay: the lead (the result, "3 of 5 trials
    accept ECOG 2: ..."), and every line that quotes nothing ("not stated in the record", record
    conflicts, caveats)."""
    if not claims:
        raise Rejected("it wrote no claim")
    covered = {q.nct_id for c in claims for q in c.quotes}
    missing = [t for t in dict.fromkeys(c.nct_id for c in answer.citations) if t not in covered]
    if missing:
        raise Rejected(f"it left out cited trial(s) {', '.join(missing)}")
    lead, *rest = answer.answer.split("\n")
    unquoted = _engine_lines([line for line in rest if not _QUOTED.search(line)])
    text = "\n\n".join(part for part in (lead, "\n".join(c.render() for c in claims), unquoted) if part)
    note = f"Worded by the chat model {model_name}; each claim was checked against the quotes it cites."
    return answer.model_copy(update={"answer": text, "notes": [*answer.notes, note]})


def _engine_lines(lines: list[str]) -> str:
    """The lines kept, without a heading left with no item under it, blank runs collapsed."""
    kept: list[str] = []
    for i, line in enumerate(lines):
        following = next((later for later in lines[i + 1 :] if later.strip()), "")
        if _HEADING.match(line) and not following.lstrip().startswith("- "):
            continue
        if line.strip() or (kept and kept[-1].strip()):
            kept.append(line)
    return "\n".join(kept).strip()


def write(
    answer: Answer,
    question: str,
    model: BaseChatModel,
    settings: Settings,
    budget: Budget,
    on_claims: Callable[[list[str]], None] | None = None,
) -> Answer:
    """The model's checked wording of `answer`, or `answer` unchanged with a note saying why not.

    With `on_claims`, the reply is streamed: each claim is checked as soon as its line completes and
    `on_claims` gets the checked claims so far (an empty list when a try starts again), so a stream
    never shows an unchecked claim. The first unsupported claim ends that try."""
    if answer.abstained or not answer.citations or answer.kind not in WORDED_KINDS:
        return answer

    def task() -> Answer:
        claims: list[Claim] = []
        lines: Iterable[str]
        if on_claims is None:
            lines = _text(model.invoke(messages(answer, question)).content).splitlines()
        else:
            on_claims([])
            lines = _lines(model.stream(messages(answer, question)))
        for line in lines:
            claim = read_claim(line, answer.citations, answer.answer)
            if claim is not None:
                claims.append(claim)
                if on_claims is not None:
                    on_claims([c.render() for c in claims])
        return worded(answer, claims, model_name(model))

    try:
        return call_model(task, settings, budget)
    except ModelFailure as failure:
        return _kept(answer, str(failure))


def _lines(chunks: Iterator[BaseMessage]) -> Iterator[str]:
    """Complete lines of a streamed reply, each as soon as it ends."""
    pending = ""
    for chunk in chunks:
        pending += _text(chunk.content)
        *complete, pending = pending.split("\n")
        yield from complete
    yield pending


def model_name(model: BaseChatModel) -> str:
    for attribute in ("model_name", "model"):
        value = getattr(model, attribute, None)
        if isinstance(value, str) and value:
            return value
    return type(model).__name__


def _kept(answer: Answer, why: str) -> Answer:
    note = f"The chat model's wording was not used ({why}); the verified wording is shown."
    return answer.model_copy(update={"notes": [*answer.notes, note]})


def _text(content: object) -> str:
    """A message's text: a string, or the text parts of a list of content blocks."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            part if isinstance(part, str) else str(part.get("text", "")) if isinstance(part, dict) else ""
            for part in content
        )
    return ""
