"""The moderators' console. Every decision goes through `community.services`."""

from axes import admin as axes_admin
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from community import services
from community.exceptions import CommunityError, NotAllowed
from community.models import (
    REVIEWER_NOTE_MAX,
    Experience,
    ExperienceStatus,
    MedicalReview,
    Member,
    MemberModerationEvent,
    MemberReport,
    ModerationEvent,
    Report,
)
from community.queues import MODERATION_QUEUES, medical_review_queue
from community.screening import HARMFUL_ADVICE
from community.services import medical_review, member_reports, redaction
from community.services.safety import response_target
from diseasemaps.lib.admin import ReadOnlyAdmin, object_or_404
from diseasemaps.lib.diff import inline_diff
from diseasemaps.lib.markdown import render_member


class QueueFilter(admin.SimpleListFilter):
    title = "moderation queue"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _) in MODERATION_QUEUES.items()]

    def queryset(self, request, queryset):
        if self.value() not in MODERATION_QUEUES:
            return queryset
        return MODERATION_QUEUES[self.value()][1](queryset)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        required=False,
        label="Reason (sent to the member; required to hide, remove or reject). "
        "To send the post to a medical reviewer: your question for them (staff "
        "only).",
    )


class MedicalDecisionForm(forms.Form):
    """A medical reviewer's decision on a post; `seen` is what they read
    (medical_review.review_token), so a post that changed since is refused."""

    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        max_length=medical_review.QUESTION_MAX,
        label="To publish: your note for readers, shown above the post in your "
        f"name (plain text, at most {REVIEWER_NOTE_MAX} characters). To ask for "
        "an edit or hide: the reason the author will read.",
    )
    seen = forms.CharField(widget=forms.HiddenInput)


class RedactForm(forms.Form):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 14, "cols": 80}),
        label="The post, with the identifying details removed",
        strip=False,
    )
    reason = forms.CharField(
        max_length=redaction.REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 80}),
        label="Reason (sent to the member and kept in the moderation record; "
        "say what kind of detail, never quote it)",
    )
    seen = forms.CharField(widget=forms.HiddenInput)


MEDICAL_DECISIONS = {
    # button value: (label, service call)
    "publish": (
        "Publish with this note",
        lambda user, e, text, seen: services.publish_with_note(
            user=user, experience=e, note=text, seen=seen
        ),
    ),
    "edit": (
        "Ask the author for an edit",
        lambda user, e, text, seen: services.ask_author_for_edit(
            user=user, experience=e, reason=text, seen=seen
        ),
    ),
    "hide": (
        "Hide, with this reason for the author",
        lambda user, e, text, seen: services.hide_for_author(
            user=user, experience=e, reason=text, seen=seen
        ),
    ),
}


DECISIONS = {
    # button value: (label, service call)
    "approve": (
        "Approve and publish",
        lambda user, e, reason: services.approve_experience(
            user=user, experience=e, reason=reason
        ),
    ),
    "hide": (
        "Hide",
        lambda user, e, reason: services.hide_experience(
            user=user, experience=e, reason=reason
        ),
    ),
    "remove": (
        "Remove",
        lambda user, e, reason: services.remove_experience(
            user=user, experience=e, reason=reason
        ),
    ),
    "reviewed": (
        "Checked: it can stay",
        lambda user, e, reason: services.mark_reviewed(user=user, experience=e),
    ),
    "approve_edit": (
        "Publish the edit",
        lambda user, e, reason: services.decide_edit(
            user=user, experience=e, approve=True, reason=reason
        ),
    ),
    "reject_edit": (
        "Reject the edit",
        lambda user, e, reason: services.decide_edit(
            user=user, experience=e, approve=False, reason=reason
        ),
    ),
    "dismiss_reports": (
        "Dismiss the reports",
        lambda user, e, reason: services.dismiss_reports(
            user=user, experience=e, reason=reason
        ),
    ),
    "send_to_reviewer": (
        "Send to a medical reviewer",
        lambda user, e, reason: services.send_to_medical_reviewer(
            user=user, experience=e, question=reason
        ),
    ),
}


