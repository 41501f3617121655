"""The full registry record page: a title, "NCT ID: ...", then labelled sections.

Each section label sits on its own line; top-level sections open with a one-line template blurb
("Get a concise snapshot of the trial...") that is page furniture, not data. "More Related
Trials" lists other trials and ends this trial's data: nothing after it is read.

Study Groups print each arm as label, description, "Group Type X", then each of its
interventions as name, "Intervention Type X", description. Where an intervention's description
ends and the next arm's label begins is told apart using the Interventions section, which
prints each intervention's description on its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import pairwise

from index.errors import ReadError
from index.models import Arm, Contact, Intervention, Site, Sponsor, Trial
from index.readers import normalise
from index.readers.assemble import link_arms, unique_contacts, with_doses
from index.readers.page_text import (
    Heading,
    Span,
    headed_sections,
    heading_lines,
    joined,
    lines,
    paragraphs,
    span,
)

FORMAT = "registry_page"

LABELS = (
    "Study Results",
    "Basic Information",
    "Recruitment Status",
    "Clinical Phase",
    "Total Enrollment",
    "Study Classification",
    "Study Start Date",
    "Primary Completion Date",
    "Study Completion Date",
    "Brief Summary",
    "Detailed Description",
    "Conditions",
    "Keywords",
    "Study Design",
    "Allocation Method",
    "Intervention Model",
    "Primary Study Purpose",
    "Blinding Strategy",
    "Study Groups",
    "Interventions",
    "Eligibility Criteria",
    "Inclusion Criteria",
    "Exclusion Criteria",
    "Minimum Eligible Age",
    "Maximum Eligible Age",
    "Eligible Sex",
    "Accepts Healthy Volunteers",
    "Sponsors",
    "Responsible Party",
    "Principal Investigators",
    "Locations",
    "Countries",
    "Central Contacts",
    "Facility Contacts",
    "Other Identifiers",
)
END_OF_RECORD = "More Related Trials"

NCT_LINE = re.compile(r"^[ \t]*NCT ID:[ \t]*(\S+)[ \t]*$", re.MULTILINE)
_LAST_UPDATED = re.compile(r"^[ \t]*Last Updated:[ \t]*(\S.*?)[ \t]*$", re.MULTILINE)
# Template blurbs address the reader ("Review each arm...", "Meet the organizations...").
_BLURB = re.compile(
    r"(?:Get|Review|Dive|See|Understand|Learn|Check|Meet|Identify|Explore|Reach out|Find|Additional)\b"
    r"[^\n]*\.",
)
_ENROLLMENT = re.compile(r"(\d[\d,]*)(?:\s+participants?)?(?:\s*\((estimated|actual|anticipated)\))?", re.I)
_GROUP_TYPE = re.compile(r"Group Type\s+(\S+)")
_INTERVENTION_TYPE = re.compile(r"Intervention Type\s+(\S+)")
_SPONSOR_ROLE = re.compile(r"Sponsor Role\s+(\S+)")
_SITE_STATUS = re.compile(r"Site Status\s+(\S+)")
_ROLE = re.compile(r"Role:\s*(\S.*)")
_PHONE = re.compile(r"\+?[\d(][\d\s()+\-./]*(?:\s*(?:ext\.?|x)\s*\d+)?")
_RESULTS_PENDING = re.compile(r"results (?:pending|not (?:yet )?(?:posted|available))", re.I)
_RESULTS_POSTED = re.compile(r"results (?:posted|available|first posted)", re.I)


def looks_like_registry_page(text: str) -> bool:
    return NCT_LINE.search(text) is not None and len(heading_lines(text, LABELS)) >= 3


def read_registry_page(text: str, source_path: str) -> Trial:
    sections = _sections(text)
    value = _values(sections)
    criteria = _criteria_text(text, sections)
    arms, interventions = _arms_and_interventions(sections)
    enrollment, enrollment_type = _enrollment(value("Total Enrollment"))
    header = text[: min((body.start for body in sections.values()), default=len(text))]
    trial = Trial(
        nct_id=_nct_id(header, source_path),
        brief_title=_title(text),
        status=normalise.enum_style(value("Recruitment Status")),
        phases=normalise.phases(value("Clinical Phase")),
        study_type=normalise.enum_style(value("Study Classification")),
        enrollment=enrollment,
        enrollment_type=enrollment_type,
        start_date=value("Study Start Date"),
        primary_completion_date=value("Primary Completion Date"),
        completion_date=value("Study Completion Date"),
        last_updated=_last_updated(header),
        conditions=[line.text for line in lines(_data(sections, "Conditions"))],
        keywords=[line.text for line in lines(_data(sections, "Keywords"))],
        other_ids=[
            line.text
            for line in lines(_data(sections, "Other Identifiers"))
            if not line.text.startswith("Identifier ")  # "Identifier Source: org_study_id"
        ],
        brief_summary=_data(sections, "Brief Summary").text or None,
        detailed_description=_data(sections, "Detailed Description").text or None,
        arms=arms,
        interventions=interventions,
        allocation=normalise.enum_style(value("Allocation Method")),
        intervention_model=normalise.enum_style(value("Intervention Model")),
        primary_purpose=normalise.enum_style(value("Primary Study Purpose")),
        masking=normalise.enum_style(value("Blinding Strategy")),
        min_age=normalise.age_as_written(value("Minimum Eligible Age")),
        max_age=normalise.age_as_written(value("Maximum Eligible Age")),
        min_age_years=normalise.age_in_years(value("Minimum Eligible Age")),
        max_age_years=normalise.age_in_years(value("Maximum Eligible Age")),
        sex=normalise.sex(value("Eligible Sex")),
        healthy_volunteers=normalise.yes_no(value("Accepts Healthy Volunteers")),
        sponsors=_sponsors(_data(sections, "Sponsors")),
        investigators=_people(_data(sections, "Principal Investigators")),
        sites=_sites(_data(sections, "Locations")),
        contacts=unique_contacts(
            _people(_data(sections, "Central Contacts")) + _people(_data(sections, "Facility Contacts"))
        ),
        results_posted=_results_posted(_data(sections, "Study Results")),
        criteria_text=criteria,
        source_path=source_path,
        source_format=FORMAT,
        text=text,
    )
    return with_doses(trial)


def _sections(text: str) -> dict[str, Span]:
    """Section bodies (blurbs removed), up to "More Related Trials"."""
    end_heading = heading_lines(text, [END_OF_RECORD])
    end = end_heading[0].line_start if end_heading else len(text)
    headings = heading_lines(text, LABELS, end=end) + _unlisted_headings(text, end)
    return {label: _without_blurb(body) for label, body in headed_sections(text, headings, end).items()}


def _unlisted_headings(text: str, end: int) -> list[Heading]:
    """Section labels this reader does not know, recognised by the template blurb under them.

    Marking them as headings keeps an unknown section from running into the one before it.
    """
    blocks = paragraphs(Span(text, 0, end))
    found = []
    for label, following in pairwise(blocks):
        is_single_line = "\n" not in label.text and not label.text.endswith((".", ":"))
        if is_single_line and _BLURB.fullmatch(following.text) and label.text not in LABELS:
            found.append(Heading(label.text, label.start, label.end))
    return found


def _without_blurb(body: Span) -> Span:
    first = paragraphs(body)[:1]
    if first and "\n" not in first[0].text and _BLURB.fullmatch(first[0].text):
        return span(body.page, first[0].end, body.end)
    return body


def _data(sections: dict[str, Span], label: str) -> Span:
    """A section's body, or an empty span when the page lacks it."""
    found = sections.get(label)
    return found if found is not None else Span("", 0, 0)


