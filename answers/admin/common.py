"""Building blocks shared by the console's screens."""

from collections.abc import Callable

from django import forms
from django.db import models
from django.forms.formsets import BaseFormSet
from django.http import HttpRequest

from diseasemaps.lib.admin_history import HistoryCompareAdmin


class SavedByServiceAdmin(HistoryCompareAdmin):
    """A screen whose object and inlines one function in `answers.services`
    writes, in one transaction, whether saved from the form or restored from
    History: the service's permission check and republishing always run.

    `save_model` writes nothing; `save_related` hands the object, and a callback
    that saves the inlines, to `save_through_service`, which each screen defines.
    """

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
        self.save_through_service(
            request,
            form.instance,
            save_related=lambda: super(SavedByServiceAdmin, self).save_related(
                request, form, formsets, change
            ),
        )

    def save_through_service(
        self,
        request: HttpRequest,
        obj: models.Model,
        *,
        save_related: Callable[[], None],
    ) -> None:
        raise NotImplementedError
