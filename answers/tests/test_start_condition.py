"""Writers start a condition from a catalogue concept: a draft with the
source's preferred name, an address of its own, the source's other names as
synonyms (never the terms a code merely includes) and the codes of the other
systems whose preferred name is exactly the same. And on a condition's form
they pick more of the sources' names. On real data (devdata.terminology)."""

from django.urls import reverse

from answers import services
from answers.exceptions import NotAllowed, WorkflowError
from answers.models import Condition, ReviewEvent, Status
from answers.terminology.codes import check_code
from devdata.personas import (
    PersonasTestCase,
    add_code,
    condition_form,
    make_condition,
)
from devdata.terminology import load_sample


def start_url(concept) -> str:
    return reverse("admin:answers_concept_start_condition", args=[concept.pk])


class StartConditionTests(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        load_sample()

    def test_it_creates_the_draft_from_the_concept_and_opens_it(self):
        concept = check_code("ORPHA", "586")
        self.client.force_login(self.writer)

        response = self.client.post(start_url(concept))

        condition = Condition.objects.get()
        self.assertRedirects(
            response,
            reverse("admin:answers_condition_change", args=[condition.pk]),
            fetch_redirect_response=False,
        )
        self.assertEqual(
            (condition.name, condition.slug, condition.status),
            ("Cystic fibrosis", "cystic-fibrosis", Status.DRAFT),
        )
        # GARD's other names for it; ICD-10-CM's E84 and GARD:6233 have
        # exactly its name, so their codes come too.
        self.assertEqual(condition.synonym_list, ["CF", "Mucoviscidosis"])
        self.assertEqual(
            list(condition.codes.values_list("system", "code")),
            [("GARD", "6233"), ("ICD-10-CM", "E84"), ("ORPHA", "586")],
        )
        self.assertFalse(condition.codes.filter(concept__isnull=True).exists())
        self.assertIsNone(condition.live_revision)
        event = condition.events.get()
        self.assertEqual(
            (event.action, event.actor, event.comment),
            (
                ReviewEvent.Action.EDITED,
                self.writer,
                "Started from ORPHA:586 — Cystic fibrosis",
            ),
        )

    def test_the_concept_page_offers_it_to_those_who_may_add_conditions(self):
        concept = check_code("ORPHA", "586")
        url = reverse("admin:answers_concept_change", args=[concept.pk])
        for user, offered in [(self.writer, True), (self.moderator, False)]:
            with self.subTest(user=user.username):
                self.client.force_login(user)
                page = self.client.get(url)
                self.assertEqual(page.status_code, 200)
                if offered:
                    self.assertContains(page, f'action="{start_url(concept)}"')
                    self.assertContains(page, "Start a condition from this concept")
                else:
                    self.assertNotContains(page, "Start a condition")

    def test_it_gathers_the_codes_of_the_same_name_in_other_systems(self):
        # POEMS syndrome is ORPHA:2905 and GARD:7411; ICD-10-CM has no code
        # of that name (POEMS is coded under D47.Z9, a heading of its own).
        condition = services.start_condition(
            concept=check_code("GARD", "7411"), user=self.writer
        )

        self.assertEqual(
            list(condition.codes.values_list("system", "code")),
            [("GARD", "7411"), ("ORPHA", "2905")],
        )
        self.assertEqual(
            condition.synonym_list,
            [
                "Crow-Fukase syndrome",
                "Osteosclerotic myeloma",
                "PEP syndrome",
                "Polyneuropathy-endocrinopathy-plasma cell dyscrasia syndrome",
                "Takatsuki syndrome",
            ],
        )

    def test_inclusion_terms_are_not_synonyms(self):
        concept = check_code("ICD-10-CM", "D47.Z9")
        self.assertTrue(concept.other_names.filter(kind="inclusion").exists())

        condition = services.start_condition(concept=concept, user=self.writer)

        self.assertEqual(condition.synonyms, "")
        self.assertEqual(
            list(condition.codes.values_list("system", "code")),
            [("ICD-10-CM", "D47.Z9")],
        )

    def test_it_finds_a_free_address(self):
        make_condition(name="Cystic fibrosis (old)", slug="cystic-fibrosis")

        condition = services.start_condition(
            concept=check_code("ORPHA", "586"), user=self.writer
        )

        self.assertEqual(condition.slug, "cystic-fibrosis-2")

    def test_it_refuses_a_condition_that_exists_already(self):
        existing = make_condition(name="Cystic Fibrosis", slug="cf")
        self.client.force_login(self.writer)
        concept = check_code("ORPHA", "586")

        response = self.client.post(start_url(concept), follow=True)

        self.assertContains(
            response, "There is a condition named “Cystic Fibrosis” already."
        )
        self.assertEqual(list(Condition.objects.all()), [existing])

    def test_it_refuses_users_who_may_not_add_conditions(self):
        concept = check_code("ORPHA", "586")
        self.client.force_login(self.moderator)

        self.assertEqual(self.client.post(start_url(concept)).status_code, 403)
        with self.assertRaises(NotAllowed):
            services.start_condition(concept=concept, user=self.moderator)
        self.assertFalse(Condition.objects.exists())

    def test_it_refuses_a_phenotype(self):
        ptosis = check_code("ORPHA", "586").__class__.objects.get(code="HP:0000508")

        with self.assertRaises(WorkflowError) as refused:
            services.start_condition(concept=ptosis, user=self.writer)

        self.assertIn("HPO, which is not a loaded terminology", str(refused.exception))
        self.assertFalse(Condition.objects.exists())

    def test_a_get_changes_nothing(self):
        self.client.force_login(self.writer)

        response = self.client.get(start_url(check_code("ORPHA", "586")))

        self.assertEqual(response.status_code, 405)
        self.assertFalse(Condition.objects.exists())


class CatalogueNamesOnTheFormTests(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        load_sample()
        cls.condition = make_condition(
            name="POEMS syndrome", slug="poems", synonyms="Takatsuki syndrome"
        )
        for system, code in [
            ("ORPHA", "2905"),
            ("GARD", "7411"),
            ("ICD-10-CM", "D47.Z9"),
        ]:
            add_code(cls.condition, system, code)

    def url(self) -> str:
        return reverse("admin:answers_condition_change", args=[self.condition.pk])

    def test_the_form_offers_the_sources_names_it_does_not_have(self):
        self.client.force_login(self.writer)

        form = self.client.get(self.url()).context["adminform"].form

        self.assertEqual(
            form.fields["catalogue_names"].choices,
            [
                ("Crow-Fukase syndrome", "Crow-Fukase syndrome (synonym, GARD)"),
                ("Osteosclerotic myeloma", "Osteosclerotic myeloma (synonym, GARD)"),
                ("PEP syndrome", "PEP syndrome (synonym, GARD)"),
                (
                    "Polyneuropathy-endocrinopathy-plasma cell dyscrasia syndrome",
                    "Polyneuropathy-endocrinopathy-plasma cell dyscrasia syndrome "
                    "(synonym, GARD)",
                ),
            ],
        )

    def test_ticked_names_are_added_to_the_other_names(self):
        codes = list(self.condition.codes.all())
        data = condition_form(
            self.condition,
            synonyms="Takatsuki syndrome",
            catalogue_names=["PEP syndrome", "Crow-Fukase syndrome"],
            **{
                "codes-TOTAL_FORMS": str(len(codes)),
                "codes-INITIAL_FORMS": str(len(codes)),
            },
        )
        for n, code in enumerate(codes):
            data |= {
                f"codes-{n}-id": code.pk,
                f"codes-{n}-condition": self.condition.pk,
                f"codes-{n}-concept": code.concept_id,
            }
        self.client.force_login(self.writer)

        response = self.client.post(self.url(), data)

        self.assertEqual(response.status_code, 302)
        self.condition.refresh_from_db()
        self.assertEqual(
            self.condition.synonym_list,
            ["Takatsuki syndrome", "PEP syndrome", "Crow-Fukase syndrome"],
        )
        self.assertEqual(self.condition.draft_version, 2)
