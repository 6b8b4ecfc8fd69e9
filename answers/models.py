"""Conditions, questions with their draft answers, approved revisions, reviewers
and the review audit trail.

The public sees only `AnswerRevision`s that a medical reviewer approved; the
fields on `Question` are the working draft. Every workflow step goes through
`answers.services`, which writes a `ReviewEvent`.
"""

import re
from datetime import date, timedelta

import reversion
from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from answers.exceptions import InvalidTransition, WorkflowError
from diseasemaps.lib.markdown import render_answer
from diseasemaps.lib.urls import slug_path

# Addresses under /conditions/<condition>/ that belong to other pages.
RESERVED_QUESTION_SLUGS = {"experiences"}


def not_reserved(slug: str) -> None:
    if slug in RESERVED_QUESTION_SLUGS:
        raise ValidationError(
            f"“{slug}” is the address of another page; choose a different slug."
        )


def non_blank_lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


@reversion.register()
class Reviewer(models.Model):
    """A credentialed clinician whose name stands behind approved answers."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        # The public profile and every approval it signed outlive the login.
        on_delete=models.SET_NULL,
        related_name="reviewer_profile",
        help_text="The login this reviewer uses in the admin.",
    )
    display_name = models.CharField(
        max_length=120, help_text="Name as readers see it, e.g. “Dr Amara Okafor”."
    )
    slug = models.SlugField(
        max_length=120, unique=True, help_text="Used in the public profile address."
    )
    credentials = models.CharField(
        max_length=120, help_text="Post-nominal letters, e.g. “MD, FRCP”."
    )
    specialty = models.CharField(max_length=120, help_text="e.g. “Haematology”.")
    affiliation = models.CharField(
        max_length=200, blank=True, help_text="Hospital or university, if any."
    )
    registration_body = models.CharField(
        max_length=120,
        blank=True,
        help_text="The body that licenses this clinician, e.g. “General Medical "
        "Council”.",
    )
    registration_id = models.CharField(
        max_length=60,
        help_text="Registration or licence number; check it before activating.",
    )
    bio = models.TextField(blank=True, help_text="A few sentences for readers.")
    disclosures = models.TextField(
        blank=True,
        help_text="Financial and other interests relevant to reviewed content. "
        "Leave blank only when there is nothing to declare.",
    )
    active = models.BooleanField(
        default=False,
        help_text="Only active reviewers can approve or re-certify answers.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["display_name"]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("public:reviewer", kwargs={"slug": self.slug})

    @property
    def byline(self) -> str:
        return f"{self.display_name}, {self.credentials} ({self.specialty})"


class ConditionQuerySet(models.QuerySet):
    def published(self) -> "ConditionQuerySet":
        """Conditions with at least one answer the public may see."""
        return self.filter(
            Exists(Question.objects.published().filter(condition=OuterRef("pk")))
        )


@reversion.register(follow=["codes", "criteria"])
class Condition(models.Model):
    name = models.CharField(
        max_length=200, unique=True, help_text="Common name, e.g. “POEMS syndrome”."
    )
    slug = models.SlugField(
        max_length=100,
        unique=True,
        help_text="The condition's part of every address, e.g. poems-syndrome.",
    )
    acronym = models.CharField(
        max_length=30, blank=True, help_text="e.g. “POEMS”. Leave blank if none."
    )
    acronym_expansion = models.CharField(
        max_length=300,
        blank=True,
        help_text="What the acronym stands for, e.g. “Polyneuropathy, Organomegaly, "
        "…”.",
    )
    synonyms = models.TextField(
        blank=True, help_text="Other names for the condition, one per line."
    )
    summary = models.TextField(
        blank=True, help_text="One or two plain-language paragraphs (Markdown)."
    )
    prevalence = models.CharField(
        max_length=200,
        blank=True,
        help_text="Plain words with the source's uncertainty, e.g. “About 3 in "
        "1,000,000 people”.",
    )
    review_interval_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(30), MaxValueValidator(1095)],
        help_text="Days between reviews of this condition's answers. Blank uses the "
        "site default (365).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ConditionQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return slug_path("public:condition", slug=self.slug)

    def clean(self) -> None:
        if self.acronym and not self.acronym_expansion:
            raise ValidationError(
                {"acronym_expansion": "Say what the acronym stands for."}
            )

    @property
    def synonym_list(self) -> list[str]:
        return non_blank_lines(self.synonyms)

    @property
    def review_interval(self) -> timedelta:
        return timedelta(
            days=self.review_interval_days or settings.DEFAULT_REVIEW_INTERVAL_DAYS
        )


class CodingSystem(models.TextChoices):
    ORPHA = "ORPHA", "Orphanet (ORPHA)"
    ICD10 = "ICD-10", "ICD-10"
    ICD11 = "ICD-11", "ICD-11"
    MESH = "MeSH", "MeSH"
    GARD = "GARD", "GARD"
    OMIM = "OMIM", "OMIM"


# What a code looks like in each system, with an example for the error message.
CODE_FORMATS = {
    CodingSystem.ORPHA: (r"\d{1,7}", "2905"),
    CodingSystem.ICD10: (r"[A-Z]\d{2}(\.[0-9A-Z]{1,4})?", "G70.0"),
    CodingSystem.ICD11: (r"[0-9A-Z]{4}(\.[0-9A-Z]{1,3})?", "8C60"),
    CodingSystem.MESH: (r"[CD]\d{6,9}", "D009157"),
    CodingSystem.GARD: (r"\d{1,6}", "7398"),
    CodingSystem.OMIM: (r"\d{6}", "219700"),
}
CODE_URLS = {
    CodingSystem.ORPHA: "https://www.orpha.net/en/disease/detail/{code}",
    CodingSystem.MESH: "https://meshb.nlm.nih.gov/record/ui?ui={code}",
    CodingSystem.OMIM: "https://omim.org/entry/{code}",
}


@reversion.register()
class ConditionCode(models.Model):
    condition = models.ForeignKey(
        Condition, on_delete=models.CASCADE, related_name="codes"
    )
    system = models.CharField(
        max_length=10, choices=CodingSystem.choices, help_text="Coding system."
    )
    code = models.CharField(
        max_length=40, help_text="The code without its prefix, e.g. 2905 for ORPHA."
    )

    class Meta:
        ordering = ["system", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["condition", "system", "code"], name="conditioncode_unique"
            )
        ]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        self.code = (self.code or "").strip()
        if self.system in CODE_FORMATS:
            pattern, example = CODE_FORMATS[self.system]
            if not re.fullmatch(pattern, self.code):
                raise ValidationError(
                    {
                        "code": f"“{self.code}” is not a valid {self.system} code; "
                        f"expected something like {example}."
                    }
                )

    @property
    def label(self) -> str:
        separator = ":" if self.system == CodingSystem.ORPHA else " "
        return f"{self.system}{separator}{self.code}"

    @property
    def url(self) -> str:
        template = CODE_URLS.get(self.system)
        return template.format(code=self.code) if template else ""


@reversion.register()
class CriteriaList(models.Model):
    """One category of diagnostic criteria, e.g. “Mandatory major criteria”."""

    condition = models.ForeignKey(
        Condition, on_delete=models.CASCADE, related_name="criteria"
    )
    category = models.CharField(
        max_length=200,
        help_text="e.g. “Mandatory major criteria (both are required)”.",
    )
    items = models.TextField(
        help_text="One criterion per line. A list can never be empty."
    )
    source = models.CharField(
        max_length=400, help_text="The publication that defines these criteria."
    )
    version = models.CharField(
        max_length=60, blank=True, help_text="Edition or year, e.g. “2021 update”."
    )
    order = models.PositiveSmallIntegerField(
        default=0, help_text="Position among this condition's criteria lists."
    )

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = "diagnostic criteria list"
        constraints = [
            models.CheckConstraint(
                condition=~Q(items=""), name="criterialist_items_not_empty"
            )
        ]

    def __str__(self) -> str:
        return self.category

    def clean(self) -> None:
        if not self.item_list:
            raise ValidationError(
                {"items": "Add at least one criterion, one per line."}
            )

    @property
    def item_list(self) -> list[str]:
        return non_blank_lines(self.items)

    def snapshot(self) -> dict:
        return {
            "category": self.category,
            "items": self.item_list,
            "source": self.source,
            "version": self.version,
        }


class QuestionKind(models.TextChoices):
    SHORT_ANSWER = "short_answer", "Short answer"
    EXPLAINER = "explainer", "Explainer"


class Topic(models.TextChoices):
    ABOUT = "about", "About the condition"
    CAUSES = "causes", "Causes"
    SYMPTOMS = "symptoms", "Symptoms"
    DIAGNOSIS = "diagnosis", "Diagnosis"
    TREATMENT = "treatment", "Treatment"
    LIVING = "living", "Daily life"
    OUTLOOK = "outlook", "Outlook"


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
        # Lists of answers link to each one: see diseasemaps.lib.urls.
        return slug_path(
            "public:answer", condition_slug=self.condition.slug, slug=self.slug
        )

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


class ImmutableRecord(WorkflowError):
    pass


class AppendOnlyModel(models.Model):
    """Rows that are written once and never changed or deleted: the audit trail."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ImmutableRecord(f"{self._meta.verbose_name} records cannot change.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecord(f"{self._meta.verbose_name} records cannot be deleted.")


