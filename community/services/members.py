"""Members: the profile made at sign-up, consent to our holding health
information, the conditions a member says they relate to, and trust.

The other service modules start here: `member_for` checks that a user has a
member profile, `_require_consent` that they may share health information,
and `is_trusted` decides whether their posts go live before a moderator reads
them.
"""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from answers.models import Condition
from answers.publication import community_content_changed
from community import names
from community.exceptions import NotAllowed, PseudonymTaken
from community.models import (
    CONSENT_VERSION,
    Experience,
    Member,
    MemberCondition,
    ModerationEvent,
)
from community.models import ExperienceStatus as Status

Action = ModerationEvent.Action

# A member whose first posts a moderator approved is trusted: later posts go
# live at once and are read by a moderator afterwards.
TRUSTED_AFTER_APPROVED_POSTS = 3


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
    pseudonym = pseudonym.strip()
    with transaction.atomic():
        # The form checked the name before anything was saved: two people
        # signing up at once with look-alike names would both pass it. Each
        # takes the locks of the keys its name meets others under, then
        # checks again; the second waits for the first and then sees it.
        _lock_names(pseudonym)
        if pseudonym_taken(pseudonym):
            raise PseudonymTaken(names.UNAVAILABLE)
        return Member.objects.create(
            user=user,
            pseudonym=pseudonym,
            country=country.strip().upper(),
            counted_in_map=counted_in_map and bool(country.strip()),
            health_data_consent_at=timezone.now(),
            consent_version=CONSENT_VERSION,
        )


def pseudonym_taken(pseudonym: str, *, member: Member | None = None) -> bool:
    """Does another member's name look like this one (community.names)?"""
    others = Member.objects.exclude(pk=member.pk) if member else Member.objects
    return others.filter(
        Q(pseudonym_skeleton__in=names.comparison_skeletons(pseudonym))
        | Q(pseudonym__iexact=pseudonym)
    ).exists()


# The first key of PostgreSQL's two-key advisory locks: pseudonym keys.
_NAME_LOCKS = 0x4E414D45


def _lock_names(pseudonym: str) -> None:
    """Hold, until the transaction ends, a lock for every key under which the
    name meets a look-alike (its own skeleton among them), in one order, so
    two names that meet share a lock and never wait for each other in a
    circle. SQLite takes one writer at a time already."""
    if connection.vendor != "postgresql":
        return
    keys = sorted(
        names.comparison_skeletons(pseudonym)
        | {names.pseudonym_skeleton(pseudonym), pseudonym.casefold()}
    )
    with connection.cursor() as cursor:
        for key in keys:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [_NAME_LOCKS, key]
            )


def member_for(user: AbstractBaseUser) -> Member:
    if not getattr(user, "is_authenticated", False):
        raise NotAllowed("Log in to do this.")
    member = Member.objects.filter(user_id=user.pk).first()
    if member is None:
        raise NotAllowed(
            "This account has no member profile (staff accounts cannot post)."
        )
    # The user we have: mail to the member (a post received) needs no query.
    member.user = user
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
        conditions=member.conditions.values_list("condition_id", flat=True),
        posts=False,
    )
    return member


def set_relation(*, member: Member, condition: Condition, relation: str) -> None:
    _require_consent(member)
    if not member.counted_in_map:
        # On no map: whether the relation is new does not matter, and one
        # statement sets it (every post sets it again).
        MemberCondition.objects.bulk_create(
            [MemberCondition(member=member, condition=condition, relation=relation)],
            update_conflicts=True,
            unique_fields=["member", "condition"],
            update_fields=["relation"],
        )
        return
    _, created = MemberCondition.objects.update_or_create(
        member=member, condition=condition, defaults={"relation": relation}
    )
    # The map counts who relates to the condition, not how: only a new
    # relation changes it. (Every post sets the relation again; moving the
    # public version for each would empty every cached page on the site.)
    if created:
        community_content_changed(conditions=[condition.pk], posts=False)  # its map


def remove_relation(*, member: Member, condition: Condition) -> None:
    removed, _ = MemberCondition.objects.filter(
        member=member, condition=condition
    ).delete()
    if removed and member.counted_in_map:
        community_content_changed(conditions=[condition.pk], posts=False)


def is_trusted(member: Member) -> bool:
    # A moderator holds every post of this member (member_reports).
    if member.posts_held:
        return False
    approved = (
        Experience.objects.filter(
            author=member,
            status=Status.PUBLISHED,
            moderation_events__action=Action.APPROVED,
        )
        .values("pk")  # DISTINCT on the key, not on every column of a post
        .distinct()
        .count()
    )
    return approved >= TRUSTED_AFTER_APPROVED_POSTS


def give_consent(*, member: Member, at: datetime | None = None) -> Member:
    """Consent again, to the current text, after withdrawing it."""
    member.health_data_consent_at = at or timezone.now()
    member.consent_version = CONSENT_VERSION
    member.save(update_fields=["health_data_consent_at", "consent_version"])
    return member


def _require_posting_allowed(member: Member) -> None:
    """A moderator may suspend a member's posting (member_reports); the
    member is told why."""
    if member.posting_suspended:
        raise NotAllowed(
            "A moderator has suspended your posting: "
            f"{member.posting_suspension_reason} You can still read, and your "
            "page shows how to contact us."
        )
