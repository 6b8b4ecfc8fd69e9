import base64
from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client, TestCase, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from answers import interchange, services
from answers.checks import OK, condition_checks
from answers.models import (
    Condition,
    ConditionRevision,
    Question,
    ReviewEvent,
    Status,
)
from devdata.demo import DEMO_TOTP_SECRET
from devdata.management.commands.load_demo import DEMO_DIR
from devdata.personas import PersonasTestCase
from devdata.terminology import load_sample


class LoadDemoTestCase(TestCase):
    def load(self) -> str:
        # The demo's codes are checked against the catalogue: the sample
        # release of each source has them (real concepts, a few of them).
        load_sample()
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
        (criteria,) = [s.snapshot() for s in poems.criteria_sets.all()]
        self.assertEqual(criteria["title"], "Diagnostic criteria for POEMS syndrome")
        self.assertTrue(criteria["applies_to"] and criteria["rule"])
        self.assertEqual(len(criteria["groups"]), 3)
        self.assertTrue(all(g["items"] and g["count_rule"] for g in criteria["groups"]))
        for condition in Condition.objects.all():
            self.assertGreaterEqual(condition.questions.count(), 5, condition)
        # Codes of the catalogue's systems only, each checked against a release.
        self.assertEqual(
            [
                (code["system"], code["code"], code["name"])
                for code in poems.live_revision.codes
            ],
            [
                ("GARD", "7411", "POEMS syndrome"),
                (
                    "ICD-10-CM",
                    "D47.Z9",
                    "Other specified neoplasms of uncertain behavior of lymphoid, "
                    "hematopoietic and related tissue",
                ),
                ("ORPHA", "2905", "POEMS syndrome"),
            ],
        )
        self.assertEqual(
            set(Condition.objects.values_list("codes__system", flat=True).distinct()),
            {"GARD", "ICD-10-CM", "ORPHA"},
        )
        self.assertFalse(Condition.objects.filter(codes__concept__isnull=True).exists())

        questions = Question.objects.all()
        live = questions.published().count()
        self.assertGreater(live, questions.count() / 2)  # most approved
        self.assertGreaterEqual(questions.filter(status=Status.IN_REVIEW).count(), 2)
        self.assertEqual(questions.filter(status=Status.CHANGES_REQUESTED).count(), 1)
        overdue = Question.objects.overdue(timezone.localdate())
        self.assertEqual(
            list(overdue.values_list("slug", flat=True)), ["is-it-contagious"]
        )
        # Community: three members; four published posts for everyone (one
        # with a reviewer's note, one Kai's), two for members only, and two
        # waiting.
        from community.models import Experience

        self.assertEqual(Experience.objects.published().count(), 4)
        self.assertEqual(Experience.objects.for_members().count(), 6)
        self.assertEqual(Experience.objects.filter(status="pending").count(), 2)
        # Harmful advice (issue 18): one post with a reviewer's note, one
        # waiting for a reviewer.
        noted = Experience.objects.published().exclude(reviewer_note="").get()
        self.assertEqual(noted.reviewer_note_by.display_name, "Dr Rita Osei")
        self.assertEqual(Experience.objects.filter(medical_review="asked").count(), 1)
        # Issue 18: Mina muted Kai, and Omar's report about Kai is open.
        from community.models import MemberReport, Mute

        self.assertEqual(Mute.objects.get().muted.pseudonym, "KaiRemedies")
        self.assertEqual(MemberReport.objects.get(resolved_at=None).category, "selling")
        # A moderator's redaction waits for Mina (issue 18).
        redacted = Experience.objects.get(status="redacted")
        self.assertNotIn("Saltmarsh", redacted.body)
        self.assertIn("Saltmarsh", redacted.redaction_original)
        # Every approval was four-eyes: no approver contributed to what they approved.
        for approval in ReviewEvent.objects.filter(action=ReviewEvent.Action.APPROVED):
            self.assertNotEqual(approval.actor.username, "wendy")

    def test_every_condition_has_facts_approved_by_a_reviewer_who_did_not_write_them(
        self,
    ):
        self.load()

        for condition in Condition.objects.select_related("live_revision__reviewer"):
            with self.subTest(condition=condition.slug):
                facts = condition.live_revision
                self.assertIsNotNone(facts)
                self.assertIn(facts.reviewer.user.username, {"rita", "sam"})
                approval = condition.events.get(
                    action=ReviewEvent.Action.APPROVED, condition_revision=facts
                )
                self.assertEqual(approval.reviewer, facts.reviewer)
                self.assertEqual(approval.actor, facts.reviewer.user)
                self.assertEqual(condition.last_review, approval)
                self.assertEqual(
                    condition.next_review_due,
                    timezone.localdate(approval.created_at) + condition.review_interval,
                )
                self.assertEqual(
                    (condition.public_name, condition.public_slug),
                    (facts.name, facts.slug),
                )
                writers = services.contributor_ids(condition, upto=approval)
                self.assertEqual(
                    set(
                        get_user_model()
                        .objects.filter(pk__in=writers)
                        .values_list("username", flat=True)
                    ),
                    {"wendy"},
                )
                self.assertNotIn(approval.actor_id, writers)
                # Approved before any answer that shows its criteria.
                for answer in condition.questions.filter(
                    live_revision__show_criteria=True
                ):
                    self.assertLess(
                        approval.created_at, answer.live_revision.approved_at
                    )
        self.assertTrue(
            Question.objects.filter(live_revision__show_criteria=True).exists()
        )

    def test_one_condition_has_a_change_to_its_facts_in_review(self):
        self.load()

        (pending,) = Condition.objects.filter(status=Status.IN_REVIEW)
        self.assertEqual(pending.slug, "myasthenia-gravis")
        facts = pending.live_revision
        self.assertGreater(pending.draft_version, facts.draft_version)
        self.assertNotEqual(pending.draft_content(), facts.content())
        self.assertIn("Erb–Goldflam disease", pending.synonym_list)
        self.assertNotIn("Erb–Goldflam disease", facts.synonym_list)
        sam = get_user_model().objects.get(username="sam")
        self.assertEqual(list(Condition.objects.awaiting_review_by(sam)), [pending])
        for condition in Condition.objects.exclude(pk=pending.pk):
            self.assertEqual(condition.status, Status.PUBLISHED)
            self.assertEqual(
                condition.draft_content(), condition.live_revision.content()
            )

        # Readers see the approved facts, not the change waiting for review.
        response = self.client.get(pending.get_absolute_url())

        self.assertContains(response, "Facts reviewed by")
        self.assertContains(response, facts.reviewer_byline)
        self.assertContains(response, "Autoimmune myasthenia gravis")
        self.assertNotContains(response, "Erb–Goldflam")

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

    @override_settings(DEBUG=True)  # refused with DEBUG off
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

        def state() -> tuple:
            return (
                Question.objects.count(),
                ReviewEvent.objects.count(),
                ConditionRevision.objects.count(),
                list(
                    Condition.objects.order_by("pk").values_list(
                        "status", "draft_version", "live_revision", "last_review"
                    )
                ),
                TOTPDevice.objects.count(),
            )

        before = state()

        output = self.load()

        self.assertIn("already loaded", output)
        self.assertEqual(state(), before)

    def test_it_refuses_to_run_without_the_catalogue(self):
        with override_settings(DEBUG=True), self.assertRaises(CommandError) as raised:
            call_command("load_demo", stdout=StringIO())

        self.assertIn("run manage.py import_terminology first", str(raised.exception))
        self.assertIn(
            "no current release of GARD, ICD-10-CM, ORPHA", str(raised.exception)
        )
        self.assertEqual(get_user_model().objects.count(), 0)
        self.assertEqual(Condition.objects.count(), 0)

    def test_it_refuses_to_run_without_debug(self):
        with override_settings(DEBUG=False), self.assertRaises(CommandError) as raised:
            call_command("load_demo", stdout=StringIO())
        self.assertIn("DEBUG=true", str(raised.exception))
        self.assertEqual(get_user_model().objects.count(), 0)


class DemoContentTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        load_sample()

    def test_the_demo_criteria_sets_import_and_pass_the_checks(self):
        batch = interchange.load_batch([DEMO_DIR])
        self.assertEqual(batch.problems, [])

        interchange.apply_batch(batch, user=self.writer)

        with_criteria = Condition.objects.filter(criteria_sets__isnull=False)
        self.assertEqual(
            sorted(with_criteria.values_list("slug", flat=True)),
            ["cystic-fibrosis", "poems-syndrome"],
        )
        for condition in with_criteria:
            with self.subTest(condition=condition.slug):
                content = condition.draft_content()
                for criteria_set in content["criteria"]:
                    self.assertTrue(criteria_set["applies_to"])
                    self.assertTrue(
                        all(g["count_rule"] for g in criteria_set["groups"])
                    )
                checks = condition_checks(content)
                self.assertEqual(
                    [c.level for c in checks if c.name == "Diagnostic criteria"], [OK]
                )
