"""Mail every moderator about high-risk posts nobody has acted on within the
response target (community.services.safety). Run it every few minutes, like
send_queued_email, e.g. from cron: `*/5 * * * * manage.py alert_high_risk`."""

from django.core.management.base import BaseCommand

from community.services.safety import HIGH_RISK_RESPONSE, alert_overdue_high_risk


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options) -> None:
        alerted = alert_overdue_high_risk()
        self.stdout.write(
            f"{alerted} overdue high-risk post(s) alerted to the moderators "
            f"(target: {HIGH_RISK_RESPONSE})."
        )
