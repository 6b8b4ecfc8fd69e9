"""Bodies over DATA_UPLOAD_MAX_MEMORY_SIZE get a clear 413 page, forms with
more than DATA_UPLOAD_MAX_NUMBER_FIELDS fields a clear 400 page; nothing is
saved and nobody gets a 500."""

from django.conf import settings
from django.test import TestCase
from django.urls import reverse

from community.models import Experience
from devdata.personas import Client, make_personas


class OversizedRequestsTestCase(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        make_personas(cls)

    def setUp(self) -> None:
        # As a browser does it: the CSRF cookie from an earlier page, and the
        # CSRF check, which reads the form before any view runs.
        self.client = Client(enforce_csrf_checks=True)
        self.client.cookies[settings.CSRF_COOKIE_NAME] = "k" * 32

    def test_the_limits_are_set_on_purpose(self):
        self.assertEqual(settings.DATA_UPLOAD_MAX_MEMORY_SIZE, 1024 * 1024)
        self.assertEqual(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS, 500)

    def test_a_body_over_the_limit_gets_413_with_an_explanation(self):
        self.client.force_login(self.member)
        huge = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
        for url in [
            reverse("community:share", args=["anything"]),
            reverse("account_login"),
            reverse("public:search"),
        ]:
            with self.subTest(url=url):
                response = self.client.post(url, {"body": huge})
                self.assertContains(
                    response, "That was too much to send at once", status_code=413
                )
                self.assertContains(response, "nothing was saved", status_code=413)
                # A logged-in member's error page is private like every page.
                self.assertIn("private", response["Cache-Control"])
        self.assertFalse(Experience.objects.exists())

    def test_a_body_over_the_limit_gets_413_when_logged_out_too(self):
        response = self.client.post(
            reverse("account_signup"),
            data="a=" + "b" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10),
            content_type="application/x-www-form-urlencoded",
        )
        self.assertContains(response, "too much to send", status_code=413)

    def test_too_many_fields_get_400_with_an_explanation(self):
        self.client.force_login(self.member)
        fields = {f"f{n}": "x" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS)}
        response = self.client.post(reverse("community:me"), fields | {"a": "b"})
        self.assertContains(
            response, "We could not understand that request", status_code=400
        )

    def test_too_many_query_parameters_get_400(self):
        query = "&".join(
            f"q{n}=x" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)
        )
        response = self.client.get(f"{reverse('public:search')}?{query}")
        self.assertContains(
            response, "We could not understand that request", status_code=400
        )

    def test_a_large_but_honest_answer_still_fits(self):
        # An editor's long answer in a non-Latin script, sent by a browser as
        # urlencoded form data (every character becomes 9 bytes).
        self.client.force_login(self.writer)
        body = "Ответ " * 15000  # 90,000 characters, about 0.8 MB encoded
        response = self.client.post(
            reverse("admin:answers_question_add"),
            {"body": body, "csrfmiddlewaretoken": "k" * 32},
        )
        self.assertEqual(response.status_code, 200)  # the form, with its errors
        self.assertContains(response, "This field is required")
