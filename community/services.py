"""Every change to members, experiences, reports and moderation, one function each.

Views, admin actions and management commands call these. Each checks who may
act, runs in a transaction (locking the post where two people could act at
once), records moderation in `ModerationEvent` and queues mail in the same
transaction (sent after commit, retried if the mail server is down).
"""

import uuid
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from answers.models import Condition, Question, ReviewEvent
from answers.publication import community_content_changed, member_text_erased
from community import notifications
from community.exceptions import (
    CommunityError,
    InvalidTransition,
    NotAllowed,
    RateLimited,
)
from community.models import (
    CONSENT_VERSION,
    Experience,
    ExperienceStatus,
    Member,
    MemberCondition,
    ModerationEvent,
    Report,
)
from diseasemaps.lib import ratelimit
from diseasemaps.lib.markdown import render_member
from outbox.services import forget_recipient

Status = ExperienceStatus
Action = ModerationEvent.Action

# A member whose first posts a moderator approved is trusted: later posts go
# live at once and are read by a moderator afterwards.
TRUSTED_AFTER_APPROVED_POSTS = 3
# Three different people reporting a post hide it until a moderator decides.
HIDE_AFTER_REPORTS = 3
POST_LIMIT = (5, 3600)  # posts and edits per member per hour
REPORT_LIMIT = (10, 3600)  # reports per user per hour

BODY_MIN, BODY_MAX = 30, 5000
# What a report made by someone who has since deleted their account says.
REPORT_OF_FORMER_MEMBER = "(The person who sent this report deleted their account.)"

STAFF_ACCOUNT_CLOSED_BY_ADMIN = (
    "Staff accounts are closed by a site admin, who first hands over or removes "
    "their editorial rights. Ask a site admin."
)


# --- Members ------------------------------------------------------------------


@sensitive_variables()
def create_member(
    *,
    user: AbstractBaseUser,
    pseudonym: str,
    consented: bool,
    country: str = "",
    counted_in_map: bool = False,
) -> Member:
    """The profile made at sign-up. No consent, no account."""
    if not consented:
        raise NotAllowed(
            "We can only create an account if you agree to how we handle health "
            "information."
        )
    return Member.objects.create(
        user=user,
        pseudonym=pseudonym.strip(),
        country=country.strip().upper(),
        counted_in_map=counted_in_map and bool(country.strip()),
        health_data_consent_at=timezone.now(),
        consent_version=CONSENT_VERSION,
    )


def member_for(user: AbstractBaseUser) -> Member:
    if not getattr(user, "is_authenticated", False):
        raise NotAllowed("Log in to do this.")
    member = Member.objects.filter(user_id=user.pk).first()
    if member is None:
        raise NotAllowed(
            "This account has no member profile (staff accounts cannot post)."
        )
    return member


def _require_consent(member: Member) -> None:
    if not member.has_consented:
        raise NotAllowed(
            "You withdrew your consent to us holding health information, so you "
            "cannot share or list conditions. You can give it again on your page."
        )


def update_profile(*, member: Member, country: str, counted_in_map: bool) -> Member:
    member.country = country.strip().upper()
    # Nothing to count without a country.
    member.counted_in_map = counted_in_map and bool(member.country)
    member.save(update_fields=["country", "counted_in_map"])
    # The maps of every condition they relate to.
    community_content_changed(
        conditions=member.conditions.values_list("condition_id", flat=True)
    )
    return member


def set_relation(*, member: Member, condition: Condition, relation: str) -> None:
    _require_consent(member)
    _, created = MemberCondition.objects.update_or_create(
        member=member, condition=condition, defaults={"relation": relation}
    )
    # The map counts who relates to the condition, not how: only a new
    # relation changes it. (Every post sets the relation again; moving the
    # public version for each would empty every cached page on the site.)
    if created and member.counted_in_map:
        community_content_changed(conditions=[condition.pk])  # its map


def remove_relation(*, member: Member, condition: Condition) -> None:
    removed, _ = MemberCondition.objects.filter(
        member=member, condition=condition
    ).delete()
    if removed and member.counted_in_map:
        community_content_changed(conditions=[condition.pk])


# --- Posting ------------------------------------------------------------------


