"""Posting through the form reads the member's profile once (the share view
hands it to `post_experience`) and sends the moderators' mail without reading
it back: fewer statements a post (issue 16: at most 12), the same checks."""

import uuid

from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from community import services
from community.exceptions import NotAllowed
from community.models import Experience, ExperienceStatus
from devdata.personas import PersonasTestCase, draft, make_condition, publish

STORY = (
    "I was diagnosed two years ago after a long search. The tingling in my feet "
    "came first, and the tiredness later."
)


class PostingReadsTheMemberOnceTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        publish(
            draft(cls.writer, cls.condition), writer=cls.writer, reviewer=cls.reviewer
        )
        cls.share_url = reverse("community:share", args=["poems-syndrome"])

    def setUp(self) -> None:
        cache.clear()  # rate-limit counters

    def form_data(self) -> dict:
        return {
            "relation": "lives_with",
            "question": "",
            "body": STORY,
            "submission_key": str(uuid.uuid4()),
            "post": "1",
        }

    def test_the_form_reads_the_member_once_and_the_mail_is_not_read_back(self):
        self.client.force_login(self.member)
        sql = []

        def record(execute, statement, params, many, context):
            sql.append(statement)
            return execute(statement, params, many, context)

        # (CaptureQueriesContext would lose what comes before the request
        # starts: the test client's request_started resets the query log.)
        with (
            connection.execute_wrapper(record),
            self.captureOnCommitCallbacks(execute=True),
        ):
            response = self.client.post(self.share_url, self.form_data())

        self.assertRedirects(response, reverse("community:me"))
        experience = Experience.objects.get()
        self.assertEqual(experience.status, ExperienceStatus.PENDING)
        self.assertEqual(experience.author, self.member.member)
        self.assertEqual(mail.outbox[0].to, ["mina@example.org"])
        member_reads = [s for s in sql if 'FROM "community_member" WHERE' in s]
        self.assertEqual(len(member_reads), 1, sql)
        mail_statements = [s.split()[0] for s in sql if "outbox_outboundemail" in s]
        self.assertEqual(mail_statements, ["INSERT", "UPDATE", "UPDATE"])
        # The post's transaction (a savepoint inside the test's own) and no
        # savepoint of its own around the insert: a form sent twice rolls the
        # whole transaction back instead.
        savepoints = [s for s in sql if s.startswith("SAVEPOINT")]
        self.assertEqual(len(savepoints), 1, sql)

    def test_it_refuses_another_users_member_profile(self):
        with self.assertRaises(NotAllowed):
            services.post_experience(
                user=self.member,
                member=self.other_member.member,
                condition=self.condition,
                question=None,
                relation="lives_with",
                body=STORY,
                submission_key=uuid.uuid4(),
            )

        self.assertFalse(Experience.objects.exists())

    def test_a_member_handed_in_still_has_its_checks(self):
        member = self.member.member
        member.posting_suspended_at = member.created_at
        with self.assertRaises(NotAllowed):
            services.post_experience(
                user=self.member,
                member=member,
                condition=self.condition,
                question=None,
                relation="lives_with",
                body=STORY,
                submission_key=uuid.uuid4(),
            )

        self.assertFalse(Experience.objects.exists())
