"""What `make bench` runs the stock settings with (tools/bench/run.py).

settings.py is exactly as `django-admin startproject` wrote it (Django 5.2);
a deployment of it sets what this file sets and nothing else: production mode,
the address, the secret, a PostgreSQL database, and the one app of its own.
"""

import os
from urllib.parse import unquote, urlsplit

from .settings import *
from .settings import INSTALLED_APPS

DEBUG = False
SECRET_KEY = os.environ["SECRET_KEY"]
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [*INSTALLED_APPS, "blog"]

_url = urlsplit(os.environ["DATABASE_URL"])
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _url.path.lstrip("/"),
        "USER": unquote(_url.username or ""),
        "PASSWORD": unquote(_url.password or ""),
        "HOST": _url.hostname or "",
        "PORT": str(_url.port or ""),
        # As DiseaseMaps keeps its connections (diseasemaps/lib/env.py), so
        # neither side pays a new connection per request.
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }
}
