"""The screening against its labelled set: precision and recall per class,
printed at the end of the run, with the goals of issue 18 asserted.

The set (community/tests/data/screening_sentences.yaml) comes in parts, each
written after the one before had been scored and the term list widened for
it; its header keeps the figures each part got before any change made for
it (crisis recall 0.20 to 0.40 on unseen sentences). The figures are printed
per part and for all, so a reader sees how much tuning flatters them.
"""

from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
import yaml

from community.screening import CRISIS, CRISIS_HISTORY, HARMFUL_ADVICE, screen

SET_FILE = Path(__file__).parent / "data" / "screening_sentences.yaml"
LABELS = (CRISIS, CRISIS_HISTORY, HARMFUL_ADVICE, "none")
# Parts the term list was adjusted against (each after its first score;
# "untouched" kept its name but guided the widening by phrase family, so it
# is tuned now), and the part it never was: its figures are printed, not
# asserted, so that a change to the term list cannot quietly be fitted to it.
TUNED = ("tune", "held_out", "fresh", "unseen", "final", "untouched")
# Written before the widening by phrase family and scored once before and
# once after it; never used to change the list (see the set's header).
SEALED = ("sealed",)
SPLITS = (*TUNED, *SEALED)

# Issue 18's goals, asserted on the tuned parts: a guard that no change to
# the term list loses what it finds. They are not met on unseen text (see the
# set's header and the sealed part's figures).
CRISIS_RECALL = 0.95
CRISIS_PRECISION = 0.6
ADVICE_RECALL = 0.8


@cache
def labelled() -> tuple[tuple[str, str, str], ...]:
    """(split, label, sentence) for every sentence of the set."""
    data = yaml.safe_load(SET_FILE.read_text(encoding="utf-8"))
    return tuple(
        (split, label, sentence)
        for split in SPLITS
        for label in LABELS
        for sentence in data[split].get(label) or ()
    )


@dataclass
class Score:
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0

    @property
    def recall(self) -> float:
        found = self.true_positive + self.false_negative
        return self.true_positive / found if found else 1.0

    @property
    def precision(self) -> float:
        flagged = self.true_positive + self.false_positive
        return self.true_positive / flagged if flagged else 1.0

    def line(self) -> str:
        tp, fp, fn = self.true_positive, self.false_positive, self.false_negative
        return (
            f"recall {self.recall:.2f} ({tp}/{tp + fn}), "
            f"precision {self.precision:.2f} ({tp}/{tp + fp})"
        )


def scores(parts: tuple[str, ...]) -> tuple[dict[str, Score], list[str]]:
    """Scores per class on some parts of the set, and the sentences missed or
    wrongly flagged, for the failure message."""
    result = {label: Score() for label in (CRISIS, CRISIS_HISTORY, HARMFUL_ADVICE)}
    mistakes = []
    for sentence_split, label, sentence in labelled():
        if sentence_split not in parts:
            continue
        classes = screen(sentence).classes
        for name, score in result.items():
            if name in classes and label == name:
                score.true_positive += 1
            elif name in classes:
                score.false_positive += 1
                mistakes.append(f"flagged {name}, labelled {label}: {sentence}")
            elif label == name:
                score.false_negative += 1
                mistakes.append(f"missed {name}: {sentence}")
    return result, mistakes


def test_the_set_is_large_varied_and_without_repeats():
    rows = labelled()
    assert len(rows) >= 300, len(rows)
    sentences = Counter(sentence for _, _, sentence in rows)
    assert [s for s, n in sentences.items() if n > 1] == []
    per_part = Counter((split, label) for split, label, _ in rows)
    for split in SPLITS:
        for label in LABELS:
            assert per_part[split, label] >= 3, (split, label)


def test_screening_keeps_the_goals_on_the_tuned_parts_and_prints_all(
    report_figures,
):
    named = {"all": SPLITS, "tuned": TUNED} | {split: (split,) for split in SPLITS}
    for name, parts in named.items():
        part, _ = scores(parts)
        count = sum(1 for s, _, _ in labelled() if s in parts)
        for label, score in part.items():
            report_figures(
                f"screening {label} ({name}, {count} sentences): {score.line()}"
            )
    # The goals hold on the tuned parts and on the whole set (the sealed
    # part in it); the sealed part's own figures are printed, not asserted.
    for parts in (TUNED, SPLITS):
        everything, mistakes = scores(parts)
        crisis = everything[CRISIS]
        advice = everything[HARMFUL_ADVICE]
        explain = "\n".join(mistakes)
        assert crisis.recall >= CRISIS_RECALL, explain
        assert crisis.precision >= CRISIS_PRECISION, explain
        assert advice.recall >= ADVICE_RECALL, explain


@pytest.mark.parametrize("split", SPLITS)
def test_ordinary_posts_and_hard_negatives_are_rarely_flagged(split, report_figures):
    negatives = [s for sp, label, s in labelled() if sp == split and label == "none"]
    flagged = [s for s in negatives if screen(s).classes]
    report_figures(
        f"screening false alarms ({split}): {len(flagged)} of {len(negatives)} "
        "sentences labelled none"
    )
    # Every false alarm puts a post in front of a moderator and, for crisis,
    # shows its writer the crisis page: keep them to one in ten.
    assert len(flagged) <= len(negatives) / 10, flagged
