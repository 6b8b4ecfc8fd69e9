"""The catalogue of conditions: each condition's facts (names, acronym,
summary, prevalence, review interval), its codes in the coding systems and its
diagnostic criteria lists. What writers draft and readers see about a
condition as a whole, not about one question.
"""

import re
from datetime import timedelta

import reversion
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q

from diseasemaps.lib.urls import slug_path


def non_blank_lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class ConditionQuerySet(models.QuerySet):
    def published(self) -> "ConditionQuerySet":
        """Conditions with at least one answer the public may see."""
        # Question, through the reverse relation: answers/models/questions.py
        # imports this module, not the other way round.
        question = self.model._meta.get_field("questions").related_model
        return self.filter(
            Exists(question.objects.published().filter(condition=OuterRef("pk")))
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
