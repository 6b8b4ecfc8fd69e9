"""What a generated data set holds and what it promises, before any row exists.

The sizes a user asked for (`Sizes`) and what is wrong with them, the error a
phase raises when the database is not ready, and the fixed facts people rely
on (the password, the address domain, how many writers and moderators). They
live apart from the phases because they are read from outside them too:
`manage.py generate_dataset` checks its options and writes its help from
them, and the tests log in with them.
"""

from dataclasses import dataclass

from devdata.dataset import text

# Every generated account has this password (development and load tests only;
# the command refuses to run with DEBUG off) and an address at this domain,
# which is also how a later run recognises the accounts it made.
PASSWORD = "diseasemaps-dataset"  # noqa: S105 - published on purpose, see README
EMAIL_DOMAIN = "dataset.diseasemaps.invalid"
WRITERS = 5
MODERATORS = 3
MAX_REVISIONS = 20


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
        # The upper bound is what the terminology catalogue has: the command
        # caps --conditions there (devdata.dataset.catalogue).
        if self.conditions < 1:
            found.append(f"--conditions must be at least 1 (got {self.conditions:,}).")
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

    @property
    def facts_in_review(self) -> int:
        """Conditions whose live facts have a newer change waiting for a
        reviewer: about 2%, and at least one."""
        return min(self.conditions, max(1, self.conditions // 50))
