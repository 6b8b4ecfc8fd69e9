"""Questions with their draft answers and references, and
`QuestionQuerySet.published()`: the one definition of what the public may see
of answers (a live, approved revision). The workflow fields and states are
shared with conditions (answers/models/workflow.py).

The fields on `Question` are the working draft; every workflow step goes
through `answers.services`, which writes a `ReviewEvent`.
"""

from datetime import datetime, timedelta

import reversion
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Case, Count, F, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce

from answers.models.catalogue import Condition
from answers.models.choices import QuestionKind, Topic
from answers.models.workflow import ReviewedContent, ReviewedQuerySet
from diseasemaps.lib.urls import slug_path

# Addresses under /conditions/<condition>/ that belong to other pages.
RESERVED_QUESTION_SLUGS = {"experiences"}


def not_reserved(slug: str) -> None:
    if slug in RESERVED_QUESTION_SLUGS:
        raise ValidationError(
            f"“{slug}” is the address of another page; choose a different slug."
        )


class QuestionQuerySet(ReviewedQuerySet):
    def published(self) -> "QuestionQuerySet":
        """The one definition of what the public may see: a live approved revision."""
        return self.live()

    def with_reader_figures(self, since: datetime) -> "QuestionQuerySet":
        """Annotate what readers told us since `since`: `vote_count`,
        `yes_count` and `helpful_share` (the percentage of "yes", None without
        votes), and `open_reports`. Subqueries per row, so a sorted list of
        questions stays one query."""
        from answers.models.feedback import OPEN_STATES, Feedback, HelpfulVote

        def count(queryset) -> Coalesce:
            counted = (
                queryset.filter(question=OuterRef("pk"))
                .order_by()
                .values("question")
                .annotate(n=Count("pk"))
                .values("n")
            )
            return Coalesce(Subquery(counted), 0)

        recent = HelpfulVote.objects.filter(created_at__gte=since)
        return self.annotate(
            vote_count=count(recent),
            yes_count=count(recent.filter(helpful=True)),
            open_reports=count(Feedback.objects.filter(state__in=OPEN_STATES)),
        ).annotate(
            helpful_share=Case(
                When(vote_count=0, then=Value(None)),
                default=F("yes_count") * 100.0 / F("vote_count"),
                output_field=models.FloatField(),
            )
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
    "change_summary",
]


@reversion.register(fields=DRAFT_FIELDS, follow=["references"])
class Question(ReviewedContent):
    EVENT_FIELD = "question"

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
    change_summary = models.CharField(
        "change summary for readers",
        max_length=200,
        blank=True,
        help_text="One line for the page's “Corrections and updates”, e.g. "
        "“Corrected the age at which symptoms usually start.” Approved with "
        "the answer; leave blank for a first publication.",
    )
    live_revision = models.ForeignKey(
        "AnswerRevision",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
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
        return slug_path(
            "public:answer", condition_slug=self.condition.address, slug=slug
        )

    @property
    def review_interval(self) -> timedelta:
        return self.condition.review_interval

    def draft_content(self) -> dict:
        """The draft as it would be approved; compared and snapshotted as a
        whole. Diagnostic criteria are the condition's facts: an answer only
        says whether it shows them, and shows the condition's approved ones."""
        return {
            "question_text": self.text,
            "slug": self.slug,
            "kind": self.kind,
            "topic": self.topic,
            "order": self.order,
            "short_answer": self.short_answer.strip(),
            "body": self.body.strip(),
            "references": [r.snapshot() for r in self.references.all()],
            "show_criteria": self.show_criteria,
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