def is_trusted(member: Member) -> bool:
    approved = (
        Experience.objects.filter(
            author=member,
            status=Status.PUBLISHED,
            moderation_events__action=Action.APPROVED,
        )
        .distinct()
        .count()
    )
    return approved >= TRUSTED_AFTER_APPROVED_POSTS


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


# --- Moderation ---------------------------------------------------------------


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
    return ModerationEvent.objects.create(
        experience=experience,
        experience_ref=experience.pk,
        action=action,
        actor=user,
        actor_name=name,
        reason=reason,
    )


def _resolve_reports(experience: Experience, user: AbstractBaseUser) -> int:
    return Report.objects.filter(
        experience=experience, resolved_at__isnull=True
    ).update(resolved_at=timezone.now(), resolved_by=user)


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
        locked.transition_to(to)
        locked.needs_review = False
        locked.moderation_reason = reason
        if to == Status.PUBLISHED and locked.published_at is None:
            locked.published_at = timezone.now()
        locked.save()
        _resolve_reports(locked, user)
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
        if not locked.pending_body:
            raise InvalidTransition("This post has no edit waiting.")
        if approve:
            locked.body = locked.pending_body
            locked.body_html = render_member(locked.body)
        locked.pending_body = ""
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
    """The reports were unfounded: a post hidden by reports comes back."""
    _moderator(user, experience)
    with transaction.atomic():
        locked = Experience.objects.select_for_update().get(pk=experience.pk)
        count = _resolve_reports(locked, user)
        if locked.status == Status.HIDDEN and (
            locked.moderation_events.filter(action=Action.AUTO_HIDDEN).exists()
            and not locked.moderation_events.filter(action=Action.HIDDEN).exists()
        ):
            locked.transition_to(Status.PUBLISHED)
            locked.save(update_fields=["status", "updated_at"])
            community_content_changed(conditions=[locked.condition_id])
        _record(locked, Action.REPORTS_DISMISSED, user, reason)
    return count


# --- My data ------------------------------------------------------------------


def export_member_data(*, user: AbstractBaseUser) -> dict:
    """Everything we hold about this person, for the JSON download."""
    if not getattr(user, "is_authenticated", False):
        raise NotAllowed("Log in to download your data.")
    member = Member.objects.filter(user_id=user.pk).first()
    experiences = (
        Experience.objects.filter(author=member).select_related("condition", "question")
        if member
        else Experience.objects.none()
    )
    return {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "username": user.get_username(),
            "email": user.email,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
        },
        "profile": member
        and {
            "pseudonym": member.pseudonym,
            "country": member.country.code or "",
            "counted_in_map": member.counted_in_map,
            "health_data_consent_at": member.health_data_consent_at.isoformat()
            if member.health_data_consent_at
            else None,
            "consent_version": member.consent_version,
            "consent_withdrawn_at": member.consent_withdrawn_at.isoformat()
            if member.consent_withdrawn_at
            else None,
        },
        "conditions": [
            {
                "condition": mc.condition.name,
                "relation": mc.get_relation_display(),
                "since": mc.created_at.isoformat(),
            }
            for mc in (member.conditions.select_related("condition") if member else [])
        ],
        "experiences": [
            {
                "id": e.pk,
                "condition": e.condition.name,
                "question": e.question.text if e.question else None,
                "relation": e.get_relation_display(),
                "status": e.get_status_display(),
                "text": e.body,
                "edit_waiting_for_moderation": e.pending_body or None,
                "posted_at": e.created_at.isoformat(),
                "published_at": e.published_at.isoformat() if e.published_at else None,
                "moderation_reason": e.moderation_reason or None,
            }
            for e in experiences
        ],
        "reports_made": [
            {
                "post": r.experience_id,
                "reason": r.reason,
                "at": r.created_at.isoformat(),
            }
            for r in Report.objects.filter(reporter=user)
        ],
    }


