"""Answers are written in a small Markdown subset and always come out as sanitised
HTML: headings start at H2 and carry unique ids, raw HTML, images, tables, code and
dangerous link schemes never become markup, and the editor checks read the same
parse (unfinished lists, plain text, headings)."""

from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from diseasemaps.lib.markdown import (
    headings,
    paragraphs_ending_in_colon_without_list,
    plain_text,
    render_answer,
)

ALLOWED_ATTRIBUTES = {
    "h2": {"id"},
    "h3": {"id"},
    "p": set(),
    "ul": set(),
    "ol": {"start"},
    "li": set(),
    "em": set(),
    "strong": set(),
    "a": {"href", "title", "rel"},
    "br": set(),
}


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.found.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs) -> None:
        self.found.append((tag, dict(attrs)))


def tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(str(html))
    parser.close()
    return parser.found


def tag_names(html: str) -> set[str]:
    return {name for name, _ in tags(html)}


def links(html: str) -> list[dict[str, str | None]]:
    return [attrs for name, attrs in tags(html) if name == "a"]


def test_it_renders_a_sub_question_heading_with_an_id():
    html = render_answer("## Is it catching?")
    assert html.strip() == '<h2 id="is-it-catching">Is it catching?</h2>'


def test_it_renders_paragraphs_lists_and_emphasis():
    html = render_answer(
        "It is *rare* and **not** catching.\n\n- hugging\n- sharing a home\n\n"
        "3. third\n4. fourth"
    )
    assert "<p>It is <em>rare</em> and <strong>not</strong> catching.</p>" in html
    assert "<ul>\n<li>hugging</li>\n<li>sharing a home</li>\n</ul>" in html
    assert '<ol start="3">' in html
    assert "<li>fourth</li>" in html


def test_it_renders_a_hard_line_break():
    assert "<br>" in render_answer("line one  \nline two")


def test_it_renders_links_with_noopener_noreferrer():
    html = render_answer('See [the NHS page](https://www.nhs.uk/ "NHS").')
    assert links(html) == [
        {"href": "https://www.nhs.uk/", "title": "NHS", "rel": "noopener noreferrer"}
    ]


def test_it_keeps_mailto_links():
    html = render_answer("[Write to us](mailto:editors@diseasemaps.org)")
    assert links(html)[0]["href"] == "mailto:editors@diseasemaps.org"


def test_it_demotes_h1_to_h2_and_deeper_headings_to_h3():
    html = render_answer("# Top\n\n### Sub\n\n#### Deep")
    assert tags(html) == [
        ("h2", {"id": "top"}),
        ("h3", {"id": "sub"}),
        ("h3", {"id": "deep"}),
    ]


def test_it_gives_duplicate_headings_distinct_ids():
    html = render_answer("## Same\n\n## Same\n\n### Same\n\n## Same 2")
    ids = [attrs["id"] for _, attrs in tags(html)]
    assert ids == ["same", "same-2", "same-3", "same-2-2"]
    assert len(set(ids)) == len(ids)


def test_it_gives_headings_without_ascii_words_a_fallback_id():
    html = render_answer("## Что это?\n\n##")
    assert [attrs["id"] for _, attrs in tags(html)] == ["section", "section-2"]


def test_it_builds_heading_ids_from_the_words_not_the_markup():
    html = render_answer("## *Why* now?")
    assert tags(html)[0] == ("h2", {"id": "why-now"})


def test_it_never_renders_raw_html_as_tags():
    html = render_answer(
        "<script>alert(1)</script>\n\n"
        '<img src="x" onerror="alert(1)">\n\n'
        '<iframe src="https://evil.example"></iframe>\n\n'
        "## <script>alert(2)</script>\n\n"
        "&#60;script&#62;alert(3)&#60;/script&#62;"
    )
    assert "<script" not in html
    assert tag_names(html) <= {"p", "h2"}
    for _, attrs in tags(html):
        assert "onerror" not in attrs
        assert "src" not in attrs


def test_it_shows_raw_html_as_text():
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in render_answer(
        "<script>alert(1)</script>"
    )


