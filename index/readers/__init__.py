"""Readers: a record file in, typed `Trial`s out. The format is told from content, never the name.

Formats: "registry_page" (full registry record page), "summary_page" (patient-facing page with
"Quick facts"), "ctgov_json" (ClinicalTrials.gov API v2: a study, a list, or {"studies": [...]}),
"ctgov_xml" (classic `<clinical_study>` XML). Readers fill the raw fields, `criteria_text` and
`text`; splitting criteria and extracting facts happen later (index.enrich).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from index.errors import ReadError
from index.readers.ctgov_json import read_ctgov_json
from index.readers.ctgov_xml import read_ctgov_xml
from index.readers.file_read import FileRead, misfit_reason
from index.readers.registry_page import looks_like_registry_page, read_registry_page
from index.readers.summary_page import looks_like_summary_page, read_summary_page

__all__ = ["FORMATS", "FileRead", "detect_format", "read_file", "read_text"]

FORMATS = ("registry_page", "summary_page", "ctgov_json", "ctgov_xml")


def detect_format(text: str) -> str | None:
    """The format of a record's text, or None when it is none of the four."""
    head = text.lstrip("\ufeff \t\r\n")
    if head.startswith(("{", "[")):
        return "ctgov_json" if '"protocolSection"' in text else None
    if head.startswith("<"):
        return "ctgov_xml" if "<clinical_study" in text else None
    if looks_like_registry_page(text):
        return "registry_page"
    if looks_like_summary_page(text):
        return "summary_page"
    return None


def read_file(path: Path) -> FileRead:
    """Every trial in the file at `path`; problems come back as errors, never raised."""
    source = str(path)
    try:
        return read_text(_decoded(path), source)
    except ReadError as error:
        return FileRead(errors=[error])
    except ValidationError as error:
        return FileRead(errors=[ReadError(source, misfit_reason(error))])


def read_text(text: str, source_path: str) -> FileRead:
    """Every trial in `text` (read from `source_path`); raises ReadError for a whole-file failure."""
    if not text.strip():
        raise ReadError(source_path, "file is empty")
    # Universal newlines and no byte-order mark, as Python's text mode reads a file.
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    match detect_format(text):
        case "ctgov_json":
            return read_ctgov_json(text, source_path)
        case "ctgov_xml":
            return FileRead(trials=[read_ctgov_xml(text, source_path)])
        case "registry_page":
            return FileRead(trials=[read_registry_page(text, source_path)])
        case "summary_page":
            return FileRead(trials=[read_summary_page(text, source_path)])
    raise ReadError(
        source_path,
        "unknown format: not a registry page, a summary page, ClinicalTrials.gov API v2 JSON "
        "or classic <clinical_study> XML",
    )


def _decoded(path: Path) -> str:
    """The file's text, strictly UTF-8."""
    source = str(path)
    try:
        raw = path.read_bytes()
    except IsADirectoryError:
        raise ReadError(source, "is a folder, not a file") from None
    except OSError as error:
        raise ReadError(source, f"cannot read: {error.strerror or error}") from None
    if not raw.strip():
        raise ReadError(source, "file is empty")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ReadError(
            source, f"not valid UTF-8: byte 0x{raw[error.start]:02x} at offset {error.start}"
        ) from None
    return text
