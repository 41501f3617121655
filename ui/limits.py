"""What `trials serve` does about slow clients and what it leaves out of its access log.

uvicorn bounds connections (`limit_concurrency`) and idle keep-alive time, and Starlette's
`RequestBodyLimitMiddleware` bounds body size, but uvicorn has no setting for how long a client may
take to send a request: one that sends its headers a byte a minute, or announces a body and never
sends it, holds a connection forever. `TimedHttpToolsProtocol` adds those two timeouts to uvicorn's
default HTTP protocol (httptools), through the protocol-class hook uvicorn's `Config(http=...)`
offers: the request line and headers must arrive within `header_timeout_seconds` of the connection
opening (or of the previous response), the body within `body_timeout_seconds` of the headers.
A late client gets a 408 and the connection is closed.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

# A session hash in a Gradio path or query identifies a conversation: never write one to the log.
_GRADIO_SESSION_PATH = re.compile(r"^(/gradio_api/(?:heartbeat|stream)/)[^?]*")


class TimedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a deadline for the headers and one for the body."""

    # Set per server by `with_timeouts` (from TRIALS_HEADER_TIMEOUT_SECONDS / _BODY_TIMEOUT_SECONDS).
    header_timeout: float
    body_timeout: float

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None

    @classmethod
    def with_timeouts(cls, header_timeout: float, body_timeout: float) -> type[TimedHttpToolsProtocol]:
        """A protocol class for uvicorn's `Config(http=...)` with these timeouts."""
        return type(cls.__name__, (cls,), {"header_timeout": header_timeout, "body_timeout": body_timeout})

    def _arm(self, seconds: float, what: str) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._too_slow, what, seconds)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self, what: str, seconds: float) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete and self.cycle.response_started:
            self.transport.close()  # an answer is already on its way: nothing sensible to add
            return
        message = f"{what} not received within {seconds:g} s".encode("ascii")
        self.transport.write(
            b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
            b"content-length: " + str(len(message)).encode("ascii") + b"\r\n"
            b"x-content-type-options: nosniff\r\nconnection: close\r\n\r\n" + message
        )
        self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.header_timeout, "request headers")

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._deadline is None:  # a keep-alive connection's next request
            self._arm(self.header_timeout, "request headers")

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        self._arm(self.body_timeout, "request body")

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # Idle time before the next request is uvicorn's keep-alive timeout; the next request's
        # headers are timed from its first byte (on_message_begin).
        self._disarm()


class RedactedAccessLog(logging.Filter):
    """Keeps query strings (which may carry a question or a session hash) and Gradio session
    hashes out of uvicorn's access log: the log keeps method, path and status."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path = args[2].split("?", 1)[0]
            path = _GRADIO_SESSION_PATH.sub(r"\1…", path)
            record.args = (*args[:2], path, *args[3:])
        return True
