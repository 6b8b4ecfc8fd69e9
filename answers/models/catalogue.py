"""The catalogue of conditions: each condition's facts (names, acronym,
summary, prevalence, review interval), its codes in the coding systems and its
diagnostic criteria sets. What writers draft and readers see about a
condition as a whole, not about one question.
"""

from datetime import timedelta

import reversion
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q

from answers.exceptions import CodeRefused
from answers.models.terminology import (
    CheckedCode,
    TerminologySource,
    check_code,
    find_concepts,
    normalise,
)
from answers.models.workflow import ReviewedContent, ReviewedQuerySet
from diseasemaps.lib.urls import slug_path


def non_blank_lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class ConditionQuerySet(ReviewedQuerySet):
    def published(self) -> "ConditionQuerySet":
        """Conditions with a public page: at least one answer the public may
        see. (Whether their facts are approved is `live()`.)"""
        # Question, through the reverse relation: answers/models/questions.py
        # imports this module, not the other way round.
        question = self.model._meta.get_field("questions").related_model
        return self.filter(
            Exists(question.objects.published().filter(condition=OuterRef("pk")))
        )


# The draft facts; only these are kept in the admin's History, so restoring an
# old version can never touch workflow state or the approved public name.
CONDITION_DRAFT_FIELDS = [
    "name",
    "slug",
    "acronym",
    "acronym_expansion",
    "synonyms",
    "summary",
    "prevalence",
    "review_interval_days",
]


