"""`{% experience_post %}` (community/templatetags/post_html.py) prints what
the template it replaced printed, character for character, for every state a
post can be in, every reader and every place it is shown. The templates it
replaced are kept in community/tests/reference/ as the reference."""

import itertools
from datetime import UTC, datetime
from pathlib import Path

from django.contrib.auth.models import AnonymousUser
from django.template import Context, Engine
from django.test import RequestFactory

from answers.models import Reviewer
from community.models import Audience, Experience, ExperienceStatus, Member
from community.templatetags.post_html import experience_post
from community.tests.helpers import share_published
from devdata.personas import PersonasTestCase, draft, make_poems, publish

REFERENCE = Path(__file__).parent / "reference"
# Late in the evening UTC: the dates print in the site's time zone.
AT = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)

NOTE = 'Ask your team about <nerve> tests & "what they show".'


def reference_engine() -> Engine:
    """The replaced templates, with the builtins every template has."""
    return Engine(
        loaders=[
            (
                "django.template.loaders.locmem.Loader",
                {
                    f"community/includes/{name}": (REFERENCE / name).read_text()
                    for name in ("experience.html", "reviewer_note.html")
                },
            )
        ],
        builtins=["diseasemaps.lib.template_filters"],
    )


class PostHtmlTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.condition = make_poems()
        question = draft(
            cls.writer, cls.condition, text='Is it <contagious> & "catching"?'
        )
        publish(question, writer=cls.writer, reviewer=cls.reviewer, at=AT)
        cls.on_question = share_published(
            cls.member, cls.condition, question, moderator=cls.moderator
        )
        cls.on_condition = share_published(
            cls.other_member,
            cls.condition,
            moderator=cls.moderator,
            relation="caregiver",
        )
        Experience.objects.update(published_at=AT)
        cls.template = reference_engine().get_template(
            "community/includes/experience.html"
        )

    def post(self, pk: int, **changes) -> Experience:
        Experience.objects.filter(pk=pk).update(**changes)
        return Experience.objects.select_related(
            "author",
            "question__live_revision",
            "question__condition",
            "reviewer_note_by",
        ).get(pk=pk)

    def both(self, post, *, reader, show_question, can_report) -> tuple[str, str]:
        request = RequestFactory().get(
            "/conditions/poems-syndrome/experiences/?page=2&x=<y>"
        )
        request.user = reader
        values = {
            "experience": post,
            "show_question": show_question,
            "can_report": can_report,
            "request": request,
            "csrf_token": "a-token-for-the-form",
        }
        expected = self.template.render(Context(values))
        got = experience_post(
            Context(values), post, show_question=show_question, can_report=can_report
        )
        return got, expected

    def test_every_state_reader_and_place_prints_as_the_template_did(self):
        reviewer = Reviewer.objects.first()
        states = [
            {"status": ExperienceStatus.PUBLISHED},
            {"status": ExperienceStatus.PUBLISHED, "audience": Audience.MEMBERS},
            {"status": ExperienceStatus.REDACTED},
            {"status": ExperienceStatus.PENDING},
            {"status": ExperienceStatus.HIDDEN},
            {
                "status": ExperienceStatus.PUBLISHED,
                "reviewer_note": NOTE,
                "reviewer_note_by": reviewer,
                "reviewer_note_at": AT,
            },
        ]
        readers = [
            AnonymousUser(),
            self.member.__class__.objects.get(pk=self.member.pk),
            self.other_member.__class__.objects.get(pk=self.other_member.pk),
        ]
        compared = 0
        for (
            original,
            state,
            reader,
            former,
            muted,
            show_question,
            can_report,
        ) in itertools.product(
            [self.on_question, self.on_condition],
            states,
            readers,
            [False, True],
            [False, True],
            [False, True],
            [False, True],
        ):
            Member.objects.filter(pk=original.author_id).update(is_former=former)
            post = self.post(
                original.pk,
                **{
                    "audience": Audience.PUBLIC,
                    "reviewer_note": "",
                    "reviewer_note_by": None,
                    "reviewer_note_at": None,
                    **state,
                },
            )
            if muted:
                post.muted = True
            with self.subTest(
                post=original.pk,
                state=state.get("status"),
                extra=sorted(set(state) - {"status"}),
                reader=str(reader),
                former=former,
                muted=muted,
                show_question=show_question,
                can_report=can_report,
            ):
                got, expected = self.both(
                    post,
                    reader=reader,
                    show_question=show_question,
                    can_report=can_report,
                )
                self.assertEqual(got, expected)
                compared += 1
        self.assertEqual(compared, 2 * 6 * 3 * 2 * 2 * 2 * 2)

    def test_the_matrix_reaches_every_part_of_the_markup(self):
        # The comparison above means something only if the parts appear.
        reviewer = Reviewer.objects.first()
        post = self.post(
            self.on_question.pk,
            audience=Audience.MEMBERS,
            reviewer_note=NOTE,
            reviewer_note_by=reviewer,
            reviewer_note_at=AT,
        )
        post.muted = True
        got, _ = self.both(
            post,
            reader=self.other_member.__class__.objects.get(pk=self.other_member.pk),
            show_question=True,
            can_report=True,
        )
        for part in [
            "reviewer-note",
            "&lt;nerve&gt; tests &amp; &quot;what they show&quot;.",
            "audience-badge",
            "from a member you muted",
            "Is it &lt;contagious&gt; &amp; &quot;catching&quot;?",
            "Report this post",
            'name="csrfmiddlewaretoken" value="a-token-for-the-form"',
            'value="/conditions/poems-syndrome/experiences/?page=2&amp;x=%3Cy%3E"',
            "Unmute",
        ]:
            with self.subTest(part):
                self.assertIn(part, got)
