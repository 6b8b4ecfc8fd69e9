"""Experiences in public, posting and reporting, and the member's own pages (/me/).

Function views; every write goes through `community.services`, and every lookup
of a member's own data is scoped to them in the query itself.
"""

import json

from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST
from django_countries import countries

from answers.models import Condition, CrisisContact, Redirect
from community import services
from community.exceptions import (
    AlreadyQueued,
    CommunityError,
    NotAllowed,
    RateLimited,
)
from community.forms import (
    DeleteAccountForm,
    EditExperienceForm,
    ExperienceForm,
    GiveConsentForm,
    MemberConditionForm,
    MemberReportForm,
    ProfileForm,
    ReportForm,
    WithdrawConsentForm,
    live_questions,
)
from community.models import Experience, ExperienceStatus, Member, Mute
from community.privacy import identifying_details
from community.services import member_reports, mutes
from community.services.safety import response_target, shows_support
from community.templatetags.post_html import POST_COLUMNS, QUESTION_COLUMNS
from diseasemaps.lib.diff import inline_diff
from diseasemaps.lib.markdown import render_member
from diseasemaps.lib.query import slug_param

PAGE_SIZE = 10


def _condition_or_moved(
    request: HttpRequest, slug: str
) -> Condition | HttpResponsePermanentRedirect:
    """The public condition at `slug`; at an address an approved slug change
    left behind, a permanent redirect to the same page at the condition's
    address now (the query string kept), as the condition and answer pages
    do; else 404."""
    condition = Condition.objects.published().filter(public_slug=slug).first()
    if condition is not None:
        return condition
    moved = (
        Redirect.objects.filter(question__isnull=True, old_slug=slug)
        .select_related("condition")
        .first()
    )
    if moved is None or not moved.condition.public_slug:
        raise Http404("No such condition.")
    match = request.resolver_match
    url = reverse(
        f"{match.namespace}:{match.url_name}",
        kwargs={**match.kwargs, "slug": moved.condition.public_slug},
    )
    query = request.META.get("QUERY_STRING", "")
    response = HttpResponsePermanentRedirect(f"{url}?{query}" if query else url)
    if request.method not in ("GET", "HEAD"):
        # A form opened before the change still posts to the old address:
        # 308 keeps the method and the text (a 301 would drop them).
        response.status_code = 308
    return response


def _too_many(
    request: HttpRequest, error: RateLimited, heading: str = ""
) -> HttpResponse:
    response = render(
        request,
        "community/rate_limited.html",
        {"error": error, "heading": heading},
        status=429,
    )
    response["Retry-After"] = str(error.retry_after)
    return response


