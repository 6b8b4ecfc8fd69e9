"""`{% condition_map %}` (public/templatetags/community_blocks.py) prints what
the template it replaced printed (public/tests/reference/community_map.html),
character for character, for maps with no bars, one member, many countries and
hostile or long country names."""

from pathlib import Path
from types import SimpleNamespace

from django.template import Context, Engine
from django.test import SimpleTestCase

from public.community_map import Row, chart
from public.templatetags.community_blocks import map_html

REFERENCE = Path(__file__).parent / "reference" / "community_map.html"

CHARTS = {
    "no bars": [],
    "one member": [Row("France", 1)],
    "one country": [Row("Kenya", 15)],
    "many, hostile and long names": [
        Row("United Kingdom of Great Britain and Northern Ireland", 40),
        Row('<script>"Côte d’Ivoire" & co</script>', 25),
        Row("Other countries", 10),
        Row("Åland Islands", 5),
    ],
}


class MapHtmlTestCase(SimpleTestCase):
    def test_every_map_prints_as_the_template_did(self):
        template = Engine(
            builtins=["diseasemaps.lib.template_filters"],
            libraries={"i18n": "django.templatetags.i18n"},
        ).from_string(REFERENCE.read_text())
        for name in ["POEMS syndrome", 'Crow–Fukase <syndrome> & "friends"']:
            for case, rows in CHARTS.items():
                drawn = chart(rows)
                with self.subTest(condition=name, chart=case):
                    expected = template.render(
                        Context(
                            {
                                "condition": SimpleNamespace(public_name=name),
                                "chart": drawn,
                            }
                        )
                    )
                    self.assertEqual(map_html(name, drawn), expected)

    def test_the_cases_reach_every_part(self):
        html = map_html("POEMS syndrome", chart(CHARTS["many, hostile and long names"]))
        self.assertIn(
            "&lt;script&gt;&quot;Côte d’Ivoire&quot; &amp; co&lt;/script&gt;", html
        )
        self.assertIn("United Kingdom of Gre…", html)
        self.assertIn("At least 80 members with POEMS syndrome", html)
        self.assertIn(
            "At least 1 member with", map_html("X", chart(CHARTS["one member"]))
        )
        self.assertIn("Not enough members", map_html("X", chart([])))
