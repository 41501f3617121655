"""Gold cases: the typed form of evals/gold_seeds.yaml, and the record texts citations are checked
against.

Record texts are read here straight from the files (seed pages as they are; CT.gov JSON/XML by
their string leaves), independently of index.readers, so a citation is judged against the record
itself and not against what the code under test made of it.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

GOLD_SEEDS_PATH = Path(__file__).with_name("gold_seeds.yaml")
NCT_PATTERN = re.compile(r"NCT\d{8}")
_MARKDOWN_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>^|~])")
_WHITESPACE = re.compile(r"\s+")


class GoldCase(BaseModel):
    """One conversation and what its last answer must contain."""

    model_config = ConfigDict(extra="forbid")

    id: str
    category: str
    turns: list[str] = Field(min_length=1)
    trials: list[str]  # expected `trials` of the last answer; [] when none
    ordered: bool = False  # compare `trials` as an ordered list instead of a set
    values: list[str] = Field(default_factory=list)  # regexes that must occur in the answer
    forbidden: list[str] = Field(default_factory=list)  # regexes that must not occur
    # None: answering (with `trials`) and abstaining (with no trials) are both acceptable, as for
    # a fact the record leaves unstated ("not stated in the record" either way).
    must_abstain: bool | None = False
    source: list[str] = Field(min_length=1)  # "NCT...: verbatim quote" or "note: ..."

    def source_quotes(self) -> Iterator[tuple[str, str]]:
        """(nct_id, quote) for every source line that quotes a record."""
        for line in self.source:
            head, _, quote = line.partition(": ")
            if NCT_PATTERN.fullmatch(head):
                yield head, quote


def load_gold(path: Path = GOLD_SEEDS_PATH) -> list[GoldCase]:
    """Read and validate a gold file; ids must be unique."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, list):
        raise ValueError(f"{path}: expected a list of gold cases, got {type(raw).__name__}")
    cases: list[GoldCase] = []
    for position, item in enumerate(raw, start=1):
        try:
            cases.append(GoldCase.model_validate(item))
        except ValidationError as error:
            raise ValueError(f"{path}: gold case #{position} is invalid: {error}") from error
    seen: set[str] = set()
    for case in cases:
        if case.id in seen:
            raise ValueError(f"{path}: duplicate gold case id {case.id!r}")
        seen.add(case.id)
    return cases


def normalise_text(text: str) -> str:
    """What citation matching ignores: markdown escapes (`\\<`) and runs of whitespace."""
    return _WHITESPACE.sub(" ", _MARKDOWN_ESCAPE.sub(r"\1", text)).strip()


class RecordTexts:
    """Normalised record text(s) per NCT ID; a quote is valid when one of them contains it."""

    def __init__(self, texts: dict[str, str] | None = None) -> None:
        self._texts = {nct: [normalise_text(text)] for nct, text in (texts or {}).items()}

    def add_rendering(self, nct_id: str, text: str) -> None:
        """Also accept quotes from `text`, a rendering of a structured record (e.g. Trial.text of a
        CT.gov JSON/XML record, whose "Status: RECRUITING" lines exist in no single field)."""
        self._texts.setdefault(nct_id, []).append(normalise_text(text))

    @classmethod
    def from_paths(cls, paths: Iterable[Path]) -> RecordTexts:
        texts: dict[str, str] = {}
        for path in paths:
            texts.update(read_record_texts(path))
        return cls(texts)

    def __contains__(self, nct_id: object) -> bool:
        return nct_id in self._texts

    def nct_ids(self) -> list[str]:
        return sorted(self._texts)

    def contains_quote(self, nct_id: str, quote: str) -> bool:
        needle = normalise_text(quote)
        return bool(needle) and any(needle in text for text in self._texts.get(nct_id, []))


def read_record_texts(path: Path) -> dict[str, str]:
    """NCT ID -> text for one record file (a seed page, CT.gov JSON or classic XML)."""
    raw = path.read_text(encoding="utf-8")
    stripped = raw.lstrip()
    if stripped.startswith("<"):
        return _xml_texts(path, raw)
    if stripped.startswith(("{", "[")):
        return _json_texts(path, raw)
    found = NCT_PATTERN.search(raw)
    if found is None:
        raise ValueError(f"{path}: no NCT ID in the record")
    return {found.group(0): raw}  # a seed page names its own trial first


def _xml_texts(path: Path, raw: str) -> dict[str, str]:
    root = ET.fromstring(raw)
    nct = root.findtext("id_info/nct_id")
    if not nct:
        raise ValueError(f"{path}: classic XML without id_info/nct_id")
    return {nct.strip(): "\n".join(part.strip() for part in root.itertext() if part.strip())}


def _json_texts(path: Path, raw: str) -> dict[str, str]:
    data = json.loads(raw)
    studies = data if isinstance(data, list) else [data]
    texts: dict[str, str] = {}
    for study in studies:
        nct = study.get("protocolSection", {}).get("identificationModule", {}).get("nctId")
        if not nct:
            raise ValueError(f"{path}: API v2 study without identificationModule.nctId")
        texts[nct] = "\n".join(_string_leaves(study))
    return texts


def _string_leaves(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _string_leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _string_leaves(item)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield str(value)
