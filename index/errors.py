"""The error tree. Messages are shown to users as they are: name what and where.

TrialsError
├── ReadError          a file could not be turned into a Trial (unreadable, empty, bad format)
├── IndexStoreError    the store (local Chroma or server) failed or is unreachable
│   └── IndexBusyError another process holds the index lock
├── QuestionError      a question that cannot be taken (empty, too long)
└── ConfigurationError the program's own declarations disagree (a fact kind module, its vocabulary)
"""

from __future__ import annotations


class TrialsError(Exception):
    """Base of every error this project raises on purpose."""


class ReadError(TrialsError):
    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class IndexStoreError(TrialsError):
    pass


class IndexBusyError(IndexStoreError):
    pass


class QuestionError(TrialsError):
    pass


class ConfigurationError(TrialsError):
    pass
