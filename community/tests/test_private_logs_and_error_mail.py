"""No health text, email address or key reaches a log or an error report.

A member signs up, confirms, fails a login, logs in, posts, edits, reports,
resets a password, and then a view fails while handling their post. Every log
record at every level the configuration lets through, everything the
configured handlers write, and every error mail to the admins are searched
for the marker, the address, the keys and the session id.
"""

import io
import logging
import re
import uuid
from unittest import mock

from django.conf import settings
from django.core import mail
from django.test import Client, TestCase, override_settings
from django.urls import reverse

from community import services
from community.tests.account_helpers import fresh_ip, link_in
from community.tests.helpers import share_published
from devdata.personas import (
    PASSWORD,
    draft,
    make_condition,
    make_personas,
    publish,
    report_figure,
)
from diseasemaps.lib.privacy import ScrubLogFilter, scrub

ADMIN_ADDRESS = "ops@diseasemaps.example"


class CapturedLogs:
    """Every record as logged (before any filter), and the configured
    handlers' own output, with every logger enabled at DEBUG that the
    configuration does not pin to a higher level."""

    def __enter__(self) -> "CapturedLogs":
        self.raw: list[str] = []
        self.stream = io.StringIO()
        root = logging.getLogger()
        self.handlers = [
            h
            for h in root.handlers
            if any(isinstance(f, ScrubLogFilter) for f in h.filters)
        ]
        assert self.handlers, "the console handler lost its ScrubLogFilter"
        self.saved = [(h, h.stream, h.level) for h in self.handlers]
        for handler in self.handlers:
            handler.setStream(self.stream)
            handler.setLevel(logging.DEBUG)
        self.root_level = root.level
        root.setLevel(logging.DEBUG)
        original = logging.Logger.handle
        raw = self.raw

        def handle(logger, record):
            text = record.getMessage()
            if record.exc_info:
                text += logging.Formatter().formatException(record.exc_info)
            raw.append(f"{record.name} {record.levelname} {text}")
            return original(logger, record)

        self.patch = mock.patch.object(logging.Logger, "handle", handle)
        self.patch.start()
        return self

    def __exit__(self, *exc) -> None:
        self.patch.stop()
        logging.getLogger().setLevel(self.root_level)
        for handler, stream, level in self.saved:
            handler.setStream(stream)
            handler.setLevel(level)

    @property
    def output(self) -> str:
        return self.stream.getvalue()


