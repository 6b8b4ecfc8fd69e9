"""Spot details in a post that could identify its author or someone else.

These are warnings, not rules: the member sees what we found and chooses to edit
or to post anyway. Patterns favour catching too much over too little.
"""

import re

MONTHS = (
    "jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|"
    "sep(t(ember)?)?|oct(ober)?|nov(ember)?|dec(ember)?"
)

PATTERNS: list[tuple[str, re.Pattern]] = [
    ("an email address", re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", re.I)),
    (
        "a web address",
        re.compile(r"\b(https?://|www\.)\S+|\b[\w-]+\.(com|org|net|co\.uk|io)\b", re.I),
    ),
    (
        "a full date, such as a date of birth",
        re.compile(
            r"\b\d{1,2}[/.-]\d{1,2}[/.-](\d{4}|\d{2})\b"
            r"|\b\d{4}-\d{2}-\d{2}\b"
            rf"|\b\d{{1,2}}(st|nd|rd|th)?\s+({MONTHS})\.?,?\s+\d{{4}}\b"
            rf"|\b({MONTHS})\.?\s+\d{{1,2}}(st|nd|rd|th)?,?\s+\d{{4}}\b",
            re.I,
        ),
    ),
    (
        "a street address",
        re.compile(
            r"\b\d{1,5}[a-z]?\s+(\w+\s){0,3}(street|st|road|rd|avenue|ave|lane|ln|"
            r"drive|dr|close|court|ct|way|boulevard|blvd|place|pl|terrace|crescent)\b"
            r"|\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b",  # UK postcode
            re.I,
        ),
    ),
]


PHONE_CANDIDATE = re.compile(r"(?<![\d/])\+?\d[\d\s().-]{6,}\d(?!\d)")


def _has_phone_number(text: str) -> bool:
    # Nine or more digits in one run of digits, spaces, dots, dashes and
    # brackets: long enough for a phone number, longer than years or doses.
    return any(
        sum(ch.isdigit() for ch in match.group()) >= 9
        for match in PHONE_CANDIDATE.finditer(text)
    )


def identifying_details(text: str) -> list[str]:
    """What kinds of identifying detail the text seems to contain, in order."""
    text = text or ""
    found = [label for label, pattern in PATTERNS if pattern.search(text)]
    if _has_phone_number(text):
        found.insert(2, "a phone number")
    return found
