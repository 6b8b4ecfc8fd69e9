"""The pages of a medical review (issue 18): the moderator's button, the
reviewers' queue and decision page in the admin, the note readers see above
the post, what the author sees on their page, and the queries they cost."""

import uuid
from unittest import mock

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from answers import versions
from community import services
from community.models import Experience, ExperienceStatus, MedicalReview
from community.tests.helpers import share, share_published
from devdata.personas import (
    PersonasTestCase,
    draft,
    make_crowd,
    make_member,
    make_poems,
    make_reviewer,
    publish,
)
from diseasemaps.lib.markdown import render_member

ADVICE = (
    "Stop taking your steroids, they are poison. I stopped and I have never felt "
    "better in my life."
)
NOTE = "Stopping steroids suddenly can be dangerous. Talk to your own doctor first."


class MedicalReviewPagesTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.condition = make_poems()
        question = draft(cls.writer, cls.condition, slug="is-it-contagious")
        publish(question, writer=cls.writer, reviewer=cls.reviewer)
        cls.posts_url = reverse("community:experiences", args=[cls.condition.slug])

    def setUp(self) -> None:
        cache.clear()
        self.post = share(self.member, self.condition, body=ADVICE)

    def send(self, post=None) -> Experience:
        post = post or self.post
        services.send_to_medical_reviewer(
            user=self.moderator, experience=post, question="Safe to publish?"
        )
        post.refresh_from_db()
        return post

    def review_url(self, post=None) -> str:
        return reverse(
            "admin:community_experience_medical_review", args=[(post or self.post).pk]
        )

    # --- The moderator -------------------------------------------------------

    def test_the_moderate_page_offers_the_reviewer_first_for_harmful_advice(self):
        self.client.force_login(self.moderator)
        url = reverse("admin:community_experience_moderate", args=[self.post.pk])
        page = self.client.get(url)
        self.assertContains(page, 'id="harmful-advice"')
        buttons = page.content.decode().split('name="decision" value="')[1:]
        self.assertTrue(buttons[0].startswith("send_to_reviewer"), buttons[0][:40])

        response = self.client.post(
            url, {"decision": "send_to_reviewer", "reason": "Safe to publish?"}
        )

        self.assertEqual(response.status_code, 302)
        self.post.refresh_from_db()
        self.assertEqual(self.post.medical_review, MedicalReview.ASKED)
        page = self.client.get(url)
        self.assertContains(page, 'id="with-reviewer"')
        self.assertNotContains(page, 'value="approve"')
        self.assertNotContains(page, 'value="send_to_reviewer"')

    def test_it_is_offered_for_an_ordinary_post_too_but_not_first(self):
        ordinary = share_published(
            self.other_member, self.condition, moderator=self.moderator
        )
        self.client.force_login(self.moderator)
        page = self.client.get(
            reverse("admin:community_experience_moderate", args=[ordinary.pk])
        )
        self.assertNotContains(page, 'id="harmful-advice"')
        buttons = page.content.decode().split('name="decision" value="')[1:]
        self.assertEqual(buttons[-1].split('"')[0], "send_to_reviewer")

    def test_moderators_see_it_in_their_queue_but_not_as_a_new_post(self):
        self.send()
        self.client.force_login(self.moderator)
        changelist = reverse("admin:community_experience_changelist")
        medical = self.client.get(changelist + "?queue=medical")
        self.assertContains(medical, f"/{self.post.pk}/moderate/")
        pending = self.client.get(changelist + "?queue=pending")
        self.assertNotContains(pending, f"/{self.post.pk}/moderate/")

    # --- The reviewer --------------------------------------------------------

    def test_the_reviewer_finds_it_from_the_admin_home_and_the_queue(self):
        self.send()
        self.client.force_login(self.reviewer)
        home = self.client.get(reverse("admin:index"))
        self.assertContains(home, 'id="medical-review-queue"')
        self.assertContains(home, "Posts a moderator sent for a medical look</a>: 1")
        queue = self.client.get(reverse("admin:community_experience_medical_queue"))
        self.assertContains(queue, self.review_url())
        self.assertContains(queue, "stop_treatment")
        page = self.client.get(self.review_url())
        self.assertContains(page, "Safe to publish?")
        self.assertContains(page, "Mo asks")
        self.assertContains(page, "harmful_advice.stop_treatment")
        self.assertContains(page, render_member(ADVICE))
        self.assertContains(page, 'name="seen"')

    def test_others_cannot_open_the_reviewers_pages(self):
        self.send()
        for user in (self.moderator, self.writer):
            self.client.force_login(user)
            for url in (
                reverse("admin:community_experience_medical_queue"),
                self.review_url(),
            ):
                with self.subTest(user=user.username, url=url):
                    self.assertEqual(self.client.get(url).status_code, 403)
            home = self.client.get(reverse("admin:index"))
            self.assertNotContains(home, 'id="medical-review-queue"')

    def test_a_post_never_sent_has_no_review_page(self):
        self.client.force_login(self.reviewer)
        self.assertEqual(self.client.get(self.review_url()).status_code, 404)

    def test_the_reviewer_publishes_from_the_page(self):
        self.send()
        self.client.force_login(self.reviewer)
        page = self.client.get(self.review_url())
        seen = page.context["form"].initial["seen"]

        response = self.client.post(
            self.review_url(), {"decision": "publish", "text": NOTE, "seen": seen}
        )

        self.assertRedirects(
            response,
            reverse("admin:community_experience_medical_queue"),
            fetch_redirect_response=False,
        )
        self.post.refresh_from_db()
        self.assertEqual(self.post.status, ExperienceStatus.PUBLISHED)
        self.assertEqual(self.post.reviewer_note, NOTE)
        self.assertContains(self.client.get(self.review_url()), 'id="not-waiting"')

    def test_a_stale_form_is_refused_with_a_clear_message(self):
        self.send()
        self.client.force_login(self.reviewer)
        seen = self.client.get(self.review_url()).context["form"].initial["seen"]
        services.edit_experience(
            user=self.member,
            experience=self.post,
            body=ADVICE + " Stop the infusions too.",
        )

        response = self.client.post(
            self.review_url(), {"decision": "publish", "text": NOTE, "seen": seen}
        )

        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "changed after you opened it", status_code=409)
        self.assertContains(response, "Stop the infusions too.", status_code=409)
        self.post.refresh_from_db()
        self.assertEqual(self.post.status, ExperienceStatus.PENDING)
        # The form now carries what they see, so deciding again works.
        fresh = response.context["form"].initial["seen"]
        self.assertEqual(fresh, services.review_token(self.post))
        again = self.client.post(
            self.review_url(), {"decision": "publish", "text": NOTE, "seen": fresh}
        )
        self.assertEqual(again.status_code, 302)

    def test_a_reviewer_on_their_own_post_is_refused(self):
        services.create_member(user=self.reviewer, pseudonym="RitaS", consented=True)
        own = self.send(share(self.reviewer, self.condition, body=ADVICE))
        self.client.force_login(self.reviewer)
        response = self.client.post(
            self.review_url(own),
            {
                "decision": "publish",
                "text": NOTE,
                "seen": services.review_token(own),
            },
        )
        self.assertEqual(response.status_code, 403)
        self.assertContains(response, "your own post", status_code=403)
        own.refresh_from_db()
        self.assertEqual(own.status, ExperienceStatus.PENDING)

    # --- Readers -------------------------------------------------------------

    def publish_with_note(self, post=None, *, note=NOTE, user=None) -> Experience:
        post = self.send(post)
        services.publish_with_note(
            user=user or self.reviewer,
            experience=post,
            note=note,
            seen=services.review_token(post),
        )
        post.refresh_from_db()
        return post

    def test_readers_see_the_note_above_the_post_with_the_reviewers_name(self):
        self.publish_with_note()
        for url in (self.posts_url, self.condition.get_absolute_url()):
            with self.subTest(url=url):
                page = self.client.get(url).content.decode()
                note_at = page.index(NOTE)
                self.assertLess(note_at, page.index("they are poison"))
                self.assertIn("Note from", page)
                self.assertIn(
                    f'<a href="{self.reviewer_profile.get_absolute_url()}">'
                    "Dr Rita Osei</a>, medical reviewer",
                    page,
                )

    def test_the_note_is_escaped(self):
        hostile = '<script>alert(1)</script><img src=x onerror="alert(2)"> Careful.'
        self.publish_with_note(note=hostile)
        page = self.client.get(self.posts_url)
        self.assertNotContains(page, "<script>alert(1)")
        self.assertNotContains(page, "<img src=x")
        self.assertContains(page, "&lt;script&gt;alert(1)&lt;/script&gt;")

    def test_the_experiences_page_costs_the_same_with_more_notes(self):
        self.publish_with_note()
        # As in public/tests/test_query_counts.py: the version hints outlive
        # the test, so a slow machine does not count their expiry.
        patcher = mock.patch.object(versions, "VERSION_TTL", 3600)
        patcher.start()
        self.addCleanup(patcher.stop)

        def count() -> int:
            with CaptureQueriesContext(connection) as captured:
                response = self.client.get(f"{self.posts_url}?fresh={uuid.uuid4().hex}")
            self.assertEqual(response.status_code, 200)
            return len(captured)

        def queries() -> int:
            # The fewest of three: a version hint read on a loaded machine
            # adds one query now and then; a query per note would add one
            # every time (11 against 7 without select_related).
            cache.clear()
            self.client.get(f"{self.posts_url}?warm={uuid.uuid4().hex}")
            return min(count() for _ in range(3))

        small = queries()
        reviewers = make_crowd("clinician", 4, group="Medical reviewer")
        for n, reviewer in enumerate(reviewers):
            make_reviewer(reviewer)
            author = make_member(f"sharer{n}")
            post = share(author, self.condition, body=ADVICE + f" Number {n}.")
            self.publish_with_note(post, note=f"Note number {n}.", user=reviewer)
        large = queries()
        self.assertEqual(large, small)
        self.assertContains(self.client.get(self.posts_url), "Note number 3.")

    # --- The author ----------------------------------------------------------

    def test_the_author_sees_the_edit_request_and_can_edit(self):
        post = self.send()
        reason = "Please say what you did, not what others should do."
        services.ask_author_for_edit(
            user=self.reviewer,
            experience=post,
            reason=reason,
            seen=services.review_token(post),
        )
        self.client.force_login(self.member)
        page = self.client.get(reverse("community:me"))
        self.assertContains(page, "asks you to change it")
        self.assertContains(page, reason)
        self.assertContains(page, reverse("community:edit", args=[post.pk]))

    def test_the_author_sees_that_a_reviewer_is_reading_and_the_hide_reason(self):
        post = self.send()
        self.client.force_login(self.member)
        self.assertContains(
            self.client.get(reverse("community:me")), "A medical reviewer is reading"
        )
        reason = "Stopping steroids suddenly can be life-threatening."
        services.hide_for_author(
            user=self.reviewer,
            experience=post,
            reason=reason,
            seen=services.review_token(post),
        )
        page = self.client.get(reverse("community:me"))
        self.assertContains(page, f"The reason we gave: {reason}")
        self.assertNotContains(page, "A medical reviewer is reading")
