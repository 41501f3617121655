"""What reading one file gives: the trials it holds and the errors met on the way."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from index.errors import ReadError
from index.models import Trial


class FileRead(BaseModel):
    """A whole-file failure is no trials and one error; a list with a bad item keeps the good ones."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    trials: list[Trial] = Field(default_factory=list)
    errors: list[ReadError] = Field(default_factory=list)


def misfit_reason(error: ValidationError) -> str:
    """One line naming the first record value that does not fit the Trial model."""
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "record"
    return f"a value does not fit the Trial model at {where}: {first['msg']}"
