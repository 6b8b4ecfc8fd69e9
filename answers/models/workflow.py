"""What every piece of medically reviewed content shares: a working draft on
the row, the workflow state it moves through, an immutable approved revision
the public reads (`live_revision`), the review behind "last reviewed" and the
date the next review is due.

Questions (their answers) and conditions (their facts) are both
`ReviewedContent`; `answers.services` moves either through the same steps,
and `ReviewEvent` records each step for either.
"""

from datetime import date, timedelta

from django.db import models
from django.db.models import Exists, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from answers.exceptions import InvalidTransition


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    PUBLISHED = "published", "Published"
    UNPUBLISHED = "unpublished", "Unpublished"


# The workflow state of the draft. Whether a live revision exists is separate:
# published content that is being edited is DRAFT (or IN_REVIEW) and still live.
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    Status.DRAFT: {Status.IN_REVIEW, Status.DRAFT},
    Status.IN_REVIEW: {Status.PUBLISHED, Status.CHANGES_REQUESTED, Status.DRAFT},
    Status.CHANGES_REQUESTED: {Status.IN_REVIEW, Status.DRAFT},
    Status.PUBLISHED: {Status.DRAFT, Status.UNPUBLISHED},
    Status.UNPUBLISHED: {Status.DRAFT},
}


class ReviewedQuerySet(models.QuerySet):
    """Queues over reviewed content; `ReviewEvent`'s foreign key to the model
    is named by the model's `EVENT_FIELD`."""

    def live(self) -> "ReviewedQuerySet":
        """Content whose approved revision the public sees."""
        return self.filter(live_revision__isnull=False)

    def with_contribution_by(self, user) -> "ReviewedQuerySet":
        """Annotate `contributed`: did `user` write or edit the draft under review?

        The draft under review is everything since the last approval, so edits
        that a reviewer made before that approval do not count against them.
        """
        # ReviewEvent, through the relation: review.py imports this module.
        ReviewEvent = self.model._meta.get_field("last_review").related_model
        field = self.model.EVENT_FIELD
        last_approval = (
            ReviewEvent.objects.filter(
                **{field: OuterRef(field)}, action=ReviewEvent.Action.APPROVED
            )
            .order_by("-pk")
            .values("pk")[:1]
        )
        contributions = ReviewEvent.objects.filter(
            **{field: OuterRef("pk")},
            actor_id=getattr(user, "pk", None),
            action__in=ReviewEvent.CONTRIBUTING_ACTIONS,
            pk__gt=Coalesce(
                Subquery(last_approval), Value(0), output_field=models.BigIntegerField()
            ),
        )
        return self.annotate(contributed=Exists(contributions))

    def awaiting_review_by(self, user) -> "ReviewedQuerySet":
        return (
            self.filter(status=Status.IN_REVIEW)
            .with_contribution_by(user)
            .filter(contributed=False)
        )

    def overdue(self, today: date) -> "ReviewedQuerySet":
        return self.live().filter(next_review_due__lt=today)

    def due_within(self, days: int, today: date) -> "ReviewedQuerySet":
        return self.live().filter(
            next_review_due__gte=today, next_review_due__lte=today + timedelta(days)
        )


class ReviewedContent(models.Model):
    """The workflow fields; a concrete model adds `live_revision` (a foreign key
    to its revision model, whose rows have `related_name="revisions"`), sets
    `EVENT_FIELD`, and implements `draft_content()` and `review_interval`."""

    # The name of ReviewEvent's foreign key to this model.
    EVENT_FIELD = ""

    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    # Goes up by one on every saved edit; a save based on an older number is
    # refused instead of silently overwriting someone else's work.
    draft_version = models.PositiveIntegerField(default=1, editable=False)
    last_review = models.ForeignKey(
        "answers.ReviewEvent",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        help_text="The approval or re-certification behind “last reviewed”.",
    )
    next_review_due = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    def transition_to(self, new_status: str) -> None:
        if new_status not in ALLOWED_TRANSITIONS[self.status]:
            raise InvalidTransition(
                f"“{self}” is {self.get_status_display().lower()}; it cannot become "
                f"{Status(new_status).label.lower()} from there."
            )
        self.status = new_status

    @property
    def is_live(self) -> bool:
        return self.live_revision_id is not None

    @property
    def has_unpublished_changes(self) -> bool:
        """Live, with draft edits that the public does not see yet."""
        return (
            self.live_revision is not None
            and self.live_revision.draft_version != self.draft_version
        )

    @property
    def status_label(self) -> str:
        label = self.get_status_display()
        if self.has_unpublished_changes:
            label += " · unpublished changes"
        elif self.is_live and self.status != Status.PUBLISHED:
            label += " · live version online"
        return label

    def is_overdue(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        return bool(self.next_review_due and self.next_review_due < today)
