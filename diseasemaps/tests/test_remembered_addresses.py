"""The builtins that remember (diseasemaps/lib/template_filters.py): `{% url %}`
and `{% asset %}` give what Django's `{% url %}` and `{% static %}` give, and
forget when a setting changes; `|clip` is `|truncatechars`."""

from django.template import Context, Engine, Template
from django.template.defaultfilters import truncatechars
from django.test import SimpleTestCase, override_settings
from django.urls import NoReverseMatch, set_script_prefix

from diseasemaps.lib import template_filters
from diseasemaps.lib.template_filters import clip

URLS = (
    "{% url 'public:home' %}|{% url 'public:condition' slug %}|"
    "{% url 'public:answer' condition_slug=slug slug='is-it-rare' %}|"
    "{% url 'public:condition' slug as kept %}{{ kept }}"
)


def django_template(text: str) -> Template:
    # Django's own tags, without this project's builtins.
    return Engine(libraries={"static": "django.templatetags.static"}).from_string(text)


class RememberedAddressesTestCase(SimpleTestCase):
    def setUp(self) -> None:
        template_filters._reversed.clear()
        template_filters._assets.clear()

    def test_url_prints_what_djangos_url_prints_every_time(self):
        for slug in ["poems-syndrome", "a_b", "x-1"]:
            context = {"slug": slug}
            expected = django_template(URLS).render(Context(context))
            for _ in range(2):  # reversed, then remembered
                with self.subTest(slug=slug):
                    self.assertEqual(Template(URLS).render(Context(context)), expected)
        self.assertTrue(template_filters._reversed)

    def test_a_wrong_name_still_fails_and_as_still_swallows_it(self):
        with self.assertRaises(NoReverseMatch):
            Template("{% url 'public:nothing' %}").render(Context())
        self.assertEqual(
            Template("{% url 'public:nothing' as x %}[{{ x }}]").render(Context()),
            "[]",
        )

    def test_the_script_prefix_is_part_of_what_is_remembered(self):
        text = "{% url 'public:home' %}|{% asset 'css/site.css' %}"
        try:
            set_script_prefix("/")
            plain = Template(text).render(Context())
            set_script_prefix("/mounted/")
            mounted = Template(text).render(Context())
        finally:
            set_script_prefix("/")
        self.assertEqual(plain.split("|")[0], "/")
        self.assertEqual(mounted.split("|")[0], "/mounted/")

    def test_asset_prints_what_static_prints(self):
        text = (
            "{% asset 'css/site.css' %}|"
            "{% asset 'img/share.png' as shared %}{{ shared }}"
        )
        expected = django_template(
            "{% load static %}{% static 'css/site.css' %}|"
            "{% static 'img/share.png' as shared %}{{ shared }}"
        ).render(Context())
        self.assertEqual(Template(text).render(Context()), expected)
        self.assertEqual(Template(text).render(Context()), expected)

    def test_a_changed_setting_forgets_what_was_remembered(self):
        Template("{% url 'public:home' %}{% asset 'css/site.css' %}").render(Context())
        self.assertTrue(template_filters._reversed)
        self.assertTrue(template_filters._assets)
        with override_settings(STATIC_URL="/elsewhere/"):
            self.assertFalse(template_filters._reversed)
            self.assertFalse(template_filters._assets)
            self.assertIn(
                "/elsewhere/",
                Template("{% asset 'css/site.css' %}").render(Context()),
            )

    def test_clip_is_truncatechars(self):
        texts = ["", "short", "x" * 160, "y" * 161, "é" * 170, "a\u0301" * 100]
        # U+0F73 is longer in NFC than as written.
        texts += ["\u0f73" * 120, "<b>&amp;</b>"]
        for text in texts:
            for length in [0, 1, 22, 160, 200, "x"]:
                with self.subTest(text=text[:10], length=length):
                    self.assertEqual(clip(text, length), truncatechars(text, length))
