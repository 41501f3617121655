"""The language core's data files (`*.yaml` beside this module), each parsed once."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def load(name: str) -> dict[str, Any]:
    """The parsed data file `name` ("vocabulary.yaml", "analytes.yaml", "words.yaml")."""
    text = resources.files("index.language").joinpath(name).read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data
