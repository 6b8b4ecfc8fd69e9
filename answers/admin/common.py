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

    `save_model` writes nothing; `save_related` calls `save_service` with the
    object (as the keyword named after its model, e.g. `condition=`), the user
    and a callback that saves the inlines. A screen with more to decide
    overrides `save_related` itself.
    """

    save_service: Callable[..., models.Model]

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
