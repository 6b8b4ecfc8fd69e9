"""Reviewers see word-level changes as <del>/<ins> over escaped text, so an edit can
never inject markup into the review page, and one row per field says whether it
changed."""

import html as html_module
import re

from django.utils.safestring import SafeString
from hypothesis import given, settings
from hypothesis import strategies as st

from diseasemaps.lib.diff import field_diffs, inline_diff


def sides(marked: str) -> tuple[str, str]:
    """The old and the new text read back from inline_diff's markup."""
    old = re.sub(r"<ins>.*?</ins>", "", marked, flags=re.DOTALL)
    new = re.sub(r"<del>.*?</del>", "", marked, flags=re.DOTALL)
    old = old.replace("<del>", "").replace("</del>", "")
    new = new.replace("<ins>", "").replace("</ins>", "")
    return html_module.unescape(old), html_module.unescape(new)


def test_it_marks_a_replaced_word():
    html = inline_diff("It is not catching.", "It is never catching.")
    # A word carries the spaces after it, so changes read as whole phrases.
    assert html == "It is <del>not </del><ins>never </ins>catching."
    assert sides(html) == ("It is not catching.", "It is never catching.")


def test_it_marks_removed_words():
    html = inline_diff("It is very rare.", "It is rare.")
    assert re.findall(r"<del>(.*?)</del>", html) == ["very "]
    assert "<ins>" not in html
    assert sides(html) == ("It is very rare.", "It is rare.")


def test_it_marks_added_words():
    html = inline_diff("Hugging is safe.", "Hugging and kissing is safe.")
    assert [w.strip() for w in re.findall(r"<ins>(.*?)</ins>", html)] == ["and kissing"]
    assert "<del>" not in html
    assert sides(html) == ("Hugging is safe.", "Hugging and kissing is safe.")


def test_it_keeps_both_texts_recoverable_from_the_markup():
    old = "Touch, shared meals & close care are safe:\n- hugging"
    new = "Touch and <close> care are all safe:\n\n- hugging\n- kissing"
    assert sides(inline_diff(old, new)) == (old, new)


def test_it_marks_everything_when_one_side_is_empty():
    assert inline_diff("", "new words") == "<ins>new words</ins>"
    assert inline_diff("old words", "") == "<del>old words</del>"
    assert inline_diff(None, "new") == "<ins>new</ins>"


def test_it_escapes_html_in_removed_and_added_words():
    html = inline_diff("a <b>bold</b> & c", 'a <script>x</script> "q" & c')
    assert "<b>" not in html
    assert "<script>" not in html
    assert "<del>&lt;b&gt;bold&lt;/b&gt; </del>" in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    assert "&quot;q&quot;" in html
    assert html.endswith("&amp; c")


def test_it_escapes_html_in_unchanged_words():
    html = inline_diff("<b>keep</b> old", "<b>keep</b> new")
    assert html.startswith("&lt;b&gt;keep&lt;/b&gt; ")
    assert "<b>" not in html


@settings(max_examples=300, deadline=None)
@given(st.text(), st.text())
def test_it_keeps_arbitrary_texts_recoverable_and_escaped(old, new):
    marked = inline_diff(old, new)
    assert sides(marked) == (old, new)
    without_marks = re.sub(r"</?(del|ins)>", "", marked)
    assert "<" not in without_marks
    assert ">" not in without_marks


def test_it_returns_equal_text_unchanged_but_escaped():
    text = "Same words,\nsame <b> order & spacing."
    html = inline_diff(text, text)
    assert html == "Same words,\nsame &lt;b&gt; order &amp; spacing."
    assert "<del>" not in html
    assert "<ins>" not in html


def test_it_returns_safe_html():
    assert isinstance(inline_diff("a", "b"), SafeString)


def test_it_marks_changed_and_unchanged_fields():
    rows = field_diffs(
        {"short_answer": "No, it is not <b>catching</b>.", "body": "Same body"},
        {"short_answer": "No, it is never <b>catching</b>.", "body": "Same body"},
        {"short_answer": "Short answer", "body": "Body"},
    )
    assert [(r["label"], r["changed"]) for r in rows] == [
        ("Short answer", True),
        ("Body", False),
    ]
    assert rows[0]["html"] == (
        "No, it is <del>not </del><ins>never </ins>&lt;b&gt;catching&lt;/b&gt;."
    )
    assert rows[1]["html"] == "Same body"


def test_it_escapes_an_unchanged_field():
    rows = field_diffs({"x": "<i>same</i>"}, {"x": "<i>same</i>"}, {"x": "X"})
    assert rows[0]["changed"] is False
    assert rows[0]["html"] == "&lt;i&gt;same&lt;/i&gt;"


def test_it_follows_the_label_order_and_treats_missing_or_none_as_empty():
    rows = field_diffs(
        {"a": None, "b": "gone"},
        {"c": "new"},
        {"c": "C", "b": "B", "a": "A", "d": "D"},
    )
    assert [r["label"] for r in rows] == ["C", "B", "A", "D"]
    assert [r["changed"] for r in rows] == [True, True, False, False]
    assert rows[0]["html"] == "<ins>new</ins>"
    assert rows[1]["html"] == "<del>gone</del>"
    assert rows[2]["html"] == ""
