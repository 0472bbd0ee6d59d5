"""Text from the data, made safe to show: escaped for markdown and HTML, links only when http(s).

Everything the app shows from a seed (a source title, a note, a name) passes through here.
Streamlit renders markdown, so an unescaped note could draw an image from an outside host
(``![x](http://...)``), a ``javascript:`` link, LaTeX or coloured text; the graph component
renders its info panel with ``innerHTML``, so text sent to it must carry no markup at all.

>>> print(markdown_text('<b>x</b> [y](javascript:z)'))
\\<b\\>x\\<\\/b\\> \\[y\\]\\(javascript\\:z\\)
>>> safe_url("javascript:alert(1)") is None, safe_url("https://example.org/a b")
(True, None)
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

__all__ = ["component_text", "markdown_link", "markdown_text", "safe_url"]

# Every ASCII punctuation character may be backslash-escaped in CommonMark; escaping them all
# disarms links, images, emphasis, HTML, LaTeX ($) and Streamlit's :colour[...] directives.
_MARKDOWN_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")

# Look-alike characters for the graph component, which writes element data with innerHTML:
# they read the same on the canvas and in the panel but are never markup.
# GitHub-flavoured markdown turns bare addresses into links even when their punctuation is
# escaped: a zero-width space keeps an address in a note from becoming a link.
_AUTOLINK = re.compile(r"(?i)(?<=http)(?=s?:)|(?<=www)(?=\.)")

_COMPONENT_LOOKALIKES = str.maketrans({"<": "‹", ">": "›", "&": "＆", '"': "＂", "'": "’", "`": "ˋ"})

_SAFE_URL = re.compile(r"^https?://[^\s<>\"'`\\]+$", re.IGNORECASE)


def markdown_text(text: object) -> str:
    """``text`` escaped so Streamlit's markdown shows it literally, on one line.

    >>> markdown_text("K2 *Black* Panther $3.37 bn")
    'K2 \\\\*Black\\\\* Panther \\\\$3\\\\.37 bn'
    """
    flat = " ".join(str(text).split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", _AUTOLINK.sub("\u200b", flat))


def component_text(text: object) -> str:
    """``text`` with HTML-significant characters replaced by look-alikes, for the graph component.

    >>> component_text('<b>Bosnia & Herzegovina</b>')
    '‹b›Bosnia ＆ Herzegovina‹/b›'
    """
    return " ".join(str(text).split()).translate(_COMPONENT_LOOKALIKES)


def safe_url(url: object) -> str | None:
    """``url`` when it is a plain http(s) address with a host, else None.

    >>> safe_url("http://warsawpoint.com/news/1"), safe_url("HTTPS://x"), safe_url("data:text/html,x")
    ('http://warsawpoint.com/news/1', 'HTTPS://x', None)
    """
    if not isinstance(url, str) or not _SAFE_URL.match(url):
        return None
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def markdown_link(text: object, url: object) -> str:
    """A markdown link with escaped text, or the escaped text alone when the address is not safe.

    Brackets and parentheses in the address are percent-encoded so they cannot end the link early.

    >>> markdown_link("Warsaw Point", "http://warsawpoint.com/a_(b)")
    '[Warsaw Point](http://warsawpoint.com/a_%28b%29)'
    >>> markdown_link("x", "javascript:alert(1)")
    'x'
    """
    label = markdown_text(text) or "link"
    address = safe_url(url)
    if address is None:
        return label
    return f"[{label}]({quote(address, safe=':/?#@!$&*+,;=%-._~')})"
