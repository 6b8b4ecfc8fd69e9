"""Members cannot pose as reviewers, staff, the site or each other (issue 15,
finding 4), and sign-up does not tell whether a member uses a name (finding 6).

The confusable names below are generated from the Unicode data (ICU's TR39
skeletons), not typed by hand: for every letter of every staff member's and
reviewer's name, the characters of other scripts, digits and letter pairs
that look like it.
"""

import unicodedata
from functools import cache

import icu
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache as django_cache
from django.urls import reverse

from answers.models import Reviewer
from community.accounts import MemberSignupForm
from community.models import Member
from community.tests.account_helpers import (
    client_from_fresh_ip,
    make_fresh_member,
    member_for_email,
    signup_data,
)
from community.tests.helpers import STORY, share_published
from devdata.personas import PersonasTestCase, draft, make_condition, publish

User = get_user_model()
SIGNUP = reverse("account_signup")
FILLER = "\N{HANGUL FILLER}"
# The words every refusal because of someone else's name has (finding 6).
UNAVAILABLE = "This name is taken, kept for the site, or too like another name."

# The six sign-ups the black-box test made (issue 15, finding 4).
ISSUE_NAMES = {
    "a reviewer's name with her title": "Dr Rita Osei",
    "the site's staff": "DiseaseMaps moderator",
    "a deleted account": "Former member.",
    "a Cyrillic А in Admin": "\N{CYRILLIC CAPITAL LETTER A}dmin",
    "a member's name plus a Hangul filler": "MinaW" + FILLER,
    "only filler characters": FILLER * 4,
}

_SKELETONS = icu.SpoofChecker()


@cache
def look_alikes() -> dict[str, list[str]]:
    """For each ASCII letter and digit, the letters and digits of the Basic
    Multilingual Plane that TR39 says look like it (same skeleton)."""
    wanted = {
        _SKELETONS.getSkeleton(0, char): char
        for char in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    }
    found: dict[str, list[str]] = {char: [] for char in wanted.values()}
    for point in range(0x80, 0x10000):
        char = chr(point)
        if unicodedata.category(char)[0] not in "LN":
            continue
        original = wanted.get(_SKELETONS.getSkeleton(0, char))
        if original is not None and unicodedata.normalize("NFKC", char) != original:
            found[original].append(char)
    return found


def confusables_of(name: str) -> list[str]:
    """Names that look like `name` and are spelled differently."""
    alikes = look_alikes()
    variants = {
        name.upper(),
        name.lower(),
        name.replace(" ", ""),
        name.replace(" ", "."),
        name.replace(" ", "_"),
        f"Dr {name}",
        f"Dr. {name}",
        f"Prof {name}",
        f"Dr{name.replace(' ', '')}",
        # Fullwidth letters, folded by NFKC.
        "".join(
            chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in name
        ),
        name.replace("m", "rn"),
        name.replace("O", "0").replace("o", "0"),
        name.replace("l", "I"),
    }
    for position, char in enumerate(name):
        others = alikes.get(char, [])
        scripts = {}
        for other in others:
            # One look-alike from each script (Cyrillic, Greek, Armenian, ...)
            # and every digit or Latin letter.
            script = unicodedata.name(other, "").split(" ")[0]
            scripts.setdefault(script, other)
        for other in scripts.values():
            variants.add(name[:position] + other + name[position + 1 :])
    variants.discard(name)
    return sorted(variants)


class PseudonymTestCase(PersonasTestCase):
    def setUp(self) -> None:
        django_cache.clear()
        self.mina_w = make_fresh_member("MinaW")

    def sign_up(self, pseudonym: str):
        data = signup_data(pseudonym=pseudonym)
        response = client_from_fresh_ip().post(SIGNUP, data)
        return data, response

    def assert_refused(self, pseudonym: str) -> str:
        """Signs up with the name; returns the form's error on it."""
        data, response = self.sign_up(pseudonym)
        self.assertEqual(response.status_code, 200, f"{pseudonym!r} was accepted")
        errors = response.context["form"].errors.get("pseudonym")
        self.assertTrue(errors, f"{pseudonym!r} refused without a name error")
        self.assertFalse(User.objects.filter(email=data["email"]).exists())
        self.assertFalse(EmailAddress.objects.filter(email=data["email"]).exists())
        self.assertEqual(mail.outbox, [])
        return errors[0]

    def name_error(self, pseudonym: str) -> str | None:
        form = MemberSignupForm({"pseudonym": pseudonym, "consent": "on"})
        form.is_valid()
        errors = form.errors.get("pseudonym")
        return errors[0] if errors else None


