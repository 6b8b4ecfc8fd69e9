"""The demo loader posts for its members (Mina alone writes more posts than
a member may in an hour), and two loads in one hour (a test run, a
`make run` after a reset) must both work. Its posts are not the members'
own: it counts them apart, so a demo member can still post at once."""

import uuid
from io import StringIO

from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.test import TestCase, override_settings

from answers.models import Condition
from community import services
from community.models import Member
from devdata.terminology import load_sample


class LoadDemoRateLimitTestCase(TestCase):
    def setUp(self) -> None:
        cache.clear()

    def load(self) -> None:
        with override_settings(DEBUG=True):
            call_command("load_demo", stdout=StringIO())

    def test_loading_twice_in_an_hour_works_and_members_can_still_post(self):
        load_sample()
        # A first load, undone (as another test class's, or a demo reset),
        # whose counts stay in the cache for the hour.
        with transaction.atomic():
            self.load()
            transaction.set_rollback(True)
        self.load()

        mina = Member.objects.get(pseudonym="MinaW")
        post = services.post_experience(
            user=mina.user,
            condition=Condition.objects.get(slug="poems-syndrome"),
            question=None,
            relation="lives_with",
            body="A new post by Mina, written by her after the demo loaded.",
            submission_key=uuid.uuid4(),
        )
        self.assertEqual(post.author, mina)
