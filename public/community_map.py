"""Where members who chose to be counted live, by country, for one condition.

Countries with fewer than MIN_GROUP such members are merged into "Other
countries", so a small number can never point at a person.

Anyone can make accounts and say they live anywhere, so the map must also hold
against differencing: four members in Iceland, hidden in "Other countries",
must not show up as "Iceland: 5" when an attacker's account moves there. So:

- a country is named only from NAMED_AT members: MIN_GROUP plus a margin of
  MARGIN accounts that may be an attacker's. Up to MARGIN accounts moved into
  a country can only bring a group of MIN_GROUP or more real members into
  view, never a smaller one;
- every figure shown (countries and "Other countries") is rounded down to a
  multiple of STEP, and a figure that rounds to 0 is left out: one account
  moves a figure only when it crosses a step, which says nothing about a
  small group, and the exact total is never shown.

The editorial policy ("How we count") states this method.
"""

from dataclasses import dataclass

from django.db.models import Count
from django_countries import countries

from answers.models import Condition
from community.models import Member
from diseasemaps.lib.prepared import Prepared

MIN_GROUP = 5
MARGIN = 5
NAMED_AT = MIN_GROUP + MARGIN
STEP = 5
OTHER = "Other countries"

# Chart geometry (SVG user units).
BAR_HEIGHT, GAP, LABEL_WIDTH, BAR_WIDTH, VALUE_WIDTH = 22, 8, 150, 260, 50


@dataclass(frozen=True)
class Row:
    label: str
    count: int
    y: int = 0
    width: int = 0


# Its SQL is built once per process (diseasemaps/lib/prepared.py).
_MEMBERS_BY_COUNTRY = Prepared(
    "members on a condition's map, by country",
    lambda condition_id: (
        Member.objects.active()
        .filter(counted_in_map=True, conditions__condition_id=condition_id)
        .exclude(country="")
        .values("country")
        .annotate(members=Count("pk", distinct=True))
    ),
    condition_id=int,
)


def country_counts(condition: Condition) -> list[Row]:
    rows = _MEMBERS_BY_COUNTRY(condition_id=condition.pk)
    shown, other = [], 0
    for row in rows:
        if row["members"] >= NAMED_AT:
            shown.append((countries.name(row["country"]), _step(row["members"])))
        else:
            other += row["members"]
    shown.sort(key=lambda item: (-item[1], item[0]))
    if _step(other):
        shown.append((OTHER, _step(other)))
    return [Row(label, count) for label, count in shown]


def _step(count: int) -> int:
    """Rounded down to a multiple of STEP."""
    return count - count % STEP


def chart(rows: list[Row]) -> dict:
    """Bars laid out for the SVG template: every number drawn comes from `rows`."""
    largest = max((row.count for row in rows), default=1)
    laid_out = [
        Row(
            row.label,
            row.count,
            y=index * (BAR_HEIGHT + GAP),
            width=max(2, round(BAR_WIDTH * row.count / largest)),
        )
        for index, row in enumerate(rows)
    ]
    return {
        "rows": laid_out,
        "height": max(1, len(rows) * (BAR_HEIGHT + GAP) - GAP),
        "width": LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH,
        "label_width": LABEL_WIDTH,
        "bar_height": BAR_HEIGHT,
        "text_y": BAR_HEIGHT // 2 + 5,
        "total": sum(row.count for row in rows),
    }
