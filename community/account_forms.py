"""Our versions of django-allauth's account-management forms (ACCOUNT_FORMS).

Its own module: allauth's forms module imports the sign-up form of
community.accounts while it loads, so that module cannot import it back.
"""

from allauth.account.adapter import get_adapter
from allauth.account.forms import AddEmailForm as AllauthAddEmailForm
from allauth.account.models import EmailAddress
from django.http import HttpRequest


class AddEmailForm(AllauthAddEmailForm):
    """allauth's form for adding an address, which also tells the primary
    address: allauth itself mails only when the primary changes or an address
    is removed, and a planted address is the first step of a takeover."""

    def save(self, request: HttpRequest) -> EmailAddress:
        primary = EmailAddress.objects.get_primary_email(self.user)
        email_address = super().save(request)
        if primary and email_address is not None and email_address.pk:
            get_adapter(request).send_notification_mail(
                "account/email/email_added",
                self.user,
                {"added_email": email_address.email},
                email=primary,
            )
        return email_address
