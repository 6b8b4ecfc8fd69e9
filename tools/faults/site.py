"""A production-configured DiseaseMaps on loopback, for `make faults` and
`make abuse`: private PostgreSQL, Redis and SMTP servers, gunicorn with DEBUG
off, migrated, with the terminology catalogue and the demo content loaded.

Everything started is stopped through the caller's ExitStack, by its own pid,
and the folder is deleted, also after a failure or Ctrl-C.
"""

import contextlib
import logging
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tools.faults.servers import Gunicorn, PrivatePostgres, PrivateRedis, free_port

ROOT = Path(__file__).resolve().parents[2]


class Report:
    """What a run tried, what it saw, and which expectations held."""

    def __init__(self) -> None:
        self.checks: list[tuple[bool, str]] = []

    def section(self, title: str) -> None:
        print(f"\n== {title}", flush=True)

    def line(self, text: str) -> None:
        print(f"   {text}", flush=True)

    def expect(self, ok: bool, text: str) -> bool:
        self.checks.append((ok, text))
        print(f"   [{'ok' if ok else 'FAILED'}] {text}", flush=True)
        return ok

    @property
    def failed(self) -> list[str]:
        return [text for ok, text in self.checks if not ok]


def manage(env: dict, *args: str, check: bool = True, **extra_env: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**env, **extra_env},
        capture_output=True,
        text=True,
    )
    if check and done.returncode != 0:
        print(done.stdout, done.stderr, sep="\n", file=sys.stderr)
        raise SystemExit(f"manage.py {' '.join(args)} failed")
    return (done.stdout + done.stderr).strip() if not check else done.stdout.strip()


@dataclass
class Site:
    folder: Path
    env: dict[str, str]
    pg: PrivatePostgres
    redis: PrivateRedis
    sink: object  # devdata.personas.SmtpSink
    web: Gunicorn


def start(
    stack: contextlib.ExitStack,
    report: Report,
    *,
    prefix: str,
    extra_env: dict[str, str] | None = None,
) -> Site:
    """Start the servers, set up Django in this process against them, load
    the demo content and start gunicorn; `stack` stops it all."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    stack.callback(shutil.rmtree, folder, ignore_errors=True)
    report.section("Private servers on 127.0.0.1")
    folder.chmod(0o711)  # the postgres user must reach pg/ inside it
    (folder / "pg").mkdir()
    pg = PrivatePostgres(folder / "pg", free_port(5499))
    stack.callback(pg.close)
    pg.create()
    redis = PrivateRedis(folder, free_port(6399))
    stack.callback(redis.close)
    redis.start()
    smtp_port, web_port = free_port(2599), free_port(8499)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "diseasemaps.settings",
        "DATABASE_URL": pg.url,
        "REDIS_URL": redis.url,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}?timeout=5",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "SECURE_HSTS_SECONDS": "0",
        "RELEASE": prefix.strip("-"),
        "SITE_URL": f"http://127.0.0.1:{web_port}",
        "LOG_LEVEL": "WARNING",
        **(extra_env or {}),
    }
    os.environ.update(env)
    import django

    django.setup()
    # The figures are the report; the site's own warnings go to its log.
    logging.disable(logging.CRITICAL)
    from devdata.personas import SmtpSink

    sink = SmtpSink(smtp_port).start()
    stack.callback(sink.stop)
    report.line(f"PostgreSQL {pg.url} (data in {pg.data})")
    report.line(f"Redis {redis.url}; SMTP 127.0.0.1:{smtp_port}")

    manage(env, "migrate", "--no-input")
    manage(env, "collectstatic", "--no-input")
    # load_demo checks every demo code against the catalogue.
    manage(env, "import_terminology")
    manage(env, "load_demo", DEBUG="true")
    manage(env, "rebuild_search_index")
    web = Gunicorn(folder, web_port, env)
    stack.callback(web.close)
    web.start()
    return Site(folder=folder, env=env, pg=pg, redis=redis, sink=sink, web=web)


def keep_log(report: Report, log: Path, name: str) -> str:
    """Copy gunicorn's log to var/ and return its text."""
    text = log.read_text(errors="replace")
    kept = ROOT / "var" / name
    kept.parent.mkdir(exist_ok=True)
    shutil.copyfile(log, kept)
    report.section(f"What gunicorn's log says (kept in {kept.relative_to(ROOT)})")
    return text
