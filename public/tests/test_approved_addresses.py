"""An answer's address and place are approved like its words: a draft's new
slug, topic, order or kind reaches no reader until a reviewer approves it, and
from then on every address it had answers 301 to the one it has now."""

from bs4 import BeautifulSoup

from answers import services
from answers.exceptions import ChecksFailed, WorkflowError
from answers.models import Condition, Question
from devdata.personas import PersonasTestCase, draft, edit, make_poems, publish


def links(response) -> set[str]:
    soup = BeautifulSoup(response.content, "html.parser")
    return {a["href"] for a in soup.find_all("a", href=True)}


class ApprovedAddressTests(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.condition = make_poems()
        cls.question = draft(
            cls.writer,
            cls.condition,
            text="Is POEMS syndrome contagious?",
            slug="is-it-contagious",
            topic="about",
        )
        publish(cls.question, writer=cls.writer, reviewer=cls.reviewer)
        cls.sibling = draft(
            cls.writer,
            cls.condition,
            text="How is POEMS syndrome treated?",
            slug="treatment",
            topic="treatment",
        )
        publish(cls.sibling, writer=cls.writer, reviewer=cls.reviewer)

    def path(self, slug: str) -> str:
        return f"/conditions/poems-syndrome/{slug}/"

    def approve(self, question: Question) -> None:
        question.refresh_from_db()
        services.submit_for_review(item=question, user=self.writer)
        services.approve(
            item=question,
            user=self.second_reviewer,
            expected_version=question.draft_version,
            coi_confirmed=True,
        )

    def test_a_draft_slug_topic_and_kind_wait_for_approval(self) -> None:
        edit(
            self.question,
            self.writer,
            slug="can-it-spread",
            topic="causes",
            kind="explainer",
            order=7,
        )
        old, new = self.path("is-it-contagious"), self.path("can-it-spread")
        page = self.client.get(old)
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, "Short answer · Medically reviewed")
        self.assertEqual(self.client.get(new).status_code, 404)
        sibling = self.client.get(self.path("treatment"))
        self.assertIn(old, links(sibling))
        self.assertNotIn(new, links(sibling))
        condition_page = self.client.get("/conditions/poems-syndrome/")
        self.assertContains(condition_page, "About the condition")
        self.assertNotContains(condition_page, ">Causes<")
        sitemap = self.client.get("/sitemap.xml").content.decode()
        self.assertIn(old, sitemap)
        self.assertNotIn(new, sitemap)

        self.approve(self.question)

        page = self.client.get(new)
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, "Explainer · Medically reviewed")
        moved = self.client.get(old)
        self.assertEqual(moved.status_code, 301)
        self.assertEqual(moved["Location"], new)
        self.assertIn(new, links(self.client.get(self.path("treatment"))))
        self.assertContains(self.client.get("/conditions/poems-syndrome/"), ">Causes<")
        sitemap = self.client.get("/sitemap.xml").content.decode()
        self.assertIn(new, sitemap)
        self.assertNotIn(old, sitemap)

    def test_every_old_address_leads_straight_to_the_current_one(self) -> None:
        for slug in ("second", "third"):
            edit(self.question, self.writer, slug=slug)
            self.approve(self.question)
        for old in ("is-it-contagious", "second"):
            moved = self.client.get(self.path(old))
            self.assertEqual(moved.status_code, 301, old)
            self.assertEqual(moved["Location"], self.path("third"))

    def test_going_back_to_an_old_address_makes_no_loop(self) -> None:
        edit(self.question, self.writer, slug="second")
        self.approve(self.question)
        edit(self.question, self.writer, slug="is-it-contagious")
        self.approve(self.question)
        self.assertEqual(
            self.client.get(self.path("is-it-contagious")).status_code, 200
        )
        moved = self.client.get(self.path("second"))
        self.assertEqual(moved.status_code, 301)
        self.assertEqual(moved["Location"], self.path("is-it-contagious"))

    def test_an_old_address_of_an_answer_taken_off_the_site_is_gone(self) -> None:
        edit(self.question, self.writer, slug="second")
        self.approve(self.question)
        services.unpublish(item=self.question, user=self.admin, reason="Checking")
        self.assertEqual(
            self.client.get(self.path("is-it-contagious")).status_code, 410
        )
        self.assertEqual(self.client.get(self.path("second")).status_code, 410)

    def test_an_address_another_live_answer_has_is_refused(self) -> None:
        question = Question.objects.get(pk=self.question.pk)
        question.slug = "treatment-draft"
        services.save_draft(item=question, user=self.writer, expected_version=1)
        # The sibling's row moves away, its live address stays "treatment".
        edit(self.sibling, self.writer, slug="treating-it")
        edit(self.question, self.writer, slug="treatment")
        question.refresh_from_db()
        services.submit_for_review(item=question, user=self.writer)
        with self.assertRaisesMessage(ChecksFailed, "is live at …/treatment/"):
            services.approve(
                item=question,
                user=self.second_reviewer,
                expected_version=question.draft_version,
                coi_confirmed=True,
            )

    def test_a_published_answer_cannot_move_to_another_condition(self) -> None:
        other = Condition.objects.create(name="Castleman disease", slug="castleman")
        question = Question.objects.get(pk=self.question.pk)
        question.condition = other
        with self.assertRaisesMessage(WorkflowError, "cannot move"):
            services.save_draft(
                item=question,
                user=self.writer,
                expected_version=question.draft_version,
            )
        self.assertEqual(
            Question.objects.get(pk=self.question.pk).condition, self.condition
        )
