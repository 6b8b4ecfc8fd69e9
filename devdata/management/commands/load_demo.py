"""Load demo accounts and demo content for local development."""

import uuid
from datetime import timedelta
from pathlib import Path

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from answers import crisis, interchange, services
from answers.interchange.files import ContentFileError, parse_condition
from answers.interchange.mapping import CONDITION_FILE
from answers.models import Condition, CrisisContact, Reviewer
from answers.roles import MODERATOR_GROUP, REVIEWER_GROUP, WRITER_GROUP
from answers.terminology.codes import current_releases
from community import services as community_services
from community.models import Audience, Member, MemberReport
from community.services import member_reports, mutes
from devdata.crisis_contacts import (
    DEMO_CRISIS_CONTACTS,
    DEMO_DRAFT_CRISIS_CONTACT,
    WRITTEN,
)
from devdata.demo import (
    DEMO_PASSWORD,
    DEMO_TOTP_DEVICE,
    demo_totp_key,
)
from diseasemaps.lib import ratelimit
from diseasemaps.lib.demo_accounts import mark_demo

DEMO_DIR = Path(settings.BASE_DIR) / "demo" / "content"
DUMMY_EMAIL = "django.core.mail.backends.dummy.EmailBackend"

ACCOUNTS = [
    # username, first, last, group, superuser
    ("admin", "Ada", "Admin", None, True),
    ("wendy", "Wendy", "Walsh", WRITER_GROUP, False),
    ("rita", "Rita", "Osei", REVIEWER_GROUP, False),
    ("sam", "Samuel", "Lindqvist", REVIEWER_GROUP, False),
    ("mo", "Morgan", "Reyes", MODERATOR_GROUP, False),
]

# Fictional clinicians for the demo: the registration numbers say so.
# Demo members (no staff rights) and posts written for the demo site.
# Mina's profile gives a country, so her support page (issue 18) lists its
# crisis contacts first; Omar's gives none, so he sees the general ones.
MEMBERS = [("mina", "MinaW", "GB"), ("omar", "Omar_R", ""), ("kai", "KaiRemedies", "")]
EXPERIENCES = [
    (
        "mina",
        "poems-syndrome",
        "is-it-contagious",
        "lives_with",
        "When I was told I had POEMS syndrome, my sister asked if she should keep "
        "her children away. My haematologist said it is not catching at all, and "
        "that helped us both. We still hug every time we meet.",
        True,
    ),
    (
        "omar",
        "poems-syndrome",
        None,
        "caregiver",
        "My father's feet were numb for almost two years before anyone linked it to "
        "his blood tests. If something feels wrong for a long time, keep asking. "
        "Once his nerve and blood doctors talked to each other, things moved.",
        True,
    ),
    (
        "omar",
        "myasthenia-gravis",
        None,
        "family",
        "My aunt has myasthenia gravis. Her eyelid droops late in the day, so we "
        "visit in the mornings, when she has more energy.",
        False,
    ),
]
# A post a moderator redacted instead of rejecting (issue 18): Mina sees
# the suggested text and what changed on /me/, and accepts, edits or deletes.
REDACTED_EXPERIENCE = (
    "mina",
    "poems-syndrome",
    "The first months after my diagnosis at the Royal Harbour Hospital in "
    "Saltmarsh, on 14 February, were the hardest. Talking to other people with "
    "POEMS syndrome helped me more than anything I read.",
    "The first months after my diagnosis were the hardest. Talking to other "
    "people with POEMS syndrome helped me more than anything I read.",
    "It named your hospital, your town and an exact date.",
)

# Shared with members only (issue 18): members read them under the author's
# pseudonym; anonymous readers see only how many there are.
MEMBERS_ONLY_EXPERIENCES = [
    (
        "mina",
        "poems-syndrome",
        None,
        "lives_with",
        "Some days I cannot button my coat because my fingers are numb. I keep "
        "a coat with a zip by the door now, and I stopped feeling ashamed of "
        "asking for help with small things.",
        12,
    ),
    (
        "omar",
        "poems-syndrome",
        "is-it-contagious",
        "caregiver",
        "Our neighbours stopped visiting when they heard my father was ill. We "
        "printed the clinic's leaflet saying it is not contagious, and most of "
        "them came back.",
        6,
    ),
]

