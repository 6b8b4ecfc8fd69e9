"""Codes are checked, not typed: a code on a condition must exist, active, in
the current release of its system, and the admin, the service and the
content import refuse any other with a message naming the code, the system
and the release. `D47.Z2` (Castleman disease) exists only in the US
ICD-10-CM: given as "ICD-10" it is refused, as ICD-10-CM it is accepted.

The catalogue here is real data: the sample releases of
devdata.terminology (real concepts read from the packaged releases).
"""

import hashlib
from dataclasses import replace

from django.urls import reverse

from answers import services
from answers.checks import ERROR, condition_checks
from answers.exceptions import ChecksFailed, CodeRefused
from answers.models import Condition, ConditionCode, ReviewEvent, Status
from answers.terminology.codes import check_code
from answers.terminology.loading import load
from answers.terminology.sources import SOURCES
from answers.tests import test_import_content as importing
from devdata.personas import (
    PersonasTestCase,
    add_code,
    approve_facts,
    catalogue_concept,
    condition_form,
    make_condition,
)
from devdata.terminology import SAMPLE_CODES, load_sample, sample_data


def load_icd10cm_release(*, retire: str = "", drop: str = "") -> str:
    """A newer ICD-10-CM release made from the sample: `retire` marked
    retired, `drop` left out. Returns its version."""
    data = sample_data("icd10cm", SAMPLE_CODES["icd10cm"])
    concepts = [
        replace(concept, status="retired") if concept.code == retire else concept
        for concept in data.concepts
        if concept.code != drop
    ]
    version = f"{data.version} b"
    load(
        SOURCES["icd10cm"],
        replace(
            data,
            version=version,
            digest=hashlib.sha256(f"{data.digest}-b".encode()).hexdigest(),
            concepts=concepts,
        ),
    )
    return version


def add_in_service(condition: Condition, user, system: str, code: str) -> Condition:
    condition.refresh_from_db()
    return services.save_draft(
        item=condition,
        user=user,
        expected_version=condition.draft_version,
        save_related=lambda: ConditionCode.objects.create(
            condition=condition, system=system, code=code
        ),
    )


