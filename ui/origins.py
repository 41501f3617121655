"""Which web pages may embed the chat and call the API (setting `TRIALS_ALLOWED_ORIGINS`).

An entry is an origin, `scheme://host[:port]`. An entry without a port allows every port of
that host (so the default `http://127.0.0.1` covers a portal served on any local port); an
entry with a port allows that port only. The same rule drives the CORS headers on the API,
the `frame-ancestors` policy on `/embed`, and the refusal of API calls from other pages.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict


class OriginPolicy(BaseModel):
    model_config = ConfigDict(frozen=True)

    allowed: tuple[str, ...]

    @classmethod
    def from_settings(cls, origins: list[str]) -> OriginPolicy:
        return cls(allowed=tuple(o.strip().rstrip("/") for o in origins if o.strip()))

    def cors_regex(self) -> str:
        """One regex for Starlette's CORSMiddleware (`allow_origin_regex`, full match)."""
        parts = [_entry_regex(entry) for entry in self.allowed]
        return "|".join(parts) if parts else r"(?!)"

    def allows(self, origin: str) -> bool:
        return re.fullmatch(self.cors_regex(), origin) is not None

    def frame_ancestors(self) -> str:
        """The CSP `frame-ancestors` directive: this server itself plus the allowed origins."""
        sources = ["'self'", *(_csp_source(entry) for entry in self.allowed)]
        return "frame-ancestors " + " ".join(sources)


def _has_port(entry: str) -> bool:
    return urlsplit(entry).port is not None


def _entry_regex(entry: str) -> str:
    return re.escape(entry) if _has_port(entry) else re.escape(entry) + r"(:\d+)?"


def _csp_source(entry: str) -> str:
    return entry if _has_port(entry) else f"{entry}:*"


def is_same_origin(origin: str, scheme: str, host_header: str | None) -> bool:
    """A page served by this server (the Gradio chat, /embed) calling its own API: the same scheme
    and the same host and port (an https:// or ftp:// page on this host is another origin)."""
    parts = urlsplit(origin)
    return host_header is not None and parts.scheme == scheme and parts.netloc == host_header
