"""The condition-name index (answers/name_index.py) holds exactly the names
readers may find a condition by: approved names of published conditions and
the catalogue names of the concepts they carry, every other GARD and
Orphanet condition once, and HPO's names for the signs Orphanet records. It
changes in the transaction of the approval that changes them, never with a
draft, and incremental changes leave what a rebuild makes."""

from dataclasses import replace
from io import StringIO

from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from answers import name_index, services
from answers.models import ConditionName, IndexedNameKind
from answers.terminology.loading import load
from answers.terminology.sources import SOURCES
from devdata.personas import (
    PersonasTestCase,
    add_code,
    approve_facts,
    draft,
    make_condition,
    make_poems,
    publish,
)
from devdata.terminology import load_sample, sample_data
from public import search


def snapshot() -> set[tuple]:
    """The index as its content, whatever the row ids."""
    return set(
        ConditionName.objects.values_list(
            "name",
            "normalised",
            "initial",
            "kind",
            "listed",
            "phenotype",
            "condition_id",
            "concept__code",
            "found_in__code",
            "found_in__release__source__key",
        )
    )


def names_of(**scope) -> set[str]:
    return set(ConditionName.objects.filter(**scope).values_list("name", flat=True))


class NameIndexTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        load_sample()
        cls.poems = make_poems()
        add_code(cls.poems, "ORPHA", "2905")
        approve_facts(cls.poems)
        cls.answer = draft(cls.writer, cls.poems, text="What is POEMS syndrome?")
        publish(cls.answer, writer=cls.writer, reviewer=cls.reviewer)

    def reviewed(self, q: str) -> list:
        return search.search(q).conditions

    def edit_synonyms(self, synonyms: str) -> None:
        self.poems.refresh_from_db()
        self.poems.synonyms = synonyms
        services.save_draft(
            item=self.poems,
            user=self.writer,
            expected_version=self.poems.draft_version,
        )

    def approve_poems(self) -> None:
        self.poems.refresh_from_db()
        services.submit_for_review(item=self.poems, user=self.writer)
        services.approve(
            item=self.poems,
            user=self.reviewer,
            expected_version=self.poems.draft_version,
            coi_confirmed=True,
        )

    def test_a_published_condition_is_found_by_every_approved_name(self):
        for q in ["POEMS syndrome", "POEMS", "Crow–Fukase syndrome", "takatsuki"]:
            with self.subTest(q=q):
                self.assertEqual(self.reviewed(q), [self.poems])

    def test_it_takes_the_catalogue_names_of_the_concepts_it_carries(self):
        # ORPHA:2905 by its code, GARD:7411 because GARD spells it alike.
        names = names_of(condition=self.poems)
        self.assertLessEqual(
            {"Osteosclerotic myeloma", "PEP syndrome", "Crow-Fukase syndrome"}, names
        )
        self.assertEqual(self.reviewed("osteosclerotic myeloma"), [self.poems])
        self.assertEqual(
            set(
                ConditionName.objects.filter(
                    condition=self.poems, kind=IndexedNameKind.PREFERRED
                ).values_list("found_in__release__source__key", "found_in__code")
            ),
            {("orphanet", "2905"), ("gard", "7411")},
        )
        # …so they are not listed again as conditions nobody reviewed.
        self.assertFalse(
            ConditionName.objects.filter(
                condition__isnull=True, normalised="poems syndrome"
            ).exists()
        )

    def test_a_draft_synonym_is_never_findable(self):
        self.edit_synonyms("Crow–Fukase syndrome\nZorbitol syndrome")

        self.assertNotIn("Zorbitol syndrome", names_of())
        self.assertEqual(search.search("zorbitol syndrome").names, [])
        self.assertEqual(self.reviewed("zorbitol"), [])

    def test_approval_makes_it_findable_in_the_same_transaction(self):
        self.edit_synonyms("Crow–Fukase syndrome\nZorbitol syndrome")
        with transaction.atomic():
            self.approve_poems()
            # Before the approval's transaction ends, in it.
            self.assertEqual(self.reviewed("zorbitol syndrome"), [self.poems])
            self.assertIn("Zorbitol syndrome", names_of(condition=self.poems))
            transaction.set_rollback(True)
        # Undone with the approval: the name went in with it.
        self.assertNotIn("Zorbitol syndrome", names_of())
        self.assertEqual(self.reviewed("zorbitol syndrome"), [])

    def test_an_approval_that_drops_a_name_drops_it_from_search(self):
        self.edit_synonyms("Crow–Fukase syndrome")
        self.approve_poems()

        self.assertNotIn(
            "Takatsuki syndrome", names_of(condition=self.poems, found_in=None)
        )
        # GARD still gives it, and the condition carries GARD's concept.
        self.assertEqual(self.reviewed("takatsuki syndrome"), [self.poems])

    def test_unpublishing_the_last_answer_gives_its_names_back_to_the_catalogue(self):
        services.unpublish(item=self.answer, user=self.reviewer, reason="Outdated.")

        self.assertFalse(ConditionName.objects.filter(condition=self.poems).exists())
        self.assertEqual(self.reviewed("POEMS"), [])
        entry = ConditionName.objects.get(
            condition__isnull=True,
            kind=IndexedNameKind.NAME,
            normalised="poems syndrome",
        )
        self.assertEqual(
            (entry.concept.release.source.key, entry.concept.code), ("gard", "7411")
        )
        found = search.search("Crow–Fukase syndrome").names
        self.assertEqual([m.url for m in found], ["/conditions/catalogue/gard/7411/"])
        self.assertFalse(found[0].reviewed)

    def test_gard_and_orphanet_spelt_alike_are_one_entry(self):
        entries = ConditionName.objects.filter(
            condition__isnull=True, normalised="castleman disease"
        )
        self.assertEqual(
            sorted(entries.values_list("kind", "found_in__release__source__key")),
            [("name", "gard"), ("preferred", "orphanet")],
        )
        self.assertEqual({row.concept_id for row in entries}, {entries[0].concept_id})
        listed = ConditionName.objects.filter(
            listed=True, normalised="castleman disease"
        )
        self.assertEqual(listed.count(), 1)

    def test_refreshing_leaves_what_a_rebuild_makes(self):
        other = make_condition(name="Castleman disease", slug="castleman-disease")
        publish(draft(self.writer, other), writer=self.writer, reviewer=self.reviewer)
        self.edit_synonyms("Crow–Fukase syndrome\nZorbitol syndrome")
        self.approve_poems()
        services.unpublish(item=self.answer, user=self.reviewer, reason="Outdated.")
        refreshed = snapshot()

        name_index.rebuild()

        self.assertEqual(snapshot(), refreshed)
        # Castleman disease by its name took both concepts spelt like it.
        self.assertEqual(
            names_of(condition=other, kind=IndexedNameKind.PREFERRED),
            {"Castleman disease"},
        )

    def test_codes_of_classifications_add_no_names(self):
        condition = make_condition(name="Quillon syndrome", slug="quillon")
        add_code(condition, "ICD-10-CM", "D47.Z2")
        approve_facts(condition)
        publish(
            draft(self.writer, condition), writer=self.writer, reviewer=self.reviewer
        )

        self.assertEqual(names_of(condition=condition), {"Quillon syndrome"})

    def test_signs_are_indexed_by_name_and_lay_term_when_orphanet_records_them(self):
        self.assertLessEqual(
            {"Ptosis", "Drooping upper eyelid", "Blepharoptosis", "Muscle weakness"},
            names_of(phenotype=True),
        )
        # In the sample, no disease records fatigable weakness (HP:0003473).
        self.assertNotIn("Fatigable weakness", names_of(phenotype=True))
        self.assertFalse(ConditionName.objects.filter(phenotype=True, listed=True))

    def test_a_new_release_rebuilds_the_index(self):
        data = sample_data("gard", ["12656", "6233"])
        renamed = [
            replace(concept, name="Castleman's disease (renamed)")
            if concept.code == "12656"
            else concept
            for concept in data.concepts
        ]
        name_index_rows = ConditionName.objects.count()

        load(
            SOURCES["gard"],
            replace(data, version="next", digest="next", concepts=renamed),
        )

        self.assertIn("Castleman's disease (renamed)", names_of(condition__isnull=True))
        # Concepts the new release left out are no longer listed.
        self.assertFalse(
            ConditionName.objects.filter(
                found_in__release__source__key="gard", found_in__code="1017"
            ).exists()
        )
        self.assertNotEqual(ConditionName.objects.count(), name_index_rows)

    def test_rebuild_search_index_rebuilds_the_names_too(self):
        before = snapshot()
        ConditionName.objects.all().delete()
        out = StringIO()

        call_command("rebuild_search_index", stdout=out)

        self.assertEqual(snapshot(), before)
        self.assertIn(
            f"Condition-name index rebuilt: {len(before):,} names.", out.getvalue()
        )

    def test_a_refresh_runs_as_many_queries_whatever_the_index_holds(self):
        def count() -> int:
            with CaptureQueriesContext(connection) as queries:
                name_index.refresh(conditions=[self.poems.pk])
            return len(queries)

        few = count()
        for n in range(3):
            condition = make_condition(synonyms=f"Other name {n}")
            publish(
                draft(self.writer, condition),
                writer=self.writer,
                reviewer=self.reviewer,
            )
        self.assertEqual(count(), few)
