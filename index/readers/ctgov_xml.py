"""ClinicalTrials.gov classic XML (`<clinical_study>`, the pre-2024 bulk export).

Parsed with defusedxml's ElementTree, which refuses any document that carries a DTD
(`forbid_dtd=True`) as well as entity declarations and external references: entity-expansion
("billion laughs") and external-entity attacks both need one, and ClinicalTrials.gov records
never have one, so refusing every DTD costs nothing and leaves no DTD-driven path open.
Text blocks lose only the XML pretty-printing indentation (dedented), so line structure and
wording stay as the registry wrote them.
"""

from __future__ import annotations

import textwrap
import xml.etree.ElementTree as ET

import defusedxml.ElementTree as SafeET
from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden

from index.errors import ReadError
from index.models import Arm, Contact, Intervention, Outcome, Site, Sponsor, Trial
from index.readers import normalise
from index.readers.assemble import finish_structured, unique_contacts

FORMAT = "ctgov_xml"

_UNSAFE = "XML with a DTD or entity declarations is refused (unsafe to expand)"


def read_ctgov_xml(text: str, source_path: str) -> Trial:
    root = _parse(text, source_path)
    if root.tag != "clinical_study":
        raise ReadError(source_path, f"expected a <clinical_study> record, found <{root.tag}>")
    return finish_structured(_trial(root, source_path))


def _parse(text: str, source_path: str) -> ET.Element:
    # forbid_dtd refuses the <!DOCTYPE first, so DTDForbidden is what records meet; the entity and
    # external-reference refusals stay mapped so no defusedxml refusal escapes as a raw traceback.
    try:
        return SafeET.fromstring(text, forbid_dtd=True)
    except DTDForbidden as error:
        raise ReadError(source_path, f"{_UNSAFE}: <!DOCTYPE {error.name}>") from None
    except EntitiesForbidden as error:
        raise ReadError(source_path, f"{_UNSAFE}: <!ENTITY {error.name}>") from None
    except ExternalReferenceForbidden as error:
        reference = error.sysid or error.context
        raise ReadError(source_path, f"{_UNSAFE}: external reference {reference!r}") from None
    except ET.ParseError as error:
        kind = "truncated XML" if "no element found" in str(error) else "invalid XML"
        raise ReadError(source_path, f"{kind}: {error}") from None


def _trial(root: ET.Element, source_path: str) -> Trial:
    nct_id = _nct_id(root, source_path)
    eligibility = root.find("eligibility")
    design = root.find("study_design_info")
    enrollment = root.find("enrollment")
    return Trial(
        nct_id=nct_id,
        brief_title=_text(root, "brief_title"),
        official_title=_text(root, "official_title"),
        status=normalise.enum_style(_text(root, "overall_status")),
        phases=normalise.phases(_text(root, "phase")),
        study_type=normalise.enum_style(_text(root, "study_type")),
        enrollment=_enrollment_count(enrollment, source_path),
        enrollment_type=normalise.enum_style(enrollment.get("type")) if enrollment is not None else None,
        start_date=normalise.iso_date(_text(root, "start_date")),
        primary_completion_date=normalise.iso_date(_text(root, "primary_completion_date")),
        completion_date=normalise.iso_date(_text(root, "completion_date")),
        last_updated=normalise.iso_date(_text(root, "last_update_posted") or _text(root, "lastchanged_date")),
        conditions=_texts(root, "condition"),
        keywords=_texts(root, "keyword"),
        other_ids=_texts(root, "id_info/org_study_id") + _texts(root, "id_info/secondary_id"),
        brief_summary=_block(root, "brief_summary"),
        detailed_description=_block(root, "detailed_description"),
        arms=[_arm(item) for item in root.iterfind("arm_group") if _text(item, "arm_group_label")],
        interventions=[
            _intervention(item) for item in root.iterfind("intervention") if _text(item, "intervention_name")
        ],
        allocation=normalise.enum_style(_text(design, "allocation")),
        intervention_model=normalise.enum_style(_text(design, "intervention_model")),
        primary_purpose=normalise.enum_style(_text(design, "primary_purpose")),
        masking=normalise.enum_style(_text(design, "masking")),
        primary_outcomes=_outcomes(root, "primary_outcome"),
        secondary_outcomes=_outcomes(root, "secondary_outcome"),
        min_age=normalise.age_as_written(_text(eligibility, "minimum_age")),
        max_age=normalise.age_as_written(_text(eligibility, "maximum_age")),
        min_age_years=normalise.age_in_years(_text(eligibility, "minimum_age")),
        max_age_years=normalise.age_in_years(_text(eligibility, "maximum_age")),
        sex=normalise.sex(_text(eligibility, "gender")),
        healthy_volunteers=normalise.yes_no(_text(eligibility, "healthy_volunteers")),
        sponsors=_sponsors(root),
        investigators=_investigators(root),
        sites=[_site(item) for item in root.iterfind("location")],
        contacts=_contacts(root),
        results_posted=root.find("clinical_results") is not None,
        criteria_text=_block(eligibility, "criteria"),
        written=_written(root, design, eligibility, enrollment),
        source_path=source_path,
        source_format=FORMAT,
        text="",
    )


