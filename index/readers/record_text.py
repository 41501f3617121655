"""A readable, labelled plain-text view of a structured record (API v2 JSON, classic XML).

Citations are checked as exact substrings of `Trial.text`, so this view prints every value the
Trial carries exactly as stored (no wrapping, no re-casing), each multi-line value (criteria,
summaries, descriptions) as its own block.
"""

from __future__ import annotations

from collections.abc import Iterator

from index.models import Arm, Contact, Intervention, Outcome, Site, Sponsor, Trial


def render_trial_text(trial: Trial) -> str:
    """The record as labelled sections; sections the record leaves empty are left out."""
    blocks = [
        trial.title,
        _fields(
            ("NCT ID", trial.nct_id),
            ("Brief Title", trial.brief_title),
            ("Official Title", trial.official_title),
            ("Recruitment Status", trial.status),
            ("Phases", ", ".join(trial.phases)),
            ("Study Type", trial.study_type),
            ("Enrollment", _enrollment(trial)),
            ("Start Date", trial.start_date),
            ("Primary Completion Date", trial.primary_completion_date),
            ("Completion Date", trial.completion_date),
            ("Last Updated", trial.last_updated),
            ("Results Posted", _yes_no(trial.results_posted)),
        ),
        _list_section("Conditions", trial.conditions),
        _list_section("Keywords", trial.keywords),
        _list_section("Other Identifiers", trial.other_ids),
        _section(
            "Study Design",
            _fields(
                ("Allocation", trial.allocation),
                ("Intervention Model", trial.intervention_model),
                ("Primary Purpose", trial.primary_purpose),
                ("Masking", trial.masking),
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
                ("Sex", trial.sex),
                ("Accepts Healthy Volunteers", _yes_no(trial.healthy_volunteers)),
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


def _fields(*pairs: tuple[str, str | None]) -> str:
    return "\n".join(f"{label}: {value}" for label, value in pairs if value)


def _section(heading: str, *blocks: str | None) -> str:
    body = [block for block in blocks if block]
    return "\n\n".join([heading, *body]) if body else ""


def _list_section(heading: str, items: list[str]) -> str:
    return f"{heading}\n" + "\n".join(f"- {item}" for item in items) if items else ""


def _enrollment(trial: Trial) -> str | None:
    if trial.enrollment is None:
        return None
    kind = f" ({trial.enrollment_type})" if trial.enrollment_type else ""
    return f"{trial.enrollment}{kind}"


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else ("Yes" if value else "No")


def _lines(*parts: str | None) -> str:
    return "\n".join(part for part in parts if part)


def _arm(arm: Arm) -> str:
    return _lines(
        f"Arm: {arm.label}",
        _fields(("Type", arm.type), ("Interventions", "; ".join(arm.interventions))),
        arm.description,
    )


def _intervention(item: Intervention) -> str:
    return _lines(
        f"Intervention: {item.name}",
        _fields(("Type", item.type), ("Dose", item.dose_text), ("Arms", "; ".join(item.arm_labels))),
        item.description,
    )


def _outcome(item: Outcome) -> str:
    return _lines(f"Measure: {item.measure}", _fields(("Time Frame", item.time_frame)), item.description)


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
