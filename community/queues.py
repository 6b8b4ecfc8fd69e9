"""The moderators' work queues, shared by the admin list filter and home page."""

from collections.abc import Callable

from django.db.models import Exists, OuterRef, QuerySet

from community.models import ExperienceStatus, Report, RiskLevel
from community.services.safety import response_target

Narrow = Callable[[QuerySet], QuerySet]


def _reported(queryset: QuerySet) -> QuerySet:
    open_reports = Report.objects.filter(experience=OuterRef("pk"), resolved_at=None)
    return queryset.filter(Exists(open_reports))


MODERATION_QUEUES: dict[str, tuple[str, Narrow]] = {
    # First of all: someone may be at risk (community.services.safety), and
    # a moderator acts within the response target.
    "risk": (
        f"High risk: act within {response_target()}",
        lambda qs: qs.filter(risk=RiskLevel.HIGH, risk_handled_at__isnull=True),
    ),
    # Then: a member is waiting for us, their post hidden by reports.
    "review": (
        "Hidden by reports: the author asks for a review",
        lambda qs: qs.filter(
            status=ExperienceStatus.HIDDEN, review_requested_at__isnull=False
        ),
    ),
    "pending": ("New posts", lambda qs: qs.filter(status=ExperienceStatus.PENDING)),
    "reported": ("Reported posts", _reported),
    "check": (
        "Published by trusted members, to check",
        lambda qs: qs.filter(status=ExperienceStatus.PUBLISHED, needs_review=True),
    ),
    "edits": (
        "Edits waiting",
        lambda qs: qs.filter(status=ExperienceStatus.PUBLISHED).exclude(
            pending_body=""
        ),
    ),
    # Waiting for the author, not for us: listed to follow them up.
    "redacted": (
        "Redacted, waiting for the author",
        lambda qs: qs.filter(status=ExperienceStatus.REDACTED),
    ),
}
