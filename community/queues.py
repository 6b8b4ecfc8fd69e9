"""The moderators' work queues, shared by the admin list filter and home page."""

from collections.abc import Callable

from django.db.models import Exists, OuterRef, QuerySet

from community.models import ExperienceStatus, MedicalReview, Report, RiskLevel
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
    # Not those with a medical reviewer: they decide on those (below).
    "pending": (
        "New posts",
        lambda qs: qs.filter(
            status=ExperienceStatus.PENDING, medical_review=MedicalReview.NONE
        ),
    ),
    "reported": ("Reported posts", _reported),
    "check": (
        "Published by trusted members, to check",
        lambda qs: qs.filter(status=ExperienceStatus.PUBLISHED, needs_review=True),
    ),
    "edits": (
        "Edits waiting",
        lambda qs: qs.filter(status=ExperienceStatus.PUBLISHED).exclude(
            pending_body="", pending_audience=""
        ),
    ),
    # Sent on to a medical reviewer, or back with the author for an edit
    # they asked for (community.services.medical_review): nothing for a
    # moderator to do but follow it.
    "medical": (
        "With a medical reviewer",
        lambda qs: qs.exclude(medical_review=MedicalReview.NONE),
    ),
    # Waiting for the author, not for us: listed to follow them up.
    "redacted": (
        "Redacted, waiting for the author",
        lambda qs: qs.filter(status=ExperienceStatus.REDACTED),
    ),
}


def medical_review_queue(queryset: QuerySet) -> QuerySet:
    """The medical reviewers' queue: posts a moderator sent them (or that
    came back with the edit they asked for), the longest waiting first."""
    return queryset.filter(medical_review=MedicalReview.ASKED).order_by(
        "medical_asked_at", "pk"
    )