def test_it_removes_javascript_and_data_link_urls():
    html = render_answer(
        "[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) "
        "[c](&#106;avascript:alert(1)) [d](vbscript:msgbox(1)) "
        "[e](data:text/html;base64,PHNjcmlwdD4=) [f](data:image/png;base64,AAAA) "
        "[g](ftp://files.example/x)"
    )
    for attrs in links(html):
        href = (attrs.get("href") or "").lower()
        assert not href.startswith(("javascript:", "vbscript:", "data:", "ftp:"))
    assert "href=" not in html


def test_it_does_not_render_images():
    html = render_answer("![a diagram](https://example.org/diagram.png)")
    assert "img" not in tag_names(html)
    assert "<img" not in html


def test_it_does_not_render_tables_code_or_quotes():
    html = render_answer(
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n```python\nprint(1)\n```\n\n"
        "    indented code\n\n> a quote\n\n`inline`\n\n---"
    )
    assert tag_names(html) == {"p"}


def test_it_finds_a_colon_paragraph_at_the_end():
    assert paragraphs_ending_in_colon_without_list("Doctors use these criteria:") == [
        "Doctors use these criteria:"
    ]


def test_it_finds_a_colon_paragraph_before_another_paragraph():
    source = "Doctors use these criteria:\n\nThey were agreed in 2003."
    assert paragraphs_ending_in_colon_without_list(source) == [
        "Doctors use these criteria:"
    ]


def test_it_finds_a_colon_paragraph_inside_a_list_item():
    source = "- It can affect these nerves:\n- the skin"
    assert paragraphs_ending_in_colon_without_list(source) == [
        "It can affect these nerves:"
    ]


def test_it_finds_a_colon_paragraph_before_a_heading():
    source = "The signs are:\n\n## What causes it?"
    assert paragraphs_ending_in_colon_without_list(source) == ["The signs are:"]


def test_it_accepts_a_colon_paragraph_followed_by_a_list():
    for source in [
        "Doctors use these criteria:\n\n- one\n- two",
        "Doctors use these criteria:\n- one",
        "Doctors use these criteria:\n\n1. one\n2. two",
        "- The nerves:\n  - of the skin\n  - of the hands",
    ]:
        assert paragraphs_ending_in_colon_without_list(source) == [], source


def test_it_ignores_a_colon_in_the_middle_of_a_paragraph():
    assert paragraphs_ending_in_colon_without_list("Note: it is rare.") == []


def test_it_drops_link_targets_from_plain_text():
    text = plain_text(
        'See [the NHS page](https://www.nhs.uk/conditions "NHS") first.\n\n'
        "## Where to get help\n\n- ask [your GP](https://gp.example/find)"
    )
    assert text == "See the NHS page first.\nWhere to get help\nask your GP"
    assert "https://" not in text


def test_it_drops_a_link_target_that_contains_parentheses():
    source = "[POEMS](https://en.wikipedia.org/wiki/POEMS_(syndrome)) is rare."
    assert 'href="https://en.wikipedia.org/wiki/POEMS_(syndrome)"' in render_answer(
        source
    )
    assert plain_text(source) == "POEMS is rare."


def test_it_reports_heading_levels_as_written():
    source = "# Top\n\n## Sub\n\n### Deeper\n\nNot a heading"
    assert headings(source) == [(1, "Top"), (2, "Sub"), (3, "Deeper")]


markdownish = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "# ",
                "## ",
                "### ",
                "\n",
                "\n\n",
                "- ",
                "1. ",
                "* ",
                "*",
                "**",
                "_",
                "[",
                "]",
                "(",
                ")",
                "![",
                "<",
                ">",
                "<script>",
                "</script>",
                '<img src=x onerror="alert(1)">',
                "<a href='javascript:x'>",
                "javascript:alert(1)",
                "data:text/html,x",
                "https://x.example",
                "mailto:a@b.example",
                '"',
                "'",
                "`",
                "```",
                "|",
                "  \n",
                "&",
                "&#60;",
                "\\",
                ":",
                "onerror=",
                "id=",
                "style=",
            ]
        ),
        st.text(max_size=5),
    ),
    max_size=40,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), markdownish))
def test_it_only_ever_outputs_allowed_tags_and_attributes(source):
    for name, attrs in tags(render_answer(source)):
        assert name in ALLOWED_ATTRIBUTES, (name, source)
        assert set(attrs) <= ALLOWED_ATTRIBUTES[name], (name, attrs, source)
