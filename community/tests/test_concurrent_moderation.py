"""Twenty moderators approve the same pending post at the same moment: one
decision, one ModerationEvent, one email, trial after trial; the others are
told the post is no longer pending.

PostgreSQL serialises them with the row lock, SQLite with BEGIN IMMEDIATE.
`make faults` runs 100 trials against a private PostgreSQL.
"""

import pytest
from django.core import mail
from django.db import connection

from answers.roles import MODERATOR_GROUP
from community import services
from community.exceptions import InvalidTransition
from community.models import Experience, ExperienceStatus, ModerationEvent
from community.tests.helpers import share
from devdata.personas import Crowd, make_crowd, make_member, published_condition

TRIALS = 10
CROWD = 20


@pytest.mark.django_db(transaction=True)
def test_twenty_moderators_at_once_make_one_decision_in_every_trial(report_figures):
    condition = published_condition()
    moderators = make_crowd("moderator", CROWD, group=MODERATOR_GROUP)

    def approve_as(user, post):
        return lambda: services.approve_experience(
            user=user, experience=Experience.objects.get(pk=post.pk)
        )

    clean_trials = refusals = 0
    with Crowd(CROWD) as crowd:
        for trial in range(TRIALS):
            # A new member each time: three approved posts would make a member
            # trusted, and their next post would skip the queue.
            author = make_member(f"member{trial}", password=None)
            post = share(author, condition)
            assert post.status == ExperienceStatus.PENDING
            mail.outbox.clear()

            outcomes = crowd.run([approve_as(user, post) for user in moderators])

            decided = [o for o in outcomes if isinstance(o, Experience)]
            refused = [o for o in outcomes if isinstance(o, InvalidTransition)]
            assert (len(decided), len(refused)) == (1, CROWD - 1), outcomes
            assert "cannot become published" in str(refused[0])
            events = ModerationEvent.objects.filter(experience=post)
            assert list(events.values_list("action", flat=True)) == [
                ModerationEvent.Action.APPROVED
            ]
            post.refresh_from_db()
            assert post.status == ExperienceStatus.PUBLISHED
            assert [m.subject for m in mail.outbox] == ["Your post is published"]
            clean_trials += 1
            refusals += len(refused)

    report_figures(
        f"moderation ({connection.vendor}): {TRIALS} trials x {CROWD} moderators "
        f"at once: {clean_trials} with exactly one decision, one ModerationEvent "
        f"and one email, {refusals} refusals, 0 errors"
    )
