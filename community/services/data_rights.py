"""A person's rights over what we hold about them: download it all, withdraw
consent to our holding health information (which erases it), and delete the
account.

Withdrawal and deletion erase health data the same way (`_erase_health_data`)
and both make public pages forget the member's text (`member_text_erased`).
"""

import uuid
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from answers.feedback import erase_reader_feedback, export_reader_feedback
from answers.models import ReviewEvent
from answers.publication import community_content_changed, member_text_erased
from community.exceptions import NotAllowed
from community.models import (
    FORMER_MEMBER,
    Experience,
    Member,
    MemberModerationEvent,
    MemberReport,
    ModerationEvent,
    Mute,
    Report,
)
from community.models import ExperienceStatus as Status
from community.services.members import member_for
from outbox.services import forget_recipient

# What a report made by someone who has since deleted their account says.
REPORT_OF_FORMER_MEMBER = "(The person who sent this report deleted their account.)"

STAFF_ACCOUNT_CLOSED_BY_ADMIN = (
    "Staff accounts are closed by a site admin, who first hands over or removes "
    "their editorial rights. Ask a site admin."
)


def export_member_data(*, user: AbstractBaseUser) -> dict:
    """Everything we hold about this person, for the JSON download."""
    if not getattr(user, "is_authenticated", False):
        raise NotAllowed("Log in to download your data.")
    member = Member.objects.filter(user_id=user.pk).first()
    experiences = (
        Experience.objects.filter(author=member).select_related(
            "condition", "question", "reviewer_note_by"
        )
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
                "condition": mc.condition.public_name,
                "relation": mc.get_relation_display(),
                "since": mc.created_at.isoformat(),
            }
            for mc in (member.conditions.select_related("condition") if member else [])
        ],
        "experiences": [
            {
                "id": e.pk,
                "condition": e.condition.public_name,
                "question": e.question.text if e.question else None,
                "relation": e.get_relation_display(),
                "status": e.get_status_display(),
                "text": e.body,
                "edit_waiting_for_moderation": e.pending_body or None,
                "audience": e.get_audience_display(),
                "audience_waiting_for_moderation": e.get_pending_audience_display()
                if e.pending_audience
                else None,
                "posted_at": e.created_at.isoformat(),
                "published_at": e.published_at.isoformat() if e.published_at else None,
                "moderation_reason": e.moderation_reason or None,
                # A redaction waiting for them: `text` is the moderator's
                # version; the original wording is never exported (issue 18),
                # only shown on their own page while they decide.
                "redaction_waiting_for_you": {
                    "proposed_at": e.redacted_at.isoformat() if e.redacted_at else None,
                    "note": "A moderator removed identifying details; the "
                    "text above is their version. Accept, edit or delete it "
                    "on your page.",
                }
                if e.status == Status.REDACTED
                else None,
                # What the screening found (issue 18): data we hold about
                # them, so they get it too.
                "screening": {
                    "risk_level": e.get_risk_display(),
                    "found": e.screening.get("categories", []),
                }
                if e.screening
                else None,
                # A medical reviewer's look (community.services.medical_review):
                # where it stands, the moderator's question about the post
                # and the note readers see above it.
                "medical_review": {
                    "state": e.get_medical_review_display()
                    if e.medical_review
                    else "Decided by a medical reviewer",
                    "question_for_reviewer": e.medical_question or None,
                    "reviewer_note": e.reviewer_note or None,
                    "reviewer_note_by": e.reviewer_note_by.display_name
                    if e.reviewer_note_by
                    else None,
                    "reviewer_note_at": e.reviewer_note_at.isoformat()
                    if e.reviewer_note_at
                    else None,
                }
                if e.medical_question or e.reviewer_note
                else None,
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
        # Reports of problems with answers sent while logged in.
        "answer_feedback_sent": export_reader_feedback(user=user),
        # Whom they muted (issue 18): theirs alone, so theirs to download.
        "muted_members": [
            {"pseudonym": m.muted.display_name, "since": m.created_at.isoformat()}
            for m in (
                Mute.objects.filter(member=member).select_related("muted")
                if member
                else []
            )
        ],
        "member_reports_made": [
            {
                "about": r.member.display_name,
                "category": r.get_category_display(),
                "reason": r.reason,
                "at": r.created_at.isoformat(),
            }
            for r in MemberReport.objects.filter(reporter=user).select_related("member")
        ],
        # What moderators decided about their account and why; never who
        # reported them or what others wrote (that is other people's data).
        "moderation_of_my_account": member
        and {
            "posts_held_for_moderation": member.posts_held,
            "posting_suspended_at": member.posting_suspended_at.isoformat()
            if member.posting_suspended_at
            else None,
            "posting_suspension_reason": member.posting_suspension_reason or None,
            "decisions": [
                {
                    "decision": e.get_action_display(),
                    "reason": e.reason,
                    "at": e.created_at.isoformat(),
                }
                for e in MemberModerationEvent.objects.filter(member=member)
            ],
        },
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
        # A member's own rows (asking for a review) are a former member's;
        # the rest are a moderator's.
        own = ModerationEvent.objects.filter(actor=user)
        own.filter(action=ModerationEvent.Action.REVIEW_REQUESTED).update(
            actor=None, actor_name=FORMER_MEMBER
        )
        own.update(actor=None, actor_name="Former moderator")
        ReviewEvent.objects.filter(actor=user).update(
            actor=None, actor_name="Former editor"
        )
        # A report still counts towards hiding a post, but its words were the
        # member's (and may describe their own health).
        Report.objects.filter(reporter=user).update(
            reporter=None, reason=REPORT_OF_FORMER_MEMBER
        )
        # Reports about members stay for the moderators, without their
        # words. Mutes go with the profile (both ways, on delete cascade):
        # whom they muted, and others' mutes of them.
        MemberReport.objects.filter(reporter=user).update(
            reporter=None, reason=REPORT_OF_FORMER_MEMBER
        )
        # Reports on answers stay in the editors' queue without their words.
        erase_reader_feedback(user=user)
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
        # Members-only posts too: stored pages count them.
        published = Experience.objects.for_members().filter(author=member).exists()
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
