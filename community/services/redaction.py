"""Redaction: a moderator removes names, places, dates and other identifying
details from a post instead of rejecting it, and the author decides.

The flow (issue 18):

1. `redact_experience` (moderators, never on their own post): the moderator's
   text becomes the post's `body` at once and the post leaves public view
   (status REDACTED). The author's words wait in `redaction_original` only so
   that the author can see what changed. The moderator's reason goes to the
   author and into the `ModerationEvent`; it may not quote a removed word.
2. The author is mailed (no post text in the mail: it is health data) and
   sees, on /me/, the redacted text and a word diff. They can
   - accept it (`accept_redaction`): it goes live at once (a moderator has
     read the whole post and written this text);
   - edit it themselves (`posts.edit_experience`): it goes back to the queue;
   - delete the post (`posts.delete_experience`).
3. Whatever happens, the original is erased from the row when the redaction
   completes: accepted, rewritten, deleted, hidden or removed by a moderator,
   or unanswered after `KEEP_ORIGINAL_FOR` (`erase_unanswered_originals`, a
   daily job). Experience is not in django-reversion, and moderation records
   hold reasons only, so no copy stays behind.

Two choices, and why:

- A published post being redacted leaves public view at once (and every
  cached page goes, as after an erasure) rather than switching to the
  redacted text: the redacted wording goes out under the author's pseudonym
  only once they have seen and accepted it, as the issue asks, and the
  identifying text stops showing at once either way.
- An author who never answers: the post stays out of public view and keeps
  waiting for them; only the original is erased after `KEEP_ORIGINAL_FOR`.
  Publishing text someone has not seen under their name is neither safe nor
  kind (they may have wanted to delete it once they saw it had identified
  them); keeping it held costs nothing, and they can still accept it later.
"""

import re
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from answers.publication import community_content_changed, member_text_erased
from community import notifications
from community.exceptions import CommunityError, InvalidTransition
from community.models import Experience, MedicalReview, ModerationEvent, Report
from community.models import ExperienceStatus as Status
from community.services.moderation import _moderator, _record, _resolve_reports
from community.services.posts import _check_body, _own
from diseasemaps.lib.markdown import render_member

Action = ModerationEvent.Action

# How long the author's original wording is kept for them to compare with the
# moderator's version, when they do not answer. The mail tells them.
KEEP_ORIGINAL_FOR = timedelta(days=14)

REASON_MAX = 500

# Words of the original that may identify: names and places (capitalised)
# and numbers (dates, record numbers). Common words a reason needs ("your
# hospital", "a date") are not refused even when the post had them.
_WORDS = re.compile(r"\w+")
_IDENTIFYING = re.compile(r"^(?:[A-Z]\w{2,}|\w*\d\w*)$")

GUIDANCE = [
    "Names of people, including doctors, nurses and family members.",
    "Places: hospitals, clinics, towns, schools, workplaces.",
    "Exact dates (a month and year is usually fine) and ages next to a place.",
    "Rare identifiers: an unusual job, a named trial, a case in the news, "
    "a very rare combination of conditions, a record or phone number.",
    "Keep the author's voice: remove or generalise details, do not rewrite "
    "what they say about their health.",
]


class StaleRedaction(InvalidTransition):
    """The post changed since the form was opened."""


def source_text(experience: Experience) -> str:
    """The text a moderator redacts: the author's latest words (an edit
    waiting, else the post)."""
    if experience.status == Status.REDACTED:
        return experience.body
    return experience.pending_body or experience.body


def _words(text: str) -> set[str]:
    return set(_WORDS.findall(text or ""))


def removed_words(original: str, redacted: str) -> set[str]:
    """Names, places and numbers of the original that the redacted text no
    longer has (as written: "Dunmore", "14", "Hargreaves")."""
    kept = {word.casefold() for word in _words(redacted)}
    return {
        word
        for word in _words(original)
        if _IDENTIFYING.match(word) and word.casefold() not in kept
    }


