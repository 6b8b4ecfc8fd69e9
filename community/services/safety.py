"""People who may be in crisis, and posts that may harm others (issue 18).

Every post, edit and report is screened (`community.screening`, a term list
with its sources). A match never stops anyone writing:

- `screen_into` records what was found on the post (term ids, never text),
  raises its risk level (HealthUnlocked's low, medium, high) and writes a
  `FLAGGED` moderation record. A post or edit with a match is held for a
  moderator, even from a trusted member. High risk starts the response
  clock: the post heads the moderators' queues (community.queues) until a
  moderator acts on it (`moderation._record` marks it handled).
- `alert_overdue_high_risk` (run every few minutes by
  `manage.py alert_high_risk`, beside `send_queued_email`) mails every
  moderator once about each high-risk post nobody has acted on within
  `HIGH_RISK_RESPONSE`, and records that it did.

The writer of a crisis match is shown the support page at once (the views
ask `shows_support`).
"""

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from answers.roles import MODERATOR_GROUP
from community import notifications, screening
from community.models import Experience, ModerationEvent, RiskLevel
from community.services.moderation import _record

Action = ModerationEvent.Action

# The response target for a high-risk post: a moderator acts within it.
HIGH_RISK_RESPONSE = timedelta(hours=1)

_LEVELS = {RiskLevel.LOW: 0, RiskLevel.MEDIUM: 1, RiskLevel.HIGH: 2}
_SOURCES = {"post": "the post", "edit": "an edit waiting", "report": "a report"}


def screen_into(
    experience: Experience, text: str, *, source: str, at: datetime
) -> screening.Screening:
    """Screen `text` (the post, an edit of it, or a report on it) and record
    what was found on the locked `experience`: its level only ever rises
    until a moderator acts. Saves the post's risk fields and writes the
    moderation record; the caller holds the transaction."""
    found = screening.screen(text)
    if not found.matches:
        return found
    level = RiskLevel(found.risk)
    # A level a moderator has acted on is done with: a new match starts over.
    handled = experience.risk_handled_at is not None
    current = RiskLevel.LOW if handled else RiskLevel(experience.risk)
    if _LEVELS[level] > _LEVELS[current]:
        experience.risk = level
        experience.screening = {**found.as_dict(), "source": source}
        experience.risk_handled_at = None
        experience.risk_alerted_at = None
        if level == RiskLevel.HIGH:
            experience.risk_flagged_at = at
    if experience.pk is not None:
        experience.save(
            update_fields=[
                "risk",
                "screening",
                "risk_flagged_at",
                "risk_handled_at",
                "risk_alerted_at",
                "updated_at",
            ]
        )
        record_flag(experience, found, source=source)
    return found


def record_flag(
    experience: Experience, found: screening.Screening, *, source: str
) -> None:
    """The moderation record of a match: level, where, and term ids only."""
    _record(
        experience,
        Action.FLAGGED,
        None,
        f"{RiskLevel(found.risk).label}, in {_SOURCES[source]}: "
        + ", ".join(found.terms),
    )


def shows_support(found: screening.Screening | None) -> bool:
    """Does the writer see the support page (crisis contacts) now?"""
    return found is not None and found.is_crisis


def overdue_high_risk(now: datetime | None = None):
    """High-risk posts nobody has acted on within the response target."""
    now = now or timezone.now()
    return Experience.objects.filter(
        risk=RiskLevel.HIGH,
        risk_handled_at__isnull=True,
        risk_flagged_at__lte=now - HIGH_RISK_RESPONSE,
    )


def alert_overdue_high_risk(now: datetime | None = None) -> int:
    """Mail every moderator once about each overdue high-risk post; returns
    how many posts were alerted. Safe to run often and from two places at
    once (each post is locked and alerted once)."""
    now = now or timezone.now()
    moderators = list(
        get_user_model()
        .objects.filter(groups__name=MODERATOR_GROUP, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    alerted = 0
    for pk in (
        overdue_high_risk(now)
        .filter(risk_alerted_at__isnull=True)
        .values_list("pk", flat=True)
    ):
        with transaction.atomic():
            post = (
                overdue_high_risk(now)
                .filter(pk=pk, risk_alerted_at__isnull=True)
                .select_for_update()
                .first()
            )
            if post is None:
                continue  # acted on, or alerted by another run, meanwhile
            post.risk_alerted_at = now
            post.save(update_fields=["risk_alerted_at", "updated_at"])
            _record(
                post,
                Action.RISK_ALERT,
                None,
                f"No moderator had acted within {response_target()}; "
                f"{len(moderators)} moderators mailed.",
            )
            notifications.high_risk_overdue(post, moderators)
            alerted += 1
    return alerted


def response_target() -> str:
    """HIGH_RISK_RESPONSE in words, for the queue and the moderation page."""
    hours = HIGH_RISK_RESPONSE.total_seconds() / 3600
    return "1 hour" if hours == 1 else f"{hours:g} hours"
