"""Keeping health text, email addresses and secrets out of logs and error mail.

Members write about their health; their email address and the keys in the
links we mail them (email confirmation, password reset) open their account.
None of it may reach a log file or an error report, which are read by people
and kept by other systems. Three layers:

- `ScrubLogFilter`, on every log handler, rewrites each record's message and
  traceback text: email addresses, secret-looking tokens, keys in URL paths,
  query strings and `name=value` secrets become placeholders.
- `PrivateExceptionReporterFilter` (DEFAULT_EXCEPTION_REPORTER_FILTER) hides
  every POST value, cookie, query-string value and local variable in error
  reports, not only those a view marked as sensitive: a report is a copy of
  the request, and on this site any field can hold health text.
- `PrivateExceptionReporter` (DEFAULT_EXCEPTION_REPORTER) keeps only the first
  line of an exception's message (PostgreSQL puts the offending row's values
  in a DETAIL line) and scrubs the finished report like a log line.
"""

import logging
import re

from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

HIDDEN = "[hidden]"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Keys in the paths of links we mail: allauth's confirmation and password
# reset, and Django's own reset view (uidb64/token).
_PATH_KEYS = re.compile(
    r"(/(?:confirm-email|password/reset/key|reset|key)/)[^/\s?#\"'<>]+"
    r"(?:/[^/\s?#\"'<>]+)?",
    re.IGNORECASE,
)
# name=value pairs whose value is a secret (cookies, query strings, reprs).
_NAMED_SECRETS = re.compile(
    r"((?:session(?:id|_key)?|csrf(?:token|middlewaretoken)?|password\d?|passwd|"
    r"token|key|secret|otp|totp|code|signature|auth(?:orization)?)"
    r"[\"']?\s*[=:]\s*[\"']?)[^\s;&,\"'<>]+",
    re.IGNORECASE,
)
# Long random-looking strings: session keys, HMAC confirmation keys, TOTP
# secrets. They mix letters and digits; identifiers in tracebacks rarely do.
_TOKEN = re.compile(
    r"(?<![\w/.-])(?=[\w:-]*\d)(?=[\w:-]*[A-Za-z])[A-Za-z0-9_:-]{24,}(?![\w/.-])"
)
# Query strings carry search text and tokens: keep the path, drop the rest.
_QUERY = re.compile(r"\?(?=[\w.%-]*=)[^\s\"'<>]*")


def scrub(text: str) -> str:
    """`text` without email addresses, tokens, URL keys or query strings."""
    if not text:
        return text
    text = _EMAIL.sub("[email]", text)
    text = _PATH_KEYS.sub(r"\1[key]/", text)
    text = _QUERY.sub("?[query]", text)
    text = _NAMED_SECRETS.sub(r"\1[hidden]", text)
    return _TOKEN.sub("[token]", text)


def first_line(text: str) -> str:
    return (text or "").strip().split("\n", 1)[0]


class ScrubLogFilter(logging.Filter):
    """Rewrites a record in place before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the record
            message = str(record.msg)
        record.msg, record.args = scrub(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(_without_detail(record.exc_text))
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return True


def _without_detail(text: str) -> str:
    # psycopg: 'duplicate key … DETAIL:  Key (pseudonym)=(…) already exists.'
    return re.sub(r"^(DETAIL|HINT|CONTEXT):.*$", r"\1: [hidden]", text, flags=re.M)


class PrivateExceptionReporterFilter(SafeExceptionReporterFilter):
    """Error reports show what failed and where, never what anyone sent."""

    def get_post_parameters(self, request):
        if request is None:
            return {}
        if not self.is_active(request):
            return request.POST
        return dict.fromkeys(request.POST, self.cleansed_substitute)

    def get_cleansed_multivaluedict(self, request, multivaluedict):
        if not self.is_active(request):
            return multivaluedict
        return dict.fromkeys(multivaluedict, self.cleansed_substitute)

    def get_safe_cookies(self, request):
        if not hasattr(request, "COOKIES"):
            return {}
        if not self.is_active(request):
            return super().get_safe_cookies(request)
        return dict.fromkeys(request.COOKIES, self.cleansed_substitute)

    def get_safe_request_meta(self, request):
        meta = super().get_safe_request_meta(request)
        if not self.is_active(request):
            return meta
        cleansed = {}
        for name, value in meta.items():
            if name in {"QUERY_STRING", "HTTP_REFERER", "HTTP_COOKIE"} or (
                name.startswith("HTTP_") and "AUTH" in name
            ):
                value = self.cleansed_substitute if value else value
            elif isinstance(value, str):
                value = scrub(value)
            elif not isinstance(value, int | float | bool | tuple | type(None)):
                # wsgi.input, file wrappers, the error stream: no repr needed.
                value = type(value).__name__
            cleansed[name] = value
        return cleansed

    def get_traceback_frame_variables(self, request, tb_frame):
        if not self.is_active(request):
            return super().get_traceback_frame_variables(request, tb_frame)
        # Any local can hold member text (a form, a post, a search); the
        # code lines in the report show what ran.
        return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]


class PrivateExceptionReporter(ExceptionReporter):
    def get_traceback_data(self) -> dict:
        data = super().get_traceback_data()
        if not self.filter.is_active(self.request):
            return data
        if "exception_value" in data:
            data["exception_value"] = scrub(first_line(data["exception_value"]))
        data.pop("exception_notes", None)
        if "request_GET_items" in data:
            data["request_GET_items"] = [
                (name, self.filter.cleansed_substitute) for name in self.request.GET
            ]
        if "request_insecure_uri" in data:
            data["request_insecure_uri"] = scrub(data["request_insecure_uri"])
        for frame in data.get("frames", []):
            if frame.get("exc_cause"):
                frame["exc_cause"] = scrub(first_line(str(frame["exc_cause"])))
        if self.template_info:
            # The template's source lines are fine; the failing value is not.
            data["template_info"] = {
                **self.template_info,
                "during": HIDDEN,
                "message": scrub(first_line(str(self.template_info.get("message")))),
            }
        return data

    def get_traceback_text(self) -> str:
        return scrub(super().get_traceback_text())

    def get_traceback_html(self) -> str:
        return scrub(super().get_traceback_html())
