"""Builds the rows of the generated data set and writes them with `BulkLoader`.

The rows obey the app's invariants as if every answer had gone through the
review workflow and every post through moderation: each question is live with
`--revisions` approved revisions, each approval has its edit, submit and
approve `ReviewEvent`s (some also a request for changes, some a later
re-certification), no reviewer approves a version they wrote, a few hundred
drafts wait for review, every moderated post has its `ModerationEvent`, and a
member's posts go live unmoderated only after three approved ones.

Repeatable: every value comes from a `random.Random` seeded with the seed and
the phase's name (so changing one size does not reshuffle the other tables),
and every date is counted back from midnight UTC of `today`. The same seed,
sizes and day give the same rows. Ids continue after the highest id already
in each table.

Speed comes from doing per row only what differs per row: a condition's name
is put into answer HTML, search text and member posts that were rendered once
per template, with a placeholder where the name goes.
"""

import json
import random
import re
import uuid
from bisect import bisect
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django_otp.plugins.otp_totp.models import TOTPDevice
from markdown_it.common.utils import escapeHtml

from answers import search_index
from answers.models import (
    AnswerRevision,
    CodingSystem,
    Condition,
    ConditionCode,
    CriteriaList,
    PageStamp,
    Question,
    Reference,
    Reviewer,
    ReviewEvent,
    SearchEntry,
    Status,
    StoredPage,
)
from answers.roles import MODERATOR_GROUP, REVIEWER_GROUP, WRITER_GROUP
from answers.services import coi_statement
from community.models import (
    CONSENT_VERSION,
    Experience,
    ExperienceStatus,
    Member,
    MemberCondition,
    ModerationEvent,
    Relation,
    Report,
)
from devdata.bulkload import BulkLoader, run_deferred_checks
from devdata.dataset import text
from devdata.demo import DEMO_TOTP_DEVICE, demo_totp_key
from diseasemaps.lib.markdown import plain_text, render_answer, render_member

# Every generated account has this password (development and load tests only;
# the command refuses to run with DEBUG off) and an address at this domain,
# which is also how a later run recognises the accounts it made.
PASSWORD = "diseasemaps-dataset"  # noqa: S105 - published on purpose, see README
EMAIL_DOMAIN = "dataset.diseasemaps.invalid"
WRITERS = 5
MODERATORS = 3
MAX_CONDITIONS = 50_000
MAX_REVISIONS = 20

DAY = 86_400
HOUR = 3_600
# Placeholders for a condition's name where a sentence starts and elsewhere
# ("Familial renal hypoplasia is…", "Is familial renal hypoplasia…?"): plain
# letters, which Markdown, nh3 and the search text keep as they are.
NAME_AT_START = "Zqstartnameqz"
NAME_INSIDE = "Zqinsidenameqz"
SENTENCE_START = re.compile(r"(^|[.!?]\s+|\n)\{name\}")

Action = ReviewEvent.Action
User = get_user_model()


class DatasetError(Exception):
    """The database is not ready for the generator (e.g. roles missing)."""


