"""The demo's crisis contacts (issue 18): real services, each with its source,
written from those sources on the date below but NOT verified for
production. Every one is marked "needs a check before production", so a
production site warns (`manage.py check --deploy`, answers.W002) while any
of them is live. Development only, like everything in devdata/.

The last one stays a draft, for a reviewer to try the review screen on.
"""

from datetime import date

# When this list was written; nobody has checked it against the sources since.
WRITTEN = date(2026, 12, 5)

DEMO_CRISIS_CONTACTS = [
    {
        "country": "GB",
        "service": "Samaritans",
        "phone": "116 123",
        "hours": "24 hours, every day",
        "notes": "Free from any phone. You can talk about anything.",
        "source_url": "https://www.samaritans.org/how-we-can-help/contact-samaritan/",
        "order": 1,
    },
    {
        "country": "GB",
        "service": "Shout",
        "text_number": "85258",
        "hours": "24 hours, every day",
        "notes": "Text the word SHOUT. Free on major mobile networks.",
        "source_url": "https://giveusashout.org/get-help/",
        "order": 2,
    },
    {
        "country": "IE",
        "service": "Samaritans Ireland",
        "phone": "116 123",
        "hours": "24 hours, every day",
        "notes": "Free from any phone.",
        "source_url": "https://www.samaritans.org/ireland/how-we-can-help/contact-samaritan/",
        "order": 1,
    },
    {
        "country": "US",
        "service": "988 Suicide & Crisis Lifeline",
        "phone": "988",
        "text_number": "988",
        "other_contact": "https://988lifeline.org/chat/",
        "hours": "24 hours, every day",
        "notes": "Call, text or chat. Free and confidential.",
        "source_url": "https://988lifeline.org/",
        "order": 1,
    },
    {
        "country": "CA",
        "service": "9-8-8 Suicide Crisis Helpline",
        "phone": "988",
        "text_number": "988",
        "hours": "24 hours, every day",
        "notes": "Call or text, in English or French.",
        "source_url": "https://988.ca/",
        "order": 1,
    },
    {
        "country": "AU",
        "service": "Lifeline",
        "phone": "13 11 14",
        "other_contact": "https://www.lifeline.org.au/crisis-chat/",
        "hours": "24 hours, every day",
        "notes": "Call or chat online.",
        "source_url": "https://www.lifeline.org.au/",
        "order": 1,
    },
    {
        "country": "",
        "service": "Find A Helpline",
        "other_contact": "https://findahelpline.com/",
        "hours": "The website is open at all times; each helpline lists its hours",
        "notes": "Free, confidential helplines, searched by country.",
        "source_url": "https://findahelpline.com/",
        "order": 1,
    },
]

# Left as a draft for the demo reviewer to review.
DEMO_DRAFT_CRISIS_CONTACT = {
    "country": "NZ",
    "service": "Need to talk? 1737",
    "phone": "1737",
    "text_number": "1737",
    "hours": "24 hours, every day",
    "notes": "Free call or text, to talk with a trained counsellor.",
    "source_url": "https://1737.org.nz/",
    "order": 1,
}
