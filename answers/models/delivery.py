"""What delivering public pages needs from the database: the public content
version, the stamp of each condition's last change, stored pages, the search
index and the condition-name index.

They are written by the editorial side (answers/publication.py and
answers/search_index.py, in the transaction of every change readers would
see) and read by the public side (public/pages.py, public/caching.py,
public/search.py). They hold copies of approved content only, never drafts.
"""

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone

from answers.models.catalogue import Condition
from answers.models.questions import Question
from answers.models.terminology import Concept


class PublicVersion(models.Model):
    """One counter for everything the public sees.

    Every change to public content (an approval, a re-certification, an
    unpublished answer, a condition or reviewer edit, a moderated post) moves it
    on, in the same transaction as the change. The ETags and page-cache keys
    of pages that list every condition are keyed by it or by the stamps
    below; a condition's own pages by its `PageStamp` (answers/versions.py,
    `PageVersion`). So no reader is ever served a page older than the last
    change to it.
    """

    version = models.PositiveBigIntegerField(default=1)
    changed_at = models.DateTimeField(default=timezone.now)
    # Stored pages rendered before this version are stale, whatever their
    # condition (a reviewer's profile or the whole dataset changed): see
    # public/pages.py.
    pages_since = models.PositiveBigIntegerField(default=0)
    # The version at the last change the pages listing every condition show
    # (answers/versions.py, `PageVersion.of_site`): `listings` for home, the
    # A–Z and the feeds (editorial changes: approvals, re-certifications,
    # unpublished answers, conditions and reviewers saved, a terminology
    # release); `sitemap` for the sitemap (those, and posts: it gives each
    # experiences page the date of its newest post). A map change moves
    # neither, a post only `sitemap`.
    listings = models.PositiveBigIntegerField(default=0)
    sitemap = models.PositiveBigIntegerField(default=0)

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


class Redirect(models.Model):
    """An address that an approved slug change left behind, answering 301
    forever to wherever its page is now.

    It names the page (a question, or with no question the condition page),
    not the new address, so later changes never build chains: the old address
    always leads straight to the current one. An address that is some page's
    live address is served as that page and never redirected, so there are no
    loops.
    """

    condition = models.ForeignKey(
        Condition, on_delete=models.CASCADE, related_name="redirects"
    )
    question = models.ForeignKey(
        Question,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="redirects",
    )
    old_slug = models.SlugField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["condition", "old_slug"],
                condition=models.Q(question__isnull=False),
                name="redirect_unique_answer_slug",
            ),
            models.UniqueConstraint(
                fields=["old_slug"],
                condition=models.Q(question__isnull=True),
                name="redirect_unique_condition_slug",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.old_slug} → {self.question or self.condition}"


class IndexedNameKind(models.TextChoices):
    """What a name is to the entry it leads to."""

    NAME = "name", "name"
    ACRONYM = "acronym", "acronym"
    EXPANSION = "expansion", "acronym expansion"
    SYNONYM = "synonym", "other name"
    PREFERRED = "preferred", "catalogue's preferred name"
    EXACT = "exact", "exact synonym"
    ABBREVIATION = "abbreviation", "abbreviation"
    LAY = "lay", "lay term"
    RELATED = "related", "related term"
    INCLUSION = "inclusion", "inclusion term"


class ConditionName(models.Model):
    """One name readers may find a condition by, and where it leads: search's
    "Conditions" block and the A–Z index read these rows, never the drafts or
    the catalogue itself. Written only by answers/name_index.py.

    An entry is either a published condition (`condition`: its approved name,
    acronym, expansion and other names, and the catalogue names of the
    concepts its approved codes point at) or, for a condition nobody has
    reviewed, the catalogue concept whose plain page it leads to (`concept`;
    GARD and Orphanet concepts with the same normalised preferred name are
    one entry, so they are listed once). Rows with `phenotype` are HPO signs
    (name, exact synonyms, lay terms) that search turns into the conditions
    Orphanet records them for. `found_in` is the concept a catalogue name
    comes from (empty for the names reviewers approved).
    """

    name = models.CharField(max_length=500, help_text="As its source spells it.")
    normalised = models.CharField(
        max_length=500, help_text="diseasemaps.lib.names.normalise(name)."
    )
    initial = models.CharField(max_length=1, help_text="Its letter in the A–Z.")
    kind = models.CharField(max_length=15, choices=IndexedNameKind.choices)
    listed = models.BooleanField(
        default=False,
        help_text="A line of the A–Z index: the entry's name, or the first of "
        "its other names with this spelling.",
    )
    phenotype = models.BooleanField(default=False)
    condition = models.ForeignKey(
        Condition,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="index_names",
    )
    concept = models.ForeignKey(
        Concept,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="The concept whose plain page a catalogue-only entry leads to.",
    )
    found_in = models.ForeignKey(
        Concept, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    # On PostgreSQL, migration 0015 also indexes `normalised` for prefixes
    # (varchar_pattern_ops), typos (pg_trgm, and its length for short texts)
    # and words (a 'simple' tsvector): the other ways
    # public/condition_search.py matches a name.

    class Meta:
        indexes = [
            # Exact matches in search; the names of a catalogue entry's
            # concepts, by spelling, when the index is refreshed.
            models.Index(fields=["normalised"], name="conditionname_normalised"),
            # The A–Z index: one letter's lines, in order, a page at a time.
            models.Index(
                fields=["initial", "normalised"],
                condition=models.Q(listed=True),
                name="conditionname_letter",
            ),
        ]

    def __str__(self) -> str:
        return self.name
