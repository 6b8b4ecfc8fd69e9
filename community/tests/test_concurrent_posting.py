"""The same experience form sent ten times at once (a double-click, a browser
retrying, a member pressing "post" again on a slow network): one post, and
every copy is answered as a success with that post, trial after trial.

The unique (author, submission_key) constraint makes the database pick the
winner; `make faults` sends the form over HTTP 100 times.
"""

import uuid

import pytest
from django.db import connection

from community import services
from community.models import Experience
from devdata.personas import Crowd, make_member, published_condition

TRIALS = 10
CROWD = 10
STORY = (
    "The first sign was tingling in my feet, then tiredness that sleep did not "
    "fix. It took a long time to get a name for it."
)


@pytest.mark.django_db(transaction=True)
def test_one_form_sent_ten_times_at_once_makes_one_post_in_every_trial(
    report_figures,
):
    condition = published_condition()

    def send(member, key):
        return lambda: services.post_experience(
            user=member,
            condition=condition,
            question=None,
            relation="lives_with",
            body=STORY,
            submission_key=key,
        )

    clean_trials = 0
    with Crowd(CROWD) as crowd:
        for trial in range(TRIALS):
            member = make_member(f"poster{trial}", password=None)
            key = uuid.uuid4()

            outcomes = crowd.run([send(member, key)] * CROWD)

            # Every copy succeeds, with the same post. Counted one by one, the
            # ten copies would pass the limit of five posts an hour and half
            # of them would be refused.
            assert all(isinstance(o, Experience) for o in outcomes), outcomes
            assert len({o.pk for o in outcomes}) == 1
            assert Experience.objects.filter(author__user=member).count() == 1
            clean_trials += 1

    report_figures(
        f"posting ({connection.vendor}): {TRIALS} trials x the same form sent "
        f"{CROWD} times at once: {clean_trials} with exactly one post, "
        f"{TRIALS * CROWD} successes, 0 refusals"
    )
