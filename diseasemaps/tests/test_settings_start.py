"""Start-up in a fresh interpreter: production refuses to start without its secrets
and with bad values, naming the variable, and a complete production environment
starts and passes Django's deployment checks."""

import os
import re
import secrets
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from devdata.personas import report_figure

# This checkout, wherever it lives (a fixed path would test some other copy).
PROJECT = Path(__file__).resolve().parents[2]
READ_SETTINGS = (
    "import django; from django.conf import settings; "
    "print(settings.DEBUG, settings.ALLOWED_HOSTS, settings.SECRET_KEY == {key!r})"
)
CONTROLLED = [
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "DATABASE_REPLICA_URLS",
    "DATABASE_REPLICA_MAX_LAG",
    "REDIS_URL",
    "MEDIA_STORAGE",
    "MEDIA_STORAGE_OPTIONS",
    "MEDIA_ROOT",
    "MEDIA_URL",
    "EMAIL_URL",
    "SECURE_SSL_REDIRECT",
    "SECURE_COOKIES",
    "SECURE_HSTS_SECONDS",
    "BEHIND_PROXY",
    "AXES_FAILURE_LIMIT",
    "DEFAULT_REVIEW_INTERVAL_DAYS",
    "CSRF_TRUSTED_ORIGINS",
    "SITE_URL",
    "LOG_LEVEL",
    "ADMINS",
    "RELEASE",
    # pytest-env sets this for the browser tests; production never has it.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    # Where git looks for the checkout (the release is read from it).
    "GIT_DIR",
    "GIT_WORK_TREE",
]


EMPTY_DATABASE = Path(tempfile.mkdtemp(prefix="dm-settings-")) / "empty.sqlite3"


def production_key() -> str:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(60))


def environment(**values: str) -> dict[str, str]:
    env = dict(os.environ)
    for name in CONTROLLED:
        env.pop(name, None)
    env["DJANGO_SETTINGS_MODULE"] = "diseasemaps.settings"
    env.update(values)
    return env


def production(**overrides: str) -> dict[str, str]:
    values = {
        "DEBUG": "false",
        "SECRET_KEY": production_key(),
        "ALLOWED_HOSTS": "diseasemaps.example",
        # Not var/db.sqlite3: after `make run` that holds the demo accounts,
        # and `check --deploy` rightly fails while any exist.
        "DATABASE_URL": f"sqlite:///{EMPTY_DATABASE}",
        "SITE_URL": "https://diseasemaps.example",
        "RELEASE": "2026.12.1",
    }
    values.update(overrides)
    return environment(**values)


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    command = list(args) or ["-c", READ_SETTINGS.format(key=env.get("SECRET_KEY"))]
    return subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, *command],
        env=env,
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def refusal_of(result: subprocess.CompletedProcess) -> str:
    assert result.returncode != 0, result.stdout
    assert "ImproperlyConfigured" in result.stderr, result.stderr
    return result.stderr.strip().splitlines()[-1]


def test_it_refuses_to_start_with_debug_off_and_no_secret_key():
    message = refusal_of(run(environment(DEBUG="false")))
    assert "SECRET_KEY is not set" in message


def test_it_treats_an_unset_debug_as_production():
    message = refusal_of(run(environment()))
    assert "SECRET_KEY is not set" in message


def test_it_refuses_a_blank_secret_key_in_production():
    message = refusal_of(run(environment(DEBUG="false", SECRET_KEY="   ")))
    assert "SECRET_KEY is not set" in message


def test_it_refuses_to_start_in_production_without_allowed_hosts():
    env = environment(DEBUG="false", SECRET_KEY=production_key())
    message = refusal_of(run(env))
    assert "ALLOWED_HOSTS is not set" in message


def test_it_refuses_allowed_hosts_that_are_only_commas_in_production():
    env = environment(DEBUG="false", SECRET_KEY=production_key(), ALLOWED_HOSTS=",")
    message = refusal_of(run(env))
    assert "ALLOWED_HOSTS is not set" in message


def without(env: dict[str, str], *names: str) -> dict[str, str]:
    return {name: value for name, value in env.items() if name not in names}


def test_it_refuses_to_start_in_production_without_site_url():
    # Canonical links, og:url, JSON-LD and robots.txt would name localhost.
    message = refusal_of(run(without(production(), "SITE_URL")))
    assert "SITE_URL is not set" in message


@pytest.mark.parametrize(
    "value",
    ["diseasemaps.example", "ftp://diseasemaps.example", "https://", "https://x/a/"],
)
def test_it_refuses_a_site_url_that_is_not_the_sites_root(value):
    message = refusal_of(run(production(SITE_URL=value)))
    assert f"SITE_URL={value!r}" in message


READ_SITE = (
    "import django; from django.conf import settings; "
    "print(settings.SITE_URL, settings.RELEASE)"
)


def test_it_keeps_site_url_to_scheme_host_and_port():
    env = production(SITE_URL="https://diseasemaps.example:8443/")
    result = run(env, "-c", READ_SITE)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "https://diseasemaps.example:8443"


def test_it_refuses_production_without_release_outside_a_git_checkout():
    # GIT_DIR pointing nowhere: as a copy of the code without its .git.
    env = without(production(), "RELEASE") | {"GIT_DIR": "/nonexistent/.git"}
    message = refusal_of(run(env))
    assert "RELEASE is not set" in message


def test_without_release_every_production_process_takes_the_commit():
    # Two processes started a second apart (two gunicorn workers, one
    # restarted) agree: the release is the deploy's, never the process's.
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"],  # noqa: S607
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    env = without(production(), "RELEASE")
    first = run(env, "-c", READ_SITE)
    time.sleep(1.1)
    second = run(env, "-c", READ_SITE)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    assert first.stdout.split()[1] == commit