class AnswerRevision(AppendOnlyModel):
    """An approved answer, exactly as the reviewer approved it."""

    question = models.ForeignKey(
        Question, on_delete=models.PROTECT, related_name="revisions"
    )
    number = models.PositiveIntegerField()
    draft_version = models.PositiveIntegerField()
    question_text = models.CharField(max_length=200)
    short_answer = models.TextField()
    body = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    references = models.JSONField(default=list)
    criteria = models.JSONField(default=list)
    content_changed = models.BooleanField(
        help_text="Whether the content differs from the previous approved revision."
    )
    content_updated_at = models.DateTimeField(
        help_text="When approved content last changed: the page's “last updated”."
    )
    reviewer = models.ForeignKey(
        Reviewer, on_delete=models.PROTECT, related_name="revisions"
    )
    # The reviewer's name and credentials as they were when they approved.
    reviewer_name = models.CharField(max_length=120)
    reviewer_credentials = models.CharField(max_length=120)
    reviewer_specialty = models.CharField(max_length=120)
    coi_statement = models.TextField()
    approved_at = models.DateTimeField()

    class Meta:
        ordering = ["question", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["question", "number"], name="answerrevision_unique_number"
            ),
            # A draft version can be approved once: a second, concurrent approval
            # of the same draft fails here even if the row lock were bypassed.
            models.UniqueConstraint(
                fields=["question", "draft_version"],
                name="answerrevision_unique_draft",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question_text} (revision {self.number})"

    def save(self, *args, **kwargs) -> None:
        if self._state.adding:
            self.body_html = render_answer(self.body)
        super().save(*args, **kwargs)

    @property
    def reviewer_byline(self) -> str:
        return (
            f"{self.reviewer_name}, {self.reviewer_credentials} "
            f"({self.reviewer_specialty})"
        )

    @property
    def body_safe_html(self) -> SafeString:
        # body_html is nh3's sanitised output, made once when the revision was
        # created; the row can never change afterwards.
        return mark_safe(self.body_html)  # noqa: S308  # nosec B308 B703

    def content(self) -> dict:
        return {
            "question_text": self.question_text,
            "short_answer": self.short_answer,
            "body": self.body,
            "references": self.references,
            "criteria": self.criteria,
        }


