"""Hostile text: one payload per attack, with the Markdown the build must make of it and the
text a reader must see.

Every payload carries the marker PXHOSTILE where it would run, load or add markup if it got
through, and every address in it is on attacker.invalid, so a check of the built HTML can
tell content apart from the theme. `markdown` is `parallax.markup.escape_inline` of the text,
written out so that a change in escaping shows up here; `shown` is what the page displays.
"""

from __future__ import annotations

from dataclasses import dataclass

MARKER = "PXHOSTILE"
ATTACKER = "attacker.invalid"
ZWSP = "\u200b"  # inserted every 80 characters of an unbroken run, so it cannot widen a page


@dataclass(frozen=True, slots=True)
class Payload:
    """One attack on untrusted text."""

    key: str  # a short name: source and file names of the fixture article are made from it
    attack: str  # what it tries, for tests/hostile/README.md
    text: str
    markdown: str  # the escaped Markdown, on one line; for a multi-line text, its paragraphs
    shown: str = ""  # what a reader sees, when it is not `text` itself

    @property
    def visible(self) -> str:
        """The text as displayed: `shown`, else the text itself."""
        return self.shown or self.text

    @property
    def is_inline(self) -> bool:
        """One line that fits every field (tags hold 80 characters, names 200)."""
        return "\n" not in self.text and len(self.text) <= 80


