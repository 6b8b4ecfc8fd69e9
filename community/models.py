"""Members, the conditions they relate to, their experiences, reports and the
moderation trail.

This is health data from vulnerable people: members are known publicly only by
a pseudonym, member text is untrusted (rendered from a Markdown subset and
sanitised), and only `Experience.objects.published()` reaches anonymous
readers; members also read the posts their authors shared with members only
(`Experience.objects.published_to(user)`).
Every change goes through `community.services`.
"""

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django_countries.fields import CountryField

from answers.models import Condition, Question, Reviewer
from community.exceptions import InvalidTransition
from community.names import pseudonym_skeleton, shown_name

# The wording a member agrees to at sign-up; bump the version when it changes,
# so each member's consent records which text they saw.
CONSENT_VERSION = "2026-11"
CONSENT_TEXT = (
    "I agree that DiseaseMaps stores and processes what I share about my health "
    "or the health of someone close to me, to show it under my pseudonym on "
    "this site. I can export or delete it at any time."
)
FORMER_MEMBER = "Former member"
MAP_CONSENT_TEXT = (
    "Count me on the maps of where members live: only my country, in groups of "
    "at least 5 people."
)


class MemberQuerySet(models.QuerySet):
    def active(self) -> "MemberQuerySet":
        return self.filter(user__isnull=False, user__is_active=True)


