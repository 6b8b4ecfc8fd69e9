"""Every step of a crisis contact's review, one function each (issue 18).

A crisis contact is what a frightened member is shown when what they wrote
sounds like a crisis (community/views.py, the support page), so it is
reviewed like an answer: writers and reviewers save drafts; an active
medical reviewer who did not write or edit this version approves it, which
snapshots it into an immutable `CrisisContactRevision` with the reviewer's
credentials and makes it live; a reviewer can withdraw a live contact. Each
step checks the role here (not only in the admin), locks the contact's row,
refuses a version the user did not see (`services.check_version`) and writes
a `CrisisContactEvent`.

No publication hook: the support page is shown only to the member who was
sent there, is never cached or stored, and reads the live revisions on every
request, so an approval or a withdrawal shows on the next one.
"""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from answers.exceptions import (
    ChecksFailed,
    FourEyesViolation,
    InvalidTransition,
    NotAllowed,
)
from answers.models import CrisisContact, CrisisContactEvent, CrisisContactRevision
from answers.services import active_reviewer, actor_name, check_version, lock

Action = CrisisContactEvent.Action


def _record(
    contact: CrisisContact,
    *,
    action: str,
    user: AbstractBaseUser,
    at: datetime,
    comment: str = "",
    revision: CrisisContactRevision | None = None,
) -> CrisisContactEvent:
    return CrisisContactEvent.objects.create(
        contact=contact,
        action=action,
        actor=user,
        actor_name=actor_name(user),
        draft_version=contact.draft_version,
        revision=revision,
        comment=comment,
        created_at=at,
    )


def contributor_ids(contact: CrisisContact) -> set[int]:
    """Who created or edited the version now in the draft: everyone since the
    last approval (the four-eyes rule, as for answers)."""
    events = contact.events.all()
    last_approval = (
        events.filter(action=Action.APPROVED).values_list("pk", flat=True).first()
    )
    if last_approval:
        events = events.filter(pk__gt=last_approval)
    return set(
        events.filter(action__in=CrisisContactEvent.CONTRIBUTING_ACTIONS)
        .exclude(actor=None)
        .values_list("actor_id", flat=True)
    )


def problems_of(contact: CrisisContact) -> list[str]:
    """What stops a draft from being approved, in words for the reviewer."""
    problems = []
    if not (contact.phone or contact.text_number or contact.other_contact):
        problems.append("there is no number to call or text and no other contact")
    if not contact.source_url:
        problems.append("there is no source to check the details against")
    for label, url in (
        ("source", contact.source_url),
        ("other contact", contact.other_contact),
    ):
        # The admin form takes only web addresses; a row written any other
        # way must not put a javascript: link in front of a member in crisis.
        if url and not url.lower().startswith(("https://", "http://")):
            problems.append(f"the {label} is not a web address (https://…)")
    if not contact.hours.strip():
        problems.append("the hours are missing")
    if contact.last_checked is None:
        problems.append("the date the details were last checked is missing")
    elif contact.last_checked > timezone.localdate():
        problems.append("the date last checked is in the future")
    return problems


def save_contact(
    *,
    user: AbstractBaseUser,
    contact: CrisisContact,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> CrisisContact:
    """Save a new contact, or an edit of one, as a draft: readers keep seeing
    the approved version until a reviewer approves this one. An edit is
    refused when someone saved a newer version since `expected_version`."""
    at = at or timezone.now()
    adding = contact.pk is None
    if not user.has_perm(
        "answers.add_crisiscontact" if adding else "answers.change_crisiscontact"
    ):
        raise NotAllowed("Only writers and medical reviewers can edit crisis contacts.")
    with transaction.atomic():
        if adding:
            contact.draft_version = 1
            contact.created_at = at
            contact.save()
            _record(contact, action=Action.CREATED, user=user, at=at)
            return contact
        current = lock(contact)
        check_version(
            current,
            contact.draft_version if expected_version is None else expected_version,
            "Nothing was saved. Copy your changes, reload the page and apply "
            "them to the new version.",
        )
        contact.draft_version = current.draft_version + 1
        contact.live_revision_id = current.live_revision_id
        contact.save()
        _record(contact, action=Action.EDITED, user=user, at=at)
    return contact


def approve_contact(
    *,
    user: AbstractBaseUser,
    contact: CrisisContact,
    expected_version: int,
    at: datetime | None = None,
) -> CrisisContactRevision:
    """Make the version the reviewer saw live: an active medical reviewer who
    did not create or edit it, and only that version (a stale screen is
    refused)."""
    reviewer = active_reviewer(user, CrisisContact)
    at = at or timezone.now()
    with transaction.atomic():
        current = lock(contact)
        check_version(
            current,
            expected_version,
            "Nothing was approved: look at the new version and approve that.",
        )
        if user.pk in contributor_ids(current):
            raise FourEyesViolation(
                "You created or edited this version of the contact, so another "
                "medical reviewer has to approve it."
            )
        live = current.live_revision
        if live is not None and live.draft_version == current.draft_version:
            raise InvalidTransition("This version is already the one members see.")
        problems = problems_of(current)
        if problems:
            raise ChecksFailed(problems)
        revision = CrisisContactRevision.objects.create(
            contact=current,
            draft_version=current.draft_version,
            **current.draft_content(),
            reviewer=reviewer,
            reviewer_name=reviewer.display_name,
            reviewer_credentials=reviewer.credentials,
            approved_at=at,
        )
        current.live_revision = revision
        current.save(update_fields=["live_revision", "updated_at"])
        _record(current, action=Action.APPROVED, user=user, at=at, revision=revision)
    contact.refresh_from_db()
    return revision


def withdraw_contact(
    *,
    user: AbstractBaseUser,
    contact: CrisisContact,
    reason: str,
    at: datetime | None = None,
) -> CrisisContact:
    """Stop showing a contact at once (a number that changed, a service that
    closed). Its approved revisions and history stay; the draft stays too,
    for a reviewer to approve again once it is right."""
    active_reviewer(user, CrisisContact)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidTransition("Say why the contact is withdrawn; it is kept.")
    at = at or timezone.now()
    with transaction.atomic():
        current = lock(contact)
        if current.live_revision_id is None:
            raise InvalidTransition("This contact is not shown to anyone.")
        current.live_revision = None
        current.save(update_fields=["live_revision", "updated_at"])
        _record(current, action=Action.WITHDRAWN, user=user, at=at, comment=reason)
    contact.refresh_from_db()
    return contact
