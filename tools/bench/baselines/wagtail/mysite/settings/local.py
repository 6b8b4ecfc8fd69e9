"""What `make bench` deploys the stock project with (tools/bench/run.py).

production.py, as `wagtail start` wrote it, imports this file last; a
deployment sets here what this file sets and nothing else: the secret, the
address, a PostgreSQL database and where collected static files go.
"""

import os
from urllib.parse import unquote, urlsplit

SECRET_KEY = os.environ["SECRET_KEY"]
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
STATIC_ROOT = os.environ["STATIC_ROOT"]

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
