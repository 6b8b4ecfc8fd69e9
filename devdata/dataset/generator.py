"""Builds the rows of the generated data set and writes them with `BulkLoader`.

The rows obey the app's invariants as if every answer and every condition's
facts had gone through the review workflow and every post through moderation:
each condition's facts are live with one approved revision (a few with a newer
change waiting for review), each question is live with `--revisions` approved
revisions, each approval has its edit, submit and approve `ReviewEvent`s (some
answers also a request for changes, some a later re-certification), no
reviewer approves a version they wrote, a few hundred drafts wait for review,
every moderated post has its `ModerationEvent`, and a member's posts go live
unmoderated only after three approved ones.

Repeatable: every value comes from a `random.Random` seeded with the seed and
the phase's name (so changing one size does not reshuffle the other tables),
and every date is counted back from midnight UTC of `today`. The same seed,
sizes and day give the same rows. Ids continue after the highest id already
in each table.

Speed comes from doing per row only what differs per row: a condition's name
is put into answer HTML, search text and member posts that were rendered once
per template, with a placeholder where the name goes (`placeholders`).

This module runs the phases in order, each in a module of its own named after
it (`accounts`, `conditions`, `questions` with `reviews`, `members`,
`experiences`), and removes an earlier data set for `--force`.
"""

from datetime import UTC, date, datetime, time

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Q

from answers.models import (
    AnswerRevision,
    Condition,
    ConditionCode,
    ConditionName,
    ConditionRevision,
    CriteriaGroup,
    CriteriaSet,
    PageStamp,
    Question,
    Reference,
    Reviewer,
    ReviewEvent,
    SearchEntry,
    StoredPage,
    TerminologyAlert,
)
from community.models import (
    Experience,
    Member,
    MemberCondition,
    ModerationEvent,
    Report,
)
from devdata.bulkload import BulkLoader, run_deferred_checks
from devdata.dataset.accounts import write_staff
from devdata.dataset.conditions import write_conditions
from devdata.dataset.context import Progress, Run
from devdata.dataset.experiences import write_experiences
from devdata.dataset.members import write_members
from devdata.dataset.questions import write_questions
from devdata.dataset.sizes import EMAIL_DOMAIN, PASSWORD, Sizes

User = get_user_model()

# Tables the generator fills, in an order that deletes cleanly (children first).
FILLED = [
    ModerationEvent,
    Experience,
    MemberCondition,
    Member,
    SearchEntry,
    ReviewEvent,
    AnswerRevision,
    ConditionRevision,
    Reference,
    Question,
    CriteriaGroup,
    CriteriaSet,
    ConditionCode,
    Condition,
]

# Every table the generator writes to or deletes from.
LOADED = [
    *FILLED,
    Report,
    User,
    User.groups.through,
    Reviewer,
    EmailAddress,
]

# Content whose saved versions django-reversion keeps (see answers.models).
HISTORY_MODELS = [
    Condition,
    ConditionCode,
    CriteriaSet,
    CriteriaGroup,
    Question,
    Reference,
]


class Generator:
    """One run of the generator. `run()` writes everything; call it inside a
    transaction, so a failure leaves nothing behind."""

    def __init__(
        self,
        *,
        sizes: Sizes,
        seed: int,
        today: date,
        loader: BulkLoader,
        progress: Progress = lambda phase, done, total: None,
    ) -> None:
        self.context = Run(
            sizes=sizes,
            seed=seed,
            anchor=datetime.combine(today, time(0), tzinfo=UTC),
            loader=loader,
            progress=progress,
            password=make_password(PASSWORD, salt=f"dataset{seed}"),
        )

    def run(self, *, replace: bool = False) -> None:
        """Write the data set; with `replace`, first delete what is in the way
        (see `remove_existing`)."""
        context = self.context
        loader, progress = context.loader, context.progress
        with loader.foreign_keys_checked_at_end(LOADED):
            if replace:
                remove_existing(loader.connection)
                progress("deleted existing data", 1, 1)
            with loader.indexes_built_at_end(LOADED):
                staff = write_staff(context)
                conditions = write_conditions(context, staff)
                write_questions(context, conditions.items, staff)
                members = write_members(context, conditions)
                write_experiences(context, conditions.items, members, staff.moderators)
            progress("indexes", 1, 1)
        progress("foreign keys", 1, 1)
        loader.reset_sequences(loader.written)


def remove_existing(connection: BaseDatabaseWrapper) -> None:
    """Delete everything the generator fills, and the accounts it would
    collide with: earlier generated accounts and the accounts of members (whose
    profiles and posts go). Other staff, their reviewer profiles and their
    history stay. For `--force` only; run it inside the generating transaction,
    so a failed run restores everything.
    """
    from reversion.models import Revision, Version

    doomed = list(
        User.objects.filter(
            Q(email__endswith=f"@{EMAIL_DOMAIN}")
            | Q(pk__in=Member.objects.filter(user__isnull=False).values("user_id"))
        ).values_list("pk", flat=True)
    )
    # Stored pages and their stamps go too: they point at the conditions and
    # questions replaced, and PostgreSQL truncates none of those without them.
    # So do the conditions' terminology alerts and their rows in the
    # condition-name index (the command rebuilds it); the catalogue stays.
    dependent = [StoredPage, PageStamp, TerminologyAlert, ConditionName]
    tables = [model._meta.db_table for model in [Report, *dependent, *FILLED]]
    run_deferred_checks(connection)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            quoted = ", ".join(connection.ops.quote_name(table) for table in tables)
            cursor.execute(f"TRUNCATE {quoted}")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")  # noqa: S608  # nosec B608 - model tables
    # The admin's History of deleted content would otherwise attach itself to
    # the new rows that reuse the same ids.
    content_types = ContentType.objects.get_for_models(*HISTORY_MODELS).values()
    Version.objects.filter(content_type__in=content_types).delete()
    Revision.objects.filter(version__isnull=True).delete()
    for start in range(0, len(doomed), 5_000):
        batch = doomed[start : start + 5_000]
        Reviewer.objects.filter(user_id__in=batch).delete()
        User.objects.filter(pk__in=batch).delete()
