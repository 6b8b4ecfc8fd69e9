"""Everything anonymous readers get, by address (DESIGN.md, "URL contract")."""

from django.contrib.sitemaps.views import sitemap
from django.urls import path

from public import feedback, previews, views
from public.discovery import SITEMAPS, CorrectionsFeed, NewAnswersFeed, robots_txt

app_name = "public"

urlpatterns = [
    path("", views.home, name="home"),
    path("conditions/", views.condition_index, name="condition_index"),
    path("conditions/<slug:slug>/", views.condition_detail, name="condition"),
    # Before the answer pattern. Codes may hold "." and ":" (ICD-10-CM D47.Z2,
    # HP:0000508), never "/".
    path(
        "conditions/catalogue/<slug:source>/<str:code>/",
        views.catalogue_concept,
        name="catalogue_concept",
    ),
    path(
        "conditions/<slug:condition_slug>/<slug:slug>/",
        views.answer_detail,
        name="answer",
    ),
    path(
        "conditions/<slug:condition_slug>/<slug:slug>/feedback/",
        feedback.report,
        name="feedback",
    ),
    path(
        "conditions/<slug:condition_slug>/<slug:slug>/feedback/helpful/",
        feedback.vote,
        name="feedback_vote",
    ),
    path(
        "conditions/<slug:condition_slug>/<slug:slug>/feedback/thanks/",
        feedback.thanks,
        name="feedback_thanks",
    ),
    path("reviewers/<slug:slug>/", views.reviewer_detail, name="reviewer"),
    path("search/", views.search, name="search"),
    path("about/editorial-policy/", views.editorial_policy, name="editorial_policy"),
    path("about/corrections/", feedback.corrections, name="corrections"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", robots_txt, name="robots"),
    path("feeds/answers/", NewAnswersFeed(), name="feed"),
    path("feeds/corrections/", CorrectionsFeed(), name="corrections_feed"),
    path("favicon.ico", views.favicon),
    # For the review screen in the admin: staff only, never stored or indexed.
    path("preview/answers/<int:pk>/", previews.answer_preview, name="preview_answer"),
    path(
        "preview/conditions/<int:pk>/",
        previews.condition_preview,
        name="preview_condition",
    ),
]