@dataclass(frozen=True)
class Sizes:
    conditions: int = 7_000
    questions: int = 100_000
    members: int = 200_000
    experiences: int = 1_000_000
    pending: int = 20_000
    reviewers: int = 50
    revisions: int = 3

    def problems(self) -> list[str]:
        """What is wrong with these sizes, as the options a user typed."""
        found = []
        per_condition = len(text.QUESTIONS)
        if not 1 <= self.conditions <= MAX_CONDITIONS:
            found.append(
                f"--conditions must be between 1 and {MAX_CONDITIONS:,} "
                f"(got {self.conditions:,})."
            )
        if self.questions < self.conditions:
            found.append(
                f"--questions ({self.questions:,}) must be at least --conditions "
                f"({self.conditions:,}): a condition is public only with a live "
                "answer. Raise --questions or lower --conditions."
            )
        if self.questions > self.conditions * per_condition:
            found.append(
                f"--questions ({self.questions:,}) can be at most {per_condition} "
                f"per condition ({self.conditions * per_condition:,} for "
                f"{self.conditions:,} conditions). Raise --conditions or lower "
                "--questions."
            )
        if self.reviewers < 1:
            found.append("--reviewers must be at least 1: answers need approving.")
        if not 1 <= self.revisions <= MAX_REVISIONS:
            found.append(f"--revisions must be between 1 and {MAX_REVISIONS}.")
        if self.members < 1 and (self.experiences or self.pending):
            found.append(
                "--members must be at least 1 when there are experiences or "
                "pending posts: someone has to write them."
            )
        return found

    @property
    def in_review(self) -> int:
        """Live answers with a newer draft waiting for a reviewer."""
        return min(self.questions // 10, max(1, self.questions * 3 // 1000))

    @property
    def changes_requested(self) -> int:
        return min(self.questions // 20, max(1, self.questions // 2000))


def _tokens(template: str) -> str:
    """A template with placeholders for the name; see NAME_AT_START."""
    marked = SENTENCE_START.sub(lambda m: m.group(1) + NAME_AT_START, template)
    return marked.replace(text.NAME, NAME_INSIDE)


def _fill(source: str, at_start: str, inside: str) -> str:
    return source.replace(NAME_AT_START, at_start).replace(NAME_INSIDE, inside)


@dataclass(slots=True)
class GeneratedCondition:
    index: int
    id: int
    name: str
    inside: str  # the name inside a sentence ("familial renal hypoplasia")
    interval_days: int
    specialty: str
    organ: str
    criteria_json: str = "[]"
    terms: str = ""
    question_ids: list[int] = field(default_factory=list)

    @property
    def html_name(self) -> str:
        return escapeHtml(self.name)

    @property
    def html_inside(self) -> str:
        return escapeHtml(self.inside)


@dataclass(slots=True)
class Staff:
    user_id: int
    full_name: str
    reviewer_id: int | None = None
    display_name: str = ""
    credentials: str = ""
    specialty: str = ""
    coi: str = ""


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
        progress: Callable[[str, int, int], None] = lambda phase, done, total: None,
    ) -> None:
        self.sizes = sizes
        self.seed = seed
        self.anchor = datetime.combine(today, time(0), tzinfo=UTC)
        self.loader = loader
        self.progress = progress
        self.password = make_password(PASSWORD, salt=f"dataset{seed}")
        self.conditions: list[GeneratedCondition] = []
        self.member_joined: list[float] = []
        self.member_pairs: list[list[tuple[int, str, float]]] = []
        self._answers: dict[tuple, tuple[str, str, str]] = {}
        self._shorts: dict[tuple[int, int], str] = {}

    def _rng(self, phase: str) -> random.Random:
        # Not for secrets: the point is the same numbers on every run.
        return random.Random(f"{self.seed}/{phase}")  # noqa: S311

    def _at(self, seconds_ago: float) -> datetime:
        return self.anchor - timedelta(seconds=int(seconds_ago))

    def run(self, *, replace: bool = False) -> None:
        """Write the data set; with `replace`, first delete what is in the way
        (see `remove_existing`)."""
        with self.loader.foreign_keys_checked_at_end(LOADED):
            if replace:
                remove_existing(self.loader.connection)
                self.progress("deleted existing data", 1, 1)
            with self.loader.indexes_built_at_end(LOADED):
                self.accounts()
                self.build_conditions()
                self.questions()
                self.members()
                self.experiences()
            self.progress("indexes", 1, 1)
        self.progress("foreign keys", 1, 1)
        self.loader.reset_sequences(self.loader.written)

    # --- Staff ------------------------------------------------------------------

    def accounts(self) -> None:
        rng = self._rng("accounts")
        groups = dict(
            Group.objects.filter(
                name__in=[WRITER_GROUP, REVIEWER_GROUP, MODERATOR_GROUP]
            ).values_list("name", "pk")
        )
        if len(groups) < 3:
            raise DatasetError(
                "The editorial groups are missing; run `manage.py migrate` first."
            )
        names = rng.sample(
            [(f, s) for f in text.FIRST_NAMES for s in text.SURNAMES],
            WRITERS + MODERATORS + self.sizes.reviewers,
        )
        taken = set(Reviewer.objects.values_list("slug", flat=True))
        user_id = self.loader.next_id(User)
        link_id = self.loader.next_id(User.groups.through)
        reviewer_id = self.loader.next_id(Reviewer)
        joined = self._at(6 * 365 * DAY)
        users, links, reviewers = [], [], []
        self.writers, self.moderators, self.reviewers = [], [], []
        roles = (
            [("writer", WRITER_GROUP)] * WRITERS
            + [("moderator", MODERATOR_GROUP)] * MODERATORS
            + [("reviewer", REVIEWER_GROUP)] * self.sizes.reviewers
        )
        numbers: dict[str, int] = {}
        for (role, group), (first, last) in zip(roles, names, strict=True):
            numbers[role] = numbers.get(role, 0) + 1
            username = f"{role}{numbers[role]}"
            users.append(
                (
                    user_id,
                    self.password,
                    None,
                    False,
                    username,
                    first,
                    last,
                    f"{username}@{EMAIL_DOMAIN}",
                    True,
                    True,
                    joined,
                )
            )
            links.append((link_id, user_id, groups[group]))
            link_id += 1
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
                self.reviewers.append(staff)
            else:
                (self.writers if role == "writer" else self.moderators).append(staff)
            user_id += 1
        self.loader.write(User, USER_FIELDS, users)
        self.loader.write(User.groups.through, ["id", "user", "group"], links)
        self.loader.write(Reviewer, REVIEWER_FIELDS, reviewers)
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
        self.by_specialty: dict[str, list[Staff]] = {}
        for staff in self.reviewers:
            self.by_specialty.setdefault(staff.specialty, []).append(staff)
        self.progress("staff accounts", len(users), len(users))

    # --- Conditions -----------------------------------------------------------

    def _condition_name(self, rng: random.Random) -> tuple[str, str, str | None]:
        """A name, its form inside a sentence, and the site it names (if any)."""
        roll = rng.random()
        if roll < 0.5:
            qualifier = rng.choice(text.QUALIFIERS)
            site = rng.randrange(len(text.SITES))
            name = f"{qualifier} {text.SITES[site][0]} {rng.choice(text.PROCESSES)}"
            if rng.random() < 0.3:
                name += f" type {rng.choice(text.TYPES)}"
            inside = name if qualifier.startswith("X-") else name[0].lower() + name[1:]
            return name, inside, site
        if roll < 0.8:
            name = f"{rng.choice(text.SURNAMES)} {rng.choice(text.EPONYM_SUFFIXES)}"
        else:
            first, second = rng.sample(text.SURNAMES, 2)
            name = f"{first}–{second} {rng.choice(text.EPONYM_SUFFIXES)}"
        if rng.random() < 0.4:
            name += f" type {rng.choice(text.TYPES)}"
        return name, name, None

    def build_conditions(self) -> None:
        rng = self._rng("conditions")
        total = self.sizes.conditions
        condition_id = self.loader.next_id(Condition)
        code_id = self.loader.next_id(ConditionCode)
        criteria_id = self.loader.next_id(CriteriaList)
        used_names: set[str] = set()
        used_slugs = set(Condition.objects.values_list("slug", flat=True))
        conditions, codes, criteria = [], [], []
        for index in range(total):
            name, inside, site = self._condition_name(rng)
            while name.casefold() in used_names:
                name, inside, site = self._condition_name(rng)
            used_names.add(name.casefold())
            slug = base = slugify(name.replace("–", "-"))[:90]
            suffix = 2
            while slug in used_slugs:
                slug, suffix = f"{base}-{suffix}", suffix + 1
            used_slugs.add(slug)
            if site is None:
                site = rng.randrange(len(text.SITES))
                specialty = rng.choice(text.SPECIALTIES)
            else:
                specialty = text.SITES[site][2]
            organ = text.SITES[site][1]
            acronym = expansion = ""
            if rng.random() < 0.3:
                words = re.findall(r"[A-Za-zÀ-ÿ]+", name.split(" type ")[0])
                acronym = "".join(word[0].upper() for word in words)[:8]
                if " type " in name:
                    acronym += name.rsplit(" type ", 1)[1]
                expansion = name
            synonyms = self._synonyms(rng, name, site)
            interval = rng.choices([None, 180, 730], weights=[80, 12, 8])[0]
            created = self._at(rng.uniform(5.2, 6) * 365 * DAY)
            prevalence = rng.choice(text.PREVALENCES).format(
                a=rng.randint(1, 9), b=rng.randint(20, 300)
            )
            summary = text.SUMMARY.format(
                name=name,
                kind=rng.choice(text.KINDS),
                organ=organ,
                onset=rng.choice(text.ONSETS),
                course=rng.choice(text.COURSES),
            )
            conditions.append(
                (
                    condition_id,
                    name,
                    slug,
                    acronym,
                    expansion,
                    synonyms,
                    summary,
                    prevalence,
                    interval,
                    created,
                    created,
                )
            )
            condition = GeneratedCondition(
                index=index,
                id=condition_id,
                name=name,
                inside=inside,
                interval_days=interval or settings.DEFAULT_REVIEW_INTERVAL_DAYS,
                specialty=specialty,
                organ=organ,
            )
            condition.terms = search_index.condition_terms(
                Condition(
                    name=name,
                    acronym=acronym,
                    acronym_expansion=expansion,
                    synonyms=synonyms,
                )
            )
            for system, code in self._codes(rng, index):
                codes.append((code_id, condition_id, system, code))
                code_id += 1
            if rng.random() < 0.12:
                lists = self._criteria(rng, condition)
                condition.criteria_json = json.dumps(
                    [
                        {
                            "category": category,
                            "items": items,
                            "source": source,
                            "version": version,
                        }
                        for category, items, source, version in lists
                    ]
                )
                for order, (category, items, source, version) in enumerate(lists, 1):
                    criteria.append(
                        (
                            criteria_id,
                            condition_id,
                            category,
                            "\n".join(items),
                            source,
                            version,
                            order,
                        )
                    )
                    criteria_id += 1
            self.conditions.append(condition)
            condition_id += 1
        self.loader.write(Condition, CONDITION_FIELDS, conditions)
        self.loader.write(ConditionCode, ["id", "condition", "system", "code"], codes)
        self.loader.write(CriteriaList, CRITERIA_FIELDS, criteria)
        # Popularity: a few conditions gather most members (Zipf-like).
        order = list(range(total))
        rng.shuffle(order)
        weights = [0.0] * total
        for rank, index in enumerate(order, start=1):
            weights[index] = 1 / rank**0.85
        self.popularity = list(accumulate(weights))
        self.progress("conditions", total, total)

    def _synonyms(self, rng: random.Random, name: str, site: int | None) -> str:
        found = []
        for _ in range(rng.choices([0, 1, 2, 3], weights=[25, 35, 25, 15])[0]):
            roll = rng.random()
            if roll < 0.4:
                first, second = rng.sample(text.SURNAMES, 2)
                synonym = f"{first}–{second} {rng.choice(text.EPONYM_SUFFIXES)}"
            elif roll < 0.7:
                adjective = text.SITES[
                    site if site is not None else rng.randrange(len(text.SITES))
                ][0]
                synonym = (
                    f"{rng.choice(text.QUALIFIERS)} {adjective} "
                    f"{rng.choice(text.PROCESSES)}"
                )
            else:
                synonym = f"{name.split(' type ')[0]} type {rng.choice(text.TYPES)}"
            if synonym != name and synonym not in found:
                found.append(synonym)
        return "\n".join(found)

    def _codes(self, rng: random.Random, index: int) -> list[tuple[str, str]]:
        codes = []
        if rng.random() < 0.9:
            codes.append((CodingSystem.ORPHA, str(9_000_000 + index)))
        if rng.random() < 0.7:
            stem = rng.choice(text.ICD10_STEMS)
            codes.append((CodingSystem.ICD10, f"{stem}.{rng.randint(0, 9)}"))
        if rng.random() < 0.5:
            stem = rng.choice(text.ICD11_STEMS)
            letter = rng.choice("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ")
            codes.append((CodingSystem.ICD11, f"{stem}{letter}.{rng.randint(0, 9)}"))
        if rng.random() < 0.4:
            codes.append((CodingSystem.MESH, f"C9{index:07d}"))
        if rng.random() < 0.5:
            codes.append((CodingSystem.GARD, str(900_000 + index % 100_000)))
        if rng.random() < 0.4:
            codes.append((CodingSystem.OMIM, str(900_000 + index % 100_000)))
        return codes

    def _criteria(
        self, rng: random.Random, condition: GeneratedCondition
    ) -> list[tuple[str, list[str], str, str]]:
        year = rng.randint(2012, 2025)
        source = text.CRITERIA_SOURCE.format(
            name=condition.name, journal=rng.choice(text.JOURNALS), year=year
        )
        version = rng.choice(["", f"{year} update", f"Version {rng.randint(1, 3)}"])
        count = rng.randint(1, 3)
        categories = text.CRITERIA_CATEGORIES[:count]
        lists = []
        for category in categories:
            items = [
                item.format(
                    organ=condition.organ, inheritance=rng.choice(text.INHERITANCE)
                )
                for item in rng.sample(text.CRITERIA_ITEMS, rng.randint(2, 4))
            ]
            lists.append((category, items, source, version))
        return lists

    # --- Questions, revisions, review events, references, search entries ------

    def _question_counts(self, rng: random.Random) -> list[int]:
        """How many questions each condition gets: at least one, at most one
        per template, about the average, adding up to --questions exactly."""
        total, cap = self.sizes.questions, len(text.QUESTIONS)
        conditions = len(self.conditions)
        average = total / conditions
        counts = [
            max(1, min(cap, round(average * rng.uniform(0.6, 1.4))))
            for _ in range(conditions)
        ]
        missing = total - sum(counts)
        while missing:
            index = rng.randrange(conditions)
            if missing > 0 and counts[index] < cap:
                counts[index] += 1
                missing -= 1
            elif missing < 0 and counts[index] > 1:
                counts[index] -= 1
                missing += 1
        return counts

    def _answer(self, template: int, section: int, ending: int, criteria: bool):
        """(body, body HTML, body plain text) with name placeholders, made once."""
        key = (template, section, ending, criteria)
        if key not in self._answers:
            spec = text.QUESTIONS[template]
            parts = [spec["sections"][section]]
            parts += [text.SHARED_SECTIONS[i] for i in text.ENDINGS[ending]]
            body = _tokens("\n\n".join(parts))
            if criteria:
                body += text.CRITERIA_LEAD
            self._answers[key] = (body, str(render_answer(body)), plain_text(body))
        return self._answers[key]

    def _short(self, template: int, variant: int) -> str:
        key = (template, variant)
        if key not in self._shorts:
            self._shorts[key] = _tokens(text.QUESTIONS[template]["short"][variant])
        return self._shorts[key]

    @staticmethod
    def _variant(rng: random.Random, not_like=None) -> tuple[int, int, int]:
        while True:
            variant = (rng.randrange(2), rng.randrange(2), rng.randrange(6))
            if variant != not_like:
                return variant

    def questions(self) -> None:
        rng = self._rng("questions")
        total = self.sizes.questions
        counts = self._question_counts(rng)
        waiting = rng.sample(
            range(total), self.sizes.in_review + self.sizes.changes_requested
        )
        self._in_review = set(waiting[: self.sizes.in_review])
        self._changes = set(waiting[self.sizes.in_review :])
        self._ids = {
            "question": self.loader.next_id(Question),
            "revision": self.loader.next_id(AnswerRevision),
            "event": self.loader.next_id(ReviewEvent),
            "reference": self.loader.next_id(Reference),
            "search": self.loader.next_id(SearchEntry),
        }
        first_question = self._ids["question"]
        done = 0
        chunk = 400
        for start in range(0, len(self.conditions), chunk):
            rows: dict[str, list] = {
                "question": [],
                "revision": [],
                "event": [],
                "reference": [],
                "search": [],
            }
            for condition in self.conditions[start : start + chunk]:
                templates = [
                    0,
                    *sorted(
                        rng.sample(
                            range(1, len(text.QUESTIONS)), counts[condition.index] - 1
                        )
                    ),
                ]
                positions: dict[str, int] = {}
                for template in templates:
                    topic = text.QUESTIONS[template]["topic"]
                    positions[topic] = positions.get(topic, 0) + 1
                    self._question(
                        rng, condition, template, positions[topic], done, rows
                    )
                    done += 1
            self.loader.write(Question, QUESTION_FIELDS, rows["question"])
            self.loader.write(Reference, REFERENCE_FIELDS, rows["reference"])
            self.loader.write(AnswerRevision, REVISION_FIELDS, rows["revision"])
            self.loader.write(ReviewEvent, EVENT_FIELDS, rows["event"])
            self.loader.write(SearchEntry, SEARCH_FIELDS, rows["search"])
            self.progress("questions", done, total)
        if self.loader.postgresql:
            # The weighted vectors are built in the database, by the same
            # expression that search.refresh uses for every later change.
            SearchEntry.objects.filter(question_id__gte=first_question).update(
                document=search_index.document()
            )
            self.progress("search vectors", total, total)

    def _question(
        self,
        rng: random.Random,
        condition: GeneratedCondition,
        template: int,
        order: int,
        number: int,
        rows: dict[str, list],
    ) -> None:
        spec = text.QUESTIONS[template]
        ids = self._ids
        question_id = ids["question"]
        ids["question"] += 1
        condition.question_ids.append(question_id)
        show_criteria = (
            spec["slug"] == "how-is-it-diagnosed" and condition.criteria_json != "[]"
        )
        criteria_json = condition.criteria_json if show_criteria else "[]"
        at_start, inside = condition.name, condition.inside
        html_start, html_inside = condition.html_name, condition.html_inside
        question_text = _fill(_tokens(spec["text"]), at_start, inside)
        writer = rng.choice(self.writers)
        pool = self.by_specialty.get(condition.specialty, self.reviewers)

        references = []
        for position in range(1, rng.randint(1, 3) + 1):
            reference_id = ids["reference"]
            ids["reference"] += 1
            year = rng.randint(2008, 2025)
            authors = ", ".join(
                f"{surname} {rng.choice(text.FIRST_NAMES)[0]}"
                for surname in rng.sample(text.SURNAMES, 3)
            )
            title = _fill(_tokens(rng.choice(text.CITATION_TITLES)), at_start, inside)
            citation = (
                f"{authors}, et al. {title}. {rng.choice(text.JOURNALS)}. "
                f"{year};{rng.randint(1, 60)}:{rng.randint(1, 900)}."
            )
            # 10.5555 is the DOI prefix set aside for tests and examples.
            doi = f"10.5555/dm.{year}.{reference_id}"
            url = f"https://doi.org/{doi}" if rng.random() < 0.5 else ""
            rows["reference"].append(
                (reference_id, question_id, position, citation, url, "", doi)
            )
            references.append(
                {"citation": citation, "url": url, "pmid": "", "doi": doi}
            )
        references_json = json.dumps(references)

        # When each approval happened, counted back from the last review.
        interval = condition.interval_days
        roll = rng.random()
        if roll < 0.06:  # overdue
            age = rng.uniform(interval + 1, interval + 150) * DAY
        elif roll < 0.14:  # due within 30 days
            age = rng.uniform(interval - 29, interval - 0.5) * DAY
        else:
            age = rng.uniform(2, interval - 31) * DAY
        recertified_at = age if rng.random() < 0.2 else None
        approval = age + rng.uniform(60, 400) * DAY if recertified_at else age
        approvals = [approval]
        for _ in range(self.sizes.revisions - 1):
            approvals.append(approvals[-1] + rng.uniform(45, 420) * DAY)
        approvals.reverse()

        variants = [self._variant(rng)]
        for _ in range(self.sizes.revisions - 1):
            variants.append(
                self._variant(rng, variants[-1]) if rng.random() < 0.8 else variants[-1]
            )

        events = rows["event"]
        revision_id = ids["revision"]
        version = 0
        first_event = last_event = None
        content_updated = None
        for index, (approved_ago, variant) in enumerate(
            zip(approvals, variants, strict=True)
        ):
            reviewer = rng.choice(pool)
            actions = [Action.EDITED]
            if rng.random() < 0.3:
                actions.append(Action.EDITED)
            if rng.random() < 0.12:
                actions += [Action.SUBMITTED, Action.CHANGES_REQUESTED, Action.EDITED]
            actions += [Action.SUBMITTED, Action.APPROVED]
            span = rng.uniform(2, 25) * DAY
            step = span / (len(actions) - 1)
            for position, action in enumerate(actions):
                if action == Action.EDITED:
                    version += 1
                at = self._at(approved_ago + span - position * step)
                first_event = first_event or at
                last_event = at
                if action == Action.APPROVED:
                    approval_event = ids["event"]
                    events.append(
                        self._event(
                            question_id, action, reviewer, version, at, revision_id
                        )
                    )
                elif action == Action.CHANGES_REQUESTED:
                    events.append(
                        self._event(
                            question_id,
                            action,
                            reviewer,
                            version,
                            at,
                            comment=rng.choice(text.CHANGES_REQUESTED),
                        )
                    )
                else:
                    comment = (
                        rng.choice(text.EDIT_COMMENTS)
                        if action == Action.EDITED and index
                        else ""
                    )
                    events.append(
                        self._event(
                            question_id, action, writer, version, at, comment=comment
                        )
                    )
            changed = index == 0 or variant != variants[index - 1]
            if changed:
                content_updated = last_event
            short_variant, section, ending = variant
            body, html, _plain = self._answer(template, section, ending, show_criteria)
            rows["revision"].append(
                (
                    revision_id,
                    question_id,
                    index + 1,
                    version,
                    question_text,
                    _fill(self._short(template, short_variant), at_start, inside),
                    _fill(body, at_start, inside),
                    _fill(html, html_start, html_inside),
                    references_json,
                    criteria_json,
                    changed,
                    content_updated,
                    reviewer.reviewer_id,
                    reviewer.display_name,
                    reviewer.credentials,
                    reviewer.specialty,
                    reviewer.coi,
                    last_event,
                )
            )
            live_revision = revision_id
            revision_id += 1
        ids["revision"] = revision_id
        last_review, reviewed_at = approval_event, last_event
        if recertified_at:
            reviewer = rng.choice(pool)
            reviewed_at = last_event = self._at(recertified_at)
            last_review = ids["event"]
            events.append(
                self._event(
                    question_id,
                    Action.RECERTIFIED,
                    reviewer,
                    version,
                    reviewed_at,
                    live_revision,
                )
            )

        # The draft: the live content, or a newer version waiting for review.
        status, draft = Status.PUBLISHED, variants[-1]
        if number in self._in_review or number in self._changes:
            draft = self._variant(rng, variants[-1])
            window = min(14 * DAY, (recertified_at or approvals[-1]) * 0.9)
            end = rng.uniform(0.05, 0.5) * window
            span = rng.uniform(0.2, 0.9) * (window - end)
            actions = [Action.EDITED, Action.SUBMITTED]
            status = Status.IN_REVIEW
            if number in self._changes:
                actions.append(Action.CHANGES_REQUESTED)
                status = Status.CHANGES_REQUESTED
            version += 1
            step = span / (len(actions) - 1)
            for position, action in enumerate(actions):
                last_event = self._at(end + span - position * step)
                actor = writer
                comment = ""
                if action == Action.CHANGES_REQUESTED:
                    actor = rng.choice(pool)
                    comment = rng.choice(text.CHANGES_REQUESTED)
                events.append(
                    self._event(
                        question_id, action, actor, version, last_event, comment=comment
                    )
                )
        short_variant, section, ending = draft
        body, _html, _plain = self._answer(template, section, ending, show_criteria)
        rows["question"].append(
            (
                question_id,
                condition.id,
                question_text,
                spec["slug"],
                spec["kind"],
                spec["topic"],
                order,
                show_criteria,
                _fill(self._short(template, short_variant), at_start, inside),
                _fill(body, at_start, inside),
                status,
                version,
                live_revision,
                last_review,
                timezone.localdate(reviewed_at) + timedelta(days=interval),
                first_event,
                last_event,
            )
        )
        short_variant, section, ending = variants[-1]
        _body, _html, plain = self._answer(template, section, ending, show_criteria)
        answer_text = search_index.index_text(
            f"{self._short(template, short_variant)}\n{plain}"
        )
        rows["search"].append(
            (
                ids["search"],
                question_id,
                condition.id,
                condition.terms,
                search_index.index_text(question_text),
                _fill(answer_text, at_start, inside),
                reviewed_at,
            )
        )
        ids["search"] += 1

    def _event(
        self,
        question_id: int,
        action: str,
        actor: Staff,
        version: int,
        at: datetime,
        revision_id: int | None = None,
        comment: str = "",
    ) -> tuple:
        event_id = self._ids["event"]
        self._ids["event"] += 1
        # Approvals, re-certifications and requests for changes carry the
        # reviewer's credentials as they were, like services._record.
        signed = action in {
            Action.APPROVED,
            Action.RECERTIFIED,
            Action.CHANGES_REQUESTED,
        }
        return (
            event_id,
            question_id,
            action,
            actor.user_id,
            actor.full_name,
            version,
            revision_id,
            actor.reviewer_id if signed else None,
            actor.display_name if signed else "",
            actor.credentials if signed else "",
            actor.specialty if signed else "",
            actor.coi if signed else "",
            comment,
            at,
        )

    # --- Members ----------------------------------------------------------------

    def members(self) -> None:
        rng = self._rng("members")
        total = self.sizes.members
        user_id = self.loader.next_id(User)
        member_id = self.loader.next_id(Member)
        email_id = self.loader.next_id(EmailAddress)
        pair_id = self.loader.next_id(MemberCondition)
        self.member_ids_start = member_id
        taken = set(
            User.objects.filter(username__startswith="member-").values_list(
                "username", flat=True
            )
        )
        pseudonyms: set[str] = set()
        suffixes: dict[str, int] = {}
        countries = [code for code, _ in text.COUNTRIES]
        country_weights = list(accumulate(weight for _, weight in text.COUNTRIES))
        relations = [Relation.LIVES_WITH, Relation.CAREGIVER, Relation.FAMILY]
        conditions = len(self.conditions)
        chunk = 20_000
        for start in range(0, total, chunk):
            users, members, emails, pairs = [], [], [], []
            for number in range(start, min(start + chunk, total)):
                username = f"member-{rng.getrandbits(48):012x}"
                while username in taken:
                    username = f"member-{rng.getrandbits(48):012x}"
                taken.add(username)
                joined_ago = (rng.random() ** 1.7 * 4 * 365 + 1) * DAY
                joined = self._at(joined_ago)
                email = f"member{number + 1}@{EMAIL_DOMAIN}"
                users.append(
                    (
                        user_id,
                        self.password,
                        None,
                        False,
                        username,
                        "",
                        "",
                        email,
                        False,
                        True,
                        joined,
                    )
                )
                emails.append((email_id, user_id, email, True, True))
                pseudonym = self._pseudonym(rng, pseudonyms, suffixes)
                country = countries[
                    bisect(country_weights, rng.random() * country_weights[-1])
                ]
                members.append(
                    (
                        member_id,
                        user_id,
                        pseudonym,
                        country,
                        bool(country) and rng.random() < 0.85,
                        joined,
                        CONSENT_VERSION,
                        False,
                        joined,
                    )
                )
                wanted = min(conditions, rng.choices([1, 2, 3], weights=[70, 22, 8])[0])
                chosen: list[int] = []
                while len(chosen) < wanted:
                    index = bisect(self.popularity, rng.random() * self.popularity[-1])
                    if index not in chosen:
                        chosen.append(index)
                mine = []
                for index in chosen:
                    relation = relations[bisect((60, 85, 100), rng.random() * 100)]
                    since = joined_ago - rng.uniform(0, min(2 * DAY, joined_ago / 2))
                    pairs.append(
                        (
                            pair_id,
                            member_id,
                            self.conditions[index].id,
                            relation,
                            self._at(since),
                        )
                    )
                    mine.append((index, relation, since))
                    pair_id += 1
                self.member_joined.append(joined_ago)
                self.member_pairs.append(mine)
                user_id += 1
                member_id += 1
                email_id += 1
            self.loader.write(User, USER_FIELDS, users)
            self.loader.write(EmailAddress, EMAIL_FIELDS, emails)
            self.loader.write(Member, MEMBER_FIELDS, members)
            self.loader.write(MemberCondition, PAIR_FIELDS, pairs)
            self.progress("members", min(start + chunk, total), total)

    @staticmethod
    def _pseudonym(rng: random.Random, used: set[str], suffixes: dict[str, int]) -> str:
        roll = rng.random()
        if roll < 0.35:
            base = rng.choice(text.PSEUDONYM_ADJECTIVES) + rng.choice(
                text.PSEUDONYM_WORDS
            )
        elif roll < 0.6:
            base = f"{rng.choice(text.FIRST_NAMES)}{rng.randint(1, 99)}"
        elif roll < 0.8:
            surname = rng.choice(text.SURNAMES)[:3]
            base = f"{rng.choice(text.FIRST_NAMES)}_{surname}".lower()
        elif roll < 0.9:
            base = rng.choice(text.FAMILY_ROLES) + rng.choice(text.FAMILY_COUNTS)
        else:
            word = rng.choice(text.PSEUDONYM_WORDS).lower()
            base = f"{word}.{rng.choice(text.FIRST_NAMES).lower()}"
        candidate = base
        separator = "_" if base[-1].isdigit() else ""
        while candidate.casefold() in used:
            suffixes[base] = suffixes.get(base, 1) + 1
            candidate = f"{base}{separator}{suffixes[base]}"
        used.add(candidate.casefold())
        return candidate

    # --- Experiences ------------------------------------------------------------

    def _member_text(self) -> list[list[tuple[str, str]]]:
        """Openings, middles and closings, each as (Markdown, HTML) with name
        placeholders; posts join one of each, which renders the same as the
        joined text (checked by the tests)."""
        return [
            [
                (_tokens(part), str(render_member(_tokens(part))) if part else "")
                for part in parts
            ]
            for parts in (
                text.EXPERIENCE_OPENINGS,
                text.EXPERIENCE_MIDDLES,
                text.EXPERIENCE_CLOSINGS,
            )
        ]

    def experiences(self) -> None:
        rng = self._rng("experiences")
        members = len(self.member_joined)
        published, pending = self.sizes.experiences, self.sizes.pending
        total = published + pending
        if not total:
            return
        # Some members write a lot, most a little (a capped Pareto tail).
        activity = list(
            accumulate(min(rng.paretovariate(1.5), 60) for _ in range(members))
        )
        counts = [0] * members
        for index in rng.choices(range(members), cum_weights=activity, k=published):
            counts[index] += 1
        # Posts wait for a moderator only until a member has three approved.
        new_members = [index for index in range(members) if counts[index] < 3]
        waiting = [0] * members
        for index in rng.choices(new_members or range(members), k=pending):
            waiting[index] += 1

        openings, middles, closings = self._member_text()
        moderators = self.moderators
        experience_id = self.loader.next_id(Experience)
        event_id = self.loader.next_id(ModerationEvent)
        done = 0
        chunk = 10_000
        for start in range(0, members, chunk):
            posts, events = [], []
            for index in range(start, min(start + chunk, members)):
                mine = counts[index] + waiting[index]
                if not mine:
                    continue
                pairs = self.member_pairs[index]
                joined = self.member_joined[index]
                ages = sorted(
                    (rng.uniform(HOUR, joined) for _ in range(counts[index])),
                    reverse=True,
                )
                ages += [rng.uniform(600, 14 * DAY) for _ in range(waiting[index])]
                for position, created_ago in enumerate(ages):
                    condition_index, relation, _since = rng.choice(pairs)
                    condition = self.conditions[condition_index]
                    question_id = None
                    if rng.random() < 0.65:
                        ids = condition.question_ids
                        question_id = ids[int(len(ids) * rng.random() ** 2)]
                    opening = rng.choice(openings)
                    parts = [opening]
                    if rng.random() < 0.75:
                        parts.append(rng.choice(middles))
                    closing = rng.choice(closings)
                    if closing[0]:
                        parts.append(closing)
                    body = _fill(
                        "\n\n".join(source for source, _ in parts),
                        condition.name,
                        condition.inside,
                    )
                    html = _fill(
                        "".join(html for _, html in parts),
                        condition.html_name,
                        condition.html_inside,
                    )
                    created = self._at(created_ago)
                    key = uuid.UUID(int=rng.getrandbits(128), version=4)
                    status = ExperienceStatus.PUBLISHED
                    needs_review = False
                    published_at = created
                    if position >= counts[index]:
                        status, published_at = ExperienceStatus.PENDING, None
                    elif position < 3:
                        # Moderated before it went live.
                        delay = rng.uniform(HOUR / 2, 36 * HOUR)
                        published_at = self._at(
                            max(created_ago - delay, created_ago / 2)
                        )
                        moderator = rng.choice(moderators)
                        events.append(
                            (
                                event_id,
                                experience_id,
                                experience_id,
                                ModerationEvent.Action.APPROVED,
                                moderator.user_id,
                                moderator.full_name,
                                "",
                                published_at,
                            )
                        )
                        event_id += 1
                    elif created_ago < 2 * DAY:
                        needs_review = True  # a trusted post not checked yet
                    else:
                        moderator = rng.choice(moderators)
                        events.append(
                            (
                                event_id,
                                experience_id,
                                experience_id,
                                ModerationEvent.Action.REVIEWED,
                                moderator.user_id,
                                moderator.full_name,
                                "",
                                self._at(created_ago - rng.uniform(HOUR, 40 * HOUR)),
                            )
                        )
                        event_id += 1
                    posts.append(
                        (
                            experience_id,
                            self.member_ids_start + index,
                            condition.id,
                            question_id,
                            relation,
                            body,
                            html,
                            "",
                            status,
                            needs_review,
                            key,
                            "",
                            created,
                            published_at,
                            published_at or created,
                        )
                    )
                    experience_id += 1
                    done += 1
            self.loader.write(Experience, EXPERIENCE_FIELDS, posts)
            self.loader.write(ModerationEvent, MODERATION_FIELDS, events)
            self.progress("experiences", done, total)


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
CONDITION_FIELDS = [
    "id",
    "name",
    "slug",
    "acronym",
    "acronym_expansion",
    "synonyms",
    "summary",
    "prevalence",
    "review_interval_days",
    "created_at",
    "updated_at",
]
CRITERIA_FIELDS = ["id", "condition", "category", "items", "source", "version", "order"]
QUESTION_FIELDS = [
    "id",
    "condition",
    "text",
    "slug",
    "kind",
    "topic",
    "order",
    "show_criteria",
    "short_answer",
    "body",
    "status",
    "draft_version",
    "live_revision",
    "last_review",
    "next_review_due",
    "created_at",
    "updated_at",
]
REFERENCE_FIELDS = ["id", "question", "order", "citation", "url", "pmid", "doi"]
REVISION_FIELDS = [
    "id",
    "question",
    "number",
    "draft_version",
    "question_text",
    "short_answer",
    "body",
    "body_html",
    "references",
    "criteria",
    "content_changed",
    "content_updated_at",
    "reviewer",
    "reviewer_name",
    "reviewer_credentials",
    "reviewer_specialty",
    "coi_statement",
    "approved_at",
]
EVENT_FIELDS = [
    "id",
    "question",
    "action",
    "actor",
    "actor_name",
    "draft_version",
    "revision",
    "reviewer",
    "reviewer_name",
    "reviewer_credentials",
    "reviewer_specialty",
    "coi_statement",
    "comment",
    "created_at",
]
SEARCH_FIELDS = [
    "id",
    "question",
    "condition",
    "condition_terms",
    "question_text",
    "answer_text",
    "updated_at",
]
MEMBER_FIELDS = [
    "id",
    "user",
    "pseudonym",
    "country",
    "counted_in_map",
    "health_data_consent_at",
    "consent_version",
    "is_former",
    "created_at",
]
EMAIL_FIELDS = ["id", "user", "email", "verified", "primary"]
PAIR_FIELDS = ["id", "member", "condition", "relation", "created_at"]
EXPERIENCE_FIELDS = [
    "id",
    "author",
    "condition",
    "question",
    "relation",
    "body",
    "body_html",
    "pending_body",
    "status",
    "needs_review",
    "submission_key",
    "moderation_reason",
    "created_at",
    "published_at",
    "updated_at",
]
MODERATION_FIELDS = [
    "id",
    "experience",
    "experience_ref",
    "action",
    "actor",
    "actor_name",
    "reason",
    "created_at",
]

# Tables the generator fills, in an order that deletes cleanly (children first).
FILLED = [
    ModerationEvent,
    Experience,
    MemberCondition,
    Member,
    SearchEntry,
    ReviewEvent,
    AnswerRevision,
    Reference,
    Question,
    CriteriaList,
    ConditionCode,
    Condition,
]


def remove_existing(connection) -> None:
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
    rendered = [StoredPage, PageStamp]
    tables = [model._meta.db_table for model in [Report, *rendered, *FILLED]]
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
HISTORY_MODELS = [Condition, ConditionCode, CriteriaList, Question, Reference]