PAYLOADS = (
    Payload(
        "script",
        "a script element",
        "<script>alert('PXHOSTILE')</script>",
        "&lt;script&gt;alert\\('PXHOSTILE'\\)&lt;/script&gt;",
    ),
    Payload(
        "onerror",
        "an image with an event handler",
        '<img src="https://attacker.invalid/i.png" onerror="alert(\'PXHOSTILE\')">',
        '&lt;img src&#61;"https://attacker.invalid/i.png" '
        "onerror&#61;\"alert\\('PXHOSTILE'\\)\"&gt;",
    ),
    Payload(
        "svg-onload",
        "an SVG element with onload",
        "<svg/onload=alert('PXHOSTILE')>",
        "&lt;svg/onload&#61;alert\\('PXHOSTILE'\\)&gt;",
    ),
    Payload(
        "iframe",
        "an iframe with srcdoc",
        "<iframe srcdoc='<script>alert(`PXHOSTILE`)</script>'>",
        "&lt;iframe srcdoc&#61;'&lt;script&gt;alert\\(\\`PXHOSTILE\\`\\)&lt;/script&gt;'&gt;",
    ),
    Payload(
        "js-link",
        "a Markdown link to javascript:",
        "[PXHOSTILE](javascript:alert('PXHOSTILE'))",
        "\\[PXHOSTILE\\]\\(javascript:alert\\('PXHOSTILE'\\)\\)",
    ),
    Payload(
        "data-link",
        "a Markdown link to a data: URL",
        "[PXHOSTILE](data:text/html,<script>alert(1)</script>)",
        "\\[PXHOSTILE\\]\\(data:text/html,&lt;script&gt;alert\\(1\\)&lt;/script&gt;\\)",
    ),
    Payload(
        "image",
        "a Markdown image that would load from outside",
        "![PXHOSTILE](https://attacker.invalid/pixel.png)",
        "\\!\\[PXHOSTILE\\]\\(https://attacker.invalid/pixel.png\\)",
    ),
    Payload(
        "autolink",
        "an autolink and an HTML link",
        "<https://attacker.invalid/PXHOSTILE> <a href=//attacker.invalid>x</a>",
        "&lt;https://attacker.invalid/PXHOSTILE&gt; "
        "&lt;a href&#61;//attacker.invalid&gt;x&lt;/a&gt;",
    ),
    Payload(
        "css",
        "a style attribute with a CSS expression and an outside url()",
        "<p style=\"width:expression(alert('PXHOSTILE'));background:url(//attacker.invalid)\">",
        "&lt;p style&#61;\"width:expression\\(alert\\('PXHOSTILE'\\)\\);"
        'background:url\\(//attacker.invalid\\)"&gt;',
    ),
    Payload(
        "style-element",
        "a style element",
        "<style>body{background:url(https://attacker.invalid/PXHOSTILE)}</style>",
        "&lt;style&gt;body&#123;background:url\\(https://attacker.invalid/PXHOSTILE\\)&#125;"
        "&lt;/style&gt;",
    ),
    Payload(
        "attr-list",
        "a Markdown attribute list that would add an event handler",
        "PXHOSTILE {: onclick=\"alert('PXHOSTILE')\" }",
        "PXHOSTILE &#123;: onclick&#61;\"alert\\('PXHOSTILE'\\)\" &#125;",
    ),
    Payload(
        "table",
        "table cells that would break a table or start one",
        "PXHOSTILE | x |\n| --- | --- |\n| injected | cell |",
        "PXHOSTILE &#124; x &#124; &#124; --- &#124; --- &#124; &#124; injected &#124; cell &#124;",
        "PXHOSTILE | x | | --- | --- | | injected | cell |",
    ),
    Payload(
        "pipes",
        "pipes that would add cells to a table row",
        "PXHOSTILE | injected | cells",
        "PXHOSTILE &#124; injected &#124; cells",
    ),
    Payload(
        "block-markdown",
        "a heading mark at the start of a line",
        "# PXHOSTILE heading",
        "\\# PXHOSTILE heading",
    ),
    Payload(
        "html-block",
        "an HTML block with markdown=1 (Markdown inside it if md_in_html is turned on)",
        '<div markdown="1">**PXHOSTILE**</div>',
        '&lt;div markdown&#61;"1"&gt;\\*\\*PXHOSTILE\\*\\*&lt;/div&gt;',
    ),
    Payload(
        "jinja",
        "Jinja syntax that would run if rendered twice",
        "{{ 7*7 }} {% if true %}PXHOSTILE{% endif %} {# c #}",
        "&#123;&#123; 7\\*7 &#125;&#125; &#123;% if true %&#125;PXHOSTILE&#123;% endif %&#125; "
        "&#123;\\# c \\#&#125;",
    ),
    Payload(
        "entities",
        "HTML entities that would become markup if decoded once too often",
        "&lt;script&gt;alert('PXHOSTILE')&lt;/script&gt; &#x3C;b&#x3E;",
        "&amp;lt;script&amp;gt;alert\\('PXHOSTILE'\\)&amp;lt;/script&amp;gt; "
        "&amp;\\#x3C;b&amp;\\#x3E;",
    ),
    Payload(
        "comment",
        "an HTML comment that would hide text",
        "PXHOSTILE <!-- hidden -->",
        "PXHOSTILE &lt;\\!-- hidden --&gt;",
    ),
    Payload(
        "bidi",
        "bidirectional overrides that make text read differently",
        "PXHOSTILE \u202eexe.gnp\u202c and \u2066isolated\u2069",
        "PXHOSTILE exe.gnp and isolated",
        "PXHOSTILE exe.gnp and isolated",
    ),
    Payload(
        "reference-link",
        "a reference-style link defined on its own line",
        "[PXHOSTILE][x]\n\n[x]: javascript:alert('PXHOSTILE')",
        "\\[PXHOSTILE\\]\\[x\\]\n\n\\[x\\]: javascript:alert\\('PXHOSTILE'\\)",
    ),
    Payload(
        "long-word",
        "one unbroken 300-character word",
        "PXHOSTILE" + "W" * 291,
        ZWSP.join(("PXHOSTILE" + "W" * 291)[i : i + 80] for i in range(0, 300, 80)),
    ),
    Payload(
        "long-line",
        "a 100,000-character line",
        " ".join(["PXHOSTILE"] * 10_000),
        " ".join(["PXHOSTILE"] * 10_000),
    ),
)

# Addresses for the `url:` field that pass the schema (http(s), no spaces) and must still
# never become a link: each would break out of the link or its attribute if it did.
HOSTILE_URLS = (
    'https://attacker.invalid/"onmouseover="alert(\'PXHOSTILE\')"',
    "https://attacker.invalid/'><script>alert('PXHOSTILE')</script>",
    "https://attacker.invalid/`PXHOSTILE`",
    "https://attacker.invalid/\\PXHOSTILE",
)
