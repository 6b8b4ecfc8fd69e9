"""Markdown subset to safe HTML.

Answers (written by editors) may use H2/H3 sub-question headings, paragraphs,
lists, emphasis and links. The output is always passed through nh3, so even a
compromised editor account cannot put script into a page.
"""

import nh3
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from markdown_it import MarkdownIt
from markdown_it.token import Token

ANSWER_TAGS = {"h2", "h3", "p", "ul", "ol", "li", "em", "strong", "a", "br"}
ANSWER_ATTRIBUTES = {
    "a": {"href", "title"},
    "h2": {"id"},
    "h3": {"id"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}

LIST_OPENERS = {"bullet_list_open", "ordered_list_open"}


def _parser() -> MarkdownIt:
    # "zero" switches every rule off; we switch on only the subset we support, so
    # images, raw HTML, tables and code blocks render as plain text.
    return MarkdownIt("zero", {"html": False}).enable(
        ["heading", "list", "emphasis", "link", "newline", "escape", "entity"]
    )


_md = _parser()


def parse(source: str) -> list[Token]:
    return _md.parse(source or "")


def inline_text(token: Token) -> str:
    """The words of an inline token as a reader sees them: no markup, no URLs."""
    parts = []
    for child in token.children or []:
        if child.type in {"text", "code_inline"}:
            parts.append(child.content)
        elif child.type in {"softbreak", "hardbreak"}:
            parts.append(" ")
    return "".join(parts)


def _adjust_headings(tokens: list[Token]) -> None:
    """H1 is the page's question, so body headings start at H2; give them ids."""
    used: set[str] = set()
    for index, token in enumerate(tokens):
        if token.type not in {"heading_open", "heading_close"}:
            continue
        level = int(token.tag[1])
        token.tag = "h2" if level <= 2 else "h3"
        if token.type == "heading_open":
            text = inline_text(tokens[index + 1]) if index + 1 < len(tokens) else ""
            base = slugify(text)[:60] or "section"
            anchor, n = base, 2
            while anchor in used:
                anchor, n = f"{base}-{n}", n + 1
            used.add(anchor)
            token.attrSet("id", anchor)


MEMBER_TAGS = {"p", "ul", "ol", "li", "em", "strong", "br"}
# Members write paragraphs, lists and emphasis only: no headings, no links (a
# link in a health story is more often spam or a way to identify someone).
_member_md = MarkdownIt("zero", {"html": False, "breaks": True}).enable(
    ["list", "emphasis", "newline", "escape", "entity"]
)


def render_member(source: str) -> SafeString:
    """Untrusted member text to HTML that can contain nothing but the subset."""
    html = _member_md.render(source or "")
    clean = nh3.clean(html, tags=MEMBER_TAGS, attributes={}, url_schemes=set())
    # nh3's output is the sanitised form: only MEMBER_TAGS, no attributes.
    return mark_safe(clean)  # noqa: S308  # nosec B308 B703


def render_answer(source: str) -> SafeString:
    tokens = parse(source)
    _adjust_headings(tokens)
    html = _md.renderer.render(tokens, _md.options, {})
    clean = nh3.clean(
        html,
        tags=ANSWER_TAGS,
        attributes=ANSWER_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )
    # nh3's output is the sanitised form: ANSWER_TAGS, http(s)/mailto links.
    return mark_safe(clean)  # noqa: S308  # nosec B308 B703


def plain_text(source: str) -> str:
    """The readable words of a Markdown text, one block per line."""
    lines = (inline_text(t) for t in parse(source) if t.type == "inline")
    return "\n".join(line for line in lines if line)


def paragraphs_ending_in_colon_without_list(source: str) -> list[str]:
    """Paragraphs that promise a list ("…criteria:") but are not followed by one."""
    tokens = parse(source)
    found = []
    for index, token in enumerate(tokens):
        if token.type != "paragraph_open":
            continue
        text = inline_text(tokens[index + 1]).rstrip()
        if not text.endswith(":"):
            continue
        following = tokens[index + 3] if index + 3 < len(tokens) else None
        if following is None or following.type not in LIST_OPENERS:
            found.append(text.strip())
    return found


def headings(source: str) -> list[tuple[int, str]]:
    tokens = parse(source)
    return [
        (int(t.tag[1]), inline_text(tokens[i + 1]))
        for i, t in enumerate(tokens)
        if t.type == "heading_open"
    ]
