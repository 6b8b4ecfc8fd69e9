"""Phase 3 of the generator: questions with their live answers, references and
search entries.

Each question is live, with `--revisions` approved revisions behind it (their
review trail is written by `devdata.dataset.reviews`); a few have a newer draft
waiting for a reviewer. The answers are made from the templates in
`devdata.dataset.text`, rendered once each (see `placeholders`).
"""

import json
import random
from datetime import timedelta

from django.utils import timezone

from answers import search_index
from answers.models import (
    DRAFT_FIELDS,
    AnswerRevision,
    Question,
    Reference,
    ReviewEvent,
    SearchEntry,
    Status,
)
from devdata.dataset import text
from devdata.dataset.accounts import StaffAccounts
from devdata.dataset.conditions import GeneratedCondition
from devdata.dataset.context import Run
from devdata.dataset.placeholders import AnswerTexts, tokens
from devdata.dataset.reviews import EVENT_FIELDS, REVISION_FIELDS, Answer, Trails

# The draft (as the admin's History keeps it), then its workflow state.
QUESTION_FIELDS = [
    "id",
    *DRAFT_FIELDS,
    "status",
    "draft_version",
    "live_revision",
    "last_review",
    "next_review_due",
    "created_at",
    "updated_at",
]
REFERENCE_FIELDS = ["id", "question", "order", "citation", "url", "pmid", "doi"]
SEARCH_FIELDS = [
    "id",
    "question",
    "condition",
    "condition_terms",
    "question_text",
    "answer_text",
    "updated_at",
]


def write_questions(
    run: Run, conditions: list[GeneratedCondition], staff: StaffAccounts
) -> None:
    """Write every question; each condition's `question_ids` are filled in."""
    Questions(run, conditions, staff).write()


class Questions:
    """One run of the phase: the numbering of its rows and the answer texts
    made so far."""

    def __init__(
        self, run: Run, conditions: list[GeneratedCondition], staff: StaffAccounts
    ) -> None:
        self.run = run
        self.conditions = conditions
        self.staff = staff
        self.texts = AnswerTexts()
        self.trails = Trails(run, self.texts)
        self.question_id = run.loader.next_id(Question)
        self.reference_id = run.loader.next_id(Reference)
        self.search_id = run.loader.next_id(SearchEntry)
        # Questions (numbered from 0 in the order written) with a newer draft.
        self.waiting: dict[int, Status] = {}

    def write(self) -> None:
        run = self.run
        rng = run.rng("questions")
        total = run.sizes.questions
        counts = self._counts(rng)
        in_review = run.sizes.in_review
        waiting = rng.sample(range(total), in_review + run.sizes.changes_requested)
        self.waiting = dict.fromkeys(waiting[:in_review], Status.IN_REVIEW)
        self.waiting.update(
            dict.fromkeys(waiting[in_review:], Status.CHANGES_REQUESTED)
        )
        first_question = self.question_id
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
            run.loader.write(Question, QUESTION_FIELDS, rows["question"])
            run.loader.write(Reference, REFERENCE_FIELDS, rows["reference"])
            run.loader.write(AnswerRevision, REVISION_FIELDS, rows["revision"])
            run.loader.write(ReviewEvent, EVENT_FIELDS, rows["event"])
            run.loader.write(SearchEntry, SEARCH_FIELDS, rows["search"])
            run.progress("questions", done, total)
        if run.loader.postgresql:
            # The weighted vectors are built in the database, by the same
            # expression that search.refresh uses for every later change.
            SearchEntry.objects.filter(question_id__gte=first_question).update(
                document=search_index.document()
            )
            run.progress("search vectors", total, total)

    def _counts(self, rng: random.Random) -> list[int]:
        """How many questions each condition gets: at least one, at most one
        per template, about the average, adding up to --questions exactly."""
        total, cap = self.run.sizes.questions, len(text.QUESTIONS)
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
        question_id = self.question_id
        self.question_id += 1
        condition.question_ids.append(question_id)
        show_criteria = (
            spec["slug"] == "how-is-it-diagnosed" and condition.criteria_json != "[]"
        )
        question_text = condition.named(tokens(spec["text"]))
        writer = rng.choice(self.staff.writers)
        pool = self.staff.by_specialty.get(condition.specialty, self.staff.reviewers)
        answer = Answer(
            question_id=question_id,
            condition=condition,
            template=template,
            text=question_text,
            placement=(spec["slug"], spec["kind"], spec["topic"], order),
            show_criteria=show_criteria,
            references_json=self._references(rng, condition, question_id, rows),
        )
        trail = self.trails.write(
            rng,
            answer,
            writer,
            pool,
            self.waiting.get(number, Status.PUBLISHED),
            rows["revision"],
            rows["event"],
        )
        short, body, _html, _plain = self.texts.get(
            template, trail.draft, show_criteria
        )
        # By name, so that the row follows DRAFT_FIELDS whatever its order, and
        # a draft field added to the model fails here instead of shifting columns.
        draft = {
            "condition": condition.id,
            "text": question_text,
            "slug": spec["slug"],
            "kind": spec["kind"],
            "topic": spec["topic"],
            "order": order,
            "show_criteria": show_criteria,
            "short_answer": condition.named(short),
            "body": condition.named(body),
            # A generated draft has no change waiting for readers' list.
            "change_summary": "",
        }
        rows["question"].append(
            (
                question_id,
                *(draft[name] for name in DRAFT_FIELDS),
                trail.status,
                trail.version,
                trail.live_revision,
                trail.last_review,
                timezone.localdate(trail.reviewed_at)
                + timedelta(days=condition.interval_days),
                trail.first_event,
                trail.last_event,
            )
        )
        short, _body, _html, plain = self.texts.get(template, trail.live, show_criteria)
        answer_text = search_index.index_text(f"{short}\n{plain}")
        rows["search"].append(
            (
                self.search_id,
                question_id,
                condition.id,
                condition.terms,
                search_index.index_text(question_text),
                condition.named(answer_text),
                trail.reviewed_at,
            )
        )
        self.search_id += 1

    def _references(
        self,
        rng: random.Random,
        condition: GeneratedCondition,
        question_id: int,
        rows: dict[str, list],
    ) -> str:
        """Append the question's references to its rows; returns them as the
        JSON that revisions keep."""
        references = []
        for position in range(1, rng.randint(1, 3) + 1):
            reference_id = self.reference_id
            self.reference_id += 1
            year = rng.randint(2008, 2025)
            authors = ", ".join(
                f"{surname} {rng.choice(text.FIRST_NAMES)[0]}"
                for surname in rng.sample(text.SURNAMES, 3)
            )
            title = condition.named(tokens(rng.choice(text.CITATION_TITLES)))
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
        return json.dumps(references)
