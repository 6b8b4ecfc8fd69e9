"""Phase 1 of the generator: the staff accounts (writers, moderators, reviewers).

Later phases need staff to sign their rows: writers edit and submit answers,
reviewers approve them, moderators check member posts. This phase makes the
accounts and their reviewer profiles and hands the people on as `StaffAccounts`.
It also holds `user_row`, the one shape of a `User` row, which the members
phase shares.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils.text import slugify
from django_otp.plugins.otp_totp.models import TOTPDevice

from answers.models import Reviewer
from answers.roles import MODERATOR_GROUP, REVIEWER_GROUP, WRITER_GROUP
from answers.services import coi_statement
from devdata.dataset import text
from devdata.dataset.context import DAY, Run
from devdata.dataset.sizes import EMAIL_DOMAIN, MODERATORS, WRITERS, DatasetError
from devdata.demo import DEMO_TOTP_DEVICE, demo_totp_key
from diseasemaps.lib.demo_accounts import demo_group

User = get_user_model()

USER_FIELDS = [
    "id",
    "password",
    "last_login",
    "is_superuser",
    "username",
    "first_name",
    "last_name",
    "email",
    "is_staff",
    "is_active",
    "date_joined",
]
REVIEWER_FIELDS = [
    "id",
    "user",
    "display_name",
    "slug",
    "credentials",
    "specialty",
    "affiliation",
    "registration_body",
    "registration_id",
    "bio",
    "disclosures",
    "active",
    "created_at",
    "updated_at",
]


@dataclass(slots=True)
class Staff:
    user_id: int
    full_name: str
    reviewer_id: int | None = None
    display_name: str = ""
    credentials: str = ""
    specialty: str = ""
    coi: str = ""


# The reviewer as they signed, copied into approved revisions (of answers and
# of condition facts) and into the events a reviewer signs.
SIGNATURE_FIELDS = [
    "reviewer",
    "reviewer_name",
    "reviewer_credentials",
    "reviewer_specialty",
    "coi_statement",
]
UNSIGNED = (None, "", "", "", "")


def signature(staff: Staff) -> tuple:
    """The values of SIGNATURE_FIELDS for this reviewer."""
    return (
        staff.reviewer_id,
        staff.display_name,
        staff.credentials,
        staff.specialty,
        staff.coi,
    )


@dataclass
class StaffAccounts:
    writers: list[Staff] = field(default_factory=list)
    moderators: list[Staff] = field(default_factory=list)
    reviewers: list[Staff] = field(default_factory=list)
    # Answers go to reviewers of the condition's specialty where there are any.
    by_specialty: dict[str, list[Staff]] = field(default_factory=dict)


def user_row(
    run: Run,
    user_id: int,
    username: str,
    email: str,
    joined: datetime,
    *,
    first_name: str = "",
    last_name: str = "",
    is_staff: bool = False,
) -> tuple:
    """A row in the order of USER_FIELDS: active, no superuser, never logged in."""
    return (
        user_id,
        run.password,
        None,
        False,
        username,
        first_name,
        last_name,
        email,
        is_staff,
        True,
        joined,
    )


def write_staff(run: Run) -> StaffAccounts:
    rng = run.rng("accounts")
    groups = dict(
        Group.objects.filter(
            name__in=[WRITER_GROUP, REVIEWER_GROUP, MODERATOR_GROUP]
        ).values_list("name", "pk")
    )
    if len(groups) < 3:
        raise DatasetError(
            "The editorial groups are missing; run `manage.py migrate` first."
        )
    demo = demo_group().pk
    names = rng.sample(
        [(f, s) for f in text.FIRST_NAMES for s in text.SURNAMES],
        WRITERS + MODERATORS + run.sizes.reviewers,
    )
    taken = set(Reviewer.objects.values_list("slug", flat=True))
    user_id = run.loader.next_id(User)
    link_id = run.loader.next_id(User.groups.through)
    reviewer_id = run.loader.next_id(Reviewer)
    joined = run.at(6 * 365 * DAY)
    users, links, reviewers = [], [], []
    staff_accounts = StaffAccounts()
    roles = (
        [("writer", WRITER_GROUP)] * WRITERS
        + [("moderator", MODERATOR_GROUP)] * MODERATORS
        + [("reviewer", REVIEWER_GROUP)] * run.sizes.reviewers
    )
    numbers: dict[str, int] = {}
    for (role, group), (first, last) in zip(roles, names, strict=True):
        numbers[role] = numbers.get(role, 0) + 1
        username = f"{role}{numbers[role]}"
        users.append(
            user_row(
                run,
                user_id,
                username,
                f"{username}@{EMAIL_DOMAIN}",
                joined,
                first_name=first,
                last_name=last,
                is_staff=True,
            )
        )
        links.append((link_id, user_id, groups[group]))
        # Every generated account is a demo account: refused with DEBUG off
        # (diseasemaps/lib/demo_accounts.py).
        links.append((link_id + 1, user_id, demo))
        link_id += 2
        staff = Staff(user_id=user_id, full_name=f"{first} {last}")
        if role == "reviewer":
            index = numbers[role] - 1
            staff.reviewer_id = reviewer_id
            staff.display_name = f"Dr {first} {last}"
            staff.credentials = rng.choice(text.CREDENTIALS)
            staff.specialty = text.SPECIALTIES[index % len(text.SPECIALTIES)]
            disclosures = rng.choice(text.DISCLOSURES)
            staff.coi = coi_statement(Reviewer(disclosures=disclosures))
            slug = slugify(f"{first} {last}")
            while slug in taken:
                slug = f"{slugify(f'{first} {last}')}-{index + 2}"
                index += 1
            taken.add(slug)
            reviewers.append(
                (
                    reviewer_id,
                    user_id,
                    staff.display_name,
                    slug,
                    staff.credentials,
                    staff.specialty,
                    rng.choice(text.AFFILIATIONS),
                    rng.choice(text.REGISTRATION_BODIES),
                    f"DATASET-{numbers[role]:04d}",
                    text.REVIEWER_BIO.format(specialty=staff.specialty.lower()),
                    disclosures,
                    True,
                    joined,
                    joined,
                )
            )
            reviewer_id += 1
            staff_accounts.reviewers.append(staff)
        elif role == "writer":
            staff_accounts.writers.append(staff)
        else:
            staff_accounts.moderators.append(staff)
        user_id += 1
    run.loader.write(User, USER_FIELDS, users)
    run.loader.write(User.groups.through, ["id", "user", "group"], links)
    run.loader.write(Reviewer, REVIEWER_FIELDS, reviewers)
    # Staff need a second factor before the admin opens: the same published
    # demo secret as `load_demo` (`manage.py demo_totp reviewer1`).
    TOTPDevice.objects.bulk_create(
        TOTPDevice(
            user_id=row[0],
            name=DEMO_TOTP_DEVICE,
            key=demo_totp_key(),
            confirmed=True,
        )
        for row in users
    )
    for staff in staff_accounts.reviewers:
        staff_accounts.by_specialty.setdefault(staff.specialty, []).append(staff)
    run.progress("staff accounts", len(users), len(users))
    return staff_accounts
