"""Filters and tags every template can use (TEMPLATES["OPTIONS"]["builtins"])."""

import unicodedata
from datetime import date, datetime

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import defaulttags
from django.template.defaulttags import URLNode
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.text import Truncator

register = template.Library()


@register.filter(expects_localtime=True, is_safe=True)
def iso_date(value: date | datetime | None) -> str:
    """`value|date:"Y-m-d"`, the site's one date format, in a fifth of the time:
    lists print a date for every answer and every post."""
    if not value:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    return value.isoformat()


@register.filter(is_safe=True)
def absolute(path: str) -> str:
    """`path` (from `{% url %}` or `{% static %}`) as an address on the public
    site: og:image and other tags that crawlers read need one, whatever host
    the request came in on."""
    return settings.SITE_URL + str(path)


@register.filter(is_safe=False)
def clip(value, length) -> str:
    """`value|truncatechars:length`, without its walk over every character
    when the text is that short already: a text of `length` characters or
    fewer is never cut (truncatechars still returns it in NFC, and so does
    this). Pages print the short answer twice in their head."""
    try:
        length = int(length)
    except ValueError:
        return value
    text = unicodedata.normalize("NFC", str(value))
    if length > 0 and len(text) <= length:
        return text
    return Truncator(text).chars(length)


# --- {% url %}, remembered ----------------------------------------------------
#
# Django's {% url %} reverses the address on every render: some eighty calls
# each, and a page's chrome has seven that never change. This replaces the tag
# (this library is a builtin, loaded after Django's) with one that remembers
# what reverse() returned for the same name, arguments, current app, URLconf
# and script prefix: everything reverse() itself depends on. Arguments other
# than strings and integers are reversed every time.

_reversed: dict[tuple, str] = {}
_REMEMBERED = 4096


def remembered_reverse(
    view_name: str, args=(), kwargs=None, current_app: str | None = None
) -> str:
    """reverse(), remembered per process for the same name, arguments,
    current app, URLconf and script prefix (everything reverse() depends on).
    For arguments other than strings and integers it is plain reverse()."""
    kwargs = kwargs or {}
    if not all(type(value) in (str, int) for value in (*args, *kwargs.values())):
        return reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
    key = (
        settings.ROOT_URLCONF,
        get_urlconf(),
        get_script_prefix(),
        view_name,
        tuple(args),
        tuple(sorted(kwargs.items())),
        current_app,
    )
    url = _reversed.get(key)
    if url is None:
        url = reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
        if len(_reversed) >= _REMEMBERED:
            _reversed.clear()
        _reversed[key] = url
    return url


class _RememberedURLNode(URLNode):
    def render(self, context):
        if self.asvar:
            return super().render(context)
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        # As Django's URLNode finds it.
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        url = remembered_reverse(view_name, args, kwargs, current_app)
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    node = defaulttags.url(parser, token)
    node.__class__ = _RememberedURLNode
    return node


# {% static %} asks the storage for the hashed name of the file on every
# render: the same answer for the whole life of a process (a deploy restarts
# it), so base.html's four assets use {% asset %}, remembered per script
# prefix.
_assets: dict[tuple[str, str], str] = {}


@register.simple_tag
def asset(path: str) -> str:
    """`{% static path %}`, remembered."""
    key = (get_script_prefix(), path)
    url = _assets.get(key)
    if url is None:
        url = _assets[key] = static(path)
    return url


@receiver(setting_changed)
def _forget_reversed(*, setting, **kwargs) -> None:
    # Tests swap URLconfs, static storages and prefixes; ROOT_URLCONF is in
    # the key, but a changed setting is how Django says any address may have
    # changed.
    _reversed.clear()
    _assets.clear()
