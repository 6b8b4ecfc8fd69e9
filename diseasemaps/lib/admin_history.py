"""Compare saved versions in the admin's History (django-reversion).

`HistoryCompareAdmin` adds, to every VersionAdmin that uses it, a compare page
that shows field-by-field word differences between two saved versions, or
between a saved version and the object as it is now.
"""

from django.contrib import admin
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from reversion.admin import VersionAdmin
from reversion.models import Version
from reversion.revisions import _get_options

from diseasemaps.lib.diff import field_diffs

CURRENT = "current"


def _display(field: models.Field, value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(field, models.ForeignKey):
        related = field.related_model._default_manager.filter(pk=value).first()
        return str(related) if related is not None else f"#{value} (deleted)"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def _shown_fields(model: type[models.Model]) -> list[models.Field]:
    """Versioned fields an editor can change (not ids or automatic timestamps)."""
    fields = (model._meta.get_field(name) for name in _get_options(model).fields)
    return [f for f in fields if f.editable and not f.primary_key]


def _child_line(model: type[models.Model], values: dict, fk_attname: str) -> str:
    parts = []
    for field in model._meta.concrete_fields:
        if not field.editable or field.primary_key or field.attname == fk_attname:
            continue
        text = _display(field, values.get(field.attname))
        if text:
            parts.append(text)
    return " · ".join(parts)


def _follows(model: type[models.Model]) -> list[tuple[str, type, str]]:
    """(label, child model, attname of its FK to us) for each followed relation."""
    result = []
    for name in _get_options(model).follow:
        relation = model._meta.get_field(name)
        result.append(
            (
                str(relation.related_model._meta.verbose_name_plural).capitalize(),
                relation.related_model,
                relation.field.attname,
            )
        )
    return result


def snapshot_of_version(version: Version) -> dict[str, str]:
    model = version._model
    values = version.field_dict
    snapshot = {}
    for field in _shown_fields(model):
        snapshot[str(field.verbose_name).capitalize()] = _display(
            field, values.get(field.attname)
        )
    for label, child, fk in _follows(model):
        children = sorted(
            (
                v
                for v in version.revision.version_set.get_for_model(child)
                if str(v.field_dict.get(fk)) == version.object_id
            ),
            key=lambda v: int(v.object_id),
        )
        snapshot[label] = "\n".join(
            _child_line(child, v.field_dict, fk) for v in children
        )
    return snapshot


def snapshot_of_object(obj: models.Model) -> dict[str, str]:
    model = type(obj)
    snapshot = {}
    for field in _shown_fields(model):
        snapshot[str(field.verbose_name).capitalize()] = _display(
            field, getattr(obj, field.attname)
        )
    for label, child, fk in _follows(model):
        rows = child._default_manager.filter(**{fk: obj.pk}).order_by("pk")
        snapshot[label] = "\n".join(
            _child_line(
                child,
                {f.attname: getattr(r, f.attname) for f in child._meta.concrete_fields},
                fk,
            )
            for r in rows
        )
    return snapshot


def compare_rows(old: dict[str, str], new: dict[str, str]) -> list[dict]:
    labels = {key: key for key in [*old, *[k for k in new if k not in old]]}
    return field_diffs(old, new, labels)


class HistoryCompareAdmin(VersionAdmin):
    object_history_template = "admin/history_with_compare.html"
    history_latest_first = True

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/history/compare/",
                self.admin_site.admin_view(self.compare_view),
                name="{}_{}_compare".format(*info),
            ),
            *super().get_urls(),
        ]

    def history_view(self, request, object_id, extra_context=None):
        """Reversion's history list, with links to compare each version."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        object_id = unquote(object_id)
        info = self.opts.app_label, self.opts.model_name
        versions = list(
            Version.objects.get_for_object_reference(self.model, object_id)
            .select_related("revision", "revision__user")
            .order_by("-pk")
        )
        rows = [
            {
                "version": version,
                "revision": version.revision,
                "url": reverse(
                    "admin:{}_{}_revision".format(*info),
                    args=[quote(object_id), version.pk],
                ),
                "previous_id": versions[i + 1].pk if i + 1 < len(versions) else None,
            }
            for i, version in enumerate(versions)
        ]
        context = {
            "action_list": rows,
            "compare_url": reverse(
                "admin:{}_{}_compare".format(*info), args=[quote(object_id)]
            ),
            **(extra_context or {}),
        }
        # Skip VersionAdmin.history_view: it would build the same list again.
        return admin.ModelAdmin.history_view(self, request, quote(object_id), context)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        """Reversion's revert of a saved version, for this model's object only:
        reversion looks the version up by its number alone, so another model's
        version (a reviewer profile, say) could be reverted from any screen."""
        self._version(unquote(object_id), str(version_id))
        return super().revision_view(request, object_id, version_id, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        """Recover an object of this model only (see revision_view)."""
        if not (
            self.has_change_permission(request) and self.has_add_permission(request)
        ):
            raise PermissionDenied
        if not (
            str(version_id).isdigit()
            and Version.objects.get_for_model(self.model).filter(pk=version_id).exists()
        ):
            raise Http404("No such saved version.")
        return super().recover_view(request, version_id, extra_context)

    def _version(self, object_id: str, version_id: str) -> Version:
        if not version_id.isdigit():
            raise Http404("No such version.")
        return get_object_or_404(
            Version.objects.get_for_object_reference(self.model, object_id),
            pk=version_id,
        )

    def compare_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        object_id = unquote(object_id)
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404("No such object.")
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        old_id = request.GET.get("from", "")
        new_id = request.GET.get("to", CURRENT)
        old_version = self._version(object_id, old_id)
        old = snapshot_of_version(old_version)
        if new_id == CURRENT:
            new, new_label = snapshot_of_object(obj), "now"
        else:
            new_version = self._version(object_id, new_id)
            new = snapshot_of_version(new_version)
            new_label = f"{new_version.revision.date_created:%Y-%m-%d %H:%M} UTC"
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": obj,
            "object_id": object_id,
            "title": f"Compare versions of {obj}",
            "old_label": f"{old_version.revision.date_created:%Y-%m-%d %H:%M} UTC",
            "new_label": new_label,
            "rows": compare_rows(old, new),
        }
        return TemplateResponse(request, "admin/history_compare.html", context)
