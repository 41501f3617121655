"""The patient-facing summary page: plain-language headline, "Quick facts", eligibility text.

What the page does not carry stays empty: it has no recruitment status, no results flag and no
maximum age when it says "and up". Its closing "Last reviewed <date> by the ... editorial team"
dates the page's editorial review, not the registry record, so it is not read as `last_updated`
(a clinician asking how current the registry entry is must not get the page's review date).

The headline ("Hetrombopag for treating low platelet counts...") is the page's short title and
becomes `brief_title`; the study's formal title printed under it becomes `official_title`.
"""

from __future__ import annotations

import re

from index.errors import ReadError
from index.models import Intervention, Site, Sponsor, Trial
from index.readers import normalise
from index.readers.assemble import with_doses
from index.readers.page_text import Span, headed_sections, heading_lines, lines, paragraphs

FORMAT = "summary_page"

QUICK_FACTS = "Quick facts"
SECTION_LABELS = (
    QUICK_FACTS,
    "What this trial studies",
    "Who should consider this trial",
    "Why it matters",
    "Eligibility criteria",
    "Where this trial is running",
    "Study contacts",
    "How to participate",
)
# Quick-fact keys, longest first: the page glues each key to its value ("PhasePHASE2").
FACT_KEYS = (
    "Drugs / interventions",
    "Study type",
    "Enrollment",
    "Locations",
    "Conditions",
    "Trial ID",
    "Sponsor",
    "Status",
    "Phase",
    "Ages",
    "Sex",
)
_FACT = re.compile(r"(" + "|".join(re.escape(key) for key in FACT_KEYS) + r"):?\s*(\S.*)")
_CONDITIONS_LINE = re.compile(r"^[ \t]*Conditions:[ \t]*(\S.*?)[ \t]*$", re.MULTILINE)
_ENROLLMENT = re.compile(r"(\d[\d,]*)(?:\s*\((estimated|actual|anticipated)\))?", re.IGNORECASE)
_AGE = r"\d+(?:\.\d+)?\s+(?:Year|Month|Week|Day|Hour|Minute)s?"
_AGES_FROM = re.compile(rf"({_AGE})\s+(?:and\s+(?:up|older|over)|or\s+older|\+)", re.IGNORECASE)
_AGES_RANGE = re.compile(rf"({_AGE})\s+(?:to|-|–)\s+({_AGE})", re.IGNORECASE)
_AGES_UP_TO = re.compile(rf"(?:up\s+to|under)\s+({_AGE})", re.IGNORECASE)
_SPONSOR_CLASS = re.compile(
    r"(.+?)\s*\((industry|other|other_gov|nih|fed|indiv|network|ambig|unknown)\)", re.I
)
_CRITERIA_START = re.compile(r"^[ \t]*(?:Inclusion|Exclusion) Criteria\b", re.MULTILINE)
_SITE_COUNT = re.compile(r"\d+\s+sites?\s*\((.+)\)")


def looks_like_summary_page(text: str) -> bool:
    return bool(heading_lines(text, [QUICK_FACTS])) and normalise.NCT_ID.search(text) is not None


def read_summary_page(text: str, source_path: str) -> Trial:
    sections = headed_sections(text, heading_lines(text, SECTION_LABELS), len(text))
    facts = _quick_facts(sections.get(QUICK_FACTS))
    min_age, max_age = _ages(facts.get("Ages"))
    enrollment, enrollment_type = _enrollment(facts.get("Enrollment"))
    brief_title, official_title = _titles(text)
    trial = Trial(
        nct_id=_nct_id(text, facts, source_path),
        brief_title=brief_title,
        official_title=official_title,
        status=normalise.enum_style(facts.get("Status")),
        phases=normalise.phases(facts.get("Phase")),
        study_type=normalise.enum_style(facts.get("Study type")),
        enrollment=enrollment,
        enrollment_type=enrollment_type,
        conditions=_conditions(text, facts),
        brief_summary=_body(sections, "What this trial studies"),
        interventions=[Intervention(name=name) for name in _split(facts.get("Drugs / interventions"))],
        min_age=min_age,
        max_age=max_age,
        min_age_years=normalise.age_in_years(min_age),
        max_age_years=normalise.age_in_years(max_age),
        sex=normalise.sex(facts.get("Sex")),
        sponsors=_sponsors(facts.get("Sponsor")),
        sites=_sites(sections.get("Where this trial is running"), facts.get("Locations")),
        criteria_text=_criteria_text(sections.get("Eligibility criteria")),
        source_path=source_path,
        source_format=FORMAT,
        text=text,
    )
    return with_doses(trial)