class Member(models.Model):
    """The public side of an account: a pseudonym, never the email address."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        # Accounts are deleted through community.services.delete_account, which
        # first removes the posts or moves them to a "former member" profile
        # without a user; posts are PROTECTed, so nothing else can orphan them.
        on_delete=models.CASCADE,
        related_name="member",
    )
    pseudonym = models.CharField(
        max_length=40,
        help_text="The only name other people see. Unique, whatever the letter case.",
    )
    # What the pseudonym looks like (community.names.pseudonym_skeleton),
    # derived on save: a new name is refused when another member's looks the
    # same. Not unique: names chosen before it existed may share one.
    pseudonym_skeleton = models.TextField(blank=True, editable=False)
    country = CountryField(blank=True, help_text="Optional; shown only as a count.")
    counted_in_map = models.BooleanField(
        default=False,
        help_text="The member chose to be counted, by country, on condition maps.",
    )
    health_data_consent_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the member agreed to the processing of health information. "
        "Empty after they withdrew that consent: then we hold no health "
        "information about them (no posts, no conditions).",
    )
    consent_version = models.CharField(max_length=20, default=CONSENT_VERSION)
    consent_withdrawn_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the member last withdrew their consent, if they did.",
    )
    is_former = models.BooleanField(
        default=False,
        help_text="Keeps the posts of a deleted account; shown as “Former member”.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # A moderator's decisions on a reported member (community.services.
    # member_reports), each recorded in MemberModerationEvent. Held: every
    # post waits for a moderator, however many were approved before (trust
    # revoked). Suspended: no new posts or edits; the member sees the reason.
    # Database defaults too: bulk loads (devdata.dataset) write rows without
    # naming these columns.
    posts_held = models.BooleanField(
        default=False,
        db_default=False,
        editable=False,
        help_text="A moderator holds all of this member's new posts for moderation.",
    )
    posting_suspended_at = models.DateTimeField(null=True, blank=True, editable=False)
    posting_suspension_reason = models.TextField(
        blank=True, default="", db_default="", editable=False
    )

    objects = MemberQuerySet.as_manager()

    class Meta:
        ordering = ["pseudonym"]
        constraints = [
            models.UniqueConstraint(
                Lower("pseudonym"), name="member_pseudonym_unique_ci"
            )
        ]
        indexes = [
            # Sign-up looks a new name's skeleton up among every member's.
            models.Index(
                fields=["pseudonym_skeleton"], name="member_pseudonym_skeleton_idx"
            ),
            # The maps count members who chose to be counted and gave a
            # country: their ids, accounts and countries, from the index
            # alone, without reading the other members.
            models.Index(
                fields=["id", "user", "country"],
                condition=Q(counted_in_map=True) & ~Q(country=""),
                name="member_on_map_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args, **kwargs) -> None:
        self.pseudonym_skeleton = pseudonym_skeleton(self.pseudonym)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "pseudonym" in update_fields:
            kwargs["update_fields"] = {*update_fields, "pseudonym_skeleton"}
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        """The name posts show: see community.names.shown_name."""
        return FORMER_MEMBER if self.is_former else shown_name(self.pseudonym)

    @property
    def has_consented(self) -> bool:
        """May we hold health information about this member (posts, conditions)?"""
        return self.health_data_consent_at is not None

    @property
    def posting_suspended(self) -> bool:
        return self.posting_suspended_at is not None


class Relation(models.TextChoices):
    LIVES_WITH = "lives_with", "I live with it"
    CAREGIVER = "caregiver", "I care for someone who has it"
    FAMILY = "family", "Someone in my family has it"


class MemberCondition(models.Model):
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="conditions"
    )
    condition = models.ForeignKey(
        Condition,
        on_delete=models.CASCADE,
        related_name="members",
        # membercondition_map_idx starts with the condition.
        db_index=False,
    )
    relation = models.CharField(max_length=20, choices=Relation.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["condition__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "condition"], name="membercondition_unique"
            )
        ]
        indexes = [
            # The condition page's map: the members of one condition, from
            # the index alone (public.community_map.country_counts).
            models.Index(
                fields=["condition", "member"], name="membercondition_map_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.condition} ({self.get_relation_display()})"


class ExperienceStatus(models.TextChoices):
    PENDING = "pending", "Waiting for moderation"
    PUBLISHED = "published", "Published"
    HIDDEN = "hidden", "Hidden"
    REMOVED = "removed", "Removed"
    # A moderator removed identifying details (community.services.redaction);
    # the post is out of public view until its author accepts the new text.
    REDACTED = "redacted", "Redacted: waiting for the author"


class RiskLevel(models.TextChoices):
    """HealthUnlocked's levels, set by the screening (community.screening):
    high when the writer may be in crisis, medium for harmful advice or a
    crisis told as past."""

    LOW = "low", "Low"
    MEDIUM = "medium", "Medium: a moderator looks first"
    HIGH = "high", "High: the member may be at risk"


EXPERIENCE_TRANSITIONS: dict[str, set[str]] = {
    ExperienceStatus.PENDING: {
        ExperienceStatus.PUBLISHED,
        ExperienceStatus.HIDDEN,
        ExperienceStatus.REMOVED,
        ExperienceStatus.REDACTED,
    },
    # Back to waiting (PENDING): only when a moderator sends the post to a
    # medical reviewer (community.services.medical_review), who publishes or
    # hides it.
    ExperienceStatus.PUBLISHED: {
        ExperienceStatus.HIDDEN,
        ExperienceStatus.REMOVED,
        ExperienceStatus.REDACTED,
        ExperienceStatus.PENDING,
    },
    ExperienceStatus.HIDDEN: {
        ExperienceStatus.PUBLISHED,
        ExperienceStatus.REMOVED,
        ExperienceStatus.REDACTED,
        ExperienceStatus.PENDING,
    },
    ExperienceStatus.REMOVED: set(),
    # The author accepts (published) or edits it themselves (back to the
    # queue); a moderator may still remove it. Not hidden: a hidden post can
    # be approved, which would publish a text its author never accepted.
    ExperienceStatus.REDACTED: {
        ExperienceStatus.PUBLISHED,
        ExperienceStatus.PENDING,
        ExperienceStatus.REMOVED,
    },
}


class MedicalReview(models.TextChoices):
    """Where a post stands with the medical reviewers (issue 18)."""

    NONE = "", "Not sent"
    ASKED = "asked", "Waiting for a medical reviewer"
    EDIT = "edit", "A medical reviewer asked the author for an edit"


# The most a reviewer's note above a post may say: a short caution, not an
# answer (answers are reviewed pages of their own).
REVIEWER_NOTE_MAX = 500


class _CountRows(models.Subquery):
    """How many rows a queryset has, as a scalar subquery."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) counted)"
    output_field = models.IntegerField()


