"""Word-level differences between two texts, as escaped HTML with <del>/<ins>."""

import difflib
import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_TOKENS = re.compile(r"\s+|[^\s]+")


def inline_diff(old: str, new: str) -> SafeString:
    """Mark removed words with <del> and added words with <ins>; the rest as is."""
    old_tokens = _TOKENS.findall(old or "")
    new_tokens = _TOKENS.findall(new or "")
    matcher = difflib.SequenceMatcher(a=old_tokens, b=new_tokens, autojunk=False)
    parts: list[str] = []
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        removed = escape("".join(old_tokens[a1:a2]))
        added = escape("".join(new_tokens[b1:b2]))
        if op == "equal":
            parts.append(removed)
        if op in {"delete", "replace"} and removed:
            parts.append(f"<del>{removed}</del>")
        if op in {"insert", "replace"} and added:
            parts.append(f"<ins>{added}</ins>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece is escaped above


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
