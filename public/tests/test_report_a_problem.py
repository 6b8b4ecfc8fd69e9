"""Readers report a problem with an answer at …/feedback/: the form, its bot
protection (hidden field, signed start time), its limit per address, and what
happens to the text (stored plain and sanitised, never shown publicly)."""

import time
from datetime import date

from django.core import mail, signing
from django.test import override_settings
from django.urls import reverse

from answers.feedback import clean_reader_text
from answers.models import Feedback, FeedbackEvent, FeedbackKind, FeedbackState
from answers.models.feedback import add_working_days, due_date
from devdata.personas import PersonasTestCase, draft, make_condition, publish
from public import feedback as views
from public.forms import SALT

TEXT = "The second paragraph says it starts in the bones; my specialist said not."


def old_token(question_pk: int, seconds_ago: float) -> str:
    return signing.dumps({"q": question_pk, "t": time.time() - seconds_ago}, salt=SALT)


class ReportFormTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        cls.question = draft(cls.writer, condition, slug="is-it-contagious")
        publish(cls.question, writer=cls.writer, reviewer=cls.reviewer)
        cls.question.refresh_from_db()
        cls.url = reverse(
            "public:feedback", args=["poems-syndrome", "is-it-contagious"]
        )

    def data(self, **overrides) -> dict:
        return {
            "kind": FeedbackKind.WRONG,
            "section": "What causes it?",
            "text": TEXT,
            "reply_to": "reader@example.org",
            "website": "",
            "started": old_token(self.question.pk, 60),
            **overrides,
        }

    def test_it_shows_the_form_with_the_answers_sections_and_warnings(self):
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        page = response.content.decode()
        self.assertIn("What causes it?", page)
        self.assertIn("Is it safe to hug and care for someone with it?", page)
        self.assertIn("The whole answer", page)
        self.assertIn("emergency number", page)
        self.assertIn("cannot give individual medical advice", page)
        self.assertIn("delete the address as soon as your report is", page)
        self.assertIn("csrfmiddlewaretoken", page)
        self.assertIn("no-store", response["Cache-Control"])

    def test_it_stores_a_report_with_its_due_date_and_audit_row(self):
        response = self.client.post(self.url, self.data())
        self.assertEqual(response.status_code, 302)
        self.assertIn("said=report", response["Location"])
        report = Feedback.objects.get()
        self.assertEqual(report.question, self.question)
        self.assertEqual(report.revision, self.question.live_revision)
        self.assertEqual(report.section, "What causes it?")
        self.assertEqual(report.state, FeedbackState.NEW)
        self.assertEqual(report.reply_to, "reader@example.org")
        self.assertIsNone(report.reader)
        self.assertEqual(report.due_on, due_date(FeedbackKind.WRONG, date.today()))
        event = FeedbackEvent.objects.get()
        self.assertEqual((event.action, event.actor_name), ("received", "Reader"))
        self.assertNotIn(TEXT, event.comment)

    def test_a_logged_in_members_report_is_theirs(self):
        self.client.force_login(self.member)
        self.client.post(self.url, self.data(reply_to=""))
        self.assertEqual(Feedback.objects.get().reader, self.member)

    def test_it_refuses_a_section_the_answer_does_not_have(self):
        response = self.client.post(self.url, self.data(section="Made up"))
        self.assertEqual(response.status_code, 200)
        self.assertFalse(Feedback.objects.exists())

    def test_software_filling_the_hidden_field_is_thanked_and_nothing_stored(self):
        response = self.client.post(self.url, self.data(website="http://spam"))
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Feedback.objects.exists())

    def test_a_form_sent_back_faster_than_a_person_can_is_not_stored(self):
        response = self.client.post(
            self.url, self.data(started=old_token(self.question.pk, 0.5))
        )
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Feedback.objects.exists())

    def test_a_stale_or_forged_start_asks_to_send_again_keeping_the_text(self):
        for started in (
            old_token(self.question.pk, 2 * 24 * 3600),
            old_token(self.question.pk + 999, 60),
            "forged",
        ):
            response = self.client.post(self.url, self.data(started=started))
            self.assertEqual(response.status_code, 200)
            page = response.content.decode()
            self.assertIn("open for too long", page)
            self.assertIn("my specialist said not", page)
        self.assertFalse(Feedback.objects.exists())

    def test_an_address_is_limited_to_five_reports_an_hour(self):
        for _ in range(views.REPORT_LIMIT[0]):
            self.assertEqual(self.client.post(self.url, self.data()).status_code, 302)
        response = self.client.post(self.url, self.data())
        self.assertEqual(response.status_code, 429)
        self.assertIn("Nothing was sent", response.content.decode())
        self.assertTrue(int(response["Retry-After"]) > 0)
        self.assertEqual(Feedback.objects.count(), views.REPORT_LIMIT[0])
        # Another address is not affected.
        other = self.client_class(REMOTE_ADDR="10.9.8.7")
        self.assertEqual(other.post(self.url, self.data()).status_code, 302)

    def test_the_text_is_stored_without_control_and_direction_characters(self):
        hostile = "Wrong\u202e dose\x07 here\u200b.\r\n\r\n\r\n\r\n<script>x</script>"
        self.client.post(self.url, self.data(text=hostile))
        stored = Feedback.objects.get().text
        self.assertEqual(stored, "Wrong dose here.\n\n<script>x</script>")
        self.assertEqual(clean_reader_text(stored), stored)
        # NUL is refused with a field error, as on every form of the site.
        response = self.client.post(self.url, self.data(text="Wrong \x00 dose here"))
        self.assertContains(response, "Null characters are not allowed")
        self.assertEqual(Feedback.objects.count(), 1)

    def test_the_text_is_escaped_for_staff_and_never_public(self):
        self.client.post(self.url, self.data(text="<script>alert(1)</script> wrong"))
        report = Feedback.objects.get()
        self.client.force_login(self.writer)
        work = self.client.get(reverse("admin:answers_feedback_work", args=[report.pk]))
        self.assertContains(work, "&lt;script&gt;alert(1)&lt;/script&gt; wrong")
        self.assertNotContains(work, "<script>alert(1)")
        self.assertNotContains(work, "reader@example.org")
        self.client.logout()
        for url in (
            self.question.get_absolute_url(),
            reverse("public:corrections"),
            reverse("public:corrections_feed"),
            "/search/?q=alert",
        ):
            self.assertNotContains(self.client.get(url), "alert(1)")

    @override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
    def test_nothing_is_mailed_on_receipt(self):
        self.client.post(self.url, self.data())
        self.assertEqual(mail.outbox, [])

    def test_a_withdrawn_or_unknown_answer_has_no_form(self):
        url = reverse("public:feedback", args=["poems-syndrome", "no-such-answer"])
        self.assertEqual(self.client.get(url).status_code, 404)


class DueDateTestCase(PersonasTestCase):
    def test_something_wrong_is_due_in_two_working_days(self):
        friday = date(2027, 1, 8)
        self.assertEqual(due_date(FeedbackKind.WRONG, friday), date(2027, 1, 12))

    def test_anything_else_is_due_in_ten_working_days(self):
        monday = date(2027, 1, 11)
        for kind in ("out_of_date", "unclear", "broken_link", "other"):
            self.assertEqual(due_date(kind, monday), date(2027, 1, 25))

    def test_weekends_do_not_count(self):
        self.assertEqual(add_working_days(date(2027, 1, 9), 1), date(2027, 1, 11))
