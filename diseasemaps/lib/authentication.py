"""Django's AuthenticationMiddleware and django-otp's OTPMiddleware in one.

`request.user` is the session's user with django-otp's `otp_device` and
`is_verified()` (diseasemaps/lib/two_factor.py), as the two middleware made it,
behind one lazy object instead of two. With both installed, every read of an
attribute of `request.user` went through two lazy proxies, and the second
middleware was one more layer on every request: together about a tenth of the
middleware stack's cost on a constant page (README "Performance").

django-otp's own steps do the work (its OTPMiddleware's `_verify_user_sync`
and `_verify_user_async_via_auser`), so a verified session means what it means
to django-otp; `diseasemaps/tests/test_authentication_middleware.py` checks
that a verified, an unverified and an anonymous request read the same as with
the two middleware.
"""

from functools import partial

from django.contrib.auth.middleware import (
    AuthenticationMiddleware as DjangoAuthenticationMiddleware,
)
from django.contrib.auth.middleware import auser, get_user
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from django_otp.middleware import OTPMiddleware


def _not_called(request: HttpRequest) -> None:  # pragma: no cover
    raise AssertionError("only django-otp's verification steps are used")


_otp = OTPMiddleware(_not_called)


def _verified_user(request: HttpRequest) -> AbstractBaseUser | AnonymousUser:
    return _otp._verify_user_sync(request, get_user(request))


async def _averified_user(request: HttpRequest) -> AbstractBaseUser | AnonymousUser:
    return await _otp._verify_user_async_via_auser(request, partial(auser, request))


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    """A subclass, so the admin's and allauth's checks that authentication
    middleware is installed still find it."""

    def process_request(self, request: HttpRequest) -> None:
        if not hasattr(request, "session"):
            # Django's own error: the session middleware is missing.
            return super().process_request(request)
        request.user = SimpleLazyObject(partial(_verified_user, request))
        request.auser = partial(_averified_user, request)
        return None
