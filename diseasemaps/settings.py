"""DiseaseMaps settings: one file, driven by environment variables.

Development defaults are safe (SQLite file, local-memory cache, console email).
Production sets DEBUG=false, SECRET_KEY, ALLOWED_HOSTS, SITE_URL, DATABASE_URL,
REDIS_URL and EMAIL_URL (and RELEASE, unless it runs from a git checkout); see
README.md. A bad value stops start-up with a message naming it.
"""

import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from diseasemaps.lib.env import (
    cache_from_env,
    database_from_env,
    email_from_env,
    env_bool,
    env_int,
    env_list,
    env_str,
    release_from_env,
    replicas_from_env,
    site_url_from_env,
    storage_from_env,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY to a long random string in "
            "production, or DEBUG=true for local development."
        )
    SECRET_KEY = "development-only-key-never-used-with-debug-off"  # noqa: S105

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS is not set. List the host names this site answers to, "
        "comma-separated, e.g. ALLOWED_HOSTS=diseasemaps.org,www.diseasemaps.org."
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# `X-Page-Cache` and `X-Stored-Page` on public pages (hit or miss, and from
# where): for `make bench` and `make faults` only. Off in production: they
# would tell anyone whether a rare condition's page was read lately.
PAGE_CACHE_HEADERS = env_bool("PAGE_CACHE_HEADERS", False)

# Part of every public page's ETag (hashed with SECRET_KEY, public/caching.py),
# and stored pages are kept per release (public/pages.py): a deploy with new
# templates must not be answered with "304 Not Modified" or an old page. It
# must be the same in every process of one deploy, or workers disagree about
# ETags and stored pages: the RELEASE variable, or else the commit this
# checkout is at; production refuses to start with neither. In development
# (DEBUG on) without them, each start counts as a new release, so an edited
# template shows after a restart.
RELEASE = (
    release_from_env("RELEASE", checkout=BASE_DIR, required=not DEBUG)
    or f"start{int(time.time())}"
)

# The public address: canonical links, og:url, JSON-LD, the sitemap address in
# robots.txt and links in mail. Required in production, or they would all
# point at the development default.
SITE_URL = site_url_from_env(
    "SITE_URL", required=not DEBUG, default="http://127.0.0.1:8000"
)

INSTALLED_APPS = [
    # Django's admin with a second factor for staff (diseasemaps/admin_site.py).
    "diseasemaps.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "reversion",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    # Staff second factor (diseasemaps/lib/two_factor.py): authenticator
    # apps, recovery codes, passkeys.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "allauth",
    "allauth.account",
    "django_countries",
    "answers",
    "community",
    "public",
    "outbox",
]
if DEBUG:
    # Development only: demo content and accounts with published passwords,
    # the load-test dataset generator and the test personas. A production
    # server does not even have the commands.
    INSTALLED_APPS.append("devdata")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The Content-Security-Policy (django-csp's, with the site's policy built
    # once) and the Permissions-Policy, on every response: static files, the
    # outage page and the middleware's own refusals included.
    "diseasemaps.lib.headers.PolicyHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside everything that sets cookies, tokens or Cache-Control, so it sees
    # the final response; inside WhiteNoise, whose files are compressed ahead.
    # Compresses only responses that hold no secret (BREACH).
    "diseasemaps.lib.compression.SecretFreeGZipMiddleware",
    # Outside everything that queries the database (sessions, the page cache),
    # so it sees their outage 503s too; static files need no database.
    "diseasemaps.lib.outage.DatabaseOutageMiddleware",
    # Before sessions, auth and the page cache: their queries (and the session
    # write after a login) follow this request's choice of database.
    "diseasemaps.lib.replicas.ReplicaRoutingMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # After the CSRF check: malformed admin filters and actions get a 400.
    "diseasemaps.lib.admin.AdminInputGuardMiddleware",
    # Django's, with django-otp's user.is_verified() (has this session passed
    # the second factor?) in the same lazy user (diseasemaps/lib/authentication.py).
    "diseasemaps.lib.authentication.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Ends a demo account's session with DEBUG off, whatever logged it in.
    "diseasemaps.lib.demo_accounts.DemoSessionMiddleware",
    # After messages, so it can say why someone was logged out.
    "diseasemaps.lib.staff_sessions.StaffSessionIdleMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # A staff session that has not passed the second factor gets no account
    # page (every allauth view, /me/): it is sent to the second factor first.
    "diseasemaps.lib.account_guard.StaffSecondFactorFirstMiddleware",
    # After authentication, so it sees the outcome of login attempts.
    "axes.middleware.AxesMiddleware",
    # Innermost: a cached page still passes through CSP and security headers.
    "public.caching.PublicPageCacheMiddleware",
]

