"""Members' names that the sign-up checks would refuse today."""

from django.core.management.base import BaseCommand, CommandParser
from django.db.models import Count

from community import names
from community.accounts import pseudonym_available, staff_skeletons
from community.models import Member

BATCH = 2000


class Command(BaseCommand):
    help = (
        "Recompute every member's stored pseudonym skeleton (needed after an "
        "upgrade of the system's ICU library, whose Unicode data the skeletons "
        "come from) and list the members whose names the sign-up checks would "
        "refuse today: invisible characters, mixed alphabets, or a name that "
        "looks like the site's, a staff member's, a reviewer's or another "
        "member's. Names are never changed here: a site admin asks the member. "
        "Lists member numbers and public names, never email addresses. With "
        "--dry-run, stores nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Count the skeletons that would change; store nothing.",
        )

    def handle(self, *args, dry_run: bool, **options) -> None:
        members = Member.objects.filter(is_former=False).order_by("pk")
        ids = list(members.values_list("pk", flat=True))
        staff = staff_skeletons()
        changed = 0
        problems = 0
        for start in range(0, len(ids), BATCH):
            batch = list(Member.objects.filter(pk__in=ids[start : start + BATCH]))
            stale = []
            for member in batch:
                skeleton = names.pseudonym_skeleton(member.pseudonym)
                if member.pseudonym_skeleton != skeleton:
                    member.pseudonym_skeleton = skeleton
                    stale.append(member)
                why = names.character_problem(member.pseudonym)
                if why is None and not pseudonym_available(
                    member.pseudonym, member=member, staff=staff
                ):
                    why = names.UNAVAILABLE
                if why:
                    problems += 1
                    self.stdout.write(f"member {member.pk} {member.pseudonym!a}: {why}")
            changed += len(stale)
            if stale and not dry_run:
                Member.objects.bulk_update(stale, ["pseudonym_skeleton"])
            self.stderr.write(f"{min(start + BATCH, len(ids))}/{len(ids)} checked")
        shared = (
            members.exclude(pseudonym_skeleton="")
            .values("pseudonym_skeleton")
            .annotate(n=Count("pk"))
            .filter(n__gt=1)
            .count()
        )
        verb = "would change" if dry_run else "changed"
        self.stdout.write(
            f"{len(ids)} members checked; {changed} stored skeletons {verb}; "
            f"{problems} names would be refused at sign-up today; "
            f"{shared} skeletons shared by more than one member."
        )