def experience_list(request: HttpRequest, slug: str) -> HttpResponse:
    condition = _condition_or_moved(request, slug)
    if not isinstance(condition, Condition):
        return condition
    # The filter's options: only what they show, not every answer text.
    questions = list(
        live_questions(condition).only(
            "condition",
            "live_revision__slug",
            "live_revision__question_text",
            "live_revision__topic",
            "live_revision__order",
        )
    )
    asked = request.GET.get("question")
    chosen = next((q for q in questions if q.live_revision.slug == asked), None)
    posts = (
        Experience.objects.visible_to(request.user)
        .filter(condition=condition)
        .select_related(
            "author",
            "question__live_revision",
            "question__condition",
            "reviewer_note_by",
        )
        # What {% experience_post %} shows, no more.
        .only(*POST_COLUMNS, *QUESTION_COLUMNS)
    )
    # Every published post, members-only ones too: the counts say how many
    # only members can read (anonymous readers never get their text).
    published = Experience.objects.for_members().filter(condition=condition)
    if chosen is not None:
        posts = posts.filter(question=chosen)
        published = published.filter(question=chosen)
    # Deep pages stay cheap: the page's ids come from the list index alone
    # (experience_list_idx, an index-only scan however far back the page is),
    # and only those rows are read and joined, in the same query.
    page = Paginator(posts.values("pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = posts.filter(pk__in=page.object_list)
    sharers, members_only = published.counts_for(request.user)
    # Posts of members the reader muted are left out of this page (the
    # pages, counts and everything others see stay as they are), unless
    # they ask to see them. Logged-in pages are never stored.
    shown, muted_hidden = _without_muted(
        request, page.object_list, show=request.GET.get("muted") == "show"
    )
    return render(
        request,
        "community/experience_list.html",
        {
            "condition": condition,
            "questions": questions,
            "chosen": chosen,
            "page": page,
            "posts": shown,
            "muted_hidden": muted_hidden,
            "showing_muted": request.GET.get("muted") == "show",
            "sharers": sharers,
            "members_only": members_only,
            # Indexable once someone has shared (the sitemap lists it then,
            # public/discovery.py); every ?question= and ?page= variant names
            # the plain list as canonical. A filter that shows nobody is
            # noindex, like the list before anyone shares.
            "canonical_url": (
                settings.SITE_URL
                + reverse("community:experiences", args=[condition.public_slug])
                if sharers
                else None
            ),
        },
    )


def _without_muted(request: HttpRequest, posts, *, show: bool = False):
    """The posts to show this reader, and how many were left out because
    the reader muted their authors. One query for the reader's mutes (none
    for anonymous readers); the posts are read once, as they were."""
    muted = mutes.muted_member_ids(request.user)
    posts = list(posts)
    if not muted:
        return posts, 0
    for post in posts:
        post.muted = post.author_id in muted
    if show:
        return posts, 0
    shown = [post for post in posts if not post.muted]
    return shown, len(posts) - len(shown)


# Health text in a POST never reaches an error report (diseasemaps.lib.privacy
# hides all POST data; the decorator says so where the text is handled).
@sensitive_post_parameters()
@login_required
@never_cache
def share_experience(request: HttpRequest, slug: str) -> HttpResponse:
    condition = _condition_or_moved(request, slug)
    if not isinstance(condition, Condition):
        return condition
    member = Member.objects.filter(user_id=request.user.pk).first()
    if member is None:
        raise PermissionDenied(
            "Only member accounts can post experiences; this account has no "
            "member profile."
        )
    if not member.has_consented:
        messages.info(
            request,
            "You withdrew your consent to us holding health information. To "
            "share again, give it again below.",
        )
        return redirect("community:me")
    if member.posting_suspended:
        # Their page says why (and the email did).
        messages.info(request, "A moderator has suspended your posting for now.")
        return redirect("community:me")
    initial = {}
    if request.method == "GET":
        relation = member.conditions.filter(condition=condition).first()
        if relation:
            initial["relation"] = relation.relation
        # Only a value that can be a slug reaches the query (a NUL was a 500
        # on PostgreSQL); anything else opens the form with no question.
        slug = slug_param(request.GET, "question")
        if slug is not None:
            asked = condition.questions.published().filter(live_revision__slug=slug)
            initial["question"] = asked.first()
    form = ExperienceForm(request.POST or None, condition=condition, initial=initial)
    context = {"condition": condition, "form": form, "warnings": [], "preview": ""}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        context["preview"] = render_member(data["body"])
        context["warnings"] = identifying_details(data["body"])
        wants_to_post = "post" in request.POST
        if wants_to_post and (not context["warnings"] or data["confirm_identifying"]):
            try:
                experience = services.post_experience(
                    user=request.user,
                    condition=condition,
                    question=data["question"],
                    relation=data["relation"],
                    body=data["body"],
                    submission_key=data["submission_key"],
                    audience=data["audience"],
                    member=member,
                )
            except RateLimited as error:
                return _too_many(request, error)
            except CommunityError as error:
                form.add_error(None, str(error))
            else:
                if shows_support(getattr(experience, "found", None)):
                    return redirect("community:support")
                if experience.status == ExperienceStatus.PUBLISHED:
                    messages.success(request, "Thank you: your post is published.")
                else:
                    messages.success(
                        request,
                        "Thank you. A moderator reads every new post before it "
                        "appears; you can see its status here.",
                    )
                return redirect("community:me")
    return render(request, "community/share.html", context)


def _readable_post(request: HttpRequest, pk: int) -> Experience:
    """A published post this reader may read (members-only ones too, for
    members), with its condition and author; 404 for any other."""
    return get_object_or_404(
        Experience.objects.published_to(request.user).select_related(
            "condition", "author"
        ),
        pk=pk,
    )


def _send_report(
    request: HttpRequest, form, experience: Experience, send, *, thanks: str
) -> tuple[HttpResponse | None, int]:
    """Send a report (of a post or of its author) and answer as both forms
    do: the support page after a crisis match, 429 past a limit, the form
    again with the refusal (403 when not allowed), or back to the list.
    Returns the response to send, if any, and the form's status."""
    try:
        report = send()
    except AlreadyQueued as error:
        return _too_many(
            request, error, heading="This is already with the moderators"
        ), 429
    except RateLimited as error:
        return _too_many(request, error), 429
    except NotAllowed as error:
        form.add_error(None, str(error))
        return None, 403
    except CommunityError as error:
        form.add_error(None, str(error))
        return None, 200
    if shows_support(getattr(report, "found", None)):
        return redirect("community:support"), 302
    messages.success(request, thanks)
    return (
        redirect("community:experiences", slug=experience.condition.address),
        302,
    )


@sensitive_post_parameters()
@login_required
@never_cache
def report_experience(request: HttpRequest, pk: int) -> HttpResponse:
    experience = _readable_post(request, pk)
    form = ReportForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        response, status = _send_report(
            request,
            form,
            experience,
            lambda: services.report_experience(
                user=request.user,
                experience=experience,
                reason=form.cleaned_data["reason"],
            ),
            thanks="Thank you. A moderator will look at this post.",
        )
        if response is not None:
            return response
    return render(
        request,
        "community/report.html",
        {"experience": experience, "form": form},
        status=status,
    )


def _back_to(request: HttpRequest, experience: Experience) -> HttpResponse:
    """Back to the page the form was on (a list or an answer's block), or
    to the post in its list."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(experience.get_absolute_url())


@sensitive_post_parameters()
@login_required
@never_cache
def report_author(request: HttpRequest, pk: int) -> HttpResponse:
    """Report the author of a published post: a pattern, not one post."""
    experience = _readable_post(request, pk)
    author = experience.author
    if author.is_former:
        raise Http404("This account is closed.")
    if author.user_id == request.user.pk:
        return render(
            request,
            "community/report_member.html",
            {"experience": experience, "refused": "You cannot report yourself."},
            status=403,
        )
    form = MemberReportForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        response, status = _send_report(
            request,
            form,
            experience,
            lambda: member_reports.report_member(
                user=request.user,
                member=author,
                category=form.cleaned_data["category"],
                reason=form.cleaned_data["reason"],
                experience=experience,
            ),
            thanks="Thank you. A moderator will read your report. The member is "
            "not told who reported them.",
        )
        if response is not None:
            return response
    return render(
        request,
        "community/report_member.html",
        {"experience": experience, "form": form},
        status=status,
    )


@login_required
@require_POST
def mute_author(request: HttpRequest, pk: int) -> HttpResponse:
    """Mute (or unmute) the author of a published post. The form says which,
    so a form sent twice, or from a page opened before, does what it says."""
    experience = _readable_post(request, pk)
    author = experience.author
    wanted = request.POST.get("action")
    if wanted not in {"mute", "unmute"}:
        return HttpResponse("Mute or unmute?", status=400)
    try:
        if wanted == "mute":
            mutes.mute_member(user=request.user, member=author)
        else:
            mutes.unmute_member(user=request.user, member=author)
    except NotAllowed as error:
        raise PermissionDenied(str(error)) from error
    except CommunityError as error:
        messages.error(request, str(error))
    else:
        name = author.display_name
        messages.success(
            request,
            f"You muted {name}. You will not see their posts; they are not told. "
            "You can unmute them on your page."
            if wanted == "mute"
            else f"You unmuted {name}: you see their posts again.",
        )
    return _back_to(request, experience)


@login_required
@require_POST
def unmute(request: HttpRequest, pk: int) -> HttpResponse:
    """Unmute from the member's own list (/me/)."""
    member = _member(request)
    mute = get_object_or_404(Mute.objects.select_related("muted"), pk=pk, member=member)
    mutes.unmute_member(user=request.user, member=mute.muted)
    messages.success(
        request, f"You unmuted {mute.muted.display_name}: you see their posts again."
    )
    return redirect(f"{reverse('community:me')}#muted-heading")


# --- /me/ -----------------------------------------------------------------------


def _member(request: HttpRequest) -> Member:
    member = Member.objects.filter(user_id=request.user.pk).first()
    if member is None:
        raise Http404("This account has no member profile.")
    return member


@login_required
@never_cache
def me(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    posts = member.experiences.select_related(
        "condition", "question__live_revision", "reviewer_note_by"
    )
    # Posts that reports hid and whose author may still ask for a review
    # (hidden posts are few: a handful of queries at most).
    reviewable = {
        post.pk
        for post in posts.filter(status=ExperienceStatus.HIDDEN)
        if services.can_ask_for_review(post)
    }
    posts = list(posts)
    for post in posts:
        if post.status == ExperienceStatus.REDACTED and post.redaction_original:
            # What a moderator's redaction changed, from the author's
            # original while it is kept: only here, on their own page,
            # which is never cached.
            post.redaction_diff = inline_diff(post.redaction_original, post.body)
    return render(
        request,
        "community/me.html",
        {
            "member": member,
            "posts": posts,
            "reviewable": reviewable,
            "keep_days": services.KEEP_ORIGINAL_FOR.days,
            "conditions": member.conditions.select_related("condition"),
            "mutes": member.mutes.select_related("muted"),
            "condition_form": MemberConditionForm(),
            "consent_form": GiveConsentForm(),
            "profile_form": ProfileForm(
                initial={
                    "country": member.country,
                    "counted_in_map": member.counted_in_map,
                }
            ),
        },
    )


@login_required
@require_POST
def update_profile(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    form = ProfileForm(request.POST)
    if form.is_valid():
        services.update_profile(
            member=member,
            country=form.cleaned_data["country"],
            counted_in_map=form.cleaned_data["counted_in_map"],
        )
        messages.success(request, "Saved.")
    else:
        messages.error(request, "Choose a country from the list, or none.")
    return redirect("community:me")


@sensitive_post_parameters()
@login_required
@never_cache
def edit_experience(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    experience = get_object_or_404(
        Experience.objects.select_related("condition"), pk=pk, author=member
    )
    current = experience.pending_body or experience.body
    audience = experience.pending_audience or experience.audience
    form = EditExperienceForm(
        request.POST or None, initial={"body": current, "audience": audience}
    )
    warnings: list[str] = []
    if request.method == "POST" and form.is_valid():
        body = form.cleaned_data["body"]
        warnings = identifying_details(body)
        if not warnings or form.cleaned_data["confirm_identifying"]:
            try:
                updated = services.edit_experience(
                    user=request.user,
                    experience=experience,
                    body=body,
                    audience=form.cleaned_data["audience"],
                )
            except RateLimited as error:
                return _too_many(request, error)
            except CommunityError as error:
                form.add_error(None, str(error))
            else:
                if shows_support(getattr(updated, "found", None)):
                    return redirect("community:support")
                if updated.pending_body:
                    saved = (
                        "Saved. The published text stays until a moderator "
                        "approves your edit."
                    )
                elif updated.pending_audience:
                    saved = (
                        "Saved. Your post stays for members only until a "
                        "moderator approves showing it to everyone."
                    )
                elif experience.status == ExperienceStatus.REDACTED:
                    saved = "Saved. A moderator will read your post again."
                else:
                    saved = "Saved."
                messages.success(request, saved)
                return redirect("community:me")
    return render(
        request,
        "community/edit.html",
        {"experience": experience, "form": form, "warnings": warnings},
    )


@login_required
@never_cache
def delete_experience(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    experience = get_object_or_404(
        Experience.objects.select_related("condition"), pk=pk, author=member
    )
    if request.method == "POST":
        services.delete_experience(user=request.user, experience=experience)
        messages.success(request, "Your post is deleted.")
        return redirect("community:me")
    return render(request, "community/delete_post.html", {"experience": experience})


@login_required
@require_POST
def ask_for_review(request: HttpRequest, pk: int) -> HttpResponse:
    """The author of a post that reports hid asks a moderator to look at it."""
    member = _member(request)
    experience = get_object_or_404(Experience, pk=pk, author=member)
    try:
        services.ask_for_review(user=request.user, experience=experience)
    except CommunityError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            "Thank you: a moderator will look at your post first and email you "
            "what they decide.",
        )
    return redirect(f"{reverse('community:me')}#post-{experience.pk}")


@login_required
@require_POST
def accept_redaction(request: HttpRequest, pk: int) -> HttpResponse:
    """The author accepts the text a moderator redacted: it is published."""
    member = _member(request)
    experience = get_object_or_404(Experience, pk=pk, author=member)
    try:
        services.accept_redaction(
            user=request.user,
            experience=experience,
            seen=request.POST.get("seen", ""),
        )
    except CommunityError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            "Thank you: your post is published with the changes, and your "
            "original wording is deleted.",
        )
    return redirect(f"{reverse('community:me')}#post-{experience.pk}")


@login_required
@require_POST
def add_condition(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    form = MemberConditionForm(request.POST)
    if form.is_valid():
        try:
            services.set_relation(
                member=member,
                condition=form.cleaned_data["condition"],
                relation=form.cleaned_data["relation"],
            )
        except CommunityError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Saved.")
    else:
        messages.error(request, "Choose a condition and your connection to it.")
    return redirect("community:me")


@login_required
@require_POST
def remove_condition(request: HttpRequest, slug: str) -> HttpResponse:
    member = _member(request)
    condition = get_object_or_404(Condition, public_slug=slug)
    services.remove_relation(member=member, condition=condition)
    messages.success(request, f"{condition.public_name} is no longer on your list.")
    return redirect("community:me")


@login_required
@never_cache
# Everything the account holds, addresses included: an open session is not
# enough, the password must have been typed in the last few minutes (allauth
# keeps the request and sends the member back here after the password page).
@reauthentication_required
def export_data(request: HttpRequest) -> HttpResponse:
    data = services.export_member_data(user=request.user)
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="diseasemaps-my-data-{stamp}.json"'
    )
    return response


@sensitive_post_parameters()
@login_required
@never_cache
def delete_account(request: HttpRequest) -> HttpResponse:
    if request.user.is_staff:
        raise PermissionDenied(services.STAFF_ACCOUNT_CLOSED_BY_ADMIN)
    member = Member.objects.filter(user_id=request.user.pk).first()
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        services.delete_account(
            user=user, keep_posts=form.cleaned_data["posts"] == DeleteAccountForm.KEEP
        )
        return render(request, "community/account_deleted.html")
    return render(
        request, "community/delete_account.html", {"form": form, "member": member}
    )


@sensitive_post_parameters()
@login_required
@never_cache
def withdraw_consent(request: HttpRequest) -> HttpResponse:
    """Withdrawing consent deletes the member's health information; the login
    stays (services.withdraw_consent says what goes and why)."""
    member = _member(request)
    if not member.has_consented:
        return redirect("community:me")
    form = WithdrawConsentForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.withdraw_consent(user=request.user)
        messages.success(
            request,
            "Your consent is withdrawn. We have deleted your posts and your "
            "conditions; we hold no health information about you any more.",
        )
        return redirect("community:me")
    return render(
        request,
        "community/withdraw_consent.html",
        {"form": form, "member": member, "posts": member.experiences.count()},
    )


@login_required
@require_POST
def give_consent(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    form = GiveConsentForm(request.POST)
    if form.is_valid():
        services.give_consent(member=member)
        messages.success(request, "Thank you: you can share your experience again.")
    else:
        messages.error(request, "Tick the box to give your consent.")
    return redirect("community:me")


@login_required
@never_cache
@require_GET
def support(request: HttpRequest) -> HttpResponse:
    """Shown at once to a member whose post, edit or report may say they (or
    someone) are in danger (community.services.safety). Calm words, what
    happens to their post, and where to get help now. Never stored: it is
    the same for everyone, but only reached from their own step.

    The crisis contacts are the approved ones only (issue 18): those of the
    country on the member's profile first, then the general ones."""
    try:
        # The page's header reads the member too: one query for both.
        country = str(request.user.member.country or "")
    except Member.DoesNotExist:
        country = ""
    local, general = CrisisContact.objects.shown_in(country)
    return render(
        request,
        "community/support.html",
        {
            "response_target": response_target(),
            "country": countries.name(country) if country else "",
            "local_contacts": local,
            "general_contacts": general,
        },
    )
