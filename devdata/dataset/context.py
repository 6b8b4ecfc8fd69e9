"""What every phase of the generator shares: one run's sizes, random numbers,
dates, loader and progress report.

The phases live in modules of their own (accounts, conditions, questions,
members, experiences); this is the one thing each of them is handed, so that
none reaches into another's state and the rules that make a run repeatable
(one seeded `random.Random` per phase, dates counted back from one moment)
are written once.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from devdata.bulkload import BulkLoader
from devdata.dataset.sizes import Sizes

DAY = 86_400
HOUR = 3_600

# (phase, done, total): called as a phase goes, for the command to report.
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Run:
    sizes: Sizes
    seed: int
    anchor: datetime  # midnight UTC of the day dates are counted back from
    loader: BulkLoader
    progress: Progress
    password: str  # the hash every generated account gets

    def rng(self, phase: str) -> random.Random:
        """The phase's own random numbers, so that changing one size does not
        reshuffle the other tables."""
        # Not for secrets: the point is the same numbers on every run.
        return random.Random(f"{self.seed}/{phase}")  # noqa: S311

    def at(self, seconds_ago: float) -> datetime:
        return self.anchor - timedelta(seconds=int(seconds_ago))
