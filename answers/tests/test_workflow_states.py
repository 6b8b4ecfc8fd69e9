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
from devdata.personas import PersonasTestCase, make_condition


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
    def test_codes_are_checked_against_their_coding_system(self):
        condition = make_condition()
        good = [
            ("ORPHA", "2905"),
            ("ICD-10", "G70.0"),
            ("ICD-10", "E84"),
            ("ICD-11", "8C60"),
            ("MeSH", "D009157"),
            ("OMIM", "219700"),
            ("GARD", "7398"),
        ]
        bad = [
            ("ORPHA", "ORPHA:2905"),
            ("ICD-10", "g70"),
            ("MeSH", "9157"),
            ("OMIM", "#219700"),
            ("ICD-11", "8C"),
        ]
        for system, code in good:
            with self.subTest(system=system, code=code):
                ConditionCode(
                    condition=condition, system=system, code=code
                ).full_clean()
        for system, code in bad:
            with (
                self.subTest(system=system, code=code),
                self.assertRaises(ValidationError) as raised,
            ):
                ConditionCode(
                    condition=condition, system=system, code=code
                ).full_clean()
            self.assertIn("expected something like", str(raised.exception))

    def test_code_labels_and_links(self):
        orpha = ConditionCode(system="ORPHA", code="2905")
        self.assertEqual(orpha.label, "ORPHA:2905")
        self.assertEqual(orpha.url, "https://www.orpha.net/en/disease/detail/2905")
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
