"""What follows from a change to public content, in one place.

Services call `public_content_changed` inside the transaction that made the
change: the content version moves on (so caches and ETags change) and the
search index is brought up to date for the questions and conditions involved.
"""

from collections.abc import Iterable

from django.db.models import F
from django.utils import timezone

from answers import search
from answers.models import Condition, PublicVersion, Question


def current_version() -> PublicVersion:
    version = PublicVersion.objects.filter(pk=1).first()
    if version is None:
        version, _ = PublicVersion.objects.get_or_create(pk=1)
    return version


def public_content_changed(
    *,
    questions: Iterable[Question] = (),
    conditions: Iterable[Condition] = (),
) -> None:
    updated = PublicVersion.objects.filter(pk=1).update(
        version=F("version") + 1, changed_at=timezone.now()
    )
    if not updated:
        PublicVersion.objects.get_or_create(pk=1, defaults={"version": 2})
    search.refresh(questions=list(questions), conditions=list(conditions))
