"""The root URLconf: the one module of the project package that imports the
apps. Public pages come last: their patterns are the widest."""

from django.contrib import admin
from django.urls import include, path

from diseasemaps.lib import two_factor
from diseasemaps.lib.health import healthz

admin.site.site_header = "DiseaseMaps editorial console"
admin.site.site_title = "DiseaseMaps admin"
admin.site.index_title = "Editorial work"
# The sidebar costs a third of a laptop screen that review tables need.
admin.site.enable_nav_sidebar = False

# 503 with Retry-After while the database is unreachable, the 500 page otherwise.
handler500 = "diseasemaps.lib.outage.server_error"
# A body over DATA_UPLOAD_MAX_MEMORY_SIZE gets 413 with an explanation.
handler400 = "diseasemaps.lib.errors.bad_request"

urlpatterns = [
    # Staff passkeys' JSON API (django-otp-webauthn); before the admin, whose
    # catch-all would take these paths.
    path("admin/two-factor/passkeys/", include(two_factor.passkey_urls)),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("", include("community.urls")),
    path("", include("public.urls")),
]
