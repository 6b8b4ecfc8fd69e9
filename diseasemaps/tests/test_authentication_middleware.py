"""One lazy user for authentication and the second factor
(diseasemaps/lib/authentication.py), and no session read for a reader who
has none (diseasemaps/lib/visitors.py).

The user a request sees must be what Django's AuthenticationMiddleware
followed by django-otp's OTPMiddleware gave: anonymous, logged in but not
verified, verified with their own device, and a device id in the session that
is someone else's (dropped)."""

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.middleware import (
    AuthenticationMiddleware as DjangoAuthenticationMiddleware,
)
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory, TestCase, override_settings
from django.urls import path
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware
from django_otp.plugins.otp_totp.models import TOTPDevice

from devdata.personas import make_user
from diseasemaps.lib.authentication import AuthenticationMiddleware
from diseasemaps.lib.visitors import is_logged_in, may_be_logged_in


def what_the_view_sees(request: HttpRequest) -> dict:
    user = request.user
    return {
        "pk": user.pk,
        "authenticated": user.is_authenticated,
        "verified": user.is_verified(),
        "device": getattr(user.otp_device, "persistent_id", None),
        "device_in_session": request.session.get(DEVICE_ID_SESSION_KEY),
    }


def through(chain, session: SessionStore) -> dict:
    request = RequestFactory().get("/")
    request.session = session
    seen = {}

    def view(request: HttpRequest) -> HttpResponse:
        seen.update(what_the_view_sees(request))
        return HttpResponse()

    handler = view
    for middleware in reversed(chain):
        handler = middleware(handler)
    handler(request)
    return seen


def session_of(user=None, device=None) -> SessionStore:
    session = SessionStore()
    if user is not None:
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if device is not None:
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return session


class OneLazyUserTestCase(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.writer = make_user("wendy")
        cls.other = make_user("otto")
        cls.device = TOTPDevice.objects.get(user=cls.writer)
        cls.others_device = TOTPDevice.objects.get(user=cls.other)

    def assert_same_as_django_and_django_otp(self, **session) -> dict:
        ours = through([AuthenticationMiddleware], session_of(**session))
        theirs = through(
            [DjangoAuthenticationMiddleware, OTPMiddleware], session_of(**session)
        )
        self.assertEqual(ours, theirs)
        return ours

    def test_anonymous(self):
        seen = self.assert_same_as_django_and_django_otp()
        self.assertEqual((seen["authenticated"], seen["verified"]), (False, False))

    def test_logged_in_not_verified(self):
        seen = self.assert_same_as_django_and_django_otp(user=self.writer)
        self.assertEqual(seen["pk"], self.writer.pk)
        self.assertEqual((seen["authenticated"], seen["verified"]), (True, False))

    def test_verified_with_their_own_device(self):
        seen = self.assert_same_as_django_and_django_otp(
            user=self.writer, device=self.device
        )
        self.assertTrue(seen["verified"])
        self.assertEqual(seen["device"], self.device.persistent_id)

    def test_someone_elses_device_verifies_nothing_and_leaves_the_session(self):
        seen = self.assert_same_as_django_and_django_otp(
            user=self.writer, device=self.others_device
        )
        self.assertFalse(seen["verified"])
        self.assertIsNone(seen["device_in_session"])

    def test_an_unconfirmed_device_verifies_nothing(self):
        TOTPDevice.objects.filter(pk=self.device.pk).update(confirmed=False)
        seen = self.assert_same_as_django_and_django_otp(
            user=self.writer, device=self.device
        )
        self.assertFalse(seen["verified"])


def constant(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok\n", content_type="text/plain")


urlpatterns = [path("constant/", constant)]


@override_settings(ROOT_URLCONF=__name__)
class NoSessionReadForReadersWithoutOneTestCase(TestCase):
    """Before, the page cache, the compression and the staff guards each asked
    `request.user.is_authenticated`: the session was read for every reader,
    and every anonymous response said `Vary: Cookie`, so no shared cache
    could keep one copy for everyone."""

    def test_a_constant_response_to_a_reader_without_a_session(self):
        response = self.client.get("/constant/")
        self.assertEqual(response.content, b"ok\n")
        self.assertNotIn("Cookie", response.get("Vary", ""))
        self.assertFalse(response.wsgi_request.session.accessed)

    def test_the_same_response_to_a_logged_in_member_is_private(self):
        self.client.force_login(make_user("mina", staff=False))
        response = self.client.get("/constant/")
        self.assertIn("private", response["Cache-Control"])
        self.assertIn("Cookie", response["Vary"])

    def test_is_logged_in(self):
        request = RequestFactory().get("/")
        request.session = SessionStore()
        AuthenticationMiddleware(lambda request: HttpResponse())(request)
        self.assertFalse(may_be_logged_in(request))
        self.assertFalse(is_logged_in(request))
        self.assertFalse(request.session.accessed)
        # A view that logs someone in puts the user itself: always asked.
        request.user = self.writer = make_user("wendy")
        self.assertTrue(is_logged_in(request))
