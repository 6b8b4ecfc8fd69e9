"""Dates on pages are YYYY-MM-DD in the site's time zone, as |date:"Y-m-d" was."""

from datetime import UTC, date, datetime

from django.template import Context, Template
from django.test import SimpleTestCase, override_settings


def render(value) -> str:
    return Template("{{ value|iso_date }}|{{ value|date:'Y-m-d' }}").render(
        Context({"value": value})
    )


class IsoDateTestCase(SimpleTestCase):
    def test_it_prints_what_the_date_filter_printed(self):
        late = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
        for value in [late, date(2026, 3, 1), None, ""]:
            with self.subTest(value=value):
                ours, django = render(value).split("|")
                self.assertEqual(ours, django)

    @override_settings(TIME_ZONE="Asia/Tokyo")
    def test_it_uses_the_site_time_zone(self):
        late = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
        self.assertEqual(render(late), "2026-03-02|2026-03-02")