# Fields stored normalised, and where classic XML writes each (its own words are kept for quotes).
_WRITTEN_AT = {
    "status": "overall_status",
    "phases": "phase",
    "study_type": "study_type",
    "start_date": "start_date",
    "primary_completion_date": "primary_completion_date",
    "completion_date": "completion_date",
    "last_updated": "last_update_posted",
}
_DESIGN_WRITTEN_AT = {f: f for f in ("allocation", "intervention_model", "primary_purpose", "masking")}
_ELIGIBILITY_WRITTEN_AT = {"sex": "gender", "healthy_volunteers": "healthy_volunteers"}


def _written(
    root: ET.Element, design: ET.Element | None, eligibility: ET.Element | None, enrollment: ET.Element | None
) -> dict[str, str]:
    where = ((root, _WRITTEN_AT), (design, _DESIGN_WRITTEN_AT), (eligibility, _ELIGIBILITY_WRITTEN_AT))
    written = {
        field: value
        for element, places in where
        for field, path in places.items()
        if (value := _text(element, path))
    }
    if enrollment is not None and enrollment.get("type"):
        written["enrollment_type"] = str(enrollment.get("type"))
    return written


def _nct_id(root: ET.Element, source_path: str) -> str:
    raw = _text(root, "id_info/nct_id")
    if raw is None:
        raise ReadError(source_path, "record has no NCT ID (<id_info><nct_id>)")
    nct_id = normalise.valid_nct_id(raw)
    if nct_id is None:
        raise ReadError(source_path, f"malformed NCT ID {raw!r}")
    return nct_id


def _enrollment_count(element: ET.Element | None, source_path: str) -> int | None:
    raw = _own_text(element)
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ReadError(source_path, f"<enrollment> is not a whole number: {raw!r}") from None


def _arm(item: ET.Element) -> Arm:
    return Arm(
        label=_text(item, "arm_group_label") or "",
        type=normalise.enum_style(_text(item, "arm_group_type")),
        description=_text(item, "description"),
    )


def _intervention(item: ET.Element) -> Intervention:
    return Intervention(
        name=_text(item, "intervention_name") or "",
        type=normalise.enum_style(_text(item, "intervention_type")),
        description=_text(item, "description"),
        arm_labels=_texts(item, "arm_group_label"),
    )


def _outcomes(root: ET.Element, tag: str) -> list[Outcome]:
    return [
        Outcome(
            measure=_text(item, "measure") or "",
            time_frame=_text(item, "time_frame"),
            description=_text(item, "description"),
        )
        for item in root.iterfind(tag)
        if _text(item, "measure")
    ]


def _sponsors(root: ET.Element) -> list[Sponsor]:
    roles = [("sponsors/lead_sponsor", "lead"), ("sponsors/collaborator", "collaborator")]
    return [
        Sponsor(name=name, role=role, agency_class=normalise.enum_style(_text(item, "agency_class")))
        for path, role in roles
        for item in root.iterfind(path)
        if (name := _text(item, "agency"))
    ]


def _investigators(root: ET.Element) -> list[Contact]:
    """Overall officials, then site investigators (affiliation = the site's facility)."""
    officials = [_person(item, _text(item, "affiliation")) for item in root.iterfind("overall_official")]
    at_sites = [
        _person(item, _text(location, "facility/name"))
        for location in root.iterfind("location")
        for item in location.iterfind("investigator")
    ]
    return unique_contacts(officials + at_sites)


def _contacts(root: ET.Element) -> list[Contact]:
    """Overall contacts, then each site's contacts (affiliation = the site's facility)."""
    central = [
        _person(item, None, role="CONTACT")
        for tag in ("overall_contact", "overall_contact_backup")
        for item in root.iterfind(tag)
    ]
    at_sites = [
        _person(item, _text(location, "facility/name"), role="CONTACT")
        for location in root.iterfind("location")
        for tag in ("contact", "contact_backup")
        for item in location.iterfind(tag)
    ]
    return unique_contacts(central + at_sites)


def _person(item: ET.Element, affiliation: str | None, role: str | None = None) -> Contact:
    phone = _text(item, "phone")
    extension = _text(item, "phone_ext")
    return Contact(
        name=_text(item, "last_name"),
        role=role or normalise.enum_style(_text(item, "role")),
        phone=f"{phone} ext. {extension}" if phone and extension else phone,
        email=_text(item, "email"),
        affiliation=affiliation,
    )


def _site(item: ET.Element) -> Site:
    return Site(
        facility=_text(item, "facility/name"),
        city=_text(item, "facility/address/city"),
        state=_text(item, "facility/address/state"),
        country=_text(item, "facility/address/country"),
        status=normalise.enum_style(_text(item, "status")),
    )


def _own_text(element: ET.Element | None) -> str | None:
    if element is None or element.text is None:
        return None
    return element.text.strip() or None


def _text(parent: ET.Element | None, path: str) -> str | None:
    return None if parent is None else _own_text(parent.find(path))


def _texts(parent: ET.Element, path: str) -> list[str]:
    return [text for item in parent.iterfind(path) if (text := _own_text(item))]


def _block(parent: ET.Element | None, path: str) -> str | None:
    """A <textblock> without the XML's indentation: dedented, outer blank lines removed."""
    raw = None if parent is None else parent.findtext(f"{path}/textblock")
    if raw is None:
        return None
    return textwrap.dedent(raw.strip("\n")).strip() or None
