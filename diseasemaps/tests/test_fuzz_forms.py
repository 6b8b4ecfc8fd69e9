"""Hypothesis sends arbitrary text to every form and to search: any Unicode
(control characters and NUL included), wrong types in choice and id fields,
and extra fields nobody expects. Whatever arrives, the answer is a page or a
redirect, never a server error.

Each example runs in its own transaction, rolled back afterwards
(hypothesis.extra.django.TestCase). The example count per form comes from
the "diseasemaps" Hypothesis profile in conftest.py (HYPOTHESIS_EXAMPLES).
"""

import uuid
from collections import Counter
from unittest import mock

from django.contrib import admin
from django.core.cache import cache
from django.urls import NoReverseMatch, reverse
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from community import services as community_services
from community.tests.account_helpers import fresh_ip
from community.tests.helpers import share, share_published
from devdata.personas import (
    PASSWORD,
    Client,
    draft,
    make_condition,
    make_personas,
    publish,
    report_figure,
)

# Any character but lone surrogates (which no browser can send in UTF-8).
CHARS = st.characters(exclude_categories=("Cs",))
TEXT = st.text(CHARS, max_size=400)
SHORT = st.text(CHARS, max_size=40)
# Names a form does not have, or does: the values replace the form's own.
EXTRA = st.dictionaries(st.text(CHARS, min_size=1, max_size=16), SHORT, max_size=4)
TRIALS: Counter = Counter()


def changelist_parameters(model_admin) -> list[str]:
    """Every query parameter an admin's change list reads."""
    names = ["q", "o", "p", "e", "all", "_popup", "_to_field", "_changelist_filters"]
    for entry in model_admin.list_filter:
        if isinstance(entry, str):
            names += [entry, f"{entry}__exact", f"{entry}__id__exact"]
        elif isinstance(entry, tuple):
            names += [entry[0], f"{entry[0]}__isnull", f"{entry[0]}__exact"]
        else:
            names.append(getattr(entry, "parameter_name", "queue"))
    if model_admin.date_hierarchy:
        names += [
            f"{model_admin.date_hierarchy}__{part}" for part in ("year", "month", "day")
        ]
    return names


# Every model in the admin, ours and the libraries' (auth, axes, allauth).
ADMINS = sorted(admin.site._registry.values(), key=lambda a: str(a.model._meta))


def either(valid, strategy=SHORT):
    """Mostly something the form accepts, sometimes anything at all."""
    return st.one_of(st.just(valid), strategy)


