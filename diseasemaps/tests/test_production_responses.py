"""What a production process actually sends: headers, cookies, the HTTPS
redirect, the 500 page and the error mail, from a fresh interpreter started
with production environment variables only (no test settings in between)."""

import json
import uuid

import pytest

from devdata.personas import report_figure
from diseasemaps.tests.test_settings_start import PROJECT, production, run

# Runs in the child process. Static files are not collected for tests, so the
# manifest storage (which refuses unknown files) is swapped for the plain one;
# everything else is the production configuration. No database is reachable:
# the pages requested here must not need one.
SCRIPT = r"""
import json, sys
import django
from django.conf import settings

settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
django.setup()

from django.core import mail
from django.test import Client
from django.urls import path

import diseasemaps.urls

marker = sys.argv[1]


def boom(request):
    # A local holding member text, as any view handling a post has.
    story = request.POST.get("body", "") + marker
    raise RuntimeError("saving failed")


diseasemaps.urls.urlpatterns.insert(0, path("boom/", boom))
client = Client(raise_request_exception=False, HTTP_HOST="diseasemaps.example")


def seen(response):
    return {
        "status": response.status_code,
        "headers": dict(response.headers),
        "cookies": {
            name: {
                "secure": bool(morsel["secure"]),
                "httponly": bool(morsel["httponly"]),
                "samesite": morsel["samesite"],
            }
            for name, morsel in response.cookies.items()
        },
        "body": response.content.decode(errors="replace"),
    }


out = {
    "login": seen(client.get("/accounts/login/", secure=True)),
    "http": seen(client.get("/accounts/login/")),
    "boom": seen(
        client.post(
            "/boom/",
            {"body": f"my chemo diary {marker}", "email": f"{marker}@example.org"},
            secure=True,
            HTTP_COOKIE=f"csrftoken=abc; theme={marker}",
            QUERY_STRING=f"q={marker}",
        )
    ),
    "settings": {
        name: getattr(settings, name)
        for name in [
            "SESSION_COOKIE_SECURE",
            "SESSION_COOKIE_HTTPONLY",
            "CSRF_COOKIE_SECURE",
            "SECURE_SSL_REDIRECT",
            "SECURE_HSTS_SECONDS",
            "DEBUG",
        ]
    },
    "mail": [
        {"to": m.to, "subject": m.subject, "body": m.body} for m in mail.outbox
    ],
}
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def production_run() -> tuple[dict, str, str]:
    marker = f"hostile-{uuid.uuid4().hex}"
    env = production(
        EMAIL_URL="locmem:",
        ADMINS="ops@diseasemaps.example",
        DATABASE_URL="postgres://nobody@127.0.0.1:1/none",
    )
    result = run(env, "-c", SCRIPT, marker)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout), result.stderr, marker


def test_it_sends_the_security_headers(production_run):
    out, _, _ = production_run
    page = out["login"]
    assert page["status"] == 200, page["body"][:500]
    headers = page["headers"]
    assert headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains"
    )
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    policy = headers["Permissions-Policy"]
    for feature in ["camera", "microphone", "geolocation", "payment", "usb"]:
        assert f"{feature}=()" in policy
    csp = dict(
        directive.strip().split(" ", 1)
        for directive in headers["Content-Security-Policy"].split(";")
    )
    assert csp["script-src"] == "'self'"
    assert csp["default-src"] == "'self'"
    assert csp["object-src"] == "'none'"
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert "unsafe-eval" not in headers["Content-Security-Policy"]


def test_its_cookies_are_secure(production_run):
    out, _, _ = production_run
    assert out["settings"] == {
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "DEBUG": False,
    }
    # The login form sets the CSRF cookie: HTTPS only, not sent cross-site.
    cookie = out["login"]["cookies"]["csrftoken"]
    assert cookie["secure"] is True
    assert cookie["samesite"] == "Lax"


def test_plain_http_is_redirected_to_https(production_run):
    out, _, _ = production_run
    assert out["http"]["status"] == 301
    assert out["http"]["headers"]["Location"] == (
        "https://diseasemaps.example/accounts/login/"
    )


def test_the_500_page_is_generic_and_leaks_nothing(production_run):
    out, _, marker = production_run
    page = out["boom"]
    assert page["status"] == 500
    assert "Something went wrong on our side" in page["body"]
    for leak in [
        marker,
        "saving failed",
        "RuntimeError",
        "Traceback",
        "SECRET_KEY",
        "diseasemaps.urls",
        "site-packages",
        "/boom/",
        str(PROJECT),
    ]:
        assert leak not in page["body"], leak
    # The page itself obeys the CSP: no inline script or style.
    assert "<script" not in page["body"]
    assert "style=" not in page["body"]
    assert "Content-Security-Policy" in page["headers"]


def test_the_error_mail_and_the_log_carry_no_member_text(production_run):
    out, stderr, marker = production_run
    assert len(out["mail"]) == 1, out["mail"]
    report = out["mail"][0]
    assert report["to"] == ["ops@diseasemaps.example"]
    # Useful: what failed, where.
    assert "RuntimeError" in report["body"]
    assert "saving failed" in report["body"]
    assert "def boom" in report["body"] or "boom" in report["body"]
    # Private: no POST value, cookie, query string, local variable or address.
    for text in [report["subject"], report["body"], stderr]:
        assert marker not in text
        assert "chemo" not in text
        assert "@example.org" not in text
    assert "Internal Server Error: /boom/" in stderr
    report_figure(
        "production 500",
        f"500 page {len(out['boom']['body'])} bytes, error mail "
        f"{len(report['body'])} bytes, log {len(stderr)} bytes: marker absent",
    )
