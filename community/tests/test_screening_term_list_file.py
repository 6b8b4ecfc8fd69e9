"""A broken or empty term list is refused by name, before it can screen
anything: an empty file must not quietly screen nothing (every crisis post
would then go out unflagged), and `manage.py check` says so at deploy time
rather than a member's post failing with a server error."""

import pytest

from community import screening
from community.screening import TermListError, lexicon
from community.screening.checks import check_term_list


@pytest.fixture
def term_file(tmp_path, monkeypatch):
    path = tmp_path / "terms.yaml"
    monkeypatch.setattr(screening, "TERMS_FILE", path)
    lexicon.cache_clear()
    yield path
    lexicon.cache_clear()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "is empty"),
        ("# only a comment\n", "is empty"),
        ("- a list\n- not a mapping\n", "must be a mapping"),
        ("version: 1\nclasses: {}\n", "no class crisis"),
        (
            "version: 1\nclasses:\n  harmful_advice: {}\n  crisis:\n    categories:\n"
            "      ideation:\n        - patterns: [want to die]\n",
            "crisis.ideation: an entry has no id",
        ),
        (
            "version: 1\nclasses:\n  harmful_advice: {}\n  crisis:\n    categories:\n"
            "      ideation:\n        - id: wish\n",
            "crisis.ideation.wish: no patterns",
        ),
    ],
)
def test_a_broken_term_list_is_refused_by_name(term_file, content, message):
    term_file.write_text(content)
    with pytest.raises(TermListError, match=message):
        lexicon()


def test_manage_py_check_reports_a_broken_term_list(term_file):
    term_file.write_text("")
    errors = check_term_list(app_configs=None)
    assert [e.id for e in errors] == ["community.E001"]
    assert "is empty" in errors[0].msg
    assert "terms.yaml" in errors[0].hint


def test_the_shipped_term_list_passes_the_check():
    lexicon.cache_clear()
    assert check_term_list(app_configs=None) == []