# Harmful advice the screening holds and a moderator sends to a medical
# reviewer (issue 18): one published with the reviewer's note above it, one
# still in the reviewers' queue. (username, condition, relation, post, the
# moderator's question, the reviewer's note or None to leave it waiting)
SENT_TO_REVIEWER = [
    (
        "mina",
        "poems-syndrome",
        "lives_with",
        "Stop taking your steroids if they make you feel awful; I stopped mine "
        "last spring and my feet feel no worse.",
        "She tells others to stop steroids. Publish with a caution, or hide?",
        "Stopping steroids suddenly can be dangerous, and what is right differs "
        "from person to person. Please talk to your own doctor before changing "
        "any medicine.",
    ),
    (
        "omar",
        "myasthenia-gravis",
        "family",
        "My aunt swears that a herbal tincture cured her myasthenia. You should "
        "stop your pyridostigmine and try it.",
        "A cure claim, and advice to stop pyridostigmine. Is any of it safe?",
        None,
    ),
]

REVIEWERS = {
    "rita": {
        "display_name": "Dr Rita Osei",
        "slug": "rita-osei",
        "credentials": "MBChB, FRCP, FRCPath",
        "specialty": "Haematology",
        "affiliation": "Demo University Hospital",
        "registration_body": "Demo Medical Council",
        "registration_id": "DEMO-0001",
        "bio": "Consultant haematologist with a clinic for plasma cell disorders. "
        "(A fictional reviewer for the demo site.)",
        "disclosures": "Has received speaker fees from a demo pharmaceutical "
        "company for education on myeloma (2025).",
    },
    "sam": {
        "display_name": "Dr Samuel Lindqvist",
        "slug": "samuel-lindqvist",
        "credentials": "MD, PhD",
        "specialty": "Neurology",
        "affiliation": "Demo Neuromuscular Centre",
        "registration_body": "Demo Medical Council",
        "registration_id": "DEMO-0002",
        "bio": "Neurologist who runs a neuromuscular clinic. (A fictional reviewer "
        "for the demo site.)",
        "disclosures": "",
    },
}


# Before every demo answer's approval but the overdue one's (400 days ago),
# and recent enough that the facts are not due for review yet.
FACTS_APPROVED_DAYS_AGO = 200
# The condition whose facts have a change in review, and the change: another
# name for the condition (its historical eponym).
PENDING_FACTS = ("myasthenia-gravis", "Erb–Goldflam disease")


def _systems_used(content_dir: Path) -> set[str]:
    """The coding systems the content's condition files give codes in (a file
    that cannot be read is left to the import's own report)."""
    systems = set()
    for path in content_dir.rglob(CONDITION_FILE):
        try:
            codes = parse_condition(path).data["codes"]
        except ContentFileError:
            continue
        systems |= {code["system"] for code in codes if code["system"]}
    return systems


def _reviewer_for(condition: Condition, users: dict) -> AbstractBaseUser:
    """Haematology reviews POEMS syndrome, neurology the others."""
    return users["rita"] if condition.slug == "poems-syndrome" else users["sam"]