@admin.register(Experience)
class ExperienceAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "condition",
        "author_name",
        "status",
        "audience",
        "risk",
        "needs_review",
        "edit_waiting",
        "open_reports",
        "counted_reports",
        "review_asked",
        "created_at",
        "moderate_link",
    ]
    # Like questions: no sidebar listing every condition, and no count of
    # every post ever written on each page of a queue.
    list_filter = [QueueFilter, "status", "audience", "risk"]
    list_select_related = ["condition", "author"]
    search_fields = ["author__pseudonym", "condition__name", "body"]
    show_full_result_count = False
    date_hierarchy = "created_at"
    actions = ["approve_selected", "mark_selected_reviewed"]
    fields = [
        "condition",
        "question",
        "relation",
        "status",
        "audience",
        "body",
        "created_at",
    ]
    readonly_fields = fields

    class Media:
        css = {"all": ["css/admin.css"]}

    def has_moderate_permission(self, request) -> bool:
        return request.user.has_perm("community.moderate_experience")

    def get_ordering(self, request: HttpRequest):
        # High risk: the one waiting longest first (a column clicked still
        # sorts as asked).
        if request.GET.get(QueueFilter.parameter_name) == "risk":
            return ["risk_flagged_at", "pk"]
        return super().get_ordering(request)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .annotate(
                _open_reports=Count("reports", filter=Q(reports__resolved_at=None)),
                _counted_reports=Sum(
                    "reports__weight", filter=Q(reports__resolved_at=None)
                ),
            )
        )

    @admin.display(description="author", ordering="author__pseudonym")
    def author_name(self, obj: Experience) -> str:
        return obj.author.display_name

    @admin.display(description="edit waiting", boolean=True)
    def edit_waiting(self, obj: Experience) -> bool:
        return obj.has_pending_edit

    @admin.display(description="open reports", ordering="_open_reports")
    def open_reports(self, obj: Experience) -> int:
        return obj._open_reports

    @admin.display(
        description="reports from members with a record", ordering="_counted_reports"
    )
    def counted_reports(self, obj: Experience) -> int:
        return obj._counted_reports or 0

    @admin.display(description="author asks for review", boolean=True)
    def review_asked(self, obj: Experience) -> bool:
        return obj.review_requested_at is not None

    @admin.display(description="")
    def moderate_link(self, obj: Experience) -> str:
        url = reverse("admin:community_experience_moderate", args=[obj.pk])
        return format_html('<a href="{}">Moderate</a>', url)

    # Bulk actions that need no reason.

    @admin.action(
        description="Approve and publish selected posts", permissions=["moderate"]
    )
    def approve_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._bulk(request, queryset, "approve")

    @admin.action(
        description="Mark selected live posts as checked", permissions=["moderate"]
    )
    def mark_selected_reviewed(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._bulk(request, queryset, "reviewed")

    def _bulk(self, request: HttpRequest, queryset: QuerySet, decision: str) -> None:
        done = 0
        for experience in queryset:
            try:
                DECISIONS[decision][1](request.user, experience, "")
                done += 1
            except CommunityError as error:
                messages.error(request, f"#{experience.pk}: {error}")
        if done:
            messages.success(request, f"{DECISIONS[decision][0]}: {done} posts.")

    # The moderation page.

    def get_urls(self):
        return [
            path(
                "<int:pk>/moderate/",
                self.admin_site.admin_view(self.moderate_view),
                name="community_experience_moderate",
            ),
            path(
                "medical-review/",
                self.admin_site.admin_view(self.medical_queue_view),
                name="community_experience_medical_queue",
            ),
            path(
                "<int:pk>/medical-review/",
                self.admin_site.admin_view(self.medical_review_view),
                name="community_experience_medical_review",
            ),
            path(
                "<int:pk>/redact/",
                self.admin_site.admin_view(self.redact_view),
                name="community_experience_redact",
            ),
            *super().get_urls(),
        ]

    def moderate_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_moderate_permission(request):
            raise PermissionDenied
        experience = object_or_404(
            Experience.objects.select_related("author", "condition", "question"),
            pk,
            "No such post.",
        )
        form = ReasonForm(request.POST or None)
        status = 200
        if request.method == "POST" and form.is_valid():
            decision = request.POST.get("decision")
            if decision not in DECISIONS:
                messages.error(request, "Unknown decision.")
            else:
                try:
                    DECISIONS[decision][1](
                        request.user, experience, form.cleaned_data["reason"]
                    )
                except CommunityError as error:
                    messages.error(request, str(error))
                    # Refused for who they are (e.g. their own post), not for
                    # the post's state: the answer says so.
                    status = 403 if isinstance(error, NotAllowed) else 200
                else:
                    messages.success(request, f"{DECISIONS[decision][0]}: done.")
                    return HttpResponseRedirect(
                        reverse("admin:community_experience_changelist")
                    )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Moderate post #{experience.pk}",
            "experience": experience,
            "edit_diff": inline_diff(experience.body, experience.pending_body)
            if experience.pending_body
            else None,
            "edit_preview": render_member(experience.pending_body),
            # Reports that count first; each shows its reporter's record.
            "reports": experience.reports.filter(resolved_at=None).order_by(
                "-weight", "created_at"
            ),
            "hide_after": services.HIDE_AFTER_REPORTS,
            "high_risk_response": response_target(),
            "events": experience.moderation_events.all()[:20],
            "form": form,
            "decisions": self._decisions_for(experience),
        }
        return TemplateResponse(
            request, "admin/community/moderate.html", context, status=status
        )

    def redact_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Remove identifying details instead of rejecting the post: the
        author sees the result and decides (community.services.redaction)."""
        if not self.has_moderate_permission(request):
            raise PermissionDenied
        experience = object_or_404(
            Experience.objects.select_related("author", "condition", "question"),
            pk,
            "No such post.",
        )
        initial = {
            "body": redaction.source_text(experience),
            "seen": experience.text_fingerprint,
        }
        form = RedactForm(request.POST or None, initial=initial)
        status = 200
        if request.method == "POST" and form.is_valid():
            try:
                services.redact_experience(
                    user=request.user,
                    experience=experience,
                    body=form.cleaned_data["body"],
                    reason=form.cleaned_data["reason"],
                    seen=form.cleaned_data["seen"],
                )
            except redaction.StaleRedaction as error:
                messages.error(request, str(error))
                experience.refresh_from_db()
                # The newer text, to read and redact again.
                form = RedactForm(
                    initial={
                        "body": redaction.source_text(experience),
                        "seen": experience.text_fingerprint,
                        "reason": form.cleaned_data["reason"],
                    }
                )
                status = 409
            except CommunityError as error:
                messages.error(request, str(error))
                status = 403 if isinstance(error, NotAllowed) else 200
            else:
                messages.success(
                    request,
                    f"Post #{experience.pk} redacted: it is out of public view "
                    "until its author accepts the new text.",
                )
                return HttpResponseRedirect(
                    reverse("admin:community_experience_changelist")
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Redact post #{experience.pk}",
            "experience": experience,
            "form": form,
            "guidance": redaction.GUIDANCE,
            "keep_days": services.KEEP_ORIGINAL_FOR.days,
        }
        return TemplateResponse(
            request, "admin/community/redact.html", context, status=status
        )

    def _decisions_for(self, experience: Experience) -> list[tuple[str, str]]:
        status = experience.status
        keys = []
        with_reviewer = experience.medical_review == MedicalReview.ASKED
        # Not while it waits for its author to accept a redaction: their
        # answer (accept, edit, delete) comes first.
        may_send = not with_reviewer and status not in {
            ExperienceStatus.REMOVED,
            ExperienceStatus.REDACTED,
        }
        # First when the screening found harmful advice (issue 18).
        if may_send and HARMFUL_ADVICE in experience.screening.get("classes", []):
            keys.append("send_to_reviewer")
        # With a medical reviewer, only they publish it; a redacted post is
        # published by its author's yes, never here.
        if experience.medical_review:
            pass
        elif status in {ExperienceStatus.PENDING, ExperienceStatus.HIDDEN}:
            keys.append("approve")
        if status in {ExperienceStatus.PENDING, ExperienceStatus.PUBLISHED}:
            keys.append("hide")
        if status != ExperienceStatus.REMOVED:
            keys.append("remove")
        if experience.needs_review:
            keys.append("reviewed")
        if experience.has_pending_edit:
            keys += ["approve_edit", "reject_edit"]
        if experience.reports.filter(resolved_at=None).exists():
            keys.append("dismiss_reports")
        if may_send and "send_to_reviewer" not in keys:
            keys.append("send_to_reviewer")
        return [(key, DECISIONS[key][0]) for key in keys]

    # The medical reviewers' queue and decision page (issue 18). Reviewers
    # see only the posts a moderator sent them, not the whole community.

    def has_medical_review_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("answers.review_question")

    def medical_queue_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_medical_review_permission(request):
            raise PermissionDenied
        waiting = list(
            medical_review_queue(Experience.objects.all()).select_related(
                "author", "condition", "question"
            )
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Posts waiting for a medical reviewer",
            "waiting": waiting,
        }
        return TemplateResponse(request, "admin/community/medical_queue.html", context)

    def medical_review_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_medical_review_permission(request):
            raise PermissionDenied
        experience = object_or_404(
            Experience.objects.select_related("author", "condition", "question"),
            pk,
            "No such post.",
        )
        # Only posts a moderator sent to the reviewers (now or before).
        sent = experience.moderation_events.filter(
            action=ModerationEvent.Action.SENT_TO_REVIEWER
        ).first()
        if sent is None:
            raise Http404("This post was not sent to a medical reviewer.")
        token = medical_review.review_token(experience)
        form = MedicalDecisionForm(request.POST or None, initial={"seen": token})
        status = 200
        if request.method == "POST" and form.is_valid():
            decision = request.POST.get("decision")
            if decision not in MEDICAL_DECISIONS:
                messages.error(request, "Unknown decision.")
            else:
                try:
                    MEDICAL_DECISIONS[decision][1](
                        request.user,
                        experience,
                        form.cleaned_data["text"],
                        form.cleaned_data["seen"],
                    )
                except CommunityError as error:
                    messages.error(request, str(error))
                    status = 403 if isinstance(error, NotAllowed) else 200
                    if isinstance(error, medical_review.StaleDecision):
                        status = 409
                        # What they decide on next is what they see now.
                        form = MedicalDecisionForm(
                            initial={"seen": token, "text": form.cleaned_data["text"]}
                        )
                else:
                    messages.success(
                        request, f"{MEDICAL_DECISIONS[decision][0]}: done."
                    )
                    return HttpResponseRedirect(
                        reverse("admin:community_experience_medical_queue")
                    )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Medical review of post #{experience.pk}",
            "experience": experience,
            "sent": sent,
            "waiting": experience.medical_review == MedicalReview.ASKED,
            "note_max": REVIEWER_NOTE_MAX,
            "events": experience.moderation_events.all()[:20],
            "form": form,
            "decisions": [
                (key, label) for key, (label, _) in MEDICAL_DECISIONS.items()
            ],
        }
        return TemplateResponse(
            request, "admin/community/medical_review.html", context, status=status
        )


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    """Each report with its weight and its reporter's record when it was made,
    so that moderators can judge it; never the reporter's name or address."""

    list_display = [
        "experience",
        "reason",
        "weight",
        "reporter_record",
        "outcome",
        "created_at",
        "resolved_at",
    ]
    list_filter = [("resolved_at", admin.EmptyFieldListFilter), "weight", "outcome"]
    list_select_related = ["experience__author"]
    fields = [
        "experience",
        "reason",
        "weight",
        "reporter_record",
        "outcome",
        "created_at",
        "resolved_at",
    ]
    readonly_fields = fields

    @admin.display(description="reporter's record when reporting")
    def reporter_record(self, obj: Report) -> str:
        return obj.record_summary


