"""The terminology catalogue in the admin: read-only for everyone, superusers
included; viewable by writers and reviewers (moderators see concepts only);
the condition form's code picker finds concepts by name and by code, only
among those a condition may carry; and the list pages cost a fixed number of
queries, whatever their length. On real data (devdata.terminology)."""

import hashlib
import json
from dataclasses import replace

from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from answers.models import Concept, TerminologyRelease, TerminologySource
from answers.terminology.codes import check_code
from answers.terminology.loading import load
from answers.terminology.sources import SOURCES
from devdata.personas import PersonasTestCase, make_user
from devdata.terminology import SAMPLE_CODES, load_sample, release_data, sample_data

AUTOCOMPLETE = reverse("admin:autocomplete")


def pick(client, term: str):
    return client.get(
        AUTOCOMPLETE,
        {
            "app_label": "answers",
            "model_name": "conditioncode",
            "field_name": "concept",
            "term": term,
        },
    )


def picked(response) -> list[str]:
    return [result["text"] for result in json.loads(response.content)["results"]]


class CatalogueAdminTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        load_sample()
        cls.concept = check_code("ORPHA", "2905")
        cls.source = cls.concept.release.source
        cls.release = cls.concept.release


class ReadOnlyTests(CatalogueAdminTestCase):
    def test_a_superuser_can_read_but_not_add_change_or_delete(self):
        self.client.force_login(self.admin)
        for model, obj in [
            ("terminologysource", self.source),
            ("terminologyrelease", self.release),
            ("concept", self.concept),
        ]:
            with self.subTest(model=model):
                change = reverse(f"admin:answers_{model}_change", args=[obj.pk])
                page = self.client.get(change)
                self.assertEqual(page.status_code, 200)
                self.assertNotContains(page, 'name="_save"')
                self.assertEqual(self.client.post(change, {}).status_code, 403)
                add = reverse(f"admin:answers_{model}_add")
                self.assertEqual(self.client.get(add).status_code, 403)
                delete = reverse(f"admin:answers_{model}_delete", args=[obj.pk])
                self.assertEqual(
                    self.client.post(delete, {"post": "yes"}).status_code, 403
                )
                listed = self.client.get(reverse(f"admin:answers_{model}_changelist"))
                self.assertNotContains(listed, "delete_selected")
        self.assertTrue(Concept.objects.filter(pk=self.concept.pk).exists())
        self.assertEqual(TerminologySource.objects.count(), 4)

    def test_the_source_page_shows_its_licence_attribution_and_releases(self):
        self.client.force_login(self.writer)

        page = self.client.get(
            reverse("admin:answers_terminologysource_change", args=[self.source.pk])
        )

        self.assertContains(page, "CC BY 4.0 (Orphadata)")
        self.assertContains(page, "© INSERM 1999")
        self.assertContains(page, f"{self.release.version}</a> — current")

    def test_the_release_page_shows_the_report_and_the_changes(self):
        data = sample_data("icd10cm", SAMPLE_CODES["icd10cm"])
        load(
            SOURCES["icd10cm"],
            replace(
                data,
                version=f"{data.version} b",
                digest=hashlib.sha256(f"{data.digest}-b".encode()).hexdigest(),
                concepts=[c for c in data.concepts if c.code != "D47.Z2"],
            ),
        )
        release = TerminologyRelease.objects.get(source__key="icd10cm", is_current=True)
        self.client.force_login(self.reviewer)

        page = self.client.get(
            reverse("admin:answers_terminologyrelease_change", args=[release.pk])
        )

        self.assertContains(
            page,
            f"Against {data.version}: 0 added, 0 renamed, 1 retired, 0 replaced.",
        )
        self.assertContains(page, "<li>D47.Z2 retired: Castleman disease</li>")

    def test_the_concept_page_shows_other_names_and_status(self):
        gard = check_code("GARD", "7411")
        self.client.force_login(self.writer)

        page = self.client.get(reverse("admin:answers_concept_change", args=[gard.pk]))

        self.assertContains(page, "POEMS syndrome")
        self.assertContains(page, "Crow-Fukase syndrome <small>(synonym)</small>")
        self.assertContains(page, "active")

    def test_the_concept_page_shows_cross_references_with_their_mapping(self):
        hpo = Concept.objects.filter(
            release__source__key="hpo", xrefs__isnull=False
        ).first()
        xref = hpo.xrefs.first()
        self.client.force_login(self.writer)

        page = self.client.get(reverse("admin:answers_concept_change", args=[hpo.pk]))

        self.assertContains(
            page,
            f"{xref.system}:{xref.code} <small>(mapping: "
            f"{xref.get_mapping_display()})</small>",
        )

    def test_moderators_see_concepts_but_not_sources_or_releases(self):
        self.client.force_login(self.moderator)

        for model, status in [
            ("concept", 200),
            ("terminologysource", 403),
            ("terminologyrelease", 403),
        ]:
            with self.subTest(model=model):
                url = reverse(f"admin:answers_{model}_changelist")
                self.assertEqual(self.client.get(url).status_code, status)

    def test_the_list_filters_by_source_and_status(self):
        self.client.force_login(self.writer)
        url = reverse("admin:answers_concept_changelist")

        page = self.client.get(
            url, {"release__source__id__exact": self.source.pk, "status": "active"}
        )

        rows = page.context["cl"].result_list
        self.assertEqual(
            sorted(concept.code for concept in rows),
            sorted(SAMPLE_CODES["orphanet"]),
        )


