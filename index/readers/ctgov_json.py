"""ClinicalTrials.gov API v2 JSON: one study, a list of studies, or {"studies": [...]}.

A bad study in a list costs only that study: the others are read and the bad one is reported
with its position. Values keep API v2 enum spelling; text fields are kept verbatim.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from index.errors import ReadError
from index.models import Arm, Contact, Intervention, Outcome, Site, Sponsor, Trial
from index.readers import normalise
from index.readers.assemble import finish_structured, unique_contacts
from index.readers.file_read import FileRead, misfit_reason

FORMAT = "ctgov_json"

Json = dict[str, Any]


class _BadStudy(ValueError):
    """A study whose shape is not API v2's; the message says which field."""


def read_ctgov_json(text: str, source_path: str) -> FileRead:
    studies, is_list = _studies(_load(text, source_path), source_path)
    if not is_list:
        return FileRead(trials=[_trial_or_error(studies[0], source_path, where="")])
    read = FileRead()
    for position, study in enumerate(studies, start=1):
        where = f"study {position} of {len(studies)}{_id_hint(study)}: "
        try:
            read.trials.append(_trial_or_error(study, source_path, where))
        except ReadError as error:
            read.errors.append(error)
    return read


def _load(text: str, source_path: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        place = f"line {error.lineno}, column {error.colno}"
        if error.pos >= len(text.rstrip()):
            raise ReadError(
                source_path, f"truncated JSON: the text ends before the record does ({place})"
            ) from None
        raise ReadError(source_path, f"invalid JSON at {place}: {error.msg}") from None


def _studies(data: Any, source_path: str) -> tuple[list[Any], bool]:
    """The study objects in the document, and whether it was a list of them."""
    if isinstance(data, dict) and "studies" in data and "protocolSection" not in data:
        data = data["studies"]
    if isinstance(data, list):
        if not data:
            raise ReadError(source_path, "the JSON list holds no studies")
        return data, True
    if isinstance(data, dict):
        return [data], False
    raise ReadError(source_path, f"expected a study object or a list of studies, found {type(data).__name__}")


def _id_hint(study: Any) -> str:
    """' (NCT...)' when a bad study still shows its NCT ID, so the report names it."""
    try:
        nct_id = study["protocolSection"]["identificationModule"]["nctId"]
    except (KeyError, TypeError):
        return ""
    return f" ({nct_id})" if isinstance(nct_id, str) else ""


def _trial_or_error(study: Any, source_path: str, where: str) -> Trial:
    try:
        return study_to_trial(study, source_path)
    except _BadStudy as error:
        raise ReadError(source_path, f"{where}{error}") from None
    except ValidationError as error:
        raise ReadError(source_path, f"{where}{misfit_reason(error)}") from None


def study_to_trial(study: Any, source_path: str) -> Trial:
    """One API v2 study object as a Trial; raises _BadStudy when its shape is wrong."""
    if not isinstance(study, dict):
        raise _BadStudy(f"expected a study object, found {type(study).__name__}")
    protocol = _obj(study, "protocolSection")
    ident = _obj(protocol, "identificationModule")
    status = _obj(protocol, "statusModule")
    design = _obj(protocol, "designModule")
    design_info = _obj(design, "designInfo")
    enrollment = _obj(design, "enrollmentInfo")
    conditions = _obj(protocol, "conditionsModule")
    description = _obj(protocol, "descriptionModule")
    outcomes = _obj(protocol, "outcomesModule")
    eligibility = _obj(protocol, "eligibilityModule")
    places = _obj(protocol, "contactsLocationsModule")
    trial = Trial(
        nct_id=_nct_id(ident),
        brief_title=_str(ident, "briefTitle"),
        official_title=_str(ident, "officialTitle"),
        status=normalise.enum_style(_str(status, "overallStatus")),
        phases=[phase for value in _strs(design, "phases") for phase in normalise.phases(value)],
        study_type=normalise.enum_style(_str(design, "studyType")),
        enrollment=_int(enrollment, "count"),
        enrollment_type=normalise.enum_style(_str(enrollment, "type")),
        start_date=_date(status, "startDateStruct"),
        primary_completion_date=_date(status, "primaryCompletionDateStruct"),
        completion_date=_date(status, "completionDateStruct"),
        last_updated=_date(status, "lastUpdatePostDateStruct") or _str(status, "lastUpdateSubmitDate"),
        conditions=_strs(conditions, "conditions"),
        keywords=_strs(conditions, "keywords"),
        other_ids=[
            i
            for i in [
                _str(_obj(ident, "orgStudyInfo"), "id"),
                *(_str(x, "id") for x in _objs(ident, "secondaryIdInfos")),
            ]
            if i
        ],
        brief_summary=_str(description, "briefSummary"),
        detailed_description=_str(description, "detailedDescription"),
        arms=_arms(_obj(protocol, "armsInterventionsModule")),
        interventions=_interventions(_obj(protocol, "armsInterventionsModule")),
        allocation=normalise.enum_style(_str(design_info, "allocation")),
        intervention_model=normalise.enum_style(_str(design_info, "interventionModel")),
        primary_purpose=normalise.enum_style(_str(design_info, "primaryPurpose")),
        masking=normalise.enum_style(_str(_obj(design_info, "maskingInfo"), "masking")),
        primary_outcomes=_outcomes(outcomes, "primaryOutcomes"),
        secondary_outcomes=_outcomes(outcomes, "secondaryOutcomes"),
        min_age=normalise.age_as_written(_str(eligibility, "minimumAge")),
        max_age=normalise.age_as_written(_str(eligibility, "maximumAge")),
        min_age_years=normalise.age_in_years(_str(eligibility, "minimumAge")),
        max_age_years=normalise.age_in_years(_str(eligibility, "maximumAge")),
        sex=normalise.sex(_str(eligibility, "sex")),
        healthy_volunteers=_bool(eligibility, "healthyVolunteers"),
        sponsors=_sponsors(_obj(protocol, "sponsorCollaboratorsModule")),
        investigators=[_contact(item) for item in _objs(places, "overallOfficials")],
        sites=[_site(item) for item in _objs(places, "locations")],
        contacts=_contacts(places),
        results_posted=_results_posted(study),
        criteria_text=_str(eligibility, "eligibilityCriteria"),
        source_path=source_path,
        source_format=FORMAT,
        text="",
    )
    return finish_structured(trial)


def _nct_id(ident: Json) -> str:
    raw = _str(ident, "nctId")
    if raw is None:
        raise _BadStudy("record has no NCT ID (protocolSection.identificationModule.nctId)")
    nct_id = normalise.valid_nct_id(raw)
    if nct_id is None:
        raise _BadStudy(f"malformed NCT ID {raw!r}")
    return nct_id


def _arms(module: Json) -> list[Arm]:
    return [
        Arm(
            label=_required(item, "label"),
            type=normalise.enum_style(_str(item, "type")),
            description=_str(item, "description"),
            interventions=[_without_type_prefix(name) for name in _strs(item, "interventionNames")],
        )
        for item in _objs(module, "armGroups")
    ]


def _interventions(module: Json) -> list[Intervention]:
    return [
        Intervention(
            name=_required(item, "name"),
            type=normalise.enum_style(_str(item, "type")),
            description=_str(item, "description"),
            arm_labels=_strs(item, "armGroupLabels"),
        )
        for item in _objs(module, "interventions")
    ]


def _without_type_prefix(name: str) -> str:
    """'Drug: Hetrombopag' -> 'Hetrombopag' (API v2 prefixes arm intervention names with the type)."""
    prefix, sep, rest = name.partition(": ")
    return rest if sep and prefix.replace(" ", "").isalpha() else name


def _outcomes(module: Json, key: str) -> list[Outcome]:
    return [
        Outcome(
            measure=_required(item, "measure"),
            time_frame=_str(item, "timeFrame"),
            description=_str(item, "description"),
        )
        for item in _objs(module, key)
    ]


def _sponsors(module: Json) -> list[Sponsor]:
    lead = _obj(module, "leadSponsor")
    sponsors = [_sponsor(lead, "lead")] if lead else []
    return sponsors + [_sponsor(item, "collaborator") for item in _objs(module, "collaborators")]


def _sponsor(item: Json, role: str) -> Sponsor:
    return Sponsor(
        name=_required(item, "name"), role=role, agency_class=normalise.enum_style(_str(item, "class"))
    )


def _contact(item: Json, affiliation: str | None = None) -> Contact:
    return Contact(
        name=_str(item, "name"),
        role=normalise.enum_style(_str(item, "role")),
        phone=_str(item, "phone"),
        email=_str(item, "email"),
        affiliation=_str(item, "affiliation") or affiliation,
    )


def _contacts(places: Json) -> list[Contact]:
    """Central contacts first, then each site's contacts (affiliation = the site's facility)."""
    contacts = [_contact(item) for item in _objs(places, "centralContacts")]
    for location in _objs(places, "locations"):
        facility = _str(location, "facility")
        contacts += [_contact(item, facility) for item in _objs(location, "contacts")]
    return unique_contacts(contacts)


def _site(item: Json) -> Site:
    return Site(
        facility=_str(item, "facility"),
        city=_str(item, "city"),
        state=_str(item, "state"),
        country=_str(item, "country"),
        status=normalise.enum_style(_str(item, "status")),
    )


def _results_posted(study: Json) -> bool | None:
    if "resultsSection" in study:
        return True
    value = study.get("hasResults")
    return value if isinstance(value, bool) else None


def _date(module: Json, key: str) -> str | None:
    return _str(_obj(module, key), "date")


# Shape-checked access: a wrong type raises _BadStudy naming the field.


def _obj(parent: Json, key: str) -> Json:
    value = parent.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _BadStudy(f"field {key!r} is not an object")
    return value


def _objs(parent: Json, key: str) -> list[Json]:
    value = parent.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise _BadStudy(f"field {key!r} is not a list of objects")
    return value


def _str(parent: Json, key: str) -> str | None:
    value = parent.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _BadStudy(f"field {key!r} is not text")
    return value if value.strip() else None


def _required(parent: Json, key: str) -> str:
    value = _str(parent, key)
    if value is None:
        raise _BadStudy(f"an item lacks its {key!r}")
    return value


def _strs(parent: Json, key: str) -> list[str]:
    value = parent.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _BadStudy(f"field {key!r} is not a list of text")
    return [item for item in value if item.strip()]


def _int(parent: Json, key: str) -> int | None:
    value = parent.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _BadStudy(f"field {key!r} is not a whole number: {value!r}")
    return value


def _bool(parent: Json, key: str) -> bool | None:
    value = parent.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise _BadStudy(f"field {key!r} is not true/false")
    return value
