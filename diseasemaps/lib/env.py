"""Typed readers for environment variables.

Every reader fails loudly with ImproperlyConfigured naming the variable, so a bad
deployment stops at start-up instead of misbehaving later.
"""

import json
import os
import subprocess  # nosec B404
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import Storage
from django.utils.module_loading import import_string

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


def env_str(name: str, default: str = "") -> str:
    """The variable's value; set-but-empty counts as unset."""
    return os.environ.get(name, "").strip() or default


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a yes/no value; use one of "
        f"{', '.join(sorted(TRUE_WORDS | FALSE_WORDS))}."
    )


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} is below the minimum of {minimum}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_from_env(name: str, default: str) -> dict:
    """A Django DATABASES entry from a URL such as postgres://user@host:5432/db."""
    return _database_from_url(name, env_str(name, default))


# A replica that does not answer must cost a moment, not a hung page: after
# this many seconds the router reads from the primary instead.
REPLICA_CONNECT_TIMEOUT = 2


def replicas_from_env(name: str, primary: dict) -> dict[str, dict]:
    """Read replicas from comma-separated PostgreSQL URLs: replica1, replica2, ….

    Each must be a streaming standby of the primary (DATABASE_URL), so the
    primary must be PostgreSQL too. In tests a replica mirrors the test
    database rather than getting one of its own (a standby cannot be written).
    """
    urls = env_list(name, [])
    if not urls:
        return {}
    if not primary.get("ENGINE", "").endswith("postgresql"):
        raise ImproperlyConfigured(
            f"{name} is set but DATABASE_URL is not PostgreSQL. Read replicas are "
            "PostgreSQL standbys streaming from a PostgreSQL primary; unset "
            f"{name} or point DATABASE_URL at the primary."
        )
    replicas = {}
    for number, url in enumerate(urls, start=1):
        label = f"{name} (replica {number})"
        config = _database_from_url(label, url)
        if not config["ENGINE"].endswith("postgresql"):
            raise ImproperlyConfigured(
                f"{label} is not a PostgreSQL URL. A replica must be a PostgreSQL "
                "standby of DATABASE_URL: postgres://user@replica-host:5432/name."
            )
        if "connect_timeout" not in parse_qs(urlsplit(url).query):
            # Shorter than the primary's: a missing replica is skipped, so
            # waiting long for it only delays the page.
            config["OPTIONS"]["connect_timeout"] = REPLICA_CONNECT_TIMEOUT
        config["TEST"] = {"MIRROR": "default"}
        replicas[f"replica{number}"] = config
    return replicas