class PickerTests(CatalogueAdminTestCase):
    def test_it_finds_concepts_by_name(self):
        self.client.force_login(self.writer)

        found = picked(pick(self.client, "poems"))

        self.assertEqual(found, ["GARD:7411 — POEMS syndrome", str(self.concept)])

    def test_it_finds_concepts_by_code_with_or_without_the_prefix(self):
        self.client.force_login(self.writer)

        self.assertEqual(picked(pick(self.client, "2905")), [str(self.concept)])
        self.assertEqual(picked(pick(self.client, "ORPHA:2905")), [str(self.concept)])
        # A prefix names the source: GARD's 586 is not ORPHA's.
        self.assertEqual(
            picked(pick(self.client, "586")),
            ["ORPHA:586 — Cystic fibrosis"],
        )
        self.assertEqual(picked(pick(self.client, "GARD:586")), [])
        self.assertEqual(
            picked(pick(self.client, "D47.Z")),
            [
                "ICD-10-CM D47.Z2 — Castleman disease",
                str(check_code("ICD-10-CM", "D47.Z9")),
            ],
        )

    def test_it_offers_no_phenotype_and_nothing_retired_or_of_an_older_release(self):
        data = sample_data("icd10cm", SAMPLE_CODES["icd10cm"])
        load(
            SOURCES["icd10cm"],
            replace(
                data,
                version=f"{data.version} b",
                digest=hashlib.sha256(f"{data.digest}-b".encode()).hexdigest(),
                concepts=[
                    replace(c, status="retired") if c.code == "D47.Z2" else c
                    for c in data.concepts
                ],
            ),
        )
        self.assertTrue(Concept.objects.filter(code="HP:0000508").exists())
        self.client.force_login(self.writer)

        # Castleman disease, but not ICD-10-CM's D47.Z2, retired.
        self.assertEqual(
            picked(pick(self.client, "castleman")),
            ["GARD:12656 — Castleman disease", "ORPHA:160 — Castleman disease"],
        )
        self.assertEqual(picked(pick(self.client, "HP:0000508")), [])
        # One of each code, from the current releases (the older ICD-10-CM
        # release has them too).
        self.assertEqual(
            picked(pick(self.client, "cystic fibrosis")),
            [
                "GARD:6233 — Cystic fibrosis",
                "ICD-10-CM E84 — Cystic fibrosis",
                "ICD-10-CM E84.0 — Cystic fibrosis with pulmonary manifestations",
                "ICD-10-CM E84.9 — Cystic fibrosis, unspecified",
                "ORPHA:586 — Cystic fibrosis",
            ],
        )
        self.assertEqual(Concept.objects.filter(code="E84").count(), 2)

    def test_it_denies_a_user_who_may_not_view_concepts(self):
        clerk = make_user("clerk")
        self.client.force_login(clerk)

        self.assertEqual(pick(self.client, "poems").status_code, 403)

        clerk.user_permissions.add(Permission.objects.get(codename="view_concept"))
        self.assertEqual(picked(pick(self.client, "2905")), [str(self.concept)])

    def test_it_asks_anonymous_visitors_to_log_in(self):
        response = pick(self.client, "poems")

        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("admin:login"), response["Location"])


class QueryCountTests(CatalogueAdminTestCase):
    """Each list costs the same number of queries with 4 rows or 6,000."""

    def count(self, url: str) -> int:
        self.client.force_login(self.writer)
        self.client.get(url)  # session and permission caches warmed
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return len(queries)

    def test_list_pages_cost_a_fixed_number_of_queries(self):
        pages = {
            "concept": 9,
            "terminologysource": 8,
            "terminologyrelease": 9,
        }
        small = {}
        for model, expected in pages.items():
            url = reverse(f"admin:answers_{model}_changelist")
            with self.subTest(model=model, rows="sample"):
                small[model] = self.count(url)
                # SQLite's sessions cost one query more than PostgreSQL's.
                self.assertLessEqual(small[model], expected)
        # The whole GARD release beside the sample: 5,958 more concepts.
        load(SOURCES["gard"], release_data("gard"))
        self.assertGreater(Concept.objects.count(), 5958)
        for model in pages:
            url = reverse(f"admin:answers_{model}_changelist")
            with (
                self.subTest(model=model, rows="full"),
                self.assertNumQueries(small[model]),
            ):
                self.client.get(url)

    def test_the_concept_page_costs_a_fixed_number_of_queries(self):
        gard = check_code("GARD", "7411")
        url = reverse("admin:answers_concept_change", args=[gard.pk])
        self.assertEqual(self.count(url), self.count(url))
        self.assertLessEqual(self.count(url), 14)
