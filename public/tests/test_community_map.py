"""The map of where members live: opt-in only, small countries merged, figures
in steps that one or a few accounts cannot difference."""

from bs4 import BeautifulSoup
from django.urls import reverse

from community import services
from community.tests.account_helpers import client_from_fresh_ip, signup_data
from devdata.personas import (
    PersonasTestCase,
    draft,
    make_condition,
    make_member,
    publish,
)
from public.community_map import MIN_GROUP, NAMED_AT, OTHER, STEP, country_counts


class ConditionMapTestCase(PersonasTestCase):
    def setUp(self) -> None:
        self.condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        publish(
            draft(self.writer, self.condition),
            writer=self.writer,
            reviewer=self.reviewer,
        )
        self.url = self.condition.get_absolute_url()
        self.n = 0

    def members(
        self, count: int, country: str, *, counted: bool = True, condition=None
    ):
        for _ in range(count):
            self.n += 1
            user = make_member(f"map{self.n}")
            services.update_profile(
                member=user.member, country=country, counted_in_map=counted
            )
            services.set_relation(
                member=user.member,
                condition=condition or self.condition,
                relation="lives_with",
            )

    def rows(self, response) -> tuple[list, list]:
        soup = BeautifulSoup(response.content, "html.parser")
        picture = [
            (g["data-label"], int(g["data-count"]))
            for g in soup.select("svg g.map-row")
        ]
        table = [
            (tr.th.get_text(), int(tr.td.get_text()))
            for tr in soup.select("table.map-table tbody tr")
        ]
        return picture, table

    def test_countries_under_ten_are_merged_and_only_opt_ins_count(self):
        self.members(12, "GB")
        self.members(NAMED_AT, "IE")
        self.members(MIN_GROUP, "FR")
        self.members(1, "DE")
        self.members(7, "US", counted=False)  # did not opt in
        self.members(2, "")  # opted in, but gave no country
        self.members(9, "ES", condition=make_condition())  # another condition

        picture, table = self.rows(self.client.get(self.url))

        # Rounded down to steps of 5; France and Germany are "Other" (6 -> 5).
        expected = [("Ireland", 10), ("United Kingdom", 10), (OTHER, 5)]
        self.assertEqual(table, expected)
        self.assertEqual(picture, expected)
        self.assertEqual(
            [(r.label, r.count) for r in country_counts(self.condition)], expected
        )

    def test_one_or_a_few_accounts_cannot_reveal_a_small_group(self):
        # Four members in Iceland, hidden among "Other countries". An attacker
        # moves accounts there, one at a time, and reads the map each time.
        self.members(10, "GB")
        self.members(4, "IS")
        seen = [self.rows(self.client.get(self.url))[1]]
        for _ in range(5):
            self.members(1, "IS")  # the attacker's next account
            seen.append(self.rows(self.client.get(self.url))[1])

        for table in seen:
            self.assertNotIn("Iceland", [label for label, _ in table], seen)
        # Other countries moves in steps, not by one per account.
        for table in seen:
            for _, count in table:
                self.assertEqual(count % STEP, 0, table)

    def test_the_bars_are_drawn_to_scale(self):
        self.members(10, "GB")
        self.members(5, "IE")
        soup = BeautifulSoup(self.client.get(self.url).content, "html.parser")
        widths = [float(rect["width"]) for rect in soup.select("svg rect.map-bar")]
        self.assertEqual(widths[0], 2 * widths[1])
        title = soup.select_one("svg title").get_text()
        self.assertEqual(title, "At least 15 members with POEMS syndrome, by country")

    def test_a_single_small_country_never_shows_its_name(self):
        self.members(7, "IS")
        picture, table = self.rows(self.client.get(self.url))
        self.assertEqual(table, [(OTHER, 5)])
        self.assertEqual(picture, table)
        self.assertNotContains(self.client.get(self.url), "Iceland")

    def test_nothing_to_show_says_so_and_explains_the_count(self):
        response = self.client.get(self.url)
        self.assertContains(
            response, "Not enough members have chosen to be counted yet."
        )
        self.assertContains(
            response, f"{reverse('public:editorial_policy')}#how-we-count"
        )
        policy = self.client.get(reverse("public:editorial_policy"))
        self.assertContains(policy, 'id="how-we-count"')
        self.assertContains(policy, f"fewer than {NAMED_AT} such members")
        self.assertContains(policy, f"rounded down to a multiple of {STEP}")

    def test_leaving_the_map_shows_on_the_next_request(self):
        self.members(NAMED_AT, "GB")
        self.assertEqual(
            self.rows(self.client.get(self.url))[1], [("United Kingdom", 10)]
        )
        member = self.condition.members.first().member
        self.client.force_login(member.user)
        self.client.post(reverse("community:update_profile"), {"country": "GB"})
        self.client.logout()
        self.assertEqual(self.rows(self.client.get(self.url))[1], [(OTHER, 5)])

    def test_deleted_accounts_leave_the_count(self):
        self.members(NAMED_AT, "GB")
        user = self.condition.members.first().member.user
        services.delete_account(user=user, keep_posts=True)
        self.assertEqual(self.rows(self.client.get(self.url))[1], [(OTHER, 5)])

    def test_opting_in_without_a_country_counts_nothing(self):
        user = make_member("nocountry")
        services.update_profile(member=user.member, country="", counted_in_map=True)
        user.member.refresh_from_db()
        self.assertFalse(user.member.counted_in_map)

    def test_sign_up_can_opt_in_with_a_country(self):
        client = client_from_fresh_ip()
        data = signup_data(country="FR", counted_in_map="on")
        client.post(reverse("account_signup"), data)
        from community.models import Member

        member = Member.objects.get(user__email=data["email"])
        self.assertEqual(member.country.code, "FR")
        self.assertTrue(member.counted_in_map)
        refused = client_from_fresh_ip().post(
            reverse("account_signup"), signup_data(country="XX")
        )
        self.assertContains(refused, "Select a valid choice")

    def test_only_a_new_or_removed_relation_moves_the_public_version(self):
        from answers.versions import current_version

        self.members(1, "GB")
        member = self.condition.members.get().member
        before = current_version().version
        # Each post sets the relation again: the map is unchanged, and so is
        # every cached page.
        services.set_relation(
            member=member, condition=self.condition, relation="caregiver"
        )
        self.assertEqual(current_version().version, before)
        services.remove_relation(member=member, condition=self.condition)
        self.assertEqual(current_version().version, before + 1)
        services.remove_relation(member=member, condition=self.condition)
        self.assertEqual(current_version().version, before + 1)
        services.set_relation(
            member=member, condition=self.condition, relation="caregiver"
        )
        self.assertEqual(current_version().version, before + 2)
