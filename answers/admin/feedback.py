"""The reader feedback queue: reports of problems with answers.

The list is the queue (new, assigned to me, overdue, all open), with due
dates. Each report opens a work page whose forms call `answers.feedback`
(triage, assign, accept, decline, close with the fix); the list and change
pages themselves change nothing. The reader's text is shown as escaped plain
text; their reply address is never shown, only whether there is one.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html

from answers import feedback as services
from answers.exceptions import NotAllowed, WorkflowError
from answers.models import OPEN_STATES, Feedback
from answers.queues import FEEDBACK_QUEUES
from diseasemaps.lib.admin import ReadOnlyAdmin, object_or_404


class FeedbackQueueFilter(admin.SimpleListFilter):
    title = "queue"
    parameter_name = "queue"

    def lookups(self, request, model_admin) -> list[tuple[str, str]]:
        return [(key, label) for key, (label, _) in FEEDBACK_QUEUES.items()]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() not in FEEDBACK_QUEUES:
            return queryset
        _, narrow = FEEDBACK_QUEUES[self.value()]
        return narrow(queryset, request.user, timezone.localdate())


def _assignable():
    """Writers and medical reviewers (and site admins) who can take a report."""
    users = get_user_model().objects.filter(is_active=True, is_staff=True)
    return [
        user
        for user in users.order_by("username")
        if user.has_perm("answers.triage_feedback")
    ]


class AssigneeField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


class StepForm(forms.Form):
    step = forms.ChoiceField(
        choices=[
            ("triage", "Triage"),
            ("assign", "Assign"),
            ("accept", "Accept"),
            ("decline", "Decline"),
            ("close", "Close"),
        ]
    )
    assignee = AssigneeField(
        queryset=get_user_model().objects.none(), required=False, label="Assign to"
    )
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Comment (for a decline: the reason)",
        max_length=2000,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = get_user_model().objects.filter(
            pk__in=[user.pk for user in _assignable()]
        )


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    list_display = [
        "received",
        "answer",
        "kind",
        "section_shown",
        "state",
        "assignee_name",
        "due",
    ]
    list_filter = [FeedbackQueueFilter, "state", "kind"]
    list_select_related = ["question", "question__condition", "assignee"]
    search_fields = ["question__text", "question__condition__name"]
    show_full_result_count = False
    fields = [
        "work",
        "answer",
        "kind",
        "section_shown",
        "reader_text",
        "reply",
        "state",
        "assignee_name",
        "due",
        "decline_reason",
        "fixed_by",
        "history",
    ]
    readonly_fields = fields

    class Media:
        css = {"all": ["css/admin.css"]}

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("answers.view_feedback")

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<int:pk>/work/",
                self.admin_site.admin_view(self.work_view),
                name="answers_feedback_work",
            ),
            *super().get_urls(),
        ]

    # Columns and fields.

    @admin.display(description="received", ordering="created_at")
    def received(self, obj: Feedback) -> str:
        return f"{obj.created_at:%Y-%m-%d %H:%M}"

    @admin.display(description="answer", ordering="question__text")
    def answer(self, obj: Feedback) -> str:
        return format_html(
            '<a href="{}">{}</a> ({})',
            reverse("admin:answers_question_change", args=[obj.question_id]),
            obj.question.text,
            obj.question.condition.name,
        )

    @admin.display(description="section")
    def section_shown(self, obj: Feedback) -> str:
        return obj.section or "The whole answer"

    @admin.display(description="assigned to", ordering="assignee__username")
    def assignee_name(self, obj: Feedback) -> str:
        if obj.assignee is None:
            return "—"
        return obj.assignee.get_full_name() or obj.assignee.get_username()

    @admin.display(description="due", ordering="due_on")
    def due(self, obj: Feedback) -> str:
        if obj.is_overdue():
            return format_html(
                '<span class="dm-overdue">{} (overdue)</span>', f"{obj.due_on:%Y-%m-%d}"
            )
        return f"{obj.due_on:%Y-%m-%d}"

    @admin.display(description="what the reader noticed")
    def reader_text(self, obj: Feedback) -> str:
        # Untrusted: escaped by format_html, line breaks kept by CSS.
        return format_html('<div class="dm-text">{}</div>', obj.text)

    @admin.display(description="reply address")
    def reply(self, obj: Feedback) -> str:
        if obj.reply_to:
            return "Given: the reader is told once when a fix is approved."
        if obj.reader_told_at:
            return f"Reader told on {obj.reader_told_at:%Y-%m-%d}; address erased."
        return "None kept."

    @admin.display(description="work on it")
    def work(self, obj: Feedback) -> str:
        return format_html(
            '<a href="{}">Open the work page</a>',
            reverse("admin:answers_feedback_work", args=[obj.pk]),
        )

    @admin.display(description="steps")
    def history(self, obj: Feedback) -> str:
        events = list(obj.events.all())
        return format_html(
            "<ul>{}</ul>",
            format_html(
                "".join(["<li>{}</li>"] * len(events)),
                *(
                    f"{e.created_at:%Y-%m-%d %H:%M} · {e.get_action_display()} by "
                    f"{e.actor_name}" + (f": {e.comment}" if e.comment else "")
                    for e in events
                ),
            ),
        )

    # The work page.

    def work_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm("answers.view_feedback"):
            raise PermissionDenied
        queryset = Feedback.objects.select_related(
            "question", "question__condition", "question__live_revision", "assignee"
        )
        item = object_or_404(queryset, pk, "No such report.")
        form = StepForm(request.POST or None)
        status = 200
        if request.method == "POST":
            if not form.is_valid():
                status = 200
            else:
                try:
                    self._take_step(request, item, form.cleaned_data)
                    messages.success(request, "Done.")
                    return HttpResponseRedirect(
                        reverse("admin:answers_feedback_work", args=[item.pk])
                    )
                except (WorkflowError, ValueError) as error:
                    messages.error(request, str(error))
                    status = 403 if isinstance(error, NotAllowed) else 200
                item = object_or_404(queryset, pk, "No such report.")
        live = item.question.live_revision
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Reader feedback #{item.pk}",
            "item": item,
            "form": form,
            "is_open": item.state in OPEN_STATES,
            "can_triage": request.user.has_perm("answers.triage_feedback"),
            "can_close": request.user.has_perm("answers.close_feedback")
            and live is not None
            and live.approved_at >= item.created_at,
            "events": item.events.all(),
            "review_url": reverse(
                "admin:answers_question_review", args=[item.question_id]
            ),
            "edit_url": reverse(
                "admin:answers_question_change", args=[item.question_id]
            ),
            "change_url": reverse("admin:answers_feedback_change", args=[item.pk]),
            "media": self.media,
        }
        return TemplateResponse(
            request, "admin/answers/feedback/work.html", context, status=status
        )

    def _take_step(self, request: HttpRequest, item: Feedback, data: dict) -> None:
        if data["step"] == "close":
            services.close_fixed(feedback=item, user=request.user)
            return
        services.triage_feedback(
            feedback=item,
            user=request.user,
            step=data["step"],
            assignee=data.get("assignee"),
            comment=data.get("comment", ""),
        )
