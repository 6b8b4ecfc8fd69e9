"""Uploaded files go through Django's storage API, so MEDIA_STORAGE can put them
in an object store shared by every app server. DiseaseMaps stores no uploads
yet: these tests keep any that arrive on the configured storage, not on a path
of one machine."""

from pathlib import Path

from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.db.models import FileField
from django.test import override_settings

PROJECT = Path(__file__).resolve().parents[2]
IN_MEMORY = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


def test_every_file_field_uses_the_configured_storage():
    file_fields = [
        field
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, FileField)
    ]
    for field in file_fields:
        assert field.storage is default_storage, field


def _ours(path: Path) -> bool:
    """DiseaseMaps' own code: not a venv (.venv, the bench's
    .venv-bench-wagtail) and not the stock projects the bench compares with
    (tools/bench/baselines/, whose generated settings set MEDIA_ROOT)."""
    parts = path.relative_to(PROJECT).parts
    return not any(part.startswith(".venv") for part in parts) and parts[:3] != (
        "tools",
        "bench",
        "baselines",
    )


def test_no_code_reads_media_root_as_a_path():
    offenders = [
        str(path.relative_to(PROJECT))
        for path in PROJECT.glob("**/*.py")
        if _ours(path)
        and path.name != "settings.py"
        and "tests" not in path.parts
        and "MEDIA_ROOT" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []


@override_settings(STORAGES=IN_MEMORY)
def test_a_plugged_in_storage_receives_the_files():
    assert type(storages["default"]).__name__ == "InMemoryStorage"
    name = default_storage.save("reviewers/portrait.txt", ContentFile(b"photo"))
    with default_storage.open(name) as stored:
        assert stored.read() == b"photo"
    assert not (Path("reviewers") / "portrait.txt").exists()
