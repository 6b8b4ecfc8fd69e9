"""Moderators' decisions on members' posts: approve, hide or remove a post,
mark a trusted member's live post as read, publish or reject an edit, dismiss
reports. Hiding or removing a reported post upholds its reports; approving it
or dismissing them dismisses them (upheld reports give a reporter a record).

Each checks that the user moderates and is not the post's author
(`_moderator`), locks the post, and records the step as a `ModerationEvent`
(`_record`, which `posts` also uses when reports hide a post on their own).
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from answers.publication import community_content_changed
from community import notifications
from community.exceptions import CommunityError, InvalidTransition, NotAllowed
from community.models import (
    Experience,
    MedicalReview,
    Member,
    ModerationEvent,
    Report,
    RiskLevel,
)
from community.models import ExperienceStatus as Status
from diseasemaps.lib.markdown import render_member

Action = ModerationEvent.Action


def _moderator(user: AbstractBaseUser, experience: Experience) -> None:
    """A moderator, deciding on someone else's post. Superusers have every
    permission, but not this exception: nobody moderates their own post."""
    if not user.has_perm("community.moderate_experience"):
        raise NotAllowed("Only moderators can do this.")
    if Member.objects.filter(pk=experience.author_id, user_id=user.pk).exists():
        raise NotAllowed("This is your own post: another moderator must decide on it.")


def _record(
    experience: Experience,
    action: str,
    user: AbstractBaseUser | None,
    reason: str = "",
) -> ModerationEvent:
    name = (user.get_full_name() or user.get_username()) if user else "Automatic"
    moderator_acts = user is not None and action != Action.REVIEW_REQUESTED
    flagged = experience.risk != RiskLevel.LOW
    if moderator_acts and flagged and experience.risk_handled_at is None:
        # A moderator has acted on the post: whatever the screening found is
        # being dealt with, and the response clock stops.
        experience.risk_handled_at = timezone.now()
        Experience.objects.filter(pk=experience.pk).update(
            risk_handled_at=experience.risk_handled_at
        )
    return ModerationEvent.objects.create(
        experience=experience,
        experience_ref=experience.pk,
        action=action,
        actor=user,
        actor_name=name,
        reason=reason,
    )


def _resolve_reports(
    experience: Experience, user: AbstractBaseUser, outcome: str
) -> int:
    """Close the open reports. Upheld reports build their reporters' record
    (community.services.posts.reporter_record); dismissed ones do not."""
    return Report.objects.filter(
        experience=experience, resolved_at__isnull=True
    ).update(resolved_at=timezone.now(), resolved_by=user, outcome=outcome)


def _hidden_by_reports(experience: Experience) -> bool:
    """Is the post hidden because of reports, not by a moderator? (The latest
    hiding decides: a post a moderator once hid, approved again and that
    reports hid later is hidden by reports.)"""
    if experience.status != Status.HIDDEN:
        return False
    last_hiding = (
        experience.moderation_events.filter(
            action__in=[Action.AUTO_HIDDEN, Action.HIDDEN]
        )
        .order_by("-pk")
        .values_list("action", flat=True)
        .first()
    )
    return last_hiding == Action.AUTO_HIDDEN


def _decide(
    *,
    user: AbstractBaseUser,
    experience: Experience,
    to: str,
    action: str,
    reason: str,
    reason_required: bool,
) -> Experience:
    _moderator(user, experience)
    reason = (reason or "").strip()
    if reason_required and not reason:
        raise CommunityError("Give a reason: the member is told it.")
    with transaction.atomic():
        locked = Experience.objects.select_for_update().get(pk=experience.pk)
        if to == Status.PUBLISHED and locked.medical_review:
            # Harmful advice a moderator sent on goes live only with a
            # medical reviewer's decision (community.services.medical_review).
            # The post's state, not who asks: the page answers 200 with it.
            raise InvalidTransition(
                "This post is with a medical reviewer: only they can publish it."
            )
        if locked.status == Status.REDACTED:
            if to == Status.PUBLISHED:
                # Only the author publishes a redacted text
                # (community.services.redaction.accept_redaction).
                raise InvalidTransition(
                    "This post waits for its author to accept the redaction; "
                    "only they can publish it. You can still remove it."
                )
            # Removed: the redaction is over, and so is the need for the
            # author's original wording.
            locked.redaction_original = ""
            locked.redacted_at = None
        locked.transition_to(to)
        locked.needs_review = False
        # Hidden or removed: it leaves the medical reviewers' queue too.
        locked.medical_review = MedicalReview.NONE
        locked.moderation_reason = reason
        # A review the author asked for is answered by this decision.
        locked.review_requested_at = None
        if to == Status.PUBLISHED and locked.published_at is None:
            locked.published_at = timezone.now()
        locked.save()
        _resolve_reports(
            locked,
            user,
            Report.Outcome.DISMISSED
            if to == Status.PUBLISHED
            else Report.Outcome.UPHELD,
        )
        event = _record(locked, action, user, reason)
        community_content_changed(conditions=[locked.condition_id])
        notifications.decided(locked, event)
    return locked


def approve_experience(
    *, user: AbstractBaseUser, experience: Experience, reason: str = ""
) -> Experience:
    return _decide(
        user=user,
        experience=experience,
        to=Status.PUBLISHED,
        action=Action.APPROVED,
        reason=reason,
        reason_required=False,
    )


def hide_experience(
    *, user: AbstractBaseUser, experience: Experience, reason: str
) -> Experience:
    return _decide(
        user=user,
        experience=experience,
        to=Status.HIDDEN,
        action=Action.HIDDEN,
        reason=reason,
        reason_required=True,
    )


def remove_experience(
    *, user: AbstractBaseUser, experience: Experience, reason: str
) -> Experience:
    return _decide(
        user=user,
        experience=experience,
        to=Status.REMOVED,
        action=Action.REMOVED,
        reason=reason,
        reason_required=True,
    )


def mark_reviewed(*, user: AbstractBaseUser, experience: Experience) -> Experience:
    """A trusted member's live post was read and may stay."""
    _moderator(user, experience)
    with transaction.atomic():
        locked = Experience.objects.select_for_update().get(pk=experience.pk)
        if not locked.needs_review:
            raise InvalidTransition("This post does not wait for a check.")
        locked.needs_review = False
        locked.save(update_fields=["needs_review", "updated_at"])
        _record(locked, Action.REVIEWED, user)
    return locked


