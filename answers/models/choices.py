"""Choices that both a draft question and its approved revisions hold."""

from django.db import models


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