class Audience(models.TextChoices):
    """Who may read a published post: its author chooses (issue 18)."""

    PUBLIC = "public", "Everyone"
    MEMBERS = "members", "Members only"


def public_with_counts(rows: list) -> tuple[list, int, int]:
    """The latest public posts, how many distinct members shared them and how
    many posts only members can read, from the rows of `latest_public_rows`.
    The members-only rows that only carry the counts are dropped here, before
    any template or cache could see them."""
    if not rows:
        return [], 0, 0
    latest = [row for row in rows if row.audience == Audience.PUBLIC]
    return latest, rows[0].sharer_count, rows[0].members_only_count


def sees_members_only(user) -> bool:
    """May this user read posts shared with members only? Logged-in members:
    not anonymous readers, and not staff accounts without a member profile
    (moderators read every post in the admin)."""
    return bool(getattr(user, "is_authenticated", False) and hasattr(user, "member"))


class ExperienceQuerySet(models.QuerySet):
    def published(self) -> "ExperienceQuerySet":
        """The one definition of what anyone, also an anonymous reader, a
        search engine or a stored page, may see: published posts shared with
        everyone. Members-only posts are left out unless asked for
        (`for_members`), so a page that forgets about them leaks nothing."""
        return self.filter(status=ExperienceStatus.PUBLISHED, audience=Audience.PUBLIC)

    def for_members(self) -> "ExperienceQuerySet":
        """Every published post, also those shared with members only: what a
        logged-in member reads, and what changes the pages' counts."""
        return self.filter(status=ExperienceStatus.PUBLISHED)

    def published_to(self, user) -> "ExperienceQuerySet":
        """The published posts this user may read."""
        return self.for_members() if sees_members_only(user) else self.published()

    def visible_to(self, user) -> "ExperienceQuerySet":
        """Published posts this user may read, plus their own posts in any
        state but removed."""
        if sees_members_only(user):
            return self.filter(
                models.Q(status=ExperienceStatus.PUBLISHED)
                | (
                    models.Q(author=user.member)
                    & ~models.Q(status=ExperienceStatus.REMOVED)
                )
            )
        return self.published()

    def sharer_count(self) -> int:
        """Distinct members behind these posts: the number shown publicly."""
        return self.values("author_id").distinct().count()

    def latest_with_sharer_count(self, count: int) -> tuple[list["Experience"], int]:
        """The latest `count` of these posts and `sharer_count()`, in one query.

        The count rides on each row as a subquery that does not depend on the
        row, so the database computes it once. No post, no sharer: with no row
        the count is 0 without asking."""
        sharers = _CountRows(self.order_by().values("author_id").distinct())
        latest = list(self.annotate(sharer_count=sharers)[:count])
        return latest, (latest[0].sharer_count if latest else 0)

    def latest_public_with_counts(
        self, count: int
    ) -> tuple[list["Experience"], int, int]:
        """For anonymous readers, from every published post (`for_members`):
        the latest `count` public posts, how many distinct members shared
        them, and how many posts only members can read. One query
        (`latest_public_rows`), like `latest_with_sharer_count`."""
        return public_with_counts(list(self.latest_public_rows(count)))

    def latest_public_rows(self, count: int) -> "ExperienceQuerySet":
        """The query of `latest_public_with_counts`, whose rows carry the
        counts; `public_with_counts` reads them.

        Public posts sort first (experience_public_first_idx), so the rows
        are the latest public posts, followed by members-only ones only when
        there are fewer than `count` public posts: those are there to carry
        the counts when nothing public exists."""
        public = self.filter(audience=Audience.PUBLIC).order_by()
        sharers = _CountRows(public.values("author_id").distinct())
        members_only = _CountRows(
            self.filter(audience=Audience.MEMBERS).order_by().values("pk")
        )
        return self.annotate(
            sharer_count=sharers, members_only_count=members_only
        ).order_by(
            # "public" sorts after "members": descending puts it first.
            "-audience",
            *Experience._meta.ordering,
        )[:count]

    def counts_for(self, user) -> tuple[int, int]:
        """From every published post (`for_members`): how many distinct
        members shared what this user may read, and how many more posts only
        members can read (0 for a member). One query."""
        if sees_members_only(user):
            return self.sharer_count(), 0
        counts = self.aggregate(
            sharers=models.Count(
                "author_id", distinct=True, filter=Q(audience=Audience.PUBLIC)
            ),
            # Posts counted by their author (never null), which
            # experience_audience_idx holds; the key is not in it.
            members_only=models.Count("author_id", filter=Q(audience=Audience.MEMBERS)),
        )
        return counts["sharers"], counts["members_only"]


