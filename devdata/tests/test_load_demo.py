import base64
from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client, TestCase, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from answers.models import Condition, Question, ReviewEvent, Status
from devdata.demo import DEMO_TOTP_SECRET


class LoadDemoTestCase(TestCase):
    def load(self) -> str:
        out = StringIO()
        with override_settings(DEBUG=True):
            call_command("load_demo", stdout=out)
        return out.getvalue()

    def test_it_loads_accounts_and_content_through_the_workflow(self):
        output = self.load()

        self.assertIn("[3/3]", output)
        self.assertEqual(Condition.objects.count(), 3)
        poems = Condition.objects.get(slug="poems-syndrome")
        self.assertEqual(poems.acronym, "POEMS")
        self.assertIn("Crow–Fukase syndrome", poems.synonym_list)
        self.assertGreaterEqual(poems.criteria.count(), 3)
        self.assertTrue(all(c.item_list for c in poems.criteria.all()))
        for condition in Condition.objects.all():
            self.assertGreaterEqual(condition.questions.count(), 5, condition)

        questions = Question.objects.all()
        live = questions.published().count()
        self.assertGreater(live, questions.count() / 2)  # most approved
        self.assertGreaterEqual(questions.filter(status=Status.IN_REVIEW).count(), 2)
        self.assertEqual(questions.filter(status=Status.CHANGES_REQUESTED).count(), 1)
        overdue = Question.objects.overdue(timezone.localdate())
        self.assertEqual(
            list(overdue.values_list("slug", flat=True)), ["is-it-contagious"]
        )
        # Community: two members, two published posts and one waiting.
        from community.models import Experience

        self.assertEqual(Experience.objects.published().count(), 2)
        self.assertEqual(Experience.objects.filter(status="pending").count(), 1)
        # Every approval was four-eyes: no approver contributed to what they approved.
        for approval in ReviewEvent.objects.filter(action=ReviewEvent.Action.APPROVED):
            self.assertNotEqual(approval.actor.username, "wendy")

    def test_the_demo_accounts_can_log_in_with_the_readme_password(self):
        self.load()
        for username in ["admin", "wendy", "rita", "sam", "mo", "mina", "omar"]:
            with self.subTest(username=username):
                user = get_user_model().objects.get(username=username)
                self.assertTrue(user.check_password("diseasemaps-demo"))
        self.assertTrue(get_user_model().objects.get(username="admin").is_superuser)
        self.assertTrue(
            get_user_model().objects.get(username="rita").reviewer_profile.active
        )
        self.assertFalse(
            get_user_model().objects.get(username="rita").check_password("wrong")
        )

    def test_demo_staff_log_in_with_the_password_and_a_demo_totp_code(self):
        self.load()
        for username in ["admin", "wendy", "rita", "sam", "mo"]:
            with self.subTest(username=username):
                client = Client()
                client.post(
                    reverse("admin:login"),
                    {"username": username, "password": "diseasemaps-demo"},
                )
                out, err = StringIO(), StringIO()
                with override_settings(DEBUG=True):
                    call_command("demo_totp", username, stdout=out, stderr=err)
                code = out.getvalue().strip()
                self.assertRegex(code, r"^\d{6}$")
                self.assertIn("valid for", err.getvalue())

                response = client.post(
                    reverse("admin:two_factor_verify"), {"code": code}
                )

                self.assertRedirects(
                    response, reverse("admin:index"), fetch_redirect_response=False
                )
                self.assertEqual(client.get(reverse("admin:index")).status_code, 200)
        # The README's secret, for oathtool and authenticator apps.
        device = TOTPDevice.objects.get(user__username="wendy")
        self.assertEqual(base64.b32encode(device.bin_key).decode(), DEMO_TOTP_SECRET)
        self.assertFalse(TOTPDevice.objects.filter(user__username="mina").exists())

    def test_demo_totp_prints_no_code_for_a_real_device_or_without_debug(self):
        self.load()
        TOTPDevice.objects.filter(user__username="sam").update(key=random_hex(20))
        with override_settings(DEBUG=True), self.assertRaises(CommandError):
            call_command("demo_totp", "sam", stdout=StringIO())
        with override_settings(DEBUG=False), self.assertRaises(CommandError):
            call_command("demo_totp", "wendy", stdout=StringIO())

    def test_running_it_again_changes_nothing(self):
        self.load()
        counts = (
            Question.objects.count(),
            ReviewEvent.objects.count(),
            TOTPDevice.objects.count(),
        )

        output = self.load()

        self.assertIn("already loaded", output)
        self.assertEqual(
            (
                Question.objects.count(),
                ReviewEvent.objects.count(),
                TOTPDevice.objects.count(),
            ),
            counts,
        )

    def test_it_refuses_to_run_without_debug(self):
        with override_settings(DEBUG=False), self.assertRaises(CommandError) as raised:
            call_command("load_demo", stdout=StringIO())
        self.assertIn("DEBUG=true", str(raised.exception))
        self.assertEqual(get_user_model().objects.count(), 0)
