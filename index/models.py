"""Typed records passed between the index stages.

`Trial` is what a reader produces; the criteria splitter fills `inclusion`/`exclusion`, the
fact extractor fills `facts`; the chunker turns a `Trial` into `Chunk`s. Everything a record
does not state stays `None` or empty: nothing here is ever guessed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Literal, Self, TypeVar, cast

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PrivateAttr

from index.heap import note_long_lived

Section = Literal["inclusion", "exclusion"]
FactSource = Literal["inclusion", "exclusion", "structured"]
Comparator = Literal["<", "<=", ">", ">=", "="]

INVERSE_COMPARATOR: dict[str, str] = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "=": "!="}
Read = TypeVar("Read")


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Sponsor(_Record):
    name: str
    role: str | None = None  # "lead" | "collaborator" as the record says
    agency_class: str | None = None  # INDUSTRY, OTHER, OTHER_GOV, NIH...


class Site(_Record):
    facility: str | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None
    status: str | None = None


class Contact(_Record):
    name: str | None = None
    role: str | None = None
    phone: str | None = None
    email: str | None = None
    affiliation: str | None = None


class Intervention(_Record):
    name: str
    type: str | None = None
    description: str | None = None
    dose_text: str | None = None  # dose phrases found verbatim in the description
    arm_labels: list[str] = Field(default_factory=list)


class Arm(_Record):
    label: str
    type: str | None = None
    description: str | None = None
    interventions: list[str] = Field(default_factory=list)


class Outcome(_Record):
    measure: str
    time_frame: str | None = None
    description: str | None = None


class Criterion(_Record):
    """One eligibility item, its text exactly as the record writes it."""

    section: Section
    number: int  # 1-based position within its section
    label: str | None = None  # the number or letter the record prints ("16", "b"), if any
    text: str
    parent: int | None = None  # number of the criterion this sub-item belongs to
    # someone other than the patient the criterion is about ("donor" for "DONOR: Age < 75 years");
    # such criteria are shown and searchable but say nothing of the patient
    about: str | None = None
    # The vocabulary concepts its text names, read when it was indexed (vocabulary.concept_spans:
    # place in the vocabulary, start, end), so a serving process need not scan every criterion
    # with every pattern on its first question; None: not read.
    concepts: list[tuple[int, int, int]] | None = None


class FactKind(StrEnum):
    """Names of the built-in fact kinds, for code that refers to one by name. What a kind is lives in
    its module in index/facts/kinds/ (the registry); a kind added there needs no entry here."""

    ECOG = "ecog"
    KARNOFSKY = "karnofsky"
    AGE = "age"
    SEX = "sex"
    PLATELETS = "platelets"
    NEUTROPHILS = "neutrophils"
    HEMOGLOBIN = "hemoglobin"
    CREATININE = "creatinine"
    CREATININE_CLEARANCE = "creatinine_clearance"
    EGFR = "egfr"
    ALT_AST = "alt_ast"
    BILIRUBIN = "bilirubin"
    LIFE_EXPECTANCY = "life_expectancy"
    WASHOUT = "washout"
    PLATELET_TRANSFUSION = "platelet_transfusion"
    CONDITION = "condition"  # a named condition / biomarker the criterion requires or excludes


def _registered_kind(name: str) -> str:
    from index.facts.kinds import known  # here: the kind modules import this module's records

    return known(name)


class Fact(_Record):
    """A typed reading of one criterion (or structured field), with the verbatim text it came from.

    Numeric facts keep the comparator exactly as written in their section: an exclusion
    "ANC < 1.0" is `comparator="<", value=1.0, source="exclusion"`; `required_comparator`
    gives what a patient must satisfy.
    """

    kind: Annotated[str, AfterValidator(_registered_kind)]  # a name in index/facts/kinds/
    source: FactSource
    criterion_number: int | None = None
    quote: str  # verbatim text of the criterion or field the fact was read from
    comparator: Comparator | None = None
    value: float | None = None
    low: float | None = None  # inclusive range bounds (ECOG 0-2, age 18-75)
    high: float | None = None
    unit: str | None = None  # normalised: x10^9/L, g/L, ULN, mL/min, umol/L, years, days
    term: str | None = None  # canonical name: condition, drug or drug class, sex
    days: float | None = None  # window length, for washouts and transfusions
    anchor: str | None = None  # screening | enrolment | randomisation | first dose | ...
    qualifier: str | None = None  # e.g. "with liver metastases"

    def required_comparator(self) -> str | None:
        """The comparison a patient's value must satisfy for this fact to be met."""
        if self.comparator is None:
            return None
        return self.comparator if self.source != "exclusion" else INVERSE_COMPARATOR[self.comparator]