ROOT_URLCONF = "diseasemaps.urls"
WSGI_APPLICATION = "diseasemaps.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "builtins": ["diseasemaps.lib.template_filters"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": database_from_env(
        "DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"
    )
}
# PostgreSQL standbys of the primary, as aliases replica1, replica2, …: anonymous
# page views read from a healthy one (diseasemaps/lib/replicas.py).
DATABASES.update(replicas_from_env("DATABASE_REPLICA_URLS", DATABASES["default"]))
DATABASE_REPLICAS = [alias for alias in DATABASES if alias != "default"]
# A replica further behind than this many seconds is skipped; a client reads
# from the primary for this long (plus the health check interval) after a write.
DATABASE_REPLICA_MAX_LAG = env_int("DATABASE_REPLICA_MAX_LAG", 10, minimum=0)
DATABASE_ROUTERS = ["diseasemaps.lib.replicas.PrimaryReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": cache_from_env("REDIS_URL")}
if env_str("REDIS_URL"):
    # Sessions are read from Redis and written through to the database
    # (always the primary). Cache-only sessions would log everyone out when
    # Redis restarts or evicts, and during an outage (the cache degrades to
    # "no cache") every login would silently fail; a session write happens at
    # login, logout and on changes, so the primary barely notices. Without
    # Redis, plain database sessions: a per-process memory cache in front of
    # them would keep serving a session another process had logged out.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

AUTHENTICATION_BACKENDS = [
    # Counts failed logins and locks out brute force before checking passwords.
    "axes.backends.AxesStandaloneBackend",
    # Demo and generated accounts (published password) are refused with DEBUG
    # off, before any password is checked (diseasemaps/lib/demo_accounts.py).
    "diseasemaps.lib.demo_accounts.RefuseDemoAccounts",
    "django.contrib.auth.backends.ModelBackend",
    # Members log in with their email address.
    "allauth.account.auth_backends.AuthenticationBackend",
]
# Argon2 (argon2-cffi) for every new or changed password: memory-hard, so
# guessing leaked hashes on GPUs costs far more than with PBKDF2. The others
# stay listed only so that hashes made before still verify; Django re-hashes
# them with Argon2 at the next successful login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes: the brake on password guessing, for the admin (username) and
# for members (email address, see AXES_USERNAME_CALLABLE below). Each choice:
# - 10 failures: room for a person who mistypes and retries, few guesses for
#   a script. Staff also need a second factor, so a guessed password alone
#   does not open the admin.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 10, minimum=1)
# - One hour, then the lock ends by itself: nobody is locked out for good,
#   and nobody has to ask a site admin to unlock them.
AXES_COOLOFF_TIME = timedelta(hours=1)
# - Trying again while locked does not restart the hour, so a member who keeps
#   trying is still let in an hour after the lock began.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# - Locked is one account from one address: someone guessing elsewhere cannot
#   lock a member out, and others behind the same address can still log in.
#   Guessing one member's password from many addresses meets a challenge
#   instead of a lock (ACCOUNT_RATE_LIMITS["login_failed_per_account"]).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# - A successful login clears the count, so old typos do not add up.
AXES_RESET_ON_SUCCESS = True
# - Counted in the database, shared by every app server, and still counting
#   when Redis is down. The handler is axes' database handler plus the staff
#   limit below (diseasemaps/lib/login_limits.py).
AXES_HANDLER = "diseasemaps.lib.login_limits.LoginLimitsHandler"
# - The admin login (staff) is also limited per username across addresses:
#   after this many failures within AXES_COOLOFF_TIME from anywhere, that
#   username cannot log in from anywhere until the oldest failures are an hour
#   old. Above the per-address limit, so one typing person never meets it;
#   someone can use it to keep a staff member out for an hour, which a site
#   admin sees in the admin's access attempts (README, Security).
STAFF_LOGIN_USERNAME_FAILURE_LIMIT = env_int(
    "STAFF_LOGIN_USERNAME_FAILURE_LIMIT", 30, minimum=1
)

