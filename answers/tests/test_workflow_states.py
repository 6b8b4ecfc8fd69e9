from django.core.exceptions import ValidationError
from django.db import IntegrityError

from answers.exceptions import InvalidTransition
from answers.models import (
    ALLOWED_TRANSITIONS,
    ConditionCode,
    CriteriaGroup,
    CriteriaSet,
    Question,
    Status,
)
from answers.terminology.codes import check_code
from devdata.personas import PersonasTestCase, make_condition
from devdata.terminology import load_sample


class TransitionMapTestCase(PersonasTestCase):
    def test_only_listed_transitions_are_allowed(self):
        question = Question(status=Status.DRAFT)
        for start in Status.values:
            for end in Status.values:
                question.status = start
                with self.subTest(start=start, end=end):
                    if end in ALLOWED_TRANSITIONS[start]:
                        question.transition_to(end)
                        self.assertEqual(question.status, end)
                    else:
                        with self.assertRaises(InvalidTransition):
                            question.transition_to(end)
                        self.assertEqual(question.status, start)

    def test_a_draft_cannot_jump_to_published(self):
        question = Question(text="Q?", status=Status.DRAFT)
        with self.assertRaisesMessage(InvalidTransition, "cannot become published"):
            question.transition_to(Status.PUBLISHED)


class ConditionDataTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        load_sample()

    def test_codes_are_checked_against_their_coding_system(self):
        condition = make_condition()
        good = [
            ("ORPHA", "2905", "2905"),
            ("ORPHA", "ORPHA:2905", "2905"),
            ("GARD", "7411", "7411"),
            ("ICD-10-CM", "G70.0", "G70.0"),
            ("ICD-10-CM", "g700", "G70.0"),
            ("ICD-10-CM", "E84", "E84"),
        ]
        bad = [
            # Exists only in the catalogue's ICD-10-CM: there is no ICD-10 here.
            ("ICD-10", "G70.0", "is not a loaded terminology"),
            ("ICD-10-CM", "D47.7", "does not exist in ICD-10-CM release"),
            ("ORPHA", "0", "does not exist in ORPHA release"),
            ("MeSH", "D009157", "is not a loaded terminology"),
            ("OMIM", "219700", "is not a loaded terminology"),
            ("HPO", "HP:0000508", "is not a loaded terminology"),
        ]
        for system, code, stored in good:
            with self.subTest(system=system, code=code):
                row = ConditionCode(condition=condition, system=system, code=code)
                row.full_clean()
                self.assertEqual((row.system, row.code), (system, stored))
                self.assertEqual(row.concept, check_code(system, stored))
        for system, code, message in bad:
            with (
                self.subTest(system=system, code=code),
                self.assertRaises(ValidationError) as raised,
            ):
                ConditionCode(
                    condition=condition, system=system, code=code
                ).full_clean()
            self.assertIn(message, str(raised.exception))

    def test_a_picked_concept_gives_its_system_and_code(self):
        row = ConditionCode(
            condition=make_condition(), concept=check_code("ICD-10-CM", "D47.Z2")
        )
        row.full_clean()
        row.save()
        row.refresh_from_db()
        self.assertEqual((row.system, row.code), ("ICD-10-CM", "D47.Z2"))

    def test_code_labels_and_links(self):
        orpha = ConditionCode(system="ORPHA", code="2905")
        self.assertEqual(orpha.label, "ORPHA:2905")
        self.assertEqual(orpha.url, "https://www.orpha.net/en/disease/detail/2905")
        self.assertEqual(ConditionCode(system="GARD", code="7411").label, "GARD:7411")
        icd = ConditionCode(system="ICD-10-CM", code="G70.0")
        self.assertEqual((icd.label, icd.url), ("ICD-10-CM G70.0", ""))
        # A system the catalogue does not have is written as it is.
        self.assertEqual(
            ConditionCode(system="ICD-10", code="G70.0").label, "ICD-10 G70.0"
        )

    def test_a_group_of_criteria_can_never_be_empty(self):
        criteria_set = CriteriaSet.objects.create(
            condition=make_condition(), title="Criteria", source="X"
        )
        for items in ["", "  \n \n"]:
            with self.subTest(items=items), self.assertRaises(ValidationError):
                CriteriaGroup(
                    criteria_set=criteria_set, category="Minor", items=items
                ).full_clean()
        with self.assertRaises(IntegrityError):
            CriteriaGroup.objects.create(
                criteria_set=criteria_set, category="Minor", items=""
            )

    def test_an_acronym_needs_its_expansion(self):
        condition = make_condition(acronym="POEMS")
        with self.assertRaises(ValidationError):
            condition.full_clean()


class ReservedSlugTestCase(PersonasTestCase):
    def test_a_question_cannot_take_the_address_of_the_experiences_page(self):
        question = Question(condition=make_condition(), text="Q?", slug="experiences")
        with self.assertRaises(ValidationError) as raised:
            question.full_clean()
        self.assertIn("slug", raised.exception.message_dict)
