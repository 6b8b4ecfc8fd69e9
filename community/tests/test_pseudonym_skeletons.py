"""The key names are compared by: TR39 skeletons from ICU, stored on every
member, filled for existing members by the migration, and checked again by
`manage.py check_pseudonyms`."""

import importlib
from io import StringIO

import icu
from django.apps import apps
from django.core.management import call_command
from django.test import SimpleTestCase

from community import names
from community.models import Member
from community.tests.account_helpers import make_fresh_member
from devdata.personas import PersonasTestCase

migration = importlib.import_module(
    "community.migrations.0009_member_pseudonym_skeleton"
)


class SkeletonTestCase(SimpleTestCase):
    def test_it_is_the_tr39_skeleton_of_the_unicode_data(self):
        print(
            f"\nDiseaseMaps figures: pseudonym skeletons from ICU {icu.ICU_VERSION}, "
            f"Unicode {icu.UNICODE_VERSION}"
        )
        # Examples from UTS #39 and its confusables.txt: Cyrillic "ѕсоре" is
        # "scope"; "rn" is "m"; "1", "I" and "l" are one glyph; "0" is "O";
        # a mathematical bold "𝐀" and a fullwidth "Ａ" are "A".
        alike = [
            ("\u0455\u0441\u043e\u0440\u0435", "scope"),
            ("rn", "m"),
            ("1", "l"),
            ("I", "l"),
            ("0", "O"),
            ("\U0001d400", "A"),
            ("\uff21", "A"),
            ("p\u0430yp\u0430l", "paypal"),
        ]
        for one, other in alike:
            with self.subTest(one=one, other=other):
                self.assertEqual(
                    names.pseudonym_skeleton(one), names.pseudonym_skeleton(other)
                )
        for one, other in [("Mina", "Nina"), ("Rita", "Rota"), ("Omar", "Omer")]:
            with self.subTest(one=one, other=other):
                self.assertNotEqual(
                    names.pseudonym_skeleton(one), names.pseudonym_skeleton(other)
                )

    def test_it_ignores_letter_case_separators_and_titles(self):
        key = names.pseudonym_skeleton("Rita Osei")
        for name in (
            "rita osei",
            "RITA_OSEI",
            "Rita.Osei",
            "Dr Rita Osei",
            "Prof. Rita-Osei",
        ):
            with self.subTest(name=name):
                self.assertIn(key, names.comparison_skeletons(name))

    def test_characters_that_draw_nothing_are_found_by_unicode_property(self):
        # Default_Ignorable_Code_Point and format characters, not a list.
        for char in (
            "\u115f",
            "\u1160",
            "\u3164",
            "\uffa0",
            "\u200b",
            "\u2060",
            "\u180e",
            "\U000e0041",  # TAG LATIN CAPITAL LETTER A
            "\U000e0100",  # VARIATION SELECTOR-17
        ):
            with self.subTest(char=f"U+{ord(char):04X}"):
                self.assertEqual(
                    names.character_problem(f"Mina{char}W"), names.INVISIBLE
                )
        self.assertEqual(names.character_problem("---"), names.NO_LETTERS)
        self.assertEqual(names.character_problem("\u0410dmin"), names.MIXED_SCRIPTS)
        self.assertIsNone(names.character_problem("Аня"))  # all Cyrillic

    def test_posts_show_invisible_characters_visibly(self):
        self.assertEqual(names.shown_name("MinaW\u3164"), "MinaW\ufffd")
        self.assertEqual(names.shown_name("\u3164\u3164"), names.UNNAMED)
        self.assertEqual(names.shown_name("José M."), "José M.")


class StoredSkeletonTestCase(PersonasTestCase):
    def test_every_save_keeps_the_stored_skeleton_up_to_date(self):
        member = make_fresh_member("Quiet Heron").member
        self.assertEqual(
            member.pseudonym_skeleton, names.pseudonym_skeleton("Quiet Heron")
        )
        member.pseudonym = "Loud Heron"
        member.save(update_fields=["pseudonym"])
        member.refresh_from_db()
        self.assertEqual(
            member.pseudonym_skeleton, names.pseudonym_skeleton("Loud Heron")
        )

    def test_the_migration_fills_every_members_skeleton_and_renames_nobody(self):
        before = dict(Member.objects.values_list("pk", "pseudonym"))
        Member.objects.update(pseudonym_skeleton="")

        migration.fill_skeletons(apps, None)

        for pk, pseudonym, skeleton in Member.objects.values_list(
            "pk", "pseudonym", "pseudonym_skeleton"
        ):
            self.assertEqual(pseudonym, before[pk])
            self.assertEqual(skeleton, names.pseudonym_skeleton(pseudonym))
        self.assertGreaterEqual(len(before), 2)

    def test_check_pseudonyms_lists_old_names_it_would_refuse_and_changes_none(self):
        twin = make_fresh_member("Mina_W").member
        Member.objects.filter(pk=twin.pk).update(
            pseudonym="Dr Rita Osei", pseudonym_skeleton="stale"
        )
        out = StringIO()

        call_command("check_pseudonyms", "--dry-run", stdout=out, stderr=StringIO())

        self.assertIn(
            f"member {twin.pk} 'Dr Rita Osei': {names.UNAVAILABLE}", out.getvalue()
        )
        self.assertIn("1 stored skeletons would change", out.getvalue())
        self.assertEqual(Member.objects.get(pk=twin.pk).pseudonym_skeleton, "stale")

        call_command("check_pseudonyms", stdout=StringIO(), stderr=StringIO())

        twin.refresh_from_db()
        self.assertEqual(twin.pseudonym, "Dr Rita Osei")
        self.assertEqual(
            twin.pseudonym_skeleton, names.pseudonym_skeleton("Dr Rita Osei")
        )
