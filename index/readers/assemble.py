"""Steps every reader shares once a record's fields are read: arm/intervention links and doses."""

from __future__ import annotations

from index.models import Arm, Contact, Intervention, Trial
from index.readers.dose import dose_text
from index.readers.record_text import render_trial_text


def link_arms(arms: list[Arm], interventions: list[Intervention]) -> tuple[list[Arm], list[Intervention]]:
    """Fill each side of the arm <-> intervention link from the other where a record gives only one.

    Classic XML names arms only on interventions; API v2 names both; pages name interventions
    under arms.
    """
    linked_arms = [
        arm.model_copy(
            update={
                "interventions": arm.interventions
                or [i.name for i in interventions if arm.label in i.arm_labels]
            }
        )
        for arm in arms
    ]
    linked_interventions = [
        item.model_copy(
            update={"arm_labels": item.arm_labels or [a.label for a in arms if item.name in a.interventions]}
        )
        for item in interventions
    ]
    return linked_arms, linked_interventions


def with_doses(trial: Trial) -> Trial:
    """Each intervention's dose phrases, from its own description or sentences that name it."""
    other_texts = [arm.description for arm in trial.arms]
    other_texts += [trial.brief_summary, trial.detailed_description]
    names = [item.name for item in trial.interventions]
    interventions = [
        item.model_copy(update={"dose_text": dose_text(item.name, item.description, other_texts, names)})
        for item in trial.interventions
    ]
    return trial.model_copy(update={"interventions": interventions})


def finish_structured(trial: Trial) -> Trial:
    """Links, doses and the rendered record text, for records read from structured data."""
    arms, interventions = link_arms(trial.arms, trial.interventions)
    linked = with_doses(trial.model_copy(update={"arms": arms, "interventions": interventions}))
    return linked.model_copy(update={"text": render_trial_text(linked)})


def unique_contacts(contacts: list[Contact]) -> list[Contact]:
    """Contacts in order without exact repeats or empty entries (sites often repeat one person)."""
    seen: set[tuple[str | None, ...]] = set()
    unique: list[Contact] = []
    for contact in contacts:
        key = (contact.name, contact.role, contact.phone, contact.email, contact.affiliation)
        if key not in seen and any(key):
            seen.add(key)
            unique.append(contact)
    return unique
