"""
Rich text for articles: the one allowlist, Markdown in, Markdown out.

Editors' HTML is sanitized with nh3 when a model is saved, so a page never
cleans HTML per request. The same allowlist bounds what the Markdown importer
produces and what the exporter can write back, which is what makes
import -> export -> import give the same page.
"""

import re
from html import unescape
from html.parser import HTMLParser

import markdown as markdown_lib
import nh3
from django_prose_editor.config import allowlist_from_extensions

# The one allowlist: what the admin's editor (django-prose-editor) offers is
# exactly what nh3 keeps, because both are made from this configuration.
EDITOR_EXTENSIONS = {
    "Bold": True,
    "Italic": True,
    "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto"]},
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "Blockquote": True,
    "HardBreak": True,
}


_SEMANTIC = {"b": "strong", "i": "em"}
_PRESENTATIONAL = re.compile(r"<(/?)(b|i)(?:\s[^>]*)?>", re.IGNORECASE)


def allowlist() -> dict:
    """nh3 arguments (tags, attributes, url_schemes, link_rel) for EDITOR_EXTENSIONS.

    Worked out on each call (about 20 µs), only when editor HTML is saved: nothing outlives it.
    """
    return allowlist_from_extensions(EDITOR_EXTENSIONS)


def sanitize_html(html: str) -> str:
    """Return `html` reduced to the allowlist: no scripts, styles or event handlers."""
    if not html:
        return ""
    # Pasted HTML often says <b>/<i>; keep the emphasis in the editor's own tags.
    html = _PRESENTATIONAL.sub(lambda m: f"<{m[1]}{_SEMANTIC[m[2].lower()]}>", html)
    cleaned = nh3.clean(html, clean_content_tags={"script", "style"}, strip_comments=True, **allowlist())
    # The editor's empty document is one empty paragraph: store it as empty.
    return "" if cleaned.strip() in ("<p></p>", "<p><br></p>") else cleaned.strip()


def markdown_to_html(text: str) -> str:
    """Render Markdown and sanitize the result (raw HTML in the source is cleaned too)."""
    html = markdown_lib.markdown(text or "", output_format="html")
    return sanitize_html(html)


def html_to_text(html: str) -> str:
    """Plain text of sanitized HTML (sanitize_html()'s output), for word counts and descriptions.

    A regular expression is exact here: nh3 escapes "<" and ">" in text and in
    attribute values and drops comments. It is four times faster than HTMLParser,
    and the article page's structured data runs it on every FAQ answer.
    """
    text = _TAG.sub(lambda m: " " if not m.group(1) and m.group(2).lower() in _BREAK_TAGS else "", html or "")
    return re.sub(r"\s+", " ", unescape(text)).strip()


_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*>")
_BREAK_TAGS = {"p", "li", "br"}


def count_words(*texts: str) -> int:
    return sum(len(re.findall(r"[\w’'-]+", t or "")) for t in texts)


# Characters Markdown would read as syntax inside running text.
_INLINE_ESCAPES = re.compile(r"([\\`*_\[\]<])")
# Text at the start of a line that Markdown would read as a block.
_BLOCK_START = re.compile(r"^(\s*)(#|>|[-+*](?=\s))")
_ORDERED_START = re.compile(r"^(\s*\d+)([.)])(?=\s)")


def _escape_inline(text: str) -> str:
    text = text.replace("&", "&amp;")
    return _INLINE_ESCAPES.sub(lambda m: "&lt;" if m.group(1) == "<" else "\\" + m.group(1), text)


