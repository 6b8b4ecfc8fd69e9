"""Names compare in one spelling: case, accents, dashes and punctuation do
not make two spellings of a name different (diseasemaps/lib/names.py)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from diseasemaps.lib.names import initial, normalise


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("Crow–Fukase syndrome", "crow fukase syndrome"),
        ("Crow-Fukase syndrome", "crow fukase syndrome"),
        ("crow  fukase   syndrome", "crow fukase syndrome"),
        ("CROW—FUKASE SYNDROME", "crow fukase syndrome"),
        ("Alström syndrome", "alstrom syndrome"),
        ("Behçet disease", "behcet disease"),
        ("Sjögren's syndrome", "sjogrens syndrome"),
        ("Sjögren’s syndrome", "sjogrens syndrome"),
        ("Ehlers-Danlos syndrome, type IV", "ehlers danlos syndrome type iv"),
        ("22q11.2 deletion syndrome", "22q11 2 deletion syndrome"),
        ("Paragangliomas 1 (PGL1)", "paragangliomas 1 pgl1"),
        ("Smith–Lemli–Opitz/RSH syndrome", "smith lemli opitz rsh syndrome"),
        ("  POEMS  ", "poems"),
        ("snake_case", "snake case"),
        ("Straße", "strasse"),
        ("", ""),
        ("–·…", ""),
    ],
)
def test_it_spells_names_one_way(text: str, normalised: str) -> None:
    assert normalise(text) == normalised


def test_en_dash_hyphen_and_space_are_the_same_name() -> None:
    assert (
        normalise("Crow–Fukase")
        == normalise("Crow-Fukase")
        == normalise("crow fukase")
        == "crow fukase"
    )


def test_the_initial_is_the_first_letter_in_capitals() -> None:
    assert initial(normalise("Ålström syndrome")) == "A"
    assert initial(normalise("3-methylglutaconic aciduria")) == "3"
    assert initial("") == ""


@given(st.text(max_size=60))
def test_normalising_twice_changes_nothing(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once
    assert once == once.strip()
    assert "  " not in once
