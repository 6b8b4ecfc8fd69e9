from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from answers.discovery import SITEMAPS, NewAnswersFeed, robots_txt
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
    path("admin/", admin.site.urls),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", robots_txt, name="robots"),
    path("healthz", healthz, name="healthz"),
    path("feeds/answers/", NewAnswersFeed(), name="feed"),
    path("accounts/", include("allauth.urls")),
    path("", include("community.urls")),
    path("", include("answers.urls")),
]
