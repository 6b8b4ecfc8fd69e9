"""The review trail of each generated condition's facts: the approved
`ConditionRevision` readers see, the `ReviewEvent`s that led to it, and the
newer change to its facts that a few conditions have waiting for a reviewer.

Part of the conditions phase (`devdata.dataset.conditions`), apart for the
same reason as `reviews` is for answers: the trail is where the workflow's
invariants are kept. A writer drafted and submitted the facts and a reviewer
of the condition's specialty approved them (never the same person), signing
with their credentials as they were, as `services.approve` records them; the
approval is "last reviewed" and the next review is due an interval later, so
that a few conditions are overdue and a few more due soon; a pending change
is newer than the approval and differs from the live facts in one field.

It draws from a `random.Random` of its own, so the rest of the conditions'
rows stay as they were when the trail changes.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone

from answers.models import ConditionRevision, ReviewEvent, Status
from devdata.dataset import text
from devdata.dataset.accounts import SIGNATURE_FIELDS, UNSIGNED, Staff, signature
from devdata.dataset.context import DAY, Run

Action = ReviewEvent.Action

# `Condition.draft_content()` keys, then what the approval records. JSON
# columns take text that is already JSON (see BulkLoader.write).
REVISION_FIELDS = [
    "id",
    "condition",
    "number",
    "draft_version",
    "name",
    "slug",
    "acronym",
    "acronym_expansion",
    "synonyms",
    "summary",
    "summary_html",
    "prevalence",
    "codes",
    "criteria",
    "content_changed",
    "content_updated_at",
    *SIGNATURE_FIELDS,
    "approved_at",
]
EVENT_FIELDS = [
    "id",
    "condition",
    "action",
    "actor",
    "actor_name",
    "draft_version",
    "condition_revision",
    *SIGNATURE_FIELDS,
    "comment",
    "created_at",
]

# What the writer changed in a pending draft, as its edit event says.
CHANGE_COMMENTS = {
    "synonyms": "Added another name for the condition.",
    "prevalence": "Corrected the prevalence from a newer registry report.",
}


@dataclass(frozen=True)
class Facts:
    """A condition's facts as approved: the revision's content, with JSON
    columns already serialised."""

    condition_id: int
    interval_days: int
    created: datetime
    name: str
    slug: str
    acronym: str
    acronym_expansion: str
    synonyms: str  # one per line, as the row holds them
    synonyms_json: str
    summary: str
    summary_html: str
    prevalence: str
    codes_json: str
    criteria_json: str
    # A real other name of the condition kept out of these facts, for a
    # pending change to add; "" when there is none to add.
    held_back: str = ""


@dataclass(frozen=True)
class FactsTrail:
    """What the condition's own row takes from its trail."""

    status: str
    version: int  # the draft's
    live_revision: int
    last_review: int
    next_review_due: date
    last_event: datetime
    # The draft's values where a pending change differs from the live facts.
    changes: dict[str, str]


class FactsTrails:
    """Writes trails one after another, numbering revisions and events; the
    rows wait in `revisions` and `events` for the phase to write them."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.rng = run.rng("facts")
        self.revision_id = run.loader.next_id(ConditionRevision)
        self.event_id = run.loader.next_id(ReviewEvent)
        self.revisions: list[tuple] = []
        self.events: list[tuple] = []

    def pending(self, total: int) -> set[int]:
        """Which conditions (numbered from 0 in the order written) have a
        change to their facts in review."""
        return set(self.rng.sample(range(total), self.run.sizes.facts_in_review))

    def write(
        self,
        facts: Facts,
        writers: list[Staff],
        reviewers: list[Staff],
        pending: bool,
    ) -> FactsTrail:
        """The trail of one condition's facts; `reviewers` are those who may
        approve them (writers never do)."""
        rng, at = self.rng, self.run.at
        writer, reviewer = rng.choice(writers), rng.choice(reviewers)
        age = _review_age(rng, facts.interval_days)
        approved_at = at(age)
        submitted_at = at(age + rng.uniform(1, 10) * DAY)
        revision_id = self.revision_id
        self.revision_id += 1
        # Written, submitted, approved: version 1 is what the reviewer saw.
        self._event(facts, Action.EDITED, writer, 1, facts.created)
        self._event(facts, Action.SUBMITTED, writer, 1, submitted_at)
        approval = self._event(
            facts, Action.APPROVED, reviewer, 1, approved_at, revision_id
        )
        self.revisions.append(
            (
                revision_id,
                facts.condition_id,
                1,
                1,
                facts.name,
                facts.slug,
                facts.acronym,
                facts.acronym_expansion,
                facts.synonyms_json,
                facts.summary,
                facts.summary_html,
                facts.prevalence,
                facts.codes_json,
                facts.criteria_json,
                True,
                approved_at,
                *signature(reviewer),
                approved_at,
            )
        )
        status, version, last_event, changes = Status.PUBLISHED, 1, approved_at, {}
        if pending:
            field, value = _change(rng, facts)
            changes = {field: value}
            status, version = Status.IN_REVIEW, 2
            window = min(14 * DAY, age * 0.9)
            end = rng.uniform(0.05, 0.5) * window
            edited_at = at(end + rng.uniform(0.2, 0.9) * (window - end))
            last_event = at(end)
            self._event(
                facts,
                Action.EDITED,
                writer,
                2,
                edited_at,
                comment=CHANGE_COMMENTS[field],
            )
            self._event(facts, Action.SUBMITTED, writer, 2, last_event)
        return FactsTrail(
            status=status,
            version=version,
            live_revision=revision_id,
            last_review=approval,
            next_review_due=timezone.localdate(approved_at)
            + timedelta(days=facts.interval_days),
            last_event=last_event,
            changes=changes,
        )

    def _event(
        self,
        facts: Facts,
        action: str,
        actor: Staff,
        version: int,
        moment: datetime,
        revision_id: int | None = None,
        comment: str = "",
    ) -> int:
        event_id = self.event_id
        self.event_id += 1
        self.events.append(
            (
                event_id,
                facts.condition_id,
                action,
                actor.user_id,
                actor.full_name,
                version,
                revision_id,
                # Only the approval is signed, like services._record.
                *(signature(actor) if action == Action.APPROVED else UNSIGNED),
                comment,
                moment,
            )
        )
        return event_id


def _review_age(rng: random.Random, interval_days: int) -> float:
    """Seconds since the facts were approved: a few overdue, a few more due
    within 30 days, the rest reviewed within the interval."""
    roll = rng.random()
    if roll < 0.05:
        return rng.uniform(interval_days + 1, interval_days + 120) * DAY
    if roll < 0.12:
        return rng.uniform(interval_days - 29, interval_days - 0.5) * DAY
    return rng.uniform(2, interval_days - 31) * DAY


def _change(rng: random.Random, facts: Facts) -> tuple[str, str]:
    """A pending change to the facts: (field, the draft's new value). The
    other name held back from the approved facts, if there is one: names stay
    real (the catalogue's); otherwise a newer prevalence."""
    if facts.held_back:
        return "synonyms", "\n".join(filter(None, [facts.synonyms, facts.held_back]))
    while True:
        prevalence = rng.choice(text.PREVALENCES).format(
            a=rng.randint(1, 9), b=rng.randint(20, 300)
        )
        if prevalence != facts.prevalence:
            return "prevalence", prevalence
