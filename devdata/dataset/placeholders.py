"""Text made once per template, with placeholders where a condition's name goes.

This is where the generator's speed comes from: rendering Markdown and making
search text per row would take most of a run, and only the condition's name
differs between the rows made from one template. So templates are rendered
once with a placeholder in place of the name, and each row only swaps the
name in (see `fill`, and `GeneratedCondition.named`).
"""

import re

from devdata.dataset import text
from diseasemaps.lib.markdown import plain_text, render_answer

# Placeholders for a condition's name where a sentence starts and elsewhere
# ("Familial renal hypoplasia is…", "Is familial renal hypoplasia…?"): plain
# letters, which Markdown, nh3 and the search text keep as they are.
NAME_AT_START = "Zqstartnameqz"
NAME_INSIDE = "Zqinsidenameqz"
SENTENCE_START = re.compile(r"(^|[.!?]\s+|\n)\{name\}")

# Which version of an answer: (short answer, section, ending), each an index
# into the question template's variants.
Variant = tuple[int, int, int]


def tokens(template: str) -> str:
    """A template with placeholders for the name; see NAME_AT_START."""
    marked = SENTENCE_START.sub(lambda m: m.group(1) + NAME_AT_START, template)
    return marked.replace(text.NAME, NAME_INSIDE)


def fill(source: str, at_start: str, inside: str) -> str:
    return source.replace(NAME_AT_START, at_start).replace(NAME_INSIDE, inside)


class AnswerTexts:
    """Each version of each answer, with name placeholders, made once per run."""

    def __init__(self) -> None:
        self._bodies: dict[tuple[int, int, int, bool], tuple[str, str, str]] = {}
        self._shorts: dict[tuple[int, int], str] = {}

    def get(
        self, template: int, variant: Variant, criteria: bool
    ) -> tuple[str, str, str, str]:
        """(short answer, body, body HTML, body plain text)."""
        short, section, ending = variant
        return (
            self._short(template, short),
            *self._body(template, section, ending, criteria),
        )

    def _body(
        self, template: int, section: int, ending: int, criteria: bool
    ) -> tuple[str, str, str]:
        key = (template, section, ending, criteria)
        if key not in self._bodies:
            spec = text.QUESTIONS[template]
            parts = [spec["sections"][section]]
            parts += [text.SHARED_SECTIONS[i] for i in text.ENDINGS[ending]]
            body = tokens("\n\n".join(parts))
            if criteria:
                body += text.CRITERIA_LEAD
            self._bodies[key] = (body, str(render_answer(body)), plain_text(body))
        return self._bodies[key]

    def _short(self, template: int, variant: int) -> str:
        key = (template, variant)
        if key not in self._shorts:
            self._shorts[key] = tokens(text.QUESTIONS[template]["short"][variant])
        return self._shorts[key]
