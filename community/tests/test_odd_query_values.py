"""Odd values in the query string never become a 500 (issue 15, finding 6).

A NUL in `?question=` on the share page reached PostgreSQL, which refuses NUL
in text: a 500, and an error mail to ADMINS, that any member could repeat. A
value that cannot be a question's slug (NUL, control characters, an over-long
string) is now ignored before any query: the form opens with no question
chosen. The same values in the experience list's `?question=` and `?page=`.
"""

from django.db import connection
from django.urls import reverse

from devdata.personas import PersonasTestCase, draft, make_condition, publish

ODD = [
    "\x00",
    "is-it-contagious\x00",
    "\x00' OR 1=1 --",
    "is-it\x1bcontagious",
    "is-it-contagious\u202e",
    "x" * 5000,
    "9" * 40,
    "-1",
]


class OddQueryValuesTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        cls.question = draft(cls.writer, cls.condition, slug="is-it-contagious")
        publish(cls.question, writer=cls.writer, reviewer=cls.reviewer)
        cls.share_url = reverse("community:share", args=["poems-syndrome"])
        cls.list_url = reverse("community:experiences", args=["poems-syndrome"])

    def get(self, url: str, **query):
        sent = []

        def record(execute, sql, params, many, context):
            values = [params] if not many else list(params)
            for row in values:
                sent.extend(
                    str(p)[:40] for p in row or () if isinstance(p, str) and "\x00" in p
                )
            return execute(sql, params, many, context)

        with connection.execute_wrapper(record):
            response = self.client.get(url, query)
        # PostgreSQL refuses NUL in text: each one there was a 500.
        self.assertEqual(sent, [], "a NUL reached the database")
        return response

    def test_the_share_page_ignores_a_question_that_cannot_be_one(self):
        self.client.force_login(self.member)
        for value in ODD:
            with self.subTest(value=value[:30]):
                response = self.get(self.share_url, question=value)
                self.assertEqual(response.status_code, 200)
                self.assertIsNone(response.context["form"].initial.get("question"))

    def test_a_real_question_is_still_chosen(self):
        self.client.force_login(self.member)
        response = self.get(self.share_url, question="is-it-contagious")
        self.assertEqual(response.context["form"].initial["question"], self.question)

    def test_the_experience_list_ignores_odd_questions_and_pages(self):
        for value in ODD:
            with self.subTest(value=value[:30]):
                response = self.get(self.list_url, question=value, page=value)
                self.assertEqual(response.status_code, 200)
                self.assertIsNone(response.context["chosen"])