def _values(sections: dict[str, Span]) -> Callable[[str], str | None]:
    """A lookup for one-line sections: the section's first line, or None."""

    def value(label: str) -> str | None:
        found = lines(_data(sections, label))
        return found[0].text if found else None

    return value


def _nct_id(header: str, source_path: str) -> str:
    """The "NCT ID:" line above the first section (never an ID quoted further down)."""
    match = NCT_LINE.search(header)
    if match is None:
        raise ReadError(source_path, "record has no NCT ID (no 'NCT ID:' line before the first section)")
    nct_id = normalise.valid_nct_id(match.group(1))
    if nct_id is None:
        raise ReadError(source_path, f"malformed NCT ID {match.group(1)!r}")
    return nct_id


def _title(text: str) -> str | None:
    for line in text.splitlines():
        if line.strip():
            return None if NCT_LINE.fullmatch(line) else line.strip()
    return None


def _last_updated(header: str) -> str | None:
    match = _LAST_UPDATED.search(header)
    return match.group(1) if match else None


def _enrollment(value: str | None) -> tuple[int | None, str | None]:
    match = _ENROLLMENT.fullmatch(value or "")
    if match is None:
        return None, None
    return int(match.group(1).replace(",", "")), normalise.enum_style(match.group(2))


def _results_posted(section: Span) -> bool | None:
    """False for "Results pending"; True only when the page says results are posted."""
    if _RESULTS_PENDING.search(section.text):
        return False
    if _RESULTS_POSTED.search(section.text):
        return True
    return None


def _criteria_text(text: str, sections: dict[str, Span]) -> str | None:
    """From the "Inclusion Criteria" heading through the end of the exclusion criteria, verbatim."""
    parts = [label for label in ("Inclusion Criteria", "Exclusion Criteria") if label in sections]
    if not parts:
        return None
    first, last = sections[parts[0]], sections[parts[-1]]
    start = text.rfind(parts[0], 0, first.start)
    return text[start : last.end].strip() or None


def _arms_and_interventions(sections: dict[str, Span]) -> tuple[list[Arm], list[Intervention]]:
    """Arms from Study Groups, interventions from Interventions (or, failing that, Study Groups)."""
    descriptions, interventions = _interventions(sections.get("Interventions"))
    arms, types_under_arms = _arms(sections.get("Study Groups"), descriptions)
    listed = {item.name for item in interventions}
    interventions += [
        Intervention(name=name, type=kind) for name, kind in types_under_arms.items() if name not in listed
    ]
    return link_arms(arms, interventions)


