"""The HTTP API: `POST /api/ask`, `GET /api/trials/{nct_id}`, `GET /healthz` (documented at /docs),
and the middleware that guards the whole server.

Bad requests get a 4xx whose `detail` says what is wrong and where; an exception inside the
assistant is logged and answered with a generic 500, and the server keeps serving.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import APIRouter, FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.models import Answer
from index.errors import QuestionError
from index.models import Trial
from index.seams import TrialReader
from index.settings import Settings
from ui.origins import OriginPolicy, is_same_origin
from ui.seams import ConversationalAssistant

log = logging.getLogger(__name__)

NCT_ID = re.compile(r"NCT[0-9]{8}")  # ASCII digits only: `\d` also matches "٠١٢"
ECHO_CHARS = 40  # how much of a bad value an error message repeats
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
    limit: StrictInt | None = Field(
        default=None,
        ge=1,
        description="Results (rows and verdicts) to return, for paging through a long result; "
        "omit for those the answer text shows. At most TRIALS_MAX_PAGE_LIMIT.",
    )
    offset: StrictInt = Field(default=0, ge=0, description="The first result to return (0-based).")


class Health(BaseModel):
    status: str


class Readiness:
    """Whether the server can answer every kind of question yet: `warm_up` (loading the embedding
    model) runs in a thread at start-up, and /healthz says "starting" until it has finished."""

    def __init__(self, warm_up: Callable[[], None] | None) -> None:
        self._warm_up = warm_up
        self.status = "starting" if warm_up else "ok"

    def start(self) -> None:
        if self._warm_up is not None:
            threading.Thread(target=self._run, name="warm-up", daemon=True).start()

    def _run(self) -> None:
        assert self._warm_up is not None
        try:
            self._warm_up()
        except Exception:
            log.exception("warming up failed; open questions will load the model when first asked")
            self.status = "degraded: warm-up failed, see the server log"
            return
        self.status = "ok"


class ErrorDetail(BaseModel):
    detail: str


def _error(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content={"detail": detail}, headers=headers)


def shown(value: str) -> str:
    """A value from the request, quoted for an error message, cut short when long."""
    return repr(value if len(value) <= ECHO_CHARS else value[:ECHO_CHARS] + "…")


def client_address(request: Request) -> str:
    """The caller as uvicorn saw it (behind a trusted proxy: X-Forwarded-For, see README)."""
    return request.client.host if request.client else "unknown"


def page_problem(limit: int | None, max_limit: int) -> str | None:
    """Why a page of results cannot be given (the bounds pydantic does not know), or None."""
    if limit is not None and limit > max_limit:
        return f"limit is {limit}; one page holds at most {max_limit} results (TRIALS_MAX_PAGE_LIMIT)"
    return None


def request_problem(request: AskRequest, settings: Settings) -> str | None:
    return question_problem(request.question, settings.max_question_chars) or page_problem(
        request.limit, settings.max_page_limit
    )


def question_problem(question: str, max_chars: int) -> str | None:
    """Why a question cannot be taken, or None when it can."""
    if not question.strip():
        return "question is empty: send the question text in the 'question' field"
    if len(question) > max_chars:
        return f"question is {len(question)} characters long; the limit is {max_chars}"
    return None


def api_router(
    assistant: ConversationalAssistant, trials: TrialReader, settings: Settings, readiness: Readiness
) -> APIRouter:
    router = APIRouter()
    errors: dict[int | str, dict[str, Any]] = {
        400: {"model": ErrorDetail, "description": "Body is not valid JSON"},
        422: {
            "model": ErrorDetail,
            "description": "Question empty or too long, bad limit/offset, or a field of the wrong type",
        },
        500: {"model": ErrorDetail, "description": "The assistant failed"},
    }

    @router.post("/api/ask", response_model=Answer, responses=errors, tags=["assistant"])
    def ask(request: AskRequest, http: Request) -> JSONResponse:
        """Answer a question about the indexed trials, with citations (the Answer contract); the
        result rows and verdicts from `offset`, `limit` of them (`page` gives the total)."""
        problem = request_problem(request, settings)
        if problem:
            return _error(422, problem)
        try:
            answer = assistant.ask(
                request.question, session_id=request.session_id, client=client_address(http)
            )
        except QuestionError as exc:
            return _error(422, str(exc))
        except Exception:
            log.exception("assistant failed on a question of %d characters", len(request.question))
            return _error(500, INTERNAL_ERROR)
        return JSONResponse(answer.contract(request.offset, request.limit))

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
            return _error(404, f"{shown(nct_id)} is not a ClinicalTrials.gov ID (NCT followed by 8 digits)")
        trial = trials.get_trial(wanted)
        if trial is None:
            return _error(404, f"{wanted} is not in the index")
        return JSONResponse(trial.model_dump(mode="json"))

    @router.get(
        "/healthz",
        response_model=Health,
        responses={503: {"model": Health, "description": "Still starting: the model is loading"}},
        tags=["service"],
    )
    def healthz() -> JSONResponse:
        """ "ok" once every kind of question can be answered at full speed; 503 "starting" before."""
        status = readiness.status
        return JSONResponse({"status": status}, status_code=200 if status == "ok" else 503)

    # HEAD answers as GET does (load balancers probe /healthz with it); kept out of the docs,
    # which would list the same operation twice.
    router.add_api_route("/healthz", healthz, methods=["HEAD"], include_in_schema=False)
    router.add_api_route("/api/trials/{nct_id}", get_trial, methods=["HEAD"], include_in_schema=False)
    # Without these, a method the API does not take on an /api path (or an unknown /api path)
    # falls through to the chat app mounted at "/", which answers 404 with a page.
    for path, allowed in (
        ("/api/ask", "POST"),
        ("/api/trials/{nct_id}", "GET, HEAD"),
        ("/healthz", "GET, HEAD"),
    ):
        router.add_api_route(
            path,
            _method_not_allowed(allowed),
            methods=sorted({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"} - set(allowed.split(", "))),
            include_in_schema=False,
        )
    router.add_api_route(
        "/api/{rest:path}",
        _no_such_endpoint,
        methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
        include_in_schema=False,
    )
    return router


def _method_not_allowed(allowed: str) -> Callable[[Request], JSONResponse]:
    def refuse(request: Request) -> JSONResponse:
        detail = f"{request.method} is not allowed on {request.url.path}; use {allowed}"
        return _error(405, detail, headers={"Allow": allowed})

    return refuse


def _no_such_endpoint(request: Request) -> JSONResponse:
    return _error(404, f"no API endpoint {shown(request.url.path)}: see /docs for the API")


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


def too_large(max_bytes: int) -> JSONResponse:
    # Connection: close, or the client would go on sending the rest of the body to no one.
    detail = f"request body is larger than {max_bytes} bytes, the limit (TRIALS_MAX_BODY_BYTES)"
    return _error(413, detail, headers={"Connection": "close"})


def install_error_handlers(app: FastAPI, settings: Settings) -> None:
    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 413:  # raised by the body limit while a streamed body is read
            return too_large(settings.max_body_bytes)
        return await http_exception_handler(request, exc)

    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)


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
            same = origin is not None and is_same_origin(
                origin, scope.get("scheme", "http"), headers.get("host")
            )
            if origin and not same and not self.policy.allows(origin):
                detail = f"origin {origin} is not allowed to call this API (see TRIALS_ALLOWED_ORIGINS)"
                await _error(403, detail)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class DeclaredBodyLimit:
    """Refuses a body whose Content-Length is over the limit before reading any of it. Starlette's
    `RequestBodyLimitMiddleware` (inside this one) counts the bytes of a body that declares no
    length, or a false one, while it streams in."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            declared = Headers(scope=scope).get("content-length", "")
            if declared.isdigit() and int(declared) > self.max_bytes:
                await too_large(self.max_bytes)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class SecurityHeaders:
    """Headers on every response: `X-Content-Type-Options: nosniff` (a browser never runs a text or
    JSON answer as a script), and, unless the response sets its own CSP, the allowed-origins
    `frame-ancestors` policy so the chat page cannot be framed by other sites (clickjacking)."""

    def __init__(self, app: ASGIApp, policy: OriginPolicy) -> None:
        self.app = app
        self.frame = (b"content-security-policy", policy.frame_ancestors().encode("latin-1"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name.lower() != b"x-content-type-options"
                ]
                headers.append((b"x-content-type-options", b"nosniff"))
                if not any(name.lower() == b"content-security-policy" for name, _ in headers):
                    headers.append(self.frame)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


# The one kind of file the chat hands out: a results CSV (ui.chat.RESULTS_CSV_NAME, named with a
# random token), which Gradio serves from its cache.
_RESULTS_CSV = r"[^?#]*/trial-results-[0-9a-f]{32}\.csv$"
# Gradio endpoints the chat does not use and that must not be reachable: deep links save a
# conversation to disk and give it to whoever holds the session hash; uploads store files from
# anyone; the /call, /run and /api routes would run the chat outside its bounded queue; the rest
# serve files (but for the results CSVs), streams, run history, monitoring and the development editor.
_REFUSED_GRADIO = re.compile(
    r"^/(?:gradio_api/(?:deep_link|upload|upload_progress|process_recording|run-history|runs|"
    r"vibe-edit|undo-vibe-edit|vibe-code|proxy=|file=(?!"
    + _RESULTS_CSV
    + r")|file/|stream/|call/|run/|api/|mcp|"
    r"dev/)|monitoring)"
)


class GradioGuard:
    """Refuses the Gradio endpoints above (404), ignores a `deep_link` in any query (the page loads
    as a new conversation), and drops an X-Forwarded-Host naming a host this server does not
    answer to (Gradio builds its page's URLs from it)."""

    def __init__(self, app: ASGIApp, allowed_hosts: list[str]) -> None:
        self.app = app
        self.allowed_hosts = {host.strip("[]").lower() for host in allowed_hosts}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        if _REFUSED_GRADIO.match(scope["path"]):
            if scope["type"] == "http":
                name = scope["path"].removeprefix("/gradio_api/").strip("/").split("/")[0].split("=")[0]
                await _error(404, f"{name} is turned off on this server")(scope, receive, send)
            return
        query = scope.get("query_string", b"")
        if b"deep_link" in query:
            kept = [
                (k, v)
                for k, v in parse_qsl(query.decode("latin-1"), keep_blank_values=True)
                if k != "deep_link"
            ]
            scope = {**scope, "query_string": urlencode(kept).encode("latin-1")}
        headers = scope.get("headers", [])
        forwarded = [value for name, value in headers if name == b"x-forwarded-host"]
        if forwarded and not all(self._allowed(value) for value in forwarded):
            scope = {**scope, "headers": [(n, v) for n, v in headers if n != b"x-forwarded-host"]}
        await self.app(scope, receive, send)

    def _allowed(self, value: bytes) -> bool:
        for host in value.decode("latin-1").split(","):
            try:
                name = urlsplit(f"//{host.strip()}").hostname
            except ValueError:  # an unbalanced "[" or the like
                return False
            if name is None or not self._matches(name.lower()):
                return False
        return True

    def _matches(self, name: str) -> bool:
        # The patterns of TRIALS_ALLOWED_HOSTS as TrustedHostMiddleware reads them.
        return any(
            pattern == "*" or name == pattern or (pattern.startswith("*.") and name.endswith(pattern[1:]))
            for pattern in self.allowed_hosts
        )
