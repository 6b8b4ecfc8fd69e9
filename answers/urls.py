from django.urls import path

from answers import views

app_name = "answers"

urlpatterns = [
    path("", views.home, name="home"),
    path("conditions/", views.condition_index, name="condition_index"),
    path("conditions/<slug:slug>/", views.condition_detail, name="condition"),
    path(
        "conditions/<slug:condition_slug>/<slug:slug>/",
        views.answer_detail,
        name="answer",
    ),
    path("reviewers/<slug:slug>/", views.reviewer_detail, name="reviewer"),
    path("search/", views.search, name="search"),
    path("about/editorial-policy/", views.editorial_policy, name="editorial_policy"),
    path("favicon.ico", views.favicon),
]
