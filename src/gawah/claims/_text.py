"""Plain text from HTML, and sentences with their character offsets.

The splitter is deliberately simple and keeps a quotation together:
``"No one was killed. A few were hurt," the minister said.`` is one sentence,
so the figure inside the quote stays next to the person who said it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

_BLOCK_TAGS = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
     "tr", "table", "section", "article", "header", "footer", "blockquote", "title"}
)  # fmt: skip
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "head"})

# Words after which a full stop does not end a sentence.
_ABBREVIATIONS = frozenset(
    {"mr", "mrs", "ms", "dr", "prof", "gen", "lt", "col", "maj", "capt", "sgt", "st",
     "no", "vs", "jr", "sr", "inc", "ltd", "co", "govt", "dept", "approx", "est",
     "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
     "u.s", "u.k", "u.n", "a.m", "p.m"}
)  # fmt: skip
_MAX_QUOTE = 600  # an unclosed quotation longer than this is a typo, not a quotation
_OPEN_QUOTES = frozenset('"“')
_CLOSE_QUOTES = frozenset('"”')


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Visible text of an HTML page, one block per line, scripts and styles dropped."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    lines = (re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def looks_like_html(text: str) -> bool:
    """True when the text carries markup (a tag near the start, or common block tags)."""
    head = text[:2000].lower()
    return bool(
        re.search(r"<(!doctype|html|body|p|div|article|br|span|h[1-6])\b", head)
    )


@dataclass(frozen=True, slots=True)
class Span:
    """A piece of the searched text and where it sits."""

    start: int
    end: int
    text: str


def split_sentences(text: str) -> list[Span]:
    """Sentences of ``text`` with offsets; blank lines and line ends also close a sentence."""
    spans: list[Span] = []
    start = 0
    in_quote_since: int | None = None
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\n" and (
            (i + 1 < n and text[i + 1] == "\n") or in_quote_since is None
        ):
            _add(spans, text, start, i)
            start = i + 1
            in_quote_since = None
        elif (
            ch in _OPEN_QUOTES
            and in_quote_since is None
            and (ch == "“" or _opens(text, i))
        ):
            in_quote_since = i
        elif ch in _CLOSE_QUOTES and in_quote_since is not None:
            in_quote_since = None
        elif (ch in ".!?" and _ends_sentence(text, i)) or ch in "۔؟":  # Urdu too
            if in_quote_since is not None and i - in_quote_since < _MAX_QUOTE:
                i += 1
                continue
            end = i + 1
            while end < n and text[end] in "\"”')]":
                end += 1
            _add(spans, text, start, end)
            start = end
            in_quote_since = None
            i = end
            continue
        i += 1
    _add(spans, text, start, n)
    return spans


def _opens(text: str, i: int) -> bool:
    """A straight quote opens when it starts the text or follows a space or bracket."""
    return i == 0 or text[i - 1] in " \t\n([—-"


def _ends_sentence(text: str, i: int) -> bool:
    if text[i] == ".":
        if i + 1 < len(text) and text[i + 1].isdigit():
            return False  # 16.9
        word = re.search(r"([\w.]+)$", text[max(0, i - 40) : i])
        if word and word.group(1).lower() in _ABBREVIATIONS:
            return False
        if word and len(word.group(1)) == 1 and word.group(1).isupper():
            return False  # an initial: M. Ali
    rest = text[i + 1 : i + 4]
    return not rest or rest[0] in " \n\"”')]"


def _add(spans: list[Span], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append(Span(start, end, text[start:end]))


_CLAUSE_BREAK = re.compile(
    r";\s+|,?\s+but\s+|,\s+while\s+|,\s+whereas\s+|,\s+(?=where\s)"
)


def split_clauses(sentence: Span) -> list[Span]:
    """Clauses that may carry different speakers ("X said ...; police put it at ...")."""
    out: list[Span] = []
    pos = 0
    for m in _CLAUSE_BREAK.finditer(sentence.text):
        if _inside_quote(sentence.text, m.start()):
            continue
        out.append(_sub(sentence, pos, m.start()))
        pos = m.end()
    out.append(_sub(sentence, pos, len(sentence.text)))
    return [c for c in out if c.text.strip()]


def _inside_quote(text: str, pos: int) -> bool:
    return text[:pos].count('"') % 2 == 1 or text[:pos].count("“") > text[:pos].count(
        "”"
    )


def _sub(span: Span, a: int, b: int) -> Span:
    return Span(span.start + a, span.start + b, span.text[a:b])
