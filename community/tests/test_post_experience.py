import uuid

from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from community import services
from community.exceptions import CommunityError, NotAllowed, RateLimited
from community.models import Experience, ExperienceStatus, MemberCondition
from devdata.personas import PersonasTestCase, draft, make_condition, publish

STORY = (
    "I was diagnosed two years ago after a long search. The tingling in my feet "
    "came first, and the tiredness later."
)


class PostingTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        cls.question = draft(cls.writer, cls.condition, slug="is-it-contagious")
        publish(cls.question, writer=cls.writer, reviewer=cls.reviewer)
        cls.share_url = reverse("community:share", args=["poems-syndrome"])

    def setUp(self) -> None:
        cache.clear()  # rate-limit counters

    def post(self, user=None, body: str = STORY, key=None, **extra) -> Experience:
        return services.post_experience(
            user=user or self.member,
            condition=self.condition,
            question=extra.pop("question", self.question),
            relation="lives_with",
            body=body,
            submission_key=key or uuid.uuid4(),
            **extra,
        )

    def test_a_new_members_post_waits_for_moderation(self):
        with self.captureOnCommitCallbacks(execute=True):
            experience = self.post()

        self.assertEqual(experience.status, ExperienceStatus.PENDING)
        self.assertFalse(Experience.objects.published().exists())
        self.assertEqual(
            MemberCondition.objects.get(member=self.member.member).relation,
            "lives_with",
        )
        self.assertEqual(mail.outbox[0].to, ["mina@example.org"])
        self.assertIn("A moderator reads every new post", mail.outbox[0].body)

    def test_after_three_approved_posts_a_member_publishes_directly(self):
        for _ in range(3):
            services.approve_experience(user=self.moderator, experience=self.post())

        fourth = self.post()

        self.assertEqual(fourth.status, ExperienceStatus.PUBLISHED)
        self.assertTrue(fourth.needs_review)
        self.assertIsNotNone(fourth.published_at)

    def test_posts_a_moderator_removed_do_not_build_trust(self):
        for _ in range(3):
            experience = self.post()
            services.approve_experience(user=self.moderator, experience=experience)
        services.remove_experience(
            user=self.moderator, experience=experience, reason="Advertising"
        )
        self.assertEqual(self.post().status, ExperienceStatus.PENDING)

    def test_a_double_submit_creates_one_post(self):
        key = uuid.uuid4()
        first = self.post(key=key)
        second = self.post(key=key)
        self.assertEqual(first.pk, second.pk)
        self.assertEqual(Experience.objects.count(), 1)

    def test_the_question_must_be_a_live_question_of_the_condition(self):
        other = draft(self.writer, make_condition(), slug="elsewhere")
        publish(other, writer=self.writer, reviewer=self.reviewer)
        unpublished = draft(self.writer, self.condition, slug="not-yet")
        for question in (other, unpublished):
            with (
                self.subTest(question=question.slug),
                self.assertRaises(CommunityError),
            ):
                self.post(question=question)
        self.assertFalse(Experience.objects.exists())

    def test_length_limits(self):
        for body in ["Too short.", "x" * 5001]:
            with self.subTest(length=len(body)), self.assertRaises(CommunityError):
                self.post(body=body)

    def test_staff_without_a_profile_cannot_post(self):
        with self.assertRaises(NotAllowed):
            self.post(user=self.writer)

    def test_posting_is_rate_limited(self):
        for _ in range(services.POST_LIMIT[0]):
            self.post()
        with self.assertRaises(RateLimited) as raised:
            self.post()
        self.assertGreater(raised.exception.retry_after, 0)
        self.assertEqual(Experience.objects.count(), services.POST_LIMIT[0])

    # Through the form.

    def form_data(self, **overrides) -> dict:
        return {
            "relation": "caregiver",
            "question": self.question.pk,
            "body": STORY,
            "submission_key": str(uuid.uuid4()),
            "post": "1",
            **overrides,
        }

    def test_anonymous_visitors_are_sent_to_log_in(self):
        response = self.client.get(self.share_url)
        self.assertEqual(response.status_code, 302)
        self.assertIn("/accounts/login/", response["Location"])

    def test_the_form_posts_and_sends_the_member_to_their_page(self):
        self.client.force_login(self.member)
        page = self.client.get(self.share_url + "?question=is-it-contagious")
        self.assertContains(page, "Share your experience of POEMS syndrome")
        self.assertContains(page, f'value="{self.question.pk}" selected')

        response = self.client.post(self.share_url, self.form_data())

        self.assertRedirects(response, reverse("community:me"))
        experience = Experience.objects.get()
        self.assertEqual(experience.relation, "caregiver")
        self.assertEqual(experience.question, self.question)

    def test_the_form_shows_field_errors(self):
        self.client.force_login(self.member)
        page = self.client.post(
            self.share_url, self.form_data(body="Short", relation="")
        )
        self.assertContains(page, "Ensure this value has at least 30 characters")
        self.assertContains(page, "This field is required")
        self.assertFalse(Experience.objects.exists())

    def test_preview_shows_the_rendered_text_and_saves_nothing(self):
        self.client.force_login(self.member)
        data = self.form_data(body=STORY + "\n\n- *tired* mornings", preview="1")
        del data["post"]
        page = self.client.post(self.share_url, data)
        self.assertContains(page, "<li><em>tired</em> mornings</li>", html=True)
        self.assertFalse(Experience.objects.exists())

    def test_identifying_details_need_a_second_look(self):
        self.client.force_login(self.member)
        body = STORY + " Write to me at mina.smith@example.com or call 07700 900123."
        data = self.form_data(body=body)

        warned = self.client.post(self.share_url, data)

        self.assertContains(warned, "this could identify you or someone else")
        self.assertContains(warned, "an email address")
        self.assertContains(warned, "a phone number")
        self.assertFalse(Experience.objects.exists())
        confirmed = self.client.post(
            self.share_url, {**data, "confirm_identifying": "on"}
        )
        self.assertRedirects(confirmed, reverse("community:me"))
        self.assertEqual(Experience.objects.count(), 1)

    def test_the_rate_limit_answers_429(self):
        self.client.force_login(self.member)
        for _ in range(services.POST_LIMIT[0]):
            self.client.post(self.share_url, self.form_data())
        response = self.client.post(self.share_url, self.form_data())
        self.assertEqual(response.status_code, 429)
        self.assertIn("Retry-After", response)
        self.assertContains(response, "Please wait", status_code=429)
