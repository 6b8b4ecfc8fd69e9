"""Screening, sentence by sentence: negation, idioms, reporting, history,
inflections, case, punctuation, Unicode, typos, and a result that is safe
to store. The labelled set (test_screening_labelled_set.py) measures the
whole; these pin the rules that the set relies on."""

import json
import logging

import pytest

from community.screening import (
    CRISIS,
    CRISIS_HISTORY,
    HARMFUL_ADVICE,
    Screening,
    TermListError,
    _compile,
    lexicon,
    screen,
)


def classes(text: str) -> set[str]:
    return set(screen(text).classes)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I am not suicidal.", set()),
        ("I have never had suicidal thoughts.", set()),
        ("I don't want to die from this disease.", set()),
        ("I'm not going to overdose.", set()),
        # The negation ends at the clause: "and", "but" and commas end it.
        ("I'm not okay and I want to die.", {CRISIS}),
        ("I'm not suicidal, but I want to die.", {CRISIS}),
        # Pseudo-negations: the "not"/"can't" is part of the distress.
        ("I can't stop thinking about killing myself.", {CRISIS}),
        ("I'm not sure I want to live anymore.", {CRISIS}),
        ("I no longer want to live.", {CRISIS}),
        ("I don't want to be here anymore.", {CRISIS}),
    ],
)
def test_it_reads_negation_within_the_clause(text, expected):
    assert classes(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I would die for a good night's sleep.",
        "The fatigue is killing me.",
        "My feet are killing me.",
        "This cake is to die for.",
        "I could kill for a coffee.",
        "I'm dying to know the results.",
        "I'm killing it at physio.",
        "Killing time in the infusion chair.",
        "I hurt myself falling down the stairs.",
        "I cut myself shaving.",
        "Suicide prevention training should be standard.",
        "I lost my brother to suicide.",
        "That film about suicide was hard to watch.",
    ],
)
def test_idioms_and_bereavement_are_not_crisis(text):
    # Decision: "X is killing me" about pain or fatigue is an idiom.
    assert classes(text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "I want to die.",
        "I WANT TO DIE!!!",
        "i wanna kill myself",
        "She keeps cutting herself.",
        "He killed... no, he is killing himself slowly, he says he wants to die.",
        "I've been self-harming.",
        "I've been self harming.",
        "I've been selfharming.",
    ],
)
def test_inflections_case_and_punctuation(text):
    assert CRISIS in classes(text)


@pytest.mark.parametrize(
    "text",
    [
        "I want to ｋｉｌｌ myself",  # fullwidth letters (NFKC)
        "I feel sui\u00adcidal",  # soft hyphen
        "I feel sui\u200bcidal",  # zero-width space
        "I feel suïcidal",  # an accent
        "I don’t want to be here anymore",  # a typographic apostrophe
        "ＩＭ ＳＵＩＣＩＤＡＬ",
        "I feel sucidal",  # one letter missing
        "I feel suicdial",  # two letters swapped
    ],
)
def test_unicode_forms_and_typos_read_as_the_plain_word(text):
    assert CRISIS in classes(text)


def test_typo_correction_is_limited_to_listed_words():
    # "sundial" is one word away from nothing on the list; "medical" is not
    # "medication"; short words are never corrected.
    for text in ["Stop your sundial", "Stop your medical", "I feel sad"]:
        assert classes(text) == set(), text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Years ago I was suicidal, now I'm well.", {CRISIS_HISTORY}),
        ("I used to self harm as a teenager.", {CRISIS_HISTORY}),
        # The past clause is history, the clause saying it is back is crisis:
        # the post is high risk.
        (
            "I used to cut myself, and I've started cutting again.",
            {CRISIS, CRISIS_HISTORY},
        ),
        # Recency in the same clause wins over a distance cue.
        ("I used to self harm and I'm self harming again", {CRISIS_HISTORY, CRISIS}),
        ("Years ago I self harmed, I self harm again now", {CRISIS_HISTORY, CRISIS}),
        ("I took an overdose last night.", {CRISIS}),
    ],
)
def test_a_past_crisis_is_history_unless_it_is_back(text, expected):
    result = screen(text)
    assert set(result.classes) == expected
    assert result.risk == ("high" if CRISIS in expected else "medium")


@pytest.mark.parametrize(
    "text",
    [
        "My doctor stopped my steroids.",
        "My consultant told me to stop the methotrexate before surgery.",
        "Don't stop your steroids suddenly.",
        "Talk to your GP before you stop your steroids.",
        "My neighbour said stop your steroids, which is nonsense.",
        "Colloidal silver is a scam.",
        "Someone claimed bleach cures autism.",
        "Should I stop my steroids?",
        "If you ever feel suicidal, please call Samaritans.",
        "My GP asked if I had thoughts of suicide.",
    ],
)
def test_reports_questions_warnings_and_deferral_are_not_flagged(text):
    assert classes(text) == set()


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Stop your steroids, they are poison.", "stop_treatment"),
        ("Just come off the pred.", "stop_treatment"),
        ("Double your dose when it flares.", "change_treatment"),
        ("Take my leftover tablets.", "start_treatment"),
        ("Colloidal silver cured my sarcoidosis.", "unproven_cure"),
    ],
)
def test_advice_to_others_is_flagged_with_its_category(text, category):
    result = screen(text)
    assert result.classes == {HARMFUL_ADVICE}
    assert category in result.categories
    assert result.risk == "medium"


@pytest.mark.parametrize("text", [None, "", "   ", "\n\n", "...", "🙂"])
def test_empty_and_wordless_input_is_low_risk(text):
    result = screen(text)
    assert result.matches == ()
    assert result.risk == "low"
    assert not result.is_crisis


def test_the_result_holds_ids_and_offsets_never_the_text():
    marker = "Zyxwvutq"
    text = f"{marker} here. I want to die. Stop your steroids, {marker}."
    result = screen(text)
    assert result.risk == "high"
    assert result.is_crisis
    stored = json.dumps(result.as_dict())
    assert marker.casefold() not in stored.casefold()
    assert marker.casefold() not in repr(result).casefold()
    assert set(result.as_dict()) == {
        "risk",
        "classes",
        "categories",
        "terms",
        "spans",
        "terms_version",
    }
    # A moderator gets the matched words back from the text they already have.
    assert ("crisis.suicide.want_to_die", "want to die") in result.phrases(text)
    assert all(term in lexicon().term_ids for term in result.terms)


def test_a_stored_result_says_which_term_list_made_it():
    result = screen("I want to die")
    assert result.terms_version == lexicon().version
    assert len(result.terms_version) == 12


def test_it_logs_nothing(caplog):
    caplog.set_level(logging.DEBUG)
    screen("Nothing to see. I want to die, stop your steroids.")
    assert caplog.records == []


def test_matches_per_term_are_capped_so_a_result_stays_small():
    result = screen("I want to die. " * 500)
    assert isinstance(result, Screening)
    assert len(result.matches) <= 3


def test_the_term_list_cites_a_source_for_every_class():
    lex = lexicon()
    assert len(lex.term_ids) == len(set(lex.term_ids))
    assert {c.name for c in lex.classes} == {CRISIS, HARMFUL_ADVICE}
    for source in lex.sources.values():
        assert source["title"] and source["url"].startswith("https://")
        assert source["used_for"]


@pytest.mark.parametrize(
    "pattern",
    ["~9 die", "~ die", "die? ~2", "? die", "$ die", "@nosuchgroup die", "di.e"],
)
def test_a_malformed_pattern_is_refused_with_its_place(pattern):
    with pytest.raises(TermListError, match="test-place"):
        _compile(pattern, {}, "test-place")
