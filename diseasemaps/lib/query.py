"""Values read from the query string, checked before they reach a query.

Anything can arrive after `?`: PostgreSQL refuses a NUL in text with an error
(a 500, and an error mail to ADMINS, that anyone can repeat), and a value that
cannot be a slug can only find nothing. A view asks for the kind of value it
expects and gets None for anything else, without a query.
"""

import re

from django.http import QueryDict

# As Django's slug converter and validate_slug: ASCII letters, digits, - and _.
_SLUG = re.compile(r"[-a-zA-Z0-9_]+\Z")
MAX_SLUG_LENGTH = 255


def slug_param(query: QueryDict, name: str) -> str | None:
    """`query[name]` if it can be a slug, else None (missing, empty, NUL or
    any other character a slug never has, or longer than any slug)."""
    value = query.get(name)
    if not value or len(value) > MAX_SLUG_LENGTH or not _SLUG.match(value):
        return None
    return value
