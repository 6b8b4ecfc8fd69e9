"""The people and records behind every approval: reviewers (credentialed
clinicians), the immutable approved revisions readers see, and the
append-only audit trail of every workflow step.

Nothing here is ever changed or deleted once written (`AppendOnlyModel`), and
deleting a user keeps every row: the names and credentials they showed are
copied into the rows themselves.
"""

import reversion
from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.safestring import SafeString, mark_safe

from answers.exceptions import WorkflowError
from answers.models.choices import QuestionKind, Topic
from answers.models.terminology import shown_codes
from diseasemaps.lib.markdown import render_answer


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


# What readers read in an answer: a change to any of these moves its "last
# updated". The rest of a revision places the page (address, kind, topic,
# position) and is approved just the same.
READER_CONTENT = (
    "question_text",
    "short_answer",
    "body",
    "references",
    "show_criteria",
)


class ApprovedRevision(AppendOnlyModel):
    """What every approval records besides the content: its number, the draft
    version it approved, whether the content changed, and the reviewer's
    name, credentials and conflict-of-interest statement as they were."""

    number = models.PositiveIntegerField()
    draft_version = models.PositiveIntegerField()
    content_changed = models.BooleanField(
        help_text="Whether the content differs from the previous approved revision."
    )
    content_updated_at = models.DateTimeField(
        help_text="When approved content last changed: the page's “last updated”."
    )
    # The reviewer's name and credentials as they were when they approved.
    reviewer_name = models.CharField(max_length=120)
    reviewer_credentials = models.CharField(max_length=120)
    reviewer_specialty = models.CharField(max_length=120)
    coi_statement = models.TextField()
    approved_at = models.DateTimeField()

    class Meta:
        abstract = True

    @property
    def reviewer_byline(self) -> str:
        return (
            f"{self.reviewer_name}, {self.reviewer_credentials} "
            f"({self.reviewer_specialty})"
        )


class AnswerRevision(ApprovedRevision):
    """An approved answer, exactly as the reviewer approved it: everything the
    public shows of the question, its address and place among its siblings
    included, is read from here and never from the draft row."""

    question = models.ForeignKey(
        "answers.Question", on_delete=models.PROTECT, related_name="revisions"
    )
    question_text = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100)
    kind = models.CharField(max_length=20, choices=QuestionKind.choices)
    topic = models.CharField(max_length=20, choices=Topic.choices)
    order = models.PositiveSmallIntegerField()
    short_answer = models.TextField()
    body = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    references = models.JSONField(default=list)
    # Whether the page shows the condition's diagnostic criteria: those of the
    # condition's live facts revision, so the two pages never disagree.
    show_criteria = models.BooleanField(default=False)
    # Revisions approved before condition facts were reviewed kept a copy of
    # the criteria here; newer ones keep none. History only: no page reads it.
    criteria = models.JSONField(default=list)
    reviewer = models.ForeignKey(
        Reviewer, on_delete=models.PROTECT, related_name="revisions"
    )
    # What changed, in one line for readers, written by the writer with the
    # draft and approved with it: the page's "Corrections and updates".
    change_summary = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["question", "-number"]
        indexes = [
            # /about/corrections/ and its feed: changes to published answers,
            # newest first.
            models.Index(
                fields=["-approved_at"],
                condition=models.Q(content_changed=True, number__gt=1),
                name="answerrevision_correction_idx",
            )
        ]
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
    def body_safe_html(self) -> SafeString:
        # body_html is nh3's sanitised output, made once when the revision was
        # created; the row can never change afterwards.
        return mark_safe(self.body_html)  # noqa: S308  # nosec B308 B703

    def content(self) -> dict:
        """What was approved, in the shape of `Question.draft_content()`."""
        return {
            "question_text": self.question_text,
            "slug": self.slug,
            "kind": self.kind,
            "topic": self.topic,
            "order": self.order,
            "short_answer": self.short_answer,
            "body": self.body,
            "references": self.references,
            "show_criteria": self.show_criteria,
        }


