"""Named personas and small helpers shared by the test suites.

Personas: a writer (Wendy), two medical reviewers (Dr Rita Osei, haematology;
Dr Sam Lindqvist, neurology), a moderator (Mo), a site admin (Ada), two members
(Mina, Omar) and, implicitly, the anonymous visitor (a client without login).
"""

import importlib
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.test import TestCase

from answers import services
from answers.models import AnswerRevision, Condition, Question, Reference, Reviewer
from answers.roles import MODERATOR_GROUP, REVIEWER_GROUP, WRITER_GROUP

PASSWORD = "a long test password 42"

GOOD_SHORT_ANSWER = (
    "No. This condition is not an infection, so you cannot catch it from someone "
    "or pass it on. It starts inside the body."
)
GOOD_BODY = """## What causes it?

It starts when a small group of cells in the body does not work as it should.

## Is it safe to hug and care for someone with it?

Yes. Touch, shared meals and close care are all safe:

- hugging and kissing
- sharing a home
"""


def ensure_roles() -> None:
    """The editorial groups, as the data migration creates them.

    Transactional tests (live server, threads) flush the database afterwards,
    which removes rows that migrations created; personas recreate them.
    """
    roles = importlib.import_module("answers.migrations.0002_roles")
    moderation = importlib.import_module("community.migrations.0002_moderator_role")
    for name, codenames in roles.GROUPS.items():
        group, created = Group.objects.get_or_create(name=name)
        if created:
            group.permissions.set(
                Permission.objects.filter(
                    content_type__app_label="answers", codename__in=codenames
                )
            )
            if name == MODERATOR_GROUP:
                group.permissions.add(
                    *Permission.objects.filter(
                        content_type__app_label="community",
                        codename__in=moderation.MODERATOR,
                    )
                )


def make_user(username: str, *, group: str | None = None, staff: bool = True, **extra):
    user = get_user_model().objects.create_user(
        username=username,
        email=f"{username}@example.org",
        password=PASSWORD,
        is_staff=staff,
        **extra,
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def make_reviewer(user, **overrides) -> Reviewer:
    defaults = {
        "display_name": f"Dr {user.get_full_name() or user.username}",
        "slug": user.username,
        "credentials": "MD",
        "specialty": "Internal medicine",
        "registration_id": f"TEST-{user.pk}",
        "active": True,
    }
    return Reviewer.objects.create(user=user, **{**defaults, **overrides})


def make_member(username: str, *, pseudonym: str | None = None, **extra):
    """A member: a non-staff user with a profile, consent given, email verified."""
    from allauth.account.models import EmailAddress

    from community.services import create_member

    user = make_user(username, staff=False, **extra)
    EmailAddress.objects.create(
        user=user, email=user.email, verified=True, primary=True
    )
    create_member(user=user, pseudonym=pseudonym or username.title(), consented=True)
    return user


def make_personas(target) -> None:
    """Set the personas as attributes of `target` (a test class or namespace)."""
    ensure_roles()
    target.writer = make_user(
        "wendy", group=WRITER_GROUP, first_name="Wendy", last_name="Walsh"
    )
    target.reviewer = make_user(
        "rita", group=REVIEWER_GROUP, first_name="Rita", last_name="Osei"
    )
    target.reviewer_profile = make_reviewer(
        target.reviewer,
        display_name="Dr Rita Osei",
        credentials="MBChB, FRCP",
        specialty="Haematology",
        disclosures="Speaker fees from Example Pharma (2025).",
    )
    target.second_reviewer = make_user(
        "sam", group=REVIEWER_GROUP, first_name="Sam", last_name="Lindqvist"
    )
    target.second_reviewer_profile = make_reviewer(
        target.second_reviewer,
        display_name="Dr Sam Lindqvist",
        credentials="MD, PhD",
        specialty="Neurology",
    )
    target.moderator = make_user("mo", group=MODERATOR_GROUP, first_name="Mo")
    target.admin = make_user("ada", is_superuser=True, first_name="Ada")
    target.member = make_member("mina", pseudonym="SunnyMina")
    target.other_member = make_member("omar", pseudonym="Omar_R")


def make_condition(**overrides) -> Condition:
    n = Condition.objects.count() + 1
    defaults = {"name": f"Example syndrome {n}", "slug": f"example-syndrome-{n}"}
    return Condition.objects.create(**{**defaults, **overrides})


def draft(
    writer,
    condition: Condition | None = None,
    *,
    references: list[dict] | None = None,
    at: datetime | None = None,
    **fields,
) -> Question:
    """A new question with a complete draft answer, saved through the service."""
    condition = condition or make_condition()
    n = Question.objects.count() + 1
    values = {
        "text": f"Is example syndrome contagious? ({n})",
        "slug": f"question-{n}",
        "short_answer": GOOD_SHORT_ANSWER,
        "body": GOOD_BODY,
        **fields,
    }
    if references is None:
        references = [{"citation": "Example A. A review. J Examples. 2024;1:1-9."}]
    question = Question(condition=condition, **values)
    return services.save_draft(
        question=question,
        user=writer,
        expected_version=None,
        save_related=lambda: [
            Reference.objects.create(question=question, order=i, **ref)
            for i, ref in enumerate(references, start=1)
        ],
        at=at,
    )


def edit(question: Question, user, **changes) -> Question:
    """Change draft fields as an editor would, through the service."""
    question.refresh_from_db()
    for field, value in changes.items():
        setattr(question, field, value)
    return services.save_draft(
        question=question, user=user, expected_version=question.draft_version
    )


def publish(
    question: Question, *, writer, reviewer, at: datetime | None = None
) -> AnswerRevision:
    """Submit as `writer` and approve as `reviewer`."""
    services.submit_for_review(question=question, user=writer, at=at)
    return services.approve(
        question=question,
        user=reviewer,
        expected_version=question.draft_version,
        coi_confirmed=True,
        at=at,
    )


class PersonasTestCase(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        make_personas(cls)
