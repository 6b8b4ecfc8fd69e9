"""What members do with their posts: share an experience, edit or delete their
own, report someone else's, and ask for a review of a post that reports hid.

The rules on a post's text (`BODY_MIN`, `BODY_MAX`) and the limits on how
often a person may post, edit and report live here. Reports are weighted: only
reporters with a record (`reporter_record`, "Who counts" below) hide a post
on their own (`HIDE_AFTER_REPORTS`), recorded like any moderation
(`moderation._record`) and told to the author, who may ask for a review
(`ask_for_review`). Floods of reports are limited per reporter, per post and
per author.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from answers.models import Condition, Question
from answers.publication import community_content_changed, member_text_erased
from community import notifications
from community.exceptions import (
    AlreadyQueued,
    CommunityError,
    InvalidTransition,
    NotAllowed,
    RateLimited,
)
from community.models import (
    Audience,
    Experience,
    Member,
    ModerationEvent,
    Report,
    sees_members_only,
)
from community.models import ExperienceStatus as Status
from community.services.medical_review import edit_came_back
from community.services.members import (
    _require_consent,
    _require_posting_allowed,
    is_trusted,
    member_for,
    set_relation,
)
from community.services.moderation import _hidden_by_reports, _record
from community.services.safety import record_flag, screen_into
from diseasemaps.lib import ratelimit
from diseasemaps.lib.markdown import render_member

Action = ModerationEvent.Action

POST_LIMIT = (5, 3600)  # posts and edits per member per hour

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


def _check_audience(audience: str) -> str:
    if audience not in Audience.values:
        raise CommunityError("Choose who can read your post.")
    return Audience(audience)


def _limit(
    scope: str,
    key: object,
    limits: tuple[int, int],
    doing: str,
    period: str = "in the last hour",
) -> None:
    limit, window = limits
    wait = ratelimit.hit(scope, str(key), limit=limit, window=window)
    if wait is not None:
        minutes = max(1, round(wait / 60))
        if minutes <= 90:
            later = f"about {minutes} minute{'s' if minutes != 1 else ''}"
        else:
            later = f"about {round(minutes / 60)} hours"
        raise RateLimited(
            f"You have {doing} {limit} times {period}. Please wait {later} and "
            "try again.",
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
    audience: str = Audience.PUBLIC,
    member: Member | None = None,
) -> Experience:
    """Create a post, once per submitted form, pending unless the member is
    trusted, for everyone or for members only (`audience`).

    `member`: the user's member profile, when the caller has just read it
    (the share view does), to save reading it again; it must be this user's.
    """
    if member is None or not getattr(user, "is_authenticated", False):
        member = member_for(user)
    elif member.user_id != user.pk:
        raise NotAllowed("You can only post as yourself.")
    else:
        # The user we have: mail to the member (a post received) needs no query.
        member.user = user
    _require_consent(member)
    audience = _check_audience(audience)
    _require_posting_allowed(member)
    if question is not None and (
        question.condition_id != condition.pk or question.live_revision_id is None
    ):
        raise CommunityError("That question is not published for this condition.")
    body = _check_body(body)
    at = at or timezone.now()
    try:
        with transaction.atomic():
            return _post(
                member,
                condition,
                question,
                relation,
                body,
                submission_key,
                at,
                audience,
            )
    except IntegrityError:
        # The same form sent twice (one post per submission key, a unique
        # constraint: no query to look first), or a second copy of it won the
        # race: give back its post. The whole transaction is rolled back, so
        # the insert needs no savepoint of its own (two statements fewer for
        # every post). Any other integrity error is raised as it was.
        existing = Experience.objects.filter(
            author=member, submission_key=submission_key
        ).first()
        if existing is None:
            raise
        return existing


def _post(
    member: Member,
    condition: Condition,
    question: Question | None,
    relation: str,
    body: str,
    submission_key: uuid.UUID,
    at: datetime,
    audience: str,
) -> Experience:
    """post_experience's writes, in its transaction."""
    set_relation(member=member, condition=condition, relation=relation)
    experience = Experience(
        author=member,
        condition=condition,
        question=question,
        relation=relation,
        body=body,
        body_html=render_member(body),
        submission_key=submission_key,
        created_at=at,
        audience=audience,
    )
    # A match (crisis, harmful advice) holds the post for a moderator, even
    # from a trusted member; it never stops the member posting.
    found = screen_into(experience, body, source="post", at=at)
    trusted = not found.matches and is_trusted(member)
    experience.status = Status.PUBLISHED if trusted else Status.PENDING
    experience.needs_review = trusted
    experience.published_at = at if trusted else None
    experience.save()
    if found.matches:
        record_flag(experience, found, source="post")
    experience.found = found
    # Counted only once this form has made its post: copies of the same form
    # sent at once (which all pass the checks before) are answered with that
    # post instead of being refused and using up the member's limit. Over the
    # limit, the post is rolled back.
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
    *,
    user: AbstractBaseUser,
    experience: Experience,
    body: str,
    audience: str | None = None,
) -> Experience:
    """Pending posts change at once; a published post keeps its text until a
    moderator approves the edit; a post a moderator redacted goes back to the
    queue with the author's new text.

    Who may read it (`audience`, unchanged when None): a post not yet
    published changes at once (the moderator who approves it sees the
    audience). A published post shown to fewer people (members only) changes
    at once: it is the author taking words back from the web, and nothing a
    moderator would want to stop; every stored or cached page that showed it
    goes. Shown to more people (everyone), it waits for a moderator like an
    edit of its text: it was approved for members, and on the web anyone, and
    search engines, read it under the author's pseudonym."""
    member = _own(user, experience)
    _require_posting_allowed(member)
    body = _check_body(body)
    if audience is not None:
        audience = _check_audience(audience)
    _limit("post", member.pk, POST_LIMIT, "posted or edited")
    narrowed = False
    with transaction.atomic():
        locked = Experience.objects.select_for_update().get(pk=experience.pk)
        if locked.status == Status.PENDING:
            locked.body = body
            locked.body_html = render_member(body)
            if audience is not None:
                locked.audience = audience
        elif locked.status == Status.PUBLISHED:
            locked.pending_body = "" if body == locked.body else body
            if audience == Audience.MEMBERS:
                narrowed = locked.audience == Audience.PUBLIC
                locked.audience = Audience.MEMBERS
                locked.pending_audience = ""
            elif audience == Audience.PUBLIC:
                locked.pending_audience = (
                    "" if locked.audience == Audience.PUBLIC else Audience.PUBLIC
                )
        elif locked.status == Status.REDACTED:
            # The author rewrites the moderator's version instead of
            # accepting it: back to the queue, and the original they
            # replaced is erased (community.services.redaction).
            locked.transition_to(Status.PENDING)
            locked.body = body
            locked.body_html = render_member(body)
            locked.redaction_original = ""
            locked.redacted_at = None
            if audience is not None:
                locked.audience = audience
            ModerationEvent.objects.create(
                experience=locked,
                experience_ref=locked.pk,
                action=Action.REDACTION_EDITED,
                actor=user,
                actor_name="The post's author",
            )
        else:
            raise InvalidTransition(
                "A moderator has hidden or removed this post, so it cannot be "
                "edited. You can delete it."
            )
        locked.save(
            update_fields=[
                "body",
                "body_html",
                "pending_body",
                "audience",
                "pending_audience",
                "status",
                "redaction_original",
                "redacted_at",
                "updated_at",
            ]
        )
        if narrowed:
            community_content_changed(conditions=[locked.condition_id])
            # Like a deletion: no copy of a page with it may stay for anyone.
            member_text_erased()
        # A published post's edit waits for a moderator anyway; screening
        # only decides how soon they look.
        locked.found = screen_into(locked, body, source="edit", at=timezone.now())
        # The edit a medical reviewer asked for goes back to them.
        edit_came_back(locked, user)
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
#
# Who counts. Signing up is cheap (ten accounts an hour from one address), so
# a report only hides a post on its own when its reporter has a record: what
# takes time, or a moderator's eye, to get. Every other report still puts the
# post in the moderators' queue. This is the one definition of a record.

