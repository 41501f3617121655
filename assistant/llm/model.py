"""The chat model named by settings: `TRIALS_LLM=openai:<model>` (any OpenAI-compatible server at
`TRIALS_LLM_BASE_URL`: llama.cpp's server, vLLM, a gateway) or `ollama:<model>`; `none` keeps the
deterministic path. Built with LangChain's `init_chat_model`; the provider packages are the
optional `[llm]` extra."""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel

from index.errors import TrialsError
from index.settings import Settings

PROVIDERS = ("openai", "ollama")
# OpenAI's client insists on a key; local OpenAI-compatible servers ignore it.
NO_KEY = "not-needed"


def get_chat_model(settings: Settings) -> BaseChatModel | None:
    """The configured chat model; None means the deterministic path alone."""
    spec = settings.llm.strip()
    if spec.lower() in ("", "none"):
        return None
    provider, _, name = spec.partition(":")
    provider = provider.strip().lower()
    if provider not in PROVIDERS or not name.strip():
        raise TrialsError(
            f"TRIALS_LLM={settings.llm!r} is not understood: use none, openai:<model> (with "
            "TRIALS_LLM_BASE_URL for an OpenAI-compatible server) or ollama:<model>"
        )
    try:
        from langchain.chat_models import init_chat_model
    except ImportError as exc:  # the provider packages are an optional extra
        raise TrialsError(
            f"TRIALS_LLM={spec} needs the model packages: pip install -e '.[llm]' ({exc})"
        ) from exc
    try:
        return init_chat_model(name.strip(), model_provider=provider, **_options(provider, settings))
    except ImportError as exc:
        raise TrialsError(
            f"TRIALS_LLM={spec} needs the model packages: pip install -e '.[llm]' ({exc})"
        ) from exc


def _options(provider: str, settings: Settings) -> dict[str, Any]:
    """Provider arguments. Retries are done by calls.py within the answer's budget, so the client
    makes one attempt per call; its own timeout matches the per-call limit so no request outlives
    the answer by long."""
    options: dict[str, Any] = {"temperature": 0}
    if provider == "openai":
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else NO_KEY
        options |= {"timeout": settings.llm_timeout_seconds, "max_retries": 0, "api_key": key}
        if settings.llm_base_url:
            options["base_url"] = settings.llm_base_url
    else:
        options["client_kwargs"] = {"timeout": settings.llm_timeout_seconds}
        if settings.llm_base_url:
            options["base_url"] = settings.llm_base_url
    return options
