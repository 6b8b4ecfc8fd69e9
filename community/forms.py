"""Forms members fill in. They validate and normalise; services do the writing."""

import uuid

from allauth.account.adapter import get_adapter
from allauth.core import context as allauth_context
from allauth.core import ratelimit
from django import forms
from django_countries import countries

from answers.models import Condition, Question
from community.models import (
    CONSENT_TEXT,
    MAP_CONSENT_TEXT,
    Audience,
    MemberReport,
    Relation,
)
from community.services import BODY_MAX, BODY_MIN

BODY_HELP = (
    f"Between {BODY_MIN} and {BODY_MAX} characters. Write in your own words. You "
    "can use *italics*, **bold** and lists starting with “- ”. Links and HTML are "
    "shown as plain text."
)


def normalise(text: str) -> str:
    return text.replace("\r\n", "\n").strip()


def body_field() -> forms.CharField:
    return forms.CharField(
        widget=forms.Textarea(attrs={"rows": 10}),
        min_length=BODY_MIN,
        max_length=BODY_MAX,
        label="Your experience",
        help_text=BODY_HELP,
    )


# Plain words for each choice (issue 18): what each audience means for who
# reads the post, and under which name.
AUDIENCE_CHOICES = [
    (
        Audience.PUBLIC,
        "Everyone: anyone can read it, and search engines can find it.",
    ),
    (
        Audience.MEMBERS,
        "Members only: only people logged in to DiseaseMaps can read it and see "
        "your pseudonym. Visitors who are not logged in see only that there "
        "are posts for members; search engines never see it.",
    ),
]


def audience_field(help_text: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        choices=AUDIENCE_CHOICES,
        initial=Audience.PUBLIC,
        # Always sent by the form (one radio is checked); a client that sends
        # none shares with everyone (share) or changes nothing (edit).
        required=False,
        widget=forms.RadioSelect,
        label="Who can read your post?",
        help_text=help_text,
    )


class QuestionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Question) -> str:
        return obj.live_revision.question_text if obj.live_revision else obj.text


def live_questions(condition: Condition):
    return (
        condition.questions.published()
        .select_related("live_revision")
        .order_by("live_revision__topic", "live_revision__order", "pk")
    )


class ExperienceForm(forms.Form):
    relation = forms.ChoiceField(
        choices=Relation.choices,
        widget=forms.RadioSelect,
        label="How are you connected to this condition?",
    )
    question = QuestionChoiceField(
        queryset=Question.objects.none(),
        required=False,
        empty_label="The condition in general",
        label="What is your experience about?",
    )
    body = body_field()
    audience = audience_field(
        "Members are other people who signed up, not clinicians or friends you "
        "chose. You can change this later."
    )
    confirm_identifying = forms.BooleanField(
        required=False,
        label="I have checked these details and want to post anyway.",
    )
    submission_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, condition: Condition, **kwargs) -> None:
        kwargs.setdefault("initial", {}).setdefault("submission_key", uuid.uuid4())
        super().__init__(*args, **kwargs)
        self.fields["question"].queryset = live_questions(condition)

    def clean_body(self) -> str:
        return normalise(self.cleaned_data["body"])

    def clean_audience(self) -> str:
        return self.cleaned_data["audience"] or Audience.PUBLIC


class EditExperienceForm(forms.Form):
    body = body_field()
    audience = audience_field(
        "Members only takes effect at once. Showing a members-only post to "
        "everyone waits for a moderator, like an edit."
    )
    confirm_identifying = forms.BooleanField(
        required=False,
        label="I have checked these details and want to save anyway.",
    )

    def clean_body(self) -> str:
        return normalise(self.cleaned_data["body"])

    def clean_audience(self) -> str | None:
        return self.cleaned_data["audience"] or None


class ReportForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        min_length=5,
        max_length=1000,
        label="What is wrong with this post?",
        help_text="For example: it gives dangerous advice, it is advertising, or it "
        "names someone. Moderators read every report.",
    )


class PublicConditionField(forms.ModelChoiceField):
    """Conditions by the name readers know them by (their approved name)."""

    def label_from_instance(self, obj: Condition) -> str:
        return obj.public_name


class MemberConditionForm(forms.Form):
    condition = PublicConditionField(
        queryset=Condition.objects.published().order_by("public_name"),
        label="Condition",
    )
    relation = forms.ChoiceField(
        choices=Relation.choices, widget=forms.RadioSelect, label="Your connection"
    )


class PasswordConfirmedForm(forms.Form):
    """A form for a step that cannot be undone: the member types their password.

    Subclasses name their `field_order`, so the password comes last."""

    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        label="Your password, to confirm it is you",
    )

    def __init__(self, *args, user, **kwargs) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        """Checked the way allauth's re-authentication page checks it, so this
        field cannot be used to guess the password from a stolen session:
        its rate limit, django-axes' lock and the per-account count apply."""
        password = self.cleaned_data["password"]
        if not ratelimit.consume(
            allauth_context.request, action="reauthenticate", user=self.user
        ):
            raise forms.ValidationError(
                "Too many attempts with a wrong password. Wait a few minutes, "
                "then try again; nothing has been changed."
            )
        if not get_adapter().reauthenticate(self.user, password):
            raise forms.ValidationError("That is not your password.")
        return password


class DeleteAccountForm(PasswordConfirmedForm):
    KEEP, REMOVE = "keep", "remove"
    posts = forms.ChoiceField(
        choices=[
            (REMOVE, "Delete my posts too"),
            (KEEP, "Keep my published posts, shown as “Former member”"),
        ],
        widget=forms.RadioSelect,
        label="What should happen to your posts?",
    )
    field_order = ["posts", "password"]


class WithdrawConsentForm(PasswordConfirmedForm):
    understood = forms.BooleanField(
        label="I understand that all my posts, my edits waiting for moderation and "
        "my conditions are deleted now, and cannot be brought back.",
        error_messages={"required": "Tick this box to confirm."},
    )
    field_order = ["understood", "password"]


class GiveConsentForm(forms.Form):
    consent = forms.BooleanField(
        label=CONSENT_TEXT,
        error_messages={"required": "Tick the box to give your consent."},
    )


class ProfileForm(forms.Form):
    country = forms.ChoiceField(
        label="Country (optional)",
        required=False,
        choices=lambda: [("", "Prefer not to say"), *countries],
    )
    counted_in_map = forms.BooleanField(label=MAP_CONSENT_TEXT, required=False)


class MemberReportForm(forms.Form):
    """A report about a member (community.services.member_reports)."""

    category = forms.ChoiceField(
        choices=MemberReport.Category.choices,
        widget=forms.RadioSelect,
        label="What is wrong?",
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=1000,
        label="Tell the moderators more",
        help_text="Optional, unless you chose “Something else”. For example: "
        "which posts, and what they do. Moderators read every report.",
    )

    def clean(self):
        data = super().clean()
        if data.get("category") == MemberReport.Category.OTHER and (
            len(normalise(data.get("reason") or "")) < 5
        ):
            self.add_error("reason", "Tell the moderators briefly what is wrong.")
        return data
