"""Screening hostile and huge input: the naughty-strings corpus, 100 KB
posts, and shapes built to make a matcher backtrack.

No timing threshold (a shared CI machine makes seconds meaningless): the
matcher's steps are counted instead. `community.screening` runs no regular
expression on member text; each pattern is tried at each token with
look-ahead bounded by the pattern, so ten times the text must cost at most
about ten times the steps, whatever the text holds.
"""

import random

import pytest

from community import screening
from community.screening import CRISIS, lexicon, screen
from diseasemaps.tests.hostile_corpus import corpus

KB = 1024


def words_of_the_list() -> list[str]:
    """Every literal word the term list uses: the text most likely to start
    partial matches everywhere."""
    return sorted(lexicon().known)


SHAPES = {
    "one long word": lambda: "a",
    "dots": lambda: ". ",
    "commas and apostrophes": lambda: ",'’ ",
    "negations": lambda: "not never no ",
    "partial crisis phrases": lambda: "I want to ",
    "partial advice phrases": lambda: "stop your stop taking you should ",
    "a full crisis phrase": lambda: "kill myself ",
    "fillers before an imperative": lambda: "just honestly please ",
    "skips that never close": lambda: "how many pills would ",
    "digits": lambda: "2019 ",
    "combining marks": lambda: "a\u0301\u0302\u0303 ",
    "zero-width characters": lambda: "s\u200bu\u200bi ",
    "the list's own words": lambda: (
        " ".join(random.Random(18).sample(words_of_the_list(), 200)) + " "
    ),
    "the naughty strings": lambda: " ".join(corpus()) + " ",
}


def of_length(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def steps_to_screen(text: str, monkeypatch) -> int:
    """Calls of the matcher's one recursive step, plus one per character."""
    count = 0
    real = screening._run

    def counted(*args):
        nonlocal count
        count += 1
        return real(*args)

    with monkeypatch.context() as patch:
        patch.setattr(screening, "_run", counted)
        screen(text)
    return count + len(text)


@pytest.mark.parametrize("shape", SHAPES)
def test_work_grows_linearly_with_the_text(shape, monkeypatch, report_figures):
    unit = SHAPES[shape]()
    small = steps_to_screen(of_length(unit, 10 * KB), monkeypatch)
    large = steps_to_screen(of_length(unit, 100 * KB), monkeypatch)
    ratio = large / small
    report_figures(
        f"screening steps, {shape}: {small} for 10 KB, {large} for 100 KB "
        f"(x{ratio:.2f})"
    )
    # Ten times the text, ten times the steps; 10 % for the edges of units.
    assert ratio <= 11, (shape, small, large)


def test_every_naughty_string_screens_without_error(report_figures):
    payloads = corpus()
    flagged = 0
    for payload in payloads:
        result = screen(payload)
        for match in result.matches:
            assert 0 <= match.start < match.end <= len(payload)
        flagged += bool(result.matches)
    report_figures(
        f"screening hostile corpus: {len(payloads)} strings, {flagged} flagged, "
        "0 errors"
    )


def test_a_crisis_at_the_end_of_100_kb_is_found():
    filler = of_length("The clinic was fine and the nurse was kind. ", 100 * KB)
    text = filler + "I want to die."
    result = screen(text)
    assert result.is_crisis
    [match] = result.matches
    assert text[match.start : match.end] == "want to die"


def test_100_kb_of_the_naughty_strings_and_crisis_words_is_screened():
    unit = " ".join(corpus()) + " I want to die. "
    text = of_length(unit, 100 * KB)
    result = screen(text)
    assert CRISIS in result.classes
    assert len(result.matches) <= 3 * len(lexicon().term_ids)
