"""The demo accounts' shared secrets: published in the README on purpose, so
that anyone trying the site locally can log in as each role. Development only,
like everything in devdata/."""

import base64

DEMO_PASSWORD = "diseasemaps-demo"  # noqa: S105 - development accounts, see README
# Staff need a second factor (TOTP). The demo staff accounts share this
# published secret, so anyone can get their codes: `manage.py demo_totp USER`
# or `oathtool --totp -b SECRET`. Development only, like the password.
DEMO_TOTP_SECRET = "MRUXGZLBONSW2YLQOMWWIZLNN4WWWZLZ"  # noqa: S105 - see README
DEMO_TOTP_DEVICE = "Demo authenticator (shared secret, see README)"


def demo_totp_key() -> str:
    """DEMO_TOTP_SECRET as django-otp stores keys (hex)."""
    return base64.b32decode(DEMO_TOTP_SECRET).hex()
