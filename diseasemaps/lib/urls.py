"""Paths of pages whose only arguments are slugs, without a full reverse().

An answer page links to every other answer of its condition, and reverse()
costs about 40 µs a call: a fifth of rendering such a list. The pattern is
reversed once per view name and script prefix with markers in place of the
slugs, then filled in; slugs ([-a-zA-Z0-9_]) need no quoting, so the result
is the one reverse() gives.
"""

from functools import lru_cache

from django.urls import get_script_prefix, reverse


@lru_cache(maxsize=64)
def _template(prefix: str, viewname: str, names: tuple[str, ...]) -> str:
    markers = {name: f"zq{index}qz" for index, name in enumerate(names)}
    path = reverse(viewname, kwargs=markers)
    for index, marker in enumerate(markers.values()):
        path = path.replace(marker, f"{{{index}}}")
    return path


def slug_path(viewname: str, **slugs: str) -> str:
    """reverse(viewname, kwargs=slugs) for a pattern of slugs only."""
    template = _template(get_script_prefix(), viewname, tuple(slugs))
    return template.format(*slugs.values())