def _quick_facts(section: Span | None) -> dict[str, str]:
    facts: dict[str, str] = {}
    for line in lines(section) if section else []:
        match = _FACT.fullmatch(line.text)
        if match:
            facts.setdefault(match.group(1), match.group(2).strip())
    return facts


def _nct_id(text: str, facts: dict[str, str], source_path: str) -> str:
    """The "Trial ID" quick fact; failing that, the NCT ID in the byline above Quick facts."""
    found = normalise.NCT_ID.search(facts.get("Trial ID", ""))
    if found is None:
        quick_facts = heading_lines(text, [QUICK_FACTS])
        found = normalise.NCT_ID.search(text, 0, quick_facts[0].line_start if quick_facts else 0)
    if found is None:
        raise ReadError(source_path, "record has no NCT ID (no 'Trial ID' quick fact or byline NCT ID)")
    return found.group(0)


def _titles(text: str) -> tuple[str | None, str | None]:
    """Headline and formal title: the paragraphs before the "PHASE · sponsor · NCT" byline."""
    quick_facts = heading_lines(text, [QUICK_FACTS])
    top = paragraphs(Span(text, 0, quick_facts[0].line_start if quick_facts else len(text)))
    titles = []
    for paragraph in top:
        if "·" in paragraph.text or normalise.NCT_ID.search(paragraph.text):
            break
        titles.append(paragraph.text)
    return (titles[0] if titles else None), (titles[1] if len(titles) > 1 else None)


def _body(sections: dict[str, Span], label: str) -> str | None:
    section = sections.get(label)
    return (section.text or None) if section else None


def _enrollment(value: str | None) -> tuple[int | None, str | None]:
    match = _ENROLLMENT.fullmatch(value or "")
    if match is None:
        return None, None
    return int(match.group(1).replace(",", "")), normalise.enum_style(match.group(2))


def _ages(value: str | None) -> tuple[str | None, str | None]:
    """'18 Years and up' -> ('18 Years', None): "and up" sets no maximum."""
    text = value or ""
    if match := _AGES_RANGE.fullmatch(text):
        return match.group(1), match.group(2)
    if match := _AGES_FROM.fullmatch(text):
        return match.group(1), None
    if match := _AGES_UP_TO.fullmatch(text):
        return None, match.group(1)
    return None, None


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _conditions(text: str, facts: dict[str, str]) -> list[str]:
    match = _CONDITIONS_LINE.search(text)
    return _split(match.group(1) if match else facts.get("Conditions"))


def _sponsors(value: str | None) -> list[Sponsor]:
    """The single "Sponsor" fact is the lead sponsor (collaborators are never called "Sponsor")."""
    if not value:
        return []
    match = _SPONSOR_CLASS.fullmatch(value)
    if match is None:
        return [Sponsor(name=value, role="lead")]
    return [Sponsor(name=match.group(1), role="lead", agency_class=normalise.enum_style(match.group(2)))]


def _sites(section: Span | None, locations_fact: str | None) -> list[Site]:
    """One site per "City, State" line under "Where this trial is running".

    Falls back to the "Locations" fact ("1 site (Hangzhou, Zhejiang)") when that section is absent.
    """
    places = [line.text for line in lines(section)] if section else []
    if not places and locations_fact and (match := _SITE_COUNT.fullmatch(locations_fact)):
        places = [match.group(1)]
    return [_site(place) for place in places]


def _site(place: str) -> Site:
    parts = [part.strip() or None for part in place.split(",")]
    return Site(
        city=parts[0],
        state=parts[1] if len(parts) >= 2 else None,
        country=parts[-1] if len(parts) >= 3 else None,
    )


def _criteria_text(section: Span | None) -> str | None:
    """From the first "Inclusion/Exclusion Criteria" line to the end of the section, verbatim."""
    if section is None:
        return None
    start = _CRITERIA_START.search(section.page, section.start, section.end)
    if start is None:
        return section.text or None
    return section.page[start.start() : section.end].strip() or None
