"""Four people sign up at the same moment with names that look alike ("Rita
Osei", the same with a Cyrillic "і", with a zero, with "Dr"): one gets the
name, and the others are refused with the words sign-up always uses, trial
after trial. The form's check alone ran before any of them was saved, so
each saw no clash and all four kept a look-alike name (an impersonation a
moderator could not tell apart). The database constraint only catches the
same letters in another case."""

import pytest
from django.db import connection

from community import names, services
from community.exceptions import PseudonymTaken
from community.models import Member
from devdata.personas import Crowd, make_user

TRIALS = 8
LOOKALIKES = ["Rita Osei", "R\u0456ta Osei", "Rita 0sei", "Dr Rita Osei"]


def sign_up(user, name: str):
    return lambda: services.create_member(user=user, pseudonym=name, consented=True)


@pytest.mark.django_db(transaction=True)
def test_look_alike_names_signing_up_at_once_make_one_member(report_figures):
    assert len({names.pseudonym_skeleton(n) for n in LOOKALIKES[:3]}) == 1
    clean = 0
    with Crowd(len(LOOKALIKES)) as crowd:
        for trial in range(TRIALS):
            users = [
                make_user(f"signup{trial}x{i}", staff=False, password=None)
                for i in range(len(LOOKALIKES))
            ]

            outcomes = crowd.run(
                [
                    sign_up(user, f"{name} {trial}")
                    for user, name in zip(users, LOOKALIKES, strict=True)
                ]
            )
            made = [o for o in outcomes if isinstance(o, Member)]
            refused = [o for o in outcomes if isinstance(o, PseudonymTaken)]
            assert (len(made), len(refused)) == (1, 3), outcomes
            assert all(str(o) == names.UNAVAILABLE for o in refused)
            clean += 1
    report_figures(
        f"sign-up ({connection.vendor}): {TRIALS} trials x {len(LOOKALIKES)} "
        f"look-alike names at once: {clean} with exactly one member"
    )


@pytest.mark.django_db
def test_a_name_that_looks_taken_is_refused_by_the_service_too():
    services.create_member(
        user=make_user("first", staff=False, password=None),
        pseudonym="Rita Osei",
        consented=True,
    )
    with pytest.raises(PseudonymTaken, match="too like another name"):
        services.create_member(
            user=make_user("second", staff=False, password=None),
            pseudonym="R\u0456ta Osei",
            consented=True,
        )
    assert Member.objects.count() == 1
