"""One server for the chat (`/`), the HTTP API (`/api/...`, docs at `/docs`) and the portal widget
(`/widget.js`, `/embed`): FastAPI with the Gradio app mounted on it, run by uvicorn.

Embedding is limited to `settings.allowed_origins`: CORS on the API, `frame-ancestors` on /embed.
The server answers only to `settings.allowed_hosts`, bounds request bodies, slow clients,
connections, the chat queue and open conversations (README: "Limits"), and turns off the Gradio
features a clinical chat must not have: deep links and run history (which store conversations),
uploads, and the HTTP endpoints that would run the chat outside its queue.
"""

from __future__ import annotations

import os
from pathlib import Path

# Gradio reads these at import: no analytics call, no telemetry, ever.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import logging
import sys
from collections.abc import Callable

import gradio as gr
import uvicorn
from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, Response
from fastapi_offline import FastAPIOffline
from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware

from index.errors import TrialsError
from index.seams import TrialReader
from index.settings import Settings, get_settings
from ui.api import (
    DeclaredBodyLimit,
    GradioGuard,
    OriginGuard,
    Readiness,
    SecurityHeaders,
    api_router,
    install_error_handlers,
)
from ui.chat import CSS, build_chat, chat_theme
from ui.limits import RedactedAccessLog, TimedHttpToolsProtocol
from ui.origins import OriginPolicy
from ui.seams import ConversationalAssistant
from ui.stream_api import stream_router

UI_DIR = Path(__file__).resolve().parent
STATIC_DIR = UI_DIR / "static"
WIDGET_DIR = UI_DIR / "widget"


def embed_csp(policy: OriginPolicy) -> str:
    """The embed page runs only its own script and style, talks only to this server, and may be
    framed only by the allowed portals."""
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        f"img-src 'self' data:; base-uri 'none'; form-action 'none'; {policy.frame_ancestors()}"
    )


def widget_router(policy: OriginPolicy) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    csp = embed_csp(policy)

    @router.get("/widget.js")
    def widget_js() -> FileResponse:
        return FileResponse(WIDGET_DIR / "widget.js", media_type="text/javascript")

    @router.get("/embed")
    def embed() -> Response:
        page = (STATIC_DIR / "embed.html").read_bytes()
        return Response(page, media_type="text/html", headers={"Content-Security-Policy": csp})

    @router.get("/embed.js")
    def embed_js() -> FileResponse:
        return FileResponse(STATIC_DIR / "embed.js", media_type="text/javascript")

    @router.get("/embed.css")
    def embed_css() -> FileResponse:
        return FileResponse(STATIC_DIR / "embed.css", media_type="text/css")

    return router


def create_app(
    assistant: ConversationalAssistant,
    trials: TrialReader,
    settings: Settings,
    warm_up: Callable[[], None] | None = None,
) -> FastAPI:
    """The whole server over one assistant and one trial reader (tests pass fakes here).
    `warm_up` runs in the background at start-up; /healthz says "starting" until it has finished."""
    policy = OriginPolicy.from_settings(settings.allowed_origins)
    readiness = Readiness(warm_up)
    # FastAPIOffline serves Swagger UI's script and style from this server: /docs works offline
    # and the page loads nothing from a CDN. ReDoc is off (one docs page is enough).
    app = FastAPIOffline(
        title="Clinical-trial assistant",
        description="Answers clinicians' questions about clinical-trial records, citing NCT IDs "
        "with verbatim quotes. The chat UI is at `/`, the portal widget at `/widget.js`.",
        version="0.1.0",
        redoc_url=None,
        swagger_ui_parameters={"validatorUrl": None},  # else Swagger UI asks an online validator
        on_startup=[readiness.start],
    )
    install_error_handlers(app, settings)
    # the widget's streamed answers; before the API's catch-all for unknown /api paths
    app.include_router(stream_router(assistant, settings))
    app.include_router(api_router(assistant, trials, settings, readiness))
    app.include_router(widget_router(policy))
    # Outermost last: hosts are checked first, then CORS, origins, the Gradio refusals, body size.
    app.add_middleware(RequestBodyLimitMiddleware, max_body_size=settings.max_body_bytes)
    app.add_middleware(DeclaredBodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(GradioGuard, allowed_hosts=settings.allowed_hosts)
    app.add_middleware(OriginGuard, policy=policy)
    app.add_middleware(
        CORSMiddleware,
        allow_origin_regex=policy.cors_regex(),
        allow_methods=["GET", "POST"],
        allow_headers=["Content-Type"],
    )
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=_host_patterns(settings.allowed_hosts))
    app.add_middleware(SecurityHeaders, policy=policy)
    chat = build_chat(assistant, trials, settings)
    # A bounded queue: beyond it the page shows Gradio's "This application is currently busy".
    chat.queue(default_concurrency_limit=settings.chat_concurrency, max_size=settings.chat_queue_size)
    return gr.mount_gradio_app(
        app,
        chat,
        path="/",
        theme=chat_theme(),
        css=CSS,
        footer_links=[],
        run_history=False,  # conversations may describe patients: keep them out of browser storage
        ssr_mode=False,
        pwa=False,
        mcp_server=False,
        enable_monitoring=False,
        show_error=False,
        max_file_size=0,  # nothing is uploaded (GradioGuard refuses the routes as well)
    )


def _host_patterns(hosts: list[str]) -> list[str]:
    # The Host header carries an IPv6 address in brackets; Starlette compares the bare address.
    return [host.strip("[]") for host in hosts]


def uvicorn_config(app: FastAPI, host: str, port: int, settings: Settings) -> uvicorn.Config:
    """How `trials serve` runs the app (tests serve it the same way)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactedAccessLog) for f in access.filters):
        access.addFilter(RedactedAccessLog())
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="info",
        http=TimedHttpToolsProtocol.with_timeouts(
            settings.header_timeout_seconds, settings.body_timeout_seconds
        ),
        limit_concurrency=settings.max_connections,
        timeout_keep_alive=5,
        server_header=False,
    )


def serve_command(host: str, port: int) -> int:
    """`trials serve`: open the index and the assistant, then serve until interrupted."""
    from assistant.service import build_assistant

    settings = get_settings()
    try:
        assistant = build_assistant(settings)
        indexed = assistant.store.all_trials()
    except TrialsError as exc:
        print(f"trials serve: {exc}", file=sys.stderr)
        return 2
    if not indexed:
        print(f"No trials indexed in {settings.home}: run `trials index seeds` first.")
    if host in ("0.0.0.0", "::"):
        hosts = ", ".join(settings.allowed_hosts)
        print(f"Note: only requests for these host names are answered (TRIALS_ALLOWED_HOSTS): {hosts}")
    elif host not in settings.allowed_hosts:
        print(f"Note: {host} is not in TRIALS_ALLOWED_HOSTS; requests naming it will be refused.")
    print(f"Clinical-trial assistant: http://{host}:{port}/  (API docs /docs, widget /widget.js)")
    app = create_app(assistant, assistant.store, settings, warm_up=assistant.warm_up)
    uvicorn.Server(uvicorn_config(app, host, port, settings)).run()
    return 0
