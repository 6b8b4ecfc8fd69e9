"""Questions with their draft answers and references, the workflow states a
draft moves through, and `QuestionQuerySet.published()`: the one definition of
what the public may see (a live, approved revision).

The fields on `Question` are the working draft; every workflow step goes
through `answers.services`, which writes a `ReviewEvent`.
"""

from datetime import date, timedelta

import reversion
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Exists, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from answers.exceptions import InvalidTransition
from answers.models.catalogue import Condition
from answers.models.choices import QuestionKind, Topic
from answers.models.review import ReviewEvent
from diseasemaps.lib.urls import slug_path

# Addresses under /conditions/<condition>/ that belong to other pages.
RESERVED_QUESTION_SLUGS = {"experiences"}


def not_reserved(slug: str) -> None:
    if slug in RESERVED_QUESTION_SLUGS:
        raise ValidationError(
            f"“{slug}” is the address of another page; choose a different slug."
        )


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    PUBLISHED = "published", "Published"
    UNPUBLISHED = "unpublished", "Unpublished"


# The workflow state of the draft. Whether a live revision exists is separate:
# a published answer that is being edited is DRAFT (or IN_REVIEW) and still live.
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    Status.DRAFT: {Status.IN_REVIEW, Status.DRAFT},
    Status.IN_REVIEW: {Status.PUBLISHED, Status.CHANGES_REQUESTED, Status.DRAFT},
    Status.CHANGES_REQUESTED: {Status.IN_REVIEW, Status.DRAFT},
    Status.PUBLISHED: {Status.DRAFT, Status.UNPUBLISHED},
    Status.UNPUBLISHED: {Status.DRAFT},
}


class QuestionQuerySet(models.QuerySet):
    def published(self) -> "QuestionQuerySet":
        """The one definition of what the public may see: a live approved revision."""
        return self.filter(live_revision__isnull=False)

    def with_contribution_by(self, user) -> "QuestionQuerySet":
        """Annotate `contributed`: did `user` write or edit the draft under review?

        The draft under review is everything since the last approval, so edits
        that a reviewer made before that approval do not count against them.
        """
        last_approval = (
            ReviewEvent.objects.filter(
                question=OuterRef("question"), action=ReviewEvent.Action.APPROVED
            )
            .order_by("-pk")
            .values("pk")[:1]
        )
        contributions = ReviewEvent.objects.filter(
            question=OuterRef("pk"),
            actor_id=getattr(user, "pk", None),
            action__in=ReviewEvent.CONTRIBUTING_ACTIONS,
            pk__gt=Coalesce(
                Subquery(last_approval), Value(0), output_field=models.BigIntegerField()
            ),
        )
        return self.annotate(contributed=Exists(contributions))

    def awaiting_review_by(self, user) -> "QuestionQuerySet":
        return (
            self.filter(status=Status.IN_REVIEW)
            .with_contribution_by(user)
            .filter(contributed=False)
        )

    def overdue(self, today: date) -> "QuestionQuerySet":
        return self.published().filter(next_review_due__lt=today)

    def due_within(self, days: int, today: date) -> "QuestionQuerySet":
        return self.published().filter(
            next_review_due__gte=today, next_review_due__lte=today + timedelta(days)
        )


# Fields that make up the draft; only these are kept in the admin's History, so
# restoring an old version can never touch workflow state.
DRAFT_FIELDS = [
    "condition",
    "text",
    "slug",
    "kind",
    "topic",
    "order",
    "show_criteria",
    "short_answer",
    "body",
]


