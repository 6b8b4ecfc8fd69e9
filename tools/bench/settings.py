"""Settings for `make bench`: the site's own, plus the constant-response view
that measures the framework floor (tools/bench/urls.py). Production never loads
this module, so that address does not exist there at all."""

from diseasemaps.settings import *  # noqa: F403

ROOT_URLCONF = "tools.bench.urls"
