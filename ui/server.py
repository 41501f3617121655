"""One server for the chat (`/`), the HTTP API (`/api/...`, docs at `/docs`) and the portal widget
(`/widget.js`, `/embed`): FastAPI with the Gradio app mounted on it, run by uvicorn.

Embedding is limited to `settings.allowed_origins`: CORS on the API, `frame-ancestors` on /embed.
"""

from __future__ import annotations

import os
from pathlib import Path

# Gradio reads these at import: no analytics call, no telemetry, ever.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import gradio as gr
import uvicorn
from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, Response

from index.seams import TrialReader
from index.settings import Settings, get_settings
from ui.api import FramePolicy, OriginGuard, api_router, install_error_handlers
from ui.chat import CSS, build_chat, chat_theme
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


def create_app(assistant: ConversationalAssistant, trials: TrialReader, settings: Settings) -> FastAPI:
    """The whole server over one assistant and one trial reader (tests pass fakes here)."""
    policy = OriginPolicy.from_settings(settings.allowed_origins)
    app = FastAPI(
        title="Clinical-trial assistant",
        description="Answers clinicians' questions about clinical-trial records, citing NCT IDs "
        "with verbatim quotes. The chat UI is at `/`, the portal widget at `/widget.js`.",
        version="0.1.0",
    )
    install_error_handlers(app)
    app.include_router(api_router(assistant, trials, settings))
    app.include_router(stream_router(assistant, settings))  # the widget's streamed answers
    app.include_router(widget_router(policy))
    app.add_middleware(OriginGuard, policy=policy)
    app.add_middleware(FramePolicy, policy=policy)
    # Added last, so outermost: answers CORS preflights before the guard sees them.
    app.add_middleware(
        CORSMiddleware,
        allow_origin_regex=policy.cors_regex(),
        allow_methods=["GET", "POST"],
        allow_headers=["Content-Type"],
    )
    return gr.mount_gradio_app(
        app,
        build_chat(assistant, trials, settings),
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
    )


def serve_command(host: str, port: int) -> int:
    """`trials serve`: open the index and the assistant, then serve until interrupted."""
    from assistant.service import build_assistant

    settings = get_settings()
    assistant = build_assistant(settings)
    if not assistant.store.all_trials():
        print(f"No trials indexed in {settings.home}: run `trials index seeds` first.")
    print(f"Clinical-trial assistant: http://{host}:{port}/  (API docs /docs, widget /widget.js)")
    uvicorn.run(create_app(assistant, assistant.store, settings), host=host, port=port, log_level="info")
    return 0
