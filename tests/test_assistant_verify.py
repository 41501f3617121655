"""Citation verification and the chat commands (the chat-model path: test_llm.py)."""

from __future__ import annotations

import io
import json

import pytest
from fakes import InMemoryTrialReader, seed_trials

from assistant.commands import run_jsonl
from assistant.models import Answer, Citation
from assistant.service import Assistant
from assistant.verify import quote_in_record, verify
from index.settings import Settings


@pytest.fixture(scope="module")
def reader() -> InMemoryTrialReader:
    return InMemoryTrialReader(seed_trials())


def test_escaped_and_rewrapped_quotes_verify() -> None:
    record = "5. The first occurrence of platelets \\<50×109/L in the current\n   chemotherapy cycle;"
    assert quote_in_record("platelets <50×109/L in the current chemotherapy cycle", record)
    assert not quote_in_record("platelets <75×109/L", record)


def test_bad_citations_are_removed_and_the_answer_says_so(reader: InMemoryTrialReader) -> None:
    draft = Answer(
        answer="[NCT06433830] accepts ECOG 2; so does [NCT01234567] and [NCT05394285].",
        trials=["NCT06433830", "NCT01234567", "NCT05394285"],
        citations=[
            Citation(
                nct_id="NCT06433830",
                section="Inclusion Criteria",
                quote="ECOG PS score for physical condition: 0-2 points",
            ),
            Citation(nct_id="NCT01234567", section="Inclusion Criteria", quote="ECOG 0-2"),
            Citation(
                nct_id="NCT05394285", section="Inclusion Criteria", quote="ECOG: 0-2"
            ),  # the record says 0-1
        ],
    )
    checked = verify(draft, reader)
    assert [c.nct_id for c in checked.citations] == ["NCT06433830"]
    assert checked.trials == ["NCT06433830"]
    assert "[NCT01234567]" not in checked.answer and "[unverified ID removed]" in checked.answer
    assert "could not be verified" in checked.answer
    assert any("NCT05394285" in note for note in checked.notes)


def test_all_citations_failing_abstains(reader: InMemoryTrialReader) -> None:
    draft = Answer(
        answer="x",
        trials=["NCT05394285"],
        citations=[Citation(nct_id="NCT05394285", section="Eligibility", quote="Maximum age 99 years")],
    )
    checked = verify(draft, reader)
    assert checked.trials == [] and checked.abstained
    assert "could be verified" in checked.answer and "99" not in checked.answer


def test_jsonl_chat_keeps_one_conversation_until_a_blank_line(reader: InMemoryTrialReader) -> None:
    lines = io.StringIO("Tell me about NCT07162519\nWhat is its maximum age?\n\nWhat is its maximum age?\n")
    out = io.StringIO()
    assert run_jsonl(Assistant(reader), lines, out) == 0
    answers = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(answers) == 3
    assert list(answers[0])[:4] == ["answer", "trials", "citations", "abstained"]
    assert answers[1]["trials"] == ["NCT07162519"] and "75 years" in answers[1]["answer"]
    assert answers[2]["abstained"] is True  # a new conversation: "its" refers to nothing


def test_jsonl_chat_answers_a_too_long_line_with_an_abstention(reader: InMemoryTrialReader) -> None:
    out = io.StringIO()
    run_jsonl(Assistant(reader, Settings(max_question_chars=20)), io.StringIO("x" * 50 + "\n"), out)
    (answer,) = [json.loads(line) for line in out.getvalue().splitlines()]
    assert answer["abstained"] is True and "limit is 20" in answer["answer"]


def test_an_empty_index_says_so() -> None:
    answer = Assistant(InMemoryTrialReader([])).ask("Which trials accept ECOG 2?")
    assert answer.abstained and "trials index" in answer.answer
