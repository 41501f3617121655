"""A readable, labelled plain-text view of a structured record (API v2 JSON, classic XML).

Citations are checked as exact substrings of `Trial.text`, so this view prints every value the
Trial carries exactly as stored (no wrapping, no re-casing), each multi-line value (criteria,
summaries, descriptions) as its own block.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from index.models import Arm, Contact, Intervention, Outcome, Site, Sponsor, Trial


def render_trial_text(trial: Trial) -> str:
    """The record as labelled sections; sections the record leaves empty are left out. A value the
    record wrote in other words than the stored one (`Trial.written`) is shown as written."""
    said = trial.written.get
    blocks = [
        trial.title,
        _fields(
            ("NCT ID", trial.nct_id),
            ("Brief Title", trial.brief_title),
            ("Official Title", trial.official_title),
            ("Recruitment Status", said("status", trial.status)),
            ("Phases", said("phases", ", ".join(trial.phases))),
            ("Study Type", said("study_type", trial.study_type)),
            ("Enrollment", None if trial.enrollment is None else str(trial.enrollment)),
            ("Enrollment Type", said("enrollment_type", trial.enrollment_type)),
            ("Start Date", said("start_date", trial.start_date)),
            ("Primary Completion Date", said("primary_completion_date", trial.primary_completion_date)),
            ("Completion Date", said("completion_date", trial.completion_date)),
            ("Last Updated", said("last_updated", trial.last_updated)),
            ("Results Posted", _yes_no(trial.results_posted)),
        ),
        _list_section("Conditions", trial.conditions),
        _list_section("Keywords", trial.keywords),
        _list_section("Other Identifiers", trial.other_ids),
        _section(
            "Study Design",
            _fields(
                ("Allocation", said("allocation", trial.allocation)),
                ("Intervention Model", said("intervention_model", trial.intervention_model)),
                ("Primary Purpose", said("primary_purpose", trial.primary_purpose)),
                ("Masking", said("masking", trial.masking)),
            ),
        ),
        _section("Arms", *(_arm(arm) for arm in trial.arms)),
        _section("Interventions", *(_intervention(item) for item in trial.interventions)),
        _section("Primary Outcomes", *(_outcome(item) for item in trial.primary_outcomes)),
        _section("Secondary Outcomes", *(_outcome(item) for item in trial.secondary_outcomes)),
        _section(
            "Eligibility",
            _fields(
                ("Minimum Age", trial.min_age),
                ("Maximum Age", trial.max_age),
                ("Sex", said("sex", trial.sex)),
                ("Accepts Healthy Volunteers", said("healthy_volunteers", _yes_no(trial.healthy_volunteers))),
            ),
        ),
        _section("Eligibility Criteria", trial.criteria_text),
        _section("Sponsors", *(_sponsor(item) for item in trial.sponsors)),
        _section("Investigators", *(_contact(item) for item in trial.investigators)),
        _section("Locations", *(_site(item) for item in trial.sites)),
        _section("Contacts", *(_contact(item) for item in trial.contacts)),
        _section("Brief Summary", trial.brief_summary),
        _section("Detailed Description", trial.detailed_description),
    ]
    return "\n\n".join(block for block in blocks if block) + "\n"


# Every label this view writes before a value, and the "- " of its list items: words of ours, which a
# quote from a structured record leaves out (the record itself holds only the values).
_LABELS = (
    "NCT ID", "Brief Title", "Official Title", "Recruitment Status", "Phases", "Study Type",
    "Enrollment Type", "Enrollment", "Start Date", "Primary Completion Date", "Completion Date",
    "Last Updated", "Results Posted", "Allocation", "Intervention Model", "Primary Purpose", "Masking",
    "Minimum Age", "Maximum Age", "Sex", "Accepts Healthy Volunteers", "Arm", "Type", "Interventions",
    "Intervention", "Dose", "Arms", "Measure", "Time Frame", "Role", "Class", "Affiliation", "Phone",
    "Email", "City", "State", "Country", "Site Status",
)  # fmt: skip
_OUR_PREFIX = re.compile(r"^\s*(?:- |(?:" + "|".join(map(re.escape, _LABELS)) + r"): )")


def without_label(line: str) -> str:
    """A line of the view without the label or list dash this view put before its value."""
    return _OUR_PREFIX.sub("", line, count=1)


# Lists this view joins into one line ("Interventions: a; b; c"): the record writes each item alone.
_JOINED_LISTS = ("Interventions", "Arms")
_LIST_SEPARATOR = "; "


def as_written(line: str, candidate: str) -> str:
    """A line of the view as the record writes it: without our label, and of a list this view
    joined, only the item holding `candidate` (the record has no "a; b; c" line)."""
    label, _, value = line.partition(": ")
    if label.strip() in _JOINED_LISTS and _LIST_SEPARATOR in value:
        wanted = " ".join(candidate.split()).lower()
        for item in value.split(_LIST_SEPARATOR):
            if wanted in " ".join(item.split()).lower():
                return item.strip()
    return without_label(line)


def _fields(*pairs: tuple[str, str | None]) -> str:
    return "\n".join(f"{label}: {value}" for label, value in pairs if value)


def _section(heading: str, *blocks: str | None) -> str:
    body = [block for block in blocks if block]
    return "\n\n".join([heading, *body]) if body else ""


def _list_section(heading: str, items: list[str]) -> str:
    return f"{heading}\n" + "\n".join(f"- {item}" for item in items) if items else ""


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else ("Yes" if value else "No")


def _lines(*parts: str | None) -> str:
    return "\n".join(part for part in parts if part)


def _arm(arm: Arm) -> str:
    return _lines(
        _fields(("Arm", arm.label)),
        _fields(("Type", arm.type), ("Interventions", _LIST_SEPARATOR.join(arm.interventions))),
        arm.description,
    )


def _intervention(item: Intervention) -> str:
    return _lines(
        _fields(("Intervention", item.name)),
        _fields(
            ("Type", item.type), ("Dose", item.dose_text), ("Arms", _LIST_SEPARATOR.join(item.arm_labels))
        ),
        item.description,
    )


def _outcome(item: Outcome) -> str:
    return _lines(_fields(("Measure", item.measure), ("Time Frame", item.time_frame)), item.description)


def _sponsor(item: Sponsor) -> str:
    return _lines(item.name, _fields(("Role", item.role), ("Class", item.agency_class)))


def _contact(item: Contact) -> str:
    return _lines(
        *_named(item.name),
        _fields(
            ("Role", item.role),
            ("Affiliation", item.affiliation),
            ("Phone", item.phone),
            ("Email", item.email),
        ),
    )


def _site(item: Site) -> str:
    return _lines(
        *_named(item.facility),
        _fields(
            ("City", item.city),
            ("State", item.state),
            ("Country", item.country),
            ("Site Status", item.status),
        ),
    )


def _named(name: str | None) -> Iterator[str]:
    if name:
        yield name
