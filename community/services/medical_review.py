"""Harmful advice goes to a medical reviewer (issue 18).

A post that advises stopping, starting or changing a treatment, or promotes
an unproven cure, is flagged by the screening (`safety`) and held for a
moderator. After that first look a moderator may send it, with a question,
to a medical reviewer (`send_to_medical_reviewer`): any post a moderator
worries about, held, published or hidden. While it is with the reviewer the
post is not public: a published post is taken down (a reader must not act
on advice a clinician is still checking), and an edit waiting on it becomes
its text, so the reviewer reads what the author wants to say now.

The reviewer then decides, in the admin (ExperienceAdmin's medical review
page), one function each:

- `publish_with_note`: the post goes live with a short plain-text note
  shown above it in the reviewer's name (`Experience.reviewer_note`).
- `ask_author_for_edit`: the author is mailed the reason and sees it on
  their page; their edit (posts.edit_experience calls `edit_came_back`)
  puts the post back in the reviewers' queue.
- `hide_for_author`: hidden, with a reason the author sees and is mailed.

Only an active medical reviewer decides (`_medical_reviewer`), never on
their own post; a decision on a post that changed since the reviewer
opened it is refused (`review_token`). Every step is a `ModerationEvent`.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from answers.models import Reviewer
from answers.publication import community_content_changed
from community import notifications
from community.exceptions import CommunityError, InvalidTransition, NotAllowed
from community.models import (
    REVIEWER_NOTE_MAX,
    Experience,
    MedicalReview,
    Member,
    ModerationEvent,
)
from community.models import ExperienceStatus as Status
from community.services.moderation import _moderator, _record
from diseasemaps.lib.markdown import render_member

Action = ModerationEvent.Action

QUESTION_MAX = 1000


class StaleDecision(CommunityError):
    """The post changed after the reviewer opened it."""


STALE = (
    "This post changed after you opened it (the author edited it, or someone "
    "else decided on it). Nothing was saved: read it again and decide."
)


def review_token(experience: Experience) -> str:
    """What the reviewer saw: the text and where the post stood. Sent back
    with the decision, which is refused if it no longer matches."""
    return experience.review_token


def _medical_reviewer(user: AbstractBaseUser, experience: Experience) -> Reviewer:
    """An active medical reviewer, deciding on someone else's post. The
    reviewers' group permission and an active profile, as for answers:
    moderators, writers, members and superusers without a profile may not."""
    if not user.has_perm("answers.review_question"):
        raise NotAllowed("Only medical reviewers can decide on this.")
    reviewer = Reviewer.objects.filter(user_id=user.pk, active=True).first()
    if reviewer is None:
        raise NotAllowed(
            "Only an active medical reviewer can decide on this, and your reviewer "
            "profile is missing or inactive."
        )
    if Member.objects.filter(pk=experience.author_id, user_id=user.pk).exists():
        raise NotAllowed("This is your own post: another reviewer must decide on it.")
    return reviewer


def _text(value: str, *, what: str, limit: int) -> str:
    value = (value or "").replace("\r\n", "\n").strip()
    if not value:
        raise CommunityError(f"Write {what}.")
    if len(value) > limit:
        raise CommunityError(
            f"Keep {what} to {limit} characters; this one has {len(value)}."
        )
    return value


def send_to_medical_reviewer(
    *, user: AbstractBaseUser, experience: Experience, question: str
) -> Experience:
    """A moderator asks a medical reviewer to look at a post. It leaves the
    public pages until the reviewer decides."""
    _moderator(user, experience)
    question = _text(
        question, what="your question for the medical reviewer", limit=QUESTION_MAX
    )
    with transaction.atomic():
        locked = Experience.objects.select_for_update().get(pk=experience.pk)
        if locked.medical_review == MedicalReview.ASKED:
            raise InvalidTransition("This post is already with a medical reviewer.")
        if locked.status == Status.REMOVED:
            raise InvalidTransition("This post is removed.")
        if locked.status == Status.REDACTED:
            # The author answers the redaction first (accept, edit, delete);
            # sending it on would take that from them and keep their original.
            raise InvalidTransition(
                "This post waits for its author to answer a redaction; send it "
                "to a medical reviewer once they have."
            )
        was_public = locked.status == Status.PUBLISHED
        if locked.status != Status.PENDING:
            locked.transition_to(Status.PENDING)
        if locked.pending_body:
            # Not public any more: the edit becomes the text under review.
            locked.body = locked.pending_body
            locked.body_html = render_member(locked.body)
            locked.pending_body = ""
        locked.medical_review = MedicalReview.ASKED
        locked.medical_question = question
        locked.medical_asked_at = timezone.now()
        locked.needs_review = False
        locked.review_requested_at = None
        locked.moderation_reason = ""
        # A note was about the text as it was; a new review writes its own.
        locked.reviewer_note = ""
        locked.reviewer_note_by = None
        locked.reviewer_note_at = None
        locked.save()
        event = _record(locked, Action.SENT_TO_REVIEWER, user, question)
        if was_public:
            community_content_changed(conditions=[locked.condition_id])
        # The author is told where their post is, not the staff's question.
        notifications.decided(locked, event)
    return locked


def _deciding(
    user: AbstractBaseUser, experience: Experience, seen: str
) -> tuple[Reviewer, Experience]:
    """Check who decides, lock the post and check it is as the reviewer saw
    it; the caller holds the transaction."""
    reviewer = _medical_reviewer(user, experience)
    # No select_related: PostgreSQL cannot lock the nullable side of an outer
    # join (the author's account), and the mail reads it once anyway.
    locked = Experience.objects.select_for_update().get(pk=experience.pk)
    if locked.medical_review != MedicalReview.ASKED:
        if seen and seen != review_token(locked):
            raise StaleDecision(STALE)
        raise InvalidTransition("This post is not waiting for a medical reviewer.")
    if seen != review_token(locked):
        raise StaleDecision(STALE)
    return reviewer, locked


def publish_with_note(
    *, user: AbstractBaseUser, experience: Experience, note: str, seen: str
) -> Experience:
    """Publish the post with the reviewer's note above it, in their name."""
    note = _text(note, what="a note for readers", limit=REVIEWER_NOTE_MAX)
    with transaction.atomic():
        reviewer, locked = _deciding(user, experience, seen)
        now = timezone.now()
        locked.transition_to(Status.PUBLISHED)
        if locked.published_at is None:
            locked.published_at = now
        locked.medical_review = MedicalReview.NONE
        locked.reviewer_note = note
        locked.reviewer_note_by = reviewer
        locked.reviewer_note_at = now
        locked.moderation_reason = ""
        locked.save()
        event = _record(locked, Action.REVIEWER_PUBLISHED, user, note)
        community_content_changed(conditions=[locked.condition_id])
        notifications.decided(locked, event)
    return locked


