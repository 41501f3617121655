"""The HTTP API, the embedding rules, the HTML rendering and the chat handlers, over a scripted
assistant and hand-written trials (the real assistant is exercised by tests/test_browser.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import gradio as gr
import pytest
from fastapi.testclient import TestClient
from ui_fixtures import (
    HOSTILE_CRITERION,
    HOSTILE_NCT,
    ScriptedAssistant,
    ecog_trial,
    hostile_trial,
)

from assistant.models import Answer, Citation, CriterionCheck, Verdict
from index.errors import QuestionError
from index.memory import RecordsReader
from index.models import Fact, FactKind
from index.settings import Settings
from ui.chat import ChatHandlers, ChatTurn
from ui.origins import OriginPolicy
from ui.render import citation_numbers, describe_fact, render_answer, render_side_panel
from ui.server import create_app

PORTAL = "https://portal.example"
MAX_CHARS = 50


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("trials-home")


@pytest.fixture(scope="module")
def settings(home: Path) -> Settings:
    return Settings(
        home=home,
        max_question_chars=MAX_CHARS,
        allowed_origins=[PORTAL, "http://localhost"],
        allowed_hosts=["testserver"],
    )


@pytest.fixture(scope="module")
def assistant() -> ScriptedAssistant:
    return ScriptedAssistant()


@pytest.fixture(scope="module")
def client(assistant: ScriptedAssistant, settings: Settings) -> Iterator[TestClient]:
    app = create_app(assistant, RecordsReader([ecog_trial(), hostile_trial()]), settings)
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(autouse=True)
def fresh_assistant(assistant: ScriptedAssistant) -> None:
    assistant.calls.clear()
    assistant.fail_with = None


# --- /healthz and the docs ---------------------------------------------------------------


def test_healthz(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_openapi_documents_every_endpoint(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/ask", "/api/trials/{nct_id}", "/healthz"} <= set(paths)
    assert client.get("/docs").status_code == 200


def test_chat_page_is_served_at_root_and_framed_only_by_allowed_origins(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert "<html" in response.text.lower()
    assert response.headers["content-security-policy"] == (
        "frame-ancestors 'self' https://portal.example:* http://localhost:*"
    )


# --- POST /api/ask ------------------------------------------------------------------------


def test_ask_returns_the_answer_contract(client: TestClient, assistant: ScriptedAssistant) -> None:
    response = client.post("/api/ask", json={"question": "Which trials accept ECOG 2?"})
    assert response.status_code == 200
    body = response.json()
    assert list(body)[:4] == ["answer", "trials", "citations", "abstained"]
    assert body["trials"] == ["NCT09990002"]
    assert body["citations"] == [
        {
            "nct_id": "NCT09990002",
            "section": "Inclusion Criteria",
            "quote": "ECOG PS score for physical condition: 0-2 points;",
        }
    ]
    assert body["abstained"] is False
    assert assistant.calls == [("Which trials accept ECOG 2?", None)]


def test_ask_passes_the_session_on(client: TestClient, assistant: ScriptedAssistant) -> None:
    client.post("/api/ask", json={"question": "Which trials accept ECOG 2?", "session_id": "s-1"})
    client.post("/api/ask", json={"question": "Which of those are recruiting?", "session_id": "s-1"})
    assert [session for _, session in assistant.calls] == ["s-1", "s-1"]


@pytest.mark.parametrize("question", ["", "   \n\t "])
def test_empty_question_is_refused(client: TestClient, assistant: ScriptedAssistant, question: str) -> None:
    response = client.post("/api/ask", json={"question": question})
    assert response.status_code == 422
    assert "question is empty" in response.json()["detail"]
    assert assistant.calls == []


def test_question_over_the_limit_is_refused(client: TestClient, assistant: ScriptedAssistant) -> None:
    response = client.post("/api/ask", json={"question": "x" * (MAX_CHARS + 1)})
    assert response.status_code == 422
    assert response.json()["detail"] == "question is 51 characters long; the limit is 50"
    assert assistant.calls == []


def test_question_at_the_limit_is_taken(client: TestClient) -> None:
    assert client.post("/api/ask", json={"question": "x" * MAX_CHARS}).status_code == 200


def test_malformed_json_is_a_400(client: TestClient) -> None:
    response = client.post(
        "/api/ask", content=b'{"question": "ECOG 2?"', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("request body is not valid JSON")


@pytest.mark.parametrize(
    "body",
    [b'["Which trials accept ECOG 2?"]', b'"Which trials accept ECOG 2?"', b"null"],
)
def test_body_that_is_not_an_object_is_refused(client: TestClient, body: bytes) -> None:
    response = client.post("/api/ask", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert "JSON object" in response.json()["detail"]


def test_missing_body_is_refused(client: TestClient) -> None:
    response = client.post("/api/ask")
    assert response.status_code == 422
    assert "JSON object" in response.json()["detail"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"question": 5}, "question"),
        ({"question": ["ECOG 2?"]}, "question"),
        ({"question": None}, "question"),
        ({}, "question"),
        ({"question": "ECOG 2?", "session_id": 7}, "session_id"),
        ({"question": "ECOG 2?", "session_id": "<script>"}, "session_id"),
        ({"question": "ECOG 2?", "sesion_id": "typo"}, "sesion_id"),
    ],
)
def test_wrong_fields_are_named(client: TestClient, payload: dict[str, object], field: str) -> None:
    response = client.post("/api/ask", json=payload)
    assert response.status_code == 422
    assert response.json()["detail"].startswith(f"{field}:")


def test_question_error_from_the_assistant_is_a_422(client: TestClient, assistant: ScriptedAssistant) -> None:
    assistant.fail_with = QuestionError("question mentions no trial attribute")
    response = client.post("/api/ask", json={"question": "hmm"})
    assert response.status_code == 422
    assert response.json() == {"detail": "question mentions no trial attribute"}


def test_assistant_crash_is_a_generic_500_and_the_server_keeps_serving(
    client: TestClient, assistant: ScriptedAssistant
) -> None:
    assistant.fail_with = RuntimeError("secret internal state /srv/db")
    response = client.post("/api/ask", json={"question": "Which trials accept ECOG 2?"})
    assert response.status_code == 500
    assert "secret" not in response.text
    assert "failed" in response.json()["detail"]
    assistant.fail_with = None
    assert client.post("/api/ask", json={"question": "Which trials accept ECOG 2?"}).status_code == 200


# --- GET /api/trials/{nct} ----------------------------------------------------------------


def test_trial_is_returned_structured(client: TestClient) -> None:
    response = client.get("/api/trials/NCT09990002")
    assert response.status_code == 200
    trial = response.json()
    assert trial["nct_id"] == "NCT09990002"
    assert trial["status"] == "RECRUITING"
    assert [c["text"] for c in trial["inclusion"]] == [
        "ECOG PS score for physical condition: 0-2 points;",
        "Platelet count < 75 x10^9/L",
    ]
    assert trial["facts"][0]["kind"] == "ecog"


def test_trial_id_is_case_insensitive(client: TestClient) -> None:
    assert client.get("/api/trials/nct09990002").json()["nct_id"] == "NCT09990002"


def test_unknown_trial_is_a_404(client: TestClient) -> None:
    response = client.get("/api/trials/NCT00000001")
    assert response.status_code == 404
    assert response.json() == {"detail": "NCT00000001 is not in the index"}


@pytest.mark.parametrize("bad", ["12345678", "NCT123", "NCT0999000212", "ECOG"])
def test_malformed_trial_id_is_a_404_that_says_why(client: TestClient, bad: str) -> None:
    response = client.get(f"/api/trials/{bad}")
    assert response.status_code == 404
    assert "is not a ClinicalTrials.gov ID" in response.json()["detail"]


# --- allowed origins ----------------------------------------------------------------------


def test_allowed_origin_gets_cors_headers(client: TestClient) -> None:
    preflight = client.options(
        "/api/ask",
        headers={"Origin": PORTAL, "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == PORTAL
    response = client.post("/api/ask", json={"question": "ECOG 2?"}, headers={"Origin": PORTAL})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == PORTAL


def test_origin_without_port_allows_any_port_of_that_host(client: TestClient) -> None:
    response = client.post(
        "/api/ask", json={"question": "ECOG 2?"}, headers={"Origin": "http://localhost:8123"}
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "http://localhost:8123"


@pytest.mark.parametrize(
    "origin", ["https://evil.example", "http://portal.example", "https://portal.example.evil.example", "null"]
)
def test_disallowed_origin_is_refused(client: TestClient, assistant: ScriptedAssistant, origin: str) -> None:
    preflight = client.options(
        "/api/ask", headers={"Origin": origin, "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
    response = client.post("/api/ask", json={"question": "ECOG 2?"}, headers={"Origin": origin})
    assert response.status_code == 403
    assert f"origin {origin} is not allowed" in response.json()["detail"]
    assert "access-control-allow-origin" not in response.headers
    assert assistant.calls == []


def test_same_origin_page_may_call_the_api(client: TestClient) -> None:
    # The /embed page and the chat call the API from the server's own origin.
    response = client.post("/api/ask", json={"question": "ECOG 2?"}, headers={"Origin": "http://testserver"})
    assert response.status_code == 200


def test_embed_may_be_framed_only_by_allowed_origins(client: TestClient) -> None:
    response = client.get("/embed")
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert csp.endswith("frame-ancestors 'self' https://portal.example:* http://localhost:*")
    assert "script-src 'self'" in csp
    assert "evil" not in csp


def test_widget_script_and_embed_assets_are_served(client: TestClient) -> None:
    widget = client.get("/widget.js")
    assert widget.status_code == 200
    assert widget.headers["content-type"].startswith("text/javascript")
    assert "/embed?" in widget.text
    assert client.get("/embed.js").status_code == 200
    assert client.get("/embed.css").headers["content-type"].startswith("text/css")


def test_origin_policy_port_rules() -> None:
    policy = OriginPolicy.from_settings(["http://127.0.0.1", "https://portal.example:8443/"])
    assert policy.allows("http://127.0.0.1")
    assert policy.allows("http://127.0.0.1:5173")
    assert policy.allows("https://portal.example:8443")
    assert not policy.allows("https://portal.example")
    assert not policy.allows("https://127.0.0.1:5173")
    assert not policy.allows("http://127.0.0.1.evil.example")
    assert policy.frame_ancestors() == "frame-ancestors 'self' http://127.0.0.1:* https://portal.example:8443"
    assert not OriginPolicy.from_settings([]).allows("http://127.0.0.1")


# --- rendering ----------------------------------------------------------------------------


def hostile_answer() -> Answer:
    return Answer(
        answer=f"{HOSTILE_NCT} requires: {HOSTILE_CRITERION} [{HOSTILE_NCT}]",
        trials=[HOSTILE_NCT],
        citations=[Citation(nct_id=HOSTILE_NCT, section="Inclusion Criteria", quote=HOSTILE_CRITERION)],
    )


def test_record_html_and_markdown_render_as_text() -> None:
    html = render_answer(hostile_answer(), {HOSTILE_NCT: "A <b>bold</b> trial title"})
    assert "<script" not in html and "<b>" not in html
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in html
    assert 'href="https://evil.example' not in html and "<img" not in html
    assert "[click here](https://evil.example/phish)" in html
    assert 'href="https://clinicaltrials.gov/study/NCT09990001"' in html


def test_no_record_text_lands_in_an_attribute() -> None:
    answer = Answer(
        answer='```[NCT00000001] x" onmouseover="alert(1)\ncode\n```\n\n<a href="javascript:alert(1)">x</a>',
        trials=["NCT00000001"],
        citations=[Citation(nct_id="NCT00000001", section="Inclusion Criteria", quote='a" onclick="x')],
    )
    html = render_answer(answer, {})
    assert "language-" not in html
    assert 'onmouseover="' not in html and 'onclick="' not in html and '<a href="javascript' not in html


def test_side_panel_escapes_record_text() -> None:
    panel = render_side_panel(hostile_answer(), [hostile_trial()])
    assert "<b>" not in panel and "<script" not in panel
    assert "A &lt;b&gt;bold&lt;/b&gt; trial title" in panel


def test_citations_are_numbered_in_order_of_first_mention() -> None:
    answer = Answer(
        answer="B [NCT00000002] and A [NCT00000001], B again [NCT00000002].",
        trials=["NCT00000001", "NCT00000002"],
        citations=[
            Citation(nct_id="NCT00000001", section="Inclusion Criteria", quote="ECOG 0-1"),
            Citation(nct_id="NCT00000002", section="Inclusion Criteria", quote="ECOG 0-2"),
            Citation(nct_id="NCT00000003", section="Exclusion Criteria", quote="brain metastases"),
        ],
    )
    assert citation_numbers(answer) == {"NCT00000002": 1, "NCT00000001": 2, "NCT00000003": 3}
    html = render_answer(answer, {})
    assert 'title="Inclusion Criteria: “ECOG 0-2”">[1]</a>' in html
    assert "NCT00000002 NCT00000002" not in html  # a marker after the same ID does not repeat it
    assert "<details><summary>[3]" in html


def test_marker_right_after_its_id_does_not_repeat_the_id() -> None:
    answer = Answer(
        answer="- NCT00000001: ECOG 0-1 [NCT00000001]\n- ECOG 0-2 [NCT00000002]",
        trials=["NCT00000001", "NCT00000002"],
        citations=[
            Citation(nct_id="NCT00000001", section="Inclusion Criteria", quote="ECOG 0-1"),
            Citation(nct_id="NCT00000002", section="Inclusion Criteria", quote="ECOG 0-2"),
        ],
    )
    body = render_answer(answer, {}).split('<div class="references">')[0]
    assert '<li>NCT00000001: ECOG 0-1 <a class="cite"' in body
    assert '<li>ECOG 0-2 NCT00000002 <a class="cite"' in body


def test_streamed_prefix_has_no_references_yet() -> None:
    answer = hostile_answer()
    assert "References" not in render_answer(answer, {}, text=answer.answer[:20])
    assert "References" in render_answer(answer, {}, text=answer.answer)


@pytest.mark.parametrize(
    ("fact", "reading"),
    [
        (Fact(kind=FactKind.ECOG, source="inclusion", quote="ECOG 0-2", low=0, high=2), "ECOG 0–2"),
        (
            Fact(
                kind=FactKind.PLATELETS,
                source="exclusion",
                quote="PLT < 75",
                comparator="<",
                value=75,
                unit="x10^9/L",
            ),
            "Platelets ≥ 75 x10^9/L",
        ),
        (
            Fact(kind=FactKind.PLATELETS, source="inclusion", quote="PLT ≤ 75", comparator="<=", value=75),
            "Platelets ≤ 75",
        ),
        (
            Fact(kind=FactKind.AGE, source="inclusion", quote="≥ 18 years", low=18, unit="years"),
            "age ≥ 18 years",
        ),
    ],
)
def test_facts_read_as_what_the_patient_needs(fact: Fact, reading: str) -> None:
    assert describe_fact(fact) == reading


def test_verdicts_show_as_a_per_criterion_table() -> None:
    answer = Answer(
        answer="NCT09990002 [NCT09990002] needs checking.",
        trials=["NCT09990002"],
        citations=[Citation(nct_id="NCT09990002", section="Inclusion Criteria", quote="Platelet count < 75")],
        verdicts=[
            Verdict(
                nct_id="NCT09990002",
                verdict="needs checking",
                checks=[
                    CriterionCheck(criterion="ECOG", status="met", quote="ECOG 0-2"),
                    CriterionCheck(
                        criterion="platelets", status="not met", detail="patient 80; requires < 75"
                    ),
                    CriterionCheck(criterion="brain metastases", status="unknown"),
                ],
            )
        ],
    )
    panel = render_side_panel(answer, [ecog_trial()])
    assert 'NCT09990002: <span class="verdict-needs-checking">needs checking</span>' in panel
    assert '<td class="status met">met</td>' in panel
    assert '<td class="status not-met">not met</td>' in panel
    assert '<td class="status unknown">unknown</td>' in panel
    assert "patient 80; requires &lt; 75" in panel
    assert panel.index("<table>") < panel.index('<article class="trial-card"')


# --- chat handlers ------------------------------------------------------------------------


@pytest.fixture
def handlers(tmp_path: Path) -> ChatHandlers:
    settings = Settings(home=tmp_path, max_question_chars=MAX_CHARS)
    return ChatHandlers(ScriptedAssistant(), RecordsReader([ecog_trial()]), settings)


def test_chat_streams_a_growing_answer_then_fills_the_panel(handlers: ChatHandlers) -> None:
    updates = list(handlers.respond("Which trials accept ECOG 2?", None, []))
    replies = [update[0][-1]["content"] for update in updates]
    assert "Searching" in replies[0]
    assert len(replies) >= 3  # placeholder, at least one partial text, the final answer
    assert len(replies[1]) < len(replies[-1])
    assert updates[0][1] == ""  # the question box is emptied once, at the start
    messages, box, panel, session_id, turns, copy_text, table, download = updates[-1]
    assert box != ""  # and not again: the clinician may be typing the next question
    assert table["visible"] is False and download["visible"] is False  # this answer has no result rows
    assert [m["role"] for m in messages] == ["user", "assistant"]
    assert 'data-nct="NCT09990002"' in panel and "ECOG 0–2" in panel
    assert session_id and len(turns) == 1
    assert "[1] NCT09990002 https://clinicaltrials.gov/study/NCT09990002" in copy_text


def test_follow_up_uses_the_same_session_and_new_conversation_resets_it(handlers: ChatHandlers) -> None:
    assistant = handlers.assistant
    assert isinstance(assistant, ScriptedAssistant)
    *_, first = handlers.respond("Which trials accept ECOG 2?", None, [])
    session_id, turns = first[3], first[4]
    *_, second = handlers.respond("Which of those are recruiting?", session_id, turns)
    assert [s for _, s in assistant.calls] == [session_id, session_id]
    assert len(second[0]) == 4
    cleared = handlers.new_conversation(session_id)
    assert assistant.resets == [session_id]
    assert cleared[0] == [] and cleared[3] is None and cleared[4] == []


def test_chat_shows_errors_without_crashing(handlers: ChatHandlers) -> None:
    assistant = handlers.assistant
    assert isinstance(assistant, ScriptedAssistant)
    assistant.fail_with = RuntimeError("boom at /srv")
    *_, last = handlers.respond("Which trials accept ECOG 2?", None, [])
    assert "failed" in last[0][-1]["content"] and "/srv" not in last[0][-1]["content"]
    *_, too_long = handlers.respond("x" * (MAX_CHARS + 1), None, [])
    assert "the limit is 50" in too_long[0][-1]["content"]


def test_user_text_is_escaped_in_the_chat(handlers: ChatHandlers) -> None:
    *_, last = handlers.respond("<img src=x onerror=alert(1)> ECOG?", None, [])
    assert last[0][0]["content"] == '<p class="question">&lt;img src=x onerror=alert(1)&gt; ECOG?</p>'


def test_thumbs_are_saved_as_json_lines_with_the_comment(handlers: ChatHandlers, tmp_path: Path) -> None:
    *_, last = handlers.respond("Which trials accept ECOG 2?", None, [])
    session_id, turns = last[3], last[4]
    liked = gr.LikeData(None, {"index": 1, "value": ["..."], "liked": False})
    assert handlers.record_feedback(session_id, turns, "  missed NCT1  ", liked) == ""
    handlers.record_feedback(
        session_id, turns, "", gr.LikeData(None, {"index": 1, "value": [], "liked": True})
    )
    lines = (tmp_path / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert [(r["rating"], r["comment"]) for r in records] == [("down", "missed NCT1"), ("up", None)]
    assert records[0]["question"] == "Which trials accept ECOG 2?"
    assert records[0]["trials"] == ["NCT09990002"] and records[0]["session_id"] == session_id


def test_feedback_on_an_error_message_is_ignored(handlers: ChatHandlers, tmp_path: Path) -> None:
    turns = [ChatTurn(question="q", reply_html="<p>error</p>")]
    liked = gr.LikeData(None, {"index": 1, "value": [], "liked": True})
    assert handlers.record_feedback("s", turns, "keep", liked) == "keep"
    assert not (tmp_path / "feedback.jsonl").exists()
