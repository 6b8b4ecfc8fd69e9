from django.test import SimpleTestCase

from community.privacy import identifying_details


class IdentifyingDetailsTestCase(SimpleTestCase):
    def test_it_finds_each_kind(self):
        cases = {
            "an email address": "mail me: jo.bloggs+poems@mail.co.uk",
            "a web address": "see https://example.org/my-story or www.myblog.net",
            "a phone number": "ring +44 7700 900123 any time",
            "a full date, such as a date of birth": "I was born on 12 March 1981.",
            "a street address": "We live at 14 Elm Tree Road near the park.",
        }
        for label, text in cases.items():
            with self.subTest(label=label):
                self.assertIn(label, identifying_details(text))

    def test_more_date_and_address_forms(self):
        for text in [
            "born 03/04/1990",
            "DOB 1990-04-03",
            "on May 3rd, 1990",
            "SW1A 1AA",
        ]:
            with self.subTest(text=text):
                self.assertTrue(identifying_details(text))

    def test_ordinary_health_stories_pass(self):
        text = (
            "I was diagnosed in 2019 at 45. My VEGF level was 1200 pg/mL and I had "
            "3 rounds of treatment over 18 months. Walking 2 km is possible again."
        )
        self.assertEqual(identifying_details(text), [])

    def test_year_ranges_and_doses_are_not_phone_numbers(self):
        for text in ["between 2019-2021", "took 400 mg 2 times", "VEGF 1,200 pg/mL"]:
            with self.subTest(text=text):
                self.assertNotIn("a phone number", identifying_details(text))