class FuzzFormsTestCase(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        make_personas(cls)
        cls.condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        cls.question = draft(cls.writer, cls.condition, slug="is-it-contagious")
        publish(cls.question, writer=cls.writer, reviewer=cls.reviewer)
        cls.mine = share(cls.member, cls.condition)
        cls.theirs = share_published(
            cls.other_member, cls.condition, moderator=cls.moderator
        )

    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        report_figure(
            "hypothesis",
            f"{sum(TRIALS.values())} requests over {len(TRIALS)} forms and search, "
            "none answered 500 ("
            + ", ".join(f"{name} {n}" for name, n in sorted(TRIALS.items()))
            + ")",
        )

    def setUp(self) -> None:
        # Counters from other examples must not turn this one into a 429
        # before it reaches the code under test.
        cache.clear()
        patches = [
            mock.patch.object(community_services.posts, "POST_LIMIT", (10**6, 3600)),
            mock.patch.object(community_services.posts, "REPORT_LIMIT", (10**6, 3600)),
            mock.patch.object(
                community_services.posts, "REPORT_DAILY_LIMIT", (10**6, 86400)
            ),
        ]
        for patch in patches:
            patch.start()
            self.addCleanup(patch.stop)

    def send(self, name: str, client: Client, method: str, url: str, data: dict):
        TRIALS[name] += 1
        response = getattr(client, method)(url, data)
        self.assertLess(response.status_code, 500, f"{name}: {data!r}")
        return response

    def member_client(self, user=None) -> Client:
        client = Client(REMOTE_ADDR=fresh_ip(), raise_request_exception=True)
        client.force_login(user or self.member)
        return client

    # --- Members ------------------------------------------------------------

    @given(
        relation=either("lives_with"),
        question=either("", st.one_of(SHORT, st.integers().map(str))),
        body=TEXT,
        confirm=either("on"),
        key=either(str(uuid.UUID(int=1))),
        extra=EXTRA,
    )
    def test_share(self, relation, question, body, confirm, key, extra):
        data = {
            "relation": relation,
            "question": question,
            "body": body,
            "confirm_identifying": confirm,
            "submission_key": key,
            "post": "1",
            **extra,
        }
        url = reverse("community:share", args=["poems-syndrome"])
        self.send("share", self.member_client(), "post", url, data)

    @given(body=TEXT, confirm=either("on"), extra=EXTRA)
    def test_edit(self, body, confirm, extra):
        url = reverse("community:edit", args=[self.mine.pk])
        data = {"body": body, "confirm_identifying": confirm, **extra}
        self.send("edit", self.member_client(), "post", url, data)

    @given(reason=TEXT, extra=EXTRA)
    def test_report(self, reason, extra):
        url = reverse("community:report", args=[self.theirs.pk])
        self.send(
            "report", self.member_client(), "post", url, {"reason": reason, **extra}
        )

    @given(
        country=either("NO"),
        counted=either("on"),
        condition=either(str(1), SHORT),
        relation=either("family"),
        extra=EXTRA,
    )
    def test_profile_and_conditions(self, country, counted, condition, relation, extra):
        client = self.member_client()
        self.send(
            "profile",
            client,
            "post",
            reverse("community:update_profile"),
            {"country": country, "counted_in_map": counted, **extra},
        )
        self.send(
            "add condition",
            client,
            "post",
            reverse("community:add_condition"),
            {"condition": condition, "relation": relation, **extra},
        )

    @given(
        password=either(PASSWORD, TEXT),
        posts=either("remove"),
        understood=either("on"),
        consent=either("on"),
        extra=EXTRA,
    )
    def test_my_data_forms(self, password, posts, understood, consent, extra):
        # Wrong passwords only reach validation; a right one really deletes
        # (rolled back after the example).
        client = self.member_client()
        for name, url, data in [
            ("give consent", "community:give_consent", {"consent": consent}),
            (
                "withdraw consent",
                "community:withdraw_consent",
                {"understood": understood, "password": password},
            ),
            (
                "delete account",
                "community:delete_account",
                {"posts": posts, "password": password},
            ),
        ]:
            self.send(name, client, "post", reverse(url), {**data, **extra})

    # --- Accounts -----------------------------------------------------------

    @given(
        email=either("new.reader@example.org", TEXT),
        password=either(PASSWORD, TEXT),
        pseudonym=either("New Reader", TEXT),
        country=either("", SHORT),
        consent=either("on"),
        extra=EXTRA,
    )
    def test_signup(self, email, password, pseudonym, country, consent, extra):
        data = {
            "email": email,
            "password1": password,
            "password2": password,
            "pseudonym": pseudonym,
            "country": country,
            "consent": consent,
            **extra,
        }
        client = Client(REMOTE_ADDR=fresh_ip())
        self.send("signup", client, "post", reverse("account_signup"), data)

    @given(login=either("mina@example.org", TEXT), password=TEXT, extra=EXTRA)
    def test_login_and_password_reset(self, login, password, extra):
        client = Client(REMOTE_ADDR=fresh_ip())
        self.send(
            "login",
            client,
            "post",
            reverse("account_login"),
            {"login": login, "password": password, **extra},
        )
        self.send(
            "password reset",
            client,
            "post",
            reverse("account_reset_password"),
            {"email": login, **extra},
        )
        self.send(
            "admin login",
            client,
            "post",
            reverse("admin:login"),
            {"username": login, "password": password, **extra},
        )

    # --- Search ---------------------------------------------------------------

    @given(q=TEXT, page=either("1"), extra=EXTRA)
    def test_search(self, q, page, extra):
        client = Client(raise_request_exception=True)
        self.send("search", client, "get", reverse("public:search"), {"q": q, **extra})
        url = reverse("community:experiences", args=["poems-syndrome"])
        self.send("experience list", client, "get", url, {"page": page, "question": q})

    # --- Staff ----------------------------------------------------------------

    @given(
        text=TEXT,
        slug=either("a-new-question", SHORT),
        short_answer=TEXT,
        body=TEXT,
        citation=TEXT,
        url=either("https://example.org/paper", TEXT),
        extra=EXTRA,
    )
    def test_admin_question_form(
        self, text, slug, short_answer, body, citation, url, extra
    ):
        data = {
            "condition": str(self.condition.pk),
            "text": text,
            "slug": slug,
            "kind": "short_answer",
            "topic": "about",
            "order": "0",
            "short_answer": short_answer,
            "body": body,
            "references-TOTAL_FORMS": "1",
            "references-INITIAL_FORMS": "0",
            "references-MIN_NUM_FORMS": "0",
            "references-MAX_NUM_FORMS": "1000",
            "references-0-order": "1",
            "references-0-citation": citation,
            "references-0-url": url,
            "_save": "Save",
            **extra,
        }
        client = self.member_client(self.writer)
        self.send(
            "admin question",
            client,
            "post",
            reverse("admin:answers_question_add"),
            data,
        )

    @given(
        action=either("request_changes", SHORT),
        comment=TEXT,
        version=either("1", SHORT),
        q=TEXT,
        extra=EXTRA,
    )
    def test_admin_review_and_search(self, action, comment, version, q, extra):
        client = self.member_client(self.second_reviewer)
        url = reverse("admin:answers_question_review", args=[self.question.pk])
        data = {
            "action": action,
            "changes-comment": comment,
            "changes-expected_version": version,
            **extra,
        }
        self.send("admin review", client, "post", url, data)
        changelist = reverse("admin:answers_question_changelist")
        self.send("admin search", client, "get", changelist, {"q": q, **extra})

    @given(decision=either("hide", SHORT), reason=TEXT, q=TEXT, extra=EXTRA)
    def test_admin_moderation(self, decision, reason, q, extra):
        client = self.member_client(self.moderator)
        url = reverse("admin:community_experience_moderate", args=[self.theirs.pk])
        data = {"decision": decision, "reason": reason, **extra}
        self.send("admin moderation", client, "post", url, data)
        changelist = reverse("admin:community_experience_changelist")
        self.send("admin search", client, "get", changelist, {"q": q, **extra})

    @given(
        model_admin=st.sampled_from(ADMINS),
        data=st.data(),
        ids=st.lists(st.one_of(st.integers().map(str), SHORT), max_size=3),
    )
    def test_admin_change_lists_and_actions(self, model_admin, data, ids):
        names = changelist_parameters(model_admin)
        query = data.draw(
            st.dictionaries(st.one_of(st.sampled_from(names), SHORT), TEXT, max_size=3)
        )
        opts = model_admin.model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        client = self.member_client(self.admin)
        self.send("admin change lists", client, "get", url, query)
        actions = list(model_admin.get_actions(_Request(self.admin))) or ["none"]
        action = data.draw(either(actions[0], st.sampled_from(actions)))
        self.send(
            "admin actions",
            client,
            "post",
            url,
            {"action": action, "_selected_action": ids, "index": "0"},
        )
        pk = data.draw(st.one_of(st.integers(min_value=0).map(str), SHORT))
        for view in ("change", "history"):
            try:
                page = reverse(
                    f"admin:{opts.app_label}_{opts.model_name}_{view}", args=[pk]
                )
            except NoReverseMatch:  # a pk no URL pattern can hold: nothing to send
                continue
            self.send(f"admin {view} pages", client, "get", page, {})


class _Request:
    """What ModelAdmin.get_actions needs to know about a request."""

    def __init__(self, user) -> None:
        self.user = user
        self.GET = {}
        self.method = "GET"
