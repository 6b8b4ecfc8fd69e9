"""Crisis contacts: the helplines a member in crisis is shown (issue 18).

They are reviewed content like answers: writers enter and edit a contact in
the admin; an active medical reviewer who did not edit that version approves
it, which snapshots what readers will see into an immutable
`CrisisContactRevision` and makes it live. Editing a live contact changes
nothing readers see until the new version is approved; a reviewer can also
withdraw it. `CrisisContact.objects.published()` is the one definition of
what may be shown, and every step is a `CrisisContactEvent` (append-only).
Steps go through `answers.crisis`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_countries.fields import CountryField

from answers.models.review import AppendOnlyModel, Reviewer

# What readers are shown of a contact, and what a reviewer approves: an edit
# of any of these needs a new approval. `needs_check` is not shown, but is
# approved with the rest: a production site warns while a live contact has it.
CONTACT_FIELDS = (
    "country",
    "service",
    "phone",
    "text_number",
    "other_contact",
    "hours",
    "notes",
    "source_url",
    "last_checked",
    "order",
    "needs_check",
)


class CrisisContactQuerySet(models.QuerySet):
    def published(self) -> "CrisisContactQuerySet":
        """The one definition of what may be shown as a crisis contact: the
        approved revision of each contact that has one live."""
        return self.filter(live_revision__isnull=False)

    def shown_in(self, country: str) -> tuple[list, list]:
        """The approved revisions a member in `country` is shown, in one query:
        that country's, then the general ones (each in their order)."""
        revisions = [
            contact.live_revision
            for contact in self.published()
            .filter(Q(live_revision__country=country) | Q(live_revision__country=""))
            .select_related("live_revision")
            .order_by("live_revision__order", "live_revision__service", "pk")
        ]
        local = [r for r in revisions if country and r.country == country]
        general = [r for r in revisions if not r.country]
        return local, general


class CrisisContact(models.Model):
    """A helpline's draft: what editors type. Readers only ever see its
    `live_revision`, the version a medical reviewer approved."""

    country = CountryField(
        blank=True,
        help_text="Whose members see it. Leave blank for a general contact, "
        "shown to everyone (and alone to members in a country with none).",
    )
    service = models.CharField(
        max_length=120, help_text="The service's name, e.g. “Samaritans”."
    )
    phone = models.CharField(
        max_length=40,
        blank=True,
        help_text="Number to call, as people dial it in that country, e.g. "
        "“116 123”. Shown as a call link.",
    )
    text_number = models.CharField(
        max_length=40,
        blank=True,
        help_text="Number to text (SMS), if the service takes texts. Shown as a "
        "text link.",
    )
    other_contact = models.URLField(
        blank=True,
        help_text="Another way to reach them, e.g. the web chat's address.",
    )
    hours = models.CharField(
        max_length=120, help_text="When someone answers, e.g. “24 hours, every day”."
    )
    notes = models.CharField(
        max_length=200,
        blank=True,
        help_text="One short line readers see, e.g. “Free from any phone”.",
    )
    source_url = models.URLField(
        help_text="The service's own page that gives these details; the "
        "reviewer checks them against it."
    )
    last_checked = models.DateField(
        help_text="When someone last checked these details against the source. "
        "Readers see it."
    )
    order = models.PositiveSmallIntegerField(
        default=0, help_text="Lower comes first within its country."
    )
    needs_check = models.BooleanField(
        default=False,
        help_text="Not yet checked for production (e.g. demo data): a production "
        "site warns (manage.py check --deploy) while a live contact has this.",
    )
    # Bumped by every saved edit: a reviewer approves the version they saw.
    draft_version = models.PositiveIntegerField(default=1, editable=False)
    live_revision = models.OneToOneField(
        "CrisisContactRevision",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="live_of",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CrisisContactQuerySet.as_manager()

    class Meta:
        ordering = ["country", "order", "service"]
        permissions = [
            ("review_crisiscontact", "Can approve and withdraw crisis contacts")
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(phone="", text_number="", other_contact=""),
                name="crisiscontact_has_a_way_to_reach",
                violation_error_message="Give at least one way to reach the "
                "service: a number to call, a number to text or another contact.",
            )
        ]

    def __str__(self) -> str:
        where = self.country.name if self.country else "General"
        return f"{self.service} ({where})"

    def draft_content(self) -> dict:
        return {name: getattr(self, name) for name in CONTACT_FIELDS}

    @property
    def has_unapproved_changes(self) -> bool:
        live = self.live_revision
        return live is None or live.draft_version != self.draft_version


class CrisisContactRevision(AppendOnlyModel):
    """What a medical reviewer approved, exactly, with their credentials then."""

    contact = models.ForeignKey(
        CrisisContact, on_delete=models.PROTECT, related_name="revisions"
    )
    draft_version = models.PositiveIntegerField()
    country = CountryField(blank=True)
    service = models.CharField(max_length=120)
    phone = models.CharField(max_length=40, blank=True)
    text_number = models.CharField(max_length=40, blank=True)
    other_contact = models.URLField(blank=True)
    hours = models.CharField(max_length=120)
    notes = models.CharField(max_length=200, blank=True)
    source_url = models.URLField()
    last_checked = models.DateField()
    order = models.PositiveSmallIntegerField(default=0)
    needs_check = models.BooleanField(default=False)
    reviewer = models.ForeignKey(
        Reviewer, on_delete=models.PROTECT, related_name="crisis_approvals"
    )
    reviewer_name = models.CharField(max_length=120)
    reviewer_credentials = models.CharField(max_length=120)
    approved_at = models.DateTimeField()

    class Meta:
        ordering = ["-approved_at", "-pk"]
        indexes = [
            # The support page: live contacts of one country, in order.
            models.Index(fields=["country", "order"], name="crisisrevision_country_idx")
        ]

    def __str__(self) -> str:
        approved = f"{self.approved_at:%Y-%m-%d}"
        return f"{self.service} v{self.draft_version}, approved {approved}"

    @property
    def phone_link(self) -> str:
        return "tel:" + _dialable(self.phone)

    @property
    def text_link(self) -> str:
        return "sms:" + _dialable(self.text_number)


def _dialable(number: str) -> str:
    return "".join(ch for ch in number if ch.isdigit() or ch == "+")


class CrisisContactEvent(AppendOnlyModel):
    """Append-only: who entered, edited, approved or withdrew a contact, when."""

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        EDITED = "edited", "Edited"
        APPROVED = "approved", "Approved"
        WITHDRAWN = "withdrawn", "Withdrawn"

    # Steps that make someone an author of the version (the four-eyes rule).
    CONTRIBUTING_ACTIONS = (Action.CREATED, Action.EDITED)

    contact = models.ForeignKey(
        CrisisContact, on_delete=models.PROTECT, related_name="events"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        # The record stays, with the name, when the account is deleted.
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(max_length=150)
    draft_version = models.PositiveIntegerField()
    revision = models.ForeignKey(
        CrisisContactRevision,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.contact} by {self.actor_name}"