# A confirmed address and an account two weeks old: accounts made for an
# attack must be made, confirmed and kept for two weeks first, and in that
# time moderators see their reports, which hide nothing.
RECORD_MIN_ACCOUNT_AGE = timedelta(days=14)
# And something a moderator has looked at: one post that a moderator approved
# (or checked after it went live), which a sockpuppet has to write well
# enough to pass a human...
RECORD_MIN_PUBLISHED_POSTS = 1
# ... or, for members who read but do not post, two earlier reports that
# moderators upheld (they hid or removed the post).
RECORD_MIN_UPHELD_REPORTS = 2
# ... and whose reports moderators have not mostly dismissed: more dismissed
# than upheld, beyond one honest mistake, and their reports queue but hide
# nothing (someone with one approved post cannot keep on hiding others').
RECORD_DISMISSED_GRACE = 1

# Three reports from reporters with a record hide a post until a moderator
# decides; the author is told and can ask for a review.
HIDE_AFTER_REPORTS = 3
# At most this many posts of one author are hidden automatically per day,
# so a group of accounts, even with a record, cannot bury one member; further
# reports still count and queue the posts for a moderator.
AUTO_HIDE_PER_AUTHOR = (3, timedelta(days=1))

REPORT_LIMIT = (10, 3600)  # reports per user per hour
REPORT_DAILY_LIMIT = (30, 86400)  # reports per user per day
# Reports from reporters without a record, per post and per author, per day:
# enough for moderators to see that something is wrong, too few to flood
# their queue. Reporters with a record are never held back by these, so a
# flood cannot stop a genuine reporter from being counted.
REPORTS_PER_POST_WITHOUT_RECORD = (5, 86400)
REPORTS_PER_AUTHOR_WITHOUT_RECORD = (15, 86400)


