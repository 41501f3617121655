"""Record and question text go into prompts as data, between tags the prompts name; text that
would close or open one of those tags is neutralised so it cannot leave its block."""

from __future__ import annotations

import re

import prompts

_TAG = re.compile(r"<\s*/?\s*(?:question|draft|quotes|unread)\s*>", re.IGNORECASE)


def as_data(text: str) -> str:
    return _TAG.sub("[tag removed]", text)


def prompt(name: str, **data: str) -> str:
    """prompts/<name>.txt with each placeholder filled by neutralised data."""
    return prompts.load(name).format(**{key: as_data(value) for key, value in data.items()})
