"""`manage.py import_terminology` on the real packaged releases: the whole
catalogue loads with its counts; loading it again writes nothing; a newer
release (made from the real ICD-10-CM release, with one code removed, one
renamed, one replaced and one added) loads beside the old one, becomes
current, and its report lists exactly those changes; the retired code is
refused; a condition whose live facts use it is queued with the change
explained while readers keep seeing the same facts, until a reviewer
approves new ones.

The full load takes seconds (about 10 on SQLite), so it happens once, in
`setUpTestData`, on one xdist worker.
"""

import hashlib
import re
import time
from dataclasses import replace
from io import StringIO
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from answers import services
from answers.exceptions import CodeRefused
from answers.models import (
    Change,
    Concept,
    ConceptFeature,
    ConceptName,
    ConceptXref,
    Condition,
    ConditionCode,
    ConditionRevision,
    ReleaseChange,
    StoredPage,
    TerminologyAlert,
    TerminologyRelease,
    TerminologySource,
)
from answers.terminology import sources
from answers.terminology.codes import check_code
from answers.terminology.sources import ConceptRecord, ReleaseData
from devdata.personas import (
    PersonasTestCase,
    approve_facts,
    draft,
    make_condition,
    publish,
    state_figure,
)
from devdata.terminology import release_data

# What the pinned packages ship (README, "Terminology catalogue").
CATALOGUE = {"GARD": 5_958, "ORPHA": 4_281, "HPO": 19_484, "ICD-10-CM": 98_147}

# The newer ICD-10-CM release the tests make from the real one.
RETIRED = "D47.Z2"  # Castleman disease: gone from the newer release
RENAMED = "E84.0"
NEW_NAME = "Cystic fibrosis with lung manifestations"
REPLACED, REPLACEMENT = "G70.00", "G70.01"
ADDED = "D47.Z3"
ADDED_NAME = "Castleman disease, unicentric"

TABLES = [
    TerminologySource,
    TerminologyRelease,
    Concept,
    ConceptName,
    ConceptXref,
    ConceptFeature,
    ReleaseChange,
    TerminologyAlert,
    Condition,
    ConditionCode,
    ConditionRevision,
]


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in TABLES}


def writes(queries) -> list[str]:
    return [
        query["sql"]
        for query in queries
        if re.match(r"\s*(INSERT|UPDATE|DELETE)\b", query["sql"], re.IGNORECASE)
    ]


def newer(base: ReleaseData, version: str, change) -> ReleaseData:
    """`base` as a later release: copied concepts, changed by `change` (which
    gets them by code and the list), with a version and digest of its own."""
    concepts = [replace(concept) for concept in base.concepts]
    change({concept.code: concept for concept in concepts}, concepts)
    return replace(
        base,
        version=version,
        digest=hashlib.sha256(f"{base.digest} {version}".encode()).hexdigest(),
        concepts=concepts,
    )


def newer_icd10cm() -> ReleaseData:
    def change(by_code: dict[str, ConceptRecord], concepts: list) -> None:
        concepts.remove(by_code[RETIRED])
        by_code[RENAMED].name = NEW_NAME
        by_code[REPLACED].status = "replaced"
        by_code[REPLACED].replaced_by = REPLACEMENT
        concepts.append(ConceptRecord(code=ADDED, name=ADDED_NAME, kind="code"))

    base = release_data("icd10cm")
    return newer(base, f"{base.version} test update", change)


def import_terminology(*args: str, data: dict[str, ReleaseData] | None = None) -> str:
    """Run the command as an operator would; `data` stands in for what the
    installed packages ship (by source key), as a changed pin would."""
    out = StringIO()
    readers = {key: (lambda source, d=d: d) for key, d in (data or {}).items()}
    with mock.patch.dict(sources.READERS, readers):
        call_command("import_terminology", *args, stdout=out)
    return out.getvalue()


def without_nonces(html: bytes) -> str:
    """A page with what differs per response (CSP nonces) taken out."""
    return re.sub(r'nonce="[^"]*"', "", html.decode())


