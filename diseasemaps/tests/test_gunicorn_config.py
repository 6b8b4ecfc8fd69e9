"""gunicorn.conf.py: sensible defaults, every value from the environment, bad
values refused naming the variable, no access log unless asked for (URLs say
what conditions people read), and gunicorn itself accepts the file."""

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

PROJECT = Path(__file__).resolve().parents[2]
CONFIG = PROJECT / "gunicorn.conf.py"
VARIABLES = [
    "GUNICORN_BIND",
    "WEB_CONCURRENCY",
    "GUNICORN_THREADS",
    "GUNICORN_TIMEOUT",
    "GUNICORN_GRACEFUL_TIMEOUT",
    "GUNICORN_KEEPALIVE",
    "GUNICORN_MAX_REQUESTS",
    "GUNICORN_ACCESS_LOG",
    "FORWARDED_ALLOW_IPS",
    "LOG_LEVEL",
]


@pytest.fixture
def load(monkeypatch):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)

    def load(**env: str) -> dict:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(CONFIG))

    return load


def test_it_has_sensible_defaults(load):
    config = load()
    cores = len(os.sched_getaffinity(0))
    assert config["wsgi_app"] == "diseasemaps.wsgi:application"
    assert config["bind"] == ["127.0.0.1:8000"]
    assert config["workers"] == min(2 * cores + 1, 12)
    assert config["threads"] == 2
    assert config["worker_class"] == "gthread"
    assert config["timeout"] == 30
    assert config["graceful_timeout"] == 30
    assert config["keepalive"] > 60  # outlasts a load balancer's idle timeout
    assert config["max_requests"] == 1000
    assert config["max_requests_jitter"] == 100
    assert config["worker_tmp_dir"] == "/dev/shm"  # noqa: S108 - not a temp file
    assert config["forwarded_allow_ips"] == "127.0.0.1,::1"
    assert config["errorlog"] == "-"


def test_it_keeps_the_access_log_off_unless_asked(load):
    assert load()["accesslog"] is None
    assert load(GUNICORN_ACCESS_LOG="true")["accesslog"] == "-"


def test_it_reads_every_value_from_the_environment(load):
    config = load(
        GUNICORN_BIND="0.0.0.0:8000, unix:/run/diseasemaps.sock",
        WEB_CONCURRENCY="5",
        GUNICORN_THREADS="1",
        GUNICORN_TIMEOUT="20",
        GUNICORN_GRACEFUL_TIMEOUT="40",
        GUNICORN_KEEPALIVE="5",
        GUNICORN_MAX_REQUESTS="0",
        FORWARDED_ALLOW_IPS="10.0.0.0/8",
        LOG_LEVEL="WARNING",
    )
    assert config["bind"] == ["0.0.0.0:8000", "unix:/run/diseasemaps.sock"]
    assert config["workers"] == 5
    assert config["threads"] == 1
    assert config["worker_class"] == "sync"
    assert config["timeout"] == 20
    assert config["graceful_timeout"] == 40
    assert config["keepalive"] == 5
    assert config["max_requests"] == 0
    assert config["max_requests_jitter"] == 0
    assert config["forwarded_allow_ips"] == "10.0.0.0/8"
    assert config["loglevel"] == "warning"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("WEB_CONCURRENCY", "0"),
        ("GUNICORN_THREADS", "two"),
        ("GUNICORN_TIMEOUT", "-1"),
        ("GUNICORN_ACCESS_LOG", "sometimes"),
    ],
)
def test_it_refuses_a_bad_value_naming_the_variable(load, name, value):
    with pytest.raises(ImproperlyConfigured, match=name):
        load(**{name: value})


def test_a_blank_value_means_the_default(load):
    assert load(GUNICORN_TIMEOUT="  ", WEB_CONCURRENCY="")["timeout"] == 30


def test_gunicorn_accepts_the_file():
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    env.update(DEBUG="true", WEB_CONCURRENCY="3")
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--print-config"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    printed = dict(
        (part.strip() for part in line.split("=", 1))
        for line in result.stdout.splitlines()
        if "=" in line
    )
    assert printed["workers"] == "3"
    assert printed["worker_class"] == "gthread"
    assert printed["accesslog"] == "None"
    assert printed["wsgi_app"] == "diseasemaps.wsgi:application"