@dataclass(frozen=True)
class ReporterRecord:
    """What a reporter had done when they reported (stored on the report)."""

    verified: bool
    age_days: int
    posts: int
    upheld: int
    old_enough: bool
    dismissed: int = 0

    @property
    def counts(self) -> bool:
        """May this reporter's report count towards hiding a post?"""
        return (
            self.verified
            and self.old_enough
            and (
                self.posts >= RECORD_MIN_PUBLISHED_POSTS
                or self.upheld >= RECORD_MIN_UPHELD_REPORTS
            )
            and self.dismissed <= self.upheld + RECORD_DISMISSED_GRACE
        )


def reporter_record(
    user: AbstractBaseUser, at: datetime | None = None
) -> ReporterRecord:
    """The record of a reporter now (or at `at`): read-only."""
    at = at or timezone.now()
    age = at - user.date_joined
    member = Member.objects.filter(user_id=user.pk).first()
    posts = 0
    if member is not None:
        # Published and not waiting for a check: a moderator has read it
        # (approved it, or checked a trusted member's live post).
        posts = Experience.objects.filter(
            author=member, status=Status.PUBLISHED, needs_review=False
        ).count()
    outcomes = dict(
        Report.objects.filter(
            reporter_id=user.pk,
            outcome__in=[Report.Outcome.UPHELD, Report.Outcome.DISMISSED],
        )
        .values_list("outcome")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return ReporterRecord(
        verified=EmailAddress.objects.filter(user_id=user.pk, verified=True).exists(),
        age_days=max(0, age.days),
        posts=posts,
        upheld=outcomes.get(Report.Outcome.UPHELD, 0),
        dismissed=outcomes.get(Report.Outcome.DISMISSED, 0),
        old_enough=age >= RECORD_MIN_ACCOUNT_AGE,
    )


FLOODED = (
    "This post has already been reported several times and is waiting for a "
    "moderator, who will read those reports. Thank you for telling us; you do "
    "not need to do anything else."
)
AUTHOR_FLOODED = (
    "This member's posts have already been reported several times today and "
    "are waiting for a moderator, who will read those reports. Thank you for "
    "telling us; you do not need to do anything else."
)


def _limit_target(
    scope: str, key: object, limits: tuple[int, int], message: str
) -> None:
    limit, window = limits
    wait = ratelimit.hit(scope, str(key), limit=limit, window=window)
    if wait is not None:
        raise AlreadyQueued(message, retry_after=wait)


def _may_hide_automatically(author_id: int, at: datetime) -> bool:
    limit, window = AUTO_HIDE_PER_AUTHOR
    recent = ModerationEvent.objects.filter(
        experience__author_id=author_id,
        action=Action.AUTO_HIDDEN,
        created_at__gte=at - window,
    ).count()
    return recent < limit


@sensitive_variables()
def report_experience(
    *, user: AbstractBaseUser, experience: Experience, reason: str
) -> Report:
    """Report someone else's post. The report's weight is fixed now, from the
    reporter's record; enough weight hides the post until a moderator decides,
    and the author is told."""
    if not getattr(user, "is_authenticated", False):
        raise NotAllowed("Log in to report a post.")
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise CommunityError("Tell the moderators briefly what is wrong.")
    if experience.author.user_id == user.pk:
        raise NotAllowed("You cannot report your own post; edit or delete it.")
    if experience.members_only and not sees_members_only(user):
        raise NotAllowed("Only members can read, and report, this post.")
    _limit("report", user.pk, REPORT_LIMIT, "reported posts")
    _limit("report-day", user.pk, REPORT_DAILY_LIMIT, "reported posts", "today")
    at = timezone.now()
    record = reporter_record(user, at)
    with transaction.atomic():
        # The author first (as withdraw_consent locks them before their
        # posts): reports on one author's posts take turns, so two at once
        # cannot both pass the daily number of automatic hidings.
        Member.objects.select_for_update().filter(pk=experience.author_id).first()
        locked = Experience.objects.select_for_update().get(pk=experience.pk)
        if locked.status != Status.PUBLISHED:
            raise CommunityError("This post is not published any more.")
        if Report.objects.filter(experience=locked, reporter=user).exists():
            raise CommunityError("You have already reported this post. Thank you.")
        if not record.counts:
            # Counted only for reporters without a record, so that a flood
            # uses up no one else's reports.
            _limit_target(
                "report-post", locked.pk, REPORTS_PER_POST_WITHOUT_RECORD, FLOODED
            )
            _limit_target(
                "report-author",
                locked.author_id,
                REPORTS_PER_AUTHOR_WITHOUT_RECORD,
                AUTHOR_FLOODED,
            )
        report = Report.objects.create(
            experience=locked,
            reporter=user,
            reason=reason,
            weight=1 if record.counts else 0,
            reporter_verified=record.verified,
            reporter_age_days=record.age_days,
            reporter_posts=record.posts,
            reporter_upheld=record.upheld,
            reporter_dismissed=record.dismissed,
            created_at=at,
        )
        # A report may say the author is in danger, or come from someone who
        # is: the post heads the queue, and the reporter sees the support page.
        report.found = screen_into(locked, reason, source="report", at=at)
        weight = (
            Report.objects.filter(
                experience=locked, resolved_at__isnull=True
            ).aggregate(total=Sum("weight"))["total"]
            or 0
        )
        if weight >= HIDE_AFTER_REPORTS and _may_hide_automatically(
            locked.author_id, at
        ):
            locked.transition_to(Status.HIDDEN)
            locked.review_requested_at = None
            locked.save(update_fields=["status", "review_requested_at", "updated_at"])
            _record(
                locked,
                Action.AUTO_HIDDEN,
                None,
                f"Hidden automatically after {weight} reports from members "
                "with a record.",
            )
            community_content_changed(conditions=[locked.condition_id])
            notifications.hidden_by_reports(locked)
    return report


def can_ask_for_review(experience: Experience) -> bool:
    """Read-only: is this post hidden by reports, with no review asked for
    since it was hidden? (Whose post it is, `ask_for_review` checks.)"""
    if not _hidden_by_reports(experience):
        return False
    last_hiding = (
        experience.moderation_events.filter(action=Action.AUTO_HIDDEN)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return not experience.moderation_events.filter(
        action=Action.REVIEW_REQUESTED, pk__gt=last_hiding
    ).exists()


def ask_for_review(*, user: AbstractBaseUser, experience: Experience) -> Experience:
    """The author of a post that reports hid asks a moderator to look at it
    first. Once per hiding; recorded like every moderation step."""
    _own(user, experience)
    with transaction.atomic():
        locked = Experience.objects.select_for_update().get(pk=experience.pk)
        if not can_ask_for_review(locked):
            if locked.status == Status.HIDDEN and locked.review_requested_at:
                raise InvalidTransition(
                    "You have already asked for a review of this post. A "
                    "moderator will look at it soon; you will get an email."
                )
            raise InvalidTransition(
                "Only a post hidden after reports can be sent for a review, once. "
                "If a moderator hid it, their email says why."
            )
        locked.review_requested_at = timezone.now()
        locked.save(update_fields=["review_requested_at", "updated_at"])
        # The author's pseudonym is not copied into the audit trail.
        ModerationEvent.objects.create(
            experience=locked,
            experience_ref=locked.pk,
            action=Action.REVIEW_REQUESTED,
            actor=user,
            actor_name="The post's author",
        )
    return locked
