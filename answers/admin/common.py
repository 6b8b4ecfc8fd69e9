"""Building blocks shared by the console's screens."""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import quote
from django.contrib.admin.views.main import ChangeList
from django.db import models
from django.forms.formsets import BaseFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from answers import services
from answers.exceptions import StaleDraft, WorkflowError
from answers.models import Status
from diseasemaps.lib.admin_history import HistoryCompareAdmin


class DraftForm(forms.ModelForm):
    """The form of reviewed content (a question, a condition): it carries the
    draft version the editor started from, and refuses to save over a newer
    one, keeping the editor's typing on screen to copy."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # From the database, not the instance: a version restored from
            # History carries the draft version it had then.
            self.fields["expected_version"].initial = (
                type(self.instance)
                .objects.filter(pk=self.instance.pk)
                .values_list("draft_version", flat=True)
                .first()
            )

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.instance.pk:
            # The admin runs this inside its transaction, so the lock is held
            # until the save: no one can slip a save in between.
            current = services.lock(self.instance)
            try:
                services.check_version(
                    current,
                    cleaned.get("expected_version"),
                    "Nothing was saved. Copy your changes, reload the page and "
                    "apply them to the new version.",
                )
            except StaleDraft as error:
                raise forms.ValidationError(str(error)) from None
        return cleaned


class SavedByServiceAdmin(HistoryCompareAdmin):
    """A screen whose object and inlines one function in `answers.services`
    writes, in one transaction, whether saved from the form or restored from
    History: the service's permission check and republishing always run.

    `save_model` writes nothing; `save_related` calls `save_service` with the
    object (as the keyword named after its model, e.g. `condition=`), the user
    and a callback that saves the inlines. A screen with more to decide
    overrides `save_related` itself.
    """

    save_service: Callable[..., models.Model]

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        # The service checks again in its transaction (a code retired by a
        # release loaded in between, a step another person took first): its
        # refusal is shown on the same page, not a server error.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except WorkflowError as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(request.get_full_path())

    def save_model(
        self,
        request: HttpRequest,
        obj: models.Model,
        form: forms.ModelForm,
        change: bool,
    ) -> None:
        """Saved together with its inlines in save_related, by the service."""

    def save_related(
        self,
        request: HttpRequest,
        form: forms.ModelForm,
        formsets: list[BaseFormSet],
        change: bool,
    ) -> None:
        self.save_service(
            **{self.opts.model_name: form.instance},
            user=request.user,
            save_related=lambda: super(SavedByServiceAdmin, self).save_related(
                request, form, formsets, change
            ),
        )


class QuickRowsChangeList(ChangeList):
    """A change list that reverses its rows' change URL once per page, not
    once per row: every row's URL differs only in the quoted key."""

    PLACEHOLDER = "0"

    def url_for_result(self, result) -> str:
        pattern = getattr(self, "_change_url_parts", None)
        if pattern is None:
            url = reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                args=(self.PLACEHOLDER,),
                current_app=self.model_admin.admin_site.name,
            )
            # The admin's change URL ends "/<key>/change/".
            head, _placeholder, tail = url.rpartition(f"/{self.PLACEHOLDER}/")
            pattern = self._change_url_parts = (f"{head}/", f"/{tail}")
        return f"{pattern[0]}{quote(getattr(result, self.pk_attname))}{pattern[1]}"


class QuickRowsAdmin:
    """The cheap parts of a long change list (the review queues list 50 rows
    of 9 columns): the selection checkbox written directly rather than
    through a form widget's templates (two template renders a row), with
    the same HTML as Django's `action_checkbox`, and row URLs reversed once
    (`QuickRowsChangeList`)."""

    def get_changelist(self, request: HttpRequest, **kwargs) -> type[ChangeList]:
        return QuickRowsChangeList

    def action_checkbox(self, obj: models.Model) -> str:
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select"'
            ' aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            format_html(_("Select this object for an action - {}"), str(obj)),
        )


class DraftAdmin(QuickRowsAdmin, SavedByServiceAdmin):
    """Reviewed content saved as a draft through `services.save_draft`, with
    its inlines, in one transaction (from the form or restored from History)."""

    def save_related(
        self,
        request: HttpRequest,
        form: forms.ModelForm,
        formsets: list[BaseFormSet],
        change: bool,
    ) -> None:
        changed = (
            not change
            or form.has_changed()
            or any(formset.has_changed() for formset in formsets)
        )
        if not changed:
            # Nothing to save, so no new draft version; the formsets still
            # record that they saved nothing.
            super(SavedByServiceAdmin, self).save_related(
                request, form, formsets, change
            )
            return
        item = services.save_draft(
            item=form.instance,
            user=request.user,
            expected_version=form.cleaned_data.get("expected_version")
            if change
            else None,
            save_related=lambda: super(SavedByServiceAdmin, self).save_related(
                request, form, formsets, change
            ),
        )
        if item.status == Status.IN_REVIEW:
            messages.warning(
                request,
                "This is in review: the reviewer now sees your new version.",
            )