@override_settings(ADMINS=[("Operations", ADMIN_ADDRESS)])
class PrivateLogsTestCase(TestCase):
    def setUp(self) -> None:
        make_personas(self)
        self.condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        question = draft(self.writer, self.condition, slug="is-it-contagious")
        publish(question, writer=self.writer, reviewer=self.reviewer)
        self.theirs = share_published(
            self.other_member, self.condition, moderator=self.moderator
        )
        self.marker = f"mk{uuid.uuid4().hex}"

    def test_a_members_text_address_and_keys_stay_out_of_logs_and_error_mail(self):
        marker = self.marker
        email = f"{marker}@example.org"
        client = Client(REMOTE_ADDR=fresh_ip(), raise_request_exception=False)
        secrets: list[str] = [marker, email]
        with CapturedLogs() as logs:
            # Sign up and confirm the address (the key is in the link).
            response = client.post(
                reverse("account_signup"),
                {
                    "email": email,
                    "password1": PASSWORD,
                    "password2": PASSWORD,
                    "pseudonym": f"P{marker[:30]}",
                    "consent": "on",
                },
            )
            self.assertEqual(response.status_code, 302)
            confirm = link_in(mail.outbox[-1].body)
            secrets.append(confirm.rstrip("/").rsplit("/", 1)[-1])
            page = client.get(confirm)
            self.assertEqual(client.post(confirm).status_code, 302, page)

            # A failed login (django-axes logs it), then a good one.
            client.post(
                reverse("account_login"), {"login": email, "password": "not it at all"}
            )
            response = client.post(
                reverse("account_login"), {"login": email, "password": PASSWORD}
            )
            self.assertEqual(response.status_code, 302)
            secrets.append(client.cookies[settings.SESSION_COOKIE_NAME].value)

            # Share, edit, report: health text in every form.
            share_url = reverse("community:share", args=["poems-syndrome"])
            story = f"My own story of the illness, marker {marker}, in many words."

            def share_form() -> dict[str, str]:
                # The random marker can look like a phone number: confirmed.
                return {
                    "relation": "lives_with",
                    "body": story,
                    "submission_key": str(uuid.uuid4()),
                    "confirm_identifying": "on",
                    "post": "1",
                }

            response = client.post(share_url, share_form())
            self.assertEqual(response.status_code, 302)
            mine = self.member_posts(email).get()
            client.post(
                reverse("community:edit", args=[mine.pk]),
                {
                    "body": story + " Edited, still " + marker,
                    "confirm_identifying": "on",
                },
            )
            client.post(
                reverse("community:report", args=[self.theirs.pk]),
                {"reason": f"Dangerous advice about my treatment {marker}"},
            )

            # A password reset: another key in a link.
            client.post(reverse("account_reset_password"), {"email": email})
            reset = link_in(mail.outbox[-1].body)
            secrets.append(reset.rstrip("/").rsplit("/", 1)[-1])
            client.get(reset, follow=True)

            # And a failure while handling health text: the error path.
            with mock.patch.object(
                services, "post_experience", side_effect=RuntimeError("store failed")
            ):
                failed = client.post(share_url, share_form())
            self.assertEqual(failed.status_code, 500)

        error_mails = [m for m in mail.outbox if m.to == [ADMIN_ADDRESS]]
        self.assertEqual(len(error_mails), 1, [m.subject for m in error_mails])
        report = error_mails[0]
        self.assertIn("RuntimeError", report.body)
        self.assertIn("store failed", report.body)
        self.assertIn("Internal Server Error", logs.output)
        self.assertGreater(len(logs.raw), 0)
        # Health text is never even logged; addresses and keys may reach a
        # record (django-axes names the login), but no handler writes them.
        for record in logs.raw:
            self.assertNotIn(marker, record.replace(email, ""))
        for where, text in [
            ("handler output", logs.output),
            ("error mail subject", report.subject),
            ("error mail", report.body),
        ]:
            for secret in secrets:
                self.assertNotIn(secret, text, f"{secret!r} in {where}")
        report_figure(
            "private logs",
            f"{len(logs.raw)} log records, {len(logs.output)} characters written, "
            f"1 error mail of {len(report.body)} characters; {len(secrets)} "
            "secrets (text, address, confirmation key, session, reset key) in none",
        )

    def member_posts(self, email: str):
        from community.models import Experience

        return Experience.objects.filter(author__user__email=email)


def test_scrub_removes_addresses_keys_and_query_strings():
    text = (
        "GET /accounts/password/reset/key/3-ab12cd-34ef56/ from Mina@Example.org "
        "sessionid=abcdefghijklmnopqrstuvwxyz012345 /search/?q=my+chemo "
        "confirm /accounts/confirm-email/MQ:1vXyZa:Qm9vbGVhbkF0dGFja1NlY3JldA/ "
        "token 8f14e45fceea167a5a36dedd4bea2543 and DETAIL stays plain"
    )
    clean = scrub(text)
    for secret in [
        "3-ab12cd-34ef56",
        "Mina@Example.org",
        "abcdefghijklmnopqrstuvwxyz012345",
        "my+chemo",
        "MQ:1vXyZa",
        "8f14e45fceea167a5a36dedd4bea2543",
    ]:
        assert secret not in clean, secret
    assert "/search/?[query]" in clean
    assert "[email]" in clean
    # Ordinary words, paths and questions stay readable.
    assert scrub("Is it contagious? See /conditions/poems-syndrome/") == (
        "Is it contagious? See /conditions/poems-syndrome/"
    )
    assert re.search(
        r"Internal Server Error: /me/", scrub("Internal Server Error: /me/")
    )