class Experience(models.Model):
    """A member's first-person account, on a condition or one of its questions."""

    author = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="experiences"
    )
    condition = models.ForeignKey(
        Condition,
        on_delete=models.PROTECT,
        related_name="experiences",
        # Three indexes below start with the condition.
        db_index=False,
    )
    question = models.ForeignKey(
        Question,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="experiences",
        help_text="Set when the experience answers one question.",
    )
    relation = models.CharField(
        max_length=20,
        choices=Relation.choices,
        help_text="How the author relates to the condition, when they posted.",
    )
    body = models.TextField(help_text="The text readers see once published.")
    body_html = models.TextField(blank=True, editable=False)
    # An edit of a published post waits here until a moderator approves it, so
    # the published text stays as it was.
    pending_body = models.TextField(blank=True)
    status = models.CharField(
        max_length=20,
        choices=ExperienceStatus.choices,
        default=ExperienceStatus.PENDING,
        editable=False,
    )
    # Published straight away by a trusted member: a moderator still reads it.
    needs_review = models.BooleanField(default=False, editable=False)
    submission_key = models.UUIDField(
        editable=False, help_text="Makes a double-submitted form create one post."
    )
    moderation_reason = models.TextField(blank=True, editable=False)
    # Set when the author of a post hidden by reports asks a moderator to look
    # again (community.services.ask_for_review); cleared by the decision.
    review_requested_at = models.DateTimeField(null=True, blank=True, editable=False)
    # What the screening found in the post, an edit waiting or a report on it
    # (community.services.posts.screen_into): term ids and offsets, never the
    # text. The highest level found stays until a moderator acts on the post.
    risk = models.CharField(
        max_length=10,
        choices=RiskLevel.choices,
        default=RiskLevel.LOW,
        editable=False,
    )
    screening = models.JSONField(default=dict, blank=True, editable=False)
    # When it became high risk (the response target runs from here), when a
    # moderator first acted on it since, and when the overdue alert went out.
    risk_flagged_at = models.DateTimeField(null=True, blank=True, editable=False)
    risk_handled_at = models.DateTimeField(null=True, blank=True, editable=False)
    risk_alerted_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    audience = models.CharField(
        max_length=10,
        choices=Audience.choices,
        default=Audience.PUBLIC,
        help_text="Who may read the post once published: everyone, or only "
        "logged-in members (never anonymous readers, search engines or "
        "stored pages).",
    )
    # A published members-only post that its author wants to show everyone
    # waits here for a moderator (community.services.posts.edit_experience):
    # they approved it for members, a smaller audience than the web.
    pending_audience = models.CharField(
        max_length=10, choices=Audience.choices, blank=True, editable=False
    )
    # A medical reviewer's look at harmful advice (community.services.
    # medical_review): a moderator sends the post with a question; the post
    # stays unpublished until a reviewer publishes it with a note, asks the
    # author for an edit (which comes back to them), or hides it.
    medical_review = models.CharField(
        max_length=10,
        choices=MedicalReview.choices,
        default=MedicalReview.NONE,
        blank=True,
        editable=False,
    )
    medical_question = models.TextField(
        blank=True,
        editable=False,
        help_text="The moderator's question for the medical reviewer; staff only.",
    )
    medical_asked_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Shown above the published post, attributed to the reviewer by name;
    # plain text, escaped wherever it is shown.
    reviewer_note = models.TextField(
        blank=True,
        editable=False,
        help_text="A medical reviewer's note readers see above the post.",
    )
    reviewer_note_by = models.ForeignKey(
        Reviewer,
        null=True,
        blank=True,
        # The note stands in the reviewer's name: their profile stays.
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    reviewer_note_at = models.DateTimeField(null=True, blank=True, editable=False)
    # A moderator's redaction waiting for the author (status REDACTED): `body`
    # already holds the redacted text, so every reader of `body` (export,
    # admin search, a later publication) gets it; the author's own words wait
    # here only so that the author can see what changed, and are erased when
    # the redaction completes (community.services.redaction).
    redaction_original = models.TextField(blank=True, editable=False)
    redacted_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ExperienceQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "submission_key"], name="experience_one_per_submit"
            )
        ]
        indexes = [
            # Public lists and counts: published posts of a condition/question.
            models.Index(
                fields=["condition", "status", "question"],
                name="experience_public_idx",
            ),
            # A condition's experiences page, newest first: the ids of any
            # page come from this index alone, without reading or sorting rows.
            models.Index(
                fields=["condition", "status", "-published_at", "-created_at", "-id"],
                name="experience_list_idx",
            ),
            # "N people share their experiences": distinct authors in index
            # order (no hashing), and the number of posts, from the index.
            models.Index(
                fields=["condition", "status", "author"],
                name="experience_sharers_idx",
            ),
            # The experiences list's counts for anonymous readers (counts_for:
            # distinct public sharers and members-only posts, one statement)
            # from the index alone; without it, every post of the condition
            # was read from the table (53,000 of them: 770 ms cold).
            models.Index(
                fields=["condition", "status", "audience", "author"],
                name="experience_audience_idx",
            ),
            # The community block for anonymous readers: public posts first,
            # newest first (ExperienceQuerySet.latest_public_with_counts).
            models.Index(
                fields=[
                    "condition",
                    "status",
                    "-audience",
                    "-published_at",
                    "-created_at",
                    "-id",
                ],
                name="experience_public_first_idx",
            ),
            # Moderation queues.
            models.Index(
                fields=["status", "needs_review"], name="experience_queue_idx"
            ),
            # The first moderation queue: authors asking for a review. Few
            # rows, so a partial index keeps the admin's count cheap.
            models.Index(
                fields=["review_requested_at"],
                condition=Q(review_requested_at__isnull=False),
                name="experience_review_asked_idx",
            ),
            # The first queue of all: high risk, not yet acted on.
            models.Index(
                fields=["risk_flagged_at"],
                condition=Q(risk="high", risk_handled_at__isnull=True),
                name="experience_high_risk_idx",
            ),
            # The medical reviewers' queue, oldest question first: few rows.
            models.Index(
                fields=["medical_asked_at"],
                condition=Q(medical_review="asked"),
                name="experience_medical_queue_idx",
            ),
        ]
        permissions = [("moderate_experience", "Can approve, hide and remove posts")]

    def __str__(self) -> str:
        return f"Experience #{self.pk} by {self.author}"

    def get_absolute_url(self) -> str:
        url = reverse("community:experiences", kwargs={"slug": self.condition.address})
        return f"{url}#experience-{self.pk}"

    def transition_to(self, new_status: str) -> None:
        if new_status not in EXPERIENCE_TRANSITIONS[self.status]:
            raise InvalidTransition(
                f"This post is {self.get_status_display().lower()}; it cannot become "
                f"{ExperienceStatus(new_status).label.lower()}."
            )
        self.status = new_status

    @property
    def has_pending_edit(self) -> bool:
        return bool(self.pending_body or self.pending_audience)

    @property
    def members_only(self) -> bool:
        return self.audience == Audience.MEMBERS

    @property
    def with_medical_reviewer(self) -> bool:
        return self.medical_review != MedicalReview.NONE

    @property
    def review_token(self) -> str:
        """What a medical reviewer saw (the text, where the post stood):
        community.services.medical_review refuses a decision sent with a
        token that no longer matches."""
        seen = "\x00".join(
            [
                self.body,
                self.pending_body,
                self.status,
                self.medical_review,
                self.medical_asked_at.isoformat() if self.medical_asked_at else "",
            ]
        )
        return hashlib.sha256(seen.encode()).hexdigest()[:32]

    @property
    def shows_reviewer_note(self) -> bool:
        return bool(self.reviewer_note) and self.reviewer_note_by_id is not None

    @property
    def body_safe_html(self) -> SafeString:
        # body_html is only ever written by services, from render_member (nh3).
        return mark_safe(self.body_html)  # noqa: S308  # nosec B308 B703

    @property
    def text_fingerprint(self) -> str:
        """A digest of the state and texts someone saw: a redaction form, and
        the author's acceptance of one, carry it and are refused when the post
        changed since (community.services.redaction)."""
        seen = "\x00".join([self.status, self.body, self.pending_body]).encode()
        return hashlib.sha256(seen).hexdigest()[:32]