def test_the_release_variable_wins_over_the_commit():
    result = run(production(RELEASE="2026.12.2"), "-c", READ_SITE)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[1] == "2026.12.2"


def test_it_refuses_a_debug_value_that_is_not_yes_or_no():
    message = refusal_of(run(environment(DEBUG="maybe")))
    assert "DEBUG='maybe'" in message


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_URL", "mysql://x"),
        ("REDIS_URL", "http://127.0.0.1:6379/0"),
        ("EMAIL_URL", "sendmail://localhost"),
        ("AXES_FAILURE_LIMIT", "0"),
        ("SECURE_HSTS_SECONDS", "a year"),
        ("BEHIND_PROXY", "perhaps"),
        # Replicas of the default SQLite database: there is nothing to stream.
        ("DATABASE_REPLICA_URLS", "postgres://standby:5432/diseasemaps"),
        ("DATABASE_REPLICA_MAX_LAG", "-1"),
        ("MEDIA_STORAGE", "storages.backends.s3.Nowhere"),
        ("MEDIA_STORAGE_OPTIONS", "bucket=media"),
        ("MEDIA_URL", "/media"),
        ("ADMINS", "ops-team"),
    ],
)
def test_it_refuses_a_bad_production_value_naming_the_variable(name, value):
    message = refusal_of(run(production(**{name: value})))
    assert name in message


def test_it_starts_in_development_without_secrets():
    result = run(environment(DEBUG="true"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "True"
    assert "'localhost'" in result.stdout


def test_it_starts_with_a_full_production_environment():
    env = production()
    result = run(env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False ['diseasemaps.example'] True"


READ_APPS = (
    "import django; django.setup(); from django.apps import apps; "
    "print(apps.is_installed('devdata'))"
)


def test_it_installs_the_development_data_only_with_debug_on():
    production_apps = run(production(), "-c", READ_APPS)
    development_apps = run(environment(DEBUG="true"), "-c", READ_APPS)
    assert production_apps.stdout.strip() == "False", production_apps.stderr
    assert development_apps.stdout.strip() == "True", development_apps.stderr


def test_production_has_no_demo_or_dataset_commands():
    result = run(production(), "manage.py", "help", "--commands")
    assert result.returncode == 0, result.stderr
    commands = set(result.stdout.split())
    assert "migrate" in commands
    assert not commands & {"load_demo", "demo_totp", "generate_dataset"}


SCALED_OUT = {
    "DATABASE_URL": "postgres://dm@db-primary:5432/diseasemaps",
    "DATABASE_REPLICA_URLS": (
        "postgres://dm@db-replica-1:5432/diseasemaps,"
        "postgres://dm@db-replica-2:5432/diseasemaps"
    ),
    "DATABASE_REPLICA_MAX_LAG": "5",
    "REDIS_URL": "redis://cache:6379/0",
    "MEDIA_STORAGE": "django.core.files.storage.InMemoryStorage",
    "MEDIA_STORAGE_OPTIONS": '{"base_url": "https://media.example/"}',
}
READ_SCALED_OUT = (
    "import django; django.setup(); from django.conf import settings; "
    "from django.core.files.storage import default_storage, storages; "
    "print(settings.DATABASE_REPLICAS, settings.DATABASE_REPLICA_MAX_LAG, "
    "settings.SESSION_ENGINE, type(storages['default']).__name__, "
    "default_storage.url('a.txt'))"
)


def test_it_starts_with_replicas_redis_sessions_and_an_object_store():
    result = run(production(**SCALED_OUT), "-c", READ_SCALED_OUT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "['replica1',",
        "'replica2']",
        "5",
        "django.contrib.sessions.backends.cached_db",
        "InMemoryStorage",
        "https://media.example/a.txt",
    ]


def test_a_scaled_out_production_environment_passes_the_deployment_checks():
    result = run(
        production(**SCALED_OUT),
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert deploy_warnings(result) == set()


def deploy_warnings(result: subprocess.CompletedProcess) -> set[str]:
    return set(re.findall(r"\((\w+\.[WE]\d+)\)", result.stdout + result.stderr))


def test_it_raises_no_deploy_warning_other_than_hsts_preload():
    # Reported below as a bug; this keeps any *new* deployment warning visible.
    result = run(production(), "manage.py", "check", "--deploy")
    assert result.returncode == 0, result.stderr
    assert deploy_warnings(result) <= {"security.W021"}


def test_it_passes_the_deployment_checks_at_warning_level():
    result = run(
        production(), "manage.py", "check", "--deploy", "--fail-level", "WARNING"
    )
    assert result.returncode == 0, result.stderr
    assert deploy_warnings(result) == set()


def full_production() -> dict[str, str]:
    """Every variable a production deployment sets (README, Configuration)."""
    return production(
        DATABASE_URL="postgres://diseasemaps:secret@db.internal:5432/diseasemaps",
        REDIS_URL="redis://cache.internal:6379/0",
        EMAIL_URL="smtp+tls://mailer:secret@smtp.internal:587",
        ADMINS="ops@diseasemaps.example",
        CSRF_TRUSTED_ORIGINS="https://diseasemaps.example",
        SITE_URL="https://diseasemaps.example",
        BEHIND_PROXY="true",
        RELEASE="2026.11.1",
    )


def test_it_passes_the_deployment_checks_with_every_production_variable():
    # `check` does not connect to the database or the cache: the hosts above
    # need not exist.
    result = run(
        full_production(), "manage.py", "check", "--deploy", "--fail-level", "WARNING"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert deploy_warnings(result) == set()
    report_figure("check --deploy", result.stdout.strip())
