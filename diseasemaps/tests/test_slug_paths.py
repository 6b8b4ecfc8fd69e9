"""slug_path gives exactly what reverse() gives, under any script prefix."""

from django.test import SimpleTestCase
from django.urls import clear_script_prefix, reverse, set_script_prefix

from diseasemaps.lib.urls import slug_path


class SlugPathTestCase(SimpleTestCase):
    def tearDown(self) -> None:
        clear_script_prefix()

    def test_it_matches_reverse_for_answers_and_conditions(self):
        for prefix in ["/", "/site/"]:
            set_script_prefix(prefix)
            with self.subTest(prefix=prefix):
                self.assertEqual(
                    slug_path("public:answer", condition_slug="poems", slug="q-1"),
                    reverse(
                        "public:answer",
                        kwargs={"condition_slug": "poems", "slug": "q-1"},
                    ),
                )
                self.assertEqual(
                    slug_path("public:condition", slug="zq0qz"),
                    reverse("public:condition", kwargs={"slug": "zq0qz"}),
                )
