"""Two reviewers press "approve" at the same moment: one revision, not two.
Twenty at once, trial after trial: one revision and one approval in each.

Runs on both databases: PostgreSQL serialises them with the row lock
(SELECT … FOR UPDATE), SQLite with BEGIN IMMEDIATE transactions. `make faults`
runs 100 trials against a private PostgreSQL.
"""

import threading

import pytest
from django.db import connection, connections

from answers import services
from answers.exceptions import InvalidTransition, StaleDraft
from answers.models import AnswerRevision, Question, ReviewEvent, Status
from answers.roles import REVIEWER_GROUP, WRITER_GROUP
from devdata.personas import Crowd, draft, make_crowd, make_personas

TRIALS = 10
CROWD = 20


def run_at_once(*actions):
    """Run each action in its own thread (own database connection), together."""
    barrier = threading.Barrier(len(actions))
    outcomes = [None] * len(actions)

    def worker(index, action):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = action()
        except Exception as exc:
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=worker, args=(i, a)) for i, a in enumerate(actions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_approving_at_once_make_one_revision():
    people = type("People", (), {})
    make_personas(people)
    question = draft(people.writer)
    services.submit_for_review(item=question, user=people.writer)
    version = question.draft_version

    def approve_as(user):
        return lambda: services.approve(
            item=Question.objects.get(pk=question.pk),
            user=user,
            expected_version=version,
            coi_confirmed=True,
        )

    outcomes = run_at_once(
        approve_as(people.reviewer), approve_as(people.second_reviewer)
    )

    revisions = [o for o in outcomes if isinstance(o, AnswerRevision)]
    refusals = [o for o in outcomes if isinstance(o, InvalidTransition)]
    assert len(revisions) == 1, outcomes
    assert len(refusals) == 1, outcomes
    assert "not waiting for review" in str(refusals[0])
    assert AnswerRevision.objects.filter(question=question).count() == 1
    assert (
        ReviewEvent.objects.filter(
            question=question, action=ReviewEvent.Action.APPROVED
        ).count()
        == 1
    )
    question.refresh_from_db()
    assert question.status == Status.PUBLISHED
    assert question.live_revision == revisions[0]
    assert connection.vendor in {"postgresql", "sqlite"}


@pytest.mark.django_db(transaction=True)
def test_two_editors_saving_at_once_lose_nothing():
    people = type("People", (), {})
    make_personas(people)
    question = draft(people.writer)

    def save_as(user, text):
        def action():
            mine = Question.objects.get(pk=question.pk)
            mine.short_answer = text
            return services.save_draft(item=mine, user=user, expected_version=1)

        return action

    outcomes = run_at_once(
        save_as(people.writer, "Wendy's wording."),
        save_as(people.reviewer, "Rita's wording."),
    )

    saved = [o for o in outcomes if isinstance(o, Question)]
    refused = [o for o in outcomes if isinstance(o, StaleDraft)]
    assert len(saved) == 1 and len(refused) == 1, outcomes
    question.refresh_from_db()
    assert question.draft_version == 2
    assert question.short_answer == saved[0].short_answer
    assert question.events.filter(action=ReviewEvent.Action.EDITED).count() == 2


@pytest.mark.django_db(transaction=True)
def test_twenty_reviewers_approving_at_once_make_one_approval_in_every_trial(
    report_figures,
):
    (writer,) = make_crowd("writer", 1, group=WRITER_GROUP)
    reviewers = make_crowd("reviewer", CROWD, group=REVIEWER_GROUP, reviewers=True)

    def approve_as(user, question):
        return lambda: services.approve(
            item=Question.objects.get(pk=question.pk),
            user=user,
            expected_version=question.draft_version,
            coi_confirmed=True,
        )

    clean_trials = refusals = 0
    with Crowd(CROWD) as crowd:
        for _ in range(TRIALS):
            question = draft(writer)
            services.submit_for_review(item=question, user=writer)

            outcomes = crowd.run([approve_as(user, question) for user in reviewers])

            approved = [o for o in outcomes if isinstance(o, AnswerRevision)]
            refused = [o for o in outcomes if isinstance(o, InvalidTransition)]
            assert (len(approved), len(refused)) == (1, CROWD - 1), outcomes
            assert AnswerRevision.objects.filter(question=question).count() == 1
            events = ReviewEvent.objects.filter(question=question)
            assert events.filter(action=ReviewEvent.Action.APPROVED).count() == 1
            question.refresh_from_db()
            assert question.live_revision == approved[0]
            clean_trials += 1
            refusals += len(refused)

    report_figures(
        f"approval ({connection.vendor}): {TRIALS} trials x {CROWD} reviewers at "
        f"once: {clean_trials} with exactly one revision and one approval event, "
        f"{refusals} refusals ('not waiting for review'), 0 errors"
    )