def _database_from_url(name: str, url: str) -> dict:
    if (
        url.startswith("sqlite:")
        and urlsplit(url).path in {"", "/"}
        and ":memory:" not in url
    ):
        # dj-database-url reads "sqlite://" as an in-memory database: every
        # process would get its own empty one. Ask for a file instead.
        raise ImproperlyConfigured(
            f"{name} names SQLite but no file path; use sqlite:////absolute/path."
        )
    try:
        # Connections are kept for a minute and checked ("SELECT 1") before
        # each request that uses one, so a request after a database restart
        # gets a fresh connection instead of an error. That check is a second
        # round trip for a page served from the cache (whose only query is the
        # content version); DATABASE_HEALTH_CHECKS=false trades it for one
        # failed request per app process after a restart.
        config = dj_database_url.parse(
            url,
            conn_max_age=60,
            conn_health_checks=env_bool("DATABASE_HEALTH_CHECKS", True),
        )
    except Exception as exc:  # dj-database-url raises several types
        raise ImproperlyConfigured(
            f"{name} is not a usable database URL ({exc}). Expected for example "
            "postgres://user:password@127.0.0.1:5432/diseasemaps or "
            "sqlite:////absolute/path/db.sqlite3."
        ) from exc
    engine = config.get("ENGINE", "")
    if engine.endswith("sqlite3"):
        if not config.get("NAME"):
            raise ImproperlyConfigured(f"{name} names SQLite but no file path.")
        config["CONN_MAX_AGE"] = 0
        name = str(config["NAME"])
        if name != ":memory:":
            # A test database in a file, not in memory, so tests can open a
            # second connection from another thread (the concurrency tests).
            config["TEST"] = {
                "NAME": str(Path(name).with_name(f"test-{Path(name).name}"))
            }
        config["OPTIONS"] = {
            # Write transactions take the lock when they begin, so two approvals
            # at once queue up instead of failing half-way ("database is locked").
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    elif engine.endswith("postgresql"):
        if not config.get("NAME"):
            raise ImproperlyConfigured(f"{name} names PostgreSQL but no database.")
        # libpq waits for ever on a server that drops packets; a request should
        # give up (503) while workers are still free. ?connect_timeout= wins.
        config.setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
    else:
        raise ImproperlyConfigured(
            f"{name} uses {engine or 'an unknown engine'}; DiseaseMaps supports "
            "PostgreSQL (postgres://) and SQLite (sqlite://)."
        )
    return config


def cache_from_env(name: str) -> dict:
    """Redis when the variable is set, local memory otherwise."""
    url = env_str(name)
    if not url:
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    parts = urlsplit(url)
    if parts.scheme not in {"redis", "rediss", "unix"} or not (
        parts.hostname or parts.path
    ):
        raise ImproperlyConfigured(
            f"{name}={url!r} is not a Redis URL; expected redis://host:6379/0."
        )
    return {
        "BACKEND": "diseasemaps.lib.cache.ResilientRedisCache",
        "LOCATION": url,
        "KEY_PREFIX": "dm",
        "OPTIONS": {
            # A slow or absent Redis must cost milliseconds, not a hung page.
            "socket_connect_timeout": 0.5,
            "socket_timeout": 0.5,
        },
    }


def storage_from_env(name: str, options_name: str, *, default: str) -> dict:
    """A STORAGES entry: a storage class's dotted path, and its OPTIONS as a
    JSON object (for an object store: bucket, region, endpoint, …)."""
    backend = env_str(name, default)
    try:
        storage_class = import_string(backend)
    except ImportError as exc:
        raise ImproperlyConfigured(
            f"{name}={backend!r} cannot be imported ({exc}). Expected a storage "
            "class, e.g. django.core.files.storage.FileSystemStorage."
        ) from None
    if not (isinstance(storage_class, type) and issubclass(storage_class, Storage)):
        raise ImproperlyConfigured(f"{name}={backend!r} is not a storage class.")
    config: dict = {"BACKEND": backend}
    raw = env_str(options_name)
    if raw:
        # The value is not repeated in messages: it may hold credentials.
        try:
            options = json.loads(raw)
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"{options_name} is not valid JSON ({exc.args[0]})."
            ) from None
        if not isinstance(options, dict):
            raise ImproperlyConfigured(
                f'{options_name} must be a JSON object, e.g. {{"location": "/srv"}}.'
            )
        config["OPTIONS"] = options
    return config


def _timeout(name: str, query: str) -> int:
    raw = parse_qs(query).get("timeout", ["10"])[0]
    if not raw.isdigit() or int(raw) == 0:
        raise ImproperlyConfigured(f"{name} has timeout={raw!r}; use whole seconds.")
    return int(raw)


EMAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "dummy": "django.core.mail.backends.dummy.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "smtp+tls": "django.core.mail.backends.smtp.EmailBackend",
    "smtps": "django.core.mail.backends.smtp.EmailBackend",
}


