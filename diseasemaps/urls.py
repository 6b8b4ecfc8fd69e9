from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "DiseaseMaps editorial console"
admin.site.site_title = "DiseaseMaps admin"
admin.site.index_title = "Editorial work"
# The sidebar costs a third of a laptop screen that review tables need.
admin.site.enable_nav_sidebar = False

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("community.urls")),
    path("", include("answers.urls")),
]
