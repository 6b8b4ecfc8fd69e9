"""The admin home page shows each review queue only to people who can act on it:
reviewers approve, re-certify and review what is due; writers revise what a
reviewer sent back."""

from datetime import timedelta

from bs4 import BeautifulSoup
from django.urls import reverse
from django.utils import timezone

from answers import services
from devdata.personas import PersonasTestCase, draft, publish


class HomeQueuesTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        services.submit_for_review(item=draft(cls.writer), user=cls.writer)
        sent_back = draft(cls.writer)
        services.submit_for_review(item=sent_back, user=cls.writer)
        services.request_changes(
            item=sent_back, user=cls.reviewer, comment="Cite the 2021 criteria."
        )
        # Approved more than a year ago: overdue for review now.
        publish(
            draft(cls.writer),
            writer=cls.writer,
            reviewer=cls.reviewer,
            at=timezone.now() - timedelta(days=400),
        )

    def queues_on_home(self, user) -> dict[str, str]:
        """Queue label -> the count shown, in the home page's review box."""
        self.client.force_login(user)
        response = self.client.get(reverse("admin:index"))
        self.assertEqual(response.status_code, 200)
        box = BeautifulSoup(response.content, "html.parser").select_one(
            "#review-queues"
        )
        if box is None:
            return {}
        return {
            item.a.get_text(): item.get_text().rsplit(":", 1)[1].strip()
            for item in box.select("li")
        }

    def test_a_writer_sees_only_the_answers_sent_back_to_writers(self):
        self.assertFalse(self.writer.has_perm("answers.review_question"))

        queues = self.queues_on_home(self.writer)

        self.assertEqual(
            queues,
            {
                "Changes requested": "1",
                "Condition facts: changes requested": "0",
                "Condition facts: terminology changed": "0",
            },
        )

    def test_a_reviewer_sees_the_reviewers_queues(self):
        queues = self.queues_on_home(self.second_reviewer)

        self.assertEqual(
            queues,
            {
                "Awaiting my review": "1",
                "Changes requested": "1",
                "Overdue for review": "1",
                "Due in 30 days": "0",
                "Condition facts: awaiting my review": "0",
                "Condition facts: changes requested": "0",
                "Condition facts: overdue for review": "0",
                "Condition facts: due in 30 days": "0",
                "Condition facts: terminology changed": "0",
            },
        )

    def test_a_moderator_who_can_act_on_none_sees_no_review_box(self):
        self.assertEqual(self.queues_on_home(self.moderator), {})