@admin.register(ModerationEvent)
class ModerationEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "experience_ref", "action", "actor_name", "reason"]
    list_filter = ["action"]
    search_fields = ["actor_name", "reason"]
    date_hierarchy = "created_at"


@admin.register(Member)
class MemberAdmin(ReadOnlyAdmin):
    """Site admins only (no group has member permissions): pseudonyms and
    consent records, never edited by hand."""

    list_display = [
        "pseudonym",
        "country",
        "health_data_consent_at",
        "is_former",
        "posts_held",
        "posting_suspended_at",
    ]
    search_fields = ["pseudonym"]
    list_filter = ["is_former", "posts_held"]
    exclude = ["user"]


class AccessAttemptAdmin(axes_admin.AccessAttemptAdmin):
    """django-axes' own admin, with its one action working.

    django-axes 8.3.1's "Clean up expired attempts" reads the attempt time
    its login handling puts on the request, which an admin request never
    has: the action always answered 500 (found by fuzzing the admin).
    """

    @admin.action(description="Clean up expired attempts")
    def cleanup_expired_attempts(self, request: HttpRequest, queryset: QuerySet):
        AxesProxyHandler.update_request(request)
        return super().cleanup_expired_attempts(request, queryset)


if admin.site.is_registered(AccessAttempt):  # AXES_ENABLE_ADMIN
    admin.site.unregister(AccessAttempt)
    admin.site.register(AccessAttempt, AccessAttemptAdmin)