class Trial(_Record):
    nct_id: str
    brief_title: str | None = None
    official_title: str | None = None
    status: str | None = None  # RECRUITING, COMPLETED... (None when the record does not say)
    phases: list[str] = Field(default_factory=list)  # PHASE1, PHASE2, NA...
    study_type: str | None = None
    enrollment: int | None = None
    enrollment_type: str | None = None  # ACTUAL | ESTIMATED
    start_date: str | None = None  # ISO-ish as written: 2022-08-19 or 2022-08
    primary_completion_date: str | None = None
    completion_date: str | None = None
    last_updated: str | None = None
    conditions: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    # the organisation's own study ID and other registry numbers, as written ("QL-CTIT-RULS-1002")
    other_ids: list[str] = Field(default_factory=list)
    brief_summary: str | None = None
    detailed_description: str | None = None
    arms: list[Arm] = Field(default_factory=list)
    interventions: list[Intervention] = Field(default_factory=list)
    allocation: str | None = None
    intervention_model: str | None = None
    primary_purpose: str | None = None
    masking: str | None = None
    primary_outcomes: list[Outcome] = Field(default_factory=list)
    secondary_outcomes: list[Outcome] = Field(default_factory=list)
    min_age: str | None = None  # as written: "18 Years"
    max_age: str | None = None
    min_age_years: float | None = None
    max_age_years: float | None = None
    sex: str | None = None  # ALL | FEMALE | MALE
    healthy_volunteers: bool | None = None
    sponsors: list[Sponsor] = Field(default_factory=list)
    investigators: list[Contact] = Field(default_factory=list)
    sites: list[Site] = Field(default_factory=list)
    contacts: list[Contact] = Field(default_factory=list)
    results_posted: bool | None = None
    criteria_text: str | None = None  # the eligibility text as written
    inclusion: list[Criterion] = Field(default_factory=list)
    exclusion: list[Criterion] = Field(default_factory=list)
    facts: list[Fact] = Field(default_factory=list)
    conflicts: list[str] = Field(default_factory=list)
    # Short forms the record defines for itself, with their long forms ("nr-axSpA": "non-radiographic
    # axial spondyloarthritis"): a patient described in the same shorthand is read in the record's words.
    abbreviations: dict[str, str] = Field(default_factory=dict)
    # The record's own words for values stored normalised, by field name (classic XML writes
    # "Active, not recruiting" for ACTIVE_NOT_RECRUITING, "Phase 1/Phase 2", "April 2007"): the
    # record's view and its quotes show these, so a quote is the record's words, not ours.
    written: dict[str, str] = Field(default_factory=dict)
    source_path: str
    source_format: str  # registry_page | summary_page | ctgov_json | ctgov_xml
    text: str  # the full record text; every citation quote must occur in it
    # `facts` grouped by kind, with the list they were grouped from: matching asks each trial for
    # several kinds per question, and a copy with other facts (model_copy) must not reuse them.
    _facts_by_kind: tuple[list[Fact], dict[str, list[Fact]]] | None = PrivateAttr(default=None)
    # `site_places` with the list of sites it was read from: every result row names them
    _site_places: tuple[list[Site], list[str]] | None = PrivateAttr(default=None)
    # Readings of the record that no question changes (`remembered`), by name, each with the parts
    # of the record it was read from. Each record object has its own (`__copy__`).
    _readings: dict[str, tuple[tuple[object, ...], object]] | None = PrivateAttr(default=None)

    def __copy__(self) -> Self:
        """A copy (model_copy) reads its own readings: pydantic would share the one dict of them, and
        a copy under another ID or text must neither see the original's readings of those nor
        overwrite the original's with its own."""
        copied = super().__copy__()
        copied._readings = None
        return copied

    def __eq__(self, other: object) -> bool:
        """Equal records: the same fields (not the same caches, which pydantic would also compare)."""
        if not isinstance(other, Trial):
            return NotImplemented
        return self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]  # mutable, as every pydantic model

    @property
    def structured(self) -> bool:
        """Read from a registry's data (JSON, XML): `text` is a labelled view whose labels are ours."""
        return self.source_format in ("ctgov_json", "ctgov_xml")

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()[:16]

    @property
    def title(self) -> str:
        return self.brief_title or self.official_title or self.nct_id

    @property
    def criteria(self) -> list[Criterion]:
        return [*self.inclusion, *self.exclusion]

    # The criteria about the patient: not those about a donor or a caregiver (`Criterion.about`).
    @property
    def patient_inclusion(self) -> list[Criterion]:
        return [c for c in self.inclusion if c.about is None]

    @property
    def patient_exclusion(self) -> list[Criterion]:
        return [c for c in self.exclusion if c.about is None]

    @property
    def patient_criteria(self) -> list[Criterion]:
        return [c for c in self.criteria if c.about is None]

    def site_places(self) -> list[str]:
        """Where its sites are: each country (a city where no country is given) once, in the order
        the sites are listed."""
        found = self.__pydantic_private__.get("_site_places")  # type: ignore[union-attr]  # as in facts_of
        if found is None or found[0] is not self.sites:
            places = list(dict.fromkeys(place for s in self.sites if (place := s.country or s.city)))
            found = self._site_places = (self.sites, places)
        return list(found[1])

    def remembered(self, name: str, sources: tuple[object, ...], read: Callable[[], Read]) -> Read:
        """`read()`, worked out once per record object while `sources` (the parts of the record it
        reads: `self.inclusion`, `self.interventions`...) are the same (or equal). For readings every
        question needs of every trial and none changes (the inclusion requirements a record names):
        at 10k trials, reading them again for each question costs seconds."""
        readings = self.__pydantic_private__.get("_readings")  # type: ignore[union-attr]  # as in site_places
        if readings is None:
            readings = self._readings = {}
        held = readings.get(name)
        # parts that are the same objects compare without being looked into (tuple equality tests
        # identity first); equal parts read the same
        if held is not None and held[0] == sources:
            return cast(Read, held[1])
        value = read()
        readings[name] = (sources, value)
        note_long_lived()
        return value

    def facts_of(self, kind: str) -> list[Fact]:
        # not through BaseModel.__getattr__ (hot); pydantic always sets the dict for a model with
        # private attributes, its annotation says Optional for models without
        grouped = self.__pydantic_private__["_facts_by_kind"]  # type: ignore[index]
        if grouped is None or grouped[0] is not self.facts:
            by_kind: dict[str, list[Fact]] = {}
            for fact in self.facts:
                by_kind.setdefault(fact.kind, []).append(fact)
            grouped = self._facts_by_kind = (self.facts, by_kind)
        return list(grouped[1].get(kind, ()))


ChunkMeta = dict[str, str | int | float | bool]


class Chunk(_Record):
    """One embeddable passage: a criterion or a section paragraph of one trial."""

    id: str
    nct_id: str
    section: str  # "Inclusion Criteria", "Exclusion Criteria", "Brief Summary", ...
    criterion_number: int | None = None
    text: str
    metadata: ChunkMeta = Field(default_factory=dict)
