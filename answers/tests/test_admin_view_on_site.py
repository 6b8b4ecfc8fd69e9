""" "View on site" in the admin never leads to a 404: it goes to the public page
when readers have one, and otherwise to the admin's own preview, or nowhere."""

from bs4 import BeautifulSoup
from django.test import Client
from django.urls import reverse

from answers import services
from devdata.personas import PersonasTestCase, draft, make_condition, publish


class ViewOnSiteTestCase(PersonasTestCase):
    def view_on_site(self, user, change_url: str) -> str | None:
        """The href of the change form's "View on site" link, or None."""
        self.client.force_login(user)
        page = self.client.get(change_url)
        self.assertEqual(page.status_code, 200)
        link = BeautifulSoup(page.content, "html.parser").select_one("a.viewsitelink")
        return link["href"] if link else None

    def assertLeadsToAPage(self, client, href: str) -> None:
        response = client.get(href, follow=True)
        self.assertEqual(response.status_code, 200, href)

    def question_link(self, question) -> str | None:
        change = reverse("admin:answers_question_change", args=[question.pk])
        return self.view_on_site(self.writer, change)

    def test_it_sends_a_never_published_question_to_its_review_screen(self):
        question = draft(self.writer)

        href = self.question_link(question)

        self.assertLeadsToAPage(self.client, href)
        self.assertEqual(
            href, reverse("admin:answers_question_review", args=[question.pk])
        )
        # The public address it would have is still a 404: the link avoided it.
        self.assertEqual(Client().get(question.get_absolute_url()).status_code, 404)

    def test_it_sends_an_unpublished_question_to_its_review_screen(self):
        question = draft(self.writer)
        publish(question, writer=self.writer, reviewer=self.reviewer)
        services.unpublish(item=question, user=self.reviewer, reason="Outdated.")

        href = self.question_link(question)

        self.assertLeadsToAPage(self.client, href)
        self.assertEqual(
            href, reverse("admin:answers_question_review", args=[question.pk])
        )

    def test_it_sends_a_live_question_to_its_public_page(self):
        question = draft(self.writer)
        publish(question, writer=self.writer, reviewer=self.reviewer)

        href = self.question_link(question)

        self.assertLeadsToAPage(Client(), href)
        self.assertEqual(href, question.get_absolute_url())

    def test_a_condition_without_live_answers_links_to_its_review_screen(self):
        condition = make_condition()
        draft(self.writer, condition)

        change = reverse("admin:answers_condition_change", args=[condition.pk])

        self.assertEqual(
            self.view_on_site(self.writer, change),
            reverse("admin:answers_condition_review", args=[condition.pk]),
        )
        self.assertEqual(Client().get(condition.get_absolute_url()).status_code, 404)

    def test_a_published_condition_links_to_its_public_page(self):
        condition = make_condition()
        publish(
            draft(self.writer, condition), writer=self.writer, reviewer=self.reviewer
        )

        href = self.view_on_site(
            self.writer, reverse("admin:answers_condition_change", args=[condition.pk])
        )

        self.assertLeadsToAPage(Client(), href)
        self.assertEqual(href, condition.get_absolute_url())

    def test_every_reviewer_profile_links_to_a_public_page(self):
        # An inactive reviewer who has approved nothing still has a profile page.
        self.reviewer_profile.active = False
        self.reviewer_profile.save()

        for profile in [self.reviewer_profile, self.second_reviewer_profile]:
            with self.subTest(profile=profile.slug):
                href = self.view_on_site(
                    self.admin,
                    reverse("admin:answers_reviewer_change", args=[profile.pk]),
                )
                self.assertIsNotNone(href)
                self.assertLeadsToAPage(Client(), href)
