"""Where members who chose to be counted live, by country, for one condition.

Countries with fewer than MIN_GROUP such members are merged into "Other
countries", so a small number can never point at a person.
"""

from dataclasses import dataclass

from django.db.models import Count
from django_countries import countries

from answers.models import Condition
from community.models import Member

MIN_GROUP = 5
OTHER = "Other countries"

# Chart geometry (SVG user units).
BAR_HEIGHT, GAP, LABEL_WIDTH, BAR_WIDTH, VALUE_WIDTH = 22, 8, 150, 260, 50


@dataclass(frozen=True)
class Row:
    label: str
    count: int
    y: int = 0
    width: int = 0


def country_counts(condition: Condition) -> list[Row]:
    rows = (
        Member.objects.active()
        .filter(counted_in_map=True, conditions__condition=condition)
        .exclude(country="")
        .values("country")
        .annotate(members=Count("pk", distinct=True))
    )
    shown, other = [], 0
    for row in rows:
        if row["members"] >= MIN_GROUP:
            shown.append((countries.name(row["country"]), row["members"]))
        else:
            other += row["members"]
    shown.sort(key=lambda item: (-item[1], item[0]))
    if other:
        shown.append((OTHER, other))
    return [Row(label, count) for label, count in shown]


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
