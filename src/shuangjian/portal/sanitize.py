"""Rich text a regulator writes, made safe to print: a fixed set of formatting tags, links only to http(s) and
mail addresses, no scripts, event handlers, styles or embedded content (ammonia, through ``nh3``).

Bodies are stored as ``clean_html`` returns them and printed as stored; ``clean_html`` is idempotent, so an
edit saved unchanged stores the same text.
"""

from __future__ import annotations

import html
import re

import nh3

# Something a browser would read as a tag (a letter, "/" or "!" right after "<"): the text is HTML.
_TAG = re.compile(r"<[A-Za-z!/]")

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "hr",
        "h2",
        "h3",
        "h4",
        "strong",
        "b",
        "em",
        "i",
        "u",
        "s",
        "sub",
        "sup",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
    }
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"colspan", "rowspan"}, "td": {"colspan", "rowspan"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})


def clean_html(text: str) -> str:
    """The body as it will be stored and shown.

    Text without any tag is taken as plain text: each blank-line-separated block becomes a paragraph and single
    line breaks are kept, so a regulator who pastes a plain notice gets it laid out as typed.
    """
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        return ""
    if not _TAG.search(text):
        blocks = [b.strip() for b in text.split("\n\n") if b.strip()]
        text = "".join("<p>" + html.escape(b, quote=False).replace("\n", "<br>") + "</p>" for b in blocks)
    clean = nh3.clean(
        text,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    ).strip()
    # Text left without any tag (everything else was stripped) is wrapped, so that cleaning it again takes it
    # as HTML, not as plain text to escape a second time.
    return f"<p>{clean}</p>" if clean and "<" not in clean else clean


def plain_text(body: str, limit: int = 120) -> str:
    """The body's words without tags, cut to ``limit`` characters (a list's excerpt when no summary is given)."""
    words = " ".join(html.unescape(nh3.clean(body or "", tags=set())).split())
    return words if len(words) <= limit else words[: limit - 1] + "…"
