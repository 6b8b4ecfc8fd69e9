"""Muting (issue 18): a member stops seeing another member's posts.

A mute is private. The muted member is never told and nothing anyone else
sees changes: counts, other members' pages and every page kept for
anonymous readers stay as they are (only logged-in pages, which are never
stored, filter by mutes). Muting hides posts from the muter's own eyes; it
is not a report and sanctions nobody. Any member may be muted, staff who
post as members too: their posts are member posts, and moderators' decisions
reach members by email, which a mute does not touch. A closed account's
kept posts ("Former member") belong to nobody, so they cannot be muted.

`muted_member_ids` is the one read of a muter's list: one query per request,
however many posts a page shows.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from community.exceptions import CommunityError, NotAllowed
from community.models import Member, Mute
from community.services.members import member_for

# Members a person may mute; more would be a sign of something a report, not a
# mute, should deal with, and it keeps the one list query small.
MAX_MUTES = 500


def mute_member(*, user: AbstractBaseUser, member: Member) -> Mute:
    """Mute `member` for the caller. Muting twice keeps one mute."""
    muter = member_for(user)
    if member.pk == muter.pk:
        raise NotAllowed("You cannot mute yourself.")
    if member.is_former or member.user_id is None:
        raise CommunityError(
            "This account is closed, so there is nobody to mute. You can report "
            "a post that is wrong."
        )
    existing = Mute.objects.filter(member=muter, muted=member).first()
    if existing is not None:
        return existing
    if Mute.objects.filter(member=muter).count() >= MAX_MUTES:
        raise CommunityError(
            f"You have muted {MAX_MUTES} members, the most we keep. Unmute some "
            "on your page first."
        )
    try:
        with transaction.atomic():
            mute = Mute.objects.create(member=muter, muted=member)
    except IntegrityError:
        # The same form sent twice at once: the first one muted.
        mute = Mute.objects.get(member=muter, muted=member)
    _forget(user)
    return mute


def unmute_member(*, user: AbstractBaseUser, member: Member) -> bool:
    """Unmute `member` for the caller; True if they were muted."""
    muter = member_for(user)
    deleted, _ = Mute.objects.filter(member=muter, muted=member).delete()
    _forget(user)
    return bool(deleted)


def muted_member_ids(user: AbstractBaseUser | None) -> frozenset[int]:
    """The members this user muted, read once per request (kept on the
    user object the request carries). Nobody logged in mutes nobody."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_muted_member_ids", None)
    if cached is None:
        cached = frozenset(
            Mute.objects.filter(member__user_id=user.pk).values_list(
                "muted_id", flat=True
            )
        )
        user._muted_member_ids = cached
    return cached


def _forget(user: AbstractBaseUser) -> None:
    if hasattr(user, "_muted_member_ids"):
        del user._muted_member_ids
