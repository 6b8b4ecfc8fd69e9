""" "Did this answer your question?": one click, no account, no JavaScript, on
a page stored for every reader, so the form carries no CSRF token and the
vote protects itself (same-site check, one vote per address and answer a
day, a limit per hour)."""

from django.test import Client
from django.urls import reverse

from answers.models import HelpfulVote, StoredPage
from devdata.personas import PersonasTestCase, draft, make_condition, publish
from public import feedback as views


class HelpfulVoteTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        cls.question = draft(cls.writer, condition, slug="is-it-contagious")
        publish(cls.question, writer=cls.writer, reviewer=cls.reviewer)
        cls.url = reverse(
            "public:feedback_vote", args=["poems-syndrome", "is-it-contagious"]
        )

    def setUp(self) -> None:
        # Django's CSRF check on, as in production.
        self.client = Client(enforce_csrf_checks=True)

    def test_the_stored_answer_page_has_the_form_and_no_per_reader_secret(self):
        page = self.client.get(self.question.get_absolute_url())
        html = page.content.decode()
        self.assertIn("Did this answer your question?", html)
        self.assertIn(f'action="{self.url}"', html)
        self.assertIn("Report a problem with this answer", html)
        self.assertNotIn("csrfmiddlewaretoken", html)
        self.assertNotIn("csrftoken", page.cookies)
        self.assertTrue(StoredPage.objects.filter(path=page.request["PATH_INFO"]))

    def test_one_click_records_an_anonymous_vote_and_thanks(self):
        response = self.client.post(self.url, {"helpful": "no"})
        self.assertEqual(response.status_code, 302)
        self.assertIn("said=no", response["Location"])
        vote = HelpfulVote.objects.get()
        self.assertFalse(vote.helpful)
        self.assertEqual(vote.revision_id, self.question.live_revision_id)
        thanks = self.client.get(response["Location"])
        self.assertContains(thanks, "Report a problem with this answer")

    def test_a_second_vote_from_the_same_address_the_same_day_is_not_counted(self):
        self.client.post(self.url, {"helpful": "yes"})
        response = self.client.post(self.url, {"helpful": "no"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(HelpfulVote.objects.count(), 1)
        Client(REMOTE_ADDR="10.1.2.3").post(self.url, {"helpful": "no"})
        self.assertEqual(HelpfulVote.objects.count(), 2)

    def test_another_sites_page_cannot_make_its_visitors_vote(self):
        for headers in (
            {"HTTP_ORIGIN": "https://evil.example"},
            {"HTTP_ORIGIN": "null"},
            {"HTTP_REFERER": "https://evil.example/page"},
        ):
            response = self.client.post(self.url, {"helpful": "no"}, **headers)
            self.assertEqual(response.status_code, 403)
        self.assertFalse(HelpfulVote.objects.exists())
        ours = self.client.post(
            self.url, {"helpful": "yes"}, HTTP_ORIGIN="http://testserver"
        )
        self.assertEqual(ours.status_code, 302)
        self.assertEqual(HelpfulVote.objects.count(), 1)

    def test_an_address_has_a_limit_an_hour(self):
        limit = views.VOTE_LIMIT[0]
        questions = [self.question]
        for n in range(limit):
            question = draft(self.writer, self.question.condition, slug=f"q-{n}")
            publish(question, writer=self.writer, reviewer=self.reviewer)
            questions.append(question)
        codes = []
        for question in questions:
            url = reverse(
                "public:feedback_vote",
                args=["poems-syndrome", question.live_revision.slug],
            )
            codes.append(self.client.post(url, {"helpful": "yes"}).status_code)
        self.assertEqual(codes[:limit], [302] * limit)
        self.assertEqual(codes[limit], 429)
        self.assertEqual(HelpfulVote.objects.count(), limit)

    def test_anything_but_yes_or_no_and_get_are_refused(self):
        self.assertEqual(
            self.client.post(self.url, {"helpful": "maybe"}).status_code, 400
        )
        self.assertEqual(self.client.get(self.url).status_code, 405)
        self.assertFalse(HelpfulVote.objects.exists())
