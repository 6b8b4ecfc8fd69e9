"""Word-level differences between two texts, as escaped HTML with <del>/<ins>."""

import difflib
import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# A word with the spaces after it; leading spaces stand alone. Spaces never match
# on their own, so a rewritten phrase is not cut into one-word pieces.
_TOKENS = re.compile(r"\S+\s*|\s+")
# An unchanged stretch this short between two changes reads better folded into
# them ("the", "a", "of").
_SHORT_EQUAL = 2


def _opcodes(old: list[str], new: list[str]) -> list[list]:
    # Compare words without their trailing spaces, so "end" matches "end ".
    matcher = difflib.SequenceMatcher(
        a=[t.strip() or t for t in old], b=[t.strip() or t for t in new], autojunk=False
    )
    ops = [list(op) for op in matcher.get_opcodes()]
    merged: list[list] = []
    for index, op in enumerate(ops):
        tag, a1, a2, b1, b2 = op
        between_changes = 0 < index < len(ops) - 1
        if tag == "equal" and between_changes and a2 - a1 <= _SHORT_EQUAL:
            tag = "replace"
        if merged and tag != "equal" and merged[-1][0] != "equal":
            merged[-1] = ["replace", merged[-1][1], a2, merged[-1][3], b2]
        else:
            merged.append([tag, a1, a2, b1, b2])
    return merged


def _same_word(before: str, after: str) -> str:
    """A matched word; only the spaces after it may differ (e.g. a new line)."""
    if before == after:
        return escape(after)
    word = after.rstrip()
    old_space, new_space = before[len(word) :], after[len(word) :]
    html = escape(word)
    if old_space:
        html += f"<del>{escape(old_space)}</del>"
    if new_space:
        html += f"<ins>{escape(new_space)}</ins>"
    return html


def inline_diff(old: str, new: str) -> SafeString:
    """Mark removed words with <del> and added words with <ins>; the rest as is."""
    old_tokens = _TOKENS.findall(old or "")
    new_tokens = _TOKENS.findall(new or "")
    parts: list[str] = []
    for op, a1, a2, b1, b2 in _opcodes(old_tokens, new_tokens):
        removed = escape("".join(old_tokens[a1:a2]))
        added = escape("".join(new_tokens[b1:b2]))
        if op == "equal":
            for before, after in zip(old_tokens[a1:a2], new_tokens[b1:b2], strict=True):
                parts.append(_same_word(before, after))
            continue
        if removed:
            parts.append(f"<del>{removed}</del>")
        if added:
            parts.append(f"<ins>{added}</ins>")
    html = "".join(parts)
    # Every piece is escaped above; only <del> and <ins> are ours.
    return mark_safe(html)  # noqa: S308  # nosec B308 B703


def field_diffs(old: dict[str, str], new: dict[str, str], labels: dict[str, str]):
    """One row per field: label, whether it changed, and the marked-up difference."""
    rows = []
    for key, label in labels.items():
        before, after = old.get(key, "") or "", new.get(key, "") or ""
        rows.append(
            {
                "label": label,
                "changed": before != after,
                "html": inline_diff(before, after)
                if before != after
                else escape(after),
            }
        )
    return rows
