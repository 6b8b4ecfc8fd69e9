"""Prepared queries (diseasemaps/lib/prepared.py): the SQL of a fixed-shape
queryset built once per process, run with each call's parameters, loading
what the queryset itself would load; and refused where a value could be
frozen into the SQL."""

from datetime import UTC, datetime

from django.db import connection
from django.db.models import Count, F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from answers.models import Question, ReviewEvent
from devdata.personas import PersonasTestCase, draft, make_poems, publish
from diseasemaps.lib.prepared import Prepared, PreparedQueryError

AT = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)


def _answers(condition_slug, slug):
    return (
        Question.objects.published()
        .select_related("condition", "live_revision", "last_review__reviewer")
        .only(
            "next_review_due",
            "condition__public_name",
            "live_revision__slug",
            "live_revision__question_text",
            "live_revision__content_updated_at",
            "last_review__created_at",
            "last_review__reviewer__slug",
        )
        .filter(condition__public_slug=condition_slug, live_revision__slug=slug)
        .order_by("pk")[:1]
    )


def _seen(question: Question) -> tuple:
    """What a page reads of a loaded question, and which fields it deferred."""
    return (
        question.pk,
        question.next_review_due,
        question.condition.public_name,
        question.live_revision.slug,
        question.live_revision.question_text,
        question.live_revision.content_updated_at,
        question.last_review.created_at,
        question.last_review.reviewer.slug,
        sorted(question.get_deferred_fields()),
        sorted(question.live_revision.get_deferred_fields()),
    )


def _event_seen(event) -> tuple:
    return (
        event.pk,
        event.action,
        event.created_at,
        event.revision.number,
        event.events_of_question,
        event.number_plus,
    )


class PreparedTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.condition = make_poems()
        cls.questions = []
        for slug in ["is-it-contagious", "how-is-it-treated"]:
            question = draft(cls.writer, cls.condition, slug=slug, at=AT)
            publish(question, writer=cls.writer, reviewer=cls.reviewer, at=AT)
            cls.questions.append(question)
        cls.hidden = draft(cls.writer, cls.condition, slug="not-yet-approved")
        cls.condition.refresh_from_db()

    def test_it_loads_what_the_queryset_loads(self):
        answers = Prepared("answers at", _answers, condition_slug=str, slug=str)
        slug = self.condition.public_slug
        for question in [*self.questions, self.hidden]:
            with self.subTest(slug=question.slug):
                expected = [_seen(q) for q in _answers(slug, question.slug)]
                self.assertEqual(len(expected), question is not self.hidden)
                got = [
                    _seen(q) for q in answers(condition_slug=slug, slug=question.slug)
                ]
                self.assertEqual(got, expected)
        (second,) = answers(condition_slug=slug, slug=self.questions[1].slug)
        self.assertEqual(second.live_revision.slug, "how-is-it-treated")
        self.assertEqual(answers(condition_slug=slug, slug="not-yet-approved"), [])
        self.assertEqual(answers(condition_slug="nothing-here", slug="x"), [])

    def test_annotations_dates_and_a_parameter_used_twice(self):
        # A subquery repeats the parameter; annotations and datetimes (which
        # SQLite converts from text) come back as the queryset gives them.
        def build(question_id):
            events = ReviewEvent.objects.filter(
                question_id=question_id, revision__isnull=False
            )
            return (
                events.annotate(
                    events_of_question=Count("question__events"),
                    number_plus=F("revision__number") + 1,
                )
                .select_related("revision")
                .order_by("-created_at", "-pk")
            )

        prepared = Prepared("events", build, question_id=int)
        for question in self.questions:
            with self.subTest(question=question.slug):
                expected = [_event_seen(e) for e in build(question.pk)]
                got = [_event_seen(e) for e in prepared(question_id=question.pk)]
                self.assertTrue(expected)
                self.assertEqual(got, expected)
                self.assertEqual(got[0][2], AT)
                self.assertIsNotNone(got[0][2].tzinfo)

    def test_values_querysets_give_dicts(self):
        def build(condition_id):
            return (
                Question.objects.filter(condition_id=condition_id)
                .values("condition_id", "live_revision__slug")
                .annotate(events=Count("events"))
                .order_by("live_revision__slug")
            )

        prepared = Prepared("per slug", build, condition_id=int)
        expected = list(build(self.condition.pk))
        self.assertEqual(len(expected), 3)
        self.assertEqual(prepared(condition_id=self.condition.pk), expected)
        self.assertIsInstance(prepared(condition_id=self.condition.pk)[0], dict)

    def test_the_queryset_is_built_and_compiled_once(self):
        built = []

        def build(condition_id):
            built.append(condition_id)
            return Question.objects.published().filter(condition_id=condition_id)

        prepared = Prepared("live questions", build, condition_id=int)
        for _ in range(3):
            self.assertEqual(
                sorted(q.pk for q in prepared(condition_id=self.condition.pk)),
                sorted(q.pk for q in self.questions),
            )
        # Two compilations with stand-ins (the second checks the first),
        # one to learn the model; never with a reader's value.
        self.assertEqual(len(built), 3)
        self.assertNotIn(self.condition.pk, built)
        with CaptureQueriesContext(connection) as queries:
            prepared(condition_id=self.condition.pk)
        self.assertEqual(len(queries), 1)

    def test_a_parameter_written_into_the_sql_is_refused(self):
        prepared = Prepared(
            "sliced", lambda count: Question.objects.all()[:count], count=int
        )
        with self.assertRaisesMessage(PreparedQueryError, "sliced"):
            prepared(count=1)

    def test_a_parameter_its_lookup_changes_is_refused(self):
        prepared = Prepared(
            "contains",
            lambda slug: Question.objects.filter(slug__contains=slug),
            slug=str,
        )
        with self.assertRaisesMessage(PreparedQueryError, "not among"):
            prepared(slug="contagious")

    def test_a_query_that_depends_on_the_moment_it_is_built_is_refused(self):
        # A datetime differs between the two compilations; a date does not,
        # and is refused for what it may be.
        for name, now in [("now", timezone.now), ("today", timezone.localdate)]:
            prepared = Prepared(
                name,
                lambda condition_id, now=now: Question.objects.filter(
                    condition_id=condition_id, next_review_due__lte=now()
                ),
                condition_id=int,
            )
            with self.subTest(name), self.assertRaises(PreparedQueryError):
                prepared(condition_id=self.condition.pk)
        dated = Prepared(
            "updated",
            lambda condition_id: Question.objects.filter(
                condition_id=condition_id,
                live_revision__content_updated_at__lte=timezone.now(),
            ),
            condition_id=int,
        )
        with self.assertRaisesMessage(PreparedQueryError, "moment it is built"):
            dated(condition_id=self.condition.pk)

    def test_related_managers_and_prefetching_are_refused(self):
        condition = self.condition
        for name, build in [
            ("related", lambda: condition.questions.all()),
            ("prefetch", lambda: Question.objects.prefetch_related("references")),
            ("values_list", lambda: Question.objects.values_list("pk")),
        ]:
            with self.subTest(name), self.assertRaises(PreparedQueryError):
                Prepared(name, build)()

    def test_wrong_parameters_are_a_type_error(self):
        prepared = Prepared("by id", lambda pk: Question.objects.filter(pk=pk), pk=int)
        with self.assertRaises(TypeError):
            prepared(id=1)
        with self.assertRaisesMessage(PreparedQueryError, "not datetime"):
            Prepared("dated", lambda at: Question.objects.all(), at=datetime)
