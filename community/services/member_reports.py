"""Reports about a member, not one post (issue 18), and what moderators do
with them.

A member report never sanctions anyone by itself, however many arrive: it
only reaches the moderators (the admin's member reports), who read it beside
the reported member's recent posts. So a group of accounts cannot use it
against the people it protects; a flood from accounts without a record is
also cut off per reported member (`REPORTS_PER_MEMBER_WITHOUT_RECORD`), and a
reporter's budget is the one they have for post reports (the same limits,
counted together). The reporter's record is fixed on the report, as on post
reports (`posts.reporter_record`), to order the list and inform the judgement.

The report's text is screened like a post report's: a report may come from
someone in crisis, who then sees the support page (the view asks
`safety.shows_support`), and a report that says so heads the moderators' list.

Moderators decide (each step one function, each a `MemberModerationEvent`):
dismiss the reports, hold every new post of the member for moderation (their
trusted status is revoked, `members.is_trusted`), suspend their posting with
a reason the member sees on their page and by email, and lift either. A
moderator never decides about their own profile. The reported member is
never told who reported them, nor that anyone did, unless a moderator acts.
"""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from community import notifications, screening
from community.exceptions import CommunityError, InvalidTransition, NotAllowed
from community.models import (
    Experience,
    Member,
    MemberModerationEvent,
    MemberReport,
    RiskLevel,
)
from community.services.posts import (
    REPORT_DAILY_LIMIT,
    REPORT_LIMIT,
    _limit,
    _limit_target,
    reporter_record,
)

Action = MemberModerationEvent.Action
Category = MemberReport.Category

REASON_MAX = 1000
# Reports about one member from reporters without a record, per day: enough
# for moderators to see that something is wrong, too few to flood them.
REPORTS_PER_MEMBER_WITHOUT_RECORD = (5, 86400)
# How many of the reported member's latest posts the moderators see.
RECENT_POSTS = 10

MEMBER_FLOODED = (
    "This member has already been reported several times today and the "
    "moderators will read those reports. Thank you for telling us; you do not "
    "need to do anything else."
)


@sensitive_variables()
def report_member(
    *,
    user: AbstractBaseUser,
    member: Member,
    category: str,
    reason: str = "",
    experience: Experience | None = None,
    at: datetime | None = None,
) -> MemberReport:
    """Report a member to the moderators. Nothing happens to the member."""
    if not getattr(user, "is_authenticated", False):
        raise NotAllowed("Log in to report a member.")
    if member.user_id == user.pk:
        raise NotAllowed("You cannot report yourself.")
    if member.is_former or member.user_id is None:
        raise CommunityError(
            "This account is closed. If one of its posts is wrong, report the post."
        )
    if category not in Category.values:
        raise CommunityError("Choose what is wrong.")
    reason = (reason or "").replace("\r\n", "\n").strip()
    if len(reason) > REASON_MAX:
        raise CommunityError(f"Please keep it under {REASON_MAX} characters.")
    if category == Category.OTHER and len(reason) < 5:
        raise CommunityError("Tell the moderators briefly what is wrong.")
    # One budget for reports on posts and on members.
    _limit("report", user.pk, REPORT_LIMIT, "sent reports")
    _limit("report-day", user.pk, REPORT_DAILY_LIMIT, "sent reports", "today")
    at = at or timezone.now()
    record = reporter_record(user, at)
    found = screening.screen(reason)
    with transaction.atomic():
        # Reports about one member take turns (the duplicate check below).
        locked = Member.objects.select_for_update().get(pk=member.pk)
        if MemberReport.objects.filter(
            member=locked, reporter=user, resolved_at__isnull=True
        ).exists():
            raise CommunityError(
                "You have already reported this member and the moderators have "
                "not decided yet. Thank you."
            )
        if not record.counts:
            _limit_target(
                "report-member",
                locked.pk,
                REPORTS_PER_MEMBER_WITHOUT_RECORD,
                MEMBER_FLOODED,
            )
        report = MemberReport.objects.create(
            member=locked,
            reporter=user,
            category=category,
            reason=reason,
            experience_ref=experience.pk if experience else None,
            weight=1 if record.counts else 0,
            reporter_verified=record.verified,
            reporter_age_days=record.age_days,
            reporter_posts=record.posts,
            reporter_upheld=record.upheld,
            reporter_dismissed=record.dismissed,
            risk=found.risk if found.matches else RiskLevel.LOW,
            screening=found.as_dict() if found.matches else {},
            created_at=at,
        )
    report.found = found
    return report