@sensitive_variables()
def redact_experience(
    *,
    user: AbstractBaseUser,
    experience: Experience,
    body: str,
    reason: str,
    seen: str,
) -> Experience:
    """Replace the post's text with the moderator's redacted version and
    ask the author; `seen` is the `Experience.text_fingerprint` of the post
    as the moderator opened it."""
    _moderator(user, experience)
    body = _check_body(body)
    reason = (reason or "").strip()
    if not reason:
        raise CommunityError(
            "Give a short reason: the member is told it (e.g. “It named your "
            "hospital and town”)."
        )
    if len(reason) > REASON_MAX:
        raise CommunityError(f"Keep the reason under {REASON_MAX} characters.")
    now = timezone.now()
    with transaction.atomic():
        locked = Experience.objects.select_for_update().get(pk=experience.pk)
        if locked.text_fingerprint != seen:
            raise StaleRedaction(
                "This post changed since you opened it (the author edited it, "
                "or another moderator acted). Read it again before redacting."
            )
        if locked.status == Status.REMOVED:
            raise InvalidTransition("This post is removed; there is nothing to redact.")
        if locked.medical_review == MedicalReview.ASKED:
            # The author's "accept" would publish advice the reviewer has not
            # ruled on (community.services.medical_review).
            raise InvalidTransition(
                "This post is with a medical reviewer; redact it after their "
                "decision, or ask them to ask the author for an edit."
            )
        original = locked.redaction_original or source_text(locked)
        if body == source_text(locked):
            raise CommunityError(
                "The text is unchanged: remove the identifying details first, "
                "or choose another decision."
            )
        # The reason is kept in the moderation record and mailed: it must not
        # carry back what was removed.
        quoted = removed_words(original, body) & _words(reason)
        if quoted:
            raise CommunityError(
                "The reason repeats words you removed from the post. Describe "
                "what kind of detail it was (“the name of your hospital”), "
                "without quoting it."
            )
        ever_public = locked.published_at is not None
        if locked.status != Status.REDACTED:
            locked.transition_to(Status.REDACTED)
        locked.redaction_original = original
        locked.body = body
        locked.body_html = render_member(body)
        # The waiting edit was the text redacted; the older published text
        # goes too (it had the same details, or older ones).
        locked.pending_body = ""
        locked.needs_review = False
        locked.review_requested_at = None
        locked.moderation_reason = reason
        locked.redacted_at = now
        locked.save()
        _resolve_reports(locked, user, Report.Outcome.UPHELD)
        event = _record(locked, Action.REDACTED, user, reason)
        if ever_public:
            community_content_changed(conditions=[locked.condition_id])
            # The identifying text must not wait in any cached page.
            member_text_erased()
        notifications.redaction_proposed(
            locked, event, keep_days=KEEP_ORIGINAL_FOR.days
        )
    return locked


def accept_redaction(
    *, user: AbstractBaseUser, experience: Experience, seen: str
) -> Experience:
    """The author accepts the moderator's version: it goes live, and their
    original wording is erased. `seen` is the `Experience.text_fingerprint`
    of what they read, so a version redacted again meanwhile is not
    published unseen."""
    _own(user, experience)
    with transaction.atomic():
        locked = Experience.objects.select_for_update().get(pk=experience.pk)
        if locked.status != Status.REDACTED:
            raise InvalidTransition(
                "There is no redaction waiting for your answer on this post."
            )
        if locked.text_fingerprint != seen:
            raise StaleRedaction(
                "A moderator changed the proposed text since you opened the "
                "page. Read it again before accepting."
            )
        locked.transition_to(Status.PUBLISHED)
        locked.published_at = locked.published_at or timezone.now()
        _complete(locked)
        locked.moderation_reason = ""
        locked.save()
        # The author's pseudonym is not copied into the audit trail.
        ModerationEvent.objects.create(
            experience=locked,
            experience_ref=locked.pk,
            action=Action.REDACTION_ACCEPTED,
            actor=user,
            actor_name="The post's author",
        )
        community_content_changed(conditions=[locked.condition_id])
    return locked


def _complete(experience: Experience) -> None:
    """The redaction no longer needs the original: erase it (the caller saves)."""
    experience.redaction_original = ""
    experience.redacted_at = None


def erase_unanswered_originals(*, at: datetime | None = None) -> int:
    """A system job (manage.py erase_redaction_originals, daily): the
    originals of redactions unanswered for `KEEP_ORIGINAL_FOR` are erased.
    The posts keep waiting for their authors, out of public view."""
    cutoff = (at or timezone.now()) - KEEP_ORIGINAL_FOR
    erased = 0
    due = Experience.objects.filter(
        status=Status.REDACTED, redacted_at__lt=cutoff
    ).exclude(redaction_original="")
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            locked = (
                Experience.objects.select_for_update()
                .filter(pk=pk, status=Status.REDACTED, redacted_at__lt=cutoff)
                .first()
            )
            if locked is None:
                continue
            locked.redaction_original = ""
            locked.save(update_fields=["redaction_original", "updated_at"])
            _record(
                locked,
                Action.REDACTION_EXPIRED,
                None,
                f"No answer within {KEEP_ORIGINAL_FOR.days} days: the original "
                "wording is erased; the post waits for its author.",
            )
            erased += 1
    return erased