@reversion.register(fields=DRAFT_FIELDS, follow=["references"])
class Question(models.Model):
    condition = models.ForeignKey(
        Condition, on_delete=models.PROTECT, related_name="questions"
    )
    text = models.CharField(
        "question",
        max_length=200,
        help_text="The question as people ask it, e.g. “Is POEMS syndrome contagious?”",
    )
    slug = models.SlugField(
        max_length=100,
        validators=[not_reserved],
        help_text="The last part of the answer's address, e.g. is-it-contagious.",
    )
    kind = models.CharField(
        max_length=20,
        choices=QuestionKind.choices,
        default=QuestionKind.SHORT_ANSWER,
        help_text="Shown in the answer's header line.",
    )
    topic = models.CharField(
        max_length=20,
        choices=Topic.choices,
        default=Topic.ABOUT,
        help_text="Questions are grouped by topic on the condition page.",
    )
    order = models.PositiveSmallIntegerField(
        default=0, help_text="Position within its topic."
    )
    show_criteria = models.BooleanField(
        default=False,
        help_text="Show the condition's diagnostic criteria below this answer.",
    )
    short_answer = models.TextField(
        blank=True,
        help_text="One paragraph of at most 80 words that answers the question "
        "directly. Shown once, at the top of the page.",
    )
    body = models.TextField(
        blank=True,
        help_text="Markdown: “## Sub-question?” headings, paragraphs, “-” lists, "
        "*emphasis* and [links](https://…). A line ending in “:” must be followed "
        "by a list.",
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    # Goes up by one on every saved edit; a save based on an older number is
    # refused instead of silently overwriting someone else's work.
    draft_version = models.PositiveIntegerField(default=1, editable=False)
    live_revision = models.ForeignKey(
        "AnswerRevision",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    last_review = models.ForeignKey(
        "ReviewEvent",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        help_text="The approval or re-certification behind “last reviewed”.",
    )
    next_review_due = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["condition_id", "topic", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["condition", "slug"], name="question_unique_slug"
            )
        ]
        indexes = [
            # Review queues filter by workflow state.
            models.Index(fields=["status"], name="question_status_idx"),
            # "Overdue" and "due in 30 days" range over the due date.
            models.Index(fields=["next_review_due"], name="question_review_due_idx"),
        ]
        permissions = [
            ("submit_question", "Can submit answers for medical review"),
            ("review_question", "Can approve, request changes to and re-certify"),
            ("unpublish_question", "Can unpublish answers"),
        ]

    def __str__(self) -> str:
        return self.text

    def get_absolute_url(self) -> str:
        """The public address: the approved slug of the live revision. A
        question that is not live has no public page; its draft slug is given
        only so the admin can show where it would go."""
        # Lists of answers link to each one: see diseasemaps.lib.urls.
        slug = self.live_revision.slug if self.live_revision_id else self.slug
        return slug_path("public:answer", condition_slug=self.condition.slug, slug=slug)

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

    def draft_content(self) -> dict:
        """The draft as it would be approved; compared and snapshotted as a whole."""
        criteria = (
            [c.snapshot() for c in self.condition.criteria.all()]
            if self.show_criteria
            else []
        )
        return {
            "question_text": self.text,
            "slug": self.slug,
            "kind": self.kind,
            "topic": self.topic,
            "order": self.order,
            "short_answer": self.short_answer.strip(),
            "body": self.body.strip(),
            "references": [r.snapshot() for r in self.references.all()],
            "criteria": criteria,
        }


@reversion.register()
class Reference(models.Model):
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="references"
    )
    order = models.PositiveSmallIntegerField(default=0, help_text="Position in list.")
    citation = models.TextField(
        help_text="Authors. Title. Journal or publisher. Year. As readers see it."
    )
    url = models.URLField(max_length=500, blank=True, help_text="Link to the source.")
    pmid = models.CharField(
        "PMID",
        max_length=12,
        blank=True,
        validators=[RegexValidator(r"^\d{1,9}$", "A PMID is digits only.")],
        help_text="PubMed identifier, digits only.",
    )
    doi = models.CharField(
        "DOI",
        max_length=200,
        blank=True,
        validators=[
            RegexValidator(r"^10\.\d{4,9}/\S+$", "A DOI looks like 10.1002/ajh.12345.")
        ],
        help_text="Without the https://doi.org/ prefix.",
    )

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.citation[:80]

    def snapshot(self) -> dict:
        return {
            "citation": self.citation.strip(),
            "url": self.url,
            "pmid": self.pmid,
            "doi": self.doi,
        }
