"""The HTTP API: `POST /api/ask`, `GET /api/trials/{nct_id}`, `GET /healthz` (documented at /docs).

Bad requests get a 4xx whose `detail` says what is wrong and where; an exception inside the
assistant is logged and answered with a generic 500, and the server keeps serving.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictStr
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.models import Answer
from index.errors import QuestionError
from index.models import Trial
from index.seams import TrialReader
from index.settings import Settings
from ui.origins import OriginPolicy, is_same_origin
from ui.seams import ConversationalAssistant

log = logging.getLogger(__name__)

NCT_ID = re.compile(r"NCT\d{8}")
SESSION_ID_PATTERN = r"^[A-Za-z0-9_.:-]{1,128}$"
INTERNAL_ERROR = "The assistant failed while answering this question; the error was logged on the server."


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: StrictStr = Field(description="The clinician's question.")
    session_id: StrictStr | None = Field(
        default=None,
        pattern=SESSION_ID_PATTERN,
        description="Continue this conversation (follow-ups such as 'which of those...'); "
        "omit to start a new one.",
    )


class Health(BaseModel):
    status: str


class ErrorDetail(BaseModel):
    detail: str


def _error(status: int, detail: str) -> JSONResponse:
    return JSONResponse(status_code=status, content={"detail": detail})


def question_problem(question: str, max_chars: int) -> str | None:
    """Why a question cannot be taken, or None when it can."""
    if not question.strip():
        return "question is empty: send the question text in the 'question' field"
    if len(question) > max_chars:
        return f"question is {len(question)} characters long; the limit is {max_chars}"
    return None


def api_router(assistant: ConversationalAssistant, trials: TrialReader, settings: Settings) -> APIRouter:
    router = APIRouter()
    errors: dict[int | str, dict[str, Any]] = {
        400: {"model": ErrorDetail, "description": "Body is not valid JSON"},
        422: {"model": ErrorDetail, "description": "Question empty, too long, or fields of the wrong type"},
        500: {"model": ErrorDetail, "description": "The assistant failed"},
    }

    @router.post("/api/ask", response_model=Answer, responses=errors, tags=["assistant"])
    def ask(request: AskRequest) -> JSONResponse:
        """Answer a question about the indexed trials, with citations (the Answer contract)."""
        problem = question_problem(request.question, settings.max_question_chars)
        if problem:
            return _error(422, problem)
        try:
            answer = assistant.ask(request.question, session_id=request.session_id)
        except QuestionError as exc:
            return _error(422, str(exc))
        except Exception:
            log.exception("assistant failed on a question of %d characters", len(request.question))
            return _error(500, INTERNAL_ERROR)
        return JSONResponse(answer.contract())

    @router.get(
        "/api/trials/{nct_id}",
        response_model=Trial,
        responses={404: {"model": ErrorDetail, "description": "Not an NCT ID, or not indexed"}},
        tags=["trials"],
    )
    def get_trial(nct_id: str) -> JSONResponse:
        """One indexed trial as structured data: fields, criteria, facts, full record text."""
        wanted = nct_id.strip().upper()
        if not NCT_ID.fullmatch(wanted):
            return _error(404, f"{nct_id!r} is not a ClinicalTrials.gov ID (NCT followed by 8 digits)")
        trial = trials.get_trial(wanted)
        if trial is None:
            return _error(404, f"{wanted} is not in the index")
        return JSONResponse(trial.model_dump(mode="json"))

    @router.get("/healthz", response_model=Health, tags=["service"])
    def healthz() -> Health:
        return Health(status="ok")

    return router


def _validation_message(exc: RequestValidationError) -> tuple[int, str]:
    """A 400 for a body that is not JSON, else a 422 naming each bad field."""
    problems = []
    for error in exc.errors():
        if error.get("type") == "json_invalid":
            reason = error.get("ctx", {}).get("error", "could not be parsed")
            return 400, f"request body is not valid JSON: {reason}"
        field = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        if not field:
            return 422, 'request body must be a JSON object such as {"question": "..."}'
        problems.append(f"{field}: {error.get('msg', 'invalid')}")
    return 422, "; ".join(problems) or "invalid request"


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    status, message = _validation_message(exc)
    return _error(status, message)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _on_validation_error)


class OriginGuard:
    """Refuses /api calls made by web pages from origins that are neither this server nor allowed.

    CORS alone would only stop the page from reading the answer; this stops the work too.
    Requests without an Origin header (curl, server-to-server) are not browser pages and pass.
    """

    def __init__(self, app: ASGIApp, policy: OriginPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/api/"):
            headers = Headers(scope=scope)
            origin = headers.get("origin")
            if origin and not is_same_origin(origin, headers.get("host")) and not self.policy.allows(origin):
                detail = f"origin {origin} is not allowed to call this API (see TRIALS_ALLOWED_ORIGINS)"
                await _error(403, detail)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class FramePolicy:
    """Adds the allowed-origins `frame-ancestors` policy to every response that sets no CSP of its
    own, so the chat page cannot be framed by other sites either (clickjacking)."""

    def __init__(self, app: ASGIApp, policy: OriginPolicy) -> None:
        self.app = app
        self.header = (b"content-security-policy", policy.frame_ancestors().encode("latin-1"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(name.lower() == b"content-security-policy" for name, _ in headers):
                    message = {**message, "headers": [*headers, self.header]}
            await send(message)

        await self.app(scope, receive, send_with_policy)
