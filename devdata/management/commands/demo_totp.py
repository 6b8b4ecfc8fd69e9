"""Print the current two-factor code of a demo staff account."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from devdata.demo import demo_totp_key


class Command(BaseCommand):
    help = (
        "Print the code a demo staff account (created by load_demo) must type "
        "after its password: the same as `oathtool --totp -b SECRET` with the "
        "README's demo secret. Only with DEBUG=true, and only for devices that "
        "hold the published demo secret, never for a real person's device."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username", help="e.g. admin, wendy, rita, sam or mo")

    def handle(self, *args, username: str, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("demo_totp only runs with DEBUG=true (development).")
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No account named {username!r}.")
        device = TOTPDevice.objects.filter(
            user=user, confirmed=True, key=demo_totp_key()
        ).first()
        if device is None:
            raise CommandError(
                f"{username} has no demo authenticator. Run `manage.py load_demo` "
                "first; real accounts' codes are never printed."
            )
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        seconds_left = device.step - int(totp.time - device.t0) % device.step
        self.stdout.write(f"{totp.token():0{device.digits}d}")
        # The code alone on stdout, for scripts; the hint on stderr, unstyled.
        self.stderr.write(
            f"(valid for about {seconds_left} more seconds)", style_func=str
        )
