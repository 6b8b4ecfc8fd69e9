"""Erase the original wording of redactions their authors have not answered
within KEEP_ORIGINAL_FOR (community.services.redaction): the original is
kept only as long as the moderation needs it. The posts stay out of public
view, waiting for their authors. Run it daily, e.g. from cron:
`17 3 * * * manage.py erase_redaction_originals`."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from community.models import Experience, ExperienceStatus
from community.services.redaction import KEEP_ORIGINAL_FOR, erase_unanswered_originals


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Say how many originals are due, and erase nothing.",
        )

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        if dry_run:
            due = (
                Experience.objects.filter(
                    status=ExperienceStatus.REDACTED,
                    redacted_at__lt=timezone.now() - KEEP_ORIGINAL_FOR,
                )
                .exclude(redaction_original="")
                .count()
            )
            self.stdout.write(f"{due} original(s) would be erased (dry run).")
            return
        erased = erase_unanswered_originals()
        self.stdout.write(
            f"{erased} original(s) of unanswered redactions erased "
            f"(kept for {KEEP_ORIGINAL_FOR.days} days)."
        )