@pytest.mark.xdist_group("terminology_full")
class RealCatalogueTests(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        # The catalogue first: nothing the personas set up may load a sample
        # release of a source before the real one.
        started = time.monotonic()
        cls.first_output = import_terminology()
        cls.load_seconds = time.monotonic() - started
        super().setUpTestData()
        cls.first_counts = row_counts()
        cls.old_icd = TerminologyRelease.objects.get(
            source__key="icd10cm", is_current=True
        )

        # Castleman disease, with live facts, one live answer and a code the
        # next release drops.
        cls.condition = make_condition(
            name="Castleman disease",
            slug="castleman-disease",
            summary="A rare disorder of the lymph nodes.",
        )
        for system, code in [("GARD", "12656"), ("ICD-10-CM", RETIRED)]:
            ConditionCode.objects.create(
                condition=cls.condition, concept=check_code(system, code)
            )
        cls.facts = approve_facts(
            cls.condition, writer=cls.writer, reviewer=cls.reviewer
        )
        publish(
            draft(cls.writer, cls.condition),
            writer=cls.writer,
            reviewer=cls.second_reviewer,
        )
        cls.condition.refresh_from_db()
        cls.page_before = without_nonces(
            cls.client_class().get(cls.condition.get_absolute_url()).content
        )
        cls.live_before = list(ConditionRevision.objects.values())

        started = time.monotonic()
        cls.newer_output = import_terminology(
            "icd10cm", data={"icd10cm": newer_icd10cm()}
        )
        cls.newer_seconds = time.monotonic() - started
        cls.new_icd = TerminologyRelease.objects.get(
            source__key="icd10cm", is_current=True
        )

    def test_the_whole_catalogue_loads_with_its_counts(self):
        # The releases the packages ship (the newer ICD-10-CM one is the
        # tests' own).
        shipped = TerminologyRelease.objects.exclude(pk=self.new_icd.pk)
        counts = {
            release.source.system: release.concept_count
            for release in shipped.select_related("source")
        }
        self.assertEqual(counts, CATALOGUE)
        self.assertEqual(
            dict(
                Concept.objects.filter(release__in=shipped)
                .values_list("release__source__system")
                .annotate(Count("pk"))
            ),
            CATALOGUE,
        )
        self.assertEqual(self.first_counts["TerminologyRelease"], 4)
        self.assertEqual(self.first_counts["Concept"], sum(CATALOGUE.values()))
        # Progress, as an operator sees it.
        self.assertIn("ICD-10-CM: release ", self.first_output)
        self.assertIn("concepts: 98,147 of 98,147 (100%)", self.first_output)
        self.assertIn("Loaded: GARD gard 0.0.3: 5,958 concepts", self.first_output)
        state_figure(
            "terminology catalogue (real packaged releases)",
            ", ".join(f"{system} {counts[system]:,}" for system in CATALOGUE)
            + f" concepts; {self.first_counts['ConceptName']:,} other names, "
            f"{self.first_counts['ConceptFeature']:,} phenotype links; loaded in "
            f"{self.load_seconds:.1f} s, a newer ICD-10-CM release in "
            f"{self.newer_seconds:.1f} s ({connection.vendor})",
        )

    def test_importing_again_writes_nothing(self):
        before = row_counts()

        with CaptureQueriesContext(connection) as queries:
            output = import_terminology()

        self.assertEqual(writes(queries), [])
        self.assertEqual(row_counts(), before)
        self.assertEqual(output.count("Unchanged: "), 4)

    def test_a_newer_release_loads_beside_the_old_one_and_becomes_current(self):
        self.assertNotEqual(self.new_icd.pk, self.old_icd.pk)
        self.old_icd.refresh_from_db()
        self.assertFalse(self.old_icd.is_current)
        self.assertEqual(self.old_icd.concepts.count(), CATALOGUE["ICD-10-CM"])
        self.assertEqual(self.new_icd.concepts.count(), CATALOGUE["ICD-10-CM"])
        self.assertEqual(
            TerminologyRelease.objects.filter(source__key="icd10cm").count(), 2
        )
        self.assertEqual(
            self.new_icd.report["counts"],
            {"added": 1, "renamed": 1, "retired": 1, "replaced": 1},
        )

    def test_its_report_lists_exactly_the_changes_made(self):
        self.assertEqual(
            set(self.new_icd.changes.values_list("change", "code")),
            {
                (Change.ADDED, ADDED),
                (Change.RENAMED, RENAMED),
                (Change.RETIRED, RETIRED),
                (Change.REPLACED, REPLACED),
            },
        )
        renamed = self.new_icd.changes.get(code=RENAMED)
        self.assertEqual(
            (renamed.old_name, renamed.new_name),
            ("Cystic fibrosis with pulmonary manifestations", NEW_NAME),
        )
        self.assertEqual(
            self.new_icd.changes.get(code=REPLACED).replaced_by, REPLACEMENT
        )
        output = self.newer_output
        for line in [
            f"against {self.old_icd.version}: 1 added, 1 renamed, 1 retired, "
            "1 replaced; 1 condition queued for review",
            f"  added: 1\n    {ADDED} {ADDED_NAME}\n",
            f"  renamed: 1\n    {RENAMED} “Cystic fibrosis with pulmonary "
            f"manifestations” → “{NEW_NAME}”\n",
            f"  retired: 1\n    {RETIRED} Castleman disease\n",
            f"  replaced: 1\n    {REPLACED} Myasthenia gravis without (acute) "
            f"exacerbation → {REPLACEMENT}\n",
            "Conditions queued for review",
            f"  Castleman disease: ICD-10-CM release {self.new_icd.version} retired "
            f"{RETIRED} (Castleman disease).",
        ]:
            self.assertIn(line, output)

    def test_a_retired_or_replaced_code_is_refused_naming_code_system_and_release(
        self,
    ):
        with self.assertRaises(CodeRefused) as retired:
            check_code("ICD-10-CM", RETIRED)
        with self.assertRaises(CodeRefused) as replaced:
            check_code("ICD-10-CM", REPLACED)

        self.assertEqual(
            str(retired.exception),
            f"ICD-10-CM {RETIRED} does not exist in ICD-10-CM release "
            f"{self.new_icd.version}.",
        )
        self.assertIn(f"ICD-10-CM {REPLACED}", str(replaced.exception))
        self.assertIn(f"release {self.new_icd.version}", str(replaced.exception))
        self.assertIn(f"replaced by {REPLACEMENT}", str(replaced.exception))
        self.assertEqual(check_code("ICD-10-CM", ADDED).name, ADDED_NAME)
        self.assertEqual(check_code("ICD-10-CM", RENAMED).name, NEW_NAME)

    def test_the_condition_is_queued_with_the_change_explained(self):
        alert = TerminologyAlert.objects.get()

        self.assertEqual(
            (alert.condition, alert.release, alert.system, alert.code, alert.change),
            (self.condition, self.new_icd, "ICD-10-CM", RETIRED, Change.RETIRED),
        )
        self.assertIsNone(alert.resolved_at)
        self.assertIn(f"retired {RETIRED} (Castleman disease)", alert.explanation)
        for user in [self.writer, self.reviewer]:
            self.client.force_login(user)
            queue = self.client.get(
                reverse("admin:answers_condition_changelist") + "?queue=terminology"
            )
            self.assertContains(queue, "Terminology changed")
            self.assertEqual(list(queue.context["cl"].result_list), [self.condition])
        review = self.client.get(
            reverse("admin:answers_condition_review", args=[self.condition.pk])
        )
        self.assertContains(review, alert.explanation)

    def test_readers_keep_seeing_the_same_facts(self):
        self.condition.refresh_from_db()
        self.assertEqual(self.condition.live_revision, self.facts)
        self.assertEqual(list(ConditionRevision.objects.values()), self.live_before)
        self.assertIn(
            {"system": "ICD-10-CM", "code": RETIRED},
            [
                {"system": c["system"], "code": c["code"]}
                for c in self.condition.live_revision.codes
            ],
        )
        # Rendered again from the database, not served from a store or cache.
        StoredPage.objects.all().delete()
        cache.clear()

        page = self.client.get(self.condition.get_absolute_url())

        self.assertEqual(without_nonces(page.content), self.page_before)
        self.assertContains(page, RETIRED)

    def test_approving_new_facts_resolves_the_alert_and_empties_the_queue(self):
        condition = self.condition
        condition.refresh_from_db()

        def swap_code() -> None:
            condition.codes.filter(code=RETIRED).delete()
            ConditionCode.objects.create(
                condition=condition, concept=check_code("ICD-10-CM", "D47.Z9")
            )

        services.save_draft(
            item=condition,
            user=self.writer,
            expected_version=condition.draft_version,
            save_related=swap_code,
        )
        services.submit_for_review(item=condition, user=self.writer)
        condition.refresh_from_db()
        revision = services.approve(
            item=condition,
            user=self.second_reviewer,
            expected_version=condition.draft_version,
            coi_confirmed=True,
        )

        alert = TerminologyAlert.objects.get()
        self.assertEqual(alert.resolved_by, revision)
        self.assertIsNotNone(alert.resolved_at)
        self.assertEqual(
            {(c["system"], c["code"]) for c in revision.codes},
            {("GARD", "12656"), ("ICD-10-CM", "D47.Z9")},
        )
        self.client.force_login(self.reviewer)
        queue = self.client.get(
            reverse("admin:answers_condition_changelist") + "?queue=terminology"
        )
        self.assertEqual(list(queue.context["cl"].result_list), [])
        page = self.client.get(condition.get_absolute_url())
        self.assertContains(page, "D47.Z9")
        self.assertNotContains(page, RETIRED)

    def test_a_dry_run_of_a_newer_release_reports_and_writes_nothing(self):
        def drop_castleman(by_code, concepts) -> None:
            concepts.remove(by_code["12656"])

        base = release_data("gard")
        gard = newer(base, f"{base.version} test update", drop_castleman)
        before = row_counts()

        with CaptureQueriesContext(connection) as queries:
            output = import_terminology("gard", "--dry-run", data={"gard": gard})

        self.assertEqual(row_counts(), before)
        self.assertTrue(writes(queries))  # it did the work, then rolled it back
        self.assertIn(f"Would load: GARD {gard.version}: 5,957 concepts", output)
        self.assertIn("  retired: 1\n    GARD:12656 Castleman disease\n", output)
        self.assertIn("Conditions that would be queued for review:", output)
        self.assertIn("  Castleman disease: GARD release", output)
        self.assertIn("Dry run: everything was rolled back", output)
        self.assertTrue(
            TerminologyRelease.objects.filter(
                source__key="gard", version=base.version, is_current=True
            ).exists()
        )
