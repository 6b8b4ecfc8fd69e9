"""DiseaseMaps settings: one file, driven by environment variables.

Development defaults are safe (SQLite file, local-memory cache, console email).
Production sets DEBUG=false, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, REDIS_URL and
EMAIL_URL; see README.md. A bad value stops start-up with a message naming it.
"""

import time
from pathlib import Path

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

# Part of every public page's ETag: a deploy with new templates must not be
# answered with "304 Not Modified". Set it to the release id; unset, every
# restart counts as a new release.
RELEASE = env_str("RELEASE") or f"start{int(time.time())}"

# The public address, used in emails sent outside a request.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
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
    "allauth",
    "allauth.account",
    "django_countries",
    "answers",
    "community",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "csp.middleware.CSPMiddleware",
    # After authentication, so it sees the outcome of login attempts.
    "axes.middleware.AxesMiddleware",
    # Innermost: a cached page still passes through CSP and security headers.
    "answers.caching.PublicPageCacheMiddleware",
]

ROOT_URLCONF = "diseasemaps.urls"
WSGI_APPLICATION = "diseasemaps.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
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
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": cache_from_env("REDIS_URL")}

AUTHENTICATION_BACKENDS = [
    # Counts failed logins and locks out brute force before checking passwords.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Members log in with their email address.
    "allauth.account.auth_backends.AuthenticationBackend",
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
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 10, minimum=1)
AXES_COOLOFF_TIME = 1  # hour
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True

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
    # allauth's own brake on guessing, before django-axes' hour-long lock: per
    # address across all IPs, and per IP across all addresses.
    "login_failed": "10/m/ip,5/15m/key",
}
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
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Request logs would carry URLs of conditions people read: keep them out.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING" if not DEBUG else "INFO"},
        "axes": {"level": "WARNING"},
    },
}