class ConditionRevision(ApprovedRevision):
    """A condition's facts exactly as a reviewer approved them: its name and
    address, other names, summary, prevalence, codes and diagnostic criteria.
    Every public page reads a condition's facts from its live revision."""

    condition = models.ForeignKey(
        "answers.Condition", on_delete=models.PROTECT, related_name="revisions"
    )
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100)
    acronym = models.CharField(max_length=30, blank=True)
    acronym_expansion = models.CharField(max_length=300, blank=True)
    synonyms = models.JSONField(default=list)
    summary = models.TextField(blank=True)
    summary_html = models.TextField(blank=True)
    prevalence = models.CharField(max_length=200, blank=True)
    # [{"system": "ORPHA", "code": "2905", "name": "POEMS syndrome",
    #   "release": "2025-05-06"}, …]: each code with the source's name for it
    # and the release it was checked against (`Condition.checked_codes()`).
    # Revisions approved before the catalogue have no "release": never shown.
    codes = models.JSONField(default=list)
    # CriteriaSet.snapshot() of each set, in order.
    criteria = models.JSONField(default=list)
    reviewer = models.ForeignKey(
        Reviewer, on_delete=models.PROTECT, related_name="condition_revisions"
    )

    class Meta:
        ordering = ["condition", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["condition", "number"], name="conditionrevision_unique_number"
            ),
            models.UniqueConstraint(
                fields=["condition", "draft_version"],
                name="conditionrevision_unique_draft",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (facts, revision {self.number})"

    def save(self, *args, **kwargs) -> None:
        if self._state.adding:
            self.summary_html = render_answer(self.summary)
        super().save(*args, **kwargs)

    @property
    def summary_safe_html(self) -> SafeString:
        # Sanitised by nh3 when the revision was created, never changed since.
        return mark_safe(self.summary_html)  # noqa: S308  # nosec B308 B703

    @property
    def synonym_list(self) -> list[str]:
        return self.synonyms

    @cached_property
    def _shown_codes(self) -> tuple[list, list]:
        return shown_codes(self.codes)

    @property
    def code_list(self) -> list:
        """The approved codes a page shows (`ShownCode`): those recorded with
        the release they were checked against, never an unchecked one."""
        return self._shown_codes[0]

    @property
    def code_sources(self) -> list:
        """The terminology sources of `code_list`, for their attribution."""
        return self._shown_codes[1]

    def content(self) -> dict:
        """What was approved, in the shape of `Condition.draft_content()`."""
        return {
            "name": self.name,
            "slug": self.slug,
            "acronym": self.acronym,
            "acronym_expansion": self.acronym_expansion,
            "synonyms": self.synonyms,
            "summary": self.summary,
            "prevalence": self.prevalence,
            "codes": self.codes,
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

    # What the step was about: a question (its answer) or a condition (its facts).
    question = models.ForeignKey(
        "answers.Question",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )
    condition = models.ForeignKey(
        "answers.Condition",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
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
    condition_revision = models.ForeignKey(
        ConditionRevision,
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
            models.Index(
                fields=["condition", "action", "actor"],
                name="reviewevent_condition_idx",
            ),
            models.Index(fields=["created_at"], name="reviewevent_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(question__isnull=False, condition__isnull=True)
                | models.Q(question__isnull=True, condition__isnull=False),
                name="reviewevent_one_subject",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.actor_name}"

    @property
    def approved_revision(self) -> "AnswerRevision | ConditionRevision | None":
        """The revision the step approved, re-certified or rolled back to."""
        return self.revision if self.question_id else self.condition_revision

    @property
    def reviewer_byline(self) -> str:
        return (
            f"{self.reviewer_name}, {self.reviewer_credentials} "
            f"({self.reviewer_specialty})"
        )
