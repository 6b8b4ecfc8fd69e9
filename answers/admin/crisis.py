"""Crisis contacts in the console: writers and reviewers enter and edit them;
the review page shows the draft beside what members see now, and a medical
reviewer approves or withdraws it there. Every save and step goes through
`answers.crisis`, which checks the role, the four-eyes rule and the version
the page showed. Nobody deletes a contact: withdrawing keeps its history.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Exists, F, OuterRef
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django_countries import countries

from answers import crisis
from answers.admin.common import DraftForm
from answers.exceptions import NotAllowed, WorkflowError
from answers.models import (
    CONTACT_FIELDS,
    CrisisContact,
    CrisisContactEvent,
    Reviewer,
)
from diseasemaps.lib.admin import object_or_404


def _https_by_default(field: models.Field, **kwargs) -> forms.Field | None:
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class CrisisContactForm(DraftForm):
    """Carries the version the editor started from (DraftForm refuses to save
    over a newer one)."""

    class Meta:
        model = CrisisContact
        fields = list(CONTACT_FIELDS)
        formfield_callback = _https_by_default


class ApproveContactForm(forms.Form):
    expected_version = forms.IntegerField(widget=forms.HiddenInput)
    confirmed = forms.BooleanField(
        required=True,
        label="I checked these details against the source, and approve them "
        "for members in crisis to see.",
        error_messages={"required": "Confirm that you checked the details."},
    )


class WithdrawContactForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Why is this contact withdrawn?",
        help_text="Members stop seeing it at once. Kept in its history.",
    )


def status_of(contact: CrisisContact) -> str:
    live = contact.live_revision
    if live is None:
        withdrawn = contact.events.filter(action=crisis.Action.WITHDRAWN).exists()
        return "Withdrawn: not shown" if withdrawn else "Not approved: not shown"
    if live.draft_version != contact.draft_version:
        return "Shown; a newer edit waits for review"
    return "Shown, as approved"


class CountryFilter(admin.SimpleListFilter):
    """The countries that have contacts, by name (the field's own filter
    lists all 250 countries of the world)."""

    title = "country"
    parameter_name = "country"

    def lookups(self, request, model_admin):
        codes = set(model_admin.get_queryset(request).values_list("country", flat=True))
        found = [(code, dict(countries)[code]) for code in codes if code]
        found.sort(key=lambda item: str(item[1]))
        return ([("general", "General (every country)")] if "" in codes else []) + found

    def queryset(self, request, queryset):
        if self.value() == "general":
            return queryset.filter(country="")
        if self.value():
            return queryset.filter(country=self.value())
        return queryset


class ReviewStateFilter(admin.SimpleListFilter):
    title = "review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [
            ("waiting", "Waiting for review"),
            ("shown", "Shown to members"),
            ("hidden", "Not shown to members"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "waiting":
            # A version nobody approved (never approved, or edited since),
            # unless a reviewer withdrew the contact at this very version.
            withdrawn_as_is = CrisisContactEvent.objects.filter(
                contact=OuterRef("pk"),
                action=crisis.Action.WITHDRAWN,
                draft_version=OuterRef("draft_version"),
            )
            return queryset.exclude(
                live_revision__draft_version=F("draft_version")
            ).exclude(Exists(withdrawn_as_is))
        if self.value() == "shown":
            return queryset.published()
        if self.value() == "hidden":
            return queryset.filter(live_revision=None)
        return queryset


@admin.register(CrisisContact)
class CrisisContactAdmin(admin.ModelAdmin):
    form = CrisisContactForm
    list_display = [
        "service",
        "country",
        "shown",
        "waiting",
        "needs_check",
        "last_checked",
        "approved_by",
        "review_link",
    ]
    list_filter = [ReviewStateFilter, "needs_check", CountryFilter]
    list_select_related = ["live_revision"]
    search_fields = ["service", "phone", "text_number"]
    readonly_fields = ["review_status", "steps"]
    actions = None
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    class Media:
        css = {"all": ["css/admin.css"]}

    def get_fields(self, request: HttpRequest, obj: CrisisContact | None = None):
        fields = [*CONTACT_FIELDS, "expected_version"]
        return ["review_status", *fields, "steps"] if obj else fields

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_review_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("answers.review_crisiscontact")

    @admin.display(description="shown to members", boolean=True)
    def shown(self, obj: CrisisContact) -> bool:
        return obj.live_revision_id is not None

    @admin.display(description="edit waiting for review", boolean=True)
    def waiting(self, obj: CrisisContact) -> bool:
        return obj.has_unapproved_changes

    @admin.display(description="approved by")
    def approved_by(self, obj: CrisisContact) -> str:
        live = obj.live_revision
        return f"{live.reviewer_name}, {live.approved_at:%Y-%m-%d}" if live else "—"

    @admin.display(description="")
    def review_link(self, obj: CrisisContact) -> str:
        url = reverse("admin:answers_crisiscontact_review", args=[obj.pk])
        return format_html('<a href="{}">Review</a>', url)

    @admin.display(description="status")
    def review_status(self, obj: CrisisContact) -> str:
        url = reverse("admin:answers_crisiscontact_review", args=[obj.pk])
        return format_html(
            '<span class="dm-status">{}</span> (version {}) · <a href="{}">Review '
            "screen</a>",
            status_of(obj),
            obj.draft_version,
            url,
        )

    @admin.display(description="history")
    def steps(self, obj: CrisisContact) -> str:
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{} · {} · version {} · {}{}</li>",
                (
                    (
                        f"{event.created_at:%Y-%m-%d %H:%M}",
                        event.get_action_display(),
                        event.draft_version,
                        event.actor_name,
                        f" · {event.comment}" if event.comment else "",
                    )
                    for event in obj.events.all()[:30]
                ),
            ),
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The service checks again in its transaction: its refusal is shown
        # on the same page, not a server error.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except WorkflowError as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change) -> None:
        if change and not form.has_changed():
            return
        crisis.save_contact(
            user=request.user,
            contact=obj,
            expected_version=form.cleaned_data.get("expected_version")
            if change
            else None,
        )
        if change and obj.live_revision_id:
            messages.warning(
                request,
                "Members keep seeing the approved version until a medical "
                "reviewer approves this edit.",
            )

    def get_urls(self):
        return [
            path(
                "<int:pk>/review/",
                self.admin_site.admin_view(self.review_view),
                name="answers_crisiscontact_review",
            ),
            *super().get_urls(),
        ]

    def review_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        contact = object_or_404(
            CrisisContact.objects.select_related("live_revision"),
            pk,
            "No such crisis contact.",
        )
        approve_form = ApproveContactForm(
            initial={"expected_version": contact.draft_version}, prefix="approve"
        )
        withdraw_form = WithdrawContactForm(prefix="withdraw")
        status = 200
        if request.method == "POST":
            action = request.POST.get("action")
            try:
                if action == "approve":
                    approve_form = ApproveContactForm(request.POST, prefix="approve")
                    if approve_form.is_valid():
                        crisis.approve_contact(
                            user=request.user,
                            contact=contact,
                            expected_version=approve_form.cleaned_data[
                                "expected_version"
                            ],
                        )
                        messages.success(request, "Approved: members now see it.")
                        return HttpResponseRedirect(
                            reverse("admin:answers_crisiscontact_changelist")
                        )
                elif action == "withdraw":
                    withdraw_form = WithdrawContactForm(request.POST, prefix="withdraw")
                    if withdraw_form.is_valid():
                        crisis.withdraw_contact(
                            user=request.user,
                            contact=contact,
                            reason=withdraw_form.cleaned_data["reason"],
                        )
                        messages.success(
                            request, "Withdrawn: members no longer see it."
                        )
                        return HttpResponseRedirect(
                            reverse("admin:answers_crisiscontact_changelist")
                        )
                else:
                    messages.error(request, "Unknown action.")
            except WorkflowError as error:
                messages.error(request, str(error))
                # Refused for who they are (role, four-eyes): 403.
                status = 403 if isinstance(error, NotAllowed) else 200
                contact = CrisisContact.objects.select_related("live_revision").get(
                    pk=contact.pk
                )
        live = contact.live_revision
        draft = contact.draft_content()
        rows = [
            (
                CrisisContact._meta.get_field(name).verbose_name,
                draft[name],
                getattr(live, name) if live else "",
                live is not None and getattr(live, name) == draft[name],
            )
            for name in CONTACT_FIELDS
        ]
        reviewer = Reviewer.objects.filter(user_id=request.user.pk, active=True).first()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Review crisis contact: {contact}",
            "item": contact,
            "change_url": reverse(
                "admin:answers_crisiscontact_change", args=[contact.pk]
            ),
            "status": status_of(contact),
            "rows": rows,
            "live": live,
            "problems": crisis.problems_of(contact),
            "i_contributed": request.user.pk in crisis.contributor_ids(contact),
            "can_review": reviewer is not None and self.has_review_permission(request),
            "approve_form": approve_form,
            "withdraw_form": withdraw_form,
            "events": contact.events.all()[:30],
        }
        return TemplateResponse(
            request,
            "admin/answers/crisiscontact/review.html",
            context,
            status=status,
        )