class Report(models.Model):
    """A member's report on a post. Its `weight` is fixed when it is made.

    Only reports from reporters with a record (community.services.posts,
    "Who counts") weigh 1 and count towards hiding a post on their own; the
    others weigh 0 and only queue the post for a moderator. The weight and
    the record behind it are stored, not computed later: otherwise a batch of
    reports from fresh accounts would start to count once those accounts
    grew old (a delayed hiding), deleting an account would change the weight
    of reports already decided on, and moderators could not see what a
    report was worth when it was made.
    """

    class Outcome(models.TextChoices):
        OPEN = "", "Not decided"
        UPHELD = "upheld", "Upheld: a moderator hid or removed the post"
        DISMISSED = "dismissed", "Dismissed: the post stayed or came back"

    experience = models.ForeignKey(
        Experience, on_delete=models.CASCADE, related_name="reports"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        # The report stays (anonymised) when the reporter deletes their account.
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.TextField()
    weight = models.PositiveSmallIntegerField(
        default=0,
        choices=[(0, "Queue only"), (1, "Counts towards hiding")],
        editable=False,
        help_text="1: the reporter had a record and the report counts towards "
        "hiding the post on its own. 0: it only puts the post in the "
        "moderators' queue.",
    )
    # The reporter's record when they reported (empty for reports made before
    # records were kept): what the moderators judge the report by.
    reporter_verified = models.BooleanField(null=True, editable=False)
    reporter_age_days = models.PositiveIntegerField(null=True, editable=False)
    reporter_posts = models.PositiveIntegerField(null=True, editable=False)
    reporter_upheld = models.PositiveIntegerField(null=True, editable=False)
    reporter_dismissed = models.PositiveIntegerField(null=True, editable=False)
    outcome = models.CharField(
        max_length=20,
        choices=Outcome.choices,
        default=Outcome.OPEN,
        blank=True,
        editable=False,
    )
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One report per person per post: three reports are three people.
            models.UniqueConstraint(
                fields=["experience", "reporter"], name="report_one_per_person"
            )
        ]
        indexes = [
            models.Index(fields=["experience", "resolved_at"], name="report_open_idx"),
            # A reporter's record counts their upheld reports at each report.
            models.Index(fields=["reporter", "outcome"], name="report_reporter_idx"),
        ]

    def __str__(self) -> str:
        return f"Report on #{self.experience_id}"

    @property
    def record_known(self) -> bool:
        return self.reporter_age_days is not None

    @property
    def record_summary(self) -> str:
        """The reporter's record when they reported, for moderators."""
        if not self.record_known:
            return "Not recorded (made before reports were weighted)"
        verified = (
            "address confirmed" if self.reporter_verified else "address not confirmed"
        )
        return (
            f"account {self.reporter_age_days} days old, {verified}, "
            f"approved posts: {self.reporter_posts}, "
            f"reports upheld: {self.reporter_upheld}, "
            f"reports dismissed: {self.reporter_dismissed or 0}"
        )