class ReviewEvent(AppendOnlyModel):
    """One step of the review workflow: who did what to which draft, and when."""

    class Action(models.TextChoices):
        EDITED = "edited", "Draft edited"
        SUBMITTED = "submitted", "Submitted for review"
        APPROVED = "approved", "Approved"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        RECERTIFIED = "recertified", "Re-certified"
        UNPUBLISHED = "unpublished", "Unpublished"
        ROLLED_BACK = "rolled_back", "Rolled back"

    # Steps that make someone an author of the draft (the four-eyes rule).
    CONTRIBUTING_ACTIONS = (Action.EDITED, Action.SUBMITTED, Action.ROLLED_BACK)

    question = models.ForeignKey(
        Question, on_delete=models.PROTECT, related_name="events"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        # Deleting a user keeps the audit row; actor_name keeps what it showed.
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(max_length=150)
    draft_version = models.PositiveIntegerField()
    revision = models.ForeignKey(
        AnswerRevision,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )
    reviewer = models.ForeignKey(
        Reviewer, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewer_name = models.CharField(max_length=120, blank=True)
    reviewer_credentials = models.CharField(max_length=120, blank=True)
    reviewer_specialty = models.CharField(max_length=120, blank=True)
    coi_statement = models.TextField(blank=True)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-pk"]
        indexes = [
            # The four-eyes rule and "awaiting my review" look up, per question,
            # the last approval and the contributions after it.
            models.Index(
                fields=["question", "action", "actor"], name="reviewevent_lookup_idx"
            ),
            models.Index(fields=["created_at"], name="reviewevent_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.actor_name}"

    @property
    def reviewer_byline(self) -> str:
        return (
            f"{self.reviewer_name}, {self.reviewer_credentials} "
            f"({self.reviewer_specialty})"
        )


class PublicVersion(models.Model):
    """One counter for everything the public sees.

    Every change to public content (an approval, a re-certification, an
    unpublished answer, a condition or reviewer edit, a moderated post) moves it
    on, in the same transaction as the change. Page ETags and the server-side
    page cache are keyed by it, so no reader is ever served a page older than
    the last change.
    """

    version = models.PositiveBigIntegerField(default=1)
    changed_at = models.DateTimeField(default=timezone.now)
    # Stored pages rendered before this version are stale, whatever their
    # condition (a reviewer's profile or the whole dataset changed): see
    # public/pages.py.
    pages_since = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"Public content version {self.version}"


class PageStamp(models.Model):
    """The public content version at the last change to one condition's pages.

    Its condition page and every one of its answer pages show the condition
    and the list of its live questions, so a change to any of them makes all
    of them stale. Kept out of `Condition` itself: a form or a restore from
    History that saved an old copy of the condition must not move it back.
    """

    condition = models.OneToOneField(
        Condition,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="page_stamp",
    )
    version = models.PositiveBigIntegerField()

    def __str__(self) -> str:
        return f"{self.condition_id} changed at version {self.version}"


class StoredPage(models.Model):
    """A public page as rendered for anonymous readers, kept until a change to
    what it shows deletes it or makes it stale (public/pages.py)."""

    path = models.CharField(max_length=300, unique=True)
    condition = models.ForeignKey(
        Condition, on_delete=models.CASCADE, related_name="stored_pages"
    )
    question = models.ForeignKey(
        Question,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="stored_pages",
    )
    # The public content version read before the page's content was.
    version = models.PositiveBigIntegerField()
    release = models.CharField(max_length=100)
    # For the overdue notice, which is added each time the page is served.
    next_review_due = models.DateField(null=True, blank=True)
    html = models.TextField()
    rendered_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.path} at version {self.version}"


class SearchEntry(models.Model):
    """What search reads for one live answer: a denormalised copy of the words
    readers search by, kept up to date by `answers.search_index.refresh`.

    There is one row per live question and none for drafts, so a query can
    never find text the public may not see. On PostgreSQL `document` holds the
    weighted full-text vector (condition names above question above answer);
    on SQLite it stays empty and search falls back to plain substring matching.
    """

    question = models.OneToOneField(
        Question, on_delete=models.CASCADE, related_name="search_entry"
    )
    condition = models.ForeignKey(
        Condition, on_delete=models.CASCADE, related_name="search_entries"
    )
    condition_terms = models.TextField(
        help_text="Name, acronym, its expansion and synonyms of the condition."
    )
    question_text = models.TextField(help_text="The question as published.")
    answer_text = models.TextField(
        help_text="The published short answer and the plain text of the body."
    )
    document = SearchVectorField(null=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    # The GIN index on `document` and the trigram indexes on `condition_terms`
    # and `question_text` exist on PostgreSQL only; migration 0006 creates them
    # (a GinIndex here would break the SQLite schema).

    class Meta:
        verbose_name_plural = "search entries"

    def __str__(self) -> str:
        return self.question_text