class Command(BaseCommand):
    help = (
        "Create the demo accounts (one per role, password in README; staff get a "
        "TOTP device with the README's shared demo secret) and load the "
        "demo conditions and answers from demo/content through the review "
        "workflow: every condition's facts approved (one with a newer change in "
        "review), most answers approved, some in review, one overdue. Refuses to "
        "run with DEBUG off, because the accounts have known passwords. Safe to "
        "run again: existing accounts and content are left as they are."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--content-dir",
            type=Path,
            default=DEMO_DIR,
            help="Folder with one sub-folder per condition (default: demo/content).",
        )

    def handle(self, *args, content_dir: Path, **options) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "load_demo creates accounts with a published password, so it only "
                "runs with DEBUG=true (development). Nothing was changed."
            )
        if not content_dir.is_dir():
            raise CommandError(f"No demo content folder at {content_dir}.")
        missing = sorted(_systems_used(content_dir) - set(current_releases()))
        if missing:
            # Every code is checked against the catalogue: without it, each
            # would be refused one by one, as if the content were wrong.
            raise CommandError(
                "The terminology catalogue is not loaded (no current release of "
                f"{', '.join(missing)}): run manage.py import_terminology first. "
                "Nothing was changed."
            )
        users = self._accounts()
        self._crisis_contacts(users)
        batch = interchange.load_batch([content_dir])
        if batch.problems:
            raise CommandError(
                "The demo content has problems:\n"
                + "\n".join(str(problem) for problem in batch.problems)
            )
        slugs = [file.data["slug"] for file in batch.files if file.is_condition]
        if Condition.objects.filter(slug__in=slugs).exists():
            self.stdout.write("Demo content is already loaded; nothing to do.")
            return
        # The workflow sends mail at every step; for demo data that is noise.
        with override_settings(EMAIL_BACKEND=DUMMY_EMAIL), transaction.atomic():
            # Drafted through the importer, as an editor would load content; only
            # the review steps below are demo-specific.
            interchange.apply_batch(
                batch, user=users["wendy"], at=timezone.now() - timedelta(days=420)
            )
            conditions = Condition.objects.filter(slug__in=slugs).order_by("slug")
            for index, condition in enumerate(conditions, start=1):
                # The facts first: an answer that shows the condition's criteria
                # can only be approved once the facts holding them are.
                self._approve_facts(condition, users)
                # Meta ordering (topic, order, then creation in file order) is
                # the order the workflow below gives each question its role in.
                questions = list(condition.questions.all())
                self._run_workflow(condition, questions, users)
                self.stdout.write(
                    f"[{index}/{len(slugs)}] {condition.name}: facts approved, "
                    f"{len(questions)} questions"
                )
            self._change_facts(Condition.objects.get(slug=PENDING_FACTS[0]), users)
            # The loader posts for the demo members; their own hour starts
            # untouched, and a second load in the hour is not refused.
            with ratelimit.counted_apart("load_demo"):
                self._community(users)
        self.stdout.write(self.style.SUCCESS("Demo content loaded."))

    def _community(self, users: dict) -> None:
        """Two demo members, their conditions and a few posts (one still
        pending), harmful advice sent to a medical reviewer (one post
        published with the reviewer's note, one in the reviewers' queue), and
        one post redacted by a moderator and waiting for its author."""
        members = {}
        for username, pseudonym, country in MEMBERS:
            user, is_new = get_user_model().objects.get_or_create(
                username=username,
                defaults={"email": f"{username}@demo.diseasemaps.invalid"},
            )
            if is_new:
                user.set_password(DEMO_PASSWORD)
                user.save()
            EmailAddress.objects.get_or_create(
                user=user,
                email=user.email,
                defaults={"verified": True, "primary": True},
            )
            if not Member.objects.filter(user=user).exists():
                community_services.create_member(
                    user=user, pseudonym=pseudonym, consented=True, country=country
                )
            members[username] = user
        mark_demo([user.pk for user in members.values()])
        for days_ago, (username, slug, question, relation, body, publish) in zip(
            (40, 25, 3), EXPERIENCES, strict=True
        ):
            condition = Condition.objects.get(slug=slug)
            experience = community_services.post_experience(
                user=members[username],
                condition=condition,
                question=condition.questions.filter(slug=question).first(),
                relation=relation,
                body=body,
                submission_key=uuid.uuid4(),
                at=timezone.now() - timedelta(days=days_ago),
            )
            if publish:
                community_services.approve_experience(
                    user=users["mo"], experience=experience
                )
        for (
            username,
            slug,
            question,
            relation,
            body,
            days_ago,
        ) in MEMBERS_ONLY_EXPERIENCES:
            condition = Condition.objects.get(slug=slug)
            experience = community_services.post_experience(
                user=members[username],
                condition=condition,
                question=condition.questions.filter(slug=question).first(),
                relation=relation,
                body=body,
                submission_key=uuid.uuid4(),
                at=timezone.now() - timedelta(days=days_ago),
                audience=Audience.MEMBERS,
            )
            community_services.approve_experience(
                user=users["mo"], experience=experience
            )
        for username, slug, relation, body, question, note in SENT_TO_REVIEWER:
            experience = community_services.post_experience(
                user=members[username],
                condition=Condition.objects.get(slug=slug),
                question=None,
                relation=relation,
                body=body,
                submission_key=uuid.uuid4(),
                at=timezone.now() - timedelta(days=2),
            )
            community_services.send_to_medical_reviewer(
                user=users["mo"], experience=experience, question=question
            )
            if note:
                experience.refresh_from_db()
                community_services.publish_with_note(
                    user=users["rita"],
                    experience=experience,
                    note=note,
                    seen=community_services.review_token(experience),
                )
        username, slug, original, redacted, reason = REDACTED_EXPERIENCE
        experience = community_services.post_experience(
            user=members[username],
            condition=Condition.objects.get(slug=slug),
            question=None,
            relation="lives_with",
            body=original,
            submission_key=uuid.uuid4(),
            at=timezone.now() - timedelta(days=2),
        )
        community_services.redact_experience(
            user=users["mo"],
            experience=experience,
            body=redacted,
            reason=reason,
            seen=experience.text_fingerprint,
        )
        self._mutes_and_member_reports(members, users)

    def _crisis_contacts(self, users: dict) -> None:
        """The demo's crisis contacts (devdata/crisis_contacts.py), all marked
        as needing a check before production: Wendy enters them, Rita
        approves all but one, which waits for review. Only once."""
        if CrisisContact.objects.exists():
            return
        with transaction.atomic():
            for fields in [*DEMO_CRISIS_CONTACTS, DEMO_DRAFT_CRISIS_CONTACT]:
                contact = crisis.save_contact(
                    user=users["wendy"],
                    contact=CrisisContact(
                        **fields, last_checked=WRITTEN, needs_check=True
                    ),
                )
                if fields is not DEMO_DRAFT_CRISIS_CONTACT:
                    crisis.approve_contact(
                        user=users["rita"],
                        contact=contact,
                        expected_version=contact.draft_version,
                    )
        self.stdout.write(
            f"Demo crisis contacts: {len(DEMO_CRISIS_CONTACTS)} approved, one "
            "waiting for review; all marked as needing a check before production."
        )

    def _mutes_and_member_reports(self, members: dict, users: dict) -> None:
        """Issue 18: Kai's posts keep pointing at a shop. Mina muted Kai (log
        in as mina: the list says a post is hidden, /me/ lists the mute), and
        Omar reported Kai to the moderators (log in as mo: Member reports)."""
        condition = Condition.objects.get(slug="poems-syndrome")
        experience = community_services.post_experience(
            user=members["kai"],
            condition=condition,
            question=None,
            relation="lives_with",
            body="My numb feet got better once I changed what I eat. I now put "
            "together meal plans for people with rare conditions; my page has "
            "the details.",
            submission_key=uuid.uuid4(),
            at=timezone.now() - timedelta(days=2),
        )
        community_services.approve_experience(user=users["mo"], experience=experience)
        kai = Member.objects.get(user=members["kai"])
        mutes.mute_member(user=members["mina"], member=kai)
        member_reports.report_member(
            user=members["omar"],
            member=kai,
            category=MemberReport.Category.SELLING,
            reason="Every post ends with an advert for paid meal plans.",
            experience=experience,
        )

    def _accounts(self) -> dict:
        User = get_user_model()
        users = {}
        created = []
        for username, first, last, group_name, superuser in ACCOUNTS:
            user, is_new = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@demo.diseasemaps.invalid",
                    "is_staff": True,
                    "is_superuser": superuser,
                },
            )
            if is_new:
                user.set_password(DEMO_PASSWORD)
                user.save()
                created.append(username)
            if group_name:
                user.groups.add(Group.objects.get(name=group_name))
            if username in REVIEWERS:
                Reviewer.objects.get_or_create(
                    user=user, defaults={**REVIEWERS[username], "active": True}
                )
            if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
                TOTPDevice.objects.create(
                    user=user,
                    name=DEMO_TOTP_DEVICE,
                    key=demo_totp_key(),
                    confirmed=True,
                )
            users[username] = user
        # Refused with DEBUG off, and `check --deploy` fails while they exist.
        mark_demo([user.pk for user in users.values()])
        if created:
            self.stdout.write(
                f"Demo accounts created: {', '.join(created)} (password in README). "
                "Staff also need a code: manage.py demo_totp USERNAME."
            )
        return users

    def _approve_facts(self, condition: Condition, users: dict) -> None:
        """The writer submits the imported facts; a reviewer who did not write
        them approves (the same specialty split as the answers below)."""
        writer = users["wendy"]
        reviewer = _reviewer_for(condition, users)
        at = timezone.now() - timedelta(days=FACTS_APPROVED_DAYS_AGO)
        services.submit_for_review(
            item=condition, user=writer, at=at - timedelta(days=4)
        )
        services.approve(
            item=condition,
            user=reviewer,
            expected_version=condition.draft_version,
            coi_confirmed=True,
            at=at,
        )

    def _change_facts(self, condition: Condition, users: dict) -> None:
        """Live facts with a newer change waiting for a reviewer: readers keep
        seeing the approved facts until it is approved."""
        _slug, synonym = PENDING_FACTS
        condition.refresh_from_db()
        condition.synonyms = f"{condition.synonyms}\n{synonym}"
        at = timezone.now() - timedelta(days=1)
        services.save_draft(
            item=condition,
            user=users["wendy"],
            expected_version=condition.draft_version,
            comment="Demo: added a historical name",
            at=at,
        )
        services.submit_for_review(item=condition, user=users["wendy"], at=at)

    def _run_workflow(self, condition: Condition, questions: list, users: dict) -> None:
        """Most answers approved at various dates, one overdue, some still in review.

        The writer drafts and submits; a reviewer who did not write approves.
        Haematology reviews POEMS syndrome, neurology the others.
        """
        writer = users["wendy"]
        reviewer = _reviewer_for(condition, users)
        now = timezone.now()
        last = len(questions) - 1
        for index, question in enumerate(questions):
            if index == last:
                # Never published: waiting for its first review.
                services.submit_for_review(
                    item=question, user=writer, at=now - timedelta(days=2)
                )
                continue
            approved_days_ago = 30 + 37 * index
            if (
                condition.slug == "poems-syndrome"
                and question.slug == "is-it-contagious"
            ):
                approved_days_ago = 400  # past the 365-day interval: overdue
            at = now - timedelta(days=approved_days_ago)
            services.submit_for_review(
                item=question, user=writer, at=at - timedelta(days=3)
            )
            services.approve(
                item=question,
                user=reviewer,
                expected_version=question.draft_version,
                coi_confirmed=True,
                at=at,
            )
            if index == last - 1:
                self._edit_and_resubmit(question, writer, reviewer, condition)

    def _edit_and_resubmit(self, question, writer, reviewer, condition) -> None:
        """A live answer with newer edits: one waits for review, one was sent back."""
        question.body = (
            question.body + "\n\n## Where can I find support?\n\nPatient groups for "
            f"{condition.name} can put you in touch with others who understand. "
            "Ask your care team which groups they trust."
        )
        services.save_draft(
            item=question,
            user=writer,
            expected_version=question.draft_version,
            comment="Demo: added a support section",
        )
        services.submit_for_review(item=question, user=writer)
        if condition.slug == "cystic-fibrosis":
            services.request_changes(
                item=question,
                user=reviewer,
                comment="Please name two national patient organisations and add "
                "them as references.",
            )