def decide_edit(
    *, user: AbstractBaseUser, experience: Experience, approve: bool, reason: str = ""
) -> Experience:
    _moderator(user, experience)
    reason = (reason or "").strip()
    if not approve and not reason:
        raise CommunityError("Give a reason: the member is told it.")
    with transaction.atomic():
        locked = Experience.objects.select_for_update().get(pk=experience.pk)
        if not locked.has_pending_edit:
            raise InvalidTransition("This post has no edit waiting.")
        if approve and locked.pending_body and locked.reviewer_note:
            # The note stands in a reviewer's name above the text they read.
            raise InvalidTransition(
                "A medical reviewer's note stands above this post, about its "
                "current text: send the post to a medical reviewer for the edit."
            )
        if approve and locked.pending_body:
            locked.body = locked.pending_body
            locked.body_html = render_member(locked.body)
        if approve and locked.pending_audience:
            # The author asked to show it to everyone (posts.edit_experience).
            locked.audience = locked.pending_audience
        locked.pending_body = ""
        locked.pending_audience = ""
        locked.save()
        if approve:
            community_content_changed(conditions=[locked.condition_id])
        event = _record(
            locked,
            Action.EDIT_APPROVED if approve else Action.EDIT_REJECTED,
            user,
            reason,
        )
        notifications.decided(locked, event)
    return locked


def dismiss_reports(
    *, user: AbstractBaseUser, experience: Experience, reason: str = ""
) -> int:
    """The reports were unfounded: a post hidden by reports comes back, and
    its author is told."""
    _moderator(user, experience)
    with transaction.atomic():
        locked = Experience.objects.select_for_update().get(pk=experience.pk)
        count = _resolve_reports(locked, user, Report.Outcome.DISMISSED)
        restored = _hidden_by_reports(locked)
        if restored:
            locked.transition_to(Status.PUBLISHED)
            locked.review_requested_at = None
            locked.save(update_fields=["status", "review_requested_at", "updated_at"])
            community_content_changed(conditions=[locked.condition_id])
        event = _record(locked, Action.REPORTS_DISMISSED, user, reason)
        if restored:
            notifications.decided(locked, event)
    return count