class ServiceTests(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        load_sample()
        cls.condition = make_condition(name="Castleman disease", slug="castleman")

    def test_it_refuses_d47_z2_as_icd_10(self):
        with self.assertRaises(CodeRefused) as refused:
            add_in_service(self.condition, self.writer, "ICD-10", "D47.Z2")

        message = str(refused.exception)
        self.assertIn("“D47.Z2” is given as ICD-10", message)
        self.assertIn("not a loaded terminology", message)
        self.assertIn("GARD, ICD-10-CM, ORPHA", message)
        self.condition.refresh_from_db()
        self.assertFalse(self.condition.codes.exists())
        self.assertEqual(self.condition.draft_version, 1)
        self.assertFalse(self.condition.events.exists())

    def test_it_accepts_d47_z2_as_icd_10_cm_with_its_concept(self):
        add_in_service(self.condition, self.writer, "ICD-10-CM", "D47.Z2")

        code = self.condition.codes.get()
        self.assertEqual((code.system, code.code), ("ICD-10-CM", "D47.Z2"))
        self.assertEqual(code.concept, check_code("ICD-10-CM", "D47.Z2"))
        self.assertEqual(code.concept.name, "Castleman disease")
        self.assertEqual(code.label, "ICD-10-CM D47.Z2")
        self.assertEqual(self.condition.events.get().action, ReviewEvent.Action.EDITED)

    def test_it_stores_a_code_as_its_source_writes_it(self):
        add_in_service(self.condition, self.writer, "ORPHA", "ORPHA:2905")

        code = self.condition.codes.get()
        self.assertEqual((code.system, code.code), ("ORPHA", "2905"))
        self.assertEqual(code.label, "ORPHA:2905")
        self.assertEqual(code.url, "https://www.orpha.net/en/disease/detail/2905")

    def test_it_refuses_a_code_absent_from_the_release_naming_it(self):
        release = check_code("ORPHA", "2905").release.version

        with self.assertRaises(CodeRefused) as refused:
            add_in_service(self.condition, self.writer, "ORPHA", "999999")

        self.assertEqual(
            str(refused.exception),
            f"ORPHA 999999 does not exist in ORPHA release {release}.",
        )
        self.assertFalse(self.condition.codes.exists())

    def test_it_refuses_a_retired_code_naming_the_release(self):
        version = load_icd10cm_release(retire="D47.Z2")

        with self.assertRaises(CodeRefused) as refused:
            add_in_service(self.condition, self.writer, "ICD-10-CM", "D47.Z2")

        self.assertEqual(
            str(refused.exception),
            "ICD-10-CM D47.Z2 (Castleman disease) is retired in ICD-10-CM "
            f"release {version}.",
        )

    def test_a_code_a_new_release_retired_does_not_block_other_edits(self):
        add_code(self.condition, "ICD-10-CM", "D47.Z2")
        load_icd10cm_release(drop="D47.Z2")
        self.condition.refresh_from_db()
        self.condition.summary = "A rare disorder of the lymph nodes."

        services.save_draft(
            item=self.condition,
            user=self.writer,
            expected_version=self.condition.draft_version,
        )

        self.condition.refresh_from_db()
        self.assertEqual(self.condition.summary, "A rare disorder of the lymph nodes.")
        # Still there, for the writer to replace; approval refuses it.
        self.assertTrue(self.condition.codes.filter(code="D47.Z2").exists())

    def test_a_phenotype_is_not_a_code_for_a_condition(self):
        with self.assertRaises(CodeRefused) as refused:
            add_in_service(self.condition, self.writer, "HPO", "HP:0000508")

        self.assertIn("HPO, which is not a loaded terminology", str(refused.exception))


class ApprovalTests(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        load_sample()
        cls.condition = make_condition(name="Castleman disease", slug="castleman")
        add_code(cls.condition, "ICD-10-CM", "D47.Z2")
        add_code(cls.condition, "ORPHA", "160")

    def test_the_approved_snapshot_has_each_codes_name_and_release(self):
        revision = approve_facts(self.condition)

        icd = check_code("ICD-10-CM", "D47.Z2")
        orpha = check_code("ORPHA", "160")
        self.assertEqual(
            revision.codes,
            [
                {
                    "system": "ICD-10-CM",
                    "code": "D47.Z2",
                    "name": "Castleman disease",
                    "release": icd.release.version,
                },
                {
                    "system": "ORPHA",
                    "code": "160",
                    "name": orpha.name,
                    "release": orpha.release.version,
                },
            ],
        )
        self.assertEqual(
            [(code.system, code.code, code.name) for code in revision.code_list],
            [
                ("ICD-10-CM", "D47.Z2", "Castleman disease"),
                ("ORPHA", "160", orpha.name),
            ],
        )

    def test_a_code_the_current_release_retired_blocks_approval(self):
        version = load_icd10cm_release(drop="D47.Z2")

        checks = condition_checks(self.condition.draft_content())

        self.assertIn(
            (
                "Codes",
                ERROR,
                f"ICD-10-CM D47.Z2 does not exist in ICD-10-CM release {version}.",
            ),
            [(check.name, check.level, check.message) for check in checks],
        )
        with self.assertRaises(ChecksFailed):
            approve_facts(self.condition)
        self.condition.refresh_from_db()
        self.assertIsNone(self.condition.live_revision)
        self.assertEqual(self.condition.status, Status.IN_REVIEW)

    def test_a_new_release_with_the_same_names_is_not_an_update_for_readers(self):
        first = approve_facts(self.condition)
        load_icd10cm_release()
        self.condition.refresh_from_db()

        second = approve_facts(self.condition)

        self.assertNotEqual(first.codes, second.codes)  # the release moved
        self.assertFalse(second.content_changed)
        self.assertEqual(second.content_updated_at, first.content_updated_at)

    def test_codes_approved_before_the_catalogue_are_never_shown(self):
        revision = approve_facts(self.condition)
        unchecked = [{"system": "ICD-10", "code": "D47.Z2"}]

        self.assertEqual(type(revision)(codes=unchecked).code_list, [])
        self.assertTrue(
            services.content_changed(
                self.condition,
                {**revision.content(), "codes": unchecked},
                revision.content(),
            )
        )


class AdminInlineTests(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        load_sample()
        cls.condition = make_condition(name="Castleman disease", slug="castleman")

    def post_codes(self, *concepts, **fields):
        data = condition_form(
            self.condition,
            **{
                "codes-TOTAL_FORMS": str(len(concepts)),
                "codes-INITIAL_FORMS": "0",
                **fields,
            },
        )
        for n, concept in enumerate(concepts):
            data[f"codes-{n}-concept"] = concept.pk
            # Typed system and code are not part of the form: ignored.
            data[f"codes-{n}-system"] = "ICD-10"
            data[f"codes-{n}-code"] = "D47.Z2"
        self.client.force_login(self.writer)
        return self.client.post(
            reverse("admin:answers_condition_change", args=[self.condition.pk]), data
        )

    def test_it_saves_the_picked_concept_with_its_exact_system(self):
        concept = catalogue_concept("ICD-10-CM", "D47.Z2")

        response = self.post_codes(concept)

        self.assertEqual(response.status_code, 302)
        code = self.condition.codes.get()
        self.assertEqual(
            (code.system, code.code, code.concept), ("ICD-10-CM", "D47.Z2", concept)
        )
        self.condition.refresh_from_db()
        self.assertEqual(self.condition.draft_version, 2)

    def test_it_refuses_a_concept_not_in_the_current_release(self):
        old = catalogue_concept("ICD-10-CM", "D47.Z2")
        version = load_icd10cm_release(drop="D47.Z2")

        response = self.post_codes(old)

        self.assertEqual(response.status_code, 200)
        self.assertContains(
            response,
            f"ICD-10-CM D47.Z2 does not exist in ICD-10-CM release {version}.",
        )
        self.assertFalse(self.condition.codes.exists())
        self.condition.refresh_from_db()
        self.assertEqual(self.condition.draft_version, 1)

    def test_it_refuses_a_retired_concept(self):
        old = catalogue_concept("ICD-10-CM", "D47.Z2")
        version = load_icd10cm_release(retire="D47.Z2")

        response = self.post_codes(old)

        self.assertContains(
            response,
            "ICD-10-CM D47.Z2 (Castleman disease) is retired in ICD-10-CM release "
            f"{version}.",
        )
        self.assertFalse(self.condition.codes.exists())

    def test_a_concept_of_an_older_release_becomes_the_current_one(self):
        old = catalogue_concept("ICD-10-CM", "D47.Z2")
        load_icd10cm_release()

        self.post_codes(old)

        code = self.condition.codes.get()
        self.assertNotEqual(code.concept, old)
        self.assertEqual(code.concept, check_code("ICD-10-CM", "D47.Z2"))

    def test_it_refuses_a_phenotype(self):
        ptosis = catalogue_concept("ORPHA", "2905").__class__.objects.get(
            code="HP:0000508", release__is_current=True
        )

        response = self.post_codes(ptosis)

        self.assertContains(response, "“HP:0000508” is given as HPO")
        self.assertFalse(self.condition.codes.exists())

    def test_it_refuses_the_same_code_twice(self):
        concept = catalogue_concept("ORPHA", "2905")

        response = self.post_codes(concept, concept)

        self.assertContains(response, "ORPHA 2905 is listed twice; remove one.")
        self.assertFalse(self.condition.codes.exists())

    def test_the_form_shows_the_sources_name_beside_each_code(self):
        add_code(self.condition, "ICD-10-CM", "D47.Z2")
        self.client.force_login(self.writer)

        page = self.client.get(
            reverse("admin:answers_condition_change", args=[self.condition.pk])
        )

        # The picked concept (as its source labels the code), then its exact
        # system, the code, and what the catalogue says of it.
        self.assertContains(page, "D47.Z2 — Castleman disease</option>")
        self.assertContains(page, '<td class="field-system">', count=2)
        self.assertContains(page, "<p>ICD-10-CM</p>")
        self.assertContains(
            page,
            "Castleman disease (active in ICD-10-CM current release "
            f"{check_code('ICD-10-CM', 'D47.Z2').release.version})",
        )


class ImportTests(importing.ImportTestCase):
    assert_refused = importing.BadImportTestCase.assert_refused

    def test_it_refuses_d47_z2_as_icd_10(self):
        self.write_good_batch()
        self.write_condition(codes=[{"system": "ICD-10", "code": "D47.Z2"}])

        self.assert_refused(
            "example-syndrome/condition.md: code 1: 'code': “D47.Z2” is given as "
            "ICD-10, which is not a loaded terminology. Codes can come from: GARD, "
            "ICD-10-CM, ORPHA."
        )
        self.assertFalse(Condition.objects.exists())

    def test_it_accepts_d47_z2_as_icd_10_cm(self):
        self.write_good_batch()
        self.write_condition(codes=[{"system": "ICD-10-CM", "code": "D47.Z2"}])

        self.run_import()

        code = Condition.objects.get(slug="example-syndrome").codes.get()
        self.assertEqual((code.system, code.code), ("ICD-10-CM", "D47.Z2"))
        self.assertEqual(code.concept, check_code("ICD-10-CM", "D47.Z2"))

    def test_it_refuses_a_code_absent_from_the_release_naming_it(self):
        release = check_code("ORPHA", "2905").release.version
        self.write_good_batch()
        self.write_condition(codes=[{"system": "ORPHA", "code": "999999"}])

        self.assert_refused(
            "example-syndrome/condition.md: code 1: 'code': ORPHA 999999 does not "
            f"exist in ORPHA release {release}."
        )

    def test_a_prefixed_code_is_the_same_code(self):
        self.write_good_batch()
        self.write_condition(
            codes=[
                {"system": "ORPHA", "code": "ORPHA:2905"},
                {"system": "ORPHA", "code": "2905"},
            ]
        )

        self.assert_refused("code 2: ORPHA 2905 is listed twice.")
