"""What follows from a change to what readers see, in one place: the hook that
every service changing public content calls itself, inside its transaction.
Nothing else calls it (admin, import and views call services; the
terminology loader calls `catalogue_changed`), and an architecture contract
(pyproject.toml, [tool.importlinter]) keeps it that way.

- `public_content_changed(questions=…, conditions=…)`: editorial changes
  (approve, re-certify, unpublish, reviews rescheduled, a condition or
  reviewer saved). The public content version moves on and the conditions
  involved are stamped with it (answers/versions.py: their pages' caches and
  ETags change, and those of the pages that list every condition), their
  stored pages become stale (public/pages.py), and the search index
  (answers/search_index.py) and the condition-name index
  (answers/name_index.py) are brought up to date for the questions and
  conditions involved. Called with neither, every page becomes stale
  (no name changed: a reviewer's profile, or a generated dataset, whose
  loader rebuilds the name index itself).
- `catalogue_changed()`: a terminology release was loaded. Every catalogue
  name search and the A–Z know of may have changed, and every page that
  shows a code's name and release: the name index is rebuilt and every
  stored page becomes stale.
- `community_content_changed(conditions=…)`: posts, counts or the map on the
  pages of these conditions.
- `member_text_erased()`: a member erased what they wrote; once that commits,
  no copy of a page may keep it, not even an unreachable one in the cache.
"""

from collections.abc import Iterable

from django.db import transaction

from answers import name_index, search_index, versions
from answers.models import (
    Condition,
    PageStamp,
    PublicVersion,
    Question,
    StoredPage,
)


def public_content_changed(
    *,
    questions: Iterable[Question] = (),
    conditions: Iterable[Condition] = (),
) -> None:
    questions, conditions = list(questions), list(conditions)
    # What home, the A–Z, the feeds and the sitemap show.
    version = versions.next_version(listings=True, sitemap=True)
    condition_ids = {q.condition_id for q in questions} | {c.pk for c in conditions}
    if condition_ids:
        # Every page of these conditions: an answer page lists its siblings.
        _pages_changed(condition_ids, version)
    else:
        PublicVersion.objects.filter(pk=1).update(pages_since=version)
    versions.announce(condition_ids)
    search_index.refresh(questions=questions, conditions=conditions)
    # A first live answer makes a condition public, a last one unpublished
    # makes it private again: its names follow, in this transaction.
    name_index.refresh(conditions=condition_ids)


def catalogue_changed() -> None:
    version = versions.next_version(listings=True, sitemap=True)
    PublicVersion.objects.filter(pk=1).update(pages_since=version)
    versions.announce()
    name_index.rebuild()


def community_content_changed(*, conditions: Iterable[int], posts: bool = True) -> None:
    """Posts, counts or the map changed on the pages of these conditions (ids).

    Every public page must show it from the next request on; the stored pages
    of these conditions are deleted, so a post taken down or erased leaves no
    copy behind in them. `posts=False`: only the map changed, which no page
    but the conditions' own shows; posts also move the sitemap (it dates each
    experiences page by its newest post). Home, the A–Z and the feeds show
    neither.
    """
    version = versions.next_version(sitemap=posts)
    condition_ids = set(conditions)
    if condition_ids:
        _pages_changed(condition_ids, version)
    versions.announce(condition_ids)


def member_text_erased() -> None:
    """A member erased what they wrote (a post, their account, their consent).

    A change to public content only moves the validator on: older pages stay
    in the shared cache, unreachable, until they expire. A member's erased
    words must not stay anywhere for a day, so once this transaction commits
    every page kept in the shared cache is removed. Every page is stale by
    then anyway, so nothing useful is lost.
    """
    transaction.on_commit(versions.forget_cached_pages)


def _pages_changed(condition_ids: set[int], version: int) -> None:
    """Stamp these conditions with `version` and delete their stored pages.

    The stamp comes first: writing it waits for a page being stored for one
    of these conditions (public.pages locks the stamp while it stores), so
    the deletion that follows also removes that page.
    """
    PageStamp.objects.bulk_create(
        [PageStamp(condition_id=pk, version=version) for pk in sorted(condition_ids)],
        update_conflicts=True,
        unique_fields=["condition"],
        update_fields=["version"],
    )
    StoredPage.objects.filter(condition__in=condition_ids).delete()