def email_from_env(name: str, default: str = "console:") -> dict:
    """Email settings from one URL.

    console:, locmem:, dummy:, file:///path, smtp://user:pass@host:25,
    smtp+tls://user:pass@host:587 (STARTTLS) or smtps://user:pass@host:465.
    """
    url = env_str(name, default)
    parts = urlsplit(url)
    backend = EMAIL_BACKENDS.get(parts.scheme)
    if backend is None:
        raise ImproperlyConfigured(
            f"{name}={url!r} has an unknown scheme; use one of "
            f"{', '.join(f'{s}:' for s in EMAIL_BACKENDS)}."
        )
    settings: dict = {"EMAIL_BACKEND": backend}
    if parts.scheme == "file":
        if not parts.path:
            raise ImproperlyConfigured(f"{name} needs a folder: file:///var/mail.")
        settings["EMAIL_FILE_PATH"] = parts.path
    elif parts.scheme.startswith("smtp"):
        if not parts.hostname:
            raise ImproperlyConfigured(f"{name} needs a host: smtp://host:25.")
        try:
            port = parts.port
        except ValueError:
            raise ImproperlyConfigured(f"{name} has a bad port.") from None
        default_port = {"smtp": 25, "smtp+tls": 587, "smtps": 465}[parts.scheme]
        settings.update(
            EMAIL_HOST=parts.hostname,
            EMAIL_PORT=port or default_port,
            EMAIL_HOST_USER=unquote(parts.username or ""),
            EMAIL_HOST_PASSWORD=unquote(parts.password or ""),
            EMAIL_USE_TLS=parts.scheme == "smtp+tls",
            EMAIL_USE_SSL=parts.scheme == "smtps",
            EMAIL_TIMEOUT=_timeout(name, parts.query),
        )
    return settings


def site_url_from_env(name: str, *, required: bool, default: str) -> str:
    """The site's public address, as `https://host[:port]` without a slash.

    Required in production: canonical links, og:url, JSON-LD, the sitemap's
    address in robots.txt and every link in mail are built from it, and a
    default would publish them pointing at localhost.
    """
    raw = env_str(name)
    if not raw:
        if required:
            raise ImproperlyConfigured(
                f"{name} is not set. Set it to the site's public address, e.g. "
                f"{name}=https://diseasemaps.org, or DEBUG=true for local "
                "development."
            )
        raw = default
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not an absolute http(s) address such as "
            "https://diseasemaps.org."
        )
    if parts.path.strip("/") or parts.query or parts.fragment:
        raise ImproperlyConfigured(
            f"{name}={raw!r} must be the site's root (scheme and host, with a "
            "port if any), with no path, query or fragment."
        )
    return f"{parts.scheme}://{parts.netloc}"


def release_from_env(name: str, *, checkout: Path, required: bool) -> str:
    """The deploy's release id: the variable, or else the commit `checkout`
    is at, so that every process of one deploy agrees on it (stored pages and
    ETags are kept per release). Without either, production refuses to start.
    Not required (development), an unset variable gives "" and the caller
    picks a per-start value: an edited template then shows after a restart.
    """
    value = env_str(name)
    if value or not required:
        return value
    commit = _checkout_commit(checkout)
    if commit:
        return commit
    raise ImproperlyConfigured(
        f"{name} is not set and {checkout} is not a git checkout whose commit "
        f"could be read. Set {name} to the deploy's id (the same on every "
        "server of one deploy, new on the next), e.g. the commit hash."
    )


def _checkout_commit(checkout: Path) -> str:
    """The commit of the git checkout rooted at `checkout`, or "" (no git,
    no checkout, or `checkout` lies inside some other repository)."""
    # git from PATH with fixed arguments, once per process start: no shell,
    # nothing from outside in the command.
    try:
        result = subprocess.run(  # noqa: S603  # nosec B603 B607
            ["git", "-C", str(checkout), "rev-parse", "--show-toplevel", "HEAD"],  # noqa: S607
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    lines = result.stdout.split()
    if result.returncode != 0 or len(lines) != 2:
        return ""
    top, commit = lines
    if Path(top).resolve() != checkout.resolve():
        return ""
    return commit
