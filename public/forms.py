"""Forms anonymous readers fill in. They validate and normalise; the services
in answers/feedback.py do the writing."""

import time

from django import forms
from django.core import signing

from answers.feedback import TEXT_MAX, TEXT_MIN, clean_reader_text
from answers.models import FeedbackKind

# The form's signed start time: a person needs more than this to read the
# form and write what they noticed; a script posting at once does not.
MIN_SECONDS = 3
# And a form left open longer than this is sent again with a fresh one.
MAX_SECONDS = 24 * 3600
SALT = "public.feedback.started"


def started_token(question_pk: int) -> str:
    """A signed, timestamped token naming the answer the form is about."""
    return signing.dumps({"q": question_pk, "t": time.time()}, salt=SALT)


class FeedbackForm(forms.Form):
    kind = forms.ChoiceField(
        choices=FeedbackKind.choices,
        widget=forms.RadioSelect,
        label="What kind of problem is it?",
        error_messages={"required": "Choose what kind of problem it is."},
    )
    section = forms.ChoiceField(
        required=False,
        label="Which part of the answer?",
    )
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        min_length=TEXT_MIN,
        max_length=TEXT_MAX,
        label="What did you notice?",
        help_text="For example: which sentence is wrong and what the right "
        "information is, with a source if you have one. Please do not include "
        "details about your own health or anyone else's.",
        error_messages={"required": "Tell us what you noticed."},
    )
    reply_to = forms.EmailField(
        required=False,
        label="Your email address (optional)",
        help_text="Only if you would like to hear when we correct the page. We "
        "write to you once, and delete the address as soon as your report is "
        "closed.",
        error_messages={
            "invalid": "That email address does not look complete. Check it, or "
            "leave it empty if you do not need a reply."
        },
    )
    # A field people never see (its wrapper is `hidden`): software that
    # fills in every field gives itself away.
    website = forms.CharField(required=False, label="Leave this empty")
    started = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, sections: list[str], question_pk: int, **kwargs):
        kwargs.setdefault("initial", {})["started"] = started_token(question_pk)
        super().__init__(*args, **kwargs)
        self.question_pk = question_pk
        self.fields["section"].choices = [
            ("", "The whole answer"),
            *((name, name) for name in sections),
        ]

    def clean_text(self) -> str:
        text = clean_reader_text(self.cleaned_data["text"])
        if len(text) < TEXT_MIN:
            raise forms.ValidationError(
                f"Tell us a little more: at least {TEXT_MIN} characters."
            )
        return text

    def clean_started(self) -> float:
        """Seconds since the form was shown; a token that was tampered with,
        is for another answer or is over a day old asks for a fresh form."""
        token = self.cleaned_data["started"]
        try:
            data = signing.loads(token, salt=SALT, max_age=MAX_SECONDS)
            pk, signed_at = data["q"], float(data["t"])
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            pk, signed_at = None, 0.0
        elapsed = time.time() - signed_at
        if pk != self.question_pk or elapsed > MAX_SECONDS:
            raise forms.ValidationError(
                "This form was open for too long. Nothing was sent: check your "
                "text below and send it again."
            )
        return elapsed

    def looks_automated(self) -> bool:
        """Filled in by software: the hidden field has text, or the form came
        back faster than anyone can read and write it."""
        return bool(self.cleaned_data.get("website")) or (
            self.cleaned_data.get("started", MAX_SECONDS) < MIN_SECONDS
        )
