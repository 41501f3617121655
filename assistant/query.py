"""The typed reading of a question that every later stage works from."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.models import CANNOT_ANSWER
from assistant.quantities import Quantity
from index.models import Comparator


class QuestionKind(StrEnum):
    SET = "set"
    ATTRIBUTE = "attribute"
    OVERVIEW = "overview"
    COMPARE = "compare"
    MATCH = "match"
    OPEN = "open"
    CANNOT_ANSWER = CANNOT_ANSWER


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NumericTest(_Model):
    """A number the question asks about. `accepts`: would a patient with `value` be allowed (with a
    `comparator`, some patient beyond it: "children under 12")? `requires`: does the trial demand
    `comparator value` (e.g. platelets below 50)?"""

    kind: str  # a fact kind (index/facts/kinds/)
    mode: Literal["accepts", "requires"]
    value: float
    comparator: Comparator | None = None
    unit: str | None = None
    label: str  # as the answer names it: "ECOG 2", "age 78", "platelets < 50 x10^9/L"
    # the value is known only to lie in value..high ("in her early 70s"): decided where both ends agree
    high: float | None = None
    # a group of people over value..high ("teenagers"): a trial taking some of them takes the group
    some_of_span: bool = False
    # What the question says about the patient that a conditional limit depends on, in the facts'
    # qualifier wording: "without liver metastases". A circumstance not stated is unknown.
    circumstances: list[str] = Field(default_factory=list)


# "controls": a comparator/control arm (any arm type but EXPERIMENTAL) gives the term.
TermMode = Literal["excludes", "requires", "accepts", "studies", "gives", "controls", "mentions", "washout"]


class TermTest(_Model):
    """A named condition, biomarker or drug: does the trial exclude / require / study / give it, or
    set a washout window for it? `alternatives` are or-ed with `term` ("metastasis or infiltration")."""

    term: str
    mode: TermMode
    alternatives: list[str] = Field(default_factory=list)
    # "do NOT require": the trials the verb's set leaves out, those that do not state it included
    negated: bool = False

    @property
    def names(self) -> list[str]:
        return [self.term, *self.alternatives]


FieldName = Literal[
    "status",
    "phase",
    "allocation",
    "intervention_model",
    "sex",
    "accepts_sex",
    "primary_purpose",
    "study_type",
    "masking",
    "intervention_type",
    "healthy_volunteers",
    "results_posted",
    "start_year",
    "completion_year",
    "sponsor_class",
    "lead_sponsor_class",
    "start_date",
    "completion_date",
    "primary_completion_date",
    "location",
    "has_sites",
    "has_investigator",
    "has_contacts",
    "conflict",
    "dose",
    "sponsor_name",
    "states",  # values: [attribute key]; the record states it (negated: does not)
]


class FieldTest(_Model):
    """A structured-field filter: status, phase, design, sex, purpose..."""

    field: FieldName
    values: list[str]  # accepted values as the records store them (upper case enums; ISO dates)
    label: str
    # dates compare; enumerations are "in"; a place is "in" (some site there) or "outside" (some
    # site elsewhere)
    operator: Literal["in", "outside", "<", "<=", ">", ">="] = "in"
    negated: bool = False  # "treating it rather than preventing it": any stated value but these


class CountTest(_Model):
    """A number a structured field is compared with: "enrol more than 55 participants"."""

    field: Literal["enrollment"]
    comparator: Comparator
    value: float
    label: str


class PriorTreatment(_Model):
    term: str
    days_ago: float
    clause: str = ""  # the patient's words about it ("IMRT 70 Gy to the larynx, wk 5")


class ConceptState(_Model):
    """One vocabulary concept as a patient description states it."""

    name: str
    present: bool
    days_ago: float | None = None  # for an event or a treatment: how long ago
    controlled: bool | None = None  # True "controlled/stable", False "uncontrolled/active", None unsaid
    clause: str = ""  # the patient's words it was read from


class PatientProfile(_Model):
    age: float | None = None
    age_high: float | None = None  # the age lies in age..age_high ("in her late sixties")
    sex: Literal["FEMALE", "MALE"] | None = None
    ecog: int | None = None
    labs: dict[str, Quantity] = Field(default_factory=dict)
    conditions: list[str] = Field(default_factory=list)
    prior_treatments: list[PriorTreatment] = Field(default_factory=list)
    circumstances: list[str] = Field(default_factory=list)  # as NumericTest.circumstances
    concepts: list[ConceptState] = Field(default_factory=list)  # everything else the vignette says
    # "otherwise healthy": no condition beyond those named (judged only where a trial requires one)
    nothing_else: bool = False
    description: str = ""  # the description as written, read again for the condition each trial is for

    def stated(self) -> int:
        """How many patient attributes the question gives."""
        return (
            (self.age is not None)
            + (self.sex is not None)
            + (self.ecog is not None)
            + len(self.labs)
            + len(self.conditions)
            + len(self.prior_treatments)
        )


class Query(_Model):
    question: str
    kind: QuestionKind
    nct_ids: list[str] = Field(default_factory=list)  # known trials the question is about
    # The one trial asked about was found from a description ("the Tianjin study"), not named by its
    # NCT ID: when its record states nothing asked, no trial is the answer and the assistant abstains.
    subject_described: bool = False
    unknown_ids: list[str] = Field(default_factory=list)  # NCT IDs asked about but not indexed
    numeric: list[NumericTest] = Field(default_factory=list)
    terms: list[TermTest] = Field(default_factory=list)
    fields: list[FieldTest] = Field(default_factory=list)
    counts: list[CountTest] = Field(default_factory=list)
    attributes: list[str] = Field(default_factory=list)  # keys of assistant.attributes.ATTRIBUTES
    patient: PatientProfile | None = None
    # "which trials does that rule out?" / "which trials exclude a patient with ALT 4 x ULN?": the
    # trials that refuse the patient's values are the result.
    wants_excluded: bool = False
    # "which trials exclude him because of the AF?": the concepts the question names as the reason;
    # only trials excluded on a criterion naming one of them are the result
    excluded_for: list[str] = Field(default_factory=list)
    scope: list[str] | None = None  # restrict a set question to these trials ("which of those")
    others_than: list[str] = Field(default_factory=list)  # "any other trial": these are left out
    # "randomised or single-arm": the tests are or-ed (a trial matches when any does), not and-ed
    any_of: bool = False
    count_only: bool = False  # "how many trials..."
    aggregate: Literal["sum", "mean"] | None = None  # "the combined enrolment of ...": over the result
    follow_up: bool = False
    patient_text: str | None = None  # a match question: everything said about the patient so far
    reason: str | None = None  # why the question cannot be answered
    ignored_instructions: bool = (
        False  # the question carried instructions to the assistant, which were dropped
    )

    def has_tests(self) -> bool:
        return bool(self.numeric or self.terms or self.fields or self.counts)


class Turn(_Model):
    """One earlier question and what it resolved to, for follow-ups."""

    query: Query
    trials: list[str]  # the answer's result trials
    answer_text: str = ""  # what was said, for "that city" (a place the answer named)