# --- Reports about members (issue 18) -----------------------------------------

MEMBER_DECISIONS = {
    # button value: (label, service, who may be offered it)
    "dismiss": (
        "Dismiss the reports",
        member_reports.dismiss_member_reports,
        lambda member, open_reports: open_reports,
    ),
    "hold": (
        "Hold all their new posts for moderation",
        member_reports.hold_member_posts,
        lambda member, open_reports: not member.posts_held,
    ),
    "release": (
        "Stop holding their posts",
        member_reports.release_member_posts,
        lambda member, open_reports: member.posts_held,
    ),
    "suspend": (
        "Suspend their posting (they see the reason)",
        member_reports.suspend_posting,
        lambda member, open_reports: not member.posting_suspended,
    ),
    "lift": (
        "Lift the suspension",
        member_reports.lift_suspension,
        lambda member, open_reports: member.posting_suspended,
    ),
}


@admin.register(MemberReport)
class MemberReportAdmin(ReadOnlyAdmin):
    """Reports about members, with their reporters' records and never their
    names; each opens the review page, where the member's recent posts sit
    beside every open report about them."""

    list_display = [
        "created_at",
        "member_name",
        "category",
        "risk",
        "weight",
        "reporter_record",
        "outcome",
        "review_link",
    ]
    list_filter = [
        ("resolved_at", admin.EmptyFieldListFilter),
        "category",
        "risk",
        "weight",
        "outcome",
    ]
    list_select_related = ["member"]
    search_fields = ["member__pseudonym"]
    show_full_result_count = False
    fields = [
        "member_name",
        "category",
        "reason",
        "experience_ref",
        "risk",
        "weight",
        "reporter_record",
        "outcome",
        "created_at",
        "resolved_at",
    ]
    readonly_fields = fields

    class Media:
        css = {"all": ["css/admin.css"]}

    @admin.display(description="member", ordering="member__pseudonym")
    def member_name(self, obj: MemberReport) -> str:
        return obj.member.display_name

    @admin.display(description="reporter's record when reporting")
    def reporter_record(self, obj: MemberReport) -> str:
        return obj.record_summary

    @admin.display(description="")
    def review_link(self, obj: MemberReport) -> str:
        url = reverse("admin:community_memberreport_review", args=[obj.pk])
        return format_html('<a href="{}">Review the member</a>', url)

    def get_urls(self):
        return [
            path(
                "<int:pk>/review/",
                self.admin_site.admin_view(self.review_view),
                name="community_memberreport_review",
            ),
            *super().get_urls(),
        ]

    def review_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm("community.moderate_experience"):
            raise PermissionDenied
        report = object_or_404(
            MemberReport.objects.select_related("member"), pk, "No such report."
        )
        member = report.member
        form = ReasonForm(request.POST or None)
        status = 200
        if request.method == "POST" and form.is_valid():
            decision = request.POST.get("decision")
            if decision not in MEMBER_DECISIONS:
                messages.error(request, "Unknown decision.")
            else:
                label, service, _ = MEMBER_DECISIONS[decision]
                try:
                    service(
                        user=request.user,
                        member=member,
                        reason=form.cleaned_data["reason"],
                    )
                except CommunityError as error:
                    messages.error(request, str(error))
                    status = 403 if isinstance(error, NotAllowed) else 200
                else:
                    messages.success(request, f"{label}: done.")
                    return HttpResponseRedirect(
                        reverse("admin:community_memberreport_changelist")
                    )
            member.refresh_from_db()
        open_reports = list(
            member.reports_about.filter(resolved_at=None).order_by(
                "-risk", "-weight", "created_at"
            )
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Reports about {member.display_name}",
            "report": report,
            "member": member,
            "open_reports": open_reports,
            "posts": member_reports.recent_posts(member),
            "events": member.moderation_events.all()[:20],
            "form": form,
            "decisions": [
                (key, label)
                for key, (label, _, offered) in MEMBER_DECISIONS.items()
                if offered(member, bool(open_reports))
            ],
        }
        return TemplateResponse(
            request, "admin/community/review_member.html", context, status=status
        )


@admin.register(MemberModerationEvent)
class MemberModerationEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "member_ref", "action", "actor_name", "reason"]
    list_filter = ["action"]
    search_fields = ["actor_name", "reason"]
    date_hierarchy = "created_at"