# --- Moderators' decisions ----------------------------------------------------


def _moderator(user: AbstractBaseUser, member: Member) -> None:
    if not user.has_perm("community.moderate_experience"):
        raise NotAllowed("Only moderators can do this.")
    if member.user_id is not None and member.user_id == user.pk:
        raise NotAllowed(
            "These reports are about you: another moderator must decide on them."
        )


def _record(
    member: Member, action: str, user: AbstractBaseUser, reason: str
) -> MemberModerationEvent:
    return MemberModerationEvent.objects.create(
        member=member,
        member_ref=member.pk,
        action=action,
        actor=user,
        actor_name=user.get_full_name() or user.get_username(),
        reason=reason,
    )


def _resolve(member: Member, user: AbstractBaseUser, outcome: str) -> int:
    return MemberReport.objects.filter(member=member, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_by=user, outcome=outcome
    )


def _require_reason(reason: str, doing: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise CommunityError(f"Give the member a reason to {doing}.")
    return reason


def _decide(user: AbstractBaseUser, member: Member) -> Member:
    _moderator(user, member)
    return Member.objects.select_for_update().get(pk=member.pk)


def dismiss_member_reports(
    *, user: AbstractBaseUser, member: Member, reason: str = ""
) -> int:
    """Nothing to act on: the open reports about the member are closed."""
    with transaction.atomic():
        locked = _decide(user, member)
        closed = _resolve(locked, user, MemberReport.Outcome.DISMISSED)
        if not closed:
            raise InvalidTransition("There are no open reports about this member.")
        _record(locked, Action.REPORTS_DISMISSED, user, reason.strip())
    return closed


def hold_member_posts(*, user: AbstractBaseUser, member: Member, reason: str) -> Member:
    """Every new post and edit of the member waits for a moderator, however
    many of their posts were approved before. Upholds the open reports."""
    reason = _require_reason(reason, "hold their posts")
    with transaction.atomic():
        locked = _decide(user, member)
        if locked.posts_held:
            raise InvalidTransition("This member's posts are already held.")
        locked.posts_held = True
        locked.save(update_fields=["posts_held"])
        _resolve(locked, user, MemberReport.Outcome.ACTED)
        _record(locked, Action.POSTS_HELD, user, reason)
    return locked


def release_member_posts(
    *, user: AbstractBaseUser, member: Member, reason: str = ""
) -> Member:
    with transaction.atomic():
        locked = _decide(user, member)
        if not locked.posts_held:
            raise InvalidTransition("This member's posts are not held.")
        locked.posts_held = False
        locked.save(update_fields=["posts_held"])
        _record(locked, Action.HOLD_LIFTED, user, reason.strip())
    return locked


def suspend_posting(*, user: AbstractBaseUser, member: Member, reason: str) -> Member:
    """The member cannot post or edit until a moderator lifts it; they see
    the reason on their page and get it by email. Their published posts
    stay: a moderator hides or removes any of them one by one."""
    reason = _require_reason(reason, "suspend their posting")
    with transaction.atomic():
        locked = _decide(user, member)
        if locked.posting_suspended:
            raise InvalidTransition("This member's posting is already suspended.")
        locked.posting_suspended_at = timezone.now()
        locked.posting_suspension_reason = reason
        locked.save(update_fields=["posting_suspended_at", "posting_suspension_reason"])
        _resolve(locked, user, MemberReport.Outcome.ACTED)
        _record(locked, Action.SUSPENDED, user, reason)
        notifications.member_decided(locked, Action.SUSPENDED, reason)
    return locked


def lift_suspension(
    *, user: AbstractBaseUser, member: Member, reason: str = ""
) -> Member:
    with transaction.atomic():
        locked = _decide(user, member)
        if not locked.posting_suspended:
            raise InvalidTransition("This member's posting is not suspended.")
        locked.posting_suspended_at = None
        locked.posting_suspension_reason = ""
        locked.save(update_fields=["posting_suspended_at", "posting_suspension_reason"])
        _record(locked, Action.SUSPENSION_LIFTED, user, reason.strip())
        notifications.member_decided(locked, Action.SUSPENSION_LIFTED, "")
    return locked


def recent_posts(member: Member):
    """What moderators read beside the reports: the member's latest posts, in
    any state (read-only)."""
    return Experience.objects.filter(author=member).select_related("condition")[
        :RECENT_POSTS
    ]