# --- Staff: second factor and idle sessions -----------------------------------
# Every staff account needs a second factor (django-otp: an authenticator app,
# a passkey through django-otp-webauthn, or a one-time recovery code) and a
# session verified with it before any admin page opens; see
# diseasemaps/lib/two_factor.py.
OTP_TOTP_ISSUER = "DiseaseMaps"
# Adding or removing a way to log in, or making new recovery codes, needs a
# second-factor check this recent: a session left open is not enough.
STAFF_TWO_FACTOR_RECENT_MINUTES = env_int(
    "STAFF_TWO_FACTOR_RECENT_MINUTES", 10, minimum=1
)
# Passkeys belong to the site's domain (the relying party, WebAuthn's "RP ID"),
# taken from SITE_URL. Browsers refuse an IP address as RP ID, so the local
# default http://127.0.0.1:8000 becomes localhost: passkeys work locally at
# http://localhost:8000. Changing the domain later orphans every passkey.
_site = urlsplit(SITE_URL)
_loopback = _site.hostname in ("127.0.0.1", "::1")
OTP_WEBAUTHN_RP_ID = "localhost" if _loopback else (_site.hostname or "")
OTP_WEBAUTHN_RP_NAME = "DiseaseMaps"
OTP_WEBAUTHN_ALLOWED_ORIGINS = [
    f"{_site.scheme}://localhost{f':{_site.port}' if _site.port else ''}"
    if _loopback
    else f"{_site.scheme}://{_site.netloc}"
]
# A passkey is a second factor only, after the password; never instead of it.
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
# No secret in the admin: TOTP keys hidden (below), recovery codes' admin
# removed (diseasemaps.admin_site.hide_second_factor_secrets).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Staff sessions end after this long without a request; members' sessions
# keep Django's default length (diseasemaps/lib/staff_sessions.py).
STAFF_SESSION_IDLE_MINUTES = env_int("STAFF_SESSION_IDLE_MINUTES", 30, minimum=1)

# --- Member accounts (django-allauth) -----------------------------------------
# Members sign up and log in with an email address that nobody else ever sees;
# in public they are only their pseudonym (community.Member). Staff keep the
# admin's own login at /admin/login/.
ACCOUNT_ADAPTER = "community.accounts.AccountAdapter"
# Pseudonym, country and the health-data consent; its signup() creates the
# Member through community.services.create_member: no consent, no account.
ACCOUNT_SIGNUP_FORM_CLASS = "community.accounts.MemberSignupForm"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
# No login before the address is confirmed: an account holds health
# information, so it must belong to whoever reads that mailbox.
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
# Sign-up, login and password reset answer the same whether or not an address
# has an account: that someone is a member of a health site is itself private.
ACCOUNT_PREVENT_ENUMERATION = True
# Messages and mail name the member by pseudonym; usernames are random.
ACCOUNT_USER_DISPLAY = "community.accounts.user_display"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "DiseaseMaps: "
ACCOUNT_RATE_LIMITS = {
    # Every sign-up POST counts, also one refused for a taken pseudonym or a
    # weak password, so the limit leaves room for a few corrections.
    "signup": "10/h/ip",
    # allauth's brake on one client trying many accounts. No per-account part
    # across IPs here: that refused even the right password, so anyone could
    # keep a member out by failing theirs every 15 minutes (issue 15).
    "login_failed": "10/m/ip",
    # One account failed this often from anywhere: not a lock but a challenge.
    # The right password must then be followed by a code mailed to the
    # member's address (community.accounts.AccountAdapter), so the member
    # still gets in, and a guessed password alone opens nothing.
    "login_failed_per_account": "10/d/key",
    # A stolen session could guess the password on the password pages (the
    # re-authentication page, "current password" when changing it): a few a
    # minute, and not many a day.
    "reauthenticate": "5/m/user,30/d/user",
    "change_password": "5/m/user,30/d/user",
}
# Every account change (addresses, password, data export, deletion, consent
# withdrawal) needs the password typed this recently, not only an open
# session; the request waits while the member types it, then goes through.
# Five minutes (allauth's default): enough for a few changes in a row, short
# enough that a session left open on a shared computer is not enough.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = 5 * 60
# The owner is told of every change: a new address, another primary address,
# an address removed, the password changed or reset (queued in the outbox:
# these mails carry no key). Templates: templates/account/email/.
ACCOUNT_EMAIL_NOTIFICATIONS = True
# "An address was added" is not one of allauth's notifications: its form sends it.
ACCOUNT_FORMS = {"add_email": "community.account_forms.AddEmailForm"}
# Behind a load balancer every request comes from its address: count the client
# it names in X-Forwarded-For instead, for rate limits and for axes.
ALLAUTH_TRUSTED_PROXY_COUNT = 1 if env_bool("BEHIND_PROXY", False) else 0
AXES_CLIENT_IP_CALLABLE = "community.accounts.client_ip"
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/me/"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
# Failed member logins count per email address (and IP), like admin usernames.
AXES_USERNAME_CALLABLE = "community.accounts.axes_username"
AXES_LOCKOUT_TEMPLATE = "account/locked_out.html"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files go through Django's storage API (`storages["default"]`), never
# through paths, so an object store can be plugged in with MEDIA_STORAGE (a
# backend's dotted path) and MEDIA_STORAGE_OPTIONS (JSON). Nothing is uploaded
# yet; with several app servers the files must not live on one of them.
MEDIA_ROOT = env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media"))
MEDIA_URL = env_str("MEDIA_URL", "/media/")
if not MEDIA_URL.endswith("/"):
    raise ImproperlyConfigured(f"MEDIA_URL={MEDIA_URL!r} must end with a slash.")
