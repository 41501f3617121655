"""Every prompt text lives here as a file; `load(name)` returns one (prompts/<name>.txt)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_HERE = Path(__file__).resolve().parent


@cache
def load(name: str) -> str:
    """The text of prompts/<name>.txt; a missing prompt names the file it looked for."""
    path = _HERE / f"{name}.txt"
    if not path.is_file():
        raise FileNotFoundError(f"prompt {name!r} not found: expected {path}")
    return path.read_text(encoding="utf-8")