class SignUpRefusesImpersonationTestCase(PseudonymTestCase):
    def test_it_refuses_the_six_names_of_the_issue(self):
        members = Member.objects.count()
        for what, pseudonym in ISSUE_NAMES.items():
            with self.subTest(what, pseudonym=pseudonym):
                self.assert_refused(pseudonym)
        self.assertEqual(Member.objects.count(), members)

    def test_it_refuses_look_alikes_of_every_staff_and_reviewer_name(self):
        staff_names = {
            name
            for user in User.objects.filter(is_staff=True)
            for name in (user.get_full_name(), user.get_username())
            if name
        } | set(Reviewer.objects.values_list("display_name", flat=True))
        self.assertGreaterEqual(len(staff_names), 6)
        tried = 0
        for name in sorted(staff_names):
            for variant in [name, *confusables_of(name)]:
                if not 3 <= len(variant) <= 40:
                    continue
                tried += 1
                with self.subTest(staff=name, variant=variant):
                    self.assertIsNotNone(
                        self.name_error(variant), f"{variant!r} accepted"
                    )
        print(f"\nDiseaseMaps figures: {tried} look-alikes of staff names refused")
        self.assertGreater(tried, 100)

    def test_a_few_look_alikes_are_refused_through_the_sign_up_page_too(self):
        for pseudonym in ("Rita 0sei", "Dr Sam Lindqvist", "Wendy_Walsh", "Ada."):
            with self.subTest(pseudonym=pseudonym):
                self.assertIn(UNAVAILABLE, self.assert_refused(pseudonym))

    def test_it_refuses_look_alikes_of_another_members_name(self):
        for pseudonym in (
            "Sunny Mina",
            "Sunny_Mina",
            "SUNNY.MINA",
            "0mar R",
            "Ornar_R",
            "Omar R",
            "Mina W",
            "Mina.W",
        ):
            with self.subTest(pseudonym=pseudonym):
                self.assertIn(UNAVAILABLE, self.assert_refused(pseudonym))
        for pseudonym in confusables_of("MinaW"):
            if len(pseudonym) <= 40:
                with self.subTest(pseudonym=pseudonym):
                    self.assertIsNotNone(self.name_error(pseudonym))

    def test_it_refuses_names_made_of_invisible_or_filler_characters(self):
        for pseudonym in (
            FILLER * 3,
            "\N{HANGUL CHOSEONG FILLER}\N{HANGUL JUNGSEONG FILLER}"
            "\N{HALFWIDTH HANGUL FILLER}",
            "Mina\N{ZERO WIDTH JOINER}W",
            "Mina\N{ZERO WIDTH NON-JOINER}W",
            "\N{WORD JOINER}MinaW",
            "Mina\N{SOFT HYPHEN}W",
            "Mina\N{RIGHT-TO-LEFT OVERRIDE}W",
            "Mina\N{COMBINING GRAPHEME JOINER}W",
            "Mina\N{VARIATION SELECTOR-1}W",
            "\N{BRAILLE PATTERN BLANK}" * 3,
        ):
            with self.subTest(pseudonym=pseudonym):
                self.assert_refused(pseudonym)

    def test_one_message_for_taken_kept_and_look_alike_names(self):
        errors = {
            "another member's name": self.assert_refused("SunnyMina"),
            "a look-alike of a member's": self.assert_refused("Sunny Mina"),
            "a reviewer's name": self.assert_refused("Dr Rita Osei"),
            "a staff member's name": self.assert_refused("Wendy Walsh"),
            "a name kept for the site": self.assert_refused("Moderator"),
            "the site's name in a name": self.assert_refused("DiseaseMaps team"),
        }
        self.assertEqual(len(set(errors.values())), 1, errors)
        message = errors["another member's name"]
        self.assertIn(UNAVAILABLE, message)
        for name in ("SunnyMina", "MinaW", "Omar_R", "Rita", "Osei", "Wendy"):
            self.assertNotIn(name, message)

    def test_names_of_any_alphabet_that_pose_as_nobody_are_still_accepted(self):
        for pseudonym in ("José M.", "Łucja", "小林花子", "Аня К", "Badminton fan"):
            with self.subTest(pseudonym=pseudonym):
                data, response = self.sign_up(pseudonym)
                self.assertEqual(response.status_code, 302, pseudonym)
                self.assertEqual(member_for_email(data["email"]).pseudonym, pseudonym)


class ProfileCannotChangeThePseudonymTestCase(PseudonymTestCase):
    def test_the_profile_form_does_not_change_the_name(self):
        self.client.force_login(self.member)
        response = self.client.post(
            reverse("community:update_profile"),
            {"country": "IE", "pseudonym": "Dr Rita Osei"},
        )
        self.assertEqual(response.status_code, 302)
        member = Member.objects.get(pk=self.member.member.pk)
        self.assertEqual(member.country, "IE")
        self.assertEqual(member.pseudonym, "SunnyMina")


class PostsShowNamesThatSlippedThroughVisiblyTestCase(PseudonymTestCase):
    def test_an_old_name_with_a_filler_does_not_look_like_another_members(self):
        condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        question = draft(self.writer, condition, slug="is-it-contagious")
        publish(question, writer=self.writer, reviewer=self.reviewer)
        # Names chosen before the checks existed are kept as they are.
        twin = make_fresh_member("Twin")
        blank = make_fresh_member("Blank")
        Member.objects.filter(pk=twin.member.pk).update(pseudonym="MinaW" + FILLER)
        Member.objects.filter(pk=blank.member.pk).update(pseudonym=FILLER * 3)
        for user in (self.mina_w, twin, blank):
            share_published(user, condition, body=STORY, moderator=self.moderator)

        page = self.client.get(
            reverse("community:experiences", args=["poems-syndrome"])
        ).content.decode()

        self.assertNotIn(FILLER, page)
        self.assertIn("MinaW\N{REPLACEMENT CHARACTER}", page)
        self.assertIn("Unnamed member", page)
        self.assertEqual(
            Member.objects.get(pk=twin.member.pk).pseudonym, "MinaW" + FILLER
        )
