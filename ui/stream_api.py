"""`POST /api/ask/stream`: the answer as newline-delimited JSON for the portal widget. While the
assistant answers, `{"claims": [...]}` lines carry the chat model's wording so far (each claim
already checked against the quotes it cites; a new try starts again from none); the last line is
`{"answer": <Answer contract>}` with the verified citations, or `{"error": "..."}`. Without a chat
model only the answer line comes. Requests are checked as for `/api/ask`."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse

from index.errors import QuestionError
from index.settings import Settings
from ui.api import INTERNAL_ERROR, AskRequest, client_address, request_problem
from ui.model_stream import Claims, with_claims
from ui.seams import ConversationalAssistant

log = logging.getLogger(__name__)


def stream_router(assistant: ConversationalAssistant, settings: Settings) -> APIRouter:
    router = APIRouter()

    @router.post("/api/ask/stream", response_model=None, tags=["assistant"])
    def ask_stream(request: AskRequest, http: Request) -> JSONResponse | StreamingResponse:
        """As /api/ask, streamed: the model's checked claims as they come, then the answer."""
        problem = request_problem(request, settings)
        if problem:
            return JSONResponse(status_code=422, content={"detail": problem})

        def events() -> Iterator[str]:
            try:
                client = client_address(http)  # bounds the conversations one caller keeps open
                for update in with_claims(
                    lambda: assistant.ask(request.question, request.session_id, client)
                ):
                    event = (
                        {"claims": update}
                        if isinstance(update, Claims)
                        else {"answer": update.contract(request.offset, request.limit)}
                    )
                    yield json.dumps(event) + "\n"
            except QuestionError as exc:
                yield json.dumps({"error": str(exc)}) + "\n"
            except Exception:
                log.exception(
                    "assistant failed on a streamed question of %d characters", len(request.question)
                )
                yield json.dumps({"error": INTERNAL_ERROR}) + "\n"

        return StreamingResponse(events(), media_type="application/x-ndjson")

    return router