@reversion.register(fields=CONDITION_DRAFT_FIELDS, follow=["codes", "criteria_sets"])
class Condition(ReviewedContent):
    """A condition: the row holds the writers' draft of its facts; readers see
    the facts of `live_revision`, a reviewer's approval, and its name and
    address as `public_name` and `public_slug`."""

    EVENT_FIELD = "condition"
    DRAFT_FIELDS = CONDITION_DRAFT_FIELDS

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
    live_revision = models.ForeignKey(
        "ConditionRevision",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    # The name and address readers know the condition by. Written only by
    # approvals: the facts' approval (from its revision), or, for a condition
    # whose facts were never approved, the first approval of one of its
    # answers (whose reviewer approved a page headed with this name).
    public_name = models.CharField(max_length=200, blank=True, editable=False)
    public_slug = models.SlugField(
        max_length=100, null=True, blank=True, unique=True, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ConditionQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["status"], name="condition_status_idx"),
            models.Index(fields=["next_review_due"], name="condition_review_due_idx"),
            models.Index(fields=["public_name"], name="condition_public_name_idx"),
        ]
        permissions = [
            ("submit_condition", "Can submit condition facts for medical review"),
            ("review_condition", "Can approve, request changes to and re-certify"),
            ("unpublish_condition", "Can unpublish condition facts"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def address(self) -> str:
        """The slug of the condition's public address; before it is public,
        the one its draft would have (for the admin only)."""
        return self.public_slug or self.slug

    def get_absolute_url(self) -> str:
        return slug_path("public:condition", slug=self.address)

    def draft_content(self) -> dict:
        """The draft facts as they would be approved (`ConditionRevision`)."""
        return {
            "name": self.name,
            "slug": self.slug,
            "acronym": self.acronym,
            "acronym_expansion": self.acronym_expansion,
            "synonyms": self.synonym_list,
            "summary": self.summary.strip(),
            "prevalence": self.prevalence,
            "codes": self.checked_codes(),
            "criteria": [
                criteria_set.snapshot()
                for criteria_set in self.criteria_sets.prefetch_related("groups")
            ],
        }

    def checked_codes(self) -> list[dict]:
        """The codes as readers would be shown them: each checked against the
        current release of its system, with the source's name for it and that
        release. A code that fails the check keeps only its system and code:
        no page shows it, and the pre-approval checks say why."""
        codes = [(code.system, code.code) for code in self.codes.all()]
        found = find_concepts(codes) if codes else {}
        return [
            {"system": system, "code": code}
            if isinstance(found[(system, code)], str)
            else CheckedCode.of(found[(system, code)]).as_dict()
            for system, code in codes
        ]

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


@reversion.register()
class ConditionCode(models.Model):
    """One code of a condition, picked from the terminology catalogue. The
    row keeps the system and code (the same across releases) and points at
    the concept of the release it was last checked against."""

    condition = models.ForeignKey(
        Condition, on_delete=models.CASCADE, related_name="codes"
    )
    concept = models.ForeignKey(
        "answers.Concept",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="condition_codes",
        help_text="Pick the code from the terminology catalogue, by name or code.",
    )
    # Copied from the concept when it is picked: the code stays the same
    # across releases, the concept row is one release's.
    system = models.CharField(
        max_length=20, help_text="Coding system, exactly as the catalogue names it."
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

    def save(self, *args, **kwargs) -> None:
        self._follow_concept()
        super().save(*args, **kwargs)

    def _follow_concept(self) -> None:
        # The concept is what the writer picked; system and code follow it.
        if self.concept_id is not None:
            self.system, self.code = self.concept.system, self.concept.code

    def clean_fields(self, exclude=None) -> None:
        self._follow_concept()
        super().clean_fields(exclude)

    def clean(self) -> None:
        """A code must exist, active, in the current release of its system
        (invariant 6); the message names the code, the system and the release."""
        picked = self.concept_id is not None
        self._follow_concept()
        self.code = normalise(self.system, self.code)
        try:
            # A concept of an older release is swapped for the current one.
            self.concept = check_code(self.system, self.code)
        except CodeRefused as error:
            raise ValidationError(
                {"concept" if picked else "code": str(error)}
            ) from None

    @property
    def source(self) -> TerminologySource | None:
        """The catalogue's source of this code's system (None if not loaded)."""
        if self.concept_id is not None:
            return self.concept.release.source
        return TerminologySource.objects.filter(system=self.system).first()

    @property
    def label(self) -> str:
        """The code as its source writes it: "ORPHA:2905", "ICD-10-CM D47.Z2"."""
        source = self.source
        if source is not None and source.code_prefix:
            return source.label(self.code)
        return f"{self.system} {self.code}"

    @property
    def url(self) -> str:
        source = self.source
        return source.url(self.code) if source is not None else ""


@reversion.register(follow=["groups"])
class CriteriaSet(models.Model):
    """One published set of diagnostic criteria, e.g. the 2021 criteria for
    POEMS syndrome: whom it applies to, the rule that combines its groups, and
    the groups themselves.

    A list of criteria without its rule or its population misleads: readers
    count their own symptoms against it. The set says both, and the
    pre-approval checks refuse a set without a title, source or rule.
    """

    condition = models.ForeignKey(
        Condition, on_delete=models.CASCADE, related_name="criteria_sets"
    )
    title = models.CharField(
        max_length=200,
        help_text="What readers see as the heading, e.g. “Diagnostic criteria for "
        "POEMS syndrome”.",
    )
    applies_to = models.CharField(
        max_length=400,
        blank=True,
        help_text="Whom these criteria are for, and whom not, e.g. “Adults with "
        "idiopathic multicentric Castleman disease (iMCD) only; not unicentric or "
        "HHV-8-associated forms”.",
    )
    source = models.CharField(
        max_length=400, help_text="The publication that defines these criteria."
    )
    version = models.CharField(
        max_length=60, blank=True, help_text="Edition or year, e.g. “2021 update”."
    )
    rule = models.TextField(
        blank=True,
        help_text="How the groups combine into a diagnosis, in plain words, e.g. "
        "“Both major criteria, plus at least 2 of the 11 minor criteria, with at "
        "least one laboratory abnormality”. Required before an answer showing "
        "these criteria can be approved.",
    )
    order = models.PositiveSmallIntegerField(
        default=0, help_text="Position among this condition's criteria sets."
    )

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = "diagnostic criteria set"

    def __str__(self) -> str:
        return f"{self.title} ({self.condition})" if self.condition_id else self.title

    def snapshot(self) -> dict:
        """The set as approved revisions store it (JSON) and pages render it.

        This shape is a contract: approved snapshots keep it for ever, so a
        key is added, never renamed or removed.
        """
        return {
            "title": self.title,
            "applies_to": self.applies_to,
            "source": self.source,
            "version": self.version,
            "rule": self.rule,
            "groups": [group.snapshot() for group in self.groups.all()],
        }


@reversion.register()
class CriteriaGroup(models.Model):
    """One group of a criteria set, e.g. “Major criteria”, with how many of its
    items count towards the set's rule."""

    criteria_set = models.ForeignKey(
        CriteriaSet, on_delete=models.CASCADE, related_name="groups"
    )
    category = models.CharField(
        max_length=200, help_text="e.g. “Major criteria” or “Minor criteria”."
    )
    count_rule = models.CharField(
        max_length=200,
        blank=True,
        help_text="How many of these items count, for readers, e.g. “Both are "
        "required” or “At least 2”.",
    )
    items = models.TextField(
        help_text="One criterion per line. A group can never be empty."
    )
    order = models.PositiveSmallIntegerField(
        default=0, help_text="Position within the set."
    )

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = "criteria group"
        constraints = [
            # The seed page's defect: a lead-in promising criteria, then nothing.
            models.CheckConstraint(
                condition=~Q(items=""), name="criteriagroup_items_not_empty"
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
            "count_rule": self.count_rule,
            "items": self.item_list,
        }


def criteria_as_text(criteria: list[dict]) -> str:
    """Criteria snapshots as plain text, for word differences between versions.

    Takes both shapes approved revisions hold: sets (`CriteriaSet.snapshot()`)
    and, from answers approved before sets, lists ({category, items, source,
    version}), each shown like a group of its own.
    """

    def cited(entry: dict) -> str:
        version = entry.get("version") or ""
        return f"Source: {entry.get('source', '')}" + (
            f" ({version})" if version else ""
        )

    def group(entry: dict) -> list[str]:
        heading = entry.get("category", "")
        if entry.get("count_rule"):
            heading += f": {entry['count_rule']}"
        return [heading, *(f"- {item}" for item in entry.get("items", []))]

    blocks = []
    for entry in criteria:
        if "groups" not in entry:
            blocks.append("\n".join([*group(entry), cited(entry)]))
            continue
        lines = [entry.get("title", "")]
        if entry.get("applies_to"):
            lines.append(f"Applies to: {entry['applies_to']}")
        if entry.get("rule"):
            lines.append(f"Rule: {entry['rule']}")
        for each in entry["groups"]:
            lines += group(each)
        lines.append(cited(entry))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
