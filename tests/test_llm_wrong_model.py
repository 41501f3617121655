"""With a deliberately wrong chat model, every gold conversation (and every blind dev conversation,
when ../shared/evals is present) gets the same result trials and verified citations as with no
model, and every claim the model worded that reached an answer is supported by its quotes:
zero wrong results, zero unverifiable claims. Run with -s to see the figures."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pytest
from fakes import InMemoryTrialReader, seed_trials
from llm_fakes import WrongChatModel

from assistant.models import Answer
from assistant.service import Assistant
from assistant.verify import claim_problems, quote_in_record
from evals.dev_seeds import load_dev_cases
from evals.dev_sets import dev_dir, locate_dev_sets
from evals.gold import load_gold
from index.settings import Settings

WORDED = "Worded by the chat model"


def _ask(assistant: Assistant, turns: Sequence[str], session: str) -> Answer:
    assistant.reset(session)
    answer = Answer(answer="")
    for question in turns:
        answer = assistant.ask(question, session_id=session)
    return answer


def _unsupported(answer: Answer, deterministic: Answer) -> list[str]:
    """Lines of a model-worded answer that are not the engine's own and that the quotes of the
    trials they name do not support, checked afresh."""
    problems = []
    engine_lines = set(deterministic.answer.splitlines())
    for line in answer.answer.splitlines():
        if not line.strip() or line in engine_lines:
            continue
        ids = re.findall(r"\[(NCT\d{8})\]", line)
        quotes = [c for c in answer.citations if c.nct_id in ids]
        if problems_of := claim_problems(line.removeprefix("- "), quotes, deterministic.answer):
            problems.append(f"{line!r}: {problems_of}")
    return problems


def _conversations() -> list[tuple[str, list[str]]]:
    cases = [(c.id, c.turns) for c in load_gold()]
    dev = locate_dev_sets(dev_dir()).seeds
    if dev is not None:
        cases += [(c.id, c.turns) for c in load_dev_cases(dev)]
    return cases


@pytest.mark.evals
def test_a_wrong_model_changes_no_result_and_adds_no_unverifiable_claim() -> None:
    reader = InMemoryTrialReader(seed_trials())
    plain = Assistant(reader, Settings())
    wrong_model = WrongChatModel()
    wrong = Assistant(reader, Settings(llm_max_retries=0), chat_model=wrong_model)
    conversations = _conversations()
    wrong_results, unverifiable, bad_citations, worded, read_notes, readings_used = [], [], [], 0, 0, 0
    for case_id, turns in conversations:
        expected = _ask(plain, turns, case_id)
        got = _ask(wrong, turns, case_id)
        if (got.trials, got.abstained) != (expected.trials, expected.abstained):
            wrong_results.append(f"{case_id}: {got.trials} instead of {expected.trials}")
        for citation in got.citations:
            trial = reader.get_trial(citation.nct_id)
            if trial is None or not quote_in_record(citation.quote, trial.text):
                bad_citations.append(f"{case_id}: {citation.quote!r}")
        if any(note.startswith(WORDED) for note in got.notes):
            worded += 1
            unverifiable += [f"{case_id}: {p}" for p in _unsupported(got, expected)]
        elif not got.abstained and got.citations:
            assert got.answer == expected.answer, case_id  # a rejected wording leaves the verified one
        read_notes += any("reading of the question was not used" in n for n in got.notes)
        readings_used += any(n.startswith("The chat model read") for n in got.notes)
    print(
        f"\nwrong model over {len(conversations)} conversations, {wrong_model.calls} model calls: "
        f"{len(wrong_results)} wrong results, {len(unverifiable)} unverifiable claims, "
        f"{len(bad_citations)} unverified citations; {worded} answers worded by the model "
        f"(faithful turns), {read_notes} readings rejected, {readings_used} used"
    )
    # the model was asked (to word most answers, to read some questions), not bypassed
    assert wrong_model.calls > len(conversations) // 2
    assert worded > 0  # its faithful turns were used, so the checks pass good claims through
    assert wrong_results == []
    assert unverifiable == []
    assert bad_citations == []
