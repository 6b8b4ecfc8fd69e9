"""What members do with their posts: share an experience, edit or delete their
own, and report someone else's.

The rules on a post's text (`BODY_MIN`, `BODY_MAX`) and the limits on how
often a person may post, edit and report live here. Enough reports hide a
post until a moderator decides (`HIDE_AFTER_REPORTS`), recorded like any
moderation (`moderation._record`).
"""

import uuid
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from answers.models import Condition, Question
from answers.publication import community_content_changed, member_text_erased
from community import notifications
from community.exceptions import (
    CommunityError,
    InvalidTransition,
    NotAllowed,
    RateLimited,
)
from community.models import Experience, Member, ModerationEvent, Report
from community.models import ExperienceStatus as Status
from community.services.members import (
    _require_consent,
    is_trusted,
    member_for,
    set_relation,
)
from community.services.moderation import _record
from diseasemaps.lib import ratelimit
from diseasemaps.lib.markdown import render_member

Action = ModerationEvent.Action

# Three different people reporting a post hide it until a moderator decides.
HIDE_AFTER_REPORTS = 3
POST_LIMIT = (5, 3600)  # posts and edits per member per hour
REPORT_LIMIT = (10, 3600)  # reports per user per hour

BODY_MIN, BODY_MAX = 30, 5000


# --- Posting ------------------------------------------------------------------


def _check_body(body: str) -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if not BODY_MIN <= len(body) <= BODY_MAX:
        raise CommunityError(
            f"A post needs between {BODY_MIN} and {BODY_MAX} characters; this one "
            f"has {len(body)}."
        )
    return body


def _limit(scope: str, key: object, limits: tuple[int, int], doing: str) -> None:
    limit, window = limits
    wait = ratelimit.hit(scope, str(key), limit=limit, window=window)
    if wait is not None:
        minutes = max(1, round(wait / 60))
        raise RateLimited(
            f"You have {doing} {limit} times in the last hour. Please wait about "
            f"{minutes} minute{'s' if minutes != 1 else ''} and try again.",
            retry_after=wait,
        )


@sensitive_variables()
def post_experience(
    *,
    user: AbstractBaseUser,
    condition: Condition,
    question: Question | None,
    relation: str,
    body: str,
    submission_key: uuid.UUID,
    at: datetime | None = None,
) -> Experience:
    """Create a post, once per submitted form, pending unless the member is trusted."""
    member = member_for(user)
    _require_consent(member)
    if question is not None and (
        question.condition_id != condition.pk or question.live_revision_id is None
    ):
        raise CommunityError("That question is not published for this condition.")
    body = _check_body(body)
    existing = Experience.objects.filter(
        author=member, submission_key=submission_key
    ).first()
    if existing is not None:
        return existing  # the same form, sent twice
    at = at or timezone.now()
    with transaction.atomic():
        set_relation(member=member, condition=condition, relation=relation)
        trusted = is_trusted(member)
        experience = Experience(
            author=member,
            condition=condition,
            question=question,
            relation=relation,
            body=body,
            body_html=render_member(body),
            submission_key=submission_key,
            status=Status.PUBLISHED if trusted else Status.PENDING,
            needs_review=trusted,
            published_at=at if trusted else None,
            created_at=at,
        )
        try:
            with transaction.atomic():
                experience.save()
        except IntegrityError:
            # A second copy of the form won the race; give back its post.
            return Experience.objects.get(author=member, submission_key=submission_key)
        # Counted only once this form has made its post: copies of the same
        # form sent at once (which all pass the check above) are answered with
        # that post instead of being refused and using up the member's limit.
        # Over the limit, the post is rolled back.
        _limit("post", member.pk, POST_LIMIT, "posted")
        if trusted:
            community_content_changed(conditions=[condition.pk])
        else:
            notifications.received(experience)
    return experience


def _own(user: AbstractBaseUser, experience: Experience) -> Member:
    member = member_for(user)
    if experience.author_id != member.pk:
        raise NotAllowed("You can only change your own posts.")
    return member


@sensitive_variables()
def edit_experience(
    *, user: AbstractBaseUser, experience: Experience, body: str
) -> Experience:
    """Pending posts change at once; a published post keeps its text until a
    moderator approves the edit."""
    member = _own(user, experience)
    body = _check_body(body)
    _limit("post", member.pk, POST_LIMIT, "posted or edited")
    with transaction.atomic():
        locked = Experience.objects.select_for_update().get(pk=experience.pk)
        if locked.status == Status.PENDING:
            locked.body = body
            locked.body_html = render_member(body)
        elif locked.status == Status.PUBLISHED:
            locked.pending_body = "" if body == locked.body else body
        else:
            raise InvalidTransition(
                "A moderator has hidden or removed this post, so it cannot be "
                "edited. You can delete it."
            )
        locked.save(update_fields=["body", "body_html", "pending_body", "updated_at"])
    return locked


def delete_experience(*, user: AbstractBaseUser, experience: Experience) -> None:
    """Gone at once, with its reports; moderation records keep only its number."""
    _own(user, experience)
    with transaction.atomic():
        was_public = experience.status == Status.PUBLISHED
        experience.delete()
        if was_public:
            community_content_changed(conditions=[experience.condition_id])
            # Not even an unreachable copy of a page with it may stay.
            member_text_erased()


# --- Reports ------------------------------------------------------------------


@sensitive_variables()
def report_experience(
    *, user: AbstractBaseUser, experience: Experience, reason: str
) -> Report:
    if not getattr(user, "is_authenticated", False):
        raise NotAllowed("Log in to report a post.")
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise CommunityError("Tell the moderators briefly what is wrong.")
    if experience.author.user_id == user.pk:
        raise NotAllowed("You cannot report your own post; edit or delete it.")
    _limit("report", user.pk, REPORT_LIMIT, "reported posts")
    with transaction.atomic():
        locked = Experience.objects.select_for_update().get(pk=experience.pk)
        if locked.status != Status.PUBLISHED:
            raise CommunityError("This post is not published any more.")
        if Report.objects.filter(experience=locked, reporter=user).exists():
            raise CommunityError("You have already reported this post. Thank you.")
        report = Report.objects.create(experience=locked, reporter=user, reason=reason)
        open_reports = (
            Report.objects.filter(experience=locked, resolved_at__isnull=True)
            .values("reporter_id")
            .distinct()
            .count()
        )
        if open_reports >= HIDE_AFTER_REPORTS:
            locked.transition_to(Status.HIDDEN)
            locked.save(update_fields=["status", "updated_at"])
            _record(
                locked,
                Action.AUTO_HIDDEN,
                None,
                f"Hidden automatically after {open_reports} reports.",
            )
            community_content_changed(conditions=[locked.condition_id])
    return report