def _interventions(section: Span | None) -> tuple[dict[str, str], list[Intervention]]:
    """Interventions (name, description, type) and each one's description by name."""
    items: list[Intervention] = []
    block: list[Span] = []
    for paragraph in paragraphs(section) if section else []:
        kind = _INTERVENTION_TYPE.fullmatch(paragraph.text)
        if kind is None:
            block.append(paragraph)
            continue
        if block:
            items.append(
                Intervention(
                    name=block[0].text,
                    type=normalise.enum_style(kind.group(1)),
                    description=joined(block[1:]),
                )
            )
        block = []
    return {item.name: item.description for item in items if item.description}, items


def _arms(
    section: Span | None, intervention_descriptions: dict[str, str]
) -> tuple[list[Arm], dict[str, str | None]]:
    """The arms, and the type of each intervention named under them."""
    arms: list[Arm] = []
    types: dict[str, str | None] = {}
    pending: list[Span] = []
    last_intervention: str | None = None
    for paragraph in paragraphs(section) if section else []:
        if group_type := _GROUP_TYPE.fullmatch(paragraph.text):
            if last_intervention is not None:
                pending = _after_description(pending, intervention_descriptions.get(last_intervention))
            if pending:
                arm_type = normalise.enum_style(group_type.group(1))
                arms.append(Arm(label=pending[0].text, type=arm_type, description=joined(pending[1:])))
            pending, last_intervention = [], None
        elif intervention_type := _INTERVENTION_TYPE.fullmatch(paragraph.text):
            if pending and arms:
                last_intervention = pending[-1].text
                arms[-1].interventions.append(last_intervention)
                types.setdefault(last_intervention, normalise.enum_style(intervention_type.group(1)))
            pending = []
        else:
            pending.append(paragraph)
    return arms, types


def _after_description(pending: list[Span], description: str | None) -> list[Span]:
    """Drop the leading paragraphs that belong to the previous intervention's description.

    Without that description to compare, prose paragraphs (ending in . : ;) are taken as
    description and the first other paragraph as the next arm's label.
    """
    index = 0
    while index < len(pending) - 1:
        paragraph = pending[index].text
        belongs = paragraph in description if description else paragraph.endswith((".", ":", ";"))
        if not belongs:
            break
        index += 1
    return pending[index:]


def _sponsors(section: Span) -> list[Sponsor]:
    sponsors: list[Sponsor] = []
    block: list[Span] = []
    for paragraph in paragraphs(section):
        role = _SPONSOR_ROLE.fullmatch(paragraph.text)
        if role is None:
            block.append(paragraph)
            continue
        if block:
            agency_class = normalise.enum_style(block[1].text) if len(block) > 1 else None
            sponsors.append(
                Sponsor(name=block[0].text, role=role.group(1).lower(), agency_class=agency_class)
            )
        block = []
    return sponsors


def _people(section: Span) -> list[Contact]:
    """People printed as name, "Role: X", then phone / email / affiliation paragraphs."""
    items = paragraphs(section)
    role_at = [index for index, item in enumerate(items) if _ROLE.fullmatch(item.text)]
    people = []
    for position, index in enumerate(role_at):
        if index == 0:
            continue
        next_name = role_at[position + 1] - 1 if position + 1 < len(role_at) else len(items)
        details = [item.text for item in items[index + 1 : next_name]]
        role = _ROLE.fullmatch(items[index].text)
        people.append(
            Contact(
                name=items[index - 1].text,
                role=normalise.enum_style(role.group(1)) if role else None,
                email=next((d for d in details if "@" in d), None),
                phone=next((d for d in details if _PHONE.fullmatch(d)), None),
                affiliation=next((d for d in details if "@" not in d and not _PHONE.fullmatch(d)), None),
            )
        )
    return people


def _sites(section: Span) -> list[Site]:
    """Sites printed as facility, "City, State, Country", "Site Status X"."""
    sites: list[Site] = []
    block: list[Span] = []
    for paragraph in paragraphs(section):
        status = _SITE_STATUS.fullmatch(paragraph.text)
        if status is None and len(block) == 2:
            sites.append(_site(block, None))
            block = []
        if status is None:
            block.append(paragraph)
            continue
        if block:
            sites.append(_site(block, normalise.enum_style(status.group(1))))
        block = []
    if block:
        sites.append(_site(block, None))
    return sites


def _site(block: list[Span], status: str | None) -> Site:
    """The page prints the address as 'City, State, Country', with an empty state when it has none."""
    parts = [part.strip() or None for part in block[1].text.split(",")] if len(block) > 1 else []
    return Site(
        facility=block[0].text,
        city=parts[0] if parts else None,
        state=parts[1] if len(parts) >= 3 else None,
        country=parts[-1] if len(parts) >= 2 else None,
        status=status,
    )