class ModerationEvent(models.Model):
    """Append-only record of every moderation step."""

    class Action(models.TextChoices):
        APPROVED = "approved", "Approved"
        HIDDEN = "hidden", "Hidden"
        REMOVED = "removed", "Removed"
        AUTO_HIDDEN = "auto_hidden", "Hidden after reports"
        EDIT_APPROVED = "edit_approved", "Edit approved"
        EDIT_REJECTED = "edit_rejected", "Edit rejected"
        REVIEWED = "reviewed", "Checked after publication"
        REPORTS_DISMISSED = "reports_dismissed", "Reports dismissed"
        REVIEW_REQUESTED = "review_requested", "Author asked for a review"
        FLAGGED = "flagged", "Flagged by screening"
        RISK_ALERT = "risk_alert", "Overdue high-risk alert sent to moderators"
        SENT_TO_REVIEWER = "sent_to_reviewer", "Sent to a medical reviewer"
        REVIEWER_PUBLISHED = "reviewer_published", "Published with a reviewer's note"
        REVIEWER_ASKED_EDIT = "reviewer_asked_edit", "Reviewer asked for an edit"
        REVIEWER_HID = "reviewer_hid", "Hidden by a medical reviewer"
        EDITED_FOR_REVIEWER = "edited_for_reviewer", "Author edited for the reviewer"
        REDACTED = "redacted", "Redacted: identifying details removed"
        REDACTION_ACCEPTED = "redaction_accepted", "Author accepted the redaction"
        REDACTION_EDITED = "redaction_edited", "Author rewrote the redacted post"
        REDACTION_EXPIRED = (
            "redaction_expired",
            "Original erased: the author did not answer the redaction",
        )

    experience = models.ForeignKey(
        Experience,
        null=True,
        blank=True,
        # A member may delete their post; the record that it was moderated stays.
        on_delete=models.SET_NULL,
        related_name="moderation_events",
    )
    experience_ref = models.PositiveBigIntegerField(
        help_text="The post's number, kept after the post itself is deleted."
    )
    action = models.CharField(max_length=30, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(max_length=150)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return (
            f"{self.get_action_display()} #{self.experience_ref} by {self.actor_name}"
        )

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise InvalidTransition("Moderation records cannot change.")
        super().save(*args, **kwargs)


# --- Mutes and reports about members (issue 18) ------------------------------


class Mute(models.Model):
    """One member no longer sees another's posts. Private: the muted member
    is never told, and nothing anyone else sees changes."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="mutes")
    muted = models.ForeignKey(
        Member,
        on_delete=models.CASCADE,
        # Nobody may ask "who muted me": no reverse accessor.
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["member", "muted"], name="mute_once"),
            models.CheckConstraint(
                condition=~Q(member=models.F("muted")), name="mute_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"Mute #{self.pk}"


class MemberReport(models.Model):
    """A member's report about another member (not one post). It never
    sanctions anyone by itself: it only reaches the moderators, who read it
    beside the reported member's recent posts and decide
    (community.services.member_reports). The reporter's record is fixed when
    the report is made, as on post reports (`Report`)."""

    class Category(models.TextChoices):
        HARASSMENT = "harassment", "Harassment or bullying"
        IMPERSONATION = "impersonation", "Pretending to be someone else"
        SPAM = "spam", "Spam"
        SELLING = "selling", "Selling products or treatments"
        OTHER = "other", "Something else"

    class Outcome(models.TextChoices):
        OPEN = "", "Not decided"
        DISMISSED = "dismissed", "Dismissed: no action"
        ACTED = "acted", "A moderator acted on the member"

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="reports_about"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        # Stays, without its words, when the reporter deletes their account.
        on_delete=models.SET_NULL,
        related_name="+",
    )
    category = models.CharField(max_length=20, choices=Category.choices)
    reason = models.TextField(blank=True)
    # The post the reporter came from, when there was one (its number only:
    # the post may be deleted later).
    experience_ref = models.PositiveBigIntegerField(null=True, blank=True)
    weight = models.PositiveSmallIntegerField(
        default=0,
        choices=[(0, "Reporter without a record"), (1, "Reporter with a record")],
        editable=False,
        help_text="Whether the reporter had a record (as for post reports). It "
        "orders the moderators' list; it never acts on the member.",
    )
    reporter_verified = models.BooleanField(null=True, editable=False)
    reporter_age_days = models.PositiveIntegerField(null=True, editable=False)
    reporter_posts = models.PositiveIntegerField(null=True, editable=False)
    reporter_upheld = models.PositiveIntegerField(null=True, editable=False)
    reporter_dismissed = models.PositiveIntegerField(null=True, editable=False)
    # What the screening found in the report's text: term ids, never text.
    risk = models.CharField(
        max_length=10,
        choices=RiskLevel.choices,
        default=RiskLevel.LOW,
        editable=False,
    )
    screening = models.JSONField(default=dict, blank=True, editable=False)
    outcome = models.CharField(
        max_length=20,
        choices=Outcome.choices,
        default=Outcome.OPEN,
        blank=True,
        editable=False,
    )
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One open report per person about a member: three open reports
            # are three people.
            models.UniqueConstraint(
                fields=["member", "reporter"],
                condition=Q(resolved_at__isnull=True),
                name="memberreport_one_open_per_person",
            )
        ]
        indexes = [
            # The moderators' queue and the review page: open reports of a member.
            models.Index(
                fields=["member", "resolved_at"], name="memberreport_open_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"Report about member #{self.member_id}"

    @property
    def record_summary(self) -> str:
        """The reporter's record when they reported, for moderators."""
        if self.reporter_age_days is None:
            return "Not recorded"
        verified = (
            "address confirmed" if self.reporter_verified else "address not confirmed"
        )
        return (
            f"account {self.reporter_age_days} days old, {verified}, "
            f"approved posts: {self.reporter_posts}, "
            f"reports upheld: {self.reporter_upheld}, "
            f"reports dismissed: {self.reporter_dismissed or 0}"
        )


class MemberModerationEvent(models.Model):
    """Append-only record of every moderators' step about a member (not a
    post): reports dismissed, posts held, posting suspended, and lifted."""

    class Action(models.TextChoices):
        REPORTS_DISMISSED = "reports_dismissed", "Reports about the member dismissed"
        POSTS_HELD = "posts_held", "All new posts held for moderation"
        HOLD_LIFTED = "hold_lifted", "Posts no longer held"
        SUSPENDED = "suspended", "Posting suspended"
        SUSPENSION_LIFTED = "suspension_lifted", "Posting allowed again"

    member = models.ForeignKey(
        Member,
        null=True,
        blank=True,
        # The record stays when the member deletes their account.
        on_delete=models.SET_NULL,
        related_name="moderation_events",
    )
    member_ref = models.PositiveBigIntegerField(
        help_text="The member's number, kept after the account is deleted."
    )
    action = models.CharField(max_length=30, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(max_length=150)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return (
            f"{self.get_action_display()} member #{self.member_ref} "
            f"by {self.actor_name}"
        )

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise InvalidTransition("Moderation records cannot change.")
        super().save(*args, **kwargs)
