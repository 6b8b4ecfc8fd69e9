from django.contrib.auth.models import Group
from django.test import TestCase

from answers.roles import MODERATOR_GROUP, REVIEWER_GROUP, WRITER_GROUP


class RolesMigrationTestCase(TestCase):
    """The data migration's groups, as a fresh database has them."""

    def perms(self, name: str) -> set[str]:
        return set(
            Group.objects.get(name=name).permissions.values_list("codename", flat=True)
        )

    def test_writers_draft_and_submit_but_do_not_review_or_delete(self):
        perms = self.perms(WRITER_GROUP)
        self.assertTrue({"add_question", "change_question", "submit_question"} <= perms)
        self.assertFalse({"review_question", "unpublish_question"} & perms)
        self.assertNotIn("delete_question", perms)
        self.assertNotIn("change_reviewer", perms)

    def test_medical_reviewers_can_also_review_and_unpublish(self):
        perms = self.perms(REVIEWER_GROUP)
        self.assertTrue(self.perms(WRITER_GROUP) <= perms)
        self.assertTrue({"review_question", "unpublish_question"} <= perms)
        self.assertNotIn("delete_answerrevision", perms)
        self.assertNotIn("delete_reviewevent", perms)

    def test_writers_and_reviewers_edit_criteria_sets_as_they_did_lists(self):
        criteria = {
            f"{action}_{model}"
            for model in ("criteriaset", "criteriagroup")
            for action in ("view", "add", "change", "delete")
        }
        for group in (WRITER_GROUP, REVIEWER_GROUP):
            with self.subTest(group=group):
                self.assertTrue(criteria <= self.perms(group))
        self.assertFalse(criteria & self.perms(MODERATOR_GROUP))

    def test_moderators_read_content_and_moderate_posts(self):
        self.assertEqual(
            self.perms(MODERATOR_GROUP),
            {
                "view_condition",
                "view_question",
                "view_answerrevision",
                "view_conditionrevision",
                # Concepts only (0014_terminology_catalogue): not the sources'
                # releases or the terminology-changed alerts.
                "view_concept",
                "moderate_experience",
                "view_experience",
                "view_report",
                "view_moderationevent",
                # Reports about members (issue 18, community 0013).
                "view_memberreport",
                "view_membermoderationevent",
            },
        )