class _MarkdownWriter(HTMLParser):
    """Turn allowlisted HTML (the output of sanitize_html) back into Markdown."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []  # finished top-level blocks
        self.inline: list[str] = []  # the inline run being built
        self.lists: list[dict] = []  # open lists, innermost last
        self.links: list[dict] = []
        self.quotes: list[tuple[list, list]] = []  # (outer blocks, outer lists) of each open quote

    # Blocks -----------------------------------------------------------
    def _flush_inline(self):
        text = re.sub(r"[ \t\r\n]+", " ", "".join(self.inline)).strip()
        self.inline = []
        if not text:
            return
        text = _BLOCK_START.sub(r"\1\\\2", text)
        text = _ORDERED_START.sub(r"\1\\\2", text)
        if self.lists:
            current = self.lists[-1]
            indent = "    " * (len(self.lists) - 1)
            marker = "-" if current["ordered"] is False else f"{current['counter']}."
            if current["item_open"]:
                # A second paragraph inside the same item.
                current["lines"].append(f"{indent}    {text}")
            else:
                if current["lines"] and current["lines"][-1].lstrip().startswith(">"):
                    current["lines"].append("")  # or Markdown would carry the quote on into this item
                current["lines"].append(f"{indent}{marker} {text}")
                current["item_open"] = True
        else:
            self.blocks.append(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "p":
            self._flush_inline()
        elif tag in {"ul", "ol"}:
            self._flush_inline()
            self.lists.append({"ordered": tag == "ol", "counter": 0, "lines": [], "item_open": False})
        elif tag == "li":
            self._flush_inline()
            current = self.lists[-1] if self.lists else None
            if current is not None:
                current["counter"] += 1
                current["item_open"] = False
        elif tag == "blockquote":
            # A quote is a document of its own, written then prefixed with "> ".
            self._flush_inline()
            self.quotes.append((self.blocks, self.lists))
            self.blocks, self.lists = [], []
        elif tag in {"strong", "b"}:
            self.inline.append("**")
        elif tag in {"em", "i"}:
            self.inline.append("*")
        elif tag == "br":
            self.inline.append("  \n")
        elif tag == "a":
            # A link that lost its href to the sanitizer is only its text.
            self.links.append(attrs)
            if attrs.get("href"):
                self.inline.append("[")

    def handle_endtag(self, tag):
        if tag == "p":
            self._flush_inline()
        elif tag == "li":
            self._flush_inline()
        elif tag in {"ul", "ol"}:
            self._flush_inline()
            finished = self.lists.pop()
            if self.lists:
                parent = self.lists[-1]
                parent["lines"].extend(finished["lines"])
            else:
                self.blocks.append("\n".join(finished["lines"]))
        elif tag == "blockquote" and self.quotes:
            self._end_quote()
        elif tag in {"strong", "b"}:
            self.inline.append("**")
        elif tag in {"em", "i"}:
            self.inline.append("*")
        elif tag == "a":
            attrs = self.links.pop() if self.links else {}
            if not attrs.get("href"):
                return
            href = (attrs.get("href") or "").replace(" ", "%20").replace(")", "%29")
            title = attrs.get("title")
            target = f'{href} "{title}"' if title else href
            self.inline.append(f"]({target})")

    def _end_quote(self):
        self._flush_inline()
        while self.lists:
            self.handle_endtag("ul")
        quoted = "\n".join(f"> {line}".rstrip() for line in "\n\n".join(self.blocks).split("\n"))
        self.blocks, self.lists = self.quotes.pop()
        if not self.lists:
            self.blocks.append(quoted)
            return
        # A quote inside a list item: its lines are indented under the item.
        current = self.lists[-1]
        indent = "    " * len(self.lists)
        current["lines"].extend(["", *(indent + line for line in quoted.split("\n"))])
        current["item_open"] = True

    def handle_data(self, data):
        self.inline.append(_escape_inline(data))

    def close(self):
        super().close()
        self._flush_inline()
        while self.quotes:
            self._end_quote()
        while self.lists:
            self.handle_endtag("ul")


def html_to_markdown(html: str) -> str:
    """Markdown that renders (through markdown_to_html) to the same sanitized HTML."""
    writer = _MarkdownWriter()
    writer.feed(sanitize_html(html))
    writer.close()
    return "\n\n".join(writer.blocks)
