"""Send queued email that is due; run it every minute."""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from outbox import services
from outbox.models import OutboundEmail


class Command(BaseCommand):
    help = (
        "Send workflow and moderation email that is waiting: messages that could "
        "not be sent straight after their step (mail server down) are tried again "
        "after 1, 2, 4 … minutes, at most 6 hours apart, and given up after 12 "
        "attempts (shown in the admin under Outgoing email). Two copies running at "
        "once never send a message twice. Sent messages are deleted after "
        "--keep-days. Run it every minute from cron or a systemd timer."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Say what is due, send and delete nothing.",
        )
        parser.add_argument(
            "--keep-days",
            type=int,
            default=7,
            help="Delete sent messages older than this (default 7).",
        )

    def handle(self, *args, dry_run: bool, keep_days: int, **options) -> None:
        now = timezone.now()
        due = OutboundEmail.objects.due(now).count()
        waiting = OutboundEmail.objects.filter(
            status=OutboundEmail.Status.QUEUED
        ).count()
        if dry_run:
            self.stdout.write(
                f"{due} messages due now, {waiting - due} waiting for a later "
                "attempt. Nothing sent (--dry-run)."
            )
            return
        result = services.deliver()
        pruned = services.prune_sent(older_than=timedelta(days=keep_days))
        style = self.style.SUCCESS if not result.failed else self.style.WARNING
        self.stdout.write(
            style(f"Queued email: {result}; {pruned} old sent messages deleted.")
        )