def ask_author_for_edit(
    *, user: AbstractBaseUser, experience: Experience, reason: str, seen: str
) -> Experience:
    """The post stays unpublished; the author is told what to change."""
    reason = _text(reason, what="what the author should change", limit=QUESTION_MAX)
    with transaction.atomic():
        _, locked = _deciding(user, experience, seen)
        locked.medical_review = MedicalReview.EDIT
        locked.moderation_reason = reason
        locked.save()
        event = _record(locked, Action.REVIEWER_ASKED_EDIT, user, reason)
        notifications.decided(locked, event)
    return locked


def hide_for_author(
    *, user: AbstractBaseUser, experience: Experience, reason: str, seen: str
) -> Experience:
    """Hidden, with a reason the author reads on their page and in a mail."""
    reason = _text(reason, what="the reason the author will read", limit=QUESTION_MAX)
    with transaction.atomic():
        _, locked = _deciding(user, experience, seen)
        locked.transition_to(Status.HIDDEN)
        locked.medical_review = MedicalReview.NONE
        locked.moderation_reason = reason
        locked.save()
        event = _record(locked, Action.REVIEWER_HID, user, reason)
        notifications.decided(locked, event)
    return locked


def edit_came_back(locked: Experience, user: AbstractBaseUser) -> None:
    """The author edited a post a reviewer asked them to change: it goes
    back to the reviewers' queue. Called by posts.edit_experience on the
    post it locked and saved, after its checks."""
    if locked.medical_review != MedicalReview.EDIT:
        return
    locked.medical_review = MedicalReview.ASKED
    locked.medical_asked_at = timezone.now()
    locked.save(update_fields=["medical_review", "medical_asked_at", "updated_at"])
    # The author's pseudonym is not copied into the audit trail.
    ModerationEvent.objects.create(
        experience=locked,
        experience_ref=locked.pk,
        action=Action.EDITED_FOR_REVIEWER,
        actor=user,
        actor_name="The post's author",
    )