def _erase_health_data(member: Member, *, keep_published: bool = False) -> set[int]:
    """Delete what a member shared about health: posts (with their reports)
    and conditions. With `keep_published`, published posts move to a
    "former member" profile without user, email or pseudonym instead, minus
    any edit still waiting for a moderator (never published, so not kept).

    Returns the conditions whose public pages showed any of it (posts, the
    author's name on them, counts, maps)."""
    posts = Experience.objects.filter(author=member)
    touched = set(posts.values_list("condition_id", flat=True))
    touched |= set(member.conditions.values_list("condition_id", flat=True))
    if keep_published:
        kept = posts.filter(status=Status.PUBLISHED)
        if kept.exists():
            former = Member.objects.create(
                user=None,
                pseudonym=f"former-{uuid.uuid4().hex}",
                health_data_consent_at=member.health_data_consent_at,
                consent_version=member.consent_version,
                is_former=True,
            )
            kept.update(author=former, pending_body="")
    # Moderation records keep the post's number (SET_NULL), not its text.
    Experience.objects.filter(author=member).delete()
    member.conditions.all().delete()
    return touched


@sensitive_variables()
def delete_account(*, user: AbstractBaseUser, keep_posts: bool) -> None:
    """Delete the account and everything that names the person.

    Posts are deleted, or (`keep_posts`) the published ones move to a "former
    member" profile that has no user, email or pseudonym; posts that were
    never published and edits waiting for a moderator are deleted either way.
    Reports the person made stay for the moderators' counts, without their
    words. Audit rows (moderation, review) stay, with the name blanked.

    Staff accounts are not closed this way: their work is in the editorial
    record, and a site admin removes their rights and closes them.
    """
    if not getattr(user, "is_authenticated", False):
        raise NotAllowed("Log in to delete your account.")
    if user.is_staff:
        raise NotAllowed(STAFF_ACCOUNT_CLOSED_BY_ADMIN)
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    with transaction.atomic():
        member = Member.objects.filter(user_id=user.pk).first()
        touched = set()
        if member is not None:
            touched = _erase_health_data(member, keep_published=keep_posts)
        # Audit rows survive, without the person's name. The rows are
        # append-only; erasing a name is the one change allowed, by law.
        ModerationEvent.objects.filter(actor=user).update(
            actor=None, actor_name="Former moderator"
        )
        ReviewEvent.objects.filter(actor=user).update(
            actor=None, actor_name="Former editor"
        )
        # A report still counts towards hiding a post, but its words were the
        # member's (and may describe their own health).
        Report.objects.filter(reporter=user).update(
            reporter=None, reason=REPORT_OF_FORMER_MEMBER
        )
        # Mail to the member, queued or kept for a few days after sending.
        if user.email:
            forget_recipient(user.email)
        # The admin's change log names the account it was about.
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(user), object_id=str(user.pk)
        ).delete()
        # Login records carry the email address used to log in.
        # Counts, posts and maps on those conditions' pages change.
        community_content_changed(conditions=touched)
        identifiers = {user.get_username(), user.email}
        for model in (AccessAttempt, AccessLog, AccessFailureLog):
            model.objects.filter(username__in=identifiers).delete()
        user.delete()
        member_text_erased()


@sensitive_variables()
def withdraw_consent(*, user: AbstractBaseUser, at: datetime | None = None) -> Member:
    """The member no longer agrees to us holding health information about them.

    Everything we hold under that consent goes at once: every post (also
    published ones: showing them is processing too), every edit waiting for
    a moderator, the conditions they listed and their place on condition
    maps. What remains is a bare login (email, pseudonym, country), which
    needs no health consent: they can still read, report posts, export or
    delete the account, and give consent again to share.
    """
    member = member_for(user)
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member.pk)
        was_counted = member.counted_in_map
        published = Experience.objects.published().filter(author=member).exists()
        touched = _erase_health_data(member)
        member.health_data_consent_at = None
        member.consent_withdrawn_at = at or timezone.now()
        member.counted_in_map = False
        member.save(
            update_fields=[
                "health_data_consent_at",
                "consent_withdrawn_at",
                "counted_in_map",
            ]
        )
        if published or was_counted:
            community_content_changed(conditions=touched)
        member_text_erased()
    return member


def give_consent(*, member: Member, at: datetime | None = None) -> Member:
    """Consent again, to the current text, after withdrawing it."""
    member.health_data_consent_at = at or timezone.now()
    member.consent_version = CONSENT_VERSION
    member.save(update_fields=["health_data_consent_at", "consent_version"])
    return member
