"""A condition's approved slug change leaves no dead community address: its
experiences list and share form answer a permanent redirect from the old
address, as its condition and answer pages already did, and a share form
opened before the change still posts (308 keeps the method and the text)."""

from answers.tests.test_condition_review import edit_facts
from community.models import Experience
from devdata.personas import (
    PersonasTestCase,
    approve_facts,
    draft,
    make_member,
    make_poems,
    publish,
)


class OldCommunityAddressTests(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.condition = make_poems()
        cls.question = draft(cls.writer, cls.condition, slug="is-it-contagious")
        publish(cls.question, writer=cls.writer, reviewer=cls.reviewer)
        approve_facts(cls.condition, reviewer=cls.reviewer)
        edit_facts(cls.condition, cls.writer, slug="poems")
        approve_facts(cls.condition, reviewer=cls.second_reviewer)

    def test_the_experiences_list_moves_with_its_query(self) -> None:
        moved = self.client.get(
            "/conditions/poems-syndrome/experiences/?question=is-it-contagious"
        )
        self.assertEqual(moved.status_code, 301)
        self.assertEqual(
            moved["Location"],
            "/conditions/poems/experiences/?question=is-it-contagious",
        )
        self.assertEqual(self.client.get(moved["Location"]).status_code, 200)

    def test_the_share_form_moves(self) -> None:
        member = make_member("Sharer")
        self.client.force_login(member)
        moved = self.client.get("/conditions/poems-syndrome/experiences/share/")
        self.assertEqual(
            (moved.status_code, moved["Location"]),
            (301, "/conditions/poems/experiences/share/"),
        )

    def test_a_form_opened_before_the_change_keeps_its_text(self) -> None:
        member = make_member("Sharer")
        self.client.force_login(member)
        moved = self.client.post(
            "/conditions/poems-syndrome/experiences/share/",
            {"body": "Some words about living with it.", "relation": "patient"},
        )
        self.assertEqual(
            (moved.status_code, moved["Location"]),
            (308, "/conditions/poems/experiences/share/"),
        )
        self.assertFalse(Experience.objects.exists())

    def test_an_address_no_condition_ever_had_is_404(self) -> None:
        self.assertEqual(
            self.client.get("/conditions/no-such-thing/experiences/").status_code,
            404,
        )
