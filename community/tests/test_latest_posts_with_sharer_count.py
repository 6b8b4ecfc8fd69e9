"""The community block's one query: the latest posts and how many distinct
members shared, the same figures as asking for each on its own."""

from community.models import Experience
from community.tests.helpers import share, share_published
from devdata.personas import (
    PersonasTestCase,
    draft,
    make_condition,
    make_member,
    publish,
)


class LatestWithSharerCountTestCase(PersonasTestCase):
    def setUp(self) -> None:
        self.condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        self.question = draft(self.writer, self.condition, slug="is-it-contagious")
        publish(self.question, writer=self.writer, reviewer=self.reviewer)

    def published(self):
        return Experience.objects.published().filter(condition=self.condition)

    def test_it_counts_each_member_once_in_one_query(self):
        for _ in range(3):
            share_published(
                self.member, self.condition, self.question, moderator=self.moderator
            )
        share_published(self.other_member, self.condition, moderator=self.moderator)
        share(make_member("pat"), self.condition)  # pending: not counted
        with self.assertNumQueries(1):
            latest, count = self.published().latest_with_sharer_count(3)
        self.assertEqual(count, 2)
        self.assertEqual(count, self.published().sharer_count())
        self.assertEqual(latest, list(self.published()[:3]))
        on_question = self.published().filter(question=self.question)
        self.assertEqual(on_question.latest_with_sharer_count(3)[1], 1)

    def test_no_post_is_no_sharer(self):
        share(self.member, self.condition)  # pending
        self.assertEqual(self.published().latest_with_sharer_count(3), ([], 0))
