"""The typed environment readers accept the values the README documents and refuse
anything else with ImproperlyConfigured naming the variable, so a bad deployment
stops at start-up instead of misbehaving later."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from diseasemaps.lib.env import (
    cache_from_env,
    database_from_env,
    email_from_env,
    env_bool,
    env_int,
    env_list,
    replicas_from_env,
    storage_from_env,
)

DEFAULT_DB = "sqlite:////srv/diseasemaps/var/db.sqlite3"


def refusal(reader, *args, **kwargs) -> str:
    with pytest.raises(ImproperlyConfigured) as caught:
        reader(*args, **kwargs)
    return str(caught.value)


# env_bool


@pytest.mark.parametrize("word", ["1", "true", "TRUE", "yes", "Yes", "on", " on "])
def test_it_reads_true_words(monkeypatch, word):
    monkeypatch.setenv("BEHIND_PROXY", word)
    assert env_bool("BEHIND_PROXY", default=False) is True


@pytest.mark.parametrize("word", ["0", "false", "False", "no", "NO", "off", " off "])
def test_it_reads_false_words(monkeypatch, word):
    monkeypatch.setenv("BEHIND_PROXY", word)
    assert env_bool("BEHIND_PROXY", default=True) is False


@pytest.mark.parametrize("default", [True, False])
def test_it_uses_the_bool_default_when_unset_or_blank(monkeypatch, default):
    monkeypatch.delenv("BEHIND_PROXY", raising=False)
    assert env_bool("BEHIND_PROXY", default=default) is default
    monkeypatch.setenv("BEHIND_PROXY", "   ")
    assert env_bool("BEHIND_PROXY", default=default) is default


@pytest.mark.parametrize("word", ["maybe", "y", "2", "enabled"])
def test_it_refuses_a_word_that_is_not_yes_or_no(monkeypatch, word):
    monkeypatch.setenv("BEHIND_PROXY", word)
    message = refusal(env_bool, "BEHIND_PROXY", default=False)
    assert "BEHIND_PROXY" in message
    assert repr(word) in message
    assert "yes" in message


# env_int


def test_it_reads_a_whole_number(monkeypatch):
    monkeypatch.setenv("AXES_FAILURE_LIMIT", " 25 ")
    assert env_int("AXES_FAILURE_LIMIT", 10, minimum=1) == 25


def test_it_uses_the_int_default_when_unset_or_blank(monkeypatch):
    monkeypatch.delenv("AXES_FAILURE_LIMIT", raising=False)
    assert env_int("AXES_FAILURE_LIMIT", 10, minimum=1) == 10
    monkeypatch.setenv("AXES_FAILURE_LIMIT", "")
    assert env_int("AXES_FAILURE_LIMIT", 10, minimum=1) == 10


def test_it_accepts_the_minimum_itself(monkeypatch):
    monkeypatch.setenv("AXES_FAILURE_LIMIT", "1")
    assert env_int("AXES_FAILURE_LIMIT", 10, minimum=1) == 1


@pytest.mark.parametrize("raw", ["ten", "1.5", "10x", "1e3"])
def test_it_refuses_a_number_that_is_not_whole(monkeypatch, raw):
    monkeypatch.setenv("AXES_FAILURE_LIMIT", raw)
    message = refusal(env_int, "AXES_FAILURE_LIMIT", 10, minimum=1)
    assert "AXES_FAILURE_LIMIT" in message
    assert "whole number" in message


@pytest.mark.parametrize("raw", ["0", "-3"])
def test_it_refuses_a_number_below_the_minimum(monkeypatch, raw):
    monkeypatch.setenv("DEFAULT_REVIEW_INTERVAL_DAYS", raw)
    message = refusal(env_int, "DEFAULT_REVIEW_INTERVAL_DAYS", 365, minimum=1)
    assert "DEFAULT_REVIEW_INTERVAL_DAYS" in message
    assert "minimum of 1" in message


# env_list


def test_it_splits_a_list_and_trims_each_item(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", " diseasemaps.org ,www.diseasemaps.org,  ")
    assert env_list("ALLOWED_HOSTS", ["localhost"]) == [
        "diseasemaps.org",
        "www.diseasemaps.org",
    ]


def test_it_drops_empty_list_items(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", "a.example,,  ,b.example,")
    assert env_list("ALLOWED_HOSTS", []) == ["a.example", "b.example"]


def test_it_uses_a_copy_of_the_list_default_when_unset_or_blank(monkeypatch):
    default = ["localhost", "127.0.0.1"]
    monkeypatch.delenv("ALLOWED_HOSTS", raising=False)
    value = env_list("ALLOWED_HOSTS", default)
    assert value == default
    value.append("changed.example")
    assert default == ["localhost", "127.0.0.1"]
    monkeypatch.setenv("ALLOWED_HOSTS", "  ")
    assert env_list("ALLOWED_HOSTS", default) == default


# DATABASE_URL


def test_it_reads_a_postgres_url(monkeypatch):
    monkeypatch.setenv(
        "DATABASE_URL", "postgres://dm:s3cret@db.example.org:5433/diseasemaps"
    )
    config = database_from_env("DATABASE_URL", DEFAULT_DB)
    assert config["ENGINE"].endswith("postgresql")
    assert config["NAME"] == "diseasemaps"
    assert config["HOST"] == "db.example.org"
    assert config["PORT"] == 5433
    assert config["USER"] == "dm"
    assert config["PASSWORD"] == "s3cret"


def test_it_gives_up_connecting_to_postgres_after_a_few_seconds(monkeypatch):
    # An unreachable server (packets dropped) would otherwise hold a worker
    # for ever instead of answering 503.
    monkeypatch.setenv("DATABASE_URL", "postgres://dm@db.example.org/diseasemaps")
    config = database_from_env("DATABASE_URL", DEFAULT_DB)
    assert config["OPTIONS"]["connect_timeout"] == 5
    assert config["CONN_HEALTH_CHECKS"] is True
    monkeypatch.setenv(
        "DATABASE_URL", "postgres://dm@db.example.org/diseasemaps?connect_timeout=2"
    )
    config = database_from_env("DATABASE_URL", DEFAULT_DB)
    assert int(config["OPTIONS"]["connect_timeout"]) == 2


def test_connection_health_checks_are_on_unless_turned_off(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://db.example.org/diseasemaps")
    monkeypatch.delenv("DATABASE_HEALTH_CHECKS", raising=False)
    assert database_from_env("DATABASE_URL", DEFAULT_DB)["CONN_HEALTH_CHECKS"] is True
    monkeypatch.setenv("DATABASE_HEALTH_CHECKS", "false")
    assert database_from_env("DATABASE_URL", DEFAULT_DB)["CONN_HEALTH_CHECKS"] is False
    monkeypatch.setenv("DATABASE_HEALTH_CHECKS", "maybe")
    assert "DATABASE_HEALTH_CHECKS" in refusal(
        database_from_env, "DATABASE_URL", DEFAULT_DB
    )


def test_it_refuses_a_postgres_url_without_a_database(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://db.example.org")
    message = refusal(database_from_env, "DATABASE_URL", DEFAULT_DB)
    assert "DATABASE_URL" in message
    assert "no database" in message


def test_it_reads_a_sqlite_url_with_immediate_transactions(monkeypatch, tmp_path):
    db = tmp_path / "db.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")
    config = database_from_env("DATABASE_URL", DEFAULT_DB)
    assert config["ENGINE"].endswith("sqlite3")
    assert config["NAME"] == str(db)
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert config["CONN_MAX_AGE"] == 0


def test_it_puts_the_sqlite_test_database_in_a_file_next_to_the_db(
    monkeypatch, tmp_path
):
    db = tmp_path / "db.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")
    config = database_from_env("DATABASE_URL", DEFAULT_DB)
    assert config["TEST"]["NAME"] == str(tmp_path / "test-db.sqlite3")


def test_it_uses_the_database_default_when_unset(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    config = database_from_env("DATABASE_URL", DEFAULT_DB)
    assert config["NAME"] == "/srv/diseasemaps/var/db.sqlite3"
    assert config["TEST"]["NAME"] == "/srv/diseasemaps/var/test-db.sqlite3"


@pytest.mark.parametrize(
    "url", ["mysql://dm:pw@127.0.0.1:3306/diseasemaps", "oracle://u:p@h:1521/x"]
)
def test_it_refuses_an_unsupported_database(monkeypatch, url):
    monkeypatch.setenv("DATABASE_URL", url)
    message = refusal(database_from_env, "DATABASE_URL", DEFAULT_DB)
    assert "DATABASE_URL" in message
    assert "PostgreSQL" in message


@pytest.mark.parametrize("url", ["garbage", "http://db.example/x", "://"])
def test_it_refuses_a_garbage_database_url(monkeypatch, url):
    monkeypatch.setenv("DATABASE_URL", url)
    message = refusal(database_from_env, "DATABASE_URL", DEFAULT_DB)
    assert "DATABASE_URL" in message
    assert "not a usable database URL" in message


def test_it_refuses_a_sqlite_url_without_a_file_path(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    message = refusal(database_from_env, "DATABASE_URL", DEFAULT_DB)
    assert "DATABASE_URL" in message


# DATABASE_REPLICA_URLS

PG_PRIMARY = {"ENGINE": "django.db.backends.postgresql", "NAME": "diseasemaps"}
SQLITE_PRIMARY = {"ENGINE": "django.db.backends.sqlite3", "NAME": "/srv/db.sqlite3"}


def test_it_reads_no_replicas_when_unset_or_blank(monkeypatch):
    monkeypatch.delenv("DATABASE_REPLICA_URLS", raising=False)
    assert replicas_from_env("DATABASE_REPLICA_URLS", PG_PRIMARY) == {}
    monkeypatch.setenv("DATABASE_REPLICA_URLS", " , ")
    assert replicas_from_env("DATABASE_REPLICA_URLS", SQLITE_PRIMARY) == {}


def test_it_names_replicas_in_order_with_a_short_connect_timeout(monkeypatch):
    monkeypatch.setenv(
        "DATABASE_REPLICA_URLS",
        "postgres://dm:pw@standby-a:5432/diseasemaps, "
        "postgres://dm:pw@standby-b:6432/diseasemaps?connect_timeout=5",
    )
    replicas = replicas_from_env("DATABASE_REPLICA_URLS", PG_PRIMARY)
    assert list(replicas) == ["replica1", "replica2"]
    assert replicas["replica1"]["HOST"] == "standby-a"
    assert replicas["replica2"]["PORT"] == 6432
    assert replicas["replica1"]["OPTIONS"]["connect_timeout"] == 2
    assert replicas["replica2"]["OPTIONS"]["connect_timeout"] == 5
    # Tests must not try to create a database on a read-only standby.
    assert replicas["replica1"]["TEST"] == {"MIRROR": "default"}
    assert replicas["replica1"]["CONN_HEALTH_CHECKS"] is True


def test_it_refuses_replicas_without_a_postgres_primary(monkeypatch):
    monkeypatch.setenv("DATABASE_REPLICA_URLS", "postgres://standby/diseasemaps")
    message = refusal(replicas_from_env, "DATABASE_REPLICA_URLS", SQLITE_PRIMARY)
    assert "DATABASE_REPLICA_URLS" in message
    assert "DATABASE_URL is not PostgreSQL" in message


def test_it_refuses_a_sqlite_replica(monkeypatch):
    monkeypatch.setenv(
        "DATABASE_REPLICA_URLS",
        "postgres://standby/diseasemaps,sqlite:////srv/copy.sqlite3",
    )
    message = refusal(replicas_from_env, "DATABASE_REPLICA_URLS", PG_PRIMARY)
    assert "DATABASE_REPLICA_URLS (replica 2) is not a PostgreSQL URL" in message


@pytest.mark.parametrize(
    "url", ["garbage", "mysql://db/x", "postgres://standby", "sqlite://"]
)
def test_it_refuses_a_bad_replica_url_naming_the_variable(monkeypatch, url):
    monkeypatch.setenv("DATABASE_REPLICA_URLS", f"postgres://ok/db,{url}")
    message = refusal(replicas_from_env, "DATABASE_REPLICA_URLS", PG_PRIMARY)
    assert "DATABASE_REPLICA_URLS (replica 2)" in message


def test_it_keeps_replica_passwords_out_of_messages(monkeypatch):
    monkeypatch.setenv("DATABASE_REPLICA_URLS", "sqlite://user:hunter2@/x")
    message = refusal(replicas_from_env, "DATABASE_REPLICA_URLS", PG_PRIMARY)
    assert "hunter2" not in message


# MEDIA_STORAGE, MEDIA_STORAGE_OPTIONS

FILE_SYSTEM = "django.core.files.storage.FileSystemStorage"


def test_it_stores_media_on_the_file_system_by_default(monkeypatch):
    monkeypatch.delenv("MEDIA_STORAGE", raising=False)
    monkeypatch.delenv("MEDIA_STORAGE_OPTIONS", raising=False)
    config = storage_from_env(
        "MEDIA_STORAGE", "MEDIA_STORAGE_OPTIONS", default=FILE_SYSTEM
    )
    assert config == {"BACKEND": FILE_SYSTEM}


def test_it_reads_a_storage_backend_and_its_options(monkeypatch):
    monkeypatch.setenv("MEDIA_STORAGE", "django.core.files.storage.InMemoryStorage")
    monkeypatch.setenv("MEDIA_STORAGE_OPTIONS", '{"base_url": "/m/"}')
    config = storage_from_env(
        "MEDIA_STORAGE", "MEDIA_STORAGE_OPTIONS", default=FILE_SYSTEM
    )
    assert config == {
        "BACKEND": "django.core.files.storage.InMemoryStorage",
        "OPTIONS": {"base_url": "/m/"},
    }


@pytest.mark.parametrize(
    "backend",
    ["storages.backends.nothing.Here", "FileSystemStorage", "django.conf.settings"],
)
def test_it_refuses_a_storage_backend_that_is_not_one(monkeypatch, backend):
    monkeypatch.setenv("MEDIA_STORAGE", backend)
    message = refusal(
        storage_from_env, "MEDIA_STORAGE", "MEDIA_STORAGE_OPTIONS", default=FILE_SYSTEM
    )
    assert "MEDIA_STORAGE" in message


@pytest.mark.parametrize("raw", ['{"secret_key": "s3cr3t"', '["bucket"]', "bucket=x"])
def test_it_refuses_storage_options_that_are_not_a_json_object(monkeypatch, raw):
    monkeypatch.delenv("MEDIA_STORAGE", raising=False)
    monkeypatch.setenv("MEDIA_STORAGE_OPTIONS", raw)
    message = refusal(
        storage_from_env, "MEDIA_STORAGE", "MEDIA_STORAGE_OPTIONS", default=FILE_SYSTEM
    )
    assert "MEDIA_STORAGE_OPTIONS" in message
    assert "s3cr3t" not in message


# REDIS_URL


def test_it_uses_local_memory_when_redis_url_is_unset(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    config = cache_from_env("REDIS_URL")
    assert config == {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}


def test_it_uses_local_memory_when_redis_url_is_blank(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "  ")
    config = cache_from_env("REDIS_URL")
    assert config["BACKEND"].endswith("LocMemCache")


@pytest.mark.parametrize(
    "url",
    ["redis://127.0.0.1:6379/0", "rediss://cache.example:6380/1", "unix:///run/r.sock"],
)
def test_it_uses_the_resilient_redis_cache_with_short_timeouts(monkeypatch, url):
    monkeypatch.setenv("REDIS_URL", url)
    config = cache_from_env("REDIS_URL")
    assert config["BACKEND"] == "diseasemaps.lib.cache.ResilientRedisCache"
    assert config["LOCATION"] == url
    assert config["KEY_PREFIX"] == "dm"
    assert 0 < config["OPTIONS"]["socket_connect_timeout"] <= 1
    assert 0 < config["OPTIONS"]["socket_timeout"] <= 1


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:6379/0", "memcached://127.0.0.1:11211", "redis://"]
)
def test_it_refuses_a_url_that_is_not_redis(monkeypatch, url):
    monkeypatch.setenv("REDIS_URL", url)
    message = refusal(cache_from_env, "REDIS_URL")
    assert "REDIS_URL" in message
    assert "not a Redis URL" in message


# EMAIL_URL

SMTP = "django.core.mail.backends.smtp.EmailBackend"


def test_it_sends_mail_to_the_console_by_default(monkeypatch):
    monkeypatch.delenv("EMAIL_URL", raising=False)
    assert email_from_env("EMAIL_URL") == {
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"
    }


@pytest.mark.parametrize(
    ("url", "backend"),
    [
        ("console:", "django.core.mail.backends.console.EmailBackend"),
        ("locmem:", "django.core.mail.backends.locmem.EmailBackend"),
        ("dummy:", "django.core.mail.backends.dummy.EmailBackend"),
    ],
)
def test_it_reads_backends_without_a_server(monkeypatch, url, backend):
    monkeypatch.setenv("EMAIL_URL", url)
    assert email_from_env("EMAIL_URL") == {"EMAIL_BACKEND": backend}


def test_it_reads_plain_smtp_with_user_password_and_port(monkeypatch):
    monkeypatch.setenv("EMAIL_URL", "smtp://mailer:pa55@mail.example.org:2525")
    settings = email_from_env("EMAIL_URL")
    assert settings["EMAIL_BACKEND"] == SMTP
    assert settings["EMAIL_HOST"] == "mail.example.org"
    assert settings["EMAIL_PORT"] == 2525
    assert settings["EMAIL_HOST_USER"] == "mailer"
    assert settings["EMAIL_HOST_PASSWORD"] == "pa55"
    assert settings["EMAIL_USE_TLS"] is False
    assert settings["EMAIL_USE_SSL"] is False
    assert settings["EMAIL_TIMEOUT"] == 10


def test_it_defaults_plain_smtp_to_port_25(monkeypatch):
    monkeypatch.setenv("EMAIL_URL", "smtp://mail.example.org")
    settings = email_from_env("EMAIL_URL")
    assert settings["EMAIL_PORT"] == 25
    assert settings["EMAIL_HOST_USER"] == ""
    assert settings["EMAIL_HOST_PASSWORD"] == ""


def test_it_reads_starttls_smtp_with_port_587(monkeypatch):
    monkeypatch.setenv("EMAIL_URL", "smtp+tls://mailer:pw@mail.example.org")
    settings = email_from_env("EMAIL_URL")
    assert settings["EMAIL_BACKEND"] == SMTP
    assert settings["EMAIL_PORT"] == 587
    assert settings["EMAIL_USE_TLS"] is True
    assert settings["EMAIL_USE_SSL"] is False


def test_it_reads_implicit_tls_smtp_with_port_465(monkeypatch):
    monkeypatch.setenv("EMAIL_URL", "smtps://mailer:pw@mail.example.org")
    settings = email_from_env("EMAIL_URL")
    assert settings["EMAIL_BACKEND"] == SMTP
    assert settings["EMAIL_PORT"] == 465
    assert settings["EMAIL_USE_SSL"] is True
    assert settings["EMAIL_USE_TLS"] is False


def test_it_decodes_a_percent_encoded_user_and_password(monkeypatch):
    monkeypatch.setenv(
        "EMAIL_URL", "smtps://no-reply%40diseasemaps.org:p%40ss%3Aw%2Fd@mail.example"
    )
    settings = email_from_env("EMAIL_URL")
    assert settings["EMAIL_HOST_USER"] == "no-reply@diseasemaps.org"
    assert settings["EMAIL_HOST_PASSWORD"] == "p@ss:w/d"
    assert settings["EMAIL_HOST"] == "mail.example"


def test_it_reads_a_timeout_from_the_query(monkeypatch):
    monkeypatch.setenv("EMAIL_URL", "smtp://mail.example.org?timeout=3")
    assert email_from_env("EMAIL_URL")["EMAIL_TIMEOUT"] == 3


def test_it_reads_a_file_backend_folder(monkeypatch):
    monkeypatch.setenv("EMAIL_URL", "file:///tmp/mail")
    assert email_from_env("EMAIL_URL") == {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": "/tmp/mail",  # noqa: S108 - a string; nothing is written
    }


def test_it_refuses_a_file_backend_without_a_folder(monkeypatch):
    monkeypatch.setenv("EMAIL_URL", "file:")
    message = refusal(email_from_env, "EMAIL_URL")
    assert "EMAIL_URL" in message
    assert "folder" in message


@pytest.mark.parametrize(
    "url", ["sendmail://localhost", "gopher://mail.example", "console", "smtp"]
)
def test_it_refuses_an_unknown_email_scheme(monkeypatch, url):
    monkeypatch.setenv("EMAIL_URL", url)
    message = refusal(email_from_env, "EMAIL_URL")
    assert "EMAIL_URL" in message
    assert "unknown scheme" in message
    assert "smtp+tls:" in message


@pytest.mark.parametrize("url", ["smtp://", "smtp+tls:///", "smtps://user:pw@"])
def test_it_refuses_smtp_without_a_host(monkeypatch, url):
    monkeypatch.setenv("EMAIL_URL", url)
    message = refusal(email_from_env, "EMAIL_URL")
    assert "EMAIL_URL" in message
    assert "needs a host" in message


def test_it_refuses_smtp_with_a_bad_port(monkeypatch):
    monkeypatch.setenv("EMAIL_URL", "smtp://mail.example.org:99999")
    message = refusal(email_from_env, "EMAIL_URL")
    assert "EMAIL_URL" in message
    assert "port" in message


def test_it_refuses_smtp_with_a_timeout_that_is_not_a_number(monkeypatch):
    monkeypatch.setenv("EMAIL_URL", "smtp://mail.example.org?timeout=ten")
    message = refusal(email_from_env, "EMAIL_URL")
    assert "EMAIL_URL" in message
