"""Issue 18: `check --deploy` warns when a production site would show a member
in crisis no approved contact, or a live one still marked as needing a check
(the demo list). Drafts count for neither."""

from django.core import checks

from answers.deploy_checks import check_crisis_contacts
from devdata.personas import (
    PersonasTestCase,
    approve_crisis_contact,
    make_crisis_contact,
)


class CrisisContactDeployCheckTests(PersonasTestCase):
    def ids(self) -> list[str]:
        return [warning.id for warning in check_crisis_contacts()]

    def test_it_warns_when_no_contact_is_approved(self):
        make_crisis_contact(self.writer)  # a draft shows nothing
        self.assertEqual(self.ids(), ["answers.W001"])

    def test_it_warns_while_a_live_contact_needs_a_check(self):
        contact = make_crisis_contact(self.writer, needs_check=True)
        approve_crisis_contact(contact, self.reviewer)
        (warning,) = check_crisis_contacts()
        self.assertEqual(warning.id, "answers.W002")
        self.assertIn("Samaritans (GB)", warning.msg)

    def test_it_is_quiet_when_the_live_contacts_were_checked(self):
        approve_crisis_contact(make_crisis_contact(self.writer), self.reviewer)
        # An unchecked draft does not matter until it is approved.
        make_crisis_contact(self.writer, country="US", needs_check=True)
        self.assertEqual(self.ids(), [])

    def test_it_runs_with_check_deploy_only(self):
        plain = {message.id for message in checks.run_checks()}
        deploy = {
            message.id for message in checks.run_checks(include_deployment_checks=True)
        }
        self.assertNotIn("answers.W001", plain)
        self.assertIn("answers.W001", deploy)