STORAGES = {
    "default": storage_from_env(
        "MEDIA_STORAGE",
        "MEDIA_STORAGE_OPTIONS",
        default="django.core.files.storage.FileSystemStorage",
    ),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

_email = email_from_env("EMAIL_URL")
EMAIL_BACKEND = _email.pop("EMAIL_BACKEND")
globals().update(_email)
DEFAULT_FROM_EMAIL = env_str(
    "DEFAULT_FROM_EMAIL", "DiseaseMaps <no-reply@diseasemaps.invalid>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Content is reviewed again this many days after its last review unless the
# condition sets its own interval.
DEFAULT_REVIEW_INTERVAL_DAYS = env_int("DEFAULT_REVIEW_INTERVAL_DAYS", 365, minimum=1)

# Security headers. HTTPS-only settings follow DEBUG and can be turned off
# explicitly behind a proxy that terminates TLS elsewhere.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", False) else None
)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers probe over plain HTTP on the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = False
# Joining the browsers' HSTS preload list is a one-way decision for the whole
# domain, taken by whoever runs it, not by a default in code.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Features no page uses, off for the page and anything it could embed. Only
# features browsers know: an unknown one (interest-cohort, since Chromium
# dropped FLoC) is reported as an error in every page's console.
PERMISSIONS_POLICY = {
    feature: []
    for feature in [
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "screen-wake-lock",
        "sync-xhr",
        "usb",
        "xr-spatial-tracking",
    ]
}
# Staff passkeys (diseasemaps/lib/two_factor.py): our own pages only, never
# anything they embed.
PERMISSIONS_POLICY["publickey-credentials-create"] = ["self"]
PERMISSIONS_POLICY["publickey-credentials-get"] = ["self"]
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Request bodies: the largest honest form is an editor's answer with its
# references (tens of kilobytes even in a non-Latin script) and a changelist
# action on 100 rows. Anything far bigger is a mistake or an attack, and gets
# a 413 page (diseasemaps.lib.errors.bad_request) before any form reads it.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 500

# Error reports (mail to ADMINS) and logs never carry what people sent: see
# diseasemaps.lib.privacy. ADMINS: comma-separated addresses for error mail.
DEFAULT_EXCEPTION_REPORTER = "diseasemaps.lib.privacy.PrivateExceptionReporter"
DEFAULT_EXCEPTION_REPORTER_FILTER = (
    "diseasemaps.lib.privacy.PrivateExceptionReporterFilter"
)
ADMINS = [("DiseaseMaps operations", address) for address in env_list("ADMINS", [])]
for _name, _address in ADMINS:
    if "@" not in _address:
        raise ImproperlyConfigured(
            f"ADMINS contains {_address!r}, which is not an email address."
        )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        # A database outage is logged once by DatabaseOutageMiddleware, not with
        # a traceback per request.
        "database_outage": {"()": "diseasemaps.lib.outage.SkipDatabaseOutage"},
        "scrub": {"()": "diseasemaps.lib.privacy.ScrubLogFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["scrub"],
        },
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false", "scrub"],
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Errors in requests mail the admins (when ADMINS is set) and reach
        # the console through the root logger.
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        # Request logs would carry URLs of conditions people read: keep them out.
        "django.request": {"level": "ERROR", "filters": ["database_outage"]},
        "django.server": {"level": "WARNING" if not DEBUG else "INFO"},
        # SQL with its parameters (member text) is logged at DEBUG when DEBUG
        # is on: never, even with LOG_LEVEL=DEBUG.
        "django.db.backends": {"level": "INFO"},
        # An oversized or over-long form is the sender's problem, not ours:
        # logged, but no mail to the admins for every one.
        **{
            f"django.security.{name}": {
                "handlers": ["console"],
                "level": "WARNING",
                "propagate": False,
            }
            for name in ["RequestDataTooBig", "TooManyFieldsSent", "TooManyFilesSent"]
        },
        "axes": {"level": "WARNING"},
    },
}
