"""The community's pages: the experiences list, sharing, reporting and /me/."""

from django.urls import path

from community import views

app_name = "community"

urlpatterns = [
    path(
        "conditions/<slug:slug>/experiences/",
        views.experience_list,
        name="experiences",
    ),
    path(
        "conditions/<slug:slug>/experiences/share/",
        views.share_experience,
        name="share",
    ),
    path("experiences/<int:pk>/report/", views.report_experience, name="report"),
    # About the author of a published post: members have no public page of
    # their own, so no URL names a member (their numbers would list every
    # pseudonym, posting or not).
    path(
        "experiences/<int:pk>/report-author/",
        views.report_author,
        name="report_author",
    ),
    path("experiences/<int:pk>/mute-author/", views.mute_author, name="mute_author"),
    path("me/muted/<int:pk>/unmute/", views.unmute, name="unmute"),
    path(
        "me/posts/<int:pk>/ask-for-review/",
        views.ask_for_review,
        name="ask_for_review",
    ),
    path(
        "me/posts/<int:pk>/accept-redaction/",
        views.accept_redaction,
        name="accept_redaction",
    ),
    path("me/", views.me, name="me"),
    path("me/support/", views.support, name="support"),
    path("me/posts/<int:pk>/edit/", views.edit_experience, name="edit"),
    path("me/posts/<int:pk>/delete/", views.delete_experience, name="delete"),
    path("me/conditions/add/", views.add_condition, name="add_condition"),
    path(
        "me/conditions/<slug:slug>/remove/",
        views.remove_condition,
        name="remove_condition",
    ),
    path("me/profile/", views.update_profile, name="update_profile"),
    path("me/export/", views.export_data, name="export"),
    path("me/delete-account/", views.delete_account, name="delete_account"),
    path("me/consent/withdraw/", views.withdraw_consent, name="withdraw_consent"),
    path("me/consent/give/", views.give_consent, name="give_consent"),
]
